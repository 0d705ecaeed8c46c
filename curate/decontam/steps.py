"""The datatrove steps of the decontam stage: build the index once, then check every document against it."""

from __future__ import annotations

import json
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curate.accounting import DropFilter
from curate.decontam.config import DecontamConfig
from curate.decontam.detect import CheckResult, Decontaminator, Thresholds

EXCERPT_CONTEXT = 300
EXCERPT_MAX = 6000


class BuildIndex(PipelineStep):
    """Builds (or reuses) the benchmark index on rank 0; run it as a one-task group before the scan."""

    name = "🧮 benchmark index"
    type = "🧪 - DECONTAM"

    def __init__(self, index_dir: str, cfg: DecontamConfig):
        super().__init__()
        self.cfg = cfg
        self.index_dir = index_dir

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from curate.decontam.build import ensure_index

        if rank == 0:
            with self.track_time():
                ensure_index(self.cfg, self.index_dir)
        yield from ()


def hit_rows(doc: Document, result: CheckResult, fuzzy_hits, items: list[dict], dropped: bool) -> list[dict]:
    """The report rows of one document: one per (document, item) hit, exact hits first, then fuzzy ones."""
    text = doc.text
    rows = []
    exact = [(h.item, h.to_dict(), h.spans) for h in result.hits]
    fuzzy = [(f.item, {"verdict": "fuzzy", "containment": f.containment}, [f.span]) for f in fuzzy_hits]
    for item, fields, spans in exact + fuzzy:
        meta = items[item]
        start = max(0, min(s for s, _ in spans) - EXCERPT_CONTEXT) if spans else 0
        end = min(len(text), max(e for _, e in spans) + EXCERPT_CONTEXT) if spans else min(len(text), 600)
        end = min(end, start + EXCERPT_MAX)
        fields = {k: v for k, v in fields.items() if k not in ("item", "spans", "benchmark", "item_id")}
        rows.append({
            "doc_id": doc.id, "url": doc.metadata.get("url"), "benchmark": meta["benchmark"],
            "item_id": meta["item_id"], **fields, "spans": [list(s) for s in spans], "dropped": dropped,
            "excerpt_offset": start, "excerpt": text[start:end], "doc_chars": len(text),
            "question": meta["question"], "options": meta["options"], "answer": meta["answer"],
            "solution": meta["solution"],
        })
    return rows


class DecontamFilter(DropFilter):
    """Checks batches of documents against the index; drops or flags them, and writes the report rows.

    ``doc.metadata["contamination"]`` gets ``verdict`` (``contaminated``/``partial``/``clean``), ``items`` (the exact
    hits), ``max_ratio_7``, and with the fuzzy pass ``fuzzy`` (a bool) and ``fuzzy_items``, kept apart from the exact
    verdict; documents without any hit are left untouched. Report rows go to
    ``<hits_dir>/<rank>.jsonl``, merged into ``report/contamination.jsonl`` when the stage ends.
    """

    name = "🧪 decontaminate"
    type = "🧪 - DECONTAM"

    def __init__(self, index_dir: str, hits_dir: str, cfg: DecontamConfig):
        super().__init__(batch_size=cfg.batch_size)
        self.cfg = cfg
        self.hits_dir = hits_dir
        self.checker = Decontaminator(index_dir, Thresholds(cfg.contaminated_ratio, cfg.partial_ratio,
                                                            cfg.min_shared_7grams))
        self.fuzzy = None
        if cfg.fuzzy:
            from curate.decontam.fuzzy import FuzzyMatcher

            self.fuzzy = FuzzyMatcher(index_dir, cfg.fuzzy_window)
        self._out = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        Path(self.hits_dir).mkdir(parents=True, exist_ok=True)
        with open(Path(self.hits_dir) / f"{rank:05d}.jsonl", "w", encoding="utf-8") as self._out:
            yield from super().run(data, rank, world_size)
        self._out = None

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        results = self.checker.check_many([doc.text or "" for doc in batch])
        return [self._decide(doc, res) for doc, res in zip(batch, results)]

    def _decide(self, doc: Document, result: CheckResult) -> bool | tuple[bool, str]:
        fuzzy_hits = []
        if self.fuzzy is not None and result.verdict != "contaminated":
            fuzzy_hits = self.fuzzy.check(doc.text or "")
        if result.verdict == "clean" and not fuzzy_hits:
            return True
        action, reason = "keep", ""
        if result.verdict == "contaminated":
            action, reason = ("drop" if self.cfg.on_contaminated == "drop" else "keep"), "contaminated"
        elif result.verdict == "partial" and self.cfg.on_partial == "drop":
            action, reason = "drop", "partial"
        elif fuzzy_hits and self.cfg.on_fuzzy == "drop":
            action, reason = "drop", "fuzzy"
        self.stat_update(f"verdict_{result.verdict}")
        if fuzzy_hits:
            self.stat_update("verdict_fuzzy")
        items = self.checker.index.items
        doc.metadata["contamination"] = {
            "verdict": result.verdict,
            **({"fuzzy": bool(fuzzy_hits)} if self.fuzzy is not None else {}),
            "items": [f"{h.benchmark}/{h.item_id}" for h in result.hits[:20]],
            "max_ratio_7": max((h.ratio_7 for h in result.hits), default=0.0),
        }
        if fuzzy_hits:
            doc.metadata["contamination"]["fuzzy_items"] = [
                f"{items[f.item]['benchmark']}/{items[f.item]['item_id']}" for f in fuzzy_hits[:20]]
        for row in hit_rows(doc, result, fuzzy_hits, items, action == "drop"):
            self._out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return (False, reason) if action == "drop" else True
