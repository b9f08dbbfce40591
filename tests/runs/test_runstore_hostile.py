"""Bad input to the run store gets a RunStoreError naming the problem (kind, key, name, path)."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

from tsviz.runs import RunStoreError, open_store


@pytest.fixture
def sqlite_store(tmp_path):
    return open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", home=tmp_path)


def test_unknown_kind_and_bad_fields(store):
    with pytest.raises(RunStoreError, match="run kind must be one of training, attack.*'nope'"):
        store.start("nope", params={})
    with pytest.raises(RunStoreError, match="params must be a dict"):
        store.start("attack", params=[1, 2])
    with pytest.raises(RunStoreError, match="label is 201 characters"):
        store.start("attack", params={}, label="x" * 201)
    with pytest.raises(RunStoreError, match="params\\['f'\\] is a builtin_function_or_method, which has no JSON form"):
        store.start("attack", params={"f": print})
    with pytest.raises(RunStoreError, match="keys must be text"):
        store.start("attack", params={("a",): 1})
    with pytest.raises(RunStoreError, match="over the cap"):
        store.start("attack", params={"big": "x" * (5 * 2**20)})
    assert store.list_runs() == []                                    # nothing half-written


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_nonfinite_params_are_refused_and_metrics_stored_as_null(store, bad):
    with pytest.raises(RunStoreError, match=r"params\['hp'\]\['eps'\] is .*NaN and infinity are not valid JSON"):
        store.start("attack", params={"hp": {"eps": bad}})
    with pytest.raises(RunStoreError, match=r"dataset\['fs'\]"):
        store.start("attack", params={}, dataset={"fs": bad})
    run = store.start("training", params={"eps": 1e300})              # huge but finite: kept exactly
    run.log_metrics(loss=bad, acc=0.5, curve=[1.0, bad])
    run.finish()
    rec = store.get(run.id)
    assert rec.params == {"eps": 1e300}
    assert rec.metrics == {"loss": None, "acc": 0.5, "curve": [1.0, None],
                           "_nonfinite": ["metrics['curve'][1]", "metrics['loss']"]}


def test_numpy_values_become_json(store):
    run = store.start("attack", params={"n": np.int64(3), "eps": np.float32(0.5), "v": np.arange(3), "ok": np.True_})
    assert store.get(run.id).params == {"n": 3, "eps": 0.5, "v": [0, 1, 2], "ok": True}
    with pytest.raises(RunStoreError, match="save arrays as an NPZ artifact"):
        store.start("attack", params={"x": np.zeros(200_000)})


BAD_NAMES = ["../evil", "a/b", "..", ".hidden", "", "x" * 81, "a\x00b", "c:\\x", "a..b", "ünïcode", "a b", "/etc/x"]


def test_bad_artifact_names(sqlite_store):
    run = sqlite_store.start("attack", params={})
    for name in BAD_NAMES:
        with pytest.raises(RunStoreError, match="artifact name"):
            run.save_arrays(name, x=np.zeros(2))
        with pytest.raises(RunStoreError, match="artifact name"):
            run.save_json(name, {})
        with pytest.raises(RunStoreError, match="artifact name"):
            sqlite_store.load_arrays(run.id, name)
    with pytest.raises(RunStoreError, match="artifact name must be text"):
        run.save_arrays(None, x=np.zeros(2))
    assert sqlite_store.get(run.id).artifacts == {}
    assert not any(p.name.startswith("evil") or p.name == "x" for p in sqlite_store.artifacts_root.parent.rglob("*"))


def test_huge_name_message_is_short(sqlite_store):
    run = sqlite_store.start("attack", params={})
    with pytest.raises(RunStoreError) as info:
        run.save_arrays("../" * 10_000, x=np.zeros(2))
    assert len(str(info.value)) < 400 and "30000 characters" in str(info.value)


def test_bad_arrays_and_files(sqlite_store, tmp_path):
    run = sqlite_store.start("attack", params={})
    with pytest.raises(RunStoreError, match="dtype object"):
        run.save_arrays("objs", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(RunStoreError, match="at least one array"):
        run.save_arrays("empty")
    with pytest.raises(RunStoreError, match="not a regular file"):
        run.save_file("ck", tmp_path)
    with pytest.raises(RunStoreError, match="not a regular file"):
        run.save_file("ck", tmp_path / "missing.safetensors")
    with pytest.raises(RunStoreError, match="no artifact 'nope'"):
        sqlite_store.load_arrays(run.id, "nope")


def test_pickled_or_tampered_artifacts_are_not_loaded(sqlite_store, tmp_path):
    from sqlalchemy import update

    from tsviz.runs.schema import Artifact

    run = sqlite_store.start("attack", params={})
    path = run.save_arrays("a", x=np.zeros(3))
    np.savez(path, x=np.array([{"evil": 1}], dtype=object), allow_pickle=True)   # replaced by a pickle
    with pytest.raises(RunStoreError, match="cannot be read as NPZ"):
        sqlite_store.load_arrays(run.id, "a")
    path.write_bytes(b"garbage")
    with pytest.raises(RunStoreError, match="cannot be read as NPZ"):
        sqlite_store.load_arrays(run.id, "a")
    path.unlink()
    with pytest.raises(RunStoreError, match="missing"):
        sqlite_store.load_arrays(run.id, "a")
    with sqlite_store._session(write=True) as s:                       # a row pointing outside the root
        s.execute(update(Artifact).values(path="../../../etc/passwd"))
    with pytest.raises(RunStoreError, match="outside the artifacts root"):
        sqlite_store.load_arrays(run.id, "a")


@pytest.mark.parametrize("content", [b"this is not a database, just text\n" * 10, b"\x00" * 4096,
                                     b"PK\x03\x04 a zip file pretending"])
def test_non_sqlite_file_at_the_db_path(tmp_path, content):
    db = tmp_path / "runs.sqlite3"
    db.write_bytes(content)
    with pytest.raises(RunStoreError, match=f"{db}.*not an SQLite database"):
        open_store(home=tmp_path)
    assert db.read_bytes() == content                                  # never overwritten


def test_corrupt_sqlite_file(tmp_path):
    db = tmp_path / "runs.sqlite3"
    db.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    with pytest.raises(RunStoreError, match=str(db)):
        open_store(home=tmp_path)


def test_folder_at_the_db_path_and_bad_urls(tmp_path):
    (tmp_path / "runs.sqlite3").mkdir()
    with pytest.raises(RunStoreError, match="not a regular file"):
        open_store(home=tmp_path)
    with pytest.raises(RunStoreError, match="must be SQLite or PostgreSQL"):
        open_store("mysql://u:secret@h/db")
    with pytest.raises(RunStoreError, match="must look like"):
        open_store("runs.sqlite3")
    with pytest.raises(RunStoreError, match="non-empty URL"):
        open_store("x" * 5000)


def test_unreachable_postgres_names_the_url_without_password():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RunStoreError) as info:
        open_store(f"postgresql://tsviz:hunter2@127.0.0.1:{port}/runs")
    msg = str(info.value)
    assert f"127.0.0.1:{port}/runs" in msg and "hunter2" not in msg and "***" in msg


def test_bad_ids_and_filters(sqlite_store):
    for bad in ["../x", "", "0" * 31, "g" * 32, None, 5]:
        with pytest.raises(RunStoreError, match="run id must be 32 hexadecimal digits"):
            sqlite_store.get(bad)
    with pytest.raises(RunStoreError, match="no run"):
        sqlite_store.get("0" * 32)
    with pytest.raises(RunStoreError, match="status must be one of"):
        sqlite_store.list_runs(status="exploded")
    with pytest.raises(RunStoreError, match="limit"):
        sqlite_store.list_runs(limit=10**9)
    with pytest.raises(RunStoreError, match="since must be a date"):
        sqlite_store.list_runs(since="yesterday-ish")
