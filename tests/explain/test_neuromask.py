"""NeuroMask (dissertation ch. 5, Algorithm 4) on tiny models with a known relevant window."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, model_state
from torch import nn

from tsviz.explain.neuromask import MAX_NEUROMASK_SAMPLES, MAX_NEUROMASK_STEPS, MaskResult, neuromask

T, A, B = 60, 25, 35


class Window(nn.Module):
    """Logits (s, -s) with s = scale * sum of x over steps [A, B): only the window matters."""

    def __init__(self, scale: float = 0.2) -> None:
        super().__init__()
        self.lin = nn.Linear(T, 2)
        w = torch.zeros(2, T)
        w[0, A:B], w[1, A:B] = scale, -scale
        self.lin.weight.data, self.lin.bias.data = w, torch.zeros(2)
        self.bn = nn.BatchNorm1d(1)  # a module with train/eval behaviour to check the mode is restored

    def forward(self, x):
        return self.lin(x[:, 0])


@pytest.fixture
def x():
    return torch.rand(6, 1, T, generator=torch.Generator().manual_seed(0)) + 0.5


def _inside(mask: np.ndarray) -> np.ndarray:
    return mask[:, A:B].sum(1) / mask.sum(1)


def test_mask_concentrates_on_the_relevant_window(x):
    r = neuromask(Window(), x, steps=300)
    assert isinstance(r, MaskResult)
    assert r.mask.shape == (6, T) and r.mask.dtype == np.float32
    assert (r.mask >= 0).all() and (r.mask <= 1).all()
    assert _inside(r.mask).min() > 0.9
    assert (r.target == 0).all()
    assert (r.masked_prob > 0.5).all()  # the prediction is kept under the mask


def test_history_and_losses(x):
    r = neuromask(Window(), x, steps=40, history_every=10)
    assert r.history_steps.tolist() == [0, 10, 20, 30, 40]
    assert r.history.shape == (5, 6, T)
    np.testing.assert_array_equal(r.history[-1], r.mask)
    assert r.losses.shape == (41, 5)
    df = r.loss_frame()
    assert list(df.columns) == ["step", "total", "pred", "sparse", "smooth"]
    # the total is the weighted sum of the terms (lambda_p=1 and the defaults)
    np.testing.assert_allclose(df["total"], df["pred"] + 0.01 * df["sparse"] + 0.002 * df["smooth"], rtol=1e-5)
    assert df["total"].iloc[-1] < df["total"].iloc[0]
    s = r.summary()
    assert s["n"] == 6 and s["steps"] == 40 and 0 <= s["active_fraction"] <= 1


def test_sparsity_weight_gives_fewer_active_steps(x):
    lo = neuromask(Window(), x, steps=150, lambda_sp=0.002)
    hi = neuromask(Window(), x, steps=150, lambda_sp=0.02)
    assert hi.mask.sum() < lo.mask.sum()
    assert hi.active_fraction(0.1).mean() <= lo.active_fraction(0.1).mean()


def test_smoothness_weight_gives_smoother_masks(x):
    def roughness(r):  # sum of |second difference| of the weights logit(m)
        w = np.log(r.mask / (1 - r.mask))
        return np.abs(np.diff(w, n=2, axis=1)).sum(1).mean()

    rough = neuromask(Window(), x, steps=150, lambda_sm=0.0)
    smooth = neuromask(Window(), x, steps=150, lambda_sm=0.05)
    assert roughness(smooth) < 0.5 * roughness(rough)


def test_hand_values_of_the_first_loss():
    """Step 0: with W fixed to 0 by init_scale ~ 0, m = 1/2, L_sparse = T * tau, L_smooth = 0."""
    model = Window()
    x = torch.ones(1, 1, T)
    r = neuromask(model, x, steps=1, init_scale=1e-9, tau=5.0)
    pred0, sparse0, smooth0 = r.losses[0, 2:]
    s = 0.2 * (B - A) * 0.5  # half of each in-window value survives the mask
    assert pred0 == pytest.approx(np.log1p(np.exp(-2 * s)), rel=1e-5)
    assert sparse0 == pytest.approx(T * 5.0, rel=1e-6)
    assert smooth0 == pytest.approx(0.0, abs=1e-6)


def test_same_seed_same_mask_and_batched_equals_single(x):
    model = Window()
    a = neuromask(model, x, steps=30, seed=3)
    b = neuromask(model, x, steps=30, seed=3)
    np.testing.assert_array_equal(a.mask, b.mask)
    c = neuromask(model, x, steps=30, seed=4)
    assert not np.array_equal(a.mask, c.mask)
    # each series only sees its own gradient: same initial weights -> same mask as a run alone
    g = torch.Generator().manual_seed(3)
    full = neuromask(model, x, steps=30, generator=g)
    g1 = torch.Generator().manual_seed(3)
    torch.rand((1, 1, T), generator=g1)  # skip series 0's initial weights
    one = neuromask(model, x[1:2], steps=30, generator=g1)
    np.testing.assert_allclose(one.mask[0], full.mask[1], atol=1e-5)


def test_model_untouched(x):
    model = Window()
    model.train()
    model.lin.weight.requires_grad_(True)
    model.lin.bias.requires_grad_(False)
    before = model_state(model)
    neuromask(model, x, steps=5)
    assert_model_untouched(model, before)
    assert model.training and model.bn.training and model.lin.weight.grad is None


def test_per_channel_and_baselines():
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * T, 3))
    x = torch.randn(2, 2, T, generator=torch.Generator().manual_seed(1))
    r = neuromask(model, x, steps=5, per_channel=True, baseline="blur")
    assert r.mask.shape == (2, 2, T) and r.history.shape[1:] == (2, 2, T)
    for b in ("zero", "mean"):
        assert neuromask(model, x, steps=3, baseline=b, target=[1, 2]).target.tolist() == [1, 2]


@pytest.mark.parametrize("kw, msg", [
    ({"steps": MAX_NEUROMASK_STEPS + 1}, "steps"),
    ({"steps": 0}, "steps"),
    ({"target": 2}, "target"),
    ({"target": [0, 1, 0]}, "target"),
    ({"lr": 0}, "lr"),
    ({"lambda_sp": -1}, "lambda_sp"),
    ({"baseline": "noise"}, "baseline"),
    ({"tau": 0}, "tau"),
    ({"seed": -1}, "seed"),
])
def test_bad_input(x, kw, msg):
    with pytest.raises(ValueError, match=msg):
        neuromask(Window(), x, **{"steps": 2, **kw})


def test_bad_x():
    with pytest.raises(ValueError, match="shape"):
        neuromask(Window(), torch.zeros(3, T), steps=2)
    with pytest.raises(ValueError, match="at most 1000 series"):
        neuromask(Window(), torch.zeros(MAX_NEUROMASK_SAMPLES + 1, 1, T), steps=2)
    with pytest.raises(ValueError, match="NaN"):
        neuromask(Window(), torch.full((1, 1, T), float("nan")), steps=2)
    with pytest.raises(ValueError, match="nn.Module"):
        neuromask("model", torch.zeros(1, 1, T), steps=2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda(x):
    r = neuromask(Window().cuda(), x.cuda(), steps=20)
    assert r.mask.shape == (6, T)
