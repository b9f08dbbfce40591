"""The radius ceiling of CERTIFY: the largest certified radius ``n`` estimation draws can give.

With ``n`` draws, the best a series can do is to send all ``n`` of them to its top class. The
one-sided Clopper-Pearson lower bound on ``pA`` is then ``alpha^(1/n)`` (Cohen et al. [1],
``LowerConfBound`` at ``k = n``), so Cohen's radius can never exceed

.. math::

    R_{\\max}(n) = \\sigma \\, \\Phi^{-1}\\left(\\alpha^{1/n}\\right),

whatever the classifier. A certification whose radii mostly sit at this ceiling measures ``n``,
not the classifier: two classifiers that both get every draw right look the same, however much
more margin one of them has. On CBF at ``sigma = 0.25``, ``n = 1000``, ``alpha = 0.001`` (30 test
series, seed 0), Single, M_B and M_C each certify all 30 series at Cohen's ceiling 0.6158, 29 of
them correctly, so all three report the same ACR, 29 / 30 x 0.6158 = 0.5953 (issue 15).

Every bound of the registry :data:`~tsviz.certify.bounds.BOUNDS` has such a ceiling: the bound
contract (:mod:`tsviz.certify.bounds.base`) makes the radius non-decreasing as draws move to the
top class, so the radius of the counts ``[n, 0, ..., 0]`` bounds every other. This module computes
it *through the registered bound* (no radius formula is repeated here), inverts it in ``n``, and
says how many radii of a result sit at it:

* :func:`radius_ceiling` -- ``R_max(n)`` for a bound;
* :func:`n_for_radius` -- the smallest ``n`` whose ceiling reaches a radius;
* :func:`ceiling_report` -- share of a result's certified series at the ceiling, and the ``n``
  that lifts the ceiling by a factor (:class:`CeilingReport`).

References
----------
.. [1] J. Cohen, E. Rosenfeld, J. Z. Kolter, "Certified Adversarial Robustness via Randomized
   Smoothing", ICML 2019 (CERTIFY; Clopper-Pearson ``LowerConfBound``; Theorem 1: radius
   ``sigma * Phi^-1(pA_lower)``).
.. [2] C. G. Dong, Z. D. Li, L. N. Zheng, W. Chen, W. E. Zhang, "Boosting Certified Robustness for
   Time Series Classification with Efficient Self-Ensemble", CIKM 2024 (shared paper
   ``certified-robustness-tsc-self-ensemble.txt``: Algorithm 2 and the Renyi bound of Theorem 4.1,
   from Li et al., NeurIPS 2019; n = 1,000 draws at beta = 0.001 in section 5.3).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from tsviz.certify.bounds.registry import get_bound
from tsviz.certify.caps import CAPS
from tsviz.certify.checks import check_alpha, check_sigma
from tsviz.certify.errors import CertifyError
from tsviz.certify.result import ABSTAIN, CertResult
from tsviz.core import check_int, check_real
from tsviz.core.arrays import readonly

__all__ = ["CeilingReport", "radius_ceiling", "n_for_radius", "ceiling_report", "DEFAULT_LIFT"]

#: Default factor by which :func:`ceiling_report` proposes to lift the ceiling (+50 %).
DEFAULT_LIFT = 1.5
#: Largest number of classes :func:`radius_ceiling` builds a count row for.
_MAX_CLASSES = 100_000


def _check_n(n: Any, name: str = "n") -> int:
    return check_int(name, n, 1, CAPS["n"], error=CertifyError)


def _check_bound_name(bound: Any) -> str:
    get_bound(bound)  # CertifyError listing the registered names for an unknown one
    return str(bound)


def radius_ceiling(sigma: float, n: int, alpha: float, *, bound: str = "cohen", n_classes: int | None = None) -> float:
    """The largest radius ``n`` estimation draws can certify: the radius when all ``n`` go to one class.

    Computed by the registered bound itself on the count row ``[n, 0, ..., 0]`` (top class 0), so
    it is exactly the radius :meth:`~tsviz.certify.Smoothed.certify` reports for a series whose
    ``n`` draws all vote for its top class. For ``"cohen"`` this is
    ``sigma * Phi^-1(alpha^(1/n))`` (Cohen et al. [1]: the Clopper-Pearson lower bound at
    ``k = n`` is ``alpha^(1/n)``); for ``"renyi"`` it is the Renyi radius of Theorem 4.1 of [2] at
    ``pA_lower = (alpha/2)^(1/n)`` and ``pB_upper = 1 - (alpha/2)^(1/n)``.

    Parameters
    ----------
    sigma : float > 0
        Noise level, in signal units (mV for ECG); the ceiling is in the same units.
    n : int in ``[1, CAPS["n"]]``
        Estimation draws of CERTIFY.
    alpha : float in ``(0, 0.5)``
        Failure probability of each certificate.
    bound : str
        A name registered in :data:`tsviz.certify.BOUNDS` (``"cohen"``, ``"renyi"``, ...).
    n_classes : int >= 2 or None
        Width of the count row (the classes of the model); None: 2. Cohen's and the Renyi ceilings
        do not depend on it (the runner-up gets no draw either way); a registered bound might.

    Returns
    -------
    float
        The ceiling ``>= 0`` (0 where even ``n`` votes out of ``n`` do not certify, e.g. ``n = 1``).

    Raises
    ------
    CertifyError
        ``sigma`` not a finite number ``> 0``, ``n`` not an integer in ``[1, CAPS["n"]]``, ``alpha``
        outside ``(0, 0.5)``, an unknown ``bound``, ``n_classes`` not an integer ``>= 2``.
    """
    sigma = check_sigma(sigma)
    n = _check_n(n)
    alpha = check_alpha(alpha)
    fn = get_bound(bound)
    k = 2 if n_classes is None else check_int("n_classes", n_classes, 2, _MAX_CLASSES, error=CertifyError)
    counts = np.zeros((1, k), dtype=np.int64)
    counts[0, 0] = n
    res = fn(counts, np.zeros(1, dtype=np.int64), alpha=alpha, sigma=sigma)
    return float(np.asarray(res.radius, dtype=np.float64).reshape(-1)[0])


def _cohen_n(radius: float, sigma: float, alpha: float) -> int:
    """Closed form for Cohen's bound: ``sigma Phi^-1(alpha^(1/n)) >= r`` iff ``n >= log(alpha) / log(Phi(r/sigma))``."""
    from scipy import stats

    log_phi = float(stats.norm.logcdf(radius / sigma))  # < 0; accurate far in the tail
    if log_phi >= 0.0:  # Phi(r/sigma) rounds to 1: no n within reach
        return CAPS["n"] + 1
    guess = math.log(alpha) / log_phi
    return int(min(max(math.ceil(guess), 1), CAPS["n"] + 1))


