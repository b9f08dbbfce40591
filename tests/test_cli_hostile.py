"""The CLI on hostile input (issue 12, item 4): every TsvizError is a one-line message (a JSON
``{"error": ...}`` with ``--json``), exit status 2, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tsviz.cli import main

REPO = Path(__file__).resolve().parents[1]
ATTACK = ["attack", "--dataset", "synthetic-ecg", "--model", "mlp", "--n", "4", "--quiet"]


def one_error(capsys, as_json: bool) -> str:
    out = capsys.readouterr()
    if as_json:
        lines = out.out.strip().splitlines()
        assert len(lines) == 1, out.out
        return json.loads(lines[0])["error"]
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.err
    assert "Traceback" not in out.err
    return lines[0]


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("attack", ["fgsm", "bim", "pgd", "wpgd", "spsa", "genattack"])
def test_eps_1e300(capsys, attack, as_json):
    rc = main([*ATTACK, "--attack", attack, "--eps", "1e300", *(["--json"] if as_json else [])])
    assert rc == 2
    msg = one_error(capsys, as_json)
    assert "AttackError: eps = 1e+300 is far beyond the data's scale" in msg and "use at most" in msg


def test_float64_npz_works(tmp_path, capsys):
    from tsviz.data import load

    ds = load("synthetic-ecg")
    path = tmp_path / "f64.npz"
    np.savez(path, X_train=ds.X_train[:60].astype(np.float64), y_train=ds.y_train[:60],
             X_test=ds.X_test[:20].astype(np.float64), y_test=ds.y_test[:20], class_names=np.array(ds.class_names),
             fs=ds.fs, unit="mV")
    model = str(REPO / "assets/models/synthetic-ecg--mlp--standard")
    rc = main(["attack", "--dataset", f"npz:{path}", "--model", model,
               "--attack", "fgsm", "--eps", "0.05", "--n", "4", "--json", "--quiet"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n"] == 4 and res["max_linf"] <= 0.05 + 1e-6


def test_wrong_channels(tmp_path, capsys):
    from tsviz.data import load

    ds = load("synthetic-ecg")
    path = tmp_path / "two.npz"
    two = lambda X: np.concatenate([X, X], axis=1)  # noqa: E731
    np.savez(path, X_train=two(ds.X_train[:60]), y_train=ds.y_train[:60], X_test=two(ds.X_test[:20]),
             y_test=ds.y_test[:20], class_names=np.array(ds.class_names), fs=ds.fs, unit="mV")
    model = str(REPO / "assets/models/synthetic-ecg--mlp--standard")
    assert main(["attack", "--dataset", f"npz:{path}", "--model", model, "--eps", "0.05", "--n", "4", "--quiet"]) == 2
    msg = one_error(capsys, False)
    assert "(1, 187, 5)" in msg and "(2, 187, 5)" in msg
    assert main(["explain", "--dataset", f"npz:{path}", "--model", model, "--methods", "saliency", "--n", "2",
                 "--quiet", "--json"]) == 2
    assert "x has 2 channel(s) but the model expects 1" in one_error(capsys, True)


def test_cost_over_the_cap(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TSVIZ_MAX_COST", "50")
    assert main([*ATTACK, "--attack", "pgd", "--eps", "0.1", "--steps", "20", "--json"]) == 2
    msg = one_error(capsys, True)
    assert "series 4 x steps 20 x restarts 1" in msg and "TSVIZ_MAX_COST" in msg
    assert main(["explain", "--model", "mlp", "--n", "4", "--quiet"]) == 2
    assert "ExplainError" in one_error(capsys, False)
    assert main(["train", "--dataset", "cbf", "--arch", "mlp", "--epochs", "5", "--out", str(tmp_path / "m"),
                 "--quiet"]) == 2
    assert "TrainingError" in one_error(capsys, False)
    monkeypatch.setenv("TSVIZ_MAX_COST", "lots")
    assert main([*ATTACK, "--attack", "fgsm", "--eps", "0.1"]) == 2
    assert "CostError: TSVIZ_MAX_COST must be a positive integer" in one_error(capsys, False)


def test_unexpected_error_is_one_line(capsys, monkeypatch):
    import tsviz.cli as cli

    def boom(args):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr(cli, "_cmd_data", boom)
    monkeypatch.delenv("TSVIZ_DEBUG", raising=False)
    assert main(["data", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"].startswith("internal error: RuntimeError: something broke")


def test_no_traceback_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "tsviz", *ATTACK, "--attack", "fgsm", "--eps", "nan"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == ["error: AttackError: eps must be a finite number > 0, got nan"]
