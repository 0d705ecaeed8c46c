"""Real pages for the exactness tests: the main text trafilatura extracts (with the stage's options) from the pages
of trafilatura's evaluation set (990) and the records of the quickstart WARC (200), English and not."""

from __future__ import annotations

import gzip
import json
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import pytest

from curate.extract.config import TrafilaturaConfig


def eval_pages(shared_data) -> list[tuple[str, bytes]]:
    folder = shared_data / "trafilatura-eval"
    names = sorted(e["file"] for e in json.loads((folder / "evaldata.json").read_text(encoding="utf-8")).values())
    return [(name, gzip.decompress((folder / "html" / f"{name}.gz").read_bytes())) for name in names]


def main_texts(pages: list[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """(page, main text) of each page, leaving out pages with no text; on two processes."""
    import trafilatura

    extract = partial(trafilatura.extract, **TrafilaturaConfig().options())
    with ProcessPoolExecutor(2) as pool:
        texts = pool.map(extract, [raw for _, raw in pages], chunksize=16)
        return [(page, text) for (page, _), text in zip(pages, texts) if text and text.strip()]


@pytest.fixture(scope="session")
def real_texts(shared_data, repo_root) -> list[tuple[str, str]]:
    """All 1,190 real pages (about a minute of trafilatura: for tests marked slow)."""
    from warcio.archiveiterator import ArchiveIterator

    pages = eval_pages(shared_data)
    with open(repo_root / "data" / "quickstart" / "pages.warc.gz", "rb") as f:
        pages += [(r.rec_headers["WARC-Record-ID"], r.content_stream().read())
                  for r in ArchiveIterator(f) if r.rec_type == "response"]
    assert len(pages) == 1190
    return main_texts(pages)


@pytest.fixture(scope="session")
def real_texts_sample(shared_data) -> list[str]:
    """The main text of 60 of trafilatura's evaluation pages, for quick tests."""
    return [text for _, text in main_texts(eval_pages(shared_data)[::16][:60])]
