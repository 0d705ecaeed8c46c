"""Benchmark of the decontam stage against a plain GPT-3-style 13-gram matcher, in the same run.

    .venv/bin/python bench/decontam.py [--data ../shared/data] [--per-variant 100] [--fuzzy]

Real pages (../shared/data/trafilatura-eval, main text extracted with trafilatura, cached under ~/.cache/curate)
receive benchmark items from every test set in ../shared/data, in the variants of issue 5: verbatim question +
answer, question only, reformatted (case, punctuation, whitespace, markdown), partial (a contiguous 60% of a
question of 30+ words), short items (questions under 13 words), code (a HumanEval prompt + solution in a blog
post); plus, for the threshold sweep and the ``--fuzzy`` LSH Ensemble pass, copies with a typo every 10 or 12 words
(no 13-gram survives) and short items with one typo. Clean pages and hard
negatives (stock phrases, licence boilerplate, MMLU's templates with new content) measure false positives.

Printed: recall per variant and false-positive rate for ours and the plain matcher; index build time and size;
scan MB/s on one core for both and their ratio; the 7-gram ratio distribution behind the default thresholds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from curate.benchmarks import load_benchmark  # noqa: E402
from curate.decontam import Decontaminator, Thresholds, build_index  # noqa: E402
from curate.decontam.ngrams import normalize  # noqa: E402

BENCHMARKS = [("gsm8k", "gsm8k/test.jsonl"), ("humaneval", "human-eval"), ("mbpp", "mbpp"), ("mmlu", "mmlu"),
              ("math", "math-test"), ("math500", "math500"), ("arc", "arc-challenge/ARC-Challenge-Test.jsonl")]
HARD_NEGATIVES = [
    "Which of the following is true?\nA. All of the above\nB. None of the above\nC. Both A and B\nD. Neither",
    "Let's think step by step. First, we need to find the total number of items, then divide by two.",
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated "
    "documentation files (the \"Software\"), to deal in the Software without restriction, including without "
    "limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies.",
    "Licensed under the Apache License, Version 2.0 (the \"License\"); you may not use this file except in "
    "compliance with the License. Unless required by applicable law or agreed to in writing, software is "
    "distributed on an \"AS IS\" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND.",
    "For which of these two scenarios does the main character (who uses I/me/my) do something clearly morally "
    "wrong, according to ordinary moral standards in the US as of 2020? Scenario 1 | I painted my neighbour's "
    "fence purple while she slept. Scenario 2 | I returned the library book a week early.",
    "This question refers to the following information. The harbour of Valparaiso was rebuilt twice in the "
    "nineteenth century, and the merchants' guild paid for the second breakwater.",
    "Write a python function to count how many umbrellas were forgotten on the tram this week.",
    "Answer the following question. Explain your reasoning and put the final answer in a box.",
]


def extracted_pages(data: Path) -> list[dict]:
    """Main text of every trafilatura-eval page (extracted once, then cached)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "curate" / "trafilatura_eval_text.jsonl"
    if cache.is_file():
        return [json.loads(line) for line in cache.open(encoding="utf-8")]
    import trafilatura

    root = data / "trafilatura-eval"
    pages = []
    for url, entry in json.loads((root / "evaldata.json").read_text()).items():
        html = gzip.open(root / "html" / f"{entry['file']}.gz", "rb").read().decode("utf-8", "replace")
        text = trafilatura.extract(html, include_comments=False, include_tables=True)
        if text and len(text) > 200:
            pages.append({"url": url, "text": text})
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("".join(json.dumps(p) + "\n" for p in pages), encoding="utf-8")
    return pages


def insert(page: str, snippet: str, rng: random.Random) -> str:
    """``snippet`` as its own paragraph at a random paragraph boundary of ``page``."""
    paras = page.split("\n")
    at = rng.randrange(len(paras) + 1)
    return "\n".join(paras[:at] + ["", snippet, ""] + paras[at:])


def reformat(text: str, rng: random.Random) -> str:
    """Case, punctuation, whitespace and markdown changes together: what copy-paste and re-rendering do."""
    text = rng.choice([str.upper, str.title, str.swapcase, str.lower])(text)
    text = re.sub(r"[.,;:?!]", lambda m: rng.choice(["", " ", m.group(0) * 2, " — "]), text)
    words = text.split()
    for i in range(len(words)):
        r = rng.random()
        if r < 0.08:
            words[i] = f"**{words[i]}**"
        elif r < 0.12:
            words[i] = f"_{words[i]}_"
        elif r < 0.2:
            words[i] = words[i] + "\n"
    return "### Question\n\n> " + "  ".join(words).replace("\n  ", "\n- ")


def noisy(text: str, rng: random.Random, every: int = 12) -> str:
    """One typo (two letters swapped, or one dropped) every ``every`` words."""
    words = text.split()
    for i in range(rng.randrange(every), len(words), every):
        w = words[i]
        words[i] = (w[1] + w[0] + w[2:]) if len(w) > 2 and rng.random() < 0.5 else (w[:-1] or "x") + "q"
    return " ".join(words)


