"""robustness_table / accuracy_vs_eps: the Table I and accuracy-vs-eps views over several models."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import LinearTS, assert_model_untouched, model_state

from tsviz.training.robustness import TABLE1_ATTACKS, accuracy_vs_eps, robustness_table

T = 20


def _linear(scale: float) -> LinearTS:
    """Class 0 iff mean(x) > 0; a larger scale does not change decisions, only margins."""
    return LinearTS(torch.stack([torch.full((T,), scale / T), torch.full((T,), -scale / T)]), C=1, T=T)


@pytest.fixture
def data():
    g = np.random.default_rng(0)
    y = np.arange(40) % 2
    x = (np.where(y == 0, 0.05, -0.05)[:, None, None] + 0.01 * g.standard_normal((40, 1, T))).astype(np.float32)
    return x, y


def test_table_hand_checkable(data):
    x, y = data
    table = robustness_table({"a": _linear(1.0), "b": _linear(5.0)}, x, y)
    assert list(table.columns) == ["model", "true", "fgsm", "bim"]
    assert (table["true"] == 100.0).all()
    # an L-inf budget of 0.1 flips every series whose mean is 0.05 away from the boundary
    assert (table["fgsm"] == 0.0).all() and (table["bim"] == 0.0).all()
    small = robustness_table({"a": _linear(1.0)}, x, y, attacks={"fgsm": {"eps": 0.01}})
    assert small["fgsm"].iloc[0] == 100.0
    assert TABLE1_ATTACKS["bim"]["alpha"] == 0.001


def test_accuracy_vs_eps_long_frame(data):
    x, y = data
    df = accuracy_vs_eps({"a": _linear(1.0)}, x, y, [0.0, 0.01, 0.1], attack="pgd", params={"steps": 5})
    assert list(df["eps"]) == [0.0, 0.01, 0.1] and set(df["model"]) == {"a"}
    np.testing.assert_allclose(df["adversarial_accuracy"], [1.0, 1.0, 0.0])


def test_models_untouched_and_errors(data):
    x, y = data
    m = _linear(1.0)
    m.train()
    before = model_state(m)
    robustness_table({"m": m}, x, y, attacks={"fgsm": {"eps": 0.01}})
    assert_model_untouched(m, before)
    with pytest.raises(ValueError, match="at least one model"):
        robustness_table({}, x, y)
