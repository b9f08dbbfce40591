"""What a review looks at: pairs of clean and adversarial series, checked, from any source.

* :func:`check_pair` — clean and adversarial series as float64 ``(n, C, T)`` arrays in mV, checked
  (real, finite, same shape, within the caps), for the metrics and the figures.
* :class:`ReviewSet` — the series under review with what is known about them: sampling rate,
  unit, labels, class names, and where they come from (dataset spec, split, indices, model,
  attack), whichever source handed them over (the Attack page, a stored run, an uploaded file).
* :func:`read_review_npz` — an uploaded ``.npz`` file, read as hostile input: no pickles, a size
  cap on the file and on every array before it is decompressed, shapes, dtypes and NaN checked,
  each message naming the key.
"""
from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.review.caps import MAX_NPZ_MB, MAX_SERIES
from tsviz.review.errors import ReviewError

__all__ = ["ReviewSet", "check_pair", "unit_factor", "read_review_npz", "review_set", "NPZ_KEYS", "MV_UNITS"]

#: Most values per series array (series x channels x time steps).
MAX_VALUES = 50_000_000
#: Units a review reads in millivolts, and their factor to mV.
MV_UNITS = {"mv": 1.0, "µv": 1e-3, "μv": 1e-3, "uv": 1e-3, "v": 1e3}
#: Keys read from a review NPZ: each role, and the names it may have (the Attack page's export
#: writes ``x``, ``x_adv``, ``y``, ``clean_pred``, ``adv_pred``, ``indices``).
NPZ_KEYS: dict[str, tuple[str, ...]] = {
    "clean": ("clean", "x"),
    "adversarial": ("adversarial", "x_adv"),
    "labels": ("labels", "y"),
    "fs": ("fs",),
    "unit": ("unit",),
    "class_names": ("class_names",),
    "indices": ("indices",),
}


def unit_factor(unit: Any, *, name: str = "unit") -> float:
    """The factor from ``unit`` to mV (``"mV"`` 1, ``"µV"``/``"uV"`` 1e-3, ``"V"`` 1e3).

    Raises
    ------
    ReviewError
        Any other unit (``"a.u."``: the microvolt figures and ECG paper need a physical unit).
    """
    if not isinstance(unit, str) or unit.strip().lower() not in MV_UNITS:
        shown = unit if isinstance(unit, str) and len(unit) <= 20 and unit.isprintable() else type(unit).__name__
        raise ReviewError(f"{name} must be mV, µV or V for a clinical review (values in microvolts, ECG paper), "
                          f"got {shown!r}")
    return MV_UNITS[unit.strip().lower()]


def _series(a: Any, name: str) -> np.ndarray:
    if isinstance(a, (str, bytes)) or a is None:
        raise ReviewError(f"{name} must be an array of numbers (n, channels, T), got {type(a).__name__}")
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError):
        raise ReviewError(f"{name} must be an array of numbers (n, channels, T)") from None
    if np.iscomplexobj(arr):
        raise ReviewError(f"{name} is complex ({arr.dtype}); give real-valued series")
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise ReviewError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[None, None]
    elif arr.ndim == 2:
        arr = arr[:, None]
    if arr.ndim != 3:
        raise ReviewError(f"{name} must have shape (n, channels, T), (n, T) or (T,), got {arr.shape}")
    if 0 in arr.shape:
        raise ReviewError(f"{name} is empty: shape {arr.shape}")
    if arr.shape[0] > MAX_SERIES:
        raise ReviewError(f"{name} holds {arr.shape[0]} series; a review takes at most {MAX_SERIES}")
    if arr.size > MAX_VALUES:
        raise ReviewError(f"{name} holds {arr.size} values; a review takes at most {MAX_VALUES}")
    out = arr.astype(np.float64)
    if not np.isfinite(out).all():
        i = int(np.argwhere(~np.isfinite(out))[0][0])
        raise ReviewError(f"{name} contains NaN or Inf (series {i})")
    return out


