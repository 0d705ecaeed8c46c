"""The cases of bench/decontam.py: benchmark items injected into real pages in the forms the web publishes them.

Honest evaluation: every test set is split in two halves by a salted hash of each item's stem (MBPP: its task
number, so both MBPP files put a task on the same side; identical stems, such as MATH-500's problems inside MATH,
fall together). :data:`SPLIT_SALT` was fixed before any design work. The design and the thresholds were worked out
on the ``design`` half only; the reported figures use the ``heldout`` half, which nothing was tuned on. The host
pages, the train/dev items and every other negative are split the same way, by their own keys.

Words are counted here with ``re.findall(r"\\w+", text.lower())``, independently of the code under test.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import re
from pathlib import Path

import decontam_negatives as neg
import numpy as np

from curate.benchmarks import load_benchmark

SPLIT_SALT = "curate-issue-12"
BENCHMARKS = [("gsm8k", "gsm8k/test.jsonl"), ("humaneval", "human-eval"), ("mbpp", "mbpp"), ("mmlu", "mmlu"),
              ("math", "math-test"), ("math500", "math500"), ("arc", "arc-challenge/ARC-Challenge-Test.jsonl")]
TRAIN_DEV = [("mmlu", "mmlu/dev"), ("mmlu", "mmlu/val"), ("arc", "arc-challenge/ARC-Challenge-Dev.jsonl"),
             ("gsm8k", "gsm8k/train.jsonl"), ("math", "math-train/train.jsonl.gz")]
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def in_split(key: str, split: str) -> bool:
    """Is ``key`` on the ``split`` side ("design" or "heldout")?"""
    held = hashlib.sha256(f"{SPLIT_SALT}/{key}".encode()).digest()[0] & 1 == 1
    return held if split == "heldout" else not held


def item_key(it) -> str:
    return f"mbpp:{it.item_id.split(':', 1)[1]}" if it.benchmark == "mbpp" else " ".join(words(it.question))


def load_items(data: Path) -> list:
    return [it for name, rel in BENCHMARKS for it in load_benchmark(name, data / rel)]


def clean_pages(data: Path, split: str) -> list[dict]:
    """Real pages of this split: trafilatura-eval (main text, extracted once and cached), OpenStax sections and
    FineWeb-Edu annotation pages."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "curate" / "trafilatura_eval_text.jsonl"
    if not cache.is_file():
        import trafilatura

        root, pages = data / "trafilatura-eval", []
        for url, entry in json.loads((root / "evaldata.json").read_text()).items():
            html = gzip.open(root / "html" / f"{entry['file']}.gz", "rb").read().decode("utf-8", "replace")
            text = trafilatura.extract(html, include_comments=False, include_tables=True)
            if text and len(text) > 200:
                pages.append({"url": url, "text": text})
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text("".join(json.dumps(p) + "\n" for p in pages), encoding="utf-8")
    pages = [dict(json.loads(line), source="trafilatura-eval") for line in cache.open(encoding="utf-8")]
    with gzip.open(data / "openstax-ccby" / "sections.jsonl.gz", "rt", encoding="utf-8") as fh:
        pages += [{"url": f"openstax:{r['module']}", "text": r["text"], "source": "openstax"}
                  for r in map(json.loads, fh)]
    for file in sorted((data / "fineweb-edu-annotations").glob("*.jsonl")):
        with file.open(encoding="utf-8") as fh:
            pages += [{"url": f"fineweb:{file.stem}:{r['id']}", "text": r["text"], "source": "fineweb-edu"}
                      for r in map(json.loads, fh)]
    return [p for p in pages if len(p["text"]) > 200 and in_split(p["url"], split)]


def insert(page: str, snippet: str, rng: random.Random) -> str:
    """``snippet`` as its own paragraph at a random paragraph boundary of ``page``."""
    paras = page.split("\n")
    at = rng.randrange(len(paras) + 1)
    return "\n".join(paras[:at] + ["", snippet, ""] + paras[at:])


def answer_text(it) -> str:
    """What a page shows as the answer: the option's text, the final number or expression, else the code."""
    return it.answer or it.solution


def flash_card(stem: str, answer: str, rng: random.Random) -> str:
    """The stem and its answer as quiz, homework and flash-card sites print them."""
    forms = ["{q}\n{a}", "Q: {q}\nA: {a}", "{q}\nAnswer: {a}", "Question: {q}\n\nCorrect answer: {a}", "{q} — {a}",
             "**{q}**\n\n{a}", "{q} {a}", "{q}\n\nThe answer is {a}."]
    return rng.choice(forms).format(q=stem.strip(), a=answer.strip())


