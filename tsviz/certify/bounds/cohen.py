"""Cohen et al.'s certificate: a Clopper-Pearson lower bound on ``pA`` and the radius ``sigma * Phi^-1(pA)``.

References
----------
.. [1] J. Cohen, E. Rosenfeld, Z. Kolter, "Certified Adversarial Robustness via Randomized
   Smoothing", ICML 2019 (CERTIFY, Theorem 1: radius ``sigma * Phi^-1(pA_lower)``; function
   ``LowerConfBound``: the one-sided Clopper-Pearson bound).
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from tsviz.certify.bounds.base import REASON_LOW_PA, BoundResult, check_bound_inputs
from tsviz.certify.bounds.confidence import clopper_pearson_lower
from tsviz.certify.checks import check_sigma
from tsviz.certify.errors import CertifyError

__all__ = ["cohen_radius", "cohen_bound"]


def cohen_radius(p_lower, sigma: float) -> np.ndarray | float:
    """Gaussian-smoothing certified L2 radius ``sigma * Phi^-1(p_lower)`` (Cohen et al. [1]).

    0 where ``p_lower <= 0.5`` (no certificate; the caller abstains). ``p_lower`` is clipped below
    1 so a bound of exactly 1 gives a finite radius.
    """
    sigma = check_sigma(sigma)
    p = np.asarray(p_lower, dtype=np.float64)
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise CertifyError("p_lower must hold probabilities in [0, 1]")
    r = np.where(p > 0.5, sigma * stats.norm.ppf(np.clip(p, 0.5, 1 - 1e-16)), 0.0)
    return float(r) if r.ndim == 0 else r


def cohen_bound(counts, top, *, alpha: float, sigma: float) -> BoundResult:
    """The ``"cohen"`` bound: ``pA_lower = CP_lo(counts[top], n, alpha)``; certify when
    ``pA_lower > 1/2`` with radius ``sigma * Phi^-1(pA_lower)``, else abstain (:data:`REASON_LOW_PA`).

    ``CP_lo`` is the one-sided Clopper-Pearson bound (:func:`~tsviz.certify.bounds.clopper_pearson_lower`),
    valid because ``top`` was chosen from separate draws. ``p_upper`` is ``1 - pA_lower`` (the bound
    on the runner-up implied by ``pA_lower``; this bound uses no other). See
    :mod:`tsviz.certify.bounds.base` for the contract.
    """
    c, t, n, alpha, sigma = check_bound_inputs(counts, top, alpha, sigma)
    pa = np.asarray(clopper_pearson_lower(c[np.arange(c.shape[0]), t], n, alpha), dtype=np.float64).reshape(-1)
    ok = pa > 0.5
    return BoundResult.build(pa, 1.0 - pa, np.where(ok, cohen_radius(pa, sigma), 0.0),
                             np.where(ok, "", REASON_LOW_PA))
