"""The registry of reproduction targets, run_target's checks, results as JSON, and every target's contract."""
from __future__ import annotations

import importlib
import json
import math

import pytest

from tsviz.reproduce import ReproduceError, TargetResult, get_target, list_targets, run_target
from tsviz.reproduce.registry import DATA_SOURCES, TARGET_MODULES, TARGETS, missing_data
from tsviz.reproduce.target import MODES, Target, json_safe

MINE = ("augmentation-table1", "selfensemble-table3", "selfensemble-table4")


def test_my_targets_are_registered_in_order():
    keys = [t.key for t in list_targets()]
    assert keys[:3] == list(MINE)
    assert len(set(keys)) == len(keys) == len(TARGETS)


@pytest.mark.parametrize("key", [t.key for t in list_targets()])
def test_every_target_keeps_the_contract(key):
    t = get_target(key)
    assert isinstance(t, Target) and callable(t.run)
    assert set(MODES) <= set(t.configs), "tiny, quick and full configurations"
    assert t.paper.title and t.paper.authors and t.paper.year > 1990 and t.paper.where
    assert t.paper_table and t.key_columns and t.value_columns and t.known_differences
    for row in t.paper_table:
        assert all(c in row for c in t.key_columns), row
        assert all(row.get(c) is None or isinstance(row[c], (int, float)) for c in t.value_columns), row
    for folder in t.needs_data:
        assert folder.split("/")[0] in DATA_SOURCES
    json.dumps(t.summary())


@pytest.mark.parametrize("name", TARGET_MODULES[:3])
def test_my_target_modules_cite_the_paper(name):
    doc = importlib.import_module(name).__doc__
    assert "Paper" in doc and ("2020" in doc or "2024" in doc) and "full" in doc and "quick" in doc and "tiny" in doc


def test_unknown_and_bad_keys():
    with pytest.raises(ReproduceError, match="unknown reproduction target 'nope'; known: augmentation-table1"):
        get_target("nope")
    for bad in (None, 3, "x" * 1000):
        with pytest.raises(ReproduceError, match="target"):
            get_target(bad)


def test_missing_data_gives_not_run_naming_folder_and_source(tmp_path):
    res = run_target("selfensemble-table3", "tiny", data_root=tmp_path)
    assert res.verdict.label == "not run" and res.measured_table == [] and res.mode == "tiny"
    text = " ".join(res.notes)
    assert str(tmp_path / "ucr" / "CBF") in text and "https://www.cs.ucr.edu/~eamonn/time_series_data_2018/" in text
    assert missing_data(get_target("selfensemble-table4"), tmp_path)[0].startswith("real data missing")


def test_no_data_root_and_no_env_is_not_run(monkeypatch):
    monkeypatch.delenv("TSVIZ_DATA", raising=False)
    res = run_target("augmentation-table1", "tiny")
    assert res.verdict.label == "not run" and "no data folder given" in res.notes[0]


def test_env_data_root_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("TSVIZ_DATA", str(tmp_path))
    res = run_target("augmentation-table1", "tiny")
    assert str(tmp_path / "ucr" / "TwoLeadECG") in res.notes[0]


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "huge"}, "mode"),
    ({"seed": -1}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"seed": True}, "seed"),
    ({"progress": 3}, "progress"),
    ({"overrides": ["epochs"]}, "overrides"),
    ({"overrides": {"no_such_setting": 1}}, "no_such_setting"),
    ({"data_root": ""}, "data_root"),
    ({"data_root": "a\x00b"}, "data_root"),
    ({"data_root": 12}, "data_root"),
])
def test_bad_run_arguments_name_the_parameter(kwargs, match):
    with pytest.raises(ReproduceError, match=match):
        run_target("selfensemble-table3", **{"mode": "tiny", **kwargs})


def test_config_is_a_copy_with_overrides():
    t = get_target("selfensemble-table3")
    cfg = t.config("tiny", {"epochs": 3})
    assert cfg["epochs"] == 3 and t.configs["tiny"]["epochs"] == 1
    cfg["datasets"].append("X")
    assert t.configs["tiny"]["datasets"] == ["CBF"]


def test_result_json_round_trip_and_nan():
    t = get_target("selfensemble-table4")
    res = t.result({"a": 1}, [{"dataset": "CricketX", "eps": 0.25, "classifier": "Benign", "asr": float("nan")}],
                   seed=3, mode="tiny", notes=["n"], extra={"v": math.inf})
    out = res.to_json()
    assert out["measured_table"][0]["asr"] is None and out["extra"]["v"] is None
    assert out["verdict"]["label"] == "not run"
    back = TargetResult.from_json(json.loads(json.dumps(out)))
    assert back.target == t.key and back.seed == 3 and back.verdict.label == "not run"
    with pytest.raises(ReproduceError, match="target"):
        TargetResult.from_json({"nope": 1})
    import numpy as np

    assert json_safe({"a": np.float32(1.5), "b": np.arange(2), "c": (1, float("nan"))}) == {"a": 1.5, "b": [0, 1],
                                                                                            "c": [1, None]}
