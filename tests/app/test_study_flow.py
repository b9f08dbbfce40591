"""The blinded perception study in AppTest (issue 14): create a 20-item study from this session's
attack, answer 10 items, resume in a new session at item 11, finish, and read results equal to the
statistics computed directly from the run store; bad inputs give clear messages."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from apptest_helpers import errors, no_errors
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("app_home")

TIMEOUT = 120


def _script(make_attack: bool = False) -> None:
    """The Review page's study tab alone (the page itself is written elsewhere); with
    ``make_attack`` an FGSM run on 40 test series becomes this session's Attack result first."""
    import streamlit as st

    from tsviz.ui import state
    from tsviz.ui.page import start
    from tsviz.ui.study_panels import study_tab

    sel = start("Review")
    if make_attack and state.ATTACK_RESULT not in st.session_state:
        from tsviz.ui import attack_run as ar

        req = ar.AttackRequest(model=str(sel.model_path), spec=sel.dataset_spec, device="cpu", attack="fgsm",
                               params=(("eps", 0.3),), target=None, cost_kind="uniform", cost=None, split="test",
                               mode="random", n=40, class_index=0, index=0, seed=0)
        ar.attack_run(req)
        st.session_state[state.ATTACK_RESULT] = req
    study_tab(sel)


def _session(make_attack: bool = False) -> AppTest:
    at = AppTest.from_function(_script, kwargs={"make_attack": make_attack}, default_timeout=TIMEOUT).run()
    no_errors(at)
    return at


def _texts(at) -> list[str]:
    return [e.value for kind in ("markdown", "caption", "subheader", "success", "info", "warning")
            for e in getattr(at, kind)]


def _item_heading(at) -> str | None:
    return next((h.value for h in at.subheader if h.value.startswith("Item ")), None)


def _chart_traces(at) -> list[str]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return sorted(str(t.get("name")) for t in spec["data"])


def _answer(at, pos: int, label: int, manipulated: str, comment: str = "") -> None:
    at.radio(key=f"study_label_{pos}").set_value(label)
    at.radio(key=f"study_manip_{pos}").set_value(manipulated)
    if comment:
        at.text_area(key=f"study_comment_{pos}").input(comment)
    at.button(key="study_save").click().run()
    no_errors(at)


def _plan(pos: int) -> tuple[int, str]:
    """Ada's answer at position ``pos``: class pos % 3 (-1 = can't tell every 7th), yes/no/unsure."""
    return (-1 if pos % 7 == 6 else pos % 3), ("yes", "no", "unsure")[pos % 3]


def test_study_create_review_resume_results():
    from tsviz.review.study import reviewer_order
    from tsviz.review.study_stats import answers_frame, study_stats
    from tsviz.runs import open_store

    # ---- create a 20-item study from this session's attack
    at = _session(make_attack=True)
    at.radio(key="study_mode").set_value("Create a study").run()
    no_errors(at)
    at.text_input(key="study_name").input("pilot")
    at.number_input(key="study_n").set_value(20)
    at.number_input(key="study_seed").set_value(3)
    at.button(key="study_create_go").click().run()
    no_errors(at)
    assert any("Study **pilot** created: 20 items" in s.value for s in at.success)
    store = open_store()
    study = store.get_study("pilot")
    assert study.n_items == 20 and [it["kind"] for it in study.items].count("adversarial") == 10
    assert store.list_runs(kind="study")[0].metrics["study_id"] == study.id

    # a second study with the same name is refused, with a message
    at.button(key="study_create_go").click().run()
    assert any("exists already" in e for e in errors(at))

    # ---- take part: answer 10 items
    at.radio(key="study_mode").set_value("Take part").run()
    at.text_input(key="study_reviewer_name").input("Dr Ada")
    at.button(key="study_start").click().run()
    no_errors(at)
    assert _item_heading(at) == "Item 1 of 20"
    traces = _chart_traces(at)
    seen_traces = {tuple(traces)}
    for pos in range(10):
        label, manip = _plan(pos)
        _answer(at, pos, label, manip, comment="=looks odd" if pos == 2 else "")
        seen_traces.add(tuple(_chart_traces(at)))
    assert _item_heading(at) == "Item 11 of 20"
    assert any("10 of 20 answered" in t for t in _texts(at))
    # every item is drawn with the same traces (no trace name hints at a kind)
    assert len(seen_traces) == 1 and not any("lean" in n or "dversarial" in n for n in traces)
    assert not any("adversarial" in t.lower() for t in _texts(at))

    # ---- a new session (another day): same name in another case resumes at item 11
    at2 = _session()
    at2.text_input(key="study_reviewer_name").input("dr ada")
    at2.button(key="study_start").click().run()
    no_errors(at2)
    assert _item_heading(at2) == "Item 11 of 20"
    # an incomplete answer is not saved and says why
    at2.radio(key="study_label_10").set_value(0)
    at2.button(key="study_save").click().run()
    assert any("nothing was saved" in w.value for w in at2.warning) and _item_heading(at2) == "Item 11 of 20"
    for pos in range(10, 20):
        _answer(at2, pos, *_plan(pos))
    assert any("All 20 items answered" in s.value for s in at2.success)

    answers = store.answers(study.id, "Dr Ada")
    order = reviewer_order(study.seed, "Dr Ada", 20)
    assert [a["item"] for a in sorted(answers, key=lambda a: order.index(a["item"]))] == order
    by_item = {a["item"]: a for a in answers}
    for pos, item in enumerate(order):
        label, manip = _plan(pos)
        assert by_item[item]["label"] == (None if label < 0 else label)
        assert by_item[item]["manipulated"] == manip
    assert by_item[order[2]]["comment"] == "=looks odd"

    # a second reviewer (saved directly) so that the agreement has two raters
    for item in range(20):
        store.save_answer(study.id, "Bob", item, label=study.items[item]["true_label"],
                          manipulated="yes" if item % 2 else "no")

    # ---- results equal the statistics computed directly
    at2.radio(key="study_mode").set_value("Results").run()
    no_errors(at2)
    names = study.config["class_names"]
    every = store.answers(study.id)
    expected = study_stats(study.items, every, class_names=names)
    shown = [d.value for d in at2.dataframe]
    pd.testing.assert_frame_equal(shown[0].reset_index(drop=True), expected.table())
    pd.testing.assert_frame_equal(shown[1].reset_index(drop=True), expected.breakdown_table())
    pd.testing.assert_frame_equal(shown[2].reset_index(drop=True), expected.agreement_table())
    pd.testing.assert_frame_equal(shown[3].reset_index(drop=True), answers_frame(study.items, every, class_names=names))
    assert expected.agreement["label"].method == "cohen" and expected.reviewers == ("Bob", "Dr Ada")
    assert shown[3]["comment"].tolist().count("'=looks odd") == 1  # spreadsheet-safe CSV
    assert len(at2.get("plotly_chart")) == 2  # results and Table 3.1 figures


