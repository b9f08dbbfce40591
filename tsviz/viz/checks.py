"""Input checks shared by the figure modules: each raises ValueError naming the parameter."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["check_vector", "check_items", "check_frame", "check_unit", "check_fs", "check_signal",
           "is_int", "check_channel"]


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


def check_unit(unit: Any) -> str:
    """``unit`` for an axis title: ``"signal units"`` when empty."""
    if not isinstance(unit, str):
        raise ValueError(f"unit must be a string, got {unit!r}")
    return unit or "signal units"


def check_fs(fs: Any) -> float | None:
    if fs is None:
        return None
    if isinstance(fs, (bool, np.bool_)) or not isinstance(fs, (int, float, np.integer, np.floating)) \
            or not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs must be a finite number > 0 (Hz) or None, got {fs!r}")
    return float(fs)


def check_signal(x: Any, name: str) -> np.ndarray:
    """``x`` ``(C, T)`` or ``(T,)`` as a finite float array ``(C, T)``; ValueError naming ``name``."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers of shape (C, T) or (T,)") from None
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"{name} must have shape (C, T) or (T,), got {np.shape(x)}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must hold finite values")
    return a


def is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def check_channel(channel: Any, C: int) -> int:
    if not is_int(channel) or not 0 <= int(channel) < C:
        raise ValueError(f"channel must be an integer in [0, {C}), got {channel!r}")
    return int(channel)
