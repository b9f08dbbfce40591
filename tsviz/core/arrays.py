"""Small array helpers shared across the package."""
from __future__ import annotations

import numpy as np

__all__ = ["readonly"]


def readonly(a: np.ndarray | None) -> np.ndarray | None:
    """A C-contiguous, read-only version of ``a`` (``None`` passes through).

    Results and datasets are shared by the app's caches; read-only arrays make accidental
    in-place edits fail loudly instead of corrupting what other users see.
    """
    if a is None:
        return None
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a
