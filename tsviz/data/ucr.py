"""Loader for UCR/UEA archive folders: ``NAME_TRAIN`` and ``NAME_TEST`` in one of four formats.

Formats
-------
``.tsv``
    UCR archive 2018: tab-separated, no header, label in the first column, one series per row.
``.txt`` (or no extension)
    Older UCR releases: whitespace- or comma-separated, label first.
``.ts``
    sktime/aeon format: ``@problemName``, ``@univariate``/``@dimensions``, ``@equalLength``,
    ``@classLabel true <labels>``, then ``@data`` with one case per line, channels separated by
    ``:``, values by ``,``, the label last; ``?`` is a missing value. Time-stamped ``.ts`` data
    (``@timeStamps true``) and regression files (``@targetLabel``) are refused.
``.arff``
    Weka: ``@relation``, ``@attribute``, ``@data``; univariate rows ``v1,v2,...,label`` (the class
    is the last attribute), or the UEA relational multivariate form (one ``relational``
    attribute; rows ``'c1v1,c1v2,...\\nc2v1,c2v2,...',label``). Sparse rows are refused.

The preferred format when a folder holds several is ``.tsv``, then ``.ts``, ``.arff``, ``.txt``.

Unequal lengths
---------------
The UCR 2018 archive pads variable-length series with trailing ``NaN``; ``.ts`` and ``.arff``
files may hold series of different lengths (trailing ``?``, or a shorter channel list), and a
delimited file may simply have rows of different widths. Trailing NaN (or missing trailing
fields) is read as padding, so every series has a length. When the lengths differ (over train and
test together), ``length_policy`` decides:

``"resample"`` (default)
    Linearly interpolate every series to the longest length (its first and last values stay
    where they are).
``"truncate"``
    Cut every series to the shortest length.
``"pad"``
    Extend every series to the longest length by repeating its last value (not zeros, which
    would add an artificial step).
``"error"``
    Raise :class:`~tsviz.data.errors.DataError` naming the file and the lengths.

A NaN *inside* a series (followed by a value) is a missing value, not padding, and raises
:class:`~tsviz.data.errors.DataError` naming file, row and column. ``Inf`` is always an error.

Multichannel ``.ts``/``.arff`` data (``@dimensions`` > 1) gives arrays of shape ``(n, C, T)``;
each (case, channel) series is padded/resampled on its own, to one common ``T``.

UCR values are z-normalised or otherwise unitless: the dataset has ``unit="a.u."``, ``fs=None``.
Labels of train and test are encoded together (:func:`~tsviz.data.validation.encode_labels`), so
``class_names`` are the original label strings (``"-1"``, ``"1"``), numeric labels ordered
numerically.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.data.dataset import Dataset
from tsviz.data.errors import DataError
from tsviz.data.text_tables import (
    RaggedRows,
    check_labels_present,
    head_lines,
    max_fields,
    read_table,
    sniff_delimiter,
)
from tsviz.data.validation import (
    DEFAULT_MAX_FILE_MB,
    MAX_CHANNELS,
    MAX_LENGTH,
    MAX_ROWS,
    MAX_VALUES,
    check_file,
    check_shape,
    encode_labels,
    float_param,
    label_name,
    path_kind,
    user_path,
)

__all__ = ["load_ucr", "LENGTH_POLICIES", "UCR_SOURCE"]

UCR_SOURCE = "UCR Time Series Classification Archive 2018 (Dau et al. 2019)"
LENGTH_POLICIES = ("resample", "truncate", "pad", "error")
#: Extensions in order of preference; "" is the extension-less UCR 2015 layout (read like .txt).
_EXTENSIONS = (".tsv", ".ts", ".arff", ".txt", "")
_SPLIT_RE = re.compile(r"^(?P<stem>.+)_(?P<split>TRAIN|TEST)(?P<ext>\.[A-Za-z]+)?$", re.IGNORECASE)


# ============================================================================ locating files
def _supported(ext: str) -> bool:
    return ext.lower() in _EXTENSIONS


def _find_pair(path: Path) -> tuple[str, Path, Path, str]:
    """``(name, train_file, test_file, extension)`` from a folder or one of the two files."""
    p = user_path(path)
    kind = path_kind(p)
    if kind is None:
        raise DataError(f"UCR dataset not found: {p} (give the folder holding NAME_TRAIN and NAME_TEST)")
    if kind == "file":
        m = _SPLIT_RE.match(p.name)
        if not m or not _supported(m.group("ext") or ""):
            raise DataError(
                f"{p}: expected a file named NAME_TRAIN.<ext> or NAME_TEST.<ext> with ext one of "
                f".tsv, .ts, .arff, .txt"
            )
        stem, ext = m.group("stem"), m.group("ext") or ""
        split = m.group("split")
        other = "TEST" if split.upper() == "TRAIN" else "TRAIN"
        other = other if split.isupper() else other.lower()
        sibling = _existing(p.parent, f"{stem}_{other}{ext}")
        train, test = (p, sibling) if split.upper() == "TRAIN" else (sibling, p)
        if test is None:
            raise DataError(
                f"{p.parent}: no TEST file: found {p.name} but no {stem}_TEST{ext}; the UCR loader needs "
                f"the official train/test split"
            )
        if train is None:
            raise DataError(f"{p.parent}: no TRAIN file: found {p.name} but no {stem}_TRAIN{ext}")
        return p.parent.name, train, test, ext.lower()
    folder = p
    try:
        files = [f for f in folder.iterdir() if f.is_file()]
    except OSError as exc:
        raise DataError(f"{folder}: cannot list the folder ({exc.strerror or type(exc).__name__})") from None
    candidates: dict[tuple[str, str], dict[str, Path]] = {}
    for f in files:
        m = _SPLIT_RE.match(f.name)
        if m and _supported(m.group("ext") or ""):
            key = (m.group("stem"), (m.group("ext") or "").lower())
            candidates.setdefault(key, {})[m.group("split").upper()] = f
    if not candidates:
        raise DataError(
            f"{folder}: no UCR files found (expected {folder.name}_TRAIN.tsv and {folder.name}_TEST.tsv, "
            f"or .ts/.arff/.txt)"
        )
    stems = {s for s, _ in candidates}
    if folder.name in stems:
        stem = folder.name
    else:
        lowered = {s.lower(): s for s in stems}
        stem = lowered.get(folder.name.lower(), "")
        if not stem:
            if len(stems) > 1:
                raise DataError(
                    f"{folder}: holds {len(stems)} datasets and none is named after the folder; give the "
                    f"path of one NAME_TRAIN file"
                )
            stem = next(iter(stems))
    complete = [ext for ext in _EXTENSIONS if len(candidates.get((stem, ext), {})) == 2]
    if complete:
        ext = complete[0]
        pair = candidates[(stem, ext)]
        return folder.name, pair["TRAIN"], pair["TEST"], ext
    # Name files only by the folder's own name (never by what a listing found).
    label = stem if stem.lower() == folder.name.lower() else "NAME"
    if any("TEST" not in d for (s, _), d in candidates.items() if s == stem):
        raise DataError(
            f"{folder}: no TEST file: a {label}_TRAIN file but no matching {label}_TEST file; the UCR "
            f"loader needs the official train/test split (this folder is incomplete)"
        )
    raise DataError(f"{folder}: no TRAIN file: a {label}_TEST file but no matching {label}_TRAIN file")


def _existing(folder: Path, name: str) -> Path | None:
    f = folder / name
    if f.is_file():
        return f
    low = name.lower()
    for g in folder.iterdir():
        if g.name.lower() == low and g.is_file():
            return g
    return None


# ============================================================================ readers
# Each reader returns (P, labels, lines, info): P float64 (n, C, L) with NaN as missing/padding,
# labels raw (n,) object, lines (n,) 1-based file line of each case, and a `where` function that
# names a (case, channel, time step) position in the file.


def _read_delimited(path: Path, ext: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, str]:
    sample = head_lines(path, 20)
    if not sample:
        raise DataError(f"{path}: no data rows (only blank lines)")
    if ext == ".tsv" and "\t" in sample[0][1]:
        delim = "\t"
    elif ext in (".txt", "") and "," in sample[0][1]:
        delim = ","
    elif ext in (".txt", ""):
        delim = "whitespace"
    else:
        delim = sniff_delimiter(path, sample)
    try:
        t = read_table(path, delimiter=delim, label_column=0)
    except RaggedRows:  # unpadded variable-length rows: read as NaN-padded to the widest row
        width, n_lines = max_fields(path, delim)
        if width > MAX_LENGTH + 1 or n_lines * width > MAX_VALUES:
            raise DataError(
                f"{path}: {n_lines} rows padded to the widest row of {width} columns is over the caps "
                f"({MAX_LENGTH} time steps, {MAX_VALUES} values)"
            ) from None
        t = read_table(path, delimiter=delim, label_column=0, n_columns=width)
    check_labels_present(path, t, delim)
    lines = t.lines

    def where(i: int, c: int, j: int) -> str:
        return f"row {int(lines[i])}, column {j + 2} (time step {j + 1})"

    fmt = {"\t": "tab", ",": "comma", "whitespace": "whitespace"}.get(delim, delim)
    return t.values[:, None, :], np.asarray(t.labels, dtype=object), lines, where, f"{fmt}-separated"


def _parse_values(text: str, path: Path, line: int, channel: int, n_channels: int) -> np.ndarray:
    parts = text.split(",") if text.strip() else []
    try:
        return np.array([np.nan if s.strip() in ("?", "") else float(s) for s in parts], dtype=np.float64)
    except ValueError:
        for k, s in enumerate(parts):
            if s.strip() not in ("?", "") and not _is_float(s):
                ch = f", channel {channel + 1}" if n_channels > 1 else ""
                raise DataError(
                    f"{path}: non-numeric value at row {line}{ch}, time step {k + 1}"
                ) from None
        raise  # pragma: no cover


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _stack(rows: list[list[np.ndarray]], path: Path) -> np.ndarray:
    """(n, C, L) float64 from per-case lists of 1-D channel arrays, NaN-padded at the end."""
    n, C = len(rows), len(rows[0])
    L = max((a.size for r in rows for a in r), default=0)
    check_shape((n, C, max(L, 1)), source=f"{path} (padded to the longest series)")
    P = np.full((n, C, max(L, 1)), np.nan)
    for i, r in enumerate(rows):
        for c, a in enumerate(r):
            P[i, c, : a.size] = a
    return P


def _ts_check_header(path: Path, header: dict[str, str]) -> int | None:
    """Validate the tags of a .ts file at ``@data``; return the declared channel count (or None)."""
    if header.get("timestamps", "false").lower() == "true":
        raise DataError(f"{path}: time-stamped .ts data (@timeStamps true) is not supported")
    if header.get("targetlabel", "").lower().startswith("true"):
        raise DataError(f"{path}: a regression file (@targetLabel true); tsviz needs class labels")
    cl = header.get("classlabel", "")
    if not cl.lower().startswith("true"):
        raise DataError(
            f"{path}: no class labels (@classLabel {'is not true' if cl else 'missing'}); tsviz needs "
            f"'@classLabel true <labels>'"
        )
    if "dimensions" in header:
        try:
            dims = int(header["dimensions"])
        except ValueError:
            raise DataError(f"{path}: @dimensions must be an integer") from None
        if not 1 <= dims <= MAX_CHANNELS:
            raise DataError(f"{path}: @dimensions must be between 1 and {MAX_CHANNELS}")
        return dims
    return 1 if header.get("univariate", "").lower() == "true" else None


def _read_ts(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, str]:
    header: dict[str, str] = {}
    rows: list[list[np.ndarray]] = []
    labels: list[str] = []
    lines: list[int] = []
    in_data = False
    n_dims: int | None = None
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for lineno, raw in enumerate(fh, start=1):
                s = raw.strip()
                if not s or s.startswith("#"):
                    continue
                if not in_data:
                    if not s.startswith("@"):
                        raise DataError(f"{path}: line {lineno}: expected an @-tag before @data; not a .ts file?")
                    tag, _, rest = s[1:].partition(" ")
                    header[tag.lower()] = rest.strip()
                    if tag.lower() == "data":
                        in_data = True
                        n_dims = _ts_check_header(path, header)
                    continue
                if s.startswith("("):
                    raise DataError(f"{path}: row {lineno}: time-stamped values '(t,v)' are not supported")
                *chans, label = s.split(":")
                if not chans:
                    raise DataError(f"{path}: row {lineno}: expected channels separated by ':' and the label last")
                n_dims = len(chans) if n_dims is None else n_dims
                if len(chans) != n_dims:
                    raise DataError(f"{path}: row {lineno} has {len(chans)} channels but the file has {n_dims}")
                rows.append([_parse_values(ch, path, lineno, c, n_dims) for c, ch in enumerate(chans)])
                labels.append(label.strip())
                lines.append(lineno)
                _check_ts_size(path, lineno, rows)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file") from None
    if not in_data:
        raise DataError(f"{path}: no @data line; not a .ts file")
    if not rows:
        raise DataError(f"{path}: no data rows after @data")
    for ln, lab in zip(lines, labels):
        if not lab:
            raise DataError(f"{path}: missing label at row {ln}")
    declared = header.get("classlabel", "").split()[1:]
    if declared:
        known = {_norm_label(d) for d in declared}
        unknown = [(ln, lab) for ln, lab in zip(lines, labels) if _norm_label(lab) not in known]
        if unknown:
            ln, _ = unknown[0]
            raise DataError(f"{path}: row {ln}: the label is not among the {len(declared)} declared @classLabel values")
    P = _stack(rows, path)
    line_arr = np.asarray(lines)
    where = _row_locator(line_arr, P.shape[1])
    return P, np.asarray(labels, dtype=object), line_arr, where, "ts (sktime)"


def _check_ts_size(path: Path, lineno: int, rows: list[list[np.ndarray]]) -> None:
    """Hold a line-by-line reader to the caps: rows, channels and length of the newest row."""
    last = rows[-1]
    longest = max((a.size for a in last), default=0)
    if len(rows) > MAX_ROWS or len(last) > MAX_CHANNELS or longest > MAX_LENGTH:
        raise DataError(
            f"{path}: row {lineno} is past the caps ({MAX_ROWS} rows, {MAX_CHANNELS} channels, "
            f"{MAX_LENGTH} time steps)"
        )


def _row_locator(line_arr: np.ndarray, n_channels: int):
    """``where(i, c, j)`` -> "row <file line>[, channel c], time step j" for error messages."""
    def where(i: int, c: int, j: int) -> str:
        ch = f", channel {c + 1}" if n_channels > 1 else ""
        return f"row {int(line_arr[i])}{ch}, time step {j + 1}"

    return where


def _norm_label(s: str) -> str:
    return label_name(float(s)) if _is_float(s) else s


def _strip_quotes(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


_ATTR_RE = re.compile(r"""^@attribute\s+('[^']*'|"[^"]*"|\S+)\s+(.*)$""", re.IGNORECASE)


