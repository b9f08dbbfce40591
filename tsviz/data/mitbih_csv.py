"""Loader for the Kaggle "ECG Heartbeat Categorization Dataset" MIT-BIH files.

``mitbih_train.csv`` (87,554 rows) and ``mitbih_test.csv`` (21,892 rows): no header, 188
comma-separated numbers per row: 187 samples of one heartbeat at 125 Hz, min-max scaled to
``[0, 1]`` and zero-padded at the end, then the label ``0.0``-``4.0`` = AAMI classes N, S, V, F, Q.
The beats come from MIT-BIH Arrhythmia Database records, preprocessed by Kachuee et al., "ECG
Heartbeat Classification: A Deep Transferable Representation", IEEE ICHI 2018; the CSVs were
published by S. Fazeli on Kaggle (2018).
"""
from __future__ import annotations

import logging
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.data.dataset import Dataset, split_for_test
from tsviz.data.errors import DataError
from tsviz.data.text_tables import check_finite_table, read_table
from tsviz.data.validation import DEFAULT_MAX_FILE_MB, check_file, float_param, path_kind, split_params, user_path

__all__ = ["load_mitbih_csv", "MITBIH_CLASSES", "MITBIH_FS", "MITBIH_LENGTH"]

log = logging.getLogger(__name__)

#: AAMI class of each label value 0..4.
MITBIH_CLASSES: tuple[str, ...] = ("N", "S", "V", "F", "Q")
MITBIH_FS = 125.0
MITBIH_LENGTH = 187
_SOURCE = (
    "Kaggle ECG Heartbeat Categorization Dataset (Fazeli 2018), MIT-BIH Arrhythmia beats preprocessed "
    "by Kachuee et al., IEEE ICHI 2018"
)
_TRAIN, _TEST = "mitbih_train.csv", "mitbih_test.csv"


def _sibling(p: Path) -> Path | None:
    """The other split of ``p``: ``train`` <-> ``test`` swapped in the file name (last occurrence)."""
    name = p.name
    m = list(re.finditer(r"train|test", name, re.IGNORECASE))
    if not m:
        return None
    g = m[-1]
    word = g.group(0)
    swap = "test" if word.lower() == "train" else "train"
    swap = swap.upper() if word.isupper() else swap.capitalize() if word[0].isupper() else swap
    other = p.with_name(name[: g.start()] + swap + name[g.end():])
    return other if path_kind(other) == "file" else None


def _is_train(p: Path) -> bool:
    m = list(re.finditer(r"train|test", p.name, re.IGNORECASE))
    return not m or m[-1].group(0).lower() == "train"


def _read(path: Path, max_mb: float) -> tuple[np.ndarray, np.ndarray]:
    """``(X (n, 187) float32, y (n,) int64)`` from one Kaggle CSV, with every check."""
    path = check_file(path, max_mb=max_mb)
    t = read_table(path, delimiter=",", label_column=None, dtype=np.float32)
    n_cols = t.n_columns
    if n_cols != MITBIH_LENGTH + 1:
        raise DataError(
            f"{path}: rows have {n_cols} columns, expected {MITBIH_LENGTH + 1} (187 samples at 125 Hz + "
            f"the label last); not a Kaggle MIT-BIH heartbeat file?"
        )
    check_finite_table(path, t, ",")
    X, lab = t.values[:, :MITBIH_LENGTH], t.values[:, MITBIH_LENGTH]
    bad = ~((lab >= 0) & (lab <= 4) & (lab == np.round(lab)))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{path}: the label at row {int(t.lines[i])}, column {n_cols} is not one of 0, 1, 2, 3, 4 "
            f"(N, S, V, F, Q)"
        )
    return np.ascontiguousarray(X), lab.astype(np.int64)


def load_mitbih_csv(
    path: str | os.PathLike,
    *,
    test_fraction: float = 0.25,
    seed: int = 0,
    max_mb: float = DEFAULT_MAX_FILE_MB,
) -> Dataset:
    """Load the Kaggle MIT-BIH heartbeat CSVs (5 AAMI classes, 187 samples at 125 Hz).

    Parameters
    ----------
    path : path-like
        A folder holding ``mitbih_train.csv`` and ``mitbih_test.csv``, or one file; its sibling is
        the same name with ``train``/``test`` swapped. Without a sibling the one file is split
        (seeded, stratified) and a warning says so.
    test_fraction : float, default 0.25
        Test share of each class, used only when a single file must be split.
    seed : int, default 0
        Seed of that split.
    max_mb : float
        Largest file read, in MiB (the train file is ~390 MiB; the default cap allows it).

    Returns
    -------
    Dataset
        ``X`` of shape ``(n, 1, 187)`` float32, ``class_names = ("N", "S", "V", "F", "Q")`` (all
        five even when a class is absent), ``fs=125``, ``unit="a.u. (min-max scaled)"``.

    Raises
    ------
    DataError
        Missing files, empty or over-size file, a row without 188 columns (names file and row),
        non-numeric, NaN or Inf values (names row and column), a label not in 0..4 (names the row),
        a training split with a single class.
    """
    test_fraction, seed = split_params(test_fraction, seed)
    max_mb = float_param("max_mb", max_mb, positive=True)
    p = user_path(path)
    kind = path_kind(p)
    if kind is None:
        raise DataError(f"MIT-BIH CSV path not found: {p}")
    if kind == "dir":
        train, test = p / _TRAIN, p / _TEST
        has_train, has_test = path_kind(train) == "file", path_kind(test) == "file"
        if not has_train and not has_test:
            raise DataError(f"{p}: holds neither {_TRAIN} nor {_TEST}")
        first, other = (train, test) if has_train else (test, train)
        other = other if path_kind(other) == "file" else None
    else:
        first, other = p, _sibling(p)
    if other is not None and not _is_train(first):
        first, other = other, first
    meta: dict[str, Any] = {"source": _SOURCE, "format": "Kaggle MIT-BIH heartbeat CSV",
                            "label_map": {str(i): c for i, c in enumerate(MITBIH_CLASSES)}}
    X1, y1 = _read(first, max_mb)
    if other is not None:
        X2, y2 = _read(other, max_mb)
        Xtr, ytr, Xte, yte = X1, y1, X2, y2
        meta["files"] = [str(first), str(other)]
        meta["split"] = "given: Kaggle train/test files"
    else:
        warnings.warn(
            f"{first}: no matching train/test file next to it; splitting it into train and test "
            f"(stratified, test_fraction={test_fraction}, seed={seed})",
            UserWarning,
            stacklevel=2,
        )
        tr, te = split_for_test(y1, test_fraction, seed=seed, source=str(first))
        Xtr, ytr, Xte, yte = X1[tr], y1[tr], X1[te], y1[te]
        meta["files"] = [str(first)]
        meta["split"] = f"stratified random split of one file: test_fraction={test_fraction}, seed={seed}"
    log.info("loaded MIT-BIH CSV: %d train, %d test beats", len(ytr), len(yte))
    return Dataset(
        "mitbih-csv",
        Xtr[:, None, :],
        ytr,
        Xte[:, None, :],
        yte,
        MITBIH_CLASSES,
        fs=MITBIH_FS,
        unit="a.u. (min-max scaled)",
        meta=meta,
    )
