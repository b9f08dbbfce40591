"""Shared fixtures: the temporary TSVIZ_HOME of every test and tiny datasets (real data: realdata.py)."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _tsviz_home(tmp_path_factory, monkeypatch):
    """Everything the app writes goes under TSVIZ_HOME: a temporary one for every test (never ~/.tsviz)."""
    monkeypatch.setenv("TSVIZ_HOME", str(tmp_path_factory.getbasetemp() / "tsviz-home"))


@pytest.fixture(scope="module")
def one_torch_thread():
    """torch on one thread for a module of tiny networks (thread start-up costs more than it saves)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def tiny_dataset():
    """3 classes, 1 channel, T=32: a class-dependent bump on noise (learnable in a few epochs)."""
    from tsviz.data import Dataset

    rng = np.random.default_rng(0)

    def make(n):
        y = np.arange(n) % 3
        t = np.linspace(0, 1, 32)
        bump = np.exp(-((t[None, :] - (0.2 + 0.3 * y[:, None])) ** 2) / 0.005)
        X = 0.1 * rng.standard_normal((n, 1, 32)) + bump[:, None, :]
        return X.astype(np.float32), y

    Xtr, ytr = make(60)
    Xte, yte = make(30)
    return Dataset("tiny", Xtr, ytr, Xte, yte, ("a", "b", "c"), fs=32.0, unit="mV", meta={"spec": "tiny"})
