"""Validation of generated rewrites: turn a generated candidate into the output document, or drop it with a reason.

Checks, in order (the first failing one is the drop reason): ``request_error`` (the server refused the request),
``empty``, ``truncated`` (finish reason ``length``: the rewrite was cut off at max_tokens), ``refusal`` (the model
declined: "I'm sorry, I can't..."), ``echo`` (the output copies an 8-word run of the instructions, or is mostly a
verbatim copy of the source), ``repetition`` (the model looped: too many words inside repeated n-grams),
``wrong_format`` (the style's ``must_contain`` patterns, e.g. a discussion without ``Teacher:`` turns), ``too_short``
(against the source, and in words) and ``wrong_language`` (py3langid disagrees with the source's language). Each check
is a plain function of texts, so it can be tested and tuned on its own.
"""

from __future__ import annotations

import re
from collections import Counter

from datatrove.data import Document

from curate.accounting import DropFilter
from curate.rewrite.config import ValidationConfig
from curate.rewrite.prompts import LazyStyles, StylePrompt

_REFUSAL = re.compile(
    r"\b(i'?m sorry|i am sorry|i apologi[sz]e|i cannot|i can'?t|i can not|i'?m (?:not able|unable)|i am (?:not able|"
    r"unable)|i won'?t be able|as an ai\b|as a language model|i do not feel comfortable)", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def is_refusal(text: str) -> bool:
    """A refusal or apology at the start of the answer (later mentions are content, not refusals)."""
    return bool(_REFUSAL.search(text[:200]))


def repeated_fraction(text: str, n: int) -> float:
    """Fraction of word positions covered by a word n-gram that occurs more than once (Gopher-style)."""
    tokens = words(text)
    grams = ngrams(tokens, n)
    if not grams:
        return 0.0
    counts = Counter(grams)
    covered = [False] * len(tokens)
    for i, g in enumerate(grams):
        if counts[g] > 1:
            covered[i:i + n] = [True] * n
    return sum(covered) / len(tokens)


def copies_instructions(text: str, instructions: str, n: int) -> bool:
    """Whether the output contains any run of ``n`` consecutive words of the instructions."""
    return bool(set(ngrams(words(text), n)) & set(ngrams(words(instructions), n)))


def source_copy_fraction(text: str, source: str, n: int) -> float:
    """Fraction of the output's word n-grams found verbatim in the source."""
    grams = ngrams(words(text), n)
    if not grams:
        return 0.0
    src = set(ngrams(words(source), n))
    return sum(g in src for g in grams) / len(grams)


def detect_language(text: str) -> str:
    import py3langid

    return py3langid.classify(text)[0]


def check(output: str, finish_reason: str, source: str, prompt: StylePrompt, cfg: ValidationConfig,
          language: str | None) -> str | None:
    """The drop reason for one generated rewrite, or None when it is kept."""
    text = output.strip()
    if not text:
        return "empty"
    if finish_reason == "length":
        return "truncated"
    if is_refusal(text):
        return "refusal"
    n = cfg.echo_ngram
    if copies_instructions(text, prompt.instructions, n) or source_copy_fraction(text, source, n) > cfg.max_source_copy:
        return "echo"
    if repeated_fraction(text, cfg.repetition_ngram) > cfg.max_repeated_fraction:
        return "repetition"
    if not all(re.search(p, text, re.IGNORECASE | re.MULTILINE) for p in prompt.must_contain):
        return "wrong_format"
    min_ratio = prompt.min_ratio if cfg.min_ratio is None else cfg.min_ratio
    n_words = len(words(text))
    if n_words < cfg.min_words or len(text) < min_ratio * len(source.strip()):
        return "too_short"
    if language and n_words >= cfg.min_language_words and detect_language(text) != language:
        return "wrong_language"
    return None


class ValidateRewrite(DropFilter):
    """Generated candidate → rewrite document (text = completion, metadata per the issue), or a drop."""

    name = "✅ validate rewrite"
    default_reason = "invalid"

    def __init__(self, styles: list[str], cfg: ValidationConfig, model: str, sampling: dict,
                 prompt_dir: str | None = None, rollouts_key: str = "rollouts"):
        super().__init__()
        self.cfg, self.model, self.sampling = cfg, model, dict(sampling)
        self.prompts, self.rollouts_key = LazyStyles(styles, prompt_dir), rollouts_key

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        source = doc.text
        rollouts = doc.metadata.pop(self.rollouts_key, None) or [{"error": "no generation recorded"}]
        result = rollouts[0]
        usage = result.get("usage") or {}
        doc.text = result.get("text") or ""
        doc.metadata.update(model=self.model, sampling=self.sampling, finish_reason=result.get("finish_reason"),
                            prompt_tokens=usage.get("prompt_tokens", 0),
                            completion_tokens=usage.get("completion_tokens", 0))
        if "error" in result:
            doc.metadata["error"] = result["error"]
            return False, "request_error"
        # the source's language, else the configured one; a null language disables the check
        language = None if self.cfg.language is None else doc.metadata.get("language") or self.cfg.language
        reason = check(doc.text, result.get("finish_reason") or "", source,
                       self.prompts[doc.metadata["style"]], self.cfg, language)
        if reason:
            return False, reason
        self.stat_update(f"kept/{doc.metadata['style']}")
        return True
