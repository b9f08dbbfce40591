"""Bridge from the library's ``progress(fraction, message)`` callbacks to a streamlit bar.

A :class:`ProgressBar` is made before a cached computation and handed to it as a leading-underscore
parameter (``_progress``, not part of the cache key). The bar appears on the first report only, so
a cache hit shows nothing, and its updates are kept out of ``st.cache_data``'s element replay:
replaying an update of an element made outside the cached function would fail on the next hit
(``CacheReplayClosureError``), and a bar has nothing to replay anyway.
"""
from __future__ import annotations

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


class ProgressBar:
    """Callable ``(fraction, message)`` that drives an ``st.progress`` bar, made on the first call
    at the place where the ``ProgressBar`` was made (an ``st.empty`` slot)."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._slot = st.empty()
        self._bar = None

    def __call__(self, fraction: float, message: str) -> None:
        value = min(max(float(fraction), 0.0), 1.0)
        if self._bar is None:
            self._bar = _unrecorded(lambda: self._slot.progress(value, text=message or self._label))
        else:
            _unrecorded(lambda: self._bar.progress(value, text=message or self._label))

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