def _read_arff(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, str]:
    attrs: list[tuple[str, str]] = []  # top-level (name, type)
    relational: str | None = None
    nested = 0
    data_line = None
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for lineno, raw in enumerate(fh, start=1):
                s = raw.strip()
                if not s or s.startswith("%"):
                    continue
                low = s.lower()
                if low.startswith("@data"):
                    data_line = lineno
                    break
                if low.startswith("@end"):
                    relational = None
                    continue
                if low.startswith("@attribute"):
                    m = _ATTR_RE.match(s)
                    if not m:
                        raise DataError(f"{path}: line {lineno}: cannot read the @attribute line")
                    name, typ = _strip_quotes(m.group(1)), m.group(2).strip()
                    if relational is not None:
                        nested += 1
                        continue
                    attrs.append((name, typ))
                    if typ.lower() == "relational":
                        relational = name
                    continue
                if low.startswith("@relation"):
                    continue
                raise DataError(f"{path}: line {lineno}: unexpected header line; not an ARFF file?")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file") from None
    if data_line is None:
        raise DataError(f"{path}: no @data line; not an ARFF file")
    if len(attrs) < 2:
        raise DataError(f"{path}: needs at least one series attribute and a class attribute, found {len(attrs)}")
    rel = [i for i, (_, t) in enumerate(attrs) if t.lower() == "relational"]
    if rel:
        if len(attrs) != 2 or rel[0] != 0:
            raise DataError(f"{path}: relational ARFF must have one relational attribute then the class attribute")
        return _read_arff_relational(path, data_line)
    for k, (_, typ) in enumerate(attrs[:-1]):
        if typ.lower() not in ("numeric", "real", "integer"):
            raise DataError(f"{path}: attribute {k + 1} is not numeric; series attributes must be numeric")
    first = head_lines(path, 1, skip=data_line, comment="%")
    if first and first[0][1].lstrip().startswith("{"):
        raise DataError(f"{path}: row {first[0][0]}: sparse ARFF rows are not supported")
    n_attr = len(attrs)
    t = read_table(path, delimiter=",", skiprows=data_line, label_column=n_attr - 1, comment="%",
                    quotechar="'", na_values=["?"])
    if t.n_columns != n_attr:
        raise DataError(
            f"{path}: rows have {t.n_columns} columns but the header declares {n_attr} attributes"
        )
    check_labels_present(path, t, ",")
    lines = t.lines

    def where(i: int, c: int, j: int) -> str:
        return f"row {int(lines[i])}, column {j + 1} (attribute {j + 1})"

    labels = np.array([_strip_quotes(str(v)) for v in t.labels], dtype=object)
    return t.values[:, None, :], labels, lines, where, "arff"


