"""Hostile inputs to every attack, evaluate, sweep and the analyses (issue 12, item 4).

Every case gets a clear :class:`AttackError` (a TsvizError and a ValueError) naming the problem,
or a correct result: budgets beyond the data's scale (eps = 1e300 used to give inf series or an
overflow RuntimeError), NaN/Inf budgets and bounds, torch float64 and complex series, a wrong
channel count or length, float labels, a model with NaN weights ("0 % success"), and a total cost
over the cap (TSVIZ_MAX_COST).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, model_state

from tsviz.attacks import (
    BIM,
    FGSM,
    PGD,
    SPSA,
    WPGD,
    AttackError,
    GenAttack,
    evaluate,
    latent_centroid_cost,
    sweep,
    uniform_cost,
)
from tsviz.attacks.analysis import latent_shift, welch_compare
from tsviz.core import TsvizError, budget_limit
from tsviz.models import build

N, C, T, K = 4, 1, 32, 3

#: name -> factory(eps) of a small but complete configuration of every attack
FACTORIES = {
    "fgsm": lambda eps: FGSM(eps),
    "bim": lambda eps: BIM(eps, 0.01, 2),
    "pgd_inf": lambda eps: PGD(eps, 0.01, 2),
    "pgd_l2": lambda eps: PGD(eps, 0.01, 2, norm="l2"),
    "wpgd": lambda eps: WPGD(eps, 0.01, 2, uniform_cost(K)),
    "spsa": lambda eps: SPSA(eps, samples=4, iterations=2),
    "genattack": lambda eps: GenAttack(eps, population=4, generations=2),
}
#: step sizes in signal units, per attack (GenAttack's alpha is a fraction of eps)
STEP_SIZES = {"bim": ["alpha"], "pgd_inf": ["alpha"], "pgd_l2": ["alpha"], "wpgd": ["alpha"],
              "spsa": ["delta", "lr"]}
NAMES = list(FACTORIES)


@pytest.fixture(scope="module")
def model():
    return build("mlp", C, K, T, seed=0).eval()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((N, C, T)).astype(np.float32), np.array([0, 1, 2, 0])


def nan_model():
    m = build("mlp", C, K, T, seed=0).eval()
    with torch.no_grad():
        next(m.parameters()).fill_(float("nan"))
    return m


class Counting(torch.nn.Module):
    """Counts the series the wrapped model sees (keeps its ``hparams``)."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.rows, self.hparams = inner, 0, inner.hparams

    def forward(self, x):
        self.rows += x.shape[0]
        return self.inner(x)


# --------------------------------------------------------------------------- budgets
@pytest.mark.parametrize("name", NAMES)
def test_eps_1e300_names_the_limit(name, model, data):
    x, y = data
    limit = budget_limit(x, "l2" if name == "pgd_l2" else "inf")
    with pytest.raises(AttackError, match=r"eps = 1e\+300 is far beyond the data's scale.*use at most") as e:
        FACTORIES[name](1e300)(model, x, y)
    assert f"{limit:.4g}" in str(e.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 0.0, -1.0])
@pytest.mark.parametrize("name", NAMES)
def test_eps_not_finite_positive(name, value, model, data):
    with pytest.raises(AttackError, match="eps must be a finite number > 0"):
        FACTORIES[name](value)(model, *data)


@pytest.mark.parametrize("name, param", [(n, p) for n, ps in STEP_SIZES.items() for p in ps])
@pytest.mark.parametrize("value", [1e300, float("nan"), float("inf")])
def test_step_sizes_checked_against_the_data(name, param, value, model, data):
    attack = FACTORIES[name](0.1)
    setattr(attack, param, value)
    with pytest.raises(AttackError, match=param):
        attack(model, *data)


