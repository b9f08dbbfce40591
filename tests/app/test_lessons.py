"""The Lessons page (issue 18): three walkthroughs whose steps set up another page and open it.

* The steps as data: every step names an existing page, explains its result in two sentences and
  has speaker notes; applying one writes the sidebar's selection and the page's widget values.
* End to end (AppTest, through ``app.py``): for every step of every lesson, its button on the
  Lessons page opens the step's page with the controls set to the step's values, and the page's
  default action (the button the step names) then runs without an error and shows its result.
  Costs are scaled down for the test (:data:`SMALL`); ``benchmarks/first_run.py`` times the
  lessons' own settings.
* The lesson guide in the sidebar: next step, finish, end.
"""
from __future__ import annotations

import re

import pytest
from apptest_helpers import REPO, app, no_errors
from streamlit.testing.v1 import AppTest

from tsviz.ui import lessons, state
from tsviz.ui.lessons_view import PENDING

pytestmark = pytest.mark.usefixtures("app_home")

#: Smaller costs for the test run of each step (applied after the step's own values were checked;
#: the certified series stay >= the soundness and attack steps' own counts, which the result caps).
SMALL = {"atk_n": 6, "sweep_eps": "0, 0.05", "cert_series": 10, "cert_n": 100, "cert_n0": 20,
         "cert_sound_n": 3, "cert_sound_dirs": 2, "cert_sound_steps": 2, "cert_atk_n": 3, "cert_atk_steps": 2,
         "cert_atk_draws": 2, "cert_atk_eps": "0.25", "xp_n": 2, "xp_steps": 10, "bd_n": 2, "bd_steps": 10}
#: What each default action leaves behind when it finished (the request of the run shown).
DONE = {"atk_run": lambda ss: state.ATTACK_RESULT in ss, "sweep_go": lambda ss: state.ATTACK_SWEEP in ss,
        "cert_run": lambda ss: state.CERTIFY_RESULT in ss,
        "cert_sound_go": lambda ss: "soundness" in ss[state.CERTIFY_ANALYSES],
        "cert_atk_go": lambda ss: "attack" in ss[state.CERTIFY_ANALYSES],
        "xp_run": lambda ss: state.EXPLAIN_RESULT in ss, "bd_run": lambda ss: state.BACKDOOR_RESULT in ss}
WIDGETS = ("number_input", "selectbox", "multiselect", "text_input", "checkbox", "radio", "toggle")


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


def test_the_lessons_are_three_walkthroughs_of_well_formed_steps():
    assert [item.key for item in lessons.LESSONS] == ["adversarial", "certificate", "explain"]
    for item in lessons.LESSONS:
        assert len(item.steps) >= 3 and item.title and item.summary
        for step in item.steps:
            where = f"{item.key}: {step.title}"
            assert step.page in lessons.PAGES and (REPO / step.page).is_file(), where
            assert _sentences(step.explanation) == 2, f"{where}: explain the result in two sentences"
            assert step.notes.strip(), where
            assert (step.action is None) == (step.press is None), where
            assert step.action is None or step.action in DONE, where
            keys = [k for k, _ in step.settings]
            assert len(keys) == len(set(keys)), where
            if step.model is not None:
                assert (REPO / "assets" / "models" / f"{step.model}.json").is_file(), where


def test_applying_a_step_writes_the_sidebar_and_the_page_controls():
    session: dict = {"atk_name": "pgd", "unrelated": 1}
    step = lessons.apply_step(session, "adversarial", 2, dataset_labels={"synthetic-ecg": "Synthetic ECG"})
    assert step.page == "pages/3_Attack.py" and step.action == "atk_run"
    assert session[state.DATASET_SPEC] == "synthetic-ecg" and session[state.DATASET_LABEL] == "Synthetic ECG"
    assert session["sb_ds_source"] == "Built-in" and session["sb_ds_builtin"] == "synthetic-ecg"
    assert session[state.MODEL_PATH].endswith("assets/models/synthetic-ecg--resnet--standard")
    assert session["atk_name"] == "fgsm" and session["atk_fgsm_eps"] == 0.05 and session["unrelated"] == 1
    assert lessons.active_step(session) == (lessons.lesson("adversarial"), 2)
    lessons.end_lesson(session)
    assert lessons.active_step(session) is None
    with pytest.raises(IndexError):
        lessons.apply_step(session, "adversarial", 99)
    with pytest.raises(KeyError, match="known: adversarial"):
        lessons.lesson("nope")
    assert lessons.active_step({lessons.ACTIVE: ("gone", 0)}) is None  # a stale value is ignored


def _widget_values(at: AppTest) -> dict:
    out = {}
    for kind in WIDGETS:
        for w in getattr(at, kind):
            if w.key:
                out[w.key] = w.value
    return out


