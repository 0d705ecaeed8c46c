"""User-facing errors: each says what is wrong and how to fix it, and the CLI prints it without a traceback."""


class CurateError(Exception):
    """An error the user can fix (bad config, missing file, missing optional package)."""


class ConfigError(CurateError):
    """The run configuration is invalid; raised before anything is launched."""


def missing_package(package: str, extra: str | None = None) -> CurateError:
    """The error to raise when an optional dependency is not installed."""
    hint = f"pip install 'curate[{extra}]'" if extra else f"pip install {package}"
    return CurateError(f"this feature needs the Python package {package!r}, which is not installed: {hint}")
