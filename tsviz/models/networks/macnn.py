"""Multi-scale attention convolutional neural network (MACNN) of Chen & Shi (2021)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tsviz.models.networks.layers import (
    SqueezeExcite1d,
    check_int_tuple,
    check_length,
    check_positive_int,
    global_avg_pool,
    same_conv1d,
)

__all__ = ["MACNN"]


class _MABlock(nn.Module):
    """Multi-scale attention block: parallel 'same' convs, concat, BN, ReLU, SE attention.

    ``(n, C_in, T) -> (n, len(kernel_sizes) * n_filters, T)``.
    """

    def __init__(self, in_channels: int, n_filters: int, kernel_sizes: tuple[int, ...],
                 reduction: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(same_conv1d(in_channels, n_filters, k) for k in kernel_sizes)
        width = n_filters * len(kernel_sizes)
        self.bn = nn.BatchNorm1d(width)
        self.act = nn.ReLU()
        self.se = SqueezeExcite1d(width, reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.act(self.bn(torch.cat([conv(x) for conv in self.convs], dim=1)))
        return self.se(z)


class MACNN(nn.Module):
    """MACNN: three stacks of multi-scale attention blocks with max pooling in between, GAP.

    Chen, W., Shi, K. (2021). "Multi-scale attention convolutional neural network for time
    series classification." Neural Networks 136, 126-140.

    Parameters
    ----------
    in_channels : int
        Number of input channels ``C``.
    length : int
        Series length ``T`` (any ``T >= 1``: 'same' convolutions, padded pooling).
    n_filters : int, default 32
        Filters per branch in the first stack; the stacks use ``n, 2n, 4n`` (the paper's
        64, 128, 256 is ``n_filters=64``, about 8.1M parameters; the default 32 has about 2.0M).
    kernel_sizes : sequence of int, default (3, 6, 12)
        Kernel sizes of the parallel branches (even sizes pad ``(k - 1) // 2`` left, rest right).
    n_blocks : int, default 2
        Multi-scale attention blocks per stack.
    reduction : int, default 16
        Squeeze-and-excitation reduction ratio.

    Attributes
    ----------
    out_features : int
        ``4 * n_filters * len(kernel_sizes)`` (384 by default).

    Notes
    -----
    ``forward``: ``(n, C, T)`` float -> ``(n, out_features)`` (penultimate features). Between
    stacks: ``MaxPool1d(3, stride 2, padding 1)``, so ``T -> ceil(T / 2)``. The attention is a
    standard squeeze-and-excitation gate (sigmoid); the authors' Keras release gates with a ReLU.
    """

    def __init__(self, in_channels: int, length: int, *, n_filters: int = 32,
                 kernel_sizes: Sequence[int] = (3, 6, 12), n_blocks: int = 2,
                 reduction: int = 16) -> None:
        super().__init__()
        c = check_positive_int("in_channels", in_channels)
        self.length = check_length("MACNN", length)
        self.n_filters = n_filters
        self.kernel_sizes = kernel_sizes
        self.n_blocks = n_blocks
        self.reduction = reduction
        n = check_positive_int("n_filters", n_filters)
        kernels = check_int_tuple("kernel_sizes", kernel_sizes)
        nb = check_positive_int("n_blocks", n_blocks)
        r = check_positive_int("reduction", reduction)
        layers: list[nn.Module] = []
        for s, w in enumerate((n, 2 * n, 4 * n)):
            if s > 0:
                layers.append(nn.MaxPool1d(3, stride=2, padding=1))
            for _ in range(nb):
                layers.append(_MABlock(c, w, kernels, r))
                c = w * len(kernels)
        self.layers = nn.Sequential(*layers)
        self.out_features = c

    @classmethod
    def min_length(cls, **hparams: object) -> int:
        """Shortest series length accepted: 1 (all convolutions and poolings are padded)."""
        return 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return global_avg_pool(self.layers(x))
