"""The shared tokenizer gives datatrove's words and sentences, so datatrove's filters decide exactly as they would."""

from __future__ import annotations

import gzip
import json
import pickle

import pytest
from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.utils.word_tokenizers import load_word_tokenizer

from curate.extract.tokenizer import SharedWordTokenizer


@pytest.fixture(scope="module")
def page_texts(shared_data) -> list[str]:
    """Main text of 120 real pages of trafilatura-eval, plus texts made to be awkward for tokenizers."""
    import trafilatura

    folder = shared_data / "trafilatura-eval"
    entries = sorted(json.loads((folder / "evaldata.json").read_text(encoding="utf-8")).values(),
                     key=lambda e: e["file"])
    texts = []
    for entry in entries[:120]:
        text = trafilatura.extract(gzip.decompress((folder / "html" / f"{entry['file']}.gz").read_bytes()))
        if text:
            texts.append(text)
    return texts + ["", " \n\n ", "U.S.A. isn't e.g. Mr. Smith's ... “quoted” — dash… 3.14 $5 http://x.y/z?a=1",
                    "a" * 5000, "🙂 emoji, 中文字符, العربية."]


def test_words_and_sentences_equal_datatrove(page_texts):
    reference = load_word_tokenizer("en")
    shared = SharedWordTokenizer("en", max_strings=20_000)  # small, so the pipeline is rebuilt during the test
    rebuilt = 0
    for text in page_texts:
        nlp_before = shared._nlp
        assert shared.word_tokenize(text) == reference.word_tokenize(text)
        assert shared.word_tokenize(text) == reference.word_tokenize(text)  # the remembered words
        for line in text.splitlines()[:20]:
            assert shared.span_tokenize(line) == reference.span_tokenize(line)
        rebuilt += nlp_before is not None and shared._nlp is not nlp_before
    assert rebuilt >= 1


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


def test_filters_decide_as_with_datatrove_tokenizer(page_texts):
    shared = SharedWordTokenizer("en")
    pairs = [
        (cls(), cls(language=shared))
        for cls in (GopherRepetitionFilter, GopherQualityFilter, C4QualityFilter, FineWebQualityFilter)
    ]
    for i, text in enumerate(page_texts):
        if not text.strip():
            continue
        ours_doc, ref_doc = Document(text=text, id=str(i)), Document(text=text, id=str(i))
        for ref, ours in pairs:  # the chain, as the stage runs it: C4 may shorten the text FineWeb sees
            expected, got = ref.filter(ref_doc), ours.filter(ours_doc)
            assert got == expected, (i, type(ref).__name__)
            assert ours_doc.text == ref_doc.text
            if expected is not True:
                break


def test_pickles_without_spacy():
    shared = SharedWordTokenizer("en")
    shared.word_tokenize("Some words to load spaCy.")
    clone = pickle.loads(pickle.dumps(shared))
    assert clone._nlp is None and clone._inner is None and clone._last_text is None
    assert clone.word_tokenize("Some words.") == ["Some", "words", "."]
