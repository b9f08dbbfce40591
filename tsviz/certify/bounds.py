"""Confidence bounds on class probabilities and certified-radius bounds.

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
from scipy import optimize, stats

from tsviz.certify.errors import CertifyError

__all__ = ["clopper_pearson_lower", "clopper_pearson_upper", "clopper_pearson_interval", "cohen_radius", "renyi_radius", "radius_vs_pa",
           "simultaneous_bounds", "RENYI_ALPHA_MAX"]

#: Upper end of the Renyi order search ``a in (1, RENYI_ALPHA_MAX]``.
RENYI_ALPHA_MAX = 1e4
_GRID = 1.0 + np.logspace(-6, np.log10(RENYI_ALPHA_MAX - 1.0), 400)


def _check_alpha(alpha: float, name: str = "alpha") -> float:
    ok = isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, bool)
    if not ok or not np.isfinite(alpha) or not 0.0 < alpha < 0.5:
        raise CertifyError(f"{name} must be a number in (0, 0.5), got {alpha!r}")
    return float(alpha)


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


def _check_sigma(sigma: float) -> float:
    ok = isinstance(sigma, (int, float, np.integer, np.floating)) and not isinstance(sigma, bool)
    if not ok or not np.isfinite(sigma) or sigma <= 0:
        raise CertifyError(f"sigma must be a finite number > 0, got {sigma!r}")
    return float(sigma)


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
    alpha = _check_alpha(alpha)
    k, n = _check_kn(k, n)
    with np.errstate(all="ignore"):
        lo = stats.beta.ppf(alpha, np.maximum(k, 1), n - k + 1)
    lo = np.where(k == 0, 0.0, lo)
    return float(lo) if lo.ndim == 0 else lo


def clopper_pearson_upper(k, n, alpha: float) -> np.ndarray | float:
    """One-sided Clopper-Pearson upper bound ``Beta.ppf(1 - alpha, k + 1, n - k)`` (1 when ``k = n``)."""
    alpha = _check_alpha(alpha)
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
    alpha = _check_alpha(alpha)
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
    alpha = _check_alpha(alpha)
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


def cohen_radius(p_lower, sigma: float) -> np.ndarray | float:
    """Gaussian-smoothing certified L2 radius ``sigma * Phi^-1(p_lower)`` (Cohen et al. [1]).

    0 where ``p_lower <= 0.5`` (no certificate; the caller abstains). ``p_lower`` is clipped below
    1 so a bound of exactly 1 gives a finite radius.
    """
    sigma = _check_sigma(sigma)
    p = np.asarray(p_lower, dtype=np.float64)
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise CertifyError("p_lower must hold probabilities in [0, 1]")
    r = np.where(p > 0.5, sigma * stats.norm.ppf(np.clip(p, 0.5, 1 - 1e-16)), 0.0)
    return float(r) if r.ndim == 0 else r


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
    sigma = _check_sigma(sigma)
    pa, pb = np.broadcast_arrays(np.asarray(p_a, dtype=np.float64), np.asarray(p_b, dtype=np.float64))
    for name, p in (("p_a", pa), ("p_b", pb)):
        if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
            raise CertifyError(f"{name} must hold probabilities in [0, 1]")
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


def radius_vs_pa(sigma: float, *, p_a=None, orders=(2.0, 5.0, 20.0), p_b=None):
    """Certified radius as a function of ``pA`` (Fig. 2 of the self-ensemble paper [3]).

    Columns: ``"pA"``, ``"Cohen"`` (``sigma * Phi^-1(pA)``), ``"Renyi (sup over orders)"``
    (:func:`renyi_radius`) and ``"Renyi a=<order>"`` for each fixed order ``a > 1`` (the inner
    expression of Theorem 4.1 without the supremum; Fig. 2 draws these curves). ``pB`` defaults
    to ``1 - pA`` (the conservative choice of section 4.2).

    Parameters
    ----------
    sigma : float > 0, noise level in signal units
    p_a : 1-D array of probabilities in (0.5, 1) or None (200 points in [0.501, 0.9999])
    orders : sequence of Renyi orders ``a > 1``
    p_b : None, float or 1-D array broadcast against ``p_a``

    Returns
    -------
    pandas.DataFrame, radii in the signal units of ``sigma``
    """
    import pandas as pd

    sigma = _check_sigma(sigma)
    pa = np.linspace(0.501, 0.9999, 200) if p_a is None else np.asarray(p_a, dtype=np.float64).reshape(-1)
    if pa.size == 0 or np.any(~np.isfinite(pa)) or np.any((pa <= 0) | (pa >= 1)):
        raise CertifyError("p_a must be a non-empty 1-D array of probabilities in (0, 1)")
    pb = 1.0 - pa if p_b is None else np.broadcast_to(np.asarray(p_b, dtype=np.float64), pa.shape)
    if np.any(~np.isfinite(pb)) or np.any((pb < 0) | (pb > 1)) or np.any(pa + pb > 1 + 1e-12):
        raise CertifyError("p_b must hold probabilities in [0, 1] with p_a + p_b <= 1")
    orders = [float(a) for a in orders]
    if any(not np.isfinite(a) or a <= 1.0 for a in orders):
        raise CertifyError(f"orders must be finite numbers > 1, got {orders!r}")
    cols = {"pA": pa, "Cohen": cohen_radius(pa, sigma), "Renyi (sup over orders)": renyi_radius(pa, pb, sigma)}
    for a in orders:
        sq = np.where(pa > pb, _renyi_sq(np.asarray(a), pa, pb, sigma), 0.0)
        cols[f"Renyi a={a:g}"] = np.sqrt(sq)
    return pd.DataFrame(cols)
