"""The input reader on real and broken files: nothing raises, every record is passed on or rejected with a reason."""

from __future__ import annotations

import gzip
import io
import shutil

import pytest
from datatrove.data import Document

from curate.accounting import STAT_DROPPED, STAT_IN, Rejects
from curate.io.formats import decode_html, detect_format
from curate.io.readers import InputReader, list_input_files
from tests.helpers import read_jsonl_gz, write_jsonl


def read_all(tmp_path, paths, **kwargs):
    """Run the reader over ``paths`` in one task; returns (documents, rejected by reason, problems, stats)."""
    rejects = Rejects(str(tmp_path / "rejected"))
    reader = InputReader([str(p) for p in paths], problems_dir=str(tmp_path / "problems"), **kwargs)
    reader.rejects = rejects
    docs = list(reader.run(None, 0, 1))
    rejects.close()
    dropped = {}
    if (tmp_path / "rejected").is_dir():
        dropped = {d.name: read_jsonl_gz(d) for d in (tmp_path / "rejected").iterdir()}
    problems = []
    for f in sorted((tmp_path / "problems").glob("*.jsonl")):
        problems += [__import__("json").loads(line) for line in f.read_text().splitlines()]
    return docs, dropped, problems, reader.stats.stats


def warc_record(url: str, payload: bytes, content_type: str = "text/html") -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type.encode() + b"\r\n\r\n" + payload
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{abs(hash(url))}>\r\n"
            f"WARC-Target-URI: {url}\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as gz:
        gz.write(head + http + b"\r\n\r\n")
    return buf.getvalue()


TESTDATA = [
    "warcio-testdata/bad.arc",
    "warcio-testdata/example-bad-non-chunked.warc.gz",
    "warcio-testdata/example-bad.warc.gz.bad",
    "warcio-testdata/example-digest.warc",
    "warcio-testdata/example-iana.org-chunked.warc",
    "warcio-testdata/example-resource.warc.gz",
    "warcio-testdata/example-space-in-target-uri.warc.gz",
    "warcio-testdata/example-space-in-url.arc",
    "warcio-testdata/example-trunc.warc",
    "warcio-testdata/example-wget-bad-target-uri.warc.gz",
    "warcio-testdata/example-wrong-chunks.warc.gz",
    "warcio-testdata/example.arc",
    "warcio-testdata/example.arc.gz",
    "warcio-testdata/example.warc",
    "warcio-testdata/example.warc.gz",
    "warcio-testdata/post-test.warc.gz",
    "resiliparse-warc/clipped.warc.gz",
    "resiliparse-warc/clueweb-quirk.warc.gz",
    "resiliparse-warc/warcfile.warc.gz",
    "commoncrawl-whirlwind/whirlwind.warc.gz",
    "commoncrawl-whirlwind/whirlwind.warc.wet.gz",
    "commoncrawl-whirlwind/whirlwind.warc.wat.gz",
]


def test_testdata_list_is_complete(shared_data):
    on_disk = {f"{p.parent.name}/{p.name}" for d in ("warcio-testdata", "resiliparse-warc", "commoncrawl-whirlwind")
               for p in (shared_data / d).iterdir()}
    assert on_disk == set(TESTDATA)


@pytest.mark.parametrize("name", TESTDATA)
def test_every_test_file_is_read_without_raising(tmp_path, shared_data, name):
    docs, dropped, problems, stats = read_all(tmp_path, [shared_data / name])
    for doc in docs:
        assert doc.id and doc.text
    dropped_docs = sum(len(v) for v in dropped.values())
    assert stats[STAT_IN].total == dropped_docs  # the reader counts in only what it rejects itself
    for reason, rows in dropped.items():
        assert all(r["metadata"]["filter_reason"] == reason for r in rows)


