"""Writing series and labels in the formats :func:`tsviz.data.load` reads back.

One writer for the app's downloads and the CLI's ``--out`` files, so that what one exports loads
again as a dataset (``npz:<file>``, ``csv:<file>``):

* **NPZ** (:func:`npz_bytes`, :func:`write_series`): ``X, y`` (or ``X_train, y_train, X_test,
  y_test`` when a test split is given), ``class_names``, ``fs``, ``unit`` and ``name`` — the keys
  :func:`tsviz.data.tabular.load_npz` reads — plus any ``extra`` arrays (the loader ignores them),
  such as the clean series, predictions and indices of an attack;
* **CSV** (:func:`csv_bytes`, :func:`write_series`): one series per row, values with 9 significant
  digits (float32 round-trips exactly), the label in the **last** column — the layout
  :func:`tsviz.data.tabular.load_csv` reads by default. Labels are written as class names when
  every name is plain text (no comma, semicolon, tab, quote, line break or surrounding blanks),
  otherwise as class indices. Multichannel series are written channel after channel in one row
  (they load back as one channel of length ``C * T``); NPZ keeps the channels.

Whether a written file *loads* as a dataset is up to the loader's rules: at least two classes and
not every class a single series (a test split is made from it).
"""
from __future__ import annotations

import io
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.core import as_labels, as_series
from tsviz.data.errors import DataError

__all__ = ["series_arrays", "npz_bytes", "csv_bytes", "write_series", "EXPORT_FORMATS", "LOADER_KEYS"]

#: Formats :func:`write_series` writes (file suffix without the dot).
EXPORT_FORMATS = ("npz", "csv")
#: NPZ keys the loader reads; ``extra`` arrays must not use them.
LOADER_KEYS = ("X_train", "y_train", "X_test", "y_test", "X", "y", "class_names", "fs", "unit", "name")
_UNSAFE_NAME = set(",;\t\"'\n\r")


def _series(X: Any, name: str) -> np.ndarray:
    arr = np.asarray(X)
    if arr.ndim == 2:  # (n, T): one channel
        arr = arr[:, None, :]
    return as_series(arr, name=name, error=DataError).cpu().numpy()


def _labels(y: Any, n: int, n_classes: int | None, name: str) -> np.ndarray:
    return as_labels(y, n, n_classes=n_classes, name=name, error=DataError).cpu().numpy()


