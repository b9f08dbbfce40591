"""tsviz entry point: ``streamlit run app.py``. Declares the pages; each page draws the shared sidebar."""
import streamlit as st

st.set_page_config(page_title="tsviz — robustness of time-series classifiers", page_icon="🫀", layout="wide")

PAGES = [
    st.Page("home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page("pages/1_Data.py", title="Data", icon=":material/monitoring:", url_path="Data"),
    st.Page("pages/2_Model.py", title="Model", icon=":material/neurology:", url_path="Model"),
    st.Page("pages/3_Attack.py", title="Attack", icon=":material/bolt:", url_path="Attack"),
    st.Page("pages/4_Certify.py", title="Certify", icon=":material/verified_user:", url_path="Certify"),
    st.Page("pages/5_Explain.py", title="Explain", icon=":material/lightbulb:", url_path="Explain"),
    st.Page("pages/6_Augment.py", title="Augment", icon=":material/auto_fix_high:", url_path="Augment"),
]
st.navigation(PAGES).run()
