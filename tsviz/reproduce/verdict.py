"""Verdicts: how a measured table compares with a paper's.

:func:`compare` pairs the paper's rows with the measured ones on ``key_columns`` and compares the
``value_columns``:

``"matches"``
    every paired value is within tolerance: ``|measured - paper| <= max(abs_tol, rel_tol * |paper|)``
    (the :func:`math.isclose` rule, with a 1e-9 slack so a difference of exactly the tolerance
    counts as within).
``"same direction"``
    not every value is within tolerance, but the paper's claims hold in the measurement: each
    ``direction`` claim ``(row_a, row_b, column, ">" | "<")`` holds on the measured rows; or, when
    ``direction`` is None, the ranking of the paired rows agrees on every value column with at
    least two paired rows (Kendall's tau > 0, :func:`scipy.stats.kendalltau`).
``"differs"``
    otherwise (including a ranking that cannot be computed, e.g. one paired row and no claims).
``"not run"``
    nothing was measured: no paired row has a finite measured value.

A measured value that is ``None``, NaN or not a number counts as *not measured* (it is listed in the
details, never compared). A row selector in a direction claim is a tuple of all key values, a dict
``{column: value}`` of some of them, or a string that is a value of one key column (``"Baseline"``);
a partial selector is applied within every group of rows sharing the other key values (e.g. per
dataset and eps), and the claim must hold in each group that was measured.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tsviz.reproduce.errors import ReproduceError

__all__ = ["Verdict", "VERDICT_LABELS", "compare", "compare_table", "as_number", "row_key"]

VERDICT_LABELS = ("matches", "same direction", "differs", "not run")
_SLACK = 1e-9


@dataclass(frozen=True)
class Verdict:
    """The outcome of a comparison.

    Attributes
    ----------
    label : str
        One of :data:`VERDICT_LABELS`.
    details : list of str
        One line per compared value, claim or ranking (and per row not measured).
    """

    label: str
    details: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.label not in VERDICT_LABELS:
            raise ReproduceError(f"verdict label must be one of {VERDICT_LABELS}, got {self.label!r}")

    def to_json(self) -> dict:
        return {"label": self.label, "details": list(self.details)}

    @classmethod
    def from_json(cls, obj: Mapping) -> Verdict:
        return cls(label=str(obj.get("label", "not run")), details=[str(d) for d in obj.get("details", [])])


def as_number(value: Any) -> float | None:
    """``value`` as a finite float, or None when it is missing, NaN, infinite or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _norm(value: Any) -> Any:
    """A hashable, comparable form of a key value (numbers rounded so 0.1 == 0.1000000001)."""
    x = as_number(value)
    if x is not None and not isinstance(value, str):
        return round(x, 9)
    return str(value)


def row_key(row: Mapping, key_columns: Sequence[str]) -> tuple:
    """The normalised key of ``row`` on ``key_columns`` (a missing column is ``""``)."""
    return tuple(_norm(row.get(c, "")) for c in key_columns)


def _fmt_key(key: tuple, key_columns: Sequence[str]) -> str:
    return " ".join(f"{c}={v}" for c, v in zip(key_columns, key))


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.4g}"


def _check_inputs(paper_rows, measured_rows, key_columns, value_columns, abs_tol, rel_tol) -> None:
    for name, rows in (("paper_rows", paper_rows), ("measured_rows", measured_rows)):
        if not isinstance(rows, Iterable) or isinstance(rows, (str, bytes, Mapping)):
            raise ReproduceError(f"{name} must be a list of dicts, got {type(rows).__name__}")
        for r in rows:
            if not isinstance(r, Mapping):
                raise ReproduceError(f"{name} must hold dicts, got a {type(r).__name__}")
    for name, cols in (("key_columns", key_columns), ("value_columns", value_columns)):
        if isinstance(cols, str) or not all(isinstance(c, str) for c in cols):
            raise ReproduceError(f"{name} must be a sequence of column names, got {cols!r}")
    if not value_columns:
        raise ReproduceError("value_columns must name at least one column")
    for name, tol in (("abs_tol", abs_tol), ("rel_tol", rel_tol)):
        t = as_number(tol)
        if t is None or t < 0:
            raise ReproduceError(f"{name} must be a finite number >= 0, got {tol!r}")