_REL_ROW = re.compile(r"""^\s*(['"])(.*)\1\s*,\s*(.+?)\s*$""", re.DOTALL)


def _read_arff_relational(path: Path, data_line: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, str]:
    rows: list[list[np.ndarray]] = []
    labels: list[str] = []
    lines: list[int] = []
    n_dims: int | None = None
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno <= data_line:
                continue
            s = raw.strip()
            if not s or s.startswith("%"):
                continue
            m = _REL_ROW.match(s)
            if not m:
                raise DataError(
                    f"{path}: row {lineno}: expected a quoted relational value then the label, "
                    f"like 'v1,v2\\nw1,w2',label"
                )
            body, label = m.group(2), _strip_quotes(m.group(3))
            chans = body.replace("\\n", "\n").split("\n")
            if n_dims is None:
                n_dims = len(chans)
            if len(chans) != n_dims:
                raise DataError(f"{path}: row {lineno} has {len(chans)} channels but earlier rows have {n_dims}")
            rows.append([_parse_values(ch, path, lineno, c, n_dims) for c, ch in enumerate(chans)])
            labels.append(label)
            lines.append(lineno)
            _check_ts_size(path, lineno, rows)
    if not rows:
        raise DataError(f"{path}: no data rows after @data")
    P = _stack(rows, path)
    line_arr = np.asarray(lines)
    where = _row_locator(line_arr, P.shape[1])
    return P, np.asarray(labels, dtype=object), line_arr, where, "arff (relational, multivariate)"


