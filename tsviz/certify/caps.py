"""The caps of :mod:`tsviz.certify`: the largest value of every user-settable count, in one place.

:data:`CAPS` maps a parameter name to its largest accepted value; the library checks against it,
and the app and the CLI read it instead of defining their own limits. The ``MAX_*`` constants are
the same values under the names earlier releases exported.

Each cap bounds one factor; the *product* of the factors of one call (series x noise draws x masks
x ensemble members, ...) is held separately to the one total-cost cap
:func:`tsviz.core.max_cost` (``TSVIZ_MAX_COST``, default 2e7 model evaluations), so a cap here can
stay at the value a paper uses (Cohen et al.'s ``n = 100,000``) without letting a call describe
days of work.

========================  =========  =====================================================================
key                       value      what it bounds (and why this value)
========================  =========  =====================================================================
``series``                10,000     series per call of ``Smoothed.certify/counts/predict/scores`` and
                                     :func:`~tsviz.certify.compare.certify_configs` (a test split)
``n0``                    10,000     selection draws of CERTIFY (Cohen et al. use 100; a 100-fold margin)
``n``                     100,000    estimation draws of CERTIFY and PREDICT (Cohen et al.'s largest)
``masks``                 64         fixed masks of a self-ensemble (``m``; the paper's ablation goes to 32)
``configs``               32         smoothed classifiers compared in one call
``score_values``          5e7        ``series x n x classes`` values returned by ``Smoothed.scores``
                                     (about 200 MB of float32)
``draws``                 1,024      noise draws per forward of the soft smoothed classifier
                                     (:class:`~tsviz.certify.soft.SoftSmoothed`, ``draws``/``pgd_draws``)
``pgd_steps``             1,000      PGD-L2 steps of :func:`~tsviz.certify.attack_rate.attack_success_rates`
                                     (``steps``) and :func:`~tsviz.certify.soundness.soundness_check`
``attack_series``         500        series attacked by :func:`~tsviz.certify.attack_rate.attack_success_rates`
``soundness_series``      500        certified series checked by ``soundness_check`` (``max_samples``)
``directions``            64         random directions per series and fraction in ``soundness_check``
``fractions``             16         radius fractions tested in one ``soundness_check``
``points``                100,000    points of an accuracy-vs-radius grid
``mask_length``           1,000,000  length ``T`` of a mask
========================  =========  =====================================================================
"""
from __future__ import annotations

__all__ = ["CAPS", "MAX_SAMPLES", "MAX_N0", "MAX_N", "MAX_MASKS", "MAX_CONFIGS", "MAX_SCORES", "MAX_SOFT_DRAWS",
           "MAX_PGD_STEPS", "MAX_ATTACK_SAMPLES", "MAX_SOUNDNESS_SAMPLES", "MAX_DIRECTIONS", "MAX_FRACTIONS",
           "MAX_POINTS", "MAX_MASK_LENGTH"]

#: Parameter name -> largest accepted value (see the module docstring). Read it; do not change it.
CAPS: dict[str, int] = {
    "series": 10_000,
    "n0": 10_000,
    "n": 100_000,
    "masks": 64,
    "configs": 32,
    "score_values": 50_000_000,
    "draws": 1024,
    "pgd_steps": 1000,
    "attack_series": 500,
    "soundness_series": 500,
    "directions": 64,
    "fractions": 16,
    "points": 100_000,
    "mask_length": 1_000_000,
}

MAX_SAMPLES = CAPS["series"]
MAX_N0 = CAPS["n0"]
MAX_N = CAPS["n"]
MAX_MASKS = CAPS["masks"]
MAX_CONFIGS = CAPS["configs"]
MAX_SCORES = CAPS["score_values"]
MAX_SOFT_DRAWS = CAPS["draws"]
MAX_PGD_STEPS = CAPS["pgd_steps"]
MAX_ATTACK_SAMPLES = CAPS["attack_series"]
MAX_SOUNDNESS_SAMPLES = CAPS["soundness_series"]
MAX_DIRECTIONS = CAPS["directions"]
MAX_FRACTIONS = CAPS["fractions"]
MAX_POINTS = CAPS["points"]
MAX_MASK_LENGTH = CAPS["mask_length"]
