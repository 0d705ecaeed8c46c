"""Real LLM tokenizers, named by path: HuggingFace ``tokenizer.json``, tiktoken rank files, SentencePiece models.

A tokenizer *spec* is a path to one of these files (or a folder holding one), or the name of a tokenizer the project
ships (:data:`BUILTIN`; ``gpt-neox-20b`` is the default and works offline on a fresh install).
:func:`resolve_tokenizer` turns a spec into a small, picklable :class:`TokenizerRef` (kind, file, sha256) and checks
that the file really loads, so a bad spec fails before anything is launched; :func:`load_counter` then loads it on the
worker and counts tokens in batches.

Counting never adds special tokens (no BOS/EOS): a document's count is the length of its encoded text.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from curate.errors import CurateError
from curate.storage import is_url, local_copy, open_file

_DATA = Path(__file__).resolve().parent / "data" / "tokenizers"

# tokenizers shipped with the project: name -> file (each folder has SOURCE.md and LICENSE.txt beside the file)
BUILTIN = {"gpt-neox-20b": _DATA / "gpt-neox-20b" / "tokenizer.json"}
DEFAULT_TOKENIZER = "gpt-neox-20b"

KINDS = ("hf", "tiktoken", "sentencepiece")

# tiktoken rank files carry no pre-tokenizer regex; we take it from tiktoken's own definition of the encoding the
# file belongs to, recognised by its file name or else by its number of ranks
_TIKTOKEN_BY_SIZE = {50256: "r50k_base", 50280: "p50k_base", 100256: "cl100k_base", 199998: "o200k_base"}
_TIKTOKEN_LINE = re.compile(rb"^[A-Za-z0-9+/=]+ \d+\r?\n")

_FORMATS_HELP = (
    "give a HuggingFace tokenizer.json, a tiktoken encoding file (*.tiktoken), a SentencePiece model (*.model), "
    f"a folder holding one of them, or a shipped tokenizer: {', '.join(BUILTIN)}"
)


@dataclass(frozen=True)
class TokenizerRef:
    """A resolved tokenizer: what kind it is, which file, and the file's sha256 (its identity in caches)."""

    kind: str
    path: str
    name: str
    sha256: str

    def describe(self) -> dict:
        """The manifest's ``tokenizer`` entry."""
        return {"name": self.name, "kind": self.kind, "path": self.path, "sha256": self.sha256}


def resolve_tokenizer(spec: str | None) -> TokenizerRef:
    """Find the tokenizer file a spec names and check that it loads; raises CurateError saying what to give."""
    spec = (spec or DEFAULT_TOKENIZER).strip()
    if is_url(spec):
        return _resolve_remote(spec)
    path = Path(os.path.expanduser(spec))
    name = spec
    if not path.exists():
        # config paths are resolved against the config's folder, so a shipped name may arrive as /cfg/dir/NAME
        if path.name in BUILTIN:
            name, path = path.name, BUILTIN[path.name]
        else:
            raise CurateError(f"tokenizer {spec!r} not found: {_FORMATS_HELP}")
    path = _pick_file(path)
    ref = TokenizerRef(kind=_kind_of(path), path=str(path), name=name, sha256=file_sha256(path))
    load_counter(ref)  # fail now, with the reason, rather than in every task
    return ref


def _resolve_remote(url: str) -> TokenizerRef:
    """A tokenizer file or folder on object storage: picked and checked in its local copy, named by its URL (each
    worker loads it through its own local copy)."""
    local = Path(local_copy(url))
    picked = _pick_file(local)
    file_url = url if local.is_file() else f"{url.rstrip('/')}/{picked.relative_to(local.resolve()).as_posix()}"
    ref = TokenizerRef(kind=_kind_of(picked), path=file_url, name=url, sha256=file_sha256(picked))
    load_counter(ref)
    return ref


def _pick_file(path: Path) -> Path:
    """The tokenizer file itself: the path, or the one tokenizer file in a folder."""
    if path.is_file():
        return path.resolve()
    for candidate in ("tokenizer.json", "tokenizer.model"):
        if (path / candidate).is_file():
            return (path / candidate).resolve()
    found = sorted(p for pattern in ("*.json", "*.tiktoken", "*.model", "*.model.*") for p in path.glob(pattern))
    if len(found) == 1:
        return found[0].resolve()
    what = f"several candidates ({', '.join(p.name for p in found)})" if found else "no tokenizer file"
    raise CurateError(f"tokenizer folder {path} holds {what}; name the file itself")