def compare_table(paper_rows: Sequence[Mapping], measured_rows: Sequence[Mapping], *,
                  key_columns: Sequence[str], value_columns: Sequence[str], abs_tol: float = 0.02,
                  rel_tol: float = 0.1) -> list[dict]:
    """The paper's rows beside the measured ones, one row per paper row and value column.

    Parameters
    ----------
    paper_rows, measured_rows : sequence of dict
        Rows ``column -> value``; rows are paired on ``key_columns`` (the first measured row with
        a key wins).
    key_columns, value_columns : sequence of str
    abs_tol, rel_tol : float
        A value is within tolerance when ``|measured - paper| <= max(abs_tol, rel_tol * |paper|)``.

    Returns
    -------
    list of dict
        The key columns, then ``column``, ``paper``, ``tsviz`` (None when not measured), ``diff``
        (tsviz - paper) and ``within`` (True / False / None when not compared). Paper rows whose
        value is missing are skipped.
    """
    _check_inputs(paper_rows, measured_rows, key_columns, value_columns, abs_tol, rel_tol)
    measured: dict[tuple, Mapping] = {}
    for r in measured_rows:
        measured.setdefault(row_key(r, key_columns), r)
    out: list[dict] = []
    for p in paper_rows:
        key = row_key(p, key_columns)
        m = measured.get(key)
        for col in value_columns:
            pv = as_number(p.get(col))
            if pv is None:
                continue
            mv = as_number(m.get(col)) if m is not None else None
            tol = max(float(abs_tol), float(rel_tol) * abs(pv))
            row = {c: p.get(c) for c in key_columns}
            row.update(column=col, paper=pv, tsviz=mv,
                       diff=None if mv is None else mv - pv,
                       within=None if mv is None else abs(mv - pv) <= tol + _SLACK, tolerance=tol)
            out.append(row)
    return out


def _selector(sel: Any, key_columns: Sequence[str], rows: Sequence[Mapping]) -> dict[str, Any]:
    """A row selector (tuple / dict / string) as ``{column: normalised value}``."""
    if isinstance(sel, Mapping):
        bad = [c for c in sel if c not in key_columns]
        if bad:
            raise ReproduceError(f"direction selector names unknown key columns {bad}; key columns are "
                                 f"{list(key_columns)}")
        return {c: _norm(v) for c, v in sel.items()}
    if isinstance(sel, (tuple, list)):
        if len(sel) != len(key_columns):
            raise ReproduceError(f"direction selector {tuple(sel)!r} must give {len(key_columns)} key values "
                                 f"({list(key_columns)}), or be a dict or one value")
        return {c: _norm(v) for c, v in zip(key_columns, sel)}
    value = _norm(sel)
    for c in key_columns:
        if any(_norm(r.get(c, "")) == value for r in rows):
            return {c: value}
    raise ReproduceError(f"direction selector {sel!r} is not a value of any key column {list(key_columns)}")


def _claim_groups(sel_a: dict, sel_b: dict, rows: Sequence[Mapping], key_columns: Sequence[str],
                  column: str) -> list[tuple[tuple, float | None, float | None]]:
    """For every row matching ``sel_a``, its partner matching ``sel_b`` (other key values equal)."""
    index = {row_key(r, key_columns): r for r in rows}
    out = []
    for key, r in index.items():
        kd = dict(zip(key_columns, key))
        if any(kd[c] != v for c, v in sel_a.items()):
            continue
        partner = dict(kd)
        partner.update(sel_b)
        pk = tuple(partner[c] for c in key_columns)
        b = index.get(pk)
        out.append((key, as_number(r.get(column)), None if b is None else as_number(b.get(column))))
    return out


