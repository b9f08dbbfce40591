"""NeuroMask for time series: learn a relevance mask that keeps the model's prediction.

Dissertation "Secure and private machine learning for smart devices" (M. Alzantot, UCLA 2019),
chapter 5, section 5.4, Algorithm 4, adapted from images ``(H, W)`` to series ``(C, T)``:

* mask weights ``W`` ``(n, T)`` (shared by all channels; ``per_channel=True`` gives ``(n, C, T)``),
  initialised ``W ~ U(-tau, tau)`` (Algorithm 4, line 3);
* relevance mask ``m = sigmoid(W)`` in ``[0, 1]``;
* masked input ``x_bar = m * x + (1 - m) * b`` with the baseline ``b`` of
  :mod:`tsviz.explain.baselines` (``"zero"`` gives ``m * x``, the paper's line 5);
* ``L_pred = -log softmax(f(x_bar))[y*]`` with ``y* = argmax f(x)`` (line 8) or a chosen target;
* ``L_sparse = sum_t |W_t + tau|`` (the text's definition, which pushes irrelevant steps to
  ``W = -tau``, ``sigmoid(-tau) ~ 0``; line 9's ``|W|_1`` is read as this);
* ``L_smooth = sum_t |(W * [1, -2, 1])_t|``, the 1-D discrete Laplacian ("valid" convolution,
  ``T - 2`` terms; per channel when ``per_channel``);
* ``L_total = lambda_p L_pred + lambda_sp L_sparse + lambda_sm L_smooth`` minimised with
  RMSProp (lines 12-14; line 14's ``sqrt(dW)`` is read as the running average ``sqrt(v_dw)``
  of standard RMSProp, :class:`torch.optim.RMSprop` with ``alpha = beta``).

All ``n`` series are optimised together in one batch: the total loss is the sum of the per-series
losses, so each series' weights see only their own gradient and, RMSProp being element-wise, the
result equals ``n`` separate runs. The model is never modified (eval mode and frozen parameters
inside, restored afterwards; gradients are taken with :func:`torch.autograd.grad` with respect to
``W`` only).

Defaults: the paper's ``tau = 20`` ("we pick its value equal 20", section 5.4) saturates the
sigmoid for most initial weights (``|W| > 5`` for 75 % of them, where ``sigmoid'`` is below 0.007),
which slows learning on short series; tsviz keeps ``tau`` (the sparsity target) at 20 but
initialises in ``U(-init_scale, init_scale)`` with ``init_scale = 3`` by default (where the
sigmoid still has slope >= 0.045): on a model that reads only a 10-step window of 60 steps, 100
RMSProp steps put 99.9 % of the mask mass inside the window from ``U(-3, 3)`` and 24 % from
``U(-20, 20)`` (both 100 % after 300 steps). ``init_scale=None`` or ``preset="paper"`` use Algorithm 4's
``U(-tau, tau)`` (:data:`NEUROMASK_PRESETS`). Loss weights are per term as written (sums over steps), so
for a longer series the same ``lambda_sp`` buys proportionally more sparsity pressure in total
but the same per-step pressure. ``lambda_sm`` defaults to a fifth of ``lambda_sp``: the L1 norm
of the Laplacian has a gradient of up to ``4 lambda_sm`` per step whose sign flips from step to
step, and under RMSProp a larger value drowns the steady pull of the sparseness term (on a model
that reads only a known window, ``lambda_sm = 2 lambda_sp`` left ~50 % of the mask mass outside
the window after 300 steps; ``lambda_sp / 5`` left none).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from tsviz.core import (
    check_bool,
    check_cost,
    check_int,
    check_model_input,
    check_real,
    guard_model,
    model_device,
    model_logits,
    with_presets,
)
from tsviz.explain.baselines import check_baseline, make_baseline
from tsviz.explain.caps import CAPS, MAX_HISTORY_SNAPSHOTS, MAX_NEUROMASK_SAMPLES, MAX_NEUROMASK_STEPS
from tsviz.explain.errors import ExplainError
from tsviz.explain.inputs import check_progress, check_series, explain_generator, resolve_target

__all__ = ["neuromask", "MaskResult", "MAX_NEUROMASK_STEPS", "MAX_NEUROMASK_SAMPLES",
           "MAX_HISTORY_SNAPSHOTS", "NEUROMASK_DEFAULTS", "NEUROMASK_PRESETS", "NEUROMASK_PRESET_SOURCES"]

#: Default hyperparameters (see the module docstring).
NEUROMASK_DEFAULTS: dict[str, Any] = {
    "steps": 300, "lr": 0.1, "lambda_p": 1.0, "lambda_sp": 0.01, "lambda_sm": 0.002, "tau": 20.0,
    "init_scale": 3.0, "beta": 0.9, "baseline": "zero",
}
#: ``neuromask(..., preset="paper")``: Algorithm 4 of the dissertation (M. Alzantot, "Secure and
#: private machine learning for smart devices", UCLA 2019, ch. 5, section 5.4): initial weights
#: ``U(-tau, tau)`` (line 3; ``init_scale=None`` means ``tau``), ``tau = 20`` (the text), the masked
#: input ``sigmoid(W) * x`` (line 5: the ``"zero"`` baseline). The dissertation gives no step count,
#: learning rate or loss weights; those stay the caller's.
NEUROMASK_PRESETS: dict[str, dict[str, Any]] = {
    "paper": {"init_scale": None, "tau": 20.0, "baseline": "zero"},
}
#: Where each preset's values come from.
NEUROMASK_PRESET_SOURCES = {"paper": "Alzantot 2019 dissertation ch. 5, Algorithm 4: W ~ U(-tau, tau), tau = 20, "
                                     "x_bar = sigmoid(W) x"}
_LOSS_COLUMNS = ("step", "total", "pred", "sparse", "smooth")


@dataclass(frozen=True)
class MaskResult:
    """Output of :func:`neuromask`.

    Attributes
    ----------
    mask : ndarray ``(n, T)`` (``(n, C, T)`` with ``per_channel``), float32 in ``[0, 1]``
        Final relevance mask ``sigmoid(W)``; 1 = relevant, 0 = can be removed.
    target : ndarray ``(n,)`` int64
        Class whose probability the mask preserves.
    clean_prob : ndarray ``(n,)``
        Softmax probability of ``target`` on the clean input.
    masked_prob : ndarray ``(n,)``
        Softmax probability of ``target`` on the final masked input.
    history : ndarray ``(S, n, T)`` (or ``(S, n, C, T)``), float32
        Mask snapshots at ``history_steps`` (step 0 = the initial mask, the last = ``mask``).
    history_steps : ndarray ``(S,)`` int
    losses : ndarray ``(steps + 1, 5)``
        Columns ``step, total, pred, sparse, smooth`` (means over series; row ``k`` is the loss at
        the weights after ``k`` updates, the last row the final weights).
    baseline : str
    params : dict
        Every hyperparameter used (for the record / export).
    """

    mask: np.ndarray
    target: np.ndarray
    clean_prob: np.ndarray
    masked_prob: np.ndarray
    history: np.ndarray
    history_steps: np.ndarray
    losses: np.ndarray
    baseline: str
    params: dict = field(default_factory=dict)

    def loss_frame(self):
        """The loss history as a pandas DataFrame (columns step, total, pred, sparse, smooth)."""
        import pandas as pd

        df = pd.DataFrame(self.losses, columns=list(_LOSS_COLUMNS))
        df["step"] = df["step"].astype(int)
        return df

    def active_fraction(self, threshold: float = 0.5) -> np.ndarray:
        """Share of time steps per series whose mask is at least ``threshold``, ``(n,)``."""
        m = self.mask if self.mask.ndim == 2 else self.mask.max(axis=1)
        return (m >= threshold).mean(axis=1)

    def summary(self) -> dict[str, Any]:
        return {
            "n": int(self.mask.shape[0]), "T": int(self.mask.shape[-1]),
            "mean_mask": float(self.mask.mean()),
            "active_fraction": float(self.active_fraction().mean()),
            "mean_clean_prob": float(self.clean_prob.mean()),
            "mean_masked_prob": float(self.masked_prob.mean()),
            "prediction_kept": float(np.mean(self.masked_prob >= 0.5)),
            "final_loss": float(self.losses[-1, 1]),
            **{k: v for k, v in self.params.items() if k != "seed" or v is not None},
        }


def _number(name: str, v: Any, lo: float, hi: float, *, lo_open: bool = False) -> float:
    """A hyperparameter in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``), via :func:`tsviz.core.check_real`."""
    return check_real(name, v, low=lo, high=hi, low_open=lo_open, error=ExplainError)


def _snapshot_steps(steps: int, every: int | None) -> list[int]:
    if every is None:
        every = max(1, math.ceil(steps / 50))
    every = max(every, math.ceil(steps / (CAPS["history_snapshots"] - 1)))
    out = list(range(0, steps + 1, every))
    if out[-1] != steps:
        out.append(steps)
    return out


@with_presets(NEUROMASK_PRESETS, error=ExplainError, source=NEUROMASK_PRESET_SOURCES)
def neuromask(model: torch.nn.Module, x: torch.Tensor | np.ndarray, *, target: int | Sequence[int] | None = None,
              steps: int = 300, lr: float = 0.1, lambda_p: float = 1.0, lambda_sp: float = 0.01,
              lambda_sm: float = 0.002, tau: float = 20.0, init_scale: float | None = 3.0, beta: float = 0.9,
              baseline: str = "zero", blur_width: int | None = None, per_channel: bool = False,
              history_every: int | None = None, seed: int | None = None, generator: torch.Generator | None = None,
              progress: Callable[[float, str], None] | None = None, preset: str | None = None) -> MaskResult:
    """Learn NeuroMask relevance masks for a batch of series (dissertation ch. 5, Algorithm 4).

    Parameters
    ----------
    model : nn.Module mapping ``(b, C, T)`` to logits ``(b, K)``; left unchanged.
    x : tensor or array ``(n, C, T)``, float, signal units; ``n <= CAPS["series"]``.
    target : None, int or ``(n,)`` ints
        Class to preserve; None = the model's prediction on ``x`` (the paper's ``argmax y``).
        Integers only (floats are refused, never truncated).
    steps : int in ``[1, CAPS["neuromask_steps"]]``
        RMSProp updates.
    lr : float > 0
        RMSProp learning rate (``alpha`` of Algorithm 4).
    lambda_p, lambda_sp, lambda_sm : float >= 0
        Weights of the prediction, sparseness and smoothness costs.
    tau : float > 0
        Sparsity target: ``L_sparse`` pulls weights to ``-tau``.
    init_scale : float > 0 or None
        Initial weights ``U(-init_scale, init_scale)``; None uses ``tau`` (the paper's
        ``U(-tau, tau)``). Default 3 (module docstring: the paper's ``U(-20, 20)`` starts most
        weights where the sigmoid is flat).
    beta : float in [0, 1)
        RMSProp smoothing constant.
    baseline : {"zero", "mean", "blur"}
        What masked steps are replaced by (:func:`tsviz.explain.baselines.make_baseline`).
    per_channel : bool
        One mask per channel ``(n, C, T)`` instead of one shared over channels.
    history_every : int or None
        Snapshot period in steps (default ``ceil(steps / 50)``; at most
        ``CAPS["history_snapshots"]`` snapshots).
    seed, generator
        Randomness of the initial weights (:mod:`tsviz.core.random`): ``generator`` as given, else a
        fresh CPU generator seeded ``seed`` (0 when None); both given is an error.
    progress : callable ``(fraction, message)`` or None; reaches 1.0 at the end
    preset : {None, "paper"}
        ``"paper"``: Algorithm 4's setting (:data:`NEUROMASK_PRESETS`: ``init_scale=None`` i.e.
        ``U(-tau, tau)``, ``tau = 20``, the zero baseline) for the arguments not given; a given
        argument that contradicts it raises :class:`ExplainError`. Recorded in ``params``.

    Returns
    -------
    MaskResult

    Raises
    ------
    ExplainError (a ValueError)
        Naming the parameter: bad hyperparameters; ``x`` not ``(n, C, T)`` real finite series
        within float32 (complex refused, float64 cast), more than ``CAPS["series"]`` series,
        or channels/length other than the model's; a model returning NaN/Inf logits on ``x``; a
        total cost ``series x steps`` over :func:`tsviz.core.max_cost`.
    """
    if not isinstance(model, torch.nn.Module):
        raise ExplainError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    steps = check_int("steps", steps, 1, CAPS["neuromask_steps"], error=ExplainError)
    lr = _number("lr", lr, 0.0, 100.0, lo_open=True)
    lambda_p = _number("lambda_p", lambda_p, 0.0, 1e6)
    lambda_sp = _number("lambda_sp", lambda_sp, 0.0, 1e6)
    lambda_sm = _number("lambda_sm", lambda_sm, 0.0, 1e6)
    tau = _number("tau", tau, 0.0, 100.0, lo_open=True)
    init = tau if init_scale is None else _number("init_scale", init_scale, 0.0, 100.0, lo_open=True)
    beta = _number("beta", beta, 0.0, 0.9999)
    check_baseline(baseline)
    per_channel = check_bool("per_channel", per_channel, error=ExplainError)
    if history_every is not None:
        history_every = check_int("history_every", history_every, 1, CAPS["neuromask_steps"], error=ExplainError)
    recorded_seed = (0 if seed is None else int(seed)) if generator is None else None
    generator = explain_generator(generator, seed, "cpu")
    check_progress(progress)

    dev = model_device(model)
    x = check_series(x, CAPS["series"])
    n, C, T = x.shape
    if T < 3:
        raise ExplainError(f"series must have at least 3 time steps (the Laplacian), got T={T}")
    check_model_input(model, x, error=ExplainError)
    check_cost("NeuroMask", {"series": n, "steps": steps}, error=ExplainError)
    x = x.detach().to(dev, torch.float32)

    base = make_baseline(x, baseline, blur_width=blur_width)
    shape = (n, C, T) if per_channel else (n, 1, T)
    w0 = (torch.rand(shape, generator=generator, device=generator.device) * 2 - 1) * init
    W = w0.to(dev).requires_grad_(True)
    lap = torch.tensor([[[1.0, -2.0, 1.0]]], device=dev)
    opt = torch.optim.RMSprop([W], lr=lr, alpha=beta, eps=1e-8)
    snaps = set(_snapshot_steps(steps, history_every))
    history, history_steps, losses = [], [], []

    def terms(W):
        m = torch.sigmoid(W)
        logp = torch.log_softmax(model(m * x + (1 - m) * base).float(), dim=1)
        pred = -logp.gather(1, tgt[:, None])[:, 0]
        sparse = (W + tau).abs().flatten(1).sum(1)
        smooth = F.conv1d(W.reshape(-1, 1, T), lap).abs().reshape(n, -1).sum(1)
        return m, logp, pred, sparse, smooth

    with guard_model(model):
        clean = torch.softmax(model_logits(model, x, error=ExplainError).float(), dim=1)
        tgt = resolve_target(target, clean)
        for step in range(steps + 1):
            m, logp, pred, sparse, smooth = terms(W)
            total = lambda_p * pred + lambda_sp * sparse + lambda_sm * smooth
            losses.append([step, *(float(t.detach().mean()) for t in (total, pred, sparse, smooth))])
            if step in snaps:
                history.append(m.detach()[:, 0] if not per_channel else m.detach())
                history_steps.append(step)
            if step == steps:
                masked_prob = logp.detach().exp().gather(1, tgt[:, None])[:, 0]
                break
            (grad,) = torch.autograd.grad(total.sum(), W)
            W.grad = grad
            opt.step()
            if progress is not None and ((step + 1) % max(1, steps // 50) == 0 or step + 1 == steps):
                progress((step + 1) / steps, f"NeuroMask step {step + 1}/{steps}: loss {losses[-1][1]:.4g}")

    mask = torch.sigmoid(W.detach())
    mask = mask[:, 0] if not per_channel else mask
    bad = ~torch.isfinite(mask.reshape(n, -1)).all(1)
    if bool(bad.any()):
        raise ExplainError(f"NeuroMask diverged (NaN mask) for series {int(bad.nonzero()[0])}: the model's output "
                           "or gradient is not finite near that series; lower lr")
    return MaskResult(
        mask=mask.cpu().numpy().astype(np.float32),
        target=tgt.cpu().numpy().astype(np.int64),
        clean_prob=clean.gather(1, tgt[:, None])[:, 0].cpu().numpy(),
        masked_prob=masked_prob.cpu().numpy(),
        history=torch.stack(history).cpu().numpy().astype(np.float32),
        history_steps=np.asarray(history_steps, dtype=np.int64),
        losses=np.asarray(losses, dtype=np.float64),
        baseline=baseline,
        params={"steps": steps, "lr": lr, "lambda_p": lambda_p, "lambda_sp": lambda_sp, "lambda_sm": lambda_sm,
                "tau": tau, "init_scale": init, "beta": beta, "baseline": baseline, "blur_width": blur_width,
                "per_channel": per_channel, "seed": recorded_seed, "preset": preset},
    )
