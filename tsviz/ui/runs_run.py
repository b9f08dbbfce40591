"""Runs page reads and actions: which runs a session sees, cached listings, tables, reports, export, delete.

Which runs a session sees (``TSVIZ_RUNS_SCOPE``, read by :func:`view`)
-----------------------------------------------------------------------
Runs recorded by the app carry the workspace of the session that made them
(:mod:`tsviz.ui.workspace`: ``u-<hash>`` for a logged-in user, ``s-<random>`` per browser session
otherwise); runs recorded by the CLI or a notebook carry none.

* ``shared``: the session's own workspace, plus runs recorded outside the app (no workspace: the
  CLI, notebooks) — the operator's shared results.
* ``workspace``: the session's own workspace only.
* ``all``: every run in the store, whoever recorded it — for a single-user install, where a new
  browser session (a new ``s-`` workspace) or a restart of the app should still list yesterday's runs.

Default (unset): ``all`` while the server listens on this machine only (``server.address`` is
``localhost``, ``127.0.0.1`` or ``::1``, the shipped ``.streamlit/config.toml``: one user, who must
find their runs after a restart), else ``shared``: a server opened to others never lists one
user's runs to another unless the operator says so. There the Runs page of a user who is not
logged in lists only what that browser session recorded. An unknown value falls
back to ``workspace`` (the strictest) and the page says so. Every action (details, report, export,
delete, open) checks that the run is visible to the session.

The store has no workspace filter, so listings page through the store's own filtered, newest-
first listing and keep the visible runs, scanning at most :data:`MAX_SCAN` rows.

Nothing here draws widgets (that is :mod:`tsviz.ui.runs_panels`). Listings are read afresh on
every run of the page (a query of a few milliseconds; other pages, sessions and the CLI write
meanwhile); a run's curves are ``st.cache_data``, keyed by the run's id, status and finish time,
and cleared by :func:`invalidate` after a delete.
"""
from __future__ import annotations

import importlib
import json
import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from tsviz.runs import RunRecord, RunStore

log = logging.getLogger(__name__)

__all__ = ["SCOPE_ENV", "SCOPES", "DEFAULT_SCOPE", "MAX_COMPARE", "DEFAULT_LIMIT", "MAX_LIMIT", "MAX_SCAN",
           "MAX_EXPORT_MB", "View", "RunFilter", "view", "get_store", "list_runs", "choices", "get_run",
           "run_names", "run_curves", "details_frame", "artifacts_frame", "param_diff", "metrics_frame",
           "run_report", "comparison_report", "export_folder", "export_zip", "delete_run", "invalidate",
           "run_record_module", "short_id"]

SCOPE_ENV = "TSVIZ_RUNS_SCOPE"
SCOPES = ("shared", "workspace", "all")
#: The default scope of a server opened to other machines (see the module docstring).
DEFAULT_SCOPE = "shared"
#: Server addresses that mean "this machine only" (default scope ``all``).
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")
#: Runs compared side by side at most.
MAX_COMPARE = 8
#: Runs listed by default, and at most.
DEFAULT_LIMIT = 200
MAX_LIMIT = 2_000
#: Rows of the store scanned at most to fill one listing with runs this session may see.
MAX_SCAN = 20_000
#: Largest export (the sum of a run's artifact files, MiB): the zip is built in memory for the download.
MAX_EXPORT_MB = 200
#: Characters of a value in the comparison tables.
MAX_VALUE = 200
#: The artifact every app run saves its curves in (see the run store's ARTIFACT CONVENTIONS).
CURVES_ARTIFACT = "curves"


