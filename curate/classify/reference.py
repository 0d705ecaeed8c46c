"""Reference text for the ``reasoning`` classifier (DCLM's way: a fastText model of "looks like the reference").

Positives are worked, step-by-step reasoning in natural text: GSM8K and MATH *training* solutions (never their test
sets, which are benchmarks) and the worked examples of OpenStax textbooks (a window of the section around each
"Solution" line). Negatives are ordinary web pages: the main text of trafilatura's evaluation pages (English ones),
the Common Crawl captures of the shared WARC files, and the FineWeb-Edu annotated pages that Llama-3 scored 0 or 1
(train and val files only; the test file stays unseen for the benchmark).

Markup that would let a model tell the *sources* apart instead of the reasoning is taken out of the positives: GSM8K's
calculator annotations (``<<48/2=24>>``) and its ``#### 72`` answer line (-> "The answer is 72."), and MATH's LaTeX
(``$``, ``\\frac{a}{b}``, ``\\boxed{x}``, ``\\sqrt``, ...), which becomes plain text and symbols. Each record is
``{"text", "label": "reasoning"|"other", "source", "group"}``; ``group`` keeps one textbook (or one page) on one side of
a split.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from curate.jsonio import iter_jsonl

WINDOW = 3000  # characters of an OpenStax section kept around each worked solution
LATEX_SYMBOLS = {
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "ne": "≠", "neq": "≠", "approx": "≈", "pi": "π", "theta": "θ", "alpha": "α", "beta": "β", "infty": "∞", "circ": "°",
    "sqrt": "√", "angle": "∠", "triangle": "△", "dots": "...", "ldots": "...", "cdots": "...", "quad": " ",
    "Rightarrow": "⇒", "implies": "⇒", "rightarrow": "→", "to": "→",
}
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_WRAPPER = re.compile(r"\\(?:boxed|text|textbf|mathrm|mathbf|operatorname|emph|mbox)\s*\{([^{}]*)\}")
_COMMAND = re.compile(r"\\([a-zA-Z]+)")


def plain_math(text: str) -> str:
    """MATH's LaTeX as plain text: fractions as a/b, wrappers unwrapped, symbols as characters, no ``$``/braces."""
    for _ in range(3):  # nested fractions and wrappers, inside out
        text = _SQRT.sub(r"√(\1)", text)
        text = _FRAC.sub(r"(\1)/(\2)", text)
        text = _WRAPPER.sub(r"\1", text)
    text = re.sub(r"\\(left|right|displaystyle|!|,|;|:)", "", text)
    text = text.replace("\\\\", "\n").replace("\\$", " dollars").replace("\\%", "%")
    text = _COMMAND.sub(lambda m: LATEX_SYMBOLS.get(m.group(1), m.group(1)), text)
    text = re.sub(r"[${}]|\\[\[\]()]", "", text).replace("&", " ")
    return re.sub(r"[ \t]+", " ", text).strip()


def plain_gsm8k(question: str, answer: str) -> str:
    """A GSM8K problem and solution without calculator annotations, the final answer as a sentence."""
    answer = re.sub(r"<<[^>]*>>", "", answer)
    answer = re.sub(r"\n?####\s*(.+)\s*$", r"\nThe answer is \1.", answer.strip())
    return f"{question.strip()}\n{answer}"


def worked_examples(section: str) -> list[str]:
    """Windows of an OpenStax section around each line that is just "Solution" (a worked example)."""
    out, last_end = [], -1
    for m in re.finditer(r"^Solution\s*$", section, re.M):
        start = max(0, m.start() - WINDOW // 3, last_end)
        end = min(len(section), start + WINDOW)
        if end - start > WINDOW // 3:
            out.append(section[start:end].strip())
            last_end = end
    return out


def positives(shared: Path, per_source: int) -> list[dict]:
    """Worked solutions: the first ``per_source`` GSM8K and MATH training problems, every OpenStax worked example."""
    out = []
    for _, rec in _take(iter_jsonl(shared / "gsm8k" / "train.jsonl"), per_source):
        out.append(_record(plain_gsm8k(rec["question"], rec["answer"]), "reasoning", "gsm8k", len(out)))
    for _, rec in _take(iter_jsonl(shared / "math-train" / "train.jsonl.gz"), per_source):
        out.append(_record(plain_math(f"{rec['problem']}\n{rec['solution']}"), "reasoning", "math", len(out)))
    for _, rec in iter_jsonl(shared / "openstax-ccby" / "sections.jsonl.gz"):
        for window in worked_examples(rec["text"]):
            out.append(_record(window, "reasoning", "openstax", rec["repo"]))
    return out


def negatives(shared: Path) -> list[dict]:
    """Ordinary web pages: English trafilatura-eval pages, Common Crawl captures, annotated pages scored 0-1."""
    out = [_record(text, "other", "trafilatura-eval", url) for url, text in _eval_pages(shared)]
    out += [_record(text, "other", "common-crawl", url) for url, text in _warc_pages(shared)]
    for split in ("train", "val"):
        for _, rec in iter_jsonl(shared / "fineweb-edu-annotations" / f"{split}_1k.jsonl"):
            if rec.get("score") in (0, 1):
                out.append(_record(rec["text"], "other", "fineweb-edu-0-1", f"{split}-{rec['id']}"))
    return out


def reasoning_records(shared: str | Path, per_source: int = 600) -> list[dict]:
    """The reasoning task: positives then negatives (see the module docstring)."""
    shared = Path(shared)
    return positives(shared, per_source) + negatives(shared)


def _record(text: str, label: str, source: str, group) -> dict:
    return {"text": text, "label": label, "source": source, "group": f"{source}:{group}"}


def _take(items, n: int):
    for i, item in enumerate(items):
        if i == n:
            return
        yield item


def _english(text: str) -> bool:
    import py3langid

    return len(text) >= 300 and py3langid.classify(text[:2000])[0] == "en"


def _eval_pages(shared: Path):
    import trafilatura

    evaldata = json.loads((shared / "trafilatura-eval" / "evaldata.json").read_text(encoding="utf-8"))
    for url, entry in evaldata.items():
        with gzip.open(shared / "trafilatura-eval" / "html" / f"{entry['file']}.gz", "rt", errors="replace") as f:
            text = trafilatura.extract(f.read())
        if text and _english(text):
            yield url, text


def _warc_pages(shared: Path):
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    for path in (shared / "resiliparse-warc" / "warcfile.warc.gz",
                 shared / "commoncrawl-whirlwind" / "whirlwind.warc.gz"):
        with open(path, "rb") as f:
            for record in ArchiveIterator(f):
                if record.rec_type == "response":
                    html = record.content_stream().read().decode("utf-8", errors="replace")
                    text = trafilatura.extract(html)
                    if text and _english(text):
                        yield record.rec_headers.get_header("WARC-Target-URI"), text
