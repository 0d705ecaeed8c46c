"""Object storage: every path of a run may be a local path or an fsspec URL (``s3://``, ``gs://``, ``hf://``...).

One layer over fsspec, the one datatrove's ``DataFolder`` uses, so datatrove's readers, writers and logging folders and
curate's own files reach the same storage the same way:

- :class:`StorageConfig` is the run's ``storage:`` block (endpoint, profile, region, anonymous access, client
  options). :func:`configure` makes it the default options of every filesystem of its protocol, in this process
  (``fsspec.config.conf``) and in every worker it starts (fsspec reads ``FSSPEC_<PROTOCOL>`` from the environment:
  local workers, Slurm jobs and a local Ray inherit it). Credentials never go into it: they come from the standard
  environment variables and profiles, so they never reach a log, a pickled pipeline, a report or a manifest.
- :func:`location` is the path type of an output: a ``pathlib.Path`` for a local folder, a ``UPath`` (the same API
  over fsspec) for a URL, so ``out / "extract"`` never collapses ``s3://`` into ``s3:/``.
- :func:`open_file`, :func:`write_json`, :func:`list_files` read and write either kind.
- :func:`local_copy` brings a remote file or folder (benchmarks, classifiers, tokenizers, an index) to a local cache
  keyed by its URL and its etags, for libraries that need a local file; :class:`LocalMirror` gives a step a local
  folder for a remote one (download, work, upload).
- :func:`check_access` is the pre-flight: one readable line for an unknown bucket, missing or refused credentials
  and an unreachable endpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import fsspec
from pydantic import Field, field_validator

from curate.configbase import StrictModel
from curate.errors import ConfigError, CurateError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_SECRET = re.compile(r"secret|token|password|session|access_key|credential", re.I)
CACHE_ENV = "CURATE_CACHE_DIR"
_STORAGE_MODULES = ("botocore", "aiobotocore", "aiohttp", "s3fs", "gcsfs", "adlfs", "huggingface_hub")


class StorageConfig(StrictModel):
    """Options of the run's object storage (S3 or an S3-compatible server); credentials stay out of it."""

    endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, Ceph, R2...); default: AWS, "
                                     "or $AWS_ENDPOINT_URL")
    profile: str | None = Field(None, description="AWS profile to read credentials from (~/.aws); default: "
                                "$AWS_PROFILE or the environment's credentials")
    region: str | None = Field(None, description="bucket region; default: $AWS_REGION / $AWS_DEFAULT_REGION")
    anon: bool = Field(False, description="anonymous access (public buckets such as s3://commoncrawl)")
    client_kwargs: dict = Field(default_factory=dict, description="extra botocore client options")
    connect_timeout_s: float = Field(10, gt=0, description="seconds to wait for a connection before failing")
    max_attempts: int = Field(5, ge=1, description="attempts per request (botocore's retry mode 'standard')")
    options: dict[str, dict] = Field(default_factory=dict, description="storage options of other protocols, by "
                                     "protocol (gs: {project: ...}, hf: {...})")

    @field_validator("client_kwargs", "options")
    @classmethod
    def _no_credentials(cls, value: dict) -> dict:
        found = sorted(_secret_keys(value))
        if found:
            raise ValueError(f"credentials ({', '.join(found)}) never go in the config, which is recorded with the "
                             "run: set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE / storage.profile)")
        return value


def can_flush() -> bool:
    """False while the interpreter exits. A pipeline whose task failed can have its generators closed only then, by
    the final garbage collection, and by that time fsspec's I/O thread is gone: flushing a remote (s3://...) file
    would wait for it forever, and the process would never exit. A failed task's partial files are redone by the
    re-run anyway (it has no completion marker)."""
    return not sys.is_finalizing()


def _secret_keys(value, prefix: str = "") -> list[str]:
    if not isinstance(value, dict):
        return []
    found = []
    for key, inner in value.items():
        name = f"{prefix}{key}"
        found += [name] if _SECRET.search(str(key)) else _secret_keys(inner, name + ".")
    return found


def s3_options(cfg: StorageConfig) -> dict:
    """The s3fs options the block stands for (only what is set, so the environment fills the rest)."""
    # no listings cache: a run lists folders other processes are writing (stats, completions, progress)
    opts: dict = {"use_listings_cache": False,
                  "config_kwargs": {"connect_timeout": cfg.connect_timeout_s,
                                    "retries": {"max_attempts": cfg.max_attempts, "mode": "standard"}}}
    if cfg.endpoint_url:
        opts["endpoint_url"] = cfg.endpoint_url
    if cfg.profile:
        opts["profile"] = cfg.profile
    if cfg.anon:
        opts["anon"] = True
    client = dict(cfg.client_kwargs) | ({"region_name": cfg.region} if cfg.region else {})
    if client:
        opts["client_kwargs"] = client
    return opts


