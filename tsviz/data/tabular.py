"""The generic CSV loader: one univariate series per row and a label column (:func:`load_csv`).

It gives a :class:`~tsviz.data.dataset.Dataset`. When the file holds no test set, a seeded
stratified split (:func:`~tsviz.data.dataset.stratified_split`) makes one and ``meta['split']``
says so. Text is parsed by :func:`tsviz.data.text_tables.read_table` (pandas' C engine, every
problem a :class:`~tsviz.data.errors.DataError` naming file, 1-based row and column).

:func:`load_npz` (NumPy ``.npz`` archives) lives in :mod:`tsviz.data.npz` and is re-exported here.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.data.dataset import Dataset, split_for_test
from tsviz.data.errors import DataError
from tsviz.data.npz import MAX_NPZ_MEMBERS, NPZ_KEYS, load_npz
from tsviz.data.text_tables import (
    AUTO_DELIMITERS,
    check_finite_table,
    check_labels_present,
    delimiter_name,
    head_lines,
    is_number,
    normalize_delimiter,
    read_table,
    sniff_delimiter,
    split_line,
)
from tsviz.data.validation import (
    DEFAULT_MAX_FILE_MB,
    check_file,
    check_series,
    encode_labels,
    float_param,
    int_param,
    split_params,
    user_path,
)

__all__ = ["load_csv", "load_npz", "MAX_NPZ_MEMBERS", "NPZ_KEYS"]


def _cell_numeric(s: str, decimal: str = ".") -> bool:
    s = s.strip().strip('"').strip("'")
    return is_number(s.replace(decimal, ".") if decimal != "." else s)


def _resolve_label_column(path: Path, label_column: int | str, header_fields: list[str] | None, n_cols: int) -> int:
    if isinstance(label_column, str) and not label_column.lstrip("-").isdigit():
        if header_fields is None:
            raise DataError(
                f"{path}: label_column={label_column!r} is a column name but the file has no header row"
            )
        names = [h.strip() for h in header_fields]
        if label_column not in names:
            raise DataError(f"{path}: label_column={label_column!r} is not a column name in the header row")
        return names.index(label_column)
    try:
        idx = int_param("label_column", label_column)
    except DataError:
        raise DataError("label_column must be an int index or a header name") from None
    if not -n_cols <= idx < n_cols:
        raise DataError(f"{path}: label_column={idx} is out of range; rows have {n_cols} columns")
    return idx % n_cols


def _parse_header(header: bool | str) -> bool | None:
    if isinstance(header, str):
        h = header.strip().lower()
        if h in ("auto", "infer"):
            return None
        if h in ("true", "yes", "1"):
            return True
        if h in ("false", "no", "0", "none"):
            return False
        raise DataError(f"header must be True, False or 'auto', got {header!r}")
    if header is None:
        return False
    if isinstance(header, (bool, np.bool_)) or (isinstance(header, (int, np.integer)) and header in (0, 1)):
        return bool(header)
    raise DataError(f"header must be True, False or 'auto', got {type(header).__name__}")


def _read_csv_split(
    path: Path, *, label_column: int | str, header: bool | str, delimiter: str, max_mb: float
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    path = check_file(path, max_mb=max_mb)
    sample = head_lines(path)
    if not sample:
        raise DataError(f"{path}: no data rows (the file holds only blank lines)")
    if str(delimiter).lower() == "auto":
        delim = sniff_delimiter(path, sample)
    else:
        delim = normalize_delimiter(delimiter)
        counts = [len(split_line(t, delim)) for _, t in sample]
        if max(counts) <= 1:
            tried = delimiter_name(delim)
            raise DataError(
                f"{path}: every row parses into a single column with delimiter {tried}; wrong delimiter? "
                f"(delimiter='auto' tries {', '.join(delimiter_name(d) for d in AUTO_DELIMITERS)})"
            )
    first_line, first_text = sample[0]
    first = split_line(first_text, delim)
    n_cols = len(first)
    decimal = "."
    if delim == ";":  # European CSV: "1,5;2,5;A"
        fields = [f for _, t in sample for f in split_line(t, delim)]
        if any(re.fullmatch(r"\s*[-+]?\d+,\d*([eE][-+]?\d+)?\s*", f) for f in fields):
            decimal = ","
    want_header = _parse_header(header)
    if isinstance(label_column, str) and not label_column.lstrip("-").isdigit():
        if want_header is False:
            raise DataError(f"{path}: label_column={label_column!r} is a column name but header=False")
        want_header = True
    if want_header is None:  # auto: a header is a first row with a non-numeric series value,
        # or a non-numeric label above numeric labels
        lab = _resolve_label_column(path, label_column, None, n_cols)
        non_num = [not _cell_numeric(f, decimal) for f in first]
        if any(nn for i, nn in enumerate(non_num) if i != lab):
            want_header = True
        elif non_num[lab] and len(sample) > 1:
            below = [split_line(t, delim) for _, t in sample[1:]]
            want_header = all(len(b) > lab and _cell_numeric(b[lab], decimal) for b in below)
        else:
            want_header = False
    header_fields = first if want_header else None
    lab = _resolve_label_column(path, label_column, header_fields, n_cols)
    skiprows = first_line if want_header else 0
    t = read_table(path, delimiter=delim, skiprows=skiprows, label_column=lab, decimal=decimal)
    if t.n_columns < 2:
        raise DataError(f"{path}: rows have a single column; need a label column and at least one value")
    check_labels_present(path, t, delim)
    check_finite_table(path, t, delim)
    info = {
        "file": str(path),
        "delimiter": delimiter_name(delim),
        "header": bool(want_header),
        "label_column": (header_fields[lab].strip() if header_fields else lab),
        "decimal": decimal,
    }
    labels = np.array([str(v).strip() for v in t.labels], dtype=object)
    return t.values, labels, info


def load_csv(
    path: str | os.PathLike,
    *,
    label_column: int | str = -1,
    header: bool | str = "auto",
    delimiter: str = "auto",
    test_path: str | os.PathLike | None = None,
    test_fraction: float = 0.25,
    seed: int = 0,
    fs: float | None = None,
    unit: str = "a.u.",
    max_mb: float = DEFAULT_MAX_FILE_MB,
) -> Dataset:
    """Load a delimited text file with one univariate series per row and a label column.

    Parameters
    ----------
    path : path-like
        The (training) file.
    label_column : int or str, default -1
        Position of the label column (0-based; negative counts from the end) or its header name.
        Every other column is a time step, in file order.
    header : bool or "auto", default "auto"
        Whether the first row holds column names. ``"auto"``: yes when the first row has a
        non-numeric series value, or a non-numeric label above numeric labels.
    delimiter : str, default "auto"
        ``","``, ``";"``, ``"tab"``, ``"|"``, ``"whitespace"`` or ``"auto"`` (the one of tab, ``;``,
        ``,``, whitespace that splits the first 20 rows into the same number of columns). With
        ``";"`` and numbers written ``1,5`` the decimal comma is understood.
    test_path : path-like, optional
        A test file in the same layout. Without one, a seeded stratified split of ``path`` makes
        the test set (``meta['split']`` says so).
    test_fraction : float, default 0.25
        Share of each class put in the test set when splitting.
    seed : int, default 0
        Seed of the split.
    fs : float, optional
        Sampling frequency in Hz, when known.
    unit : str, default "a.u."
        Unit of the values.
    max_mb : float
        Largest file read, in MiB (finite, positive).

    Returns
    -------
    Dataset
        Series of shape ``(n, 1, T)``; labels may be integers or strings (class names are the label
        strings, numeric labels ordered numerically; ``1``, ``1.0`` are one class).

    Raises
    ------
    DataError
        Missing, empty or over-size file; undetectable or wrong delimiter (every row one column);
        ragged rows (names the 1-based row and both column counts); a non-numeric, missing, NaN
        or Inf series value (names row and column); a missing or non-integral numeric label; a
        single class; every class with a single series (no test set can be made); a
        ``label_column`` out of range or not in the header; a row, length or line over the caps;
        a parameter that is not a finite number in range.

    Notes
    -----
    Caps (:mod:`tsviz.data.validation`): at most ``MAX_LENGTH`` = 100,000 time steps per row,
    ``MAX_ROWS`` = 1,000,000 rows, ``MAX_VALUES`` = 2**27 values in the parsed table and
    ``MAX_LINE_CHARS`` = 8,000,000 characters per line; lines longer than the 131,072-character
    field limit of :mod:`csv` load (T = 20,000 does). Messages name file, row and column but never
    repeat a cell's or header's text.
    """
    test_fraction, seed = split_params(test_fraction, seed)
    fs = float_param("fs", fs, allow_none=True, positive=True)
    max_mb = float_param("max_mb", max_mb, positive=True)
    path = user_path(path)
    Xtr, ytr_raw, info_tr = _read_csv_split(Path(path), label_column=label_column, header=header,
                                            delimiter=delimiter, max_mb=max_mb)
    meta: dict[str, Any] = {"source": f"CSV file {info_tr['file']}", "format": "csv", "files": [info_tr["file"]],
                            "delimiter": info_tr["delimiter"], "header": info_tr["header"],
                            "label_column": info_tr["label_column"]}
    src = str(info_tr["file"])
    if test_path is not None:
        Xte, yte_raw, info_te = _read_csv_split(user_path(test_path), label_column=label_column, header=header,
                                                delimiter=delimiter, max_mb=max_mb)
        if Xte.shape[1] != Xtr.shape[1]:
            raise DataError(
                f"{info_te['file']}: test series have {Xte.shape[1]} values but training series in "
                f"{info_tr['file']} have {Xtr.shape[1]}"
            )
        (ytr, yte), names = encode_labels(ytr_raw, yte_raw, source=f"{src} + {info_te['file']}")
        meta["files"].append(info_te["file"])
        meta["split"] = "given: training file and test file"
    else:
        (y,), names = encode_labels(ytr_raw, source=src)
        tr, te = split_for_test(y, test_fraction, seed=seed, source=src)
        Xtr, Xte, ytr, yte = Xtr[tr], Xtr[te], y[tr], y[te]
        meta["split"] = f"stratified random split of one file: test_fraction={test_fraction}, seed={seed}"
    Xtr = check_series(Xtr, source=f"{src} train")
    Xte = check_series(Xte, source=f"{src} test")
    return Dataset(Path(path).stem, Xtr, ytr, Xte, yte, names, fs=fs, unit=unit, meta=meta)
