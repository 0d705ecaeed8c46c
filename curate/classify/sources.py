"""What a ``score.classifiers[]`` entry points at, and how each kind of file is loaded and scored.

Three sources, told apart by the path alone (so a config is checked before launch without loading a model):

- a classifier folder of this project (``recipe.yaml`` + ``model/``), loaded as
  :class:`~curate.classify.scoring.LoadedClassifier`;
- a fastText model file (``.bin`` or ``.ftz``), e.g. DCLM's quality classifier, with the ``label`` to score:
  ``<name>_score`` is that label's probability, ``<name>_int`` 1 when it is the most probable label (0 otherwise),
  ``<name>_label`` the most probable label;
- a Hugging Face sequence-classification folder (``config.json`` + safetensors weights + tokenizer files), e.g.
  FineWeb-Edu's classifier or NeMo Curator's: with one output (regression) ``<name>_score`` is the output and
  ``<name>_int`` its rounded value; with classes ``<name>_score`` is the probability of ``label`` (default: of the
  most probable class), ``<name>_int`` the most probable class's index and ``<name>_label`` its name.

Published models are the user's own downloads: nothing is fetched, everything loads from the given path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curate.classify.models.encoder import CHARS_PER_TOKEN_CAP, resolve_device, resolve_precision
from curate.classify.recipe import RECIPE_FILE, load_recipe
from curate.classify.scoring import LoadedClassifier, Scores, check_trained
from curate.errors import ConfigError, CurateError, missing_package

FASTTEXT_SUFFIXES = (".bin", ".ftz")
HF_BATCH = 32  # texts per forward pass of a Hugging Face model (sorted by length first)


@dataclass(frozen=True)
class ClassifierSource:
    """A checked ``score.classifiers[]`` entry: where the model is, what kind of file, its metadata name."""

    path: str
    kind: str  # "recipe", "fasttext" or "huggingface"
    name: str
    label: str | None = None


def inspect_source(path: str | Path, name: str | None = None, label: str | None = None) -> ClassifierSource:
    """Tell the kind of ``path`` and check what can be checked without loading the model (a ConfigError says
    what is wrong and how to fix it)."""
    p = Path(path)
    if p.is_dir() and (p / RECIPE_FILE).is_file():
        recipe = check_trained(p)
        if label is not None:
            raise ConfigError(f"{p}: label applies to published fastText and Hugging Face models only; a "
                              "classifier folder writes every class (remove label)")
        return ClassifierSource(str(p), "recipe", name or recipe.name)
    if p.is_file() and p.suffix in FASTTEXT_SUFFIXES:
        if not label:
            raise ConfigError(f"{p} is a fastText model: give the label to score (e.g. label: __label__hq)")
        return ClassifierSource(str(p), "fasttext", name or default_name(p), label)
    if p.is_dir() and (p / "config.json").is_file():
        classes = hf_classes(p)
        if label is not None and label not in classes:
            raise ConfigError(f"{p}: label {label!r} is not one of the model's classes {classes} (config.json "
                              "id2label)")
        return ClassifierSource(str(p), "huggingface", name or default_name(p), label)
    raise ConfigError(f"classifier {p} is neither a classifier folder (recipe.yaml), a fastText model file "
                      f"({', '.join(FASTTEXT_SUFFIXES)}) nor a Hugging Face folder (config.json); check the path")


def default_name(path: str | Path) -> str:
    """The metadata name of a source without an explicit one: a recipe's name, else the file or folder name in
    lower case (``fineweb-edu-classifier`` -> ``fineweb_edu_classifier``)."""
    path = Path(path)
    if (path / RECIPE_FILE).is_file():
        return load_recipe(path).name
    stem = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    return stem if stem[:1].isalpha() else f"m_{stem}"


def hf_classes(folder: Path) -> list[str]:
    """The class names of a Hugging Face classification model (empty for a regression model)."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"{folder}/config.json cannot be read as JSON: {err}") from None
    if config.get("problem_type") == "regression" or config.get("num_labels", len(config.get("id2label", {}))) == 1:
        return []
    id2label = config.get("id2label") or {}
    return [str(id2label[k]) for k in sorted(id2label, key=int)]


