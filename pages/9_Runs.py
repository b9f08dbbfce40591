"""Runs page: every recorded run (app and CLI) — find, inspect, compare, reopen, report, export, delete."""
import streamlit as st

st.set_page_config(page_title="tsviz · Runs", layout="wide")

from tsviz.ui import runs_panels as panels  # noqa: E402
from tsviz.ui import runs_run as rr  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.page import start  # noqa: E402

start("Runs", "Every training, attack, certification, explanation, augmentation and study run, kept in the run "
              "store: filter them, select one for its details (open it again in its page, a self-contained HTML "
              "report, a zip export, delete), or select two or more to compare their settings, metrics and curves.")
view = rr.view()
if view.problem:
    st.warning(view.problem)
store = panels.store_or_stop()
panels.reap(store)
st.caption(f"{view.describe()} Store: {panels.md(store.where, 300)}")

filt = panels.filters(view)
runs = []
with guard("Could not list the runs"):
    runs = rr.list_runs(filt, view)
if not runs:
    if filt == rr.RunFilter(limit=filt.limit):
        st.info("No runs recorded yet. Runs appear here as soon as you train, attack, certify, explain, augment or "
                "build a study on the other pages, or run `python -m tsviz ...` from the command line.")
    else:
        st.info("No run matches these filters.")
    st.stop()

st.caption(f"{len(runs)} run(s){' (the limit)' if len(runs) == filt.limit else ''}. Select rows (the boxes on the "
           "left) for details; select two or more to compare them.")
selected = panels.runs_table(runs)
if not selected:
    st.info("Select a run in the table for its details, or two or more to compare them.")
    st.stop()
panels.selected_panel(selected, view)
