"""Certified accuracy curves and the average certified radius (ACR).

Reference: Cohen et al., ICML 2019 (certified accuracy at radius r); shared paper
``certified-robustness-tsc-self-ensemble.txt`` (ACR, Table 3; accuracy-vs-radius, Figures 5-6).
"""
from __future__ import annotations

import numpy as np

from tsviz.certify.caps import CAPS
from tsviz.certify.errors import CertifyError
from tsviz.certify.result import ABSTAIN, CertResult
from tsviz.core import as_labels, check_int, check_positive

__all__ = ["certified_accuracy", "average_certified_radius", "accuracy_vs_radius"]


def _correct(result: CertResult, y) -> np.ndarray:
    if not isinstance(result, CertResult):
        raise CertifyError(f"result must be a CertResult, got {type(result).__name__}")
    y = as_labels(y, result.prediction.shape[0], n_classes=result.counts.shape[1], error=CertifyError).cpu().numpy()
    return (result.prediction == y) & (result.prediction != ABSTAIN)


def certified_accuracy(result: CertResult, y, radii) -> np.ndarray:
    """Fraction of samples with ``prediction == y`` and ``radius >= r`` for each ``r`` in ``radii``.

    ``y`` ``(n,)``: integer class labels in ``[0, K)`` (float labels are refused, never truncated).

    Inclusive at ``r`` (a sample certified at exactly ``r`` counts); abstentions count as wrong.

    Returns
    -------
    ndarray float64 ``(len(radii),)`` (0-d input gives shape ``(1,)``)
    """
    ok = _correct(result, y)
    try:
        r = np.atleast_1d(np.asarray(radii, dtype=np.float64))
    except (TypeError, ValueError):
        raise CertifyError(f"radii must be a 1-D sequence of finite numbers >= 0, got {radii!r}") from None
    if r.ndim != 1 or not np.all(np.isfinite(r)) or np.any(r < 0):
        raise CertifyError("radii must be a 1-D sequence of finite numbers >= 0")
    return (ok[None, :] & (result.radius[None, :] >= r[:, None])).mean(axis=1)


def average_certified_radius(result: CertResult, y) -> float:
    """ACR: mean over all samples of ``radius * [prediction == y]`` (abstentions contribute 0)."""
    ok = _correct(result, y)
    return float(np.mean(np.where(ok, result.radius, 0.0)))


def accuracy_vs_radius(result: CertResult, y, *, max_radius: float | None = None,
                       points: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """``(radii, acc)``: ``points`` evenly spaced radii in ``[0, max_radius]`` and the certified
    accuracy at each. ``max_radius`` defaults to the largest certified radius (or ``sigma`` when
    nothing is certified)."""
    if not isinstance(result, CertResult):
        raise CertifyError(f"result must be a CertResult, got {type(result).__name__}")
    points = check_int("points", points, 2, CAPS["points"], error=CertifyError)
    if max_radius is None:
        top = float(result.radius.max()) if result.radius.size else 0.0
        max_radius = top if top > 0 else float(result.sigma)
    else:
        max_radius = check_positive("max_radius", max_radius, error=CertifyError)
    radii = np.linspace(0.0, float(max_radius), int(points))
    return radii, certified_accuracy(result, y, radii)
