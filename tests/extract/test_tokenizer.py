"""The shared tokenizer gives datatrove's words and sentences, so the filters decide exactly as datatrove's would."""

from __future__ import annotations

import pickle

import pytest
from datatrove.utils.word_tokenizers import load_word_tokenizer

from curate.extract import tokenizer as tokenizer_module
from curate.extract.tokenizer import SharedWordTokenizer

AWKWARD = ["", " \n\n ", "U.S.A. isn't e.g. Mr. Smith's ... “quoted” — dash… 3.14 $5 http://x.y/z?a=1",
           "a" * 5000, "🙂 emoji, 中文字符, العربية.", "tab\tseparated\u00a0nbsp\u2009thin\u2028line\x0bvt\x1cfs",
           "(don't) [can't] \"gonna\" 'n' a.m. p.m. :) :-) e-mail co-op 10km 5$ 3x4 U.K.'s"]


@pytest.mark.slow
def test_words_equal_datatrove_on_real_pages(real_texts):
    """Every real page's words, and those of the page with every other line dropped (what C4 hands FineWeb),
    equal datatrove's; the chunk memory is emptied during the test, to cover that path too."""
    reference = load_word_tokenizer("en")
    shared = SharedWordTokenizer("en", max_chunks=20_000)
    for page, text in real_texts + [(f"awkward {i}", t) for i, t in enumerate(AWKWARD)]:
        assert shared.word_tokenize(text) == reference.word_tokenize(text), page
        shorter = "\n".join(text.splitlines()[::2])
        assert shared.word_tokenize(shorter) == reference.word_tokenize(shorter), page


def test_sentences_equal_datatrove(real_texts_sample):
    reference = load_word_tokenizer("en")
    shared = SharedWordTokenizer("en")
    for text in real_texts_sample + AWKWARD:
        for line in text.splitlines()[:20]:
            assert shared.span_tokenize(line) == reference.span_tokenize(line)


def test_spacy_pipelines_rebuilt_when_full():
    """A pipeline whose vocabulary outgrows max_strings is replaced by a fresh one, with the same words."""
    shared = SharedWordTokenizer("en", max_strings=100)
    shared.word_tokenize("warm up")
    before = tokenizer_module._PIPELINES[("en", "words")]
    words = shared.word_tokenize(" ".join(f"word{i}" for i in range(300)))
    shared.word_tokenize("one more text")
    assert tokenizer_module._PIPELINES[("en", "words")] is not before
    assert words == [f"word{i}" for i in range(300)]


def test_spacy_symbol_names_in_text():
    # "IS_ALPHA" is also a spaCy symbol; inside datatrove's memory zone it makes spaCy return other words on later
    # calls (datatrove's tokenizer even has a workaround for it). Outside a zone the words stay the text's own.
    shared = SharedWordTokenizer("en")
    text = "IS_ALPHA is a string that breaks spaCy's tokenizer"
    for _ in range(3):
        assert shared.word_tokenize(text + " ") == ["IS_ALPHA", "is", "a", "string", "that", "breaks", "spaCy", "'s",
                                                    "tokenizer"]


def test_returns_a_fresh_list_each_time():
    shared = SharedWordTokenizer("en")
    words = shared.word_tokenize("The cat sat on the mat.")
    words.clear()
    assert shared.word_tokenize("The cat sat on the mat.") == ["The", "cat", "sat", "on", "the", "mat", "."]


def test_pickles_without_state():
    shared = SharedWordTokenizer("en")
    shared.word_tokenize("Some words to load spaCy.")
    clone = pickle.loads(pickle.dumps(shared))
    assert clone._inner is None and clone._chunks == {} and clone._last_text is None
    assert clone.word_tokenize("Some words.") == ["Some", "words", "."]
