"""Noise-augmented training recipes: Gaussian noise and Gaussian noise under random masks.

Two recipes, registered by name in :data:`tsviz.training.registry.RECIPES`:

``"gaussian"`` -- :class:`GaussianNoise`
    Cross-entropy on ``x + sigma * N(0, I)``: the base-classifier training of randomized
    smoothing (Cohen, Rosenfeld & Kolter, "Certified Adversarial Robustness via Randomized
    Smoothing", ICML 2019, section 3.3 / appendix).

``"masked_gaussian"`` -- :class:`MaskedGaussianNoise`
    Algorithm 1 ("Training Base Model f with Noise Under Mask") of "Certified Robustness for
    Time Series Classification with Efficient Self-Ensemble" (CIKM '24): every step, each
    series gets a fresh random mask ``M`` over its time steps and the loss is
    ``L(f(M ⊙ N(x, sigma^2 I)), y)``, i.e. noise is added first and the mask is applied to the
    *noisy* series; masked steps are set to 0 (section 5.3: "otherwise, it is set to 0").

Zoo names (``"gaussian-<sigma>"``, ``"masked_gaussian-<sigma>-<kind>[-<keep>]"``) are parsed by
:func:`tsviz.training.parse_recipe_name` and produced by :func:`tsviz.training.format_recipe_name`.

Masks (binomial ``M_B``, continuous ``M_C``) are defined once, in :mod:`tsviz.certify.masks`, and
shared with the self-ensemble's fixed masks so training and certification use the same family.

One mask per training series per step (Algorithm 1 draws one mask per series per epoch; with
mini-batches every series is seen once per epoch, so a fresh mask per series per batch is the
same thing). The mask covers time steps and is shared by all channels of a series. All draws are
batched tensor operations with the ``generator`` given to ``loss`` (drawn on the generator's
device and moved to ``x``'s device when they differ; ``None``: a CPU generator seeded 0).
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from tsviz.certify.masks import MASK_KINDS, binomial_mask, check_keep, continuous_mask
from tsviz.core import TsvizError, check_choice, check_positive
from tsviz.training.errors import TrainingError
from tsviz.training.recipes import recipe_generator

__all__ = ["GaussianNoise", "MaskedGaussianNoise", "MASK_KINDS", "binomial_mask", "continuous_mask",
           "check_sigma", "check_mask_kind", "check_mask_keep"]


# --------------------------------------------------------------------------- validation

def check_sigma(sigma: Any) -> float:
    """The noise level ``sigma``: a finite number ``> 0`` in signal units, else :class:`TrainingError`."""
    return check_positive("sigma", sigma, error=TrainingError)


def check_mask_kind(kind: Any) -> str:
    """A mask family of :data:`MASK_KINDS`, else :class:`TrainingError`."""
    return check_choice("kind", kind, MASK_KINDS, error=TrainingError)


def check_mask_keep(keep: Any) -> float:
    """A keep ratio in ``(0, 1]`` (the rule of :func:`tsviz.certify.masks.check_keep`, the masks'
    one definition), raised as :class:`TrainingError`."""
    try:
        return check_keep(keep)
    except TsvizError as exc:
        raise TrainingError(str(exc)) from None


def _normal_draws(generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """Standard normal draws of ``like``'s shape, made on the generator's device, moved to ``like``'s."""
    return torch.randn(like.shape, generator=generator, device=generator.device).to(like.device, like.dtype)


_MASKS = {"binomial": binomial_mask, "continuous": continuous_mask}


# --------------------------------------------------------------------------- recipes

class GaussianNoise:
    """Cross-entropy on Gaussian-noised inputs (the ``"gaussian"`` recipe).

    ``loss = CE(f(x + sigma * eps), y)``, ``eps ~ N(0, I)`` of ``x``'s shape ``(b, C, T)``, drawn
    fresh every call with ``generator``: the base-classifier training of randomized smoothing
    (Cohen et al., ICML 2019).

    Parameters
    ----------
    sigma : float
        Noise standard deviation in signal units (> 0); use the certification ``sigma``.
    """

    name = "gaussian"

    def __init__(self, sigma: float) -> None:
        self.sigma = sigma

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: ``sigma`` (:class:`TrainingError`)."""
        check_sigma(self.sigma)

    def loss(self, model, x, y, *, generator=None):
        sigma = check_sigma(self.sigma)
        noise = _normal_draws(recipe_generator(generator), x)
        return F.cross_entropy(model(x + sigma * noise), y)


class MaskedGaussianNoise:
    """Algorithm 1 of the self-ensemble paper (the ``"masked_gaussian"`` recipe).

    ``loss = CE(f(M ⊙ (x + sigma * eps)), y)`` with ``eps ~ N(0, I)`` of shape ``(b, C, T)`` and
    one random mask ``M`` of shape ``(b, 1, T)`` per series (shared over channels); masked
    steps are 0 (section 5.3). Masks are defined in the module docstring.

    Parameters
    ----------
    sigma : float
        Noise standard deviation in signal units (> 0).
    keep : float
        Keep ratio ``p`` in (0, 1] (default 0.9, the paper's default).
    kind : {"binomial", "continuous"}
        Mask family ``M_B`` or ``M_C``.
    """

    name = "masked_gaussian"

    def __init__(self, sigma: float, keep: float = 0.9, kind: str = "binomial") -> None:
        self.sigma = sigma
        self.keep = keep
        self.kind = kind

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: ``sigma``, ``keep`` and ``kind`` (:class:`TrainingError`)."""
        check_sigma(self.sigma)
        check_mask_keep(self.keep)
        check_mask_kind(self.kind)

    def masked_input(self, x: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """``M ⊙ (x + sigma * eps)`` for a batch ``x`` ``(b, C, T)``; same shape and dtype."""
        sigma = check_sigma(self.sigma)
        keep = check_mask_keep(self.keep)
        kind = check_mask_kind(self.kind)
        gen = recipe_generator(generator)
        b, _, T = x.shape
        noise = _normal_draws(gen, x)
        mask = _MASKS[kind](b, T, keep, generator=gen, device=x.device)
        return (x + sigma * noise) * mask.unsqueeze(1).to(x.dtype)

    def loss(self, model, x, y, *, generator=None):
        return F.cross_entropy(model(self.masked_input(x, generator=generator)), y)
