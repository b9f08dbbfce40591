"""The one registry of training recipes, and the recipe names with hyperparameters.

:data:`RECIPES` maps a name to the recipe's factory (its class); it is filled here, explicitly,
from the recipe modules, which import only :mod:`tsviz.training.recipes` (no recipe registers
itself on import). :func:`get_recipe` builds a recipe by name; :func:`parse_recipe_name` and
:func:`format_recipe_name` read and write the zoo's names that carry hyperparameters
(``"gaussian-0.25"``, ``"masked_gaussian-0.25-binomial"``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tsviz.training.adversarial_training import PGDAdversarialTraining, WassersteinAdversarialTraining
from tsviz.training.augmented_training import AugmentedTraining
from tsviz.training.backdoor import BackdoorPoisoning
from tsviz.training.certified_recipes import ConsistencyRegularization, SmoothAdv
from tsviz.training.errors import TrainingError
from tsviz.training.noise_recipes import (
    GaussianNoise,
    MaskedGaussianNoise,
    check_mask_keep,
    check_mask_kind,
    check_sigma,
)
from tsviz.training.nsr_losses import JacobianRegularization, MSELoss, MSEMarginLoss, NSRLoss1, NSRLoss2
from tsviz.training.recipes import Recipe, Standard

__all__ = ["RECIPES", "register_recipe", "get_recipe", "parse_recipe_name", "format_recipe_name",
           "RECIPE_NAME_HELP"]

#: name -> factory(**hparams) -> Recipe: the family's one registry.
RECIPES: dict[str, Callable[..., Any]] = {
    "standard": Standard,
    "gaussian": GaussianNoise,
    "masked_gaussian": MaskedGaussianNoise,
    "backdoor": BackdoorPoisoning,
    "mse": MSELoss,
    "mse_margin": MSEMarginLoss,
    "nsr_loss1": NSRLoss1,
    "nsr_loss2": NSRLoss2,
    "jacobian": JacobianRegularization,
    "pgd_at": PGDAdversarialTraining,
    "wpgd_at": WassersteinAdversarialTraining,
    "augmented": AugmentedTraining,
    "consistency": ConsistencyRegularization,
    "smoothadv": SmoothAdv,
}

#: What a recipe name with hyperparameters looks like (for messages and the app's help).
RECIPE_NAME_HELP = ('"gaussian-<sigma>", "consistency-<sigma>", "smoothadv-<sigma>" or '
                    '"masked_gaussian-<sigma>-<binomial|continuous>[-<keep>]" '
                    '(e.g. "gaussian-0.25", "masked_gaussian-0.25-binomial")')

#: Recipes whose zoo name carries only ``sigma`` (``"<recipe>-<sigma>"``; other hyperparameters at
#: their defaults in the name, recorded on the card).
_SIGMA_ONLY = ("gaussian", "consistency", "smoothadv")

#: ``keep`` of ``masked_gaussian`` when a name does not give it (the paper's default).
DEFAULT_KEEP = 0.9


def register_recipe(name: str, factory: Callable[..., Any]) -> None:
    """Add a recipe factory under ``name`` (for recipes defined outside tsviz; tsviz's own are
    listed in :data:`RECIPES` above). :class:`TrainingError` for a name that is taken or holds
    ``-`` (reserved for hyperparameters in names)."""
    if not isinstance(name, str) or not name or "-" in name:
        raise TrainingError(f"a recipe name must be a non-empty string without '-', got {name!r}")
    if name in RECIPES and RECIPES[name] is not factory:
        raise TrainingError(f"recipe {name!r} is already registered")
    if not callable(factory):
        raise TrainingError(f"recipe factory for {name!r} must be callable, got {type(factory).__name__}")
    RECIPES[name] = factory


def _parse_float(field: str, what: str, name: str) -> float:
    try:
        return float(field)
    except ValueError:
        raise TrainingError(f"recipe name {name!r}: {what} {field!r} is not a number; expected "
                            f"{RECIPE_NAME_HELP}") from None


def parse_recipe_name(name: str) -> tuple[str, dict[str, Any]]:
    """Split a recipe name into ``(recipe, hparams)`` for :func:`get_recipe`.

    ``"gaussian-0.25"`` -> ``("gaussian", {"sigma": 0.25})`` (likewise ``"consistency-<sigma>"`` and
    ``"smoothadv-<sigma>"``);
    ``"masked_gaussian-0.25-binomial"`` -> ``("masked_gaussian", {"sigma": 0.25, "kind": "binomial"})``
    (``keep`` left at its default 0.9); ``"masked_gaussian-0.25-continuous-0.5"`` adds
    ``"keep": 0.5``. Any other registered name without fields (``"standard"``, ``"pgd_at"``) gives
    ``(name, {})``; ``"gaussian"`` and ``"masked_gaussian"`` need their fields.

    Raises
    ------
    TrainingError
        For anything else, naming what was wrong.
    """
    if not isinstance(name, str) or not name:
        raise TrainingError(f"recipe name must be a non-empty string, got {name!r}; expected {RECIPE_NAME_HELP}")
    head, *fields = name.split("-")
    try:
        if head in _SIGMA_ONLY:
            if len(fields) != 1:
                raise TrainingError(f"{head} takes exactly one field (sigma); expected {RECIPE_NAME_HELP}")
            return head, {"sigma": check_sigma(_parse_float(fields[0], "sigma", name))}
        if head == "masked_gaussian":
            if len(fields) not in (2, 3):
                raise TrainingError(f"masked_gaussian takes sigma, kind and an optional keep; expected "
                                    f"{RECIPE_NAME_HELP}")
            hp: dict[str, Any] = {"sigma": check_sigma(_parse_float(fields[0], "sigma", name)),
                                  "kind": check_mask_kind(fields[1])}
            if len(fields) == 3:
                hp["keep"] = check_mask_keep(_parse_float(fields[2], "keep", name))
            return "masked_gaussian", hp
    except TrainingError as exc:
        msg = str(exc)
        raise TrainingError(msg if msg.startswith("recipe name") else f"recipe name {name!r}: {msg}") from None
    if not fields and head in RECIPES:
        return head, {}
    raise TrainingError(f"unknown recipe {name!r}; available: {', '.join(sorted(RECIPES))} "
                        f"(or {RECIPE_NAME_HELP})")


def format_recipe_name(recipe: str, **hparams: Any) -> str:
    """Inverse of :func:`parse_recipe_name`: ``("gaussian", sigma=0.25)`` -> ``"gaussian-0.25"``.

    ``keep`` is written only when given and different from the default 0.9.
    """
    if recipe in _SIGMA_ONLY:
        return f"{recipe}-{check_sigma(hparams['sigma']):g}"
    if recipe == "masked_gaussian":
        out = f"masked_gaussian-{check_sigma(hparams['sigma']):g}-{check_mask_kind(hparams.get('kind', 'binomial'))}"
        keep = check_mask_keep(hparams.get("keep", DEFAULT_KEEP))
        if keep != DEFAULT_KEEP:
            out += f"-{keep:g}"
        return out
    if hparams:
        raise TrainingError(f"recipe {recipe!r} has no name format for hyperparameters {sorted(hparams)}")
    return recipe


def get_recipe(recipe: str | Recipe, **hparams: Any) -> Recipe:
    """A recipe instance from a name (with hyperparameters, or a name that carries them such as
    ``"gaussian-0.25"``), or an instance passed through.

    Raises
    ------
    TrainingError
        An unknown name, a malformed name, hyperparameters given with an instance, or
        hyperparameters the recipe does not take.
    """
    if not isinstance(recipe, str):
        if hparams:
            raise TrainingError("recipe hyperparameters go to the recipe's constructor, not with an instance")
        if not callable(getattr(recipe, "loss", None)):
            raise TrainingError(f"recipe must be a registered name or an object with a loss(model, x, y, *, "
                                f"generator) method, got {type(recipe).__name__}")
        return recipe
    if recipe in RECIPES:
        name, parsed = recipe, {}
    else:
        try:
            name, parsed = parse_recipe_name(recipe)
        except TrainingError as exc:
            if str(exc).startswith("unknown recipe"):
                raise
            raise TrainingError(f"unknown recipe {recipe!r} ({exc}); available: {', '.join(sorted(RECIPES))} "
                                f"(or {RECIPE_NAME_HELP})") from None
    try:
        return RECIPES[name](**{**parsed, **hparams})
    except TypeError as exc:
        raise TrainingError(f"recipe {name!r}: {exc}") from exc
