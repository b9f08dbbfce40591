"""Checks every capability family applies to the series and labels it is given.

One set of rules for attacks, certification, explanations and augmentations:

* series ``x`` ``(n, C, T)``: numpy or torch, real (complex is refused, never silently truncated),
  cast to float32 (numpy and torch float64 alike), finite after the cast (values beyond float32's
  range are refused), and matching the channels and length the model was built for;
* labels ``y`` ``(n,)``: integers only (float labels are refused, not truncated), in ``[0, K)``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tsviz.core.errors import TsvizError

__all__ = ["as_series", "as_labels", "expected_input", "check_model_input"]

_F32_MAX = float(np.finfo(np.float32).max)


def as_series(x: Any, *, name: str = "x", error: type[TsvizError] = TsvizError,
              max_series: int | None = None) -> torch.Tensor:
    """``x`` as a float32 tensor ``(n, C, T)`` on its own device (numpy goes to CPU).

    Parameters
    ----------
    x : array-like or Tensor, shape ``(n, C, T)``
        Real, finite series in the signal's units.
    name : str
        The parameter's name in messages.
    error : type
        The family's error class.
    max_series : int, optional
        Largest ``n`` accepted.

    Raises
    ------
    error
        Wrong rank, no series, complex/boolean/object values, NaN/Inf, or values beyond float32.
    """
    if isinstance(x, torch.Tensor):
        t = x.detach()
        if t.is_complex():
            raise error(f"{name} is complex ({t.dtype}); give real-valued series")
        if t.dtype == torch.bool:
            raise error(f"{name} must be real numbers, got a boolean tensor")
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError) as exc:
            raise error(f"{name} is not an array of numbers: {exc}") from None
        if np.iscomplexobj(arr):
            raise error(f"{name} is complex ({arr.dtype}); give real-valued series")
        if arr.dtype == bool or arr.dtype.kind not in "iuf":
            raise error(f"{name} must be real numbers, got dtype {arr.dtype}")
        if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
            raise error(f"{name} contains NaN or Inf")
        if arr.size and arr.dtype.itemsize > 4 and float(np.abs(arr).max()) > _F32_MAX:
            raise error(f"{name} has values beyond float32's range (|x| > 3.4e38)")
        t = torch.from_numpy(np.array(arr, dtype=np.float32, copy=True))
    if t.ndim != 3:
        raise error(f"{name} must have shape (n, channels, T), got {tuple(t.shape)}")
    if t.shape[0] == 0 or t.shape[1] == 0 or t.shape[2] == 0:
        raise error(f"{name} is empty: shape {tuple(t.shape)}")
    if max_series is not None and t.shape[0] > max_series:
        raise error(f"at most {max_series} series per call in {name}, got {t.shape[0]}")
    was_finite = bool(torch.isfinite(t).all()) if t.is_floating_point() else True
    if not was_finite:
        raise error(f"{name} contains NaN or Inf")
    if t.dtype != torch.float32 and t.numel() and float(t.abs().max()) > _F32_MAX:
        raise error(f"{name} has values beyond float32's range (|x| > 3.4e38)")
    t = t.to(torch.float32)
    if not bool(torch.isfinite(t).all()):
        raise error(f"{name} has values beyond float32's range (|x| > 3.4e38)")
    return t


def as_labels(y: Any, n: int, *, n_classes: int | None = None, name: str = "y",
              error: type[TsvizError] = TsvizError, device: torch.device | str | None = None) -> torch.Tensor:
    """``y`` as an int64 tensor ``(n,)``; integer dtypes only, each label in ``[0, n_classes)``.

    Raises
    ------
    error
        Float, boolean or complex labels (never truncated), wrong length, or labels out of range.
    """
    if isinstance(y, torch.Tensor):
        t = y.detach()
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise error(f"{name} must hold integer class labels, got dtype {t.dtype}")
    else:
        arr = np.asarray(y)
        if arr.dtype == bool or arr.dtype.kind not in "iu":
            raise error(f"{name} must hold integer class labels, got dtype {arr.dtype}")
        t = torch.from_numpy(arr.astype(np.int64))
    t = t.reshape(-1).to(torch.int64)
    if device is not None:
        t = t.to(device)
    if t.shape[0] != n:
        raise error(f"{name} has {t.shape[0]} labels for {n} series")
    if n_classes is not None and t.numel() and bool(((t < 0) | (t >= n_classes)).any()):
        bad = int(((t < 0) | (t >= n_classes)).nonzero()[0])
        raise error(f"{name}[{bad}] = {int(t[bad])} is not a class label in [0, {n_classes})")
    return t


def expected_input(model: torch.nn.Module) -> tuple[int | None, int | None]:
    """``(channels, length)`` the model was built for, from ``model.hparams`` (tsviz networks);
    ``(None, None)`` for a module that does not say."""
    hp = getattr(model, "hparams", None)
    if not isinstance(hp, dict):
        return None, None
    c, t = hp.get("in_channels"), hp.get("length")
    return (c if isinstance(c, int) else None), (t if isinstance(t, int) else None)


def check_model_input(model: torch.nn.Module, x: torch.Tensor, *, name: str = "x",
                      error: type[TsvizError] = TsvizError) -> None:
    """Raise ``error`` when ``x`` ``(n, C, T)`` does not have the channels and length ``model`` expects.

    The message names both shapes, instead of the raw convolution error PyTorch would give.
    """
    c, t = expected_input(model)
    if c is not None and x.shape[1] != c:
        raise error(f"{name} has {x.shape[1]} channel(s) but the model expects {c}")
    if t is not None and x.shape[2] != t:
        raise error(f"{name} has length {x.shape[2]} but the model expects series of length {t}")
