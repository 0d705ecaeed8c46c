"""The base of every config block, and the YAML reader every config file goes through (kept apart from
:mod:`curate.config` so stage configs can import them)."""

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from curate.errors import ConfigError


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a YAML key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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
