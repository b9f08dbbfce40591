"""Issue 18 on the Home, Data and Model pages: a fast default training with an estimate before it
starts, presets (demo / paper) one click away, Enter does not train, a stopped run stores nothing
and says so, and the first visit's work is cached or deferred."""
from __future__ import annotations

import json

import pytest
from apptest_helpers import app, no_errors

from tsviz.ui import state

pytestmark = pytest.mark.usefixtures("app_home")


def _model_train_tab():
    at = app("pages/2_Model.py")
    at.session_state["model_tab"] = "Train a model"  # what a click on the tab sends
    at.run()
    no_errors(at)
    return at


def _eta(at) -> str:
    found = [c.value for c in at.caption if c.value.startswith("About ") and "epochs at most" in c.value]
    assert found, [c.value for c in at.caption]
    return found[0]


def test_model_page_training_defaults_are_a_fast_demo_with_an_estimate():
    at = _model_train_tab()
    assert at.selectbox(key="train_arch").value == "kachuee"
    assert at.number_input(key="train_epochs").value == 10
    text = _eta(at)
    assert "on this machine for 10 epochs" in text and "10 epochs × 2,700 training series × 1 pass" in text
    # the estimate follows the cost fields (they stand outside the form)
    at.number_input(key="train_epochs").set_value(20).run()
    assert "for 20 epochs" in _eta(at)
    presets = [c.value for c in at.caption if c.value.startswith("Demo settings: about")]
    assert presets and "Paper settings: about" in presets[0]


def test_paper_settings_are_one_click_away_and_demo_settings_come_back():
    at = _model_train_tab()
    at.button(key="train_preset_1").click().run()  # Paper settings
    no_errors(at)
    assert at.selectbox(key="train_arch").value == "resnet"
    assert at.number_input(key="train_epochs").value == at.number_input(key="train_epochs").max  # 1,500 capped
    assert at.number_input(key="train_lr").value == pytest.approx(1e-3)
    assert "resnet" not in _eta(at) and "epochs at most" in _eta(at)
    at.button(key="train_preset_0").click().run()  # Demo settings
    assert at.selectbox(key="train_arch").value == "kachuee" and at.number_input(key="train_epochs").value == 10


def test_enter_in_the_epochs_field_with_a_model_selected_does_not_train():
    """Defect 11: Enter in Model -> Train's Epochs field started training. Epochs now stands outside
    the form (its Enter only reruns the page); the form does not submit on Enter either."""
    at = _model_train_tab()
    form = next(f for f in at.get("form") if f.proto.form.form_id == "train_form")
    assert not form.proto.form.enter_to_submit
    before = at.session_state[state.MODEL_PATH]
    at.number_input(key="train_epochs").set_value(2).run()  # a value committed with Enter
    at.text_input(key="train_name").input("typed").run()
    no_errors(at)
    assert at.session_state[state.MODEL_PATH] == before
    assert not any("Trained" in s.value for s in at.success)


def test_a_stopped_training_saves_nothing_and_says_so(monkeypatch, app_home):
    """A Cancel click stops the script at the next Streamlit call inside fit (a control exception
    from the progress bar); the previous model stays selected, nothing is written, and the next run
    says so."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    import tsviz.training

    def stopped_fit(model, ds, *, progress=None, should_stop=None, **kw):
        progress(0.2, "epoch 2/10")
        raise StopException()

    monkeypatch.setattr(tsviz.training, "fit", stopped_fit)
    at = _model_train_tab()
    before = at.session_state[state.MODEL_PATH]
    at.button(key="train_go").click().run()
    assert not at.exception
    assert at.session_state[state.MODEL_PATH] == before
    assert not list(app_home.rglob("*.safetensors")), "a stopped run wrote a checkpoint"
    at.run()  # the rerun a Cancel click makes
    notes = [i.value for i in at.info if "cancelled" in i.value]
    assert notes and "previous results kept" in notes[0] and "Training" in notes[0]
    at.run()
    assert not [i.value for i in at.info if "cancelled" in i.value]  # said once


def test_a_failed_training_is_an_error_not_a_cancel(monkeypatch):
    import tsviz.training

    def failing_fit(model, ds, *, progress=None, **kw):
        progress(0.1, "epoch 1/10")
        raise FloatingPointError("training diverged at epoch 1")

    monkeypatch.setattr(tsviz.training, "fit", failing_fit)
    at = _model_train_tab()
    at.button(key="train_go").click().run()
    assert any("Training failed" in e.value and "diverged" in e.value for e in at.error)
    at.run()
    assert not [i.value for i in at.info if "cancelled" in i.value]


def test_default_training_runs_end_to_end(app_home):
    """The Model page's default training (Kachuee's CNN, 10 epochs; ~15 s on 2 cores, measured in
    the issue's report), on the default data, saved to the workspace and selected."""
    at = _model_train_tab()
    at.text_input(key="train_name").input("demo")
    at.button(key="train_go").click().run()
    no_errors(at)
    stem = at.session_state[state.MODEL_PATH]
    assert stem.endswith("/models/demo") and stem.startswith(str(app_home))
    card = json.loads(open(stem + ".json").read())
    assert card["arch"] == "kachuee" and card["training"]["epochs"] == 10
    assert card["metrics"]["test_accuracy"] > 0.9
    assert any("Trained and selected **demo**" in s.value for s in at.success)


