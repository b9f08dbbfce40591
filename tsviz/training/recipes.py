"""What a training recipe is: the :class:`Recipe` protocol, the ``"standard"`` recipe, and the
family's randomness rule (the contract is stated in :mod:`tsviz.training`).

A recipe is an object with ``name`` and ``loss(model, x, y, *, generator=None) -> scalar tensor``;
``model`` is in training mode, ``x`` ``(b, C, T)`` in signal units, ``y`` ``(b,)`` int64. It stores
its hyperparameters as given in ``__init__`` and checks them when used. Optional methods let
:func:`tsviz.training.fit` refuse a bad run before any work and describe the run on the card:

* ``passes_per_series(n_classes) -> int``: model evaluations per series and step (default 1), a
  factor of the total-cost check (``epochs x training series x passes``, :func:`tsviz.core.check_cost`);
* ``check(x, n_classes)``: the recipe's settings against the training series ``x`` ``(n, C, T)``
  (e.g. an adversarial recipe's ``eps`` against the data's scale), raising
  :class:`~tsviz.training.TrainingError`;
* ``card_info(dataset) -> dict`` and ``card_metrics(model, dataset) -> dict``: extra card fields;
* ``start_epoch(model, x, y, epoch, *, generator)``: called before every epoch with the training
  series ``x`` ``(n, C, T)`` and labels ``y`` ``(n,)`` on the training device (``epoch`` from 1;
  ``generator`` the one ``loss`` gets), for work on the whole set (the ``augmented`` recipe's
  per-epoch and per-run copies); it leaves the model as found;
* ``uses_index`` (bool attribute): when true, ``fit`` calls ``loss(model, x, y, *, generator,
  index)`` with ``index`` ``(b,)`` int64, the batch's rows in the ``x`` given to ``start_epoch``.

Recipes are registered in one place, :data:`tsviz.training.registry.RECIPES`; this module
imports no other recipe module.
"""
from __future__ import annotations

from typing import Protocol

import torch
import torch.nn.functional as F

from tsviz.core import check_real, resolve_generator
from tsviz.training.errors import TrainingError

__all__ = ["Recipe", "Standard", "recipe_generator"]


class Recipe(Protocol):
    """A training recipe: how one mini-batch turns into a loss."""

    name: str

    def loss(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *,
             generator: torch.Generator | None = None) -> torch.Tensor: ...


def recipe_generator(generator: torch.Generator | None) -> torch.Generator:
    """The generator a recipe's ``loss`` draws from: the one :func:`tsviz.training.fit` passes
    (seeded from the run's seed), or, when a recipe is used on its own with ``None``, a fresh CPU
    generator seeded 0 (:func:`tsviz.core.resolve_generator`), so a call is deterministic and
    never touches torch's global RNG. Draws are made on the generator's device and moved to the
    batch's."""
    return resolve_generator(generator, error=TrainingError)


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

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: ``label_smoothing`` in ``[0, 1)`` (:class:`TrainingError`)."""
        check_real("label_smoothing", self.label_smoothing, low=0.0, high=1.0, high_open=True, error=TrainingError)

    def loss(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """``CE(model(x), y)`` with label smoothing; deterministic (``generator`` unused)."""
        ls = check_real("label_smoothing", self.label_smoothing, low=0.0, high=1.0, high_open=True,
                        error=TrainingError)
        return F.cross_entropy(model(x), y, label_smoothing=ls)
