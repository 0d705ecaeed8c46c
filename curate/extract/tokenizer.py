"""datatrove's English word tokenization, exact and cheap, shared by the stage's text filters.

datatrove's Gopher repetition, Gopher quality and FineWeb filters split a page into words with spaCy
(``split_into_words(text, language)``), and C4 splits each kept line into sentences. Their ``language`` argument also
accepts a :class:`~datatrove.utils.word_tokenizers.WordTokenizer` instance, so the stage hands them (and its own
reimplementations of them, :mod:`curate.extract.heuristics`) one :class:`SharedWordTokenizer`. It returns the words
and sentences datatrove's tokenizer returns, for less:

- spaCy's tokenizer cuts the text at whitespace first and splits each whitespace-free chunk on its own (prefixes,
  suffixes, infixes, special cases: nothing crosses a chunk boundary), so the words of a text are the words of its
  chunks (``text.split()``) in order. The words of each distinct chunk are remembered, and only chunks never seen
  before go to spaCy, in one call. Most chunks of a page ("the", "and", "of") were seen on earlier pages, and the
  words of a text that a filter shortened (C4 removes lines) are all remembered already.
- the words of the last text are remembered whole, as a :class:`~curate.extract.ngrams.WordSequence` (word ids,
  lengths, distinct words), so the second filter on a page gets them for nothing;
- the words come from a spaCy tokenizer whose vocabulary computes no lexical attributes (``like_num``, word shape...:
  Python functions spaCy runs for every word it has not seen, most of the cost of a new word, and never used to
  place a token boundary). Sentences, which spaCy's sentencizer finds from those attributes, come from a second,
  plain pipeline built as datatrove builds it.
- spaCy runs outside a memory zone. datatrove tokenizes inside ``memory_zone()``, which frees every word spaCy learnt
  during the call, so spaCy builds the same lexemes again on every page. Here the vocabulary persists, and to keep
  memory bounded each spaCy pipeline is rebuilt once it holds ``max_strings`` strings (the chunk memory is emptied
  at ``max_chunks`` chunks). The pipelines are built once per process, like datatrove's tokenizer, so the tasks a
  worker runs one after another share them.

Anything the fast path cannot handle (spaCy raising on a text) goes to datatrove's own tokenizer, which has its
own workaround. ``tests/extract/test_tokenizer.py`` checks the words against datatrove's on real pages.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
from datatrove.utils.word_tokenizers import SpaCyTokenizer, WordTokenizer

from curate.extract.ngrams import WordSequence


class SharedWordTokenizer(WordTokenizer):
    """datatrove's word tokenizer for ``language``, with the words of chunks and of the last text remembered.

    Each call returns a fresh list, so a filter that changed its list could not change what the next one sees.
    """

    def __init__(self, language: str = "en", max_strings: int = 1_000_000, max_chunks: int = 500_000):
        super().__init__(language)
        self.max_strings = max_strings
        self.max_chunks = max_chunks
        self._inner: WordTokenizer | None = None
        self._chunks: dict[str, tuple[str, ...]] = {}
        self._last_text: str | None = None
        self._last: WordSequence | None = None

    @property
    def inner(self) -> WordTokenizer:
        """datatrove's tokenizer for the language (spaCy for English), loaded on first use, on the worker."""
        if self._inner is None:
            from datatrove.utils.word_tokenizers import load_word_tokenizer

            self._inner = load_word_tokenizer(self.language)
        return self._inner

    def _plain_spacy(self) -> bool:
        """Whether datatrove's tokenizer for the language is a plain spaCy one (blank language + sentencizer)."""
        return isinstance(self.inner, SpaCyTokenizer) and self.inner.config is None

    def _spacy(self, purpose: str):
        """Our spaCy pipeline for ``"sentences"`` (built as datatrove builds it) or ``"words"`` (the same tokenizer,
        no lexical attributes), or None when the language's tokenizer is not a plain spaCy one."""
        return spacy_pipeline(self.language, purpose, self.max_strings) if self._plain_spacy() else None

    def word_tokenize(self, text: str) -> list[str]:
        return list(self.sequence(text).words)

    def sequence(self, text: str) -> WordSequence:
        """The words of ``text`` as a :class:`~curate.extract.ngrams.WordSequence` (read-only; remembered for the
        last text, which the next filter on the page asks for again)."""
        if text is not self._last_text and text != self._last_text:
            self._last = WordSequence(self._words(text))
            self._last_text = text
        return self._last

    def _words(self, text: str) -> list[str]:
        nlp = self._spacy("words")
        if nlp is None:
            return self.inner.word_tokenize(text)
        chunks = text.split()
        found = list(map(self._chunks.get, chunks))
        if None in found:
            try:
                self._learn(nlp, [c for c, words in zip(chunks, found) if words is None])
            except Exception:  # noqa: BLE001 - datatrove's tokenizer has the workaround for texts spaCy rejects
                return self.inner.word_tokenize(text)
            # _learn may have emptied the memory: the words found before it did are kept from found
            found = [self._chunks[c] if words is None else words for c, words in zip(chunks, found)]
        return list(chain.from_iterable(found))

    def _learn(self, nlp, chunks: list[str]) -> None:
        """Tokenize the chunks not seen before, in one spaCy call over them joined by spaces."""
        from spacy.attrs import IDX, LENGTH

        if len(self._chunks) > self.max_chunks:
            self._chunks.clear()
        new = list(dict.fromkeys(chunks))
        joined = " ".join(new)
        tokens = nlp.tokenizer(joined).to_array([IDX, LENGTH])
        starts = np.cumsum([0] + [len(c) + 1 for c in new[:-1]])
        bounds = np.searchsorted(tokens[:, 0], starts).tolist() + [len(tokens)]
        spans = tokens.tolist()
        for chunk, lo, hi in zip(new, bounds, bounds[1:]):
            self._chunks[chunk] = tuple(joined[i : i + n] for i, n in spans[lo:hi])

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        nlp = self._spacy("sentences")
        if nlp is not None:
            try:
                return [(sent.start_char, sent.end_char) for sent in nlp(text).sents]
            except Exception:  # noqa: BLE001 - as in _words
                pass
        return self.inner.span_tokenize(text)

    def sent_tokenize(self, text: str) -> list[str]:
        return self.inner.sent_tokenize(text)

    def __getstate__(self) -> dict:
        return {"language": self.language, "max_strings": self.max_strings, "max_chunks": self.max_chunks,
                "_inner": None, "_chunks": {}, "_last_text": None, "_last": None}


_PIPELINES: dict[tuple[str, str], object] = {}  # (language, purpose) -> spaCy Language, one per process


def spacy_pipeline(language: str, purpose: str, max_strings: int):
    """The process's spaCy pipeline for ``language`` and ``purpose`` ("words" or "sentences"), built on first use
    and built afresh once its vocabulary holds more than ``max_strings`` strings."""
    nlp = _PIPELINES.get((language, purpose))
    if nlp is None or len(nlp.vocab.strings) > max_strings:
        import spacy

        nlp = spacy.blank(language)
        nlp.max_length = 2**31 - 1  # datatrove lifts the limit per text; pages are bounded upstream
        if purpose == "sentences":
            nlp.add_pipe("sentencizer")
        else:
            nlp.vocab.lex_attr_getters = {}
        _PIPELINES[(language, purpose)] = nlp
    return nlp
