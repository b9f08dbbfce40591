"""Checks shared by every loader and generator; each failure raises :class:`DataError`.

Caps on what a loader builds (documented here, used by every loader): ``MAX_ROWS`` series per
split, ``MAX_LENGTH`` time steps, ``MAX_CHANNELS`` channels, ``MAX_VALUES`` values per array or
parsed table, ``MAX_LINE_CHARS`` characters per text line. Messages name files, keys, rows,
columns and parameters, and never repeat text read from a file (cell values, header text, label
names, folder listings): a file loaded by path on a shared server must not leak through errors.

Row and column numbers in messages are 1-based (as a spreadsheet shows them) and say which split
or file they refer to.

Scalar parameters go through :func:`float_param` / :func:`int_param`, thin wrappers of
:func:`tsviz.core.validation.check_real` / :func:`~tsviz.core.validation.check_int` with
``error=DataError`` that also accept numbers written as strings (options from the CLI).
"""
from __future__ import annotations

import math
import numbers
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.core.validation import check_int, check_real
from tsviz.data.errors import DataError

__all__ = [
    "DEFAULT_MAX_FILE_MB",
    "MAX_ROWS",
    "MAX_LENGTH",
    "MAX_CHANNELS",
    "MAX_VALUES",
    "MAX_LINE_CHARS",
    "float_param",
    "int_param",
    "split_params",
    "short_repr",
    "user_path",
    "path_kind",
    "check_file",
    "check_series",
    "check_shape",
    "check_labels",
    "encode_labels",
    "label_name",
]

#: Largest file a loader reads by default, in MiB (the Kaggle MIT-BIH train CSV is ~390 MiB).
DEFAULT_MAX_FILE_MB = 512


#: Most series (rows) a dataset split may hold.
MAX_ROWS = 1_000_000
#: Most time steps per series ``T``.
MAX_LENGTH = 100_000
#: Most channels per series.
MAX_CHANNELS = 1_024
#: Most values (series x channels x time steps) one array or parsed table may hold: 2**27, 512 MiB
#: as float32 (the Kaggle MIT-BIH train file holds 16.5 million).
MAX_VALUES = 2**27
#: Longest line a text loader reads, in characters (``MAX_LENGTH`` values of up to 80 characters).
MAX_LINE_CHARS = 80 * MAX_LENGTH


def float_param(name: str, value: Any, *, allow_none: bool = False, positive: bool = False,
                low: float | None = None, high: float | None = None, low_open: bool = False) -> float | None:
    """``value`` as a finite float (options may arrive as strings from the CLI).

    A string is parsed with :func:`float`; the number is then checked by
    :func:`tsviz.core.validation.check_real` (finite, not a boolean, within the bounds).

    Parameters
    ----------
    name : str
        Parameter name, used in the message.
    value : Any
        The value given.
    allow_none : bool
        Whether ``None`` is allowed (and returned).
    positive : bool
        Require ``value > 0`` (the same as ``low=0, low_open=True``).
    low, high : float, optional
        Bounds, inclusive (``low`` exclusive with ``low_open``).
    low_open : bool
        Exclude ``low`` itself.

    Returns
    -------
    float or None

    Raises
    ------
    DataError
        Not a number (booleans included), NaN/Inf, or out of bounds; the message names ``name``.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, (numbers.Real, bool, np.bool_)):
        try:
            value = float(value)
        except (TypeError, ValueError, OverflowError):
            raise DataError(f"{name} must be a number, got {short_repr(value)}") from None
    if positive:
        low, low_open = (0.0, True) if low is None or low <= 0 else (low, low_open)
    return check_real(name, value, low=low, high=high, low_open=low_open, error=DataError)


def int_param(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]`` (``3.0`` and ``"3"`` accepted; ``1.5``, ``True`` not).

    Checked by :func:`tsviz.core.validation.check_int`; DataError naming ``name`` otherwise.
    """
    if isinstance(value, (str, bytes)) or (isinstance(value, numbers.Real)
                                           and not isinstance(value, (numbers.Integral, bool, np.bool_))):
        try:
            f = float(value)
        except (TypeError, ValueError, OverflowError):
            raise DataError(f"{name} must be an integer, got {short_repr(value)}") from None
        if math.isfinite(f) and f.is_integer():
            value = int(f)
    if isinstance(value, (str, bytes)):
        raise DataError(f"{name} must be an integer, got {short_repr(value)}")
    return check_int(name, value, low, high, error=DataError)


def split_params(test_fraction: Any, seed: Any) -> tuple[float, int]:
    """Checked ``(test_fraction, seed)`` of a seeded train/test split: ``0 < test_fraction < 1``,
    ``seed`` an integer ``>= 0``; DataError naming the parameter otherwise."""
    tf = float_param("test_fraction", test_fraction)
    if not 0.0 < tf < 1.0:
        raise DataError(f"test_fraction must be between 0 and 1, got {tf:g}")
    return tf, int_param("seed", seed, low=0)


