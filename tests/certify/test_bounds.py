"""Confidence bounds and radius bounds (Cohen; Renyi, Theorem 4.1 of the self-ensemble paper)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tsviz.certify import (
    clopper_pearson_interval,
    clopper_pearson_lower,
    cohen_radius,
    renyi_radius,
    simultaneous_bounds,
)
from tsviz.certify.bounds import renyi_radius_at_order

CASES = [(0, 10), (1, 10), (5, 10), (10, 10), (37, 100), (990, 1000), (1000, 1000), (3, 7)]


@pytest.mark.parametrize("k,n", CASES)
@pytest.mark.parametrize("alpha", [0.001, 0.05])
def test_clopper_pearson_matches_scipy(k, n, alpha):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=1 - 2 * alpha, method="exact")
    assert clopper_pearson_lower(k, n, alpha) == pytest.approx(ci.low, abs=1e-12)
    ci2 = stats.binomtest(k, n).proportion_ci(confidence_level=1 - alpha, method="exact")
    lo, hi = clopper_pearson_interval(k, n, alpha)
    assert lo == pytest.approx(ci2.low, abs=1e-12) and hi == pytest.approx(ci2.high, abs=1e-12)


def test_clopper_pearson_vectorised():
    k = np.array([c[0] for c in CASES])
    n = np.array([c[1] for c in CASES])
    lo = clopper_pearson_lower(k, n, 0.01)
    assert lo.shape == k.shape
    np.testing.assert_allclose(lo, [clopper_pearson_lower(a, b, 0.01) for a, b in CASES])
    assert lo[0] == 0.0


@pytest.mark.parametrize("kw", [dict(k=5, n=10, alpha=0.5), dict(k=5, n=10, alpha=0.0), dict(k=11, n=10, alpha=0.1),
                                dict(k=-1, n=10, alpha=0.1), dict(k=1, n=0, alpha=0.1)])
def test_clopper_pearson_bad_args(kw):
    name = "alpha" if kw["alpha"] in (0.5, 0.0) else ("n" if kw["n"] == 0 else "k")
    with pytest.raises(ValueError, match=name):
        clopper_pearson_lower(**kw)


def test_cohen_radius_hand_values():
    assert cohen_radius(stats.norm.cdf(1.0), 0.5) == pytest.approx(0.5)
    assert cohen_radius(0.5, 0.5) == 0.0
    assert cohen_radius(0.3, 0.5) == 0.0
    np.testing.assert_allclose(cohen_radius(np.array([0.4, stats.norm.cdf(2.0)]), 1.0), [0.0, 2.0])
    with pytest.raises(ValueError, match="sigma"):
        cohen_radius(0.9, 0.0)
    with pytest.raises(ValueError, match="p_lower"):
        cohen_radius(1.5, 1.0)


def test_renyi_zero_when_pa_not_above_pb():
    assert renyi_radius(0.4, 0.4, 1.0) == 0.0
    assert renyi_radius(0.3, 0.6, 1.0) == 0.0
    np.testing.assert_array_equal(renyi_radius(np.array([0.5, 0.2]), np.array([0.5, 0.3]), 1.0), [0.0, 0.0])


def test_renyi_monotone_positive_finite():
    pa = np.linspace(0.51, 0.999, 40)
    r = renyi_radius(pa, 1 - pa, 0.7)
    assert np.all(np.isfinite(r)) and np.all(r > 0)
    assert np.all(np.diff(r) > 0)


def test_renyi_scales_with_sigma():
    assert renyi_radius(0.9, 0.1, 2.0) == pytest.approx(2.0 * renyi_radius(0.9, 0.1, 1.0), rel=1e-6)


@pytest.mark.parametrize("pa,pb", [(0.6, 0.4), (0.9, 0.1), (0.99, 0.01), (0.8, 0.05), (0.7, 0.2), (0.999, 0.0005)])
def test_renyi_equals_brute_force_grid(pa, pb):
    sigma = 0.5
    a = 1.0 + np.logspace(-7, 4, 400_000)
    brute = renyi_radius_at_order(a, pa, pb, sigma).max()
    r = renyi_radius(pa, pb, sigma)
    assert r == pytest.approx(brute, rel=1e-4)
    assert r >= brute * (1 - 1e-9)  # the refinement never falls below a finer grid


def test_renyi_pb_zero_limit():
    # pB = 0: M_{1-a} = 0, the sup is at a -> 1: sqrt(-2 sigma^2 log(1 - pA)).
    assert renyi_radius(0.9, 0.0, 1.0) == pytest.approx(np.sqrt(-2 * np.log(0.1)), rel=1e-5)


def test_renyi_vs_cohen():
    # The paper (Theorem 4.1 / Sec. 2) does not state which bound is tighter. For pB = 1 - pA,
    # sigma = 1 the two radii are (Renyi < Cohen at each of these points):
    #   pA = 0.6: 0.2022 vs 0.2533; 0.8: 0.6742 vs 0.8416; 0.9: 1.0319 vs 1.2816;
    #   0.99: 1.9080 vs 2.3263; 0.999: 2.5757 vs 3.0902.
    # Cohen's values are Phi^-1(pA) (scipy); Renyi's are pinned to 4 decimals (checked against a
    # brute-force grid of orders in test_renyi_equals_brute_force_grid).
    pa = np.array([0.6, 0.8, 0.9, 0.99, 0.999])
    r, c = renyi_radius(pa, 1 - pa, 1.0), cohen_radius(pa, 1.0)
    np.testing.assert_allclose(c, stats.norm.ppf(pa), rtol=1e-12)
    np.testing.assert_allclose(c, [0.2533, 0.8416, 1.2816, 2.3263, 3.0902], atol=5e-5)
    np.testing.assert_allclose(r, [0.2022, 0.6742, 1.0319, 1.9080, 2.5757], atol=5e-5)
    assert np.all(r < c)


def test_simultaneous_bounds():
    counts = np.array([[990, 10, 0], [500, 500, 0], [0, 3, 997]])
    # top given (chosen from independent draws, as CERTIFY does): both bounds at alpha / 2.
    pa, pb = simultaneous_bounds(counts, 0.002, top=np.array([0, 0, 2]))
    np.testing.assert_allclose(pa, clopper_pearson_lower(np.array([990, 500, 997]), 1000, 0.001))
    ci = stats.binomtest(10, 1000).proportion_ci(confidence_level=1 - 0.002, method="exact")
    assert pb[0] == pytest.approx(min(ci.high, 1 - pa[0]))
    assert np.all(pb <= 1 - pa + 1e-15)
    # top = None: A is the argmax of these same counts; every bound at alpha / (K + 2) (this test
    # asserted alpha / 2 before, which does not hold under that selection: see test_coverage.py).
    qa, qb = simultaneous_bounds(counts, 0.002)
    np.testing.assert_allclose(qa, clopper_pearson_lower(np.array([990, 500, 997]), 1000, 0.002 / 5))
    ci5 = stats.binomtest(10, 1000).proportion_ci(confidence_level=1 - 2 * 0.002 / 5, method="exact")
    assert qb[0] == pytest.approx(min(ci5.high, 1 - qa[0]))
    assert np.all(qa < pa)
    a1, b1 = simultaneous_bounds(counts[0], 0.002)
    assert a1 == qa[0] and b1 == qb[0]
    with pytest.raises(ValueError, match="counts"):
        simultaneous_bounds(np.array([[5]]), 0.01)
    with pytest.raises(ValueError, match="alpha"):
        simultaneous_bounds(counts, 0.7)
    with pytest.raises(ValueError, match="top"):
        simultaneous_bounds(counts, 0.01, top=np.array([0, 3, 1]))