def test_bad_inputs_give_clear_messages():
    at = _session(make_attack=True)
    at.radio(key="study_mode").set_value("Create a study").run()
    # empty study name
    at.text_input(key="study_name").input("   ")
    at.button(key="study_create_go").click().run()
    assert any("study name is empty" in e for e in errors(at))
    # absurd item counts
    at.text_input(key="study_name").input("s1")
    for n in (0, 10**6):
        at.number_input(key="study_n").set_value(n)
        at.button(key="study_create_go").click().run()
        assert any(f"number of items must be a whole number from 1 to 200, got {n}" in e for e in errors(at))
    # more adversarial items than successful attacks
    at.number_input(key="study_n").set_value(200)
    at.slider(key="study_share").set_value(1.0)
    at.button(key="study_create_go").click().run()
    assert any("adversarial items asked for" in e for e in errors(at))
    # (a name over 80 characters is dropped by the widget itself, max_chars; the library refuses it too)
    at.number_input(key="study_n").set_value(4)
    at.slider(key="study_share").set_value(0.5)
    at.button(key="study_create_go").click().run()
    no_errors(at)

    # empty reviewer name, then one with control characters only
    at.radio(key="study_mode").set_value("Take part").run()
    for bad in ("", " \x00\t "):
        at.text_input(key="study_reviewer_name").input(bad)
        at.button(key="study_start").click().run()
        assert any("reviewer name is empty" in e for e in errors(at))
        assert _item_heading(at) is None
    at.text_input(key="study_reviewer_name").input("Eve")
    at.button(key="study_start").click().run()
    assert _item_heading(at) == "Item 1 of 4"
    _answer(at, 0, 1, "no", comment="  two  lines\r\nsecond \x07")
    assert _item_heading(at) == "Item 2 of 4"
    from tsviz.runs import open_store

    store = open_store()
    (saved,) = store.answers(store.get_study("s1").id, "Eve")
    assert saved["comment"] == "two lines\nsecond" and saved["label"] == 1  # sanitised before saving


def test_study_from_a_stored_attack_run():
    import numpy as np

    from tsviz.runs import open_store
    from tsviz.ui.study_panels import SOURCE_STORED

    store = open_store()
    rng = np.random.default_rng(0)
    x = (0.3 * rng.standard_normal((12, 1, 187))).astype(np.float32)
    y = np.arange(12) % 5
    with store.record("attack", params={"attack": "pgd", "eps": 0.05}, model={"id": "zoo"},
                      dataset={"spec": "synthetic-ecg", "name": "synthetic-ecg"}) as bare:
        bare.save_arrays("adversarial", clean=x, adversarial=x + 0.05, labels=y)
    with store.record("attack", params={"attack": "pgd", "eps": 0.05}, model={"id": "zoo"},
                      dataset={"spec": "synthetic-ecg", "name": "synthetic-ecg"}) as run:
        run.save_arrays("adversarial", clean=x, adversarial=x + 0.05, labels=y, clean_pred=y, adv_pred=(y + 1) % 5,
                        indices=np.arange(100, 112))
    at = _session()
    at.radio(key="study_mode").set_value("Create a study").run()
    at.radio(key="study_source").set_value(SOURCE_STORED).run()
    no_errors(at)
    assert at.selectbox(key="study_run").value.id == run.id  # newest first
    at.text_input(key="study_name").input("from a run")
    at.number_input(key="study_n").set_value(8)
    at.button(key="study_create_go").click().run()
    no_errors(at)
    study = store.get_study("from a run")
    assert study.n_items == 8 and {it["run_id"] for it in study.items} == {run.id}
    assert {it["series_index"] for it in study.items} <= set(range(100, 112))
    assert study.config["fs"] == 125.0 and study.config["unit"] == "mV" and len(study.config["class_names"]) == 5
    # a run without the model's predictions: a clear message
    at.selectbox(key="study_run").set_value(next(r for r in store.list_runs(kind="attack") if r.id == bare.id)).run()
    assert any("keeps no model predictions" in e for e in errors(at))