def configure(cfg: StorageConfig) -> None:
    """Make ``cfg`` the options of every filesystem of its protocols, here and in the workers this process starts."""
    by_protocol = {"s3": s3_options(cfg), **cfg.options}
    for protocol, opts in by_protocol.items():
        fsspec.config.conf[protocol] = dict(opts)
        os.environ[f"FSSPEC_{protocol.upper()}"] = json.dumps(opts)


def is_url(path: str | os.PathLike | None) -> bool:
    """Whether ``path`` names object storage (any fsspec URL but ``file://``)."""
    text = str(path) if path is not None else ""
    return bool(_URL.match(text)) and not text.startswith("file://")


def require_local(path: str | os.PathLike | None, what: str) -> None:
    """Refuse a URL where curate reads or writes plain local files only (classifier training and annotation, which
    write beside their inputs): one :class:`~curate.errors.ConfigError` saying how to proceed."""
    if is_url(path):
        raise ConfigError(f"{what}: {path} is a URL, but this command reads and writes local files only; copy it "
                          "to a local folder first (e.g. `aws s3 cp --recursive URL DIR`), and upload what it "
                          "writes afterwards")


def local_path(path: str) -> str:
    """``file:///x`` as ``/x``; anything else unchanged."""
    return path[len("file://"):] if str(path).startswith("file://") else path


def location(path: str | os.PathLike) -> Path:
    """The path type for a folder or file that may be remote: a ``Path`` when local, a ``UPath`` for a URL."""
    if isinstance(path, Path):
        return path
    if is_url(path):
        from upath import UPath

        return UPath(str(path))
    return Path(local_path(str(path)))


def filesystem(url: str):
    """(fsspec filesystem, path inside it) of a URL or local path."""
    return fsspec.core.url_to_fs(str(url))


def open_file(path: str | os.PathLike, mode: str = "rb", **kwargs):
    """Open a local file with ``open``, a URL through fsspec (``compression="infer"`` and text modes work for both
    through fsspec)."""
    if not is_url(path) and not kwargs:
        return open(local_path(str(path)), mode)
    return fsspec.open(str(path), mode, **kwargs).open()


def write_json(path: str | os.PathLike, payload, indent: int | None = None) -> None:
    """Write JSON so that a reader never sees half a file: locally aside then renamed; on object storage one
    upload, which replaces the object whole."""
    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    if not is_url(path):
        target = Path(local_path(str(path)))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        return
    with fsspec.open(str(path), "w", encoding="utf-8") as fh:
        fh.write(text)


def list_files(root: str) -> list[tuple[str, str]]:
    """Every file under ``root`` (a file itself, or a folder walked recursively) as (full path or URL, path relative
    to ``root``), hidden files and folders left out, sorted by relative path."""
    fs, base = filesystem(root)
    base = base.rstrip("/")
    if fs.isfile(base):
        return [(str(root), base.rsplit("/", 1)[-1])]
    found = []
    for full in fs.find(base):
        rel = full[len(base):].lstrip("/")
        if not rel or any(part.startswith(".") for part in rel.split("/")):
            continue
        found.append((fs.unstrip_protocol(full) if is_url(root) else full, rel))
    return sorted(found, key=lambda item: item[1])


def cache_root() -> Path:
    """Where remote inputs are cached and remote outputs get their local scratch: ``$CURATE_CACHE_DIR``, else a
    ``curate`` folder in the node's temporary folder."""
    return Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "curate")


def _version(fs, paths: list[str]) -> str:
    """A digest of the objects' identities (etag, size; mtime where a filesystem has no etag)."""
    h = hashlib.sha256()
    for p in sorted(paths):
        info = fs.info(p)
        h.update(json.dumps([p, info.get("ETag") or info.get("etag") or info.get("mtime"), info.get("size")],
                            default=str).encode())
    return h.hexdigest()[:16]


def local_copy(path: str) -> str:
    """A local path holding what ``path`` names: ``path`` itself when local; otherwise a copy of the remote file or
    folder in the cache, fetched once per version (its objects' etags), so libraries that need files can read it."""
    if not is_url(path):
        return local_path(path)
    fs, base = filesystem(path)
    base = base.rstrip("/")
    try:
        single = fs.isfile(base)
        files = [base] if single else fs.find(base)
    except OSError as err:
        raise CurateError(f"cannot read {path}: {describe_error(err)}") from None
    if not files:
        raise CurateError(f"{path} holds no file; check the URL")
    key = hashlib.sha256(path.encode()).hexdigest()[:16] + "-" + _version(fs, files)
    target = cache_root() / "inputs" / key / base.rsplit("/", 1)[-1]
    done = target.parent / ".complete"
    if not done.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        fs.get(base, str(target), recursive=not single)
        done.touch()
    return str(target)


