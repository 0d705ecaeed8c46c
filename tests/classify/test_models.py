"""Both classifier kinds on real labelled snippets: they learn, and save/load gives identical predictions."""

from __future__ import annotations

import numpy as np
import pytest

from curate.classify.models import load_model
from curate.classify.models.embedding_kind import EmbeddingClassifier
from curate.classify.models.fasttext_kind import FastTextClassifier


@pytest.fixture(scope="module")
def xy(snippets):
    texts = [r["text"] for r in snippets]
    labels = np.array([1 if r["label"] == "content" else 0 for r in snippets])
    return texts, labels


def test_fasttext_learns_and_round_trips(tmp_path, xy):
    X, y = xy
    model = FastTextClassifier(dim=16, epoch=10, bucket=20000).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-3)
    assert (model.predict(X) == y).mean() > 0.8  # fits its own training data
    loaded = load_model(model.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    assert loaded.get_params() == model.get_params()


def test_fasttext_is_repeatable(xy):
    X, y = xy
    a = FastTextClassifier(dim=8, epoch=5, bucket=10000, seed=3).fit(X, y).predict_proba(X[:50])
    b = FastTextClassifier(dim=8, epoch=5, bucket=10000, seed=3).fit(X, y).predict_proba(X[:50])
    np.testing.assert_array_equal(a, b)


def test_fasttext_quantized_round_trip(tmp_path, xy):
    X, y = xy
    model = FastTextClassifier(dim=16, epoch=5, bucket=20000, quantize=True).fit(X, y)
    folder = model.save(tmp_path / "q")
    assert (folder / "model.ftz").is_file()
    np.testing.assert_array_equal(load_model(folder).predict(X), model.predict(X))


@pytest.mark.parametrize("objective", ["classification", "regression"])
def test_embedding_learns_and_round_trips(tmp_path, tmp_path_factory, xy, objective):
    X, y = xy
    X, y = X[:200], y[:200]
    cache = tmp_path_factory.getbasetemp() / "embedding-cache"  # shared by both objectives: encoded once
    model = EmbeddingClassifier(objective=objective, hidden=32, lr=5e-3, batch_size=32, max_epochs=40, patience=8,
                                device="cpu", cache_dir=str(cache), max_seq_length=64)
    model.fit(X, y)
    assert list(cache.glob("*.npy")), "embeddings are cached"
    assert 1 <= model.best_epoch_ <= 40
    assert len(model.history_["val_macro_f1"]) <= 40
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert (model.predict(X) == y).mean() > 0.6
    loaded = load_model(model.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    np.testing.assert_array_equal(loaded.predict_value(X), model.predict_value(X))
    assert "cache_dir" not in loaded.get_params() or loaded.cache_dir is None


@pytest.mark.gpu
def test_embedding_trains_on_cuda_in_bf16(tmp_path, xy):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    X, y = xy
    model = EmbeddingClassifier(hidden=32, max_epochs=10, device="cuda", max_seq_length=64).fit(X[:200], y[:200])
    assert next(model.encoder_.model.parameters()).dtype == torch.bfloat16
    assert next(model.head_.parameters()).is_cuda
    loaded = load_model(model.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict(X[:50]), model.predict(X[:50]))


def test_early_stopping_stops_before_max_epochs(xy):
    X, y = xy
    rng = np.random.default_rng(0)
    E = rng.normal(size=(300, 16)).astype(np.float32)
    noise_labels = rng.integers(0, 2, size=300)  # nothing to learn: validation F1 cannot keep improving
    model = EmbeddingClassifier(hidden=0, max_epochs=200, patience=3, device="cpu").fit_embeddings(E, noise_labels)
    assert len(model.history_["val_macro_f1"]) < 200
    assert model.history_["best_val_macro_f1"] == max(model.history_["val_macro_f1"])


def test_bad_labels_are_refused():
    with pytest.raises(ValueError, match="integer class indices"):
        FastTextClassifier().fit(["a", "b"], [0.5, 1.5])


def test_encoder_precision(xy, monkeypatch):
    from curate.classify.models import encoder

    assert encoder.resolve_precision("auto", "cuda:0") == "bfloat16"
    assert encoder.resolve_precision("float32", "cuda") == "float32"
    monkeypatch.setattr(encoder, "cpu_has_native_bf16", lambda: False)
    assert encoder.resolve_precision("auto", "cpu") == "float32"
    monkeypatch.setattr(encoder, "cpu_has_native_bf16", lambda: True)
    assert encoder.resolve_precision("auto", "cpu") == "bfloat16"
    with pytest.raises(ValueError, match="precision must be one of"):
        encoder.resolve_precision("fp8", "cpu")
    # bfloat16 autocast on the CPU (emulated where the CPU lacks it) stays close to float32
    X = xy[0][:16]
    fp32 = encoder.Encoder(max_seq_length=64, device="cpu", precision="float32").encode(X)
    bf16 = encoder.Encoder(max_seq_length=64, device="cpu", precision="bfloat16").encode(X)
    cosine = (fp32 * bf16).sum(1) / np.linalg.norm(fp32, axis=1) / np.linalg.norm(bf16, axis=1)
    assert cosine.min() > 0.999 and not np.array_equal(fp32, bf16)