# ----------------------------------------------------------------------------- who sees what
@dataclass(frozen=True)
class View:
    """What a session sees: ``scope`` (one of :data:`SCOPES`) and its ``workspace`` id;
    ``problem`` is set when ``TSVIZ_RUNS_SCOPE`` was not understood."""

    scope: str
    workspace: str | None
    problem: str | None = None

    def allows(self, rec: RunRecord) -> bool:
        """Whether the run ``rec`` is visible in this view."""
        if self.scope == "all":
            return True
        if rec.workspace is not None and rec.workspace == self.workspace:
            return True
        return self.scope == "shared" and rec.workspace is None

    def describe(self) -> str:
        """One sentence for the page's caption."""
        if self.scope == "all":
            return "Every run in the store is listed (TSVIZ_RUNS_SCOPE=all)."
        own = "the runs of your workspace"
        if self.scope == "shared":
            return (f"Listed: {own} and runs recorded outside the app (the CLI, notebooks). The server's "
                    "TSVIZ_RUNS_SCOPE decides this (shared / workspace / all).")
        return f"Listed: {own} only (TSVIZ_RUNS_SCOPE=workspace)."


def view() -> View:
    """The session's :class:`View` (``TSVIZ_RUNS_SCOPE`` and :func:`tsviz.ui.workspace.current`)."""
    from tsviz.ui import workspace

    raw = os.environ.get(SCOPE_ENV, "").strip().lower()
    problem = None
    scope = raw or default_scope()
    if scope not in SCOPES:
        problem = (f"{SCOPE_ENV} must be one of {', '.join(SCOPES)}; got {raw[:40]!r}, so only this workspace's "
                   "runs are listed")
        scope = "workspace"
    return View(scope, workspace.current().id, problem)


def default_scope() -> str:
    """``all`` while the server listens on this machine only, else :data:`DEFAULT_SCOPE`."""
    import streamlit as st

    try:
        address = str(st.get_option("server.address") or "").strip().lower()
    except Exception:  # noqa: BLE001 - an unknown option: assume a server opened to others
        address = ""
    return "all" if address in LOCAL_ADDRESSES else DEFAULT_SCOPE


def short_id(run_id: str) -> str:
    return str(run_id)[:8]


# ----------------------------------------------------------------------------- the store
def get_store() -> RunStore:
    """The run store (:func:`tsviz.runs.open_store`: ``TSVIZ_DB_URL`` or SQLite under ``TSVIZ_HOME``);
    raises :class:`tsviz.runs.RunStoreError` naming the path when it cannot be opened."""
    from tsviz.runs import open_store

    return open_store()


@dataclass(frozen=True)
class RunFilter:
    """The Runs page's filters (hashable: a cache key). Empty tuples / ``None`` mean any."""

    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    dataset: str | None = None
    model: str | None = None
    since: date | None = None
    until: date | None = None
    search: str | None = None
    limit: int = DEFAULT_LIMIT


def _scan(store: RunStore, filt: RunFilter, v: View, max_scan: int = MAX_SCAN) -> list[RunRecord]:
    from tsviz.runs import CAPS

    limit = int(filt.limit)
    if not 1 <= limit <= MAX_LIMIT:
        from tsviz.runs import RunStoreError

        raise RunStoreError(f"list limit must be a whole number from 1 to {MAX_LIMIT}, got {filt.limit!r}")
    kw = {"kind": list(filt.kinds) or None, "status": list(filt.statuses) or None, "dataset": filt.dataset,
          "model": filt.model, "since": filt.since, "until": filt.until, "search": filt.search or None}
    out: list[RunRecord] = []
    batch = limit if v.scope == "all" else min(max(2 * limit, 200), CAPS["list_limit"])
    offset = 0
    while len(out) < limit and offset < max_scan:
        page = store.list_runs(**kw, limit=min(batch, max_scan - offset), offset=offset)
        out += [r for r in page if v.allows(r)]
        offset += len(page)
        if len(page) < batch:
            break
    return out[:limit]


def list_runs(filt: RunFilter, v: View) -> list[RunRecord]:
    """The runs matching ``filt`` that ``v`` may see, newest first (read afresh on every run of the
    page: a run just recorded by another page, session or the CLI is listed at once)."""
    return _scan(get_store(), filt, v)


def choices(v: View) -> tuple[list[str], list[str]]:
    """The dataset specs and model ids of the 500 newest visible runs (the filters' options)."""
    recs = _scan(get_store(), RunFilter(limit=500), v, max_scan=2_000)
    datasets = {r.dataset.get("spec") or r.dataset.get("name") for r in recs}
    models = {r.model.get("id") or r.model.get("path") or r.model.get("name") for r in recs}
    return (sorted(str(d) for d in datasets if d), sorted(str(m) for m in models if m))