def option_layout(it, rng: random.Random) -> str:
    """The stem and options in one of the layouts quiz sites use, maybe shuffled, with or without the answer."""
    order = list(range(len(it.options)))
    if rng.random() < 0.5:
        rng.shuffle(order)
    style = rng.choice(["{L}. ", "({l}) ", "{l}) ", "{n}. ", "- ", "• ", "", "[{L}] "])
    labels = [style.format(L="ABCDEFGH"[k], l="abcdefgh"[k], n=k + 1) for k in range(len(order))]
    lines = [labels[k] + it.options[i] for k, i in enumerate(order)]
    body = rng.choice(["\n", "  ", "   ", "\n\n"]).join(lines)
    at = labels[order.index(it.options.index(it.answer))].strip(" -•") if it.answer in it.options else ""
    tail = rng.choice(["", f"\nAnswer: {at}" if at else "", f"\nAnswer: {it.answer}", f"\n\nCorrect: {it.answer}"])
    return f"{it.question}\n{body}{tail}"


def verbatim(it) -> str:
    """The item as its file has it: the lettered options and the answer's letter, or the question and solution."""
    if it.options:
        label = it.labels[it.options.index(it.answer)] if it.answer in it.options else ""
        return f"{it.prompt}\nAnswer: {label}"
    return f"{it.question}\n{it.solution or it.answer}"


def reformat(text: str, rng: random.Random) -> str:
    """Case, punctuation, whitespace and markdown changes together: what copy-paste and re-rendering do."""
    text = rng.choice([str.upper, str.title, str.swapcase, str.lower])(text)
    text = re.sub(r"[.,;:?!]", lambda m: rng.choice(["", " ", m.group(0) * 2, " — "]), text)
    out = []
    for w in text.split():
        r = rng.random()
        out.append(f"**{w}**" if r < 0.08 else f"_{w}_" if r < 0.12 else w + "\n" if r < 0.2 else w)
    return "### Question\n\n> " + "  ".join(out).replace("\n  ", "\n- ")


def partial(it, rng: random.Random) -> str:
    """A contiguous 60% of a stem of at least 30 words."""
    toks = it.question.split()
    k = int(len(toks) * 0.6)
    start = rng.randrange(len(toks) - k + 1)
    return " ".join(toks[start:start + k])


def noisy(text: str, rng: random.Random, every: int = 12) -> str:
    """One typo (two letters swapped, or the last one replaced) every ``every`` words."""
    toks = text.split()
    for i in range(rng.randrange(every), len(toks), every):
        w = toks[i]
        toks[i] = (w[1] + w[0] + w[2:]) if len(w) > 2 and rng.random() < 0.5 else (w[:-1] or "x") + "q"
    return " ".join(toks)


def _stem_counts(items) -> dict[str, int]:
    """How many distinct items (stem and options) have each stem: MATH-500's problems repeat MATH's, one item."""
    seen: dict[str, set] = {}
    for it in items:
        key = " ".join(words(it.question))
        seen.setdefault(key, set()).add(tuple(" ".join(words(o)) for o in it.options))
    return {k: len(v) for k, v in seen.items()}


VARIANTS = {
    # name: (who is in the population, how the page shows the item)
    "stem_only": (lambda it, c: len(words(it.question)) >= (7 if it.options else 3)
                  and c[" ".join(words(it.question))] == 1, lambda it, rng: it.question),
    "stem_answer": (lambda it, c: bool(answer_text(it)) and len(words(it.question + " " + answer_text(it))) >= 13,
                    lambda it, rng: flash_card(it.question, answer_text(it), rng)),
    "verbatim": (lambda it, c: True, lambda it, rng: verbatim(it)),
    "reformatted": (lambda it, c: True, lambda it, rng: reformat(verbatim(it), rng)),
    "partial": (lambda it, c: len(it.question.split()) >= 30, partial),
    "short_items": (lambda it, c: bool(it.answer) and len(words(it.question + " " + it.answer)) < 13,
                    lambda it, rng: flash_card(it.question, it.answer, rng)),
    "layouts": (lambda it, c: bool(it.options), option_layout),
    "stem_only_all": (lambda it, c: True, lambda it, rng: it.question),
}
TARGETS = {"stem_only": 0.98, "stem_answer": 0.98, "verbatim": 0.98, "reformatted": 0.98, "partial": 0.98,
           "short_items": 0.90}
