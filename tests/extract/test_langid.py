"""The vectorised py3langid walk and its float32 scoring give py3langid's languages and probabilities exactly."""

from __future__ import annotations

import gzip

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

from curate.extract.langid import VectorLangId, load_language_model


def test_same_features_and_scores_as_py3langid(shared_data):
    fast = load_language_model("py3langid", None)
    assert isinstance(fast, VectorLangId)
    plain = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    folder = shared_data / "trafilatura-eval" / "html"
    texts = [gzip.decompress(p.read_bytes()).decode("utf-8", "replace")[:5000] for p in sorted(folder.iterdir())[:300]]
    rng = np.random.default_rng(0)
    texts += [bytes(rng.integers(0, 256, 2000, dtype=np.uint8)).decode("latin-1") for _ in range(20)]
    texts += ["", "a", "ÅÄÖ", "🙂" * 50]
    for text in texts:
        data = plain._encode(text)
        expected = visit_counts(plain.tk_nextmove, plain._rowbase, plain.tk_output, data)
        got = fast.visit_counts(data)
        assert got == expected and (got is None or list(got) == list(expected))  # same counts, same order
        assert np.array_equal(fast._decide(text), plain._decide(text))  # every language's probability, every bit
        assert fast.classify(text) == plain.classify(text)
