"""Clinician review of adversarial ECGs: the numbers a clinician asks for, and beats in context.

* :mod:`tsviz.review.metrics` — :func:`perturbation_report` (peak in µV, energy, SNR in dB, band
  powers of the perturbation, visible on paper or not) and :func:`model_verdict` (class and
  confidence before and after, AAMI class names);
* :mod:`tsviz.review.context` — :func:`beat_in_context` puts an attacked beat back into its 10-s
  strip of the recording it was cut from (WFDB records, synthetic rhythm strips);
* :mod:`tsviz.review.inputs` — :class:`ReviewSet` (the series under review and their provenance),
  :func:`read_review_npz` (an uploaded file, read as hostile input).

ECG paper itself is drawn by :func:`tsviz.viz.ecg_paper.ecg_paper_figure`. Errors for bad input are
:class:`ReviewError` (a :class:`tsviz.core.TsvizError`). Names load lazily: ``import tsviz.review``
imports neither torch, scipy nor plotly.
"""
from __future__ import annotations

import importlib
from typing import Any

from tsviz.review.caps import CAPS
from tsviz.review.errors import ReviewError

__all__ = ["ReviewError", "perturbation_report", "PerturbationReport", "model_verdict", "ModelVerdict", "BANDS",
           "VISIBLE_MV", "AAMI_NAMES", "PSD_METHOD", "visibility_sentence", "class_display_names",
           "beat_in_context", "BeatContext", "dataset_beat_context", "context_unavailable", "CONTEXT_SECONDS",
           "dataset_beat_origin", "ReviewSet", "read_review_npz", "check_pair", "MAX_SERIES", "MAX_NPZ_MB", "CAPS"]

_WHERE = {
    "perturbation_report": "metrics", "PerturbationReport": "metrics", "model_verdict": "metrics",
    "ModelVerdict": "metrics", "BANDS": "metrics", "VISIBLE_MV": "metrics", "AAMI_NAMES": "metrics",
    "PSD_METHOD": "metrics", "visibility_sentence": "metrics", "class_display_names": "metrics",
    "beat_in_context": "context", "BeatContext": "context", "dataset_beat_context": "context",
    "context_unavailable": "context", "CONTEXT_SECONDS": "context", "dataset_beat_origin": "context",
    "ReviewSet": "inputs", "read_review_npz": "inputs", "check_pair": "inputs", "MAX_SERIES": "caps",
    "MAX_NPZ_MB": "caps",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"tsviz.review.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tsviz.review' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