def series_arrays(X: Any, y: Any, *, class_names: Sequence[str] | None = None, fs: float | None = None,
                  unit: str | None = None, name: str | None = None, X_test: Any = None, y_test: Any = None,
                  extra: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """The arrays of an NPZ export (checked), by key.

    Parameters
    ----------
    X : array-like, shape ``(n, C, T)`` or ``(n, T)``
        Series in signal units (real, finite; written as float32).
    y : array-like of int, shape ``(n,)``
        Class indices in ``[0, K)`` (``K = len(class_names)`` when given).
    class_names : sequence of str, optional
        Name of each class index.
    fs : float, optional
        Sampling frequency in Hz (written when given and > 0).
    unit : str, optional
        Unit of the values (mV, a.u.).
    name : str, optional
        Dataset name.
    X_test, y_test : array-like, optional
        A test split (both or neither): then the keys are ``X_train, y_train, X_test, y_test``,
        otherwise ``X, y`` (the loader then makes a seeded stratified test split).
    extra : mapping of str to array-like, optional
        More arrays to store (numbers or text; not objects), under keys not used by the loader.

    Raises
    ------
    DataError
        Bad series or labels (shape, dtype, NaN/Inf, label out of range), only one of
        ``X_test``/``y_test``, an ``extra`` key the loader reads, or an ``extra`` array of objects.
    """
    k = len(class_names) if class_names is not None else None
    Xa = _series(X, "X")
    ya = _labels(y, Xa.shape[0], k, "y")
    out: dict[str, np.ndarray] = {}
    if (X_test is None) != (y_test is None):
        raise DataError("give both X_test and y_test, or neither")
    if X_test is not None:
        Xt = _series(X_test, "X_test")
        if Xt.shape[1:] != Xa.shape[1:]:
            raise DataError(f"X_test series are {Xt.shape[1:]} (channels, T) but X series are {Xa.shape[1:]}")
        out.update(X_train=Xa, y_train=ya, X_test=Xt, y_test=_labels(y_test, Xt.shape[0], k, "y_test"))
    else:
        out.update(X=Xa, y=ya)
    if class_names is not None:
        out["class_names"] = np.array([str(c) for c in class_names])
    if fs:
        out["fs"] = np.float64(fs)
    if unit:
        out["unit"] = np.array(str(unit))
    if name:
        out["name"] = np.array(str(name))
    for key, value in (extra or {}).items():
        if key in LOADER_KEYS:
            raise DataError(f"extra array {key!r} would replace a key the loader reads ({', '.join(LOADER_KEYS)})")
        arr = np.asarray(value)
        if arr.dtype.kind not in "biufU":
            raise DataError(f"extra array {key!r} must hold numbers or text, got dtype {arr.dtype}")
        out[str(key)] = arr
    return out


def npz_bytes(X: Any, y: Any, **kwargs: Any) -> bytes:
    """A compressed NPZ archive of :func:`series_arrays` (same parameters), as bytes."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **series_arrays(X, y, **kwargs))
    return buf.getvalue()


def _plain_names(class_names: Sequence[str] | None) -> bool:
    return class_names is not None and all(
        str(c) and str(c) == str(c).strip() and not (_UNSAFE_NAME & set(str(c))) for c in class_names)


def csv_bytes(X: Any, y: Any, *, class_names: Sequence[str] | None = None) -> bytes:
    """One series per row, 9 significant digits, the label last (a name or a class index; see the
    module docstring); no header row. UTF-8 bytes.

    Raises
    ------
    DataError
        Bad series or labels (see :func:`series_arrays`).
    """
    Xa = _series(X, "X")
    ya = _labels(y, Xa.shape[0], len(class_names) if class_names is not None else None, "y")
    labels = [str(class_names[i]) for i in ya] if _plain_names(class_names) else [str(int(i)) for i in ya]
    flat = Xa.reshape(Xa.shape[0], -1)
    buf = io.StringIO()
    for row, label in zip(flat, labels):
        buf.write(",".join(f"{v:.9g}" for v in row.tolist()))
        buf.write(f",{label}\n")
    return buf.getvalue().encode("utf-8")


def write_series(path: str | os.PathLike, X: Any, y: Any, *, fmt: str | None = None, **kwargs: Any) -> Path:
    """Write series and labels to ``path`` as NPZ or CSV (atomically: a temporary file, then a rename).

    Parameters
    ----------
    path : path-like
        Where to write. NPZ: ``.npz`` is appended when missing (as :func:`numpy.savez` does).
    X, y
        See :func:`series_arrays`.
    fmt : {"npz", "csv"}, optional
        The format; default from the suffix of ``path`` (``.csv`` -> CSV, anything else NPZ).
    **kwargs
        ``class_names`` (both formats); ``fs``, ``unit``, ``name``, ``X_test``, ``y_test``,
        ``extra`` (NPZ only).

    Returns
    -------
    Path
        The file written.
    """
    p = Path(path)
    fmt = fmt or ("csv" if p.suffix.lower() == ".csv" else "npz")
    if fmt not in EXPORT_FORMATS:
        raise DataError(f"export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "npz":
        if p.suffix.lower() != ".npz":
            p = p.with_name(p.name + ".npz")
        data = npz_bytes(X, y, **kwargs)
    else:
        unused = sorted(set(kwargs) - {"class_names"})
        if unused:
            raise DataError(f"CSV export takes class_names only, not {unused}")
        data = csv_bytes(X, y, **kwargs)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{secrets.token_hex(6)}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
    return p
