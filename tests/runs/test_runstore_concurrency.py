"""Several processes at once (multiprocessing, spawn): two writers lose nothing; a writer killed with
SIGKILL leaves every committed run intact and its unfinished run "interrupted" after reap."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

N_RUNS = 50


def _writer(url: str, home: str, tag: str, n: int, barrier) -> None:
    from tsviz.runs import open_store

    store = open_store(url, home=home)
    barrier.wait(60)  # both processes write at the same time
    for i in range(n):
        with store.record("other", params={"tag": tag, "i": i}, seeds={"seed": i}, label=f"{tag}-{i}") as run:
            run.log_metrics(i=i)


def _endless_writer(url: str, home: str, ready: str) -> None:
    from tsviz.runs import open_store

    store = open_store(url, home=home)
    i = 0
    while True:
        with store.record("attack", params={"i": i}) as run:
            run.save_arrays("a", x=np.full((2, 3), i, dtype=np.int64))
            run.log_metrics(i=i)
        i += 1
        if i == 5:
            Path(ready).write_text("5")


def _hanging_run(url: str, home: str, ready: str) -> None:
    from tsviz.runs import open_store

    store = open_store(url, home=home)
    for i in range(3):
        with store.record("training", params={"i": i}) as run:
            run.log_metrics(i=i)
    run = store.start("certification", params={"sigma": 0.25})
    run.save_arrays("partial", radius=np.arange(4.0))
    Path(ready).write_text(run.id)
    time.sleep(600)


def _wait_for(path: Path, proc: mp.Process, timeout: float = 60) -> None:
    t0 = time.monotonic()
    while not path.exists():
        assert proc.is_alive(), f"writer died with exit code {proc.exitcode}"
        assert time.monotonic() - t0 < timeout, "writer did not get going"
        time.sleep(0.05)


@pytest.fixture
def ctx():
    return mp.get_context("spawn")


def test_two_processes_writing_at_once_lose_nothing(ctx, db_url, tmp_path, store):
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(db_url, str(tmp_path / "home"), tag, N_RUNS, barrier))
             for tag in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    runs = store.list_runs(limit=1000)
    assert len(runs) == 2 * N_RUNS and all(r.status == "done" for r in runs)
    got = sorted((r.params["tag"], r.params["i"], r.metrics["i"], r.seeds["seed"]) for r in runs)
    assert got == sorted((t, i, i, i) for t in ("a", "b") for i in range(N_RUNS))
    assert len({r.id for r in runs}) == 2 * N_RUNS


def test_sigkill_leaves_committed_runs_and_marks_the_killed_one_interrupted(ctx, db_url, tmp_path):
    from tsviz.runs import close_stores, open_store

    home = str(tmp_path / "home")
    ready = tmp_path / "ready"
    proc = ctx.Process(target=_hanging_run, args=(db_url, home, str(ready)))
    proc.start()
    _wait_for(ready, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    killed = ready.read_text()
    close_stores()
    store = open_store(db_url, home=home)                      # opening reaps this host's dead runs
    rec = store.get(killed)
    assert rec.status == "interrupted" and "ended without finishing" in rec.error and rec.finished_at is None
    assert store.load_arrays(killed, "partial")["radius"].tolist() == [0.0, 1.0, 2.0, 3.0]   # kept what it wrote
    done = store.list_runs(kind="training")
    assert sorted(r.metrics["i"] for r in done) == [0, 1, 2] and all(r.status == "done" for r in done)
    assert store.reap() == []


def test_sigkill_in_the_middle_of_writes(ctx, db_url, tmp_path):
    """Killed at a random point of a stream of commits: the database stays sound, every run marked done
    has its metrics and its artifact, at most one run is left unfinished, and reap marks it."""
    from sqlalchemy import text

    from tsviz.runs import close_stores, open_store

    home = str(tmp_path / "home")
    ready = tmp_path / "ready"
    proc = ctx.Process(target=_endless_writer, args=(db_url, home, str(ready)))
    proc.start()
    _wait_for(ready, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    close_stores()
    store = open_store(db_url, home=home)
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    runs = store.list_runs(limit=10_000)
    done = [r for r in runs if r.status == "done"]
    assert len(done) >= 5 and len(runs) - len(done) <= 1
    assert all(r.status == "interrupted" for r in runs if r.status != "done")
    for r in done:
        assert store.load_arrays(r.id, "a")["x"].tolist() == [[r.params["i"]] * 3] * 2
        assert r.metrics == {"i": r.params["i"]}
    assert sorted(r.params["i"] for r in done) == list(range(len(done)))
