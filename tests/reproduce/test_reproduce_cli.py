"""``python -m tsviz reproduce``: list as JSON, a tiny run recorded in the run store, errors as one line."""
from __future__ import annotations

import json

import pytest
from realdata import SHARED_DATA, shared_data

from tsviz.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_cli(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_list_json_names_every_target_and_missing_data(capsys, tmp_path):
    rc, out, _ = run_cli(capsys, "reproduce", "list", "--json", "--data", str(tmp_path))
    assert rc == 0
    rows = json.loads(out)
    keys = [r["key"] for r in rows]
    assert keys[:3] == ["augmentation-table1", "selfensemble-table3", "selfensemble-table4"]
    aug = rows[0]
    assert aug["modes"] == ["tiny", "quick", "full"] and aug["needs_data"] == ["ucr/TwoLeadECG"]
    assert str(tmp_path / "ucr" / "TwoLeadECG") in aug["data_missing"][0]


def test_tiny_run_is_recorded_in_the_store(capsys):
    shared_data("ucr", "CBF")
    shared_data("ucr", "SyntheticControl")
    rc, out, err = run_cli(capsys, "reproduce", "selfensemble-table3", "--tiny", "--data", str(SHARED_DATA),
                           "--json", "--quiet")
    assert rc == 0, err
    res = json.loads(out)
    assert res["target"] == "selfensemble-table3" and res["mode"] == "tiny" and len(res["measured_table"]) == 4
    assert res["paper_table"] and res["known_differences"] and res["run_id"]
    from tsviz.runs import open_store

    store = open_store()
    rec = store.get(res["run_id"])
    assert rec.kind == "reproduction" and rec.status == "done" and rec.source == "cli"
    assert rec.params["target"] == "selfensemble-table3" and rec.params["mode"] == "tiny"
    assert rec.metrics["verdict"] == res["verdict"]["label"] and rec.metrics["rows"] == 4
    kept = store.load_json(rec.id, "result")
    assert kept["measured_table"] == res["measured_table"]
    from tsviz.reproduce.cli import last_runs, load_recorded

    assert last_runs()["selfensemble-table3"]["id"] == rec.id
    assert load_recorded(rec.id).verdict.label == res["verdict"]["label"]


def test_missing_data_is_not_run_and_recorded(capsys, tmp_path):
    rc, out, _ = run_cli(capsys, "reproduce", "selfensemble-table4", "--tiny", "--data", str(tmp_path), "--json")
    assert rc == 0
    res = json.loads(out)
    assert res["verdict"]["label"] == "not run" and "ucr/CricketX" in res["notes"][0] and res["run_id"]


def test_store_failure_never_breaks_the_command(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("TSVIZ_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    rc, out, err = run_cli(capsys, "reproduce", "selfensemble-table4", "--tiny", "--data", str(tmp_path), "--json")
    assert rc == 0 and json.loads(out)["run_id"] is None and "warning: run not recorded" in err


@pytest.mark.parametrize("argv, text", [
    (["reproduce", "nope", "--tiny"], "unknown reproduction target"),
    (["reproduce", "selfensemble-table3", "--tiny", "--set", "bogus"], "--set takes KEY=VALUE"),
    (["reproduce", "selfensemble-table3", "--tiny", "--set", "no_such=1", "--no-record"], "no_such"),
    (["reproduce", "selfensemble-table3", "--tiny", "--seed", "-3", "--no-record"], "seed"),
])
def test_errors_are_one_line(capsys, argv, text):
    rc, out, err = run_cli(capsys, *argv, "--json")
    assert rc == 2 and text in json.loads(out)["error"] and "Traceback" not in err
