"""The NumPy ``.npz`` loader (:func:`load_npz`), reading no more than ``max_mb`` MiB decompressed.

Every member's size is computed from its ``.npy`` header before any array is read, object arrays
(pickles) are refused, and the zip directory is held to :data:`MAX_NPZ_MEMBERS` entries. When the
archive holds no test set, a seeded stratified split makes one and ``meta['split']`` says so.
"""
from __future__ import annotations

import dataclasses
import math
import os
import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.data.dataset import Dataset, split_for_test
from tsviz.data.errors import DataError
from tsviz.data.validation import (
    DEFAULT_MAX_FILE_MB,
    MAX_VALUES,
    check_file,
    check_series,
    encode_labels,
    float_param,
    split_params,
)

__all__ = ["load_npz", "read_npz_arrays", "MAX_NPZ_MEMBERS", "NPZ_KEYS"]


#: Most members an .npz archive may list in its zip directory (a guard against zip bombs made of
#: many entries; the keys tsviz reads are 10).
MAX_NPZ_MEMBERS = 64
#: Largest zip central directory read, in bytes.
_MAX_ZIP_DIRECTORY = 1 << 20
#: The keys load_npz reads; every other member is ignored (never decompressed).
NPZ_KEYS = ("X_train", "y_train", "X_test", "y_test", "X", "y", "class_names", "fs", "unit", "name")
_MAX_TEXT = 200  # characters of ``unit``/``name``