def test_l2_budgets_scale_with_sqrt_ct(model, data):
    x, y = data
    lim_inf, lim_l2 = budget_limit(x, "inf"), budget_limit(x, "l2")
    assert lim_l2 == pytest.approx(lim_inf * np.sqrt(C * T))
    PGD(0.9 * lim_l2, 0.01, 1, norm="l2")(model, x, y)          # an L2 budget above the L-inf limit is fine
    with pytest.raises(AttackError, match=r"sqrt\(C T\)"):
        PGD(1.1 * lim_l2, 0.01, 1, norm="l2")(model, x, y)
    with pytest.raises(AttackError, match="eps"):
        PGD(1.1 * lim_inf, 0.01, 1, norm="inf")(model, x, y)


# --------------------------------------------------------------------------- bounds
@pytest.mark.parametrize("bounds", [(float("nan"), 5.0), (-5.0, float("nan")), (-np.inf, np.inf), (-1e300, 1e300),
                                    ([float("nan")], [5.0]), ("a", 1.0)])
@pytest.mark.parametrize("name", NAMES)
def test_non_finite_bounds_refused(name, bounds, model, data):
    attack = FACTORIES[name](0.1)
    attack.bounds = bounds
    with pytest.raises(AttackError, match="bounds"):
        attack(model, *data)


@pytest.mark.parametrize("name", NAMES)
def test_bounds_applied_and_finite(name, model, data):
    x, y = data
    attack = FACTORIES[name](0.5)
    attack.bounds = (float(x.min()) - 0.1, float(x.max()) + 0.1)
    out = attack(model, x, y)
    assert torch.isfinite(out).all()
    assert out.min() >= x.min() - 0.1 - 1e-6 and out.max() <= x.max() + 0.1 + 1e-6


# --------------------------------------------------------------------------- inputs
@pytest.mark.parametrize("name", NAMES)
def test_torch_float64_is_cast_to_float32(name, model, data):
    """Decision: x is cast to the model's dtype (float32 for every tsviz network), like numpy float64."""
    x, y = data
    x64 = torch.tensor(x, dtype=torch.float64)
    out64 = FACTORIES[name](0.1)(model, x64, y, generator=torch.Generator().manual_seed(1))
    out32 = FACTORIES[name](0.1)(model, torch.tensor(x), y, generator=torch.Generator().manual_seed(1))
    assert out64.dtype == torch.float32
    torch.testing.assert_close(out64, out32)


@pytest.mark.parametrize("name", NAMES)
def test_complex_refused(name, model, data):
    x, y = data
    with pytest.raises(AttackError, match="complex"):
        FACTORIES[name](0.1)(model, x.astype(np.complex64), y)
    with pytest.raises(AttackError, match="complex"):
        FACTORIES[name](0.1)(model, torch.tensor(x).to(torch.complex64), y)


@pytest.mark.parametrize("name", NAMES)
def test_values_beyond_float32_refused(name, model, data):
    x, y = data
    big = x.astype(np.float64)
    big[0, 0, 0] = 1e300
    with pytest.raises(AttackError, match="float32's range"):
        FACTORIES[name](0.1)(model, big, y)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_channels_and_length_name_both_shapes(name, model, data):
    _, y = data
    with pytest.raises(AttackError, match=r"x has 2 channel\(s\) but the model expects 1"):
        FACTORIES[name](0.1)(model, np.zeros((N, 2, T), np.float32), y)
    with pytest.raises(AttackError, match=f"x has length {T + 1} but the model expects series of length {T}"):
        FACTORIES[name](0.1)(model, np.zeros((N, C, T + 1), np.float32), y)


@pytest.mark.parametrize("name", NAMES)
def test_float_labels_refused_not_truncated(name, model, data):
    x, y = data
    with pytest.raises(AttackError, match="integer class labels"):
        FACTORIES[name](0.1)(model, x, y.astype(np.float64) + 0.7)
    with pytest.raises(AttackError, match="integer class labels"):
        FACTORIES[name](0.1)(model, x, torch.tensor(y, dtype=torch.float32))


