"""InceptionTime (a single network, not the ensemble) of Ismail Fawaz et al. (2020)."""
from __future__ import annotations

import torch
from torch import nn

from tsviz.models.networks.layers import check_length, check_positive_int, global_avg_pool, same_conv1d

__all__ = ["InceptionTime"]


def inception_kernel_sizes(kernel_size: int) -> tuple[int, int, int]:
    """Branch kernel sizes ``kernel_size // 2**i`` for ``i = 0, 1, 2``, each made odd by
    subtracting one when even (40 -> (39, 19, 9)), so that 'same' padding is symmetric."""
    sizes = [kernel_size // 2 ** i for i in range(3)]
    return tuple(k - 1 if k % 2 == 0 else k for k in sizes)  # type: ignore[return-value]


class _InceptionModule(nn.Module):
    """Bottleneck 1x1 conv -> three parallel convs, plus maxpool(3) -> 1x1 conv; concat, BN, ReLU.

    ``(n, C_in, T) -> (n, 4 * n_filters, T)``. The bottleneck is skipped when ``C_in == 1``
    (as in the reference implementation).
    """

    def __init__(self, in_channels: int, n_filters: int, bottleneck: int,
                 kernel_sizes: tuple[int, ...]) -> None:
        super().__init__()
        if in_channels > 1:
            self.bottleneck = same_conv1d(in_channels, bottleneck, 1, bias=False)
            c = bottleneck
        else:
            self.bottleneck = nn.Identity()
            c = in_channels
        self.convs = nn.ModuleList(same_conv1d(c, n_filters, k, bias=False) for k in kernel_sizes)
        self.pool = nn.MaxPool1d(3, stride=1, padding=1)
        self.pool_conv = same_conv1d(in_channels, n_filters, 1, bias=False)
        self.bn = nn.BatchNorm1d(n_filters * (len(kernel_sizes) + 1))
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.bottleneck(x)
        branches = [conv(z) for conv in self.convs]
        branches.append(self.pool_conv(self.pool(x)))
        return self.act(self.bn(torch.cat(branches, dim=1)))


class _Shortcut(nn.Module):
    """``relu(BN(conv1x1(res)) + out)``: the residual connection every third module."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = same_conv1d(in_channels, out_channels, 1, bias=False)
        self.bn = nn.BatchNorm1d(out_channels)
        self.act = nn.ReLU()

    def forward(self, res: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(res)) + out)


class InceptionTime(nn.Module):
    """One InceptionTime network: ``depth`` inception modules with residual shortcuts, GAP.

    Ismail Fawaz, H., Lucas, B., Forestier, G., Pelletier, C., Schmidt, D. F., Weber, J.,
    Webb, G. I., Idoumghar, L., Muller, P.-A., Petitjean, F. (2020). "InceptionTime: Finding
    AlexNet for time series classification." Data Mining and Knowledge Discovery 34, 1936-1962.

    Parameters
    ----------
    in_channels : int
        Number of input channels ``C``.
    length : int
        Series length ``T`` (any ``T >= 1``: convolutions and pooling use 'same' padding).
    depth : int, default 6
        Number of inception modules; a residual shortcut (1x1 conv + BN) closes every third.
    n_filters : int, default 32
        Filters per branch; each module outputs ``4 * n_filters`` channels.
    bottleneck : int, default 32
        Channels of the 1x1 bottleneck convolution (skipped for single-channel module inputs).
    kernel_size : int, default 40
        Largest kernel size (>= 4); the branches use ``kernel_size // 2**i`` made odd, i.e.
        (39, 19, 9) by default (the paper's 40, 20, 10 minus one, for symmetric padding).

    Attributes
    ----------
    out_features : int
        ``4 * n_filters`` (128 by default).

    Notes
    -----
    ``forward``: ``(n, C, T)`` float -> ``(n, out_features)`` (penultimate features). This is a
    single network; the paper's InceptionTime is an ensemble of five of them.
    """

    def __init__(self, in_channels: int, length: int, *, depth: int = 6, n_filters: int = 32,
                 bottleneck: int = 32, kernel_size: int = 40) -> None:
        super().__init__()
        c = check_positive_int("in_channels", in_channels)
        self.length = check_length("InceptionTime", length)
        self.depth = depth
        self.n_filters = n_filters
        self.bottleneck = bottleneck
        self.kernel_size = kernel_size
        d = check_positive_int("depth", depth)
        nf = check_positive_int("n_filters", n_filters)
        nb = check_positive_int("bottleneck", bottleneck)
        kernels = inception_kernel_sizes(check_positive_int("kernel_size", kernel_size, minimum=4))
        width = 4 * nf
        self.inception = nn.ModuleList()
        self.shortcuts = nn.ModuleList()
        res_c = c
        for i in range(d):
            self.inception.append(_InceptionModule(c, nf, nb, kernels))
            c = width
            if i % 3 == 2:
                self.shortcuts.append(_Shortcut(res_c, width))
                res_c = width
        self.out_features = width

    @classmethod
    def min_length(cls, **hparams: object) -> int:
        """Shortest series length accepted: 1 (all convolutions and poolings are padded)."""
        return 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = x
        for i, module in enumerate(self.inception):
            x = module(x)
            if i % 3 == 2:
                x = self.shortcuts[i // 3](res, x)
                res = x
        return global_avg_pool(x)
