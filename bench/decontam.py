"""Benchmark of the decontam stage against a plain GPT-3-style 13-gram matcher built from the same items, in one run.

    .venv/bin/python bench/decontam.py [--data ../shared/data] [--per-cell 200] [--split heldout] [--sweep] [--fuzzy]

Every test set in ../shared/data is indexed whole. The cases come from the held-out half of each test set (see
bench/decontam_cases.py: a salted hash splits each test set, and the design and thresholds only ever saw the other
half): up to ``--per-cell`` items per variant and benchmark, each injected into a real page of the held-out half, in
the forms quiz, homework and flash-card sites publish them: the stem only, the stem + the answer's text, the item
verbatim (lettered options and "Answer: C", or question + solution), the same reformatted (case, punctuation,
whitespace, markdown), a contiguous 60% of a long stem, short items (stem + answer under 13 words) and, for
multiple-choice items, other option layouts ((a), a), 1., bullets, none; one per line or inline; shuffled; the answer
as a letter or as text). Recall counts a document only when the injected item itself is among its contaminated hits.

Negatives: every clean real page of the held-out half (trafilatura-eval, OpenStax, FineWeb-Edu) and hard negatives
(bench/decontam_negatives.py: train/dev quiz items, stock quiz stems, common facts, single options, licence text,
code, number tables) inserted into real pages.

Printed: index build time and size for each test set and for all of them; recall per variant x benchmark, ours
beside the plain matcher's; false positives per kind; the unit that decided each hit; scan MB/s on one core for both
(alternating rounds) and their ratio. ``--sweep`` adds the 7-gram ratio sweep behind the default thresholds (on the
design half), ``--fuzzy`` the LSH Ensemble pass; ``--split design`` runs everything on the design half.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(Path(__file__).parent)]

import decontam_cases as cases  # noqa: E402

from curate.decontam import Decontaminator, Thresholds, build_index  # noqa: E402

BATCH = 64


class PlainMatcher:
    """GPT-3-style: lower case, punctuation stripped, whitespace words; any shared 13-gram string is a hit. It holds
    the 13-grams of every text of every item: the prompt with its options, the answer and the solution."""

    _PUNCT = re.compile(r"[^\w\s]+")

    def __init__(self, items):
        self.grams = set()
        for it in items:
            for text in (it.prompt, it.answer, it.solution):
                words = self._PUNCT.sub(" ", text.lower()).split()
                self.grams.update(" ".join(words[i:i + 13]) for i in range(len(words) - 12))

    def hit(self, text: str) -> bool:
        words = self._PUNCT.sub(" ", text.lower()).split()
        return any(" ".join(words[i:i + 13]) in self.grams for i in range(len(words) - 12))


def identity(question: str, options) -> tuple:
    """An item's stem and options, normalized: identical items of two test sets (MATH-500 in MATH) count as one."""
    return " ".join(cases.words(question)), tuple(" ".join(cases.words(o)) for o in options)


def ours(dc: Decontaminator, docs: list[tuple[str, object]]) -> tuple[list[bool], Counter]:
    """Per document: flagged contaminated (for an injection: with the injected item, or an identical one, among the
    hits); and the units that decided those hits."""
    flags, units = [], Counter()
    for i in range(0, len(docs), BATCH):
        batch = docs[i:i + BATCH]
        for (_, item), res in zip(batch, dc.check_many([t for t, _ in batch])):
            hits = [h for h in res.hits if h.verdict == "contaminated"]
            if item is not None:
                want = identity(item.question, item.options)
                hits = [h for h in hits if (h.benchmark, h.item_id) == (item.benchmark, item.item_id)
                        or identity(dc.index.items[h.item]["question"], dc.index.items[h.item]["options"]) == want]
            flags.append(bool(hits))
            units.update(h.unit for h in hits[:1])
    return flags, units


def build_report(items, work: Path) -> tuple[Decontaminator, PlainMatcher]:
    """Index each test set alone, then all of them, printing build time and size beside the plain matcher's."""
    print("index build (each test set alone, then all together), beside the plain matcher's 13-gram set:")
    for bench, _ in cases.BENCHMARKS + [("all", None)]:
        mine = items if bench == "all" else [it for it in items if it.benchmark == bench]
        t0 = time.perf_counter()
        build_index(mine, work / f"ix-{bench}")
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        plain = PlainMatcher(mine)
        plain_s = time.perf_counter() - t0
        dc = Decontaminator(str(work / f"ix-{bench}"))
        print(f"  {bench:10} {len(mine):6d} items, units {dc.index.meta['units']}: {built:5.1f} s, "
              f"{dc.index.size_bytes() / 1e6:6.1f} MB (plain: {plain_s:4.1f} s, ratio {built / plain_s:.2f}x)")
    print(f"  allow-listed n-grams: {dc.index.meta['allowlisted']}")
    return dc, plain


