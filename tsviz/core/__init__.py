"""Shared helpers every capability family uses (public names only).

* :mod:`tsviz.core.errors` — :class:`TsvizError`, the root of every family's error class;
* :mod:`tsviz.core.validation` — scalar checks (integers, reals, probabilities, choices, seeds);
* :mod:`tsviz.core.lists` — one parser for comma-separated number and name lists;
* :mod:`tsviz.core.random` — the one randomness rule (:func:`resolve_generator`);
* :mod:`tsviz.core.inputs` — series/label checks and the model's expected input shape;
* :mod:`tsviz.core.models` — model guard, device, dtype, a checked clean forward, input gradients;
* :mod:`tsviz.core.budgets` — budgets checked against the data's scale and float32's range;
* :mod:`tsviz.core.cost` — the one cap on a call's total cost (model evaluations);
* :mod:`tsviz.core.metrics` — confusion counts and trapezoid areas;
* :mod:`tsviz.core.arrays` — read-only array views;
* :mod:`tsviz.core.presets` — named settings (``preset="paper"``): :func:`with_presets`, :func:`matching_preset`.

The names below are loaded on first use, so that ``tsviz.core.errors``, ``validation``, ``lists``,
``metrics``, ``arrays`` and ``presets`` can be imported without torch (the figure modules need that).
"""
from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module of tsviz.core that defines it.
_WHERE = {
    "TsvizError": "errors",
    "CostError": "cost", "DEFAULT_MAX_COST": "cost", "max_cost": "cost", "check_cost": "cost",
    "MAX_BUDGET_RATIO": "budgets", "data_scale": "budgets", "budget_limit": "budgets", "check_budget": "budgets",
    "as_series": "inputs", "as_labels": "inputs", "expected_input": "inputs", "check_model_input": "inputs",
    "guard_model": "models", "model_device": "models", "model_dtype": "models", "model_logits": "models",
    "input_gradient": "models", "check_label_range": "models",
    "resolve_generator": "random",
    "confusion_counts": "metrics", "trapezoid_auc": "metrics",
    "check_int": "validation", "check_real": "validation", "check_positive": "validation",
    "check_probability": "validation", "check_bool": "validation", "check_choice": "validation",
    "check_seed": "validation", "MAX_SEED": "validation",
    "parse_numbers": "lists", "parse_names": "lists", "split_list": "lists", "format_list": "lists",
    "readonly": "arrays",
    "with_presets": "presets", "preset_values": "presets", "matching_preset": "presets",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"tsviz.core.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tsviz.core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
