"""Rewrite styles as versioned prompt files.

A style is one YAML file ``<style>.yaml`` (shipped in ``curate/rewrite/prompts/``, or in a folder the user names
with ``rewrite.prompt_dir``, whose files win over the shipped ones) with the keys:

- ``style``, ``version`` (an integer, bumped whenever the wording changes: outputs record ``<style>.v<version>``),
  ``origin`` (where the style comes from), ``quality`` (``high``: pages at or above ``min_score``; ``mid``: pages
  between ``mid_min_score`` and ``min_score``, as Nemotron-CC does with its wikipedia-style paraphrase);
- ``min_ratio``: an output shorter than this fraction of its source (in characters) is dropped as too short;
- ``system``, ``instructions`` and ``template`` (with ``{instructions}`` and ``{text}``): the chat messages;
- optional ``must_contain``: regular expressions (case-insensitive, multiline) that a rewrite in this style must
  all match, e.g. the ``Teacher:`` and ``Student:`` turns of a discussion; a rewrite missing one is dropped as
  ``wrong_format``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from curate.errors import ConfigError
from curate.storage import local_copy

SHIPPED = Path(__file__).with_name("prompts")
_KEYS = {"style", "version", "origin", "quality", "min_ratio", "system", "instructions", "template"}
_OPTIONAL = {"must_contain"}


@dataclass(frozen=True)
class StylePrompt:
    style: str
    version: int
    origin: str
    quality: str
    min_ratio: float
    system: str
    instructions: str
    template: str
    must_contain: tuple[str, ...] = ()

    @property
    def prompt_version(self) -> str:
        return f"{self.style}.v{self.version}"

    def messages(self, text: str) -> list[dict]:
        """The chat messages asking for this style's rewrite of ``text``."""
        user = self.template.format(instructions=self.instructions.strip(), text=text.strip())
        return [{"role": "system", "content": self.system.strip()}, {"role": "user", "content": user}]


def _read(path: Path) -> StylePrompt:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"prompt file {path} is not valid YAML: {err}") from None
    have = set(data) if isinstance(data, dict) else set()
    if not _KEYS <= have <= _KEYS | _OPTIONAL:
        raise ConfigError(f"prompt file {path} must have the keys {sorted(_KEYS)} (optional: {sorted(_OPTIONAL)}); "
                          f"missing {sorted(_KEYS - have)}, unknown {sorted(have - _KEYS - _OPTIONAL)}")
    if data["quality"] not in ("high", "mid") or "{text}" not in data["template"]:
        raise ConfigError(f"prompt file {path}: quality must be high or mid, and template must contain {{text}}")
    if data["style"] != path.stem:
        raise ConfigError(f"prompt file {path} declares style {data['style']!r}; name the file {data['style']}.yaml")
    patterns = data.get("must_contain") or []
    try:
        for pattern in patterns:
            re.compile(pattern)
    except (re.error, TypeError) as err:
        raise ConfigError(f"prompt file {path}: must_contain holds an invalid regular expression ({err})") from None
    return StylePrompt(**{**data, "version": int(data["version"]), "min_ratio": float(data["min_ratio"]),
                          "must_contain": tuple(patterns)})


class LazyStyles:
    """Style name → :class:`StylePrompt`, read from the prompt files on first use (on the worker, not the driver);
    pickles without the loaded prompts, so steps holding it ship cheaply to Slurm or Ray."""

    def __init__(self, styles: list[str], prompt_dir: str | None = None):
        self.styles, self.prompt_dir = list(styles), prompt_dir
        self._loaded: dict[str, StylePrompt] | None = None

    def __getitem__(self, style: str) -> StylePrompt:
        if self._loaded is None:
            self._loaded = load_styles(self.styles, self.prompt_dir)
        return self._loaded[style]

    def __getstate__(self):
        return {**self.__dict__, "_loaded": None}


def available_styles(prompt_dir: str | None = None) -> dict[str, Path]:
    """Style name → prompt file: the shipped ones, overridden or extended by ``prompt_dir``."""
    found = {p.stem: p for p in sorted(SHIPPED.glob("*.yaml"))}
    if prompt_dir:
        found.update({p.stem: p for p in sorted(Path(local_copy(prompt_dir)).glob("*.yaml"))})  # a URL: its copy
    return found


def load_styles(names: list[str], prompt_dir: str | None = None) -> dict[str, StylePrompt]:
    """Load the named styles; an unknown name is a ConfigError listing the known ones."""
    files = available_styles(prompt_dir)
    unknown = [n for n in names if n not in files]
    if unknown:
        raise ConfigError(f"unknown rewrite style(s) {', '.join(unknown)}; available: {', '.join(files)}")
    return {n: _read(files[n]) for n in names}
