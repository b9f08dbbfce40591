"""The :class:`Dataset` type: train/test series in physical units with labels and metadata."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from tsviz.core.arrays import readonly as _frozen_array
from tsviz.data.errors import DataError
from tsviz.data.validation import check_labels, check_series

__all__ = ["Dataset", "stratified_split", "split_for_test"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled time-series classification dataset with an official train/test split.

    Parameters
    ----------
    name : str
        Short name shown to users (``"synthetic-ecg"``, ``"CBF"``, ``"mitdb 100+208"``).
    X_train, X_test : ndarray, float32, shape ``(n, n_channels, n_timepoints)``
        Series in the dataset's physical unit (``unit``); a 2-D ``(n, T)`` array is read as one
        channel. Stored read-only: copy before modifying (``torch.tensor(ds.X_train)``).
    y_train, y_test : ndarray, int64, shape ``(n,)``
        Class indices in ``[0, K)``.
    class_names : sequence of str
        Name of each class index, ``K`` entries.
    fs : float or None
        Sampling frequency in Hz, ``None`` when the series have no time axis in seconds.
    unit : str
        Unit of the values (``"mV"`` for ECG, ``"a.u."`` when unknown or z-normalised).
    meta : mapping
        Free-form provenance: ``spec``, ``source``, ``description``, ``channel_names``, notes on
        resampling or splitting.

    Raises
    ------
    DataError
        Any array with the wrong shape, dtype, NaN/Inf, mismatched lengths, labels out of range,
        or a split with fewer than two classes overall.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    fs: float | None = None
    unit: str = "a.u."
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = tuple(str(c) for c in self.class_names)
        k = len(names)
        if k < 2:
            raise DataError(f"dataset {self.name!r}: needs at least 2 classes, got {k}")
        seen: dict[str, int] = {}
        for j, n in enumerate(names):  # name the positions, not the names (they may be file content)
            if n in seen:
                raise DataError(f"dataset {self.name!r}: class names repeat (names {seen[n]} and {j} are the same)")
            seen[n] = j
        Xtr = check_series(self.X_train, source=f"{self.name} train")
        Xte = check_series(self.X_test, source=f"{self.name} test")
        if Xtr.shape[1:] != Xte.shape[1:]:
            raise DataError(
                f"dataset {self.name!r}: train series are {Xtr.shape[1:]} (channels, T) but test "
                f"series are {Xte.shape[1:]}"
            )
        ytr = check_labels(self.y_train, k, n=Xtr.shape[0], source=f"{self.name} train")
        yte = check_labels(self.y_test, k, n=Xte.shape[0], source=f"{self.name} test")
        if len(np.unique(ytr)) < 2:
            raise DataError(f"dataset {self.name!r}: the training split has a single class")
        fs = None if self.fs is None else float(self.fs)
        if fs is not None and not (np.isfinite(fs) and fs > 0):
            raise DataError(f"dataset {self.name!r}: sampling frequency fs must be positive, got {self.fs}")
        object.__setattr__(self, "X_train", _frozen_array(Xtr))
        object.__setattr__(self, "X_test", _frozen_array(Xte))
        object.__setattr__(self, "y_train", _frozen_array(ytr))
        object.__setattr__(self, "y_test", _frozen_array(yte))
        object.__setattr__(self, "class_names", names)
        object.__setattr__(self, "fs", fs)
        object.__setattr__(self, "unit", str(self.unit))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    # ------------------------------------------------------------------ shape helpers
    @property
    def n_classes(self) -> int:
        """Number of classes ``K``."""
        return len(self.class_names)

    @property
    def n_channels(self) -> int:
        """Channels per series."""
        return int(self.X_train.shape[1])

    @property
    def length(self) -> int:
        """Time steps per series ``T``."""
        return int(self.X_train.shape[2])

    @property
    def spec(self) -> str:
        """The spec this dataset was loaded from (``meta['spec']``), else its name."""
        return str(self.meta.get("spec", self.name))

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of ``"train"`` or ``"test"``."""
        if which == "train":
            return self.X_train, self.y_train
        if which == "test":
            return self.X_test, self.y_test
        raise DataError(f"split must be 'train' or 'test', got {which!r}")

    def class_counts(self, which: str = "train") -> np.ndarray:
        """Number of series per class in a split, shape ``(K,)``."""
        return np.bincount(self.split(which)[1], minlength=self.n_classes)

    def fingerprint(self) -> str:
        """A 16-hex-digit SHA-256 of the arrays and class names; equal data -> equal fingerprint."""
        h = hashlib.sha256()
        for a in (self.X_train, self.y_train, self.X_test, self.y_test):
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
        h.update("\x1f".join(self.class_names).encode())
        return h.hexdigest()[:16]

    def summary(self) -> dict[str, Any]:
        """JSON-ready description: sizes, shape, classes, counts, fs, unit, fingerprint."""
        return {
            "name": self.name,
            "spec": self.spec,
            "n_train": int(self.X_train.shape[0]),
            "n_test": int(self.X_test.shape[0]),
            "n_channels": self.n_channels,
            "length": self.length,
            "n_classes": self.n_classes,
            "class_names": list(self.class_names),
            "train_counts": self.class_counts("train").tolist(),
            "test_counts": self.class_counts("test").tolist(),
            "fs": self.fs,
            "unit": self.unit,
            "fingerprint": self.fingerprint(),
        }

    def __repr__(self) -> str:  # arrays would flood the repr
        return (
            f"Dataset(name={self.name!r}, train={self.X_train.shape}, test={self.X_test.shape}, "
            f"classes={list(self.class_names)}, fs={self.fs}, unit={self.unit!r})"
        )


def stratified_split(
    y: np.ndarray, test_fraction: float, *, seed: int, source: str
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train_idx, test_idx)`` of a seeded stratified split.

    Every class with at least two members gets at least one member in each part; a class with a
    single member goes to train. Raises :class:`DataError` if ``test_fraction`` is not in (0, 1).
    """
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"{source}: test_fraction must be between 0 and 1, got {test_fraction}")
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        idx = idx[rng.permutation(idx.size)]
        n_test = int(round(idx.size * test_fraction))
        if idx.size >= 2:
            n_test = min(max(n_test, 1), idx.size - 1)
        else:
            n_test = 0
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def split_for_test(
    y: np.ndarray, test_fraction: float, *, seed: int, source: str
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`stratified_split` for a loader that must make a test set out of one labelled set.

    Raises :class:`DataError` when no test set can be made: every class has a single series, and
    a stratified train/test split needs at least two series in a class (one for each side). The
    message gives the number of classes, not their names (they are file content).
    """
    tr, te = stratified_split(y, test_fraction, seed=seed, source=source)
    if te.size == 0:
        k = int(np.unique(np.asarray(y)).size)
        raise DataError(
            f"{source}: cannot make a test set: each of the {k} classes has a single series, and a "
            f"train/test split needs at least two series in a class; add series or give a separate test file"
        )
    return tr, te
