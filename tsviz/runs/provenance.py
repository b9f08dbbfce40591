"""Who ran a run: versions of the software, host, process id and the process's start time.

The start time (Linux: field 22 of ``/proc/<pid>/stat``, clock ticks since boot, with the boot id)
tells a live process from a later one that happens to reuse the pid, so :meth:`RunStore.reap`
does not leave a killed run "running" forever when its pid comes back.
"""
from __future__ import annotations

import os
import platform
import socket
import sys
from functools import lru_cache
from importlib import metadata
from typing import Any

__all__ = ["versions", "host", "proc_start", "pid_alive"]


@lru_cache(maxsize=1)
def versions() -> dict[str, Any]:
    """Versions of tsviz, numpy, torch, pandas, sqlalchemy, python and the platform (no heavy import)."""
    import tsviz

    out: dict[str, Any] = {"tsviz": tsviz.__version__, "python": sys.version.split()[0],
                           "platform": platform.platform(terse=True)}
    for dist in ("numpy", "torch", "pandas", "sqlalchemy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


@lru_cache(maxsize=1)
def host() -> str:
    """This machine's host name (at most 255 characters)."""
    return (socket.gethostname() or "localhost")[:255]


@lru_cache(maxsize=1)
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()[:8]
    except OSError:
        return ""


def proc_start(pid: int) -> str | None:
    """A token of when process ``pid`` started (``None`` where the OS does not tell, or it is gone)."""
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    try:  # the command name (field 2) may hold spaces and parentheses: split after the last ')'
        fields = stat[stat.rindex(")") + 2:].split()
        return f"{_boot_id()}:{fields[19]}"[:32]
    except (ValueError, IndexError):
        return None


def pid_alive(pid: int | None, start: str | None) -> bool:
    """Whether the process that wrote a run is still running on this host.

    ``False`` when the pid does not exist, or exists but started at another time than ``start``
    (a reused pid); a pid that exists but belongs to another user counts as alive.
    """
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except (OverflowError, OSError):
        return False
    if start is not None:
        now = proc_start(pid)
        if now is not None and now != start:
            return False
    if start is not None:  # a zombie (killed, not yet reaped by its parent) is not running
        try:
            with open(f"/proc/{int(pid)}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
            if stat[stat.rindex(")") + 2:].split()[0] in ("Z", "X"):
                return False
        except (OSError, ValueError, IndexError):
            pass
    return True
