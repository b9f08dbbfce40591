"""tsviz: a workbench for the adversarial robustness of time-series classifiers, ECG first.

Subpackages are imported lazily (``tsviz.data``, ``tsviz.models``, ``tsviz.training``, ...), so
``import tsviz`` is cheap and never imports streamlit, plotly or captum.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBPACKAGES = ("core", "augment", "data", "models", "training", "attacks", "certify", "explain", "viz", "device",
                "cli", "review", "runs")

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"tsviz.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tsviz' has no attribute {name!r}")
