"""The CLI records its runs in the store and ``runs list|show|export|delete`` read them back; a store
that cannot be opened warns on stderr and never fails the command."""
from __future__ import annotations

import json
import zipfile

import pytest

from tsviz.cli import main

ATTACK = ["attack", "--dataset", "synthetic-ecg", "--model", "mlp", "--attack", "fgsm", "--eps", "0.05", "--n", "4",
          "--seed", "3", "--json", "--quiet"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TSVIZ_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TSVIZ_DB_URL", raising=False)
    monkeypatch.delenv("TSVIZ_ARTIFACTS", raising=False)
    return tmp_path / "home"


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_cli_records_a_run_and_runs_list_shows_it(home, tmp_path, capsys):
    assert main(ATTACK) == 0
    result = _json(capsys)
    assert main(["runs", "list", "--json"]) == 0
    runs = _json(capsys)
    assert len(runs) == 1
    run = runs[0]
    assert run["kind"] == "attack" and run["status"] == "done" and run["source"] == "cli"
    assert run["params"]["eps"] == 0.05 and run["params"]["attack"] == "fgsm" and run["seeds"] == {"seed": 3}
    assert run["dataset"]["spec"] == "synthetic-ecg" and len(run["dataset"]["fingerprint"]) == 16
    assert run["model"]["id"] == "synthetic-ecg--mlp--standard" and run["model"]["arch"] == "mlp"
    assert run["metrics"]["clean_accuracy"] == result["clean_accuracy"]
    assert run["metrics"]["success_rate"] == result["success_rate"]
    assert set(run["artifacts"]) == {"adversarial", "result"}

    from tsviz.runs import open_store

    store = open_store()
    arrays = store.load_arrays(run["id"], "adversarial")         # the Review page's artifact convention
    assert set(arrays) == {"clean", "adversarial", "labels", "indices", "clean_pred", "adv_pred"}
    assert arrays["adversarial"].shape == (4, 1, 187) and arrays["indices"].tolist() == result["indices"]
    assert abs(arrays["adversarial"] - arrays["clean"]).max() <= 0.05 + 1e-6
    assert run["dataset"]["fs"] > 0 and run["dataset"]["unit"] == "mV" and len(run["dataset"]["class_names"]) == 5
    assert run["model"]["path"] == result["model"] and run["params"]["split"] == "test"
    assert store.load_json(run["id"], "result")["indices"] == result["indices"]

    assert main(["runs", "list", "--kind", "certification", "--json"]) == 0 and _json(capsys) == []
    assert main(["runs", "show", run["id"], "--json"]) == 0 and _json(capsys)["id"] == run["id"]
    out = tmp_path / "r.zip"
    assert main(["runs", "export", run["id"], "--out", str(out), "--json"]) == 0
    assert _json(capsys)["zip"] == str(out)
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("run.json"))["id"] == run["id"]
    assert main(["runs", "delete", run["id"], "--json"]) == 0 and _json(capsys) == {"deleted": run["id"]}
    assert main(["runs", "list", "--json"]) == 0 and _json(capsys) == []
    assert main(["runs", "show", run["id"], "--json"]) == 2
    assert "no run" in _json(capsys)["error"]
    assert main(["runs", "show", "../../etc", "--json"]) == 2
    assert "32 hexadecimal digits" in _json(capsys)["error"]


def test_no_record_and_failed_runs(home, capsys):
    assert main([*ATTACK, "--no-record"]) == 0
    capsys.readouterr()
    assert main(["attack", "--model", "mlp", "--attack", "nope", "--eps", "0.1", "--n", "2", "--json", "--quiet"]) == 2
    assert "unknown attack" in _json(capsys)["error"]
    assert main(["runs", "list", "--json"]) == 0
    runs = _json(capsys)
    assert [(r["kind"], r["status"]) for r in runs] == [("attack", "failed")]
    assert "unknown attack" in runs[0]["error"]


def test_a_broken_store_never_fails_the_command(home, capsys):
    home.mkdir(parents=True)
    (home / "runs.sqlite3").write_text("not a database")
    assert main(ATTACK) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["n"] == 4                     # stdout is the command's JSON, untouched
    assert captured.err.count("warning: run not recorded") == 1
    assert str(home / "runs.sqlite3") in captured.err and "not an SQLite database" in captured.err
    assert main(["runs", "list", "--json"]) == 2                   # reading the store says why
    assert "not an SQLite database" in _json(capsys)["error"]


def test_recorder_helpers():
    from tsviz.runs.cli import model_facts, result_metrics

    assert result_metrics({"a": 1, "b": True, "c": "x", "d": {"0.1": 0.5, "n": "t"}, "e": [1],
                           "m": {"spec_den": {"max": 0.25, "deep": {"x": 1}}}}) == \
        {"a": 1, "b": True, "d.0.1": 0.5, "m.spec_den.max": 0.25}

    class M:
        card = {"name": "stem", "path": "/p", "arch": "mlp", "recipe": "standard"}

    assert model_facts(M(), "mlp") == {"id": "stem", "path": "/p", "arch": "mlp", "recipe": "standard", "given": "mlp"}
    assert model_facts([M(), M()], "a,b")["id"] == "stem,stem"


def test_an_artifact_over_the_cap_still_records_the_run(home, capsys, monkeypatch):
    from tsviz.runs import RunStoreError, artifacts

    def too_big(folder, name, arrays):
        raise RunStoreError(f"artifact {name!r} holds over 1,000 bytes of arrays (the cap)")

    monkeypatch.setattr(artifacts, "write_npz", too_big)
    assert main(ATTACK) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["n"] == 4
    assert captured.err.count("warning: run not recorded completely") == 1 and "(the cap)" in captured.err
    assert main(["runs", "list", "--json"]) == 0
    (run,) = _json(capsys)
    assert run["status"] == "done" and set(run["artifacts"]) == {"result"} and "success_rate" in run["metrics"]
    assert "(the cap)" in run["metrics"]["recording_problems"][0]
