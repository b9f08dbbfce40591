"""What the attacks optimise and when they have succeeded.

* :func:`cross_entropy_objective` — the per-sample cross-entropy of FGSM, BIM and PGD, and the
  direction to move it in (ascend the true label's, or descend the target's);
* :func:`margin_loss` — the margin loss of SPSA (Uesato et al. 2018), on log-probabilities;
* :func:`attack_success` — untargeted: the prediction left ``y``; targeted: it reached the target.

WPGD's Wasserstein loss (:func:`tsviz.attacks.wpgd.wasserstein_loss`) and GenAttack's fitness
(:func:`tsviz.attacks.genattack.fitness`) belong to one attack each and live in its module.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = ["LossFn", "cross_entropy_objective", "margin_loss", "attack_success"]

#: A per-sample loss: logits ``(n, K)`` -> losses ``(n,)``.
LossFn = Callable[[torch.Tensor], torch.Tensor]


def cross_entropy_objective(y: torch.Tensor, target: torch.Tensor | None) -> tuple[LossFn, float]:
    """``(loss_fn, ascend)``: the per-sample cross-entropy an attack moves, and the direction.

    Untargeted: ``CE(logits, y)``, ascended (``ascend = +1``); targeted: ``CE(logits, target)``,
    descended (``ascend = -1``). Goodfellow et al. (2015), Madry et al. (2018).

    Parameters
    ----------
    y : Tensor ``(n,)`` int64
        True labels.
    target : Tensor ``(n,)`` int64 or None
        Target labels of a targeted attack.
    """
    if target is None:
        return (lambda logits: F.cross_entropy(logits, y, reduction="none")), 1.0
    return (lambda logits: F.cross_entropy(logits, target, reduction="none")), -1.0


def _label_and_rest(logp: torch.Tensor, label: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``logp`` ``(..., K)`` -> (``logp[label]``, the same with that class masked to ``-inf``)."""
    idx = label.unsqueeze(-1)
    own = logp.gather(-1, idx).squeeze(-1)
    rest = logp.scatter(-1, idx, float("-inf"))
    return own, rest


def margin_loss(logp: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None) -> torch.Tensor:
    """Margin loss of Uesato et al. (2018) on log-probabilities, to be *minimised*.

    Untargeted: ``log p_y - max_{j != y} log p_j``; targeted: ``max_{j != t} log p_j - log p_t``.
    Negative exactly when the attack has succeeded (up to ties). On log-probabilities the margin
    equals the logit margin (the log-normaliser cancels).

    Uesato, J., O'Donoghue, B., van den Oord, A., Kohli, P. (2018). "Adversarial risk and the
    dangers of evaluating against weak attacks." ICML 2018.

    Parameters
    ----------
    logp : Tensor ``(..., K)``
        Log class probabilities.
    y, target : Tensor ``(...)`` int64 (``target`` may be ``None``)

    Returns
    -------
    Tensor, shape ``logp.shape[:-1]``
    """
    if target is None:
        own, rest = _label_and_rest(logp, y)
        return own - rest.amax(-1)
    own, rest = _label_and_rest(logp, target)
    return rest.amax(-1) - own


def attack_success(scores: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None) -> torch.Tensor:
    """Whether each attacked series reached the attack's goal; shape ``scores.shape[:-1]``, bool.

    ``scores`` ``(..., K)`` are logits or log-probabilities (only their argmax counts). Untargeted:
    ``argmax != y``; targeted: ``argmax == target``.
    """
    pred = scores.argmax(-1)
    return pred == target if target is not None else pred != y
