"""Adversarial attacks on time-series classifiers, their evaluation and budget sweeps.

White-box (input gradients via ``torch.autograd.grad``): :class:`FGSM`, :class:`BIM`, :class:`PGD`
(L-inf / L2), :class:`WPGD` (Wasserstein PGD). Black-box (probability queries only, counted):
:class:`SPSA`, :class:`GenAttack`. Every attack is registered by name in :data:`ATTACKS`.

The attack contract
-------------------
Every member of the family follows it; :class:`tsviz.attacks.base.Attack` implements everything
but the algorithm, and ``tests/contracts/test_attack_contract.py`` checks it for every member.

Constructor and call shape
    ``attack = PGD(eps=0.05, alpha=0.01, steps=20)`` stores hyperparameters only, as given; they
    are validated when the attack is called (:meth:`~tsviz.attacks.base.Attack.validate`).
    ``attack(model, x, y, *, target=None, generator=None, seed=None) -> x_adv`` (a tensor), and
    ``attack.run(model, x, y, *, target=None, generator=None, seed=None, progress=None)
    -> AttackResult``. ``evaluate(model, attack, x, y, ...) -> AttackReport`` and
    ``sweep(model, {label: attack}, eps_values, x, y, ...) -> SweepResult`` measure them.
Inputs
    ``x`` ``(n, C, T)`` real series in signal units (mV for ECG; never an assumed ``[0, 1]``
    range), numpy or torch, at most ``CAPS["series"]`` of them, matching the channels and length
    the model was built for; ``y`` ``(n,)`` integer labels (float labels are refused, never
    truncated); ``target`` ``None`` (untargeted), an int, or ``(n,)`` labels different from ``y``.
Budgets
    ``eps`` and every step size in signal units are held to :func:`tsviz.core.budget_limit` of the
    attacked series, in the attack's norm (``eps = 1e300`` is refused with the limit). Result:
    ``||x_adv - x|| <= eps`` per series in the attack's norm (``"inf"``: every entry; ``"l2"``:
    over channels and time) and ``x_adv`` inside ``bounds`` when given (the clean series must lie
    inside them).
Randomness
    Only from ``generator`` (a :class:`torch.Generator`, used as given, its state advancing) or
    ``seed`` (an int; neither: seed 0), resolved once per call by
    :func:`tsviz.attacks.base.attack_generator` (:func:`tsviz.core.resolve_generator`); both given
    is an error. Same seed and inputs -> the same ``x_adv``. Draws are made on the generator's
    device (CPU by default) and moved to the series', so a seed gives the same draws on CPU and
    CUDA. Deterministic attacks (FGSM, BIM, PGD/WPGD with ``random_start=False``) check and ignore
    ``generator``/``seed`` and attack every series independently: a batch gives exactly what each
    series gives alone. ``sweep`` takes the same two arguments (see its docstring).
Device
    The attack runs on the model's device (:func:`tsviz.core.model_device`); ``x_adv`` is returned
    on ``x``'s device (numpy input: CPU), in the model's floating dtype (float32 for every tsviz
    network, whatever ``x``'s dtype).
Model state
    Left exactly as found: train/eval mode, ``requires_grad`` and ``.grad`` of every parameter, the
    weights (:func:`tsviz.core.guard_model`). White-box attacks take gradients w.r.t. the input only
    (:func:`tsviz.core.input_gradient`); black-box attacks only query log-probabilities under
    ``torch.no_grad`` and count every query per series.
Progress
    ``run``, ``evaluate`` and ``sweep`` take ``progress: Callable[[float, str], None] | None``,
    called with fractions in ``[0, 1]`` that never decrease, the last call with 1.
Errors
    Every bad input raises :class:`AttackError` (a :class:`tsviz.core.TsvizError`, hence a
    ``ValueError``) naming the parameter: bad hyperparameters, NaN/Inf or complex ``x``, wrong
    channels or length, float labels, labels outside ``[0, K)``, a model returning NaN logits on
    the clean series, a budget beyond the data's scale, a total cost (series x steps x restarts, or
    x queries) over :func:`tsviz.core.max_cost`.
Results
    ``run`` returns :class:`AttackResult` (``x_adv`` tensor; read-only numpy ``queries``,
    ``success``, ``history``; ``summary()``); ``evaluate`` returns :class:`AttackReport`, a frozen
    dataclass of read-only numpy arrays with ``summary()``; ``sweep`` a :class:`SweepResult`.
Caps
    :data:`CAPS` (parameter name -> largest value) is the one source of the per-parameter caps;
    the app and the CLI read it. Their product is held to :func:`tsviz.core.max_cost`.
Registration
    :data:`ATTACKS` (name -> class) below is the one registry; :func:`make_attack` builds a member
    by name. No module registers itself on import.
"""
from __future__ import annotations

from typing import Any

from tsviz.attacks.base import (
    CAPS,
    MAX_GENERATIONS,
    MAX_ITERATIONS,
    MAX_POPULATION,
    MAX_QUERIES,
    MAX_RESTARTS,
    MAX_SAMPLES,
    MAX_STEPS,
    Attack,
    AttackResult,
)
from tsviz.attacks.bim import BIM
from tsviz.attacks.cost_matrix import latent_centroid_cost, uniform_cost, weighted_robustness_score
from tsviz.attacks.errors import AttackError
from tsviz.attacks.evaluate import AttackReport, SweepResult, check_eps_values, evaluate, sweep, with_eps
from tsviz.attacks.fgsm import FGSM
from tsviz.attacks.genattack import GenAttack
from tsviz.attacks.pgd import PGD
from tsviz.attacks.spsa import SPSA
from tsviz.attacks.wpgd import WPGD

#: name -> class: the family's one registry, for the CLI and the app.
ATTACKS: dict[str, type[Attack]] = {
    "fgsm": FGSM, "bim": BIM, "pgd": PGD, "wpgd": WPGD, "spsa": SPSA, "genattack": GenAttack,
}


def make_attack(name: str, **params: Any) -> Attack:
    """An attack by name (``"fgsm"``, ``"bim"``, ``"pgd"``, ``"wpgd"``, ``"spsa"``, ``"genattack"``;
    case, ``-`` and ``_`` ignored) with its hyperparameters; :class:`AttackError` for an unknown
    name or parameter."""
    key = name.lower().replace("-", "").replace("_", "") if isinstance(name, str) else None
    if key not in ATTACKS:
        raise AttackError(f"unknown attack {name!r}; choose one of: {', '.join(ATTACKS)}")
    try:
        return ATTACKS[key](**params)
    except TypeError as exc:
        raise AttackError(f"{name}: {exc}") from exc


__all__ = [
    "Attack", "AttackError", "AttackResult", "AttackReport", "SweepResult", "FGSM", "BIM", "PGD", "WPGD", "SPSA",
    "GenAttack", "ATTACKS", "make_attack", "evaluate", "sweep", "with_eps", "check_eps_values", "uniform_cost",
    "latent_centroid_cost", "weighted_robustness_score", "CAPS", "MAX_STEPS", "MAX_ITERATIONS", "MAX_GENERATIONS",
    "MAX_QUERIES", "MAX_RESTARTS", "MAX_POPULATION", "MAX_SAMPLES",
]
