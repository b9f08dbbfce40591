"""Projected gradient descent (PGD) under an L-inf or L2 budget, with random start and restarts.

Madry, A., Makelov, A., Schmidt, L., Tsipras, D., Vladu, A. (2018). "Towards deep learning models
resistant to adversarial attacks." ICLR 2018.

This module also holds the projected sign/normalised-gradient loop, :func:`projected_ascent`, that
:class:`~tsviz.attacks.bim.BIM`, :class:`~tsviz.attacks.wpgd.WPGD` and
:mod:`tsviz.certify.soundness` reuse.
"""
from __future__ import annotations

import numpy as np
import torch

from tsviz.attacks.base import (
    MAX_RESTARTS,
    MAX_STEPS,
    NORMS,
    Attack,
    AttackResult,
    Progress,
    apply_bounds,
    check_norm,
    per_sample_norm,
    project,
    random_ball_point,
)
from tsviz.attacks.errors import AttackError
from tsviz.attacks.objectives import LossFn, attack_success, cross_entropy_objective
from tsviz.core import check_bool, check_int, check_positive, input_gradient

__all__ = ["projected_ascent", "PGD", "NORMS"]


def projected_ascent(model: torch.nn.Module, x: torch.Tensor, x0: torch.Tensor, loss_fn: LossFn, ascend: float,
                      eps: float, alpha: float, steps: int, norm: str,
                      bounds: "tuple[torch.Tensor, torch.Tensor] | None",
                      progress: Progress | None = None, *, done: int = 0, total: int | None = None,
                      label: str = "PGD") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run ``steps`` projected steps from ``x0``; batched over samples.

    Each step: ``g = grad_x loss_fn``; L-inf ``x_k + ascend * alpha * sign(g)``, L2
    ``x_k + ascend * alpha * g / ||g||_2`` (per sample over ``(C, T)``; a zero gradient gives a zero
    step); then projection of ``x_{k+1} - x`` onto the ``eps``-ball and clipping into ``bounds``.

    Returns
    -------
    x_adv : Tensor ``(n, C, T)``
    logits : Tensor ``(n, K)``, the model's logits at ``x_adv``
    trace : Tensor ``(steps, n)``, ``loss_fn`` at the iterate after each step (last row at ``x_adv``)
    """
    n = x.shape[0]
    total = steps if total is None else total
    trace = torch.empty(steps, n, dtype=x.dtype, device=x.device)
    xk = x0
    for k in range(steps):
        grad, logits = input_gradient(model, xk, loss_fn, error=AttackError)
        if k > 0:
            trace[k - 1] = loss_fn(logits).to(trace.dtype)
        if norm == "inf":
            step = alpha * grad.sign()
        else:
            g_norm = per_sample_norm(grad, 2).view(n, 1, 1)
            unit = grad / g_norm.clamp_min(torch.finfo(grad.dtype).tiny)      # |entries| <= 1
            step = alpha * torch.where(g_norm > 0, unit, torch.zeros_like(unit))
        delta = project(xk + ascend * step - x, eps, norm)
        xk = apply_bounds(x + delta, bounds).detach()
        if progress is not None:
            progress((done + k + 1) / total, f"{label} step {done + k + 1}/{total}")
    with torch.no_grad():
        logits = model(xk)
        trace[steps - 1] = loss_fn(logits).to(trace.dtype)
    return xk, logits.detach(), trace


# --------------------------------------------------------------------------- the attack
class PGD(Attack):
    """Projected gradient descent (Madry et al. 2018), L-inf or L2, with random start and restarts.

    Madry, A., Makelov, A., Schmidt, L., Tsipras, D., Vladu, A. (2018). "Towards deep learning
    models resistant to adversarial attacks." ICLR 2018.

    Starting from ``x_0`` (``x`` itself, or a uniform draw from the ``eps``-ball when
    ``random_start``), for ``k = 0 .. steps-1``:

    * ``norm="inf"``: ``x_{k+1} = Pi(x_k + alpha * sign(grad))``
    * ``norm="l2"``: ``x_{k+1} = Pi(x_k + alpha * grad / ||grad||_2)`` (per sample over ``(C, T)``;
      a sample whose gradient is exactly zero does not move)

    where ``grad`` is the input gradient of ``CE(f(x_k), y)`` (untargeted, ascended) or of
    ``-CE(f(x_k), target)`` (targeted, i.e. the target's cross-entropy is descended), and ``Pi``
    projects ``x_{k+1} - x`` onto the ``eps``-ball (:func:`~tsviz.attacks.base.project`) and then
    clips into ``bounds``.

    Parameters
    ----------
    eps : float
        Budget, in the signal's units (mV for ECG), ``> 0``.
    alpha : float
        Step size, ``> 0`` (same units as ``eps``).
    steps : int
        Iterations per restart, in ``[1, MAX_STEPS]`` (1000).
    norm : {"inf", "l2"}
        Threat model: per-entry (L-inf) or per-sample Euclidean (L2) budget.
    random_start : bool
        Start from a uniform draw in the ``eps``-ball: L-inf, each entry uniform in ``[-eps, eps]``;
        L2, uniform in the ball of dimension ``d = C*T`` (normalised Gaussian direction times
        radius ``eps * u**(1/d)``, ``u ~ U[0, 1)``). The start is clipped into ``bounds``.
    restarts : int
        Independent random starts, in ``[1, MAX_RESTARTS]`` (20). Per sample the strongest result is
        kept: a successful example before an unsuccessful one, then the highest ``CE(f, y)``
        (untargeted) or the lowest ``CE(f, target)`` (targeted). ``restarts > 1`` needs
        ``random_start=True`` (restarts from ``x`` would all be identical).
    bounds : (lo, hi) or None
        Valid signal range, each a float or one value per channel; applied after every step.

    Notes
    -----
    Call as ``PGD(...)(model, x, y, *, target=None, generator=None) -> x_adv`` or ``.run(...)``
    (see :mod:`tsviz.attacks.base`). ``x`` ``(n, C, T)``; all samples are attacked at once.
    Randomness comes only from ``generator`` or ``seed`` (neither: a fresh CPU generator seeded 0,
    so calls without one are deterministic). A generator on another device than ``x`` draws on its
    own device and the draws are moved to ``x``'s. With ``random_start=False`` the attack is
    deterministic and samples are attacked independently. ``AttackResult.queries`` is
    ``steps * restarts`` per sample (gradient evaluations); ``history["loss"]`` ``(steps, n)`` is the
    cross-entropy being attacked (w.r.t. ``y``, or ``target`` when targeted) after each step of the
    restart kept for that sample.
    """

    name = "pgd"
    eps_scaled = ("alpha",)
    budgets = (("eps", "norm"), ("alpha", "norm"))
    norm = "inf"
    black_box = False

    def __init__(self, eps: float, alpha: float, steps: int, norm: str = "inf", random_start: bool = True,
                 restarts: int = 1, bounds=None) -> None:
        self.eps = eps
        self.alpha = alpha
        self.steps = steps
        self.norm = norm
        self.random_start = random_start
        self.restarts = restarts
        self.bounds = bounds

    def validate(self) -> None:
        """Raise :class:`AttackError` naming the first bad hyperparameter."""
        check_positive("eps", self.eps, error=AttackError)
        check_positive("alpha", self.alpha, error=AttackError)
        check_int("steps", self.steps, 1, MAX_STEPS, error=AttackError)
        check_norm(self.norm)
        check_bool("random_start", self.random_start, error=AttackError)
        check_int("restarts", self.restarts, 1, MAX_RESTARTS, error=AttackError)
        if self.restarts > 1 and not self.random_start:
            raise AttackError(f"restarts={self.restarts} needs random_start=True: restarts from x itself "
                              "would all be identical")

    @property
    def stochastic(self) -> bool:  # type: ignore[override]
        """Whether the attack draws random numbers (its random start)."""
        return bool(self.random_start)

    def cost_factors(self, n: int) -> dict[str, int]:
        """``series x steps x restarts`` gradient evaluations."""
        return {"series": int(n), "steps": int(self.steps), "restarts": int(self.restarts)}

    def _run(self, model, x, y, target, generator, bounds, progress) -> AttackResult:
        eps, alpha, steps = float(self.eps), float(self.alpha), int(self.steps)
        restarts = int(self.restarts)
        loss_fn, ascend = cross_entropy_objective(y, target)
        best = None
        for r in range(restarts):
            x0 = random_ball_point(x, eps, self.norm, generator, bounds) if self.random_start else x
            x_adv, logits, trace = projected_ascent(
                model, x, x0, loss_fn, ascend, eps, alpha, steps, self.norm, bounds, progress,
                done=r * steps, total=restarts * steps, label="PGD")
            success = attack_success(logits, y, target)
            score = ascend * trace[-1]
            if best is None:
                best = [x_adv, logits, trace, success, score]
                continue
            better = (success & ~best[3]) | ((success == best[3]) & (score > best[4]))
            best[0] = torch.where(better.view(-1, 1, 1), x_adv, best[0])
            best[1] = torch.where(better.view(-1, 1), logits, best[1])
            best[2] = torch.where(better.view(1, -1), trace, best[2])
            best[3] = torch.where(better, success, best[3])
            best[4] = torch.where(better, score, best[4])
        x_adv, logits, trace, success, _ = best
        n = x.shape[0]
        return AttackResult(
            x_adv=x_adv,
            queries=np.full(n, steps * restarts, dtype=np.int64),
            success=success.cpu().numpy().astype(bool),
            history={"loss": trace.cpu().numpy()},
        )
