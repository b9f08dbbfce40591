"""Reproduce page: the papers' headline tables beside tsviz's measurements, one click each."""
import streamlit as st

st.set_page_config(page_title="tsviz · Reproduce", layout="wide")

from tsviz.ui import reproduce_panels as panels  # noqa: E402
from tsviz.ui import reproduce_run as rr  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.long_action import notice_cancelled  # noqa: E402
from tsviz.ui.page import start  # noqa: E402

start("Reproduce", "Each target is one table of one paper: the published numbers, the same table measured by tsviz "
                   "(tiny: a smoke test in seconds; quick: minutes on 2 CPU cores; full: the paper's settings), a "
                   "verdict (matches / same direction / differs / not run), the exact configuration and the known "
                   "reasons for differences. Runs here and from `python -m tsviz reproduce` are kept in the run store.",
      notices=[lambda: notice_cancelled(panels.ACTION)])

data_root = panels.data_folder()
all_targets, last = [], {}
with guard("Could not list the targets"):
    all_targets = rr.targets()
    last = rr.last_runs()
if not all_targets:
    st.stop()
panels.overview(all_targets, last, data_root)

key = panels.pick_target(all_targets)
tgt = rr.target(key)
panels.target_header(tgt)
fresh = panels.run_controls(tgt, data_root, last)

result, where = fresh, "this run"
if result is None and rr.session_result(key) is not None:
    result, where = rr.session_result(key), "this session's last run"
if result is None and (last.get(key) or {}).get("id"):
    with guard("Could not read the last recorded run"):
        result = rr.recorded_result(last[key]["id"])
        where = f"recorded run {last[key]['id'][:8]} ({last[key].get('mode')})"
with guard("Could not show the results"):
    panels.result_panel(tgt, result, where)