def _kind_of(path: Path) -> str:
    """The tokenizer format of a file, from its name, else from its first bytes."""
    name = path.name.lower()
    if name.endswith(".json"):
        return "hf"
    if name.endswith(".tiktoken"):
        return "tiktoken"
    if name.endswith(".model") or ".model." in name:
        return "sentencepiece"
    with open(path, "rb") as f:
        head = f.read(256)
    if head.lstrip().startswith(b"{"):
        return "hf"
    if _TIKTOKEN_LINE.match(head):
        return "tiktoken"
    return "sentencepiece"


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes (local, or a URL), read in 1 MB blocks (tokenizer identities, mixture file
    hashes)."""
    h = hashlib.sha256()
    with open_file(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class TokenCounter:
    """Counts tokens of texts with one loaded tokenizer; ``count(texts)`` returns one count per text."""

    def __init__(self, ref: TokenizerRef, encoder):
        self.ref = ref
        self.encoder = encoder

    def count(self, texts: list[str]) -> list[int]:
        kind = self.ref.kind
        if kind == "hf":
            # encode_batch_fast skips character offsets, which a count does not need (~20% faster on one core)
            encode = getattr(self.encoder, "encode_batch_fast", self.encoder.encode_batch)
            return [len(e.ids) for e in encode(texts, add_special_tokens=False)]
        if kind == "tiktoken":
            return [len(ids) for ids in self.encoder.encode_ordinary_batch(texts, num_threads=1)]
        return [len(ids) for ids in self.encoder.encode(texts, num_threads=1)]


def load_counter(ref: TokenizerRef) -> TokenCounter:
    """Load the tokenizer file (on the worker); a file that does not load raises CurateError with the reason."""
    try:
        return TokenCounter(ref, _LOADERS[ref.kind](local_copy(ref.path)))
    except CurateError:
        raise
    except Exception as err:  # each library raises its own types for a malformed file
        raise CurateError(f"{ref.path} did not load as a {ref.kind} tokenizer ({err}); {_FORMATS_HELP}") from None


def _load_hf(path: str):
    # one core per datatrove task: the Rust thread pool would oversubscribe the node (override by setting it)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)


def _load_tiktoken(path: str):
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    ranks = load_tiktoken_bpe(path)
    stem = Path(path).name.split(".")[0]
    encoding = stem if stem in _TIKTOKEN_BY_SIZE.values() else _TIKTOKEN_BY_SIZE.get(len(ranks))
    if stem == "gpt2":
        encoding = "r50k_base"  # the same ranks and pattern
    if encoding is None:
        raise CurateError(
            f"{path}: cannot tell which tiktoken encoding these {len(ranks)} ranks belong to; name the file after "
            f"its encoding ({', '.join(sorted(_TIKTOKEN_BY_SIZE.values()))}.tiktoken)"
        )
    definition = _tiktoken_definition(encoding, ranks)
    return tiktoken.Encoding(
        name=definition["name"], pat_str=definition["pat_str"], mergeable_ranks=ranks,
        special_tokens=definition["special_tokens"],
    )


def _tiktoken_definition(encoding: str, ranks: dict) -> dict:
    """tiktoken's definition of ``encoding`` (regex, special tokens) built around ranks read from a local file.

    tiktoken's constructors fetch their rank file by URL; we hand them the ranks we already read instead, so
    nothing is downloaded and the regex stays exactly tiktoken's.
    """
    import tiktoken_ext.openai_public as public

    fetch = public.load_tiktoken_bpe
    public.load_tiktoken_bpe = lambda *args, **kwargs: ranks
    try:
        return public.ENCODING_CONSTRUCTORS[encoding]()
    finally:
        public.load_tiktoken_bpe = fetch


def _load_sentencepiece(path: str):
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=path)


_LOADERS = {"hf": _load_hf, "tiktoken": _load_tiktoken, "sentencepiece": _load_sentencepiece}
