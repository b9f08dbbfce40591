"""Showing errors as messages, never tracebacks."""
from __future__ import annotations

import logging

import streamlit as st

log = logging.getLogger(__name__)

#: Exceptions whose message is written for users (DataError, CheckpointError are ValueErrors).
USER_ERRORS = (ValueError, FileNotFoundError, FloatingPointError, KeyError)


def show_error(exc: BaseException, what: str) -> None:
    """``st.error`` with what failed and why; unexpected errors are logged with their traceback."""
    if isinstance(exc, USER_ERRORS):
        st.error(f"{what}: {exc}")
    else:
        log.exception("%s failed", what)
        st.error(f"{what} failed unexpectedly ({type(exc).__name__}: {exc}). Nothing was changed.")


def flash(level: str, text: str) -> None:
    """Queue a message shown once on the next run (survives st.rerun)."""
    from tsviz.ui import state

    st.session_state.setdefault(state.MESSAGES, []).append((level, text))


def show_flashes() -> None:
    from tsviz.ui import state

    for level, text in st.session_state.pop(state.MESSAGES, []):
        getattr(st, level)(text)
