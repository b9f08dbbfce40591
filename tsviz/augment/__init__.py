"""ODE-guided and spectral data augmentation for time series.

Sarkar, Sunder Raj & Iyengar, "ODE guided Neural Data Augmentation Techniques for Time Series
Data and its Benefits on Robustness" (ICMLA 2020), section II.

* :class:`ODENet`, :func:`fit_odenet`, :func:`derivative`, :func:`save_odenet`,
  :func:`load_odenet`: learn ``dz/dt = f(z, t)`` from a dataset (eq. 1-3) and evaluate it.
* :func:`in_clamp_grad` (eq. 4-5), :func:`in_sign_grad` (eq. 7), :func:`out_sign_grad` (eq. 9),
  :func:`rand_grad` (eq. 10): perturbations sized by ``dz/dt``.
* :func:`spec_den` (eq. 11-14): energy moved between the weakest frequency components.
* :func:`augment`: one entry point by name, over the registry :data:`AUGMENTATION_REGISTRY`.
* :func:`odenet_quality`, :func:`quality_warnings` (:mod:`tsviz.augment.quality`): how well a
  fitted ODENet describes a set of series (loss ratio, relative RMSE) and what to say when poorly.
* :func:`shipped_odenet_path`, :func:`list_shipped_odenets` (:mod:`tsviz.augment.zoo`): ODENets
  fitted once and shipped with the zoo (``<zoo>/odenets``), so nobody has to fit one live.

Importing this package does not import torchdiffeq (only :func:`fit_odenet` does).

The augmentation contract
-------------------------
Every member follows it; ``tests/contracts/test_augmentation_contract.py`` checks it for every
member through :func:`augment`.

Call shape
    A function ``name(x, [y, model,] derivative, *, <hyperparameters>, [generator=None,
    seed=None,] progress=None) -> x_aug`` (``spec_den`` takes no ``derivative``), or by name:
    ``augment(name, x, y=None, *, model=None, derivative=None, generator=None, seed=None,
    progress=None, **hyperparameters)``. Hyperparameters are keyword-only and listed in
    :data:`AUGMENTATION_PARAMS`; what else a member needs (``derivative``, ``y``, ``model``) is in
    its :class:`AugmentationSpec`.
Inputs and output
    ``x`` ``(n, C, T)`` real series in signal units, numpy or torch (checked by
    :func:`tsviz.core.as_series`: complex, NaN/Inf and values beyond float32 refused). The result
    is a new float32 tensor of ``x``'s shape on ``x``'s device (numpy: CPU), without autograd
    history; ``x`` is never modified. Magnitudes in signal units (``beta``, ``eps_max``) are held
    to the data's scale (:func:`tsviz.core.check_budget`) and bound the change: ``|x_aug - x| <=
    beta`` (or ``eps_max``) everywhere; ``spec_den`` keeps the energy within 1.5 % (its docstring).
Randomness
    The stochastic members (:func:`in_sign_grad`, :func:`rand_grad`, :func:`spec_den`) draw only
    from ``generator`` or ``seed`` (neither: seed 0), resolved once per call by
    :func:`tsviz.augment.base.augment_generator` (:func:`tsviz.core.resolve_generator`); both
    given is an error. Same seed -> same result. The deterministic members draw nothing (through
    :func:`augment` they accept and check ``generator``/``seed``). Every series is augmented on its
    own: a batch gives, series by series, what a deterministic member gives for each series alone.
    :func:`fit_odenet` takes ``seed`` alone, written on the ODENet's card so a fit can be
    reproduced from it.
Device
    Results on ``x``'s device; Out-Sign-Grad takes its gradient on the model's device
    (:func:`tsviz.core.model_device`); an ODENet on another device is copied, never moved.
Model state
    Classifiers and ODENets are left exactly as found (:func:`tsviz.core.guard_model`); input
    gradients via :func:`tsviz.core.input_gradient` (``torch.autograd.grad``).
Progress
    Every augmentation, :func:`augment` and :func:`fit_odenet` take ``progress: Callable[[float,
    str], None] | None``, called with fractions in ``[0, 1]``, the last call with 1.
Errors
    Every bad input is an :class:`AugmentError` (a :class:`tsviz.core.TsvizError`, hence a
    ``ValueError``) naming the parameter: unknown name or hyperparameter, a missing ``y``,
    ``model`` or ``derivative``, NaN/complex series, wrong channels, float labels, a magnitude far
    beyond the data's scale, a model or ODENet with non-finite output, a total cost over
    :func:`tsviz.core.max_cost`. (ODENet checkpoints raise :class:`tsviz.models.CheckpointError`.)
Results
    Augmentations return a tensor; :func:`fit_odenet` returns :class:`ODEFit`, a frozen dataclass
    with a read-only numpy ``history`` and ``summary()``.
Caps
    :data:`CAPS` (parameter name -> largest value) holds the caps of :func:`fit_odenet`'s counts;
    the augmentations have no count parameter (their cost is one or three passes per series,
    held to :func:`tsviz.core.max_cost`).
Registration
    :data:`AUGMENTATION_REGISTRY` below is the one registry (name -> :class:`AugmentationSpec`);
    :data:`AUGMENTATIONS` and :data:`AUGMENTATION_PARAMS` are read from it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from tsviz.augment.base import Progress, augment_generator, check_progress
from tsviz.augment.errors import AugmentError
from tsviz.augment.gradient_augment import in_clamp_grad, in_sign_grad, out_sign_grad, rand_grad
from tsviz.augment.odenet import (
    MAX_ODE_BATCH_SIZE,
    MAX_ODE_EPOCHS,
    MAX_ODE_HIDDEN,
    MAX_ODE_PAIRS,
    ODEFit,
    ODENet,
    derivative,
    fit_odenet,
    load_odenet,
    save_odenet,
)
from tsviz.augment.quality import ODEQuality, odenet_quality, quality_warnings
from tsviz.augment.spec_den import spec_den
from tsviz.augment.zoo import ODENET_ZOO, list_shipped_odenets, shipped_odenet_path

__all__ = [
    "ODENet", "ODEFit", "fit_odenet", "derivative", "save_odenet", "load_odenet",
    "in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "spec_den",
    "augment", "AugmentationSpec", "AUGMENTATION_REGISTRY", "AUGMENTATIONS", "AUGMENTATION_PARAMS", "AugmentError",
    "CAPS", "MAX_ODE_EPOCHS", "MAX_ODE_PAIRS", "MAX_ODE_BATCH_SIZE", "MAX_ODE_HIDDEN",
    "ODEQuality", "odenet_quality", "quality_warnings", "ODENET_ZOO", "shipped_odenet_path", "list_shipped_odenets",
]


@dataclass(frozen=True)
class AugmentationSpec:
    """One member of the family, as :func:`augment` calls it.

    Attributes
    ----------
    function : callable
        The augmentation.
    params : tuple of str
        Its keyword hyperparameters.
    needs : tuple of str
        What it needs besides ``x``, in call order: ``"y"``, ``"model"``, ``"derivative"``.
    stochastic : bool
        Whether it draws random numbers (then it takes ``generator`` and ``seed``).
    """

    function: Callable[..., torch.Tensor]
    params: tuple[str, ...]
    needs: tuple[str, ...]
    stochastic: bool


#: name -> spec, in the paper's order: the family's one registry.
AUGMENTATION_REGISTRY: dict[str, AugmentationSpec] = {
    "in_clamp_grad": AugmentationSpec(in_clamp_grad, ("beta",), ("derivative",), False),
    "in_sign_grad": AugmentationSpec(in_sign_grad, ("eps_max", "per"), ("derivative",), True),
    "out_sign_grad": AugmentationSpec(out_sign_grad, ("beta",), ("y", "model", "derivative"), False),
    "rand_grad": AugmentationSpec(rand_grad, ("beta",), ("derivative",), True),
    "spec_den": AugmentationSpec(spec_den, ("energy", "share"), (), True),
}

#: Names accepted by :func:`augment`, in the paper's order.
AUGMENTATIONS: tuple[str, ...] = tuple(AUGMENTATION_REGISTRY)

#: Keyword hyperparameters each augmentation takes through ``**params`` of :func:`augment`.
AUGMENTATION_PARAMS: dict[str, tuple[str, ...]] = {name: spec.params for name, spec in AUGMENTATION_REGISTRY.items()}

#: The family's caps, parameter name -> largest value (the counts of :func:`fit_odenet`), read by
#: the app and the CLI: epochs 1000 (the default fit aims at ~3,000 optimiser steps, a few epochs on
#: a real dataset; 1000 leaves room for tiny ones), training pairs 2,000,000 (about 10 s of an
#: epoch on 2 CPU cores), batch size 65,536 pairs, hidden units 1024 (the paper uses 25).
CAPS: dict[str, int] = {
    "epochs": MAX_ODE_EPOCHS,
    "max_pairs": MAX_ODE_PAIRS,
    "batch_size": MAX_ODE_BATCH_SIZE,
    "hidden": MAX_ODE_HIDDEN,
}

_MISSING = {
    "derivative": "a fitted ODENet or a dzdt tensor shaped like x",
    "y": "the true labels",
    "model": "the classifier",
}


def augment(name: str, x: Any, y: Any = None, *, model: torch.nn.Module | None = None,
            derivative: Any = None, generator: torch.Generator | None = None, seed: int | None = None,
            progress: Progress | None = None, **params: Any) -> torch.Tensor:
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
    generator, seed : optional
        The randomness rule, resolved here once (neither: seed 0; both: an error) and passed to
        the stochastic members (``in_sign_grad``, ``rand_grad``, ``spec_den``); the deterministic
        ones (``in_clamp_grad``, ``out_sign_grad``) draw nothing.
    progress : callable ``(fraction, message)``, optional
        Passed to the augmentation; the last call has fraction 1.
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
    if not isinstance(name, str) or name not in AUGMENTATION_REGISTRY:
        raise AugmentError(f"name must be one of {AUGMENTATIONS}, got {name!r}")
    spec = AUGMENTATION_REGISTRY[name]
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        raise AugmentError(f"unknown parameter(s) {unknown} for {name}; it accepts {list(spec.params)}")
    gen = augment_generator(generator, seed=seed)
    check_progress(progress)
    given = {"y": y, "model": model, "derivative": derivative}
    for need in spec.needs:
        if given[need] is None:
            raise AugmentError(f"{need} ({_MISSING[need]}) is required by {name}")
    if spec.stochastic:
        params["generator"] = gen
    return spec.function(x, *(given[need] for need in spec.needs), progress=progress, **params)
