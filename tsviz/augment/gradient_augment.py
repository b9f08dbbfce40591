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
* Randomness only from ``generator`` (a ``torch.Generator`` on CPU or on ``x``'s device;
  ``None``: a fresh CPU generator seeded 0, so the call is still deterministic).
* Models are left exactly as found (mode and ``requires_grad``); input gradients are taken with
  ``torch.autograd.grad``.
"""
from __future__ import annotations

from typing import Any

import torch

from tsviz.attacks.base import (
    AttackError, check_label_range, check_positive, guard_model, input_gradient, model_dtype, model_logits,
)
from tsviz.attacks.base import resolve_generator as _resolve_generator
from tsviz.augment.errors import AugmentError
from tsviz.core import as_labels, as_series, check_budget, check_cost, check_model_input

__all__ = ["in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "GRAD_BATCH"]

#: Series per forward/backward pass in :func:`out_sign_grad`.
GRAD_BATCH = 512


def check_number(name: str, value: Any, *, allow_zero: bool = False, upper: float | None = None) -> float:
    """A finite number ``> 0`` (``>= 0``), at most ``upper``; else :class:`AugmentError`."""
    return check_positive(name, value, allow_zero=allow_zero, upper=upper, error=AugmentError)


def check_magnitude(name: str, value: Any, x: torch.Tensor, *, allow_zero: bool = False) -> float:
    """A magnitude in signal units (``beta``, ``eps_max``), held to the data's scale and float32's
    range like an attack budget (:func:`tsviz.core.check_budget`; ``beta = 1e300`` would overflow)."""
    return check_budget(name, value, x, allow_zero=allow_zero, error=AugmentError)


def resolve_generator(generator: torch.Generator | None) -> torch.Generator:
    """``generator``, or a fresh CPU generator seeded 0; :class:`AugmentError` for anything else."""
    return _resolve_generator(generator, error=AugmentError)


def check_series(x: Any, name: str = "x") -> torch.Tensor:
    """``x`` ``(n, C, T)`` by :func:`tsviz.core.as_series`: real (complex refused), finite, within
    float32's range, as a float32 tensor on its own device (numpy: CPU)."""
    return as_series(x, name=name, error=AugmentError)


def rand_like(shape: tuple[int, ...], generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """``U[0, 1)`` draws of ``shape`` from ``generator`` (on its device), moved to ``like``'s device/dtype."""
    return torch.rand(shape, generator=generator, device=generator.device).to(like.device, like.dtype)


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


def _check_cost(name: str, n: int, passes: int = 1) -> None:
    factors = {"series": n} if passes <= 1 else {"series": n, "model passes per series": passes}
    check_cost(name, factors, error=AugmentError)


def clamp_beta(dzdt: torch.Tensor, beta: float) -> torch.Tensor:
    """Eq. 5: ``dz/dt`` clipped into ``[-beta, beta]``."""
    return dzdt.clamp(-beta, beta)


def in_clamp_grad(x: Any, derivative: Any, *, beta: float = 0.33) -> torch.Tensor:
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

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series; ``|x_aug - x| <= beta`` everywhere.
    """
    x = check_series(x)
    beta = check_magnitude("beta", beta, x)
    _check_cost("in_clamp_grad", x.shape[0])
    with torch.no_grad():
        return x + clamp_beta(resolve_derivative(derivative, x), beta)


def in_sign_grad(x: Any, derivative: Any, *, eps_max: float = 0.33, per: str = "series",
                 generator: torch.Generator | None = None) -> torch.Tensor:
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
    generator : torch.Generator, optional
        Source of the draws (``None``: seeded 0).

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series; ``|x_aug - x| <= eps_max`` everywhere.
    """
    x = check_series(x)
    eps_max = check_magnitude("eps_max", eps_max, x, allow_zero=True)
    if per not in ("series", "step"):
        raise AugmentError(f"per must be 'series' or 'step', got {per!r}")
    gen = resolve_generator(generator)
    _check_cost("in_sign_grad", x.shape[0])
    with torch.no_grad():
        dzdt = resolve_derivative(derivative, x)
        shape = (x.shape[0], 1, 1) if per == "series" else tuple(x.shape)
        eps = rand_like(shape, gen, x) * eps_max
        return x + eps * torch.sign(dzdt)


def out_sign_grad(x: Any, y: Any, model: torch.nn.Module, derivative: Any, *,
                  beta: float = 0.33) -> torch.Tensor:
    """Out-Sign-Grad (section II-B, eq. 9): ``x + sign(dL/dx) * |clamp(dz/dt)|``.

    ``L`` is the cross-entropy of the classifier ``g`` (``model``, logits) at the true labels:
    the paper's ``sign(dg(z)/dz)`` is "the direction of maximum change in classifier output ...
    for cross entropy loss, changing the input along this direction maximizes the loss", so the
    direction is the FGSM direction ``sign(grad_x CE(g(x), y))`` and the magnitude per sample is
    ``|clamp(dz/dt, -beta, beta)|``. The gradient is taken in eval mode with
    ``torch.autograd.grad`` in batches of :data:`GRAD_BATCH` series; the model's mode and its
    parameters' ``requires_grad`` are restored (:func:`tsviz.attacks.base.guard_model`).

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

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series; ``|x_aug - x| <= beta`` everywhere and the change has the sign of
        the loss gradient wherever both are non-zero.
    """
    import torch.nn.functional as F

    if model is None or not isinstance(model, torch.nn.Module):
        raise AugmentError(f"model must be a torch.nn.Module classifier, got {type(model).__name__}")
    x = check_series(x).to(model_dtype(model))
    check_model_input(model, x, error=AugmentError)
    beta = check_magnitude("beta", beta, x)
    if y is None:
        raise AugmentError("y (the true labels) is required by out_sign_grad")
    yt = as_labels(y, x.shape[0], error=AugmentError, device=x.device)
    _check_cost("out_sign_grad", x.shape[0], passes=3)  # dz/dt, the clean check, one gradient
    with torch.no_grad():
        mag = clamp_beta(resolve_derivative(derivative, x), beta).abs()
    signs = []
    with guard_model(model):
        k = int(model_logits(model, x, error=AugmentError).shape[1])
        check_label_range(yt, k, error=AugmentError)
        for i in range(0, x.shape[0], GRAD_BATCH):
            xb, yb = x[i:i + GRAD_BATCH], yt[i:i + GRAD_BATCH]

            def ce(logits: torch.Tensor, yb: torch.Tensor = yb) -> torch.Tensor:
                return F.cross_entropy(logits, yb, reduction="none")

            try:
                grad, _ = input_gradient(model, xb, ce)
            except AttackError as exc:  # no input gradient: say it in this family's words
                raise AugmentError(f"out_sign_grad needs the model's input gradient: {exc}") from None
            signs.append(torch.sign(grad))
    with torch.no_grad():
        return x + torch.cat(signs).to(x.dtype) * mag


def rand_grad(x: Any, derivative: Any, *, beta: float = 0.33,
              generator: torch.Generator | None = None) -> torch.Tensor:
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
    generator : torch.Generator, optional
        Source of the signs (``None``: seeded 0).

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series; ``|x_aug - x| == |clamp(dz/dt)|`` everywhere.
    """
    x = check_series(x)
    beta = check_magnitude("beta", beta, x)
    gen = resolve_generator(generator)
    _check_cost("rand_grad", x.shape[0])
    with torch.no_grad():
        mag = clamp_beta(resolve_derivative(derivative, x), beta).abs()
        s = torch.where(rand_like(tuple(x.shape), gen, x) < 0.5, -1.0, 1.0).to(x.dtype)
        return x + s * mag
