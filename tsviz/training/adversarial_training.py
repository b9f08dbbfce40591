"""Adversarial training recipes: PGD (Madry et al.) and Wasserstein PGD (Terzi et al.).

Two recipes, registered by name in :data:`tsviz.training.registry.RECIPES`:

``"pgd_at"`` -- :class:`PGDAdversarialTraining`
    ``0.5 CE(f(x), y) + 0.5 CE(f(x_adv), y)`` with ``x_adv`` from a 10-step PGD attack: eq. 11 of
    Ma & Liang (2020), "Improve robustness of DNN for ECG signal classification: a noise-to-signal
    ratio perspective" (the ``adv<eps>`` baseline, after Goodfellow et al. 2015); PGD of Madry et
    al. (2018), "Towards deep learning models resistant to adversarial attacks", ICLR.

``"wpgd_at"`` -- :class:`WassersteinAdversarialTraining`
    ``CE(f(x*), y)`` with ``x*`` the WPGD example maximising the Wasserstein loss: eq. 6 (Definition
    6, the robust Wasserstein loss) of Terzi, Susto & Chaudhari, "Directional adversarial training
    for cost sensitive deep learning classification applications".

The adversarial examples come from :class:`tsviz.attacks.PGD` / :class:`tsviz.attacks.WPGD`,
which run the model in eval mode with frozen parameters and restore both afterwards, so the
example is a constant of the outer loss (no gradient through the inner maximisation, as in
Madry et al.); the outer cross-entropies run in the mode the model was given in (training mode
inside :func:`tsviz.training.fit`). The attacks' random starts draw from the ``generator`` given
to ``loss`` (``None``: the attacks' default, a CPU generator seeded 0).
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from tsviz.attacks import PGD, WPGD, AttackError, uniform_cost
from tsviz.core import check_real, guard_model
from tsviz.training.errors import TrainingError

__all__ = ["PGDAdversarialTraining", "WassersteinAdversarialTraining"]


def _alpha(alpha: Any, eps: float) -> float:
    return eps / 4.0 if alpha is None else check_real("alpha", alpha, low=0.0, low_open=True, error=TrainingError)


def _validate(recipe: str, attack: PGD | WPGD) -> None:
    try:
        attack.validate()
    except AttackError as exc:
        raise TrainingError(f"recipe {recipe}: {exc}") from None


def _check_attack(recipe: str, make, x: torch.Tensor) -> None:
    try:
        attack = make()
        attack.check_budgets(x)
    except AttackError as exc:
        raise TrainingError(f"recipe {recipe}: {exc}") from None


def _adversarial(recipe: str, attack: PGD | WPGD, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor,
                 generator: torch.Generator | None) -> torch.Tensor:
    """The inner attack's ``x_adv`` ``(b, C, T)`` (a constant of the outer loss); its errors as
    :class:`TrainingError` naming the recipe."""
    try:
        return attack(model, x.detach(), y, generator=generator)
    except AttackError as exc:
        raise TrainingError(f"recipe {recipe}: {exc}") from None


def _n_classes(model: torch.nn.Module, x: torch.Tensor) -> int:
    k = getattr(model, "n_classes", None)
    if isinstance(k, int):
        return k
    with guard_model(model), torch.no_grad():  # eval mode: BatchNorm accepts one sample
        return int(model(x[:1]).shape[1])


class PGDAdversarialTraining:
    """Eq. 11 of Ma & Liang 2020: ``0.5 CE(f(x), y) + 0.5 CE(f(x_eps), y)`` (the ``"pgd_at"`` recipe).

    ``x_eps = PGD(eps, alpha, steps, norm, random_start)(model, x, y, generator=generator)``, a
    ``(b, C, T)`` series within ``eps`` of ``x`` (Madry et al. 2018); the paper uses 10-PGD with
    ``eps`` in {0.1, 0.2, 0.3} under L-inf.

    Parameters
    ----------
    eps : float
        Budget ``> 0`` in signal units (default 0.1).
    alpha : float or None
        Step size ``> 0``; ``None`` means ``eps / 4``.
    steps : int
        PGD steps, in ``[1, tsviz.attacks.MAX_STEPS]`` (default 10).
    norm : {"inf", "l2"}
        Threat model (default ``"inf"``).
    random_start : bool
        Start PGD at a uniform draw from the ``eps``-ball (default True).
    """

    name = "pgd_at"

    def __init__(self, eps: float = 0.1, alpha: float | None = None, steps: int = 10, norm: str = "inf",
                 random_start: bool = True) -> None:
        self.eps = eps
        self.alpha = alpha
        self.steps = steps
        self.norm = norm
        self.random_start = random_start

    def attack(self) -> PGD:
        """The validated inner attack (:class:`TrainingError` naming a bad hyperparameter)."""
        eps = check_real("eps", self.eps, low=0.0, low_open=True, error=TrainingError)
        a = PGD(eps, _alpha(self.alpha, eps), self.steps, norm=self.norm, random_start=self.random_start)
        _validate(self.name, a)
        return a

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: the inner attack's hyperparameters and budgets (``eps``, ``alpha``)
        against the training series ``x`` ``(n, C, T)`` (:meth:`tsviz.attacks.Attack.check_budgets`);
        :class:`TrainingError` naming the recipe instead of a failure at the first batch."""
        _check_attack(self.name, lambda: self.attack(), x)

    def passes_per_series(self, n_classes: int) -> int:
        """Model evaluations per series and step: the attack's clean check and ``steps`` gradient
        steps, then the clean and the adversarial cross-entropy."""
        steps = self.steps if isinstance(self.steps, int) and not isinstance(self.steps, bool) else 1
        return int(steps) + 3

    def loss(self, model, x, y, *, generator=None):
        x_adv = _adversarial(self.name, self.attack(), model, x, y, generator)
        return 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x_adv), y)

    def card_info(self, dataset) -> dict[str, Any]:
        eps = check_real("eps", self.eps, low=0.0, low_open=True, error=TrainingError)
        return {"recipe_details": {"name": self.name, "eps": eps, "alpha": _alpha(self.alpha, eps),
                                   "steps": self.steps, "norm": self.norm, "random_start": self.random_start,
                                   "clean_weight": 0.5, "adversarial_weight": 0.5, "attack": "pgd"}}


