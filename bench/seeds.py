"""Benchmark: checked seeds per minute through the seeds stage, beside a plain asyncio client sending the same prompts.

One llama.cpp server (SmolLM2-135M-Instruct) on loopback serves both sides in the same run. The same LLM extraction
requests (the ``qa`` prompt on real pages of fineweb-edu-annotations with an educational score >= 3, greedy, fixed
seed, same max_tokens) go

(a) through the whole seeds stage run by the driver (``curate.pipeline.execute``: three step groups on
    LocalPipelineExecutor, datatrove's InferenceRunner with checkpoints and request cache, pair expansion, the checks,
    the dedup across the run, the funnel), and
(b) through a plain ``httpx.AsyncClient`` loop with a semaphore at the same concurrency, whose answers are parsed and
    checked with the same functions (``parse_pairs``, ``check``) and deduplicated with a set.

Each round runs both sides, alternating which goes first. Figures: checked seeds per minute (total kept seeds / total
wall time per side over all rounds), the validation pass rate (kept / candidate pairs) of each side, and the ratio
ours / plain (target >= 0.9). Greedy decoding makes both sides see the same answers, so the pass rates agree and the
ratio measures the stage's own cost.

    .venv/bin/python bench/seeds.py [--pages 4] [--max-tokens 128] [--concurrency 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from rounds import alternate

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CURATE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def real_pages(n: int, chars: int = 1200) -> list[dict]:
    """The first ``n`` pages of fineweb-edu-annotations' val split scoring >= 3, cut after a full stop near
    ``chars``."""
    pages = []
    for line in (DATA / "fineweb-edu-annotations" / "val_1k.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["score"] >= 3 and len(row["text"]) >= chars:
            cut = row["text"][:chars]
            pages.append({"id": f"fw{row['id']}", "text": cut[: cut.rfind(".") + 1] or cut, "edu_score": row["score"]})
        if len(pages) == n:
            break
    return pages


async def plain_client(url: str, payloads: list[dict], passages: list[str], concurrency: int) -> tuple[int, int, float]:
    """Send every payload with a bare asyncio httpx client, parse and check the pairs; (seeds, pairs, seconds)."""
    from curate.seeds.checks import check
    from curate.seeds.config import SeedChecks
    from curate.seeds.extract import parse_pairs
    from curate.seeds.steps import question_key

    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=concurrency + 4)) as client:
        async def one(p: dict) -> dict:
            async with sem:
                r = await client.post(f"{url}/v1/chat/completions", json=p)
                r.raise_for_status()
                return r.json()["choices"][0]

        start = time.perf_counter()
        answers = await asyncio.gather(*(one(p) for p in payloads))
        checks, seen, seeds, pairs = SeedChecks(), set(), 0, 0
        for choice, passage in zip(answers, passages):
            found = parse_pairs(choice["message"]["content"] or "")
            pairs += max(len(found), 1)  # a passage without pairs is one candidate dropped, as in the stage
            for k, (question, answer) in enumerate(found):
                if k == len(found) - 1 and choice["finish_reason"] == "length":
                    continue  # truncated
                if check(question, answer, checks, passage)[0] is None and question_key(question) not in seen:
                    seen.add(question_key(question))
                    seeds += 1
        return seeds, pairs, time.perf_counter() - start


def our_stage(url: str, pages_file: Path, work: Path, sampling: dict, concurrency: int) -> tuple[int, int, float]:
    """Run the whole seeds stage (mining off: only LLM extraction) through the driver; (seeds, pairs, seconds)."""
    from curate.config import parse_config
    from curate.pipeline import execute, plan_run

    shutil.rmtree(work, ignore_errors=True)
    extraction = {"llm": {"endpoint": url, "concurrency": concurrency}, "max_chunks": 1, **sampling}
    cfg = parse_config({"name": "bench", "output": str(work), "executor": {"tasks": 1},
                        "input": {"paths": [str(pages_file)], "format": "jsonl"},
                        "seeds": {"mine": False, "extraction": extraction}})
    start = time.perf_counter()
    [funnel] = execute(cfg, plan_run(cfg))
    return funnel.kept, funnel.docs_in, time.perf_counter() - start


def report_round(r: int, results: dict[str, tuple[int, int, float]]) -> None:
    rates = {side: 60 * seeds / seconds for side, (seeds, _, seconds) in results.items()}
    print(f"round {r}: plain {rates['plain']:.2f} seeds/min, ours {rates['ours']:.2f} seeds/min, "
          f"ratio {rates['ours'] / rates['plain']:.2f}" if rates["plain"] else f"round {r}: no seeds")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    from curate.llm import Endpoint, LlamaServer
    from curate.llm.client import payload
    from curate.seeds.extract import load_prompts

    prompt = load_prompts()["qa"]
    pages = real_pages(args.pages)
    sampling = {"max_tokens": args.max_tokens, "temperature": 0.0, "top_p": 0.9, "seed": 1234}
    tmp = Path(tempfile.mkdtemp(prefix="bench-seeds-"))
    pages_file = tmp / "pages.jsonl"
    pages_file.write_text("".join(json.dumps(p) + "\n" for p in pages))
    with LlamaServer(log_path=tmp / "server.log") as server:
        endpoint = Endpoint(server.url, server.model_name)
        payloads = [payload(endpoint, prompt.messages(p["text"], 3), **sampling) for p in pages]
        passages = [p["text"] for p in pages]
        # warm-up, untimed: the model's weights into memory, and each side's imports and first connection
        asyncio.run(plain_client(server.url, payloads[:1], passages[:1], 1))
        our_stage(server.url, pages_file, tmp / "warm", {**sampling, "max_tokens": 16}, 1)
        sides = {
            "plain": lambda: asyncio.run(plain_client(server.url, payloads, passages, args.concurrency)),
            "ours": lambda: our_stage(server.url, pages_file, tmp / "out", sampling, args.concurrency),
        }
        totals = alternate(sides, args.rounds, report_round)
    shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()[0]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load avg {load:.1f}; "
          f"{len(payloads)} requests x {args.rounds} rounds, max_tokens {args.max_tokens}, "
          f"concurrency {args.concurrency}")
    rate = {}
    for side, label in (("plain", "plain asyncio httpx client + checks"), ("ours", "curate seeds stage")):
        seeds, pairs, sec = totals[side]
        rate[side] = 60 * seeds / sec
        print(f"{label:36}: {rate[side]:7.2f} checked seeds/min, pass rate {seeds / max(pairs, 1):.2f} "
              f"({seeds} of {pairs} candidates, {sec:.0f} s)")
    ratio = rate["ours"] / rate["plain"] if rate["plain"] else float("nan")
    print(f"ratio ours / plain                  : {ratio:.2f}  (target >= 0.9)")


if __name__ == "__main__":
    main()
