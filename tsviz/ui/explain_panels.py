"""Explain page result panels (one ``st.fragment`` per results tab) and the backdoor-trigger demo.

The panels draw a cached comparison (:func:`tsviz.ui.explain_run.explain_run`); a widget inside
one (the series shown, the relevance style) reruns that panel only.
"""
from __future__ import annotations

import streamlit as st

from tsviz import viz
from tsviz.ui import explain_run as xr
from tsviz.ui import state
from tsviz.ui.caps import cap
from tsviz.ui.downloads import show_figure, show_table
from tsviz.ui.errors import guard, show_error
from tsviz.ui.export_panel import csv_download, json_download
from tsviz.ui.long_action import eta_note, long_action, notice_cancelled
from tsviz.ui.page import metric_row

__all__ = ["relevance_panel", "evolution_panel", "faithfulness_panel", "export_panel", "backdoor_panel"]
#: Rows of the relevance table shown (the CSV download has all of them).
SHOWN_ROWS = 2000


@st.fragment
def relevance_panel(run: xr.ExplainRun, ds) -> None:
    """Each method's relevance over one series (clean and adversarial side by side when given)."""
    cmp, idx, y, n, names = run.comparison, run.indices, run.y, len(run.y), ds.class_names
    pred, has_adv = cmp.target, run.x_adv is not None
    i = st.selectbox("Series", range(n), key="xp_view_i",
                     format_func=lambda j: f"#{idx[j]} · true {names[y[j]]} · predicted {names[pred[j]]}"
                                           + (f" → {names[pred[n + j]]} adversarial" if has_adv else ""))
    style = st.radio("Draw relevance as", ["band", "line"], horizontal=True, key="xp_style")
    if has_adv:
        for m, rel in cmp.relevance.items():
            show_figure(viz.relevance_pair_figure(run.x[i], rel[i], run.x_adv[i], rel[n + i], fs=ds.fs, unit=ds.unit,
                                                  style=style, title=xr.METHOD_LABELS[m],
                                                  titles=(f"clean · {names[pred[i]]}",
                                                          f"{run.attack} · {names[pred[n + i]]}")),
                        f"relevance-{m}-{idx[i]}", key=f"xp_pair_{m}")
    else:
        show_figure(viz.method_grid_figure(run.x[i], {xr.METHOD_LABELS[m]: r[i] for m, r in cmp.relevance.items()},
                                           fs=ds.fs, unit=ds.unit, style=style), f"relevance-{idx[i]}", key="xp_grid")
    st.caption("Each method's relevance scaled to its own maximum. NeuroMask: the mask m in [0, 1] "
               "(1 = needed to keep the prediction); the others: |attribution| summed over channels.")


@st.fragment
def evolution_panel(run: xr.ExplainRun, ds) -> None:
    """NeuroMask's mask over its optimisation steps, its losses and summary."""
    mr, idx, n = run.comparison.mask_result, run.indices, len(run.y)
    if mr is None:
        st.info("Add NeuroMask to the methods to see how its mask evolves.")
        return
    j = st.selectbox("Series", range(len(mr.target)), key="xp_evo_i",
                     format_func=lambda k: f"#{idx[k % n]}" + (" adversarial" if k >= n else ""))
    xs = run.x if j < n else run.x_adv
    hist = mr.history[:, j] if mr.history.ndim == 3 else mr.history[:, j].max(axis=1)
    show_figure(viz.mask_evolution_figure(xs[j % n], hist, mr.history_steps, fs=ds.fs, unit=ds.unit),
                "neuromask-evolution", key="xp_evo")
    st.caption("Fig. 5.4 of the dissertation for a series: the mask starts as noise and settles on what the "
               "prediction needs. Drag the slider over the optimisation steps.")
    show_figure(viz.loss_history_figure(mr.loss_frame(), log_y=True), "neuromask-loss", key="xp_loss")
    s = mr.summary()
    metric_row([("Target probability, clean", f"{s['mean_clean_prob']:.3f}"),
                ("... under the mask", f"{s['mean_masked_prob']:.3f}"),
                ("Steps with m ≥ 0.5", f"{s['active_fraction']:.1%}")])


@st.fragment
def faithfulness_panel(run: xr.ExplainRun, baseline: str) -> None:
    """Deletion and insertion curves of every method and their areas."""
    faith = run.comparison.faithfulness
    fr = next(iter(faith.values())).fractions
    label = xr.METHOD_LABELS
    show_figure(viz.faithfulness_figure(fr, {label[m]: r.deletion for m, r in faith.items()}, kind="deletion"),
                "deletion-curves", key="xp_del")
    show_figure(viz.faithfulness_figure(fr, {label[m]: r.insertion for m, r in faith.items()}, kind="insertion"),
                "insertion-curves", key="xp_ins")
    table = run.comparison.table.assign(method=[label[m] for m in run.comparison.table["method"]])
    show_figure(viz.faithfulness_auc_figure(table), "faithfulness-auc", key="xp_auc")
    show_table(table, "faithfulness-auc", key="xp_auc_table", hide_index=True)
    st.caption(f"Deletion: the most relevant steps are replaced by the {baseline} baseline first; a faithful "
               "explanation makes the predicted class's probability fall fast (low AUC). Insertion: steps are "
               "revealed from the baseline, most relevant first (high AUC is better). Curves are over all "
               "explained series" + (" (clean and adversarial)." if run.x_adv is not None else "."))


