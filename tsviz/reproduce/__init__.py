"""Reproductions: the papers' headline results beside tsviz's, with paper-exact settings.

A *target* (:class:`Target`) is one table or figure of one paper: its published numbers
(``paper_table``), three configurations (``"tiny"`` for tests, seconds; ``"quick"`` for CI,
minutes on 2 CPU cores; ``"full"``, the paper's settings, meant for a GPU), and a ``run`` function
that measures the same table with tsviz. :func:`run_target` runs one and returns a
:class:`TargetResult` whose :class:`Verdict` (``"matches"`` / ``"same direction"`` / ``"differs"``
/ ``"not run"``) comes from :func:`compare`.

Targets are registered explicitly in :data:`TARGETS` (:mod:`tsviz.reproduce.registry`), one module
per target in :mod:`tsviz.reproduce.targets`. Real data (UCR folders, MIT-BIH) is read from
``data_root`` (the CLI's ``--data``, else the environment variable ``TSVIZ_DATA``); a target whose
data is missing returns the verdict ``"not run"`` with a note naming the folder and the public
source.

This package never imports streamlit nor :mod:`tsviz.runs`: the CLI (``python -m tsviz reproduce``)
and the Reproduce page record results in the run store. Submodules are imported lazily.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ReproduceError": "tsviz.reproduce.errors",
    "PaperRef": "tsviz.reproduce.target",
    "Target": "tsviz.reproduce.target",
    "TargetResult": "tsviz.reproduce.target",
    "Verdict": "tsviz.reproduce.verdict",
    "compare": "tsviz.reproduce.verdict",
    "compare_table": "tsviz.reproduce.verdict",
    "VERDICT_LABELS": "tsviz.reproduce.verdict",
    "TARGETS": "tsviz.reproduce.registry",
    "get_target": "tsviz.reproduce.registry",
    "list_targets": "tsviz.reproduce.registry",
    "run_target": "tsviz.reproduce.registry",
    "default_data_root": "tsviz.reproduce.registry",
    "missing_data": "tsviz.reproduce.registry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tsviz.reproduce' has no attribute {name!r}")