def load_classifier(source: ClassifierSource, device: str = "auto", precision: str = "auto"):
    """The loaded model of a source; each has ``name``, ``encoder_key()`` and ``scores(texts, embeddings=None)``."""
    if source.kind == "recipe":
        return LoadedClassifier(source.path, device=device, precision=precision, name=source.name)
    if source.kind == "fasttext":
        return FastTextFile(source.path, source.name, source.label)
    return HFSequenceClassifier(source.path, source.name, source.label, device, precision)


class FastTextFile:
    """A published fastText model file; texts are given to it on one line (newlines become spaces)."""

    def __init__(self, path: str, name: str, label: str):
        import fasttext

        self.name, self.path = name, path
        self.model = fasttext.load_model(path)
        self.labels = list(self.model.get_labels())
        if label not in self.labels:
            raise CurateError(f"{path}: label {label!r} is not one of the model's labels {self.labels}")
        self.label = label

    def encoder_key(self) -> None:
        return None

    def scores(self, texts: list[str], embeddings=None) -> Scores:
        lines = [t.replace("\n", " ").replace("\r", " ") + "\n" for t in texts]
        if len(self.labels) == 2:  # one batched call (top label only: see fasttext_kind's module docstring)
            names, probs = self.model.f.multilinePredict(lines, 1, 0.0, "strict")
            top = [n[0] for n in names]
            p_top = np.minimum([p[0] for p in probs], 1.0)
            score = np.where([t == self.label for t in top], p_top, 1.0 - p_top)
        else:
            top, score = [], np.empty(len(lines))
            for i, line in enumerate(lines):
                dist = {n: p for p, n in self.model.f.predict(line, -1, 0.0, "strict")}
                top.append(max(dist, key=dist.get))
                score[i] = min(dist.get(self.label, 0.0), 1.0)
        ints = np.array([int(t == self.label) for t in top], dtype=np.int64)
        return Scores(np.asarray(score, dtype=np.float64), ints, [t.removeprefix("__label__") for t in top])


class HFSequenceClassifier:
    """A Hugging Face ``AutoModelForSequenceClassification`` folder, scored in length-sorted batches; bfloat16 on
    CUDA (weights) and on CPUs with native bfloat16 (autocast), as the embedding kind's encoder."""

    def __init__(self, folder: str, name: str, label: str | None, device: str = "auto", precision: str = "auto"):
        import torch
        try:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError:
            raise missing_package("transformers") from None

        self.name, self.path, self.label = name, folder, label
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
        if self.precision == "bfloat16" and self.device.startswith("cuda"):
            model = model.to(torch.bfloat16)
        self.model = model.to(self.device).eval()
        self.classes = hf_classes(Path(folder))
        limits = [getattr(model.config, "max_position_embeddings", None), self.tokenizer.model_max_length]
        self.max_length = min(n for n in limits + [4096] if isinstance(n, int) and n > 0)

    def encoder_key(self) -> None:
        return None

    def outputs(self, texts: list[str]) -> np.ndarray:
        """The model's logits (or regression outputs), float32, one row per text in input order."""
        import torch

        cut = [t[:self.max_length * CHARS_PER_TOKEN_CAP] for t in texts]
        order = np.argsort([-len(t) for t in cut], kind="stable")
        out = np.empty((len(cut), self.model.config.num_labels), dtype=np.float32)
        cpu_bf16 = self.precision == "bfloat16" and not self.device.startswith("cuda")
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_bf16):
            for start in range(0, len(cut), HF_BATCH):
                idx = order[start:start + HF_BATCH]
                batch = self.tokenizer([cut[i] for i in idx], padding=True, truncation=True,
                                       max_length=self.max_length, return_tensors="pt").to(self.device)
                out[idx] = self.model(**batch).logits.float().cpu().numpy()
        return out

    def scores(self, texts: list[str], embeddings=None) -> Scores:
        logits = self.outputs(texts)
        if not self.classes:
            value = logits[:, 0].astype(np.float64)
            return Scores(value, np.rint(value).astype(np.int64), None)
        z = logits - logits.max(axis=1, keepdims=True)
        proba = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        ints = proba.argmax(axis=1)
        column = self.classes.index(self.label) if self.label is not None else None
        score = proba[:, column] if column is not None else proba[np.arange(len(ints)), ints]
        return Scores(score.astype(np.float64), ints.astype(np.int64), [self.classes[i] for i in ints])
