"""What every certification bound takes and returns (the bound contract of :mod:`tsviz.certify.bounds`).

A bound is a function ``bound(counts, top, *, alpha, sigma) -> BoundResult``:

* ``counts`` -- int ``(N, K)``: per series, how many of the ``n`` estimation draws of CERTIFY fell
  on each outcome; every row sums to the same ``n >= 1``. Outcomes are the classes, and may end
  with one extra column of draws that gave no decision (a non-finite model output): a bound must
  treat every column other than ``top`` as "not ``top``".
* ``top`` -- int ``(N,)`` in ``[0, K)``: the class ``cA`` of each series, chosen from *separate*
  selection draws (independent of ``counts``), as CERTIFY does.
* ``alpha`` -- in ``(0, 0.5)``: the certificate holds with probability at least ``1 - alpha``.
* ``sigma`` -- ``> 0``: the Gaussian noise level in signal units; radii are in the same units.

It returns a :class:`BoundResult` whose ``reason`` is ``""`` exactly where it certifies (radius
``> 0``) and names why elsewhere (radius 0). Every bound checks its inputs with
:func:`check_bound_inputs` and raises :class:`~tsviz.certify.errors.CertifyError` for bad ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from tsviz.certify.checks import check_alpha, check_sigma
from tsviz.certify.errors import CertifyError
from tsviz.core.arrays import readonly

__all__ = ["BoundResult", "BoundFunction", "check_bound_inputs", "REASON_LOW_PA", "REASON_PA_PB",
           "REASON_ZERO_RADIUS"]

#: ``reason`` of a series whose lower bound on ``pA`` is not above 1/2 (Cohen).
REASON_LOW_PA = "pA_lower <= 1/2"
#: ``reason`` of a series whose lower bound on ``pA`` is not above the upper bound on ``pB`` (Renyi).
REASON_PA_PB = "pA_lower <= pB_upper"
#: ``reason`` of a series whose bounds separate but whose radius is 0 (Renyi).
REASON_ZERO_RADIUS = "zero radius"


@dataclass(frozen=True)
class BoundResult:
    """Output of a certification bound, one entry per series (read-only arrays).

    Attributes
    ----------
    p_lower : ndarray float64 ``(N,)`` in ``[0, 1]``, lower confidence bound on ``pA = P(g = top)``
    p_upper : ndarray float64 ``(N,)`` in ``[0, 1]``, upper bound on the runner-up's probability
        ``pB = max_{j != top} p_j`` that the bound used (``1 - p_lower`` for a bound that uses none)
    radius : ndarray float64 ``(N,)``, certified L2 radius ``>= 0`` in the units of ``sigma``;
        0 where the bound does not certify
    reason : ndarray str ``(N,)``, ``""`` where certified, else why not
    """

    p_lower: np.ndarray
    p_upper: np.ndarray
    radius: np.ndarray
    reason: np.ndarray

    @property
    def certified(self) -> np.ndarray:
        """``(N,)`` bool: the series this bound certifies (``reason == ""``)."""
        return self.reason == ""

    def summary(self) -> dict[str, Any]:
        """Share certified and the mean radius of the certified series."""
        ok = self.certified
        return {"n_series": int(ok.shape[0]), "certified_rate": float(ok.mean()) if ok.size else 0.0,
                "mean_certified_radius": float(self.radius[ok].mean()) if ok.any() else 0.0}

    @classmethod
    def build(cls, p_lower, p_upper, radius, reason) -> BoundResult:
        """Assemble a result, zeroing the radius wherever ``reason`` is not empty."""
        reason = np.asarray(reason).astype(str)
        radius = np.where(reason == "", np.asarray(radius, dtype=np.float64), 0.0)
        return cls(p_lower=readonly(np.asarray(p_lower, dtype=np.float64).reshape(-1)),
                   p_upper=readonly(np.asarray(p_upper, dtype=np.float64).reshape(-1)),
                   radius=readonly(radius.reshape(-1)), reason=readonly(reason.reshape(-1)))


class BoundFunction(Protocol):
    """The signature of a registered bound (see the module docstring)."""

    def __call__(self, counts: np.ndarray, top: np.ndarray, *, alpha: float, sigma: float) -> BoundResult: ...


def _integer_array(name: str, value: Any) -> np.ndarray:
    try:
        a = np.asarray(value)
    except (TypeError, ValueError):
        raise CertifyError(f"{name} must hold integers, got {type(value).__name__}") from None
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(np.mod(a, 1) == 0):
        return a.astype(np.int64)
    raise CertifyError(f"{name} must hold integers, got dtype {a.dtype}")


def check_bound_inputs(counts: Any, top: Any, alpha: Any, sigma: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                                 float, float]:
    """The inputs of a bound, checked: ``(counts (N, K) int64, top (N,) int64, n (N,) int64, alpha, sigma)``.

    Raises
    ------
    CertifyError
        ``counts`` not an ``(N, K)`` array of non-negative integers with ``N >= 1``, ``K >= 2`` and every
        row summing to the same ``n >= 1``; ``top`` not ``N`` (or one) integer classes in ``[0, K)``
        (a float ``top`` is refused); ``alpha`` outside ``(0, 0.5)``; ``sigma`` not a finite number ``> 0``.
    """
    alpha = check_alpha(alpha)
    sigma = check_sigma(sigma)
    c = _integer_array("counts", counts)
    if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 2:
        raise CertifyError(f"counts must have shape (n_series, K) with K >= 2, got {np.shape(counts)}")
    if np.any(c < 0):
        raise CertifyError("counts must be >= 0")
    n = c.sum(axis=1)
    if np.any(n < 1):
        raise CertifyError("every row of counts must hold at least one draw")
    if np.any(n != n[0]):
        raise CertifyError(f"every row of counts must sum to the same number of draws n; got sums from {int(n.min())} "
                           f"to {int(n.max())}")
    t = np.asarray(top)
    if t.dtype.kind not in "iu":
        raise CertifyError(f"top must hold integer class indices, got dtype {t.dtype}")
    N, K = c.shape
    if t.size not in (1, N) or np.any((t < 0) | (t >= K)):
        raise CertifyError(f"top must hold {N} class indices in [0, {K}), got {top!r}")
    t = np.broadcast_to(t.reshape(-1), (N,)).astype(np.int64)
    return c, t, n, alpha, sigma
