"""Black-box attacks (SPSA, GenAttack): contract, exact query counting, early stopping, budgets,
GenAttack's dimensionality reduction and adaptive schedule (dissertation eq. 2.1-2.2)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import ConstantLogits, LinearTS, assert_model_untouched, model_state
from helpers import linear_model as helpers_linear_model
from torch import nn

from tsviz.attacks.base import MAX_GENERATIONS, MAX_ITERATIONS, MAX_POPULATION, AttackError, per_sample_norm
from tsviz.attacks.genattack import GenAttack, adaptive_parameters, fitness, update_plateaus, upsample
from tsviz.attacks.objectives import margin_loss
from tsviz.attacks.spsa import SPSA

T, K = 24, 3


def linear_model(T: int = T, K: int = K, seed: int = 0) -> LinearTS:
    """One channel, ``N(0, 1)`` weights, zero bias (:func:`helpers.linear_model`)."""
    return helpers_linear_model(1, T, K, seed=seed)


def class_data(model: LinearTS, n: int = 6, scale: float = 0.2) -> tuple[torch.Tensor, torch.Tensor]:
    """``x_i = scale * w_{y_i}``: clean margins of about 4 logits (L-inf eps ~0.15 needed to flip)."""
    W = model.lin.weight.detach()
    y = torch.arange(n) % W.shape[0]
    x = (scale * W[y]).unsqueeze(1).clone()
    assert (model(x).argmax(1) == y).all()
    return x, y


class Counting(nn.Module):
    """Counts the rows it is asked to classify, and checks that no autograd graph can be built."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.rows = 0
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert not torch.is_grad_enabled(), "black-box attacks must query under torch.no_grad"
        assert not x.requires_grad
        self.rows += x.shape[0]
        self.calls += 1
        out = self.inner(x)
        assert out.grad_fn is None
        return out


def attacks_easy():
    return [SPSA(eps=0.4, lr=0.05, samples=16, iterations=40), GenAttack(eps=0.4, generations=150)]


def attacks_failing(eps: float = 0.01):
    return [SPSA(eps=eps, samples=8, iterations=6), GenAttack(eps=eps, population=5, generations=12)]


IDS = ["spsa", "genattack"]
EASY_AND_HARD_IDS = [i + "-easy" for i in IDS] + [i + "-hard" for i in IDS]


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("attack", attacks_easy() + attacks_failing(), ids=EASY_AND_HARD_IDS)
def test_shape_dtype_device_budget(attack):
    model = linear_model()
    x, y = class_data(model)
    res = attack.run(model, x, y, generator=gen())
    assert res.x_adv.shape == x.shape and res.x_adv.dtype == x.dtype and res.x_adv.device == x.device
    assert (per_sample_norm(res.x_adv - x, "inf") <= attack.eps + 1e-6).all()
    assert res.queries.dtype == np.int64 and res.queries.shape == (6,) and (res.queries >= 1).all()
    assert res.success.dtype == bool and res.success.shape == (6,)
    # success flags agree with the model on x_adv
    np.testing.assert_array_equal(res.success, (model(res.x_adv).argmax(1) != y).numpy())
    assert attack.black_box
    for key, arr in res.history.items():
        assert arr.ndim == 2 and arr.shape[1] == 6, key


def test_float64_inputs():
    model = linear_model().double()
    x, y = class_data(model)
    x = x.double()
    for attack in attacks_failing(0.05):
        out = attack(model, x, y, generator=gen())
        assert out.dtype == torch.float64 and out.shape == x.shape


@pytest.mark.parametrize("attack", [SPSA(eps=0.4, samples=8, iterations=20, bounds=(-0.35, 0.35)),
                                    GenAttack(eps=0.4, generations=40, bounds=([-0.35], [0.35]))], ids=IDS)
def test_bounds_respected(attack):
    model = linear_model()
    x, y = class_data(model)
    x = x.clamp(-0.3, 0.3)  # inside the bounds
    out = attack(model, x, y, generator=gen())
    assert out.min() >= -0.35 - 1e-7 and out.max() <= 0.35 + 1e-7
    assert ((out - x).abs().amax() <= 0.4 + 1e-6)


def test_spsa_l2_budget():
    model = linear_model()
    x, y = class_data(model)
    res = SPSA(eps=0.3, norm="l2", samples=8, iterations=15).run(model, x, y, generator=gen())
    assert (per_sample_norm(res.x_adv - x, 2) <= 0.3 + 1e-6).all()


