"""Generic file loaders: one series per CSV row (:func:`load_csv`) and NumPy ``.npz`` archives
(:func:`load_npz`).

Both give a :class:`~tsviz.data.dataset.Dataset`. When the file holds no test set, a seeded
stratified split (:func:`~tsviz.data.dataset.stratified_split`) makes one and ``meta['split']``
says so.

The private table reader here (:func:`_read_table`) is shared with the UCR and Kaggle MIT-BIH
loaders: it parses delimited text with pandas' C engine and turns every parsing problem into a
:class:`~tsviz.data.errors.DataError` that names the file, the 1-based row (the line number in the
file, as a spreadsheet shows it) and the 1-based column.
"""
from __future__ import annotations

import csv
import dataclasses
import itertools
import logging
import math
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsviz.data.dataset import Dataset, split_for_test
from tsviz.data.errors import DataError
from tsviz.data.validation import (
    DEFAULT_MAX_FILE_MB,
    MAX_LENGTH,
    MAX_LINE_CHARS,
    MAX_ROWS,
    MAX_VALUES,
    check_file,
    check_series,
    encode_labels,
    float_param,
    int_param,
    user_path,
)

__all__ = ["load_csv", "load_npz", "MAX_NPZ_MEMBERS"]

log = logging.getLogger(__name__)

#: Delimiters tried by ``delimiter="auto"``, in order of preference on a tie.
AUTO_DELIMITERS: tuple[str, ...] = ("\t", ";", ",", "whitespace")

_SNIFF_LINES = 20


# ============================================================================ parameters
# Kept under their old private names for the other loaders; see tsviz.data.validation.
_float_param = float_param
_int_param = int_param


def _split_params(test_fraction: Any, seed: Any) -> tuple[float, int]:
    """Checked ``(test_fraction, seed)`` of a seeded train/test split."""
    tf = float_param("test_fraction", test_fraction)
    if not 0.0 < tf < 1.0:
        raise DataError(f"test_fraction must be between 0 and 1, got {tf:g}")
    return tf, int_param("seed", seed, low=0)


# ============================================================================ shared table reader
def _delim_name(d: str) -> str:
    return {"\t": "tab", "whitespace": "whitespace", ",": "','", ";": "';'"}.get(d, repr(d))


def _normalize_delimiter(delimiter: str) -> str:
    d = str(delimiter)
    aliases = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "space": "whitespace",
               "whitespace": "whitespace", " ": "whitespace", r"\s+": "whitespace"}
    d = aliases.get(d.lower() if d.strip() else d, d)
    if d not in ("\t", ";", ",", "whitespace", "|"):
        raise DataError(
            f"delimiter {delimiter!r} is not supported; use 'auto', ',', ';', 'tab', '|' or 'whitespace'"
        )
    return d


def _head_lines(
    path: Path, n: int = _SNIFF_LINES, skip: int = 0, comment: str | None = None
) -> list[tuple[int, str]]:
    """The first ``n`` non-blank lines after ``skip`` lines, as ``(1-based line number, text)``.

    Lines starting with ``comment`` (after blanks) count as blank.
    """
    out: list[tuple[int, str]] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            lineno = 0
            while len(out) < n:
                line = fh.readline(MAX_LINE_CHARS + 2)
                if not line:
                    break
                lineno += 1
                if len(line) > MAX_LINE_CHARS + 1:
                    raise DataError(f"{path}: row {lineno} is longer than the cap of {MAX_LINE_CHARS} characters")
                if lineno <= skip:
                    continue
                text = line.rstrip("\r\n")
                if text.strip() and not (comment and text.lstrip().startswith(comment)):
                    out.append((lineno, text))
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 text file (invalid byte at position {exc.start})") from None
    return out


