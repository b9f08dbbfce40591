"""Attack page: extreme budgets and settings over the total-cost cap give st.error, never a
traceback, and the previous results stay."""
from __future__ import annotations

import pytest
from apptest_helpers import app, no_errors
from streamlit.testing.v1 import AppTest

from tsviz.ui import state

pytestmark = pytest.mark.usefixtures("app_home")


def _fgsm_run(n: int = 4) -> AppTest:
    at = app("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value("fgsm").run()
    at.number_input(key="atk_n").set_value(n)
    at.button(key="atk_run").click().run()
    no_errors(at)
    return at


def test_fgsm_eps_1e300_is_an_error_and_keeps_the_results():
    at = _fgsm_run()
    before = at.session_state[state.ATTACK_RESULT]
    at.number_input(key="atk_fgsm_eps").set_value(1e300)
    at.button(key="atk_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "fgsm could not run; previous results kept" in at.error[0].value
    assert "eps" in at.error[0].value
    assert at.session_state[state.ATTACK_RESULT] is before
    assert any(m.label == "Adversarial accuracy" for m in at.metric)  # the previous results still shown
    assert any("fgsm on 4 test series" in c.value for c in at.caption)


def test_settings_over_the_cost_cap_are_flagged_and_refused(monkeypatch):
    at = _fgsm_run()
    before = at.session_state[state.ATTACK_RESULT]
    assert any("this server's cap is 20,000,000" in c.value for c in at.caption)
    monkeypatch.setenv("TSVIZ_MAX_COST", "100")
    at.selectbox(key="atk_name").set_value("pgd").run()
    at.number_input(key="atk_n").set_value(50).run()
    assert any("over this server's cap of 100" in w.value and "lower series, steps" in w.value for w in at.warning)
    at.button(key="atk_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "pgd could not run; previous results kept" in at.error[0].value
    assert "TSVIZ_MAX_COST" in at.error[0].value
    assert at.session_state[state.ATTACK_RESULT] is before
