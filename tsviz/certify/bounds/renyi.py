"""The Renyi-divergence certificate of Li et al. (Theorem 4.1 / Algorithm 2 of the self-ensemble paper).

References
----------
.. [1] J. Cohen, E. Rosenfeld, Z. Kolter, "Certified Adversarial Robustness via Randomized
   Smoothing", ICML 2019 (CERTIFY's separate selection draws; Clopper-Pearson bounds).
.. [2] B. Li, C. Chen, W. Wang, L. Carin, "Certified Adversarial Robustness with Additive
   Noise", NeurIPS 2019 (Renyi-divergence radius).
.. [3] "Certified robustness of time-series classifiers with a self-ensemble" (shared paper
   ``certified-robustness-tsc-self-ensemble.txt``): Algorithm 2 and Theorem 4.1 restate [2].
"""
from __future__ import annotations

import numpy as np
from scipy import optimize

from tsviz.certify.bounds.base import REASON_PA_PB, REASON_ZERO_RADIUS, BoundResult, check_bound_inputs
from tsviz.certify.bounds.confidence import simultaneous_bounds
from tsviz.certify.checks import check_sigma
from tsviz.certify.errors import CertifyError

__all__ = ["RENYI_ALPHA_MAX", "renyi_radius", "renyi_radius_at_order", "renyi_bound"]

#: Upper end of the Renyi order search ``a in (1, RENYI_ALPHA_MAX]``.
RENYI_ALPHA_MAX = 1e4
_GRID = 1.0 + np.logspace(-6, np.log10(RENYI_ALPHA_MAX - 1.0), 400)


def _renyi_sq(a: np.ndarray, pa: np.ndarray, pb: np.ndarray, sigma: float) -> np.ndarray:
    """``-(2 sigma^2 / a) log(1 - 2 M_1 + 2 M_{1-a})`` (squared radius), NaN/negative -> 0.

    ``M_r(pA, pB) = ((pA^r + pB^r) / 2)^(1/r)``; ``M_{1-a}`` is evaluated in log space so that
    ``pB = 0`` gives ``M_{1-a} = 0`` without overflow.
    """
    r = 1.0 - a
    with np.errstate(all="ignore"):
        la = np.log(pa)
        lb = np.log(pb)
        log_m = (np.logaddexp(r * la, r * lb) - np.log(2.0)) / r
        m = np.exp(log_m)
        arg = 1.0 - (pa + pb) + 2.0 * m
        val = -(2.0 * sigma ** 2 / a) * np.log(arg)
    return np.where(np.isfinite(val) & (arg < 1.0) & (arg > 0.0), np.maximum(val, 0.0), 0.0)


def renyi_radius(p_a, p_b, sigma: float) -> np.ndarray | float:
    """Renyi-divergence certified L2 radius (Li et al. [2]; Theorem 4.1 / Algorithm 2 line 12 of [3]).

    .. math::

        L = \\sup_{a > 1} \\sqrt{-\\frac{2\\sigma^2}{a}
            \\log\\left(1 - 2 M_1(p_A, p_B) + 2 M_{1-a}(p_A, p_B)\\right)},
        \\qquad M_r(p_A, p_B) = \\left(\\frac{p_A^r + p_B^r}{2}\\right)^{1/r}.

    The supremum is taken numerically over ``a in (1, RENYI_ALPHA_MAX]``: a vectorised evaluation
    on 400 log-spaced values of ``a - 1`` in ``[1e-6, RENYI_ALPHA_MAX - 1]``, then a bounded scalar
    refinement (``scipy.optimize.minimize_scalar``, in ``log(a - 1)``) between the neighbours of
    the best grid point; the refined value is kept only if it is not below the grid maximum.
    Refinement runs once per distinct ``(pA, pB)`` pair.

    Parameters
    ----------
    p_a, p_b : float or array (broadcast together)
        Lower bound on the top-class probability and upper bound on the runner-up's, in [0, 1].
    sigma : float > 0

    Returns
    -------
    float or ndarray float64
        0 where ``pA <= pB`` or the log's argument is ``>= 1`` for every ``a``.
    """
    sigma = check_sigma(sigma)
    pa, pb = _check_probabilities(p_a, p_b)
    shape = pa.shape
    flat_a, flat_b = pa.reshape(-1), pb.reshape(-1)
    out = np.zeros(flat_a.shape, dtype=np.float64)
    valid = flat_a > flat_b
    if valid.any():
        pairs, inv = np.unique(np.stack([flat_a[valid], flat_b[valid]], axis=1), axis=0, return_inverse=True)
        ua, ub = pairs[:, 0], pairs[:, 1]
        vals = _renyi_sq(_GRID[None, :], ua[:, None], ub[:, None], sigma)  # (P, G)
        best = vals.argmax(axis=1)
        sq = vals[np.arange(len(ua)), best]
        lg = np.log(_GRID - 1.0)
        for i in range(len(ua)):
            if sq[i] <= 0:
                continue
            lo, hi = lg[max(best[i] - 1, 0)], lg[min(best[i] + 1, len(lg) - 1)]

            def neg(t, i=i):
                return -float(_renyi_sq(np.array(1.0 + np.exp(t)), np.array(ua[i]), np.array(ub[i]), sigma))

            res = optimize.minimize_scalar(neg, bounds=(lo, hi), method="bounded",
                                           options={"xatol": 1e-10})
            if -res.fun > sq[i]:
                sq[i] = -res.fun
        out[valid] = np.sqrt(sq)[inv.reshape(-1)]
    out = out.reshape(shape)
    return float(out) if out.ndim == 0 else out


