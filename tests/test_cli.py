import json

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