@pytest.mark.parametrize("attack", attacks_failing(0.1), ids=IDS)
def test_seed_reproducible(attack):
    model = linear_model()
    x, y = class_data(model)
    a = attack.run(model, x, y, generator=gen(3))
    b = attack.run(model, x, y, generator=gen(3))
    c = attack.run(model, x, y, generator=gen(4))
    d = attack.run(model, x, y)  # None -> a fresh generator seeded 0
    e = attack.run(model, x, y, generator=gen(0))
    assert torch.equal(a.x_adv, b.x_adv)
    np.testing.assert_array_equal(a.queries, b.queries)
    assert not torch.equal(a.x_adv, c.x_adv)
    assert torch.equal(d.x_adv, e.x_adv)


@pytest.mark.parametrize("attack", attacks_easy()[:1] + attacks_failing()[1:], ids=IDS)
def test_no_autograd_and_model_untouched(attack, monkeypatch):
    from tsviz.models import build

    inner = build("mlp", 1, K, T)
    inner.train()  # a mode the attack must restore
    first = next(inner.parameters())
    first.requires_grad_(False)
    before = model_state(inner)
    model = Counting(inner)

    def forbidden(*args, **kwargs):
        raise AssertionError("black-box attacks must not compute gradients")

    monkeypatch.setattr(torch.autograd, "grad", forbidden)
    monkeypatch.setattr(torch.autograd, "backward", forbidden)
    monkeypatch.setattr(torch.Tensor, "backward", forbidden)
    x = 0.3 * torch.randn(4, 1, T, generator=gen())
    y = torch.tensor([0, 1, 2, 0])
    attack.run(model, x, y, generator=gen())
    assert model.rows > 0
    assert_model_untouched(inner, before)


# --------------------------------------------------------------------------- query accounting
@pytest.mark.parametrize("targeted", [False, True])
@pytest.mark.parametrize("attack", attacks_easy() + attacks_failing(), ids=EASY_AND_HARD_IDS)
def test_queries_counted_exactly(attack, targeted):
    model = Counting(linear_model())
    x, y = class_data(model.inner)
    target = (y + 1) % K if targeted else None
    model.rows = 0
    res = attack.run(model, x, y, target=target, generator=gen())
    # Attack.run spends one clean forward pass per series (the finite-logits check, which also
    # reads the number of classes); it is not an attack query
    assert model.rows == int(res.queries.sum()) + x.shape[0]
    assert (np.diff(res.history["queries"], axis=0) >= 0).all()
    np.testing.assert_array_equal(res.history["queries"][-1], res.queries)


def test_full_run_query_formulas():
    model = linear_model()
    x, y = class_data(model)
    spsa = SPSA(eps=0.01, samples=8, iterations=6)
    r = spsa.run(model, x, y)
    assert not r.success.any()
    assert (r.queries == 1 + 6 * (8 + 1)).all()
    assert r.history["loss"].shape == (7, 6)
    ga = GenAttack(eps=0.01, population=5, elitism=2, generations=12)
    r = ga.run(model, x, y)
    assert not r.success.any()
    assert (r.queries == 1 + 5 + 11 * (5 - 2)).all()  # elites are never re-queried
    assert r.history["best_fitness"].shape == (12, 6)
    assert (np.diff(r.history["best_fitness"], axis=0) >= 0).all()  # elitism: best never lost


@pytest.mark.parametrize("attack", [SPSA(eps=0.01, samples=8, iterations=50, max_queries=100),
                                    GenAttack(eps=0.01, population=6, generations=100, max_queries=100)], ids=IDS)
def test_max_queries(attack):
    model = Counting(linear_model())
    x, y = class_data(model.inner)
    model.rows = 0
    res = attack.run(model, x, y, generator=gen())
    assert (res.queries <= 100).all()
    expected = 1 + 11 * 9 if isinstance(attack, SPSA) else 1 + 6 + 18 * 5
    assert (res.queries == expected).all()
    assert model.rows == int(res.queries.sum()) + x.shape[0]


@pytest.mark.parametrize("attack", attacks_easy() + attacks_failing(), ids=EASY_AND_HARD_IDS)
def test_early_stop_already_successful(attack):
    model = Counting(linear_model())
    x, y = class_data(model.inner)
    y_given = y.clone()
    y_given[:2] = (y[:2] + 1) % K  # the model already "misclassifies" the first two
    res = attack.run(model, x, y_given, generator=gen())
    assert (res.queries[:2] == 1).all() and res.success[:2].all()
    assert torch.equal(res.x_adv[:2], x[:2])
    # targeted: already classified as the target
    tgt = (y + 1) % K
    tgt[:3] = y[:3]
    y_t = y.clone()
    y_t[:3] = (y[:3] + 2) % K
    res = attack.run(model, x, y_t, target=tgt, generator=gen())
    assert (res.queries[:3] == 1).all() and res.success[:3].all()