def recall_table(dc, plain, positives: dict) -> None:
    benches = [b for b, _ in cases.BENCHMARKS]
    print("\nrecall, ours / plain 13-gram (documents), per variant and benchmark:")
    print(f"{'variant':14}" + "".join(f"{b:>19}" for b in benches) + f"{'min ours':>10}{'target':>8}")
    for name, per_bench in positives.items():
        cells, worst, units = [], 1.0, Counter()
        for b in benches:
            docs = per_bench[b]
            if not docs:
                cells.append(f"{'n/a':>19}")
                continue
            flags, u = ours(dc, docs)
            units.update(u)
            mine, theirs = np.mean(flags), np.mean([plain.hit(t) for t, _ in docs])
            worst = min(worst, mine)
            cells.append(f"{mine:7.3f} /{theirs:6.3f} ({len(docs):3d})")
        target = cases.TARGETS.get(name)
        mark = "" if target is None else f"{target:8.2f}" + (" ok" if worst >= target else " MISSED")
        print(f"{name:14}" + "".join(cells) + f"{worst:10.3f}{mark}")
        print(f"{'':14}  deciding units: {dict(units.most_common())}")


def fp_table(dc: Decontaminator, plain, negatives: dict, set_aside: int) -> None:
    names = ["ours", "plain 13-gram"]
    print(f"\nfalse positives (documents flagged contaminated); {set_aside} negatives holding a test item's own "
          "text were set aside:")
    print(f"  {'kind':32} {'docs':>5}" + "".join(f"{n:>28}" for n in names))
    totals = np.zeros(len(names) + 1, int)
    for kind, docs in negatives.items():
        counts = [sum(ours(dc, docs)[0]), sum(plain.hit(t) for t, _ in docs)]
        totals += [len(docs), *counts]
        print(f"  {kind:32} {len(docs):5d}" + "".join(f"{c:28d}" for c in counts))
    print(f"  {'all negatives':32} {totals[0]:5d}" + "".join(f"{c:20d} ({100 * c / totals[0]:.2f}%)"
                                                            for c in totals[1:]) + "   target <= 0.50%")


def negative_docs(data: Path, items, split: str, hosts: list[str], rng: random.Random) -> tuple[dict, int]:
    """kind → [(document, None)]: the clean pages of ``split`` and its hard negatives inserted into real pages,
    less those that hold a test item's own text (returned as a count)."""
    truth = cases.TestText(items)
    pages = cases.clean_pages(data, split)
    kept = [p for p in pages if not truth.held_by(p["text"])]
    negatives = {f"clean: {src}": [(p["text"], None) for p in kept if p["source"] == src]
                 for src in ("trafilatura-eval", "openstax", "fineweb-edu")}
    for kind, snippet in cases.hard_negatives(data, items, truth, split, rng):
        negatives.setdefault(f"hard: {kind}", []).append((cases.insert(rng.choice(hosts), snippet, rng), None))
    return negatives, len(pages) - len(kept)


def speed(dc, plain, texts: list[str], rounds: int) -> None:
    """Scan MB per CPU-second on one core, the two scanners in alternating rounds (best round of each)."""
    size = sum(len(t.encode()) for t in texts) / 1e6
    dc.check_many(texts[:BATCH])  # open the memory-mapped index and load the items once, as a worker does
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        t0 = time.process_time()
        for i in range(0, len(texts), BATCH):
            dc.check_many(texts[i:i + BATCH])
        best[0] = min(best[0], time.process_time() - t0)
        t0 = time.process_time()
        for t in texts:
            plain.hit(t)
        best[1] = min(best[1], time.process_time() - t0)
    print(f"\nscan, one core, {size:.1f} MB of real pages, best of {rounds} alternating rounds (CPU time): ours "
          f"{size / best[0]:.2f} MB/s (13-gram + 7-gram ratio + whole stems + parts + spans), plain 13-gram matcher "
          f"{size / best[1]:.2f} MB/s, ratio {best[1] / best[0]:.2f}x (target >= 2x)")


