"""LLM extraction: versioned prompts, the passages sent, the rollout, and parsing the answer into pairs.

A prompt is a YAML file ``curate/seeds/prompts/<name>.yaml`` (``qa`` for pages and book sections, ``code`` for code
files) with ``name``, ``version`` (bumped whenever the wording changes; every seed records ``<name>.v<version>``),
``origin``, ``system``, ``instructions`` (may use ``{max_pairs}``) and ``template`` (``{instructions}``, ``{text}``).
``extraction.prompt_dir`` overrides them with the user's files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from datatrove.data import Document

from curate.errors import ConfigError
from curate.llm.inference import generate_or_refusal
from curate.rewrite.select import chunk_text
from curate.seeds.config import ExtractionConfig

SHIPPED = Path(__file__).with_name("prompts")
PROMPTS = ("qa", "code")
_KEYS = {"name", "version", "origin", "system", "instructions", "template"}
# "Question:" / "Q1:" / "**Answer:**" opening a line, or "Question:" / "Answer:" inside one
_MARKER = re.compile(r"^[*#>\-\s\d.)]*(?P<kind>question|answer|q|a)\s*\d*\s*\**\s*[:：]\**"
                     r"|(?<=\s)(?P<inline>question|answer)\s*\d*\s*[:：]", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class SeedPrompt:
    name: str
    version: int
    origin: str
    system: str
    instructions: str
    template: str

    @property
    def prompt_version(self) -> str:
        return f"{self.name}.v{self.version}"

    def messages(self, text: str, max_pairs: int) -> list[dict]:
        instructions = self.instructions.strip().replace("{max_pairs}", str(max_pairs))
        user = self.template.format(instructions=instructions, text=text.strip())
        return [{"role": "system", "content": self.system.strip()}, {"role": "user", "content": user}]


def load_prompts(prompt_dir: str | None = None) -> dict[str, SeedPrompt]:
    """The ``qa`` and ``code`` prompts: shipped, or the user's files of the same names in ``prompt_dir``."""
    prompts = {}
    for name in PROMPTS:
        path = Path(prompt_dir) / f"{name}.yaml" if prompt_dir else None
        path = path if path is not None and path.is_file() else SHIPPED / f"{name}.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise ConfigError(f"prompt file {path} is not valid YAML: {err}") from None
        if not isinstance(data, dict) or set(data) != _KEYS or "{text}" not in str(data["template"]):
            raise ConfigError(f"prompt file {path} must have exactly the keys {sorted(_KEYS)}, and its template "
                              "must contain {text}")
        prompts[name] = SeedPrompt(**{**data, "version": int(data["version"])})
    return prompts


class SeedRollout:
    """datatrove rollout: sends a passage with its prompt; a mined seed passes through without a request."""

    def __init__(self, prompt_dir: str | None, max_pairs: int):
        self.prompt_dir, self.max_pairs = prompt_dir, max_pairs
        self._prompts: dict[str, SeedPrompt] | None = None

    async def __call__(self, doc: Document, generate) -> dict:
        if doc.metadata.get("extractor") != "llm":
            return {"mined": True}
        if self._prompts is None:
            self._prompts = load_prompts(self.prompt_dir)
        prompt = self._prompts[doc.metadata["prompt"]]
        doc.metadata["prompt_version"] = prompt.prompt_version
        result, refusal = await generate_or_refusal(generate, {"messages": prompt.messages(doc.text, self.max_pairs)})
        if refusal is not None:
            return {"error": refusal}
        return {"text": result.text, "finish_reason": result.finish_reason, "usage": result.usage}

    def __getstate__(self):
        return {**self.__dict__, "_prompts": None}


def passages(text: str, cfg: ExtractionConfig) -> list[tuple[str, tuple[int, int]]]:
    """The passages of a page sent to the LLM, each with its character span in the page."""
    out, pos = [], 0
    for chunk in chunk_text(text, cfg.chunk_chars(), cfg.max_chunks):
        lines = chunk.split("\n")
        start = max(text.find(lines[0], pos), 0)
        last = text.find(lines[-1], start)
        end = last + len(lines[-1]) if last >= 0 else start + len(chunk)
        out.append((chunk, (start, end)))
        pos = end
    return out


def selection_problem(doc: Document, cfg: ExtractionConfig, is_code: bool) -> str | None:
    """Why a page is not sent to the LLM (``too_short``, ``too_long``, ``no_score``, ``low_score``), or None.
    Code files are sent whatever their score: the user named them."""
    n = len(doc.text or "")
    if n < cfg.min_chars:
        return "too_short"
    if n > cfg.max_chars:
        return "too_long"
    if is_code or cfg.score_key is None:
        return None
    score = doc.metadata.get(cfg.score_key)
    if not isinstance(score, (int, float)):
        return "no_score"
    return None if score >= cfg.min_score else "low_score"


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """(question, answer) pairs from an answer to the ``qa`` prompt: ``Question:`` / ``Q:`` markers, each followed
    by an ``Answer:`` / ``A:`` marker, on their own lines or inline; anything else is ignored."""
    marks = list(_MARKER.finditer(text))
    pairs = []
    kinds = [(m["kind"] or m["inline"]).lower()[0] for m in marks]
    for k, (m, nxt, after) in enumerate(zip(marks, marks[1:], marks[2:] + [None])):
        if kinds[k] == "q" and kinds[k + 1] == "a":
            question = text[m.end():nxt.start()].strip()
            answer = text[nxt.end(): after.start() if after else len(text)].strip()
            pairs.append((question, answer))
    return pairs
