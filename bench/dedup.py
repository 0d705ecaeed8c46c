"""Benchmark of the dedup stage beside datatrove's four MinHash steps and datasketch's MinHashLSH, in one run.

    .venv/bin/python bench/dedup.py [--docs 10000] [--scaling 10000,50000,200000 | --no-200k] [--data ../shared/data]

Corpus: real text (every trafilatura-eval page extracted with ``trafilatura.extract``, cached in the work folder;
the textreuse-corpora books in 400-word passages). 70% of the documents are originals: the real texts, then
synthetic documents stitched from 3-8 random windows of them; 30% are generated variants of random originals:
exact copies (case/spacing changed), word edits (0.5-8% of words replaced, deleted or inserted), added boilerplate
(20-150 words of another text before or after), paragraph swaps, truncation (keep 60-97%), or edits + boilerplate.

Truth: the exact Jaccard similarity of word 5-gram sets (``re.findall(r"\\w+", text.lower())``, plain Python and
64-bit xxhash of each 5-gram, nothing shared with the code under test) for every pair that is a generated
(variant, original) or (variant, variant) pair, or a candidate of a deliberately loose LSH (threshold 0.5,
128 functions, other seed: a pair at J >= 0.8 escapes it with probability < 1e-6).

Reported per method: recall (pairs with J >= 0.8 of which at least one document was removed), precision of
removals (removed documents that have a partner with J >= 0.8), docs/s per core end to end (CPU time of the whole
run: read JSONL, dedup, write kept and removed documents; one task, one process each), peak RSS (each method runs
in its own process), and signature throughput (docs/s per core of hashing alone on the same texts). Then our
docs/s and peak RSS at the scaling sizes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import xxhash

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
WORD = re.compile(r"\w+")
NUM_PERM = 112
THRESHOLD = 0.8


# ---------------------------------------------------------------- corpus


def base_texts(data: Path, work: Path) -> list[str]:
    """trafilatura-eval pages (extracted once, cached) and textreuse-corpora passages."""
    cache = work / "trafilatura_texts.json"
    if not cache.is_file():
        import trafilatura

        texts = []
        for f in sorted((data / "trafilatura-eval" / "html").glob("*.gz")):
            html = gzip.decompress(f.read_bytes()).decode("utf-8", errors="replace")
            texts.append(trafilatura.extract(html, include_comments=False, include_tables=True) or "")
        cache.write_text(json.dumps(texts))
    texts = [t for t in json.loads(cache.read_text()) if len(t.split()) >= 20]
    for book in sorted((data / "textreuse-corpora").glob("*/*.txt")):
        words = book.read_text(encoding="utf-8", errors="replace").split()
        texts.extend(" ".join(words[i : i + 400]) for i in range(0, len(words) - 20, 400))
    return texts


def _window(rng: random.Random, words: list[str], low: int, high: int) -> list[str]:
    size = min(len(words), rng.randint(low, high))
    start = rng.randint(0, len(words) - size)
    return words[start : start + size]


def mutate(rng: random.Random, text: str, pool: list[list[str]]) -> tuple[str, str]:
    """A generated near-duplicate (or exact duplicate) of ``text``, and the kind of change."""
    kind = rng.choice(["exact", "edits", "boilerplate", "swap", "truncate", "edits+boilerplate"])
    words = text.split()
    if kind == "exact":
        return (text.upper() if rng.random() < 0.5 else "  ".join(words)), kind
    if kind in ("edits", "edits+boilerplate"):
        rate, out = rng.uniform(0.005, 0.08), []
        for w in words:
            r = rng.random()
            if r < rate / 3:
                continue
            out.append(rng.choice(rng.choice(pool)) if r < 2 * rate / 3 else w)
            if r > 1 - rate / 3:
                out.append(rng.choice(rng.choice(pool)))
        words = out
    if kind in ("boilerplate", "edits+boilerplate"):
        extra = _window(rng, rng.choice(pool), 20, 150)
        words = extra + words if rng.random() < 0.5 else words + extra
    if kind == "swap":
        paras = [p for p in re.split(r"\n+|(?<=[.!?]) ", text) if p.strip()]
        for _ in range(rng.randint(1, 3)):
            i, j = rng.randrange(len(paras)), rng.randrange(len(paras))
            paras[i], paras[j] = paras[j], paras[i]
        return "\n".join(paras), kind
    if kind == "truncate":
        words = words[: max(1, int(len(words) * rng.uniform(0.6, 0.97)))]
    return " ".join(words), kind


def corpus_docs(texts: list[str], n: int, seed: int = 0):
    """Yield ``n`` documents as (text, position of the original it was generated from, or -1), in shuffled order.

    Each document is generated from its own seed, so the corpus streams to disk in constant memory.
    """
    pool = [t.split() for t in texts]
    n_orig = n - int(0.3 * n)
    order = np.random.default_rng(seed).permutation(n)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)

    def original(i: int) -> str:
        if i < len(texts):
            return texts[i]
        rng = random.Random(f"{seed}-{i}")
        return "\n".join(" ".join(_window(rng, rng.choice(pool), 40, 150)) for _ in range(rng.randint(3, 8)))

    for item in order.tolist():
        if item < n_orig:
            yield original(item), -1
        else:
            rng = random.Random(f"{seed}-{item}")
            src = rng.randrange(n_orig)
            yield mutate(rng, original(src), pool)[0], int(position[src])


def write_corpus(docs, folder: Path) -> Path:
    """Write (text, source) pairs to ``folder/corpus.jsonl.gz`` with ids 0, 1, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "corpus.jsonl.gz", "wt", encoding="utf-8", compresslevel=1) as f:
        for i, (text, _) in enumerate(docs):
            f.write(json.dumps({"id": str(i), "text": text}) + "\n")
    return folder


