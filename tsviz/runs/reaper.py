"""Finding runs whose process died: a run left ``running`` by a process that no longer exists on this
host (SIGKILL, out-of-memory kill, power loss) is marked ``interrupted``.

Only runs of this host are judged (other hosts' processes cannot be seen); a process counts as
gone when its pid does not exist, is a zombie, or belongs to a later process that reused the pid
(its start time differs from the one recorded; see :mod:`tsviz.runs.provenance`).
"""
from __future__ import annotations

from typing import Any

from tsviz.runs import provenance

__all__ = ["INTERRUPTED_NOTE", "reap"]

INTERRUPTED_NOTE = "the process that ran it (host {host}) ended without finishing it; marked interrupted by reap"


def reap(store: Any) -> list[str]:
    """Mark ``interrupted`` every ``running`` run of this host in ``store`` whose process is gone.

    Returns the ids marked. Safe to run from several processes at once (the update only touches
    rows still ``running``).
    """
    from sqlalchemy import select, update

    from tsviz.runs.schema import Run

    me = provenance.host()
    with store._session(doing="listing running runs") as s:
        rows = s.execute(select(Run.id, Run.pid, Run.proc_start).where(Run.host == me, Run.status == "running")).all()
    dead = [r.id for r in rows if not provenance.pid_alive(r.pid, r.proc_start)]
    if dead:
        with store._session(write=True, doing="marking interrupted runs") as s:
            s.execute(update(Run).where(Run.id.in_(dead), Run.status == "running")
                      .values(status="interrupted", error=INTERRUPTED_NOTE.format(host=me)))
    return dead
