"""Real-label classification tasks built from the project's evaluation data (``../shared/data``).

- ``content``: trafilatura's evaluation set marks, per page, snippets that belong to the main content ("with")
  and snippets of boilerplate ("without"); each snippet is one labelled text, grouped by page so a split never
  puts snippets of one page on both sides.
- ``topic``: MMLU questions (with their four choices) labelled with the category of their subject, in the
  grouping of the MMLU paper (Hendrycks et al., 2021; ``categories.py`` in hendrycks/test): STEM, humanities,
  social sciences, other (business, health, misc.).
- ``edu`` / ``edu-test``: FineWeb-Edu's Llama-3-70B annotations (0-5): the train and val files together (training
  data; hyperparameters and thresholds are chosen by cross-validation inside it), and the test file alone.
- ``reasoning``: worked solutions and textbook worked examples vs ordinary web pages
  (:mod:`curate.classify.reference`).

``python -m curate.classify.tasks NAME SHARED_DATA OUT.jsonl`` writes a task as JSONL for ``curate classifier
train`` (every shipped classifier was trained this way; its model card gives the commands).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from curate.classify.reference import reasoning_records

MMLU_CATEGORIES = {
    "STEM": [
        "abstract_algebra", "astronomy", "college_biology", "college_chemistry", "college_computer_science",
        "college_mathematics", "college_physics", "computer_security", "conceptual_physics",
        "electrical_engineering", "elementary_mathematics", "high_school_biology", "high_school_chemistry",
        "high_school_computer_science", "high_school_mathematics", "high_school_physics",
        "high_school_statistics", "machine_learning",
    ],
    "humanities": [
        "formal_logic", "high_school_european_history", "high_school_us_history", "high_school_world_history",
        "international_law", "jurisprudence", "logical_fallacies", "moral_disputes", "moral_scenarios",
        "philosophy", "prehistory", "professional_law", "world_religions",
    ],
    "social sciences": [
        "econometrics", "high_school_geography", "high_school_government_and_politics",
        "high_school_macroeconomics", "high_school_microeconomics", "high_school_psychology", "human_sexuality",
        "professional_psychology", "public_relations", "security_studies", "sociology", "us_foreign_policy",
    ],
    "other": [
        "anatomy", "business_ethics", "clinical_knowledge", "college_medicine", "global_facts", "human_aging",
        "management", "marketing", "medical_genetics", "miscellaneous", "nutrition", "professional_accounting",
        "professional_medicine", "virology",
    ],
}
SUBJECT_CATEGORY = {s: cat for cat, subjects in MMLU_CATEGORIES.items() for s in subjects}


def content_snippets(shared_data: str | Path) -> list[dict]:
    """trafilatura-eval snippets: ``{"text", "label": "content"|"boilerplate", "page"}``, in file order."""
    evaldata = json.loads((Path(shared_data) / "trafilatura-eval" / "evaldata.json").read_text(encoding="utf-8"))
    out = []
    for url, entry in evaldata.items():
        for key, label in (("with", "content"), ("without", "boilerplate")):
            for snippet in entry.get(key) or []:
                if snippet and snippet.strip():
                    out.append({"text": snippet, "label": label, "page": url})
    return out


def mmlu_topics(shared_data: str | Path, splits: tuple[str, ...] = ("test", "val", "dev")) -> list[dict]:
    """MMLU questions: ``{"text": question + choices, "label": category, "subject"}``, sorted by file name."""
    root = Path(shared_data) / "mmlu"
    out = []
    for split_name in splits:
        for file in sorted((root / split_name).glob("*.csv")):
            subject = file.stem.rsplit("_", 1)[0]
            category = SUBJECT_CATEGORY.get(subject)
            if category is None:
                continue
            with open(file, encoding="utf-8", newline="") as f:
                for row in csv.reader(f):
                    if len(row) >= 6:
                        text = "\n".join([row[0], *row[1:5]])
                        out.append({"text": text, "label": category, "subject": subject})
    return out


def edu_annotations(shared_data: str | Path, splits: tuple[str, ...] = ("train", "val")) -> list[dict]:
    """FineWeb-Edu annotated pages: ``{"id", "text", "score"}`` of the named files, in file order."""
    root = Path(shared_data) / "fineweb-edu-annotations"
    out = []
    for split_name in splits:
        with open(root / f"{split_name}_1k.jsonl", encoding="utf-8") as f:
            out.extend({**json.loads(line), "split": split_name} for line in f if line.strip())
    return out


TASKS = {
    "content": content_snippets,
    "topic": mmlu_topics,
    "edu": edu_annotations,
    "edu-test": lambda shared: edu_annotations(shared, ("test",)),
    "reasoning": reasoning_records,
}


def main(argv: list[str]) -> None:
    if len(argv) != 3 or argv[0] not in TASKS:
        sys.exit(f"usage: python -m curate.classify.tasks {{{','.join(TASKS)}}} SHARED_DATA OUT.jsonl")
    from curate.classify.data import write_jsonl

    Path(argv[2]).parent.mkdir(parents=True, exist_ok=True)
    n = write_jsonl(argv[2], TASKS[argv[0]](argv[1]))
    print(f"wrote {n} labelled records to {argv[2]}")


if __name__ == "__main__":
    main(sys.argv[1:])
