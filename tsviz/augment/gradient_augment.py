"""Gradient-based augmentations: In-Clamp-Grad, In-Sign-Grad, Out-Sign-Grad, Rand-Grad.

Sarkar, Sunder Raj & Iyengar, "ODE guided Neural Data Augmentation Techniques for Time Series
Data and its Benefits on Robustness" (ICMLA 2020), sections II-A and II-B, eq. 4-10.

All four perturb every sample of ``x`` by an amount set by the series' time derivative
``dz/dt`` (eq. 3), learned by an :class:`~tsviz.augment.odenet.ODENet`. Shared conventions:

* ``x``: ``(n, C, T)`` real series in signal units, numpy or torch, checked by
  :func:`tsviz.core.as_series` (complex refused, float64 cast to float32, NaN/Inf and values
  beyond float32 refused); the result is a new float32 tensor of the same shape on ``x``'s device
  (numpy: CPU), without autograd history; ``x`` is never modified. (Out-Sign-Grad computes in
  the classifier's floating dtype, float32 for tsviz networks.)
* Magnitudes in signal units (``beta``, ``eps_max``) are held to the data's scale and float32's
  range (:func:`tsviz.core.check_budget`): ``beta = 1e300`` raises :class:`AugmentError` with the
  limit instead of overflowing. Every error is an :class:`AugmentError` (a ``ValueError``).
* The classifier of Out-Sign-Grad must accept ``x``'s channels and length and return finite
  logits on it (a model with NaN weights raises instead of giving NaN series); labels must be
  integers (float labels are refused, not truncated).
* ``derivative``: either a fitted :class:`ODENet` (then ``dz/dt`` is computed with
  :func:`tsviz.augment.odenet.derivative` on ``x``'s device) or a precomputed ``dzdt`` tensor or
  array of the same shape as ``x`` (reuse one ``dzdt`` for several augmentations of the same
  series). ``dz/dt`` is added to the series directly (eq. 4), so its time unit matters: an ODENet
  fitted with the default ``dt = 1`` gives the change per step, the paper's setting, for which
  ``beta = eps_max = 0.33`` are about 1/10 of the amplitude range of the paper's
  z-normalised UCR data (section III-B).
* ``clamp`` is eq. 5: ``clamp(v) = min(max(v, -beta), beta)``.
* Randomness (In-Sign-Grad, Rand-Grad) only from ``generator`` (a ``torch.Generator`` on CPU or on
  ``x``'s device) or ``seed`` (neither: a fresh CPU generator seeded 0, so the call is still
  deterministic); In-Clamp-Grad and Out-Sign-Grad draw nothing. Every sample is augmented on its
  own: a batch gives what each series gives alone (for the stochastic two, with the same draws).
* ``progress(fraction, message)``, optional, is called as the series are augmented, last with 1.
* Models are left exactly as found (mode and ``requires_grad``); input gradients are taken with
  ``torch.autograd.grad``.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from tsviz.augment.base import (
    Progress,
    augment_generator,
    check_augment_cost,
    check_magnitude,
    check_progress,
    check_series,
    report_done,
    uniform_draws,
)
from tsviz.augment.errors import AugmentError
from tsviz.core import (
    as_labels,
    as_series,
    check_label_range,
    check_model_input,
    guard_model,
    input_gradient,
    model_device,
    model_dtype,
    model_logits,
)

__all__ = ["in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "resolve_derivative", "clamp_beta",
           "GRAD_BATCH"]

#: Series per forward/backward pass in :func:`out_sign_grad`.
GRAD_BATCH = 512


def resolve_derivative(derivative: Any, x: torch.Tensor) -> torch.Tensor:
    """``dz/dt`` ``(n, C, T)`` for ``x``: from an ODENet, or a checked precomputed tensor/array.

    Raises :class:`AugmentError` for a missing or wrong-shaped ``derivative``, a complex or
    non-finite ``dzdt``, or an ODENet whose ``dz/dt`` is NaN/Inf on ``x`` (e.g. NaN weights).
    """
    from tsviz.augment.odenet import ODENet
    from tsviz.augment.odenet import derivative as odenet_derivative

    if derivative is None:
        raise AugmentError("derivative is required: a fitted ODENet (fit_odenet(...).odenet) or a dzdt tensor "
                           "shaped like x")
    if isinstance(derivative, ODENet):
        d = odenet_derivative(derivative, x)
        bad = ~torch.isfinite(d.reshape(d.shape[0], -1)).all(1)
        if bool(bad.any()):
            raise AugmentError(f"the ODENet returns NaN/Inf dz/dt for series {int(bad.nonzero()[0])} "
                               f"({int(bad.sum())} of {d.shape[0]} series); its weights or normalisation are "
                               "not finite (a corrupted checkpoint?)")
        return d
    if isinstance(derivative, torch.nn.Module):
        raise AugmentError(f"derivative must be an ODENet or a dzdt tensor, got a {type(derivative).__name__}")
    d = as_series(derivative, name="derivative (dzdt)", error=AugmentError)
    if tuple(d.shape) != tuple(x.shape):
        raise AugmentError(f"derivative (dzdt) must have the shape of x {tuple(x.shape)}, got {tuple(d.shape)}")
    return d.detach().to(x.device, x.dtype)


def clamp_beta(dzdt: torch.Tensor, beta: float) -> torch.Tensor:
    """Eq. 5: ``dz/dt`` clipped into ``[-beta, beta]``."""
    return dzdt.clamp(-beta, beta)


def in_clamp_grad(x: Any, derivative: Any, *, beta: float = 0.33, progress: Progress | None = None) -> torch.Tensor:
    """In-Clamp-Grad (section II-A, eq. 4-5): ``x + clamp(dz/dt, -beta, beta)``.

    Each sample moves along the series' own time derivative by at most ``beta``, which keeps
    the shape of the series (and bounds the change in slope by ``2 beta / dt``).

    Parameters
    ----------
    x : Tensor, shape ``(n, C, T)``
        Series in signal units.
    derivative : ODENet or Tensor ``(n, C, T)``
        A fitted ODENet or a precomputed ``dzdt`` shaped like ``x``.
    beta : float, default 0.33
        Clamp bound (> 0), in signal units (the paper's 0.33).
    progress : callable ``(fraction, message)``, optional
        Called once the series are augmented (fraction 1).

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series; ``|x_aug - x| <= beta`` everywhere.
    """
    x = check_series(x)
    beta = check_magnitude("beta", beta, x)
    check_progress(progress)
    check_augment_cost("in_clamp_grad", x.shape[0])
    with torch.no_grad():
        out = x + clamp_beta(resolve_derivative(derivative, x), beta)
    report_done(progress, "in_clamp_grad", x.shape[0])
    return out


def in_sign_grad(x: Any, derivative: Any, *, eps_max: float = 0.33, per: str = "series",
                 generator: torch.Generator | None = None, seed: int | None = None,
                 progress: Progress | None = None) -> torch.Tensor:
    """In-Sign-Grad (section II-A, eq. 7): ``x + eps * sign(dz/dt)``, ``eps ~ U[0, eps_max]``.

    The paper says "eps is a random value between 0.0 and 0.33" (eq. 7) but fig. 2 says "each
    point is perturbed by a random number in [0, eps]". The default ``per="series"`` follows eq. 7:
    one ``eps`` per series (shared by its channels and time steps), so a series is shifted along
    its derivative's sign by one random amount; ``per="step"`` draws one ``eps`` per sample
    (series, channel, time step), the fig. 2 reading. Where ``dz/dt`` is exactly 0 the sample is
    unchanged (``sign(0) = 0``).

    Parameters
    ----------
    x : Tensor, shape ``(n, C, T)``
        Series in signal units.
    derivative : ODENet or Tensor ``(n, C, T)``
        A fitted ODENet or a precomputed ``dzdt`` shaped like ``x``.
    eps_max : float, default 0.33
        Upper end of the uniform draw (>= 0), in signal units.
    per : {"series", "step"}
        Draw ``eps`` once per series (default) or once per sample.
    generator, seed : optional
        Source of the draws: a generator, or a seed (neither: seed 0).
    progress : callable ``(fraction, message)``, optional
        Called once the series are augmented (fraction 1).

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series; ``|x_aug - x| <= eps_max`` everywhere.
    """
    x = check_series(x)
    eps_max = check_magnitude("eps_max", eps_max, x, allow_zero=True)
    if per not in ("series", "step"):
        raise AugmentError(f"per must be 'series' or 'step', got {per!r}")
    gen = augment_generator(generator, seed=seed)
    check_progress(progress)
    check_augment_cost("in_sign_grad", x.shape[0])
    with torch.no_grad():
        dzdt = resolve_derivative(derivative, x)
        shape = (x.shape[0], 1, 1) if per == "series" else tuple(x.shape)
        eps = uniform_draws(gen, shape, x) * eps_max
        out = x + eps * torch.sign(dzdt)
    report_done(progress, "in_sign_grad", x.shape[0])
    return out


def out_sign_grad(x: Any, y: Any, model: torch.nn.Module, derivative: Any, *,
                  beta: float = 0.33, progress: Progress | None = None) -> torch.Tensor:
    """Out-Sign-Grad (section II-B, eq. 9): ``x + sign(dL/dx) * |clamp(dz/dt)|``.

    ``L`` is the cross-entropy of the classifier ``g`` (``model``, logits) at the true labels:
    the paper's ``sign(dg(z)/dz)`` is "the direction of maximum change in classifier output ...
    for cross entropy loss, changing the input along this direction maximizes the loss", so the
    direction is the FGSM direction ``sign(grad_x CE(g(x), y))`` and the magnitude per sample is
    ``|clamp(dz/dt, -beta, beta)|``. The gradient is taken in eval mode with
    ``torch.autograd.grad`` in batches of :data:`GRAD_BATCH` series; the model's mode and its
    parameters' ``requires_grad`` are restored (:func:`tsviz.core.guard_model`). The gradient is
    taken on the model's device (:func:`tsviz.core.model_device`) and the result returned on ``x``'s.

    Parameters
    ----------
    x : Tensor, shape ``(n, C, T)``
        Series in signal units, on the model's device.
    y : Tensor or array, shape ``(n,)``
        True labels (int, in ``[0, K)``).
    model : nn.Module
        Classifier returning logits ``(n, K)``.
    derivative : ODENet or Tensor ``(n, C, T)``
        A fitted ODENet or a precomputed ``dzdt`` shaped like ``x``.
    beta : float, default 0.33
        Clamp bound (> 0) of the magnitude, in signal units.
    progress : callable ``(fraction, message)``, optional
        Called after every batch of :data:`GRAD_BATCH` series, the last call with 1.

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series; ``|x_aug - x| <= beta`` everywhere and the change has the sign of
        the loss gradient wherever both are non-zero.
    """
    if model is None or not isinstance(model, torch.nn.Module):
        raise AugmentError(f"model must be a torch.nn.Module classifier, got {type(model).__name__}")
    x = check_series(x).to(model_dtype(model))
    check_model_input(model, x, error=AugmentError)
    beta = check_magnitude("beta", beta, x)
    if y is None:
        raise AugmentError("y (the true labels) is required by out_sign_grad")
    yt = as_labels(y, x.shape[0], error=AugmentError, device=x.device)
    check_progress(progress)
    check_augment_cost("out_sign_grad", x.shape[0], passes=3)  # dz/dt, the clean check, one gradient
    with torch.no_grad():
        mag = clamp_beta(resolve_derivative(derivative, x), beta).abs()
    dev, n = model_device(model), x.shape[0]
    signs = []
    with guard_model(model):
        xm, ym = x.to(dev), yt.to(dev)
        k = int(model_logits(model, xm, error=AugmentError).shape[1])
        check_label_range(yt, k, error=AugmentError)
        for i in range(0, n, GRAD_BATCH):
            xb, yb = xm[i:i + GRAD_BATCH], ym[i:i + GRAD_BATCH]

            def ce(logits: torch.Tensor, yb: torch.Tensor = yb) -> torch.Tensor:
                return F.cross_entropy(logits, yb, reduction="none")

            try:
                grad, _ = input_gradient(model, xb, ce, error=AugmentError)
            except AugmentError as exc:  # no input gradient: say which augmentation needs it
                raise AugmentError(f"out_sign_grad needs the model's input gradient: {exc}") from None
            signs.append(torch.sign(grad).to(x.device))
            if progress is not None:
                stop = min(i + GRAD_BATCH, n)
                progress(stop / n, f"out_sign_grad: {stop}/{n} series")
    with torch.no_grad():
        return x + torch.cat(signs).to(x.dtype) * mag


def rand_grad(x: Any, derivative: Any, *, beta: float = 0.33, generator: torch.Generator | None = None,
              seed: int | None = None, progress: Progress | None = None) -> torch.Tensor:
    """Rand-Grad (section II-B, eq. 10): ``x + s * |clamp(dz/dt)|`` with random signs ``s``.

    The control for Out-Sign-Grad: the loss-gradient sign is replaced by an independent random
    sign ``s = +1`` or ``-1`` (probability 1/2 each) for every sample (series, channel, time step).

    Parameters
    ----------
    x : Tensor, shape ``(n, C, T)``
        Series in signal units.
    derivative : ODENet or Tensor ``(n, C, T)``
        A fitted ODENet or a precomputed ``dzdt`` shaped like ``x``.
    beta : float, default 0.33
        Clamp bound (> 0), in signal units.
    generator, seed : optional
        Source of the signs: a generator, or a seed (neither: seed 0).
    progress : callable ``(fraction, message)``, optional
        Called once the series are augmented (fraction 1).

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series; ``|x_aug - x| == |clamp(dz/dt)|`` everywhere.
    """
    x = check_series(x)
    beta = check_magnitude("beta", beta, x)
    gen = augment_generator(generator, seed=seed)
    check_progress(progress)
    check_augment_cost("rand_grad", x.shape[0])
    with torch.no_grad():
        mag = clamp_beta(resolve_derivative(derivative, x), beta).abs()
        s = torch.where(uniform_draws(gen, tuple(x.shape), x) < 0.5, -1.0, 1.0).to(x.dtype)
        out = x + s * mag
    report_done(progress, "rand_grad", x.shape[0])
    return out
