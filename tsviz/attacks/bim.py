"""Basic iterative method (BIM): FGSM repeated with a small step, clipped to the eps-ball each step.

Kurakin, A., Goodfellow, I., Bengio, S. (2017). "Adversarial examples in the physical world."
ICLR 2017 workshop. Used on time series as in Sarkar et al., "ODE guided neural data augmentation
techniques for time series data and its benefits on robustness": FGSM "applied iteratively with a
small step size", the series clipped "after each step to ensure that they are in an
eps-neighborhood of the original input data".
"""
from __future__ import annotations

import numpy as np

from tsviz.attacks.base import MAX_STEPS, Attack, AttackResult
from tsviz.attacks.errors import AttackError
from tsviz.attacks.objectives import attack_success, cross_entropy_objective
from tsviz.attacks.pgd import projected_ascent
from tsviz.core import check_int, check_positive

__all__ = ["BIM"]


class BIM(Attack):
    """Basic iterative method (Kurakin et al. 2017), L-inf.

    ``x_0 = x``; ``x_{k+1} = clip_bounds(clip_{x, eps}(x_k + alpha * sign(grad_x CE(f(x_k), y))))``
    for ``k = 0 .. steps-1`` (targeted: ``- alpha * sign(grad_x CE(f(x_k), target))``), where
    ``clip_{x, eps}`` clips every entry into ``[x - eps, x + eps]`` after every step.

    Kurakin, A., Goodfellow, I., Bengio, S. (2017). "Adversarial examples in the physical world."
    ICLR 2017 workshop.

    Parameters
    ----------
    eps : float
        L-inf budget in the signal's units (mV for ECG), ``> 0``.
    alpha : float
        Step size, ``> 0``.
    steps : int
        Iterations, in ``[1, MAX_STEPS]`` (1000).
    bounds : (lo, hi) or None
        Valid signal range, each a float or one value per channel ``C``; applied after every step.

    Notes
    -----
    Same as :class:`~tsviz.attacks.pgd.PGD` with ``norm="inf"`` and ``random_start=False``;
    deterministic (``generator``/``seed`` are checked and otherwise ignored; samples are attacked
    independently). ``queries`` is ``steps`` per sample; ``history["loss"]`` ``(steps, n)`` the
    cross-entropy being attacked after each step.
    """

    name = "bim"
    eps_scaled = ("alpha",)
    budgets = (("eps", "inf"), ("alpha", "inf"))
    norm = "inf"
    black_box = False

    def __init__(self, eps: float, alpha: float, steps: int, bounds=None) -> None:
        self.eps = eps
        self.alpha = alpha
        self.steps = steps
        self.bounds = bounds

    def validate(self) -> None:
        """Raise :class:`AttackError` naming the first bad hyperparameter."""
        check_positive("eps", self.eps, error=AttackError)
        check_positive("alpha", self.alpha, error=AttackError)
        check_int("steps", self.steps, 1, MAX_STEPS, error=AttackError)

    def cost_factors(self, n: int) -> dict[str, int]:
        """``series x steps`` gradient evaluations."""
        return {"series": int(n), "steps": int(self.steps)}

    def _run(self, model, x, y, target, generator, bounds, progress) -> AttackResult:
        loss_fn, ascend = cross_entropy_objective(y, target)
        steps = int(self.steps)
        x_adv, logits, trace = projected_ascent(model, x, x, loss_fn, ascend, float(self.eps), float(self.alpha),
                                                 steps, "inf", bounds, progress, label="BIM")
        return AttackResult(
            x_adv=x_adv,
            queries=np.full(x.shape[0], steps, dtype=np.int64),
            success=attack_success(logits, y, target).cpu().numpy().astype(bool),
            history={"loss": trace.cpu().numpy()},
        )
