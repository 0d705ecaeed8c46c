"""Input format detection and robust text decoding.

A file's format comes from its name when the name is clear (``.warc.gz``, ``.wet.gz``, ``.arc``, ``.html.gz``,
``.jsonl``, ``.parquet``...), otherwise from its first bytes (after gunzip): ``WARC/`` is WARC (a WET file is a WARC
whose records are ``conversion``), ``filedesc://`` is ARC, ``PAR1`` is Parquet, ``{`` is JSONL and ``<`` is HTML.
"""

from __future__ import annotations

import codecs
import re
import zlib

FORMATS = ("warc", "wet", "html", "jsonl", "parquet")

_NAME_RULES = (
    (re.compile(r"\.wet(\.gz)?$"), "wet"),
    (re.compile(r"\.(warc|arc)(\.gz)?$"), "warc"),
    (re.compile(r"\.x?html?(\.gz)?$"), "html"),
    (re.compile(r"\.(jsonl|json|ndjson)(\.gz|\.zst)?$"), "jsonl"),
    (re.compile(r"\.parquet$"), "parquet"),
)


def format_from_name(name: str) -> str | None:
    lowered = name.lower()
    for rule, fmt in _NAME_RULES:
        if rule.search(lowered):
            return fmt
    return None


def sniff_format(head: bytes) -> str | None:
    """The format of a file from its first bytes (already decompressed), or None if unknown."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"WARC/"):
        return "wet" if b"WARC-Type: warcinfo" in head and b"conversion" in head else "warc"
    if stripped.startswith(b"filedesc://"):
        return "warc"
    if head.startswith(b"PAR1"):
        return "parquet"
    if stripped.startswith(b"{"):
        return "jsonl"
    if stripped.startswith(b"<"):
        return "html"
    return None


def read_head(path: str, size: int = 4096) -> bytes:
    """The first ``size`` bytes of a file, decompressed if it is gzip (a truncated gzip gives what it can)."""
    with open(path, "rb") as f:
        raw = f.read(size)
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw)  # accepts a cut stream
    except zlib.error:
        return b""


def detect_format(path: str) -> str | None:
    """Name first (clear extensions), then content; None when neither says."""
    return format_from_name(path) or sniff_format(read_head(path))


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", content_type, re.I)
    return m.group(1) if m else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """Decode page bytes; returns (text, encoding used, whether the declared charset was wrong).

    Tries, in order: the declared charset (HTTP header), a ``<meta charset>`` in the first 4 KB, UTF-8, then
    detection with cchardet; the first strict decode that works wins. A page no strict decode accepts is decoded as
    UTF-8 with replacement characters (never dropped for its encoding alone).
    """
    meta = _META_CHARSET.search(data[:4096])
    declared_codec = _codec(declared) or _codec(meta.group(1).decode("ascii", "ignore") if meta else None)
    candidates = [declared_codec, "utf-8"]
    try:
        import cchardet

        candidates.append(_codec(cchardet.detect(data[:65536]).get("encoding")))
    except ImportError:
        pass
    for enc in candidates:
        if not enc:
            continue
        try:
            return data.decode(enc), enc, bool(declared_codec and enc != declared_codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace"), "utf-8-replace", bool(declared_codec)


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text: NUL bytes or a high share of control characters in the first 8 KB,
    or a known binary signature (images, PDF, archives)."""
    head = data[:8192]
    if not head:
        return False
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF",
                        b"\x00\x00\x01\x00")):
        return True
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))  # counted in C: translate deletes them
    return control / len(head) > 0.05
