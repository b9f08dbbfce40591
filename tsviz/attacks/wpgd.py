"""Wasserstein projected gradient descent (WPGD): PGD on the closed-form Wasserstein loss.

Terzi, M., Susto, G. A., Chaudhari, P. "Directional adversarial training for cost sensitive deep
learning classification applications." Section 4: Lemma 4 (closed-form Wasserstein distance to a
one-hot label), Definition 5 (Wasserstein loss, eq. 5) and Definition 6 (the inner maximisation of
eq. 6, solved by projected gradient ascent).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from tsviz.attacks.base import MAX_STEPS, Attack, AttackResult, check_norm, random_ball_point
from tsviz.attacks.cost_matrix import validate_cost
from tsviz.attacks.errors import AttackError
from tsviz.attacks.objectives import attack_success
from tsviz.attacks.pgd import projected_ascent
from tsviz.core import check_bool, check_int, check_positive

__all__ = ["WPGD", "wasserstein_loss"]

#: ``max(C) ** p`` must stay below ``10 ** MAX_COST_POWER_LOG10`` (float32 holds up to 3.4e38).
MAX_COST_POWER_LOG10 = 30.0
#: Smallest entropic regularisation ``lambda`` (the entropy term is weighted by ``1 / lambda``).
MIN_LAM = 1e-6


def wasserstein_loss(logits: torch.Tensor, y: torch.Tensor, cost: torch.Tensor, p: float = 1.0,
                     lam: float = 1.0) -> torch.Tensor:
    """Entropy-regularised closed-form Wasserstein loss of Terzi et al., eq. 5, per sample.

    ``l_W = C^{(p)}_{y} . q  -  (1 / lam) / log(K) * H(q)``, with ``q = softmax(logits)``,
    ``C^{(p)}`` the element-wise ``p``-th power of the cost matrix, ``C^{(p)}_y`` its row ``y`` and
    ``H(q) = -sum_k q_k log q_k`` the entropy in nats (so ``H / log K`` lies in ``[0, 1]``).

    Parameters
    ----------
    logits : Tensor ``(n, K)``
    y : Tensor ``(n,)`` int64 true labels
    cost : Tensor ``(K, K)``
        Label metric ``C`` (symmetric, non-negative, zero diagonal), on ``logits``' device.
    p : float
        Power applied element-wise to ``C``.
    lam : float
        Entropic regularisation ``lambda``; the entropy term is weighted by ``1 / lam``.

    Returns
    -------
    Tensor ``(n,)``
    """
    K = logits.shape[1]
    cost_p = cost.to(logits.dtype).pow(p)
    logq = torch.log_softmax(logits, dim=1)
    q = logq.exp()
    entropy = -(q * logq).sum(1)
    return (cost_p[y] * q).sum(1) - entropy / (lam * math.log(K))


class WPGD(Attack):
    """Wasserstein projected gradient descent (Terzi et al.): PGD maximising the Wasserstein loss.

    The inner loop of PGD (Madry et al. 2018) with the cross-entropy replaced by the closed-form,
    entropy-regularised Wasserstein loss of eq. 5 (:func:`wasserstein_loss`)::

        l_W(x) = C^{(p)}_y . softmax(f(x)) - (1/lam) / log K * H(softmax(f(x)))

    which is **maximised** over the ``eps``-ball (eq. 6): the attack moves probability mass towards
    the classes that are costly to confuse with ``y`` under the label metric ``C``. L-inf steps
    ``x_k + alpha * sign(grad l_W)``, L2 steps ``x_k + alpha * grad / ||grad||_2``; after each step
    projection onto the ``eps``-ball and clipping into ``bounds`` (as in :class:`~tsviz.attacks.pgd.PGD`).

    Terzi, M., Susto, G. A., Chaudhari, P. "Directional adversarial training for cost sensitive
    deep learning classification applications." (Definitions 3, 5, 6; eqs. 5-7.)

    Parameters
    ----------
    eps : float
        Budget in the signal's units (mV for ECG), ``> 0``.
    alpha : float
        Step size, ``> 0``.
    steps : int
        Iterations, in ``[1, MAX_STEPS]`` (1000).
    cost_matrix : array-like ``(K, K)``
        Label metric ``C``: symmetric (within 1e-6), non-negative, finite, zero diagonal, ``K`` the
        model's number of classes (checked when called; see
        :func:`~tsviz.attacks.cost_matrix.validate_cost`, :func:`~tsviz.attacks.cost_matrix.uniform_cost`,
        :func:`~tsviz.attacks.cost_matrix.latent_centroid_cost`).
    p : float
        Element-wise power of ``C`` (``> 0``; the paper uses 1, 2.5 and 10); ``max(C) ** p`` must
        stay below ``1e30`` (:data:`MAX_COST_POWER_LOG10`) so the loss fits float32.
    lam : float
        Entropic regularisation ``lambda >= MIN_LAM`` (1e-6); larger means a weaker entropy term.
    norm : {"inf", "l2"}
        Threat model (the paper uses ``"inf"``).
    random_start : bool
        Start from a uniform draw in the ``eps``-ball (as in :class:`~tsviz.attacks.pgd.PGD`).
    bounds : (lo, hi) or None
        Valid signal range, each a float or one value per channel; applied after every step.

    Notes
    -----
    The entropy term is maximised too, so it rewards *confident* predictions: from a confident
    correct prediction its gradient favours staying confident in ``y`` and, with ``lam = 1`` (the
    terms then have comparable ranges, ``H / log K`` in ``[0, 1]``), it can cancel the pull of the
    cost term. The default ``lam = 10`` keeps the entropy term weak so the attack follows ``C``;
    ``lam -> inf`` is the unregularised closed form of Lemma 4.

    WPGD is untargeted: the direction is set by the cost matrix, so a ``target`` raises
    :class:`~tsviz.attacks.base.AttackError` (use PGD with ``target`` to aim at one class).
    ``success`` is a changed prediction (``argmax f(x_adv) != y``); ``queries`` is ``steps`` per sample;
    ``history["loss"]`` ``(steps, n)`` is ``l_W`` after each step. Randomness (the random start) only
    from ``generator`` or ``seed`` (neither: a CPU generator seeded 0, deterministic).
    """

    name = "wpgd"
    eps_scaled = ("alpha",)
    budgets = (("eps", "norm"), ("alpha", "norm"))
    norm = "inf"
    black_box = False

    def __init__(self, eps: float, alpha: float, steps: int, cost_matrix, p: float = 1.0, lam: float = 10.0,
                 norm: str = "inf", random_start: bool = True, bounds=None) -> None:
        self.eps = eps
        self.alpha = alpha
        self.steps = steps
        self.cost_matrix = cost_matrix
        self.p = p
        self.lam = lam
        self.norm = norm
        self.random_start = random_start
        self.bounds = bounds

    def validate(self) -> None:
        """Raise :class:`AttackError` naming the first bad hyperparameter (``K`` is checked in ``run``)."""
        check_positive("eps", self.eps, error=AttackError)
        check_positive("alpha", self.alpha, error=AttackError)
        check_int("steps", self.steps, 1, MAX_STEPS, error=AttackError)
        M = validate_cost(self.cost_matrix)
        p = check_positive("p", self.p, error=AttackError)
        lam = check_positive("lam", self.lam, error=AttackError)
        top = float(M.max())
        if top > 1 and p * math.log10(top) > MAX_COST_POWER_LOG10:
            raise AttackError(f"cost_matrix ** p reaches {top:.4g} ** {p:g}, beyond float32's range; scale the cost "
                              "matrix (e.g. divide by its largest entry) or lower p")
        if lam < MIN_LAM:
            raise AttackError(f"lam must be at least {MIN_LAM:g} (the entropy term is weighted by 1 / lam), "
                              f"got {lam:g}")
        check_norm(self.norm)
        check_bool("random_start", self.random_start, error=AttackError)

    @property
    def stochastic(self) -> bool:  # type: ignore[override]
        """Whether the attack draws random numbers (its random start)."""
        return bool(self.random_start)

    def cost_factors(self, n: int) -> dict[str, int]:
        """``series x steps`` gradient evaluations."""
        return {"series": int(n), "steps": int(self.steps)}

    def _run(self, model, x, y, target, generator, bounds, progress) -> AttackResult:
        if target is not None:
            raise AttackError("WPGD is untargeted (the cost matrix sets the direction); pass target=None, "
                              "or use PGD with a target")
        with torch.no_grad():
            K = int(model(x[:1]).shape[1])  # eval mode (guard_model): one series is fine with BatchNorm
        cost = torch.as_tensor(validate_cost(self.cost_matrix, K), dtype=x.dtype, device=x.device)
        p, lam = float(self.p), float(self.lam)
        eps, alpha, steps = float(self.eps), float(self.alpha), int(self.steps)

        def loss_fn(logits: torch.Tensor) -> torch.Tensor:
            return wasserstein_loss(logits, y, cost, p, lam)

        x0 = random_ball_point(x, eps, self.norm, generator, bounds) if self.random_start else x
        x_adv, logits, trace = projected_ascent(model, x, x0, loss_fn, 1.0, eps, alpha, steps, self.norm, bounds,
                                                 progress, label="WPGD")
        return AttackResult(
            x_adv=x_adv,
            queries=np.full(x.shape[0], steps, dtype=np.int64),
            success=attack_success(logits, y, None).cpu().numpy().astype(bool),
            history={"loss": trace.cpu().numpy()},
        )