def get_run(run_id: str, v: View) -> RunRecord:
    """Run ``run_id`` if ``v`` may see it; else :class:`tsviz.runs.RunStoreError` (the same message as
    for a run that does not exist)."""
    from tsviz.runs import RunStoreError

    store = get_store()
    try:
        rec = store.get(run_id)
    except RunStoreError:
        rec = None
    if rec is None or not v.allows(rec):
        raise RunStoreError(f"no run {short_id(run_id)} in the run store (deleted meanwhile?)")
    return rec


def invalidate() -> None:
    """Forget cached curves (after a delete)."""
    _curves.clear()


# ----------------------------------------------------------------------------- names and tables
def run_names(recs: Sequence[RunRecord]) -> list[str]:
    """A short unique name per run: its label, else ``"<kind> <id8>"``; repeated names get the id."""
    base = [" ".join(str(r.label).split())[:60] if r.label else f"{r.kind} {short_id(r.id)}" for r in recs]
    out = []
    for name, r in zip(base, recs):
        out.append(name if base.count(name) == 1 or name.endswith(short_id(r.id)) else f"{name} ({short_id(r.id)})")
    return out


def _value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (dict, list, tuple)):
        text = json.dumps(v, default=str, ensure_ascii=False, sort_keys=True)
    else:
        text = str(v)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def _flat(prefix: str, value: Any, out: dict[str, Any], depth: int = 0) -> None:
    if isinstance(value, Mapping) and (depth == 0 or (value and depth < 3)):
        for k, v in value.items():
            _flat(f"{prefix}.{k}" if prefix else str(k), v, out, depth + 1)
    else:
        out[prefix] = value


def details_frame(rec: RunRecord) -> pd.DataFrame:
    """Everything recorded about a run as ``section, key, value`` rows (the details' CSV)."""
    import pandas as pd

    rows = []
    for section in ("params", "seeds", "dataset", "model", "metrics", "versions"):
        flat: dict[str, Any] = {}
        _flat("", getattr(rec, section), flat)
        rows += [{"section": section, "key": k, "value": _value(v)} for k, v in flat.items()]
    for k in ("id", "kind", "status", "label", "source", "workspace", "host", "pid", "error"):
        rows.append({"section": "run", "key": k, "value": _value(getattr(rec, k))})
    rows.append({"section": "run", "key": "started_at", "value": rec.started_at.isoformat()})
    rows.append({"section": "run", "key": "finished_at",
                 "value": rec.finished_at.isoformat() if rec.finished_at else ""})
    return pd.DataFrame(rows, columns=["section", "key", "value"])


def artifacts_frame(rec: RunRecord) -> pd.DataFrame:
    """The run's artifacts: name, path (relative to the artifacts root), size in KiB, whether the file exists."""
    import pandas as pd

    root = get_store().artifacts_root
    rows = []
    for name, rel in sorted(rec.artifacts.items()):
        p = root / rel
        ok = p.is_file()
        rows.append({"artifact": name, "path": rel, "KiB": round(p.stat().st_size / 1024, 1) if ok else None,
                     "present": ok})
    return pd.DataFrame(rows, columns=["artifact", "path", "KiB", "present"])


def param_diff(recs: Sequence[RunRecord], names: Sequence[str]) -> pd.DataFrame:
    """Everything that defines the runs, one row per setting (``params.*``, ``seeds.*``,
    ``dataset.*``, ``model.*``), one column per run, and ``differs`` (the values are not all equal;
    a setting one run lacks differs)."""
    import pandas as pd

    flats = []
    for r in recs:
        flat: dict[str, Any] = {}
        for section in ("params", "seeds", "dataset", "model"):
            _flat(section, getattr(r, section), flat)
        flats.append(flat)
    keys: dict[str, None] = {}
    for f in flats:
        keys.update(dict.fromkeys(f))
    missing = object()
    rows = []
    for k in keys:
        raw = [f.get(k, missing) for f in flats]
        canon = {"\x00missing" if v is missing else json.dumps(v, default=str, sort_keys=True) for v in raw}
        row = {"setting": k}
        row.update({n: "—" if v is missing else _value(v) for n, v in zip(names, raw)})
        row["differs"] = len(canon) > 1
        rows.append(row)
    return pd.DataFrame(rows, columns=["setting", *names, "differs"])


