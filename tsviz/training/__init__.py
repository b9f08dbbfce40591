"""Training: one loop (:func:`fit`), named recipes, and the robustness comparison of trained models.

The recipe contract
-------------------
Every recipe follows it; ``tests/contracts/test_recipe_contract.py`` checks it for every
registered recipe and the zoo's names with hyperparameters.

Constructor and call shape
    ``Recipe(**hyperparameters)`` stores them as given (checked when used, or before training by
    the optional ``check(x, n_classes)``); ``recipe.loss(model, x, y, *, generator=None)`` returns
    a finite scalar tensor with a graph to the model's parameters, for a batch ``x`` ``(b, C, T)``
    in signal units and ``y`` ``(b,)`` int64, ``model`` in training mode (the protocol is
    :class:`~tsviz.training.recipes.Recipe`; optional ``passes_per_series``, ``check``,
    ``card_info``, ``card_metrics``, ``start_epoch`` and ``uses_index`` are described in
    :mod:`tsviz.training.recipes`). By name:
    ``get_recipe("pgd_at", eps=0.1)`` or ``get_recipe("gaussian-0.25")`` (a zoo name carrying its
    hyperparameters, read by :func:`parse_recipe_name` and written by :func:`format_recipe_name`).
    ``fit(model, dataset, *, recipe="standard", epochs, seed, progress=None, **hp) -> FitResult``
    trains with one.
Randomness
    A recipe draws only from the ``generator`` given to ``loss`` (fit passes one seeded from the
    run's seed); with ``None`` it draws from a fresh CPU generator seeded 0
    (:func:`~tsviz.training.recipes.recipe_generator`, :func:`tsviz.core.resolve_generator`), never
    from torch's global RNG. Same generator state -> the same loss. :func:`fit` takes ``seed``
    alone (dropout, which takes no generator, draws from torch's RNG inside a scoped, restored
    state): the seed is written on the model's card, so a run can be reproduced from its card, which
    a generator's state cannot be. :func:`robustness_table` and :func:`accuracy_vs_eps` take
    ``generator`` and ``seed`` (the attacks' rule).
Device
    ``loss`` computes where ``x`` and the model are; draws are made on the generator's device and
    moved to ``x``'s. :func:`fit` trains on ``device`` or the model's device
    (:func:`tsviz.core.model_device`).
Model state
    ``loss`` may run the model forward and backward (that is training) but leaves its mode and
    ``requires_grad`` flags as found, and never steps an optimiser or writes ``.grad`` (gradients
    for the inner maximisation of adversarial recipes are taken with
    :func:`torch.autograd.grad`). :func:`fit` trains the model in place and leaves it in eval mode
    with ``model.card`` describing the run.
Progress
    :func:`fit`, :func:`robustness_table` and :func:`accuracy_vs_eps` take ``progress:
    Callable[[float, str], None] | None``, called with fractions in ``[0, 1]``, the last with 1.
Errors
    Every bad input is a :class:`TrainingError` (a :class:`tsviz.core.TsvizError`, hence a
    ``ValueError``) naming the parameter: unknown recipe names or hyperparameters, bad values, a
    model built for other data, non-finite weights or series, float labels, a total cost
    (epochs x training series x the recipe's passes) over :func:`tsviz.core.max_cost`. The
    robustness comparisons let the attacks' :class:`~tsviz.attacks.AttackError` pass through.
Results
    :func:`fit` returns :class:`FitResult`, a frozen dataclass with read-only numpy ``history`` and
    ``summary()``; the robustness comparisons return pandas DataFrames (tables for display).
Caps
    :data:`CAPS` (parameter name -> largest value) is the one source of the training caps; the app
    and the CLI read it. Their product is held to :func:`tsviz.core.max_cost`.
Registration
    :data:`RECIPES` (name -> recipe class) in :mod:`tsviz.training.registry` is the one registry,
    filled there explicitly; the recipe modules import only :mod:`tsviz.training.recipes`.
    :func:`register_recipe` adds a recipe defined outside tsviz.
"""
from tsviz.attacks import MAX_STEPS as _MAX_ATTACK_STEPS
from tsviz.training.certified_recipes import MAX_NOISE_DRAWS
from tsviz.training.errors import TrainingError
from tsviz.training.fit import MAX_BATCH_SIZE, MAX_EPOCHS, FitResult, fit
from tsviz.training.nsr_losses import MAX_PROJECTIONS
from tsviz.training.recipes import Recipe, Standard, recipe_generator
from tsviz.training.registry import (
    RECIPE_NAME_HELP,
    RECIPES,
    format_recipe_name,
    get_recipe,
    parse_recipe_name,
    register_recipe,
)
from tsviz.training.robustness import TABLE1_ATTACKS, accuracy_vs_eps, robustness_table

#: The family's caps, parameter name -> largest value, read by the app and the CLI: epochs and
#: patience (:data:`MAX_EPOCHS`), batch size (:data:`MAX_BATCH_SIZE`), the inner attack's steps of
#: ``pgd_at``/``wpgd_at`` (the attacks' ``steps`` cap), the Jacobian's random projections, the noise
#: draws per series of the certified-robustness recipes (``consistency``, ``smoothadv``).
CAPS: dict[str, int] = {
    "epochs": MAX_EPOCHS,
    "patience": MAX_EPOCHS,
    "batch_size": MAX_BATCH_SIZE,
    "steps": _MAX_ATTACK_STEPS,
    "projections": MAX_PROJECTIONS,
    "noise_draws": MAX_NOISE_DRAWS,
}

__all__ = ["TrainingError", "fit", "FitResult", "CAPS", "MAX_EPOCHS", "MAX_BATCH_SIZE", "RECIPES", "Recipe",
           "Standard", "get_recipe", "register_recipe", "parse_recipe_name", "format_recipe_name",
           "RECIPE_NAME_HELP", "recipe_generator", "robustness_table", "accuracy_vs_eps", "TABLE1_ATTACKS"]