def _read_line(path: Path, lineno: int) -> str:
    """Line ``lineno`` (1-based) of a text file, without its newline ('' past the end)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        for line in itertools.islice(fh, lineno - 1, lineno):
            return line.rstrip("\r\n")
    return ""


def _read_lines(path: Path, linenos: set[int]) -> dict[int, str]:
    """Several lines of a text file in one pass: ``{1-based line number: text}``."""
    out: dict[int, str] = {}
    if not linenos:
        return out
    last = max(linenos)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno in linenos:
                out[lineno] = line.rstrip("\r\n")
            if lineno >= last:
                break
    return out


def _count_lines(path: Path) -> int:
    """Number of lines in a file (newlines, plus a last line without one), read in 1 MiB chunks."""
    n, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def _is_blank(text: str, comment: str | None) -> bool:
    t = text.strip()
    return not t or bool(comment and t.startswith(comment))


def _max_fields(path: Path, delim: str) -> tuple[int, int]:
    """``(most fields on any line, number of lines)`` (one pass; no quoting: for numeric files such
    as UCR's)."""
    best = n = 0
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            k = len(line.split()) if delim == "whitespace" else (line.count(delim) + 1 if line.strip() else 0)
            best = max(best, k)
    return best, n


def _split_line(line: str, delim: str) -> list[str]:
    """Fields of one line. Quoted fields are read with :mod:`csv` (whose field-size limit is
    131,072 characters); unquoted lines, and quoted lines it cannot read, are split plainly, so a
    long numeric line (T = 20,000 and more) never trips that limit."""
    if delim == "whitespace":
        return line.split()
    if '"' in line:
        try:
            return next(csv.reader([line], delimiter=delim))
        except (csv.Error, StopIteration):
            pass
    return line.split(delim)


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _sniff_delimiter(path: Path, lines: list[tuple[int, str]]) -> str:
    """Pick the delimiter that splits the sample lines into the same number (> 1) of fields.

    Raises :class:`DataError` naming the delimiters tried when every one gives a single column.
    """
    best: tuple[int, int, str] | None = None  # (consistent lines, -rank, delimiter)
    for rank, d in enumerate(AUTO_DELIMITERS):
        counts = [len(_split_line(t, d)) for _, t in lines]
        if max(counts) <= 1:
            continue
        mode = max(set(counts), key=counts.count)
        if mode <= 1:
            continue
        agree = sum(c == mode for c in counts)
        key = (agree, -rank, d)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        tried = ", ".join(_delim_name(d) for d in AUTO_DELIMITERS)
        raise DataError(
            f"{path}: could not detect the delimiter: every row parses into a single column with each "
            f"of the delimiters tried ({tried}); pass delimiter=... or check the file"
        )
    return best[2]


class _RaggedRows(DataError):
    """A row with more fields than the first one (pandas cannot parse on)."""


@dataclass
class _Table:
    values: np.ndarray          # (n, m) float, the non-label columns in file order
    labels: np.ndarray | None   # (n,) object, raw label strings (NaN where missing)
    lines: np.ndarray           # (n,) int, 1-based line number of each row in the file
    n_columns: int              # columns per row, label included
    label_column: int | None    # 0-based position of the label column


def _read_table(
    path: Path,
    *,
    delimiter: str,
    skiprows: int = 0,
    label_column: int | None = None,
    dtype: type = np.float64,
    decimal: str = ".",
    comment: str | None = None,
    quotechar: str = '"',
    na_values: Sequence[str] | None = None,
    n_columns: int | None = None,
) -> _Table:
    """Parse delimited numeric text with pandas' C engine.

    ``label_column`` (0-based, non-negative) is kept as raw strings; every other column must parse
    as a number (NaN and Inf are returned as they are; callers decide what they mean). Blank lines
    are skipped but row numbers in messages stay file line numbers. A row with more fields than
    the first raises :class:`_RaggedRows` unless ``n_columns`` (the widest row) is given; shorter
    rows come back NaN-padded.
    """
    first = _head_lines(path, 1, skip=skiprows, comment=comment)
    if not first:
        raise DataError(f"{path}: no data rows" + (f" after the {skiprows} header line(s)" if skiprows else ""))
    n_first = len(_split_line(first[0][1], delimiter))
    width = n_first if n_columns is None else max(n_columns, n_first)
    if width > MAX_LENGTH + 1:
        raise DataError(f"{path}: rows have {width} columns, over the cap of {MAX_LENGTH} time steps (+ the label)")
    n_lines = _count_lines(path)
    if n_lines * width > MAX_VALUES:  # pandas pads short rows to the width: bound the table first
        raise DataError(
            f"{path}: {n_lines} rows of {width} columns is over the cap of {MAX_VALUES} values"
        )
    if n_first <= 1:
        raise DataError(
            f"{path}: row {first[0][0]} parses into a single column with delimiter {_delim_name(delimiter)}; "
            f"wrong delimiter?"
        )
    if label_column is not None and not 0 <= label_column < n_first:
        raise DataError(f"{path}: label column {label_column + 1} is out of range; rows have {n_first} columns")
    dtypes: dict[int, Any] = {i: dtype for i in range(width)}
    if label_column is not None:
        dtypes[label_column] = str
    sep = r"\s+" if delimiter == "whitespace" else delimiter
    kwargs: dict[str, Any] = dict(
        sep=sep, header=None, skiprows=skiprows, skip_blank_lines=False, engine="c", decimal=decimal,
        comment=comment, quotechar=quotechar, encoding="utf-8-sig", na_values=na_values,
        nrows=MAX_ROWS + 1,
    )
    if n_columns is not None:
        kwargs["names"] = list(range(width))
    try:
        df = pd.read_csv(path, dtype=dtypes, **kwargs)
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            exp, line, saw = (int(g) for g in m.groups())
            raise _RaggedRows(
                f"{path}: ragged rows: row {line} has {saw} columns but earlier rows have {exp}"
            ) from exc
        log.debug("%s: pandas could not parse the file", path, exc_info=True)
        raise DataError(
            f"{path}: cannot parse the file as delimited numbers (unbalanced quotes or malformed rows)"
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 text file (invalid byte at position {exc.start})") from None
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path}: no data rows") from exc
    except (ValueError, TypeError, OverflowError) as exc:
        _raise_non_numeric(path, kwargs, label_column, exc, delimiter, width)
        raise  # pragma: no cover - _raise_non_numeric always raises
    if len(df) > MAX_ROWS:
        raise DataError(f"{path}: more than {MAX_ROWS} rows (blank lines included), over the cap")
    n_cols = df.shape[1]
    if n_cols <= 1 or (label_column is not None and label_column >= n_cols):
        raise DataError(
            f"{path}: rows parse into a single column with delimiter {_delim_name(delimiter)}; wrong delimiter?"
        )
    lines = skiprows + np.arange(1, len(df) + 1)
    blank = df.isna().to_numpy().all(axis=1)
    if blank.any():
        # A blank line is all-NaN; so is a row of empty fields (",,,"): keep those (they are errors).
        blank_idx = np.flatnonzero(blank)
        texts = _read_lines(path, {int(lines[i]) for i in blank_idx})
        really_blank = np.array(
            [_is_blank(texts.get(int(lines[i]), ""), comment) for i in blank_idx], dtype=bool
        )
        drop = np.zeros(len(df), dtype=bool)
        drop[blank_idx[really_blank]] = True
        df = df.loc[~drop]
        lines = lines[~drop]
    if len(df) == 0:
        raise DataError(f"{path}: no data rows")
    value_cols = [c for c in range(n_cols) if c != label_column]
    try:  # a column past the first row's width (a quote spanning lines) has no numeric dtype yet
        values = df.iloc[:, value_cols].to_numpy(dtype=dtype, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        _raise_non_numeric(path, kwargs, label_column, exc, delimiter, width)
        raise  # pragma: no cover - _raise_non_numeric always raises
    labels = None
    if label_column is not None:
        labels = df.iloc[:, label_column].to_numpy(dtype=object, na_value=np.nan)
    return _Table(values, labels, lines, n_cols, label_column)


def _raise_non_numeric(
    path: Path, kwargs: dict[str, Any], label_column: int | None, exc: Exception, delimiter: str, n_columns: int
) -> None:
    """Re-read ``path`` as strings to find the first value that is not a number; raise DataError."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=True, **kwargs)
    except Exception:  # noqa: BLE001 - the first error is the one to report
        raise DataError(f"{path}: a series value is not a number") from None
    skiprows = int(kwargs.get("skiprows") or 0)
    decimal = kwargs.get("decimal", ".")
    best: tuple[int, int] | None = None
    for c in range(df.shape[1]):
        if c == label_column:
            continue
        col = df.iloc[:, c]
        text = col.str.strip()
        if decimal != ".":
            text = text.str.replace(decimal, ".", regex=False)
        num = pd.to_numeric(text, errors="coerce")
        bad = (num.isna() & col.notna()).to_numpy()
        if bad.any():
            r = int(np.argmax(bad))
            if best is None or r < best[0]:
                best = (r, c)
    if best is None:
        raise DataError(f"{path}: a series value is not a number") from None
    r, c = best
    line = skiprows + r + 1
    try:
        k = len(_split_line(_read_line(path, line), delimiter))
    except csv.Error:
        k = n_columns
    if k < n_columns:  # a short row shifts the label into a value column
        raise DataError(f"{path}: ragged rows: row {line} has {k} columns but other rows have {n_columns}") from None
    raise DataError(
        f"{path}: non-numeric value at row {line}, column {c + 1}; series values must be numbers"
    ) from None


def _describe_missing(path: Path, line: int, column: int, delimiter: str, n_columns: int) -> str:
    """Why a parsed cell is NaN: a short (ragged) row, or an empty/NaN field."""
    raw = _read_line(path, line)
    try:
        k = len(_split_line(raw, delimiter))
    except csv.Error:
        k = n_columns
    if k < n_columns:
        return f"{path}: ragged rows: row {line} has {k} columns but other rows have {n_columns}"
    field = _split_line(raw, delimiter)[column - 1].strip() if column - 1 < k else ""
    what = "NaN or missing-value marker" if field else "empty field"
    return f"{path}: missing value ({what}) at row {line}, column {column}"


def _check_finite_table(path: Path, t: _Table, delimiter: str) -> None:
    """DataError at the first NaN/Inf/missing value of ``t.values``, naming file, row and column."""
    finite = np.isfinite(t.values)
    if finite.all():
        big = np.abs(t.values) > np.finfo(np.float32).max
        if big.any():
            r, j = np.argwhere(big)[0]
            raise DataError(f"{path}: value too large for float32 (3.4e38) at row {int(t.lines[r])}, "
                            f"column {_file_column(int(j), t.label_column)}")
        return
    rows = np.flatnonzero(~finite.all(axis=1))
    r = int(rows[0])
    j = int(np.argmax(~finite[r]))
    column = _file_column(j, t.label_column)
    v = t.values[r, j]
    if np.isinf(v):
        raise DataError(
            f"{path}: Inf value at row {int(t.lines[r])}, column {column} "
            f"({int((~finite).sum())} non-finite values in all)"
        )
    raise DataError(_describe_missing(path, int(t.lines[r]), column, delimiter, t.n_columns)
                    + f" ({int((~finite).sum())} non-finite or missing values in all)")


def _file_column(value_index: int, label_column: int | None) -> int:
    """1-based file column of value column ``value_index`` (label column removed)."""
    if label_column is not None and value_index >= label_column:
        return value_index + 2
    return value_index + 1


def _check_labels_present(path: Path, t: _Table, delimiter: str) -> None:
    missing = pd.isna(t.labels)
    if missing.any():
        r = int(np.argmax(missing))
        raw = _read_line(path, int(t.lines[r]))
        k = len(_split_line(raw, delimiter))
        if k < t.n_columns:
            raise DataError(
                f"{path}: ragged rows: row {int(t.lines[r])} has {k} columns but other rows have {t.n_columns}"
            )
        raise DataError(f"{path}: missing label at row {int(t.lines[r])}, column {t.label_column + 1}")


# ============================================================================ CSV
def _cell_numeric(s: str, decimal: str = ".") -> bool:
    s = s.strip().strip('"').strip("'")
    return _is_number(s.replace(decimal, ".") if decimal != "." else s)


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
    sample = _head_lines(path)
    if not sample:
        raise DataError(f"{path}: no data rows (the file holds only blank lines)")
    if str(delimiter).lower() == "auto":
        delim = _sniff_delimiter(path, sample)
    else:
        delim = _normalize_delimiter(delimiter)
        counts = [len(_split_line(t, delim)) for _, t in sample]
        if max(counts) <= 1:
            tried = _delim_name(delim)
            raise DataError(
                f"{path}: every row parses into a single column with delimiter {tried}; wrong delimiter? "
                f"(delimiter='auto' tries {', '.join(_delim_name(d) for d in AUTO_DELIMITERS)})"
            )
    first_line, first_text = sample[0]
    first = _split_line(first_text, delim)
    n_cols = len(first)
    decimal = "."
    if delim == ";":  # European CSV: "1,5;2,5;A"
        fields = [f for _, t in sample for f in _split_line(t, delim)]
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
            below = [_split_line(t, delim) for _, t in sample[1:]]
            want_header = all(len(b) > lab and _cell_numeric(b[lab], decimal) for b in below)
        else:
            want_header = False
    header_fields = first if want_header else None
    lab = _resolve_label_column(path, label_column, header_fields, n_cols)
    skiprows = first_line if want_header else 0
    t = _read_table(path, delimiter=delim, skiprows=skiprows, label_column=lab, decimal=decimal)
    if t.n_columns < 2:
        raise DataError(f"{path}: rows have a single column; need a label column and at least one value")
    _check_labels_present(path, t, delim)
    _check_finite_table(path, t, delim)
    info = {
        "file": str(path),
        "delimiter": _delim_name(delim),
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
    test_fraction, seed = _split_params(test_fraction, seed)
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


# ============================================================================ NPZ
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


def _read_npz(p: Path, max_bytes: int, max_mb: float) -> dict[str, np.ndarray]:
    """The arrays of :data:`NPZ_KEYS` in archive ``p``, their decompressed size held to ``max_bytes``.

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
            if key in NPZ_KEYS:
                if key in members:
                    raise DataError(f"{p}: key {key!r} appears twice in the archive")
                members[key] = info
        headers: dict[str, tuple[tuple[int, ...], bool, np.dtype]] = {}
        total = 0
        for key in NPZ_KEYS:  # pass 1: headers only
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
    test_fraction, seed = _split_params(test_fraction, seed)
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
