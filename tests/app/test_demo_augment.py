"""Augment page for a live demo (issue 18): the shipped ODENet is in use from the first render (no fit
needed), fitting one writes only to the workspace (defect 5), the automatic epoch count is said, the
loss chart is per epoch and a poor fit warns with its numbers (defect 10), the Compare tab
preselects the shipped models with its time before the run and the paper's settings one click away,
and Cancel keeps the previous results (an error is not a cancel)."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from apptest_helpers import REPO, app, no_errors

from tsviz.ui import state
from tsviz.ui.long_action import PENDING, cancelled_text

pytestmark = pytest.mark.usefixtures("app_home")

PAGE = "pages/6_Augment.py"


def _page(tab: str | None = None, dataset: str | None = None):
    at = app(PAGE)
    if tab is not None:
        at.session_state["aug_tab"] = tab  # what a click on the tab sends
    at.run()
    no_errors(at)
    if dataset is not None:
        at.sidebar.selectbox(key="sb_ds_builtin").set_value(dataset).run()
        no_errors(at)
    return at


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _figures(at) -> dict:
    """The plotly figures shown, by their ``uirevision``."""
    import plotly.io as pio

    figs = [pio.from_json(c.proto.spec) for c in at.get("plotly_chart")]
    return {f.layout.uirevision: f for f in figs}


def _values(v) -> list:
    """A trace's array, decoded from plotly's typed-array JSON (``{"dtype", "bdata"}``) when needed."""
    import base64

    import numpy as np

    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def _fit(at, epochs: int = 1):
    at.number_input(key="ode_epochs").set_value(epochs)
    at.button(key="ode_fit").click().run()
    no_errors(at)
    return at


def _workspace(home: Path, at) -> Path:
    from tsviz.ui import workspace

    return home.resolve() / "workspaces" / at.session_state[workspace.SESSION_KEY]


@pytest.fixture
def quality(monkeypatch):
    """Set the fit quality the page measures after a fit: ``quality(0.95, 1.07)``."""
    import tsviz.augment as augment

    def set_to(loss_ratio: float, relative_rmse: float) -> None:
        def fake(odenet, X, **kwargs):
            return augment.ODEQuality(loss_ratio, relative_rmse, n_series=len(X), n_pairs=len(X) * 10)

        monkeypatch.setattr(augment, "odenet_quality", fake)

    return set_to


# ----------------------------------------------------------------------------- the shipped ODENet
def test_the_page_opens_with_the_shipped_odenet_in_use():
    from tsviz.augment import shipped_odenet_path

    at = _page()
    assert state.AUG_ODENET not in at.session_state  # nothing was fitted or picked
    assert any(c.startswith("ODENet in use: `synthetic-ecg--odenet` (shipped with tsviz)") and "20 epochs" in c
               and "python -m tsviz train --zoo --only odenet" in c for c in _captions(at))
    assert any(c.startswith("On the test split: loss ratio 0.78") and "relative RMSE 1.63" in c for c in _captions(at))
    assert not [i.value for i in at.info if "fit one" in i.value.lower()]
    assert at.selectbox(key="ode_pick").options[1].startswith(f"{shipped_odenet_path('synthetic-ecg').name} (shipped")
    assert {"augment:odenet-loss", "augment:derivative"} <= set(_figures(at))  # its loss per epoch, its dz/dt
    # its own quality: the loss ratio passes, the relative RMSE (1.63) is said, with what it means
    warned = [w.value for w in at.warning]
    assert len(warned) == 1 and warned[0].startswith("Relative RMSE 1.63")


def test_the_examples_tab_works_without_fitting(app_home):
    at = _page("Augmented examples")
    table = next(d.value for d in at.dataframe if "original" in d.value.columns)
    assert {"In-Clamp-Grad", "In-Sign-Grad", "Out-Sign-Grad", "Rand-Grad", "Spec-Den"} <= set(table.columns)
    assert not [i.value for i in at.info if "needs no ODENet" in i.value]
    assert state.AUG_ODENET not in at.session_state
    assert not list(app_home.rglob("*.safetensors"))  # nothing was fitted or written


def test_another_dataset_without_a_shipped_odenet_says_so():
    at = _page(dataset="cbf")
    assert any("No ODENet is shipped for this dataset" in i.value for i in at.info)
    at.session_state["aug_tab"] = "Augmented examples"
    at.run()
    no_errors(at)
    table = next(d.value for d in at.dataframe if "original" in d.value.columns)
    assert "Spec-Den" in table.columns and "In-Clamp-Grad" not in table.columns


def test_the_train_tab_augments_with_the_shipped_odenet_without_a_fit(monkeypatch):
    import tsviz.training as training
    from tsviz.augment import shipped_odenet_path

    asked = {}

    def spy(model, ds, **kwargs):
        asked.update(kwargs)
        raise training.TrainingError("stopped by the test")

    monkeypatch.setattr(training, "fit", spy)
    at = _page("Train")
    assert at.selectbox(key="aug_t_recipe").value == "augmented"
    assert at.selectbox(key="aug_t_aug").value == "out_sign_grad"
    at.button(key="aug_t_go").click().run()
    assert asked["recipe"] == "augmented" and asked["odenet"] == str(shipped_odenet_path("synthetic-ecg"))
    assert not any("needs an ODENet" in e.value for e in at.error)


# ----------------------------------------------------------------------------- defect 10
def test_defect_10_epochs_is_empty_auto_and_the_estimate_says_how_many():
    """The Epochs field read "0" (automatic only in the tooltip): it is empty with the placeholder
    "auto", and the estimate next to the button names the automatic count."""
    from tsviz.augment.odenet import default_epochs
    from tsviz.data import load

    at = _page()
    field = at.number_input(key="ode_epochs")
    assert field.value is None and field.proto.placeholder == "auto" and field.min == 1
    assert "Empty = auto" in field.help
    X = load("synthetic-ecg").X_train
    auto = default_epochs(min(X.shape[0] * (X.shape[2] - 1), 200_000), 256)
    eta = next(c for c in _captions(at) if c.startswith("About ") and "Adam steps" in c)
    assert re.search(r"About \d+ (s|min).* on this machine: \d+ epochs", eta)
    assert eta.endswith(f"Auto = {auto} epochs here.") and f"{auto} epochs ×" in eta
    # a number typed in replaces the automatic count in the estimate
    field.set_value(2).run()
    eta = next(c for c in _captions(at) if c.startswith("About ") and "Adam steps" in c)
    assert "2 epochs ×" in eta and "Auto =" not in eta


def test_defect_10_the_loss_chart_is_per_epoch():
    at = _page()
    fig = _figures(at)["augment:odenet-loss"]
    assert fig.layout.xaxis.title.text == "Epoch" and "step" not in fig.layout.xaxis.title.text.lower()
    train = next(t for t in fig.data if t.name == "training loss ratio")
    assert _values(train.x) == list(range(1, 21))  # the shipped fit's 20 epochs


def test_defect_10_a_poor_fit_warns_with_its_numbers(quality):
    quality(0.95, 1.07)
    at = _fit(_page(dataset="cbf"))
    assert at.session_state[state.AUG_ODENET]["quality"]["loss_ratio"] == 0.95
    assert any("fitted here, in your workspace" in c for c in _captions(at))
    assert any("loss ratio 0.95" in c and "relative RMSE 1.07" in c for c in _captions(at))
    warned = [w.value for w in at.warning]
    assert len(warned) == 2
    assert warned[0].startswith("Loss ratio 0.95") and 'barely better than "no change"' in warned[0]
    assert warned[1].startswith("Relative RMSE 1.07")
    fig = _figures(at)["augment:odenet-loss"]  # the fit's one epoch, and the test split after it
    assert fig.layout.xaxis.title.text == "Epoch" and "after 1 epoch" in fig.layout.title.text
    assert _values(next(t for t in fig.data if t.name == "test split").y) == [0.95]


def test_defect_10_a_good_fit_does_not_warn(quality):
    quality(0.5, 0.4)
    at = _fit(_page(dataset="cbf"))
    assert any("loss ratio 0.50" in c and "relative RMSE 0.40" in c for c in _captions(at))
    assert not at.warning


# ----------------------------------------------------------------------------- defect 5
def test_defect_5_fitting_an_odenet_writes_only_to_the_workspace(app_home):
    """Fitting an ODENet created ``user_models_odenets/`` in the repository; it goes to the user's
    workspace under TSVIZ_HOME, and nothing of it is written in the repository. (Only files an
    ODENet fit could write are looked for: other processes may write caches in the repository.)"""
    at = _page(dataset="cbf")
    top = {p.name for p in REPO.iterdir()}
    start = time.time() - 1
    _fit(at)
    fitted = Path(at.session_state[state.AUG_ODENET]["path"])
    odenets = _workspace(app_home, at) / "odenets"
    assert fitted.parent == odenets and {p.name for p in odenets.iterdir()} == {f"{fitted.name}.json",
                                                                                f"{fitted.name}.safetensors"}
    assert not (REPO / "user_models_odenets").exists()
    assert not [p for p in {p.name for p in REPO.iterdir()} - top if p.startswith("user_models")]
    written = [p for p in REPO.rglob("*odenet*") if ".git" not in p.parts and p.stat().st_mtime >= start]
    assert not written, written
    # and it is offered again from the workspace, as "yours"
    at.run()
    assert any(o.startswith(f"{fitted.name} (yours)") for o in at.selectbox(key="ode_pick").options)


def test_an_odenet_saved_before_quality_was_measured_can_still_be_picked(app_home):
    """A workspace ODENet saved by the page before issue 18 (a card without quality or history)."""
    from tsviz.augment import fit_odenet, save_odenet
    from tsviz.data import load

    at = _page(dataset="cbf")
    ds = load("cbf")
    fit = fit_odenet(ds.X_train, epochs=1, max_pairs=500, seed=0, device="cpu")
    stem = _workspace(app_home, at) / "odenets" / "cbf-odenet-e1-s0"
    save_odenet(fit.odenet, stem, {"dataset": "cbf", "dataset_name": ds.name, **fit.summary()})
    at.run()
    at.selectbox(key="ode_pick").set_value(str(stem)).run()
    no_errors(at)
    assert at.session_state[state.AUG_ODENET]["source"] == "saved"
    assert any(c.startswith("ODENet in use: `cbf-odenet-e1-s0` (from your workspace)") for c in _captions(at))
    assert "Fit quality not measured (an ODENet saved before tsviz measured it)." in _captions(at)
    assert not at.warning and "augment:odenet-loss" not in _figures(at) and "augment:derivative" in _figures(at)


# ----------------------------------------------------------------------------- Compare
def _compare_tab():
    return _page("Compare")


def test_compare_preselects_the_shipped_models_and_says_the_time_before_the_run():
    from tsviz.models.zoo import DEFAULT_COMPARISON, zoo_dir

    at = _compare_tab()
    shipped = [str(zoo_dir() / stem) for stem in DEFAULT_COMPARISON["synthetic-ecg"]]
    assert at.multiselect(key="cmp_models").value == shipped
    assert any("Preselected: the shipped Kachuee CNNs" in c for c in _captions(at))
    assert state.AUG_COMPARE not in at.session_state  # nothing ran
    eta = next(c for c in _captions(at) if c.startswith("About "))
    assert re.match(r"About \d+ (s|min).* on this machine \(4 models × [\d,]+ model evaluations; [\d,]+ in all\)\. "
                    r"Paper settings: about \d+ (s|min)", eta)
    # the estimate follows the selection
    at.multiselect(key="cmp_models").set_value(shipped[:1]).run()
    assert any(re.match(r"About .* \(1 model × ", c) for c in _captions(at))
    at.multiselect(key="cmp_models").set_value([]).run()
    assert "Choose the models to compare." in _captions(at)


def test_compare_demo_and_paper_settings_set_the_widgets():
    from tsviz.ui import augment_run as au

    at = _compare_tab()
    assert (at.number_input(key="cmp_n").value, at.number_input(key="cmp_bim_steps").value,
            at.text_input(key="cmp_eps").value) == (au.COMPARE_DEMO["n"], au.COMPARE_DEMO["bim_steps"],
                                                    au.COMPARE_DEMO["eps"])
    assert "About " in at.button(key="cmp_paper").help  # the paper settings' time, before pressing
    at.button(key="cmp_paper").click().run()
    no_errors(at)
    assert (at.number_input(key="cmp_n").value, at.number_input(key="cmp_bim_steps").value,
            at.text_input(key="cmp_eps").value) == (1000, 100, "0, 0.02, 0.05, 0.1, 0.2")
    assert state.AUG_COMPARE not in at.session_state
    at.button(key="cmp_demo").click().run()
    assert (at.number_input(key="cmp_n").value, at.number_input(key="cmp_bim_steps").value,
            at.text_input(key="cmp_eps").value) == (100, 50, "0, 0.05, 0.1, 0.2")


def _small_compare(at, n: int = 4):
    from tsviz.models.zoo import zoo_dir

    at.multiselect(key="cmp_models").set_value([str(zoo_dir() / "synthetic-ecg--kachuee--standard")])
    at.number_input(key="cmp_n").set_value(n)
    at.number_input(key="cmp_bim_steps").set_value(2)
    at.text_input(key="cmp_eps").set_value("0, 0.1")
    at.button(key="cmp_go").click().run()
    no_errors(at)
    return at


# ----------------------------------------------------------------------------- Cancel
def test_cancel_a_comparison_keeps_the_previous_results(stopper):
    at = _small_compare(_compare_tab())
    before = at.session_state[state.AUG_COMPARE]
    assert any(c.startswith("Accuracy (%) on 4 test series") for c in _captions(at))
    at.number_input(key="cmp_n").set_value(6)
    stopper.armed = True
    at.button(key="cmp_go").click().run()  # stopped at its first progress report, as by Cancel
    assert not at.exception
    assert at.session_state[state.AUG_COMPARE] is before  # nothing stored
    assert stopper.seen and any(w.endswith("cmp_run_cancel") for w in stopper.seen[0])
    at.run()  # the rerun Streamlit starts after the click
    no_errors(at)
    assert cancelled_text("Attacking every model") in [i.value for i in at.info]
    assert any(c.startswith("Accuracy (%) on 4 test series") for c in _captions(at))  # previous results shown
    at.run()
    assert not any("cancelled" in i.value for i in at.info)  # said once


def test_cancel_an_odenet_fit_keeps_the_odenet_in_use(stopper, app_home):
    at = _fit(_page(dataset="cbf"))
    before = at.session_state[state.AUG_ODENET]
    odenets = _workspace(app_home, at) / "odenets"
    files = sorted(odenets.iterdir())
    at.number_input(key="ode_seed").set_value(1)
    stopper.armed = True
    at.button(key="ode_fit").click().run()
    assert not at.exception
    assert stopper.seen and any(w.endswith("ode_fit_cancel") for w in stopper.seen[0])
    assert at.session_state[state.AUG_ODENET] is before and sorted(odenets.iterdir()) == files
    at.run()
    no_errors(at)
    assert cancelled_text("Fitting an ODENet") in [i.value for i in at.info]
    assert any(f"`{Path(before['path']).name}` (fitted here" in c for c in _captions(at))


def test_cancel_a_training_saves_nothing_and_keeps_the_models_trained(stopper, app_home):
    at = _page("Train", dataset="cbf")
    at.selectbox(key="aug_t_recipe").set_value("standard").run()
    at.selectbox(key="aug_t_arch").set_value("kachuee")
    at.number_input(key="aug_t_epochs").set_value(1).run()
    at.text_input(key="aug_t_name").set_value("cbf-a")
    at.button(key="aug_t_go").click().run()
    no_errors(at)
    trained = list(at.session_state[state.AUG_TRAINED])
    assert len(trained) == 1 and trained[0].endswith("cbf-a")
    at.text_input(key="aug_t_name").set_value("cbf-b")
    stopper.armed = True
    at.button(key="aug_t_go").click().run()
    assert not at.exception
    assert stopper.seen and any(w.endswith(f"{state.AUG_TRAINING}_cancel") for w in stopper.seen[0])
    assert at.session_state[state.AUG_TRAINED] == trained
    assert not list((_workspace(app_home, at) / "models").glob("cbf-b*"))
    at.run()
    no_errors(at)
    assert cancelled_text("Training cbf-b (kachuee, up to 1 epochs)") in [i.value for i in at.info]


# ----------------------------------------------------------------------------- an error is not a cancel
def test_a_failed_comparison_is_an_error_not_a_cancel():
    at = _small_compare(_compare_tab())
    before = at.session_state[state.AUG_COMPARE]
    at.text_input(key="cmp_eps").set_value("a, b")
    at.button(key="cmp_go").click().run()
    assert any("Comparison failed; previous results kept" in e.value for e in at.error)
    assert "cmp_run" not in at.session_state[PENDING] and at.session_state[state.AUG_COMPARE] is before
    at.run()
    assert not any("cancelled" in i.value for i in at.info)


def test_a_failed_fit_is_an_error_not_a_cancel(monkeypatch):
    import tsviz.augment as augment

    def broken(*args, **kwargs):
        raise augment.AugmentError("epochs must be an integer in [1, 1000], got 'x'")

    monkeypatch.setattr(augment, "fit_odenet", broken)
    at = _page(dataset="cbf")
    at.button(key="ode_fit").click().run()
    assert any("could not be fitted; the previous one is kept" in e.value for e in at.error)
    assert "ode_fit" not in at.session_state[PENDING] and state.AUG_ODENET not in at.session_state
    at.run()
    assert not any("cancelled" in i.value for i in at.info)


def test_a_failed_training_is_an_error_not_a_cancel(monkeypatch):
    import tsviz.training as training

    def broken(*args, **kwargs):
        raise training.TrainingError("lr must be a finite number > 0, got nan")

    monkeypatch.setattr(training, "fit", broken)
    at = _page("Train", dataset="cbf")
    at.selectbox(key="aug_t_recipe").set_value("standard").run()
    at.button(key="aug_t_go").click().run()
    assert any("Training failed" in e.value for e in at.error)
    assert state.AUG_TRAINING not in at.session_state[PENDING]
    at.run()
    assert not any("cancelled" in i.value for i in at.info)
