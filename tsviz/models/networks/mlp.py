"""The multilayer perceptron of the ECG noise-to-signal-ratio robustness paper (Ma & Liang 2020)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tsviz.models.errors import ModelError
from tsviz.models.networks.layers import check_int_tuple, check_length, check_positive_int

__all__ = ["MLP"]


class MLP(nn.Module):
    """Fully connected network on the flattened series: ``(C*T)-128-ReLU-128-ReLU-128-ReLU-32``.

    Ma, L., Liang, L. (2020). "Improve robustness of DNN for ECG signal classification: a
    noise-to-signal ratio perspective." arXiv:2005.09134 (section 3: the 8-layer MLP
    ``(187-128)-ReLU-(128-128)-ReLU-(128-128)-ReLU-(128-32)-(32-5)``; the last layer is the
    classifier head added by :func:`tsviz.models.build`).

    Parameters
    ----------
    in_channels : int
        Number of input channels ``C``.
    length : int
        Series length ``T``; the first layer has ``C * T`` inputs, so only this length works.
    hidden : sequence of int, default (128, 128, 128)
        Widths of the hidden layers, each followed by ReLU (may be empty).
    out_dim : int, default 32
        Width of the last (linear, no activation, as in the paper) feature layer.

    Attributes
    ----------
    out_features : int
        ``out_dim`` (32 by default).

    Notes
    -----
    ``forward``: ``(n, C, T)`` float -> flattened ``(n, C * T)`` -> ``(n, out_dim)``.
    """

    def __init__(self, in_channels: int, length: int, *, hidden: Sequence[int] = (128, 128, 128),
                 out_dim: int = 32) -> None:
        super().__init__()
        self.in_channels = check_positive_int("in_channels", in_channels)
        self.length = check_length("MLP", length)
        self.hidden = hidden
        self.out_dim = out_dim
        widths = check_int_tuple("hidden", hidden, allow_empty=True)
        d_out = check_positive_int("out_dim", out_dim)
        layers: list[nn.Module] = [nn.Flatten()]
        d = self.in_channels * self.length
        for w in widths:
            layers += [nn.Linear(d, w), nn.ReLU()]
            d = w
        layers.append(nn.Linear(d, d_out))
        self.layers = nn.Sequential(*layers)
        self.out_features = d_out

    @classmethod
    def min_length(cls, **hparams: object) -> int:
        """Shortest series length accepted: 1 (the network then only takes that length)."""
        return 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.length:
            raise ModelError(f"MLP was built for length {self.length}, got input of shape "
                             f"{tuple(x.shape)}")
        return self.layers(x)