# ---------------------------------------------------------------- truth


def shingle_set(text: str) -> np.ndarray:
    words = WORD.findall(text.lower())
    grams = {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))} if words else set()
    return np.unique(np.fromiter((xxhash.xxh3_64_intdigest(g) for g in grams), dtype=np.uint64, count=len(grams)))


def truth_pairs(docs: list[str], source: list[int]) -> dict[tuple[int, int], float]:
    """Exact Jaccard of every generated pair and every loose-LSH candidate pair."""
    from curate.dedup.buckets import _run_pairs
    from curate.dedup.layout import BAND_DTYPE
    from curate.dedup.minhash import MinHasher, optimal_bands_rows

    cands: set[tuple[int, int]] = set()
    by_origin: dict[int, list[int]] = {}
    for i, s in enumerate(source):
        if s >= 0:
            by_origin.setdefault(s, [s]).append(i)
    for group in by_origin.values():
        cands.update((min(a, b), max(a, b)) for a in group for b in group if a != b)
    bands, rows = optimal_bands_rows(0.5, 128, 0.05, 0.95)
    hasher = MinHasher(128, 5, seed=987654321)
    band_cols = np.vstack([hasher.band_hashes(hasher.hash_batch(docs[i : i + 512]).signatures, bands, rows)
                           for i in range(0, len(docs), 512)])
    for b in range(bands):
        rec = np.zeros(len(docs), dtype=BAND_DTYPE)
        rec["hash"], rec["key"], rec["index"] = band_cols[:, b], np.arange(len(docs)), np.arange(len(docs))
        pairs = _run_pairs(rec, np.zeros(len(docs), dtype=np.uint64))
        cands.update(zip(pairs["a"].tolist(), pairs["b"].tolist()))
    sets = [shingle_set(t) for t in docs]
    out = {}
    for a, b in cands:
        if len(sets[a]) and len(sets[b]):
            inter = np.intersect1d(sets[a], sets[b], assume_unique=True).size
            out[(a, b)] = inter / (len(sets[a]) + len(sets[b]) - inter)
    return out


def score(removed: set[int], truth: dict[tuple[int, int], float]) -> dict:
    positives = [p for p, j in truth.items() if j >= THRESHOLD]
    has_partner = {i for p in positives for i in p}
    caught = sum(1 for a, b in positives if a in removed or b in removed)
    return {
        "removed": len(removed),
        "recall": caught / len(positives) if positives else 1.0,
        "precision": sum(1 for d in removed if d in has_partner) / len(removed) if removed else 1.0,
    }


# ---------------------------------------------------------------- methods (each run in its own process)


