"""The vectorized hashing: normalization, shingles, signatures, band/row derivation."""

from __future__ import annotations

import numpy as np
import pytest

from curate.dedup.minhash import MinHasher, candidate_probability, normalized_words, optimal_bands_rows
from tests.dedup.dedup_helpers import jaccard, word_shingles


def test_normalization_folds_unicode_forms_case_and_punctuation():
    composed, decomposed = "Caf\u00e9 na\u00efve", "Cafe\u0301 nai\u0308ve"
    assert normalized_words(composed) == normalized_words(decomposed) == ["café", "naïve"]
    assert normalized_words("ＦＵＬＬ\u3000width ﬁne!") == ["full", "width", "fine"]
    assert normalized_words("“Quoted” — text, (with) punctuation...") == ["quoted", "text", "with", "punctuation"]
    assert normalized_words("snake_case 42") == ["snake_case", "42"]


def test_exact_hash_ignores_what_normalization_ignores():
    h = MinHasher(16, 5).hash_batch(["Hello,   World!", "hello world", "hello world again", "Cafe\u0301", "Café"])
    assert h.exact[0] == h.exact[1] != h.exact[2]
    assert h.exact[3] == h.exact[4]


def test_shingle_counts_match_a_plain_python_reference(passages):
    texts = passages[:20] + ["one", "two words", "", "a b c d e", "a b c d e f"]
    h = MinHasher(32, 5).hash_batch(texts)
    for i, text in enumerate(texts):
        ours = h.shingles32[h.shingle_offsets[i] : h.shingle_offsets[i + 1]]
        assert len(set(ours.tolist())) == len(word_shingles(text)), text[:40]
    assert list(h.n_words[-5:]) == [1, 2, 0, 5, 6]


def test_empty_document_has_no_signature_and_one_word_document_has_one():
    h = MinHasher(16, 5).hash_batch(["", "   ...  ", "word"])
    maximum = np.iinfo(np.uint64).max
    assert (h.signatures[0] == maximum).all() and (h.signatures[1] == maximum).all()
    assert (h.signatures[2] != maximum).all()


def test_signatures_do_not_depend_on_the_batch(passages):
    hasher = MinHasher(64, 5)
    together = hasher.hash_batch(passages[:8])
    for i in (0, 5):
        alone = hasher.hash_batch([passages[i]])
        assert (alone.signatures[0] == together.signatures[i]).all()
        assert alone.exact[0] == together.exact[i]


def test_signature_agreement_estimates_jaccard(passages):
    rng = np.random.default_rng(0)
    hasher = MinHasher(256, 5)
    errors = []
    for text in passages[:40]:
        words = text.split()
        for i in rng.choice(len(words), size=int(rng.integers(1, 15)), replace=False):
            words[i] = f"edit{i}"
        edited = " ".join(words)
        sig = hasher.hash_batch([text, edited]).signatures
        errors.append((sig[0] == sig[1]).mean() - jaccard(text, edited))
    errors = np.array(errors)
    assert abs(errors.mean()) < 0.02  # unbiased
    assert errors.std() < 0.05  # binomial: sqrt(J(1-J)/256) <= 0.031


@pytest.mark.parametrize("threshold,num_perm", [(0.8, 112), (0.7, 256), (0.5, 128)])
def test_bands_rows_match_datasketch(threshold, num_perm):
    from datasketch.lsh import _optimal_param

    for weights in ((0.5, 0.5), (0.05, 0.95)):
        assert optimal_bands_rows(threshold, num_perm, *weights) == _optimal_param(threshold, num_perm, *weights)


def test_default_bands_rows_catch_pairs_at_the_threshold():
    from curate.dedup.config import DedupConfig

    bands, rows = DedupConfig().lsh_params()
    assert (bands, rows) == (14, 8)  # datatrove's default layout falls out of the FN-weighted optimum
    assert candidate_probability(0.8, bands, rows) > 0.9
    assert candidate_probability(0.3, bands, rows) < 0.001


def test_lone_surrogates_and_astral_characters_do_not_break_hashing():
    h = MinHasher(16, 2).hash_batch(["broken \ud800 text here", "broken text here", "emoji 😀 words 😀"])
    assert list(h.n_words) == [3, 3, 4]  # a lone surrogate separates words; astral characters are word characters
    assert h.exact[0] == h.exact[1]
