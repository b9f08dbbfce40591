"""Reproduce page widgets: the targets' overview, the data folder, one target's paper and run, the
paper's table beside the measured one with the differences highlighted, figures, downloads.

Computations and the run store are in :mod:`tsviz.ui.reproduce_run`; figures in
:mod:`tsviz.viz.reproduce_figures`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import streamlit as st

from tsviz.ui import reproduce_run as rr
from tsviz.ui.downloads import show_figure, show_table
from tsviz.ui.errors import guard
from tsviz.ui.long_action import long_action

__all__ = ["ACTION", "data_folder", "overview", "pick_target", "target_header", "run_controls", "result_panel",
           "settings_panel", "verdict_badge"]

#: The long action of the page (its Cancel button key is ``repro_run_cancel``).
ACTION = "repro_run"
_BADGE = {"matches": "green", "same direction": "blue", "differs": "red", "not run": "gray"}
_MAX_TEXT = 300


def data_folder() -> Path | None:
    """The data folder: the operator's ``TSVIZ_DATA``, else one the user types (inside the allowed roots)."""
    env = rr.env_data_root()
    if env is not None:
        st.caption(f"Real data (UCR folders, MIT-BIH) is read from `{str(env)[:_MAX_TEXT]}` (TSVIZ_DATA).")
        return env
    text = st.text_input("Data folder (holding ucr/<NAME>/ and mitdb/)", value="", max_chars=1000,
                         key="repro_data", help="Not set by the operator (TSVIZ_DATA): a folder inside the server's "
                                                "data roots. Targets whose data is missing report 'not run'.")
    if not text.strip():
        st.caption("No data folder: targets that need real data will report 'not run' and say where to get it.")
        return None
    with guard("Data folder not allowed"):
        return rr.allowed_data_root(text)
    return None


def overview(all_targets: list, last: dict, data_root: Path | None) -> None:
    """Every target with its status, last run, run time and verdict (CSV download)."""
    df = rr.overview_frame(all_targets, last, data_root)

    def color(v: Any) -> str:
        from tsviz.viz.reproduce_figures import VERDICT_COLORS

        c = VERDICT_COLORS.get(str(v))
        return f"color: {c}; font-weight: 600" if c else ""

    show_table(df.style.map(color, subset=["verdict"]), "reproduction-targets", key="repro-overview",
               hide_index=True)


def pick_target(all_targets: list) -> str:
    """The selected target's key."""
    keys = [t.key for t in all_targets]
    titles = {t.key: t.title for t in all_targets}
    return st.selectbox("Target", keys, format_func=lambda k: f"{k} — {titles.get(k, '')}", key="repro_target")


def verdict_badge(label: str, where: str) -> None:
    """The verdict as a coloured badge (a verdict is a finding, not an error: no ``st.error``)."""
    color = _BADGE.get(label, "gray")
    st.markdown(f"**Verdict:** :{color}-badge[{label}] ({where})")


def target_header(tgt) -> None:
    """The paper and what the target measures."""
    st.markdown(f"**{tgt.title}**  \n{tgt.paper.cite()}")
    if tgt.description:
        st.caption(tgt.description)


def settings_panel(tgt, mode: str) -> None:
    """The exact configuration of ``mode`` (JSON, downloadable) and the known reasons for differences."""
    cfg = rr.config_json(tgt, mode)
    with st.expander(f"Exact configuration ({mode})", expanded=False):
        st.json(cfg)
        st.download_button("⬇ JSON", json.dumps(cfg, indent=2), file_name=f"{tgt.key}-{mode}-config.json",
                           mime="application/json", key=f"repro-cfg-{tgt.key}-{mode}", on_click="ignore")
        if mode != "full":
            st.caption("The paper's settings are the 'full' configuration.")
    with st.expander("Known differences from the paper", expanded=False):
        st.markdown("\n".join(f"- {d}" for d in tgt.known_differences))


def run_controls(tgt, data_root: Path | None, last: dict) -> dict[str, Any] | None:
    """Mode, seed and the Run button; runs the target (long action) and returns its JSON result."""
    with st.container(horizontal=True):
        mode = st.radio("Settings", rr.MODES, index=0, horizontal=True, key=f"repro_mode_{tgt.key}",
                        help="tiny: seconds (a smoke test); quick: minutes on 2 CPU cores; full: the paper's "
                             "settings (hours on a CPU, meant for a GPU).")
        seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key=f"repro_seed_{tgt.key}")
    lr = last.get(tgt.key) or {}
    known = f" Last recorded run ({lr.get('mode')}): {rr._fmt_seconds(lr.get('seconds'))}." if lr.get("seconds") else ""
    st.caption(f"Expected time: {rr.MODE_TIME[mode]}.{known}")
    settings_panel(tgt, mode)
    ok = True
    if mode == "full":
        st.warning("The full configuration is the paper's: it trains every model for the paper's epochs and may "
                   "take many hours on this machine. Prefer the CLI on a GPU: "
                   f"`python -m tsviz reproduce {tgt.key} --full --json`.")
        ok = st.checkbox("Run the full configuration here anyway", value=False, key=f"repro_full_ok_{tgt.key}")
    if not st.button("Run", type="primary", icon=":material/play_arrow:", key=f"repro_go_{tgt.key}", disabled=not ok):
        return None
    with guard(f"Could not run {tgt.key}"), long_action(ACTION, f"Reproducing {tgt.key} ({mode})…") as bar:
        return rr.run(tgt.key, mode, data_root, int(seed), progress=bar)
    return None


