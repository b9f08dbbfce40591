"""Noise-augmented training recipes: Gaussian noise and Gaussian noise under random masks.

Two recipes, registered by name with :func:`tsviz.training.register_recipe`:

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
:func:`parse_recipe_name` and produced by :func:`format_recipe_name`.

Masks (binomial ``M_B``, continuous ``M_C``) are defined once, in :mod:`tsviz.certify.masks`, and
shared with the self-ensemble's fixed masks so training and certification use the same family.

One mask per training series per step (Algorithm 1 draws one mask per series per epoch; with
mini-batches every series is seen once per epoch, so a fresh mask per series per batch is the
same thing). The mask covers time steps and is shared by all channels of a series. All draws are
batched tensor operations with the ``generator`` given to ``loss`` (drawn on the generator's
device and moved to ``x``'s device when they differ).
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from tsviz.certify.masks import MASK_KINDS, check_keep, binomial_mask, continuous_mask
from tsviz.training.recipes import RECIPES, register_recipe
from tsviz.training.errors import TrainingError


def _randn(shape, generator, device) -> torch.Tensor:
    d = device if generator is None else torch.device(generator.device)
    return torch.randn(shape, generator=generator, device=d).to(device)


__all__ = ["GaussianNoise", "MaskedGaussianNoise", "MASK_KINDS", "binomial_mask", "continuous_mask",
           "parse_recipe_name", "format_recipe_name"]



# --------------------------------------------------------------------------- validation

def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_sigma(sigma: Any) -> float:
    if not _is_number(sigma) or not math.isfinite(sigma) or sigma <= 0:
        raise TrainingError(f"sigma must be a finite number > 0, got {sigma!r}")
    return float(sigma)


def _check_kind(kind: Any) -> str:
    if kind not in MASK_KINDS:
        raise TrainingError(f"kind must be one of {', '.join(MASK_KINDS)}, got {kind!r}")
    return kind


# --------------------------------------------------------------------------- random draws

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

    def loss(self, model, x, y, *, generator=None):
        sigma = _check_sigma(self.sigma)
        noise = _randn(x.shape, generator, x.device).to(x.dtype)
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

    def masked_input(self, x: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """``M ⊙ (x + sigma * eps)`` for a batch ``x`` ``(b, C, T)``; same shape and dtype."""
        sigma = _check_sigma(self.sigma)
        keep = check_keep(self.keep)
        kind = _check_kind(self.kind)
        b, _, T = x.shape
        noise = _randn(x.shape, generator, x.device).to(x.dtype)
        mask = _MASKS[kind](b, T, keep, generator=generator, device=x.device)
        return (x + sigma * noise) * mask.unsqueeze(1).to(x.dtype)

    def loss(self, model, x, y, *, generator=None):
        return F.cross_entropy(model(self.masked_input(x, generator=generator)), y)


register_recipe(GaussianNoise.name, GaussianNoise)
register_recipe(MaskedGaussianNoise.name, MaskedGaussianNoise)


# --------------------------------------------------------------------------- zoo names

_NAME_HELP = ('expected "gaussian-<sigma>" or "masked_gaussian-<sigma>-<binomial|continuous>[-<keep>]" '
              '(e.g. "gaussian-0.25", "masked_gaussian-0.25-binomial")')


def _parse_float(field: str, what: str, name: str) -> float:
    try:
        v = float(field)
    except ValueError:
        raise TrainingError(f"recipe name {name!r}: {what} {field!r} is not a number; {_NAME_HELP}") from None
    return v


def parse_recipe_name(name: str) -> tuple[str, dict[str, Any]]:
    """Split a zoo recipe name into ``(recipe, hparams)`` for :func:`get_recipe`.

    ``"gaussian-0.25"`` -> ``("gaussian", {"sigma": 0.25})``;
    ``"masked_gaussian-0.25-binomial"`` -> ``("masked_gaussian", {"sigma": 0.25, "kind": "binomial"})``
    (``keep`` left at its default 0.9); ``"masked_gaussian-0.25-continuous-0.5"`` adds
    ``"keep": 0.5``. A plain registered name without fields (``"standard"``, ``"pgd_at"``)
    gives ``(name, {})``.

    Raises
    ------
    ValueError
        For anything else, naming what was wrong.
    """
    if not isinstance(name, str) or not name:
        raise TrainingError(f"recipe name must be a non-empty string, got {name!r}; {_NAME_HELP}")
    head, *fields = name.split("-")
    if head == "gaussian":
        if len(fields) != 1:
            raise TrainingError(f"recipe name {name!r}: gaussian takes exactly one field (sigma); {_NAME_HELP}")
        sigma = _parse_float(fields[0], "sigma", name)
        try:
            _check_sigma(sigma)
        except ValueError as exc:
            raise TrainingError(f"recipe name {name!r}: {exc}") from None
        return "gaussian", {"sigma": sigma}
    if head == "masked_gaussian":
        if len(fields) not in (2, 3):
            raise TrainingError(f"recipe name {name!r}: masked_gaussian takes sigma, kind and an optional keep; "
                             f"{_NAME_HELP}")
        sigma = _parse_float(fields[0], "sigma", name)
        hp: dict[str, Any] = {"sigma": sigma, "kind": fields[1]}
        if len(fields) == 3:
            hp["keep"] = _parse_float(fields[2], "keep", name)
        try:
            _check_sigma(sigma)
            _check_kind(fields[1])
            if "keep" in hp:
                check_keep(hp["keep"])
        except ValueError as exc:
            raise TrainingError(f"recipe name {name!r}: {exc}") from None
        return "masked_gaussian", hp
    if not fields and head in RECIPES:
        return head, {}
    raise TrainingError(f"unknown recipe name {name!r}; {_NAME_HELP}, or a registered recipe "
                     f"({', '.join(sorted(RECIPES))})")


def format_recipe_name(recipe: str, **hparams: Any) -> str:
    """Inverse of :func:`parse_recipe_name`: ``("gaussian", sigma=0.25)`` -> ``"gaussian-0.25"``.

    ``keep`` is written only when given and different from the default 0.9.
    """
    if recipe == "gaussian":
        return f"gaussian-{_check_sigma(hparams['sigma']):g}"
    if recipe == "masked_gaussian":
        out = f"masked_gaussian-{_check_sigma(hparams['sigma']):g}-{_check_kind(hparams.get('kind', 'binomial'))}"
        keep = hparams.get("keep", 0.9)
        if check_keep(keep) != 0.9:
            out += f"-{keep:g}"
        return out
    if hparams:
        raise TrainingError(f"recipe {recipe!r} has no name format for hyperparameters {sorted(hparams)}")
    return recipe
