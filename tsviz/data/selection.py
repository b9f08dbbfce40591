"""Choosing which series to work on (attack, certify, explain): random, by class, by correctness, or
given indices."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tsviz.core.validation import check_choice, check_int, check_seed
from tsviz.data.errors import DataError

__all__ = ["select_samples", "SELECTION_MODES", "MAX_SELECTED"]

SELECTION_MODES = ("random", "class", "correct", "misclassified", "indices")
#: Most series one selection returns (the families' own per-call caps apply on top).
MAX_SELECTED = 10_000


def select_samples(y: np.ndarray, *, mode: str = "random", n: int = 100, seed: int = 0,
                   class_index: int | None = None, predictions: np.ndarray | None = None,
                   indices: Sequence[int] | None = None) -> np.ndarray:
    """Indices (sorted, int64) of the series to attack.

    Parameters
    ----------
    y : ndarray (N,)
        True labels of the split.
    mode : str
        ``"random"`` (a seeded stratified-by-chance sample), ``"class"`` (only ``class_index``),
        ``"correct"`` / ``"misclassified"`` (by ``predictions``), ``"indices"`` (exactly ``indices``).
    n : int
        At most this many (1..:data:`MAX_SELECTED`); fewer when fewer qualify.
    seed : int
        Seed of the subsample (``>= 0``).

    Raises
    ------
    DataError
        Bad ``mode``, ``n``, ``seed``, ``class_index``, ``indices``, missing ``predictions``, or
        no series qualifying.
    """
    y = np.asarray(y)
    mode = check_choice("mode", mode, SELECTION_MODES, error=DataError)
    n = check_int("n", n, 1, MAX_SELECTED, error=DataError)
    seed = check_seed(seed, error=DataError)
    if mode == "indices":
        if indices is None or len(indices) == 0:
            raise DataError("mode 'indices' needs a non-empty list of indices")
        raw = np.asarray(indices)
        if raw.dtype == bool or raw.dtype.kind not in "iu":  # 1.7 is refused, never truncated to 1
            raise DataError(f"indices must be integers, got dtype {raw.dtype}")
        idx = raw.astype(np.int64).reshape(-1)
        bad = (idx < 0) | (idx >= y.size)
        if bad.any():
            raise DataError(f"index {int(idx[bad][0])} is outside [0, {y.size})")
        return np.unique(idx)[:n]
    pool = np.arange(y.size)
    if mode == "class":
        if isinstance(class_index, (bool, np.bool_)) or not isinstance(class_index, (int, np.integer)):
            raise DataError(f"mode 'class' needs an integer class_index, got {class_index!r}")
        pool = pool[y == class_index]
    elif mode in ("correct", "misclassified"):
        if predictions is None:
            raise DataError(f"mode {mode!r} needs the model's predictions")
        ok = np.asarray(predictions) == y
        pool = pool[ok if mode == "correct" else ~ok]
    if pool.size == 0:
        raise DataError(f"no series qualify for mode {mode!r}")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(pool, size=min(n, pool.size), replace=False)).astype(np.int64)
