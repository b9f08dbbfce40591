"""tsviz entry point: ``streamlit run app.py``. Declares the pages; each page draws the shared sidebar.

The favicon is an emoji (drawn by the browser from a data: URL): a Material icon as ``page_icon``
would make the browser fetch it from fonts.gstatic.com, and the app makes no request off this machine.
"""
import streamlit as st

from tsviz.ui.lessons_view import follow, lesson_guide

st.set_page_config(page_title="tsviz — robustness of time-series classifiers", page_icon="🫀", layout="wide")

PAGES = [
    st.Page("home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page("pages/1_Data.py", title="Data", icon=":material/monitoring:", url_path="Data"),
    st.Page("pages/2_Model.py", title="Model", icon=":material/neurology:", url_path="Model"),
    st.Page("pages/3_Attack.py", title="Attack", icon=":material/bolt:", url_path="Attack"),
    st.Page("pages/4_Certify.py", title="Certify", icon=":material/verified_user:", url_path="Certify"),
    st.Page("pages/5_Explain.py", title="Explain", icon=":material/lightbulb:", url_path="Explain"),
    st.Page("pages/6_Augment.py", title="Augment", icon=":material/auto_fix_high:", url_path="Augment"),
    st.Page("pages/7_Review.py", title="Review", icon=":material/monitor_heart:", url_path="Review"),
    st.Page("pages/9_Runs.py", title="Runs", icon=":material/history:", url_path="Runs"),
    st.Page("pages/10_Reproduce.py", title="Reproduce", icon=":material/science:", url_path="Reproduce"),
    st.Page("pages/8_Lessons.py", title="Lessons", icon=":material/school:", url_path="Lessons"),
]
page = st.navigation(PAGES)
follow()  # a lesson step's button asked for its page
lesson_guide(page.title, lessons_page=PAGES[-1])
page.run()
