"""Gradient-based augmentations: In-Clamp-Grad, In-Sign-Grad, Out-Sign-Grad, Rand-Grad.

Sarkar, Sunder Raj & Iyengar, "ODE guided Neural Data Augmentation Techniques for Time Series
Data and its Benefits on Robustness" (ICMLA 2020), sections II-A and II-B, eq. 4-10.

All four perturb every sample of ``x`` by an amount set by the series' time derivative
``dz/dt`` (eq. 3), learned by an :class:`~tsviz.augment.odenet.ODENet`. Shared conventions:

* ``x``: ``(n, C, T)`` float tensor in signal units; the result is a new tensor of the same
  shape, dtype and device, without autograd history; ``x`` is never modified.
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

import numpy as np
import torch

from tsviz.attacks.base import check_positive as check_number
from tsviz.attacks.base import resolve_generator

__all__ = ["in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "GRAD_BATCH"]

#: Series per forward/backward pass in :func:`out_sign_grad`.
GRAD_BATCH = 512


def check_series(x: Any, name: str = "x") -> torch.Tensor:
    """``x`` as a floating tensor ``(n, C, T)`` with finite values (a tensor is not copied)."""
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.tensor(np.asarray(x, dtype=np.float32))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a numeric array of shape (n, channels, T): {exc}") from exc
    if x.ndim != 3:
        raise ValueError(f"{name} must have shape (n, channels, T), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"{name} must be a floating tensor, got {x.dtype}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or Inf")
    return x.detach()


def rand_like(shape: tuple[int, ...], generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """``U[0, 1)`` draws of ``shape`` from ``generator`` (on its device), moved to ``like``'s device/dtype."""
    return torch.rand(shape, generator=generator, device=generator.device).to(like.device, like.dtype)


def resolve_derivative(derivative: Any, x: torch.Tensor) -> torch.Tensor:
    """``dz/dt`` ``(n, C, T)`` for ``x``: from an ODENet, or a checked precomputed tensor/array."""
    from tsviz.augment.odenet import ODENet
    from tsviz.augment.odenet import derivative as odenet_derivative

    if derivative is None:
        raise ValueError("derivative is required: a fitted ODENet (fit_odenet(...).odenet) or a dzdt tensor "
                         "shaped like x")
    if isinstance(derivative, ODENet):
        return odenet_derivative(derivative, x)
    if isinstance(derivative, torch.nn.Module):
        raise ValueError(f"derivative must be an ODENet or a dzdt tensor, got a {type(derivative).__name__}")
    try:
        d = derivative if isinstance(derivative, torch.Tensor) else torch.as_tensor(np.asarray(derivative, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"derivative must be an ODENet or a numeric dzdt array shaped like x: {exc}") from exc
    if tuple(d.shape) != tuple(x.shape):
        raise ValueError(f"derivative (dzdt) must have the shape of x {tuple(x.shape)}, got {tuple(d.shape)}")
    if not torch.isfinite(d).all():
        raise ValueError("derivative (dzdt) contains NaN or Inf")
    return d.detach().to(x.device, x.dtype)


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
    beta = check_number("beta", beta)
    x = check_series(x)
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
    eps_max = check_number("eps_max", eps_max, allow_zero=True)
    if per not in ("series", "step"):
        raise ValueError(f"per must be 'series' or 'step', got {per!r}")
    x = check_series(x)
    gen = resolve_generator(generator)
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

    from tsviz.attacks.base import guard_model, input_gradient

    beta = check_number("beta", beta)
    if model is None or not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module classifier, got {type(model).__name__}")
    x = check_series(x)
    if y is None:
        raise ValueError("y (the true labels) is required by out_sign_grad")
    yt = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y)
    if yt.is_floating_point() or yt.is_complex() or yt.dtype == torch.bool:
        raise ValueError(f"y must hold integer labels, got {yt.dtype}")
    yt = yt.to(x.device).long().reshape(-1)
    if yt.shape[0] != x.shape[0]:
        raise ValueError(f"y has {yt.shape[0]} labels for {x.shape[0]} series in x")
    with torch.no_grad():
        mag = clamp_beta(resolve_derivative(derivative, x), beta).abs()
    signs = []
    with guard_model(model):
        for i in range(0, x.shape[0], GRAD_BATCH):
            xb, yb = x[i:i + GRAD_BATCH], yt[i:i + GRAD_BATCH]

            def ce(logits: torch.Tensor, yb: torch.Tensor = yb) -> torch.Tensor:
                if logits.ndim != 2:
                    raise ValueError(f"model must return logits of shape (n, K), got {tuple(logits.shape)}")
                if ((yb < 0) | (yb >= logits.shape[1])).any():
                    raise ValueError(f"y must hold labels in [0, {logits.shape[1]})")
                return F.cross_entropy(logits, yb, reduction="none")

            grad, _ = input_gradient(model, xb, ce)
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
    beta = check_number("beta", beta)
    x = check_series(x)
    gen = resolve_generator(generator)
    with torch.no_grad():
        mag = clamp_beta(resolve_derivative(derivative, x), beta).abs()
        s = torch.where(rand_like(tuple(x.shape), gen, x) < 0.5, -1.0, 1.0).to(x.dtype)
        return x + s * mag
