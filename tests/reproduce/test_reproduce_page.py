"""The Reproduce page in AppTest: lists every target, runs a tiny one, shows both tables and the verdict,
reads the last recorded run, and reports missing data as 'not run' without a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest
from realdata import SHARED_DATA, shared_data
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "pages" / "10_Reproduce.py")
TARGET = "selfensemble-table3"


@pytest.fixture(autouse=True)
def _page_env(tmp_path, monkeypatch):
    """A fresh TSVIZ_HOME (run store), the repository as working directory, empty session caches."""
    import streamlit as st

    from tsviz.runs import close_stores

    st.cache_data.clear()
    close_stores()
    monkeypatch.setenv("TSVIZ_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TSVIZ_DB_URL", raising=False)
    monkeypatch.delenv("TSVIZ_DATA_ROOTS", raising=False)
    monkeypatch.chdir(REPO)
    yield
    close_stores()


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=180)


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def run_target(at: AppTest, key: str) -> AppTest:
    at.selectbox(key="repro_target").set_value(key).run()
    clean(at)
    at.button(key=f"repro_go_{key}").click().run()
    return at


def test_lists_every_target_and_runs_a_tiny_one(monkeypatch):
    shared_data("ucr", "CBF")
    shared_data("ucr", "SyntheticControl")
    monkeypatch.setenv("TSVIZ_DATA", str(SHARED_DATA))
    at = page().run()
    clean(at)
    assert at.title[0].value == "Reproduce"
    overview = at.dataframe[0].value
    from tsviz.reproduce import list_targets

    assert list(overview["target"]) == [t.key for t in list_targets()]
    assert set(overview["verdict"]) == {"—"} and "never" in set(overview["last run"])
    run_target(at, TARGET)
    clean(at)
    marks = [m.value for m in at.markdown]
    assert any(m.startswith("**Verdict:** :") and "(this run)" in m for m in marks), marks
    frames = [d.value for d in at.dataframe]
    paper, measured = frames[1], frames[2]
    assert {"dataset", "arch", "sigma", "method", "acr", "accuracy"} <= set(paper.columns) and len(paper) == 48
    assert list(measured["method"]) == ["Single", "DE", "M_B", "M_C"] and "acr_renyi" in measured.columns
    cmp = frames[3]
    assert {"paper", "tsviz", "diff", "within"} <= set(cmp.columns) and cmp["tsviz"].notna().sum() == 8
    # the run went to the store: a fresh session lists it and shows the recorded result
    at2 = page().run()
    clean(at2)
    row = at2.dataframe[0].value.set_index("target").loc[TARGET]
    assert "tiny" in row["last run"] and row["verdict"] != "—"
    at2.selectbox(key="repro_target").set_value(TARGET).run()
    clean(at2)
    assert any(m.value.startswith("**Verdict:**") and "recorded run" in m.value for m in at2.markdown)


def test_missing_data_is_not_run_without_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("TSVIZ_DATA", str(tmp_path / "empty"))
    at = page().run()
    clean(at)
    run_target(at, "selfensemble-table4")
    clean(at)
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**Verdict:** :gray-badge[not run]") for t in texts), texts
    assert any("ucr/CricketX" in c.value and "https://www.cs.ucr.edu" in c.value for c in at.caption)


def test_full_mode_warns_and_needs_a_confirmation(monkeypatch, tmp_path):
    monkeypatch.setenv("TSVIZ_DATA", str(tmp_path))
    at = page().run()
    at.radio(key="repro_mode_augmentation-table1").set_value("full").run()
    clean(at)
    assert any("may take many hours" in w.value for w in at.warning)
    assert at.button(key="repro_go_augmentation-table1").disabled
    at.checkbox(key="repro_full_ok_augmentation-table1").check().run()
    assert not at.button(key="repro_go_augmentation-table1").disabled


def test_no_data_folder_and_a_refused_path(monkeypatch, tmp_path):
    monkeypatch.delenv("TSVIZ_DATA", raising=False)
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", str(tmp_path / "allowed"))
    at = page().run()
    clean(at)
    assert any("No data folder" in c.value for c in at.caption)
    at.text_input(key="repro_data").set_value("/etc").run()
    assert not at.exception and any("outside the folders" in e.value for e in at.error)
