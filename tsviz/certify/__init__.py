"""Certified robustness: randomized smoothing, self-ensemble masks, radius bounds, curves.

``Smoothed(model, sigma, masks=None).certify(x, *, n0, n, alpha, bound="cohen"|"renyi") -> CertResult``.
Every bad-input error of the package is a :class:`CertifyError` (a ``TsvizError``, a ``ValueError``).
"""
from tsviz.certify.bounds import (clopper_pearson_interval, clopper_pearson_lower, clopper_pearson_upper,
                                  cohen_radius, renyi_radius, simultaneous_bounds)
from tsviz.certify.errors import CertifyCostError, CertifyError
from tsviz.certify.masks import MAX_MASKS, binomial_masks, continuous_masks
from tsviz.certify.metrics import accuracy_vs_radius, average_certified_radius, certified_accuracy
from tsviz.certify.smoothing import ABSTAIN, MAX_N, MAX_N0, CertResult, Smoothed

__all__ = [
    "CertifyError", "CertifyCostError", "ABSTAIN", "Smoothed", "CertResult", "MAX_N", "MAX_N0", "MAX_MASKS",
    "binomial_masks", "continuous_masks",
    "clopper_pearson_lower", "clopper_pearson_upper", "clopper_pearson_interval", "cohen_radius",
    "renyi_radius", "simultaneous_bounds",
    "certified_accuracy", "average_certified_radius", "accuracy_vs_radius",
]
