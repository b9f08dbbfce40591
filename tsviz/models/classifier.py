"""The model type every tsviz network shares: normalisation -> backbone -> linear head.

Normalisation lives inside the model (a layer with stored per-channel statistics), so inputs,
attack budgets, smoothing ``sigma`` and certified radii stay in the signal's physical units.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["Standardize", "TimeSeriesClassifier"]


class Standardize(nn.Module):
    """Per-channel standardisation ``(x - mean) / std`` with statistics stored as buffers.

    Parameters
    ----------
    n_channels : int
        Number of input channels ``C``; buffers have shape ``(1, C, 1)``.

    Notes
    -----
    Starts as the identity (mean 0, std 1); :meth:`fit_` sets the statistics from training data
    (``tsviz.training.fit`` does this before training). Buffers travel with the checkpoint.
    """

    def __init__(self, n_channels: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(1, n_channels, 1))
        self.register_buffer("std", torch.ones(1, n_channels, 1))

    @torch.no_grad()
    def fit_(self, X: np.ndarray | torch.Tensor, eps: float = 1e-6) -> "Standardize":
        """Set mean/std per channel from ``X`` of shape ``(n, C, T)``; returns ``self``."""
        X = torch.as_tensor(np.asarray(X), dtype=torch.float64)
        mean = X.mean(dim=(0, 2), keepdim=True)
        std = X.std(dim=(0, 2), keepdim=True).clamp_min(eps)
        self.mean.copy_(mean.to(self.mean))
        self.std.copy_(std.to(self.std))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class TimeSeriesClassifier(nn.Module):
    """``logits = head(backbone(normalize(x)))`` for ``x`` of shape ``(n, C, T)``.

    Parameters
    ----------
    backbone : nn.Module
        Maps ``(n, C, T)`` standardised series to features ``(n, backbone.out_features)``.
    n_channels, n_classes : int
        Input channels and number of classes ``K``.
    arch : str
        Architecture name in :data:`tsviz.models.ARCHITECTURES`.
    hparams : dict
        Everything :func:`tsviz.models.build` needs to rebuild this network (stored in the card).

    Attributes
    ----------
    card : dict
        The checkpoint card (set by ``tsviz.models.load``/``pretrained``/``fit``; ``{}`` for a new
        model).
    """

    def __init__(self, backbone: nn.Module, n_channels: int, n_classes: int, *, arch: str,
                 hparams: dict[str, Any]) -> None:
        super().__init__()
        self.normalize = Standardize(n_channels)
        self.backbone = backbone
        self.head = nn.Linear(int(backbone.out_features), n_classes)
        self.arch = arch
        self.hparams = dict(hparams)
        self.card: dict[str, Any] = {}

    @property
    def n_classes(self) -> int:
        return self.head.out_features

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer latents, shape ``(n, out_features)``."""
        return self.backbone(self.normalize(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape ``(n, K)``."""
        return self.head(self.features(x))
