"""Confidence bounds on class probabilities: Clopper-Pearson and the simultaneous bounds of CERTIFY.

References
----------
.. [1] J. Cohen, E. Rosenfeld, Z. Kolter, "Certified Adversarial Robustness via Randomized
   Smoothing", ICML 2019 (Clopper-Pearson bound, Gaussian radius ``sigma * Phi^-1(pA)``).
.. [2] B. Li, C. Chen, W. Wang, L. Carin, "Certified Adversarial Robustness with Additive
   Noise", NeurIPS 2019 (Renyi-divergence radius).
.. [3] "Certified robustness of time-series classifiers with a self-ensemble" (shared paper
   ``certified-robustness-tsc-self-ensemble.txt``): Algorithm 2 and Theorem 4.1 restate [2].
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from tsviz.certify.checks import check_alpha
from tsviz.certify.errors import CertifyError

__all__ = ["clopper_pearson_lower", "clopper_pearson_upper", "clopper_pearson_interval", "simultaneous_bounds"]


def _check_kn(k, n) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(k)
    n = np.asarray(n)
    if not (np.issubdtype(k.dtype, np.integer) or np.all(np.mod(k, 1) == 0)):
        raise CertifyError("k must hold integer counts")
    if not (np.issubdtype(n.dtype, np.integer) or np.all(np.mod(n, 1) == 0)):
        raise CertifyError("n must hold integer counts")
    k = k.astype(np.int64)
    n = n.astype(np.int64)
    if np.any(n < 1):
        raise CertifyError("n must be >= 1")
    if np.any(k < 0) or np.any(k > n):
        raise CertifyError("k must satisfy 0 <= k <= n")
    return k, n


def clopper_pearson_lower(k, n, alpha: float) -> np.ndarray | float:
    """One-sided Clopper-Pearson lower confidence bound on a binomial proportion.

    ``P(p >= lower) >= 1 - alpha``; ``lower = Beta.ppf(alpha, k, n - k + 1)`` and 0 when ``k = 0``
    (Cohen et al. [1], function ``LowerConfBound``). Equals the lower end of the two-sided exact
    interval at confidence ``1 - 2 alpha``.

    Parameters
    ----------
    k, n : int or array of int (broadcast together)
        Successes and trials, ``0 <= k <= n``, ``n >= 1``.
    alpha : float in (0, 0.5)

    Returns
    -------
    float or ndarray (broadcast shape of ``k`` and ``n``)
    """
    alpha = check_alpha(alpha)
    k, n = _check_kn(k, n)
    with np.errstate(all="ignore"):
        lo = stats.beta.ppf(alpha, np.maximum(k, 1), n - k + 1)
    lo = np.where(k == 0, 0.0, lo)
    return float(lo) if lo.ndim == 0 else lo


def clopper_pearson_upper(k, n, alpha: float) -> np.ndarray | float:
    """One-sided Clopper-Pearson upper bound ``Beta.ppf(1 - alpha, k + 1, n - k)`` (1 when ``k = n``)."""
    alpha = check_alpha(alpha)
    k, n = _check_kn(k, n)
    with np.errstate(all="ignore"):
        hi = stats.beta.ppf(1.0 - alpha, k + 1, np.maximum(n - k, 1))
    hi = np.where(k == n, 1.0, hi)
    return float(hi) if hi.ndim == 0 else hi


def clopper_pearson_interval(k, n, alpha: float) -> tuple:
    """Two-sided exact (Clopper-Pearson) interval at confidence ``1 - alpha``.

    Each side uses ``alpha / 2``: ``(Beta.ppf(alpha/2, k, n-k+1), Beta.ppf(1-alpha/2, k+1, n-k))``,
    with 0 / 1 at ``k = 0`` / ``k = n``.

    Returns
    -------
    (lower, upper) : floats or ndarrays of the broadcast shape
    """
    alpha = check_alpha(alpha)
    return clopper_pearson_lower(k, n, alpha / 2), clopper_pearson_upper(k, n, alpha / 2)


def simultaneous_bounds(counts, alpha: float, *, top=None) -> tuple[np.ndarray, np.ndarray]:
    """Lower bound on ``pA`` and upper bound on ``pB = max_{j != A} p_j`` holding together.

    ``counts`` ``(n_samples, K)`` are the class counts of ``n = counts.sum(1)`` i.i.d. draws with
    unknown class probabilities ``p``; ``A`` is ``top`` (a class chosen *independently of these
    counts*, e.g. from CERTIFY's separate ``n0`` selection draws) or, when ``top`` is None, the most
    counted class of each row. The returned bounds satisfy, for every ``p``,
    ``P(pA_lower <= p_A and pB_upper >= p_j for all K - 1 classes j != A) >= 1 - alpha``, which is
    what the Renyi radius of Theorem 4.1 of [3] (Li et al. [2]) needs. ``CP_lo(k, a)`` /
    ``CP_hi(k, a)`` are the one-sided Clopper-Pearson bounds at level ``a``.

    ``top`` given (the CERTIFY setting)
        ``pA_lower = CP_lo(n_A, alpha / 2)``, ``pB_upper = min(CP_hi(max_{j != A} n_j, alpha / 2),
        1 - pA_lower)``. Why this covers all ``K - 1`` other classes without a Bonferroni factor
        over classes: ``A`` is fixed given the selection draws, so ``j* = argmax_{j != A} p_j`` is a
        fixed class; the event ``E_B = {CP_hi(n_{j*}, alpha/2) >= p_{j*}}`` has probability
        ``>= 1 - alpha/2``, and on ``E_B``, as ``CP_hi`` is nondecreasing in ``k`` and
        ``max_{j != A} n_j >= n_{j*}``, ``CP_hi(max_{j != A} n_j, alpha/2) >= p_{j*} >= p_j`` for
        every ``j != A``. With ``E_A = {CP_lo(n_A, alpha/2) <= p_A}`` (probability
        ``>= 1 - alpha/2``), ``P(E_A and E_B) >= 1 - alpha`` (union bound). On ``E_A``,
        ``1 - pA_lower >= 1 - p_A = sum_{j != A} p_j >= max_{j != A} p_j``, so the minimum of the
        two upper bounds still holds on the *same* event ``E_A and E_B``: the cap costs nothing.
    ``top`` None (``A`` chosen from the same counts)
        Selecting ``A`` as the argmax of the counts biases ``n_A`` upwards, and the two-bound
        Bonferroni above no longer holds (with ten equally likely classes and ``alpha = 0.1`` it
        covers in about 63 % of trials, not 90 %; ``tests/certify/test_coverage.py``). Here every
        bound is taken at ``alpha / (K + 2)``: ``pA_lower = CP_lo(n_A, alpha / (K + 2))`` and
        ``pB_upper = min(CP_hi(max_{j != A} n_j, alpha / (K + 2)), 1 - pA_lower)``. Argument: let ``j1, j2``
        be the two most probable classes (fixed, ties broken by index). On the event ``E`` that
        ``CP_lo(n_j, .) <= p_j`` for all ``K`` classes and ``CP_hi(n_j, .) >= p_j`` for ``j1, j2``
        (``K + 2`` events, ``P(E) >= 1 - alpha``): ``pA_lower <= p_A`` whatever ``A`` is;
        ``max_{j != A} p_j`` is ``p_{j1}`` (if ``A != j1``) or ``p_{j2}``, a class other than
        ``A`` whose count is at most ``max_{j != A} n_j``, so by monotonicity ``pB_upper`` covers
        it; and the ``1 - pA_lower`` cap holds on ``E`` as above.

    Parameters
    ----------
    counts : array of int, shape ``(n_samples, K)`` (or ``(K,)``), ``K >= 2``, rows summing to >= 1
    alpha : float in (0, 0.5)
    top : None, int, or int array ``(n_samples,)`` in ``[0, K)``, the class ``A`` of each row,
        chosen independently of ``counts``

    Returns
    -------
    pA_lower, pB_upper : ndarray float64, shape ``(n_samples,)`` (scalars for 1-D input)

    References
    ----------
    Theorem 4.1 and Algorithm 2 (``MultiNomialCI``) of [3]; Cohen et al. [1] (Clopper-Pearson).
    """
    alpha = check_alpha(alpha)
    c = np.asarray(counts)
    one = c.ndim == 1
    c = np.atleast_2d(c)
    if c.ndim != 2 or c.shape[1] < 2 or c.shape[0] < 1:
        raise CertifyError(f"counts must have shape (n_samples, K) with K >= 2, got {np.shape(counts)}")
    if c.dtype.kind not in "iu" and not (c.dtype.kind == "f" and np.all(np.isfinite(c)) and np.all(np.mod(c, 1) == 0)):
        raise CertifyError(f"counts must hold integer counts, got dtype {c.dtype}")
    c = c.astype(np.int64)
    if np.any(c < 0):
        raise CertifyError("counts must be >= 0")
    N, K = c.shape
    n = c.sum(axis=1)
    if np.any(n < 1):
        raise CertifyError("every row of counts must hold at least one draw")
    if top is None:
        a = c.argmax(axis=1)
        level = alpha / (K + 2)
    else:
        t = np.asarray(top)
        if t.dtype.kind not in "iu" or t.size not in (1, N) or np.any((t < 0) | (t >= K)):
            raise CertifyError(f"top must hold {N} class indices in [0, {K}), got {top!r}")
        a = np.broadcast_to(t.reshape(-1), (N,)).astype(np.int64)
        level = alpha / 2
    rows = np.arange(N)
    other = c.copy()
    other[rows, a] = -1
    pa = np.asarray(clopper_pearson_lower(c[rows, a], n, level), dtype=np.float64).reshape(-1)
    pb = np.asarray(clopper_pearson_upper(other.max(axis=1), n, level), dtype=np.float64).reshape(-1)
    pb = np.minimum(pb, 1.0 - pa)
    return (pa[0], pb[0]) if one else (pa, pb)
