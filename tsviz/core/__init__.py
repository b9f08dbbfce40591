"""Shared helpers every capability family uses (public names only).

* :mod:`tsviz.core.errors` — :class:`TsvizError`, the root of every family's error class;
* :mod:`tsviz.core.inputs` — series/label checks and the model's expected input shape;
* :mod:`tsviz.core.budgets` — budgets checked against the data's scale and float32's range;
* :mod:`tsviz.core.cost` — the one cap on a call's total cost (model evaluations).
"""
from tsviz.core.budgets import MAX_BUDGET_RATIO, budget_limit, check_budget, data_scale
from tsviz.core.cost import DEFAULT_MAX_COST, CostError, check_cost, max_cost
from tsviz.core.errors import TsvizError
from tsviz.core.inputs import as_labels, as_series, check_model_input, expected_input

__all__ = [
    "TsvizError", "CostError", "DEFAULT_MAX_COST", "max_cost", "check_cost",
    "MAX_BUDGET_RATIO", "data_scale", "budget_limit", "check_budget",
    "as_series", "as_labels", "expected_input", "check_model_input",
]
