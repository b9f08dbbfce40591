"""Attack page: run an attack on chosen series and see what changed and what it cost."""
import numpy as np
import streamlit as st

st.set_page_config(page_title="tsviz · Attack", page_icon=":material/bolt:", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.core.lists import format_list, parse_numbers  # noqa: E402
from tsviz.ui import attack_run as ar  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.attack_form import attack_setup, default_eps  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.export_panel import series_downloads  # noqa: E402
from tsviz.ui.page import metric_row, start  # noqa: E402
from tsviz.ui.progress import progress_bar  # noqa: E402

sel = start("Attack")
ds, ss = sel.dataset, st.session_state
if sel.model is None:
    st.info("Select or train a model that fits this dataset first (sidebar / Model page).")
    st.stop()
st.caption(f"{sel.model_card.get('arch')} on {ds.name} · budgets in {ds.unit}")

with st.container(border=True):
    setup = attack_setup(sel)
    go = st.button("Run attack", type="primary", key="atk_run")
if go:
    with guard(f"{setup.attack} could not run; previous results kept"), progress_bar(f"Running {setup.attack}…") as bar:
        ar.attack_run(setup, bar)
        ss[state.ATTACK_RESULT] = setup

req = ss.get(state.ATTACK_RESULT)
if req is None or not req.current(sel):
    st.info("Set up an attack above and press **Run attack**.")
    st.stop()

# ------------------------------------------------------------------ results
run = ar.attack_run(req)
report, summ = run.report, run.report.summary()
names = ds.class_names
metric_row([
    ("Clean accuracy", f"{summ['clean_accuracy']:.1%}"),
    ("Adversarial accuracy", f"{summ['adversarial_accuracy']:.1%}",
     f"{summ['adversarial_accuracy'] - summ['clean_accuracy']:+.1%}"),
    ("Success rate", f"{summ['success_rate']:.1%}" if np.isfinite(summ["success_rate"]) else "n/a", None,
     "Among series classified correctly before the attack"),
    (f"Mean L∞ ({ds.unit})", f"{summ['mean_linf']:.3g}"),
    ("Median SNR", f"{summ['median_snr_db']:.1f} dB"),
    ("Median queries" if report.black_box else "Gradient evals", f"{summ['median_queries']:.0f}"),
])
st.caption(f"{req.attack} on {summ['n']} {req.split} series in {run.seconds:.1f} s · {report.params}")


@st.fragment
def signals_tab() -> None:
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


@st.fragment
def analysis_tab(kind: str) -> None:
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
                       "adversarial confusion matrix, " + ("c the WPGD cost matrix." if run.cost is not None else
                                                          "c the uniform cost 1 − I: S is then the sum of the "
                                                          "per-class error rates."))
            show_table(report.per_class_frame(), "attack-per-class", key="atk-perclass", hide_index=True)
        elif kind == "Sizes":
            show_figure(viz.perturbation_size_figure(report, unit=ds.unit), "attack-perturbation-sizes", key="sizes")
            show_table(report.samples_frame(), "attack-samples", key="atk-samples", hide_index=True)
        else:
            hkey = "best_fitness" if "best_fitness" in report.history else "loss"
            show_figure(viz.fitness_figure(report.history, key=hkey), "attack-history", key="history")
            st.caption("GenAttack: best fitness per generation (median and interquartile range over series) and "
                       "queries spent. Gradient attacks: the attacked loss after each step.")


@st.fragment
def sweep_tab() -> None:
    eps0 = default_eps(req.spec)
    st.write("Accuracy and precision against the budget for several attacks on the same series "
             "(default hyperparameters, step sizes scaled with eps).")
    with st.form("sweep_form", enter_to_submit=False, border=False):
        c = st.columns([2, 2, 1], vertical_alignment="bottom")
        which = c[0].multiselect("Attacks", list(ar.SWEEP_DEFAULTS), default=["fgsm", "pgd"], key="sweep_attacks")
        eps_text = c[1].text_input(f"eps values ({ds.unit})", format_list([eps0 * f for f in (0, 0.5, 1, 2, 4)],
                                                                          digits=2), key="sweep_eps")
        go_sweep = c[2].form_submit_button("Run sweep", key="sweep_go")
    if go_sweep:
        with guard("Sweep failed"), progress_bar("Sweeping…") as bar:
            eps_values = tuple(parse_numbers(eps_text, name="eps values", low=0.0, max_count=12))
            ar.sweep(req, tuple(which), eps_values, eps0, bar)
            ss[state.ATTACK_SWEEP] = (req, tuple(which), eps_values)
    done = ss.get(state.ATTACK_SWEEP)
    if done and done[0] == req:
        with guard("Could not show the sweep"):
            frame = ar.sweep(*done, eps0).to_frame()
            show_figure(viz.sweep_figures(frame, ds.unit), "accuracy-precision-vs-eps", key="sweep")
            show_table(frame, "sweep", key="sweep-table", hide_index=True)


@st.fragment
def export_tab() -> None:
    with guard("Could not write the files"):
        series_downloads(ar.export_files(req), f"{req.attack}-adversarial", key="dl", what="Adversarial series")
    if st.button("Send to Explain / Review", key="atk_handoff"):
        ss[state.ADVERSARIAL] = ar.handoff(req, run)
        st.success("Stored for the Explain and Review pages of this session.")


tabs = st.tabs(["Signals", "Spectra", "Latent space", "Confusion", "Sizes", "History", "Budget sweep", "Export"])
with tabs[0]:
    signals_tab()
for tab, kind in zip(tabs[1:6], ("Spectra", "Latent space", "Confusion", "Sizes", "History")):
    with tab:
        analysis_tab(kind)
with tabs[6]:
    sweep_tab()
with tabs[7]:
    export_tab()