def compare(paper_rows: Sequence[Mapping], measured_rows: Sequence[Mapping], *, key_columns: Sequence[str],
            value_columns: Sequence[str], abs_tol: float = 0.02, rel_tol: float = 0.1,
            direction: Sequence[tuple] | None = None) -> Verdict:
    """Compare a measured table with a paper's; see the module docstring for the rules.

    Parameters
    ----------
    paper_rows, measured_rows : sequence of dict
        The paper's rows and the measured ones (extra columns are ignored).
    key_columns : sequence of str
        Columns identifying a row (``("dataset", "method", "eps")``).
    value_columns : sequence of str
        Numeric columns compared.
    abs_tol, rel_tol : float, default 0.02 and 0.1
        Tolerance: ``|measured - paper| <= max(abs_tol, rel_tol * |paper|)``.
    direction : sequence of (row_a, row_b, column, op), optional
        The paper's claims, e.g. ``("Out-Sign-Grad", "Baseline", "fgsm_acc", ">")``.

    Returns
    -------
    Verdict
    """
    cmp_rows = compare_table(paper_rows, measured_rows, key_columns=key_columns, value_columns=value_columns,
                             abs_tol=abs_tol, rel_tol=rel_tol)
    details: list[str] = []
    compared = [r for r in cmp_rows if r["within"] is not None]
    for r in cmp_rows:
        key = _fmt_key(row_key(r, key_columns), key_columns)
        if r["within"] is None:
            details.append(f"{key} {r['column']}: paper {_fmt(r['paper'])}, not measured")
        else:
            details.append(f"{key} {r['column']}: paper {_fmt(r['paper'])}, tsviz {_fmt(r['tsviz'])} "
                           f"(diff {r['diff']:+.4g}, {'within' if r['within'] else 'outside'} "
                           f"{r['tolerance']:.3g})")
    if not compared:
        return Verdict("not run", details or ["nothing measured"])
    if all(r["within"] for r in compared):
        return Verdict("matches", details)
    if direction:
        holds = _check_claims(direction, paper_rows, measured_rows, key_columns, details)
    else:
        holds = _check_ranking(compared, value_columns, details)
    return Verdict("same direction" if holds else "differs", details)


def _sel_name(sel: Any) -> str:
    """A selector as text: ``"Out-Sign-Grad/per_run"`` for a dict or tuple, the value itself for a string."""
    if isinstance(sel, Mapping):
        return "/".join(str(v) for v in sel.values())
    if isinstance(sel, (tuple, list)):
        return "/".join(str(v) for v in sel)
    return str(sel)


def _check_claims(direction, paper_rows, measured_rows, key_columns, details: list[str]) -> bool:
    evaluated = 0
    ok = True
    for claim in direction:
        if not isinstance(claim, (tuple, list)) or len(claim) != 4 or claim[3] not in (">", "<"):
            raise ReproduceError(f"a direction claim is (row_a, row_b, column, '>' | '<'), got {claim!r}")
        a, b, column, op = claim
        name_a, name_b = _sel_name(a), _sel_name(b)
        sel_a = _selector(a, key_columns, list(paper_rows) + list(measured_rows))
        sel_b = _selector(b, key_columns, list(paper_rows) + list(measured_rows))
        for key, va, vb in _claim_groups(sel_a, sel_b, measured_rows, key_columns, column):
            where = _fmt_key(key, key_columns)
            if va is None or vb is None:
                details.append(f"claim {name_a} {op} {name_b} on {column} at {where}: not measured")
                continue
            evaluated += 1
            good = va > vb if op == ">" else va < vb
            ok = ok and good
            details.append(f"claim {name_a} {op} {name_b} on {column} at {where}: tsviz {_fmt(va)} vs {_fmt(vb)} "
                           f"-> {'holds' if good else 'fails'}")
    if evaluated == 0:
        details.append("no direction claim could be evaluated")
    return ok and evaluated > 0


def _check_ranking(compared: list[dict], value_columns: Sequence[str], details: list[str]) -> bool:
    from scipy.stats import kendalltau

    ranked = 0
    ok = True
    for col in value_columns:
        rows = [r for r in compared if r["column"] == col]
        if len(rows) < 2:
            continue
        tau = kendalltau([r["paper"] for r in rows], [r["tsviz"] for r in rows]).statistic
        if tau is None or not math.isfinite(float(tau)):
            details.append(f"ranking on {col}: undefined (constant values)")
            ok = False
            continue
        ranked += 1
        ok = ok and tau > 0
        details.append(f"ranking on {col}: Kendall tau {float(tau):+.3f} over {len(rows)} rows")
    if ranked == 0:
        details.append("no ranking could be computed (fewer than two paired rows per column)")
    return ok and ranked > 0
