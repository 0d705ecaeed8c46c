"""Precision of the rule-based question mining, on held-out real pages and textbook sections labelled by reading.

Held out before any rule was written: the test split of fineweb-edu-annotations (1,000 real web pages) and the
OpenStax sections whose module id has an odd SHA-1 (half of ../shared/data/openstax-ccby). The rules were designed on
the other halves (fineweb-edu's train split, the even OpenStax modules) and on the quickstart's pages.

The script mines every page, applies the seed checks and the dedup of questions (as the stage does), takes from each
split the 50 passing seeds whose questions have the smallest SHA-1 (a sample that moves little when the rules change),
and joins them with ``bench/data/seeds_mining_labels.json``: for each sampled seed, whether a reader finds it a usable,
self-contained question (answerable without its page) and, when the miner found an answer, whether it is the page's
answer to it. It prints the precision overall and per pattern. A sample that no longer matches the labels (the rules
changed) is reported, item by item, so it can be labelled again.

    .venv/bin/python bench/seeds_mining.py
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections import Counter, defaultdict
from pathlib import Path

from curate.seeds.checks import check
from curate.seeds.config import SeedChecks
from curate.seeds.mine import mine
from curate.seeds.steps import question_key

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CURATE_SHARED_DATA", ROOT.parent / "shared" / "data"))
LABELS = ROOT / "bench" / "data" / "seeds_mining_labels.json"
SAMPLE = 50


def fineweb_test():
    for line in (DATA / "fineweb-edu-annotations" / "test_1k.jsonl").read_text().splitlines():
        row = json.loads(line)
        yield row["id"], row["text"]


def openstax_test():
    with gzip.open(DATA / "openstax-ccby" / "sections.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if int(hashlib.sha1(row["module"].encode()).hexdigest(), 16) % 2 == 1:
                yield row["module"], row["text"]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def measure(split: str, documents, labels: dict) -> None:
    mined, reasons, passing, seen = 0, Counter(), [], set()
    n_docs = 0
    for doc_id, text in documents:
        n_docs += 1
        for seed in mine(text):
            mined += 1
            reason, _ = check(seed.question, seed.answer, SeedChecks())
            if reason is None and question_key(seed.question) in seen:
                reason = "duplicate"
            reasons[reason or "pass"] += 1
            if reason is None:
                seen.add(question_key(seed.question))
                passing.append((doc_id, seed))
    print(f"\n{split}: {n_docs} documents, {mined} questions mined; checks: {dict(reasons)}")
    sample = sorted(passing, key=lambda item: _digest(item[1].question))[:SAMPLE]
    usable, answers, per_pattern, missing = [], [], defaultdict(list), []
    for doc_id, seed in sample:
        label = labels.get((split, doc_id, _digest(seed.question)[:12]))
        if label is None:
            missing.append(f"{doc_id}: {seed.question[:100]!r}")
            continue
        usable.append(label["usable"])
        per_pattern[seed.pattern].append(label["usable"])
        if label["answer_correct"] is not None:
            answers.append(label["answer_correct"])
    if missing:
        print(f"  {len(missing)} sampled seeds have no label (the rules changed?); label them:")
        print("\n".join(f"    {m}" for m in missing))
    if usable:
        print(f"  usable, self-contained questions: {sum(usable)}/{len(usable)} = {sum(usable) / len(usable):.2f}")
        print(f"  correct answers (seeds with an answer): {sum(answers)}/{len(answers)} = "
              f"{sum(answers) / max(len(answers), 1):.2f}")
        for pattern, marks in sorted(per_pattern.items(), key=lambda kv: -len(kv[1])):
            print(f"    {pattern:16} {sum(marks)}/{len(marks)}")


def main() -> None:
    labels = {(r["split"], r["doc"], r["question_sha1"]): r for r in json.loads(LABELS.read_text())}
    measure("fineweb_test", fineweb_test(), labels)
    measure("openstax_test", openstax_test(), labels)


if __name__ == "__main__":
    main()
