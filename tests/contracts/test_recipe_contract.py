"""The recipe contract (:mod:`tsviz.training`), checked for every registered recipe and the zoo's
names that carry hyperparameters.

``loss`` is checked on a tiny linear model (finite scalar with a graph, randomness, model state,
bad hyperparameters); :func:`tsviz.training.fit` runs one epoch of every recipe on the tiny
dataset (progress, result, card name, same seed -> same weights, bad data).
"""
from __future__ import annotations

import types

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, linear_model, model_state

from tsviz.augment import ODENet
from tsviz.models import build
from tsviz.training import RECIPES, TrainingError, fit, get_recipe, parse_recipe_name

C, T, K = 1, 32, 3

#: member id -> (recipe name, hyperparameters); factories so that each test gets fresh objects.
MEMBERS = {
    "standard": lambda: ("standard", {}),
    "gaussian-0.25": lambda: ("gaussian-0.25", {}),
    "masked_gaussian-0.25-binomial": lambda: ("masked_gaussian-0.25-binomial", {}),
    "masked_gaussian-0.25-continuous-0.5": lambda: ("masked_gaussian-0.25-continuous-0.5", {}),
    "backdoor": lambda: ("backdoor", {"start": 2, "length": 4, "amplitude": 1.0, "target": 0, "rate": 0.5}),
    "mse": lambda: ("mse", {}),
    "mse_margin": lambda: ("mse_margin", {}),
    "nsr_loss1": lambda: ("nsr_loss1", {}),
    "nsr_loss2": lambda: ("nsr_loss2", {}),
    "jacobian": lambda: ("jacobian", {}),
    "jacobian-projections": lambda: ("jacobian", {"projections": 2}),
    "pgd_at": lambda: ("pgd_at", {"eps": 0.1, "steps": 2}),
    "wpgd_at": lambda: ("wpgd_at", {"eps": 0.1, "steps": 2}),
    "augmented": lambda: ("augmented", {"odenet": ODENet(hidden=4)}),
    "augmented-in_sign_grad": lambda: ("augmented", {"augmentation": "in_sign_grad", "odenet": ODENet(hidden=4),
                                                     "eps_max": 0.1}),
    "consistency-0.25": lambda: ("consistency-0.25", {}),
    "smoothadv-0.25": lambda: ("smoothadv-0.25", {"eps": 0.5, "steps": 2, "m": 2}),
}
STOCHASTIC = {"gaussian-0.25", "masked_gaussian-0.25-binomial", "masked_gaussian-0.25-continuous-0.5", "backdoor",
              "jacobian-projections", "pgd_at", "wpgd_at", "augmented-in_sign_grad",
              "consistency-0.25", "smoothadv-0.25"}
#: member id -> hyperparameters that must be refused with a TrainingError (name -> value)
BAD_HP = {
    "standard": {"label_smoothing": 1.0},
    "gaussian-0.25": {"sigma": -1.0},
    "masked_gaussian-0.25-binomial": {"keep": 2.0},
    "masked_gaussian-0.25-continuous-0.5": {"kind": "square"},
    "backdoor": {"rate": 1.5},
    "mse": {"beta": 1.0},
    "mse_margin": {"beta": 1.0},
    "nsr_loss1": {"beta": -1.0},
    "nsr_loss2": {"eps_max": 0.0},
    "jacobian": {"lam": float("nan")},
    "jacobian-projections": {"projections": 0},
    "pgd_at": {"eps": 1e300},
    "wpgd_at": {"steps": 0},
    "augmented": {"augmentation": "nope"},
    "augmented-in_sign_grad": {"eps_max": 1e300},
    "consistency-0.25": {"lam": -1.0},
    "smoothadv-0.25": {"eps": 1e300},
}
IDS = list(MEMBERS)


#: tiny networks: thread start-up costs more than it saves
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def batch(seed: int = 0, b: int = 12):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, C, T, generator=g)
    return x, torch.arange(b) % K


def make(member: str, **extra):
    name, hp = MEMBERS[member]()
    return get_recipe(name, **{**hp, **extra})


def test_every_registered_recipe_is_covered():
    covered = {MEMBERS[m]()[0] for m in MEMBERS}
    assert {parse_recipe_name(n)[0] for n in covered} == set(RECIPES)


@pytest.mark.parametrize("member", IDS)
def test_loss_is_a_finite_scalar_with_a_graph(member):
    model = linear_model(C, T, K).train()
    x, y = batch()
    loss = make(member).loss(model, x, y, generator=torch.Generator().manual_seed(0))
    assert isinstance(loss, torch.Tensor) and loss.shape == () and loss.dtype == torch.float32
    assert loss.device == x.device and bool(torch.isfinite(loss)) and loss.requires_grad
    grads = torch.autograd.grad(loss, list(model.parameters()))
    assert all(bool(torch.isfinite(g).all()) for g in grads) and any(bool(g.abs().sum() > 0) for g in grads)


