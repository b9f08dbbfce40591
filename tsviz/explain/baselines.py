"""Reference inputs that stand in for removed time steps: zero, series mean, or a low-pass copy.

NeuroMask blends ``m * x + (1 - m) * b`` (dissertation ch. 5, section 5.4 multiplies by the mask,
i.e. ``b = 0``), and the deletion/insertion curves replace removed steps by the same ``b``, so all
explanation methods are judged against one definition of "removed".

* ``"zero"`` -- 0 in signal units (the isoelectric line of a baseline-corrected ECG; the paper's
  choice);
* ``"mean"`` -- each series' own mean, per channel;
* ``"blur"`` -- a low-pass copy: a centred moving average over ``blur_width`` steps (edges padded
  by replication), which keeps the slow wander and removes the shape of beats.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from tsviz.core import check_choice, check_int
from tsviz.explain.caps import CAPS, MAX_BLUR_WIDTH
from tsviz.explain.errors import ExplainError

__all__ = ["BASELINES", "MAX_BLUR_WIDTH", "make_baseline", "check_baseline"]

#: Names accepted by :func:`make_baseline`.
BASELINES = ("zero", "mean", "blur")


def check_baseline(baseline: str) -> str:
    """``baseline`` if it names one of :data:`BASELINES`, else :class:`ExplainError` naming the choices."""
    return check_choice("baseline", baseline, BASELINES, error=ExplainError)


def make_baseline(x: torch.Tensor, baseline: str = "zero", *, blur_width: int | None = None) -> torch.Tensor:
    """The reference series ``b`` for ``x``.

    Parameters
    ----------
    x : torch.Tensor ``(n, C, T)``, floating, signal units
    baseline : {"zero", "mean", "blur"}
    blur_width : int or None
        Moving-average width for ``"blur"`` in steps (odd is centred exactly); default
        ``max(3, T // 10)``, capped by ``T``; at most ``CAPS["blur_width"]``.

    Returns
    -------
    torch.Tensor ``(n, C, T)`` on ``x``'s device and dtype, no gradient.
    """
    check_baseline(baseline)
    if x.ndim != 3:
        raise ExplainError(f"x must have shape (n, channels, T), got {tuple(x.shape)}")
    x = x.detach()
    if baseline == "zero":
        return torch.zeros_like(x)
    if baseline == "mean":
        return x.mean(dim=2, keepdim=True).expand_as(x).clone()
    T = x.shape[2]
    if blur_width is None:
        blur_width = max(3, T // 10)
    blur_width = check_int("blur_width", blur_width, 1, CAPS["blur_width"], error=ExplainError)
    w = min(blur_width, T)
    left = (w - 1) // 2
    padded = F.pad(x.reshape(-1, 1, T), (left, w - 1 - left), mode="replicate")
    kernel = torch.full((1, 1, w), 1.0 / w, dtype=x.dtype, device=x.device)
    return F.conv1d(padded, kernel).reshape_as(x)
