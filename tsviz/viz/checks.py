"""Input checks shared by the figure modules: each raises ValueError naming the parameter."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["check_vector", "check_items", "check_frame"]


def check_vector(a: Any, name: str, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """``a`` as a finite, non-empty 1-D float array inside ``[lo, hi]``; ValueError naming ``name``."""
    try:
        v = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of numbers") from None
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"{name} must hold finite values")
    if (lo is not None and v.min() < lo - 1e-9) or (hi is not None and v.max() > hi + 1e-9):
        span = f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"
        raise ValueError(f"{name} must lie in {span}, got values in [{v.min():.4g}, {v.max():.4g}]")
    return v


def check_items(d: Any, name: str) -> list[tuple[str, Any]]:
    """``(label, value)`` pairs of a non-empty mapping."""
    if not isinstance(d, Mapping):
        raise ValueError(f"{name} must be a dict label -> array, got {type(d).__name__}")
    if not d:
        raise ValueError(f"{name} must not be empty")
    return [(str(k), v) for k, v in d.items()]


def check_frame(frame: Any, name: str, columns: Sequence[str]) -> "pd.DataFrame":
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(map(repr, missing))}")
    return frame
