"""Compare trained models on the same series and attacks: the Table I view and accuracy-vs-eps.

Table I of the ODE-guided augmentation paper reports, per training method, the accuracy on clean
test series ("True") and under FGSM and BIM with eps = 0.1 (the attacks and budgets of Fawaz et
al. 2019, "Adversarial attacks on deep neural networks for time series classification", whose
ResNet is the paper's reference network). :func:`robustness_table` measures exactly that for any
set of models; :func:`accuracy_vs_eps` gives the curves of the NSR paper's tables.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from tsviz.core import as_labels, as_series, check_cost, model_device, resolve_generator
from tsviz.training.errors import TrainingError

__all__ = ["robustness_table", "accuracy_vs_eps", "TABLE1_ATTACKS"]

#: The attacks of Table I: FGSM eps 0.1; BIM eps 0.1 with step 0.001 for 100 steps (Fawaz et al.'s
#: alpha = 0.001; 100 steps let it reach the eps = 0.1 boundary).
TABLE1_ATTACKS: dict[str, dict[str, Any]] = {
    "fgsm": {"eps": 0.1},
    "bim": {"eps": 0.1, "alpha": 0.001, "steps": 100},
}


def robustness_table(models: Mapping[str, torch.nn.Module], x, y, *,
                     attacks: Mapping[str, Mapping[str, Any]] | None = None,
                     generator: torch.Generator | None = None, seed: int | None = None,
                     progress: Callable[[float, str], None] | None = None):
    """Clean and adversarial accuracy of every model on the same series (Table I of the paper).

    Parameters
    ----------
    models : mapping label -> nn.Module (``(b, C, T)`` -> logits)
    x : array ``(n, C, T)`` in signal units; y : ``(n,)`` int labels
    attacks : mapping attack name -> hyperparameters for :func:`tsviz.attacks.make_attack`
        (default :data:`TABLE1_ATTACKS`); each model is attacked white-box, on itself.
    generator, seed : the randomness rule (:func:`tsviz.core.resolve_generator`): with ``seed``
        (default 0) every (model, attack) cell draws from a fresh generator seeded with it, so every
        model faces the same random starts; with ``generator`` the cells draw from it in order.
    progress : callable ``(fraction, message)`` or None
        Called after every (model, attack) cell, the last call with 1.

    Errors of the attacks (:class:`tsviz.attacks.AttackError`) pass through; the rest raise
    :class:`TrainingError`.

    Returns
    -------
    pandas.DataFrame with one row per model: ``model``, ``true`` (clean accuracy, %), one column
    per attack (adversarial accuracy, %), and ``card_recipe`` when the model has a card.
    """
    import pandas as pd

    from tsviz.attacks import evaluate, make_attack

    if not models:
        raise TrainingError("give at least one model")
    resolve_generator(generator, seed=seed, error=TrainingError)  # the rule's checks before any work
    attacks = dict(TABLE1_ATTACKS if attacks is None else attacks)
    xt = as_series(x, error=TrainingError).cpu().clone()  # float32, real, finite; a private copy
    yt = as_labels(y, xt.shape[0], error=TrainingError)
    built = {name: make_attack(name, **params) for name, params in attacks.items()}
    per_series = sum(int(np.prod(list(a.cost_factors(1).values()))) for a in built.values())
    check_cost(f"robustness table ({', '.join(attacks)})",
               {"models": len(models), "series": xt.shape[0], "evaluations per series (all attacks)": per_series},
               error=TrainingError)
    rows = []
    total = len(models) * max(1, len(attacks))
    done = 0
    for label, model in models.items():
        row: dict[str, Any] = {"model": label}
        for name, atk in built.items():
            dev = model_device(model)
            rep = evaluate(model, atk, xt.to(dev), yt.to(dev), generator=generator,
                           seed=None if generator is not None else seed)
            s = rep.summary()
            row["true"] = 100.0 * s["clean_accuracy"]
            row[name] = 100.0 * s["adversarial_accuracy"]
            done += 1
            if progress is not None:
                progress(done / total, f"{label}: {name} {row[name]:.1f} %")
        if not attacks:
            from tsviz.models.inference import predict_logits

            row["true"] = 100.0 * float((predict_logits(model, xt).argmax(1) == yt).float().mean())
        recipe = (getattr(model, "card", None) or {}).get("recipe")
        if recipe is not None:
            row["card_recipe"] = recipe
        rows.append(row)
    if progress is not None and not attacks:
        progress(1.0, f"clean accuracy of {len(models)} model(s)")
    cols = ["model", "true", *attacks, *(["card_recipe"] if any("card_recipe" in r for r in rows) else [])]
    return pd.DataFrame(rows)[cols]


def accuracy_vs_eps(models: Mapping[str, torch.nn.Module], x, y, eps_values: Sequence[float], *,
                    attack: str = "pgd", params: Mapping[str, Any] | None = None,
                    generator: torch.Generator | None = None, seed: int | None = None,
                    progress: Callable[[float, str], None] | None = None):
    """Adversarial accuracy of every model at every budget (long DataFrame: model, eps, accuracy).

    ``attack`` and ``params`` go to :func:`tsviz.attacks.make_attack`; BIM/PGD without an
    ``alpha`` use ``alpha = alpha_ratio * eps`` (``alpha_ratio`` in ``params``, default 1/4), and
    :func:`tsviz.attacks.sweep` keeps that ratio at every eps. Each model is attacked on itself.
    ``generator``/``seed`` go to :func:`tsviz.attacks.sweep` for every model (with ``seed``, every
    model and eps sees the same draws). ``progress`` is called as the models' sweeps advance, last
    with 1. Columns: model, attack, eps, adversarial_accuracy, adversarial_precision, success_rate, ...
    """
    import pandas as pd

    from tsviz.attacks import check_eps_values, make_attack, sweep

    if not models:
        raise TrainingError("give at least one model")
    resolve_generator(generator, seed=seed, error=TrainingError)  # the rule's checks before any work
    eps_values = check_eps_values(eps_values)
    params = dict(params or {})
    ratio = params.pop("alpha_ratio", 0.25)
    if attack in ("bim", "pgd") and "alpha" not in params:
        params["alpha"] = ratio * max(max(eps_values), 1e-12)
    atk = make_attack(attack, eps=max(max(eps_values), 1e-12), **params)
    n = as_series(x, error=TrainingError).shape[0]
    nonzero = sum(1 for e in eps_values if e > 0)
    check_cost(f"accuracy vs eps ({attack})",
               {"models": len(models), "series": n, "eps values > 0": nonzero,
                **{k: v for k, v in atk.cost_factors(1).items() if k != "series"}}, error=TrainingError)
    rows = []
    for k, (label, model) in enumerate(models.items()):

        def sub(frac: float, msg: str, k=k, label=label) -> None:
            if progress is not None:
                progress((k + frac) / len(models), f"{label}: {msg}")

        sw = sweep(model, {attack: atk}, list(eps_values), x, y, generator=generator, seed=seed, progress=sub)
        df = sw.to_frame()
        df.insert(0, "model", label)
        rows.append(df)
    return pd.concat(rows, ignore_index=True)