def test_the_lessons_page_lists_the_steps_with_notes():
    at = app("app.py").run()
    at.switch_page("pages/8_Lessons.py").run()
    no_errors(at)
    assert [t.value for t in at.title] == ["Lessons"]
    assert at.radio(key="lesson_pick").options == [item.title for item in lessons.LESSONS]
    first = lessons.LESSONS[0]
    assert [b.key for b in at.button if b.key.startswith("lesson_")] == [
        f"lesson_{first.key}_{i}" for i in range(len(first.steps))]
    assert [e.label for e in at.expander].count("Speaker notes") == len(first.steps)


@pytest.mark.parametrize("key", [item.key for item in lessons.LESSONS])
def test_every_step_sets_up_its_page_and_its_default_action_runs(key):
    item = lessons.lesson(key)
    at = app("app.py").run()
    at.switch_page("pages/8_Lessons.py").run()
    at.radio(key="lesson_pick").set_value(key).run()
    no_errors(at)
    for i, step in enumerate(item.steps):
        where = f"{key} step {i + 1} ({step.title})"
        at.button(key=f"lesson_{key}_{i}").click().run()
        no_errors(at)
        title = lessons.PAGES[step.page]
        assert [t.value for t in at.title] == [title], where  # the button opened the step's page
        at.switch_page(step.page)  # AppTest stays on the page it was last switched to
        assert at.session_state[lessons.ACTIVE] == (key, i)
        assert at.session_state[state.DATASET_SPEC] == step.dataset, where
        if step.model is not None:
            assert at.session_state[state.MODEL_PATH] == lessons.model_path(step.model), where
            assert at.sidebar.selectbox(key="sb_model").value == lessons.model_path(step.model), where
        shown = _widget_values(at)
        for name, value in step.settings:  # every control the step sets is on the page, with its value
            assert name in shown, f"{where}: no widget {name!r} on the {title} page"
            assert shown[name] == value, f"{where}: {name} shows {shown[name]!r}, the step set {value!r}"
        if step.action is not None:
            for name, value in SMALL.items():
                if name in shown:
                    at.session_state[name] = value
            at.run()
            at.button(key=step.action).click().run()
            no_errors(at)
            assert DONE[step.action](at.session_state), f"{where}: {step.action} did not finish"
        at.switch_page("pages/8_Lessons.py").run()
        no_errors(at)
        assert at.radio(key="lesson_pick").value == key  # back on the lesson the class follows


GUIDE = """
import streamlit as st
from tsviz.ui.lessons_view import lesson_guide
def other(): pass
def lessons(): pass
home = st.Page(lessons, title="Lessons", url_path="Lessons")
st.navigation([st.Page(other, title="Other", default=True), home])
lesson_guide(st.session_state.get("page_title"), lessons_page=home)
"""


def test_the_guide_in_the_sidebar_leads_to_the_next_step_and_ends_the_lesson():
    at = AppTest.from_string(GUIDE, default_timeout=30).run()
    assert not at.sidebar.button  # no lesson in progress: no guide
    lessons.apply_step(at.session_state, "explain", 0)
    at.run()
    no_errors(at)
    text = " ".join(m.value for m in at.sidebar.markdown)
    assert "step 1 of 3" in text and "Press **Explain**" in text
    assert lessons.lesson("explain").steps[0].explanation in [c.value for c in at.sidebar.caption]
    at.sidebar.button(key="lesson_guide_next").click().run()
    no_errors(at)
    assert at.session_state[lessons.ACTIVE] == ("explain", 1)
    assert at.session_state[PENDING] == "pages/5_Explain.py"  # app.py opens it (lessons_view.follow)
    at.session_state[PENDING] = None
    at.sidebar.button(key="lesson_guide_next").click().run()
    assert at.session_state[lessons.ACTIVE] == ("explain", 2)
    assert at.session_state["bd_n"] == 4 and "Run the demo" in " ".join(m.value for m in at.sidebar.markdown)
    at.sidebar.button(key="lesson_guide_finish").click().run()  # the last step: finish
    no_errors(at)
    assert lessons.ACTIVE not in at.session_state and at.session_state[PENDING] == "pages/8_Lessons.py"
    assert not at.sidebar.button
    lessons.apply_step(at.session_state, "certificate", 1)
    at.session_state["page_title"] = "Lessons"
    at.run()
    assert not at.sidebar.button  # not on the Lessons page itself
    at.session_state["page_title"] = "Certify"
    at.run()
    at.sidebar.button(key="lesson_guide_end").click().run()
    assert lessons.ACTIVE not in at.session_state and not at.sidebar.button
