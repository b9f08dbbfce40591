"""Round trips through the run store, on SQLite and on a real PostgreSQL server (see conftest.py)."""
from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tsviz.runs import RUN_KINDS, RUN_STATUSES, RunRecord, RunStoreError

DATASET = {"spec": "synthetic-ecg", "name": "synthetic-ecg", "fingerprint": "0123456789abcdef"}
MODEL = {"id": "synthetic-ecg--resnet--standard", "arch": "resnet", "recipe": "standard"}


def test_record_round_trip(store):
    x = np.arange(24, dtype=np.float32).reshape(2, 1, 12)
    with store.record("attack", params={"eps": 0.1, "attack": "pgd", "steps": 20}, seeds={"seed": 7},
                      dataset=DATASET, model=MODEL, source="cli", label="pgd eps 0.1",
                      workspace="s-" + "0" * 32) as run:
        assert store.get(run.id).status == "running"          # committed before the block ends
        run.save_arrays("adversarial", x=x, x_adv=x + 0.1, y=np.array([0, 3]))
        run.save_json("result", {"rows": [1, 2], "curve": [0.5, float("nan")]})
        run.log_metrics(success_rate=0.5)
        run.log_metrics(clean_accuracy=1.0)
    rec = store.get(run.id)
    assert isinstance(rec, RunRecord) and rec.status == "done" and rec.kind == "attack"
    assert rec.params == {"eps": 0.1, "attack": "pgd", "steps": 20} and rec.seeds == {"seed": 7}
    assert rec.dataset == DATASET and rec.model == MODEL and rec.label == "pgd eps 0.1" and rec.source == "cli"
    assert rec.metrics == {"success_rate": 0.5, "clean_accuracy": 1.0}
    assert rec.artifacts == {"adversarial": f"{run.id}/adversarial.npz", "result": f"{run.id}/result.json"}
    assert rec.started_at.tzinfo is not None and rec.finished_at >= rec.started_at and rec.duration_s() >= 0
    assert rec.versions["tsviz"] and rec.versions["numpy"] == np.__version__ and rec.pid and rec.host
    arrays = store.load_arrays(run.id, "adversarial")
    np.testing.assert_array_equal(arrays["x"], x)
    np.testing.assert_allclose(arrays["x_adv"], x + 0.1)
    assert arrays["y"].tolist() == [0, 3]
    assert store.load_json(run.id, "result") == {"rows": [1, 2], "curve": [0.5, None]}   # NaN -> null in outcomes


def test_failed_and_cancelled_runs(store):
    with pytest.raises(ZeroDivisionError):
        with store.record("training", params={"epochs": 1}) as run:
            1 / 0  # noqa: B018
    rec = store.get(run.id)
    assert rec.status == "failed" and rec.error == "ZeroDivisionError: division by zero" and rec.finished_at
    with pytest.raises(KeyboardInterrupt):
        with store.record("certification", params={"sigma": 0.1}) as run2:
            raise KeyboardInterrupt
    assert store.get(run2.id).status == "cancelled"
    run3 = store.start("explanation", params={})
    run3.finish(metrics={"auc": 0.25})
    run3.finish()  # a second call does nothing
    assert store.get(run3.id).status == "done" and store.get(run3.id).metrics == {"auc": 0.25}
    with pytest.raises(RunStoreError, match="is done"):
        run3.log_metrics(more=1)
    run4 = store.start("other", params={})
    run4.fail("it broke\n badly")
    assert store.get(run4.id).error == "it broke badly"


def test_list_filters_and_frame(store):
    ids = {}
    for i, (kind, ds) in enumerate([("attack", "synthetic-ecg"), ("certification", "cbf"), ("attack", "cbf")]):
        run = store.start(kind, params={"i": i}, dataset={"spec": ds}, model={"id": f"m{i}"}, label=f"run {i}")
        run.finish({"score": i / 2})
        ids[i] = run.id
    store.start("training", params={}, dataset={"spec": "cbf", "fingerprint": "ffff"})  # left running
    assert [r.id for r in store.list_runs(kind="attack")] == [ids[2], ids[0]]            # newest first
    assert {r.id for r in store.list_runs(kind=["attack", "certification"], dataset="cbf")} == {ids[1], ids[2]}
    assert [r.id for r in store.list_runs(model="m1")] == [ids[1]]
    assert len(store.list_runs(status="running")) == 1 and len(store.list_runs(dataset="ffff")) == 1
    assert [r.id for r in store.list_runs(search="RUN 0")] == [ids[0]]
    assert store.list_runs(search="100%") == []                                          # % is literal
    assert len(store.list_runs(limit=2)) == 2 and len(store.list_runs(limit=2, offset=3)) == 1
    now = datetime.now(UTC)
    assert len(store.list_runs(since=now - timedelta(hours=1))) == 4 and store.list_runs(since=now + timedelta(1)) == []
    assert len(store.list_runs(until=now.date())) == 4 and store.list_runs(until=now - timedelta(hours=1)) == []
    df = store.to_frame(store.list_runs(status="done"))
    assert len(df) == 3 and sorted(df["metric.score"]) == [0.0, 0.5, 1.0] and "param.i" in df.columns
    assert list(store.to_frame([]).columns)[:3] == ["id", "kind", "status"]


def test_export_and_delete(store, tmp_path):
    with store.record("augmentation", params={"beta": 0.33}, dataset=DATASET) as run:
        run.save_arrays("augmented", x=np.ones((3, 1, 4), np.float32))
        src = tmp_path / "ck.safetensors"
        src.write_bytes(b"\x00" * 64)
        p = run.save_file("checkpoint", src)
        assert p.name == "checkpoint.safetensors" and p.read_bytes() == src.read_bytes()
    out = store.export(run.id, tmp_path / "out" / "run.zip")
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        doc = json.loads(zf.read("run.json"))
    assert names == {"run.json", f"artifacts/{run.id}/augmented.npz", f"artifacts/{run.id}/checkpoint.safetensors"}
    assert doc["id"] == run.id and doc["params"] == {"beta": 0.33} and doc["missing_artifacts"] == []
    assert store.export(run.id, tmp_path).name == f"run-{run.id}.zip"     # a folder: run-<id>.zip in it
    folder = store.artifacts_root / run.id
    assert folder.is_dir()
    store.delete(run.id)
    assert not folder.exists() and store.list_runs() == []
    with pytest.raises(RunStoreError, match=f"no run {run.id}"):
        store.get(run.id)
    with pytest.raises(RunStoreError, match="no run"):
        store.delete(run.id)


def test_constants():
    assert RUN_KINDS == ("training", "attack", "certification", "explanation", "augmentation", "comparison", "study",
                         "sweep", "reproduction", "generation", "other")
    assert RUN_STATUSES == ("running", "done", "failed", "cancelled", "interrupted")


def test_store_is_cached_per_url(db_url, tmp_path):
    from tsviz.runs import open_store

    a = open_store(db_url, home=tmp_path)
    assert open_store(db_url, home=tmp_path) is a
