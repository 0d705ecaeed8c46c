"""Token counting speed of the mixture stage beside a plain loop over the same tokenizer, in the same run.

    .venv/bin/python bench/mixture.py [--mb 8] [--tasks 2] [--workers 1] [--tokenizer gpt-neox-20b]

It builds a corpus of real text from ../shared/data (public-domain books, MMLU, GSM8K and MATH questions) as gzipped
JSONL files, then measures, on the same texts and the same tokenizer:

- the anchor: a plain Python loop calling the tokenizer library once per document (``len(tok.encode(text).ids)``
  for a HuggingFace tokenizer), on one core;
- ours: the mixture stage run by datatrove's LocalPipelineExecutor (``--tasks`` tasks, ``--workers`` at a time), from
  the files on disk to the manifest (reading, hashing, batched tokenization, cache writes, manifest and chart);
- ours again on a warm cache (another output, the same cache folder): what a re-run costs.

Per-core figures divide by the cores used (``--workers``; the loop uses one). Logs go to <tmp>/bench.log.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CURATE_SHARED_DATA", REPO.parent / "shared" / "data"))


def real_texts() -> list[str]:
    """Documents of real text: book paragraphs, MMLU questions, GSM8K and MATH problems with solutions."""
    texts = []
    for book in sorted((SHARED / "textreuse-corpora").rglob("*.txt")):
        texts += [p.strip() for p in book.read_text(encoding="utf-8", errors="replace").split("\n\n") if p.strip()]
    for path in sorted((SHARED / "mmlu" / "test").glob("*.csv")):
        with open(path, encoding="utf-8") as f:
            texts += [" ".join(row[:5]) for row in csv.reader(f)]
    with open(SHARED / "gsm8k" / "test.jsonl", encoding="utf-8") as f:
        texts += [(r := json.loads(line))["question"] + "\n" + r["answer"] for line in f]
    with open(SHARED / "math-test" / "test.jsonl", encoding="utf-8") as f:
        texts += [(r := json.loads(line))["problem"] + "\n" + r["solution"] for line in f]
    return texts


def build_corpus(texts: list[str], mb: float, files: int, folder: Path) -> list[str]:
    """About ``mb`` MB of text as ``files`` gzipped JSONL files (the corpus repeats when asked for more)."""
    target, chosen, size = mb * 1e6, [], 0
    while size < target:
        for t in texts:
            chosen.append(t)
            size += len(t.encode())
            if size >= target:
                break
    folder.mkdir(parents=True)
    for k in range(files):
        with gzip.open(folder / f"{k:03d}.jsonl.gz", "wt", encoding="utf-8") as f:
            for i in range(k, len(chosen), files):
                f.write(json.dumps({"text": chosen[i], "id": f"{k}/{i}", "metadata": {}}) + "\n")
    return chosen


def plain_loop(texts: list[str], tokenizer_spec: str) -> tuple[int, float]:
    """The anchor: the tokenizer library called directly, one document at a time."""
    from curate.mixture.verify import plain_token_count
    from curate.tokenizers import load_counter, resolve_tokenizer

    ref = resolve_tokenizer(tokenizer_spec)
    encoder = load_counter(ref).encoder  # the library's own object (tokenizers.Tokenizer, tiktoken.Encoding...)
    start = time.perf_counter()
    tokens = sum(plain_token_count(encoder, ref.kind, t) for t in texts)
    return tokens, time.perf_counter() - start


def run_stage(corpus: Path, out: Path, cache: Path, args) -> tuple[int, float, float]:
    """The mixture stage end to end, as `curate mixture` runs it.

    Returns the tokens counted, the wall time, and the time datatrove measured inside the counting step (summed
    over tasks: reading, hashing and tokenizing, without process start-up, planning and the manifest/chart).
    """
    from curate.config import parse_config
    from curate.pipeline import execute, plan_run

    cfg = parse_config({
        "name": "bench", "output": str(out),
        "executor": {"tasks": args.tasks, "workers": args.workers},
        "mixture": {"budget": "1B", "tokenizer": args.tokenizer, "cache_dir": str(cache),
                    "sources": {"bench": {"path": str(corpus), "weight": 1.0}}},
    })
    start = time.perf_counter()
    execute(cfg, plan_run(cfg))
    seconds = time.perf_counter() - start
    step_s = sum(json.loads(f.read_text())[0]["time_stats"]["total"] for f in out.glob("logs/mixture-*/stats/*.json"))
    manifest = json.loads((out / "manifest.json").read_text())
    return manifest["sources"]["bench"]["unique_tokens"], seconds, step_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=8.0, help="MB of text to count")
    parser.add_argument("--files", type=int, default=8, help="files the corpus is split into")
    parser.add_argument("--tasks", type=int, default=2, help="datatrove tasks")
    parser.add_argument("--workers", type=int, default=1, help="tasks run at once (= cores used)")
    parser.add_argument("--tokenizer", default="gpt-neox-20b",
                        help="tokenizer file (any supported kind) or shipped name")
    parser.add_argument("--repeat", type=int, default=2, help="measure each this many times, keep the best")
    args = parser.parse_args()
    from curate.cli.console import stderr_to  # datatrove's logs to a file, as `curate run` does

    with tempfile.TemporaryDirectory(prefix="bench_mixture_") as tmp:
        tmp = Path(tmp)
        texts = build_corpus(real_texts(), args.mb, args.files, tmp / "corpus")
        mb = sum(len(t.encode()) for t in texts) / 1e6
        loops, colds, warms = [], [], []
        for k in range(args.repeat):  # interleaved, best of each: the machine is shared and noisy
            loops.append(plain_loop(texts, args.tokenizer))
            with stderr_to(tmp / "bench.log"):
                colds.append(run_stage(tmp / "corpus", tmp / f"cold{k}", tmp / f"cache{k}", args))
                warms.append(run_stage(tmp / "corpus", tmp / f"warm{k}", tmp / f"cache{k}", args))
        counts = {r[0] for r in loops + colds + warms}
        if len(counts) != 1:
            sys.exit(f"token counts differ between the loop, the stage and the cached re-run: {sorted(counts)}")
        tokens = counts.pop()
        loop_s = min(r[1] for r in loops)
        cold_s, step_s = min(r[1] for r in colds), min(r[2] for r in colds)
        warm_s = min(r[1] for r in warms)
        loop_rate = tokens / loop_s
        print(f"corpus: {len(texts):,} real documents, {mb:.1f} MB of text, {tokens:,} tokens ({args.tokenizer}), "
              f"{args.files} files; {args.tasks} task(s), {args.workers} worker(s); {os.cpu_count()} CPU(s) seen; "
              f"best of {args.repeat}")
        print(f"plain loop (anchor), 1 core:          {loop_rate:>10,.0f} tokens/s per core  ({loop_s:.2f} s)")
        print(f"counting step (datatrove's timing):   {tokens / step_s:>10,.0f} tokens/s per core  ({step_s:.2f} s "
              f"summed over tasks)  ratio {tokens / step_s / loop_rate:.2f}")
        rate = tokens / cold_s / args.workers
        print(f"mixture stage end to end, cold cache: {rate:>10,.0f} tokens/s per core  ({cold_s:.2f} s wall, "
              f"incl. planning, manifest and chart)  ratio {rate / loop_rate:.2f}")
        print(f"mixture stage re-run, warm cache:     {warm_s:>10.2f} s wall  ({cold_s / warm_s:.1f}x faster than "
              f"counting, {loop_s / warm_s:.1f}x faster than the plain loop)")


if __name__ == "__main__":
    main()
