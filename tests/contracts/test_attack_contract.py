"""The attack contract (:mod:`tsviz.attacks`), checked for every member of the family.

Members: FGSM, BIM, PGD (L-inf and L2), WPGD, SPSA, GenAttack, each on a tiny linear model whose
labels are its own predictions (so every series is attackable and no result is trivially ``x``).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, linear_model, model_state, toy_series

from tsviz.attacks import (
    ATTACKS,
    BIM,
    CAPS,
    FGSM,
    PGD,
    SPSA,
    WPGD,
    AttackError,
    GenAttack,
    evaluate,
    sweep,
    uniform_cost,
)
from tsviz.attacks.base import per_sample_norm

C, T, K, N = 2, 16, 3, 6

#: name -> factory of one member, with small costs.
MEMBERS = {
    "fgsm": lambda: FGSM(0.3),
    "bim": lambda: BIM(0.3, 0.1, 4),
    "pgd_inf": lambda: PGD(0.3, 0.1, 4, norm="inf"),
    "pgd_l2": lambda: PGD(1.0, 0.4, 4, norm="l2"),
    "wpgd": lambda: WPGD(0.3, 0.1, 4, uniform_cost(K)),
    "spsa": lambda: SPSA(0.3, samples=8, iterations=4),
    "genattack": lambda: GenAttack(0.3, population=6, generations=4),
}
#: deterministic configurations (samples attacked independently: batched == unbatched).
DETERMINISTIC = {
    "fgsm": lambda: FGSM(0.3),
    "bim": lambda: BIM(0.3, 0.1, 4),
    "pgd_inf_no_start": lambda: PGD(0.3, 0.1, 4, norm="inf", random_start=False),
    "pgd_l2_no_start": lambda: PGD(1.0, 0.4, 4, norm="l2", random_start=False),
    "wpgd_no_start": lambda: WPGD(0.3, 0.1, 4, uniform_cost(K), random_start=False),
}
NAMES = list(MEMBERS)


#: tiny networks: thread start-up costs more than it saves
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def setup(seed: int = 0):
    model = linear_model(C, T, K, seed=seed)
    x, _ = toy_series(N, C, T, K, seed=seed + 1)
    with torch.no_grad():
        y = model(x).argmax(1)  # every series correctly classified: the attack has work to do
    return model, x, y


def test_every_registered_attack_is_covered():
    assert {type(make()) for make in MEMBERS.values()} == set(ATTACKS.values())


@pytest.mark.parametrize("name", NAMES)
def test_shape_dtype_device(name):
    model, x, y = setup()
    x_adv = MEMBERS[name]()(model, x, y, seed=0)
    assert isinstance(x_adv, torch.Tensor) and x_adv.shape == x.shape
    assert x_adv.dtype == torch.float32 and x_adv.device == x.device
    # numpy float64 in -> float32 tensor on CPU
    x_np = MEMBERS[name]()(model, x.double().numpy(), y.numpy(), seed=0)
    assert x_np.dtype == torch.float32 and x_np.device.type == "cpu"


@pytest.mark.parametrize("name", NAMES)
def test_budget_and_bounds_respected(name):
    model, x, y = setup()
    attack = MEMBERS[name]()
    lo, hi = float(x.min()), float(x.max())
    attack.bounds = (lo, hi)
    res = attack.run(model, x, y, seed=3)
    d = res.x_adv - x
    norm = "inf" if attack.norm == "inf" else 2
    assert float(per_sample_norm(d, norm).max()) <= attack.eps * (1 + 1e-5) + 1e-6
    assert float(res.x_adv.min()) >= lo - 1e-6 and float(res.x_adv.max()) <= hi + 1e-6
    assert res.queries.shape == (N,) and res.success.shape == (N,)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_result(name):
    model, x, y = setup()
    attack = MEMBERS[name]()
    a = attack(model, x, y, seed=7)
    b = attack(model, x, y, seed=7)
    g = attack(model, x, y, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and torch.equal(a, g)
    c = attack(model, x, y, seed=8)
    if attack.stochastic:
        assert not torch.equal(a, c), "a different seed must change a stochastic attack's draws"
    else:
        assert torch.equal(a, c), "a deterministic attack must not depend on the seed"


@pytest.mark.parametrize("name", list(DETERMINISTIC))
def test_batched_equals_unbatched(name):
    model, x, y = setup()
    attack = DETERMINISTIC[name]()
    assert not attack.stochastic
    whole = attack(model, x, y)
    one_by_one = torch.cat([attack(model, x[i:i + 1], y[i:i + 1]) for i in range(N)])
    torch.testing.assert_close(whole, one_by_one, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_model_untouched(name):
    model, x, y = setup()
    model.train()
    before = model_state(model)
    MEMBERS[name]().run(model, x, y, seed=0)
    evaluate(model, MEMBERS[name](), x, y, seed=0)
    assert_model_untouched(model, before)


BAD = {
    "nan_x": lambda x, y: (torch.where(torch.arange(T) == 3, float("nan"), x), y, {}),
    "wrong_channels": lambda x, y: (torch.zeros(N, C + 1, T), y, {}),
    "float_labels": lambda x, y: (x, y.double(), {}),
    "labels_out_of_range": lambda x, y: (x, torch.full((N,), K), {}),
    "eps_1e300": lambda x, y: (x, y, {"eps": 1e300}),
    "generator_and_seed": lambda x, y: (x, y, {"generator": torch.Generator(), "seed": 1}),
    "bad_seed": lambda x, y: (x, y, {"seed": -1}),
    "bad_progress": lambda x, y: (x, y, {"progress": 3}),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("name", NAMES)
def test_bad_input_raises_attack_error(name, case):
    model, x, y = setup()
    attack = MEMBERS[name]()
    xb, yb, kw = BAD[case](x, y)
    if "eps" in kw:
        attack.eps = kw.pop("eps")
    with pytest.raises(AttackError):
        attack.run(model, xb, yb, **kw)


@pytest.mark.parametrize("name", NAMES)
def test_caps_enforced(name):
    """Every count the attack takes is capped by CAPS: the cap is accepted, one more is refused."""
    attack = MEMBERS[name]()
    capped = [k for k in attack.params() if k in CAPS]
    for key in capped:
        ok = MEMBERS[name]()
        setattr(ok, key, CAPS[key])
        ok.validate()
        bad = MEMBERS[name]()
        setattr(bad, key, CAPS[key] + 1 + (key == "samples"))  # samples must also be even
        with pytest.raises(AttackError, match=key):
            bad.validate()
    expected = {"fgsm": set(), "bim": {"steps"}, "pgd_inf": {"steps", "restarts"}, "pgd_l2": {"steps", "restarts"},
                "wpgd": {"steps"}, "spsa": {"samples", "iterations", "max_queries"},
                "genattack": {"population", "generations", "patience", "max_queries"}}[name]
    assert set(capped) == expected


def _record():
    calls: list[float] = []
    return calls, lambda frac, msg: calls.append(float(frac)) or None


def _check_progress(calls: list[float]) -> None:
    assert calls, "progress was never called"
    assert all(0.0 <= f <= 1.0 for f in calls), calls
    assert all(b >= a - 1e-12 for a, b in zip(calls, calls[1:])), calls
    assert calls[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("name", NAMES)
def test_progress_reaches_one(name):
    model, x, y = setup()
    calls, cb = _record()
    MEMBERS[name]().run(model, x, y, progress=cb)
    _check_progress(calls)
    calls, cb = _record()
    evaluate(model, MEMBERS[name](), x, y, batch_size=4, progress=cb)
    _check_progress(calls)


def test_sweep_randomness_and_progress():
    model, x, y = setup()
    attacks = {"pgd": MEMBERS["pgd_inf"](), "spsa": MEMBERS["spsa"]()}
    calls, cb = _record()
    a = sweep(model, attacks, [0.0, 0.1, 0.3], x, y, seed=5, progress=cb)
    _check_progress(calls)
    b = sweep(model, attacks, [0.0, 0.1, 0.3], x, y, seed=5)
    assert a.rows == b.rows
    g = sweep(model, attacks, [0.0, 0.1], x, y, generator=torch.Generator().manual_seed(5))
    assert len(g.rows) == 4
    with pytest.raises(AttackError, match="generator or seed"):
        sweep(model, attacks, [0.1], x, y, generator=torch.Generator(), seed=1)


@pytest.mark.parametrize("name", NAMES)
def test_results_are_numpy_and_frozen(name):
    model, x, y = setup()
    res = MEMBERS[name]().run(model, x, y)
    assert not res.queries.flags.writeable and not res.success.flags.writeable
    assert set(res.summary()) >= {"n", "success_rate", "mean_queries", "median_queries"}
    rep = evaluate(model, MEMBERS[name](), x, y)
    assert isinstance(rep.x_adv, np.ndarray) and not rep.x_adv.flags.writeable
    s = rep.summary()
    assert s["n"] == N and 0.0 <= s["success_rate"] <= 1.0 and s["clean_accuracy"] == 1.0
    with pytest.raises(AttributeError):
        rep.attack = "other"  # frozen


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", NAMES)
def test_cuda(name):
    model, x, y = setup()
    model = model.cuda()
    attack = MEMBERS[name]()
    x_adv = attack(model, x.cuda(), y.cuda(), seed=0)
    assert x_adv.device.type == "cuda" and x_adv.shape == x.shape
    d = (x_adv - x.cuda()).cpu()
    assert float(per_sample_norm(d, "inf" if attack.norm == "inf" else 2).max()) <= attack.eps * (1 + 1e-5) + 1e-6
    # CPU series, CUDA model: computed on the model's device, returned on the series'
    x_back = attack(model, x, y, seed=0)
    assert x_back.device.type == "cpu"
    torch.testing.assert_close(x_back, x_adv.cpu(), atol=1e-4, rtol=0)
