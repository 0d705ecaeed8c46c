"""The classifier kinds on real labelled data: they learn, and save/load gives identical predictions."""

from __future__ import annotations

import numpy as np
import pytest

from curate.classify.models import load_model
from curate.classify.models.embedding_kind import EmbeddingClassifier
from curate.classify.models.fasttext_kind import FastTextClassifier
from curate.classify.models.stack_kind import StackClassifier
from curate.classify.models.tfidf_kind import TfidfClassifier


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
    assert len(model.history_["val"]) <= 40
    assert model.history_["metric"] == ("macro_f1" if objective == "classification" else "neg_mse_standardized")
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
    assert len(model.history_["val"]) < 200
    assert model.history_["best_val"] == max(model.history_["val"])


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


@pytest.fixture(scope="module")
def edu_pages(shared_data):
    """300 FineWeb-Edu annotated pages (train file) and 150 of the test file, labels 0-4."""
    from curate.classify.tasks import edu_annotations

    train = edu_annotations(shared_data, ("train",))[:300]
    test = edu_annotations(shared_data, ("test",))[:150]
    return ([r["text"] for r in train], np.array([r["score"] for r in train]),
            [r["text"] for r in test], np.array([r["score"] for r in test]))


@pytest.mark.parametrize("objective", ["regression", "classification"])
def test_tfidf_learns_the_edu_scale_and_round_trips(tmp_path, edu_pages, objective):
    from scipy.stats import spearmanr

    X, y, Xt, yt = edu_pages
    model = TfidfClassifier(objective=objective).fit(X, y)
    value = model.predict_value(Xt)
    assert spearmanr(yt, value).statistic > 0.3  # held-out pages: it ranks them
    assert ((value >= 0) & (value <= y.max())).all()
    np.testing.assert_allclose(model.predict_proba(Xt).sum(axis=1), 1.0)
    folder = model.save(tmp_path / "m")
    assert {p.name for p in folder.iterdir()} == {"meta.json", "vocabulary.json", "weights.npz"}
    loaded = load_model(folder)
    np.testing.assert_allclose(loaded.predict_value(Xt), value, rtol=1e-5, atol=1e-5)


def test_stack_is_the_mean_of_its_members(tmp_path, tmp_path_factory, edu_pages):
    X, y, Xt, _ = edu_pages
    members = [{"kind": "tfidf", "params": {"alpha": 1.0}},
               {"kind": "embedding", "params": {"objective": "regression", "hidden": 0, "ridge_alpha": 3.0,
                                                "windows": 2, "max_seq_length": 64, "device": "cpu"}}]
    cache = str(tmp_path_factory.getbasetemp() / "stack-cache")
    stack = StackClassifier(members=members, weights=[1, 3], cache_dir=cache).fit(X, y)
    a, b = (m.predict_value(Xt[:40]) for m in stack.models_)
    np.testing.assert_allclose(stack.predict_value(Xt[:40]), np.clip(0.25 * a + 0.75 * b, 0, y.max()), atol=1e-9)
    assert stack.models_[1].best_epoch_ == 0 and stack.models_[1].history_ == {"metric": "closed form"}
    cv = stack.cross_val_values(X, y, folds=3)
    assert cv.shape == (len(X),) and np.corrcoef(cv, y)[0, 1] > 0.2
    loaded = load_model(stack.save(tmp_path / "s"))
    np.testing.assert_allclose(loaded.predict_value(Xt[:40]), stack.predict_value(Xt[:40]), atol=1e-5)
    with pytest.raises(ValueError, match="at least two members"):
        StackClassifier(members=members[:1])
    with pytest.raises(ValueError, match="ridge_alpha fits a linear regression head"):
        EmbeddingClassifier(ridge_alpha=1.0)


def test_windows_read_past_the_first_sequence(xy):
    from curate.classify.models.encoder import Encoder

    long_page = " ".join(["intro"] * 80 + ["photosynthesis"] * 60)
    one = Encoder(max_seq_length=64, device="cpu", precision="float32").encode([long_page, "intro " * 100])
    two = Encoder(max_seq_length=64, device="cpu", precision="float32", windows=2).encode([long_page])
    # 64 tokens hold only the first 62 words ("intro"): one sequence cannot tell the page from "intro" alone
    assert np.allclose(one[0], one[1], atol=1e-5) and not np.allclose(two[0], one[0], atol=1e-3)


def test_cuts_beat_rounding_on_a_shrunk_scale():
    from curate.classify.calibrate import classes_from_cuts, fit_cuts

    rng = np.random.default_rng(0)
    y = rng.choice(5, size=2000, p=[0.15, 0.55, 0.2, 0.08, 0.02])
    value = 1.1 + 0.3 * (y - 1.1) + rng.normal(0, 0.2, size=len(y))  # a regressor shrunk towards the mean
    cuts = fit_cuts(value, y, 6)
    assert cuts == sorted(cuts) and cuts[-1] == 4.5  # no 5 in the data: the rounding cut
    assert not (np.rint(value) >= 3).any() and (classes_from_cuts(value, cuts) >= 3).sum() > 0
    assert list(classes_from_cuts([cuts[2] - 1e-6, cuts[2]], cuts)) == [2, 3]
