"""Bridge from the library's ``progress(fraction, message)`` callbacks to a streamlit bar.

The bar shows the library's message, the time elapsed and, once a tenth of the work is done (or 3 s
have passed), the time left extrapolated from the rate so far ("… · 12 s elapsed · about 30 s left").
Long actions run inside :func:`tsviz.ui.compute.compute_slot` (a cap on concurrent runs and on torch's
threads); a user stops one by pressing any button (the page's *Cancel*): Streamlit stops the running
script at the next bar update and reruns the page, whose previous results are kept because a result
is stored only when its run finishes.

A :class:`ProgressBar` is made before a cached computation and handed to it as a leading-underscore
parameter (``_progress``, not part of the cache key). The bar appears on the first report only, so
a cache hit shows nothing, and its updates are kept out of ``st.cache_data``'s element replay:
replaying an update of an element made outside the cached function would fail on the next hit
(``CacheReplayClosureError``), and a bar has nothing to replay anyway.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

try:  # the flag st.cache_data reads to record elements made while a cached function runs
    from streamlit.runtime.scriptrunner_utils.script_run_context import in_cached_function as _IN_CACHED
except ImportError:  # pragma: no cover - a Streamlit without it: bars are then not drawn inside cached calls
    _IN_CACHED = None


def _unrecorded(draw: Callable[[], Any]) -> Any:
    """Run ``draw`` (an ``st`` call) so that a running cached function does not record it."""
    if _IN_CACHED is None:
        return None
    token = _IN_CACHED.set(False)
    try:
        return draw()
    finally:
        _IN_CACHED.reset(token)


def format_seconds(seconds: float) -> str:
    """``"8 s"``, ``"2 min 05 s"``, ``"1 h 03 min"`` (rounded up to whole seconds)."""
    s = max(0, int(seconds + 0.999))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def time_left(fraction: float, elapsed: float) -> float | None:
    """Seconds left at ``fraction`` done after ``elapsed`` seconds, from the average rate so far;
    ``None`` until a tenth of the work is done or 3 s have passed (too early to say)."""
    if fraction <= 0 or fraction >= 1 or (fraction < 0.1 and elapsed < 3.0):
        return None
    return elapsed * (1.0 - fraction) / fraction


class ProgressBar:
    """Callable ``(fraction, message)`` that drives an ``st.progress`` bar, made on the first call
    at the place where the ``ProgressBar`` was made (an ``st.empty`` slot), with the time elapsed
    and the time left."""

    def __init__(self, label: str, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self._label = label
        self._slot = st.empty()
        self._bar = None
        self._clock = clock
        self._start = clock()

    def text(self, fraction: float, message: str) -> str:
        """The bar's caption at ``fraction`` done."""
        elapsed = self._clock() - self._start
        left = time_left(fraction, elapsed)
        timing = f"{format_seconds(elapsed)} elapsed" + (f" · about {format_seconds(left)} left" if left else "")
        return f"{message or self._label} · {timing}"

    def __call__(self, fraction: float, message: str) -> None:
        value = min(max(float(fraction), 0.0), 1.0)
        text = self.text(value, message)
        if self._bar is None:
            self._bar = _unrecorded(lambda: self._slot.progress(value, text=text))
        else:
            _unrecorded(lambda: self._bar.progress(value, text=text))

    def empty(self) -> None:
        self._slot.empty()


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressBar]:
    """``with progress_bar("Running…") as bar: cached_call(..., _progress=bar)``: the bar is removed
    afterwards, also when the call fails."""
    bar = ProgressBar(label)
    try:
        yield bar
    finally:
        bar.empty()
