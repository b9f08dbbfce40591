"""Hostile inputs to every augmentation and to the ODENet (issue 12, item 4): each gets a clear
:class:`AugmentError` (a TsvizError and a ValueError, never an AttackError leaking from the shared
checks) naming the problem, or a correct result. ``beta = 1e300`` used to overflow In-Clamp-Grad."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from tsviz.attacks import AttackError
from tsviz.augment import (
    AUGMENTATION_PARAMS,
    AUGMENTATIONS,
    AugmentError,
    ODENet,
    augment,
    fit_odenet,
    load_odenet,
    save_odenet,
)
from tsviz.core import TsvizError
from tsviz.models import build

N, C, T, K = 4, 1, 32, 3
#: the augmentation magnitudes in signal units (checked against the data's scale)
MAGNITUDES = [(name, p) for name in AUGMENTATIONS for p in AUGMENTATION_PARAMS[name] if p in ("beta", "eps_max")]
#: the fractions of spec_den
FRACTIONS = [("spec_den", "energy"), ("spec_den", "share")]


@pytest.fixture(scope="module")
def model():
    return build("mlp", C, K, T, seed=0).eval()


@pytest.fixture(scope="module")
def data():
    x = np.random.default_rng(0).standard_normal((N, C, T)).astype(np.float32)
    return x, np.array([0, 1, 2, 0]), np.gradient(x, axis=-1)


def nan_model():
    m = build("mlp", C, K, T, seed=0).eval()
    with torch.no_grad():
        next(m.parameters()).fill_(float("nan"))
    return m


def call(name, x, y, model, dzdt, **kw):
    return augment(name, x, y, model=model, derivative=None if name == "spec_den" else dzdt,
                   generator=torch.Generator().manual_seed(0), **kw)


@pytest.mark.parametrize("name, param", MAGNITUDES)
def test_magnitude_1e300_names_the_limit(name, param, model, data):
    x, y, d = data
    with pytest.raises(AugmentError, match=rf"{param} = 1e\+300 is far beyond the data's scale.*use at most"):
        call(name, x, y, model, d, **{param: 1e300})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
@pytest.mark.parametrize("name, param", MAGNITUDES + FRACTIONS)
def test_bad_parameters(name, param, value, model, data):
    x, y, d = data
    with pytest.raises(AugmentError, match=param):
        call(name, x, y, model, d, **{param: value})


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_torch_float64_works_and_gives_float32(name, model, data):
    x, y, d = data
    a = call(name, torch.tensor(x, dtype=torch.float64), y, model, d)
    b = call(name, torch.tensor(x), y, model, d)
    assert a.dtype == torch.float32
    torch.testing.assert_close(a, b)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_complex_and_beyond_float32_refused(name, model, data):
    x, y, d = data
    with pytest.raises(AugmentError, match="complex"):
        call(name, x.astype(np.complex64), y, model, d)
    big = x.astype(np.float64)
    big[0, 0, 0] = 1e300
    with pytest.raises(AugmentError, match="float32's range"):
        call(name, big, y, model, d)


@pytest.mark.parametrize("name", [n for n in AUGMENTATIONS if n != "spec_den"])
def test_bad_dzdt(name, model, data):
    x, y, d = data
    with pytest.raises(AugmentError, match="derivative"):
        call(name, x, y, model, d * np.nan)
    with pytest.raises(AugmentError, match="derivative"):
        call(name, x, y, model, d.astype(np.complex64))
    with pytest.raises(AugmentError, match="derivative"):
        call(name, x, y, model, d[:, :, :-1])


def test_out_sign_grad_model_and_labels(model, data):
    x, y, d = data
    with pytest.raises(AugmentError, match=r"x has 2 channel\(s\) but the model expects 1"):
        call("out_sign_grad", np.zeros((N, 2, T), np.float32), y, model, np.zeros((N, 2, T)))
    with pytest.raises(AugmentError, match="integer class labels"):
        call("out_sign_grad", x, y.astype(np.float64) + 0.5, model, d)
    with pytest.raises(AugmentError, match="NaN/Inf logits for series 0"):
        call("out_sign_grad", x, y, nan_model(), d)


@pytest.mark.parametrize("name", [n for n in AUGMENTATIONS if n != "spec_den"])
def test_nan_odenet_refused(name, model, data):
    x, y, _ = data
    odenet = ODENet(4).eval()
    with torch.no_grad():
        next(odenet.parameters()).fill_(float("nan"))
    with pytest.raises(AugmentError, match="the ODENet returns NaN/Inf dz/dt for series 0"):
        call(name, x, y, model, odenet)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_cost_over_the_cap(name, model, data, monkeypatch):
    x, y, d = data
    monkeypatch.setenv("TSVIZ_MAX_COST", "3")  # 4 series
    with pytest.raises(AugmentError, match=r"over the cap of 3; lower series.*TSVIZ_MAX_COST"):
        call(name, x, y, model, d)


def test_errors_are_augment_errors_not_attack_errors(data):
    x, _, d = data
    for kwargs in ({"beta": "big"}, {"generator": 3}):
        with pytest.raises(AugmentError) as e:
            augment("rand_grad", x, derivative=d, **kwargs)
        assert not isinstance(e.value, AttackError)
    assert issubclass(AugmentError, TsvizError) and issubclass(AugmentError, ValueError)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_seed_reproducible_and_model_untouched(name, model, data):
    x, y, d = data
    model.train()
    flags = [p.requires_grad for p in model.parameters()]
    torch.testing.assert_close(call(name, x, y, model, d), call(name, x, y, model, d), rtol=0, atol=0)
    assert model.training and [p.requires_grad for p in model.parameters()] == flags
    model.eval()


# --------------------------------------------------------------------------- ODENet
def test_fit_odenet_hostile(data, monkeypatch):
    x, _, _ = data
    with pytest.raises(AugmentError, match="complex"):
        fit_odenet(x.astype(np.complex128), epochs=1)
    for kw in ({"dt": 1e300}, {"fs": 1e-300}, {"dt": 1e-300}):
        with pytest.raises(AugmentError, match="sampling step dt"):
            fit_odenet(x, epochs=1, **kw)
    # cost in series-equivalents: 2 epochs x 4 series x 4 rk4 evaluations = 32
    monkeypatch.setenv("TSVIZ_MAX_COST", "31")
    with pytest.raises(AugmentError, match=r"epochs 2 x series .* 4 x evaluations per step \(rk4\) 4"):
        fit_odenet(x, epochs=2)
    monkeypatch.setenv("TSVIZ_MAX_COST", "32")
    fit = fit_odenet(torch.tensor(x, dtype=torch.float64), epochs=2)
    assert np.isfinite(fit.history).all()


def test_load_odenet_refuses_nan_weights(tmp_path, data):
    from tsviz.models.checkpoint import CheckpointError

    odenet = fit_odenet(data[0], epochs=1).odenet
    with torch.no_grad():
        odenet.net[0].weight[0, 0] = float("nan")
    save_odenet(odenet, tmp_path / "bad")
    with pytest.raises(CheckpointError, match=r"bad.safetensors: tensor 'net.0.weight' contains NaN"):
        load_odenet(tmp_path / "bad")


def test_load_odenet_refuses_a_fifo_card_and_deep_json_without_blocking(tmp_path):
    import os

    from tsviz.augment.odenet import load_odenet
    from tsviz.models.checkpoint import CheckpointError

    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "fifo.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match="FIFO"):
        load_odenet(tmp_path / "fifo")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match="deeper"):
        load_odenet(tmp_path / "deep")