# --------------------------------------------------------------------------- effectiveness
@pytest.mark.parametrize("attack", attacks_easy(), ids=IDS)
def test_success_untargeted_and_targeted(attack):
    model = linear_model()
    x, y = class_data(model)
    res = attack.run(model, x, y, generator=gen())
    assert res.success.all()
    assert (model(res.x_adv).argmax(1) != y).all()
    tgt = (y + 2) % K
    res = attack.run(model, x, y, target=tgt, generator=gen())
    assert res.success.all()
    assert (model(res.x_adv).argmax(1) == tgt).all()
    # stopping at success: successful samples did not run the whole budget
    assert res.queries.max() < (1 + 40 * 17 if isinstance(attack, SPSA) else 1 + 6 + 149 * 5)


def test_spsa_gradient_estimate_is_unbiased_on_linear_margin():
    """Two classes: the margin loss is linear, so the antithetic differences are exact and the
    estimate converges to the true gradient (w_y - w_other)."""
    model = linear_model(K=2)
    x, y = class_data(model, n=2)
    attack = SPSA(eps=0.1, delta=0.01, samples=1000, iterations=1)
    W = model.lin.weight.detach()
    g = attack._gradient(model, x, y, None, gen(), None)
    true = (W[y] - W[1 - y]).unsqueeze(1)
    cos = (g * true).sum((1, 2)) / (g.norm(dim=(1, 2)) * true.norm(dim=(1, 2)))
    assert (cos > 0.9).all()


def test_margin_and_fitness_values():
    logp = torch.log(torch.tensor([[0.7, 0.2, 0.1]]))
    y, t = torch.tensor([0]), torch.tensor([2])
    assert torch.allclose(margin_loss(logp, y, None), torch.log(torch.tensor([0.7 / 0.2])))
    assert torch.allclose(margin_loss(logp, y, t), torch.log(torch.tensor([0.7 / 0.1])))
    assert torch.allclose(fitness(logp, y, None), torch.log(torch.tensor([0.3 / 0.7])))
    assert torch.allclose(fitness(logp, y, t), torch.log(torch.tensor([0.1 / 0.9])))


# --------------------------------------------------------------------------- GenAttack specifics
def test_dimensionality_reduction_is_piecewise_linear():
    model = linear_model(T=25)
    x, y = class_data(model)
    for dr in (5, 0.2):
        attack = GenAttack(eps=0.02, population=4, generations=5, dim_reduction=dr)
        assert attack.reduced_length(25) == 5
        d = attack(model, x, y, generator=gen()) - x
        knots = torch.arange(0, 25, 6)  # align_corners: knots at i * (T - 1) / (T' - 1)
        assert torch.allclose(upsample(d[..., knots], 25), d, atol=1e-6)
        second = d[..., 2:] - 2 * d[..., 1:-1] + d[..., :-2]
        off_knot = torch.ones(23, dtype=torch.bool)
        off_knot[knots[1:-1] - 1] = False
        assert second[..., off_knot].abs().max() < 1e-6
        assert second.abs().max() > 1e-4  # really a perturbation, with kinks at the knots
    assert GenAttack(eps=0.1).reduced_length(25) == 25
    with pytest.raises(AttackError, match="dim_reduction"):
        GenAttack(eps=0.1, dim_reduction=30).run(model, x, y)


def test_adaptive_schedule_eq_2_1_2_2():
    assert adaptive_parameters(0) == pytest.approx((0.5, 0.4))
    for k in range(40):
        rho, alpha = adaptive_parameters(k)
        assert rho == pytest.approx(max(0.1, 0.5 * 0.9 ** k))
        assert alpha == pytest.approx(max(0.15, 0.4 * 0.9 ** k))
    assert adaptive_parameters(100) == pytest.approx((0.1, 0.15))
    rho, alpha = adaptive_parameters(torch.tensor([0, 3, 50]), rho_min=0.2, alpha_min=0.05)
    assert torch.allclose(rho, torch.tensor([0.5, 0.5 * 0.9 ** 3, 0.2], dtype=torch.float64))
    assert torch.allclose(alpha, torch.tensor([0.4, 0.4 * 0.9 ** 3, 0.05], dtype=torch.float64))


def test_plateau_counter():
    best = torch.full((2,), float("-inf"))
    stall = torch.zeros(2, dtype=torch.long)
    plateaus = torch.zeros(2, dtype=torch.long)
    for g in range(250):
        # sample 0 is stuck from the start; sample 1 improves every generation
        fit = torch.tensor([1.0, float(g)])
        best, stall, plateaus = update_plateaus(best, stall, plateaus, fit, patience=100)
    assert plateaus.tolist() == [2, 0]
    assert stall.tolist() == [249 - 200, 0]


