"""Attack page results tabs: the signals, the analyses of a run, the budget sweep and the export.

The page wraps the tabs whose widgets only change what is shown (the series, the analyses, the
export) in ``st.fragment`` functions: a widget inside one reruns that tab only. The budget sweep is
a long action and is *not* a fragment: Streamlit does not let a click inside a fragment interrupt
that fragment's run (a fragment's rerun request waits for the running script; only a full-page
request preempts it), so its *Cancel* button must be drawn by the page's script. The sweep's button
therefore reruns the page, which redraws everything above the tabs unchanged (nothing is added
above them), so the tab bar keeps the sweep tab open and the progress bar appears in it, where the
user is looking.
"""
from __future__ import annotations

import streamlit as st

from tsviz import viz
from tsviz.core.lists import format_list, parse_numbers
from tsviz.ui import attack_run as ar
from tsviz.ui import state
from tsviz.ui.caps import cap
from tsviz.ui.downloads import show_figure, show_table
from tsviz.ui.errors import guard
from tsviz.ui.export_panel import series_downloads
from tsviz.ui.long_action import eta_note, long_action, notice_cancelled

__all__ = ["signals", "analysis", "history", "sweep_panel", "export", "HANDOFF_TEXT", "ANALYSES"]

#: What the Export tab's handoff says (only pages that exist).
HANDOFF_TEXT = ("Stored for the Explain page of this session (its source “Adversarial examples from the Attack page”) "
                "and for the Review page (input “Attack page”).")
#: The analysis tabs, in order (then History).
ANALYSES = ("Spectra", "Latent space", "Confusion", "Sizes")


def signals(req: ar.AttackRequest, run: ar.AttackRun, ds) -> None:
    """One attacked series over its clean version, and the class probabilities before and after."""
    report, names = run.report, ds.class_names
    i = st.selectbox("Series", range(len(run.indices)), key="atk_view_i",
                     format_func=lambda j: f"#{run.indices[j]} · {names[report.y_true[j]]} → "
                                           f"{names[report.adv_pred[j]]}" + (" ✓" if report.success[j] else ""))
    j = int(run.indices[i])
    title = (f"{req.split} series #{j} · true {names[report.y_true[i]]} · clean → {names[report.clean_pred[i]]} "
             f"({report.clean_probs[i].max():.0%}) · adversarial → {names[report.adv_pred[i]]} "
             f"({report.adv_probs[i].max():.0%})")
    linf = report.params.get("norm", "inf") == "inf"
    left, right = st.columns([5, 2])
    with left:
        show_figure(viz.overlay_figure(ar.attacked_series(req, run), report.x_adv, index=i, fs=ds.fs, unit=ds.unit,
                                       class_names=names, y_true=report.y_true, clean_pred=report.clean_pred,
                                       adv_pred=report.adv_pred, title=title,
                                       eps=float(report.params.get("eps", 0)) if linf else None),
                    f"attack-overlay-{j}", key="overlay")
    with right:
        show_figure(viz.probabilities_figure(report.clean_probs[i], report.adv_probs[i], names,
                                             title="Class probabilities"), f"attack-probabilities-{j}", key="probs")


def analysis(kind: str, req: ar.AttackRequest, run: ar.AttackRun, ds) -> None:
    """One analysis of the run: spectra, latent shift, confusion or perturbation sizes."""
    report, names = run.report, ds.class_names
    with guard(f"{kind} unavailable"):
        if kind == "Spectra":
            show_figure(viz.spectra_figure(ar.spectra(req), ds.unit), "attack-spectra", key="spectra")
        elif kind == "Latent space":
            show_figure(viz.latent_shift_figure(ar.latent_shift(req), report.y_true, report.adv_pred, names),
                        "attack-latent-shift", key="latent")
        elif kind == "Confusion":
            show_figure(viz.adversarial_confusion_figure(report.confusion, names,
                                                         score=ar.robustness_score(run, ds.n_classes)),
                        "adversarial-confusion", key="advcm")
            st.caption("Weighted robustness score S = Σ c_ij m_ij (WPGD paper, eq. 7), m the row-normalised "
                       "adversarial confusion matrix (tsviz's reading: the paper does not say how M is normalised; "
                       "its Table 3 fits row rates), " + ("c the WPGD cost matrix." if run.cost is not None else
                                                          "c the uniform cost 1 − I: S is then the sum of the "
                                                          "per-class error rates."))
            show_table(report.per_class_frame(), "attack-per-class", key="atk-perclass", hide_index=True)
        elif kind == "Sizes":
            show_figure(viz.perturbation_size_figure(report, unit=ds.unit), "attack-perturbation-sizes", key="sizes")
            show_table(report.samples_frame(), "attack-samples", key="atk-samples", hide_index=True)