SWEEP = {  # copies only the 7-gram ratio can see, for the threshold sweep (design half)
    "short": (lambda it, c: 7 <= len(words(it.question)) < 13 and c[" ".join(words(it.question))] == 1,
              lambda it, rng: it.question),
    "short, 1 typo": (lambda it, c: 7 <= len(words(it.question)) < 13 and c[" ".join(words(it.question))] == 1,
                      lambda it, rng: noisy(it.question, rng, every=len(it.question.split()))),
    "typo every 12": (lambda it, c: len(it.question.split()) >= 30, lambda it, rng: noisy(it.question, rng)),
    "typo every 10": (lambda it, c: len(it.question.split()) >= 30, lambda it, rng: noisy(it.question, rng, 10)),
}


def positives(items, hosts, split: str, per_cell: int, rng: random.Random, variants=VARIANTS) -> dict:
    """variant → benchmark → [(document, injected item)], at most ``per_cell`` items each, from ``split``."""
    counts = _stem_counts(items)
    mine = [it for it in items if in_split(item_key(it), split)]
    out: dict[str, dict[str, list]] = {}
    for name, (member, make) in variants.items():
        for bench, _ in BENCHMARKS:
            pool = [it for it in mine if it.benchmark == bench and member(it, counts)]
            chosen = rng.sample(pool, min(per_cell, len(pool)))
            out.setdefault(name, {})[bench] = [(insert(rng.choice(hosts), make(it, rng), rng), it) for it in chosen]
    return out


def _run_hashes(text: str, n: int, vocab: dict) -> np.ndarray:
    """A 64-bit hash of every run of ``n`` words of ``text`` (a polynomial over word numbers; this file's own)."""
    ids = np.array([vocab.setdefault(w, len(vocab) + 1) for w in words(text)], dtype=np.uint64)
    if len(ids) < n:
        return np.zeros(0, np.uint64)
    acc = np.zeros(len(ids) - n + 1, dtype=np.uint64)
    for k in range(n):
        acc = acc * np.uint64(1_000_003) + ids[k:len(ids) - n + 1 + k]
    return acc


class TestText:
    """Does a text hold a test item's own text? A run of :data:`RUN` words shared with one to four test items (a
    quoted source, a repeated figure's code; runs held by five or more items are templates), or, for a quiz item,
    the same stem of 7+ words as one to four test items, or the same stem and answer as one. Such negatives are
    true positives and are set aside."""

    RUN = 25

    def __init__(self, test_items):
        self.vocab: dict[str, int] = {}
        self.stems = _stem_counts(test_items)
        self.stem_answers = {(" ".join(words(it.question)), " ".join(words(it.answer))) for it in test_items}
        runs = [np.unique(self.runs(f"{it.prompt}\n{it.answer}\n{it.solution}")) for it in test_items]
        keys, holders = np.unique(np.concatenate(runs), return_counts=True)
        self.specific = keys[holders < 5]

    def runs(self, text: str) -> np.ndarray:
        return _run_hashes(text, self.RUN, self.vocab)

    def held_by(self, text: str) -> bool:
        hashes = self.runs(text)
        at = np.minimum(np.searchsorted(self.specific, hashes), len(self.specific) - 1)
        return bool(len(hashes)) and bool((self.specific[at] == hashes).any())

    def repeats(self, it) -> bool:
        stem = " ".join(words(it.question))
        return ((len(stem.split()) >= 7 and 0 < self.stems.get(stem, 0) < 5)
                or (stem, " ".join(words(it.answer))) in self.stem_answers or self.held_by(verbatim(it)))


def hard_negatives(data: Path, test_items, truth: TestText, split: str, rng: random.Random,
                   n_quiz: int = 250) -> list[tuple]:
    """(kind, snippet) pairs of this split (see :mod:`decontam_negatives`); train/dev items that repeat a test item
    are left out."""
    dev = [it for name, rel in TRAIN_DEV for it in load_benchmark(name, data / rel)]
    dev = [it for it in dev if in_split(item_key(it), split) and not truth.repeats(it)]
    forms = [lambda it: it.question, lambda it: flash_card(it.question, answer_text(it), rng), verbatim,
             lambda it: option_layout(it, rng) if it.options else verbatim(it),
             lambda it: reformat(verbatim(it), rng)]
    out = [("train/dev quiz item", rng.choice(forms)(it)) for it in rng.sample(dev, min(n_quiz, len(dev)))]
    keep = lambda key: in_split(key, split)  # noqa: E731
    mine = [it for it in test_items if in_split(item_key(it), split)]
    for kind, texts in (("stock quiz stem", neg.stock_quizzes(rng, dev, 40)), ("common facts", neg.facts(rng, 60)),
                        ("single option", neg.single_options(rng, mine, 60, lambda t: len(words(t)))),
                        ("licence text", neg.licence_texts(rng, 40, keep)),
                        ("code boilerplate", neg.code_snippets(rng, 50, keep)),
                        ("number table", neg.number_tables(rng, 45))):
        out += [(kind, t) for t in texts]
    return out
