"""ODENet fitting objectives (Sarkar, Sunder Raj & Iyengar, "ODE guided Neural Data Augmentation
Techniques for Time Series Data and its Benefits on Robustness", ICMLA 2020, section II-A eq. 2):
the paper's rollout beside tsviz's one-step (teacher-forced) default, checked by hand on linear ODEs."""
from __future__ import annotations

import math

import pytest
import torch

from tsviz.augment import AugmentError, fit_odenet
from tsviz.augment.odenet import (
    MIN_ROLLOUT_ROWS,
    ODE_OBJECTIVES,
    ODENET_PRESETS,
    ode_loss,
    ode_predictions,
    rows_batch_norm,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: Section II-A: "We predict the values of z(t_1), ..., z(t_n) by iteratively following 2. The value
#: predicted at time step t_i is treated as the initial value for the computation of z(t_i+1)";
#: "Adam optimizer with a learning rate of 0.0003 and weight decay factor of 10^-3". Section III-A1:
#: "two hidden layers of 25 neurons".
PAPER = {"objective": "rollout", "lr": 3e-4, "weight_decay": 1e-3, "hidden": 25}


def _rows(m=3, T=6, seed=0):
    return torch.randn(m, T, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_the_paper_preset_is_the_papers_setting():
    assert ODENET_PRESETS == {"paper": PAPER}
    assert ODE_OBJECTIVES == ("one_step", "rollout")
    x = torch.sin(torch.arange(20.0) / 3).expand(2, 1, 20).clone()
    fit = fit_odenet(x, preset="paper", epochs=1, seed=0, device="cpu")
    assert {k: fit.params[k] for k in PAPER} == PAPER and fit.params["preset"] == "paper"
    assert fit.odenet.card["fit"]["objective"] == "rollout"
    assert fit_odenet(x, epochs=1, seed=0, device="cpu").params["objective"] == "one_step"  # the default


@pytest.mark.parametrize("a,dt", [(-0.3, 1.0), (0.2, 0.5)])
def test_euler_rollout_is_the_hand_iterated_linear_ode(a, dt):
    z = _rows()
    f = lambda v, t: a * v  # noqa: E731 - dz/dt = a z
    pred = ode_predictions(f, z, objective="rollout", dt=dt, method="euler")
    i = torch.arange(1, z.shape[1], dtype=z.dtype)
    hand = z[:, :1] * (1 + a * dt) ** i  # z_i = z_{i-1} + dt * a z_{i-1}, from z_0 onwards
    assert torch.allclose(pred, hand, rtol=1e-12, atol=1e-12)
    loss = ode_loss(f, z, objective="rollout", dt=dt, method="euler")
    by_hand = sum((z[r, 0] * (1 + a * dt) ** k - z[r, k]) ** 2 for r in range(3) for k in range(1, 6)) / 15
    assert float(loss) == pytest.approx(float(by_hand), rel=1e-12)


def test_euler_one_step_starts_from_the_true_sample():
    z, a = _rows(), -0.3
    pred = ode_predictions(lambda v, t: a * v, z, objective="one_step", method="euler")
    assert torch.allclose(pred, z[:, :-1] * (1 + a), rtol=1e-12, atol=1e-12)


def test_rk4_rollout_is_the_taylor_polynomial_to_the_power_i():
    z, h = _rows(), -0.25
    pred = ode_predictions(lambda v, t: h * v, z, objective="rollout", method="rk4")
    growth = 1 + h + h**2 / 2 + h**3 / 6 + h**4 / 24  # one RK4 step of dz/dt = h z, dt = 1
    i = torch.arange(1, z.shape[1], dtype=z.dtype)
    assert torch.allclose(pred, z[:, :1] * growth**i, rtol=1e-12, atol=1e-12)


def test_rollout_passes_absolute_times():
    z, dt = _rows(T=5), 0.5
    pred = ode_predictions(lambda v, t: torch.ones_like(v) * t, z, objective="rollout", dt=dt, method="euler")
    # dz/dt = t: z_i = z_0 + sum_{k < i} t_k dt with t_k = k dt
    hand = torch.stack([z[:, 0] + sum(k * dt * dt for k in range(i)) for i in range(1, 5)], 1)
    assert torch.allclose(pred, hand)


def test_fit_reports_the_rollout_loss_it_minimises():
    """With a negligible learning rate the first epoch's loss is the initial network's rollout MSE
    (BatchNorm on the batch's samples at all times), divided by the error of predicting no change
    (one batch: fewer rows than MIN_ROLLOUT_ROWS)."""
    x = torch.sin(torch.arange(24.0)[None, None, :] / 4 + torch.arange(5.0)[:, None, None])
    fit = fit_odenet(x, objective="rollout", epochs=1, lr=1e-12, seed=0, device="cpu")
    rows = x.reshape(5, 24)
    assert rows.shape[0] < MIN_ROLLOUT_ROWS
    with torch.no_grad(), rows_batch_norm(fit.odenet, rows) as net:
        raw = float(ode_loss(net, rows, objective="rollout"))
    drift = float((rows[:, 1:] - rows[:, :1]).pow(2).mean())
    assert fit.history[0] == pytest.approx(raw / drift, rel=1e-4)
    assert fit.params["n_pairs"] == 5 * 23


def test_rollout_fit_learns_and_is_seed_reproducible():
    t = torch.arange(40.0)
    x = torch.stack([torch.sin(2 * math.pi * t / 40 + p) for p in (0.0, 0.5, 1.0, 1.5)])[:, None, :]
    a = fit_odenet(x, objective="rollout", epochs=60, lr=3e-3, method="euler", seed=3, device="cpu")
    b = fit_odenet(x, objective="rollout", epochs=60, lr=3e-3, method="euler", seed=3, device="cpu")
    assert a.history[-1] < 0.6 * a.history[0]  # measured: 0.67 -> 0.29
    for (k, va), vb in zip(a.odenet.state_dict().items(), b.odenet.state_dict().values()):
        assert torch.equal(va, vb), k


def test_rows_batch_norm_uses_the_rows_statistics_and_updates_the_running_averages():
    x = torch.randn(6, 1, 10, generator=torch.Generator().manual_seed(1))
    net = fit_odenet(x, epochs=1, seed=0, device="cpu").odenet
    bn = net.net[1]
    before = bn.running_mean.clone()
    rows = x.reshape(6, 10) * 3 + 1
    t = torch.arange(10.0)
    with torch.no_grad():
        inp = torch.stack([(rows - net.z_loc) / net.z_scale, (t / net.t_scale).expand(6, 10)], -1).reshape(-1, 2)
        pre = net.net[0](inp)  # what the first BatchNorm sees: every sample of every row
    with rows_batch_norm(net, rows) as inside:
        assert not inside.training
        assert torch.allclose(bn.running_mean, pre.mean(0), atol=1e-5)
    assert net.training
    assert torch.allclose(bn.running_mean, 0.9 * before + 0.1 * pre.mean(0), atol=1e-5)


def test_max_pairs_keeps_whole_rows():
    x = torch.randn(40, 1, 11, generator=torch.Generator().manual_seed(0))
    fit = fit_odenet(x, objective="rollout", epochs=1, max_pairs=100, seed=0, device="cpu")
    assert fit.params["n_pairs"] == (100 // 10) * 10


def test_bad_objective_and_preset_conflicts_raise():
    x = torch.randn(3, 1, 8)
    for kw in ({"objective": "teacher"}, {"objective": None}, {"preset": "sarkar"},
               {"preset": "paper", "objective": "one_step"}, {"preset": "paper", "lr": 1e-3},
               {"preset": "paper", "hidden": 32}):
        with pytest.raises(AugmentError):
            fit_odenet(x, epochs=1, **kw)
    fit_odenet(x, epochs=1, preset="paper", lr=3e-4, objective="rollout", device="cpu")  # agreeing: fine
    with pytest.raises(AugmentError, match="objective"):
        ode_predictions(lambda v, t: v, torch.zeros(2, 4), objective="rolling")
    with pytest.raises(AugmentError, match="T >= 2"):
        ode_predictions(lambda v, t: v, torch.zeros(2, 1), objective="rollout")
