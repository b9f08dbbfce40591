"""Attack page: extreme budgets and settings over the total-cost cap give st.error, never a
traceback, and the previous results stay."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tsviz.ui import state

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TSVIZ_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TSVIZ_MAX_COST", raising=False)
    monkeypatch.chdir(REPO)


def _fgsm_run(n: int = 4) -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/3_Attack.py"), default_timeout=120).run()
    at.selectbox(key="atk_name").set_value("fgsm").run()
    at.number_input(key="atk_n").set_value(n)
    at.button(key="atk_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]
    return at


def test_fgsm_eps_1e300_is_an_error_and_keeps_the_results():
    at = _fgsm_run()
    before = at.session_state[state.ATTACK_RESULT]["report"]
    at.number_input(key="atk_fgsm_eps").set_value(1e300)
    at.button(key="atk_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "fgsm could not run; previous results kept" in at.error[0].value
    assert "eps" in at.error[0].value
    assert at.session_state[state.ATTACK_RESULT]["report"] is before
    assert any(m.label == "Adversarial accuracy" for m in at.metric)  # the previous results still shown


def test_settings_over_the_cost_cap_are_flagged_and_refused(monkeypatch):
    at = _fgsm_run()
    before = at.session_state[state.ATTACK_RESULT]["report"]
    assert any("this server's cap is 20,000,000" in c.value for c in at.caption)
    monkeypatch.setenv("TSVIZ_MAX_COST", "100")
    at.selectbox(key="atk_name").set_value("pgd").run()
    at.number_input(key="atk_n").set_value(50).run()
    assert any("over this server's cap of 100" in w.value and "lower series, steps" in w.value for w in at.warning)
    at.button(key="atk_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "pgd could not run; previous results kept" in at.error[0].value
    assert "TSVIZ_MAX_COST" in at.error[0].value
    assert at.session_state[state.ATTACK_RESULT]["report"] is before