def test_float_target_refused(model, data):
    x, y = data
    with pytest.raises(AttackError, match="target"):
        PGD(0.1, 0.01, 2)(model, x, y, target=1.5)
    with pytest.raises(AttackError, match="target"):
        PGD(0.1, 0.01, 2)(model, x, y, target=np.array([1.0, 2.0, 0.0, 1.0]))
    out = PGD(0.1, 0.01, 2)(model, x, y, target=np.array([1, 2, 0, 1]))  # integers are fine
    assert out.shape == x.shape


# --------------------------------------------------------------------------- the model
@pytest.mark.parametrize("name", NAMES)
def test_nan_logit_model_refused(name, data):
    with pytest.raises(AttackError, match=r"the model returns NaN/Inf logits for series 0"):
        FACTORIES[name](0.1)(nan_model(), *data)


def test_nan_logit_model_is_not_zero_percent_success(data):
    with pytest.raises(AttackError, match="NaN/Inf logits"):
        evaluate(nan_model(), FGSM(0.1), *data)
    with pytest.raises(AttackError, match="NaN/Inf logits"):
        sweep(nan_model(), {"fgsm": FGSM(0.1)}, [0.0, 0.1], *data)


# --------------------------------------------------------------------------- cost
@pytest.mark.parametrize("name", NAMES)
def test_cost_over_the_cap(name, model, data, monkeypatch):
    monkeypatch.setenv("TSVIZ_MAX_COST", "3")  # below the cost of any attack on 4 series
    with pytest.raises(AttackError, match=r"over the cap of 3; lower series.*TSVIZ_MAX_COST"):
        FACTORIES[name](0.1)(model, *data)
    with pytest.raises(AttackError, match="over the cap"):
        evaluate(model, FACTORIES[name](0.1), *data)


def test_cost_factors_are_named_as_the_user_sets_them(model, data, monkeypatch):
    monkeypatch.setenv("TSVIZ_MAX_COST", "100")
    with pytest.raises(AttackError, match=r"4 x steps 50 x restarts 2"):
        PGD(0.1, 0.01, 50, restarts=2)(model, *data)
    with pytest.raises(AttackError, match=r"iterations 100 x queries per iteration \(samples \+ 1\) 65"):
        SPSA(0.1)(model, *data)
    with pytest.raises(AttackError, match=r"population 6 x generations 1,000"):
        GenAttack(0.1)(model, *data)
    with pytest.raises(AttackError, match=r"max_queries 50"):
        SPSA(0.1, max_queries=50)(model, np.zeros((3, C, T), np.float32), [0, 1, 2])


def test_sweep_cost_counts_every_attack_and_budget(model, data, monkeypatch):
    # 4 series x 2 non-zero budgets x (PGD 10 + FGSM 1) = 88 evaluations; eps 0 costs no attack
    monkeypatch.setenv("TSVIZ_MAX_COST", "87")
    with pytest.raises(AttackError, match=r"series 4 x eps values > 0 2 x evaluations per series \(all attacks\) 11"):
        sweep(model, {"pgd": PGD(0.1, 0.01, 10), "fgsm": FGSM(0.1)}, [0, 0.1, 0.2], *data)
    monkeypatch.setenv("TSVIZ_MAX_COST", "88")
    rows = sweep(model, {"pgd": PGD(0.1, 0.01, 10), "fgsm": FGSM(0.1)}, [0, 0.1, 0.2], *data).rows
    assert len(rows) == 6


def test_bad_cost_cap_setting_is_refused(model, data, monkeypatch):
    monkeypatch.setenv("TSVIZ_MAX_COST", "nan")
    with pytest.raises(TsvizError, match="TSVIZ_MAX_COST"):
        FGSM(0.1)(model, *data)


