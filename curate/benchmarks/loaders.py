"""One loader per known benchmark format. Each takes a file or folder and returns its items in file order."""

from __future__ import annotations

import json
import re
from pathlib import Path

from curate.benchmarks.base import BenchmarkItem, choice_item, files_in, iter_csv_rows
from curate.errors import CurateError
from curate.jsonio import iter_jsonl, open_text

_GSM8K_CALC = re.compile(r"<<[^>]*>>")


def load_gsm8k(path: Path, name: str = "gsm8k") -> list[BenchmarkItem]:
    """GSM8K ``{"question", "answer"}`` lines: the worked answer (calculator annotations ``<<...>>`` removed) is the
    solution, the number after its ``####`` the answer.

    A folder means its ``test.jsonl`` (the socratic variant repeats the same questions), else every JSONL in it.
    """
    items = []
    for file in files_in(path, ("test.jsonl", "*.jsonl")):
        for lineno, rec in iter_jsonl(file):
            solution = _GSM8K_CALC.sub("", rec.get("answer", ""))
            final = solution.rpartition("####")[2].strip() if "####" in solution else ""
            items.append(BenchmarkItem(name, f"{file.stem}:{lineno}", rec.get("question", ""), final,
                                       solution=solution))
    return items


def load_humaneval(path: Path, name: str = "humaneval") -> list[BenchmarkItem]:
    """HumanEval (gzipped) JSONL: the prompt (signature + docstring) and the canonical solution."""
    return [
        BenchmarkItem(name, rec.get("task_id", str(lineno)), rec.get("prompt", ""),
                      solution=rec.get("canonical_solution", ""))
        for file in files_in(path, ("HumanEval.jsonl*", "*.jsonl.gz", "*.jsonl"))
        for lineno, rec in iter_jsonl(file)
    ]


def load_mbpp(path: Path, name: str = "mbpp") -> list[BenchmarkItem]:
    """MBPP: the full JSONL (``text``, ``code``) and/or the sanitized JSON list (``prompt``, ``code``).

    A folder loads both files. The question is the task sentence (often under 13 words: the short items Phi-4's
    13-gram rule misses); the solution is the reference code followed by its test asserts.
    """
    items = []
    for file in files_in(path, ("*mbpp*.json*",)):
        if file.suffix == ".json":
            with open_text(file) as fh:
                records = list(enumerate(json.load(fh), 1))
            prefix = "sanitized"
        else:
            records = list(iter_jsonl(file))
            prefix = "full"
        for _, rec in records:
            text = rec.get("text") or rec.get("prompt") or ""
            solution = "\n".join([rec.get("code", ""), *(rec.get("test_list") or [])])
            items.append(BenchmarkItem(name, f"{prefix}:{rec.get('task_id')}", text, solution=solution))
    return items


def load_mmlu(path: Path, name: str = "mmlu") -> list[BenchmarkItem]:
    """MMLU's header-less CSVs ``question, A, B, C, D, answer_letter``, one per subject: the stem, four options,
    and the correct option's text as the answer.

    A folder with a ``test/`` subfolder loads only the test split; otherwise every CSV under it.
    """
    root = path / "test" if (path / "test").is_dir() else path
    items = []
    for file in files_in(root, ("*.csv",)):
        subject = file.stem.removesuffix("_test")
        for rowno, row in iter_csv_rows(file, header=False):
            if len(row) < 6:
                raise CurateError(f"{file}:{rowno}: expected 6 columns (question, A, B, C, D, answer) in MMLU CSV")
            items.append(choice_item(name, f"{subject}:{rowno}", row[0], list(zip("ABCD", row[1:5])), row[5]))
    return items


def boxed(solution: str) -> str:
    """The content of the last ``\\boxed{...}`` (or ``\\fbox{...}``) in a solution, braces balanced; "" if none."""
    start = max(solution.rfind("\\boxed{"), solution.rfind("\\fbox{"))
    if start < 0:
        return ""
    pos, depth = solution.index("{", start) + 1, 1
    for end in range(pos, len(solution)):
        depth += (solution[end] == "{") - (solution[end] == "}")
        if depth == 0:
            return solution[pos:end].strip()
    return ""


def load_math(path: Path, name: str = "math") -> list[BenchmarkItem]:
    """MATH / MATH-500 JSONL: the ``problem``, its worked ``solution``, and the final answer (MATH-500's ``answer``
    field, else the solution's last ``\\boxed{}``); ids: ``unique_id``, ``idx`` or the line number."""
    items = []
    for file in files_in(path, ("test.jsonl", "*.jsonl")):
        for lineno, rec in iter_jsonl(file):
            item_id = rec.get("unique_id") or rec.get("idx", lineno)
            solution = rec.get("solution", "")
            final = rec.get("answer") if isinstance(rec.get("answer"), str) else boxed(solution)
            items.append(BenchmarkItem(name, str(item_id), rec.get("problem", ""), final, solution=solution))
    return items


def load_arc(path: Path, name: str = "arc") -> list[BenchmarkItem]:
    """ARC's JSONL ``{"id", "question": {"stem", "choices": [{"text", "label"}]}, "answerKey"}``: the stem, the
    options and the correct option's text.

    A folder loads its ``*Test*.jsonl`` files (else every JSONL).
    """
    items = []
    for file in files_in(path, ("*Test*.jsonl", "*.jsonl")):
        for lineno, rec in iter_jsonl(file):
            q = rec.get("question") or {}
            if isinstance(q, str):
                q = {"stem": q, "choices": rec.get("choices", [])}
            options = [(c.get("label", ""), c.get("text", "")) for c in q.get("choices", [])]
            items.append(choice_item(name, rec.get("id", str(lineno)), q.get("stem", ""), options,
                                     rec.get("answerKey", "")))
    return items