def _read_split(path: Path, ext: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, str]:
    if ext == ".ts":
        return _read_ts(path)
    if ext == ".arff":
        return _read_arff(path)
    return _read_delimited(path, ext)


# ============================================================================ lengths
def _series_lengths(P: np.ndarray, path: Path, where: Any) -> np.ndarray:
    """Length of every (case, channel) series, trailing NaN being padding; (n, C) int.

    Raises DataError for Inf anywhere, NaN before the end of a series, or an empty series.
    """
    isinf = np.isinf(P)
    if isinf.any():
        i, c, j = np.argwhere(isinf)[0]
        raise DataError(f"{path}: Inf value at {where(i, c, j)}")
    valid = ~np.isnan(P)
    L = P.shape[2]
    lengths = L - np.argmax(valid[..., ::-1], axis=-1)
    lengths[~valid.any(axis=-1)] = 0
    empty = lengths == 0
    if empty.any():
        i, c = np.argwhere(empty)[0]
        ch = f" (channel {c + 1})" if P.shape[1] > 1 else ""
        raise DataError(f"{path}: {where(i, c, 0).split(',')[0]}{ch} has no values (all missing)")
    inner = ~valid & (np.arange(L) < lengths[..., None])
    if inner.any():
        i, c, j = np.argwhere(inner)[0]
        raise DataError(
            f"{path}: NaN (missing value) inside a series at {where(i, c, j)}; only trailing NaN padding "
            f"of variable-length series is allowed ({int(inner.sum())} such values in all)"
        )
    return lengths


