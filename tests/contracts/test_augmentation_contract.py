"""The augmentation contract (:mod:`tsviz.augment`), checked for every member through :func:`augment`.

Members: In-Clamp-Grad, In-Sign-Grad, Out-Sign-Grad, Rand-Grad, Spec-Den. Series are a slow sine
plus a little noise (so Spec-Den's weak tail holds many components and its random choice matters);
``dz/dt`` is a precomputed tensor (one test uses an :class:`~tsviz.augment.ODENet`); the classifier
is a tiny linear model.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, linear_model, model_state

from tsviz.augment import (
    AUGMENTATION_PARAMS,
    AUGMENTATION_REGISTRY,
    AUGMENTATIONS,
    AugmentError,
    ODENet,
    augment,
)

C, T, K, N = 2, 64, 3, 5
NAMES = ["in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "spec_den"]
PARAMS = {"in_clamp_grad": {"beta": 0.2}, "in_sign_grad": {"eps_max": 0.2}, "out_sign_grad": {"beta": 0.2},
          "rand_grad": {"beta": 0.2}, "spec_den": {"share": 0.5}}


def setup(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(T) / T
    x = (torch.sin(2 * torch.pi * 3 * t) + 0.05 * torch.randn(N, C, T, generator=g)).float()
    dzdt = 0.5 * torch.randn(N, C, T, generator=g)
    model = linear_model(C, T, K, seed=seed)
    y = torch.arange(N) % K
    return x, y, dzdt, model


def run(name, x, y, dzdt, model, **kw):
    return augment(name, x, y, model=model, derivative=dzdt, **{**PARAMS[name], **kw})


def test_every_registered_augmentation_is_covered():
    assert set(NAMES) == set(AUGMENTATION_REGISTRY) == set(AUGMENTATIONS)
    for name in NAMES:
        assert set(PARAMS[name]) <= set(AUGMENTATION_PARAMS[name])


@pytest.mark.parametrize("name", NAMES)
def test_shape_dtype_device(name):
    x, y, dzdt, model = setup()
    out = run(name, x, y, dzdt, model)
    assert isinstance(out, torch.Tensor) and out.shape == x.shape
    assert out.dtype == torch.float32 and out.device == x.device and not out.requires_grad
    out_np = run(name, x.double().numpy(), y.numpy(), dzdt.numpy(), model)
    assert out_np.dtype == torch.float32 and out_np.device.type == "cpu"


@pytest.mark.parametrize("name", NAMES)
def test_magnitude_respected_and_x_unchanged(name):
    x, y, dzdt, model = setup()
    x0 = x.clone()
    out = run(name, x, y, dzdt, model, seed=1)
    assert torch.equal(x, x0), "x was modified"
    d = (out - x).abs()
    if name == "spec_den":  # energy kept within (1 - energy) * 14.83 % (the docstring's bound)
        e_in, e_out = x.double().pow(2).sum((1, 2)), out.double().pow(2).sum((1, 2))
        assert float(((e_out - e_in).abs() / e_in).max()) <= 0.1 * 0.1484
        assert float(d.max()) > 0  # it did something
    else:
        bound = PARAMS[name].get("beta", PARAMS[name].get("eps_max"))
        assert float(d.max()) <= bound + 1e-6
        assert float(d.max()) > 0


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_result(name):
    x, y, dzdt, model = setup()
    a = run(name, x, y, dzdt, model, seed=4)
    b = run(name, x, y, dzdt, model, seed=4)
    g = run(name, x, y, dzdt, model, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and torch.equal(a, g)
    c = run(name, x, y, dzdt, model, seed=5)
    if AUGMENTATION_REGISTRY[name].stochastic:
        assert not torch.equal(a, c), "a different seed must change a stochastic augmentation"
    else:
        assert torch.equal(a, c), "a deterministic augmentation must not depend on the seed"
    # called directly (not through augment), None means seed 0
    if AUGMENTATION_REGISTRY[name].stochastic:
        direct = AUGMENTATION_REGISTRY[name].function
        args = (x, dzdt) if name != "spec_den" else (x,)
        assert torch.equal(direct(*args, **PARAMS[name]), direct(*args, **PARAMS[name], seed=0))


@pytest.mark.parametrize("name", [n for n in NAMES if not AUGMENTATION_REGISTRY[n].stochastic])
def test_batched_equals_unbatched(name):
    x, y, dzdt, model = setup()
    whole = run(name, x, y, dzdt, model)
    one_by_one = torch.cat([run(name, x[i:i + 1], y[i:i + 1], dzdt[i:i + 1], model) for i in range(N)])
    torch.testing.assert_close(whole, one_by_one, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_model_and_odenet_untouched(name):
    x, y, _, model = setup()
    odenet = ODENet(hidden=4)
    model.train()
    odenet.train()
    before, before_ode = model_state(model), model_state(odenet)
    run(name, x, y, odenet, model)
    assert_model_untouched(model, before)
    assert_model_untouched(odenet, before_ode)


BAD = {
    "nan_x": lambda x, y, d: (torch.where(torch.arange(T) == 3, float("nan"), x), y, d, {}),
    "complex_x": lambda x, y, d: (x.to(torch.complex64), y, d, {}),
    "wrong_channels": lambda x, y, d: (torch.zeros(N, C + 1, T), y, d, {}),
    "float_labels": lambda x, y, d: (x, y.double(), d, {}),
    "magnitude_1e300": lambda x, y, d: (x, y, d, {"magnitude": 1e300}),
    "unknown_parameter": lambda x, y, d: (x, y, d, {"gamma": 1.0}),
    "generator_and_seed": lambda x, y, d: (x, y, d, {"generator": torch.Generator(), "seed": 1}),
    "bad_seed": lambda x, y, d: (x, y, d, {"seed": 1.5}),
    "bad_progress": lambda x, y, d: (x, y, d, {"progress": "yes"}),
    "missing_derivative": lambda x, y, d: (x, y, None, {}),
}
#: (name, case) pairs that do not apply: Spec-Den takes any channels, no labels, no derivative;
#: only Out-Sign-Grad reads labels.
NOT_APPLICABLE = {("spec_den", "wrong_channels"), ("spec_den", "missing_derivative")} | {
    (n, "float_labels") for n in NAMES if n != "out_sign_grad"}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("name", NAMES)
def test_bad_input_raises_augment_error(name, case):
    if (name, case) in NOT_APPLICABLE:
        pytest.skip(f"{case} does not apply to {name}")
    x, y, dzdt, model = setup()
    xb, yb, db, kw = BAD[case](x, y, dzdt)
    params = dict(PARAMS[name])
    if kw.pop("magnitude", None) is not None:
        if not {"beta", "eps_max"} & set(AUGMENTATION_PARAMS[name]):
            pytest.skip(f"{name} has no magnitude in signal units")
        key = "beta" if "beta" in AUGMENTATION_PARAMS[name] else "eps_max"
        params[key] = 1e300
    with pytest.raises(AugmentError):
        augment(name, xb, yb, model=model, derivative=db, **params, **kw)


@pytest.mark.parametrize("name", NAMES)
def test_progress_reaches_one(name):
    x, y, dzdt, model = setup()
    calls: list[float] = []
    run(name, x, y, dzdt, model, progress=lambda f, m: calls.append(float(f)))
    assert calls and all(0.0 <= f <= 1.0 for f in calls)
    assert all(b >= a for a, b in zip(calls, calls[1:])) and calls[-1] == pytest.approx(1.0)


def test_fit_odenet_result_and_progress():
    from tsviz.augment import fit_odenet

    x, *_ = setup()
    calls: list[float] = []
    fit = fit_odenet(x, epochs=2, hidden=4, batch_size=64, max_pairs=256, seed=0,
                     progress=lambda f, m: calls.append(float(f)))
    assert calls[-1] == pytest.approx(1.0) and all(0 <= f <= 1 for f in calls)
    assert isinstance(fit.history, np.ndarray) and not fit.history.flags.writeable
    assert fit.summary()["epochs"] == 2
    again = fit_odenet(x, epochs=2, hidden=4, batch_size=64, max_pairs=256, seed=0)
    assert np.array_equal(fit.history, again.history)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", NAMES)
def test_cuda(name):
    x, y, dzdt, model = setup()
    out = run(name, x.cuda(), y.cuda(), dzdt.cuda(), model.cuda(), seed=2)
    assert out.device.type == "cuda" and out.shape == x.shape
    cpu = run(name, x, y, dzdt, model.cpu(), seed=2)
    torch.testing.assert_close(out.cpu(), cpu, atol=1e-4, rtol=0)  # draws are made on the CPU generator
