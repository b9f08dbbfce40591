"""The caps of :mod:`tsviz.explain`: the largest value of every user-settable count, in one place.

:data:`CAPS` maps a parameter name to its largest accepted value; the library checks against it,
and the app and the CLI read it instead of defining their own limits. The ``MAX_*`` constants are
the same values under the names earlier releases exported. Each cap bounds one factor; the
product of a call's factors (series x steps, series x noisy copies, ...) is held separately to
the one total-cost cap :func:`tsviz.core.max_cost` (``TSVIZ_MAX_COST``, default 2e7 model
evaluations), which is what keeps a call short: 1,000 series x 5,000 NeuroMask steps passes the
caps but not the cost cap.

===========================  =======  ==================================================================
key                          value    what it bounds (and why this value)
===========================  =======  ==================================================================
``series``                   1,000    series per call of ``attribute``, ``neuromask``, ``explain_methods``
                                      and ``backdoor_demo`` (clean + triggered); results hold ``(n, C, T)``
``neuromask_steps``          5,000    RMSProp updates of NeuroMask (the dissertation uses a few hundred)
``ig_steps``                 1,000    integrated-gradients interpolation points (50 is Captum's default)
``n_samples``                500      SmoothGrad noisy copies per series (Smilkov et al. use 50)
``batch_size``               65,536   rows per forward/backward pass of ``attribute``
``faithfulness_series``      10,000   series per deletion/insertion call (forward passes only)
``faithfulness_steps``       200      fractions ``S`` of a deletion/insertion curve
``faithfulness_batch_size``  65,536   masked series per forward pass of the curves
``blur_width``               1,001    moving-average width of the ``"blur"`` baseline, in time steps
``history_snapshots``        200      NeuroMask mask snapshots kept in ``MaskResult.history``
===========================  =======  ==================================================================
"""
from __future__ import annotations

__all__ = ["CAPS", "MAX_ATTRIBUTION_SAMPLES", "MAX_NEUROMASK_SAMPLES", "MAX_NEUROMASK_STEPS", "MAX_IG_STEPS",
           "MAX_NT_SAMPLES", "MAX_BATCH_SIZE", "MAX_FAITHFULNESS_SAMPLES", "MAX_FAITHFULNESS_STEPS",
           "MAX_FAITHFULNESS_BATCH_SIZE", "MAX_BLUR_WIDTH", "MAX_HISTORY_SNAPSHOTS"]

#: Parameter name -> largest accepted value (see the module docstring). Read it; do not change it.
CAPS: dict[str, int] = {
    "series": 1000,
    "neuromask_steps": 5000,
    "ig_steps": 1000,
    "n_samples": 500,
    "batch_size": 65536,
    "faithfulness_series": 10_000,
    "faithfulness_steps": 200,
    "faithfulness_batch_size": 65536,
    "blur_width": 1001,
    "history_snapshots": 200,
}

MAX_ATTRIBUTION_SAMPLES = CAPS["series"]
MAX_NEUROMASK_SAMPLES = CAPS["series"]
MAX_NEUROMASK_STEPS = CAPS["neuromask_steps"]
MAX_IG_STEPS = CAPS["ig_steps"]
MAX_NT_SAMPLES = CAPS["n_samples"]
MAX_BATCH_SIZE = CAPS["batch_size"]
MAX_FAITHFULNESS_SAMPLES = CAPS["faithfulness_series"]
MAX_FAITHFULNESS_STEPS = CAPS["faithfulness_steps"]
MAX_FAITHFULNESS_BATCH_SIZE = CAPS["faithfulness_batch_size"]
MAX_BLUR_WIDTH = CAPS["blur_width"]
MAX_HISTORY_SNAPSHOTS = CAPS["history_snapshots"]
