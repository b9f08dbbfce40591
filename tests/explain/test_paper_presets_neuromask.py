"""NeuroMask's paper setting (M. Alzantot, "Secure and private machine learning for smart devices",
UCLA 2019, ch. 5, Algorithm 4): initial weights U(-tau, tau) with tau = 20, beside tsviz's U(-3, 3)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, linear_model, model_state

from tsviz.explain import ExplainError, neuromask
from tsviz.explain.neuromask import NEUROMASK_PRESETS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: Section 5.4: "The tau (we pick its value equal 20)"; Algorithm 4 line 3 "W ~ Uniform(-tau, tau)";
#: line 5 "x_bar = sigma(W) . x" (no baseline: masked steps become 0).
PAPER_TAU = 20.0
T = 16


@pytest.fixture
def setup():
    model = linear_model(1, T, 3, seed=0)
    x = torch.randn(4, 1, T, generator=torch.Generator().manual_seed(1))
    return model, x


def _initial_weights(init: float, n: int = 4, seed: int = 0) -> torch.Tensor:
    """Algorithm 4 line 3 as neuromask draws it: U(-init, init) from a CPU generator seeded ``seed``."""
    return (torch.rand((n, 1, T), generator=torch.Generator().manual_seed(seed)) * 2 - 1) * init


def test_the_paper_preset_is_algorithm_4():
    assert NEUROMASK_PRESETS == {"paper": {"init_scale": None, "tau": PAPER_TAU, "baseline": "zero"}}


@pytest.mark.parametrize("kw,init", [({}, 3.0), ({"preset": "paper"}, PAPER_TAU), ({"init_scale": None}, PAPER_TAU),
                                     ({"init_scale": None, "tau": 8.0}, 8.0)])
def test_initial_mask_is_sigmoid_of_uniform_weights(setup, kw, init):
    model, x = setup
    r = neuromask(model, x, steps=1, history_every=1, seed=0, **kw)
    expected = torch.sigmoid(_initial_weights(init))[:, 0].numpy()
    np.testing.assert_array_equal(r.history[0], expected)
    assert r.params["init_scale"] == init and r.params["preset"] == kw.get("preset")


def test_init_ranges(setup):
    """U(-3, 3) keeps every initial mask value in [sigmoid(-3), sigmoid(3)]; U(-20, 20) puts about
    85 % of them outside (|W| > 3), most near 0 or 1."""
    model, x = setup
    lo, hi = 1 / (1 + np.exp(3)), 1 / (1 + np.exp(-3))
    default = neuromask(model, x, steps=1, seed=0).history[0]
    paper = neuromask(model, x, steps=1, seed=0, preset="paper").history[0]
    assert ((default >= lo - 1e-7) & (default <= hi + 1e-7)).all()
    outside = float(((paper < lo) | (paper > hi)).mean())
    assert 0.7 < outside <= 1.0


def test_same_seed_same_mask_and_model_untouched(setup):
    model, x = setup
    before = model_state(model)
    a = neuromask(model, x, steps=5, seed=3, preset="paper")
    b = neuromask(model, x, steps=5, seed=3, preset="paper")
    np.testing.assert_array_equal(a.mask, b.mask)
    assert_model_untouched(model, before)


@pytest.mark.parametrize("kw", [{"preset": "paper", "init_scale": 3.0}, {"preset": "paper", "baseline": "mean"},
                                {"preset": "paper", "tau": 20.5, "init_scale": 20.0}, {"preset": "alzantot"},
                                {"preset": 1}])
def test_bad_presets_raise(setup, kw):
    model, x = setup
    with pytest.raises(ExplainError, match="preset"):
        neuromask(model, x, steps=1, **kw)