def _check_probabilities(p_a, p_b) -> tuple[np.ndarray, np.ndarray]:
    pa, pb = np.broadcast_arrays(np.asarray(p_a, dtype=np.float64), np.asarray(p_b, dtype=np.float64))
    for name, p in (("p_a", pa), ("p_b", pb)):
        if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
            raise CertifyError(f"{name} must hold probabilities in [0, 1]")
    return pa, pb


def renyi_radius_at_order(order, p_a, p_b, sigma: float) -> np.ndarray | float:
    """The Renyi radius at fixed orders ``a > 1``, without the supremum (the curves of Fig. 2 of [3]):
    ``sqrt(-(2 sigma^2 / a) log(1 - 2 M_1 + 2 M_{1-a}))``, 0 where ``pA <= pB`` or the log's argument
    is not in ``(0, 1)``. ``order``, ``p_a`` and ``p_b`` broadcast together."""
    sigma = check_sigma(sigma)
    a = np.asarray(order, dtype=np.float64)
    if np.any(~np.isfinite(a)) or np.any(a <= 1.0):
        raise CertifyError("order must hold finite Renyi orders > 1")
    pa, pb = _check_probabilities(p_a, p_b)
    out = np.sqrt(np.where(pa > pb, _renyi_sq(a, pa, pb, sigma), 0.0))
    return float(out) if out.ndim == 0 else out



def renyi_bound(counts, top, *, alpha: float, sigma: float) -> BoundResult:
    """The ``"renyi"`` bound (Algorithm 2 of [3]; Li et al. [2]).

    ``pA_lower`` and ``pB_upper``, an upper bound on *every* other outcome's probability
    ``max_{j != top} p_j`` (all ``K - 1`` at once), from
    :func:`~tsviz.certify.bounds.simultaneous_bounds` with ``top`` given: both hold together with
    probability ``>= 1 - alpha`` (the argument, which needs ``top`` chosen independently of
    ``counts``, is in that function's docstring). Abstain (:data:`REASON_PA_PB`) when
    ``pA_lower <= pB_upper``, else radius :func:`renyi_radius` ``(pA_lower, pB_upper, sigma)``
    (Theorem 4.1 of [3]); a radius of 0 abstains too (:data:`REASON_ZERO_RADIUS`). A column of
    draws without decision counts as "another outcome", so ``pB_upper`` stays valid. See
    :mod:`tsviz.certify.bounds.base` for the contract.
    """
    c, t, _, alpha, sigma = check_bound_inputs(counts, top, alpha, sigma)
    pa, pb = simultaneous_bounds(c, alpha, top=t)
    ok = pa > pb
    radius = np.where(ok, renyi_radius(pa, np.minimum(pb, pa), sigma), 0.0)
    reason = np.where(ok, np.where(radius > 0, "", REASON_ZERO_RADIUS), REASON_PA_PB)
    return BoundResult.build(pa, pb, radius, reason)
