import math

import pytest
import torch

from tsviz.models import build
from tsviz.training import RECIPES, fit, format_recipe_name, get_recipe, parse_recipe_name
from tsviz.training.noise_recipes import GaussianNoise, MaskedGaussianNoise, binomial_mask, continuous_mask


class Capture(torch.nn.Module):
    """Returns logits from the mean of its input and keeps the input it saw."""

    def __init__(self, k=3):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(k))
        self.seen = None

    def forward(self, x):
        self.seen = x.detach().clone()
        return x.mean(dim=(1, 2)).unsqueeze(1) * self.w


def _batch(b=4, C=2, T=16):
    x = torch.linspace(-1, 1, b * C * T).reshape(b, C, T)
    return x, torch.arange(b) % 3


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


RECIPE_CASES = [("gaussian", {"sigma": 0.3}),
                ("masked_gaussian", {"sigma": 0.3, "kind": "binomial"}),
                ("masked_gaussian", {"sigma": 0.3, "kind": "continuous", "keep": 0.7})]


def test_registered_and_names():
    assert RECIPES["gaussian"] is GaussianNoise and RECIPES["masked_gaussian"] is MaskedGaussianNoise
    assert get_recipe("gaussian", sigma=0.1).name == "gaussian"
    assert get_recipe("masked_gaussian", sigma=0.1).name == "masked_gaussian"


@pytest.mark.parametrize("recipe,hp", RECIPE_CASES)
def test_loss_finite_and_deterministic(recipe, hp):
    rec = get_recipe(recipe, **hp)
    m = Capture()
    x, y = _batch()
    x0 = x.clone()
    a = rec.loss(m, x, y, generator=_gen(1))
    seen_a = m.seen
    b = rec.loss(m, x, y, generator=_gen(1))
    assert a.ndim == 0 and torch.isfinite(a) and a.requires_grad
    assert torch.equal(a, b) and torch.equal(seen_a, m.seen)
    assert torch.equal(x, x0)  # input not mutated
    rec.loss(m, x, y, generator=_gen(2))
    assert not torch.equal(seen_a, m.seen)


def test_gaussian_noise_statistics():
    m = Capture()
    x = torch.full((64, 2, 256), 0.5)
    GaussianNoise(0.25).loss(m, x, torch.zeros(64, dtype=torch.long), generator=_gen(0))
    noise = m.seen - x
    assert abs(float(noise.mean())) < 0.01
    assert float(noise.std()) == pytest.approx(0.25, rel=0.03)


@pytest.mark.parametrize("kind", ["binomial", "continuous"])
def test_masked_input_zero_where_masked_noisy_where_kept(kind):
    m = Capture()
    b, C, T = 200, 2, 50
    x = torch.full((b, C, T), 1.0)
    rec = MaskedGaussianNoise(0.2, keep=0.6, kind=kind)
    rec.loss(m, x, torch.zeros(b, dtype=torch.long), generator=_gen(3))
    seen = m.seen
    kept = seen != 0
    # the mask is per time step, shared over channels
    assert torch.equal(kept[:, 0], kept[:, 1])
    assert float(kept.float().mean()) == pytest.approx(0.6, abs=0.02)
    noise = seen[kept] - 1.0  # kept steps carry x + noise
    assert abs(float(noise.mean())) < 0.02 and float(noise.std()) == pytest.approx(0.2, rel=0.05)


def _runs(row):
    """Lengths of the runs of True in a bool vector."""
    out, n = [], 0
    for v in row.tolist() + [False]:
        if v:
            n += 1
        elif n:
            out.append(n)
            n = 0
    return out


def test_binomial_mask_fraction_and_seed():
    m = binomial_mask(100, 200, 0.3, generator=_gen(0))
    assert m.dtype == torch.bool and m.shape == (100, 200)
    assert float(m.float().mean()) == pytest.approx(0.3, abs=0.01)
    assert torch.equal(m, binomial_mask(100, 200, 0.3, generator=_gen(0)))
    assert binomial_mask(3, 10, 1.0, generator=_gen(0)).all()