def n_for_radius(radius: float, sigma: float, alpha: float, *, bound: str = "cohen", n_classes: int | None = None,
                 n_max: int | None = None) -> int:
    """The smallest ``n`` whose ceiling :func:`radius_ceiling` reaches ``radius``.

    The ceiling grows with ``n`` (more unanimous draws, a tighter lower bound on ``pA``). For
    ``"cohen"`` the inverse is closed-form, ``n = ceil(log(alpha) / log(Phi(radius / sigma)))``
    (from ``alpha^(1/n) >= Phi(radius / sigma)``), then checked against the bound itself and moved
    by a step or two where rounding puts it off; for any other bound it is found by doubling then
    bisection on :func:`radius_ceiling`.

    Parameters
    ----------
    radius : float > 0
        The radius to reach, in the units of ``sigma``.
    sigma, alpha, bound, n_classes
        As in :func:`radius_ceiling`.
    n_max : int or None
        Largest ``n`` considered; None: ``CAPS["n"]`` (100,000).

    Returns
    -------
    int
        ``n`` in ``[1, n_max]`` with ``radius_ceiling(sigma, n, alpha) >= radius`` and, for
        ``n > 1``, ``radius_ceiling(sigma, n - 1, alpha) < radius``.

    Raises
    ------
    CertifyError
        Bad ``radius``, ``sigma``, ``alpha``, ``bound``, ``n_classes`` or ``n_max``, or a ``radius``
        no ``n <= n_max`` reaches (the message gives the ceiling at ``n_max``).
    """
    radius = check_real("radius", radius, low=0.0, low_open=True, error=CertifyError)
    sigma = check_sigma(sigma)
    alpha = check_alpha(alpha)
    bound = _check_bound_name(bound)
    top = CAPS["n"] if n_max is None else _check_n(n_max, "n_max")

    def reaches(m: int) -> bool:
        return radius_ceiling(sigma, m, alpha, bound=bound, n_classes=n_classes) >= radius

    if not reaches(top):
        ceiling = radius_ceiling(sigma, top, alpha, bound=bound, n_classes=n_classes)
        raise CertifyError(f"radius {radius:g} is beyond the largest radius n = {top:,} draws allow "
                           f"({ceiling:.4g} at sigma = {sigma:g}, alpha = {alpha:g}, {bound} bound); "
                           "raise sigma or lower the radius")
    if bound == "cohen":
        m = min(_cohen_n(radius, sigma, alpha), top)
        while m < top and not reaches(m):
            m += 1
        while m > 1 and reaches(m - 1):
            m -= 1
        return m
    lo, hi = 0, 1  # invariant: not reaches(lo) (lo = 0 means "none"), reaches(hi)
    while not reaches(hi):
        lo, hi = hi, min(2 * hi, top)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if reaches(mid):
            hi = mid
        else:
            lo = mid
    return hi


