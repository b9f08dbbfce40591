"""The residual CNN for ECG heartbeats of Kachuee, Fazeli & Sarrafzadeh (2018)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tsviz.models.errors import ModelError
from tsviz.models.networks.layers import check_int_tuple, check_length, check_positive_int, same_conv1d

__all__ = ["KachueeCNN"]


class _KachueeBlock(nn.Module):
    """``maxpool(relu(conv(relu(conv(x))) + x))``; ``(n, F, T) -> (n, F, (T - p) // s + 1)``."""

    def __init__(self, n_filters: int, kernel_size: int, pool_size: int, pool_stride: int) -> None:
        super().__init__()
        self.conv1 = same_conv1d(n_filters, n_filters, kernel_size)
        self.conv2 = same_conv1d(n_filters, n_filters, kernel_size)
        self.act = nn.ReLU()
        self.pool = nn.MaxPool1d(pool_size, stride=pool_stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.act(self.conv2(self.act(self.conv1(x))) + x))


class KachueeCNN(nn.Module):
    """Residual CNN for heartbeat classification: a conv, five residual blocks with max pooling,
    and a fully connected layer.

    Kachuee, M., Fazeli, S., Sarrafzadeh, M. (2018). "ECG heartbeat classification: a deep
    transferable representation." IEEE ICHI, 443-444 (arXiv:1805.00794). Used as "the CNN" by
    Ma & Liang (2020), "Improve robustness of DNN for ECG signal classification: a
    noise-to-signal ratio perspective."

    Parameters
    ----------
    in_channels : int
        Number of input channels ``C``.
    length : int
        Series length ``T``; the flattened size after pooling depends on it, so only this length
        works. Must be at least :meth:`min_length` (125 with the defaults: each unpadded pooling
        needs ``pool_size`` samples); 187 (MIT-BIH beats) gives ``32 * 2`` flattened features.
    n_filters : int, default 32
        Channels of every convolution.
    kernel_size : int, default 5
        Convolution kernel size ('same' padding; even sizes pad ``(k - 1) // 2`` left).
    n_blocks : int, default 5
        Residual blocks, each ``conv-ReLU-conv, + skip, ReLU, MaxPool1d(pool_size, pool_stride)``.
    pool_size, pool_stride : int, default 5 and 2
        Max pooling window and stride (no padding, as in the paper).
    fc_dims : sequence of int, default (32,)
        Fully connected layers after flattening, each followed by ReLU.

    Attributes
    ----------
    out_features : int
        ``fc_dims[-1]`` (32 by default).

    Notes
    -----
    ``forward``: ``(n, C, T)`` float -> ``(n, out_features)``. With the default ``fc_dims`` and
    the linear head added by :func:`tsviz.models.build` the network has the paper's 13 weight
    layers (1 + 5 * 2 convolutions, FC 32, FC ``K``), matching Ma & Liang's code
    (``Linear(64, 32)``-ReLU-``Linear(32, 5)``). The paper's figure, read literally
    (FC 32 - ReLU - FC 32 - softmax), is ``fc_dims=(32, 32)``.
    """

    def __init__(self, in_channels: int, length: int, *, n_filters: int = 32, kernel_size: int = 5,
                 n_blocks: int = 5, pool_size: int = 5, pool_stride: int = 2,
                 fc_dims: Sequence[int] = (32,)) -> None:
        super().__init__()
        c = check_positive_int("in_channels", in_channels)
        self.n_filters = n_filters
        self.kernel_size = kernel_size
        self.n_blocks = n_blocks
        self.pool_size = pool_size
        self.pool_stride = pool_stride
        self.fc_dims = fc_dims
        nf = check_positive_int("n_filters", n_filters)
        k = check_positive_int("kernel_size", kernel_size)
        nb = check_positive_int("n_blocks", n_blocks)
        p = check_positive_int("pool_size", pool_size)
        s = check_positive_int("pool_stride", pool_stride)
        dims = check_int_tuple("fc_dims", fc_dims)
        self.length = check_length("KachueeCNN", length, self.min_length(
            n_blocks=nb, pool_size=p, pool_stride=s))
        self.conv = same_conv1d(c, nf, k)
        self.blocks = nn.Sequential(*(_KachueeBlock(nf, k, p, s) for _ in range(nb)))
        t = self.length
        for _ in range(nb):
            t = (t - p) // s + 1
        layers: list[nn.Module] = [nn.Flatten()]
        d = nf * t
        for w in dims:
            layers += [nn.Linear(d, w), nn.ReLU()]
            d = w
        self.fc = nn.Sequential(*layers)
        self.out_features = d

    @classmethod
    def min_length(cls, *, n_blocks: int = 5, pool_size: int = 5, pool_stride: int = 2,
                   **_: object) -> int:
        """Shortest series length these hyperparameters accept (125 for the defaults)."""
        m = 1
        for _ in range(n_blocks):
            m = (m - 1) * pool_stride + pool_size
        return m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.length:
            raise ModelError(f"KachueeCNN was built for length {self.length}, got input of shape "
                             f"{tuple(x.shape)}")
        return self.fc(self.blocks(self.conv(x)))