def test_expected_outcomes_of_the_broken_files(tmp_path, shared_data):
    files = [shared_data / n for n in TESTDATA]
    docs, dropped, problems, _ = read_all(tmp_path, files)
    kinds = {(p["kind"], p["file"]) for p in problems}
    # a whole-file gzip is valid WARC that warcio refuses to seek: read as a stream, reported, nothing lost
    assert ("non_chunked_gzip", "example-bad-non-chunked.warc.gz") in kinds
    assert any(d.metadata["source_file"] == "example-bad-non-chunked.warc.gz" for d in docs)
    # broken chunked encoding: the record read before the damage is kept, the file is reported corrupt
    assert ("corrupt_file", "example-wrong-chunks.warc.gz") in kinds
    corrupt = {r["metadata"]["source_file"]: r for r in dropped["corrupt_file"]}
    assert corrupt["example-wrong-chunks.warc.gz"]["metadata"]["records_read"] == 1
    # a clipped file: the partial record is kept and flagged
    assert ("truncated_record", "clipped.warc.gz") in kinds
    clipped = [d for d in docs if d.metadata["source_file"] == "clipped.warc.gz"]
    assert clipped and clipped[0].metadata["truncated_record"] is True
    # a PNG resource is not a page
    assert any(r["metadata"]["source_file"] == "example-space-in-target-uri.warc.gz"
               for r in dropped["unsupported_content_type"])
    # the WET conversion record is text, with its WARC record id
    wet = [d for d in docs if d.metadata["source_file"] == "whirlwind.warc.wet.gz"]
    assert len(wet) == 1 and wet[0].metadata["content_kind"] == "text" and wet[0].id.startswith("<urn:uuid:")


@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.77])
def test_truncated_gzip_keeps_what_was_read(tmp_path, shared_data, fraction):
    data = (shared_data / "resiliparse-warc" / "warcfile.warc.gz").read_bytes()
    broken = tmp_path / "in" / "cut.warc.gz"
    broken.parent.mkdir()
    broken.write_bytes(data[: int(len(data) * fraction)])
    docs, dropped, problems, _ = read_all(tmp_path, [broken])
    assert 0 < len(docs) < 16
    # the cut is reported against the file: a clipped last record (kept, flagged) or a corrupt tail (rejected)
    reported = [p for p in problems if p["file"] == "cut.warc.gz"]
    assert reported and {p["kind"] for p in reported} <= {"truncated_record", "corrupt_file"}
    flagged = [d for d in docs if d.metadata.get("truncated_record")]
    assert len(flagged) + len(dropped.get("corrupt_file", [])) >= 1


def test_a_corrupt_file_does_not_stop_the_others(tmp_path, shared_data):
    folder = tmp_path / "in"
    folder.mkdir()
    whirlwind = shared_data / "commoncrawl-whirlwind" / "whirlwind.warc.gz"
    (folder / "a.warc.gz").write_bytes(whirlwind.read_bytes()[:60])  # cut inside the first gzip member
    shutil.copy(whirlwind, folder / "b.warc.gz")
    docs, dropped, _, _ = read_all(tmp_path, [folder])
    assert [d.metadata["source_file"] for d in docs] == ["b.warc.gz"]
    assert [r["metadata"]["source_file"] for r in dropped["corrupt_file"]] == ["a.warc.gz"]