@dataclass(frozen=True)
class CeilingReport:
    """How many certified radii of a result sit at the ceiling its ``n`` allows (:func:`ceiling_report`).

    Attributes
    ----------
    ceiling : float, the largest radius ``n`` allows (:func:`radius_ceiling`), signal units
    sigma, alpha : float; n : int; bound : str -- the result's settings
    n_series : int, series in the result; n_certified : int, series not abstained on
    at_ceiling : ndarray bool ``(n_series,)``, read-only: certified with a radius within ``tol``
        (relative) of the ceiling
    n_at_ceiling : int; at_ceiling_share : float, ``n_at_ceiling / n_certified`` (0 when none certified)
    share : float, the threshold; bound_by_ceiling : bool, ``at_ceiling_share > share`` (more than that
        share of the certified series; False when none is certified)
    lift : float, factor the proposed ``n`` lifts the ceiling by; target_radius : ``lift * ceiling``
    n_to_lift : int or None, the smallest ``n`` whose ceiling reaches ``target_radius``
        (:func:`n_for_radius`); None when no ``n <= CAPS["n"]`` does
    """

    ceiling: float
    sigma: float
    alpha: float
    n: int
    bound: str
    n_series: int
    n_certified: int
    at_ceiling: np.ndarray
    n_at_ceiling: int
    at_ceiling_share: float
    share: float
    bound_by_ceiling: bool
    lift: float
    target_radius: float
    n_to_lift: int | None

    def summary(self) -> dict[str, Any]:
        """Plain numbers: the ceiling, the counts and share at it, whether the result is bound by it,
        and the proposed ``n``."""
        return {"ceiling": self.ceiling, "sigma": self.sigma, "alpha": self.alpha, "n": self.n, "bound": self.bound,
                "n_series": self.n_series, "n_certified": self.n_certified, "n_at_ceiling": self.n_at_ceiling,
                "at_ceiling_share": self.at_ceiling_share, "share": self.share,
                "bound_by_ceiling": self.bound_by_ceiling, "lift": self.lift, "target_radius": self.target_radius,
                "n_to_lift": self.n_to_lift}


def _same(name: str, given: Any, recorded: Any) -> None:
    if given is not None and given != recorded:
        raise CertifyError(f"{name}={given!r} differs from the result's {name} ({recorded!r}); the ceiling is that "
                           "of the settings the result was certified with")


