"""One word tokenization per document, shared by the stage's datatrove filters, and a cheaper spaCy call.

datatrove's Gopher repetition, Gopher quality and FineWeb filters each call ``split_into_words(doc.text, language)``,
so every page is tokenized with spaCy three times over the same text; the C4 filter splits each kept line into
sentences with spaCy as well. Their ``language`` argument also accepts a
:class:`~datatrove.utils.word_tokenizers.WordTokenizer` instance (datatrove's hook for custom tokenizers), so the
stage hands them one :class:`SharedWordTokenizer`. It gives the same words and sentences as datatrove's tokenizer
for the language (the filters' code and decisions stay datatrove's), with two savings:

- it remembers the words of the last text, so the second and third filters get them without tokenizing again;
- for spaCy languages it runs spaCy's tokenizer (and, for sentences, the sentencizer) outside a memory zone.
  datatrove tokenizes inside ``memory_zone()``, which frees every word spaCy learnt during the call, so spaCy
  builds the same lexemes again on every page; that rebuilding was about a third of the time. Here the
  vocabulary persists, and to keep memory bounded the spaCy pipeline is rebuilt once it holds more than
  ``max_strings`` strings.

Anything the fast path cannot handle (spaCy raising on a text) goes to datatrove's own tokenizer, which has its
own workaround.
"""

from __future__ import annotations

from datatrove.utils.word_tokenizers import SpaCyTokenizer, WordTokenizer, strip_strings


class SharedWordTokenizer(WordTokenizer):
    """datatrove's word tokenizer for ``language``, with the words of the most recent text remembered.

    Each call returns a fresh list, so a filter that changed its list could not change what the next one sees.
    """

    def __init__(self, language: str = "en", max_strings: int = 1_000_000):
        super().__init__(language)
        self.max_strings = max_strings
        self._inner: WordTokenizer | None = None
        self._nlp = None
        self._last_text: str | None = None
        self._last_words: tuple[str, ...] = ()

    @property
    def inner(self) -> WordTokenizer:
        """datatrove's tokenizer for the language (spaCy for English), loaded on first use, on the worker."""
        if self._inner is None:
            from datatrove.utils.word_tokenizers import load_word_tokenizer

            self._inner = load_word_tokenizer(self.language)
        return self._inner

    def _spacy(self):
        """Our own spaCy pipeline, built as datatrove builds it (blank language + sentencizer), or None when the
        language's tokenizer is not a plain spaCy one."""
        inner = self.inner
        if not isinstance(inner, SpaCyTokenizer) or inner.config is not None:
            return None
        if self._nlp is None or len(self._nlp.vocab.strings) > self.max_strings:
            import spacy

            self._nlp = spacy.blank(self.language)
            self._nlp.add_pipe("sentencizer")
            self._nlp.max_length = 2**31 - 1  # datatrove lifts the limit per text; pages are bounded upstream
        return self._nlp

    def word_tokenize(self, text: str) -> list[str]:
        if text is not self._last_text and text != self._last_text:
            self._last_words = tuple(self._words(text))
            self._last_text = text
        return list(self._last_words)

    def _words(self, text: str) -> list[str]:
        nlp = self._spacy()
        if nlp is not None:
            try:
                return strip_strings([token.text for token in nlp.tokenizer(text)])
            except Exception:  # noqa: BLE001 - datatrove's tokenizer has the workaround for texts spaCy rejects
                pass
        return self.inner.word_tokenize(text)

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        nlp = self._spacy()
        if nlp is not None:
            try:
                return [(sent.start_char, sent.end_char) for sent in nlp(text).sents]
            except Exception:  # noqa: BLE001 - as in _words
                pass
        return self.inner.span_tokenize(text)

    def sent_tokenize(self, text: str) -> list[str]:
        return self.inner.sent_tokenize(text)

    def __getstate__(self) -> dict:
        return {"language": self.language, "max_strings": self.max_strings, "_inner": None, "_nlp": None,
                "_last_text": None, "_last_words": ()}
