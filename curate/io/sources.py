"""Per-format record sources: each turns one input file into a stream of :class:`Item`.

An item is either a document to pass on, or a rejection (a record that is not usable, with its reason), or a
problem note (something wrong with the file that did not cost a document, e.g. a clipped record). A source never
raises for bad content; it raises only when the file itself cannot be read further, and the reader turns that into a
``corrupt_file`` rejection and a problem note, keeping every document read before the damage.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from typing import Iterator

from datatrove.data import Document

from curate.accounting import EMPTY
from curate.io.formats import charset_from_content_type, decode_html, looks_binary
from curate.storage import open_file

HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


class UnreadableFile(Exception):
    """The file holds nothing readable in its format (the reader reports it as ``corrupt_file``)."""


@dataclass
class Item:
    doc: Document | None = None
    reason: str | None = None  # set: the document is rejected for this reason
    problem: dict | None = None  # set: a note for the input problems report
    extra: dict = field(default_factory=dict)


@dataclass
class SourceOptions:
    text_key: str = "text"
    id_key: str = "id"
    max_bytes: int = 10_000_000


def _reject(doc_id: str, reason: str, meta: dict, text: str = "") -> Item:
    return Item(doc=Document(text=text, id=doc_id, metadata=meta), reason=reason)


def warc_items(path: str, rel: str, opts: SourceOptions) -> Iterator[Item]:
    """Documents from WARC, ARC and WET files: ``response``/``resource`` records (HTML) and ``conversion`` records
    (plain text). Other record types (request, metadata, warcinfo, revisit) are not documents and are skipped."""
    from warcio.exceptions import ArchiveLoadFailed

    seen = 0
    try:
        for item in _warc_records(open_file(path, "rb"), rel, opts):
            seen += 1
            yield item
    except ArchiveLoadFailed as err:
        if "non-chunked gzip" not in str(err):
            raise
        # one gzip member for the whole file: valid WARC, just not seekable; read it as one stream instead
        yield Item(problem={"kind": "non_chunked_gzip", "file": rel,
                            "detail": "whole file is one gzip member; read as a stream (fix: warcio recompress)"})
        for index, item in enumerate(_warc_records(gzip.open(open_file(path, "rb"), "rb"), rel, opts)):
            if index >= seen:
                yield item


def _warc_records(fh, rel: str, opts: SourceOptions) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator

    records = 0
    with fh:
        for index, record in enumerate(ArchiveIterator(fh, arc2warc=True)):
            records += 1
            if record.rec_type not in ("response", "resource", "conversion"):
                continue
            yield _record_item(record, rel, index, opts)
    if records == 0:
        raise UnreadableFile("no WARC/ARC record could be read")


def _record_item(record, rel: str, index: int, opts: SourceOptions) -> Item:
    headers = record.rec_headers
    doc_id = headers.get_header("WARC-Record-ID") or f"{rel}#{index}"
    url = headers.get_header("WARC-Target-URI") or headers.get_header("uri")
    content_type = headers.get_header("WARC-Identified-Payload-Type")
    if not content_type and record.http_headers is not None:
        content_type = record.http_headers.get_header("Content-Type")
    if not content_type:
        content_type = headers.get_header("Content-Type")
    meta = {"url": url, "date": headers.get_header("WARC-Date") or headers.get_header("archive-date"),
            "source_file": rel, "warc_record": record.rec_type, "content_type": content_type}
    payload = record.content_stream().read(opts.max_bytes + 1)
    if len(payload) > opts.max_bytes:
        return _reject(doc_id, "too_large", meta | {"bytes": f">{opts.max_bytes}"})
    item = bytes_item(payload, doc_id, meta, content_type, plain=record.rec_type == "conversion")
    if getattr(record.raw_stream, "limit", 0) > 0 and item.reason is None:
        item.doc.metadata["truncated_record"] = True
        item.problem = {"kind": "truncated_record", "file": rel, "id": doc_id,
                        "detail": f"{record.raw_stream.limit} bytes of the record are missing from the file"}
    return item


def bytes_item(payload: bytes, doc_id: str, meta: dict, content_type: str | None, plain: bool = False) -> Item:
    """An HTML (or plain-text) payload turned into a document, or a rejection with its reason."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime and not mime.startswith(HTML_TYPES) and not plain:
        return _reject(doc_id, "unsupported_content_type", meta)
    if not payload.strip():
        return _reject(doc_id, EMPTY, meta)
    if looks_binary(payload):
        return _reject(doc_id, "binary_content", meta | {"bytes": len(payload)})
    text, encoding, misdeclared = decode_html(payload, charset_from_content_type(content_type))
    meta = meta | {"encoding": encoding, "content_kind": "text" if plain or mime == "text/plain" else "html"}
    if misdeclared:
        meta["charset_misdeclared"] = True
    return Item(doc=Document(text=text, id=doc_id, metadata=meta))


