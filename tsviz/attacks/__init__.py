"""Adversarial attacks on time-series classifiers, their evaluation and budget sweeps.

White-box (input gradients via ``torch.autograd.grad``): :class:`FGSM`, :class:`BIM`, :class:`PGD`
(L-inf / L2), :class:`WPGD` (Wasserstein PGD). Black-box (probability queries only, counted):
:class:`SPSA`, :class:`GenAttack`. Call shape: ``Attack(...)(model, x, y, *, target=None,
generator=None) -> x_adv``; ``evaluate(model, attack, x, y) -> AttackReport``.
"""
from __future__ import annotations

from typing import Any

from tsviz.attacks.base import (
    MAX_POPULATION, MAX_QUERIES, MAX_RESTARTS, MAX_SAMPLES, MAX_STEPS, Attack, AttackError, AttackResult,
)
from tsviz.attacks.bim import BIM
from tsviz.attacks.cost_matrix import latent_centroid_cost, uniform_cost, weighted_robustness_score
from tsviz.attacks.evaluate import AttackReport, SweepResult, evaluate, sweep, with_eps
from tsviz.attacks.fgsm import FGSM
from tsviz.attacks.genattack import GenAttack
from tsviz.attacks.pgd import PGD
from tsviz.attacks.spsa import SPSA
from tsviz.attacks.wpgd import WPGD

#: name -> class, for the CLI and the app.
ATTACKS: dict[str, type[Attack]] = {
    "fgsm": FGSM, "bim": BIM, "pgd": PGD, "wpgd": WPGD, "spsa": SPSA, "genattack": GenAttack,
}


def make_attack(name: str, **params: Any) -> Attack:
    """An attack by name (``"fgsm"``, ``"bim"``, ``"pgd"``, ``"wpgd"``, ``"spsa"``, ``"genattack"``)."""
    key = name.lower().replace("-", "").replace("_", "")
    if key not in ATTACKS:
        raise AttackError(f"unknown attack {name!r}; choose one of: {', '.join(ATTACKS)}")
    try:
        return ATTACKS[key](**params)
    except TypeError as exc:
        raise AttackError(f"{name}: {exc}") from exc


__all__ = [
    "Attack", "AttackError", "AttackResult", "AttackReport", "SweepResult", "FGSM", "BIM", "PGD", "WPGD", "SPSA",
    "GenAttack", "ATTACKS", "make_attack", "evaluate", "sweep", "with_eps", "uniform_cost", "latent_centroid_cost",
    "weighted_robustness_score", "MAX_STEPS", "MAX_QUERIES", "MAX_RESTARTS", "MAX_POPULATION", "MAX_SAMPLES",
]
