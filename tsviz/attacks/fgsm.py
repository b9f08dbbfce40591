"""Fast gradient sign method (FGSM): one L-inf step of size ``eps`` along the gradient sign.

Goodfellow, I. J., Shlens, J., Szegedy, C. (2015). "Explaining and harnessing adversarial
examples." ICLR 2015. Used on time series as in Sarkar et al., "ODE guided neural data
augmentation techniques for time series data and its benefits on robustness"
(``z_adv = z + eps * sign(grad_z J(theta, z, y))``).
"""
from __future__ import annotations

import numpy as np
import torch

from tsviz.attacks.base import Attack, AttackResult, apply_bounds
from tsviz.attacks.errors import AttackError
from tsviz.attacks.objectives import attack_success, cross_entropy_objective
from tsviz.core import check_positive, input_gradient

__all__ = ["FGSM"]


class FGSM(Attack):
    """Fast gradient sign method (Goodfellow et al. 2015).

    ``x_adv = clip_bounds(x + eps * sign(grad_x CE(f(x), y)))`` (untargeted), or
    ``x_adv = clip_bounds(x - eps * sign(grad_x CE(f(x), target)))`` (targeted).

    Goodfellow, I. J., Shlens, J., Szegedy, C. (2015). "Explaining and harnessing adversarial
    examples." ICLR 2015.

    Parameters
    ----------
    eps : float
        L-inf budget in the signal's units (mV for ECG), ``> 0``.
    bounds : (lo, hi) or None
        Valid signal range, each a float or one value per channel ``C``; applied after the step.

    Notes
    -----
    Call as ``FGSM(eps)(model, x, y, *, target=None, generator=None) -> x_adv`` (``x`` ``(n, C, T)``)
    or ``.run(...)`` for an :class:`~tsviz.attacks.base.AttackResult`: ``queries`` is 1 per sample,
    ``history["loss"]`` ``(1, n)`` the cross-entropy (w.r.t. ``y``, or ``target`` when targeted) at
    ``x_adv``. Deterministic: ``generator``/``seed`` are checked and otherwise ignored; samples are
    attacked independently (a batch gives what each series gives alone).
    """

    name = "fgsm"
    norm = "inf"
    black_box = False

    def __init__(self, eps: float, bounds=None) -> None:
        self.eps = eps
        self.bounds = bounds

    def validate(self) -> None:
        """Raise :class:`AttackError` naming the first bad hyperparameter."""
        check_positive("eps", self.eps, error=AttackError)

    def _run(self, model, x, y, target, generator, bounds, progress) -> AttackResult:
        loss_fn, ascend = cross_entropy_objective(y, target)
        grad, _ = input_gradient(model, x, loss_fn, error=AttackError)
        x_adv = apply_bounds(x + (ascend * float(self.eps)) * grad.sign(), bounds).detach()
        with torch.no_grad():
            logits = model(x_adv)
            loss = loss_fn(logits)
        if progress is not None:
            progress(1.0, "FGSM step 1/1")
        return AttackResult(
            x_adv=x_adv,
            queries=np.ones(x.shape[0], dtype=np.int64),
            success=attack_success(logits, y, target).cpu().numpy().astype(bool),
            history={"loss": loss.view(1, -1).cpu().numpy()},
        )
