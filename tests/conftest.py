"""Shared fixtures: tiny datasets and the location of the real data some tests read.

Real data (UCR folders such as ``ucr/ECG200``, MIT-BIH records ``mitdb/``, ``svdb/``) is read from
the folder ``TSVIZ_TEST_DATA`` names, by default ``shared/data`` beside the repository (the
team's copy); tests that need it skip, with the reason, when it is absent. It is never copied into
the repository.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TSVIZ_TEST_DATA") or REPO.parent / "shared" / "data").expanduser()


@pytest.fixture(autouse=True)
def _tsviz_home(tmp_path_factory, monkeypatch):
    """Everything the app writes goes under TSVIZ_HOME: a temporary one for every test (never ~/.tsviz)."""
    monkeypatch.setenv("TSVIZ_HOME", str(tmp_path_factory.getbasetemp() / "tsviz-home"))


def shared_data(*parts: str) -> Path:
    """Path under the real-data folder, skipping the test with a reason when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not available: {p} is absent (set TSVIZ_TEST_DATA to a folder with "
                    f"ucr/<NAME>/ and mitdb/ — see the README's Development section)")
    return p


@pytest.fixture
def tiny_dataset():
    """3 classes, 1 channel, T=32: a class-dependent bump on noise (learnable in a few epochs)."""
    from tsviz.data import Dataset

    rng = np.random.default_rng(0)

    def make(n):
        y = np.arange(n) % 3
        t = np.linspace(0, 1, 32)
        X = 0.1 * rng.standard_normal((n, 1, 32)) + np.exp(-((t[None, :] - (0.2 + 0.3 * y[:, None])) ** 2) / 0.005)[:, None, :]
        return X.astype(np.float32), y

    Xtr, ytr = make(60)
    Xte, yte = make(30)
    return Dataset("tiny", Xtr, ytr, Xte, yte, ("a", "b", "c"), fs=32.0, unit="mV", meta={"spec": "tiny"})
