"""Reproduce page computations: the targets, a cached run of one, the run store's last runs, tables.

Nothing here draws widgets (that is :mod:`tsviz.ui.reproduce_panels`). A run of a target is one
``st.cache_data`` call keyed by (target, mode, data folder, seed): it runs
:func:`tsviz.reproduce.run_target` and records the result in the run store (kind
``"reproduction"``, :func:`tsviz.reproduce.cli.record_result`, source ``"app"``, the session's
workspace) when it computes; a cached repeat shows the same result without running again. The
result of the last run of each target is also kept in ``st.session_state`` for the session.

The data folder is the operator's ``TSVIZ_DATA`` (a folder holding ``ucr/<NAME>/`` and ``mitdb/``)
or, when it is not set, a folder the user types, allowed only inside the server's data roots
(:func:`tsviz.ui.workspace.resolve_allowed`).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

log = logging.getLogger(__name__)

__all__ = ["MODES", "MODE_TIME", "RESULTS", "targets", "target", "env_data_root", "allowed_data_root",
           "last_runs", "run", "session_result", "recorded_result", "overview_frame", "comparison_frame",
           "measured_frame", "paper_frame", "config_json", "verdict_of"]

MODES = ("tiny", "quick", "full")
#: What each mode costs, in words (shown beside the Run button).
MODE_TIME = {"tiny": "seconds (a smoke test: tiny networks, a few series; its numbers mean nothing)",
             "quick": "minutes on 2 CPU cores (reduced settings)",
             "full": "hours on a CPU (the paper's settings; meant for a GPU)"}
#: session_state key: target key -> the JSON result of this session's last run of it.
RESULTS = "repro_results"
_MAX_ENTRIES = 8


def targets() -> list:
    """Every registered target (:func:`tsviz.reproduce.list_targets`)."""
    from tsviz.reproduce import list_targets

    return list_targets()


def target(key: str):
    """The target ``key`` (:func:`tsviz.reproduce.get_target`)."""
    from tsviz.reproduce import get_target

    return get_target(key)


def env_data_root() -> Path | None:
    """The operator's data folder (``TSVIZ_DATA``), or None."""
    from tsviz.reproduce import default_data_root

    return default_data_root()


def allowed_data_root(text: str) -> Path:
    """A user-typed data folder, resolved inside the server's data roots (``PathNotAllowed`` otherwise)."""
    from tsviz.ui.workspace import current, data_roots, resolve_allowed

    return resolve_allowed(text, data_roots(current().root))


def last_runs() -> dict[str, dict[str, Any]]:
    """The newest recorded reproduction of every target (read afresh: the CLI writes meanwhile)."""
    from tsviz.reproduce.cli import last_runs as _last

    return _last()


@st.cache_data(scope="session", max_entries=_MAX_ENTRIES, show_spinner=False)
def _run(key: str, mode: str, data_root: str | None, seed: int,
         _progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    from tsviz.reproduce import run_target
    from tsviz.reproduce.cli import record_result

    root = Path(data_root) if data_root else None
    result = run_target(key, mode, data_root=root, seed=seed, progress=_progress)
    workspace = None
    try:
        from tsviz.ui.workspace import current

        workspace = current().id
    except Exception:  # noqa: BLE001 - no workspace: recorded without one
        workspace = None
    out = result.to_json()
    out["run_id"] = record_result(result, data_root=root, source="app", workspace=workspace,
                                  warn=lambda line: log.warning("%s", line))
    return out


def run(key: str, mode: str, data_root: Path | None, seed: int = 0,
        progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Run ``key`` in ``mode`` (cached per session), keep it as this session's result, return its JSON."""
    out = _run(key, mode, None if data_root is None else str(data_root), int(seed), _progress=progress)
    st.session_state.setdefault(RESULTS, {})[key] = out
    return out


def session_result(key: str) -> dict[str, Any] | None:
    """This session's last result of ``key``, or None."""
    got = st.session_state.get(RESULTS, {})
    return got.get(key) if isinstance(got, dict) else None


def recorded_result(run_id: str | None) -> dict[str, Any] | None:
    """The JSON result kept by the recorded run ``run_id`` (None when absent or unreadable)."""
    if not run_id:
        return None
    from tsviz.reproduce.cli import load_recorded

    res = load_recorded(run_id)
    if res is None:
        return None
    out = res.to_json()
    out["run_id"] = run_id
    return out


def verdict_of(result: dict[str, Any] | None) -> str:
    """The verdict label of a JSON result (``"—"`` without one)."""
    if not isinstance(result, dict):
        return "—"
    v = result.get("verdict")
    return str(v.get("label", "—")) if isinstance(v, dict) else "—"


def _fmt_seconds(s: Any) -> str:
    try:
        x = float(s)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(x):
        return "—"
    return f"{x:.0f} s" if x < 120 else f"{x / 60:.1f} min"


def overview_frame(all_targets: list, last: dict[str, dict[str, Any]], data_root: Path | None):
    """One row per target: key, verdict, status (data found / missing, last run state), last run, time, paper, title."""
    import pandas as pd

    from tsviz.reproduce import missing_data

    rows = []
    for t in all_targets:
        lr = last.get(t.key) or {}
        missing = missing_data(t, data_root)
        started = lr.get("started_at")
        status = ("data missing" if missing else "ready") if not lr else f"{lr.get('status')}"
        rows.append({"target": t.key, "verdict": lr.get("verdict") or "—",
                     "status": status + (" · data missing" if lr and missing else ""),
                     "last run": "never" if not started else f"{started:%Y-%m-%d %H:%M} UTC ({lr.get('mode')})",
                     "run time": _fmt_seconds(lr.get("seconds")),
                     "paper": f"{t.paper.authors} {t.paper.year}, {t.paper.where}", "title": t.title})
    return pd.DataFrame(rows)


def comparison_frame(tgt, result: dict[str, Any] | None):
    """The paper's numbers beside the measured ones (``compare_table`` rows) as a DataFrame."""
    import pandas as pd

    from tsviz.reproduce import compare_table

    measured = (result or {}).get("measured_table") or []
    rows = compare_table(tgt.paper_table, measured, key_columns=tgt.key_columns, value_columns=tgt.value_columns,
                         abs_tol=tgt.abs_tol, rel_tol=tgt.rel_tol)
    rows.sort(key=lambda r: r["tsviz"] is None)  # measured rows first (stable: the paper's order within each)
    df = pd.DataFrame(rows)
    for c in ("paper", "tsviz", "diff", "tolerance"):
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce")  # None (not measured) -> NaN, shown as "—"
    return df


def paper_frame(tgt):
    """The paper's table."""
    import pandas as pd

    return pd.DataFrame([dict(r) for r in tgt.paper_table])


def measured_frame(result: dict[str, Any] | None):
    """The measured table (empty without a result)."""
    import pandas as pd

    return pd.DataFrame((result or {}).get("measured_table") or [])


def config_json(tgt, mode: str) -> dict[str, Any]:
    """The exact configuration of ``mode`` (JSON-safe)."""
    from tsviz.reproduce.target import json_safe

    return json_safe(tgt.config(mode))