def test_training_cost_and_progress_within_epochs():
    from tsviz.data import load
    from tsviz.ui.training_panel import _WithinEpoch, recipe_passes, training_cost

    ds = load("cbf")  # 30 train / 900 test series
    cost = training_cost(ds, 5, 3)
    assert cost == {"train": 5 * 27 * 3, "n_fit": 27, "forward": 5 * (27 + 3) + 900}
    assert recipe_passes("standard", {}, 3) == 1
    assert recipe_passes("pgd_at", {"steps": 7}, 3) == 10
    assert recipe_passes("augmented", {"augmentation": "out_sign_grad", "odenet": "x"}, 3) == 5
    assert recipe_passes("no-such-recipe", {}, 3) == 1  # an estimate never fails
    seen, now = [], [0.0]
    within = _WithinEpoch(lambda f, m: seen.append((f, m)), epochs=2, batches=10, clock=lambda: now[0])
    for _i in range(10):
        now[0] += 0.2  # a batch every 0.2 s: an update every 0.5 s at most
        assert within() is False
    assert 3 <= len(seen) <= 4 and all(0 < f < 0.5 for f, _ in seen)
    assert seen[-1][1].startswith("epoch 1/2: batch")
    within.next_epoch()
    now[0] += 1.0
    within()
    assert 0.5 < seen[-1][0] < 1 and seen[-1][1].startswith("epoch 2/2")


def test_model_page_computes_the_report_only_for_the_tabs_that_show_it(monkeypatch):
    import tsviz.models.evaluation as ev

    calls = []
    real = ev.evaluate_model
    monkeypatch.setattr(ev, "evaluate_model", lambda *a, **k: calls.append(1) or real(*a, **k))
    embeds = []
    real_embed = ev.embed_latents
    monkeypatch.setattr(ev, "embed_latents", lambda *a, **k: embeds.append(1) or real_embed(*a, **k))
    at = app("pages/2_Model.py")
    at.session_state["model_tab"] = "Card"
    at.run()
    no_errors(at)
    assert not calls and not embeds  # the card needs no evaluation
    at.session_state["model_tab"] = "Performance"
    at.run()
    assert len(calls) == 1 and not embeds  # latents only when their tab is open
    assert at.radio(key="model_latent_method").value == "pca"  # its control is there all the same
    at.session_state["model_tab"] = "Latent space"
    at.run()
    no_errors(at)
    assert len(calls) == 1 and len(embeds) == 1


def test_prewarming_fills_the_caches_the_pages_read(monkeypatch):
    """In a real server the first page starts a background warm-up of the default dataset and
    model; AppTest (a mock runtime) and TSVIZ_PREWARM=0 start none."""
    import tsviz.models.evaluation as ev
    from tsviz.models.zoo import zoo_dir
    from tsviz.ui import cache

    assert cache.prewarm_defaults() is False  # not a real server here
    monkeypatch.setattr(cache, "_real_server", lambda: True)
    monkeypatch.setenv(cache.PREWARM_ENV, "0")
    assert cache.prewarm_defaults() is False
    stem = str(zoo_dir() / state.DEFAULT_MODEL_STEM)
    cache._prewarm(state.DEFAULT_DATASET, stem, "cpu")  # what the thread runs
    calls = []
    real = ev.evaluate_model
    monkeypatch.setattr(ev, "evaluate_model", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = app("pages/2_Model.py").run()
    no_errors(at)
    assert not calls, "the Model page's first visit evaluated the model again"
