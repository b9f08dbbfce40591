"""Certify page: randomized smoothing, deep and self-ensembles, certified accuracy vs radius."""
import streamlit as st

st.set_page_config(page_title="tsviz · Certify", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import certify_panels as panels  # noqa: E402
from tsviz.ui import certify_run as cr  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.cache import model_choices  # noqa: E402
from tsviz.ui.certify_form import certify_setup, threshold_input  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.export_panel import json_download  # noqa: E402
from tsviz.ui.long_action import long_action, notice_cancelled  # noqa: E402
from tsviz.ui.page import metric_row, start  # noqa: E402

sel = start("Certify")
ds, ss, unit = sel.dataset, st.session_state, sel.dataset.unit
st.caption("Randomized smoothing (Cohen et al. 2019) and the self-ensemble of the CIKM '24 paper: a certified L2 "
           f"radius per series, in {unit or 'signal units'}, that no perturbation of smaller norm can cross (with "
           "probability ≥ 1 − α over the sampling).")
choices = model_choices(ds)
if not choices:
    st.info("No model fits this dataset yet: train one on the Model page.")
    st.stop()

with st.container(border=True):
    setup = certify_setup(sel, choices)
    threshold = threshold_input(ds)
    go = st.button("Certify", type="primary", key="cert_run")
    notice_cancelled("cert_run")
    if go:
        with guard("Certification could not run; previous results kept"), \
                long_action("cert_run", "Certifying…") as bar:
            cr.certify_run(setup, bar)
            ss[state.CERTIFY_RESULT] = setup

req = ss.get(state.CERTIFY_RESULT)
if req is None or req.spec != sel.dataset_spec:
    st.info("Choose σ and the classifiers above and press **Certify**: the defaults (Single, M_B and M_C on 40 test "
            "series, n = 200) take the time shown under the settings.")
    st.stop()

# ------------------------------------------------------------------ results
run = cr.certify_run(req)
cmp, idx = run.comparison, run.indices
X, y = cr.certified_series(req, run)
table = cmp.table
metric_row(cr.acr_metrics(table, unit))
st.caption(cr.summary_caption(req, table, unit))
panels.ceiling_warning(req, run)
certs = panels.clinical_panel(req, run, threshold)
line, line_label = panels.clinical_threshold(certs, unit)


@st.fragment
def curves_tab() -> None:
    show_figure(viz.accuracy_radius_figure({k: (cmp.radii, v) for k, v in cmp.curves.items()}, unit=unit,
                                           threshold=line, threshold_label=line_label),
                "certified-accuracy-vs-radius", key="cert_curves")
    show_table(table, "certification-summary", key="cert_table", hide_index=True)
    st.caption("Certified accuracy at r: share of series predicted correctly with radius ≥ r (inclusive); "
               "abstentions count as wrong. ACR: mean radius over all series, 0 when wrong or abstained.")


@st.fragment
def series_tab() -> None:
    i = st.selectbox("Series", range(len(idx)), key="cert_view_i",
                     format_func=lambda j: f"#{idx[j]} · {ds.class_names[y[j]]}")
    for k, (label, r) in enumerate(cmp.results.items()):
        show_figure(viz.certified_signal_figure(X[i], float(r.radius[i]), fs=ds.fs, unit=unit,
                                                title=f"{label}: series #{idx[i]}", prediction=int(r.prediction[i]),
                                                label=int(y[i]), class_names=ds.class_names),
                    f"certified-series-{idx[i]}-{label}", key=f"cert_sig_{k}")
        if certs:
            st.caption(certs[label].statements[i])


@st.fragment
def pa_tab() -> None:
    show_figure(viz.pa_histogram_figure({k: r.p_lower for k, r in cmp.results.items()}), "pa-lower-bounds",
                key="cert_pa")
    st.caption("Lower confidence bound on pA per series; a certificate needs it above 1/2 (Cohen).")


@st.fragment
def radius_tab() -> None:
    show_figure(viz.radius_pa_figure(cr.radius_curves(req.sigma), sigma=req.sigma, unit=unit), "radius-vs-pa",
                key="cert_fig2")
    st.caption("Fig. 2: the certified radius grows with pA; Cohen's bound and the Renyi bound of Theorem 4.1 "
               "(pB = 1 − pA) at fixed orders a and their supremum.")


@st.fragment
def export_tab() -> None:
    show_table(panels.clinical_table(req, run, certs), "certified-series", key="cert_export", hide_index=True)
    json_download(cr.settings_json(req, run), "certification.json", key="cert_dl_json",
                  label="⬇ Settings and masks (JSON)")


tabs = st.tabs(["Accuracy vs radius", "Per series", "pA", "Margins", "Ablation", "PGD attack", "Soundness",
                "Radius vs pA", "Export"])
with tabs[0]:
    curves_tab()
with tabs[1]:
    series_tab()
with tabs[2]:
    pa_tab()
with tabs[3]:
    panels.margins_panel(req, run, ds.class_names)
with tabs[4]:
    panels.ablation_panel(req, run)
with tabs[5]:
    panels.attack_panel(req, run)
with tabs[6]:
    panels.soundness_panel(req, run)
with tabs[7]:
    radius_tab()
with tabs[8]:
    export_tab()
