"""Certification bounds: confidence bounds on class probabilities and certified radii.

A *bound* turns the class counts of CERTIFY's estimation draws into a certificate: a lower bound on
the top class's probability and an L2 radius (the contract, argument by argument, is in
:mod:`tsviz.certify.bounds.base`). Bounds are registered by name in :data:`BOUNDS`
(:mod:`tsviz.certify.bounds.registry`) and chosen with ``Smoothed.certify(bound=name)``:

* ``"cohen"`` -- :func:`cohen_bound` (Cohen et al., ICML 2019), module :mod:`~tsviz.certify.bounds.cohen`;
* ``"renyi"`` -- :func:`renyi_bound` (Li et al., NeurIPS 2019; Theorem 4.1 of the self-ensemble
  paper), module :mod:`~tsviz.certify.bounds.renyi`.

The confidence bounds they share are in :mod:`~tsviz.certify.bounds.confidence` (Clopper-Pearson,
:func:`simultaneous_bounds`); :func:`radius_vs_pa` (:mod:`~tsviz.certify.bounds.curves`) draws the
radius of each as a function of ``pA`` (Fig. 2 of the paper).
"""
from tsviz.certify.bounds.base import (
                                       REASON_LOW_PA,
                                       REASON_PA_PB,
                                       REASON_ZERO_RADIUS,
                                       BoundFunction,
                                       BoundResult,
                                       check_bound_inputs,
)
from tsviz.certify.bounds.cohen import cohen_bound, cohen_radius
from tsviz.certify.bounds.confidence import (
                                       clopper_pearson_interval,
                                       clopper_pearson_lower,
                                       clopper_pearson_upper,
                                       simultaneous_bounds,
)
from tsviz.certify.bounds.curves import radius_vs_pa
from tsviz.certify.bounds.registry import BOUNDS, get_bound, register_bound
from tsviz.certify.bounds.renyi import RENYI_ALPHA_MAX, renyi_bound, renyi_radius, renyi_radius_at_order

__all__ = [
    "BOUNDS", "register_bound", "get_bound", "BoundResult", "BoundFunction", "check_bound_inputs",
    "cohen_bound", "renyi_bound", "cohen_radius", "renyi_radius", "renyi_radius_at_order", "RENYI_ALPHA_MAX",
    "clopper_pearson_lower", "clopper_pearson_upper", "clopper_pearson_interval", "simultaneous_bounds",
    "radius_vs_pa", "REASON_LOW_PA", "REASON_PA_PB", "REASON_ZERO_RADIUS",
]
