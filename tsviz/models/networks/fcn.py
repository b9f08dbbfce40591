"""Fully convolutional network (FCN) of Wang, Yan & Oates (2017)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tsviz.models.networks.layers import ConvBNReLU, check_int_tuple, check_length, check_positive_int, global_avg_pool

__all__ = ["FCN"]


class FCN(nn.Module):
    """Fully convolutional network: three Conv1d-BatchNorm-ReLU blocks and global average pooling.

    Wang, Z., Yan, W., Oates, T. (2017). "Time series classification from scratch with deep
    neural networks: a strong baseline." IJCNN, 1578-1585.

    Parameters
    ----------
    in_channels : int
        Number of input channels ``C``.
    length : int
        Series length ``T`` (any ``T >= 1``: every convolution uses 'same' padding).
    n_filters : sequence of int, default (128, 256, 128)
        Output channels of the convolution blocks.
    kernel_sizes : sequence of int, default (8, 5, 3)
        Kernel sizes, one per block (even sizes pad ``(k - 1) // 2`` left, the rest right).

    Attributes
    ----------
    out_features : int
        ``n_filters[-1]`` (128 by default).

    Notes
    -----
    ``forward``: ``(n, C, T)`` float -> ``(n, out_features)``, the globally averaged feature maps
    (the penultimate layer; the classifier head is added by :func:`tsviz.models.build`).
    Convolutions have no bias since each is followed by batch norm.
    """

    def __init__(self, in_channels: int, length: int, *, n_filters: Sequence[int] = (128, 256, 128),
                 kernel_sizes: Sequence[int] = (8, 5, 3)) -> None:
        super().__init__()
        c = check_positive_int("in_channels", in_channels)
        self.length = check_length("FCN", length)
        self.n_filters = n_filters
        self.kernel_sizes = kernel_sizes
        widths = check_int_tuple("n_filters", n_filters)
        kernels = check_int_tuple("kernel_sizes", kernel_sizes, length=len(widths))
        blocks = []
        for w, k in zip(widths, kernels):
            blocks.append(ConvBNReLU(c, w, k))
            c = w
        self.blocks = nn.Sequential(*blocks)
        self.out_features = c

    @classmethod
    def min_length(cls, **hparams: object) -> int:
        """Shortest series length accepted: 1 (all convolutions and poolings are padded)."""
        return 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return global_avg_pool(self.blocks(x))
