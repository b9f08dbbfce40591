"""Smoothed classifier on a linear binary model whose exact smoothed classifier is known."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, model_state
from linear_toy import T, linear2, margins, toy_model, toy_x, weight
from scipy import stats

from tsviz.certify import ABSTAIN, CertResult, Smoothed, binomial_masks


@pytest.fixture
def model():
    return toy_model()


@pytest.fixture
def x():
    return toy_x()


@pytest.mark.parametrize("bound", ["cohen", "renyi"])
def test_radius_never_exceeds_true_distance(model, x, bound):
    sigma = 0.5
    res = Smoothed(model, sigma).certify(x, n0=100, n=2000, alpha=0.001, bound=bound, seed=0)
    z, wn = margins(model, x)
    dist = np.abs(z) / wn
    assert np.all(res.radius <= dist + 1e-9)
    cert = res.prediction != ABSTAIN
    assert cert.sum() >= 6
    np.testing.assert_array_equal(res.prediction[cert], (z[cert] > 0).astype(int))
    assert np.all(res.radius[~cert] == 0)
    assert res.prediction.dtype == np.int64 and res.counts.dtype == np.int64
    assert res.counts.shape == (12, 2) and np.all(res.counts.sum(1) == 2000)


def test_cohen_radius_converges(model, x):
    sigma = 0.5
    n = 100_000
    res = Smoothed(model, sigma).certify(x[:4], n0=100, n=n, alpha=0.001, seed=3)
    z, wn = margins(model, x[:4])
    p = stats.norm.cdf(np.abs(z) / (sigma * wn))
    expect = sigma * stats.norm.ppf(np.minimum(p, 1 - 1e-6))
    ok = (res.prediction != ABSTAIN) & (p < 0.999)
    assert ok.sum() >= 1
    np.testing.assert_allclose(res.radius[ok], expect[ok], atol=0.05)
    assert np.all(res.radius <= np.abs(z) / wn)


@pytest.mark.parametrize("bound", ["cohen", "renyi"])
def test_boundary_sample_abstains(bound):
    m = linear2(torch.ones(T), 0.0)
    x0 = torch.zeros(1, 1, T)
    res = Smoothed(m, 0.5).certify(x0, n0=100, n=1000, bound=bound, seed=0)
    assert res.prediction[0] == ABSTAIN and res.radius[0] == 0.0
    assert Smoothed(m, 0.5).predict(x0, n=1000, seed=0)[0] == ABSTAIN


def test_same_seed_identical_different_seed_differs(model, x):
    s = Smoothed(model, 0.5)
    a = s.certify(x, n0=50, n=300, seed=7)
    b = s.certify(x, n0=50, n=300, seed=7)
    for f in ("prediction", "radius", "p_lower", "counts", "p_upper_runner_up"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    c = s.certify(x, n0=50, n=300, seed=8)
    assert not np.array_equal(a.counts, c.counts)
    g1, g2 = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    np.testing.assert_array_equal(s.counts(x, 200, generator=g1), s.counts(x, 200, generator=g2))


def test_all_ones_masks_equal_unmasked(model, x):
    a = Smoothed(model, 0.5).certify(x, n0=50, n=300, seed=2)
    b = Smoothed(model, 0.5, masks=np.ones((3, T), bool)).certify(x, n0=50, n=300, seed=2)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.prediction, b.prediction)
    np.testing.assert_allclose(a.radius, b.radius)
    assert b.masks.shape == (3, T) and a.masks is None


def test_masks_change_base_classifier(model, x):
    masks = binomial_masks(5, T, 0.6, seed=0)
    res = Smoothed(model, 0.5, masks=masks).certify(x, n0=50, n=300, seed=2)
    assert res.counts.shape == (12, 2) and np.all(res.counts.sum(1) == 300)
    # Exact base decision for one draw: mean over masks of softmax, then argmax.
    g = torch.Generator().manual_seed(0)
    c = Smoothed(model, 1e-8, masks=masks).counts(x, 1, generator=g)
    mt = torch.tensor(np.array(masks), dtype=torch.float32)
    with torch.no_grad():
        p = torch.stack([torch.softmax(model(x * mt[i]), 1) for i in range(5)]).mean(0)
    np.testing.assert_array_equal(c.argmax(1), p.argmax(1).numpy())


def test_batch_size_only_changes_chunking(model, x):
    # Counts depend on how the noise tensor is split into chunks (torch's normal sampler consumes
    # the generator differently for different sizes), so batched == one-by-one is not promised.
    # What is promised: the result is independent of the forward sub-batch size within a chunk.
    a = Smoothed(model, 0.5, masks=np.ones((2, T), bool)).counts(x, 50, seed=1)
    b = Smoothed(model, 0.5, masks=np.ones((2, T), bool), batch_size=10 ** 6).counts(x, 50, seed=1)
    np.testing.assert_array_equal(a, b)
    c = Smoothed(model, 0.5, batch_size=7).counts(x, 50, seed=1)
    assert c.shape == (12, 2) and np.all(c.sum(1) == 50)


def test_ensemble_of_models(model, x):
    other = linear2(-weight(model)[0], -0.1)
    res = Smoothed([model, model], 0.5).certify(x, n0=50, n=300, seed=0)
    single = Smoothed(model, 0.5).certify(x, n0=50, n=300, seed=0)
    np.testing.assert_array_equal(res.counts, single.counts)
    # mirrored members average to probability exactly 1/2: argmax picks class 0 everywhere
    mix = Smoothed((model, other), 0.5).counts(x, 100, seed=0)
    assert np.all(mix[:, 0] == 100)


def test_model_state_unchanged(model, x):
    other = linear2(torch.ones(T), 0.0)
    model.train()
    other.lin.weight.requires_grad_(False)
    before = [model_state(model), model_state(other)]
    Smoothed(model, 0.5).certify(x, n0=20, n=50)
    Smoothed([model, other], 0.5, masks=binomial_masks(2, T, 0.8)).certify(x, n0=20, n=50, bound="renyi")
    Smoothed(model, 0.5).predict(x, n=50)
    assert_model_untouched(model, before[0])
    assert_model_untouched(other, before[1])
    assert model.training and not other.lin.weight.requires_grad


def test_predict_matches_binomtest(model, x):
    s = Smoothed(model, 1.0)
    c = s.counts(x, 200, seed=5)
    pred = s.predict(x, n=200, alpha=0.01, seed=5)
    for i in range(len(c)):
        na, nb = int(c[i].max()), int(c[i].min())
        pv = stats.binomtest(na, na + nb, 0.5).pvalue
        assert pred[i] == (ABSTAIN if pv > 0.01 else int(c[i].argmax()))


def test_result_summary_frame(model, x):
    res = Smoothed(model, 0.5).certify(x, n0=20, n=100, seed=0, progress=lambda f, s: None)
    assert isinstance(res, CertResult)
    s = res.summary()
    assert s["n_samples"] == 12 and 0 <= s["abstain_rate"] <= 1 and s["bound"] == "cohen"
    df = res.to_frame()
    assert list(df.columns[:2]) == ["prediction", "radius"] and len(df) == 12
    assert not res.radius.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.sigma = 1.0


def test_progress_called(model, x):
    seen = []
    Smoothed(model, 0.5, batch_size=64).certify(x, n0=10, n=40, progress=lambda f, m: seen.append(f))
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)


@pytest.mark.parametrize("kw,name", [
    (dict(sigma=0.0), "sigma"), (dict(sigma=-1.0), "sigma"), (dict(alpha=0.5), "alpha"), (dict(alpha=0.0), "alpha"),
    (dict(bound="lp"), "bound"), (dict(masks=np.ones((2, T + 1), bool)), "masks"),
    (dict(masks=np.ones(T, bool)), "masks"),
    (dict(masks=np.ones((65, T), bool)), "masks"), (dict(masks=np.full((2, T), 0.5)), "masks"),
    (dict(n=0), "n"), (dict(n=100_001), "n"), (dict(n0=10_001), "n0"), (dict(batch_size=0), "batch_size"),
    (dict(batch_size="big"), "batch_size"), (dict(seed=-1), "seed"), (dict(generator=3), "generator"),
    (dict(generator=torch.Generator(), seed=1), "generator or seed"),
])
def test_bad_args(model, x, kw, name):
    ctor = {k: kw.pop(k) for k in ("sigma", "masks", "batch_size") if k in kw}
    s = Smoothed(model, ctor.pop("sigma", 0.5), **ctor)
    with pytest.raises(ValueError, match=name):
        s.certify(x, **{"n0": 10, "n": 20, **kw})


def test_bad_x_and_model(model):
    with pytest.raises(ValueError, match="x"):
        Smoothed(model, 0.5).certify(torch.zeros(2, T), n0=5, n=5)
    with pytest.raises(ValueError, match="x"):
        Smoothed(model, 0.5).certify(torch.full((1, 1, T), float("nan")), n0=5, n=5)
    with pytest.raises(ValueError, match="model"):
        Smoothed([], 0.5).certify(torch.zeros(1, 1, T), n0=5, n=5)


def test_auto_batch_measures_activations():
    """'auto' sizes chunks from the model's activations, not the input size (a wide model gets
    fewer rows per forward, so certification cannot run out of memory on big networks)."""
    from torch import nn

    from tsviz.certify.batching import (
        ACTIVATION_BUDGET,
        CPU_LAYER_BUDGET,
        MAX_AUTO_ROWS,
        activation_elements_per_row,
        auto_batch_rows,
    )

    small = nn.Sequential(nn.Flatten(), nn.Linear(8, 2))
    x = torch.zeros(3, 1, 8)
    assert activation_elements_per_row([small], x) == (8 + 2, 8)
    assert auto_batch_rows([small], x) == MAX_AUTO_ROWS
    wide = nn.Sequential(nn.Conv1d(1, 4096, 3, padding=1), nn.Flatten(), nn.Linear(4096 * 8, 2))
    total, largest = activation_elements_per_row([wide], x)
    assert (total, largest) == (4096 * 8 * 2 + 2, 4096 * 8)
    # on CPU the largest layer (cache) bound is the tighter one here
    assert auto_batch_rows([wide], x) == min(ACTIVATION_BUDGET // total, CPU_LAYER_BUDGET // largest) == 64
