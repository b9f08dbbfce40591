"""The reaper judges only this host's runs and only by whether their process is still the same one;
``import tsviz.runs`` stays light."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from tsviz.runs import provenance
from tsviz.runs.schema import Run

REPO = Path(__file__).resolve().parents[2]


def test_pid_alive():
    me = os.getpid()
    assert provenance.pid_alive(me, provenance.proc_start(me))
    assert provenance.pid_alive(me, None)
    assert not provenance.pid_alive(me, "not-the-start-time")            # a reused pid
    assert not provenance.pid_alive(None, None) and not provenance.pid_alive(0, None)
    assert not provenance.pid_alive(2**22 + 12345, None)                 # above Linux's pid_max


def test_reap_touches_only_dead_runs_of_this_host(store):
    mine = store.start("attack", params={})                              # this live process: kept
    other_host = store.start("attack", params={})
    dead_here = store.start("attack", params={})
    reused = store.start("attack", params={})
    with store._session(write=True) as s:
        s.execute(update(Run).where(Run.id == other_host.id).values(host="another-machine", pid=2**22 + 1))
        s.execute(update(Run).where(Run.id == dead_here.id).values(pid=2**22 + 2))
        s.execute(update(Run).where(Run.id == reused.id).values(proc_start="0:0"))
    assert sorted(store.reap()) == sorted([dead_here.id, reused.id])
    assert [store.get(r.id).status for r in (mine, other_host, dead_here, reused)] == \
        ["running", "running", "interrupted", "interrupted"]
    assert store.reap() == []
    mine.finish()
    assert store.get(mine.id).status == "done"


def test_import_is_light():
    code = ("import sys, tsviz.runs; from tsviz.runs import RUN_KINDS, RunStoreError, RunRecord; "
            "bad = [m for m in ('sqlalchemy', 'alembic', 'psycopg', 'torch', 'streamlit', 'pandas', 'numpy') "
            "if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
