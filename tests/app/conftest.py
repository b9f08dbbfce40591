"""Fixtures of the app tests: an isolated TSVIZ_HOME per test, a tiny NPZ dataset.

Helpers (``app``, ``no_errors``) are in :mod:`apptest_helpers`. The fixtures are not autouse, so
that the browser tests (``test_browser.py``, ``test_load.py``) keep their own server setup; AppTest
modules opt in with ``pytestmark = pytest.mark.usefixtures("app_home")``.
"""
from __future__ import annotations

import numpy as np
import pytest
from apptest_helpers import REPO


@pytest.fixture
def app_home(tmp_path, monkeypatch):
    """``TSVIZ_HOME`` in a fresh temporary folder (returned), no ``TSVIZ_DATA_ROOTS`` or
    ``TSVIZ_MAX_COST`` from the environment, the repository as working directory, and empty
    ``st.cache_data`` caches (AppTest gives every session the same id, so per-session caches would
    carry results from one test into the next; datasets and models in ``st.cache_resource`` are kept)."""
    import streamlit as st

    st.cache_data.clear()
    home = tmp_path / "home"
    monkeypatch.setenv("TSVIZ_HOME", str(home))
    monkeypatch.delenv("TSVIZ_DATA_ROOTS", raising=False)
    monkeypatch.delenv("TSVIZ_MAX_COST", raising=False)
    monkeypatch.chdir(REPO)
    return home


@pytest.fixture
def tiny_npz(tmp_path):
    """A 2-class NPZ dataset (40 train / 20 test series of length 48: sine vs cosine) no zoo model fits."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 48)

    def make(n):
        y = np.arange(n) % 2
        X = 0.1 * rng.standard_normal((n, 48)) + np.where(y[:, None] == 0, np.sin(6 * t), np.cos(6 * t))
        return X.astype(np.float32), y

    Xtr, ytr = make(40)
    Xte, yte = make(20)
    p = tmp_path / "tiny.npz"
    np.savez(p, X_train=Xtr, y_train=ytr, X_test=Xte, y_test=yte, class_names=np.array(["sin", "cos"]), fs=48.0)
    return p


class Stopper:
    """Once ``armed``, the first progress report raises what Streamlit raises at the next ``st`` call
    after a click during a run (the Cancel button); ``seen`` holds the widget ids registered by then."""

    def __init__(self) -> None:
        self.armed = False
        self.seen: list[set] = []

    def arm(self) -> None:
        self.armed = True


@pytest.fixture
def stopper(monkeypatch) -> Stopper:
    """A :class:`Stopper` wired into :class:`tsviz.ui.progress.ProgressBar` (every long action's bar)."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    import tsviz.ui.progress as progress

    stop = Stopper()
    real = progress.ProgressBar.__call__

    def report(self, fraction, message):
        if not stop.armed:
            return real(self, fraction, message)
        stop.seen.append(set(get_script_run_ctx().shared.widget_ids_this_run.snapshot()))
        stop.armed = False
        raise StopException()

    monkeypatch.setattr(progress.ProgressBar, "__call__", report)
    return stop


@pytest.fixture
def stop_next_report(stopper):
    """``arm()``: the next progress report raises what Streamlit raises at the next ``st`` call after
    a click during a run (the Cancel button)."""
    return stopper.arm