def _apply_policy(P: np.ndarray, lengths: np.ndarray, policy: str, target: int) -> np.ndarray:
    """Bring every (case, channel) series of ``P`` to ``target`` time steps (see module docstring)."""
    n, C, _ = P.shape
    lengths = lengths[..., None]  # (n, C, 1)
    t = np.arange(target)[None, None, :]
    if policy == "truncate":
        return P[..., :target]
    if policy == "pad":
        idx = np.minimum(t, lengths - 1)
        return np.take_along_axis(P, np.broadcast_to(idx, (n, C, target)), axis=-1)
    # resample: position t of the target maps to t * (len - 1) / (target - 1) in the source
    if target == 1:
        return P[..., :1]
    pos = t * (lengths - 1) / (target - 1)
    i0 = np.floor(pos).astype(np.int64)
    i1 = np.minimum(i0 + 1, lengths - 1)
    frac = pos - i0
    a = np.take_along_axis(P, np.broadcast_to(i0, (n, C, target)), axis=-1)
    b = np.take_along_axis(P, np.broadcast_to(i1, (n, C, target)), axis=-1)
    return a + (b - a) * frac


# ============================================================================ loader
def load_ucr(
    folder: str | os.PathLike,
    *,
    length_policy: str = "resample",
    max_mb: float = DEFAULT_MAX_FILE_MB,
) -> Dataset:
    """Load a UCR/UEA archive dataset with its official train/test split.

    Parameters
    ----------
    folder : path-like
        The dataset folder (``.../CBF`` holding ``CBF_TRAIN.tsv`` and ``CBF_TEST.tsv``), or the
        path of one of the two files (its sibling is found by swapping ``TRAIN``/``TEST``).
        Formats: ``.tsv``, ``.txt`` (or none), ``.ts``, ``.arff``; see the module docstring.
    length_policy : {"resample", "truncate", "pad", "error"}, default "resample"
        What to do when series lengths differ (see the module docstring).
    max_mb : float
        Largest file read, in MiB.

    Returns
    -------
    Dataset
        Named after the folder; ``X`` of shape ``(n, C, T)`` (``C`` = 1 unless the ``.ts``/``.arff``
        file is multivariate), ``unit="a.u."``, ``fs=None``; ``meta`` has ``source``, ``files``,
        ``format``, ``length_policy`` and the original length range.

    Raises
    ------
    DataError
        Missing folder or file (in particular ``no TEST file`` for a folder holding only the
        training file), empty or over-size file, non-numeric values, ragged rows, NaN inside a
        series or Inf (naming file, row and column), unequal lengths with
        ``length_policy="error"``, missing labels, fewer than two classes, an unknown policy.
    """
    if not isinstance(length_policy, str) or length_policy not in LENGTH_POLICIES:
        raise DataError(f"length_policy must be one of {', '.join(LENGTH_POLICIES)}, got {str(length_policy)[:40]!r}")
    max_mb = float_param("max_mb", max_mb, positive=True)
    name, train_path, test_path, ext = _find_pair(user_path(folder))
    train_path = check_file(train_path, max_mb=max_mb)
    test_path = check_file(test_path, max_mb=max_mb)
    Ptr, labtr, _, where_tr, fmt = _read_split(train_path, ext)
    Pte, labte, _, where_te, _ = _read_split(test_path, ext)
    if Ptr.shape[1] != Pte.shape[1]:
        raise DataError(
            f"{test_path}: test series have {Pte.shape[1]} channels but training series in {train_path.name} "
            f"have {Ptr.shape[1]}"
        )
    len_tr = _series_lengths(Ptr, train_path, where_tr)
    len_te = _series_lengths(Pte, test_path, where_te)
    lo = int(min(len_tr.min(), len_te.min()))
    hi = int(max(len_tr.max(), len_te.max()))
    meta: dict[str, Any] = {
        "source": UCR_SOURCE,
        "files": [str(train_path), str(test_path)],
        "format": fmt,
        "original_length": {"min": lo, "max": hi},
    }
    if lo == hi:
        Xtr, Xte = Ptr[..., :hi], Pte[..., :hi]
        meta["length_policy"] = "none needed (equal lengths)"
    else:
        if length_policy == "error":
            which, lens, wh = (train_path, len_tr, where_tr) if len_tr.min() == lo else (test_path, len_te, where_te)
            i, c = np.argwhere(lens == lo)[0]
            raise DataError(
                f"{name}: series have unequal lengths ({lo} to {hi} time steps; e.g. {which.name} "
                f"{wh(i, c, 0).split(',')[0]} has {lo}) and length_policy='error'; use 'resample', "
                f"'truncate' or 'pad'"
            )
        target = lo if length_policy == "truncate" else hi
        Xtr = _apply_policy(Ptr, len_tr, length_policy, target)
        Xte = _apply_policy(Pte, len_te, length_policy, target)
        meta["length_policy"] = f"{length_policy} (lengths {lo}..{hi} -> {target})"
    (ytr, yte), class_names = encode_labels(labtr, labte, source=f"{train_path} + {test_path.name}")
    meta["n_channels"] = int(Xtr.shape[1])
    return Dataset(
        name,
        Xtr,
        ytr,
        Xte,
        yte,
        class_names,
        fs=None,
        unit="a.u.",
        meta=meta,
    )