def run_ours(input_dir: Path, out: Path) -> set[int]:
    """The dedup stage as `curate run` plans it, on the corpus as the run's input; its step groups run one after the
    other on datatrove's local executor, one worker (the run's report and funnel, which `curate run` adds, are left
    out, as datatrove's side has none)."""
    from curate.config import parse_config
    from curate.executors import build_executor
    from curate.pipeline import plan_run

    cfg = parse_config({
        "name": "bench", "output": str(out), "executor": {"tasks": 1, "workers": 1},
        "input": {"paths": [str(input_dir)], "format": "jsonl"},
        "dedup": {"num_perm": NUM_PERM, "threshold": THRESHOLD},
    })
    [stage] = plan_run(cfg)
    for group in stage.plan.groups:
        build_executor(cfg.executor, group, stage.ctx.logs_dir(group.name), "bench").run()
    return _ids(out.glob("dedup/rejected/*/*.jsonl.gz"))


def run_datatrove(input_dir: Path, out: Path) -> set[int]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    cfg = MinhashConfig()  # 5-grams, 14 buckets x 8 hashes = 112, 64-bit
    steps = [
        ([JsonlReader(str(input_dir)), MinhashDedupSignature(str(out / "sigs"), config=cfg)], 1),
        ([MinhashDedupBuckets(str(out / "sigs"), str(out / "buckets"), config=cfg)], cfg.num_buckets),
        ([MinhashDedupCluster(str(out / "buckets"), str(out / "remove"), config=cfg)], 1),
        ([JsonlReader(str(input_dir)), MinhashDedupFilter(str(out / "remove"), JsonlWriter(str(out / "removed"))),
          JsonlWriter(str(out / "kept"))], 1),
    ]
    for i, (pipeline, tasks) in enumerate(steps):
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=1, logging_dir=str(out / "logs" / str(i))).run()
    return _ids(out.glob("removed/*.jsonl.gz"))


def run_datasketch(input_dir: Path, out: Path) -> set[int]:
    """Streaming dedup with one in-memory MinHashLSH index: query each document, keep it if nothing matches."""
    from datasketch import MinHash, MinHashLSH

    lsh, removed = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM), set()
    out.mkdir(parents=True, exist_ok=True)
    with gzip.open(input_dir / "corpus.jsonl.gz", "rt") as f, gzip.open(out / "kept.jsonl.gz", "wt") as kept, \
            gzip.open(out / "removed.jsonl.gz", "wt") as rej:
        for line in f:
            doc = json.loads(line)
            m = MinHash(num_perm=NUM_PERM)
            m.update_batch(_datasketch_shingles(doc["text"]))
            if lsh.query(m):
                removed.add(int(doc["id"]))
                rej.write(line)
            else:
                lsh.insert(doc["id"], m)
                kept.write(line)
    return removed


def _datasketch_shingles(text: str) -> list[bytes]:
    words = WORD.findall(text.lower())
    return [" ".join(words[i : i + 5]).encode("utf-8") for i in range(max(1, len(words) - 4))] if words else []


def _ids(paths) -> set[int]:
    ids = set()
    for p in paths:
        with gzip.open(p, "rt") as f:
            ids.update(int(json.loads(line)["id"]) for line in f)
    return ids


METHODS = {"ours": run_ours, "datatrove": run_datatrove, "datasketch": run_datasketch}


