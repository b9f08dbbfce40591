"""Residual network (ResNet) for time-series classification of Wang et al. (2017)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tsviz.models.networks.layers import ConvBNReLU, check_int_tuple, check_length, check_positive_int, global_avg_pool

__all__ = ["ResNet"]


class _ResidualBlock(nn.Module):
    """Three 'same' convolutions with BN (ReLU after the first two), a shortcut, ReLU after the sum.

    The shortcut is a 1x1 convolution + BN when the channel count changes, BN alone otherwise.
    ``(n, C_in, T) -> (n, C_out, T)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_sizes: tuple[int, ...]) -> None:
        super().__init__()
        layers = []
        c = in_channels
        for i, k in enumerate(kernel_sizes):
            layers.append(ConvBNReLU(c, out_channels, k, relu=i < len(kernel_sizes) - 1))
            c = out_channels
        self.body = nn.Sequential(*layers)
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv1d(in_channels, out_channels, 1, bias=False),
                                          nn.BatchNorm1d(out_channels))
        else:
            self.shortcut = nn.BatchNorm1d(out_channels)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.shortcut(x))


class ResNet(nn.Module):
    """ResNet for time series: three residual blocks of three convolutions, global average pooling.

    Wang, Z., Yan, W., Oates, T. (2017). "Time series classification from scratch with deep
    neural networks: a strong baseline." IJCNN, 1578-1585; in the configuration of Ismail Fawaz,
    H. et al. (2019). "Deep learning for time series classification: a review." Data Mining and
    Knowledge Discovery 33, 917-963, also used by the ODE-guided augmentation paper.

    Parameters
    ----------
    in_channels : int
        Number of input channels ``C``.
    length : int
        Series length ``T`` (any ``T >= 1``: every convolution uses 'same' padding).
    n_filters : int, default 64
        Width of the first block; the blocks have ``n, 2n, 2n`` channels (64, 128, 128).
    kernel_sizes : sequence of int, default (8, 5, 3)
        Kernel sizes of the convolutions inside every block.

    Attributes
    ----------
    out_features : int
        ``2 * n_filters`` (128 by default).

    Notes
    -----
    ``forward``: ``(n, C, T)`` float -> ``(n, out_features)`` (penultimate features). Each block:
    ``relu(BN(conv_k3(relu(BN(conv_k2(relu(BN(conv_k1(x)))))))) + shortcut(x))`` with the
    shortcut a 1x1 conv + BN when channels change and BN alone otherwise, as in Fawaz's code.
    """

    def __init__(self, in_channels: int, length: int, *, n_filters: int = 64,
                 kernel_sizes: Sequence[int] = (8, 5, 3)) -> None:
        super().__init__()
        c = check_positive_int("in_channels", in_channels)
        self.length = check_length("ResNet", length)
        self.n_filters = n_filters
        self.kernel_sizes = kernel_sizes
        n = check_positive_int("n_filters", n_filters)
        kernels = check_int_tuple("kernel_sizes", kernel_sizes)
        blocks = []
        for w in (n, 2 * n, 2 * n):
            blocks.append(_ResidualBlock(c, w, kernels))
            c = w
        self.blocks = nn.Sequential(*blocks)
        self.out_features = c

    @classmethod
    def min_length(cls, **hparams: object) -> int:
        """Shortest series length accepted: 1 (all convolutions and poolings are padded)."""
        return 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return global_avg_pool(self.blocks(x))
