"""Every app run in the run store, and back in its page (issue 14, deliverables 3 and 4):
:mod:`tsviz.ui.run_record`.

A press of each page's button that computes records one ``done`` run (kind, parameters, seeds, the
dataset's fingerprint, the model, flat metrics, curves, artifacts); a press the session's cache
answers records none; a Cancel records ``cancelled``, an error ``failed`` with its message; a broken
store shows one warning and the result anyway. :func:`~tsviz.ui.run_record.restore` in a NEW session
(the session caches emptied, the library calls made to fail) puts the result back and its page shows
the same numbers and figures; runs outlive the process's store objects (a restart).
"""
from __future__ import annotations

import numpy as np
import pytest
from apptest_helpers import REPO, app, frames, no_errors
from streamlit.testing.v1 import AppTest

from tsviz.ui import state

pytestmark = pytest.mark.usefixtures("app_home")

#: A main script beside a link to the repository's pages: renders the sidebar (as the Runs page
#: does), restores the run named in the session and switches to its page.
RESTORE_MAIN = '''
import streamlit as st

from tsviz.runs import open_store
from tsviz.ui.page import start
from tsviz.ui.run_record import restore

ss = st.session_state
start("Restore")
rid = ss.get("test_run_id")
if rid and "test_page" not in ss:
    try:
        ss["test_page"] = restore(open_store().get(rid))
    except Exception as exc:
        ss["test_error"] = str(exc)
        ss["test_error_type"] = type(exc).__name__
    else:
        st.switch_page(ss["test_page"])
'''


# ----------------------------------------------------------------------------- helpers
def _store():
    from tsviz.runs import open_store

    return open_store()


def _runs(**kw):
    return _store().list_runs(**kw)


def _one(**kw):
    runs = _runs(**kw)
    assert len(runs) == 1, [(r.kind, r.status, r.label) for r in runs]
    return runs[0]


def _curves(rec) -> dict:
    """The run's curves as the Runs page reads them (:func:`tsviz.ui.run_record.curves_of`), all well formed."""
    from tsviz.ui.run_record import curves_of
    from tsviz.viz.runs_figures import check_curves

    curves = curves_of(_store(), _store().get(rec.id))
    _, skipped = check_curves(curves)
    assert not skipped, skipped
    return curves


def _restart() -> None:
    """What a restart leaves: the database and artifacts on disk, no store object, no session cache."""
    import streamlit as st

    from tsviz.runs import close_stores

    close_stores()
    st.cache_data.clear()


def _restore(tmp_path, run_id: str, *, session: dict | None = None) -> AppTest:
    """A NEW session that restores ``run_id`` (from a sidebar showing CBF) and opens its page."""
    main = tmp_path / "restore_main"
    if not main.exists():
        main.mkdir()
        (main / "pages").symlink_to(REPO / "pages")
        (main / "main.py").write_text(RESTORE_MAIN)
    _restart()
    at = AppTest.from_file(str(main / "main.py"), default_timeout=120)
    at.session_state[state.DATASET_SPEC] = "cbf"  # another dataset: the restore selects the run's
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.session_state["test_run_id"] = run_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def _charts(at) -> int:
    return len(at.get("plotly_chart"))


def _no_compute(monkeypatch, *names: str) -> None:
    """Make library calls fail: a restored page must not compute them again."""
    import importlib

    for name in names:
        module, attr = name.rsplit(".", 1)

        def boom(*args, _name=name, **kwargs):
            raise AssertionError(f"{_name} computed again after a restore")

        monkeypatch.setattr(importlib.import_module(module), attr, boom)