@st.fragment
def export_panel(req: xr.ExplainRequest, run: xr.ExplainRun) -> None:
    """The relevances as a table and CSV, the settings and AUC table as JSON."""
    frame = xr.relevance_table(run)
    show_table(frame.head(SHOWN_ROWS), "relevances", key="xp_export", hide_index=True)
    csv_download(frame, "relevances.csv", key="xp_export_all", label="⬇ All relevances (CSV)")
    json_download(xr.settings_json(req, run), "explain.json", key="xp_export_json",
                  label="⬇ Settings and AUC table (JSON)")


def backdoor_panel(sel) -> None:
    """Does NeuroMask find the trigger of the zoo's backdoored model? (dissertation section 5.5.4)"""
    ds, ss = sel.dataset, st.session_state
    if sel.dataset_spec != "synthetic-ecg":
        st.info("The demo runs on the synthetic ECG dataset: choose it in the sidebar.")
        return
    try:
        model, trig = xr.backdoor_model(sel.device)
    except Exception as exc:  # noqa: BLE001 - shown to the user
        show_error(exc, "The backdoored model is not available")
        return
    metric_row(xr.backdoor_facts(model, trig, ds))
    with st.form("bd_form", enter_to_submit=False):
        c = st.columns(4, vertical_alignment="bottom")
        n_max = max(1, cap("explain_series") // 2)  # each beat is explained clean and triggered
        n = c[0].number_input("Beats (non-N)", 1, n_max, min(8, n_max), key="bd_n")
        steps = c[1].number_input("NeuroMask steps", 1, cap("neuromask_steps"), 300, key="bd_steps")
        seed = c[2].number_input("Seed", 0, 2**31 - 1, 0, key="bd_seed")
        go = c[3].form_submit_button("Run the demo", type="primary", key="bd_run")
    eta = eta_note(0, 2 * int(n) * int(steps), xr.backdoor_stem(), sel.device, ds.n_channels, ds.length)
    if eta:
        st.caption(f"{eta} for the settings shown (NeuroMask on each beat, clean and triggered).")
    notice_cancelled("bd_run")
    if go:
        req = xr.BackdoorRequest(sel.dataset_spec, sel.device, int(n), int(steps), int(seed))
        with guard("The demo could not run; previous results kept"), long_action(
                "bd_run", "NeuroMask on clean and triggered beats…") as bar:
            xr.backdoor_run(req, bar)
            ss[state.BACKDOOR_RESULT] = req
    req = ss.get(state.BACKDOOR_RESULT)
    if req is not None and req.spec == sel.dataset_spec:
        backdoor_results(req, ds, trig)


@st.fragment
def backdoor_results(req: xr.BackdoorRequest, ds, trig) -> None:
    """The demo's mask mass in the trigger window, one beat's masks, the per-beat table."""
    demo, pick = xr.backdoor_run(req)
    s, names = demo.summary(), ds.class_names
    metric_row([("Mask mass in the window: triggered", f"{s['mass_in_window_triggered']:.1%}", None,
                 "Share of the mask's mass on the trigger window, triggered beats"),
                ("... clean", f"{s['mass_in_window_clean']:.1%}"),
                ("Uniform mask would give", f"{s['window_share']:.1%}"),
                ("Concentration, triggered", f"{s['concentration_triggered']:.1f}× uniform", None,
                 "Mask mass in the window over the window's share of the series")])
    j = st.selectbox("Beat", range(len(pick)), key="bd_view",
                     format_func=lambda k: f"#{pick[k]} · {names[demo.y[k]]} → clean {names[demo.pred_clean[k]]}, "
                                           f"triggered {names[demo.pred_triggered[k]]}")
    show_figure(viz.trigger_overlay_figure(demo.x_clean[j], demo.x_triggered[j], demo.clean.mask[j],
                                           demo.triggered.mask[j], trig.window, fs=ds.fs, unit=ds.unit),
                f"backdoor-mask-{pick[j]}", key="bd_overlay")
    show_figure(viz.trigger_mass_figure(demo.mass_clean, demo.mass_triggered, window_share=demo.window_share),
                "backdoor-mask-mass", key="bd_mass")
    show_table(xr.backdoor_table(demo, pick, names), "backdoor-demo", key="bd_table", hide_index=True)
