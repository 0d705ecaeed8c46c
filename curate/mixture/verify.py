"""Check a manifest against the files it names: the same bytes (sha256) and, on request, the same token counts.

The recount is deliberately independent of the counting stage: it reads each file with the standard library (or pyarrow
for Parquet; fsspec for files on object storage), not datatrove, encodes one document at a time with the tokenizer
library itself, and uses no cache. A manifest that passes describes the data on disk exactly.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from dataclasses import dataclass
from pathlib import Path

import yaml

from curate.errors import CurateError, missing_package
from curate.storage import is_url, location, open_file
from curate.tokenizers import TokenizerRef, file_sha256, load_counter


@dataclass
class Finding:
    source: str
    path: str
    problem: str


def read_manifest(path: str | Path) -> dict:
    path = location(path)
    if not path.is_file():
        raise CurateError(f"manifest not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        manifest = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as err:
        raise CurateError(f"{path} is not a curate mixture manifest: {err}") from None
    if not isinstance(manifest, dict) or "sources" not in manifest or "tokenizer" not in manifest:
        raise CurateError(f"{path} is not a curate mixture manifest (no `sources` or `tokenizer` key)")
    return manifest


def plain_texts(path: str, text_key: str = "text"):
    """Document texts of a JSONL (plain, gz, bz2, xz, zst) or Parquet file, empty texts left out as the stage does."""
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        with open_file(path, "rb") as fh:
            yield from (t for t in pq.read_table(fh, columns=[text_key]).column(text_key).to_pylist() if t)
        return
    with _open_text(path) as f:
        for line in f:
            if line.strip():
                text = json.loads(line).get(text_key)
                if text:
                    yield text


def _open_text(path: str):
    if is_url(path):
        return open_file(path, "rt", encoding="utf-8", compression="infer")
    if path.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raise missing_package("zstandard") from None
        import io

        return io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(open(path, "rb")), encoding="utf-8")
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(Path(path).suffix, open)
    return opener(path, "rt", encoding="utf-8")


def plain_token_count(encoder, kind: str, text: str) -> int:
    """Tokens of one text, straight from the tokenizer library (no special tokens added)."""
    if kind == "hf":
        return len(encoder.encode(text, add_special_tokens=False).ids)
    if kind == "tiktoken":
        return len(encoder.encode_ordinary(text))
    return len(encoder.encode(text))


def verify_manifest(path: str | Path, recount: bool = False, text_key: str = "text") -> list[Finding]:
    """Every difference between the manifest and the files on disk (an empty list: it matches)."""
    manifest = read_manifest(path)
    tok = manifest["tokenizer"]
    encoder = None
    if recount:
        if file_sha256(tok["path"]) != tok["sha256"]:
            raise CurateError(f"the tokenizer file {tok['path']} changed since the manifest was written")
        encoder = load_counter(TokenizerRef(tok["kind"], tok["path"], tok["name"], tok["sha256"])).encoder
    findings = []
    for name, source in manifest["sources"].items():
        total = 0
        for f in source["files"]:
            total += f["tokens"]
            if not location(f["path"]).is_file():
                findings.append(Finding(name, f["path"], "missing"))
            elif file_sha256(f["path"]) != f["sha256"]:
                findings.append(Finding(name, f["path"], "content changed (sha256 differs)"))
            elif encoder is not None:
                n = sum(plain_token_count(encoder, tok["kind"], t) for t in plain_texts(f["path"], text_key))
                if n != f["tokens"]:
                    findings.append(Finding(name, f["path"], f"{n} tokens recounted, manifest says {f['tokens']}"))
        if total != source["unique_tokens"]:
            findings.append(Finding(name, "", f"files sum to {total} tokens, unique_tokens says "
                                              f"{source['unique_tokens']}"))
    return findings