def html_items(path: str, rel: str, opts: SourceOptions) -> Iterator[Item]:
    """One document per HTML file (``.html``/``.htm``, optionally gzipped); its id is its path relative to the
    input folder."""
    with open_file(path, "rb") as fh:
        raw = fh.read(opts.max_bytes + 1)
    if raw[:2] == b"\x1f\x8b":
        with gzip.open(io.BytesIO(raw)) as gz:
            raw = gz.read(opts.max_bytes + 1)
    meta = {"source_file": rel}
    if len(raw) > opts.max_bytes:
        yield _reject(rel, "too_large", meta | {"bytes": f">{opts.max_bytes}"})
        return
    yield bytes_item(raw, rel, meta, "text/html")


def jsonl_items(path: str, rel: str, opts: SourceOptions) -> Iterator[Item]:
    """Documents from JSON Lines (plain, .gz or .zst): one object per line with a text field; a malformed line is
    rejected as ``malformed_json`` (its raw text kept, cut at 10,000 characters)."""
    import orjson

    with open_file(path, "rt", compression="infer", encoding="utf-8", errors="replace") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            doc_id = f"{rel}#{line_no}"
            try:
                data = orjson.loads(line)
            except orjson.JSONDecodeError as err:
                yield _reject(doc_id, "malformed_json", {"source_file": rel, "line": line_no, "error": str(err)},
                              text=line[:10_000])
                continue
            yield json_record_item(data, doc_id, rel, opts, line_no)


def json_record_item(data, fallback_id: str, rel: str, opts: SourceOptions, position: int) -> Item:
    if not isinstance(data, dict):
        return _reject(fallback_id, "malformed_json", {"source_file": rel, "line": position,
                                                       "error": f"expected an object, got {type(data).__name__}"})
    text = data.pop(opts.text_key, None)
    doc_id = data.pop(opts.id_key, None)
    doc_id = str(doc_id) if doc_id not in (None, "") else fallback_id
    metadata = data.pop("metadata", None)
    meta = (metadata if isinstance(metadata, dict) else {}) | {k: v for k, v in data.items() if k != "media"}
    meta.setdefault("source_file", rel)
    if not isinstance(text, str):
        return _reject(doc_id, "missing_text", meta | {"error": f"no string field {opts.text_key!r}"})
    if not text.strip():
        return _reject(doc_id, EMPTY, meta)
    return Item(doc=Document(text=text, id=doc_id, metadata=meta))


def parquet_items(path: str, rel: str, opts: SourceOptions) -> Iterator[Item]:
    """Documents from a Parquet file, read in record batches."""
    import pyarrow.parquet as pq

    with open_file(path, "rb") as fh:
        row = 0
        for batch in pq.ParquetFile(fh).iter_batches(batch_size=1024):
            for data in batch.to_pylist():
                row += 1
                yield json_record_item(data, f"{rel}#{row}", rel, opts, row)


SOURCES = {"warc": warc_items, "wet": warc_items, "html": html_items, "jsonl": jsonl_items, "parquet": parquet_items}
