"""Final-answer extraction and the plurality vote.

An answer is the text after the last ``Answer:`` (what the prompt asks for), else after GSM8K's ``####``, else the
last ``\\boxed{...}``, else the last number in the text. Answers are normalised so that equal answers vote
together: one that opens with yes or no is that word; numbers lose their formatting (``$1,200.00`` → ``1200``);
other answers are compared as their lowercased words, without a leading article.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_MARKERS = (re.compile(r"answer\s*(?:is)?\s*[:=]\s*(.+)", re.IGNORECASE), re.compile(r"####\s*(.+)"))
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_YES_NO = re.compile(r"^(yes|no)\b", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+")


def normalize(answer: str) -> str | None:
    """A comparable form of an answer: yes or no, else the first number in it, else its lowercased words."""
    answer = answer.strip().strip(".").strip()
    yes_no = _YES_NO.match(answer)
    if yes_no:
        return yes_no.group(1).lower()
    m = _NUMBER.search(answer)
    if m:
        value = float(m.group().replace(",", ""))
        return str(int(value)) if value.is_integer() else f"{value:g}"
    words = _WORDS.findall(answer.lower())
    if words and words[0] in ("a", "an", "the"):
        words = words[1:]
    return " ".join(words) or None


def extract_answer(text: str) -> str | None:
    """The final answer stated in a solution, normalised; None when there is none."""
    for marker in _MARKERS:
        hits = marker.findall(text)
        if hits:
            return normalize(hits[-1])
    boxed = _BOXED.findall(text)
    if boxed:
        return normalize(boxed[-1])
    numbers = _NUMBER.findall(text)
    return normalize(numbers[-1]) if numbers else None


@dataclass
class Vote:
    answer: str | None  # the plurality answer (None when there is no strict plurality)
    votes: int  # how many samples gave it
    samples: int  # how many samples were drawn
    distinct: int  # distinct extracted answers

    @property
    def agreement(self) -> float:
        return self.votes / self.samples if self.samples else 0.0


def vote(answers: list[str | None], samples: int) -> Vote:
    """Majority vote over extracted answers (None = no answer, never a vote)."""
    counts = Counter(a for a in answers if a is not None).most_common()
    if not counts:
        return Vote(None, 0, samples, 0)
    top, n = counts[0]
    if len(counts) > 1 and counts[1][1] == n:
        top = None  # a tie: no plurality answer
    return Vote(top, n, samples, len(counts))


def verdict(v: Vote) -> str | None:
    """Why the question is dropped (Phi-4: all agree = too easy, none agree = too hard or ambiguous), or None."""
    if v.votes == 0:
        return "no_answer"
    if v.votes == v.samples:
        return "all_agree"
    if v.votes == 1:
        return "none_agree"
    if v.answer is None:
        return "tie"
    return None
