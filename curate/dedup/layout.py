"""The dedup work folder (``<out>/dedup/_work/<fingerprint>``): what each step writes and the next one reads.

All files are flat binary arrays of fixed-size records, appended while streaming and read back with
``np.memmap``, so a step touches only the part it needs. The folder must be on a filesystem every task sees
(as ``<out>`` itself must be on a cluster). When it is on object storage (a remote output), each step works in a
local copy (``local``: the stage's :attr:`~curate.stage.StageContext.local_dir`): it :meth:`~WorkDir.pull`\ s the
files it reads and :meth:`~WorkDir.push`\ es those it wrote, whole, once they are complete.

- ``docs/<rank>.bin`` (:data:`DOC_DTYPE`): one record per input document of signature task ``rank``, in reading
  order; ``docs/<rank>.files.json``: the input file paths its ``file`` fields index;
  ``docs/<rank>.ids`` + ``docs/<rank>.ids.off``: the document ids (UTF-8, with uint64 offsets).
- ``shingles/<rank>.bin``: uint32 low halves of every document's shingle hashes (for exact Jaccard checks).
- ``bands/<band>/<rank>.bin`` (:data:`BAND_DTYPE`): one record per document with words, sorted by hash; band
  ``exact`` holds the exact-text hash, bands ``000``... the LSH band hashes.
- ``pairs/<task>.bin``: verified duplicate pairs (two uint64 global ids: ``rank << 32 | index``).
- ``decisions/<rank>.jsonl``: per clustered document of ``rank``, sorted by index: cluster, size, drop reason and
  the id of the document it duplicates. ``summary.json``: the counts behind the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from curate.storage import filesystem, is_url

DOC_DTYPE = np.dtype(
    [
        ("exact", "<u8"),  # hash of the normalized text
        ("length", "<u8"),  # characters of the normalized text (NFC and NFD forms have the same length)
        ("score", "<f8"),  # quality score (NaN when absent)
        ("file", "<u4"),  # index into docs/<rank>.files.json
        ("pos", "<u4"),  # position of the document in that file
        ("words", "<u4"),  # words after normalization (0: the document takes no part in dedup)
        ("shingle_start", "<u8"),  # offset of its first shingle in shingles/<rank>.bin
        ("shingle_count", "<u4"),
    ]
)
BAND_DTYPE = np.dtype([("hash", "<u8"), ("key", "<u8"), ("index", "<u4")])
PAIR_DTYPE = np.dtype([("a", "<u8"), ("b", "<u8")])
EXACT_BAND = "exact"
REASON_EXACT = "exact_duplicate"
REASON_NEAR = "near_duplicate"


def band_names(bands: int) -> list[str]:
    """The exact-hash pseudo-band first, then one name per LSH band."""
    return [EXACT_BAND] + [f"{b:03d}" for b in range(bands)]


def global_id(rank: np.ndarray | int, index: np.ndarray | int) -> np.ndarray:
    return (np.asarray(rank, dtype=np.uint64) << np.uint64(32)) | np.asarray(index, dtype=np.uint64)


def split_global_id(gid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (gid >> np.uint64(32)).astype(np.int64), (gid & np.uint64(0xFFFFFFFF)).astype(np.int64)


class WorkDir:
    """Paths and readers of the work folder. ``shared`` is where the tasks exchange files; ``root``, where this
    process reads and writes them: ``shared`` itself when it is local, else ``local``."""

    def __init__(self, shared: str | Path, local: str | Path | None = None):
        self.shared = str(shared)
        self.remote = is_url(self.shared)
        self.root = Path(local) if self.remote and local is not None else Path(shared)

    def pull(self, *patterns: str) -> None:
        """Copy the shared files matching ``patterns`` (relative globs, ``bands/exact/*.bin``) to the local root,
        skipping those already there whole; nothing to do when the folder is local."""
        if not self.remote:
            return
        fs, base = filesystem(self.shared)
        base = base.rstrip("/")
        for pattern in patterns:
            for full, info in fs.glob(f"{base}/{pattern}", detail=True).items():
                dest = self.root / full[len(base):].lstrip("/")
                if dest.is_file() and dest.stat().st_size == info.get("size"):
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                fs.get_file(full, str(dest))

    def push(self, *paths: Path) -> None:
        """Upload finished local files (under the root) to the shared folder; nothing to do when it is local."""
        if not self.remote:
            return
        fs, base = filesystem(self.shared)
        for path in paths:
            fs.put_file(str(path), f"{base.rstrip('/')}/{path.relative_to(self.root).as_posix()}")

    def docs(self, rank: int) -> Path:
        return self.root / "docs" / f"{rank:05d}.bin"

    def files(self, rank: int) -> Path:
        return self.root / "docs" / f"{rank:05d}.files.json"

    def ids(self, rank: int) -> Path:
        return self.root / "docs" / f"{rank:05d}.ids"

    def id_offsets(self, rank: int) -> Path:
        return self.root / "docs" / f"{rank:05d}.ids.off"

    def shingles(self, rank: int) -> Path:
        return self.root / "shingles" / f"{rank:05d}.bin"

    def band(self, band: str, rank: int) -> Path:
        return self.root / "bands" / band / f"{rank:05d}.bin"

    def pairs(self, task: int) -> Path:
        return self.root / "pairs" / f"{task:05d}.bin"

    def decisions(self, rank: int) -> Path:
        return self.root / "decisions" / f"{rank:05d}.jsonl"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    def signature_ranks(self) -> list[int]:
        """Ranks of the signature step that wrote their documents file."""
        return sorted(int(p.name.split(".")[0]) for p in (self.root / "docs").glob("*.bin"))

    def band_ranks(self, band: str) -> list[int]:
        return sorted(int(p.stem) for p in (self.root / "bands" / band).glob("*.bin"))

    def read(self, path: Path, dtype) -> np.ndarray:
        """A file of records as a read-only memmap (an empty array for an empty file)."""
        if path.stat().st_size == 0:
            return np.zeros(0, dtype=dtype)
        return np.memmap(path, dtype=dtype, mode="r")

    def doc_records(self, rank: int) -> np.ndarray:
        return self.read(self.docs(rank), DOC_DTYPE)

    def file_list(self, rank: int) -> list[str]:
        return json.loads(self.files(rank).read_text())

    def doc_id(self, rank: int, index: int, cache: dict) -> str:
        """The id of one document (``cache`` keeps the memmaps open between calls)."""
        if rank not in cache:
            cache[rank] = (self.read(self.ids(rank), np.uint8), self.read(self.id_offsets(rank), np.uint64))
        data, offsets = cache[rank]
        return bytes(data[int(offsets[index]) : int(offsets[index + 1])]).decode("utf-8", errors="surrogatepass")
