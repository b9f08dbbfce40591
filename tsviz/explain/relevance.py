"""Relevance of each time step: the one reduction of an ``(n, C, T)`` explanation to ``(n, T)``.

Every explanation is compared per time step: NeuroMask learns one mask value per step, the
attributions give one value per channel and step, and the deletion/insertion curves rank steps.
:func:`relevance_per_step` is the single definition, ``sum_c |attr[:, c, t]|``, used by
:func:`tsviz.explain.explain_methods` and the faithfulness curves alike.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tsviz.explain.errors import ExplainError

__all__ = ["relevance_per_step", "relevance_rows"]


def relevance_per_step(attr: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """Relevance of each time step: ``sum_c |attr[:, c, t]|``.

    Absolute values are summed over channels, so a step counts as relevant whether its attribution
    is positive or negative and whichever channel carries it; the result is comparable with
    NeuroMask's per-step mask and is what the deletion/insertion curves rank.

    Parameters
    ----------
    attr : torch.Tensor or numpy.ndarray ``(n, C, T)``

    Returns
    -------
    Same kind as ``attr``, shape ``(n, T)``.
    """
    if not isinstance(attr, (torch.Tensor, np.ndarray)) or attr.ndim != 3:
        shape = tuple(attr.shape) if hasattr(attr, "shape") else type(attr).__name__
        raise ExplainError(f"attr must be an array of shape (n, channels, T), got {shape}")
    return attr.abs().sum(1) if isinstance(attr, torch.Tensor) else np.abs(attr).sum(1)


def relevance_rows(relevance: Any, n: int, T: int) -> np.ndarray:
    """``relevance`` as a finite float64 ``(n, T)`` array: ``(n, T)`` as given (signed values rank by
    value), ``(n, C, T)`` reduced by :func:`relevance_per_step`.

    Raises
    ------
    ExplainError
        Complex or non-numeric values, a shape other than ``(n, T)`` / ``(n, C, T)``, NaN or Inf.
    """
    if isinstance(relevance, torch.Tensor):
        relevance = relevance.detach().cpu().numpy()
    if np.iscomplexobj(relevance):
        raise ExplainError("relevance is complex; give real relevance values")
    try:
        r = np.asarray(relevance, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ExplainError(f"relevance must be a numeric array of shape (n, T) or (n, C, T), "
                           f"got {type(relevance).__name__}") from exc
    if r.ndim == 3:
        r = relevance_per_step(r)
    if r.ndim != 2 or r.shape != (n, T):
        raise ExplainError(f"relevance must have shape ({n}, {T}) or ({n}, C, {T}) to match x, "
                           f"got {np.shape(relevance)}")
    if not np.isfinite(r).all():
        raise ExplainError("relevance contains NaN or Inf")
    return r
