"""Fixtures of the scale-out tests: the Slurm cluster, the S3 server (moto), a small sharded subset of the quickstart
WARC, configs derived from the quickstart's, and the quickstart's local run (the reference the Slurm, Ray and S3 runs
must equal)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from tests.cluster.fixture import slurm_cluster  # noqa: F401  (the session-scoped cluster)
from tests.s3.fixture import s3_server  # noqa: F401  (the session-scoped moto server)
from tests.scaleout.scaleout_helpers import QUICKSTART

SHARDS, PAGES_PER_SHARD = 4, 6


@pytest.fixture(scope="session")
def warc_shards(tmp_path_factory) -> Path:
    """A folder of 4 WARC files of 6 real pages each, taken from the quickstart's WARC (every 8th record), so a
    run has one input file per task and every task has work to do."""
    folder = tmp_path_factory.mktemp("shards")
    records = []
    with open(QUICKSTART.parent.parent / "data" / "quickstart" / "pages.warc.gz", "rb") as f:
        for i, rec in enumerate(ArchiveIterator(f)):
            if i % 8 == 0 and len(records) < SHARDS * PAGES_PER_SHARD:
                records.append((rec.rec_headers, rec.http_headers, rec.content_stream().read()))
    for shard in range(SHARDS):
        with gzip.open(folder / f"shard_{shard}.warc.gz", "wb") as out:
            writer = WARCWriter(out, gzip=False)
            for headers, http, body in records[shard::SHARDS]:
                uri = headers.get_header("WARC-Target-URI")
                writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                                              http_headers=http))
    return folder
