"""Helpers every AppTest module shares: running a page, checking it shows no error.

Fixtures (an isolated ``TSVIZ_HOME``, a tiny NPZ dataset) are in ``tests/app/conftest.py``.
"""
from __future__ import annotations

from pathlib import Path

from realdata import SHARED_DATA  # noqa: F401 - the real-data folder (TSVIZ_TEST_DATA), for app tests
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]

#: Seconds one AppTest run may take (a page's first run loads datasets and models).
TIMEOUT = 120


def app(path: str, *, timeout: float = TIMEOUT) -> AppTest:
    """An AppTest of ``path`` (relative to the repository: ``"app.py"``, ``"pages/3_Attack.py"``)."""
    return AppTest.from_file(str(REPO / path), default_timeout=timeout)


def no_errors(at: AppTest) -> None:
    """The last run raised no exception and showed no ``st.error``."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def errors(at: AppTest) -> list[str]:
    """The ``st.error`` messages of the last run (after checking it raised no exception)."""
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def frames(at: AppTest) -> list:
    """The DataFrames shown by the last run (``st.dataframe``), in page order."""
    return [d.value for d in at.dataframe]


def find_elements(node, kind: str, path: tuple = ()) -> list[tuple]:
    """Paths (child indices) of the elements of type ``kind`` (e.g. ``"progress"``) under ``node``."""
    out = []
    for k, child in getattr(node, "children", {}).items():
        if getattr(child, "type", None) == kind:
            out.append((*path, k))
        out += find_elements(child, kind, (*path, k))
    return out