@pytest.mark.parametrize("T,keep", [(50, 0.5), (60, 0.9), (7, 0.1), (33, 0.3)])
def test_continuous_mask_contiguous_segments(T, keep):
    m = continuous_mask(64, T, keep, generator=_gen(0))
    L = max(1, round(keep * T))
    S = max(1, L // 2)
    assert m.dtype == torch.bool and m.shape == (64, T)
    assert (m.sum(1) == L).all()  # exactly keep * T steps kept
    runs = [_runs(r) for r in m]
    assert all(max(r) <= S for r in runs)  # each mask-let at most half of keep * T
    if T - L >= 10:
        assert any(len(r) > 1 for r in runs)  # several mask-lets, not one block
    assert torch.equal(m, continuous_mask(64, T, keep, generator=_gen(0)))
    assert not torch.equal(m, continuous_mask(64, T, keep, generator=_gen(1)))
    assert continuous_mask(2, T, 1.0, generator=_gen(0)).all()


def test_default_generator_when_none():
    # (a generator on another device than x is drawn on and moved; needs CUDA, not tested here)
    x, y = _batch()
    m = Capture()
    GaussianNoise(0.1).loss(m, x, y, generator=None)  # default generator works too
    assert m.seen.device == x.device


@pytest.mark.parametrize("recipe,hp,match", [
    ("gaussian", {"sigma": 0.0}, "sigma"),
    ("gaussian", {"sigma": -1.0}, "sigma"),
    ("gaussian", {"sigma": float("nan")}, "sigma"),
    ("gaussian", {"sigma": "0.1"}, "sigma"),
    ("masked_gaussian", {"sigma": 0.0}, "sigma"),
    ("masked_gaussian", {"sigma": 0.1, "keep": 0.0}, "keep"),
    ("masked_gaussian", {"sigma": 0.1, "keep": 1.5}, "keep"),
    ("masked_gaussian", {"sigma": 0.1, "kind": "random"}, "kind"),
])
def test_bad_hyperparameters_raise_at_loss_time(recipe, hp, match):
    rec = get_recipe(recipe, **hp)  # constructors store as given
    x, y = _batch()
    with pytest.raises(ValueError, match=match):
        rec.loss(Capture(), x, y, generator=_gen(0))


def test_unknown_hyperparameter_rejected():
    with pytest.raises(ValueError, match="gaussian"):
        get_recipe("gaussian", sigma=0.1, keep=0.5)


@pytest.mark.parametrize("name,expected", [
    ("gaussian-0.25", ("gaussian", {"sigma": 0.25})),
    ("gaussian-1", ("gaussian", {"sigma": 1.0})),
    ("masked_gaussian-0.25-binomial", ("masked_gaussian", {"sigma": 0.25, "kind": "binomial"})),
    ("masked_gaussian-0.1-continuous", ("masked_gaussian", {"sigma": 0.1, "kind": "continuous"})),
    ("masked_gaussian-0.4-continuous-0.7", ("masked_gaussian", {"sigma": 0.4, "kind": "continuous", "keep": 0.7})),
    ("standard", ("standard", {})),
])
def test_parse_recipe_name(name, expected):
    got = parse_recipe_name(name)
    assert got == expected
    assert format_recipe_name(got[0], **got[1]) == name
    get_recipe(got[0], **got[1])  # usable as is


@pytest.mark.parametrize("name", [
    "", "gaussian", "gaussian-", "gaussian-abc", "gaussian-0", "gaussian--0.1", "gaussian-0.1-binomial",
    "gaussian-nan", "masked_gaussian-0.25", "masked_gaussian-0.25-random", "masked_gaussian-x-binomial",
    "masked_gaussian-0.25-binomial-0", "masked_gaussian-0.25-binomial-2", "masked_gaussian-0.25-binomial-0.5-x",
    "nope", "standard-0.1",
])
def test_parse_recipe_name_rejects(name):
    with pytest.raises(ValueError, match="recipe"):
        parse_recipe_name(name)


def test_fit_end_to_end_gaussian(tiny_dataset):
    m = build("fcn", tiny_dataset.n_channels, tiny_dataset.n_classes, tiny_dataset.length, seed=0)
    res = fit(m, tiny_dataset, recipe="gaussian", sigma=0.1, epochs=1, seed=0, batch_size=32)
    assert math.isfinite(res.history["train_loss"][0])
    assert m.card["recipe"] == "gaussian-0.1" and m.card["recipe_hparams"] == {"sigma": 0.1}  # the zoo name


def test_fit_end_to_end_masked(tiny_dataset):
    m = build("fcn", tiny_dataset.n_channels, tiny_dataset.n_classes, tiny_dataset.length, seed=0)
    fit(m, tiny_dataset, recipe="masked_gaussian", sigma=0.1, kind="continuous", keep=0.8, epochs=1,
        seed=0, batch_size=32)
    assert m.card["recipe"] == "masked_gaussian-0.1-continuous-0.8"
    assert m.card["recipe_hparams"] == {"sigma": 0.1, "kind": "continuous", "keep": 0.8}


def test_fit_accepts_zoo_recipe_names(tiny_dataset):
    from tsviz.models import build

    m = build("mlp", 1, 3, 32)
    fit(m, tiny_dataset, recipe="masked_gaussian-0.2-binomial", epochs=1, seed=0)
    assert m.card["recipe"] == "masked_gaussian-0.2-binomial"
    assert m.card["recipe_hparams"] == {"sigma": 0.2, "kind": "binomial"}
    with pytest.raises(ValueError, match="unknown recipe"):
        fit(build("mlp", 1, 3, 32), tiny_dataset, recipe="gaussian-x", epochs=1)
