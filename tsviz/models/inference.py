"""Batched inference helpers shared by training, the pages and the capabilities."""
from __future__ import annotations

import numpy as np
import torch

from tsviz.core.models import model_device

__all__ = ["predict_logits", "predict", "accuracy", "model_device", "as_tensor"]


def as_tensor(X: np.ndarray | torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A tensor view of ``X`` (a copy when ``X`` is a read-only array, such as ``Dataset.X_train``)."""
    if isinstance(X, torch.Tensor):
        return X.to(dtype)
    X = np.asarray(X)
    if not X.flags.writeable:
        return torch.tensor(X, dtype=dtype)
    return torch.as_tensor(X, dtype=dtype)


@torch.no_grad()
def predict_logits(model: torch.nn.Module, X: np.ndarray | torch.Tensor, *, batch_size: int = 1024) -> torch.Tensor:
    """Logits ``(n, K)`` (on CPU, float32) of ``X`` ``(n, C, T)`` in batches, in eval mode.

    The model's train/eval mode is restored afterwards.
    """
    dev = model_device(model)
    was_training = model.training
    model.eval()
    try:
        X = as_tensor(X)
        outs = [model(X[i:i + batch_size].to(dev)).float().cpu() for i in range(0, X.shape[0], batch_size)]
        return torch.cat(outs) if outs else torch.empty(0, 0)
    finally:
        model.train(was_training)


def predict(model: torch.nn.Module, X: np.ndarray | torch.Tensor, *, batch_size: int = 1024) -> np.ndarray:
    """Predicted class indices ``(n,)`` int64."""
    return predict_logits(model, X, batch_size=batch_size).argmax(1).numpy().astype(np.int64)


def accuracy(model: torch.nn.Module, X: np.ndarray | torch.Tensor, y: np.ndarray, *, batch_size: int = 1024) -> float:
    """Fraction of ``X`` classified as ``y``."""
    return float((predict(model, X, batch_size=batch_size) == np.asarray(y)).mean())