class WassersteinAdversarialTraining:
    """Eq. 6 of Terzi et al.: ``CE(f(x*), y)``, ``x*`` maximising the Wasserstein loss (``"wpgd_at"``).

    ``x* = WPGD(eps, alpha, steps, cost_matrix, p, lam, norm, random_start)(model, x, y,
    generator=generator)`` ``(b, C, T)``: projected gradient ascent on the closed-form,
    entropy-regularised Wasserstein loss (their eq. 5, :func:`tsviz.attacks.wpgd.wasserstein_loss`)
    inside the ``eps``-ball; the outer loss is plain cross-entropy on ``x*`` only (Definition 6:
    "the outer loop remains the same").

    Parameters
    ----------
    eps : float
        Budget ``> 0`` in signal units (default 0.1).
    alpha : float or None
        Step size ``> 0``; ``None`` means ``eps / 4``.
    steps : int
        Inner steps (default 8, the inner-loop length of the paper's section 5.2).
    cost_matrix : array-like ``(K, K)`` or None
        Label metric ``C``; ``None`` means :func:`tsviz.attacks.uniform_cost` (``1 - I``), with
        which WPGD is untargeted PGD on an expected 0-1 cost.
    p : float
        Element-wise power of ``C`` (``> 0``; the paper uses 1, 2.5, 10; default 1).
    lam : float
        Entropic regularisation ``lambda > 0`` (default 10, as :class:`tsviz.attacks.WPGD`).
    norm : {"inf", "l2"}
        Threat model (default ``"inf"``, the paper's).
    random_start : bool
        Start at a uniform draw from the ``eps``-ball (default True).
    """

    name = "wpgd_at"

    def __init__(self, eps: float = 0.1, alpha: float | None = None, steps: int = 8, cost_matrix=None,
                 p: float = 1.0, lam: float = 10.0, norm: str = "inf", random_start: bool = True) -> None:
        self.eps = eps
        self.alpha = alpha
        self.steps = steps
        self.cost_matrix = cost_matrix
        self.p = p
        self.lam = lam
        self.norm = norm
        self.random_start = random_start

    def attack(self, n_classes: int) -> WPGD:
        """The validated inner attack for ``n_classes`` classes (:class:`TrainingError` naming a bad
        hyperparameter)."""
        eps = check_real("eps", self.eps, low=0.0, low_open=True, error=TrainingError)
        cost = uniform_cost(n_classes) if self.cost_matrix is None else self.cost_matrix
        a = WPGD(eps, _alpha(self.alpha, eps), self.steps, cost, p=self.p, lam=self.lam, norm=self.norm,
                 random_start=self.random_start)
        _validate(self.name, a)
        return a

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: the inner attack's hyperparameters and budgets against the training
        series ``x`` (as :meth:`PGDAdversarialTraining.check`)."""
        _check_attack(self.name, lambda: self.attack(n_classes), x)

    def passes_per_series(self, n_classes: int) -> int:
        """Model evaluations per series and step: the attack's clean check and ``steps`` gradient
        steps, then the adversarial cross-entropy."""
        steps = self.steps if isinstance(self.steps, int) and not isinstance(self.steps, bool) else 1
        return int(steps) + 2

    def loss(self, model, x, y, *, generator=None):
        x_adv = _adversarial(self.name, self.attack(_n_classes(model, x)), model, x, y, generator)
        return F.cross_entropy(model(x_adv), y)

    def card_info(self, dataset) -> dict[str, Any]:
        eps = check_real("eps", self.eps, low=0.0, low_open=True, error=TrainingError)
        cost = uniform_cost(dataset.n_classes) if self.cost_matrix is None else self.cost_matrix
        return {"recipe_details": {"name": self.name, "eps": eps, "alpha": _alpha(self.alpha, eps),
                                   "steps": self.steps, "p": self.p, "lam": self.lam, "norm": self.norm,
                                   "random_start": self.random_start, "attack": "wpgd",
                                   "cost_matrix": torch.as_tensor(cost).tolist(),
                                   "cost_matrix_kind": "uniform" if self.cost_matrix is None else "given"}}
