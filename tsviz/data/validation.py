"""Checks shared by every loader and generator; each failure raises :class:`DataError`.

Row and column numbers in messages are 1-based (as a spreadsheet shows them) and say which split
or file they refer to.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tsviz.data.errors import DataError

__all__ = [
    "DEFAULT_MAX_FILE_MB",
    "check_file",
    "check_series",
    "check_labels",
    "encode_labels",
    "label_name",
]

#: Largest file a loader reads by default, in MiB (the Kaggle MIT-BIH train CSV is ~390 MiB).
DEFAULT_MAX_FILE_MB = 512


def check_file(path: str | os.PathLike, *, max_mb: float = DEFAULT_MAX_FILE_MB) -> Path:
    """Return ``path`` as a :class:`Path` after checking it exists, is a non-empty file under the cap.

    Raises
    ------
    DataError
        Missing, a directory, empty, or larger than ``max_mb`` MiB.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise DataError(f"file not found: {p}")
    if p.is_dir():
        raise DataError(f"{p} is a folder, expected a file")
    size = p.stat().st_size
    if size == 0:
        raise DataError(f"{p} is empty (0 bytes)")
    if size > max_mb * 1024 * 1024:
        raise DataError(
            f"{p} is {size / 2**20:.1f} MiB, over the {max_mb:g} MiB cap; "
            f"pass a larger max_mb if you mean it"
        )
    return p


def check_series(X: np.ndarray, *, source: str) -> np.ndarray:
    """Validate a series array and return it as C-contiguous float32 ``(n, channels, T)``.

    A 2-D array ``(n, T)`` is read as one channel. Raises :class:`DataError` for an empty array,
    the wrong number of dimensions, non-numeric values or NaN/Inf (naming the first bad row and
    column, 1-based).
    """
    X = np.asarray(X)
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise DataError(f"{source}: series values must be numeric, got dtype {X.dtype}")
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3:
        raise DataError(f"{source}: expected series of shape (n, channels, T) or (n, T), got shape {X.shape}")
    if X.shape[0] == 0:
        raise DataError(f"{source}: no series (0 rows)")
    if X.shape[1] == 0 or X.shape[2] == 0:
        raise DataError(f"{source}: series have no values (shape {X.shape})")
    X = np.ascontiguousarray(X, dtype=np.float32)
    finite = np.isfinite(X)
    if not finite.all():
        row, ch, col = np.argwhere(~finite)[0]
        what = "NaN" if np.isnan(X[row, ch, col]) else "Inf"
        where = f"row {row + 1}, time step {col + 1}" + (f", channel {ch + 1}" if X.shape[1] > 1 else "")
        raise DataError(f"{source}: {what} value at {where} ({int((~finite).sum())} non-finite values in all)")
    return X


def check_labels(y: np.ndarray, n_classes: int, *, n: int, source: str) -> np.ndarray:
    """Validate encoded labels: int64, shape ``(n,)``, values in ``[0, n_classes)``."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise DataError(f"{source}: expected {n} labels, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise DataError(f"{source}: labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64, copy=False)
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{source}: label {y[i]} at row {i + 1} is outside [0, {n_classes})")
    return np.ascontiguousarray(y)


def label_name(value: object) -> str:
    """Readable class name for a raw label value (``1.0`` -> ``"1"``)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _is_numeric_label(v: object) -> bool:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return True
    try:
        float(str(v))
        return True
    except ValueError:
        return False


def encode_labels(
    *label_arrays: Sequence | np.ndarray,
    source: str,
    class_names: Sequence[str] | None = None,
    min_classes: int = 2,
) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """Map raw labels (numbers or strings, possibly across several splits) to ``[0, K)``.

    Numeric labels are ordered numerically (so UCR labels ``-1, 1`` become ``0, 1``), others
    lexically. With ``class_names`` given, labels are looked up in that list instead.

    Returns
    -------
    encoded : list of ndarray
        One int64 array per input array.
    class_names : tuple of str
        Name of each class index.

    Raises
    ------
    DataError
        Empty labels, missing values, fewer than ``min_classes`` distinct labels, or a label not in
        the given ``class_names``.
    """
    raws = [np.asarray(a) for a in label_arrays]
    for arr in raws:
        if arr.size == 0:
            raise DataError(f"{source}: no labels")
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            i = int(np.argmax(~np.isfinite(arr)))
            raise DataError(f"{source}: missing or non-finite label at row {i + 1}")
    if class_names is not None:
        names = tuple(str(c) for c in class_names)
        lookup = {n: i for i, n in enumerate(names)}
        out = []
        for arr in raws:
            keys = [label_name(v) for v in arr.tolist()]
            missing = [k for k in keys if k not in lookup]
            if missing:
                raise DataError(f"{source}: label {missing[0]!r} is not one of the classes {list(names)}")
            out.append(np.array([lookup[k] for k in keys], dtype=np.int64))
        return out, names
    everything = np.concatenate([a.ravel() for a in raws])
    values = everything.tolist()
    if all(_is_numeric_label(v) for v in values):
        as_float = np.array([float(v) for v in values], dtype=np.float64)
        if not np.all(np.isfinite(as_float)):
            raise DataError(f"{source}: missing or non-finite label")
        uniq = np.unique(as_float)
        names = tuple(label_name(u) for u in uniq)
        out, start = [], 0
        for arr in raws:
            part = as_float[start:start + arr.size]
            start += arr.size
            out.append(np.searchsorted(uniq, part).astype(np.int64))
    else:
        strs = np.array([str(v).strip() for v in values])
        if np.any(strs == ""):
            i = int(np.argmax(strs == ""))
            raise DataError(f"{source}: empty label at row {i + 1}")
        uniq = np.unique(strs)
        names = tuple(str(u) for u in uniq)
        out, start = [], 0
        for arr in raws:
            part = strs[start:start + arr.size]
            start += arr.size
            out.append(np.searchsorted(uniq, part).astype(np.int64))
    if len(names) < min_classes:
        raise DataError(
            f"{source}: found {len(names)} class ({', '.join(names)}); a classifier needs at least "
            f"{min_classes} classes; check the label column"
        )
    return out, names