def worker(method: str, input_dir: Path, out: Path) -> None:
    """Run one method in this process; print CPU time, wall time, peak RSS and write the removed ids."""
    cpu, wall = time.process_time(), time.perf_counter()
    removed = METHODS[method](input_dir, out)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rss_mb = peak_rss_mb()
    (out / "removed_ids.json").write_text(json.dumps(sorted(removed)))
    print(json.dumps({"cpu_s": cpu, "wall_s": wall, "peak_rss_mb": rss_mb}))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent process)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def launch(method: str, input_dir: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, "--input", str(input_dir), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{method} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["removed_ids"] = set(json.loads((out / "removed_ids.json").read_text()))
    return result


# ---------------------------------------------------------------- signature throughput (same texts, one core)


def signature_rates(texts: list[str], work: Path) -> dict[str, float]:
    from datasketch import MinHash
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature

    from curate.dedup.minhash import MinHasher

    dt = MinhashDedupSignature(str(work / "sig_probe"), config=MinhashConfig())
    ours = MinHasher(NUM_PERM, 5)

    def ours_run():
        for i in range(0, len(texts), 256):
            ours.hash_batch(texts[i : i + 256])

    def datasketch_run():
        for t in texts:
            MinHash(num_perm=NUM_PERM).update_batch(_datasketch_shingles(t))

    def datatrove_run():
        for t in texts:
            shingles = dt.get_shingles(t)
            if shingles.size:
                dt.get_signature(shingles)

    rates = {}
    for name, fn in (("ours", ours_run), ("datasketch", datasketch_run), ("datatrove", datatrove_run)):
        cpu = time.process_time()
        fn()
        rates[name] = len(texts) / (time.process_time() - cpu)
    return rates


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--work", type=Path, default=Path("/tmp/curate-bench-dedup"))
    ap.add_argument("--docs", type=int, default=10_000, help="corpus size of the three-way comparison")
    ap.add_argument("--scaling", default="10000,50000,200000", help="corpus sizes of our scaling table")
    ap.add_argument("--no-200k", action="store_true", help="leave 200,000 out of the scaling table")
    ap.add_argument("--sig-docs", type=int, default=1500, help="documents of the signature-throughput probe")
    ap.add_argument("--worker", choices=sorted(METHODS), help=argparse.SUPPRESS)
    ap.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker, args.input, args.out)
    import shutil

    args.work.mkdir(parents=True, exist_ok=True)
    texts = base_texts(args.data, args.work)
    generated = list(corpus_docs(texts, args.docs))
    docs, source = [d for d, _ in generated], [s for _, s in generated]
    print(f"corpus: {len(docs)} documents ({len(texts)} real texts, {sum(s >= 0 for s in source)} generated "
          f"variants), {sum(map(len, docs)) / 1e6:.1f} M characters")
    truth = truth_pairs(docs, source)
    js = np.array(list(truth.values()))
    print(f"truth: {int((js >= THRESHOLD).sum())} pairs with J >= {THRESHOLD}; "
          f"{int(((js >= 0.6) & (js < THRESHOLD)).sum())} pairs in [0.6, {THRESHOLD}) (hard negatives)")
    input_dir = write_corpus(generated, args.work / f"in_{args.docs}")
    results = {}
    for method in ("ours", "datatrove", "datasketch"):
        out = args.work / f"out_{method}_{args.docs}"
        shutil.rmtree(out, ignore_errors=True)
        results[method] = launch(method, input_dir, out)
        results[method].update(score(results[method].pop("removed_ids"), truth))
    sig = signature_rates(docs[: args.sig_docs], args.work)
    print_comparison(results, sig, len(docs))
    sizes = [int(s) for s in args.scaling.split(",") if s and not (args.no_200k and int(s) >= 200_000)]
    print_scaling(sizes, texts, args.work)


def print_comparison(results: dict, sig: dict, n: int) -> None:
    print(f"\n{'method':<12} {'recall':>7} {'precision':>9} {'removed':>8} {'docs/s/core':>12} {'wall s':>7} "
          f"{'peak RSS MB':>11} {'sig docs/s':>10}")
    for m, r in results.items():
        print(f"{m:<12} {r['recall']:>7.4f} {r['precision']:>9.4f} {r['removed']:>8} {n / r['cpu_s']:>12.0f} "
              f"{r['wall_s']:>7.1f} {r['peak_rss_mb']:>11.0f} {sig[m]:>10.0f}")
    o = results["ours"]
    print(f"\nours vs datatrove:  signatures {sig['ours'] / sig['datatrove']:.1f}x (target >= 20x), end to end "
          f"{results['datatrove']['cpu_s'] / o['cpu_s']:.1f}x (target >= 5x)")
    print(f"ours vs datasketch: signatures {sig['ours'] / sig['datasketch']:.1f}x (target >= 2x), end to end "
          f"{results['datasketch']['cpu_s'] / o['cpu_s']:.1f}x")
    print(f"targets: recall {o['recall']:.4f} (>= 0.98), precision {o['precision']:.4f} (>= 0.99)")


def print_scaling(sizes: list[int], texts: list[str], work: Path) -> None:
    import shutil

    print(f"\n{'docs':>8} {'docs/s/core':>12} {'wall s':>7} {'peak RSS MB':>11} {'removed':>8}   (ours, one task)")
    for n in sizes:
        input_dir = write_corpus(corpus_docs(texts, n, seed=n), work / f"in_{n}")
        out = work / f"out_scaling_{n}"
        shutil.rmtree(out, ignore_errors=True)
        r = launch("ours", input_dir, out)
        rate, removed = n / r["cpu_s"], len(r["removed_ids"])
        print(f"{n:>8} {rate:>12.0f} {r['wall_s']:>7.1f} {r['peak_rss_mb']:>11.0f} {removed:>8}")


if __name__ == "__main__":
    main()
