"""Certified robustness: randomized smoothing, self-ensemble masks, radius bounds, curves.

The certification family's contract
-----------------------------------
Call shape
    ``Smoothed(model, sigma, masks=None, *, batch_size="auto", n_classes=None)`` stores its
    hyperparameters as given (validated when called); ``model`` is one ``nn.Module`` or a list of
    them (a deep ensemble). ``.certify(x, *, n0, n, alpha, bound="cohen", generator=None,
    seed=None, progress=None) -> CertResult``; ``.predict``, ``.counts``, ``.scores`` likewise.
    The analyses (:func:`certify_configs`, :func:`ablation`, :func:`noise_margins`,
    :func:`attack_success_rates`, :func:`soundness_check`) take the same keyword arguments.
Bounds
    A bound is a registered function ``bound(counts, top, *, alpha, sigma) -> BoundResult``
    (:mod:`tsviz.certify.bounds`, contract in :mod:`tsviz.certify.bounds.base`), registered by name
    in :data:`BOUNDS` (:func:`register_bound` adds one) and picked by ``certify(bound=name)``.
Randomness
    Every entry point that draws noise takes keyword-only ``generator`` (a ``torch.Generator``)
    and ``seed`` (an int), resolved by :func:`tsviz.core.resolve_generator`: the generator as
    given (advanced in place), else a fresh generator on the model's device seeded ``seed`` (0 when
    None); both given is a :class:`CertifyError`. Composite analyses derive their streams from one
    seed (:func:`tsviz.certify.checks.base_seed`). Same seed, same result; the global RNG is
    never touched. The mask generators :func:`binomial_masks` / :func:`continuous_masks` follow the
    same rule (CPU generator).
Device
    The first member's device (:func:`tsviz.core.model_device`): series, masks and noise are moved
    there; results come back as numpy arrays on the CPU.
Progress
    Every long entry point takes ``progress: Callable[[float, str], None] | None``, called with a
    fraction in ``[0, 1]`` and a message, ending at 1.0.
Errors
    Every error for bad input is a :class:`CertifyError` (a :class:`tsviz.core.TsvizError`, a
    ``ValueError``); a call over the total-cost cap raises :class:`CertifyCostError`.
Results
    Frozen dataclasses of read-only numpy arrays with a ``summary()`` dict: :class:`CertResult`,
    :class:`~tsviz.certify.compare.Comparison`, :class:`~tsviz.certify.margins.NoiseMargins`,
    :class:`~tsviz.certify.soundness.SoundnessReport`, :class:`~tsviz.certify.bounds.BoundResult`.
    (:func:`attack_success_rates` returns a pandas DataFrame, one row per classifier and budget.)
Cost
    Every entry point states its cost in model evaluations before it runs
    (:mod:`tsviz.certify.costs`: :func:`certification_cost`, :func:`ablation_cost`,
    :func:`scores_cost`, :func:`attack_rates_cost`, :func:`soundness_cost`, the factors it holds to
    :func:`tsviz.core.max_cost`), so a page can show an estimate of the time before a run.
Ceiling
    ``n`` estimation draws certify at most :func:`radius_ceiling` (all ``n`` votes for one class);
    :func:`n_for_radius` inverts it and :func:`ceiling_report` says how many radii of a result sit
    there (:mod:`tsviz.certify.ceiling`), so a page can warn when a comparison measures ``n``.
Clinical certificate
    :func:`invisible_l2` turns a visibility threshold (mV peak, default 0.05: half a small square
    at 10 mm/mV) into the L2 radius that covers every edit below it (``peak * sqrt(T C)``),
    :func:`largest_invisible_peak` a radius into the largest peak it covers, and
    :func:`clinical_certificate` states per beat and for the set whether a result is certified
    correct against every such edit (:mod:`tsviz.certify.clinical`).
Caps
    :data:`CAPS` (parameter -> largest value, :mod:`tsviz.certify.caps`) is the one place the
    library, the CLI and the app read their limits from; the product of a call's factors is held to
    :func:`tsviz.core.max_cost`.
Model state
    Models are left exactly as found (:func:`tsviz.core.guard_model`).

Heavy imports (pandas, the attacks for :func:`attack_success_rates`) happen inside the functions
that need them or in their own modules.
"""
from tsviz.certify.ablation import ablation
from tsviz.certify.attack_rate import attack_success_rates
from tsviz.certify.bounds import (
                                  BOUNDS,
                                  BoundResult,
                                  clopper_pearson_interval,
                                  clopper_pearson_lower,
                                  clopper_pearson_upper,
                                  cohen_bound,
                                  cohen_radius,
                                  get_bound,
                                  radius_vs_pa,
                                  register_bound,
                                  renyi_bound,
                                  renyi_radius,
                                  simultaneous_bounds,
)
from tsviz.certify.caps import CAPS, MAX_MASKS, MAX_N, MAX_N0
from tsviz.certify.ceiling import CeilingReport, ceiling_report, n_for_radius, radius_ceiling
from tsviz.certify.clinical import (
                                  DEFAULT_THRESHOLD_MV,
                                  VOLTAGE_UNITS,
                                  ClinicalCertificate,
                                  clinical_certificate,
                                  invisible_l2,
                                  is_voltage_unit,
                                  largest_invisible_peak,
                                  mv_per_unit,
)
from tsviz.certify.compare import CertConfig, Comparison, certify_configs
from tsviz.certify.costs import (
                                 ablation_cost,
                                 attack_rates_cost,
                                 certification_cost,
                                 scores_cost,
                                 soundness_cost,
)
from tsviz.certify.errors import CertifyCostError, CertifyError
from tsviz.certify.margins import NoiseMargins, noise_margins
from tsviz.certify.masks import MASK_KINDS, binomial_masks, continuous_masks
from tsviz.certify.metrics import accuracy_vs_radius, average_certified_radius, certified_accuracy
from tsviz.certify.result import ABSTAIN, CertResult
from tsviz.certify.smoothing import Smoothed
from tsviz.certify.soft import SoftSmoothed
from tsviz.certify.soundness import SoundnessReport, soundness_check

__all__ = [
    "CertifyError", "CertifyCostError", "ABSTAIN", "Smoothed", "CertResult", "CAPS", "MAX_N", "MAX_N0", "MAX_MASKS",
    "BOUNDS", "register_bound", "get_bound", "BoundResult", "cohen_bound", "renyi_bound",
    "binomial_masks", "continuous_masks", "MASK_KINDS",
    "clopper_pearson_lower", "clopper_pearson_upper", "clopper_pearson_interval", "cohen_radius",
    "renyi_radius", "simultaneous_bounds", "radius_vs_pa",
    "certified_accuracy", "average_certified_radius", "accuracy_vs_radius",
    "CertConfig", "Comparison", "certify_configs", "ablation", "NoiseMargins", "noise_margins",
    "SoftSmoothed", "attack_success_rates", "SoundnessReport", "soundness_check",
    "certification_cost", "ablation_cost", "scores_cost", "attack_rates_cost", "soundness_cost",
    "radius_ceiling", "n_for_radius", "ceiling_report", "CeilingReport",
    "invisible_l2", "largest_invisible_peak", "clinical_certificate", "ClinicalCertificate", "mv_per_unit",
    "is_voltage_unit", "VOLTAGE_UNITS", "DEFAULT_THRESHOLD_MV",
]