def short_repr(value: Any) -> str:
    """A parameter value for a message (the caller's own input, cut to 40 characters)."""
    r = repr(value)
    return r if len(r) <= 40 else r[:37] + "..."


def user_path(path: str | os.PathLike) -> Path:
    """``path`` as a :class:`Path` with ``~`` expanded.

    Raises :class:`DataError` naming the path when it is not a path (wrong type, NUL byte) or
    ``~user`` cannot be expanded (no such user, no home directory).
    """
    try:
        p = Path(path)
        s = str(p)
    except TypeError:
        raise DataError(f"a path must be a string, got {type(path).__name__}") from None
    if "\x00" in s:
        raise DataError(f"path {short_repr(s)} holds a NUL character")
    try:
        return p.expanduser()
    except (RuntimeError, KeyError, OSError, ValueError):
        raise DataError(f"path {short_repr(s)}: cannot expand '~' (no such user or no home directory)") from None


def path_kind(path: str | os.PathLike) -> str | None:
    """``"file"`` (regular file), ``"dir"``, or ``None`` when nothing is there (symlinks followed).

    Raises :class:`DataError` for anything else (FIFO, device, socket: opening one could block or
    read forever) and for a path that cannot be examined (permission, name too long, link loop).
    Never opens the path.
    """
    p = user_path(path)
    try:
        st = os.stat(p)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise DataError(f"{p}: cannot access the path ({reason})") from None
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    raise DataError(f"{p} is not a regular file or folder (a FIFO, device or socket); refused")


def check_file(path: str | os.PathLike, *, max_mb: float = DEFAULT_MAX_FILE_MB) -> Path:
    """Return ``path`` as a :class:`Path` after checking it is a non-empty regular file under the cap.

    Raises
    ------
    DataError
        Missing, a folder, not a regular file (FIFO, device, socket), empty, larger than ``max_mb``
        MiB, or ``max_mb`` not a finite positive number.
    """
    max_mb = float_param("max_mb", max_mb, positive=True)
    p = user_path(path)
    kind = path_kind(p)
    if kind is None:
        raise DataError(f"file not found: {p}")
    if kind == "dir":
        raise DataError(f"{p} is a folder, expected a file")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise DataError(f"{p}: cannot access the file ({exc.strerror or type(exc).__name__})") from None
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
    if X.dtype.kind == "c":
        raise DataError(f"{source}: series values are complex numbers; tsviz needs real values "
                        f"(take .real, .imag or abs() yourself)")
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
    check_shape(X.shape, source=source)
    with np.errstate(over="ignore", invalid="ignore"):
        X32 = np.ascontiguousarray(X, dtype=np.float32)
    finite = np.isfinite(X32)
    if not finite.all():
        row, ch, col = np.argwhere(~finite)[0]
        v = X[row, ch, col]
        what = "NaN value" if np.isnan(v) else "Inf value" if np.isinf(v) else "value too large for float32 (3.4e38)"
        where = f"row {row + 1}, time step {col + 1}" + (f", channel {ch + 1}" if X.shape[1] > 1 else "")
        raise DataError(f"{source}: {what} at {where} ({int((~finite).sum())} non-finite values in all)")
    return X32


def check_shape(shape: tuple[int, ...], *, source: str) -> None:
    """Hold a ``(n, channels, T)`` shape to :data:`MAX_ROWS`, :data:`MAX_CHANNELS`, :data:`MAX_LENGTH`
    and :data:`MAX_VALUES`; DataError naming ``source`` otherwise."""
    n, c, t = (int(v) for v in shape)
    for what, v, cap in (("series", n, MAX_ROWS), ("channels", c, MAX_CHANNELS), ("time steps", t, MAX_LENGTH)):
        if v > cap:
            raise DataError(f"{source}: {v} {what}, over the cap of {cap}")
    if n * c * t > MAX_VALUES:
        raise DataError(f"{source}: {n} x {c} x {t} values, over the cap of {MAX_VALUES} values")


