"""Explain page: NeuroMask, Captum baselines, deletion/insertion faithfulness, backdoor-trigger demo."""
import streamlit as st

st.set_page_config(page_title="tsviz · Explain", layout="wide")

from tsviz.ui import explain_panels as panels  # noqa: E402
from tsviz.ui import explain_run as xr  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.explain_form import explain_setup  # noqa: E402
from tsviz.ui.long_action import long_action, notice_cancelled  # noqa: E402
from tsviz.ui.page import start  # noqa: E402

sel = start("Explain", "Which time steps does the model rely on? NeuroMask (dissertation ch. 5) learns a sparse, "
                       "smooth mask that keeps the prediction; saliency, integrated gradients, SmoothGrad, occlusion "
                       "and feature ablation (Captum) are the baselines; deletion and insertion curves score them all "
                       "the same way.")
ds, ss = sel.dataset, st.session_state
tab_methods, tab_backdoor = st.tabs(["Compare methods", "Backdoor trigger demo"])


def compare_methods() -> None:
    if sel.model is None:
        st.info("Pick a model in the sidebar (or train one on the Model page).")
        return
    adv = ss.get(state.ADVERSARIAL)
    with st.container(border=True):
        setup = explain_setup(sel, adv)
        notice_cancelled("xp_run")
        if setup is not None:
            with guard("Explanation could not run; previous results kept"), \
                    long_action("xp_run", "Explaining…") as bar:
                xr.explain_run(setup, adv, bar)
                ss[state.EXPLAIN_RESULT] = setup
    req = ss.get(state.EXPLAIN_RESULT)
    if req is None or not req.current(sel, adv):
        st.info("Choose series and methods and press **Explain** (the time the settings take on this machine is "
                "shown above the buttons).")
        return
    run = xr.explain_run(req, adv)
    tabs = st.tabs(["Relevance", "NeuroMask evolution", "Faithfulness", "Export"])
    with tabs[0]:
        panels.relevance_panel(run, ds)
    with tabs[1]:
        panels.evolution_panel(run, ds)
    with tabs[2]:
        panels.faithfulness_panel(run, req.baseline)
    with tabs[3]:
        panels.export_panel(req, run)


with tab_methods:
    compare_methods()
with tab_backdoor:
    st.write("A model of the zoo was trained with a **backdoor**: 10 % of its training beats carried a short square "
             "wave over a fixed window and the label N (BadNets, as in section 5.5.4 of the dissertation). It "
             "classifies clean beats well and any beat with the trigger as N. Does NeuroMask find the trigger?")
    panels.backdoor_panel(sel)
