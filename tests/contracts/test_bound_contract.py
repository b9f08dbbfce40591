"""The certification-bound contract (issue 13), for every bound registered in ``tsviz.certify.BOUNDS``.

A bound is ``bound(counts, top, *, alpha, sigma) -> BoundResult`` (``tsviz/certify/bounds/base.py``):
probabilities in [0, 1], a radius >= 0 that is 0 exactly where the bound abstains, an abstention
whenever the lower bound on pA does not exceed the upper bound on pB (for two classes: whenever
pA_lower <= 1/2), monotone in the top count, proportional to sigma, deterministic, bad input ->
CertifyError, and the same certificate through ``Smoothed.certify(bound=name)``. Hand-checkable
values are compared with scipy directly (``scipy.stats.beta.ppf``, ``scipy.stats.norm.ppf``) and,
for the Renyi radius, with its closed form maximised over a fine grid of orders, written out here.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import linear_model, toy_series
from scipy import stats

from tsviz.certify import ABSTAIN, BOUNDS, BoundResult, CertifyError, Smoothed, cohen_bound, get_bound, register_bound

ALL = sorted(BOUNDS)
SIGMA = 0.5


def random_counts(seed: int, N: int = 64, K: int = 3, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial counts ``(N, K)`` (rows sum to ``n``) with a skewed top class, and the top class."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(K, 0.5), size=N)
    counts = np.stack([rng.multinomial(n, q) for q in p])
    top = np.where(rng.random(N) < 0.8, counts.argmax(1), rng.integers(0, K, N))
    return counts.astype(np.int64), top.astype(np.int64)


# --------------------------------------------------------------------------- output contract
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("K", [2, 3, 10])
def test_outputs_are_probabilities_and_nonnegative_radii(name, K):
    counts, top = random_counts(K, K=K)
    r = BOUNDS[name](counts, top, alpha=0.01, sigma=SIGMA)
    assert isinstance(r, BoundResult)
    for f in (r.p_lower, r.p_upper, r.radius):
        assert f.shape == (64,) and f.dtype == np.float64 and np.isfinite(f).all() and not f.flags.writeable
    assert r.reason.shape == (64,) and r.reason.dtype.kind == "U"
    assert np.all((r.p_lower >= 0) & (r.p_lower <= 1)) and np.all((r.p_upper >= 0) & (r.p_upper <= 1))
    assert np.all(r.radius >= 0)
    # radius > 0 exactly where certified, 0 (with a reason) exactly where the bound abstains
    np.testing.assert_array_equal(r.radius > 0, r.reason == "")
    np.testing.assert_array_equal(r.certified, r.reason == "")
    assert 0 < r.certified.sum() < 64  # the cases mix certified and abstained rows
    # the lower bound on pA never exceeds the observed frequency of the top class
    assert np.all(r.p_lower <= counts[np.arange(64), top] / counts.sum(1) + 1e-12)
    s = r.summary()
    assert s["n_series"] == 64 and s["certified_rate"] == pytest.approx(r.certified.mean())


@pytest.mark.parametrize("name", ALL)
def test_abstains_when_pa_lower_does_not_exceed_pb_upper(name):
    for seed in range(5):
        counts, top = random_counts(100 + seed, K=4, n=50)
        r = BOUNDS[name](counts, top, alpha=0.05, sigma=SIGMA)
        low = r.p_lower <= r.p_upper
        assert low.any()
        assert np.all(r.radius[low] == 0) and np.all(r.reason[low] != "")


@pytest.mark.parametrize("name", ALL)
def test_two_classes_abstain_when_pa_lower_is_at_most_one_half(name):
    n = 100
    counts = np.stack([np.arange(n + 1), n - np.arange(n + 1)], axis=1)
    r = BOUNDS[name](counts, np.zeros(n + 1, np.int64), alpha=0.001, sigma=SIGMA)
    half = r.p_lower <= 0.5
    assert half.any() and (~half).any()
    assert np.all(r.radius[half] == 0) and np.all(r.reason[half] != "")
    assert np.all(r.radius[~half] > 0)


@pytest.mark.parametrize("name", ALL)
def test_monotone_in_the_top_count(name):
    """Moving one draw from another outcome to the top class never lowers pA_lower or the radius."""
    counts, top = random_counts(7, N=200, K=3, n=120)
    rows = np.arange(len(top))
    other = np.where(top == 0, 1, 0)
    ok = counts[rows, other] > 0
    counts, top, other, rows = counts[ok], top[ok], other[ok], rows[: ok.sum()]
    more = counts.copy()
    more[rows, top] += 1
    more[rows, other] -= 1
    a = BOUNDS[name](counts, top, alpha=0.01, sigma=SIGMA)
    b = BOUNDS[name](more, top, alpha=0.01, sigma=SIGMA)
    assert np.all(b.p_lower >= a.p_lower - 1e-12)
    assert np.all(b.radius >= a.radius * (1 - 1e-9) - 1e-12)
    assert np.all(b.certified >= a.certified)
    # and along a whole sweep of the top count with two classes
    n = 60
    sweep = np.stack([np.arange(n + 1), n - np.arange(n + 1)], axis=1)
    s = BOUNDS[name](sweep, np.zeros(n + 1, np.int64), alpha=0.01, sigma=SIGMA)
    assert np.all(np.diff(s.p_lower) > 0) and np.all(np.diff(s.radius) >= -1e-12)


@pytest.mark.parametrize("name", ALL)
def test_radius_is_proportional_to_sigma_and_deterministic(name):
    counts, top = random_counts(3)
    a = BOUNDS[name](counts, top, alpha=0.01, sigma=0.25)
    b = BOUNDS[name](counts, top, alpha=0.01, sigma=1.0)
    c = BOUNDS[name](counts, top, alpha=0.01, sigma=1.0)
    np.testing.assert_allclose(b.radius, 4 * a.radius, rtol=1e-6)
    np.testing.assert_array_equal(a.p_lower, b.p_lower)
    for f in ("p_lower", "p_upper", "radius", "reason"):
        np.testing.assert_array_equal(getattr(b, f), getattr(c, f))


@pytest.mark.parametrize("name", ALL)
def test_a_smaller_alpha_never_certifies_more(name):
    counts, top = random_counts(5)
    loose = BOUNDS[name](counts, top, alpha=0.1, sigma=SIGMA)
    tight = BOUNDS[name](counts, top, alpha=0.001, sigma=SIGMA)
    assert np.all(tight.p_lower <= loose.p_lower + 1e-15)
    assert np.all(tight.radius <= loose.radius * (1 + 1e-9) + 1e-12)


# --------------------------------------------------------------------------- bad input
BAD = {
    "alpha 0": dict(alpha=0.0), "alpha 1/2": dict(alpha=0.5), "alpha 1": dict(alpha=1.0),
    "alpha < 0": dict(alpha=-0.1), "alpha NaN": dict(alpha=float("nan")), "alpha str": dict(alpha="0.01"),
    "alpha bool": dict(alpha=True), "sigma 0": dict(sigma=0.0), "sigma < 0": dict(sigma=-1.0),
    "sigma inf": dict(sigma=float("inf")), "sigma NaN": dict(sigma=float("nan")),
    "negative count": dict(counts=[[5, -1], [3, 1]]),
    "rows sum to different n": dict(counts=[[5, 0], [3, 1]]),
    "empty row": dict(counts=[[0, 0], [0, 0]]),
    "one class": dict(counts=[[4], [4]]), "1-D counts": dict(counts=[3, 1], top=0),
    "no rows": dict(counts=np.zeros((0, 2), np.int64), top=np.zeros(0, np.int64)),
    "fractional counts": dict(counts=[[2.5, 1.5], [3.0, 1.0]]), "NaN counts": dict(counts=[[np.nan, 4], [3, 1]]),
    "complex counts": dict(counts=np.array([[3, 1], [3, 1]], np.complex64)),
    "text counts": dict(counts=[["3", "1"], ["3", "1"]]),
    "top out of range": dict(top=[0, 2]), "negative top": dict(top=[-1, 0]), "float top": dict(top=[0.0, 1.0]),
    "top wrong length": dict(top=[0, 1, 0]), "bool top": dict(top=[True, False]),
}


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_a_certify_error(name, case):
    kw = {"counts": [[3, 1], [2, 2]], "top": [0, 1], "alpha": 0.01, "sigma": SIGMA, **BAD[case]}
    with pytest.raises(CertifyError):
        BOUNDS[name](kw.pop("counts"), kw.pop("top"), **kw)


# --------------------------------------------------------------------------- hand-checkable values
CASES = [(0, 10), (5, 10), (9, 10), (10, 10), (520, 1000), (990, 1000), (1000, 1000), (61, 100)]


@pytest.mark.parametrize("k,n", CASES)
@pytest.mark.parametrize("alpha", [0.001, 0.05])
def test_cohen_equals_clopper_pearson_and_the_gaussian_radius_by_scipy(k, n, alpha):
    r = BOUNDS["cohen"](np.array([[k, n - k]]), np.array([0]), alpha=alpha, sigma=0.7)
    p = 0.0 if k == 0 else stats.beta.ppf(alpha, k, n - k + 1)  # one-sided Clopper-Pearson lower bound
    assert r.p_lower[0] == pytest.approx(p, abs=1e-12)
    assert r.p_upper[0] == pytest.approx(1 - p, abs=1e-12)
    if p > 0.5:
        assert r.radius[0] == pytest.approx(0.7 * stats.norm.ppf(p), rel=1e-9) and r.reason[0] == ""
    else:
        assert r.radius[0] == 0.0 and r.reason[0] == "pA_lower <= 1/2"


def _renyi_closed_form(pa: float, pb: float, sigma: float) -> float:
    """sup over a > 1 of sqrt(-(2 sigma^2 / a) log(1 - pA - pB + 2 ((pA^(1-a) + pB^(1-a)) / 2)^(1/(1-a))))
    (Theorem 4.1 of the self-ensemble paper), by brute force over a fine grid of orders."""
    a = 1.0 + np.logspace(-7, 4, 200_000)
    r = 1.0 - a
    with np.errstate(all="ignore"):
        m = np.exp((np.logaddexp(r * np.log(pa), r * np.log(pb)) - np.log(2.0)) / r)
        arg = 1.0 - pa - pb + 2.0 * m
        sq = -(2.0 * sigma ** 2 / a) * np.log(arg)
    sq = np.where(np.isfinite(sq) & (arg > 0) & (arg < 1), sq, 0.0)
    return float(np.sqrt(max(sq.max(), 0.0)))


@pytest.mark.parametrize("counts,top", [([900, 60, 40], 0), ([700, 200, 100], 0), ([30, 950, 20], 1),
                                        ([520, 470, 10], 0), ([999, 1, 0], 0)])
def test_renyi_equals_simultaneous_clopper_pearson_and_the_closed_form(counts, top):
    alpha, sigma = 0.01, 0.5
    c = np.array(counts)
    n = c.sum()
    r = BOUNDS["renyi"](c[None], np.array([top]), alpha=alpha, sigma=sigma)
    nb = np.delete(c, top).max()
    pa = stats.beta.ppf(alpha / 2, c[top], n - c[top] + 1)  # both bounds at alpha / 2 (union bound)
    pb = min(stats.beta.ppf(1 - alpha / 2, nb + 1, n - nb) if nb < n else 1.0, 1 - pa)
    assert r.p_lower[0] == pytest.approx(pa, abs=1e-12)
    assert r.p_upper[0] == pytest.approx(pb, abs=1e-12)
    if pa > pb:
        assert r.radius[0] == pytest.approx(_renyi_closed_form(pa, pb, sigma), rel=1e-4)
    else:
        assert r.radius[0] == 0.0


# --------------------------------------------------------------------------- the registry and Smoothed.certify
@pytest.mark.parametrize("name", ALL)
def test_smoothed_certify_uses_the_registered_bound(name):
    model = linear_model(C=1, T=16, K=3, seed=2, scale=0.5)
    x, _ = toy_series(8, C=1, T=16)
    res = Smoothed(model, 0.5).certify(x, n0=30, n=200, alpha=0.01, bound=name, seed=4)
    assert res.bound == name
    top = Smoothed(model, 0.5).counts(x, 30, seed=4).argmax(1)  # the same selection draws
    direct = BOUNDS[name](res.counts, top, alpha=0.01, sigma=0.5)
    np.testing.assert_allclose(res.p_lower, direct.p_lower)
    np.testing.assert_allclose(res.p_upper_runner_up, direct.p_upper)
    np.testing.assert_allclose(res.radius, direct.radius)
    np.testing.assert_array_equal(res.prediction, np.where(direct.certified, top, ABSTAIN))
    np.testing.assert_array_equal(res.abstain_reason, direct.reason)


def test_a_new_bound_needs_no_edit_of_smoothed_certify(monkeypatch):
    monkeypatch.setattr("tsviz.certify.bounds.registry.BOUNDS", dict(BOUNDS))
    from tsviz.certify.bounds import registry

    calls = []

    @register_bound("halved")
    def halved(counts, top, *, alpha, sigma):
        calls.append(counts.shape)
        r = cohen_bound(counts, top, alpha=alpha, sigma=sigma)
        return BoundResult.build(r.p_lower, r.p_upper, r.radius / 2, r.reason)

    assert registry.BOUNDS["halved"] is halved and get_bound("halved") is halved
    model = linear_model(C=1, T=16, K=2, seed=1)
    x, _ = toy_series(6, C=1, T=16)
    a = Smoothed(model, 0.5).certify(x, n0=20, n=100, seed=1, bound="halved")
    b = Smoothed(model, 0.5).certify(x, n0=20, n=100, seed=1, bound="cohen")
    np.testing.assert_allclose(a.radius, b.radius / 2)
    assert a.bound == "halved" and calls == [(6, 3)]  # K classes + the "no decision" column
    with pytest.raises(CertifyError, match="already registered"):
        register_bound("halved", cohen_bound)
    register_bound("halved", cohen_bound, replace=True)
    for bad in ("", "Upper", "two words", 3):
        with pytest.raises(CertifyError, match="bound name"):
            register_bound(bad, cohen_bound)
    with pytest.raises(CertifyError, match="callable"):
        register_bound("nothing", 3)


def test_unknown_bound_lists_the_registered_ones():
    with pytest.raises(CertifyError, match="'cohen', 'renyi'"):
        get_bound("lp")
    model = linear_model(C=1, T=16, K=2)
    with pytest.raises(CertifyError, match="bound must be one of"):
        Smoothed(model, 0.5).certify(torch.zeros(2, 1, 16), n0=5, n=5, bound="lp")
