"""Attack page for a live demo (issue 18): the cost and time before a run, Cancel and its notice,
the budget sweep's progress in its own tab (the tab bar keeps its place), paper settings one click
away, and the defects 4 (FGSM history), 6 (handoff text), 7 (sizes axis) and 9 (CSV export)."""
from __future__ import annotations

import re

import pytest
from apptest_helpers import REPO, app, find_elements, no_errors

from tsviz.ui import state
from tsviz.ui.long_action import PENDING, cancelled_text

pytestmark = pytest.mark.usefixtures("app_home")


def _run(n: int = 4, name: str = "fgsm"):
    at = app("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value(name).run()
    at.number_input(key="atk_n").set_value(n)
    at.button(key="atk_run").click().run()
    no_errors(at)
    return at


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _top_level(at) -> list[str]:
    """The type of each element of the page's main area, in order."""
    return [getattr(child, "type", type(child).__name__) for child in at.main.children.values()]


def test_the_cost_note_gives_the_time_on_this_machine_before_the_run():
    at = app("pages/3_Attack.py").run()
    no_errors(at)
    note = next(c for c in _captions(at) if c.startswith("Cost: "))
    assert "this server's cap is" in note and re.search(r"About \d+ (s|min|h)", note) and "on this machine" in note
    at.selectbox(key="atk_name").set_value("genattack").run()
    note = next(c for c in _captions(at) if c.startswith("Cost: "))
    assert "Up to " in note and "stops early on success" in note  # a black-box attack may stop early


def test_cancel_stops_the_run_keeps_the_results_and_says_so(stopper):
    at = _run()
    before = at.session_state[state.ATTACK_RESULT]
    caption = next(c for c in _captions(at) if "fgsm on 4 test series" in c)
    at.number_input(key="atk_n").set_value(6)
    stopper.armed = True
    at.button(key="atk_run").click().run()  # stopped at its first progress report, as by Cancel
    assert not at.exception
    assert at.session_state[state.ATTACK_RESULT] is before  # nothing stored
    # the Cancel button was on the page before the work reported anything
    assert stopper.seen and any(w.endswith("atk_run_cancel") for w in stopper.seen[0])
    at.run()  # the rerun Streamlit starts after the click
    no_errors(at)
    assert cancelled_text("Running fgsm") in [i.value for i in at.info]
    assert any(c == caption for c in _captions(at))  # the previous results are shown
    assert at.session_state[state.ATTACK_RESULT] is before
    at.run()
    assert cancelled_text("Running fgsm") not in [i.value for i in at.info]  # said once


def test_an_error_is_not_reported_as_a_cancel():
    at = _run()
    at.number_input(key="atk_fgsm_eps").set_value(1e300)
    at.button(key="atk_run").click().run()
    assert any("could not run" in e.value for e in at.error)
    assert not at.session_state[PENDING]
    at.run()
    assert not any("cancelled" in i.value for i in at.info)


def test_the_sweep_runs_in_its_tab_and_the_tab_bar_keeps_its_place(monkeypatch):
    from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState

    import tsviz.ui.long_action as long_action
    import tsviz.ui.progress as progress

    monkeypatch.setattr(progress.ProgressBar, "empty", lambda self: None)  # keep the bar to find it
    fragments = []
    real = long_action.long_action

    def spy(*args, **kwargs):
        fragments.append(ThreadState.get().fragment_id)  # set while a fragment's function runs
        return real(*args, **kwargs)

    monkeypatch.setattr(long_action, "long_action", spy)
    import tsviz.ui.attack_panels as panels

    monkeypatch.setattr(panels, "long_action", spy)
    at = _run()
    layout = _top_level(at)
    sweep_tab = next(i for i, t in enumerate(at.tabs) if t.label == "Budget sweep")
    assert not find_elements(at.tabs[sweep_tab], "progress")
    at.number_input(key="sweep_steps").set_value(2)
    at.button(key="sweep_go").click().run()
    no_errors(at)
    # the page above the tabs is drawn exactly as before: the tab bar is the same element, so the
    # browser keeps the sweep tab open (an element added above it would make a new one, on tab 1)
    assert _top_level(at) == layout
    # the progress bar is inside the Budget sweep tab, and nowhere else
    assert len(find_elements(at.tabs[sweep_tab], "progress")) == 1 and len(find_elements(at.main, "progress")) == 1
    # the sweep runs in the page's script, not in a fragment: its Cancel button can stop it
    assert fragments and fragments[-1] is None
    assert len([f for f in at.dataframe if "eps" in f.value.columns]) == 1


def test_a_click_inside_a_fragment_cannot_interrupt_a_run_but_a_page_rerun_can():
    """Why the long actions are not fragments: Streamlit queues a fragment's rerun request behind the
    running script, and only a full-page request interrupts it (pinned here against upgrades)."""
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests, ScriptRequestType

    requests = ScriptRequests()
    requests.request_rerun(RerunData())
    assert requests.on_scriptrunner_ready().type == ScriptRequestType.RERUN  # the page's script starts
    requests.request_rerun(RerunData(fragment_id="tab-fragment"))
    assert requests.on_scriptrunner_yield() is None  # a click inside a fragment does not stop it
    requests.request_rerun(RerunData())
    assert requests.on_scriptrunner_yield().type == ScriptRequestType.RERUN  # a page-level click does


def test_the_sweep_shows_its_time_and_can_be_cancelled(stopper):
    at = _run()
    assert any(re.match(r"About \d+ (s|min|h).* on this machine \([\d,]+ model evaluations\) for the settings shown",
                        c) for c in _captions(at))
    stopper.armed = True
    at.button(key="sweep_go").click().run()
    assert not at.exception and state.ATTACK_SWEEP not in at.session_state
    at.run()
    assert cancelled_text("Sweeping") in [i.value for i in at.info]


def test_the_sweep_default_is_a_short_demo_and_skips_eps_0(monkeypatch):
    import sys

    module = sys.modules["tsviz.attacks.evaluate"]
    cells = []
    real = module.evaluate

    def counting(model, attack, *args, **kwargs):
        cells.append((type(attack).__name__, float(attack.eps), getattr(attack, "steps", 1)))
        return real(model, attack, *args, **kwargs)

    monkeypatch.setattr(module, "evaluate", counting)
    at = _run()
    assert at.number_input(key="sweep_steps").value == 10
    at.button(key="sweep_go").click().run()
    no_errors(at)
    assert cells and all(eps > 0 for _, eps, _ in cells)  # no attack is run at eps = 0
    assert {steps for name, _, steps in cells if name == "PGD"} == {10}


def test_paper_settings_set_the_widgets_and_show_their_time():
    at = app("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value("pgd").run()
    paper = next(c for c in _captions(at) if c.startswith("Paper settings for pgd"))
    assert "100 steps" in paper and "on this machine" in paper and "Ma & Liang 2020" in paper
    at.button(key="atk_paper").click().run()
    no_errors(at)
    assert at.number_input(key="atk_pgd_steps").value == 100
    assert at.number_input(key="atk_pgd_alpha").value == pytest.approx(2.5 * at.number_input(key="atk_pgd_eps").value
                                                                        / 100, rel=1e-2)
    assert at.number_input(key="atk_n").value == 1000 and at.selectbox(key="atk_mode").value == "random"
    assert not at.warning  # within this server's cost cap
    at.button(key="atk_teaching").click().run()
    assert at.number_input(key="atk_pgd_steps").value == 20 and at.number_input(key="atk_n").value == 50
    at.selectbox(key="atk_name").set_value("spsa").run()
    at.button(key="atk_paper").click().run()
    assert at.number_input(key="atk_spsa_iters").value == 100 and not at.warning  # n lowered to fit the cap


def test_sweep_paper_settings_are_the_nsr_papers():
    at = _run()
    at.button(key="sweep_paper").click().run()
    no_errors(at)
    assert at.number_input(key="sweep_steps").value == 100
    assert at.text_input(key="sweep_eps").value == "0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3"
    assert state.ATTACK_SWEEP not in at.session_state  # nothing ran


def _figures(at) -> dict:
    """The plotly figures shown, by their ``uirevision``."""
    import plotly.io as pio

    figs = [pio.from_json(c.proto.spec) for c in at.get("plotly_chart")]
    return {f.layout.uirevision: f for f in figs}


def _values(v):
    """A trace's array, decoded from plotly's typed-array JSON (``{"dtype", "bdata"}``) when needed."""
    import base64

    import numpy as np

    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def test_defect_4_fgsm_history_is_a_point_with_a_note_not_empty_axes():
    history = _figures(_run())["history:loss"]
    assert any("markers" in (t.mode or "") and len(_values(t.x)) == 1 for t in history.data)
    assert any("one step" in a.text for a in history.layout.annotations)


def test_defect_6_the_handoff_names_only_pages_that_exist():
    at = _run()
    at.button(key="atk_handoff").click().run()
    no_errors(at)
    said = [s.value for s in at.success]
    assert said and any("Explain page" in s for s in said) and any("Review page" in s for s in said)
    assert at.session_state[state.ADVERSARIAL]["attack"] == "fgsm"
    pages = (REPO / "app.py").read_text()  # every page the text names is in the app's navigation
    assert all(f'title="{p}"' in pages for p in ("Explain", "Review"))


def test_defect_7_sizes_axis_of_one_budget_is_one_bar_with_round_ticks():
    at = _run(n=8)
    sizes = _figures(at)["perturbation-size"]
    bars = [t for t in sizes.data if t.name == "L∞"]
    eps = at.number_input(key="atk_fgsm_eps").value
    assert len(bars) == 1 and _values(bars[0].y) == [8] and _values(bars[0].x) == [pytest.approx(eps)]
    assert sizes.layout.xaxis.tickformat == ".4~g"


def test_defect_9_the_csv_export_loads_back():
    """The export round trip is tested in test_thin_pages.py
    (test_the_attack_csv_export_loads_back_with_the_same_labels); here: the CSV puts the label last."""
    import numpy as np

    from tsviz.data import export

    data = export.csv_bytes(np.zeros((2, 1, 3), dtype=np.float32), np.array([1, 0]), class_names=["a", "b"])
    rows = [r.split(",") for r in data.decode().strip().splitlines()]
    assert [r[-1] for r in rows[-2:]] == ["b", "a"]