def _attack(at=None, n: int = 4):
    at = at or app("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value("fgsm").run()
    at.number_input(key="atk_n").set_value(n)
    at.button(key="atk_run").click().run()
    no_errors(at)
    return at


# ----------------------------------------------------------------------------- attack
def test_attack_and_sweep_are_recorded_and_open_again_after_a_restart(tmp_path, monkeypatch):
    at = _attack()
    rec = _one(kind="attack")
    assert rec.status == "done" and rec.source == "app" and rec.label == "fgsm · 4 test series"
    assert rec.params["attack"] == "fgsm" and rec.params["split"] == "test" and rec.params["n"] == 4
    assert rec.params["eps"] == at.number_input(key="atk_fgsm_eps").value and rec.seeds == {"seed": 0}
    from tsviz.data import load

    ds = load("synthetic-ecg")
    assert rec.dataset["spec"] == "synthetic-ecg" and rec.dataset["fingerprint"] == ds.fingerprint()
    assert rec.dataset["unit"] == "mV" and rec.dataset["class_names"] == list(ds.class_names)
    assert rec.model["path"] == at.session_state[state.MODEL_PATH] and rec.model["arch"] == "resnet"
    from tsviz.ui import workspace

    assert rec.workspace == at.session_state[workspace.SESSION_KEY]
    assert {"adversarial", "curves", "result", "result_arrays"} <= set(rec.artifacts)
    shown = dict(_metrics(at))
    assert f"{rec.metrics['adversarial_accuracy']:.1%}" == shown["Adversarial accuracy"]
    assert f"{rec.metrics['clean_accuracy']:.1%}" == shown["Clean accuracy"]
    # the Review page's and the study's artifact (ARTIFACT CONVENTIONS)
    adv = _store().load_arrays(rec.id, "adversarial")
    assert adv["clean"].shape == adv["adversarial"].shape == (4, 1, ds.length) and adv["clean"].dtype == np.float32
    np.testing.assert_array_equal(adv["clean"], ds.X_test[adv["indices"]])
    assert np.abs(adv["adversarial"] - adv["clean"]).max() <= rec.params["eps"] + 1e-6
    assert adv["labels"].dtype == adv["clean_pred"].dtype == adv["adv_pred"].dtype == np.int64
    assert adv["clean_probs"].shape == (4, ds.n_classes)
    curves = _curves(rec)
    assert list(curves) == ["fgsm loss"] and curves["fgsm loss"]["kind"] == "loss_vs_step"

    # the same settings again: the session's cache answers, no new run
    at.button(key="atk_run").click().run()
    no_errors(at)
    assert len(_runs()) == 1

    # a budget sweep is an attack run too (params.analysis), with its accuracy-vs-eps curves
    at.multiselect(key="sweep_attacks").set_value(["fgsm"])
    at.text_input(key="sweep_eps").set_value("0, 0.05, 0.1")
    at.button(key="sweep_go").click().run()
    no_errors(at)
    sweep = next(r for r in _runs(kind="attack") if r.params.get("analysis") == "budget_sweep")
    assert sweep.status == "done" and sweep.params["eps_values"] == [0.0, 0.05, 0.1]
    sweep_frame = next(f for f in frames(at) if "eps" in f.columns)
    c = _curves(sweep)["fgsm accuracy"]
    assert c["kind"] == "accuracy_vs_eps" and c["x"] == [0.0, 0.05, 0.1]
    assert c["y"] == pytest.approx(sweep_frame["adversarial_accuracy"].tolist())
    assert sweep.metrics["accuracy.fgsm.eps=0.1"] == pytest.approx(c["y"][-1])

    # a restart: the runs are read back from disk; the attack opens again in a new session with the same
    # numbers and figures, computing nothing
    before, charts = _metrics(at), _charts(at)
    _restart()
    assert {(r.id, r.status) for r in _runs()} == {(rec.id, "done"), (sweep.id, "done")}
    _no_compute(monkeypatch, "tsviz.attacks.evaluate", "tsviz.attacks.sweep")
    new = _restore(tmp_path, rec.id)
    no_errors(new)
    assert new.session_state["test_page"] == "pages/3_Attack.py"
    assert new.session_state[state.DATASET_SPEC] == "synthetic-ecg"
    assert new.session_state[state.MODEL_PATH] == rec.model["path"]
    assert _metrics(new) == before and _charts(new) >= 3
    # the sweep opens with its attack run, and draws its table again
    new = _restore(tmp_path, sweep.id)
    no_errors(new)
    assert _metrics(new) == before and _charts(new) == charts
    again = next(f for f in frames(new) if "eps" in f.columns)
    assert again.equals(sweep_frame)


def test_a_cancelled_run_is_recorded_cancelled(stopper):
    at = _attack()
    stopper.armed = True
    at.number_input(key="atk_n").set_value(6)
    at.button(key="atk_run").click().run()  # stopped at its first progress report, as by Cancel
    assert not at.exception
    rec = _runs(status="cancelled")
    assert len(rec) == 1 and rec[0].kind == "attack" and rec[0].params["n"] == 6 and rec[0].finished_at is not None
    assert rec[0].error == "StopException"


def test_a_failed_run_is_recorded_with_its_message():
    at = app("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value("fgsm").run()
    at.number_input(key="atk_n").set_value(4)
    at.number_input(key="atk_fgsm_eps").set_value(1e300)
    at.button(key="atk_run").click().run()
    assert any("could not run" in e.value for e in at.error)
    rec = _one(status="failed")
    assert rec.kind == "attack" and rec.error.startswith("AttackError: ") and "eps" in rec.error
    assert "result" not in rec.artifacts


@pytest.mark.parametrize("broken", ["directory", "corrupt"])
def test_a_broken_store_warns_once_and_the_result_is_shown(tmp_path, monkeypatch, broken):
    target = tmp_path / "db-dir"
    target.mkdir()
    if broken == "corrupt":
        target = target / "runs.sqlite3"
        target.write_bytes(b"this is not a database\x00" * 64)
    monkeypatch.setenv("TSVIZ_DB_URL", f"sqlite:///{target}")
    at = _attack()
    warnings = [w.value for w in at.warning if w.value.startswith("This run was not recorded")]
    assert len(warnings) == 1 and str(target) in warnings[0]
    assert "Adversarial accuracy" in dict(_metrics(at))  # the result is shown anyway


# ----------------------------------------------------------------------------- certify
def test_certification_and_an_analysis_are_recorded_and_open_again(tmp_path, monkeypatch):
    at = app("pages/4_Certify.py").run()
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    at.checkbox(key="cert_on_mc").uncheck()
    for k, v in (("cert_series", 4), ("cert_n0", 5), ("cert_n", 20), ("cert_m_mb", 2)):
        at.number_input(key=k).set_value(v)
    at.button(key="cert_run").click().run()
    no_errors(at)
    rec = _one(kind="certification")
    assert rec.status == "done" and rec.dataset["spec"] == "cbf" and rec.params["n"] == 20
    assert [c["label"] for c in rec.params["configs"]] == ["Single", "M_B"] and len(rec.model["paths"]) >= 1
    table = frames(at)[0].set_index("label")
    assert rec.metrics["acr.M_B"] == pytest.approx(table.loc["M_B", "acr"])
    curves = _curves(rec)
    assert set(curves) == {"Single certified accuracy", "M_B certified accuracy"}
    assert curves["Single certified accuracy"]["kind"] == "certified_accuracy_vs_radius"

    at.number_input(key="cert_sound_dirs").set_value(2)
    at.number_input(key="cert_sound_steps").set_value(1)
    at.number_input(key="cert_sound_n").set_value(2)
    at.button(key="cert_sound_go").click().run()
    no_errors(at)
    sound = next(r for r in _runs(kind="certification") if r.params.get("analysis") == "soundness")
    assert sound.status == "done" and sound.params["directions"] == 2 and sound.metrics["n_series"] == 2
    verdict = [s.value for s in at.success] + [e.value for e in at.error]

    # the ablation and the PGD-L2 attack of the same certification
    at.text_input(key="cert_abl_sizes").set_value("1, 2")
    at.button(key="cert_abl_go").click().run()
    at.text_input(key="cert_atk_eps").set_value("0.5")
    for k, v in (("cert_atk_steps", 1), ("cert_atk_draws", 1), ("cert_atk_n", 2)):
        at.number_input(key=k).set_value(v)
    at.button(key="cert_atk_go").click().run()
    no_errors(at)
    by = {r.params.get("analysis"): r for r in _runs(kind="certification", status="done")}
    assert set(by) == {None, "soundness", "ablation", "attack"} and by["ablation"].params["sizes"] == [1, 2]
    assert by["attack"].metrics["asr.M_B.eps=0.5"] == pytest.approx(
        next(f for f in frames(at) if "asr" in f.columns).set_index("classifier").loc["M_B", "asr"])
    shown = frames(at)

    before = _metrics(at)
    _no_compute(monkeypatch, "tsviz.certify.certify_configs", "tsviz.certify.soundness_check",
                "tsviz.certify.ablation", "tsviz.certify.attack_success_rates")
    new = _restore(tmp_path, sound.id, session={"sb_ds_builtin": "synthetic-ecg"})
    no_errors(new)
    assert new.session_state["test_page"] == "pages/4_Certify.py" and new.session_state[state.DATASET_SPEC] == "cbf"
    assert _metrics(new) == before and _charts(new) >= 3
    assert frames(new)[0].equals(frames(at)[0])
    assert [s.value for s in new.success] + [e.value for e in new.error] == verdict
    for analysis, column in (("ablation", "m"), ("attack", "asr")):
        new = _restore(tmp_path, by[analysis].id)
        no_errors(new)
        assert _metrics(new) == before
        assert next(f for f in frames(new) if column in f.columns).equals(next(f for f in shown if column in f.columns))


# ----------------------------------------------------------------------------- explain
def test_explanations_and_the_backdoor_demo_are_recorded_and_open_again(tmp_path, monkeypatch):
    from tsviz.ui.explain_form import ADVERSARIAL_SOURCE

    attack = _attack(n=3)
    attack.button(key="atk_handoff").click().run()  # Export tab: send to Explain
    at = app("pages/5_Explain.py")
    at.session_state[state.ADVERSARIAL] = attack.session_state[state.ADVERSARIAL]
    at.run()
    at.radio(key="xp_source").set_value(ADVERSARIAL_SOURCE).run()
    at.number_input(key="xp_n").set_value(2)
    at.number_input(key="xp_steps").set_value(5)
    at.number_input(key="xp_fsteps").set_value(4)
    at.multiselect(key="xp_methods").set_value(["neuromask", "saliency"])
    at.button(key="xp_run").click().run()
    no_errors(at)
    rec = _one(kind="explanation")
    assert rec.status == "done" and rec.params["methods"] == ["neuromask", "saliency"] and rec.params["n"] == 2
    assert rec.params["adversarial"] and rec.metrics["adversarial"] == 1  # clean and adversarial, side by side
    curves = _curves(rec)
    assert {"neuromask deletion", "saliency insertion"} <= set(curves)
    auc = next(f for f in frames(at) if "deletion_auc_mean" in f.columns).set_index("method")
    assert rec.metrics["n_series"] == 2
    assert rec.metrics["saliency.deletion_auc_mean"] == pytest.approx(auc.loc["Saliency", "deletion_auc_mean"])

    at.number_input(key="bd_n").set_value(1)
    at.number_input(key="bd_steps").set_value(5)
    at.button(key="bd_run").click().run()
    no_errors(at)
    demo = next(r for r in _runs(kind="explanation") if r.params.get("analysis") == "backdoor_demo")
    assert demo.status == "done" and demo.model["name"] == state.BACKDOOR_MODEL_STEM
    assert 0 <= demo.metrics["mass_in_window_triggered"] <= 1

    before, auc = _metrics(at), frames(at)
    _no_compute(monkeypatch, "tsviz.explain.explain_methods", "tsviz.explain.backdoor_demo")
    new = _restore(tmp_path, rec.id)
    no_errors(new)
    assert new.session_state["test_page"] == "pages/5_Explain.py"
    assert new.session_state[state.EXPLAIN_RESULT] == at.session_state[state.EXPLAIN_RESULT]
    handoff = new.session_state[state.ADVERSARIAL]  # the handoff it explained comes back with it
    np.testing.assert_array_equal(handoff["x_adv"], attack.session_state[state.ADVERSARIAL]["x_adv"])
    assert _charts(new) >= 4 and any(f.equals(auc[0]) for f in frames(new))
    new = _restore(tmp_path, demo.id)
    no_errors(new)
    assert _metrics(new)[-4:] == before[-4:]  # the demo's header: mass in the window, concentration


# ----------------------------------------------------------------------------- training, augment
def test_training_odenet_fit_and_comparison_are_recorded_and_open_again(tmp_path, monkeypatch, tiny_npz):
    from tsviz.ui import workspace

    spec = f"npz:{tiny_npz}"
    at = app("pages/2_Model.py")
    at.session_state[state.DATASET_SPEC] = spec
    at.session_state[state.DATASET_LABEL] = "tiny.npz"
    at.run()
    at.selectbox(key="train_arch").set_value("mlp")
    at.number_input(key="train_epochs").set_value(2)
    at.text_input(key="train_name").input("tiny-mlp")
    at.button(key="train_go").click().run()
    no_errors(at)
    stem = at.session_state[state.MODEL_PATH]
    rec = _one(kind="training")
    assert rec.status == "done" and rec.params["arch"] == "mlp" and rec.params["epochs"] == 2
    assert rec.model["path"] == stem and rec.dataset["spec"] == spec and rec.seeds == {"seed": 0}
    assert _store().load_json(rec.id, "checkpoint") == {"path": stem, "weights": f"{stem}.safetensors",
                                                         "card": f"{stem}.json"}
    curves = _curves(rec)
    assert curves["train loss"]["kind"] == "loss_vs_epoch" and curves["train loss"]["x"] == [1.0, 2.0]
    import json

    card = json.loads(open(stem + ".json").read())
    assert rec.metrics["test_accuracy"] == pytest.approx(card["metrics"]["test_accuracy"])
    ws = at.session_state[workspace.SESSION_KEY]

    # the Augment page: an ODENet fit (augmentation) and a comparison of the model (comparison)
    aug = app("pages/6_Augment.py")
    for k, v in ((state.DATASET_SPEC, spec), (state.DATASET_LABEL, "tiny.npz"), (workspace.SESSION_KEY, ws),
                 ("aug_tab", "ODENet")):
        aug.session_state[k] = v
    aug.run()
    aug.number_input(key="ode_epochs").set_value(1)
    aug.button(key="ode_fit").click().run()
    no_errors(aug)
    fit = _one(kind="augmentation")
    assert fit.status == "done" and fit.params["epochs"] == 1 and fit.metrics["epochs"] == 1
    assert "quality.loss_ratio" in fit.metrics and _curves(fit)["ODENet loss"]["x"] == [1.0]
    aug.session_state["aug_tab"] = "Compare"
    aug.run()
    aug.multiselect(key="cmp_models").set_value([stem])
    aug.number_input(key="cmp_n").set_value(4)
    aug.number_input(key="cmp_bim_steps").set_value(2)
    aug.text_input(key="cmp_eps").set_value("0, 0.1")
    aug.button(key="cmp_go").click().run()
    no_errors(aug)
    cmp = _one(kind="comparison")
    assert cmp.status == "done" and cmp.params["n"] == 4 and cmp.model["path"] == stem
    (name, curve), = _curves(cmp).items()
    assert "tiny-mlp" in name and curve["kind"] == "accuracy_vs_eps" and curve["x"] == [0.0, 0.1]
    table = next(f for f in frames(aug) if "fgsm" in f.columns)

    # a new session of the same (logged-in) workspace opens each of them in its page
    _no_compute(monkeypatch, "tsviz.training.robustness.robustness_table")
    new = _restore(tmp_path, rec.id, session={workspace.SESSION_KEY: ws})
    no_errors(new)
    assert new.session_state["test_page"] == "pages/2_Model.py" and new.session_state[state.MODEL_PATH] == stem
    assert new.session_state["model_tab"] == "Card" and _charts(new) >= 1
    new = _restore(tmp_path, cmp.id, session={workspace.SESSION_KEY: ws})
    no_errors(new)
    assert new.session_state["test_page"] == "pages/6_Augment.py"
    assert any(f.equals(table) for f in frames(new))
    new = _restore(tmp_path, fit.id, session={workspace.SESSION_KEY: ws})
    no_errors(new)
    odenet = _store().load_json(fit.id, "odenet")["path"]
    assert new.session_state[state.AUG_ODENET]["path"] == odenet and new.session_state["aug_tab"] == "ODENet"
    # another workspace does not have the model; a deleted dataset file is named
    other = _restore(tmp_path, rec.id)
    assert other.session_state["test_error_type"] == "RestoreError"
    assert "tiny-mlp" in other.session_state["test_error"] and "not available" in other.session_state["test_error"]
    from tsviz.ui.cache import get_dataset

    tiny_npz.unlink()
    get_dataset.clear()  # a restarted server: the file is read again
    gone = _restore(tmp_path, cmp.id, session={workspace.SESSION_KEY: ws})
    assert gone.session_state["test_error_type"] == "RestoreError" and spec in gone.session_state["test_error"]


# ----------------------------------------------------------------------------- restore rules
def test_restore_refuses_runs_without_a_page_result_and_opens_a_study(tmp_path):
    store = _store()
    with store.record("attack", params={"attack": "pgd"}, dataset={"spec": "synthetic-ecg"}, source="cli"):
        pass
    cli = store.list_runs()[0]
    at = _restore(tmp_path, cli.id)
    assert at.session_state["test_error_type"] == "RestoreError" and "no stored result" in at.session_state[
        "test_error"]
    run = store.start("attack", params={})
    run.fail("boom")
    at = _restore(tmp_path, run.id)
    assert "failed" in at.session_state["test_error"]
    # a study run opens the Review page's results of its study
    sig = np.zeros((2, 1, 8), dtype=np.float32)
    items = [{"kind": k, "true_label": 0, "source_label": 0, "target_label": None, "model_label": 0, "run_id": None,
              "series_index": i} for i, k in enumerate(("clean", "adversarial"))]
    with store.record("study", params={"name": "s1"}) as r:
        study = store.create_study("s1", seed=0, items=items, signals=sig, config={"class_names": ["N", "S"]})
        r.log_metrics(study_id=study.id)
    at = _restore(tmp_path, store.list_runs(kind="study")[0].id)
    assert not at.exception and at.session_state["test_page"] == "pages/7_Review.py"
    assert at.session_state["study_mode"] == "Results" and at.session_state["study_results_pick"] == "s1"


def test_the_codec_keeps_types_and_refuses_what_it_does_not_know():
    import math

    import pandas as pd

    from tsviz.ui.attack_run import AttackRequest
    from tsviz.ui.run_record_codec import CodecError, decode, encode, type_key

    req = AttackRequest("m", "synthetic-ecg", "cpu", "pgd", (("eps", 0.1), ("steps", 3)), None, "uniform", None,
                        "test", "random", 4, 0, 0, 7)
    frame = pd.DataFrame({"model": ["a", "b"], "acc": [0.5, math.nan], "n": np.array([1, 2], dtype=np.int32),
                          "recipe": ["x", math.nan], "ok": [True, False]}, index=[3, 9])
    value = {"req": req, 1: (np.float32(2.5), math.inf, [1, "2"]), "frame": frame, "$odd": None,
             "names": np.array(["N", "S"], dtype=object)}
    tree, arrays = encode(value)
    import json

    back = decode(json.loads(json.dumps(tree, allow_nan=False)), arrays, {type_key(AttackRequest): AttackRequest})
    assert back["req"] == req and hash(back["req"]) == hash(req)
    assert back[1][0] == np.float32(2.5) and type(back[1][0]) is np.float32 and back[1][1] == math.inf
    assert back[1][2] == [1, "2"] and back["$odd"] is None
    pd.testing.assert_frame_equal(back["frame"], frame)
    assert back["names"].dtype == object and back["names"].tolist() == ["N", "S"]
    with pytest.raises(CodecError, match="does not restore"):
        decode(tree, arrays, {})  # a dataclass not on the whitelist is never built
    with pytest.raises(CodecError, match="missing array"):
        decode(tree, {}, {type_key(AttackRequest): AttackRequest})
    with pytest.raises(CodecError, match="cannot be stored"):
        import torch

        encode({"model": torch.nn.Linear(1, 1)})
