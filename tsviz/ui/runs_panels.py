"""Runs page panels: the store (or a clear error), filters, the runs table, one run's details and
actions (open in its page, report, export, delete with a confirmation), and the comparison of
several runs (parameter differences, metrics, overlaid curves).

Reads and actions are in :mod:`tsviz.ui.runs_run` (which runs a session sees: ``TSVIZ_RUNS_SCOPE``).
Text that comes from the store (labels, parameters, errors) is shown in tables and code blocks, or
escaped (:func:`md`), never as live Markdown.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import streamlit as st

from tsviz.ui import runs_run as rr
from tsviz.ui.downloads import show_figure, show_table
from tsviz.ui.errors import flash, guard, show_error
from tsviz.ui.page import metric_row

if TYPE_CHECKING:  # pragma: no cover
    from tsviz.runs import RunRecord, RunStore

__all__ = ["store_or_stop", "reap", "filters", "runs_table", "details", "compare", "selected_panel", "md",
           "DELETE_PENDING", "ANY"]

#: session_state key: the id of the run whose deletion waits for a confirmation.
DELETE_PENDING = "runs_delete_pending"
ANY = "(any)"
_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: Any, cap: int = 200) -> str:
    """``text`` for Markdown: one line, at most ``cap`` characters, every Markdown character escaped
    (no link, image or emphasis from a label)."""
    s = " ".join(str(text).split())
    s = s if len(s) <= cap else s[:cap - 1] + "…"
    return _MD.sub(r"\\\1", s)


# ----------------------------------------------------------------------------- store
def store_or_stop() -> RunStore:
    """The run store, or an ``st.error`` naming the database and ``st.stop()``."""
    try:
        return rr.get_store()
    except Exception as exc:  # noqa: BLE001 - shown to the user (RunStoreError names the path)
        show_error(exc, "The run store cannot be opened")
        st.caption("Runs are kept in `runs.sqlite3` under TSVIZ_HOME (or the database of TSVIZ_DB_URL). "
                   "Move a damaged file away and reload: a new, empty store is created.")
        st.stop()


def reap(store: RunStore) -> None:
    """Mark runs whose process died (on this host) as interrupted; a failure is only a warning."""
    try:
        gone = store.reap()
    except Exception as exc:  # noqa: BLE001 - housekeeping must not block the page
        st.warning(f"Runs whose process died could not be marked as interrupted ({type(exc).__name__}).")
        return
    if gone:
        rr.invalidate()
        st.toast(f"{len(gone)} run(s) whose process had died marked as interrupted.")


# ----------------------------------------------------------------------------- filters and table
def filters(v: rr.View) -> rr.RunFilter:
    """The filter widgets (kind, status, dataset, model, dates, text, how many); returns a RunFilter."""
    from tsviz.runs import RUN_KINDS, RUN_STATUSES

    datasets, models = rr.choices(v)
    with st.expander("Filters", expanded=True):
        c = st.columns([2, 2, 2, 2])
        kinds = c[0].multiselect("Kind", RUN_KINDS, key="runs_kind", placeholder="any kind")
        statuses = c[1].multiselect("Status", RUN_STATUSES, key="runs_status", placeholder="any status")
        dataset = c[2].selectbox("Dataset", [ANY, *datasets], key="runs_dataset")
        model = c[3].selectbox("Model", [ANY, *models], key="runs_model")
        c = st.columns([2, 2, 3, 1])
        since = c[0].date_input("Started on or after", value=None, key="runs_since", help="Dates in UTC")
        until = c[1].date_input("Started on or before", value=None, key="runs_until", help="Dates in UTC")
        search = c[2].text_input("Search", key="runs_search", max_chars=200,
                                 placeholder="id, label, kind, dataset or model")
        limit = c[3].number_input("Show at most", 1, rr.MAX_LIMIT, rr.DEFAULT_LIMIT, step=50, key="runs_limit")
    if since and until and since > until:
        st.warning("*Started on or after* is later than *Started on or before*: the dates were swapped.")
        since, until = until, since
    return rr.RunFilter(kinds=tuple(kinds), statuses=tuple(statuses), dataset=None if dataset == ANY else dataset,
                        model=None if model == ANY else model, since=since, until=until,
                        search=search.strip() or None, limit=int(limit))


def _table(recs: Sequence[RunRecord]) -> Any:
    import pandas as pd

    from tsviz.viz.runs_figures import numeric_metrics

    rows = []
    for r in recs:
        m = numeric_metrics(r.metrics)
        d = r.duration_s()
        rows.append({"started (UTC)": r.started_at.strftime("%Y-%m-%d %H:%M:%S"), "kind": r.kind, "status": r.status,
                     "label": r.label or "", "dataset": str(r.dataset.get("name") or r.dataset.get("spec") or ""),
                     "model": str(r.model.get("id") or r.model.get("path") or r.model.get("name") or ""),
                     "duration (s)": None if d is None else round(d, 1),
                     "metrics": ", ".join(f"{k}={v:.3g}" for k, v in list(m.items())[:3]),
                     "source": r.source, "id": rr.short_id(r.id)})
    return pd.DataFrame(rows)


def runs_table(recs: Sequence[RunRecord]) -> list[RunRecord]:
    """The runs as a table with row selection and a CSV download; returns the selected runs."""
    if not recs:
        return []
    digest = hashlib.sha256("".join(r.id for r in recs).encode()).hexdigest()[:10]
    event = st.dataframe(_table(recs), key=f"runs_table_{digest}", on_select="rerun", selection_mode="multi-row",
                         hide_index=True, width="stretch",
                         column_config={"duration (s)": st.column_config.NumberColumn(format="%.1f")})
    st.download_button("⬇ CSV", lambda: rr.get_store().to_frame(recs).to_csv(index=False).encode("utf-8"),
                       file_name="runs.csv", mime="text/csv", key="runs_csv", on_click="ignore",
                       help="Every listed run with its parameters and metrics as columns")
    rows = [i for i in event.selection.rows if 0 <= i < len(recs)]
    return [recs[i] for i in rows]


# ----------------------------------------------------------------------------- one run
def _kv(title: str, values: dict[str, Any]) -> None:
    st.markdown(f"**{title}**")
    if not values:
        st.caption("none")
        return
    import pandas as pd

    flat: dict[str, Any] = {}
    for k, val in values.items():
        flat[str(k)] = val
    df = pd.DataFrame({"key": list(flat), "value": [_show(val) for val in flat.values()]})
    st.dataframe(df, hide_index=True, width="stretch")


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=str, ensure_ascii=False)
        return text if len(text) <= 300 else text[:299] + "…"
    return str(value)[:300]


def _open(rec: RunRecord) -> None:
    mod = rr.run_record_module()
    if mod is None:
        st.error("Opening a stored run in its page is not available in this install (tsviz.ui.run_record is "
                 "missing).")
        return
    kinds = tuple(getattr(mod, "RESTORABLE_KINDS", None) or getattr(mod, "PAGE_OF_KIND", {}))
    if rec.kind not in kinds:
        st.error(f"A {rec.kind} run cannot be opened in a page; runs that can: {', '.join(kinds) or 'none'}.")
        return
    if rec.status != "done":
        st.error(f"Run {rr.short_id(rec.id)} is {rec.status}: it has no result to open.")
        return
    with guard(f"Could not open run {rr.short_id(rec.id)} in its page"):
        page = mod.restore(rec)
        st.switch_page(page)


def _delete_confirm(rec: RunRecord, v: rr.View) -> None:
    ss = st.session_state
    if ss.get(DELETE_PENDING) != rec.id:
        return
    n = len(rec.artifacts)
    with st.container(border=True):
        st.warning(f"Delete run **{md(rr.run_names([rec])[0])}** ({rec.kind}, {rec.status})? Its record and its "
                   f"{n} artifact file(s) are removed; this cannot be undone.")
        c = st.columns([1, 1, 4])
        if c[0].button("Yes, delete", type="primary", key="runs_delete_yes"):
            ss.pop(DELETE_PENDING, None)
            with guard(f"Run {rr.short_id(rec.id)} could not be deleted"):
                rr.delete_run(rec.id, v)
                flash("success", f"Run {rr.short_id(rec.id)} deleted.")
                st.rerun()
        if c[1].button("Cancel", key="runs_delete_no"):
            ss.pop(DELETE_PENDING, None)
            st.rerun()


def _actions(rec: RunRecord, v: rr.View, curves: dict[str, Any], notes: list[str]) -> None:
    slug = rr.short_id(rec.id)
    folder = rr.export_folder()
    with st.container(horizontal=True):
        go_open = st.button("Open in its page", key=f"runs_open_{rec.id}", icon=":material/open_in_new:",
                            help="Puts the run's result back into its page (Attack, Certify, Explain, ...) and "
                                 "opens it")
        st.download_button("Report (HTML)", lambda: rr.run_report(rec, curves, notes),
                           file_name=f"tsviz-run-{slug}.html", mime="text/html", key=f"runs_report_{rec.id}",
                           on_click="ignore", icon=":material/description:",
                           help="A self-contained report (figures, tables, parameters, versions) that opens offline")
        st.download_button("Export (zip)", lambda: rr.export_zip(rec, folder), file_name=f"tsviz-run-{slug}.zip",
                           mime="application/zip", key=f"runs_export_{rec.id}", on_click="ignore",
                           icon=":material/archive:", help="run.json and the run's artifact files")
        if st.button("Delete…", key=f"runs_delete_{rec.id}", icon=":material/delete:"):
            st.session_state[DELETE_PENDING] = rec.id
    if go_open:
        _open(rec)
    _delete_confirm(rec, v)


def details(rec: RunRecord, v: rr.View) -> None:
    """One run: its headline, actions, error, settings, metrics, artifacts, versions and curves."""
    name = rr.run_names([rec])[0]
    st.subheader(md(name))
    curves, notes = rr.run_curves(rec)
    d = rec.duration_s()
    metric_row([("Status", rec.status), ("Kind", rec.kind), ("Duration", "—" if d is None else f"{d:.1f} s"),
                ("Recorded by", md(rec.source, 40))])
    end = f" · finished {rec.finished_at:%Y-%m-%d %H:%M:%S} UTC" if rec.finished_at else ""
    st.caption(f"Started {rec.started_at:%Y-%m-%d %H:%M:%S} UTC{end} · run id {rec.id}")
    _actions(rec, v, curves, notes)
    if rec.error:
        st.error(f"This run {'failed' if rec.status == 'failed' else 'ended ' + rec.status} with this error:")
        st.code(rec.error, language=None, wrap_lines=True)
    elif rec.status in ("interrupted", "cancelled"):
        st.warning(f"This run was {rec.status} before it finished.")
    elif rec.status == "running":
        st.info("This run is still running (or its process is on another host).")
    left, right = st.columns(2)
    with left:
        _kv("Parameters", rec.params)
        _kv("Seeds", rec.seeds)
        _kv("Dataset", rec.dataset)
        _kv("Model", rec.model)
    with right:
        _kv("Metrics", {k: val for k, val in rec.metrics.items()})
        st.markdown("**Artifacts**")
        with guard("Could not list the artifacts"):
            arts = rr.artifacts_frame(rec)
            if arts.empty:
                st.caption("none")
            else:
                st.dataframe(arts, hide_index=True, width="stretch")
        _kv("Versions", rec.versions)
        _kv("Provenance", {"id": rec.id, "workspace": rec.workspace, "host": rec.host, "pid": rec.pid,
                           "finished (UTC)": rec.finished_at.isoformat() if rec.finished_at else None})
    with st.container(horizontal=True):
        st.download_button("⬇ CSV (details)", lambda: rr.details_frame(rec).to_csv(index=False).encode("utf-8"),
                           file_name=f"tsviz-run-{rr.short_id(rec.id)}.csv", mime="text/csv",
                           key=f"runs_details_csv_{rec.id}", on_click="ignore")
        st.download_button("⬇ JSON (record)", lambda: json.dumps(rec.to_dict(), indent=2, default=str).encode(),
                           file_name=f"tsviz-run-{rr.short_id(rec.id)}.json", mime="application/json",
                           key=f"runs_details_json_{rec.id}", on_click="ignore")
    _curves_section([(name, curves)], notes, key=f"one-{rr.short_id(rec.id)}")


def _curve_pairs(recs: Sequence[RunRecord], names: Sequence[str]) -> tuple[list[tuple[str, Any]], list[str]]:
    pairs, notes = [], []
    for n, r in zip(names, recs):
        curves, why = rr.run_curves(r)
        pairs.append((n, curves))
        notes += why
    return pairs, notes


def _curves_section(pairs: Sequence[tuple[str, Any]], notes: Sequence[str], *, key: str) -> None:
    from tsviz.viz.runs_figures import curve_kinds, curves_overlay_figure, kind_title

    kinds = curve_kinds(pairs)
    st.markdown("**Curves**")
    for note in notes:
        st.caption(f"Left out: {md(note, 300)}")
    if not kinds:
        st.caption("No curves were saved with " + ("this run." if len(pairs) == 1 else "these runs."))
        return
    for kind in kinds:
        show_figure(curves_overlay_figure(pairs, kind), f"runs-{kind_title(kind)}", key=f"runs-{key}-{kind}")


# ----------------------------------------------------------------------------- several runs
def _highlight(df: Any) -> Any:
    def row_style(row):
        color = "background-color: #fff3cd" if row["differs"] else ""
        return [color] * len(row)

    return df.style.apply(row_style, axis=1)


def compare(recs: Sequence[RunRecord]) -> None:
    """Two to :data:`~tsviz.ui.runs_run.MAX_COMPARE` runs side by side: the settings (those that
    differ highlighted), the curves of each kind overlaid, the metrics (table and bars), and a report."""
    from tsviz.viz.runs_figures import MAX_METRICS, metrics_bar_figure, numeric_metrics

    names = rr.run_names(recs)
    pairs, notes = _curve_pairs(recs, names)
    st.download_button("Report of the comparison (HTML)", lambda: rr.comparison_report(recs, pairs, notes),
                       file_name="tsviz-runs-comparison.html", mime="text/html", key="runs_compare_report",
                       on_click="ignore", icon=":material/description:",
                       help="Settings, metrics and overlaid curves in one file that opens offline")
    st.markdown("**Settings** (highlighted: the ones that differ)")
    diff = rr.param_diff(recs, names)
    only = st.toggle("Only the settings that differ", value=True, key="runs_only_diff")
    shown = diff[diff["differs"]] if only else diff
    if shown.empty:
        st.caption("These runs have the same settings.")
    else:
        st.dataframe(_highlight(shown.reset_index(drop=True)), hide_index=True, width="stretch",
                     key="runs_diff_table")
    st.download_button("⬇ CSV", lambda: diff.to_csv(index=False).encode("utf-8"), file_name="runs-settings.csv",
                       mime="text/csv", key="csv-runs-settings", on_click="ignore",
                       help="Every setting of these runs, with a 'differs' column")
    _curves_section(pairs, notes, key="compare")
    st.markdown("**Metrics**")
    mf = rr.metrics_frame(recs, names)
    if mf.empty:
        st.caption("None of these runs recorded metrics.")
    else:
        show_table(mf, "runs-metrics", key="runs-metrics", hide_index=True)
        numeric: dict[str, None] = {}
        for r in recs:
            numeric.update(dict.fromkeys(numeric_metrics(r.metrics)))
        if numeric:
            every = list(numeric)
            keys = st.multiselect("Metrics drawn", every, default=every[:6], key="runs_metric_keys",
                                  max_selections=MAX_METRICS)
            if keys:
                show_figure(metrics_bar_figure(list(zip(names, [r.metrics for r in recs])), keys=keys),
                            "runs-metrics", key="runs-metrics-fig")


def selected_panel(selected: Sequence[RunRecord], v: rr.View) -> None:
    """Details of one selected run; with several, the comparison and the details of a chosen one."""
    if len(selected) == 1:
        details(selected[0], v)
        return
    recs = list(selected)
    if len(recs) > rr.MAX_COMPARE:
        st.warning(f"{len(recs)} runs selected: the first {rr.MAX_COMPARE} (newest) are compared.")
        recs = recs[:rr.MAX_COMPARE]
    tab_cmp, tab_one = st.tabs([f"Compare {len(recs)} runs", "Details of one run"])
    with tab_cmp:
        compare(recs)
    with tab_one:
        names = rr.run_names(selected)
        i = st.selectbox("Run", range(len(selected)), format_func=lambda k: names[k], key="runs_detail_pick")
        details(selected[i or 0], v)