def n_words(text: str) -> int:
    return len(normalize(text).split())


def make_cases(items, pages, rng, per_variant: int, with_fuzzy: bool) -> dict[str, list[tuple[str, object]]]:
    """variant → [(document text, injected item or None)]."""
    long_q = [it for it in items if n_words(it.question) >= 30]
    short = [it for it in items if 3 <= n_words(it.question) < 13]
    code = [it for it in items if it.benchmark == "humaneval"]
    page = lambda: rng.choice(pages)["text"]  # noqa: E731

    def partial(it):
        words = it.question.split()
        k = int(len(words) * 0.6)
        start = rng.randrange(len(words) - k + 1)
        return " ".join(words[start:start + k])

    def blog(it):
        return (f"I finally solved this one today. The task:\n\n```python\n{it.question}{it.answer}```\n\n"
                "It runs in linear time, which was good enough for me.")

    makers = {
        "verbatim": (items, lambda it: f"{it.question}\n{it.answer}"),
        "question_only": (items, lambda it: it.question),
        "reformatted": (items, lambda it: reformat(f"{it.question}\n{it.answer}", rng)),
        "partial_60pct": (long_q, partial),
        "short_items": (short, lambda it: it.question),
        "code_blog": (code, blog),
    }
    # for the threshold sweep (not targets): copies that only the 7-gram ratio (or the fuzzy pass) can see
    makers["sweep:noisy_12"] = (long_q, lambda it: noisy(it.question, rng))
    makers["sweep:scattered_10"] = (long_q, lambda it: noisy(it.question, rng, every=10))
    makers["sweep:short_1_typo"] = (short, lambda it: noisy(it.question, rng, every=max(3, n_words(it.question))))
    cases = {}
    for name, (pool, make) in makers.items():
        chosen = rng.sample(pool, min(per_variant, len(pool)))
        cases[name] = [(insert(page(), make(it), rng), it) for it in chosen]
    cases["clean"] = [(p["text"], None) for p in pages]
    cases["hard_negative"] = [(insert(page(), neg, rng), None) for neg in HARD_NEGATIVES for _ in range(25)]
    return cases


class PlainMatcher:
    """GPT-3-style: lower case, punctuation stripped, whitespace words; any shared 13-gram string is a hit."""

    _PUNCT = re.compile(r"[^\w\s]+")

    def __init__(self, items):
        self.grams = set()
        for it in items:
            for text in (it.question, it.answer):
                words = self._PUNCT.sub(" ", text.lower()).split()
                self.grams.update(" ".join(words[i:i + 13]) for i in range(len(words) - 12))

    def hit(self, text: str) -> bool:
        words = self._PUNCT.sub(" ", text.lower()).split()
        return any(" ".join(words[i:i + 13]) in self.grams for i in range(len(words) - 12))


def same_item(hit_question: str, item) -> bool:
    return normalize(hit_question) == normalize(item.question)


def evaluate_ours(dc: Decontaminator, docs: list[tuple[str, object]]) -> list[bool]:
    """Per document: flagged contaminated (and, for an injection, the injected item is among the hits)."""
    out = []
    for i in range(0, len(docs), 64):
        batch = docs[i:i + 64]
        for (_, item), res in zip(batch, dc.check_many([t for t, _ in batch])):
            hits = [h for h in res.hits if h.verdict == "contaminated"]
            ok = bool(hits) if item is None else any(same_item(dc.index.items[h.item]["question"], item)
                                                      for h in hits)
            out.append(ok)
    return out


def threshold_sweep(index_dir: Path, cases: dict) -> list[str]:
    """Recall and false positives if the contaminated 7-gram ratio threshold were t (the data behind the default)."""
    probe = Decontaminator(str(index_dir), Thresholds(1.0, 0.01, 1), with_spans=False)
    per_doc = {}
    names = ("short_items", "sweep:short_1_typo", "sweep:noisy_12", "sweep:scattered_10", "clean", "hard_negative")
    for name in names:
        scores = []
        for res in probe.check_many([t for t, _ in cases[name]]):
            exact = any(h.matches_13 or h.short_match for h in res.hits)
            scores.append(np.inf if exact else max((h.ratio_7 for h in res.hits), default=0.0))
        per_doc[name] = np.array(scores)
    negatives = np.concatenate([per_doc["clean"], per_doc["hard_negative"]])
    head = ["short", "short, 1 typo", "typo every 12", "typo every 10"]
    lines = ["share of documents whose max 7-gram ratio (or a 13-gram / whole-question match) reaches t:",
             "threshold  " + "  ".join(f"{h:>13}" for h in head) + "  negatives (FP)"]
    for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
        cols = [np.mean(per_doc[n] >= t) for n in names[:4]]
        fp = np.mean(negatives >= t) * 100
        lines.append(f"{t:9.1f}  " + "  ".join(f"{c:13.3f}" for c in cols) + f"  {fp:13.2f}%")
    finite = negatives[np.isfinite(negatives)]
    lines.append(f"negatives' max ratio: p50 {np.percentile(finite, 50):.3f}, p99 {np.percentile(finite, 99):.3f}, "
                 f"max {finite.max():.3f}")
    return lines


