"""The pages say which setting a method uses, and offer the paper's (issue 15, deliverable 1):
NeuroMask's initial mask (Explain), GenAttack's preset (Attack), the augmented recipe's protocol
and the NSR margin (Augment, Train tab)."""
from __future__ import annotations

import pytest
from apptest_helpers import app, no_errors

from tsviz.ui import state

pytestmark = pytest.mark.usefixtures("app_home")


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _setting(at, what: str) -> str:
    return next(c for c in _captions(at) if c.startswith(f"{what} setting in use"))


def test_explain_paper_settings_choose_algorithm_4s_initial_mask_and_say_so():
    at = app("pages/5_Explain.py").run()
    no_errors(at)
    assert at.selectbox(key="xp_init").value == "tsviz"
    assert "tsviz's default" in _setting(at, "NeuroMask")
    at.button(key="xp_paper").click().run()
    assert at.selectbox(key="xp_init").value == "paper" and at.selectbox(key="xp_baseline").value == "zero"
    assert "the paper's (Alzantot 2019" in _setting(at, "NeuroMask")
    at.number_input(key="xp_n").set_value(2)
    at.number_input(key="xp_steps").set_value(5)
    at.number_input(key="xp_fsteps").set_value(4)
    at.multiselect(key="xp_methods").set_value(["neuromask"])
    at.button(key="xp_run").click().run()
    no_errors(at)
    at.button(key="xp_teaching").click().run()
    assert at.selectbox(key="xp_init").value == "tsviz"


def test_attack_genattack_paper_settings_are_the_preset_and_the_caption_says_so():
    at = app("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value("genattack").run()
    no_errors(at)
    assert "tsviz's default schedule" in _setting(at, "GenAttack")
    at.button(key="atk_paper").click().run()
    no_errors(at)
    assert at.number_input(key="atk_ga_temp").value == 0.3 and at.toggle(key="atk_ga_adaptive").value is False
    assert "the paper's (Alzantot 2019 dissertation sec. 2.6" in _setting(at, "GenAttack")
    at.number_input(key="atk_ga_temp").set_value(0.2).run()
    assert _setting(at, "GenAttack").endswith("custom (neither the paper's nor tsviz's default).")


def test_augment_train_tab_passes_the_protocol_threat_model_and_margin(monkeypatch):
    import tsviz.training as training

    asked: list[dict] = []

    def spy(model, ds, **kwargs):
        asked.append(kwargs)
        raise training.TrainingError("stopped by the test")

    monkeypatch.setattr(training, "fit", spy)
    at = app("pages/6_Augment.py")
    at.session_state["aug_tab"] = "Train"
    at.run()
    no_errors(at)
    assert at.selectbox(key="aug_t_protocol").value == "per_batch"
    at.button(key="aug_t_go").click().run()
    assert asked[-1]["protocol"] == "per_batch" and "threat_model" not in asked[-1] and "preset" not in asked[-1]
    at.selectbox(key="aug_t_protocol").set_value("per_run")
    at.button(key="aug_t_go").click().run()
    kw = asked[-1]
    assert kw["protocol"] == "per_run" and kw["preset"] == "paper" and kw["beta"] == 0.33
    assert kw["threat_model"] == str(at.session_state[state.MODEL_PATH])  # the sidebar's model: the threat model
    at.selectbox(key="aug_t_recipe").set_value("nsr_loss2").run()
    at.selectbox(key="aug_nsr_margin").set_value("mean")
    at.button(key="aug_t_go").click().run()
    assert asked[-1]["margin_reduction"] == "mean" and asked[-1]["preset"] == "paper"
