"""ODE-guided and spectral data augmentation for time series.

Sarkar, Sunder Raj & Iyengar, "ODE guided Neural Data Augmentation Techniques for Time Series
Data and its Benefits on Robustness" (ICMLA 2020), section II.

* :class:`ODENet`, :func:`fit_odenet`, :func:`derivative`, :func:`save_odenet`,
  :func:`load_odenet`: learn ``dz/dt = f(z, t)`` from a dataset (eq. 1-3) and evaluate it.
* :func:`in_clamp_grad` (eq. 4-5), :func:`in_sign_grad` (eq. 7), :func:`out_sign_grad` (eq. 9),
  :func:`rand_grad` (eq. 10): perturbations sized by ``dz/dt``.
* :func:`spec_den` (eq. 11-14): energy moved between the weakest frequency components.
* :func:`augment`: one entry point by name (:data:`AUGMENTATIONS`).

Every augmentation maps ``x`` ``(n, C, T)`` to a new tensor of the same shape on ``x``'s device,
never modifies ``x`` or a model, and draws randomness only from ``generator``. Importing this
package does not import torchdiffeq (only :func:`fit_odenet` does).
"""
from __future__ import annotations

from typing import Any

import torch

from tsviz.augment.errors import AugmentError
from tsviz.augment.gradient_augment import in_clamp_grad, in_sign_grad, out_sign_grad, rand_grad
from tsviz.augment.odenet import (
    MAX_ODE_BATCH_SIZE,
    MAX_ODE_EPOCHS,
    MAX_ODE_PAIRS,
    ODEFit,
    ODENet,
    derivative,
    fit_odenet,
    load_odenet,
    save_odenet,
)
from tsviz.augment.spec_den import spec_den

__all__ = [
    "ODENet", "ODEFit", "fit_odenet", "derivative", "save_odenet", "load_odenet",
    "in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "spec_den",
    "augment", "AUGMENTATIONS", "AUGMENTATION_PARAMS", "AugmentError",
    "MAX_ODE_EPOCHS", "MAX_ODE_PAIRS", "MAX_ODE_BATCH_SIZE",
]

#: Names accepted by :func:`augment`, in the paper's order.
AUGMENTATIONS = ("in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "spec_den")

#: Keyword hyperparameters each augmentation takes through ``**params`` of :func:`augment`.
AUGMENTATION_PARAMS: dict[str, tuple[str, ...]] = {
    "in_clamp_grad": ("beta",),
    "in_sign_grad": ("eps_max", "per"),
    "out_sign_grad": ("beta",),
    "rand_grad": ("beta",),
    "spec_den": ("energy", "share"),
}


def augment(name: str, x: Any, y: Any = None, *, model: torch.nn.Module | None = None,
            derivative: Any = None, generator: torch.Generator | None = None, **params: Any) -> torch.Tensor:
    """Apply the augmentation ``name`` to ``x``.

    Parameters
    ----------
    name : str
        One of :data:`AUGMENTATIONS`.
    x : Tensor, shape ``(n, C, T)``
        Series in signal units.
    y : Tensor or array, shape ``(n,)``, optional
        True labels; required by ``"out_sign_grad"``, ignored by the others.
    model : nn.Module, optional
        Classifier (logits); required by ``"out_sign_grad"``, ignored by the others.
    derivative : ODENet or Tensor ``(n, C, T)``, optional
        A fitted ODENet or a precomputed ``dzdt``; required by the four gradient augmentations,
        ignored by ``"spec_den"``.
    generator : torch.Generator, optional
        Passed to the stochastic ones (``in_sign_grad``, ``rand_grad``, ``spec_den``); the
        deterministic ones (``in_clamp_grad``, ``out_sign_grad``) ignore it.
    **params
        Hyperparameters of the augmentation (see :data:`AUGMENTATION_PARAMS`), e.g. ``beta=0.2``.

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        The augmented series.

    Raises
    ------
    AugmentError (a ValueError)
        Unknown ``name`` or parameter, or a missing ``y``/``model``/``derivative`` (the message
        names it), or any error of the augmentation itself.
    """
    if not isinstance(name, str) or name not in AUGMENTATIONS:
        raise AugmentError(f"name must be one of {AUGMENTATIONS}, got {name!r}")
    unknown = sorted(set(params) - set(AUGMENTATION_PARAMS[name]))
    if unknown:
        raise AugmentError(f"unknown parameter(s) {unknown} for {name}; it accepts {list(AUGMENTATION_PARAMS[name])}")
    if name == "spec_den":
        return spec_den(x, generator=generator, **params)
    if derivative is None:
        raise AugmentError(f"derivative is required by {name}: a fitted ODENet or a dzdt tensor shaped like x")
    if name == "in_clamp_grad":
        return in_clamp_grad(x, derivative, **params)
    if name == "in_sign_grad":
        return in_sign_grad(x, derivative, generator=generator, **params)
    if name == "rand_grad":
        return rand_grad(x, derivative, generator=generator, **params)
    if y is None:
        raise AugmentError("y (the true labels) is required by out_sign_grad")
    if model is None:
        raise AugmentError("model (the classifier) is required by out_sign_grad")
    return out_sign_grad(x, y, model, derivative, **params)
