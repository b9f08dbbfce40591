"""The radius ceiling of CERTIFY (tsviz.certify.ceiling): hand-checked values, its inverse in n,
the share of a result at it, and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import ConstantLogits, toy_series
from scipy import stats

from tsviz.certify import (
    ABSTAIN,
    CAPS,
    CeilingReport,
    CertifyError,
    CertResult,
    Smoothed,
    ceiling_report,
    n_for_radius,
    radius_ceiling,
    renyi_radius,
)


def test_cohen_ceiling_is_sigma_times_phi_inverse_of_alpha_to_the_one_over_n():
    # all n votes: the Clopper-Pearson lower bound is alpha^(1/n) = 0.001^(1/1000) = exp(ln(0.001) / 1000)
    p = 0.001 ** (1 / 1000)
    assert p == pytest.approx(math.exp(-6.907755278982137 / 1000), rel=1e-15)
    assert radius_ceiling(0.25, 1000, 0.001) == pytest.approx(0.25 * stats.norm.ppf(p), rel=1e-12)


def test_the_issue_cbf_ceiling_0_6158_is_cohens_bound_not_renyis():
    """Issue 15: CBF at sigma 0.25 with n = 1000 (alpha = 0.001) certifies at most 0.6158; that is
    Cohen's radius. The Renyi bound's ceiling at the same settings is 0.4991."""
    assert round(radius_ceiling(0.25, 1000, 0.001, bound="cohen"), 4) == 0.6158
    renyi = radius_ceiling(0.25, 1000, 0.001, bound="renyi")
    assert round(renyi, 4) == 0.4991
    # Renyi with the simultaneous bounds at alpha / 2: pA = (alpha/2)^(1/n), pB = 1 - pA
    pa = 0.0005 ** (1 / 1000)
    assert renyi == pytest.approx(renyi_radius(pa, 1 - pa, 0.25), rel=1e-9)


@pytest.mark.parametrize("bound", ["cohen", "renyi"])
def test_the_ceiling_is_the_radius_certify_gives_a_unanimous_series(bound):
    model = ConstantLogits((0.0, 3.0, 0.0))  # every draw votes for class 1
    x, _ = toy_series(3, K=3)
    res = Smoothed(model, 0.5).certify(x, n0=5, n=300, alpha=0.01, bound=bound)
    assert np.all(res.prediction == 1)
    np.testing.assert_allclose(res.radius, radius_ceiling(0.5, 300, 0.01, bound=bound, n_classes=3), rtol=1e-12)
    rep = ceiling_report(res)
    assert (rep.n_at_ceiling, rep.n_certified, rep.at_ceiling_share, rep.bound_by_ceiling) == (3, 3, 1.0, True)


@pytest.mark.parametrize("bound", ["cohen", "renyi"])
def test_the_ceiling_grows_with_n_and_is_proportional_to_sigma(bound):
    ns = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 20000]
    r = np.array([radius_ceiling(0.25, n, 0.001, bound=bound) for n in ns])
    assert np.all(np.diff(r) >= 0)
    assert r[0] == 0.0  # one draw certifies nothing at alpha = 0.001
    pos = r[r > 0]
    assert len(pos) >= 8 and np.all(np.diff(pos) > 0)
    assert radius_ceiling(0.5, 1000, 0.001, bound=bound) == pytest.approx(2 * radius_ceiling(0.25, 1000, 0.001,
                                                                                               bound=bound), rel=1e-6)
    # a smaller alpha (more confidence) lowers the ceiling
    assert radius_ceiling(0.25, 1000, 0.0001, bound=bound) < radius_ceiling(0.25, 1000, 0.01, bound=bound)


@pytest.mark.parametrize("bound", ["cohen", "renyi"])
@pytest.mark.parametrize("n", [30, 57, 200, 1000, 4321])
def test_n_for_radius_inverts_radius_ceiling(bound, n):
    r = radius_ceiling(0.25, n, 0.001, bound=bound)
    assert r > 0
    assert n_for_radius(r, 0.25, 0.001, bound=bound) == n
    # a radius between two ceilings needs the larger n
    below = radius_ceiling(0.25, n - 1, 0.001, bound=bound)
    assert n_for_radius((r + below) / 2, 0.25, 0.001, bound=bound) == n


def test_cohen_n_for_radius_is_the_closed_form():
    # n >= log(alpha) / log(Phi(r / sigma)); r = 0.9 mV at sigma 0.25: Phi(3.6) = 0.99984089...
    expected = math.ceil(math.log(0.001) / math.log(stats.norm.cdf(0.9 / 0.25)))
    assert n_for_radius(0.9, 0.25, 0.001) == expected
    assert radius_ceiling(0.25, expected, 0.001) >= 0.9 > radius_ceiling(0.25, expected - 1, 0.001)


def test_n_for_radius_is_capped():
    top = radius_ceiling(0.25, CAPS["n"], 0.001)
    assert n_for_radius(top, 0.25, 0.001) == CAPS["n"]
    with pytest.raises(CertifyError, match="radius .* beyond .* n = 100,000"):
        n_for_radius(top * 1.01, 0.25, 0.001)
    with pytest.raises(CertifyError, match="n = 500"):
        n_for_radius(radius_ceiling(0.25, 600, 0.001), 0.25, 0.001, n_max=500)
    with pytest.raises(CertifyError, match="n = 1,000"):
        n_for_radius(2.0, 0.25, 0.001, bound="renyi", n_max=1000)


def _result(radius, prediction, *, n=1000, alpha=0.001, sigma=0.25, bound="cohen", K=3) -> CertResult:
    radius = np.asarray(radius, dtype=np.float64)
    N = radius.shape[0]
    return CertResult(prediction=np.asarray(prediction, dtype=np.int64), radius=radius, p_lower=np.zeros(N),
                      counts=np.zeros((N, K), dtype=np.int64), p_upper_runner_up=np.zeros(N), sigma=sigma,
                      bound=bound, alpha=alpha, n0=100, n=n, masks=None, seconds=0.0)


def test_ceiling_report_counts_the_certified_series_at_the_ceiling():
    top = radius_ceiling(0.25, 1000, 0.001)
    res = _result([top, top * (1 - 1e-9), 0.95 * top, 0.0, top], [0, 1, 0, ABSTAIN, 2])
    rep = ceiling_report(res)
    assert isinstance(rep, CeilingReport)
    assert rep.ceiling == top and (rep.n, rep.sigma, rep.alpha, rep.bound) == (1000, 0.25, 0.001, "cohen")
    assert (rep.n_series, rep.n_certified, rep.n_at_ceiling) == (5, 4, 3)
    assert rep.at_ceiling.tolist() == [True, True, False, False, True] and not rep.at_ceiling.flags.writeable
    assert rep.at_ceiling_share == 0.75 and rep.bound_by_ceiling
    # the proposed n lifts the ceiling by 50 %: n_for_radius(1.5 * ceiling)
    assert rep.lift == 1.5 and rep.target_radius == pytest.approx(1.5 * top)
    assert rep.n_to_lift == n_for_radius(1.5 * top, 0.25, 0.001)
    assert radius_ceiling(0.25, rep.n_to_lift, 0.001) >= 1.5 * top
    assert rep.summary()["n_to_lift"] == rep.n_to_lift and rep.summary()["at_ceiling_share"] == 0.75
    # a higher threshold, a smaller lift, a looser tolerance
    assert not ceiling_report(res, share=0.75).bound_by_ceiling  # more than the share, strictly
    assert ceiling_report(res, share=0.7).bound_by_ceiling
    assert ceiling_report(res, lift=1.1).n_to_lift < rep.n_to_lift
    assert ceiling_report(res, tol=0.06).n_at_ceiling == 4


def test_ceiling_report_of_a_result_below_the_ceiling_or_with_nothing_certified():
    top = radius_ceiling(0.25, 200, 0.001)
    rep = ceiling_report(_result([0.1, 0.2, top, 0.3], [0, 1, 1, 2], n=200))
    assert (rep.n_at_ceiling, rep.n_certified, rep.bound_by_ceiling) == (1, 4, False)
    none = ceiling_report(_result([0.0, 0.0], [ABSTAIN, ABSTAIN], n=200))
    assert (none.n_certified, none.at_ceiling_share, none.bound_by_ceiling) == (0, 0.0, False)
    # no n within the cap lifts it that far: None, not an error
    assert ceiling_report(_result([top], [0], n=200), lift=1e3).n_to_lift is None


def test_ceiling_report_with_the_renyi_bound_uses_its_ceiling():
    top = radius_ceiling(0.25, 1000, 0.001, bound="renyi", n_classes=3)
    rep = ceiling_report(_result([top, 0.1], [0, 1], bound="renyi"), alpha=0.001, bound="renyi")
    assert rep.ceiling == top and rep.n_at_ceiling == 1
    assert rep.n_to_lift == n_for_radius(1.5 * top, 0.25, 0.001, bound="renyi")


@pytest.mark.parametrize("call,param", [
    (lambda: radius_ceiling(0.25, 0, 0.001), "n"),
    (lambda: radius_ceiling(0.25, -5, 0.001), "n"),
    (lambda: radius_ceiling(0.25, 10.5, 0.001), "n"),
    (lambda: radius_ceiling(0.25, True, 0.001), "n"),
    (lambda: radius_ceiling(0.25, CAPS["n"] + 1, 0.001), "n"),
    (lambda: radius_ceiling(0.25, 100, 0.0), "alpha"),
    (lambda: radius_ceiling(0.25, 100, 1.0), "alpha"),
    (lambda: radius_ceiling(0.25, 100, -0.1), "alpha"),
    (lambda: radius_ceiling(0.25, 100, 1.5), "alpha"),
    (lambda: radius_ceiling(0.25, 100, float("nan")), "alpha"),
    (lambda: radius_ceiling(float("nan"), 100, 0.001), "sigma"),
    (lambda: radius_ceiling(float("inf"), 100, 0.001), "sigma"),
    (lambda: radius_ceiling(0.0, 100, 0.001), "sigma"),
    (lambda: radius_ceiling("0.25", 100, 0.001), "sigma"),
    (lambda: radius_ceiling(0.25, 100, 0.001, bound="nope"), "bound"),
    (lambda: radius_ceiling(0.25, 100, 0.001, n_classes=1), "n_classes"),
    (lambda: n_for_radius(float("nan"), 0.25, 0.001), "radius"),
    (lambda: n_for_radius(0.0, 0.25, 0.001), "radius"),
    (lambda: n_for_radius(1e300, 0.25, 0.001), "radius"),
    (lambda: n_for_radius(0.5, float("nan"), 0.001), "sigma"),
    (lambda: n_for_radius(0.5, 0.25, 2.0), "alpha"),
    (lambda: n_for_radius(0.5, 0.25, 0.001, bound="nope"), "bound"),
    (lambda: n_for_radius(0.5, 0.25, 0.001, n_max=0), "n_max"),
    (lambda: ceiling_report("not a result"), "result"),
    (lambda: ceiling_report(_result([0.1], [0]), alpha=0.01), "alpha"),
    (lambda: ceiling_report(_result([0.1], [0]), bound="renyi"), "bound"),
    (lambda: ceiling_report(_result([0.1], [0]), share=1.0), "share"),
    (lambda: ceiling_report(_result([0.1], [0]), share=-0.1), "share"),
    (lambda: ceiling_report(_result([0.1], [0]), share=float("nan")), "share"),
    (lambda: ceiling_report(_result([0.1], [0]), tol=-1.0), "tol"),
    (lambda: ceiling_report(_result([0.1], [0]), lift=1.0), "lift"),
    (lambda: ceiling_report(_result([0.1], [0], n=0)), "n"),
])
def test_bad_input_names_the_parameter(call, param):
    with pytest.raises(CertifyError, match=rf"\b{param}\b"):
        call()