def ceiling_report(result: CertResult, *, alpha: float | None = None, bound: str | None = None, share: float = 0.5,
                   tol: float = 1e-6, lift: float = DEFAULT_LIFT) -> CeilingReport:
    """Share of a result's certified series whose radius sits at the ceiling ``n`` allows.

    A series *sits at the ceiling* when it is certified (not :data:`~tsviz.certify.ABSTAIN`) and its
    radius is at least ``ceiling * (1 - tol)``: all its ``n`` draws voted for its top class, and
    its true radius may be anywhere above. The result is *bound by the ceiling* when more than a
    share ``share`` of its certified series sit there (``share = 0.5``: most of them): its ACR then
    measures ``n`` more than the classifier.

    The proposed ``n`` (rule): the smallest ``n`` whose ceiling is ``lift`` times the current one
    (``lift = 1.5``: 50 % higher), :func:`n_for_radius` at ``lift * ceiling`` with the result's
    ``sigma``, ``alpha`` and bound. The ceiling grows like ``sigma * sqrt(2 log(n / log(1/alpha)))``,
    slowly, so the proposed ``n`` is often several times the current one; None when no
    ``n <= CAPS["n"]`` reaches it.

    Parameters
    ----------
    result : CertResult
        A certification (:meth:`~tsviz.certify.Smoothed.certify`); its ``sigma``, ``n``, ``alpha``,
        ``bound`` and number of classes define the ceiling.
    alpha, bound : optional
        The certification's ``alpha`` and bound name; None: the result's. When given they must equal
        the result's (a check that the caller reads the result it means).
    share : float in ``[0, 1)``
        Threshold of :attr:`CeilingReport.bound_by_ceiling` (0.5: more than half).
    tol : float in ``[0, 0.1]``
        Relative tolerance of "at the ceiling".
    lift : float > 1
        Factor by which the proposed ``n`` lifts the ceiling.

    Returns
    -------
    CeilingReport

    Raises
    ------
    CertifyError
        ``result`` not a :class:`CertResult`, ``alpha``/``bound`` different from the result's, bad
        ``share``, ``tol`` or ``lift``, or settings in the result that :func:`radius_ceiling` refuses.
    """
    if not isinstance(result, CertResult):
        raise CertifyError(f"result must be a CertResult, got {type(result).__name__}")
    _same("alpha", alpha, result.alpha)
    _same("bound", bound, result.bound)
    share = check_real("share", share, low=0.0, high=1.0, high_open=True, error=CertifyError)
    tol = check_real("tol", tol, low=0.0, high=0.1, error=CertifyError)
    lift = check_real("lift", lift, low=1.0, low_open=True, high=1e6, error=CertifyError)
    k = int(result.counts.shape[1]) if result.counts.ndim == 2 else 2
    ceiling = radius_ceiling(result.sigma, result.n, result.alpha, bound=result.bound, n_classes=max(k, 2))
    radius = np.asarray(result.radius, dtype=np.float64).reshape(-1)
    certified = np.asarray(result.prediction).reshape(-1) != ABSTAIN
    at = certified & (radius > 0) & (radius >= ceiling * (1.0 - tol)) if ceiling > 0 else np.zeros_like(certified)
    n_cert, n_at = int(certified.sum()), int(at.sum())
    frac = n_at / n_cert if n_cert else 0.0
    target = lift * ceiling
    try:
        n_lift = n_for_radius(target, result.sigma, result.alpha, bound=result.bound, n_classes=max(k, 2)) \
            if target > 0 else None
    except CertifyError:
        n_lift = None
    return CeilingReport(ceiling=ceiling, sigma=float(result.sigma), alpha=float(result.alpha), n=int(result.n),
                         bound=str(result.bound), n_series=int(radius.shape[0]), n_certified=n_cert,
                         at_ceiling=readonly(at), n_at_ceiling=n_at, at_ceiling_share=float(frac), share=share,
                         bound_by_ceiling=bool(n_cert > 0 and frac > share), lift=lift, target_radius=float(target),
                         n_to_lift=n_lift)