@pytest.mark.parametrize("member", IDS)
def test_same_generator_same_loss(member):
    model = linear_model(C, T, K).train()
    x, y = batch()
    rec = make(member)

    def loss(seed):
        return float(rec.loss(model, x, y, generator=torch.Generator().manual_seed(seed)).detach())

    assert loss(3) == loss(3)
    if member in STOCHASTIC:
        assert loss(3) != loss(4), "a different generator must change a stochastic recipe's draws"
    else:
        assert loss(3) == loss(4), "a deterministic recipe must not depend on the generator"


@pytest.mark.parametrize("member", IDS)
def test_no_generator_means_seed_0_and_global_rng_untouched(member):
    model = linear_model(C, T, K).train()
    x, y = batch()
    rec = make(member)
    state = torch.random.get_rng_state()
    a = float(rec.loss(model, x, y).detach())
    assert torch.equal(state, torch.random.get_rng_state()), "the recipe drew from torch's global RNG"
    b = float(rec.loss(model, x, y, generator=torch.Generator().manual_seed(0)).detach())
    assert a == b


@pytest.mark.parametrize("member", IDS)
def test_loss_leaves_the_model_as_found(member):
    model = linear_model(C, T, K).train()
    x, y = batch()
    before = model_state(model)
    make(member).loss(model, x, y, generator=torch.Generator().manual_seed(0))
    assert_model_untouched(model, before)  # mode, requires_grad, no .grad written, weights


@pytest.mark.parametrize("member", IDS)
def test_bad_hyperparameters_raise_training_error(member):
    model = linear_model(C, T, K).train()
    x, y = batch()
    for bad in (BAD_HP[member], {"not_a_parameter": 1}):
        with pytest.raises(TrainingError):
            rec = make(member, **bad)
            if callable(getattr(rec, "check", None)):
                rec.check(x, K)
            rec.loss(model, x, y, generator=torch.Generator().manual_seed(0))


def _fit(member, ds, **kw):
    name, hp = MEMBERS[member]()
    model = build("mlp", ds.n_channels, ds.n_classes, ds.length, seed=0)
    return model, fit(model, ds, recipe=name, epochs=1, seed=0, batch_size=32, **hp, **kw)


@pytest.mark.parametrize("member", IDS)
def test_fit_progress_result_card_and_seed(member, tiny_dataset):
    calls: list[float] = []
    model, res = _fit(member, tiny_dataset, progress=lambda f, m: calls.append(float(f)))
    assert calls and all(0.0 <= f <= 1.0 for f in calls) and calls[-1] == pytest.approx(1.0)
    assert all(b >= a for a, b in zip(calls, calls[1:]))
    assert not res.history["train_loss"].flags.writeable and np.isfinite(res.history["train_loss"]).all()
    assert set(res.summary()) >= {"best_epoch", "epochs_run", "test_accuracy"}
    label = model.card["recipe"]
    assert parse_recipe_name(label)[0] == MEMBERS[member]()[0].split("-")[0]  # the card's name reads back
    again, _ = _fit(member, tiny_dataset)
    for (k, a), b in zip(model.state_dict().items(), again.state_dict().values()):
        assert torch.equal(a, b), f"same seed, different weights: {k}"


BAD_DATA = {
    "nan_series": lambda ds: {"X_train": np.where(np.arange(ds.length) == 3, np.nan, ds.X_train).astype(np.float32)},
    "float_labels": lambda ds: {"y_train": ds.y_train.astype(np.float64)},
    "wrong_channels": lambda ds: {"n_channels": 2, "X_train": np.repeat(ds.X_train, 2, axis=1)},
}


@pytest.mark.parametrize("case", list(BAD_DATA))
@pytest.mark.parametrize("member", ["standard", "gaussian-0.25", "pgd_at", "augmented"])
def test_fit_bad_data_raises_training_error(member, case, tiny_dataset):
    ds = tiny_dataset
    fake = types.SimpleNamespace(**{k: getattr(ds, k) for k in (
        "name", "X_train", "y_train", "X_test", "y_test", "n_classes", "n_channels", "length")})
    for k, v in BAD_DATA[case](ds).items():
        setattr(fake, k, v)
    name, hp = MEMBERS[member]()
    with pytest.raises(TrainingError):
        fit(build("mlp", 1, 3, ds.length, seed=0), fake, recipe=name, epochs=1, **hp)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("member", IDS)
def test_cuda(member):
    model = linear_model(C, T, K).train().cuda()
    x, y = batch()
    gen = torch.Generator().manual_seed(0)  # a CPU generator: draws moved to the batch's device
    loss = make(member).loss(model, x.cuda(), y.cuda(), generator=gen)
    assert loss.device.type == "cuda" and bool(torch.isfinite(loss))