def test_record_level_rejections(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    records = [
        warc_record("http://a.test/ok", b"<html><body><p>fine page</p></body></html>"),
        warc_record("http://a.test/empty", b"   "),
        warc_record("http://a.test/binary", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
        warc_record("http://a.test/pdf", b"%PDF-1.4 ...", content_type="application/pdf"),
        warc_record("http://a.test/huge", b"<html>" + b"x" * 2_000_000 + b"</html>"),
    ]
    (folder / "mixed.warc.gz").write_bytes(b"".join(records))
    docs, dropped, _, stats = read_all(tmp_path, [folder], max_bytes=1_000_000)
    assert [d.metadata["url"] for d in docs] == ["http://a.test/ok"]
    assert {k: [r["metadata"]["url"] for r in v] for k, v in dropped.items()} == {
        "empty": ["http://a.test/empty"],
        "binary_content": ["http://a.test/binary"],
        "unsupported_content_type": ["http://a.test/pdf"],
        "too_large": ["http://a.test/huge"],
    }
    assert stats[STAT_DROPPED + "too_large"].total == 1


def test_encodings(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    text = "Café crème, naïve façade, déjà vu"
    latin = f"<html><head><meta charset='iso-8859-1'></head><body><p>{text}</p></body></html>".encode("latin-1")
    lying = f"<html><head><meta charset='utf-8'></head><body><p>{text}</p></body></html>".encode("cp1252")
    (folder / "latin.html").write_bytes(latin)
    (folder / "misdeclared.html").write_bytes(lying)
    docs, _, _, _ = read_all(tmp_path, [folder])
    by_id = {d.id: d for d in docs}
    assert text in by_id["latin.html"].text
    assert text in by_id["misdeclared.html"].text
    assert by_id["misdeclared.html"].metadata["charset_misdeclared"] is True
    assert decode_html("ascii only".encode(), "no-such-charset")[0] == "ascii only"


def test_html_ids_are_relative_paths(tmp_path):
    folder = tmp_path / "site"
    (folder / "sub").mkdir(parents=True)
    (folder / "index.html").write_text("<p>a</p>")
    (folder / "sub" / "page.htm.gz").write_bytes(gzip.compress(b"<p>b</p>"))
    docs, _, _, _ = read_all(tmp_path, [folder])
    assert sorted(d.id for d in docs) == ["index.html", "sub/page.htm.gz"]


def test_jsonl_keeps_ids_and_rejects_malformed_lines(tmp_path):
    path = tmp_path / "in" / "docs.jsonl"
    write_jsonl(path, [{"id": "keep-me", "text": "hello", "url": "http://x.test"}, {"text": "no id"}])
    with open(path, "a") as f:
        f.write('{"id": "broken", "text": \n')
        f.write('["not", "an", "object"]\n')
        f.write('{"id": "textless", "body": "x"}\n')
    docs, dropped, _, _ = read_all(tmp_path, [path])
    assert [d.id for d in docs] == ["keep-me", "docs.jsonl#2"]
    assert docs[0].metadata["url"] == "http://x.test"
    assert len(dropped["malformed_json"]) == 2
    assert [r["id"] for r in dropped["missing_text"]] == ["textless"]


def test_parquet_and_unknown_files(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["one", "two"]}), folder / "docs.parquet")
    (folder / "notes.bin").write_bytes(b"\x00\x01\x02 what is this")
    (folder / "broken.parquet").write_bytes(b"PAR1 not really")
    docs, dropped, _, _ = read_all(tmp_path, [folder])
    assert [d.id for d in docs] == ["p1", "p2"]
    assert [r["id"] for r in dropped["unknown_format"]] == ["notes.bin"]
    assert [r["metadata"]["source_file"] for r in dropped["corrupt_file"]] == ["broken.parquet"]


def test_format_detection_and_listing(tmp_path, shared_data):
    assert detect_format(str(shared_data / "warcio-testdata" / "example-bad.warc.gz.bad")) == "warc"
    assert detect_format(str(shared_data / "commoncrawl-whirlwind" / "whirlwind.warc.wet.gz")) == "wet"
    (tmp_path / ".hidden").write_text("x")
    (tmp_path / "a.html").write_text("<p>x</p>")
    assert [rel for _, rel in list_input_files([str(tmp_path)])] == ["a.html"]
    assert list_input_files([str(tmp_path)], glob="*.warc*") == []


def test_limit_counts_only_passed_documents(tmp_path, shared_data):
    docs, _, _, _ = read_all(tmp_path, [shared_data / "resiliparse-warc" / "warcfile.warc.gz"], limit=3)
    assert len(docs) == 3
    assert isinstance(docs[0], Document)


def test_text_bytes_is_the_utf8_size_of_the_text():
    from datatrove.data import Document

    from curate.accounting import text_bytes

    assert text_bytes(Document(text="plain ascii", id="a")) == 11
    assert text_bytes(Document(text="héllo “quoted” 漢字", id="b")) == len("héllo “quoted” 漢字".encode())
    assert text_bytes(Document(text="lone \ud800 surrogate", id="c")) == len("lone ? surrogate")
    assert text_bytes(Document(text="", id="d")) == 0