def check_labels(y: np.ndarray, n_classes: int, *, n: int, source: str) -> np.ndarray:
    """Validate encoded labels: int64, shape ``(n,)``, values in ``[0, n_classes)``."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise DataError(f"{source}: expected {n} labels, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            if np.abs(y).max(initial=0) >= 2**62:
                raise DataError(f"{source}: labels are outside [0, {n_classes})")
            y = y.astype(np.int64)
        else:
            raise DataError(f"{source}: labels must be integers, got dtype {y.dtype}")
    if y.dtype == np.uint64 and y.size and y.max() > np.iinfo(np.int64).max:
        raise DataError(f"{source}: labels are outside [0, {n_classes})")
    y = y.astype(np.int64, copy=False)
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{source}: the label at row {i + 1} is outside [0, {n_classes})")
    return np.ascontiguousarray(y)


def label_name(value: object) -> str:
    """Readable class name for a raw label value (``1.0`` -> ``"1"``)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _label_keys(arr: np.ndarray, source: str) -> tuple[np.ndarray, list[str], bool]:
    """``(numbers, keys, all_numeric)`` of one label array, checked.

    ``numbers`` is float64 with NaN where a label is a name; ``keys`` the canonical text of each
    label (``"1"`` for ``1``, ``1.0``, ``"1.0"`` and ``" 1 "``), so one class is one key however the
    file writes it. Raises :class:`DataError` (naming the row, never the value) for a missing,
    non-finite, non-integral or empty label.
    """
    if arr.dtype.kind == "c":
        raise DataError(f"{source}: labels are complex numbers; labels must be integers or names")
    if arr.dtype.kind in "iuf":
        nums = arr.astype(np.float64).ravel()
        is_num = np.ones(nums.shape, dtype=bool)
        texts = None
    else:
        vals = arr.ravel().tolist()
        nums = np.full(len(vals), np.nan)
        is_num = np.zeros(len(vals), dtype=bool)
        texts = []
        for i, v in enumerate(vals):
            if isinstance(v, bytes):
                v = v.decode("utf-8", errors="replace")
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                t = ""
                nums[i], is_num[i] = float(v), True
            else:
                t = str(v).strip()
                try:
                    nums[i], is_num[i] = float(t), True
                except (ValueError, OverflowError):
                    pass
            texts.append(t)
    bad = is_num & ~np.isfinite(nums)
    if bad.any():
        raise DataError(f"{source}: missing or non-finite label at row {int(np.argmax(bad)) + 1}")
    bad = is_num & ((nums != np.round(nums)) | (np.abs(nums) > 2.0**53))
    if bad.any():
        raise DataError(
            f"{source}: the label at row {int(np.argmax(bad)) + 1} is a number but not an integer; "
            f"numeric labels must be integers (class names may be any text)"
        )
    if texts is None:
        keys = [str(int(v)) for v in nums.tolist()]
        return nums, keys, True
    keys = [str(int(nums[i])) if is_num[i] else t for i, t in enumerate(texts)]
    empty = [i for i, k in enumerate(keys) if not k]
    if empty:
        raise DataError(f"{source}: empty label at row {empty[0] + 1}")
    return nums, keys, bool(is_num.all())


def encode_labels(
    *label_arrays: Sequence | np.ndarray,
    source: str,
    class_names: Sequence[str] | None = None,
    min_classes: int = 2,
) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """Map raw labels (numbers or strings, possibly across several splits) to ``[0, K)``.

    Numeric labels must be integers (``1``, ``1.0`` and ``"1"`` are the same class ``"1"``); they
    are ordered numerically (so UCR labels ``-1, 1`` become ``0, 1``). When any label is a name,
    all labels are ordered lexically by their text (numbers written canonically). With
    ``class_names`` given, labels are looked up in that list instead. Messages name rows, never
    label values (they are file content).

    Returns
    -------
    encoded : list of ndarray
        One int64 array per input array.
    class_names : tuple of str
        Name of each class index.

    Raises
    ------
    DataError
        Empty labels, missing, non-finite or non-integral numeric labels, fewer than
        ``min_classes`` distinct labels, or a label not in the given ``class_names``.
    """
    raws = [np.asarray(a) for a in label_arrays]
    parts = []
    for arr in raws:
        if arr.size == 0:
            raise DataError(f"{source}: no labels")
        parts.append(_label_keys(arr, source))
    if class_names is not None:
        names = tuple(str(c) for c in class_names)
        lookup = {n: i for i, n in enumerate(names)}
        out = []
        for _, keys, _ in parts:
            idx = np.array([lookup.get(k, -1) for k in keys], dtype=np.int64)
            if (idx < 0).any():
                raise DataError(
                    f"{source}: the label at row {int(np.argmax(idx < 0)) + 1} is not one of the "
                    f"{len(names)} class names"
                )
            out.append(idx)
        return out, names
    if all(num for _, _, num in parts):
        uniq = np.unique(np.concatenate([n for n, _, _ in parts]))
        names = tuple(str(int(u)) for u in uniq.tolist())
        out = [np.searchsorted(uniq, n).astype(np.int64) for n, _, _ in parts]
    else:
        uniq_s = np.unique(np.array([k for _, keys, _ in parts for k in keys], dtype=object).astype(str))
        names = tuple(str(u) for u in uniq_s)
        out = [np.searchsorted(uniq_s, np.array(keys, dtype=str)).astype(np.int64) for _, keys, _ in parts]
    if len(names) < min_classes:
        raise DataError(
            f"{source}: found {len(names)} class; a classifier needs at least {min_classes} classes; "
            f"check the label column"
        )
    return out, names
