"""AppTest runs of the home page and every page: no exception, key widgets, small end-to-end runs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from apptest_helpers import app as _app
from apptest_helpers import errors, frames
from apptest_helpers import no_errors as _no_errors

from tsviz.ui import state

pytestmark = pytest.mark.usefixtures("app_home")


def test_home_defaults():
    at = _app("app.py").run()  # the router runs the Home page
    _no_errors(at)
    assert at.session_state[state.DATASET_SPEC] == "synthetic-ecg"
    assert at.session_state[state.MODEL_PATH].endswith("synthetic-ecg--resnet--standard")
    assert at.sidebar.selectbox(key="sb_model").value == at.session_state[state.MODEL_PATH]
    assert any("tsviz" in t.value for t in at.title)
    # what the selectbox's on_change hands over (AppTest cannot drive a selectbox whose
    # format_func relabels its options)
    at.session_state["sb_model_requested"] = at.session_state[state.MODEL_PATH].replace("resnet", "inceptiontime")
    at.run()
    _no_errors(at)
    assert at.session_state[state.MODEL_PATH].endswith("synthetic-ecg--inceptiontime--standard")


def test_data_page_renders_all_tabs():
    at = _app("pages/1_Data.py").run()
    _no_errors(at)
    assert len(at.tabs) == 5
    assert at.multiselect(key="data_samples_classes").value == ["N", "S", "V", "F", "Q"]
    at.number_input(key="data_samples_n").set_value(3).run()
    _no_errors(at)


def test_dataset_switch_and_bad_path_keeps_state():
    at = _app("pages/1_Data.py").run()
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    _no_errors(at)
    assert at.session_state[state.DATASET_SPEC] == "cbf"
    assert "cbf--resnet" in at.session_state[state.MODEL_PATH]  # model follows the dataset
    at.sidebar.radio(key="sb_ds_source").set_value("Path").run()
    at.sidebar.text_input(key="sb_ds_path").input("/definitely/not/here").run()
    at.sidebar.button(key="sb_ds_load").click().run()
    assert not at.exception
    # outside the allowed folders: refused before looking at the path, without echoing it
    assert [e.value for e in at.error] == ["Could not load that path: This path is outside the folders this "
                                          "server allows; ask the operator (TSVIZ_DATA_ROOTS)"]
    assert at.session_state[state.DATASET_SPEC] == "cbf"  # previous selection kept


def test_model_page_renders():
    at = _app("pages/2_Model.py").run()
    _no_errors(at)
    assert len(at.tabs) == 5
    assert any(m.label == "Test accuracy" for m in at.metric)
    at.radio(key="model_latent_method").set_value("pca").run()
    _no_errors(at)


def test_model_page_trains_one_epoch(tiny_npz, app_home):
    at = _app("pages/2_Model.py")
    at.session_state[state.DATASET_SPEC] = f"npz:{tiny_npz}"
    at.session_state[state.DATASET_LABEL] = "tiny.npz"
    at.run()
    _no_errors(at)
    assert at.session_state[state.MODEL_PATH] is None  # no zoo model fits length 48 / 2 classes
    at.selectbox(key="train_arch").set_value("mlp")
    at.number_input(key="train_epochs").set_value(1)
    at.text_input(key="train_name").input("tiny-mlp")
    at.button(key="train_go").click().run()
    _no_errors(at)
    ws = at.session_state["tsviz_workspace_session_id"]
    stem = app_home / "workspaces" / ws / "models" / "tiny-mlp"
    assert at.session_state[state.MODEL_PATH] == str(stem)
    card = json.loads(stem.with_suffix(".json").read_text())
    assert card["arch"] == "mlp" and card["training"]["epochs_run"] == 1
    assert any("Trained and selected" in s.value for s in at.success)
    assert at.sidebar.selectbox(key="sb_model").value == str(stem)


def test_store_uploads_rejects_bad_files():
    from tsviz.data import DataError
    from tsviz.ui.cache import store_uploads

    class F:
        def __init__(self, name, data):
            self.name, self._d = name, data

        def getvalue(self):
            return self._d

    with pytest.raises(DataError, match="over the 1 MiB upload cap"):
        store_uploads([F("big.csv", b"1" * (2 * 2**20))], max_mb=1)
    with pytest.raises(DataError, match="empty"):
        store_uploads([F("e.csv", b"")], max_mb=1)
    with pytest.raises(DataError, match="NAME_TRAIN and NAME_TEST"):
        store_uploads([F("X_TRAIN.tsv", b"1\t2\t3\n")], max_mb=1)
    with pytest.raises(DataError, match="cannot tell"):
        store_uploads([F("a.xlsx", b"xx")], max_mb=1)
    spec = store_uploads([F("A_TRAIN.tsv", b"1\t2\n"), F("A_TEST.tsv", b"1\t2\n")], max_mb=1)
    assert spec.startswith("ucr:")


def _caption(at, text: str) -> str:
    found = [c.value for c in at.caption if text in c.value]
    assert found, [c.value for c in at.caption]
    return found[0]


def test_attack_page_runs_fgsm_and_keeps_results():
    at = _app("pages/3_Attack.py").run()
    _no_errors(at)
    at.selectbox(key="atk_name").set_value("fgsm").run()
    at.number_input(key="atk_n").set_value(8)
    at.button(key="atk_run").click().run()
    _no_errors(at)
    req = at.session_state[state.ATTACK_RESULT]
    assert (req.attack, req.n, req.mode, req.split) == ("fgsm", 8, "random", "test")
    shown = _caption(at, "fgsm on 8 test series")
    assert "'eps':" in shown  # the load test waits for the attack's parameters in this caption
    assert any(m.label == "Adversarial accuracy" for m in at.metric)
    assert len(at.tabs) == 8
    # a bad setting (target equal to the true class for 'one series' of that class) errors, keeps results
    at.checkbox(key="atk_targeted").check()
    at.selectbox(key="atk_mode").set_value("one series")
    at.run()
    idx = int(at.number_input(key="atk_index").value)
    from tsviz.data import load

    true = load("synthetic-ecg").class_names[load("synthetic-ecg").y_test[idx]]
    at.selectbox(key="atk_target").set_value(true)
    at.button(key="atk_run").click().run()
    assert any("target equals the true label" in e for e in errors(at))
    assert at.session_state[state.ATTACK_RESULT] is req
    assert _caption(at, "fgsm on 8 test series") == shown


def test_attack_page_black_box_and_sweep():
    at = _app("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value("genattack").run()
    at.number_input(key="atk_n").set_value(4)
    at.number_input(key="atk_ga_gen").set_value(20)
    at.button(key="atk_run").click().run()
    _no_errors(at)
    assert any(m.label == "Median queries" for m in at.metric)  # a black-box attack counts queries
    _caption(at, "genattack on 4 test series")
    at.multiselect(key="sweep_attacks").set_value(["fgsm"])
    at.button(key="sweep_go").click().run()
    _no_errors(at)
    sweep = [f for f in frames(at) if "eps" in f.columns]
    assert len(sweep) == 1 and len(sweep[0]) == 5 and set(sweep[0]["attack"]) == {"fgsm"}
    # a bad eps list: a message naming the item, the sweep shown before stays
    at.text_input(key="sweep_eps").set_value("0.1, lots")
    at.button(key="sweep_go").click().run()
    assert any("Sweep failed" in e and "'lots'" in e for e in errors(at))
    assert len([f for f in frames(at) if "eps" in f.columns][0]) == 5


def _csv(rows):
    return "\n".join(",".join(str(v) for v in r) for r in rows).encode()


def test_upload_bad_csv_keeps_dataset_then_good_csv_loads():
    at = _app("pages/1_Data.py").run()
    at.sidebar.radio(key="sb_ds_source").set_value("Upload").run()
    ragged = _csv([[0.1, 0.2, 0.3, 0], [0.1, 0.2, 1], [0.3, 0.1, 0.2, 1]])
    at.sidebar.get("file_uploader")[0].set_value(("bad.csv", ragged, "text/csv")).run()
    at.sidebar.button(key="sb_ds_upload_load").click().run()
    assert not at.exception
    assert any("bad.csv" in e.value and "row" in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state[state.DATASET_SPEC] == "synthetic-ecg"
    rng = np.random.default_rng(0)
    good = _csv([[*np.round(rng.normal(size=20) + (i % 2), 3), i % 2] for i in range(40)])
    at.sidebar.get("file_uploader")[0].set_value(("good.csv", good, "text/csv")).run()
    at.sidebar.button(key="sb_ds_upload_load").click().run()
    _no_errors(at)
    spec = at.session_state[state.DATASET_SPEC]
    assert spec.startswith("csv:") and spec.endswith("good.csv")
    assert at.session_state[state.MODEL_PATH] is None  # no zoo model fits 20 samples x 2 classes


def test_upload_checkpoint_is_added_and_selected(tmp_path):
    from tsviz.models import build, save
    from tsviz.models.checkpoint import checkpoint_paths

    m = build("mlp", 1, 5, 187, seed=3)
    save(m, tmp_path / "mine", {"dataset": "synthetic-ecg", "recipe": "standard"})
    w, c = checkpoint_paths(tmp_path / "mine")
    at = _app("pages/2_Model.py").run()
    up = [u for u in at.sidebar.get("file_uploader") if "safetensors" in u.label][0]
    up.set_value([("mine.safetensors", w.read_bytes(), "application/octet-stream"),
                  ("mine.json", c.read_bytes(), "application/json")]).run()
    at.sidebar.button(key="sb_model_add").click().run()
    _no_errors(at)
    assert at.session_state[state.MODEL_PATH].endswith("uploaded/mine")
    # a corrupt checkpoint is rejected with a message, selection kept
    up = [u for u in at.sidebar.get("file_uploader") if "safetensors" in u.label][0]
    up.set_value([("bad.safetensors", b"nope", "application/octet-stream"),
                  ("bad.json", c.read_bytes(), "application/json")]).run()
    at.sidebar.button(key="sb_model_add").click().run()
    assert not at.exception
    assert any("Checkpoint rejected" in e.value for e in at.error)
    assert at.session_state[state.MODEL_PATH].endswith("uploaded/mine")


def test_certify_page_fig4_on_cbf_and_analyses():
    at = _app("pages/4_Certify.py").run()
    _no_errors(at)
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    _no_errors(at)
    # defaults pick the zoo's smoothing models at sigma = 0.25 for Single, M_B and M_C
    assert at.number_input(key="cert_sigma").value == 0.25
    assert "masked_gaussian-0.25-binomial" in at.selectbox(key="cert_model_mb_0.25").value
    assert "masked_gaussian-0.25-continuous" in at.selectbox(key="cert_model_mc_0.25").value
    assert "gaussian-0.25" in at.selectbox(key="cert_model_single_0.25").value
    at.number_input(key="cert_series").set_value(6)
    at.number_input(key="cert_n0").set_value(20)
    at.number_input(key="cert_n").set_value(100)
    at.number_input(key="cert_alpha").set_value(0.01)
    at.number_input(key="cert_m_mb").set_value(2)
    at.number_input(key="cert_m_mc").set_value(2)
    at.button(key="cert_run").click().run()
    _no_errors(at)
    req = at.session_state[state.CERTIFY_RESULT]
    assert [c.label for c in req.configs] == ["Single", "M_B", "M_C"]
    summary = frames(at)[0]
    assert list(summary["label"]) == ["Single", "M_B", "M_C"] and list(summary["m"]) == [0, 2, 2]
    per_series = next(f for f in frames(at) if "config" in f.columns)
    assert len(per_series) == 3 * 6 and set(per_series["config"]) == {"Single", "M_B", "M_C"}
    assert len(at.tabs) == 9 and [m.label.split(" ·")[0] for m in at.metric] == ["Single", "M_B", "M_C"]
    # analyses on demand, each keeps the certification
    at.number_input(key="cert_margin_n").set_value(50)
    at.button(key="cert_margin_go").click().run()
    at.text_input(key="cert_abl_sizes").set_value("1, 2")
    at.button(key="cert_abl_go").click().run()
    at.number_input(key="cert_atk_n").set_value(2)
    at.number_input(key="cert_atk_steps").set_value(2)
    at.number_input(key="cert_atk_draws").set_value(2)
    at.text_input(key="cert_atk_eps").set_value("0.5")
    at.button(key="cert_atk_go").click().run()
    at.number_input(key="cert_sound_n").set_value(2)
    at.number_input(key="cert_sound_dirs").set_value(2)
    at.number_input(key="cert_sound_steps").set_value(2)
    at.button(key="cert_sound_go").click().run()
    _no_errors(at)
    assert at.session_state[state.CERTIFY_RESULT] is req
    assert set(at.session_state[state.CERTIFY_ANALYSES]) == {"margins", "ablation", "attack", "soundness"}
    ablation = [f for f in frames(at) if "label" in f.columns and any("m=" in str(v) for v in f["label"])]
    assert len(ablation) == 1 and list(ablation[0]["m"]) == [0, 1, 2]
    attack = next(f for f in frames(at) if "classifier" in f.columns)
    assert set(attack["classifier"]) == {"Benign", "Single", "M_B", "M_C"}
    assert any("series changed class inside their radius" in s.value for s in at.success)


def test_certify_page_bad_settings_keep_results():
    at = _app("pages/4_Certify.py").run()
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    for k, v in (("cert_series", 3), ("cert_n0", 10), ("cert_n", 20)):
        at.number_input(key=k).set_value(v)
    at.checkbox(key="cert_on_mb").uncheck()
    at.checkbox(key="cert_on_mc").uncheck()
    at.button(key="cert_run").click().run()
    _no_errors(at)
    req = at.session_state[state.CERTIFY_RESULT]
    assert [c.label for c in req.configs] == ["Single"] and list(frames(at)[0]["label"]) == ["Single"]
    # DE with one member -> a clear error; nothing enabled -> a clear error; results kept
    at.checkbox(key="cert_on_single").uncheck()
    at.checkbox(key="cert_on_de").check().run()
    at.multiselect(key="cert_de_members_0.25").set_value(at.multiselect(key="cert_de_members_0.25").value[:1])
    at.button(key="cert_run").click().run()
    assert not at.exception and any("at least two members" in e.value for e in at.error)
    at.checkbox(key="cert_on_de").uncheck()
    at.button(key="cert_run").click().run()
    assert any("enable at least one classifier" in e.value for e in at.error)
    assert at.button(key="cert_abl_go").disabled  # no mask ensemble in the results to ablate
    at.text_input(key="cert_atk_eps").set_value("0.5, abc")
    at.button(key="cert_atk_go").click().run()
    assert any("'abc', is not a number" in e for e in errors(at))
    assert at.session_state[state.CERTIFY_RESULT] is req and list(frames(at)[0]["label"]) == ["Single"]


def test_explain_page_methods_and_faithfulness():
    at = _app("pages/5_Explain.py").run()
    _no_errors(at)
    assert any("Explain" in t.value for t in at.title)
    at.number_input(key="xp_n").set_value(3)
    at.number_input(key="xp_steps").set_value(20)
    at.number_input(key="xp_fsteps").set_value(5)
    at.multiselect(key="xp_methods").set_value(["neuromask", "saliency", "occlusion"])
    at.button(key="xp_run").click().run()
    _no_errors(at)
    req = at.session_state[state.EXPLAIN_RESULT]
    assert req.methods == ("neuromask", "saliency", "occlusion") and req.n == 3 and req.adversarial is None
    rel = next(f for f in frames(at) if "relevance" in f.columns)
    assert len(rel) == 3 * 3 * 187 and list(dict.fromkeys(rel["method"])) == list(req.methods)
    auc = next(f for f in frames(at) if "method" in f.columns and "relevance" not in f.columns)
    assert list(auc["method"]) == ["NeuroMask", "Saliency", "Occlusion"]
    assert any(m.label == "Steps with m ≥ 0.5" for m in at.metric)  # NeuroMask's summary
    assert any("relevances" in b.label.lower() for b in at.get("download_button"))
    # bad settings: no method -> a message, the previous results stay
    at.multiselect(key="xp_methods").set_value([])
    at.button(key="xp_run").click().run()
    assert any("at least one method" in e for e in errors(at))
    assert at.session_state[state.EXPLAIN_RESULT] is req
    assert len(next(f for f in frames(at) if "relevance" in f.columns)) == 3 * 3 * 187


def test_explain_page_adversarial_pair_and_backdoor_demo():
    at = _app("pages/5_Explain.py").run()
    _no_errors(at)
    model_path = at.session_state[state.MODEL_PATH]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 1, 187)).astype(np.float32)
    at.session_state[state.ADVERSARIAL] = {
        "x": x, "x_adv": x + 0.05, "y": np.array([0, 1, 2, 3]), "adv_pred": np.array([1, 1, 1, 1]),
        "indices": np.arange(4), "split": "test", "spec": "synthetic-ecg", "model_path": model_path,
        "attack": "pgd", "params": {}}
    at.run()
    _no_errors(at)
    at.radio(key="xp_source").set_value("Adversarial examples from the Attack page")
    at.number_input(key="xp_n").set_value(2)
    at.number_input(key="xp_steps").set_value(10)
    at.number_input(key="xp_fsteps").set_value(4)
    at.multiselect(key="xp_methods").set_value(["neuromask", "saliency"])
    at.button(key="xp_run").click().run()
    _no_errors(at)
    assert at.session_state[state.EXPLAIN_RESULT].adversarial is not None
    rel = next(f for f in frames(at) if "relevance" in f.columns)
    saliency = rel[rel["method"] == "saliency"]  # two series, clean and adversarial
    assert len(saliency) == 4 * 187 and (saliency["input"] == "adversarial").sum() == 2 * 187
    # backdoor demo on the zoo's backdoored model
    at.number_input(key="bd_n").set_value(2)
    at.number_input(key="bd_steps").set_value(10)
    at.button(key="bd_run").click().run()
    _no_errors(at)
    assert at.session_state[state.BACKDOOR_RESULT].n == 2
    assert next(m for m in at.metric if m.label == "Trigger window").value == "steps 168-179"
    assert any("Mask mass" in m.label for m in at.metric)
    demo = next(f for f in frames(at) if "series" in f.columns and "relevance" not in f.columns)
    assert len(demo) == 2


def test_augment_page_odenet_examples_train_compare():
    at = _app("pages/6_Augment.py").run()
    _no_errors(at)
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    _no_errors(at)
    assert any("Augment" in t.value for t in at.title)
    # ODENet: a short fit, saved and used
    at.number_input(key="ode_epochs").set_value(2)
    at.button(key="ode_fit").click().run()
    _no_errors(at)
    info = at.session_state[state.AUG_ODENET]
    assert info["spec"] == "cbf" and Path(info["path"] + ".safetensors").exists()
    assert any("Fitted" in s.value for s in at.success)
    # train: Out-Sign-Grad + Feat-Sim for one epoch, saved and selectable
    at.selectbox(key="aug_t_arch").set_value("kachuee")
    at.number_input(key="aug_t_epochs").set_value(1)
    at.text_input(key="aug_t_name").set_value("cbf-osg")
    at.button(key="aug_t_go").click().run()
    _no_errors(at)
    trained = at.session_state[state.AUG_TRAINED]
    assert len(trained) == 1 and trained[0].endswith("cbf-osg")
    card = json.loads(Path(trained[0] + ".json").read_text())
    assert card["recipe"] == "augmented" and card["training"]["epochs"] == 1
    # compare the selected model and the new one on a few series
    ms = at.multiselect(key="cmp_models")
    assert ms.value, (at.session_state[state.MODEL_PATH], trained, ms.options)
    at.number_input(key="cmp_n").set_value(6)
    at.number_input(key="cmp_bim_steps").set_value(3)
    at.text_input(key="cmp_eps").set_value("0, 0.1")
    at.button(key="cmp_go").click().run()
    _no_errors(at)
    assert len(at.session_state[state.AUG_COMPARE].models) == 2
    table = next(f for f in frames(at) if {"true", "fgsm", "bim"} <= set(f.columns))
    curves = next(f for f in frames(at) if "eps" in f.columns)
    assert len(table) == 2 and set(curves["eps"]) == {0.0, 0.1}


def test_augment_page_bad_input_keeps_state():
    at = _app("pages/6_Augment.py").run()
    _no_errors(at)
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    # gradient augmentation without an ODENet: a clear message, nothing trained
    at.text_input(key="aug_t_name").set_value("x")
    at.button(key="aug_t_go").click().run()
    assert any("Training not started" in e and "needs an ODENet" in e for e in errors(at))
    assert not at.session_state[state.AUG_TRAINED] if state.AUG_TRAINED in at.session_state else True
    # compare with a bad eps list
    at.text_input(key="cmp_eps").set_value("a, b")
    at.button(key="cmp_go").click().run()
    assert any("Comparison failed" in e and "'a', is not a number" in e for e in errors(at))
    assert state.AUG_COMPARE not in at.session_state
