"""Budgets (attack ``eps``, smoothing ``sigma``, step sizes) checked against the data's scale.

A budget is in the signal's units (mV for ECG). One far beyond the data's amplitude is never what a
user meant (``eps = 1e300`` overflows float32 and yields infinite series), so budgets are held to
:data:`MAX_BUDGET_RATIO` times the data's scale, and for L2 budgets to that times ``sqrt(C T)``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from tsviz.core.errors import TsvizError

__all__ = ["MAX_BUDGET_RATIO", "data_scale", "budget_limit", "check_budget"]

#: Largest budget accepted, as a multiple of the data's scale (:func:`data_scale`).
MAX_BUDGET_RATIO = 100.0
#: Scale assumed for all-zero data.
_ZERO_DATA_SCALE = 1.0


def data_scale(x: torch.Tensor | np.ndarray) -> float:
    """The data's amplitude scale: ``max(max|x|, max x - min x)`` over all of ``x`` (signal units);
    1.0 for all-zero data."""
    t = torch.as_tensor(x)
    if t.numel() == 0:
        return _ZERO_DATA_SCALE
    t = t.detach().to(torch.float64)
    s = max(float(t.abs().max()), float(t.max() - t.min()))
    return s if s > 0 and math.isfinite(s) else _ZERO_DATA_SCALE


def budget_limit(x: torch.Tensor | np.ndarray, norm: str = "inf") -> float:
    """Largest budget accepted for data ``x`` ``(n, C, T)`` under ``norm`` (``"inf"`` or ``"l2"``)."""
    lim = MAX_BUDGET_RATIO * data_scale(x)
    if norm in ("l2", 2, "2"):
        t = torch.as_tensor(x)
        lim *= math.sqrt(max(int(np.prod(t.shape[1:])), 1))
    return lim


def check_budget(name: str, value: Any, x: torch.Tensor | np.ndarray, *, norm: str = "inf",
                 allow_zero: bool = False, error: type[TsvizError] = TsvizError) -> float:
    """``value`` as a float after checking it is finite, positive and within :func:`budget_limit`.

    Parameters
    ----------
    name : str
        Parameter name for the message (``"eps"``, ``"sigma"``).
    value : float
        The budget in signal units.
    x : Tensor or ndarray, shape ``(n, C, T)``
        The data the budget applies to.
    norm : {"inf", "l2"}
        The budget's norm (L2 budgets scale with ``sqrt(C T)``).
    allow_zero : bool
        Accept 0.
    error : type
        The family's error class.
    """
    ok = (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
          and math.isfinite(float(value)))
    if not ok or (float(value) < 0 if allow_zero else float(value) <= 0):
        raise error(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    lim = budget_limit(x, norm)
    if float(value) > lim:
        raise error(f"{name} = {float(value):g} is far beyond the data's scale ({data_scale(x):.4g} in signal "
                    f"units); use at most {lim:.4g} ({MAX_BUDGET_RATIO:g} x the scale"
                    f"{' x sqrt(C T)' if norm in ('l2', 2, '2') else ''})")
    return float(value)
