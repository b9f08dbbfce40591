"""Hostile inputs to training (issue 12, item 4): fit, the robust recipes and the robustness tables
refuse bad models, data, budgets and costs with a :class:`TrainingError` (a TsvizError and a
ValueError) before any work; the shipped zoo stays under the total-cost cap."""
from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from tsviz.attacks import AttackError
from tsviz.core import DEFAULT_MAX_COST, TsvizError
from tsviz.models import build
from tsviz.training import TrainingError, fit, get_recipe
from tsviz.training.robustness import accuracy_vs_eps, robustness_table


def _model(ds, seed=0):
    return build("mlp", ds.n_channels, ds.n_classes, ds.length, seed=seed)


def _nan_model(ds):
    m = _model(ds)
    with torch.no_grad():
        next(m.parameters()).fill_(float("nan"))
    return m


def test_nan_weights_refused_before_training(tiny_dataset):
    with pytest.raises(TrainingError, match=r"model parameter '.*' contains NaN or Inf"):
        fit(_nan_model(tiny_dataset), tiny_dataset, epochs=1)


def test_cost_over_the_cap(tiny_dataset, monkeypatch):
    # 60 training series, val_fraction 0.1 -> 54; 3 epochs -> 162 (standard: 1 pass per series)
    monkeypatch.setenv("TSVIZ_MAX_COST", "161")
    with pytest.raises(TrainingError, match=r"epochs 3 x training series 54 x model passes per series and epoch "
                                            r"\(recipe\) 1.*TSVIZ_MAX_COST"):
        fit(_model(tiny_dataset), tiny_dataset, epochs=3)
    # PGD adversarial training: steps + 3 passes (the attack's clean check, the steps, two cross-entropies)
    monkeypatch.setenv("TSVIZ_MAX_COST", "1000")
    with pytest.raises(TrainingError, match=r"recipe pgd_at .*\(recipe\) 13\)"):
        fit(_model(tiny_dataset), tiny_dataset, epochs=3, recipe="pgd_at", eps=0.1, steps=10)
    monkeypatch.setenv("TSVIZ_MAX_COST", "162")
    fit(_model(tiny_dataset), tiny_dataset, epochs=3)


@pytest.mark.parametrize("recipe, hp, name", [
    ("pgd_at", {"eps": 1e300}, "eps"), ("pgd_at", {"eps": 0.1, "alpha": 1e300}, "alpha"),
    ("wpgd_at", {"eps": 1e300}, "eps"), ("augmented", {"augmentation": "rand_grad", "beta": 1e300}, "beta"),
])
def test_recipe_budgets_checked_against_the_data_before_training(tiny_dataset, recipe, hp, name):
    with pytest.raises(TrainingError, match=rf"{name} = 1e\+300 is far beyond the data's scale"):
        fit(_model(tiny_dataset), tiny_dataset, epochs=1, recipe=recipe, **hp)


def test_fit_arguments_and_data(tiny_dataset):
    with pytest.raises(TrainingError, match="val_fraction"):
        fit(_model(tiny_dataset), tiny_dataset, epochs=1, val_fraction="abc")
    with pytest.raises(TrainingError, match="lr"):
        fit(_model(tiny_dataset), tiny_dataset, epochs=1, lr=float("nan"))
    with pytest.raises(TrainingError, match="Dataset"):
        fit(_model(tiny_dataset), tiny_dataset.X_train, epochs=1)
    fake = types.SimpleNamespace(**{k: getattr(tiny_dataset, k) for k in (
        "name", "X_train", "X_test", "y_test", "n_classes", "n_channels", "length")})
    fake.y_train = tiny_dataset.y_train.astype(np.float64) + 0.5  # float labels: refused, not truncated
    with pytest.raises(TrainingError, match="integer class labels"):
        fit(_model(tiny_dataset), fake, epochs=1, val_fraction=0.0)
    fake.y_train, fake.X_train = tiny_dataset.y_train, tiny_dataset.X_train.astype(np.complex64)
    with pytest.raises(TrainingError, match="complex"):
        fit(_model(tiny_dataset), fake, epochs=1, val_fraction=0.0)


def test_robustness_tables_hostile(tiny_dataset, monkeypatch):
    ds = tiny_dataset
    m = _model(ds)
    x, y = ds.X_test[:6], ds.y_test[:6]
    with pytest.raises(TrainingError, match="integer class labels"):
        robustness_table({"m": m}, x, y.astype(float))
    with pytest.raises(TrainingError, match="complex"):
        robustness_table({"m": m}, x.astype(np.complex64), y)
    with pytest.raises(AttackError, match="NaN/Inf logits"):
        robustness_table({"m": _nan_model(ds)}, x, y)
    with pytest.raises(AttackError, match=r"eps = 1e\+300"):
        accuracy_vs_eps({"m": m}, x, y, [0.0, 1e300], params={"steps": 5})
    with pytest.raises(AttackError, match="eps_values"):
        accuracy_vs_eps({"m": m}, x, y, [float("nan")], params={"steps": 5})
    monkeypatch.setenv("TSVIZ_MAX_COST", "100")
    # Table I: FGSM 1 + BIM 100 evaluations per series, 6 series, 2 models = 1212
    with pytest.raises(TrainingError, match=r"models 2 x series 6 x evaluations per series \(all attacks\) 101"):
        robustness_table({"a": m, "b": m}, x, y)
    with pytest.raises(TrainingError, match=r"models 1 x series 6 x eps values > 0 2 x steps 10"):
        accuracy_vs_eps({"m": m}, x, y, [0.0, 0.1, 0.2], params={"steps": 10})


def test_zoo_stays_under_the_default_cap():
    """``python -m tsviz train --zoo`` trains every entry under the shipped cap (2e7 evaluations)."""
    from tsviz.data import load
    from tsviz.models.zoo import ZOO

    cache = {}
    for e in ZOO:
        ds = cache.setdefault(e.dataset, load(e.dataset))
        rec = get_recipe(e.recipe, **e.recipe_hparams)
        passes = rec.passes_per_series(ds.n_classes) if hasattr(rec, "passes_per_series") else 1
        cost = e.epochs * round(len(ds.y_train) * 0.9) * passes
        assert cost <= DEFAULT_MAX_COST, (e, cost)


@pytest.mark.parametrize("recipe, hp, passes", [
    ("standard", {}, 1), ("gaussian-0.25", {}, 1), ("nsr_loss1", {}, 2), ("jacobian", {}, 1 + 3),
    ("jacobian", {"projections": 2}, 3), ("pgd_at", {"steps": 7}, 10), ("wpgd_at", {"steps": 8}, 10),
    ("augmented", {"augmentation": "out_sign_grad"}, 5), ("augmented", {"augmentation": "spec_den"}, 3),
])
def test_passes_per_series(recipe, hp, passes):
    rec = get_recipe(recipe, **hp)
    got = rec.passes_per_series(3) if hasattr(rec, "passes_per_series") else 1
    assert got == passes


def test_training_error_is_exported():
    import tsviz.training

    assert issubclass(TrainingError, TsvizError) and issubclass(TrainingError, ValueError)
    assert "TrainingError" in tsviz.training.__all__