def sweep(dc: Decontaminator, items, negatives: list[str], hosts: list[str], per_cell: int,
          rng: random.Random) -> None:
    """Share of documents contaminated if ``contaminated_ratio`` were t (the other rules unchanged), on the design
    half: copies only the 7-gram ratio can see, and the negatives. The data behind the default threshold."""
    pos = cases.positives(items, hosts, "design", per_cell, rng, cases.SWEEP)
    texts = {name: [t for b in per_bench.values() for t, _ in b] for name, per_bench in pos.items()}
    texts["negatives"] = negatives
    print(f"\nthreshold sweep on the DESIGN half ({len(negatives)} negatives): share of documents contaminated "
          "if contaminated_ratio were t")
    print("threshold" + "".join(f"{n:>15}" for n in texts))
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
        probe = Decontaminator(dc.index_dir, Thresholds(t, min(t, 0.15)), with_spans=False)
        shares = [np.mean(ours(probe, [(x, None) for x in docs])[0]) for docs in texts.values()]
        print(f"{t:9.1f}" + "".join(f"{v:15.3f}" for v in shares[:-1]) + f"{shares[-1]:14.2%}")


def fuzzy_report(index_dir: Path, items, hosts: list[str], negatives: list[str], args, rng: random.Random) -> None:
    """The optional LSH Ensemble pass: recall on copies with a typo every 12 words, false positives, speed."""
    from curate.decontam.fuzzy import FuzzyMatcher, build_fuzzy

    t0 = time.perf_counter()
    build_fuzzy([(i, it.question) for i, it in enumerate(items)], index_dir, 0.7, 24)
    built = time.perf_counter() - t0
    fm = FuzzyMatcher(str(index_dir), 24)
    noisy = cases.positives(items, hosts, args.split, args.per_cell, rng, {"noisy": cases.SWEEP["typo every 12"]})
    docs = [d for per_bench in noisy["noisy"].values() for d in per_bench]
    want = [identity(it.question, it.options) for _, it in docs]
    found = [any(identity(items[h.item].question, items[h.item].options) == w for h in fm.check(t))
             for (t, _), w in zip(docs, want)]
    sample = rng.sample(negatives, min(300, len(negatives)))
    t0 = time.perf_counter()
    fps = [bool(fm.check(t)) for t in sample]
    mb = sum(len(t.encode()) for t in sample) / 1e6 / (time.perf_counter() - t0)
    print(f"\nfuzzy pass (LSH Ensemble, containment 0.7, 24-word windows): built in {built:.1f} s; recall on "
          f"{len(docs)} copies with a typo every 12 words {np.mean(found):.3f}; FP {np.mean(fps):.2%} on "
          f"{len(sample)} negatives; {mb:.2f} MB/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--per-cell", type=int, default=200, help="injected documents per variant and benchmark")
    ap.add_argument("--split", choices=("heldout", "design"), default="heldout")
    ap.add_argument("--rounds", type=int, default=5, help="alternating timing rounds")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--sweep", action="store_true", help="also print the 7-gram ratio sweep (design half)")
    ap.add_argument("--fuzzy", action="store_true", help="also evaluate the LSH Ensemble pass (slow)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"curate-bench-decontam-{os.getpid()}"
    items = cases.load_items(args.data)
    print(f"split: items, pages and negatives of the {args.split} half (salt {cases.SPLIT_SALT!r}); seed {args.seed}")
    dc, plain = build_report(items, work)
    pages = cases.clean_pages(args.data, args.split)
    hosts = [p["text"] for p in pages if p["source"] != "openstax"]
    recall_table(dc, plain, cases.positives(items, hosts, args.split, args.per_cell, rng))
    negatives, set_aside = negative_docs(args.data, items, args.split, hosts, rng)
    fp_table(dc, plain, negatives, set_aside)
    speed(dc, plain, hosts, args.rounds)
    if args.sweep:
        design = cases.clean_pages(args.data, "design")
        design_hosts = [p["text"] for p in design if p["source"] != "openstax"]
        design_negs, _ = negative_docs(args.data, items, "design", design_hosts, rng)
        sweep(dc, items, [t for docs in design_negs.values() for t, _ in docs], design_hosts, args.per_cell, rng)
    if args.fuzzy:
        fuzzy_report(work / "ix-all", items, hosts, [t for docs in negatives.values() for t, _ in docs], args, rng)
    shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
