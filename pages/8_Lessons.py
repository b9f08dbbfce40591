"""Lessons page: guided walkthroughs for teachers; each step sets up another page and opens it."""
import streamlit as st

st.set_page_config(page_title="tsviz · Lessons", layout="wide")

from tsviz.ui import lessons  # noqa: E402
from tsviz.ui.lessons_view import follow, step_card  # noqa: E402
from tsviz.ui.page import start  # noqa: E402

start("Lessons", "Guided walkthroughs for a class: each step sets the controls of another page (and the "
                 "sidebar's dataset and model) and opens it; you press the button it names and read the result "
                 "out. While a lesson runs, a guide at the top of the sidebar shows the step and leads to the next.")
follow()  # app.py opens a step's page before this page runs; this covers the page run on its own
ss = st.session_state
active = lessons.active_step(ss)
keys = [item.key for item in lessons.LESSONS]
if active is not None and ss.get("lesson_pick") not in keys:
    ss["lesson_pick"] = active[0].key
pick = st.radio("Lesson", keys, key="lesson_pick", format_func=lambda k: lessons.lesson(k).title)
item = lessons.lesson(pick)
st.markdown(f"**What the class takes away.** {item.summary}")
st.caption(f"{len(item.steps)} steps, each a few seconds to half a minute on a laptop CPU with these settings. "
           "The speaker notes under each step are for you.")
for i in range(len(item.steps)):
    step_card(item, i, current=active is not None and active[0].key == item.key and active[1] == i)
