"""Small document folders built from real text in ../shared/data, and an independent token recount."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest


def write_jsonl(path: Path, docs: list[dict]) -> Path:
    """Documents in datatrove's JSONL format ({"text", "id", "metadata"}), gzipped when the name says so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(d) + "\n" for d in docs)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(lines)
    else:
        path.write_text(lines, encoding="utf-8")
    return path


def book_docs(book: Path, limit: int) -> list[dict]:
    """A public-domain book cut into paragraph documents."""
    paragraphs = [p.strip() for p in book.read_text(encoding="utf-8", errors="replace").split("\n\n") if p.strip()]
    return [{"text": p, "id": f"{book.stem}/{i}", "metadata": {"source": "textreuse"}}
            for i, p in enumerate(paragraphs[:limit])]


def mmlu_docs(csv_path: Path, limit: int) -> list[dict]:
    """MMLU questions with their four options, one document each."""
    with open(csv_path, encoding="utf-8") as f:
        rows = list(csv.reader(f))[:limit]
    return [{"text": f"{r[0]}\nA. {r[1]}\nB. {r[2]}\nC. {r[3]}\nD. {r[4]}", "id": f"{csv_path.stem}/{i}",
             "metadata": {}} for i, r in enumerate(rows)]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, shared_data: Path) -> dict[str, Path]:
    """Source folders: books (gzipped JSONL, nested, with a rejected/ folder to skip), mmlu (plain JSONL),
    gsm8k (Parquet) and empty (documents without text)."""
    root = tmp_path_factory.mktemp("mixture_corpus")
    ats = shared_data / "textreuse-corpora" / "ats"
    books = sorted(ats.glob("*.txt"))
    write_jsonl(root / "books" / f"{books[0].stem}.jsonl.gz", book_docs(books[0], 120))
    write_jsonl(root / "books" / "more" / f"{books[1].stem}.jsonl.gz", book_docs(books[1], 80))
    write_jsonl(root / "books" / "rejected" / "too_short" / "00000.jsonl.gz", book_docs(books[2], 30))
    subjects = sorted((shared_data / "mmlu" / "test").glob("*.csv"))
    for csv_path in subjects[:2]:
        write_jsonl(root / "mmlu" / f"{csv_path.stem}.jsonl", mmlu_docs(csv_path, 60))
    import polars as pl

    with open(shared_data / "gsm8k" / "test.jsonl", encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f][:150]
    (root / "gsm8k").mkdir()
    pl.DataFrame({"text": questions, "id": [f"gsm8k/{i}" for i in range(len(questions))]}).write_parquet(
        root / "gsm8k" / "test.parquet")
    write_jsonl(root / "empty" / "blank.jsonl", [{"text": "", "id": "blank/0", "metadata": {}}])
    return {"root": root, "books": root / "books", "mmlu": root / "mmlu", "gsm8k": root / "gsm8k",
            "empty": root / "empty"}


def _recount(files: list[Path], tokenizer_json: Path) -> tuple[int, int]:
    """Documents and tokens of files, read and tokenized directly (no curate code): the reference counts."""
    import pyarrow.parquet as pq
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json))
    texts = []
    for path in files:
        if path.suffix == ".parquet":
            texts.extend(pq.read_table(path).column("text").to_pylist())
            continue
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            texts.extend(json.loads(line)["text"] for line in f if line.strip())
    texts = [t for t in texts if t]
    return len(texts), sum(len(tok.encode(t, add_special_tokens=False).ids) for t in texts)


@pytest.fixture(scope="session")
def neox_json(repo_root: Path) -> Path:
    return repo_root / "curate" / "data" / "tokenizers" / "gpt-neox-20b" / "tokenizer.json"


@pytest.fixture(scope="session")
def recount():
    """``recount(files, tokenizer_json) -> (documents, tokens)``, independent of curate's counting code."""
    return _recount


def _count_stats(output: Path) -> dict[str, int]:
    """The counting step's stats, summed over tasks and step groups."""
    totals: dict[str, int] = {}
    for stats_file in output.glob("logs/mixture-*/stats/*.json"):
        for step in json.loads(stats_file.read_text()):
            for key, value in (step.get("stats") or {}).items():
                totals[key] = totals.get(key, 0) + (value["total"] if isinstance(value, dict) else value)
    return totals


@pytest.fixture(scope="session")
def count_stats():
    """``count_stats(output) -> {stat: total}``: the mixture counting step's stats of a run's output folder."""
    return _count_stats
