"""The torch head of the embedding kind and its training loop (AdamW, early stopping on validation macro-F1)."""

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


def _predict_classes(head, E, objective: str, n_classes: int):
    import torch

    head.eval()
    with torch.inference_mode():
        out = head(E).float()
    if objective == "regression":
        return out[:, 0].round().clamp(0, n_classes - 1).long().cpu().numpy()
    return out.argmax(dim=1).cpu().numpy()


def train_head(E: np.ndarray, y: np.ndarray, n_classes: int, *, objective: str, hidden: int, dropout: float,
               lr: float, weight_decay: float, batch_size: int, max_epochs: int, patience: int,
               val_fraction: float, balanced: bool, device: str, seed: int):
    """Train a head on embeddings; returns (best head in eval mode, history with per-epoch validation F1)."""
    import torch
    from sklearn.metrics import f1_score

    torch.manual_seed(seed)
    tr, va = stratified_holdout(y, val_fraction, seed)
    if len(va) == 0:
        tr, va = np.arange(len(y)), np.arange(len(y))
    X = torch.from_numpy(np.ascontiguousarray(E, dtype=np.float32)).to(device)
    Y = torch.from_numpy(y).to(device)
    head = build_head(X.shape[1], 1 if objective == "regression" else n_classes, hidden, dropout).to(device)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = _loss(objective, y[tr], n_classes, balanced, device)
    generator = torch.Generator().manual_seed(seed)
    tr_t = torch.from_numpy(tr)
    best_f1, best_state, best_epoch, history = -1.0, None, 0, []
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
        pred = _predict_classes(head, X[torch.from_numpy(va).to(device)], objective, n_classes)
        f1 = float(f1_score(y[va], pred, average="macro", labels=list(range(n_classes)), zero_division=0))
        history.append(f1)
        if f1 > best_f1:
            best_f1, best_state, best_epoch = f1, copy.deepcopy(head.state_dict()), epoch
        elif epoch - best_epoch >= patience:
            break
    head.load_state_dict(best_state)
    head.eval()
    return head, {"val_macro_f1": history, "best_epoch": best_epoch, "best_val_macro_f1": best_f1}


def _loss(objective: str, y_train: np.ndarray, n_classes: int, balanced: bool, device: str):
    import torch
    from torch import nn

    if objective == "regression":
        mse = nn.MSELoss()
        return lambda out, target: mse(out[:, 0], target.float())
    weight = None
    if balanced:
        counts = np.bincount(y_train, minlength=n_classes).astype(np.float64)
        w = np.where(counts > 0, len(y_train) / (n_classes * np.maximum(counts, 1)), 0.0)
        weight = torch.tensor(w, dtype=torch.float32, device=device)
    return nn.CrossEntropyLoss(weight=weight)