def _highlight(df):
    def row_style(r):
        within = r.get("within")
        c = "#E8F5E9" if within is True else "#FDECEA" if within is False else "#F2F2F2"
        return [f"background-color: {c}"] * len(r)

    fmt = {c: "{:.4g}" for c in df.columns if c != "within" and df[c].dtype.kind in "fc"}
    return df.style.apply(row_style, axis=1).format(fmt, na_rep="—").format(
        lambda v: "—" if v is None or v != v else ("yes" if v else "no"), subset=["within"])


def result_panel(tgt, result: dict[str, Any] | None, where: str) -> None:
    """Verdict, notes, the paper's table beside the measured one, the comparison, figures, downloads."""
    if result is None:
        st.info("Not run yet: pick the settings and press Run (or run `python -m tsviz reproduce "
                f"{tgt.key} --tiny` from the command line; CLI runs appear here too).")
        left, _ = st.columns(2)
        with left:
            st.markdown("**Paper**")
            show_table(rr.paper_frame(tgt), f"{tgt.key}-paper", key=f"repro-paper-{tgt.key}", hide_index=True)
        return
    verdict_badge(rr.verdict_of(result), where)
    for note in result.get("notes") or []:
        st.caption(f"• {str(note)[:1000]}")
    left, right = st.columns(2)
    with left:
        st.markdown("**Paper**")
        show_table(rr.paper_frame(tgt), f"{tgt.key}-paper", key=f"repro-paper-{tgt.key}", hide_index=True)
    with right:
        st.markdown(f"**tsviz** ({result.get('mode')}, seed {result.get('seed')}, "
                    f"{rr._fmt_seconds(result.get('seconds'))})")
        show_table(rr.measured_frame(result), f"{tgt.key}-tsviz", key=f"repro-measured-{tgt.key}", hide_index=True)
    cmp = rr.comparison_frame(tgt, result)
    st.markdown("**Paper vs tsviz** (green: within tolerance, red: outside, grey: not measured; tolerance "
                f"max({tgt.abs_tol:g}, {tgt.rel_tol:g} × |paper|))")
    if not cmp.empty:
        show_table(_highlight(cmp), f"{tgt.key}-comparison", key=f"repro-cmp-{tgt.key}", hide_index=True)
        st.download_button("⬇ HTML", lambda: cmp.to_html(index=False), file_name=f"{tgt.key}-comparison.html",
                           mime="text/html", key=f"repro-cmp-html-{tgt.key}", on_click="ignore")
    with st.expander("Verdict details", expanded=False):
        st.text("\n".join(str(d)[:500] for d in (result.get("verdict") or {}).get("details", [])))
    _figures(tgt, result, cmp)


def _figures(tgt, result: dict[str, Any], cmp) -> None:
    from tsviz.viz.reproduce_figures import curve_figure, paper_vs_tsviz_figure

    with guard("Could not draw the figures"):
        measured = [r for r in result.get("measured_table") or [] if isinstance(r, dict)]
        if "eps" in tgt.key_columns and "classifier" in tgt.key_columns:
            fig = curve_figure(tgt.paper_table, measured, x="eps", y=tgt.value_columns[0], group="classifier",
                               facet="dataset", title=f"{tgt.key}: {tgt.value_columns[0]} vs eps",
                               x_label="eps (L2, signal units)", y_label=tgt.value_columns[0])
            show_figure(fig, f"{tgt.key}-curves", key=f"repro-curves-{tgt.key}")
        if not cmp.empty:
            shown = cmp[cmp["tsviz"].notna()] if cmp["tsviz"].notna().any() else cmp  # the measured rows
            fig = paper_vs_tsviz_figure(shown.to_dict(orient="records"), tgt.key_columns,
                                        title=f"{tgt.key}: paper vs tsviz")
            show_figure(fig, f"{tgt.key}-paper-vs-tsviz", key=f"repro-fig-{tgt.key}")
