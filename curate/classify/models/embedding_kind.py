"""The ``embedding`` kind: a frozen sentence encoder with a small torch head (FineWeb-Edu's recipe).

Only the head learns: embeddings are computed once (and cached on disk when ``cache_dir`` is set), then the head
trains with AdamW on mini-batches, bf16 autocast on CUDA. The encoder's ``precision`` (``auto``: bfloat16 on CUDA
and on CPUs with native bfloat16, see :mod:`curate.classify.models.encoder`) is a run-time choice, like ``device``.
``windows`` > 1 averages the embeddings of that many consecutive windows of a page instead of reading its first
``max_seq_length`` tokens only. ``objective="classification"`` trains a softmax head with cross-entropy
(class-balanced when ``balanced``); ``"regression"`` trains one output with MSE on the standardized class index,
as FineWeb-Edu did. A stratified ``val_fraction`` of the training data is held out for early stopping (macro-F1 for
classification, MSE for regression; see :mod:`curate.classify.models.head`): training stops after ``patience``
epochs without improvement and keeps the best epoch's weights.

A regression head's ``predict_proba`` spreads its output over the two nearest classes (2.3 -> 0.7 on class 2,
0.3 on class 3), so both objectives share the interface; ``predict_value`` returns the raw output, clipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from curate.classify.models.base import TextClassifier, check_labels, spread
from curate.classify.models.encoder import DEFAULT_ENCODER, Encoder, resolve_device

HEAD_FILE = "head.pt"


class EmbeddingClassifier(TextClassifier):
    kind = "embedding"
    unsaved_params = ("cache_dir", "device", "precision")

    def __init__(
        self,
        encoder: str = DEFAULT_ENCODER,
        max_seq_length: int = 256,
        windows: int = 1,
        objective: str = "classification",
        ridge_alpha: float | None = None,
        hidden: int = 256,
        dropout: float = 0.1,
        lr: float = 1e-3,
        weight_decay: float = 0.01,
        batch_size: int = 128,
        max_epochs: int = 100,
        patience: int = 8,
        val_fraction: float = 0.1,
        balanced: bool = True,
        encode_batch_size: int = 64,
        device: str = "auto",
        precision: str = "auto",
        cache_dir: str | None = None,
        seed: int = 0,
    ):
        self.encoder = encoder
        self.max_seq_length = max_seq_length
        self.windows = windows
        self.objective = objective
        self.ridge_alpha = ridge_alpha
        self.hidden = hidden
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.val_fraction = val_fraction
        self.balanced = balanced
        self.encode_batch_size = encode_batch_size
        self.device = device
        self.precision = precision
        self.cache_dir = cache_dir
        self.seed = seed
        if objective not in ("classification", "regression"):
            raise ValueError(f"objective must be classification or regression (got {objective!r})")
        if windows < 1:
            raise ValueError(f"windows must be at least 1 (got {windows})")
        if ridge_alpha is not None and (objective != "regression" or hidden != 0):
            raise ValueError("ridge_alpha fits a linear regression head in closed form: it needs objective: "
                             "regression and hidden: 0")

    @property
    def encoder_(self) -> Encoder:
        if getattr(self, "_encoder", None) is None:
            self._encoder = Encoder(self.encoder, self.max_seq_length, self.encode_batch_size, self.device,
                                    self.precision, self.windows)
        return self._encoder

    def __getstate__(self):
        return {**self.__dict__, "_encoder": None}

    def embed(self, X: list[str], cache: bool = False) -> np.ndarray:
        """The frozen encoder's embeddings of ``X`` (from the disk cache when ``cache`` and ``cache_dir``)."""
        return self.encoder_.embed(list(X), self.cache_dir if cache else None)

    def fit(self, X: list[str], y) -> "EmbeddingClassifier":
        return self.fit_embeddings(self.embed(X, cache=True), y)

    def fit_embeddings(self, E: np.ndarray, y) -> "EmbeddingClassifier":
        """Train the head on precomputed embeddings ``E`` (what :meth:`fit` does after encoding)."""
        from curate.classify.models.head import train_head

        y = check_labels(y)
        self.n_classes_ = int(y.max()) + 1
        if self.ridge_alpha is not None:
            return self._fit_ridge(E, y)
        self.head_, self.history_ = train_head(
            E, y, self.n_classes_, objective=self.objective, hidden=self.hidden, dropout=self.dropout, lr=self.lr,
            weight_decay=self.weight_decay, batch_size=self.batch_size, max_epochs=self.max_epochs,
            patience=self.patience, val_fraction=self.val_fraction, balanced=self.balanced,
            device=resolve_device(self.device), seed=self.seed,
        )
        self.best_epoch_ = self.history_["best_epoch"]
        return self

    def _fit_ridge(self, E: np.ndarray, y: np.ndarray) -> "EmbeddingClassifier":
        """The linear regression head solved exactly (scikit-learn's Ridge): no learning rate, no epochs, no
        validation split taken from little data."""
        import torch
        from sklearn.linear_model import Ridge

        from curate.classify.models.head import build_head

        ridge = Ridge(alpha=self.ridge_alpha).fit(E, y)
        head = build_head(E.shape[1], 1, 0, 0.0)
        with torch.no_grad():
            head[-1].weight.copy_(torch.from_numpy(ridge.coef_.reshape(1, -1).astype(np.float32)))
            head[-1].bias.fill_(float(ridge.intercept_))
        self.head_ = head.to(resolve_device(self.device)).eval()
        self.history_, self.best_epoch_ = {"metric": "closed form"}, 0
        return self

    def cross_val_values(self, X: list[str], y, folds: int) -> np.ndarray:
        """Out-of-fold values, the texts encoded once (only the heads are fitted per fold)."""
        from sklearn.model_selection import StratifiedKFold

        E, y = self.embed(X, cache=True), check_labels(y)
        out = np.zeros(len(y))
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=self.seed).split(E, y):
            fold = type(self)(**self.get_params()).fit_embeddings(E[tr], y[tr])
            out[te] = fold.value_from_embeddings(E[te])
        return out

    def head_outputs(self, E: np.ndarray) -> np.ndarray:
        """The head's raw outputs on embeddings: logits ``(n, K)`` or regression values ``(n, 1)``."""
        import torch

        device = next(self.head_.parameters()).device
        with torch.inference_mode():
            out = self.head_(torch.from_numpy(np.ascontiguousarray(E, dtype=np.float32)).to(device))
        return out.float().cpu().numpy()

    def proba_from_embeddings(self, E: np.ndarray) -> np.ndarray:
        out = self.head_outputs(E)
        if self.objective == "regression":
            return spread(np.clip(out[:, 0], 0, self.n_classes_ - 1), self.n_classes_)
        out = out - out.max(axis=1, keepdims=True)
        p = np.exp(out)
        return p / p.sum(axis=1, keepdims=True)

    def predict_proba(self, X: list[str]) -> np.ndarray:
        return self.proba_from_embeddings(self.embed(X))

    def predict_value(self, X: list[str]) -> np.ndarray:
        return self.value_from_embeddings(self.embed(X))

    def value_from_embeddings(self, E: np.ndarray) -> np.ndarray:
        if self.objective == "regression":
            return np.clip(self.head_outputs(E)[:, 0].astype(np.float64), 0, self.n_classes_ - 1)
        return self.proba_from_embeddings(E) @ np.arange(self.n_classes_, dtype=np.float64)

    def _save(self, folder: Path) -> dict:
        import torch

        state = {k: v.detach().float().cpu() for k, v in self.head_.state_dict().items()}
        torch.save(state, folder / HEAD_FILE)
        return {"file": HEAD_FILE, "in_dim": int(self.head_.in_dim), "best_epoch": int(self.best_epoch_)}

    def _load(self, folder: Path, meta: dict) -> None:
        import torch

        from curate.classify.models.head import build_head

        out_dim = 1 if self.objective == "regression" else self.n_classes_
        head = build_head(meta["in_dim"], out_dim, self.hidden, self.dropout)
        head.load_state_dict(torch.load(folder / meta["file"], map_location="cpu", weights_only=True))
        self.head_ = head.to(resolve_device(self.device)).eval()
        self.best_epoch_ = meta.get("best_epoch", 0)

