"""Building blocks shared by the backbones: hyperparameter checks, 'same' convolutions, SE attention.

Every layer here maps ``(n, C, T)`` to ``(n, C', T')`` and uses no in-place operations, so input
gradients (``torch.autograd.grad`` w.r.t. the input) and double backward work.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from tsviz.core.validation import check_int
from tsviz.core.validation import check_probability as core_check_probability
from tsviz.models.errors import ModelError

__all__ = [
    "check_positive_int",
    "check_int_tuple",
    "check_probability",
    "check_length",
    "SameConv1d",
    "same_conv1d",
    "ConvBNReLU",
    "SqueezeExcite1d",
    "global_avg_pool",
]


# --------------------------------------------------------------------------------------------
# validation (tsviz.core.validation with the models family's error)


def check_positive_int(name: str, value: Any, *, minimum: int = 1, odd: bool = False) -> int:
    """Return ``int(value)`` if it is an integer ``>= minimum`` (bools rejected), else raise.

    Raises
    ------
    ModelError
        Naming ``name`` when ``value`` is not an integer, is below ``minimum``, or is even
        although ``odd`` is required.
    """
    v = check_int(name, value, minimum, error=ModelError)
    if odd and v % 2 == 0:
        raise ModelError(f"{name} must be odd, got {value!r}")
    return v


def check_int_tuple(name: str, value: Any, *, length: int | None = None, odd: bool = False,
                    allow_empty: bool = False) -> tuple[int, ...]:
    """Validate a sequence of positive ints and return it as a tuple.

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    value : sequence of int
        The value to check (a list or tuple; a bare int or a string is rejected).
    length : int, optional
        Required number of entries.
    odd : bool
        Require every entry to be odd (kernel sizes with symmetric 'same' padding).
    allow_empty : bool
        Accept an empty sequence.

    Raises
    ------
    ModelError
        Naming ``name`` (and the entry, ``name[i]``) when any condition fails.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ModelError(f"{name} must be a sequence of positive ints, got {value!r}")
    if length is not None and len(value) != length:
        raise ModelError(f"{name} must have {length} entries, got {len(value)}: {value!r}")
    if not value and not allow_empty:
        raise ModelError(f"{name} must not be empty")
    return tuple(check_positive_int(f"{name}[{i}]", v, odd=odd) for i, v in enumerate(value))


def check_probability(name: str, value: Any) -> float:
    """Return ``float(value)`` if it is a real number in ``[0, 1)``, else raise :class:`ModelError`."""
    return core_check_probability(name, value, open_high=True, error=ModelError)


def check_length(arch: str, length: Any, minimum: int = 1) -> int:
    """Validate the series length ``T`` for ``arch``; raises :class:`ModelError` naming ``length``."""
    length = check_int("length", length, error=ModelError)
    if length < minimum:
        raise ModelError(f"length must be >= {minimum} for {arch} with these hyperparameters, "
                         f"got {length}")
    return length


# --------------------------------------------------------------------------------------------
# layers


class SameConv1d(nn.Conv1d):
    """Stride-1 ``nn.Conv1d`` with 'same' padding: ``(n, C_in, T) -> (n, C_out, T)``.

    Odd kernels use symmetric zero padding ``k // 2``; even kernels pad ``(k - 1) // 2`` on the
    left and ``k // 2`` on the right, as Keras/TensorFlow 'same' does. (Explicit ``F.pad``
    instead of ``padding="same"``, which warns for even kernels.)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *,
                 bias: bool = True) -> None:
        symmetric = kernel_size % 2 == 1
        super().__init__(in_channels, out_channels, kernel_size,
                         padding=kernel_size // 2 if symmetric else 0, bias=bias)
        self._pad = None if symmetric else ((kernel_size - 1) // 2, kernel_size // 2)

    def extra_repr(self) -> str:
        extra = "" if self._pad is None else f", padding={self._pad} (same)"
        return super().extra_repr() + extra

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._pad is not None:
            x = F.pad(x, self._pad)
        return super().forward(x)


def same_conv1d(in_channels: int, out_channels: int, kernel_size: int, *,
                bias: bool = True) -> nn.Conv1d:
    """A :class:`SameConv1d`: stride 1, output length equal to the input length."""
    return SameConv1d(in_channels, out_channels, kernel_size, bias=bias)


class ConvBNReLU(nn.Sequential):
    """'Same' ``Conv1d`` -> ``BatchNorm1d`` -> optional ``ReLU``; ``(n, C_in, T) -> (n, C_out, T)``.

    The convolution has no bias (the batch norm's shift makes it redundant).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *,
                 relu: bool = True) -> None:
        layers: list[nn.Module] = [same_conv1d(in_channels, out_channels, kernel_size, bias=False),
                                   nn.BatchNorm1d(out_channels)]
        if relu:
            layers.append(nn.ReLU())
        super().__init__(*layers)


class SqueezeExcite1d(nn.Module):
    """Squeeze-and-excitation channel attention (Hu, Shen, Sun 2018, "Squeeze-and-excitation
    networks", CVPR) for ``(n, C, T)`` tensors.

    ``s = sigmoid(W2 relu(W1 mean_t(x)))`` with ``W1: C -> max(1, C // reduction)`` and
    ``W2`` back to ``C`` (no biases); returns ``x * s[..., None]``, same shape as ``x``.
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc = nn.Sequential(nn.Linear(channels, hidden, bias=False), nn.ReLU(),
                                nn.Linear(hidden, channels, bias=False), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc(x.mean(dim=-1)).unsqueeze(-1)


def global_avg_pool(x: torch.Tensor) -> torch.Tensor:
    """Global average pooling over time: ``(n, C, T) -> (n, C)``."""
    return x.mean(dim=-1)
