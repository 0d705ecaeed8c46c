"""Fixtures for the seeds tests: real pages (trafilatura-eval) and real textbook sections (OpenStax), as JSONL."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.helpers import write_jsonl

# real pages whose questions follow the patterns the miner knows (../shared/data/trafilatura-eval)
PAGES = {"nationalrail": "nationalrail.co.uk.disruptions.html", "jokes": "redtri.com.jokes.html",
         "privacy": "sibenlab.blogspot.com.privacy.html", "focaccia": "flawlessfood.co.uk.olive.html",
         "plants": "plantcaretoday.com.bougainvillea.html", "cork": "corkbeo.ie.level.html"}
# real OpenStax sections: psychology review questions (multiple choice with keys), chemistry exercises with
# "Answer:" lines, college algebra Q&A boxes
SECTIONS = ("m82170", "m71841")


def page_text(shared_data: Path, name: str) -> str:
    import trafilatura

    html = gzip.decompress((shared_data / "trafilatura-eval" / "html" / f"{PAGES[name]}.gz").read_bytes())
    return trafilatura.extract(html.decode("utf-8", "replace"), include_tables=True)


@pytest.fixture(scope="session")
def real_pages(shared_data) -> dict[str, str]:
    """Page name -> main text (trafilatura, as the extract stage runs it)."""
    return {name: page_text(shared_data, name) for name in PAGES}


@pytest.fixture(scope="session")
def openstax(shared_data) -> dict[str, str]:
    """Module id -> text of the OpenStax sections in SECTIONS."""
    found = {}
    with gzip.open(shared_data / "openstax-ccby" / "sections.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["module"] in SECTIONS:
                found[row["module"]] = row["text"]
    return found


@pytest.fixture(scope="session")
def pages_jsonl(real_pages, openstax, tmp_path_factory) -> Path:
    """The real pages and sections as one JSONL input (edu_score 4, English), as a stage before seeds leaves them."""
    rows = [{"id": name, "text": text, "edu_score": 4.0, "language": "en"}
            for name, text in {**real_pages, **openstax}.items()]
    return write_jsonl(tmp_path_factory.mktemp("seed-pages") / "pages.jsonl", rows)