class LocalMirror:
    """A local folder standing for ``folder``: the folder itself when local; for a URL, a scratch folder filled with
    its current content on entry and uploaded back on a clean exit (``upload=False``: read only)."""

    def __init__(self, folder: str, upload: bool = True):
        self.folder, self.upload = str(folder), upload
        key = hashlib.sha256(self.folder.encode()).hexdigest()[:16]
        self.local = Path(local_path(self.folder)) if not is_url(folder) else cache_root() / "mirrors" / key

    def __enter__(self) -> Path:
        if is_url(self.folder):
            fs, base = filesystem(self.folder)
            self.local.mkdir(parents=True, exist_ok=True)
            if fs.isdir(base):
                fs.get(base.rstrip("/") + "/", str(self.local) + "/", recursive=True)
        return self.local

    def __exit__(self, kind, value, tb) -> None:
        if kind is None and self.upload and is_url(self.folder):
            fs, base = filesystem(self.folder)
            fs.put(str(self.local) + "/", base.rstrip("/") + "/", recursive=True)


def describe_error(err: BaseException) -> str:
    """One line for a storage error: what went wrong and how to fix it."""
    text = f"{type(err).__name__}: {err}"
    lowered = text.lower()
    if "nosuchbucket" in lowered or "bucket does not exist" in lowered or "no such bucket" in lowered:
        return "the bucket does not exist; create it or fix the URL"
    if "unable to locate credentials" in lowered or "nocredentials" in lowered:
        return ("no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile (AWS_PROFILE or "
                "storage.profile), or storage.anon: true for a public bucket")
    if any(s in lowered for s in ("invalidaccesskeyid", "signaturedoesnotmatch", "access denied", "forbidden",
                                  "invalidtoken", "expiredtoken", "accessdenied", "permissionerror",
                                  "does not exist in our records")):
        return ("the credentials were refused (access denied, or a key the server does not know); check "
                "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile")
    if any(s in lowered for s in ("could not connect", "connect timeout", "connection refused", "cannot connect",
                                  "endpointconnectionerror", "name or service not known", "timed out")):
        return "the storage endpoint cannot be reached; check storage.endpoint_url ($AWS_ENDPOINT_URL) and the network"
    return text.splitlines()[0][:300]


def is_storage_error(err: BaseException) -> bool:
    """Whether ``err``, or an error it was raised from, comes from the storage client (botocore, aiohttp, an fsspec
    backend): what a lost connection or a refused request raises in the middle of a run."""
    for _ in range(8):  # the chain of causes is short; never follow a cycle
        if err is None:
            return False
        if type(err).__module__.split(".")[0] in _STORAGE_MODULES:
            return True
        err = err.__cause__ or err.__context__
    return False


def storage_failure(err: BaseException) -> str:
    """The one line for a storage error raised while a run was going on."""
    return (f"the storage failed during the run ({describe_error(err)}); once it answers again, re-run the same "
            "command: finished tasks are not run again")


def _s3_credentials_missing(cfg: StorageConfig) -> bool:
    """Whether botocore finds no credentials for S3 (environment, profile, container or instance role)."""
    import botocore.session

    if cfg.anon:
        return False
    try:
        return botocore.session.Session(profile=cfg.profile).get_credentials() is None
    except Exception:  # an unknown profile: botocore says which
        return True


def _preflight_filesystem(protocol: str):
    """A fresh filesystem of ``protocol`` with the run's options; for S3 with one attempt per request and a short
    connection timeout, so that a wrong endpoint fails in seconds."""
    if protocol not in ("s3", "s3a"):
        return fsspec.filesystem(protocol, skip_instance_cache=True)
    quick = {"connect_timeout": 5, "read_timeout": 20, "retries": {"max_attempts": 1, "mode": "standard"}}
    return fsspec.filesystem(protocol, skip_instance_cache=True, config_kwargs=quick)


def check_access(urls: list[str], what: str = "", cfg: StorageConfig | None = None) -> None:
    """Pre-flight for remote paths: their buckets exist and answer with the configured credentials. One
    :class:`~curate.errors.ConfigError` line naming the URL and the fix, before anything is launched."""
    cfg = cfg or StorageConfig()
    seen = set()
    for url in urls:
        if not is_url(url):
            continue
        protocol, _, rest = url.partition("://")
        bucket = rest.split("/", 1)[0]
        if (protocol, bucket) in seen:
            continue
        seen.add((protocol, bucket))
        where = f"{url}{' (' + what + ')' if what else ''}"
        if protocol in ("s3", "s3a") and _s3_credentials_missing(cfg):
            raise ConfigError(f"{where}: {describe_error(CurateError('Unable to locate credentials'))}")
        try:
            fs = _preflight_filesystem(protocol)
            fs.ls(bucket)
        except Exception as err:  # every backend raises its own types; the message is what tells them apart
            raise ConfigError(f"{where}: {describe_error(err)}") from None