def history(run: ar.AttackRun) -> None:
    """The attack's progress: GenAttack's best fitness per generation, a gradient attack's loss."""
    with guard("History unavailable"):
        show_figure(viz.fitness_figure(run.report.history, key=ar.history_key(run.report)), "attack-history",
                    key="history")
        st.caption("GenAttack: best fitness per generation (median and interquartile range over series) and "
                   "queries spent. Gradient attacks: the attacked loss after each step (FGSM takes one step: "
                   "one point).")


def _sweep_paper(eps_text: str) -> None:
    ss = st.session_state
    ss["sweep_attacks"] = ["fgsm", "pgd"]
    ss["sweep_eps"] = eps_text
    ss["sweep_steps"] = ar.SWEEP_PAPER_STEPS


def sweep_panel(req: ar.AttackRequest, ds, eps0: float) -> None:
    """The budget sweep: a form (Enter does not submit it), the time it takes, *Paper settings*, and
    the sweep as a long action with a Cancel button (drawn by the page's script, see the module)."""
    ss = st.session_state
    st.write("Accuracy and precision against the budget for several attacks on the same series "
             "(default hyperparameters; BIM and PGD take steps of 2.5 eps / steps, Madry et al.).")
    with st.form("sweep_form", enter_to_submit=False, border=False):
        c = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
        which = c[0].multiselect("Attacks", list(ar.SWEEP_DEFAULTS), default=["fgsm", "pgd"], key="sweep_attacks")
        eps_text = c[1].text_input(f"eps values ({ds.unit})", format_list([eps0 * f for f in (0, 0.5, 1, 2, 4)],
                                                                          digits=2), key="sweep_eps")
        steps = c[2].number_input("Steps (BIM, PGD)", 1, cap("attack_steps"), ar.SWEEP_STEPS, key="sweep_steps",
                                  help=f"{ar.SWEEP_STEPS} for a quick demo; the NSR paper evaluates with "
                                       f"{ar.SWEEP_PAPER_STEPS}-step PGD (Paper settings)")
        go = c[3].form_submit_button("Run sweep", key="sweep_go")
    paper_eps = format_list(list(ar.SWEEP_PAPER_EPS), digits=2)
    c = st.columns([1, 4], vertical_alignment="center")
    c[0].button("Paper settings", key="sweep_paper", on_click=_sweep_paper, args=(paper_eps,),
                help=f"FGSM and {ar.SWEEP_PAPER_STEPS}-step PGD at the NSR paper's noise levels {paper_eps} "
                     f"{ds.unit} (Ma & Liang 2020); press Run sweep to start")
    c[1].caption(_sweep_eta(req, ds, eps0, which, eps_text, steps))
    notice_cancelled("atk_sweep")
    if go:
        with guard("Sweep failed"), long_action("atk_sweep", "Sweeping…") as bar:
            eps_values = tuple(parse_numbers(eps_text, name="eps values", low=0.0, max_count=12))
            ar.sweep(req, tuple(which), eps_values, eps0, int(steps), bar)
            ss[state.ATTACK_SWEEP] = (req, tuple(which), eps_values, int(steps))
    done = ss.get(state.ATTACK_SWEEP)
    if done and done[0] == req:
        with guard("Could not show the sweep"):
            frame = ar.sweep(done[0], done[1], done[2], eps0, *done[3:]).to_frame()
            show_figure(viz.sweep_figures(frame, ds.unit), "accuracy-precision-vs-eps", key="sweep")
            show_table(frame, "sweep", key="sweep-table", hide_index=True)


def _sweep_eta(req: ar.AttackRequest, ds, eps0: float, which, eps_text: str, steps) -> str:
    """The estimate for the settings in the form (as last applied: a form sends its values on Run)."""
    try:
        eps_values = tuple(parse_numbers(eps_text, name="eps values", low=0.0, max_count=12))
        fwd, bwd = ar.sweep_cost(tuple(which), eps_values, eps0, int(steps), len(ar.attack_run(req).indices))
    except Exception:  # noqa: BLE001 - bad settings are reported when the user runs
        return ""
    eta = eta_note(fwd, bwd, req.model, req.device, ds.n_channels, ds.length)
    return f"{eta} for the settings shown." if eta else ""


def export(req: ar.AttackRequest, run: ar.AttackRun) -> None:
    """The adversarial series as NPZ and CSV (they load back as datasets), and the handoff to Explain and Review."""
    with guard("Could not write the files"):
        series_downloads(ar.export_files(req), f"{req.attack}-adversarial", key="dl", what="Adversarial series")
    if st.button("Send to Explain and Review", key="atk_handoff"):
        st.session_state[state.ADVERSARIAL] = ar.handoff(req, run)
        st.success(HANDOFF_TEXT)