def metrics_frame(recs: Sequence[RunRecord], names: Sequence[str]) -> pd.DataFrame:
    """The runs' metrics, one row per metric (keys starting with ``_`` left out), one column per run."""
    import pandas as pd

    keys: dict[str, None] = {}
    for r in recs:
        keys.update(dict.fromkeys(k for k in r.metrics if not str(k).startswith("_")))
    rows = [{"metric": k, **{n: _value(r.metrics.get(k)) for n, r in zip(names, recs)}} for k in keys]
    return pd.DataFrame(rows, columns=["metric", *names])


# ----------------------------------------------------------------------------- curves
def run_record_module() -> Any | None:
    """:mod:`tsviz.ui.run_record` (how the app records and restores runs), or ``None`` where this
    install lacks it."""
    try:
        return importlib.import_module("tsviz.ui.run_record")
    except ImportError:
        return None


def _read_curves(store: RunStore, rec: RunRecord) -> Any:
    rr = run_record_module()
    reader = getattr(rr, "curves_of", None) if rr is not None else None
    if reader is not None:
        return reader(store, rec)
    if CURVES_ARTIFACT not in rec.artifacts:
        return {}
    return store.load_json(rec.id, CURVES_ARTIFACT)


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def _curves(url: str, run_id: str, status: str, finished: str) -> tuple[dict[str, Any], list[str]]:
    from tsviz.runs import RunStoreError
    from tsviz.viz.runs_figures import check_curves

    store = get_store()
    try:
        raw = _read_curves(store, store.get(run_id))
        return check_curves(raw, name=f"curves of run {short_id(run_id)}")
    except (RunStoreError, ValueError) as exc:
        return {}, [f"curves of run {short_id(run_id)} could not be read: {exc}"]


def run_curves(rec: RunRecord) -> tuple[dict[str, Any], list[str]]:
    """The run's well-formed curves (:func:`tsviz.viz.runs_figures.check_curves`) and why any were
    left out; ``({}, [])`` for a run without curves."""
    return _curves(get_store().url, rec.id, rec.status, rec.finished_at.isoformat() if rec.finished_at else "")


def _curve_figures(pairs: Sequence[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, Any]]:
    from tsviz.viz.runs_figures import curve_kinds, curves_overlay_figure, kind_title

    return [(kind_title(k), curves_overlay_figure(pairs, k)) for k in curve_kinds(pairs)]


# ----------------------------------------------------------------------------- reports
def _study_parts(store: RunStore, rec: RunRecord) -> tuple[Any, list, list, list[str]]:
    """The study a ``study`` run created, its result tables and figures (or why there are none)."""
    from tsviz.runs import RunStoreError

    study_id = rec.metrics.get("study_id")
    if not study_id:
        return None, [], [], ["this study run names no study (metrics['study_id'])"]
    try:
        study = store.get_study(str(study_id))
        answers = store.answers(study.id)
    except RunStoreError as exc:
        return None, [], [], [f"the study of this run could not be read: {exc}"]
    if not answers:
        return study, [], [], ["no answers yet"]
    from tsviz.review.study_stats import answers_frame, study_stats
    from tsviz.ui.study_panels import breakdown_figure, results_figure

    names = study.config.get("class_names") or None
    stats = study_stats(study.items, answers, class_names=names)
    tables = [("Per reviewer, pooled and the model", stats.table()),
              ("Table 3.1: how the adversarial items were labelled", stats.breakdown_table()),
              ("Agreement between reviewers", stats.agreement_table()),
              ("Every answer", answers_frame(study.items, answers, class_names=names))]
    figures = [("Reviewers, pooled and the model", results_figure(stats)),
               ("Table 3.1", breakdown_figure(stats))]
    return study, tables, figures, []


