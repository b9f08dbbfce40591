"""Bridge from the library's ``progress(fraction, message)`` callbacks to a streamlit bar."""
from __future__ import annotations

import streamlit as st


class ProgressBar:
    """Callable ``(fraction, message)`` that drives an ``st.progress`` bar."""

    def __init__(self, label: str) -> None:
        self._bar = st.progress(0.0, text=label)

    def __call__(self, fraction: float, message: str) -> None:
        self._bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    def empty(self) -> None:
        self._bar.empty()
