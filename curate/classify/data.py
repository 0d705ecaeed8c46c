"""Labelled data for training and evaluation: read a JSONL file, map labels to class indices, split.

Records whose label is missing or not one of the recipe's classes (e.g. annotations the LLM botched, stored
with ``score: null``) are skipped and counted, never guessed. The split is stratified by class and, when the
recipe names a ``group_key``, grouped (no group, e.g. a web page, has items on both sides), with a fixed seed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from curate.errors import CurateError
from curate.jsonio import iter_jsonl


@dataclass
class Dataset:
    texts: list[str]
    labels: np.ndarray  # class indices
    groups: list[str] | None = None
    skipped: Counter = field(default_factory=Counter)

    def subset(self, idx) -> "Dataset":
        idx = np.asarray(idx, dtype=int)
        groups = [self.groups[i] for i in idx] if self.groups is not None else None
        return Dataset([self.texts[i] for i in idx], self.labels[idx], groups)

    def __len__(self) -> int:
        return len(self.texts)


def read_labelled(path: str | Path, recipe) -> Dataset:
    """Read ``path`` (JSONL) with the recipe's keys and label scale."""
    spec = recipe.data
    path = Path(path)
    if not path.is_file():
        raise CurateError(f"labelled data not found: {path}; set data.path in the recipe or pass --data")
    texts, labels, groups, skipped = [], [], [], Counter()
    for line_no, rec in iter_jsonl(path, skipped):
        text, raw = rec.get(spec.text_key), rec.get(spec.label_key)
        if not isinstance(text, str) or raw is None:
            skipped["no_text_or_label"] += 1
            continue
        idx = recipe.labels.index(raw)
        if idx is None:
            skipped["label_not_a_class"] += 1
            continue
        texts.append(text)
        labels.append(idx)
        groups.append(str(rec.get(spec.group_key, line_no)) if spec.group_key else None)
    if not texts:
        raise CurateError(f"{path} holds no usable labelled record (keys {spec.text_key!r}/{spec.label_key!r}; "
                          f"skipped: {dict(skipped)})")
    return Dataset(texts, np.array(labels, dtype=np.int64), groups if spec.group_key else None, skipped)


def split(data: Dataset, test_fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """A stratified (and, with groups, grouped) train/test split."""
    from sklearn.model_selection import StratifiedGroupKFold, train_test_split

    idx = np.arange(len(data))
    counts = np.bincount(data.labels)
    stratify = data.labels if counts[counts > 0].min() >= 2 else None
    if data.groups is None:
        tr, te = train_test_split(idx, test_size=test_fraction, random_state=seed, stratify=stratify)
        return data.subset(np.sort(tr)), data.subset(np.sort(te))
    n_splits = max(2, int(round(1 / test_fraction)))
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    tr, te = next(folds.split(idx, data.labels, groups=data.groups))
    return data.subset(tr), data.subset(te)


def write_jsonl(path: str | Path, records) -> int:
    """Write dicts as JSONL (UTF-8, one per line); returns how many."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n