def _check_zip_directory(p: Path) -> None:
    """Refuse an archive whose zip directory lists too many entries, before :mod:`zipfile` reads it.

    Reads the end-of-central-directory record (the last 22 bytes plus up to 64 KiB of comment).
    """
    with open(p, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        n = min(size, 22 + 65535)
        fh.seek(size - n)
        tail = fh.read(n)
    sig = b"PK\x05\x06"
    # Where zipfile looks: the last 22 bytes (no comment), else the last signature in the tail.
    i = len(tail) - 22 if tail[-22:-18] == sig and tail[-2:] == b"\x00\x00" else tail.rfind(sig)
    if i < 0 or len(tail) - i < 22:
        raise DataError(f"{p}: not a readable .npz archive (no zip directory)")
    if i >= 20 and tail[i - 20:i - 16] == b"PK\x06\x07":
        raise DataError(f"{p}: a zip64 archive (over 4 GiB or 65,535 entries); not supported for .npz datasets")
    entries, dir_size = struct.unpack("<HI", tail[i + 10:i + 16])
    if entries > MAX_NPZ_MEMBERS or dir_size > _MAX_ZIP_DIRECTORY:
        raise DataError(
            f"{p}: the zip directory lists {'over 65534' if entries == 0xFFFF else entries} entries "
            f"({dir_size} bytes); an .npz dataset may hold at most {MAX_NPZ_MEMBERS}"
        )


def _npy_header(fh: Any, key: str, p: Path) -> tuple[tuple[int, ...], bool, np.dtype]:
    """``(shape, fortran_order, dtype)`` from an .npy stream, checked; nothing else is read."""
    fmt = np.lib.format
    version = fmt.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = fmt.read_array_header_2_0(fh)
    else:
        raise DataError(f"{p}: key {key!r} is an .npy array of an unsupported format version")
    if dtype.hasobject:
        raise DataError(
            f"{p}: key {key!r} holds object arrays, which would need pickle (refused for safety); save "
            f"numbers and strings as plain arrays"
        )
    if dtype.kind == "c":
        raise DataError(f"{p}: key {key!r} holds complex numbers; tsviz needs real values (save .real, .imag "
                        f"or abs() yourself)")
    if dtype.kind not in "biufUS" or dtype.fields is not None or dtype.subdtype is not None:
        raise DataError(f"{p}: key {key!r} has an unsupported dtype (use numbers or strings)")
    if dtype.itemsize == 0 or any(int(d) < 0 for d in shape):
        raise DataError(f"{p}: key {key!r} has an invalid .npy header")
    if len(shape) > 8 or any(int(d) > MAX_VALUES for d in shape):  # even when another dimension is 0
        raise DataError(
            f"{p}: key {key!r} declares an absurd shape (over 8 dimensions, or over {MAX_VALUES} along one axis)"
        )
    return tuple(int(d) for d in shape), bool(fortran), dtype


def _read_npz(p: Path, max_bytes: int, max_mb: float, keys: Sequence[str] = NPZ_KEYS) -> dict[str, np.ndarray]:
    """The arrays of ``keys`` (default :data:`NPZ_KEYS`) in archive ``p``, their decompressed size
    held to ``max_bytes``.

    Every member's size is computed from its .npy header (shape x itemsize; the header is
    authoritative, never the zip directory's sizes) before any array is read; reading stops after
    that many bytes, so a member that would decompress further is never inflated.
    """
    _check_zip_directory(p)
    errors = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, TypeError,
              NotImplementedError, RuntimeError, SyntaxError, RecursionError, zlib.error, struct.error)
    try:
        zf = zipfile.ZipFile(p)
    except errors as exc:
        raise DataError(f"{p}: not a readable .npz archive ({type(exc).__name__})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_NPZ_MEMBERS:
            raise DataError(f"{p}: the archive holds {len(infos)} members; an .npz dataset may hold at most "
                            f"{MAX_NPZ_MEMBERS}")
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if key in keys:
                if key in members:
                    raise DataError(f"{p}: key {key!r} appears twice in the archive")
                members[key] = info
        headers: dict[str, tuple[tuple[int, ...], bool, np.dtype]] = {}
        total = 0
        for key in keys:  # pass 1: headers only
            if key not in members:
                continue
            try:
                with zf.open(members[key]) as fh:
                    headers[key] = _npy_header(fh, key, p)
            except DataError:
                raise
            except errors as exc:
                raise DataError(f"{p}: key {key!r} is not a readable .npy array ({type(exc).__name__})") from None
            shape, _, dtype = headers[key]
            nbytes = math.prod(shape) * dtype.itemsize
            total += nbytes
            if total > max_bytes:
                before = f" ({total / 2**20:.1f} MiB with the keys before it)" if total > nbytes else ""
                raise DataError(
                    f"{p}: key {key!r} would take {nbytes / 2**20:.1f} MiB decompressed{before}, over the "
                    f"max_mb={max_mb:g} MiB cap"
                )
        arrays: dict[str, np.ndarray] = {}
        for key, (shape, fortran, dtype) in headers.items():  # pass 2: the data, exactly as declared
            nbytes = math.prod(shape) * dtype.itemsize
            try:
                with zf.open(members[key]) as fh:
                    _npy_header(fh, key, p)
                    data = fh.read(nbytes)
            except errors as exc:
                raise DataError(f"{p}: key {key!r} is not a readable .npy array ({type(exc).__name__})") from None
            if len(data) != nbytes:
                raise DataError(f"{p}: key {key!r} holds fewer bytes than its .npy header declares (damaged archive)")
            flat = np.frombuffer(data, dtype=dtype)
            arrays[key] = flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
    return arrays


def read_npz_arrays(path: str | os.PathLike, *, keys: Sequence[str], max_mb: float = DEFAULT_MAX_FILE_MB
                    ) -> dict[str, np.ndarray]:
    """The arrays ``keys`` of an ``.npz`` archive, read with the checks of :func:`load_npz` (a
    regular file of at most ``max_mb`` MiB, at most :data:`MAX_NPZ_MEMBERS` members, no object
    arrays (pickles), no complex or structured dtypes, the decompressed size of the arrays read
    computed from their headers and held to ``max_mb`` MiB before any is read). Members not in
    ``keys`` are never decompressed; missing keys are simply absent from the result.

    Raises
    ------
    DataError
        Naming the file and the key; never quoting the file's content.
    """
    max_mb = float_param("max_mb", max_mb, positive=True)
    if isinstance(keys, str) or not all(isinstance(k, str) for k in keys):
        raise DataError("keys must be a sequence of key names")
    p = check_file(path, max_mb=max_mb)
    with open(p, "rb") as fh:
        magic = fh.read(6)
    if magic == b"\x93NUMPY":
        raise DataError(f"{p}: a single .npy array, expected an .npz archive")
    return _read_npz(p, int(max_mb * 2**20), max_mb, tuple(dict.fromkeys(keys)))


def _npz_scalar(arr: np.ndarray, key: str, path: Path) -> Any:
    a = np.asarray(arr)
    if a.size != 1:
        raise DataError(f"{path}: key {key!r} must hold a single value, got shape {a.shape}")
    return a.reshape(()).item()


def _npz_fs(arr: np.ndarray, path: Path) -> float:
    """Key ``fs``: one finite positive number (Hz)."""
    v = _npz_scalar(arr, "fs", path)
    if np.asarray(arr).dtype.kind not in "iuf":
        raise DataError(f"{path}: key 'fs' must be a number (the sampling frequency in Hz)")
    fs = float(v)
    if not (math.isfinite(fs) and fs > 0):
        raise DataError(f"{path}: key 'fs' must be a finite, positive sampling frequency in Hz")
    return fs


def _npz_text(arr: np.ndarray, key: str, path: Path) -> str:
    """Key ``unit`` or ``name``: one string of at most 200 characters."""
    v = _npz_scalar(arr, key, path)
    if isinstance(v, bytes):
        v = v.decode("utf-8", errors="replace")
    if not isinstance(v, str):
        raise DataError(f"{path}: key {key!r} must be a string")
    if len(v) > _MAX_TEXT or not v.isprintable():
        raise DataError(f"{path}: key {key!r} must be printable text of at most {_MAX_TEXT} characters")
    return v


def _npz_labels(path: Path, y: np.ndarray, key: str, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and 1 in y.shape:
        y = y.ravel()
    if y.ndim != 1:
        raise DataError(f"{path}: {key} must be 1-D labels, got shape {y.shape}")
    if y.shape[0] != n:
        raise DataError(f"{path}: {key} has {y.shape[0]} labels but the series array has {n} rows")
    return y


def _npz_series(path: Path, X: np.ndarray, key: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim not in (2, 3):
        raise DataError(f"{path}: {key} must be 2-D (n, T) or 3-D (n, channels, T), got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise DataError(f"{path}: {key} must hold numbers, got dtype kind {X.dtype.kind!r}")
    return check_series(X, source=f"{path} {key}")


def load_npz(
    path: str | os.PathLike,
    *,
    test_fraction: float = 0.25,
    seed: int = 0,
    max_mb: float = DEFAULT_MAX_FILE_MB,
) -> Dataset:
    """Load a NumPy ``.npz`` archive, reading no more than ``max_mb`` MiB decompressed.

    Parameters
    ----------
    path : path-like
        Archive with either ``X_train, y_train, X_test, y_test`` or ``X, y`` (then a seeded
        stratified split makes the test set). Optional keys: ``class_names`` (strings),
        ``fs`` (Hz), ``unit``, ``name``. ``X`` is ``(n, T)`` or ``(n, channels, T)`` of real
        numbers; ``y`` holds integer class indices (into ``class_names`` when given) or raw labels
        (integers or strings, encoded like CSV labels). Other members are ignored, unread.
    test_fraction : float, default 0.25
        Test share of each class when splitting ``X, y``.
    seed : int, default 0
        Seed of the split.
    max_mb : float
        Cap in MiB on both the archive's size on disk and the decompressed size of the arrays
        read, computed from their .npy headers before any array is read.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Missing, empty, over-size or non-npz file; a zip directory of more than
        ``MAX_NPZ_MEMBERS`` entries; arrays whose headers declare more than ``max_mb`` MiB, or
        whose data is shorter than declared; object arrays (pickles are refused), complex or
        structured arrays; missing keys (the message names the expected keys, never the keys
        found); bad shapes; NaN/Inf (names key, row, time step); non-integral float labels,
        labels not matching ``class_names``; ``fs`` not a finite positive number; a single
        class; every class with a single series.
    """
    test_fraction, seed = split_params(test_fraction, seed)
    max_mb = float_param("max_mb", max_mb, positive=True)
    p = check_file(path, max_mb=max_mb)
    with open(p, "rb") as fh:
        magic = fh.read(6)
    if magic == b"\x93NUMPY":
        raise DataError(f"{p}: a single .npy array, expected an .npz archive with keys X_train, y_train, ...")
    arrays = _read_npz(p, int(max_mb * 2**20), max_mb)
    keys = set(arrays)
    meta: dict[str, Any] = {"source": f"NPZ file {p}", "format": "npz", "files": [str(p)], "keys": sorted(keys)}
    if {"X_train", "y_train", "X_test", "y_test"} <= keys:
        Xtr = _npz_series(p, arrays["X_train"], "X_train")
        Xte = _npz_series(p, arrays["X_test"], "X_test")
        ytr = _npz_labels(p, arrays["y_train"], "y_train", Xtr.shape[0])
        yte = _npz_labels(p, arrays["y_test"], "y_test", Xte.shape[0])
        if Xtr.shape[1:] != Xte.shape[1:]:
            raise DataError(
                f"{p}: X_train series are {Xtr.shape[1:]} (channels, T) but X_test series are {Xte.shape[1:]}"
            )
        meta["split"] = "given: X_train/X_test"
        split = None
    elif {"X", "y"} <= keys:
        Xtr = _npz_series(p, arrays["X"], "X")
        ytr = _npz_labels(p, arrays["y"], "y", Xtr.shape[0])
        Xte, yte = None, None
        split = True
    else:
        found = [k for k in ("X_train", "y_train", "X_test", "y_test", "X", "y") if k in keys]
        raise DataError(
            f"{p}: needs keys X_train, y_train, X_test, y_test (or X, y); found "
            f"{', '.join(found) if found else 'none of them'}"
        )
    names: Sequence[str] | None = None
    if "class_names" in keys:
        cn = np.asarray(arrays["class_names"])
        if cn.ndim != 1 or cn.size == 0:
            raise DataError(f"{p}: class_names must be a 1-D list of names, got shape {cn.shape}")
        names = [c.decode("utf-8", errors="replace") if isinstance(c, bytes) else str(c) for c in cn.tolist()]
    label_arrays = [ytr] + ([yte] if yte is not None else [])

    def _index_like(a: np.ndarray) -> bool:
        if np.issubdtype(a.dtype, np.integer):
            return True
        return bool(np.issubdtype(a.dtype, np.floating) and np.all(np.isfinite(a)) and np.all(a == np.round(a)))

    if names is not None and all(_index_like(a) for a in label_arrays):
        encoded = []
        for key, a in zip(("y_train" if not split else "y", "y_test"), label_arrays):
            bad = (a < 0) | (a >= len(names))
            if bad.any():
                i = int(np.argmax(bad))
                raise DataError(f"{p}: {key} holds a label at row {i + 1} outside the {len(names)} class_names")
            encoded.append(a.astype(np.int64))
        class_names = tuple(names)
    else:
        encoded, class_names = encode_labels(*label_arrays, source=str(p), class_names=names)
    fs = _npz_fs(arrays["fs"], p) if "fs" in keys else None
    unit = _npz_text(arrays["unit"], "unit", p) if "unit" in keys else "a.u."
    name = _npz_text(arrays["name"], "name", p) if "name" in keys else p.stem
    if split:
        y = encoded[0]
        tr, te = split_for_test(y, test_fraction, seed=seed, source=str(p))
        Xtr, Xte, ytr, yte = Xtr[tr], Xtr[te], y[tr], y[te]
        meta["split"] = f"stratified random split of X, y: test_fraction={test_fraction}, seed={seed}"
    else:
        ytr, yte = encoded
    # Built under the file's stem so that validation messages never quote the archive's own text.
    ds = Dataset(p.stem, Xtr, ytr, Xte, yte, class_names, fs=fs, unit=unit, meta=meta)
    return ds if name == p.stem else dataclasses.replace(ds, name=name)