# --------------------------------------------------------------------------- sweep
def test_sweep_eps_zero_runs_no_attack(model, data):
    x, y = data
    counting = Counting(model)
    rows = sweep(counting, {"pgd": PGD(0.1, 0.01, 20)}, [0.0], x, y).rows
    assert counting.rows == N  # one clean forward pass, no PGD steps
    assert rows[0]["eps"] == 0.0 and rows[0]["success_rate"] == 0.0 and rows[0]["mean_linf"] == 0.0


def test_sweep_refuses_a_bad_budget_before_any_work(model, data):
    counting = Counting(model)
    with pytest.raises(AttackError, match=r"pgd at eps=1e\+300: eps = 1e\+300 is far beyond"):
        sweep(counting, {"pgd": PGD(0.1, 0.01, 5)}, [0.0, 0.1, 1e300], *data)
    assert counting.rows == 0
    for bad in ([float("nan")], [-0.1], ["abc"], []):
        with pytest.raises(AttackError, match="eps_values"):
            sweep(model, {"pgd": PGD(0.1, 0.01, 5)}, bad, *data)


# --------------------------------------------------------------------------- contract kept
@pytest.mark.parametrize("name", NAMES)
def test_seed_reproducible_and_model_state_unchanged(name, model, data):
    x, y = data
    model.train()
    before = model_state(model)
    a = FACTORIES[name](0.2)(model, x, y, generator=torch.Generator().manual_seed(3))
    b = FACTORIES[name](0.2)(model, x, y, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert_model_untouched(model, before)
    with pytest.raises(AttackError):
        FACTORIES[name](1e300)(model, x, y)
    assert_model_untouched(model, before)  # also after a refused call
    model.eval()


def test_errors_are_tsviz_and_value_errors():
    assert issubclass(AttackError, TsvizError) and issubclass(AttackError, ValueError)


# --------------------------------------------------------------------------- analyses
def test_analysis_inputs(model, data):
    x, y = data
    with pytest.raises(AttackError, match="complex"):
        welch_compare(x.astype(np.complex128), x)
    with pytest.raises(AttackError, match="channel"):
        latent_shift(model, np.zeros((N, 2, T), np.float32), np.zeros((N, 2, T), np.float32))
    with pytest.raises(AttackError, match="integer class labels"):
        latent_centroid_cost(model, x, y.astype(float), K)
    with pytest.raises(AttackError, match="latents"):
        latent_centroid_cost(nan_model(), x, y, K)
    res = welch_compare(torch.tensor(x, dtype=torch.float64), x)  # float64 torch works
    assert np.isfinite(res.clean).all()


@pytest.mark.parametrize("target", [1, np.int64(1), torch.tensor(1), [1, 0, 1, 1], np.array([1, 0, 1, 1]),
                                    torch.tensor([1, 0, 1, 1])])
def test_integer_targets_in_every_form(target, model, data):
    x, _ = data
    y = np.array([0, 2, 2, 0])  # no series of class 1, so target 1 differs from every label
    res = PGD(0.1, 0.01, 2).run(model, x, y, target=target)
    assert res.x_adv.shape == x.shape


def test_target_of_the_wrong_length(model, data):
    with pytest.raises(AttackError, match="target must be an int or have 4 entries"):
        PGD(0.1, 0.01, 2)(model, *data, target=[1, 2])


@pytest.mark.parametrize("kw, match", [
    ({"cost_matrix": uniform_cost(K) * 1e300}, "beyond float32"),
    ({"cost_matrix": uniform_cost(K) * 1e5, "p": 10.0}, "beyond float32"),
    ({"lam": 1e-300}, "lam must be at least"),
    ({"cost_matrix": uniform_cost(K) * np.nan}, "NaN"),
])
def test_wpgd_loss_stays_in_float32(kw, match, model, data):
    args = {"cost_matrix": uniform_cost(K), **kw}
    with pytest.raises(AttackError, match=match):
        WPGD(0.1, 0.01, 2, **args)(model, *data)