def run_report(rec: RunRecord, curves: Mapping[str, Any] | None = None, notes: Sequence[str] = ()) -> bytes:
    """The HTML report of one run (:func:`tsviz.viz.report.run_report_html`; a study run: the study's
    report with its results, :func:`tsviz.viz.report.study_report_html`), UTF-8.

    ``curves`` (and the ``notes`` on curves left out) are :func:`run_curves` of the run, read in the
    page's script run: a download button calls this outside it, where no cache is used.
    """
    from tsviz.viz.report import run_report_html, study_report_html
    from tsviz.viz.runs_figures import metrics_bar_figure, numeric_metrics

    store = get_store()
    name = run_names([rec])[0]
    notes = list(notes)
    figures = _curve_figures([(name, curves or {})])
    if numeric_metrics(rec.metrics):
        figures.append(("Metrics", metrics_bar_figure([(name, rec.metrics)])))
    if rec.kind == "study":
        study, tables, study_figs, more = _study_parts(store, rec)
        if study is not None:
            return study_report_html(study.to_dict(), tables=tables, figures=study_figs + figures,
                                     run=rec.to_dict(), notes=notes + more).encode("utf-8")
        notes += more
    return run_report_html(rec.to_dict(), figures=figures, notes=notes).encode("utf-8")


def comparison_report(recs: Sequence[RunRecord], pairs: Sequence[tuple[str, Mapping[str, Any]]],
                      notes: Sequence[str] = ()) -> bytes:
    """The HTML report comparing ``recs``: their summaries, the parameter differences, the metrics,
    the overlaid curves and the metrics' bars (:func:`tsviz.viz.report.comparison_report_html`).
    ``pairs`` are ``(run name, curves)`` per run (:func:`run_names`, :func:`run_curves`)."""
    from tsviz.viz.report import comparison_report_html
    from tsviz.viz.runs_figures import metrics_bar_figure

    names = run_names(recs)
    diff = param_diff(recs, names)
    tables = [("Settings that differ", diff[diff["differs"]].drop(columns="differs")),
              ("Every setting", diff), ("Metrics", metrics_frame(recs, names))]
    figures = _curve_figures(pairs) + [("Metrics", metrics_bar_figure(list(zip(names, [r.metrics for r in recs]))))]
    return comparison_report_html([r.to_dict() for r in recs], figures=figures, tables=tables,
                                  notes=list(notes)).encode("utf-8")


# ----------------------------------------------------------------------------- export, delete
def export_folder() -> Path:
    """Where exports are built for a moment: ``<workspace>/results/exports`` of this session."""
    from tsviz.ui import workspace

    return workspace.current().results / "exports"


def export_zip(rec: RunRecord, folder: Path) -> bytes:
    """The run as a zip (``run.json`` and its artifact files, :meth:`tsviz.runs.RunStore.export`),
    built in a temporary file under ``folder`` (removed afterwards).

    Raises
    ------
    tsviz.runs.RunStoreError
        The run's artifacts are over :data:`MAX_EXPORT_MB` MiB in all, or the export failed.
    """
    from tsviz.runs import RunStoreError

    store = get_store()
    total = 0
    for rel in rec.artifacts.values():
        p = store.artifacts_root / rel
        total += p.stat().st_size if p.is_file() else 0
    if total > MAX_EXPORT_MB * 2**20:
        raise RunStoreError(f"run {short_id(rec.id)} has {total / 2**20:.0f} MiB of artifacts, over the "
                            f"{MAX_EXPORT_MB} MiB an export from the page may hold; use `python -m tsviz runs export`")
    folder = Path(folder)
    tmp = folder / f"run-{rec.id}-{secrets.token_hex(4)}.zip"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = store.export(rec.id, tmp)
        return path.read_bytes()
    except OSError as exc:
        raise RunStoreError(f"export of run {short_id(rec.id)} failed ({exc.strerror or type(exc).__name__})") \
            from None
    finally:
        tmp.unlink(missing_ok=True)


def delete_run(run_id: str, v: View) -> RunRecord:
    """Delete a run ``v`` may see (row and artifact folder); returns what was deleted."""
    rec = get_run(run_id, v)
    get_store().delete(rec.id)
    invalidate()
    return rec
