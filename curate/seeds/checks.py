"""The checks every seed must pass; each failure is a drop reason with its own count.

Each check is a plain function of texts, so it can be tested and tuned on its own. In order (the first failure is the
reason): ``empty``, ``not_a_question`` (neither a question nor a task), ``not_standalone`` (it needs its page:
"the passage", "the figure above", "this recipe", or it opens with a pronoun or a conjunction that points back),
``too_short`` / ``too_long`` (question or answer length), ``unsupported`` (an LLM answer whose words are not in
its passage). Code answers are checked by running them (:mod:`curate.seeds.sandbox`), not here.
"""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from curate.seeds.config import SeedChecks

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_TASK = re.compile(
    r"^(find|solve|calculate|compute|determine|evaluate|simplify|write|explain|describe|compare|contrast|show|prove|"
    r"derive|estimate|graph|identify|name|list|give|define|discuss|state|convert|predict|classify|express|factor|"
    r"expand|translate|sketch|summarize|summarise|analyze|analyse|outline|implement|create|complete|fill)\b",
    re.IGNORECASE)
_BLANK = re.compile(r"_{3,}")
# what a question can point at that only its page shows: the page itself, its pictures, its other items
_PAGE = (r"passage|text|excerpt|article|paragraph|post|page|section|chapter|author|writer|reading|lesson|video|"
         r"story|blog|website|site|document|checklist|recipe|snippet")
_VISUAL = r"figure|fig\.|table|graph|chart|diagram|picture|photo|photograph|map|illustration"  # not "image" (optics)
_ITEM = r"examples?|exercises?|problems?|statements?|list|equations?|data|code|program"
# pointing anywhere in the question ("the author of Hamlet", "the graph of y = f(x)" describe, so "of" is exempt)
_REFERENCE = re.compile(
    rf"\b(in|from|according to|based on|per|see) (the|this) ({_PAGE})\b"
    rf"|\b(the|this|these|that|those) ({_PAGE}|{_VISUAL})\b(?!\s+of\b)"
    rf"|\b(the )?(above|below|preceding|previous|accompanying) ({_PAGE}|{_VISUAL}|{_ITEM})\b"
    rf"|\bthe (given|provided) ({_PAGE}|{_VISUAL}|{_ITEM})\b"
    r"|\b(shown|given|listed|described|mentioned|defined|discussed|see|as) (above|below|earlier)\b"
    r"|\b(the above|aforementioned|previously mentioned)\b|\bshown (here|in)\b|\bas shown\b",
    re.IGNORECASE)
_NUMBERED = re.compile(r"\b(Figure|Fig\.|Table|Exercise|Example|Problem|Equation) \d")  # "equation 2 x + 7" is math
_FOLLOWING = re.compile(r"\b(the|of) following\b", re.IGNORECASE)  # fine when the options are in the question
_OPTIONS = re.compile(r"^A\. .+\nB\. ", re.MULTILINE)
_OPTION_LINE = re.compile(r"^[A-E]\. .*$", re.MULTILINE)  # "D. all of the above" is an option, not a pointer
# a question that opens by pointing back at something only its page names
_POINTING_START = re.compile(
    r"^(and|but|so|or|then|also|now|thus|hence|therefore|otherwise|if so|if not|in that case|why not|what about|"
    r"how about)\b|^((what|how|why|when|where|who|which)( (is|was|are|were|does|did|do|can|could|will|would|should|"
    r"has|have|had))?|is|was|are|were|does|did|do|can|could|will|would|should|has|have|had) "
    r"(this|that|they|these|those|he|she|him|her|them|their)\b",  # not "it": "What does it mean to...?"
    re.IGNORECASE)
# "this" in a question's first sentence points outside it ("this compound" named in an earlier sentence is fine;
# "this diagram" after "Draw the diagram..." too)
_THIS = re.compile(r"\b(this|these)\b(?! (year|month|week|season|time|morning|evening|century|decade|weekend)\b)",
                   re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_question_or_task(question: str) -> bool:
    """A question (ends with "?"), an instruction ("Find...", "Explain..."), or a fill-in-the-blank stem."""
    first_line = question.strip().split("\n")[0].rstrip()
    return first_line.endswith("?") or bool(_BLANK.search(first_line)) or bool(_TASK.match(first_line.lstrip("(\"“")))


def standalone_problem(question: str) -> str | None:
    """What makes the question depend on its page (the matched words), or None when it stands alone."""
    question = question.strip().lstrip("\"“(-–• ")
    first = _SENTENCE.split(question, maxsplit=1)[0]
    options = _OPTIONS.search(question)
    stem = _OPTION_LINE.sub("", question) if options else question
    following = None if options else _FOLLOWING.search(stem)
    m = (_REFERENCE.search(stem) or _NUMBERED.search(stem) or following or _POINTING_START.match(stem)
         or _THIS.search(first))
    return m.group(0) if m else None


def _stem(word: str) -> str:
    """A light stem, so that "tested" meets "testing": drops -ing, -ed, -es, -s when three letters remain."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def support(answer: str, passage: str) -> float:
    """Share of the answer's distinct content words (no stop words, no 1-letter tokens) found in the passage,
    compared by light stems."""
    content = {_stem(w) for w in words(answer) if len(w) > 1 and w not in ENGLISH_STOP_WORDS}
    if not content:
        return 1.0
    return len(content & {_stem(w) for w in words(passage)}) / len(content)


def check(question: str, answer: str | None, cfg: SeedChecks, passage: str | None = None) -> tuple[str | None, str]:
    """``(reason, detail)`` for a seed that fails a check, ``(None, "")`` for one that passes.

    ``passage`` is given for LLM answers, which must be supported by it; mined answers are the page's own words.
    """
    question = question.strip()
    if not question or answer is not None and not answer.strip():
        return "empty", "no question" if not question else "no answer"
    if not is_question_or_task(question):
        return "not_a_question", question[:80]
    problem = standalone_problem(question)
    if problem:
        return "not_standalone", problem
    n = len(words(question))
    if n < cfg.min_question_words:
        return "too_short", f"{n} words"
    if n > cfg.max_question_words:
        return "too_long", f"question of {n} words"
    if answer is not None and len(words(answer)) > cfg.max_answer_words:
        return "too_long", f"answer of {len(words(answer))} words"
    if passage is not None and answer is not None:
        share = support(answer, passage)
        if share < cfg.min_support:
            return "unsupported", f"{share:.2f} of the answer's content words are in the passage"
    return None, ""
