"""Review page: adversarial ECGs the way a clinician reads them — on ECG paper, in numbers, in their
10-s strip, and in a blinded perception study."""
import streamlit as st

st.set_page_config(page_title="tsviz · Review", layout="wide")

from tsviz.ui import review_panels as panels  # noqa: E402
from tsviz.ui.page import start  # noqa: E402

sel = start("Review", "Would a clinician notice? Each attacked beat on ECG paper (25 mm/s, 10 mm/mV, a 1 mV "
                      "calibration pulse; 50 mm/s and 5 or 20 mm/mV as on a cart), clean, adversarial and their "
                      "difference on the same scale; the perturbation in microvolts, dB and frequency bands; the "
                      "model's class before and after; the beat back in its 10-s strip where the recording exists; "
                      "and a blinded perception study.")
req = panels.input_panel(sel)


@st.fragment
def paper_tab() -> None:
    panels.paper(req)


@st.fragment
def context_tab() -> None:
    panels.in_context(req)


tabs = st.tabs(["ECG paper", "In context", "Blinded study"])
for tab, draw in zip(tabs[:2], (paper_tab, context_tab)):
    with tab:
        if req is None:
            st.info("Choose the series to review above.")
        else:
            draw()
with tabs[2]:
    panels.study(sel)
