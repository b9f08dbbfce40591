"""ODENet (Sarkar et al. 2020, section II-A eq. 1-3, III-A1): fit, derivative, save/load, rules."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tsviz.augment import ODEFit, ODENet, derivative, fit_odenet, load_odenet, save_odenet

REPO = Path(__file__).resolve().parents[2]
T, PERIOD = 50, 50.0


#: tiny networks: thread start-up costs more than it saves
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sine(n=4):
    t = torch.arange(T, dtype=torch.float32)
    x = torch.sin(2 * math.pi * t / PERIOD).expand(n, 1, T).clone()
    dxdt = (2 * math.pi / PERIOD) * torch.cos(2 * math.pi * t / PERIOD).expand(n, 1, T)
    return x, dxdt


@pytest.fixture(scope="module")
def sine_fit():
    x, _ = _sine()
    # full batch (196 pairs), 300 Adam steps; a larger lr than the paper's 3e-4 keeps this fast
    return fit_odenet(x, epochs=300, lr=3e-3, batch_size=256, seed=0, device="cpu")


def test_architecture_matches_paper():
    net = ODENet()
    layers = [type(m).__name__ for m in net.net]
    assert layers == ["Linear", "BatchNorm1d", "ELU", "Linear", "BatchNorm1d", "ELU", "Linear"]
    assert net.net[0].in_features == 2 and net.net[0].out_features == 25 and net.net[-1].out_features == 1
    z = torch.randn(3, 4, 5)
    assert net.eval()(z, torch.arange(5.0)).shape == (3, 4, 5)


def test_learns_sine_derivative(sine_fit):
    x, dxdt = _sine()
    assert isinstance(sine_fit, ODEFit)
    assert not sine_fit.odenet.training
    assert sine_fit.history.shape == (300,) and sine_fit.history[-1] < 0.1 * sine_fit.history[0]
    d = derivative(sine_fit.odenet, x)
    assert d.shape == x.shape and d.dtype == x.dtype and not d.requires_grad
    rel = float(((d - dxdt).pow(2).mean() / dxdt.pow(2).mean()).sqrt())
    assert rel < 0.15, rel
    s = sine_fit.summary()
    assert s["epochs"] == 300 and s["n_pairs"] == 4 * (T - 1) and s["dt"] == 1.0


def test_fs_sets_time_unit(sine_fit):
    # same data fitted in seconds (fs = 10 Hz): dz/dt in units per second, 10x the per-step value
    x, dxdt = _sine()
    fit = fit_odenet(x, fs=10.0, epochs=300, lr=3e-3, batch_size=256, seed=0, device="cpu")
    assert float(fit.odenet.dt) == pytest.approx(0.1)
    d = derivative(fit.odenet, x) / 10.0
    rel = float(((d - dxdt).pow(2).mean() / dxdt.pow(2).mean()).sqrt())
    assert rel < 0.15, rel


def test_save_load_round_trip(sine_fit, tmp_path):
    x, _ = _sine()
    path = save_odenet(sine_fit.odenet, tmp_path / "ode" / "sine", card={"dataset": "sine"})
    assert path.suffix == ".safetensors" and (tmp_path / "ode" / "sine.json").exists()
    net = load_odenet(tmp_path / "ode" / "sine")
    assert isinstance(net, ODENet) and not net.training
    assert net.card["dataset"] == "sine" and net.card["arch"] == "odenet" and net.card["hparams"] == {"hidden": 25}
    assert torch.equal(derivative(net, x), derivative(sine_fit.odenet, x))


def test_load_rejects_bad_files(tmp_path):
    with pytest.raises(ValueError, match="card not found"):
        load_odenet(tmp_path / "missing")
    (tmp_path / "m.json").write_text('{"arch": "resnet", "hparams": {}}')
    with pytest.raises(ValueError, match="not an ODENet card"):
        load_odenet(tmp_path / "m")


def test_fit_is_deterministic_and_leaves_global_rng():
    x, _ = _sine(2)
    state = torch.random.get_rng_state()
    a = fit_odenet(x, epochs=3, batch_size=32, seed=7, device="cpu")
    b = fit_odenet(x, epochs=3, batch_size=32, seed=7, device="cpu")
    c = fit_odenet(x, epochs=3, batch_size=32, seed=8, device="cpu")
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_array_equal(a.history, b.history)
    for (k, va), vb in zip(a.odenet.state_dict().items(), b.odenet.state_dict().values()):
        assert torch.equal(va, vb), k
    assert not torch.equal(derivative(a.odenet, x), derivative(c.odenet, x))


def test_derivative_restores_mode_and_default_epochs():
    x, _ = _sine(2)
    calls = []
    fit = fit_odenet(x, epochs=2, batch_size=64, seed=0, device="cpu", progress=lambda f, m: calls.append(f))
    assert calls == [0.5, 1.0]
    net = fit.odenet.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    derivative(net, x)
    assert net.training
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k  # eval mode: BatchNorm running stats untouched
    # default epochs aim at about DEFAULT_ODE_STEPS optimizer steps
    from tsviz.augment.odenet import DEFAULT_ODE_STEPS, MAX_ODE_EPOCHS, default_epochs
    assert default_epochs(1863, 256) == math.ceil(DEFAULT_ODE_STEPS / 8)
    assert default_epochs(10**6, 256) == 1
    assert default_epochs(2, 256) == min(MAX_ODE_EPOCHS, DEFAULT_ODE_STEPS)


def test_max_pairs_subsamples():
    x, _ = _sine(4)
    fit = fit_odenet(x, epochs=1, batch_size=64, max_pairs=100, seed=0, device="cpu")
    assert fit.params["n_pairs"] == 100


@pytest.mark.parametrize("kwargs, name", [
    ({"epochs": 0}, "epochs"), ({"epochs": 10_000}, "epochs"), ({"lr": 0.0}, "lr"),
    ({"weight_decay": -1.0}, "weight_decay"), ({"batch_size": 1}, "batch_size"), ({"dt": -1.0}, "dt"),
    ({"fs": 0.0}, "fs"), ({"dt": 1.0, "fs": 2.0}, "fs"), ({"method": "dopri5"}, "method"),
    ({"max_pairs": 10**9}, "max_pairs"), ({"hidden": 0}, "hidden"), ({"seed": -1}, "seed"),
])
def test_fit_rejects_bad_arguments(kwargs, name):
    x, _ = _sine(1)
    with pytest.raises(ValueError, match=name):
        fit_odenet(x, **kwargs)


def test_fit_rejects_bad_series():
    with pytest.raises(ValueError, match="X"):
        fit_odenet(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="T=1"):
        fit_odenet(torch.zeros(3, 1, 1))
    with pytest.raises(ValueError, match="NaN"):
        fit_odenet(torch.full((2, 1, 4), float("nan")))
    with pytest.raises(ValueError, match="odenet"):
        derivative(torch.nn.Linear(2, 1), torch.zeros(1, 1, 4))
    with pytest.raises(ValueError, match="x must have shape"):
        derivative(ODENet().eval(), torch.zeros(4))


def test_import_does_not_load_torchdiffeq():
    code = "import sys, tsviz.augment; assert 'torchdiffeq' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
