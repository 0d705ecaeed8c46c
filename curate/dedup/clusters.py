"""Dedup step 3 of 4 (one task): duplicate pairs → clusters → one survivor per cluster.

Clusters are the connected components of the verified pairs (scipy's ``connected_components`` on the documents
that appear in a pair, so memory follows the number of duplicates, not of documents). The survivor of a cluster
is the first document after sorting by the configured ``keep`` keys, with the input order (file path, then
position in the file) as the final tie-break. Cluster ids number the clusters by their survivor's input order.
None of this depends on how the documents were split into tasks.

A removed document is an ``exact_duplicate`` when its normalized text equals its survivor's, otherwise a
``near_duplicate``.
"""

from __future__ import annotations

import json

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curate.dedup.layout import PAIR_DTYPE, REASON_EXACT, REASON_NEAR, WorkDir, split_global_id

# upper bounds of the cluster-size histogram bins (a bin holds sizes above the previous bound)
SIZE_BINS = (2, 3, 4, 9, 19, 49, 99, 999)


class DedupClusters(PipelineStep):
    """Writes ``decisions/<rank>.jsonl`` for every signature task, and ``summary.json``."""

    name = "🧩 dedup clusters"
    type = "🫂 - DEDUP"

    def __init__(self, work_dir: str, keep: list[str], local_dir: str | None = None):
        super().__init__()
        self.work_dir = str(work_dir)
        self.local_dir = local_dir
        self.keep = list(keep)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> None:
        """Cluster the pairs of every bucket task and decide the survivors."""
        work = WorkDir(self.work_dir, self.local_dir)
        work.pull("pairs/*.bin", "docs/*")
        ranks = work.signature_ranks()
        pairs = np.concatenate(
            [np.fromfile(p, dtype=PAIR_DTYPE) for p in sorted((work.root / "pairs").glob("*.bin"))]
            or [np.zeros(0, dtype=PAIR_DTYPE)]
        )
        with self.track_time("components"):
            nodes, labels = _components(pairs)
        meta = _node_metadata(work, ranks, nodes)
        with self.track_time("survivors"):
            survivor, cluster_id, sizes = self._survivors(labels, meta)
        reasons = np.where(meta["exact"] == meta["exact"][survivor[labels]], REASON_EXACT, REASON_NEAR)
        is_survivor = survivor[labels] == np.arange(len(nodes))
        self._write_decisions(work, ranks, nodes, labels, survivor, cluster_id, sizes, reasons, is_survivor)
        removed = ~is_survivor
        words = [work.doc_records(r)["words"] for r in ranks]
        summary = {
            "documents": int(sum(len(w) for w in words)),
            "documents_without_words": int(sum(int((w == 0).sum()) for w in words)),
            "duplicate_pairs": int(len(pairs)),
            "clusters": int(len(sizes)),
            "documents_in_clusters": int(len(nodes)),
            "removed": {r: int((removed & (reasons == r)).sum()) for r in (REASON_EXACT, REASON_NEAR)},
            "largest_cluster": int(sizes.max()) if len(sizes) else 0,
            "cluster_sizes": size_histogram(sizes),
        }
        work.summary.write_text(json.dumps(summary, indent=2))
        work.push(*(work.decisions(r) for r in ranks), work.summary)
        self.stat_update("clusters", value=len(sizes))
        self.stat_update("to_remove", value=int(removed.sum()))

    def _survivors(self, labels: np.ndarray, meta: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per cluster: the node that survives, the cluster id, the size."""
        keys = []  # in priority order
        for k in self.keep:
            if k == "score":
                keys.append(np.where(np.isnan(meta["score"]), np.inf, -meta["score"]))
            elif k == "length":
                keys.append(-meta["length"].astype(np.float64))
            else:
                keys.extend((meta["path"], meta["pos"]))
        keys.extend((meta["path"], meta["pos"]))
        order = np.lexsort(tuple(reversed(keys)) + (labels,))
        first = np.concatenate(([True], labels[order][1:] != labels[order][:-1])) if len(order) else order.astype(bool)
        survivor = np.empty(labels.max() + 1 if len(labels) else 0, dtype=np.int64)
        survivor[labels[order][first]] = order[first]
        by_input = np.lexsort((meta["pos"][survivor], meta["path"][survivor]))
        cluster_id = np.empty(len(survivor), dtype=np.int64)
        cluster_id[by_input] = np.arange(len(survivor))
        return survivor, cluster_id, np.bincount(labels, minlength=len(survivor))

    def _write_decisions(self, work, ranks, nodes, labels, survivor, cluster_id, sizes, reasons, is_survivor):
        node_rank, node_index = split_global_id(nodes)
        ids: dict = {}
        work.decisions(0).parent.mkdir(parents=True, exist_ok=True)
        for r in ranks:
            sel = np.flatnonzero(node_rank == r)
            sel = sel[np.argsort(node_index[sel], kind="stable")]
            with open(work.decisions(r), "w", encoding="utf-8") as f:
                for n in sel.tolist():
                    label = labels[n]
                    entry = {"index": int(node_index[n]), "cluster": int(cluster_id[label]), "size": int(sizes[label])}
                    if not is_survivor[n]:
                        s = survivor[label]
                        entry["drop"] = str(reasons[n])
                        entry["duplicate_of"] = work.doc_id(int(node_rank[s]), int(node_index[s]), ids)
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _components(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted global ids of the documents in any pair, their component label)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes, inverse = np.unique(np.concatenate((pairs["a"], pairs["b"])), return_inverse=True)
    if len(nodes) == 0:
        return nodes, np.zeros(0, dtype=np.int64)
    a, b = inverse[: len(pairs)], inverse[len(pairs) :]
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (a, b)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    return nodes, labels.astype(np.int64)


def _node_metadata(work: WorkDir, ranks: list[int], nodes: np.ndarray) -> dict[str, np.ndarray]:
    """exact hash, length, score and input order (global path rank, position) of every clustered document."""
    node_rank, node_index = split_global_id(nodes)
    files = {r: work.file_list(r) for r in ranks}
    path_rank = {p: i for i, p in enumerate(sorted({p for fl in files.values() for p in fl}))}
    meta = {k: np.zeros(len(nodes), dtype=t) for k, t in
            (("exact", np.uint64), ("length", np.uint64), ("score", np.float64), ("path", np.int64), ("pos", np.int64))}
    for r in ranks:
        sel = np.flatnonzero(node_rank == r)
        if not len(sel):
            continue
        recs = work.doc_records(r)[node_index[sel]]
        for k in ("exact", "length", "score"):
            meta[k][sel] = recs[k]
        meta["path"][sel] = np.array([path_rank[p] for p in files[r]], dtype=np.int64)[recs["file"]]
        meta["pos"][sel] = recs["pos"]
    return meta


def size_histogram(sizes: np.ndarray) -> dict[str, int]:
    """Number of clusters per size bin: ``"2"``, ``"3"``, ``"4"``, ``"5-9"``, ..., ``"1000+"``."""
    out, low = {}, 2
    for high in SIZE_BINS:
        label = str(high) if high == low else f"{low}-{high}"
        out[label] = int(((sizes >= low) & (sizes <= high)).sum())
        low = high + 1
    out[f"{low}+"] = int((sizes >= low).sum())
    return out
