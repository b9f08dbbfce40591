"""Reading delimited numeric text tables: the pieces every text loader shares.

The CSV (:mod:`tsviz.data.tabular`), UCR (:mod:`tsviz.data.ucr`) and Kaggle MIT-BIH
(:mod:`tsviz.data.mitbih_csv`) loaders read their files through :func:`read_table`, which parses
delimited text with pandas' C engine and turns every parsing problem into a
:class:`~tsviz.data.errors.DataError` naming the file, the 1-based row (the line number in the
file, as a spreadsheet shows it) and the 1-based column, never the cell's text.

- :func:`head_lines`, :func:`sniff_delimiter`, :func:`normalize_delimiter`, :func:`split_line`:
  the first lines of a file and its delimiter;
- :func:`read_table` -> :class:`Table`; :class:`RaggedRows` when a row is wider than the first;
  :func:`max_fields` for re-reading such a file padded to its widest row;
- :func:`check_finite_table`, :func:`check_labels_present`: the first missing/NaN/Inf value or
  missing label, by row and column.

Caps (:mod:`tsviz.data.validation`): ``MAX_LINE_CHARS`` per line, ``MAX_LENGTH`` columns,
``MAX_ROWS`` rows, ``MAX_VALUES`` values per parsed table.
"""
from __future__ import annotations

import csv
import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsviz.data.errors import DataError
from tsviz.data.validation import MAX_LENGTH, MAX_LINE_CHARS, MAX_ROWS, MAX_VALUES

__all__ = [
    "AUTO_DELIMITERS", "SNIFF_LINES", "delimiter_name", "normalize_delimiter", "head_lines", "split_line",
    "is_number", "max_fields", "sniff_delimiter", "RaggedRows", "Table", "read_table", "check_finite_table",
    "check_labels_present",
]

log = logging.getLogger(__name__)

#: Delimiters tried by ``delimiter="auto"``, in order of preference on a tie.
AUTO_DELIMITERS: tuple[str, ...] = ("\t", ";", ",", "whitespace")
#: Lines sampled to detect a delimiter or a header.
SNIFF_LINES = 20


def delimiter_name(d: str) -> str:
    """How a delimiter is named in messages: ``"tab"``, ``"whitespace"``, ``"','"``, ``"';'"``."""
    return {"\t": "tab", "whitespace": "whitespace", ",": "','", ";": "';'"}.get(d, repr(d))


def normalize_delimiter(delimiter: str) -> str:
    """A user's delimiter as one of ``"\\t"``, ``";"``, ``","``, ``"|"``, ``"whitespace"``
    (``"tab"``, ``"comma"``, ``"space"`` ... accepted); DataError for anything else."""
    d = str(delimiter)
    aliases = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "space": "whitespace",
               "whitespace": "whitespace", " ": "whitespace", r"\s+": "whitespace"}
    d = aliases.get(d.lower() if d.strip() else d, d)
    if d not in ("\t", ";", ",", "whitespace", "|"):
        raise DataError(
            f"delimiter {delimiter!r} is not supported; use 'auto', ',', ';', 'tab', '|' or 'whitespace'"
        )
    return d


def head_lines(
    path: Path, n: int = SNIFF_LINES, skip: int = 0, comment: str | None = None
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


def max_fields(path: Path, delim: str) -> tuple[int, int]:
    """``(most fields on any line, number of lines)`` (one pass; no quoting: for numeric files such
    as UCR's)."""
    best = n = 0
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            n += 1
            k = len(line.split()) if delim == "whitespace" else (line.count(delim) + 1 if line.strip() else 0)
            best = max(best, k)
    return best, n


def split_line(line: str, delim: str) -> list[str]:
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


def is_number(s: str) -> bool:
    """Whether ``float(s)`` parses."""
    try:
        float(s)
        return True
    except ValueError:
        return False


def sniff_delimiter(path: Path, lines: list[tuple[int, str]]) -> str:
    """Pick the delimiter that splits the sample lines into the same number (> 1) of fields.

    Raises :class:`DataError` naming the delimiters tried when every one gives a single column.
    """
    best: tuple[int, int, str] | None = None  # (consistent lines, -rank, delimiter)
    for rank, d in enumerate(AUTO_DELIMITERS):
        counts = [len(split_line(t, d)) for _, t in lines]
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
        tried = ", ".join(delimiter_name(d) for d in AUTO_DELIMITERS)
        raise DataError(
            f"{path}: could not detect the delimiter: every row parses into a single column with each "
            f"of the delimiters tried ({tried}); pass delimiter=... or check the file"
        )
    return best[2]


class RaggedRows(DataError):
    """A row with more fields than the first one (pandas cannot parse on)."""


@dataclass
class Table:
    """A parsed table: numeric value columns, raw labels and the file line of each row."""

    values: np.ndarray          # (n, m) float, the non-label columns in file order
    labels: np.ndarray | None   # (n,) object, raw label strings (NaN where missing)
    lines: np.ndarray           # (n,) int, 1-based line number of each row in the file
    n_columns: int              # columns per row, label included
    label_column: int | None    # 0-based position of the label column


def read_table(
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
) -> Table:
    """Parse delimited numeric text with pandas' C engine.

    ``label_column`` (0-based, non-negative) is kept as raw strings; every other column must parse
    as a number (NaN and Inf are returned as they are; callers decide what they mean). Blank lines
    are skipped but row numbers in messages stay file line numbers. A row with more fields than
    the first raises :class:`RaggedRows` unless ``n_columns`` (the widest row) is given; shorter
    rows come back NaN-padded.
    """
    first = head_lines(path, 1, skip=skiprows, comment=comment)
    if not first:
        raise DataError(f"{path}: no data rows" + (f" after the {skiprows} header line(s)" if skiprows else ""))
    n_first = len(split_line(first[0][1], delimiter))
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
            f"{path}: row {first[0][0]} parses into a single column with delimiter {delimiter_name(delimiter)}; "
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
            raise RaggedRows(
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
            f"{path}: rows parse into a single column with delimiter {delimiter_name(delimiter)}; wrong delimiter?"
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
    return Table(values, labels, lines, n_cols, label_column)


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
        k = len(split_line(_read_line(path, line), delimiter))
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
        k = len(split_line(raw, delimiter))
    except csv.Error:
        k = n_columns
    if k < n_columns:
        return f"{path}: ragged rows: row {line} has {k} columns but other rows have {n_columns}"
    field = split_line(raw, delimiter)[column - 1].strip() if column - 1 < k else ""
    what = "NaN or missing-value marker" if field else "empty field"
    return f"{path}: missing value ({what}) at row {line}, column {column}"


def check_finite_table(path: Path, t: Table, delimiter: str) -> None:
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


def check_labels_present(path: Path, t: Table, delimiter: str) -> None:
    """DataError at the first row of ``t`` without a label (a ragged row or an empty field)."""
    missing = pd.isna(t.labels)
    if missing.any():
        r = int(np.argmax(missing))
        raw = _read_line(path, int(t.lines[r]))
        k = len(split_line(raw, delimiter))
        if k < t.n_columns:
            raise DataError(
                f"{path}: ragged rows: row {int(t.lines[r])} has {k} columns but other rows have {t.n_columns}"
            )
        raise DataError(f"{path}: missing label at row {int(t.lines[r])}, column {t.label_column + 1}")
