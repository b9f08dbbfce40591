"""The caps the app's widgets show, read from the capability families' ``CAPS`` (one place).

Every user-settable cost has one cap, defined by the family that enforces it (``tsviz.attacks.CAPS``,
``tsviz.certify.CAPS``, ``tsviz.explain.CAPS``, ``tsviz.augment.CAPS``, ``tsviz.training.CAPS``,
``tsviz.data.CAPS``: parameter name -> largest value). A widget's ``max_value`` is
``cap(<app name>)``; :data:`SOURCES` says which family key each app name reads, so the app never
defines a library cap of its own. Caps that exist only in the app (upload size, series per class on
the Data page, models compared at once) live in :mod:`tsviz.ui.state`.

The total cost of a run (model evaluations) is held to ``TSVIZ_MAX_COST`` by the library
(:func:`tsviz.core.check_cost`); these caps bound each factor.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping

__all__ = ["SOURCES", "cap", "family_caps"]

#: App name of a cap -> (family package under tsviz, key in that family's ``CAPS``).
SOURCES: dict[str, tuple[str, str]] = {
    # Attack page (tsviz.attacks): series attacked at once and each attack's iteration counts
    "attack_series": ("attacks", "series"),
    "attack_steps": ("attacks", "steps"),
    "attack_restarts": ("attacks", "restarts"),
    "spsa_samples": ("attacks", "samples"),
    "spsa_iterations": ("attacks", "iterations"),
    "ga_population": ("attacks", "population"),
    "ga_generations": ("attacks", "generations"),
    "ga_max_queries": ("attacks", "max_queries"),
    # Certify page (tsviz.certify)
    "certify_series": ("certify", "series"),
    "certify_n": ("certify", "n"),
    "certify_n0": ("certify", "n0"),
    "certify_masks": ("certify", "masks"),
    "certify_pgd_steps": ("certify", "pgd_steps"),
    "certify_draws": ("certify", "draws"),
    "certify_attack_series": ("certify", "attack_series"),
    "soundness_series": ("certify", "soundness_series"),
    "soundness_directions": ("certify", "directions"),
    "soundness_fractions": ("certify", "fractions"),
    # Explain page (tsviz.explain)
    "explain_series": ("explain", "series"),
    "neuromask_steps": ("explain", "neuromask_steps"),
    "ig_steps": ("explain", "ig_steps"),
    "smoothgrad_samples": ("explain", "n_samples"),
    "faithfulness_steps": ("explain", "faithfulness_steps"),
    # Model and Augment pages (tsviz.training, tsviz.augment)
    "train_epochs": ("training", "epochs"),
    "train_batch_size": ("training", "batch_size"),
    "odenet_epochs": ("augment", "epochs"),
}

def family_caps(family: str) -> Mapping[str, int | float]:
    """``tsviz.<family>.CAPS``."""
    return importlib.import_module(f"tsviz.{family}").CAPS


def cap(name: str) -> int:
    """The largest value a widget accepts for ``name`` (a key of :data:`SOURCES`), as an int, read
    from the family's ``CAPS``."""
    family, key = SOURCES[name]
    return int(family_caps(family)[key])
