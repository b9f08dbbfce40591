"""Shared helpers every capability family uses (public names only).

* :mod:`tsviz.core.errors` — :class:`TsvizError`, the root of every family's error class;
* :mod:`tsviz.core.validation` — scalar checks (integers, reals, probabilities, choices, seeds);
* :mod:`tsviz.core.random` — the one randomness rule (:func:`resolve_generator`);
* :mod:`tsviz.core.inputs` — series/label checks and the model's expected input shape;
* :mod:`tsviz.core.models` — model guard, device, dtype, a checked clean forward, input gradients;
* :mod:`tsviz.core.budgets` — budgets checked against the data's scale and float32's range;
* :mod:`tsviz.core.cost` — the one cap on a call's total cost (model evaluations);
* :mod:`tsviz.core.metrics` — confusion counts and trapezoid areas.
"""
from tsviz.core.budgets import MAX_BUDGET_RATIO, budget_limit, check_budget, data_scale
from tsviz.core.cost import DEFAULT_MAX_COST, CostError, check_cost, max_cost
from tsviz.core.errors import TsvizError
from tsviz.core.inputs import as_labels, as_series, check_model_input, expected_input
from tsviz.core.metrics import confusion_counts, trapezoid_auc
from tsviz.core.models import (
    check_label_range, guard_model, input_gradient, model_device, model_dtype, model_logits,
)
from tsviz.core.random import resolve_generator
from tsviz.core.validation import (
    MAX_SEED, check_bool, check_choice, check_int, check_positive, check_probability, check_real, check_seed,
)

__all__ = [
    "TsvizError", "CostError", "DEFAULT_MAX_COST", "max_cost", "check_cost",
    "MAX_BUDGET_RATIO", "data_scale", "budget_limit", "check_budget",
    "as_series", "as_labels", "expected_input", "check_model_input",
    "guard_model", "model_device", "model_dtype", "model_logits", "input_gradient", "check_label_range",
    "resolve_generator", "confusion_counts", "trapezoid_auc",
    "check_int", "check_real", "check_positive", "check_probability", "check_bool", "check_choice", "check_seed",
    "MAX_SEED",
]
