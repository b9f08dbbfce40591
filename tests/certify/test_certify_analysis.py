"""Fig. 2 curves, per-draw scores and margins (Fig. 3), the soft smoothed classifier, comparisons,
ablations, PGD-L2 attack success (Table 4) and the soundness check, on the linear toy model."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, model_state
from linear_toy import T, linear2, margins, toy_model, toy_x
from scipy import stats

from tsviz.certify import ABSTAIN, Smoothed
from tsviz.certify.ablation import ablation
from tsviz.certify.attack_rate import attack_success_rates
from tsviz.certify.bounds import radius_vs_pa, renyi_radius
from tsviz.certify.compare import CertConfig, certify_configs
from tsviz.certify.margins import noise_margins
from tsviz.certify.soft import SoftSmoothed
from tsviz.certify.soundness import soundness_check


@pytest.fixture
def model():
    return toy_model()


@pytest.fixture
def x():
    return toy_x()


# --------------------------------------------------------------------------- Fig. 2
def test_radius_vs_pa_columns_and_values():
    f = radius_vs_pa(0.5, p_a=[0.6, 0.9, 0.99], orders=(2, 10))
    assert list(f.columns) == ["pA", "Cohen", "Renyi (sup over orders)", "Renyi a=2", "Renyi a=10"]
    np.testing.assert_allclose(f["Cohen"], 0.5 * stats.norm.ppf([0.6, 0.9, 0.99]))
    np.testing.assert_allclose(f["Renyi (sup over orders)"], renyi_radius(np.array([0.6, 0.9, 0.99]),
                                                                         np.array([0.4, 0.1, 0.01]), 0.5))
    # a = 2 by hand: -(2 s^2 / 2) log(1 - 2 M_1 + 2 M_{-1}), M_1 = 1/2, M_{-1} = 2 pA pB / (pA + pB)
    pa = np.array([0.6, 0.9, 0.99])
    hand = np.sqrt(-(0.25) * np.log(1 - 1 + 2 * 2 * pa * (1 - pa)))
    np.testing.assert_allclose(f["Renyi a=2"], hand, rtol=1e-10)
    assert np.all(f["Renyi (sup over orders)"] >= f[["Renyi a=2", "Renyi a=10"]].max(axis=1) - 1e-12)
    assert np.all(np.diff(f["Cohen"]) > 0)


@pytest.mark.parametrize("kw", [dict(p_a=[]), dict(p_a=[1.0]), dict(orders=(1.0,)), dict(p_a=[0.6], p_b=0.5)])
def test_radius_vs_pa_bad_args(kw):
    with pytest.raises(ValueError):
        radius_vs_pa(0.5, **kw)


# --------------------------------------------------------------------------- scores, margins
def test_scores_reproduce_counts(model, x):
    sm = Smoothed(model, 0.5)
    s = sm.scores(x, 200, seed=3)
    assert s.shape == (12, 200, 2) and s.dtype == np.float32 and not s.flags.writeable
    np.testing.assert_allclose(s.sum(-1), 1.0, atol=1e-6)
    c = sm.counts(x, 200, seed=3)
    votes = (s.argmax(-1)[..., None] == np.arange(2)).sum(1)
    np.testing.assert_array_equal(votes, c)


def test_noise_margins_hand_values(model, x):
    sm = Smoothed(model, 0.5)
    m = noise_margins(sm, x, 300, seed=1)
    s = sm.scores(x, 300, seed=1)
    a = m.top_class
    z, _ = margins(model, x)
    np.testing.assert_array_equal(a[np.abs(z) > 0.5], (z[np.abs(z) > 0.5] > 0).astype(int))
    top = s[np.arange(12), :, a]
    np.testing.assert_allclose(m.top_score, top)
    np.testing.assert_allclose(m.margin, 2 * top - 1, atol=1e-6)  # two classes: c_A - c_B = 2 c_A - 1
    np.testing.assert_allclose(m.p_positive, sm.counts(x, 300, seed=1)[np.arange(12), a] / 300)
    y = np.zeros(12, dtype=int)
    np.testing.assert_allclose(noise_margins(sm, x, 300, y=y, seed=1).top_score, s[:, :, 0])
    with pytest.raises(ValueError, match="y must"):
        noise_margins(sm, x, 10, y=np.full(12, 5))


def test_margins_ensemble_reduces_variance():
    """Theorem 4.3 in miniature: averaging masks shrinks the spread of the margin."""
    g = torch.Generator().manual_seed(4)
    model = linear2(torch.randn(T, generator=g), 0.0)
    x = torch.ones(3, 1, T) * 0.3
    single = noise_margins(Smoothed(model, 1.0), x, 2000, seed=0).margin.std()
    masks = np.ones((16, T), bool)
    masks[np.arange(16), np.arange(16) % T] = False
    ens = noise_margins(Smoothed(model, 1.0, masks=masks), x, 2000, seed=0).margin.std()
    assert ens <= single


def test_scores_cap(model):
    with pytest.raises(ValueError, match="exceeds"):
        Smoothed(model, 0.5).scores(torch.zeros(10_000, 1, T), 10_000)


# --------------------------------------------------------------------------- soft classifier
def test_soft_smoothed_is_log_probability_and_differentiable(model, x):
    sm = Smoothed(model, 1e-6)
    soft = SoftSmoothed(sm, 4, torch.Generator().manual_seed(0))
    lp = soft(x)
    assert lp.shape == (12, 2)
    np.testing.assert_allclose(lp.exp().sum(1).detach(), 1.0, atol=1e-5)
    np.testing.assert_allclose(lp.detach(), torch.log_softmax(model(x), 1).detach(), atol=1e-4)
    xr = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(soft(xr)[:, 1].sum(), xr)
    assert torch.isfinite(g).all() and g.abs().sum() > 0
    for bad in (dict(draws=0), dict(draws=True), dict(generator="g"), dict(seed=1)):
        kw = dict(smoothed=sm, draws=2, generator=torch.Generator())
        kw.update(bad)
        with pytest.raises(ValueError):
            SoftSmoothed(**kw)


# --------------------------------------------------------------------------- comparisons, ablation
def test_certify_configs_matches_direct_calls(model, x):
    y = (margins(model, x)[0] > 0).astype(int)
    cfgs = [CertConfig("Single", model, 0.5), CertConfig("M_B", model, 0.5, "binomial", 3, keep=0.75, mask_seed=2)]
    cmp = certify_configs(cfgs, x, y, n0=20, n=200, alpha=0.01, radii=[0.0, 0.1], seed=5)
    direct = Smoothed(model, 0.5).certify(x, n0=20, n=200, alpha=0.01, seed=5)
    np.testing.assert_array_equal(cmp.results["Single"].radius, direct.radius)
    assert cmp.results["M_B"].masks.shape == (3, T)
    t = cmp.table
    assert list(t["label"]) == ["Single", "M_B"] and list(t["m"]) == [0, 3]
    assert {"clean_accuracy", "acr", "abstain_rate", "certified_at_0", "certified_at_0.1", "seconds"} <= set(t.columns)
    np.testing.assert_allclose(t["clean_accuracy"], t["certified_at_0"])
    assert cmp.radii.shape == (200,) and cmp.curves["Single"].shape == (200,)
    assert np.all(np.diff(cmp.curves["Single"]) <= 0)


def test_certify_configs_bad_args(model, x):
    y = np.zeros(12, int)
    with pytest.raises(ValueError, match="distinct"):
        certify_configs([CertConfig("a", model, 0.5), CertConfig("a", model, 0.5)], x, y, n0=5, n=5)
    with pytest.raises(ValueError, match="labels"):
        certify_configs([CertConfig("a", model, 0.5)], x, y[:3], n0=5, n=5)
    with pytest.raises(ValueError, match="mask_kind"):
        certify_configs([CertConfig("a", model, 0.5, mask_kind="zigzag")], x, y, n0=5, n=5)
    with pytest.raises(ValueError, match="configs"):
        certify_configs([], x, y)


def test_ablation_grid(model, x):
    y = (margins(model, x)[0] > 0).astype(int)
    cmp = ablation(model, x[:4], y[:4], 0.5, kind="continuous", sizes=(1, 2), keeps=(0.5, 1.0), n0=10, n=50)
    assert list(cmp.table["label"]) == ["Single", "continuous m=1 p=0.5", "continuous m=2 p=0.5",
                                        "continuous m=1 p=1", "continuous m=2 p=1"]
    # keep = 1 masks keep everything: identical to Single
    np.testing.assert_array_equal(cmp.results["continuous m=2 p=1"].counts, cmp.results["Single"].counts)
    with pytest.raises(ValueError):
        ablation(model, x, y, 0.5, sizes=())


# --------------------------------------------------------------------------- Table 4
def test_attack_success_rates_linear(model, x):
    z, wn = margins(model, x)
    y = (z > 0).astype(int)
    d = np.abs(z) / wn
    small, large = 0.5 * d.min(), 3.0 * d.max()
    f = attack_success_rates([CertConfig("Single", model, 0.05)], x, y, [small, large], benign=model,
                             steps=10, draws=4, n=200, alpha=0.01)
    assert list(f.columns) == ["classifier", "eps", "asr", "abstain_rate", "n_correct", "n_series"]
    b = f[f.classifier == "Benign"].set_index("eps")["asr"]
    assert b[small] == 0.0 and b[large] == 1.0  # below every distance nothing flips; far above all do
    s = f[f.classifier == "Single"].set_index("eps")["asr"]
    assert s[large] == 1.0
    with pytest.raises(ValueError, match="eps_values"):
        attack_success_rates([], x, y, [0.0], benign=model)
    with pytest.raises(ValueError, match="benign"):
        attack_success_rates([], x, y, [0.1])


# --------------------------------------------------------------------------- soundness
def test_soundness_passes_inside_and_finds_changes_beyond(model, x):
    sm = Smoothed(model, 0.5)
    res = sm.certify(x, n0=100, n=1000, alpha=0.001, seed=0)
    rep = soundness_check(sm, x, res, fractions=(0.99, 4.0), directions=4, pgd_steps=10, pgd_draws=8,
                          n=1000, seed=1)
    cert = int(((res.prediction != ABSTAIN) & (res.radius > 0)).sum())
    assert rep.n_series == cert > 0 and rep.passed and rep.n_changed_inside == 0
    c = rep.checks
    assert len(c) == cert * 2 * (4 + 1)
    inside = c[c.fraction < 1]
    np.testing.assert_allclose(inside["norm"], 0.99 * inside["radius"], rtol=1e-4)
    assert not inside["changed"].any()
    beyond = c[(c.fraction == 4.0) & (c.kind == "pgd")]
    assert beyond["changed"].mean() > 0.5  # far outside the radius the linear model flips
    s = rep.summary()
    assert s["passed"] and s["change_rate_inside"] == 0.0 and "change_rate_at_4R" in s


def test_soundness_catches_an_inflated_certificate(model, x):
    sm = Smoothed(model, 0.5)
    res = sm.certify(x, n0=100, n=1000, alpha=0.001, seed=0)
    fake = dataclasses.replace(res, radius=res.radius * 10)
    rep = soundness_check(sm, x, fake, directions=0, pgd_steps=10, pgd_draws=8, n=500, seed=1)
    assert not rep.passed and rep.n_changed_inside > rep.tolerance


def test_soundness_bad_args_and_nothing_certified(model, x):
    sm = Smoothed(model, 0.5)
    res = sm.certify(x, n0=10, n=50, seed=0)
    for kw, name in [(dict(fractions=()), "fractions"), (dict(directions=-1), "directions"),
                     (dict(directions=0, pgd_steps=0), "nothing"), (dict(max_samples=0), "max_samples")]:
        with pytest.raises(ValueError, match=name):
            soundness_check(sm, x, res, **kw)
    with pytest.raises(ValueError, match="certified"):
        soundness_check(sm, x[:3], res)
    none = dataclasses.replace(res, prediction=np.full(12, ABSTAIN), radius=np.zeros(12))
    rep = soundness_check(sm, x, none)
    assert rep.n_series == 0 and rep.passed and len(rep.checks) == 0


def test_analysis_leaves_model_untouched(model, x):
    model.train()
    before = model_state(model)
    sm = Smoothed(model, 0.5)
    res = sm.certify(x[:4], n0=10, n=50)
    soundness_check(sm, x[:4], res, directions=1, pgd_steps=2, pgd_draws=2, n=50)
    attack_success_rates([CertConfig("S", model, 0.5)], x[:4], np.zeros(4, int), [0.1], benign=model,
                         steps=2, draws=2, n=50)
    assert_model_untouched(model, before)
