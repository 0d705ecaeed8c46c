"""Benchmark: generated tokens/s through the rewrite stage beside a plain asyncio OpenAI-compatible client.

One llama.cpp server (SmolLM2-135M-Instruct) on loopback serves both sides in the same run. The same rewrite
requests (real pages from ../shared/data/trafilatura-eval × styles, greedy, fixed seed, same max_tokens) go
(a) through our stage's generation step group (datatrove InferenceRunner, checkpointing and request cache on,
run by LocalPipelineExecutor), and (b) through a plain ``httpx.AsyncClient`` loop with a semaphore, at the same
concurrency. Each round runs both sides, alternating which goes first, to spread machine noise; the figure is
total completion tokens / total wall time per side over all rounds, and the ratio ours / plain (target >= 0.9).
Our side's time is the executor's wall time (datatrove startup, reading, checkpoint writes included).

    .venv/bin/python bench/rewrite.py [--pages 3] [--styles distill,knowledge_list] [--max-tokens 128]
                                      [--concurrency 4] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
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


def real_pages(n: int, chars: int = 600) -> list[dict]:
    """The first ``n`` English pages of trafilatura's evaluation set with enough text, cut to ``chars``."""
    import py3langid
    import trafilatura

    ev = json.loads((DATA / "trafilatura-eval" / "evaldata.json").read_text())
    pages = []
    for entry in ev.values():
        path = DATA / "trafilatura-eval" / "html" / f"{entry['file']}.gz"
        if not path.is_file():
            continue
        text = trafilatura.extract(gzip.decompress(path.read_bytes()).decode("utf-8", "replace")) or ""
        if len(text) >= chars and py3langid.classify(text)[0] == "en":
            cut = text[:chars]
            pages.append({"id": entry["file"], "text": cut[: cut.rfind(".") + 1] or cut})
        if len(pages) == n:
            return pages
    return pages


async def plain_client(url: str, payloads: list[dict], concurrency: int) -> tuple[int, float]:
    """Send every payload with a bare asyncio httpx client; returns (completion tokens, seconds)."""
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=concurrency + 4)) as client:
        async def one(p: dict) -> int:
            async with sem:
                r = await client.post(f"{url}/v1/chat/completions", json=p)
                r.raise_for_status()
                return r.json()["usage"]["completion_tokens"]

        start = time.perf_counter()
        tokens = await asyncio.gather(*(one(p) for p in payloads))
        return sum(tokens), time.perf_counter() - start


def our_stage(url: str, pages_file: Path, work: Path, styles: list[str], sampling: dict, concurrency: int):
    """Run the rewrite stage's generation group on the pages; returns (completion tokens, seconds)."""
    from curate.config import parse_config
    from curate.executors import build_executor
    from curate.pipeline import plan_run

    shutil.rmtree(work, ignore_errors=True)
    block = {"styles": styles, "score_key": None, "min_chars": 50, "llm": {"endpoint": url, "concurrency": concurrency},
             **sampling}
    cfg = parse_config({"name": "bench", "output": str(work), "executor": {"tasks": 1},
                        "input": {"paths": [str(pages_file)], "format": "jsonl"}, "rewrite": block})
    [stage] = plan_run(cfg)
    group = stage.plan.groups[0]
    logs = stage.ctx.logs_dir(group.name)
    start = time.perf_counter()
    build_executor(cfg.executor, group, logs, "bench").run()
    seconds = time.perf_counter() - start
    stats = json.loads((logs / "stats" / "00000.json").read_text())
    tokens = sum(s["stats"].get("completion_tokens", {}).get("total", 0) for s in stats)
    return tokens, seconds


def report_round(r: int, results: dict[str, tuple[int, float]]) -> None:
    rates = {side: tokens / seconds for side, (tokens, seconds) in results.items()}
    print(f"round {r}: plain {rates['plain']:.1f} tok/s, ours {rates['ours']:.1f} tok/s, "
          f"ratio {rates['ours'] / rates['plain']:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--styles", default="distill,knowledge_list")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()

    from curate.llm import Endpoint, LlamaServer
    from curate.llm.client import payload
    from curate.rewrite.prompts import load_styles

    styles = args.styles.split(",")
    prompts = load_styles(styles)
    pages = real_pages(args.pages)
    sampling = {"max_tokens": args.max_tokens, "temperature": 0.0, "top_p": 0.9, "seed": 1234}
    tmp = Path(tempfile.mkdtemp(prefix="bench-rewrite-"))
    pages_file = tmp / "pages.jsonl"
    pages_file.write_text("".join(json.dumps(p) + "\n" for p in pages))
    with LlamaServer(log_path=tmp / "server.log") as server:
        endpoint = Endpoint(server.url, server.model_name)
        payloads = [payload(endpoint, prompts[s].messages(p["text"]), **sampling) for p in pages for s in styles]
        # warm-up, untimed: the model's weights into memory, and each side's imports and first connection
        asyncio.run(plain_client(server.url, payloads[:1], 1))
        our_stage(server.url, pages_file, tmp / "warm", styles[:1], {**sampling, "max_tokens": 1}, 1)
        sides = {
            "plain": lambda: asyncio.run(plain_client(server.url, payloads, args.concurrency)),
            "ours": lambda: our_stage(server.url, pages_file, tmp / "out", styles, sampling, args.concurrency),
        }
        totals = alternate(sides, args.rounds, report_round)
    shutil.rmtree(tmp, ignore_errors=True)
    plain = totals["plain"][0] / totals["plain"][1]
    ours = totals["ours"][0] / totals["ours"][1]
    load = os.getloadavg()[0]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load avg {load:.1f}; "
          f"{len(payloads)} requests x {args.rounds} rounds, max_tokens {args.max_tokens}, "
          f"concurrency {args.concurrency}")
    print(f"plain asyncio httpx client : {plain:7.1f} generated tokens/s ({totals['plain'][0]} tokens)")
    print(f"curate rewrite stage       : {ours:7.1f} generated tokens/s ({totals['ours'][0]} tokens)")
    print(f"ratio ours / plain         : {ours / plain:.2f}  (target >= 0.9)")


if __name__ == "__main__":
    main()
