"""The datatrove step of the score stage: scores batches of documents, drops those under a threshold."""

from __future__ import annotations

from collections import Counter

from datatrove.data import Document

from curate.accounting import DropFilter
from curate.classify.scoring import score_texts
from curate.classify.sources import ClassifierSource, inspect_source, load_classifier


def drop_reason(name: str, min_score: float) -> str:
    """The reason recorded for a document under a classifier's threshold (a folder name under rejected/)."""
    return f"{name}_score_below_{min_score:g}"


class ClassifierScorer(DropFilter):
    """Writes ``<name>_score`` / ``<name>_int`` (/ ``<name>_label``) into each document's metadata.

    ``classifiers`` is a list of ``(source, min_score or None)``, a source being a path (a classifier folder of
    ours) or a checked :class:`~curate.classify.sources.ClassifierSource` (any kind). The models load on the
    worker at the first batch (so the step pickles to Slurm without them). A document is dropped by the first
    classifier whose threshold it misses, with the reason ``<name>_score_below_<min>``; all scores are written
    before that.
    """

    name = "🎯 score"
    type = "🔢 - SCORER"

    def __init__(self, classifiers: list[tuple[ClassifierSource | str, float | None]], batch_size: int = 256,
                 device: str = "auto", precision: str = "auto", threads: int = 1):
        super().__init__(batch_size=batch_size)
        self.classifiers = [(s if isinstance(s, ClassifierSource) else inspect_source(s), min_score)
                            for s, min_score in classifiers]
        self.device = device
        self.precision = precision
        self.threads = threads
        self._loaded = None

    @property
    def loaded(self):
        if self._loaded is None:
            import torch

            torch.set_num_threads(self.threads)
            self._loaded = [load_classifier(source, self.device, self.precision) for source, _ in self.classifiers]
        return self._loaded

    def __getstate__(self):
        return {**self.__dict__, "_loaded": None}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        """One document: a batch of one (datatrove's single-document entry point)."""
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        texts = [doc.text or "" for doc in batch]
        with self.track_time("model"):
            scores = score_texts(self.loaded, texts)
        results: list[bool | tuple[bool, str]] = [True] * len(batch)
        counts: Counter = Counter()
        for clf, (_, min_score) in zip(self.loaded, self.classifiers):
            s = scores[clf.name]
            for i, doc in enumerate(batch):
                doc.metadata[f"{clf.name}_score"] = round(float(s.score[i]), 4)
                doc.metadata[f"{clf.name}_int"] = int(s.ints[i])
                if s.labels is not None:
                    doc.metadata[f"{clf.name}_label"] = s.labels[i]
                counts[f"{clf.name}_int={int(s.ints[i])}"] += 1
                if min_score is not None and results[i] is True and s.score[i] < min_score:
                    results[i] = (False, drop_reason(clf.name, min_score))
        for key, n in counts.items():
            self.stat_update(key, value=n)
        return results
