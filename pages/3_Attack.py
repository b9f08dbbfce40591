"""Attack page: run an attack on chosen series and see what changed and what it cost."""
import numpy as np
import streamlit as st

st.set_page_config(page_title="tsviz · Attack", layout="wide")

from tsviz.ui import attack_panels as panels  # noqa: E402
from tsviz.ui import attack_run as ar  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.attack_form import attack_setup, default_eps  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.long_action import long_action, notice_cancelled  # noqa: E402
from tsviz.ui.page import metric_row, start  # noqa: E402

sel = start("Attack")
ds, ss = sel.dataset, st.session_state
if sel.model is None:
    st.info("Select or train a model that fits this dataset first (sidebar / Model page).")
    st.stop()
st.caption(f"{sel.model_card.get('arch')} on {ds.name} · budgets in {ds.unit}")

with st.container(border=True):
    setup = attack_setup(sel)
    go = st.button("Run attack", type="primary", key="atk_run")
    notice_cancelled("atk_run")
    if go:
        with guard(f"{setup.attack} could not run; previous results kept"), \
                long_action("atk_run", f"Running {setup.attack}…") as bar:
            ar.attack_run(setup, bar)
            ss[state.ATTACK_RESULT] = setup

req = ss.get(state.ATTACK_RESULT)
if req is None or not req.current(sel):
    st.info("Set up an attack above and press **Run attack**.")
    st.stop()

# ------------------------------------------------------------------ results
run = ar.attack_run(req)
report, summ = run.report, run.report.summary()
metric_row([
    ("Clean accuracy", f"{summ['clean_accuracy']:.1%}"),
    ("Adversarial accuracy", f"{summ['adversarial_accuracy']:.1%}",
     f"{summ['adversarial_accuracy'] - summ['clean_accuracy']:+.1%}", "Change from the clean accuracy"),
    ("Success rate", f"{summ['success_rate']:.1%}" if np.isfinite(summ["success_rate"]) else "n/a", None,
     "Among series classified correctly before the attack"),
    (f"Mean L∞ ({ds.unit})", f"{summ['mean_linf']:.3g}"),
    ("Median SNR", f"{summ['median_snr_db']:.1f} dB"),
    ("Median queries" if report.black_box else "Gradient evals", f"{summ['median_queries']:.0f}"),
])
st.caption(f"{req.attack} on {summ['n']} {req.split} series in {run.seconds:.1f} s · {report.params}")



@st.fragment
def signals_tab() -> None:
    panels.signals(req, run, ds)


@st.fragment
def analysis_tab(kind: str) -> None:
    panels.analysis(kind, req, run, ds)


@st.fragment
def history_tab() -> None:
    panels.history(run)


@st.fragment
def export_tab() -> None:
    panels.export(req, run)


# Budget sweep: not a fragment, so that its Cancel button can stop it (see tsviz.ui.attack_panels).
tabs = st.tabs(["Signals", *panels.ANALYSES, "History", "Budget sweep", "Export"])
with tabs[0]:
    signals_tab()
for tab, kind in zip(tabs[1:5], panels.ANALYSES):
    with tab:
        analysis_tab(kind)
with tabs[5]:
    history_tab()
with tabs[6]:
    panels.sweep_panel(req, ds, default_eps(req.spec))
with tabs[7]:
    export_tab()
