"""Training recipes: how one mini-batch turns into a loss.

A recipe is an object with ``loss(model, x, y, *, generator) -> scalar tensor``; ``model`` is in
training mode, ``x`` ``(b, C, T)`` in signal units, ``y`` ``(b,)`` int64. Recipes are looked up
by name with :func:`get_recipe`; later recipes (Gaussian/masked noise, adversarial training, NSR
losses) register here too.

Two optional methods let :func:`tsviz.training.fit` refuse a bad run before any work:

* ``passes_per_series(n_classes) -> int``: model evaluations per series and step (default 1), a
  factor of the total-cost check (``epochs x training series x passes``, :func:`tsviz.core.check_cost`);
* ``check(x, n_classes)``: the recipe's settings against the training series ``x`` ``(n, C, T)``
  (e.g. an adversarial recipe's ``eps`` against the data's scale), raising
  :class:`~tsviz.training.TrainingError`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import torch
import torch.nn.functional as F

from tsviz.training.errors import TrainingError

__all__ = ["Recipe", "Standard", "RECIPES", "get_recipe", "register_recipe"]


class Recipe(Protocol):
    name: str

    def loss(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *,
             generator: torch.Generator | None = None) -> torch.Tensor: ...


class Standard:
    """Plain cross-entropy on clean inputs (the ``"standard"`` recipe).

    Parameters
    ----------
    label_smoothing : float
        Label smoothing of the cross-entropy, in ``[0, 1)`` (default 0).
    """

    name = "standard"

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = label_smoothing

    def loss(self, model, x, y, *, generator=None):
        if not 0.0 <= self.label_smoothing < 1.0:
            raise TrainingError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        return F.cross_entropy(model(x), y, label_smoothing=self.label_smoothing)


#: name -> factory(**hparams) -> Recipe
RECIPES: dict[str, Callable[..., Any]] = {"standard": Standard}


def register_recipe(name: str, factory: Callable[..., Any]) -> None:
    """Add a recipe factory under ``name``."""
    RECIPES[name] = factory


def get_recipe(recipe: str | Recipe, **hparams: Any) -> Recipe:
    """A recipe instance from a name (with hyperparameters) or pass an instance through."""
    if not isinstance(recipe, str):
        if hparams:
            raise TrainingError("recipe hyperparameters go to the recipe's constructor, not with an instance")
        return recipe
    if recipe not in RECIPES:
        # zoo-style names carry their hyperparameters: "gaussian-0.25", "masked_gaussian-0.25-binomial"
        from tsviz.training.noise_recipes import parse_recipe_name

        try:
            recipe, parsed = parse_recipe_name(recipe)
        except ValueError:
            raise TrainingError(f"unknown recipe {recipe!r}; available: {', '.join(sorted(RECIPES))} "
                             f"(or gaussian-<sigma>, masked_gaussian-<sigma>-<binomial|continuous>)") from None
        hparams = {**parsed, **hparams}
    try:
        return RECIPES[recipe](**hparams)
    except TypeError as exc:
        raise TrainingError(f"recipe {recipe!r}: {exc}") from exc
