"""Explain page for a live demo (issue 18): the time before a run, Cancel and its notice, paper
settings one click away, the backdoor demo's facts without deltas and its table with class names
(defect 8); and tsviz.explain's comparison cost equal to what explain_methods holds to the cap."""
from __future__ import annotations

import re

import numpy as np
import pytest
from apptest_helpers import app, frames, no_errors
from helpers import linear_model, toy_series

from tsviz.ui import state
from tsviz.ui.long_action import cancelled_text

pytestmark = pytest.mark.usefixtures("app_home")

ETA = re.compile(r"About \d+ (s|min|h).* on this machine \([\d,]+ model evaluations\)")


def _captions(node) -> list[str]:
    return [c.value for c in node.caption]


def _small_run(at=None):
    at = at or app("pages/5_Explain.py").run()
    at.number_input(key="xp_n").set_value(2)
    at.number_input(key="xp_steps").set_value(10)
    at.number_input(key="xp_fsteps").set_value(4)
    at.multiselect(key="xp_methods").set_value(["neuromask", "saliency"])
    at.button(key="xp_run").click().run()
    no_errors(at)
    return at


def test_the_time_of_the_settings_is_shown_before_the_run():
    at = app("pages/5_Explain.py").run()
    no_errors(at)
    shown = _captions(at)
    note = next(c for c in shown if ETA.search(c))
    # the defaults: 8 series x (NeuroMask 300 + saliency 1 + IG 50 + occlusion 47 + 4 x 42 curve points)
    assert "(4,528 model evaluations) for the settings shown" in note and "Paper settings: about" in note
    assert any(ETA.search(c) and "clean and triggered" in c for c in shown)  # the backdoor demo's


def test_paper_settings_set_the_form_and_teaching_defaults_reset_it():
    at = app("pages/5_Explain.py").run()
    at.button(key="xp_paper").click().run()
    no_errors(at)
    assert at.number_input(key="xp_n").value == 100 and at.number_input(key="xp_sgn").value == 50
    assert len(at.multiselect(key="xp_methods").value) == 6
    assert state.EXPLAIN_RESULT not in at.session_state  # nothing ran
    at.button(key="xp_teaching").click().run()
    no_errors(at)
    assert at.number_input(key="xp_n").value == 8 and at.number_input(key="xp_steps").value == 300
    assert at.multiselect(key="xp_methods").value == ["neuromask", "saliency", "integrated_gradients", "occlusion"]


def test_cancel_keeps_the_explanation_and_says_so(stop_next_report):
    at = _small_run()
    before = at.session_state[state.EXPLAIN_RESULT]
    layout = [getattr(c, "type", "") for c in at.main.children.values()]
    at.number_input(key="xp_n").set_value(3)
    stop_next_report()
    at.button(key="xp_run").click().run()
    assert not at.exception and at.session_state[state.EXPLAIN_RESULT] is before
    at.run()
    no_errors(at)
    assert cancelled_text("Explaining") in [i.value for i in at.info]
    assert len(next(f for f in frames(at) if "relevance" in f.columns)) == 2 * 2 * 187  # previous results
    assert [getattr(c, "type", "") for c in at.main.children.values()] == layout  # the tab bar kept its place


def test_defect_8_backdoor_facts_have_no_deltas_and_the_table_names_classes(stop_next_report):
    at = app("pages/5_Explain.py").run()
    at.number_input(key="bd_n").set_value(2)
    at.number_input(key="bd_steps").set_value(10)
    at.button(key="bd_run").click().run()
    no_errors(at)
    metrics = {m.label: m for m in at.metric}
    assert metrics["Trigger window"].value == "steps 168-179" and metrics["Trigger length"].value == "12 steps · 0.10 s"
    assert all(not m.delta for m in at.metric), [(m.label, m.delta) for m in at.metric if m.delta]
    table = next(f for f in frames(at) if "pred_triggered" in f.columns)
    names = {"N", "S", "V", "F", "Q"}
    for col in ("label", "pred_clean", "pred_triggered"):
        assert set(table[col]) <= names, (col, set(table[col]))
    assert set(table["pred_triggered"]) == {"N"}  # the trigger sends every beat to N
    before = at.session_state[state.BACKDOOR_RESULT]
    stop_next_report()
    at.number_input(key="bd_n").set_value(3)
    at.button(key="bd_run").click().run()
    at.run()
    assert cancelled_text("NeuroMask on clean and triggered beats") in [i.value for i in at.info]
    assert at.session_state[state.BACKDOOR_RESULT] is before


def test_comparison_cost_is_what_explain_methods_holds_to_the_cap(monkeypatch):
    from tsviz.explain import ExplainError, comparison_cost, explain_methods, method_costs
    from tsviz.explain.methods.occlusion import window_positions

    model = linear_model(T=16, K=3)
    x, _ = toy_series(3, T=16, K=3)
    kw = {"neuromask_kw": {"steps": 7}, "attribution_kw": {"occlusion": {"window": 4}, "smoothgrad": {"n_samples": 5}},
          "faithfulness_steps": 3}
    methods = ["neuromask", "saliency", "occlusion", "smoothgrad"]
    per = method_costs(methods, 16, **kw)
    assert per == {"neuromask": 7, "saliency": 1, "occlusion": window_positions(16, 4, 2) + 1, "smoothgrad": 5,
                   "curves": 2 * 4 * 4}
    f = comparison_cost(methods, 3, 16, **kw)
    total = int(np.prod(list(f.values())))
    assert total == 3 * sum(per.values())
    monkeypatch.setenv("TSVIZ_MAX_COST", str(total))
    explain_methods(model, x, methods, **kw)
    monkeypatch.setenv("TSVIZ_MAX_COST", str(total - 1))
    with pytest.raises(ExplainError, match="TSVIZ_MAX_COST"):
        explain_methods(model, x, methods, **kw)
