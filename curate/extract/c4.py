"""C4's rules as datatrove's C4QualityFilter applies them, with every change to the text attributed to a rule.

datatrove's filter drops a page for lorem ipsum, a curly bracket or too few sentences (counted on the lines that pass
its line rules), and otherwise rewrites the page without the lines that fail a line rule, saying nothing of what it
removed. :class:`C4Rules` makes the same decisions and the same text (``tests/extract/test_filters_exact.py``
compares them on real pages) and returns what went, per rule, for the stage's ``edits/`` folder (the stage keeps the
page's text whole unless the C4 block says ``edit_text: true``):

- ``c4.too_long_word``, ``c4.no_terminal_punct``, ``c4.too_few_words``, ``c4.javascript``, ``c4.policy``: the lines
  the rule removed (stripped), their count and their characters;
- ``c4.citation``: the Wikipedia-style citation marks (``[1]``, ``[edit]``, ``[citation needed]``) cut out of kept
  lines;
- ``c4.whitespace``: empty lines removed, and the whitespace trimmed from the ends of every line.

Line breaks between lines are not counted as characters: for a text with ``\n`` line breaks, the characters of
all edits plus the lines removed equal the characters the text lost.

Two differences from datatrove's code, neither of which changes a decision or the text: sentences are counted only
until ``min_num_sentences`` is reached (past it the count cannot change the verdict, and splitting every kept line
into sentences was most of the filter's cost), and, when ``filter_no_terminal_punct`` is on, the option
``typographic_closers`` (on by default) also accepts lines ending in a typographic closing quote or bracket
(``” ’ » › ) ]``), which C4's list of ``. ? ! " '`` does not; with it off the decisions are datatrove's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from datatrove.pipeline.filters.c4_filters import CITATION_REGEX, ELLIPSIS, END_PUNCTUATION, POLICY_SUBSTRINGS

from curate.accounting import TextEdit

TYPOGRAPHIC_CLOSERS = ("”", "’", "»", "›", ")", "]")


@dataclass
class C4Outcome:
    """A verdict: ``reason`` for a dropped page (datatrove's: ``lorem_ipsum``, ``curly_bracket``,
    ``too_few_sentences``), else None with the kept ``text`` and the ``edits`` that made it."""

    reason: str | None
    text: str = ""
    edits: list[TextEdit] = field(default_factory=list)


class C4Rules:
    """C4QualityFilter's rules with its options (the C4 block of the config, less ``name``/``implementation``).

    ``split_sentences(text)`` must split as datatrove's ``split_into_sentences`` does for the filter's language.
    """

    def __init__(self, opts: dict, split_sentences: Callable[[str], list[str]]):
        self.opts = {k: v for k, v in opts.items() if k != "edit_text"}
        self.split_sentences = split_sentences
        self.end_punct = END_PUNCTUATION + (TYPOGRAPHIC_CLOSERS if self.opts.pop("typographic_closers", False) else ())

    def apply(self, text: str) -> C4Outcome:
        """Run the rules over ``text`` (nothing is changed in place)."""
        o = self.opts
        by_line = o["split_paragraph"]
        units = text.splitlines() if by_line else self.split_sentences(text)
        removed: dict[str, list[str]] = {}
        kept, citations, blank, trimmed, sentences = [], [], 0, 0, 0
        for unit in units:
            original = line = unit.strip()
            trimmed += len(unit) - len(original)
            rule = self._line_rule(line, o)
            if rule is None and o["remove_citations"]:
                line = CITATION_REGEX.sub("", line)
            if rule is None:
                rule = self._cleaned_line_rule(line, len(original.split()), o)
                if rule in ("lorem_ipsum", "curly_bracket"):
                    return C4Outcome(rule)
            if rule is not None:
                if original:
                    removed.setdefault(rule, []).append(original)
                else:
                    blank += 1
                continue
            if o["min_num_sentences"] != -1 and sentences < o["min_num_sentences"]:
                sentences += len(self.split_sentences(line)) if by_line else 1
            kept.append(line)
            if line != original:
                citations.extend(CITATION_REGEX.findall(original))
        if sentences < o["min_num_sentences"]:
            return C4Outcome("too_few_sentences")
        joined = ("\n" if by_line else " ").join(kept)
        result = joined.strip()
        edits = [TextEdit.of_lines(f"c4.{rule}", lines) for rule, lines in removed.items()]
        if citations:
            edits.append(TextEdit("c4.citation", citations, 0, sum(map(len, citations))))
        trimmed += len(joined) - len(result)
        if blank or trimmed:
            edits.append(TextEdit("c4.whitespace", [], blank, trimmed))
        return C4Outcome(None, result, edits)

    def _line_rule(self, line: str, o: dict) -> str | None:
        """The rule checked before citations are cut out: a word over ``max_word_length`` characters."""
        if o["max_word_length"] != -1 and any(len(word) > o["max_word_length"] for word in line.split()):
            return "too_long_word"
        return None

    def _cleaned_line_rule(self, line: str, n_words: int, o: dict) -> str | None:
        """The first rule ``line`` (citations cut out) fails, in datatrove's order; ``n_words`` counts the words
        before the cut, as datatrove does."""
        if o["filter_no_terminal_punct"] and (not line.endswith(self.end_punct) or line.endswith(ELLIPSIS)):
            return "no_terminal_punct"
        if n_words < o["min_words_per_line"]:
            return "too_few_words"
        lower = line.lower()
        if o["filter_lorem_ipsum"] and "lorem ipsum" in lower:
            return "lorem_ipsum"
        if o["filter_javascript"] and "javascript" in lower:
            return "javascript"
        if o["filter_curly_bracket"] and "{" in line:
            return "curly_bracket"
        if o["filter_policy"] and any(p in lower for p in POLICY_SUBSTRINGS):
            return "policy"
        return None
