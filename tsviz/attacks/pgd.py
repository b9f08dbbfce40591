"""Projected gradient descent (PGD) under an L-inf or L2 budget, with random start and restarts.

Madry, A., Makelov, A., Schmidt, L., Tsipras, D., Vladu, A. (2018). "Towards deep learning models
resistant to adversarial attacks." ICLR 2018.

This module also holds the projected sign/normalised-gradient loop that :class:`~tsviz.attacks.bim.BIM`
and :class:`~tsviz.attacks.wpgd.WPGD` reuse (private helpers, not part of the public API).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from tsviz.attacks.base import (
    MAX_RESTARTS, MAX_STEPS, Attack, AttackError, AttackResult, apply_bounds, check_int, check_positive,
    input_gradient, margin_success, per_sample_norm, project_l2, project_linf,
)
from tsviz.attacks.base import check_bool as _check_bool
from tsviz.attacks.base import resolve_generator as _resolve_generator

__all__ = ["projected_ascent", "PGD", "NORMS"]

#: Norms accepted by the iterative white-box attacks.
NORMS = ("inf", "l2")

LossFn = Callable[[torch.Tensor], torch.Tensor]


# --------------------------------------------------------------------------- shared helpers
def _check_norm(norm: object) -> str:
    if not isinstance(norm, str) or norm not in NORMS:
        raise AttackError(f"norm must be one of {NORMS}, got {norm!r}")
    return norm




def _ce_objective(y: torch.Tensor, target: torch.Tensor | None) -> tuple[LossFn, float]:
    """``(loss_fn, ascend)``: per-sample cross-entropy and the direction to move it in.

    Untargeted: ``CE(logits, y)``, ascended (``+1``); targeted: ``CE(logits, target)``, descended
    (``-1``).
    """
    if target is None:
        return (lambda logits: F.cross_entropy(logits, y, reduction="none")), 1.0
    return (lambda logits: F.cross_entropy(logits, target, reduction="none")), -1.0




def _draw(gen: torch.Generator, shape: torch.Size, like: torch.Tensor, *, normal: bool = False) -> torch.Tensor:
    """Uniform ``[0, 1)`` (or standard normal) draws on the generator's device, moved to ``like``'s."""
    fn = torch.randn if normal else torch.rand
    return fn(shape, generator=gen, device=gen.device, dtype=like.dtype).to(like.device)


def _random_start(x: torch.Tensor, eps: float, norm: str, gen: torch.Generator,
                  bounds: "tuple[torch.Tensor, torch.Tensor] | None") -> torch.Tensor:
    """A start point drawn uniformly from the ``eps``-ball around each sample, clipped into bounds.

    L-inf: each entry of ``delta`` uniform in ``[-eps, eps]``. L2: uniform in the L2 ball of
    dimension ``d = C * T``: a uniform direction (normalised standard normal) times the radius
    ``eps * u ** (1 / d)``, ``u ~ U[0, 1)``.
    """
    n = x.shape[0]
    if norm == "inf":
        delta = (2.0 * _draw(gen, x.shape, x) - 1.0) * eps
    else:
        direction = _draw(gen, x.shape, x, normal=True)
        direction = direction / per_sample_norm(direction, 2).clamp_min(1e-12).view(n, 1, 1)
        d = x[0].numel()
        radius = eps * _draw(gen, torch.Size([n]), x).pow(1.0 / d)
        delta = direction * radius.view(n, 1, 1)
    return apply_bounds(x + delta, bounds).detach()


def projected_ascent(model: torch.nn.Module, x: torch.Tensor, x0: torch.Tensor, loss_fn: LossFn, ascend: float,
                      eps: float, alpha: float, steps: int, norm: str,
                      bounds: "tuple[torch.Tensor, torch.Tensor] | None",
                      progress: Callable[[float, str], None] | None = None, *, done: int = 0, total: int | None = None,
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
        grad, logits = input_gradient(model, xk, loss_fn)
        if k > 0:
            trace[k - 1] = loss_fn(logits).to(trace.dtype)
        if norm == "inf":
            step = alpha * grad.sign()
            delta = project_linf(xk + ascend * step - x, eps)
        else:
            g_norm = per_sample_norm(grad, 2).view(n, 1, 1)
            unit = grad / g_norm.clamp_min(torch.finfo(grad.dtype).tiny)      # |entries| <= 1
            step = alpha * torch.where(g_norm > 0, unit, torch.zeros_like(unit))
            delta = project_l2(xk + ascend * step - x, eps)
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
    projects ``x_{k+1} - x`` onto the ``eps``-ball (:func:`~tsviz.attacks.base.project_linf` /
    :func:`~tsviz.attacks.base.project_l2`) and then clips into ``bounds``.

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
    Randomness comes only from ``generator``: ``None`` means a fresh CPU ``torch.Generator`` seeded 0,
    so calls without a generator are deterministic. A generator on another device than ``x`` draws
    on its own device and the draws are moved to ``x``'s. ``AttackResult.queries`` is
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
        check_positive("eps", self.eps)
        check_positive("alpha", self.alpha)
        check_int("steps", self.steps, 1, MAX_STEPS)
        _check_norm(self.norm)
        _check_bool("random_start", self.random_start)
        check_int("restarts", self.restarts, 1, MAX_RESTARTS)
        if self.restarts > 1 and not self.random_start:
            raise AttackError(f"restarts={self.restarts} needs random_start=True: restarts from x itself "
                              "would all be identical")

    def cost_factors(self, n: int) -> dict[str, int]:
        """``series x steps x restarts`` gradient evaluations."""
        return {"series": int(n), "steps": int(self.steps), "restarts": int(self.restarts)}

    def _run(self, model, x, y, target, generator, bounds, progress) -> AttackResult:
        eps, alpha, steps = float(self.eps), float(self.alpha), int(self.steps)
        restarts = int(self.restarts)
        loss_fn, ascend = _ce_objective(y, target)
        gen = _resolve_generator(generator) if self.random_start else None
        best = None
        for r in range(restarts):
            x0 = _random_start(x, eps, self.norm, gen, bounds) if self.random_start else x
            x_adv, logits, trace = projected_ascent(
                model, x, x0, loss_fn, ascend, eps, alpha, steps, self.norm, bounds, progress,
                done=r * steps, total=restarts * steps, label="PGD")
            success = margin_success(logits, y, target)
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
