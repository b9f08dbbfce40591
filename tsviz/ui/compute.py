"""How many long runs the server does at once, and with how many torch threads each.

All sessions of a Streamlit server share one process, and torch's thread pool is process-wide, so a
per-session thread count cannot be set. Instead the server

* sets torch's intra-op threads once to ``TSVIZ_TORCH_THREADS`` (default: half the CPU cores, at
  least 1), and
* lets at most ``TSVIZ_MAX_RUNS`` long runs (attacks, certifications, explanations, training,
  ODENet fits, comparisons) compute at once (default: cores // threads, at least 1); a further run
  waits for a free slot, and its page says so.

So threads x runs never exceeds the cores, and several users slow each other down fairly instead of
thrashing the CPU (measured in issue 18: 4-10x slower runs with about 50 % system time when every
session used every core). Read once at import; documented in the README ("Serving tsviz to others").
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["THREADS_ENV", "RUNS_ENV", "torch_threads", "max_runs", "compute_slot", "configure_threads"]

THREADS_ENV = "TSVIZ_TORCH_THREADS"
RUNS_ENV = "TSVIZ_MAX_RUNS"


def _positive_int(env: str, default: int) -> int:
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if value >= 1 else default


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def torch_threads() -> int:
    """Torch intra-op threads of the server: ``TSVIZ_TORCH_THREADS``, else half the cores (>= 1)."""
    return _positive_int(THREADS_ENV, max(1, _cores() // 2))


def max_runs() -> int:
    """Long runs computing at once: ``TSVIZ_MAX_RUNS``, else ``cores // torch_threads()`` (>= 1)."""
    return _positive_int(RUNS_ENV, max(1, _cores() // torch_threads()))


_configured = False
_lock = threading.Lock()
_slots = threading.BoundedSemaphore(max_runs())
_waiting = 0


def configure_threads() -> None:
    """Set torch's intra-op threads to :func:`torch_threads` (once per process)."""
    global _configured
    with _lock:
        if not _configured:
            torch.set_num_threads(torch_threads())
            _configured = True


@contextmanager
def compute_slot(on_wait=None, poll_s: float = 0.5) -> Iterator[None]:
    """Hold one of the :func:`max_runs` compute slots for the block.

    Parameters
    ----------
    on_wait : callable, optional
        Called as ``on_wait(n_waiting)`` every ``poll_s`` seconds while no slot is free (a page shows
        "waiting for a free slot"); a Streamlit call here also lets a Cancel click stop the wait.
    """
    global _waiting
    configure_threads()
    if not _slots.acquire(blocking=False):
        with _lock:
            _waiting += 1
        try:
            while not _slots.acquire(timeout=poll_s):
                if on_wait is not None:
                    on_wait(_waiting)
        finally:
            with _lock:
                _waiting -= 1
    try:
        yield
    finally:
        _slots.release()
