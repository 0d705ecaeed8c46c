"""The base of every config block: strict models, path fields, YAML reading and readable validation errors.

Kept apart from :mod:`curate.config` (the whole run) so that stage configs and classifier recipes can use it.

A path field (:data:`PathStr`) resolves a relative path against the folder of the file it was written in: the
validation context's ``base`` (the config's folder for a YAML file, the working directory for command-line options).
URLs (``s3://...``) and absolute paths are kept as they are. :data:`PathOrName` does the same only when the path
exists, and otherwise keeps the value as a name (``tokenizer: gpt-neox-20b``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, ValidationInfo

from curate.errors import ConfigError


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a YAML key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _resolved(value: str, info: ValidationInfo) -> Path | None:
    base = (info.context or {}).get("base")
    value = os.path.expanduser(value)
    if "://" in value or os.path.isabs(value) or base is None:
        return None
    return (Path(base) / value).resolve()


def _path(value: str, info: ValidationInfo) -> str:
    resolved = _resolved(value, info)
    return os.path.expanduser(value) if resolved is None else str(resolved)


def _path_or_name(value: str, info: ValidationInfo) -> str:
    resolved = _resolved(value, info)
    return str(resolved) if resolved is not None and resolved.exists() else value


PathStr = Annotated[str, AfterValidator(_path)]
PathOrName = Annotated[str, AfterValidator(_path_or_name)]


def read_yaml_mapping(path: Path, keys_hint: str) -> dict:
    """The mapping in a YAML file; a missing file, bad YAML or another top-level type is a :class:`ConfigError`
    (``keys_hint`` says which keys the file should hold)."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path} is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping with the keys {keys_hint}")
    return data


def format_validation_error(err: ValidationError, source: str) -> str:
    """One line per problem: ``key.path: what is wrong (got VALUE)``."""
    lines = [f"invalid config {source}:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against the documented keys"
        got = e.get("input")
        shown = "" if e["type"] in ("missing", "extra_forbidden") or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"  {loc}: {msg}{shown}")
    return "\n".join(lines)


def validate(model: type[BaseModel], data: dict, source: str, base: str | Path | None = None):
    """``model`` validated from ``data``, relative paths resolved against ``base``; a :class:`ConfigError` naming
    every bad key otherwise."""
    try:
        return model.model_validate(data, context={"base": str(base) if base is not None else None})
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, source)) from None
