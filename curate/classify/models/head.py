"""The torch head of the embedding kind and its training loop (AdamW, early stopping on a validation split).

Classification heads stop on validation macro-F1. Regression heads learn the standardized target (class index
minus its mean, over its standard deviation: a scale with few high classes otherwise spends its first epochs
learning the mean) and stop on validation mean squared error: rounding a regressor that shrinks towards the
middle class gives a macro-F1 that peaks at the first epochs, so stopping on it kept a head that never predicted
the upper classes. The trained head's last layer is rescaled so that it outputs class indices again.
"""

from __future__ import annotations

import copy

import numpy as np


def build_head(in_dim: int, out_dim: int, hidden: int, dropout: float):
    """A linear layer (``hidden=0``) or one hidden GELU layer; remembers ``in_dim`` for saving."""
    from torch import nn

    if hidden > 0:
        head = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_dim, hidden), nn.GELU(), nn.Dropout(dropout),
                             nn.Linear(hidden, out_dim))
    else:
        head = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_dim, out_dim))
    head.in_dim = in_dim
    return head


def stratified_holdout(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation indices with every class represented in both where it has two or more members."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_val = int(round(len(idx) * fraction)) if len(idx) > 1 else 0
        n_val = max(n_val, 1) if len(idx) > 1 else 0
        val.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return np.sort(np.array(train, dtype=int)), np.sort(np.array(val, dtype=int))


def _validation_score(head, E, y_val: np.ndarray, objective: str, n_classes: int) -> float:
    """Higher is better: macro-F1 of a classifier, minus the mean squared error of a (standardized) regressor."""
    import torch
    from sklearn.metrics import f1_score

    head.eval()
    with torch.inference_mode():
        out = head(E).float().cpu().numpy()
    if objective == "regression":
        return -float(np.mean((out[:, 0] - y_val) ** 2))
    return float(f1_score(y_val, out.argmax(axis=1), average="macro", labels=list(range(n_classes)),
                          zero_division=0))


def train_head(E: np.ndarray, y: np.ndarray, n_classes: int, *, objective: str, hidden: int, dropout: float,
               lr: float, weight_decay: float, batch_size: int, max_epochs: int, patience: int,
               val_fraction: float, balanced: bool, device: str, seed: int):
    """Train a head on embeddings; returns (best head in eval mode, history with the per-epoch validation score:
    macro-F1, or minus the MSE on the standardized scale for regression)."""
    import torch

    torch.manual_seed(seed)
    tr, va = stratified_holdout(y, val_fraction, seed)
    if len(va) == 0:
        tr, va = np.arange(len(y)), np.arange(len(y))
    X = torch.from_numpy(np.ascontiguousarray(E, dtype=np.float32)).to(device)
    mean, std = (float(y[tr].mean()), float(y[tr].std()) or 1.0) if objective == "regression" else (0.0, 1.0)
    target = (y - mean) / std if objective == "regression" else y
    Y = torch.from_numpy(target).to(device)
    head = build_head(X.shape[1], 1 if objective == "regression" else n_classes, hidden, dropout).to(device)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = _loss(objective, y[tr], n_classes, balanced, device)
    generator = torch.Generator().manual_seed(seed)
    tr_t = torch.from_numpy(tr)
    best, best_state, best_epoch, history = -np.inf, None, 0, []
    for epoch in range(1, max_epochs + 1):
        head.train()
        for batch in tr_t[torch.randperm(len(tr_t), generator=generator)].split(batch_size):
            batch = batch.to(device)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
                out = head(X[batch])
            loss = loss_fn(out.float(), Y[batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        score = _validation_score(head, X[torch.from_numpy(va).to(device)], target[va], objective, n_classes)
        history.append(score)
        if score > best:
            best, best_state, best_epoch = score, copy.deepcopy(head.state_dict()), epoch
        elif epoch - best_epoch >= patience:
            break
    head.load_state_dict(best_state)
    if objective == "regression":  # outputs back on the class-index scale
        last = head[-1]
        with torch.no_grad():
            last.weight.mul_(std)
            last.bias.mul_(std).add_(mean)
    head.eval()
    metric = "neg_mse_standardized" if objective == "regression" else "macro_f1"
    return head, {"metric": metric, "val": history, "best_epoch": best_epoch, "best_val": best}


def _loss(objective: str, y_train: np.ndarray, n_classes: int, balanced: bool, device: str):
    import torch
    from torch import nn

    if objective == "regression":
        mse = nn.MSELoss()
        return lambda out, target: mse(out[:, 0], target.float())  # target already standardized
    weight = None
    if balanced:
        counts = np.bincount(y_train, minlength=n_classes).astype(np.float64)
        w = np.where(counts > 0, len(y_train) / (n_classes * np.maximum(counts, 1)), 0.0)
        weight = torch.tensor(w, dtype=torch.float32, device=device)
    return nn.CrossEntropyLoss(weight=weight)
