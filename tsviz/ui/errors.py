"""Showing errors as messages, never tracebacks, and never the content of a file.

Messages of :class:`tsviz.core.TsvizError` (every library family's error class) are written for
users and shown. Other exceptions may quote what they were parsing (``could not convert string to
float: 'alice'``), so where a file from the server or an upload is being read (``reading=True``)
only their type is shown, and an unexpected exception (not a ``ValueError``-like user error) is
always shown by its type alone; the full exception goes to the server log.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from tsviz.core.errors import TsvizError

log = logging.getLogger(__name__)

#: Exceptions whose message is written for users (DataError, CheckpointError are ValueErrors).
USER_ERRORS = (ValueError, FileNotFoundError, FloatingPointError, KeyError)
#: Longest message shown (characters).
MAX_MESSAGE = 600


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def error_text(exc: BaseException, what: str, *, reading: bool = False) -> str:
    """The message shown for ``exc`` (see the module docstring); at most :data:`MAX_MESSAGE` characters.

    Parameters
    ----------
    exc : BaseException
        What was raised.
    what : str
        What failed, written by the page ("Could not load dataset").
    reading : bool
        Whether a file (server path or upload) was being read: then only a :class:`TsvizError`'s
        own message is shown, since other exceptions may quote the file's content.
    """
    if isinstance(exc, TsvizError) or (isinstance(exc, USER_ERRORS) and not reading):
        return _clip(f"{what}: {exc}")
    if reading:
        return _clip(f"{what}: the file could not be read ({type(exc).__name__}); nothing was changed.")
    return _clip(f"{what} failed unexpectedly ({type(exc).__name__}); nothing was changed. "
                 "The details are in the server's log.")


def show_error(exc: BaseException, what: str, *, reading: bool = False) -> None:
    """``st.error`` with what failed and why (:func:`error_text`); anything not written for users is
    logged with its traceback."""
    if not isinstance(exc, TsvizError) and (reading or not isinstance(exc, USER_ERRORS)):
        log.error("%s", what, exc_info=exc)
    st.error(error_text(exc, what, reading=reading))


@contextmanager
def guard(what: str) -> Iterator[None]:
    """``with guard("Could not show the results"):`` shows any exception in the block with
    :func:`show_error` instead of a traceback (``st.stop``/``st.rerun`` pass through)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - shown to the user
        show_error(exc, what)


def flash(level: str, text: str) -> None:
    """Queue a message shown once on the next run (survives st.rerun)."""
    from tsviz.ui import state

    st.session_state.setdefault(state.MESSAGES, []).append((level, text))


def show_flashes() -> None:
    from tsviz.ui import state

    for level, text in st.session_state.pop(state.MESSAGES, []):
        getattr(st, level)(text)