def check_pair(clean: Any, adversarial: Any, *, unit: str = "mV") -> tuple[np.ndarray, np.ndarray]:
    """``(clean, adversarial)`` as float64 ``(n, C, T)`` arrays in mV.

    Parameters
    ----------
    clean, adversarial : array-like, shape ``(n, C, T)``, ``(n, T)`` or ``(T,)``
        Real, finite series in ``unit``, the same shape.
    unit : str
        ``"mV"``, ``"µV"``/``"uV"`` or ``"V"``.

    Raises
    ------
    ReviewError
        Non-numeric, complex, NaN/Inf, empty or over-cap arrays, different shapes, another unit.
    """
    factor = unit_factor(unit)
    c = _series(clean, "clean")
    a = _series(adversarial, "adversarial")
    if c.shape != a.shape:
        raise ReviewError(f"adversarial has shape {a.shape} but clean has {c.shape}; they must match")
    c, a = c * factor, a * factor
    if not (np.isfinite(c).all() and np.isfinite(a).all()):
        raise ReviewError("clean and adversarial overflow when converted to mV")
    return c, a


def _readonly(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class ReviewSet:
    """Clean and adversarial series under review, and what is known about them.

    Parameters
    ----------
    clean, adversarial : ndarray, float32, shape ``(n, C, T)``
        The series in ``unit`` (read-only).
    fs : float or None
        Sampling frequency in Hz (``None``: no time axis; no ECG paper).
    unit : str
        Unit of the values (``"mV"`` for ECG).
    labels : ndarray, int64, shape ``(n,)``, optional
        True class of each series (indices into ``class_names``).
    class_names : tuple of str, optional
    source : str
        Where the series come from, for people ("PGD on 8 test series of synthetic-ecg").
    spec, split : str, optional
        The dataset spec and split the clean series were taken from.
    indices : ndarray, int64, shape ``(n,)``, optional
        Index of each series in that split (what puts a beat back into its recording).
    model : str, optional
        Checkpoint (stem) the adversarial series were made for.
    channel_names : tuple of str, optional
    info : mapping
        Anything else worth showing (attack name and parameters, run id).
    """

    clean: np.ndarray
    adversarial: np.ndarray
    fs: float | None = None
    unit: str = "mV"
    labels: np.ndarray | None = None
    class_names: tuple[str, ...] | None = None
    source: str = ""
    spec: str | None = None
    split: str | None = None
    indices: np.ndarray | None = None
    model: str | None = None
    channel_names: tuple[str, ...] | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        c, a = _series(self.clean, "clean"), _series(self.adversarial, "adversarial")
        if c.shape != a.shape:
            raise ReviewError(f"adversarial has shape {a.shape} but clean has {c.shape}; they must match")
        if self.fs is not None:
            if isinstance(self.fs, (bool, np.bool_)) or not isinstance(self.fs, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(float(self.fs)) or float(self.fs) <= 0:
                raise ReviewError(f"fs must be a finite sampling frequency > 0 in Hz, or None, got {self.fs!r}")
            object.__setattr__(self, "fs", float(self.fs))
        n = c.shape[0]
        names = None if self.class_names is None else tuple(str(v) for v in self.class_names)
        object.__setattr__(self, "class_names", names)
        for key in ("labels", "indices"):
            v = getattr(self, key)
            if v is None:
                continue
            arr = np.asarray(v)
            if arr.dtype == bool or arr.dtype.kind not in "iu":
                raise ReviewError(f"{key} must hold integers, got dtype {arr.dtype}")
            arr = arr.reshape(-1).astype(np.int64)
            if arr.shape[0] != n:
                raise ReviewError(f"{key} has {arr.shape[0]} entries for {n} series")
            if key == "labels" and names is not None and ((arr < 0) | (arr >= len(names))).any():
                i = int(np.argmax((arr < 0) | (arr >= len(names))))
                raise ReviewError(f"labels[{i}] = {int(arr[i])} is not a class index in [0, {len(names)})")
            if key == "indices" and (arr < 0).any():
                raise ReviewError("indices must be non-negative series indices")
            object.__setattr__(self, key, _readonly(arr))
        object.__setattr__(self, "clean", _readonly(c.astype(np.float32)))
        object.__setattr__(self, "adversarial", _readonly(a.astype(np.float32)))
        object.__setattr__(self, "unit", str(self.unit))
        if self.channel_names is not None:
            object.__setattr__(self, "channel_names", tuple(str(v) for v in self.channel_names))
        object.__setattr__(self, "info", dict(self.info))  # a plain dict: st.cache_data pickles the set

    @property
    def n(self) -> int:
        """Number of series."""
        return int(self.clean.shape[0])

    @property
    def n_channels(self) -> int:
        return int(self.clean.shape[1])

    @property
    def length(self) -> int:
        return int(self.clean.shape[2])

    def digest(self) -> str:
        """16 hex digits of SHA-256 over both arrays (a cache key for the set)."""
        h = hashlib.sha256()
        for a in (self.clean, self.adversarial):
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
        return h.hexdigest()[:16]

    def label_name(self, i: int) -> str | None:
        """The true class of series ``i`` by name (or index), ``None`` when unknown."""
        if self.labels is None:
            return None
        k = int(self.labels[i])
        return self.class_names[k] if self.class_names is not None else str(k)

    def channel_name(self, channel: int = 0) -> str:
        """The lead's name for labels on paper (``"ECG"`` when unknown)."""
        if self.channel_names and 0 <= channel < len(self.channel_names):
            return self.channel_names[channel]
        return "ECG" if self.n_channels == 1 else f"channel {channel}"


def review_set(clean: Any, adversarial: Any, **kwargs: Any) -> ReviewSet:
    """A :class:`ReviewSet` (keyword arguments as its fields)."""
    return ReviewSet(clean, adversarial, **kwargs)


# ----------------------------------------------------------------------------- NPZ upload
def _scalar(arr: np.ndarray, key: str, where: str) -> Any:
    a = np.asarray(arr)
    if a.size != 1:
        raise ReviewError(f"{where}: key {key!r} must hold a single value, got shape {a.shape}")
    return a.reshape(()).item()


def _text(arr: np.ndarray, key: str, where: str) -> str:
    v = _scalar(arr, key, where)
    if isinstance(v, bytes):
        v = v.decode("utf-8", errors="replace")
    if not isinstance(v, str) or len(v) > 40 or not v.isprintable():
        raise ReviewError(f"{where}: key {key!r} must be printable text of at most 40 characters")
    return v


def read_review_npz(path: str | os.PathLike, *, name: str | None = None, max_mb: float = MAX_NPZ_MB,
                    fs: float | None = None, unit: str | None = None,
                    class_names: Sequence[str] | None = None) -> ReviewSet:
    """Read clean and adversarial series from an ``.npz`` file (an upload: hostile input).

    Parameters
    ----------
    path : path-like
        The archive. Keys (:data:`NPZ_KEYS`): ``clean`` (or ``x``) and ``adversarial`` (or
        ``x_adv``), ``(n, C, T)``, ``(n, T)`` or ``(T,)`` real numbers, the same shape;
        optional ``labels`` (or ``y``, integers), ``fs`` (Hz), ``unit`` (default ``"mV"``),
        ``class_names`` (strings), ``indices``. The Attack page's NPZ export has them all. Other
        members are never decompressed.
    name : str, optional
        The file's name as the user knows it (an upload's), used in messages instead of ``path``.
    max_mb : float
        Cap on the file on disk and on the arrays decompressed (from their headers, before any
        is read), MiB.
    fs, unit, class_names : optional
        Used when the file has no such key (the selected dataset's).

    Returns
    -------
    ReviewSet

    Raises
    ------
    ReviewError
        Not an archive, over the cap, pickled (object) arrays, complex or non-numeric arrays,
        missing ``clean``/``adversarial`` keys, shapes that differ, NaN/Inf, labels that are not
        integers or not as many as the series, ``fs`` not a positive number, a unit or class names
        that are not short text. Each message names the key; none quotes the file's content.
    """
    from tsviz.data.errors import DataError
    from tsviz.data.npz import read_npz_arrays

    where = name or Path(path).name
    wanted = tuple(k for names in NPZ_KEYS.values() for k in names)
    try:
        arrays = read_npz_arrays(path, keys=wanted, max_mb=max_mb)
    except DataError as exc:
        raise ReviewError(str(exc).replace(str(path), where)) from None

    def pick(role: str) -> tuple[str, np.ndarray] | None:
        for key in NPZ_KEYS[role]:
            if key in arrays:
                return key, arrays[key]
        return None

    got = {role: pick(role) for role in NPZ_KEYS}
    if got["clean"] is None or got["adversarial"] is None:
        raise ReviewError(f"{where}: needs the keys 'clean' and 'adversarial' (or 'x' and 'x_adv', as the Attack "
                          f"page's NPZ export writes); "
                          f"missing {', '.join(repr(r) for r in ('clean', 'adversarial') if got[r] is None)}")
    series = {}
    for role in ("clean", "adversarial"):
        key, arr = got[role]
        series[role] = _series(arr, f"{where}: key {key!r}")
    if series["clean"].shape != series["adversarial"].shape:
        (kc, _), (ka, _) = got["clean"], got["adversarial"]
        raise ReviewError(f"{where}: key {ka!r} has shape {series['adversarial'].shape} but key {kc!r} has "
                          f"{series['clean'].shape}; they must match")
    n = series["clean"].shape[0]
    labels = None
    if got["labels"] is not None:
        key, arr = got["labels"]
        a = np.asarray(arr)
        if a.dtype == bool or a.dtype.kind not in "iu":
            raise ReviewError(f"{where}: key {key!r} must hold integer class labels, got dtype kind {a.dtype.kind!r}")
        if a.reshape(-1).shape[0] != n:
            raise ReviewError(f"{where}: key {key!r} has {a.size} labels for {n} series")
        labels = a.reshape(-1).astype(np.int64)
        if (labels < 0).any():
            raise ReviewError(f"{where}: key {key!r} holds negative labels")
    if got["fs"] is not None:
        v = _scalar(got["fs"][1], "fs", where)
        if np.asarray(got["fs"][1]).dtype.kind not in "iuf" or not math.isfinite(float(v)) or float(v) <= 0:
            raise ReviewError(f"{where}: key 'fs' must be a finite sampling frequency > 0 in Hz")
        fs = float(v)
    if got["unit"] is not None:
        unit = _text(got["unit"][1], "unit", where)
    names = None if class_names is None else tuple(str(c) for c in class_names)
    if got["class_names"] is not None:
        cn = np.asarray(got["class_names"][1])
        if cn.dtype.kind not in "US" or cn.ndim != 1 or not 1 <= cn.size <= 1000:
            raise ReviewError(f"{where}: key 'class_names' must be a 1-D list of names")
        names = tuple(c.decode("utf-8", errors="replace") if isinstance(c, bytes) else str(c) for c in cn.tolist())
        if any(len(c) > 40 or not c.isprintable() for c in names):
            raise ReviewError(f"{where}: key 'class_names' must hold printable names of at most 40 characters")
    if labels is not None and names is not None and labels.max() >= len(names):
        names = None  # labels of another dataset: shown as indices
    indices = None
    if got["indices"] is not None:
        a = np.asarray(got["indices"][1])
        if a.dtype.kind in "iu" and a.reshape(-1).shape[0] == n and (a >= 0).all():
            indices = a.reshape(-1).astype(np.int64)
    try:
        return ReviewSet(series["clean"], series["adversarial"], fs=fs, unit=unit or "mV", labels=labels,
                         class_names=names, source=f"uploaded file {where}", indices=indices,
                         info={"file": where})
    except ReviewError as exc:
        raise ReviewError(f"{where}: {exc}") from None
