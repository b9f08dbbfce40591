import json

import pytest

from tsviz.cli import main
from tsviz.models import load


def test_cli_data_json(capsys):
    assert main(["data", "--dataset", "cbf", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_train"] == 30 and out["class_names"] == ["cylinder", "bell", "funnel"]


def test_cli_bad_spec(capsys):
    assert main(["data", "--dataset", "nope", "--json"]) == 2
    assert "unknown dataset spec" in json.loads(capsys.readouterr().out)["error"]


def test_cli_train_writes_checkpoint(tmp_path, capsys):
    out = tmp_path / "m"
    rc = main(["train", "--dataset", "synthetic-control", "--arch", "mlp", "--epochs", "2", "--out", str(out),
               "--json", "--quiet"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert 0.0 <= res["test_accuracy"] <= 1.0 and res["arch"] == "mlp"
    m = load(out)
    assert m.card["dataset"] == "synthetic-control" and m.card["training"]["epochs"] == 2


def test_cli_train_needs_out(capsys):
    assert main(["train", "--dataset", "cbf", "--epochs", "1", "--quiet"]) == 2
    assert "--out" in capsys.readouterr().err


def test_cli_models_lists_zoo(capsys):
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(r["dataset"] == "synthetic-ecg" and r["arch"] == "resnet" for r in rows)


def test_cli_attack_json_and_npz(tmp_path, capsys):
    import numpy as np

    out = tmp_path / "adv.npz"
    rc = main(["attack", "--dataset", "synthetic-ecg", "--model", "mlp", "--attack", "pgd", "--eps", "0.1",
               "--steps", "5", "--alpha", "0.03", "--n", "20", "--sweep", "0,0.1", "--out", str(out), "--json",
               "--quiet"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n"] == 20 and res["adversarial_accuracy"] <= res["clean_accuracy"]
    assert res["max_linf"] <= 0.1 + 1e-6 and len(res["sweep"]) == 2 and len(res["per_class"]) == 5
    z = np.load(out)
    assert z["x_adv"].shape == (20, 1, 187) and np.abs(z["x_adv"] - z["x"]).max() <= 0.1 + 1e-6


def test_cli_attack_errors(capsys):
    assert main(["attack", "--model", "mlp", "--attack", "nope", "--eps", "0.1", "--n", "2", "--json", "--quiet"]) == 2
    assert "unknown attack" in json.loads(capsys.readouterr().out)["error"]
    assert main(["attack", "--dataset", "cbf", "--model", "synthetic-ecg--mlp--standard", "--eps", "0.1", "--json",
                 "--quiet"]) == 2
    assert "expects" in json.loads(capsys.readouterr().out)["error"]


def test_cli_certify_tsv_and_json(tmp_path, capsys):
    out = tmp_path / "cert.tsv"
    rc = main(["certify", "--dataset", "cbf", "--model", "resnet", "--sigma", "0.25", "--n0", "10", "--n", "50",
               "--n-samples", "6", "--masks", "binomial", "--m", "2", "--out", str(out), "--json", "--quiet"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n_series"] == 6 and 0.0 <= res["abstain_rate"] <= 1.0
    assert set(res["certified_accuracy"]) == {"0", "0.1", "0.2", "0.5"}
    lines = out.read_text().splitlines()
    assert lines[0].split("\t") == ["idx", "label", "predict", "radius", "correct", "time"] and len(lines) == 7


def test_cli_certify_bad_sigma(capsys):
    assert main(["certify", "--dataset", "cbf", "--model", "resnet", "--sigma", "-1", "--n-samples", "2", "--json",
                 "--quiet"]) == 2
    assert "sigma" in json.loads(capsys.readouterr().out)["error"]


def test_cli_certify_deep_ensemble_with_soundness(capsys):
    rc = main(["certify", "--dataset", "cbf", "--model", "kachuee:gaussian-0.25,kachuee:gaussian-0.5",
               "--sigma", "0.25", "--n0", "10", "--n", "100", "--n-samples", "4", "--soundness",
               "--soundness-samples", "2", "--json", "--quiet"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert len(res["model"]) == 2 and res["model"][1].endswith("cbf--kachuee--gaussian-0.5")
    s = res["soundness"]
    assert s["n_series"] <= 2 and s["passed"] and s["change_rate_inside"] <= 0.5


def test_cli_explain_methods_csv_and_json(tmp_path, capsys):
    out = tmp_path / "rel.csv"
    rc = main(["explain", "--dataset", "cbf", "--model", "resnet", "--methods", "neuromask,saliency", "--n", "2",
               "--steps", "5", "--curve-points", "4", "--out", str(out), "--json", "--quiet"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert [r["method"] for r in res["faithfulness"]] == ["neuromask", "saliency"]
    assert res["neuromask"]["steps"] == 5 and res["n_series"] == 2
    import pandas as pd

    df = pd.read_csv(out)
    assert list(df.columns) == ["series", "method", "t", "relevance"] and len(df) == 2 * 2 * 128


def test_cli_explain_backdoor_and_errors(capsys):
    assert main(["explain", "--backdoor", "--n", "2", "--steps", "5", "--json", "--quiet"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["trigger"]["start"] == 168 and res["backdoor"]["n"] == 2
    assert 0 <= res["backdoor"]["mass_in_window_triggered"] <= 1
    assert main(["explain", "--methods", "lime", "--n", "1", "--json", "--quiet"]) == 2
    assert "unknown method" in json.loads(capsys.readouterr().out)["error"]
    assert main(["explain", "--backdoor", "--model", "resnet", "--n", "1", "--json", "--quiet"]) == 2
    assert "no backdoor trigger" in json.loads(capsys.readouterr().out)["error"]
    assert main(["explain", "--steps", "100000", "--n", "1", "--methods", "neuromask", "--json", "--quiet"]) == 2
    assert "steps" in json.loads(capsys.readouterr().out)["error"]


def test_cli_augment_fit_odenet_then_augment(tmp_path, capsys):
    stem = tmp_path / "ode"
    assert main(["augment", "--dataset", "cbf", "--fit-odenet", "--epochs", "2", "--out", str(stem), "--json",
                 "--quiet"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["epochs"] == 2 and (tmp_path / "ode.safetensors").exists()
    npz = tmp_path / "aug.npz"
    assert main(["augment", "--dataset", "cbf", "--odenet", str(stem), "--model", "resnet", "--n", "3",
                 "--out", str(npz), "--json", "--quiet"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res["methods"]) == {"in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "spec_den"}
    assert res["methods"]["in_clamp_grad"]["max_abs_change"] <= 0.33 + 1e-6
    import numpy as np

    with np.load(npz) as z:
        assert z["out_sign_grad"].shape == (3, 1, 128)
    assert main(["augment", "--dataset", "cbf", "--methods", "in_clamp_grad", "--json", "--quiet"]) == 2
    assert "--odenet" in json.loads(capsys.readouterr().out)["error"]


def test_cli_train_recipe_params(tmp_path, capsys):
    out = tmp_path / "m"
    rc = main(["train", "--dataset", "cbf", "--arch", "kachuee", "--recipe", "nsr_loss2", "--param", "beta=0.3",
               "--epochs", "1", "--out", str(out), "--json", "--quiet"])
    assert rc == 0
    capsys.readouterr()
    card = load(out).card
    assert card["recipe"] == "nsr_loss2" and card["recipe_hparams"] == {"beta": 0.3}
    assert main(["train", "--dataset", "cbf", "--recipe", "pgd_at", "--param", "eps", "--epochs", "1",
                 "--out", str(out), "--json", "--quiet"]) == 2
    assert "key=value" in json.loads(capsys.readouterr().out)["error"]


def test_cli_attack_out_loads_back_as_a_dataset(tmp_path, capsys):
    import numpy as np

    from tsviz.data import load

    ds = load("synthetic-ecg")
    for suffix in ("npz", "csv"):
        path = tmp_path / f"adv.{suffix}"
        assert main(["attack", "--model", "mlp", "--attack", "fgsm", "--eps", "0.05", "--n", "20", "--out", str(path),
                     "--json", "--quiet"]) == 0
        res = json.loads(capsys.readouterr().out)
        assert res["saved"] == str(path)
        back = load(f"{suffix}:{path}")  # the adversarial series, each with its true class
        names = sorted(np.asarray(back.class_names)[np.concatenate([back.y_train, back.y_test])])
        assert names == sorted(ds.class_names[ds.y_test[i]] for i in res["indices"])
        assert back.X_train.shape[0] + back.X_test.shape[0] == 20 and back.length == 187


def test_cli_lists_name_the_bad_item(capsys):
    assert main(["attack", "--model", "mlp", "--eps", "0.1", "--n", "2", "--sweep", "0, abc", "--json",
                 "--quiet"]) == 2
    assert "--sweep: item 2, 'abc', is not a number" in json.loads(capsys.readouterr().out)["error"]
    assert main(["certify", "--dataset", "cbf", "--sigma", "0.25", "--radii", "0,-1", "--json", "--quiet"]) == 2
    assert "--radii: item 2, '-1', is outside [0, inf]" in json.loads(capsys.readouterr().out)["error"]
    assert main(["augment", "--dataset", "cbf", "--methods", "spec_den,nope", "--json", "--quiet"]) == 2
    assert "--methods: unknown 'nope'" in json.loads(capsys.readouterr().out)["error"]


def test_cli_help_shows_the_library_caps(capsys):
    from tsviz.attacks import CAPS

    with pytest.raises(SystemExit):
        main(["attack", "--help"])
    assert f"at most {CAPS['series']:,}" in capsys.readouterr().out
