"""Rule-based mining of the questions already on a page: FAQ, Q:/A:, numbered questions, textbook exercises.

The rules follow what real pages and textbook sections look like once extracted to text (one paragraph per line or
per blank-line-separated block), as found in the bundled pages and the OpenStax sections of ../shared/data:

- ``qa_label``: a ``Q:`` / ``Question:`` block, its answer in the ``A:`` / ``Answer:`` block after it (or after the
  question on the same line);
- ``faq``: a short question block (a heading of an FAQ, a recipe's "How long to cook focaccia?") whose next block is
  a statement: that block is its answer;
- ``inline_qa``: "Are bicycles allowed? Folding bicycles will be accepted only." — a question sentence opening a
  block, the rest of the block answering it;
- ``numbered``: "3. Why did the teddy bear say no to dessert?" (jokes, quizzes, worksheets), answered by the next
  block when that one is a statement;
- ``exercise``: under an exercise heading ("Review Questions", "Problems", "Try It", "Check Your Learning",
  "Critical Thinking Questions"...), each task ("Find...", "Explain...", a question), answered by an ``Answer:``
  block when there is one; a fill-in-the-blank stem followed by its options and the key letter becomes a
  ``multiple_choice`` seed with its options and the keyed option as answer;
- ``question``: any other block that is a question (its last sentence starts with an interrogative word and it
  ends with "?"), without an answer: forum and discussion questions.

Questions that need their page (figures, "the following", "this recipe") are not judged here: the seed checks drop
them as ``not_standalone`` (:mod:`curate.seeds.checks`), so the funnel shows how many there were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INTERROGATIVE = re.compile(
    r"^(what|what's|whats|how|why|when|where|who|whom|whose|which|is|are|was|were|am|can|could|do|does|did|should|"
    r"would|will|has|have|had|may|might|must|shall|isn't|aren't|don't|doesn't|didn't|can't|won't)\b", re.IGNORECASE)
_IMPERATIVE = re.compile(
    r"^(find|solve|calculate|compute|determine|evaluate|simplify|write|explain|describe|compare|contrast|show|prove|"
    r"derive|estimate|graph|identify|name|list|give|define|discuss|state|convert|predict|classify|express|factor|"
    r"expand|translate|use|sketch|summarize|analyze|analyse|outline|how|what|why)\b",
    re.IGNORECASE)
_EXERCISE_HEADING = re.compile(
    r"^(review questions?|conceptual questions?|critical thinking( questions)?|(additional |challenge )?problems|"
    r"(section |writing |chapter |review |practice )?exercises|practice( makes perfect| problems| questions| test)?|"
    r"try it( now)?|check your (learning|understanding)|self[- ]check|everyday math|quiz|homework|"
    r"test (prep|yourself)|exam questions)\s*:?$", re.IGNORECASE)
_Q_LABEL = re.compile(r"^(?:q|question)\s*\d*\s*[:.)]\s*(?P<rest>\S.*)$", re.IGNORECASE)
_A_LABEL = re.compile(r"^(?:a|ans|answer)\s*\d*\s*[:.)]\s*(?P<rest>.*)$", re.IGNORECASE)
_NUMBER = re.compile(r"^(?:(?:exercise|problem|question)\s+)?\(?\d{1,3}[.)]\s+(?P<rest>\S.*)$", re.IGNORECASE)
_BULLET = re.compile(r"^([-•*·–]|[ⓐ-ⓩ])\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-Z0-9])")
_KEY = re.compile(r"^[A-E]$")
_CONDITION = re.compile(r"^(if|when|and|or|but)\b", re.IGNORECASE)  # "If not, give an example.": more task, no answer
_OPENING = re.compile(r"^[\"“‘(_]?[A-Z0-9¿¡_]")  # a question opens a sentence; "…with some help" is a cut
_BLANK = re.compile(r"_{3,}")
_WORD = re.compile(r"\w+")
MAX_QUESTION_CHARS = 1200


@dataclass(frozen=True)
class Block:
    text: str
    start: int
    end: int


@dataclass
class MinedSeed:
    question: str
    answer: str | None
    pattern: str
    span: tuple[int, int]  # characters of the source text the seed came from: question through answer


def blocks(text: str) -> list[Block]:
    """Non-empty lines of ``text`` (stripped) with their character offsets."""
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped[0])
            out.append(Block(stripped, start, start + len(stripped)))
        pos += len(line) + 1
    return out


def n_words(text: str) -> int:
    return len(_WORD.findall(text))


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def is_question(text: str) -> bool:
    """A question block: ends with "?" and its last sentence opens with an interrogative word."""
    text = _BULLET.sub("", text)
    return text.endswith("?") and bool(_INTERROGATIVE.match(sentences(text)[-1].lstrip("\"“(")))


def is_heading(text: str) -> bool:
    """A heading line: short, capitalised, without the punctuation that ends a sentence or an answer."""
    words = text.split()
    return 1 <= len(words) <= 10 and text[0].isupper() and not re.search(r"[.?!:;,)\]]$", text) \
        and sum(c.isalpha() for c in text) >= 0.7 * len(text.replace(" ", ""))


def is_statement(text: str) -> bool:
    """An answer-like block: words, not a question, not a heading."""
    return n_words(text) >= 2 and not text.endswith("?") and not is_heading(text)


def is_task(text: str) -> bool:
    """An exercise: a question, an instruction ("Find...", "Explain..."), or a fill-in-the-blank stem."""
    body = _NUMBER.sub(r"\g<rest>", _BULLET.sub("", text))
    return n_words(body) >= 3 and (body.endswith("?") or bool(_BLANK.search(body))
                                   or bool(_IMPERATIVE.match(body)) and body.endswith((".", ":")))


def mine(text: str) -> list[MinedSeed]:
    """Every question found on a page, in page order (see the module docstring for the patterns)."""
    bs = blocks(text)
    seeds: list[MinedSeed] = []
    in_exercises = False
    i = 0
    while i < len(bs):
        b = bs[i]
        if _EXERCISE_HEADING.match(b.text):
            in_exercises, i = True, i + 1
            continue
        if in_exercises and is_heading(b.text) and n_words(b.text) >= 2:
            in_exercises = False  # the next section's title
        seed, used = _at(bs, i, in_exercises)
        if seed is not None and len(seed.question) <= MAX_QUESTION_CHARS and _OPENING.match(seed.question):
            seeds.append(seed)
        i += max(used, 1)
    return seeds


def _at(bs: list[Block], i: int, in_exercises: bool) -> tuple[MinedSeed | None, int]:
    """The seed starting at block ``i`` and how many blocks it spans (0: none here)."""
    b, nxt = bs[i], bs[i + 1] if i + 1 < len(bs) else None
    label = _Q_LABEL.match(b.text)
    if label:
        question, _, inline = label["rest"].partition(" A: ")
        answer = _A_LABEL.match(nxt.text) if nxt is not None and not inline else None
        if inline:
            return MinedSeed(question.strip(), inline.strip(), "qa_label", (b.start, b.end)), 1
        if answer and answer["rest"]:
            return MinedSeed(question, answer["rest"], "qa_label", (b.start, nxt.end)), 2
        return MinedSeed(question, None, "qa_label", (b.start, b.end)), 1
    if in_exercises and is_task(b.text):
        return _exercise(bs, i)
    numbered = _NUMBER.match(b.text)
    if numbered and is_question(numbered["rest"]):
        return _with_answer(numbered["rest"], bs, i, "numbered")
    if is_question(b.text):
        short = n_words(b.text) <= 25 and len(sentences(b.text)) == 1
        return _with_answer(_BULLET.sub("", b.text), bs, i, "faq" if short else "question")
    first = sentences(b.text)[0]
    rest = b.text[len(first):].strip()
    if first.endswith("?") and is_question(first) and n_words(first) <= 30 and "?" not in rest \
            and not _IMPERATIVE.match(rest) and not _CONDITION.match(rest):
        return MinedSeed(first, rest, "inline_qa", (b.start, b.end)), 1
    return None, 0


def _with_answer(question: str, bs: list[Block], i: int, pattern: str) -> tuple[MinedSeed, int]:
    """A question block answered by the next block when that one is a statement (``faq`` and ``numbered``)."""
    b = bs[i]
    nxt = bs[i + 1] if i + 1 < len(bs) else None
    if pattern in ("faq", "numbered") and nxt is not None and is_statement(nxt.text) and not _NUMBER.match(nxt.text):
        return MinedSeed(question, nxt.text, pattern, (b.start, nxt.end)), 2
    return MinedSeed(question, None, "question" if pattern == "faq" else pattern, (b.start, b.end)), 1


def _exercise(bs: list[Block], i: int) -> tuple[MinedSeed, int]:
    """An exercise, with its options and key (multiple choice) or its ``Answer:`` block when present."""
    b = bs[i]
    question = _NUMBER.sub(r"\g<rest>", _BULLET.sub("", b.text))
    options = []
    j = i + 1
    while j < len(bs) and len(options) < 6 and not _KEY.match(bs[j].text) and n_words(bs[j].text) <= 12 \
            and not is_task(bs[j].text) and not _A_LABEL.match(bs[j].text):
        options.append(bs[j].text)
        j += 1
    if 2 <= len(options) <= 5 and j < len(bs) and _KEY.match(bs[j].text):
        key = ord(bs[j].text) - ord("A")
        if key < len(options):
            lettered = "\n".join(f"{chr(ord('A') + k)}. {o}" for k, o in enumerate(options))
            seed = MinedSeed(f"{question}\n{lettered}", options[key], "multiple_choice", (b.start, bs[j].end))
            return seed, j - i + 1
    nxt = bs[i + 1] if i + 1 < len(bs) else None
    answer = _A_LABEL.match(nxt.text) if nxt is not None else None
    if answer is not None:
        if answer["rest"]:
            return MinedSeed(question, answer["rest"], "exercise", (b.start, nxt.end)), 2
        if i + 2 < len(bs):
            return MinedSeed(question, bs[i + 2].text, "exercise", (b.start, bs[i + 2].end)), 3
    return MinedSeed(question, None, "exercise", (b.start, b.end)), 1