def test_adaptive_parameters_follow_plateaus_in_a_run():
    # the same probabilities whatever the input: the fitness can never improve (a plateau)
    model = ConstantLogits((2.0, 0.0, -1.0), C=1, T=8)
    x = torch.zeros(2, 1, 8)
    y = torch.zeros(2, dtype=torch.long)
    res = GenAttack(eps=0.1, population=3, generations=50, patience=20).run(model, x, y)
    assert not res.success.any()
    k = np.array([0] + [g // 20 for g in range(1, 50)])  # a plateau every `patience` stuck generations
    np.testing.assert_array_equal(res.history["plateaus"][:, 0], k)
    np.testing.assert_allclose(res.history["rho"][:, 1], np.maximum(0.1, 0.5 * 0.9 ** k))
    np.testing.assert_allclose(res.history["alpha"][:, 1], np.maximum(0.15, 0.4 * 0.9 ** k))
    fixed = GenAttack(eps=0.1, population=3, generations=20, rho=0.3, alpha=0.2, adaptive=False).run(model, x, y)
    assert np.allclose(fixed.history["rho"], 0.3) and np.allclose(fixed.history["alpha"], 0.2)


def test_progress_reported():
    model = linear_model()
    x, y = class_data(model)
    for attack in attacks_failing():
        seen: list[float] = []
        attack.run(model, x, y, progress=lambda f, msg, seen=seen: seen.append(f))
        assert seen and 0 <= min(seen) and max(seen) <= 1 and seen[-1] == pytest.approx(1.0)


# --------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("cls, kwargs, name", [
    (SPSA, {"eps": 0.0}, "eps"),
    (SPSA, {"eps": -1.0}, "eps"),
    (SPSA, {"eps": 0.1, "delta": 0}, "delta"),
    (SPSA, {"eps": 0.1, "lr": -0.1}, "lr"),
    (SPSA, {"eps": 0.1, "samples": 7}, "samples"),
    (SPSA, {"eps": 0.1, "samples": MAX_POPULATION + 2}, "samples"),
    (SPSA, {"eps": 0.1, "iterations": MAX_ITERATIONS + 1}, "iterations"),
    (SPSA, {"eps": 0.1, "norm": "l1"}, "norm"),
    (SPSA, {"eps": 0.1, "max_queries": 0}, "max_queries"),
    (SPSA, {"eps": 0.1, "random_start": "yes"}, "random_start"),
    (SPSA, {"eps": 0.1, "bounds": (1.0, 0.0)}, "bounds"),
    (GenAttack, {"eps": 0}, "eps"),
    (GenAttack, {"eps": 0.1, "population": 1}, "population"),
    (GenAttack, {"eps": 0.1, "population": MAX_POPULATION + 1}, "population"),
    (GenAttack, {"eps": 0.1, "generations": MAX_GENERATIONS + 1}, "generations"),
    (GenAttack, {"eps": 0.1, "generations": 0}, "generations"),
    (GenAttack, {"eps": 0.1, "temperature": 0.0}, "temperature"),
    (GenAttack, {"eps": 0.1, "rho": 0.0}, "rho"),
    (GenAttack, {"eps": 0.1, "rho": 1.5}, "rho"),
    (GenAttack, {"eps": 0.1, "alpha": 0.0}, "alpha"),
    (GenAttack, {"eps": 0.1, "elitism": 6}, "elitism"),
    (GenAttack, {"eps": 0.1, "dim_reduction": 0.0}, "dim_reduction"),
    (GenAttack, {"eps": 0.1, "dim_reduction": 1}, "dim_reduction"),
    (GenAttack, {"eps": 0.1, "adaptive": 1}, "adaptive"),
    (GenAttack, {"eps": 0.1, "patience": 0}, "patience"),
    (GenAttack, {"eps": 0.1, "max_queries": 10 ** 9}, "max_queries"),
])
def test_bad_hyperparameters(cls, kwargs, name):
    model = linear_model()
    x, y = class_data(model, n=2)
    attack = cls(**kwargs)  # constructors store only
    with pytest.raises(AttackError, match=name):
        attack.run(model, x, y)


@pytest.mark.parametrize("attack", attacks_failing(), ids=IDS)
def test_target_equal_to_label_rejected(attack):
    model = linear_model()
    x, y = class_data(model, n=2)
    with pytest.raises(AttackError, match="target"):
        attack.run(model, x, y, target=y)