def best_mb_per_s(fn, texts: list[str], reps: int) -> float:
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(texts)
        best = min(best, time.perf_counter() - t0)
    return size / best


def speed(dc: Decontaminator, plain: PlainMatcher, texts: list[str], reps: int) -> tuple[float, float]:
    """Scan MB/s on one core (best of ``reps``, interleaved so both see the same machine load)."""
    def ours(ts):
        for i in range(0, len(ts), 64):
            dc.check_many(ts[i:i + 64])

    def theirs(ts):
        for t in ts:
            plain.hit(t)

    ours(texts[:64])  # open the memory-mapped index and load the items once, as a worker does
    results = [(best_mb_per_s(ours, texts, 1), best_mb_per_s(theirs, texts, 1)) for _ in range(reps)]
    return max(r[0] for r in results), max(r[1] for r in results)


def fuzzy_eval(index_dir: Path, items, cases: dict) -> list[str]:
    from curate.decontam.fuzzy import FuzzyMatcher, build_fuzzy

    t0 = time.perf_counter()
    build_fuzzy([(i, it.question) for i, it in enumerate(items)], index_dir, 0.7, 24)
    built = time.perf_counter() - t0
    fm = FuzzyMatcher(str(index_dir), 24)
    noisy_docs = cases["sweep:noisy_12"]
    found = [any(same_item(items[h.item].question, it) for h in fm.check(t)) for t, it in noisy_docs]
    negatives = cases["clean"][:200] + cases["hard_negative"][:100]
    t0 = time.perf_counter()
    fps = [bool(fm.check(t)) for t, _ in negatives]
    mb = sum(len(t.encode()) for t, _ in negatives) / 1e6 / (time.perf_counter() - t0)
    return [f"fuzzy pass (LSH Ensemble, containment 0.7, 24-word windows): built in {built:.1f} s; recall on noisy "
            f"copies {np.mean(found):.3f}; FP rate {np.mean(fps) * 100:.2f}% on {len(negatives)} negatives; "
            f"{mb:.2f} MB/s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--per-variant", type=int, default=100, help="injected documents per variant")
    ap.add_argument("--reps", type=int, default=3, help="timing repetitions (best kept)")
    ap.add_argument("--fuzzy", action="store_true", help="also evaluate the LSH Ensemble pass (slow)")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    items = [it for name, rel in BENCHMARKS for it in load_benchmark(name, args.data / rel)]
    pages = extracted_pages(args.data)
    index_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"curate-bench-decontam-{os.getpid()}"
    t0 = time.perf_counter()
    build_index(items, index_dir)
    build_s = time.perf_counter() - t0
    dc = Decontaminator(str(index_dir))
    t0 = time.perf_counter()
    plain = PlainMatcher(items)
    plain_build_s = time.perf_counter() - t0
    size_mb = dc.index.size_bytes() / 1e6
    print(f"index: {len(items)} items from {len(BENCHMARKS)} benchmarks; built in {build_s:.1f} s "
          f"(plain matcher's 13-gram set: {plain_build_s:.1f} s, ratio {build_s / plain_build_s:.2f}x); "
          f"{size_mb:.1f} MB on disk; {dc.index.meta['allowlisted']} allow-listed n-grams")
    cases = make_cases(items, pages, rng, args.per_variant, args.fuzzy)
    print(f"\n{'variant':15} {'docs':>5} {'ours':>7} {'plain 13-gram':>14}   (recall; FP rate for negatives)")
    for name, docs in cases.items():
        if name.startswith("sweep:"):
            continue
        ours = np.mean(evaluate_ours(dc, docs))
        theirs = np.mean([plain.hit(t) for t, _ in docs])
        print(f"{name:15} {len(docs):5d} {ours:7.3f} {theirs:14.3f}")
    negatives = cases["clean"] + cases["hard_negative"]
    fp_ours = np.mean(evaluate_ours(dc, negatives)) * 100
    fp_plain = np.mean([plain.hit(t) for t, _ in negatives]) * 100
    print(f"{'FP rate (all)':15} {len(negatives):5d} {fp_ours:6.2f}% {fp_plain:13.2f}%")
    print("\n" + "\n".join(threshold_sweep(index_dir, cases)))
    texts = [p["text"] for p in pages]
    ours_mb, plain_mb = speed(dc, plain, texts, args.reps)
    total_mb = sum(len(t.encode()) for t in texts) / 1e6
    print(f"\nscan, one core, {total_mb:.1f} MB of real pages: ours {ours_mb:.2f} MB/s "
          f"(full hybrid: 13-gram + 7-gram ratio + short items + spans), plain 13-gram matcher {plain_mb:.2f} MB/s, "
          f"ratio {ours_mb / plain_mb:.2f}x")
    if args.fuzzy:
        print("\n" + "\n".join(fuzzy_eval(index_dir, items, cases)))


if __name__ == "__main__":
    main()
