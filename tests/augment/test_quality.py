"""tsviz.augment.quality: the loss ratio and relative RMSE of an ODENet, checked by hand on fields
with a known dz/dt, the warning thresholds, zero denominators and bad inputs (issue 18, defect 10)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tsviz.augment import AugmentError, ODENet, ODEQuality, odenet_quality, quality_warnings
from tsviz.augment.quality import LOSS_RATIO_WARN, RELATIVE_RMSE_WARN

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Field(ODENet):
    """An ODENet whose dz/dt is a given function of ``(z, t)`` (the quality only calls it)."""

    def __init__(self, fn, *, dt: float = 1.0, method: str | None = None) -> None:
        super().__init__()
        self.fn = fn
        self.dt.fill_(dt)
        if method is not None:
            self.card = {"fit": {"method": method}}

    def forward(self, z, t):
        z, t = torch.broadcast_tensors(z, torch.as_tensor(t, dtype=z.dtype))
        return self.fn(z, t)


def constant(rate: float) -> Field:
    return Field(lambda z, t: torch.full_like(z, rate))


def ramp(n: int = 3, T: int = 10, slope: float = 0.5) -> np.ndarray:
    """``n`` copies of ``z(t_i) = slope * i + 1``: every one-step change and every central difference
    (np.gradient, edges included) is ``slope``."""
    return np.tile((slope * np.arange(T) + 1.0).astype(np.float32), (n, 1, 1))


# ----------------------------------------------------------------------------- by hand
def test_the_exact_field_scores_zero():
    q = odenet_quality(constant(0.5), ramp())
    assert isinstance(q, ODEQuality)
    assert q.loss_ratio == pytest.approx(0.0, abs=1e-12) and q.relative_rmse == pytest.approx(0.0, abs=1e-12)
    assert (q.n_series, q.n_pairs) == (3, 3 * 9) and q.warnings() == []


def test_dz_dt_zero_is_exactly_no_change():
    q = odenet_quality(constant(0.0), ramp())
    assert q.loss_ratio == pytest.approx(1.0) and q.relative_rmse == pytest.approx(1.0)
    assert len(q.warnings()) == 2  # both at their threshold: both warn


def test_half_the_slope():
    # one step predicts z0 + 0.25 for z0 + 0.5: error 0.25^2 against "no change" 0.5^2 -> 0.25;
    # dz/dt 0.25 against the central difference 0.5 -> relative RMSE |0.25 - 0.5| / 0.5 = 0.5
    q = odenet_quality(constant(0.25), ramp())
    assert q.loss_ratio == pytest.approx(0.25) and q.relative_rmse == pytest.approx(0.5)
    # twice the slope overshoots by as much: (1 - 0.5)^2 / 0.5^2 = 1, |1 - 0.5| / 0.5 = 1
    q = odenet_quality(constant(1.0), ramp())
    assert q.loss_ratio == pytest.approx(1.0) and q.relative_rmse == pytest.approx(1.0)


def test_the_sampling_step_sets_the_time_unit():
    # fitted in seconds with dt = 0.5: the slope is 0.5 per step = 1.0 per second
    net = Field(lambda z, t: torch.ones_like(z), dt=0.5)
    q = odenet_quality(net, ramp())
    assert q.loss_ratio == pytest.approx(0.0, abs=1e-12) and q.relative_rmse == pytest.approx(0.0, abs=1e-12)


def test_the_solver_is_the_fits():
    # dz/dt = z on z(t_i) = 2^i: one Euler step from z0 gives 2 z0, exactly the next sample; rk4
    # gives z0 (1 + 1 + 1/2 + 1/6 + 1/24), too much
    x = (2.0 ** np.arange(8, dtype=np.float32))[None, None]
    euler = odenet_quality(Field(lambda z, t: z.clone(), method="euler"), x)
    rk4 = odenet_quality(Field(lambda z, t: z.clone()), x)
    assert euler.loss_ratio == pytest.approx(0.0, abs=1e-12)
    assert rk4.loss_ratio == pytest.approx((1 / 2 + 1 / 6 + 1 / 24) ** 2, rel=1e-5)


def test_at_most_max_pairs_enter_the_loss_ratio():
    x = ramp(n=4, T=26)  # 100 pairs
    assert odenet_quality(constant(0.25), x).n_pairs == 100
    q = odenet_quality(constant(0.25), x, max_pairs=7)
    assert q.n_pairs == 7 and q.loss_ratio == pytest.approx(0.25)  # every pair has the same error
    assert odenet_quality(constant(0.25), x, max_pairs=7) == q  # evenly spaced: no randomness


def test_the_network_keeps_its_mode_and_the_card_summary_is_json():
    import json

    net = constant(0.25).train()
    q = odenet_quality(net, torch.as_tensor(ramp()))
    assert net.training
    assert json.loads(json.dumps(q.summary())) == {"loss_ratio": pytest.approx(0.25), "relative_rmse":
                                                   pytest.approx(0.5), "n_series": 3, "n_pairs": 27}


# ----------------------------------------------------------------------------- zero denominators
def test_constant_series_where_no_change_is_exact():
    """Constant series: "no change" is exact and the slope is 0, so both denominators are 0. An
    exact field scores 0.0 (no warning); any error scores inf (warns), never NaN. Before the fix an
    exact field scored inf / inf and drew two warnings."""
    flat = np.full((2, 1, 10), 3.0, dtype=np.float32)
    exact = odenet_quality(constant(0.0), flat)
    assert (exact.loss_ratio, exact.relative_rmse) == (0.0, 0.0) and exact.warnings() == []
    wrong = odenet_quality(constant(0.1), flat)
    assert (wrong.loss_ratio, wrong.relative_rmse) == (math.inf, math.inf) and len(wrong.warnings()) == 2


# ----------------------------------------------------------------------------- warnings
@pytest.mark.parametrize(("ratio", "rel", "warned"), [
    (0.5, 0.5, ()), (0.89, 0.99, ()),
    (LOSS_RATIO_WARN, 0.5, ("Loss ratio 0.90",)), (0.95, 0.5, ("Loss ratio 0.95",)),
    (0.5, RELATIVE_RMSE_WARN, ("Relative RMSE 1.00",)),
    (0.95, 1.07, ("Loss ratio 0.95", "Relative RMSE 1.07")),  # the issue's poor fit
    (math.inf, math.inf, ("Loss ratio inf", "Relative RMSE inf")),
    (math.nan, 0.5, ("Loss ratio nan",)),  # not measurable: warn rather than reassure
])
def test_quality_warnings_thresholds(ratio, rel, warned):
    out = quality_warnings(ratio, rel)
    assert len(out) == len(warned) and all(o.startswith(w) for o, w in zip(out, warned))
    if out:
        assert any("epochs" in o for o in out)  # each says what to do


def test_the_issue_poor_fit_reads_in_words():
    (rmse,) = quality_warnings(0.84, 1.07)  # the issue's net: loss ratio 0.84 passes, 1.07 does not
    assert "Relative RMSE 1.07" in rmse and "no closer to the series' own slope than zero" in rmse
    (loss,) = quality_warnings(0.95, 0.5)
    assert "Loss ratio 0.95" in loss and 'barely better than "no change"' in loss


@pytest.mark.parametrize(("ratio", "rel", "name"), [("0.9", 0.5, "loss_ratio"), (None, 0.5, "loss_ratio"),
                                                    (0.5, True, "relative_rmse"), (0.5, [1.0], "relative_rmse")])
def test_quality_warnings_refuses_what_is_not_a_number(ratio, rel, name):
    with pytest.raises(AugmentError, match=name):
        quality_warnings(ratio, rel)


# ----------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(("X", "match"), [
    (np.full((2, 1, 10), np.nan, dtype=np.float32), "X contains NaN"),
    (np.zeros((2, 10), dtype=np.float32), r"X must have shape \(n, channels, T\)"),
    (np.zeros((2, 1, 2), dtype=np.float32), "X needs at least 3 time steps"),
    (np.zeros((0, 1, 10), dtype=np.float32), "X is empty"),
    (np.array([["a"]]), "X must be real numbers"),
    ((1 + 1j) * np.ones((1, 1, 5)), "X is complex"),
])
def test_bad_series_name_x(X, match):
    with pytest.raises(AugmentError, match=match):
        odenet_quality(constant(0.0), X)


def test_bad_network_and_max_pairs():
    with pytest.raises(AugmentError, match="odenet must be an ODENet"):
        odenet_quality(torch.nn.Linear(2, 1), ramp())  # type: ignore[arg-type]
    for bad in (0, -1, 1.5, True, 10**9):
        with pytest.raises(AugmentError, match="max_pairs"):
            odenet_quality(constant(0.0), ramp(), max_pairs=bad)


@pytest.mark.parametrize("fit", [None, "rk4", 3, ["euler"], {"method": "no-such-solver"}])
def test_a_card_with_an_odd_fit_entry_falls_back_to_rk4(fit):
    """A loaded card's ``fit`` that is not a dict (hostile or old card) used to raise AttributeError."""
    net = Field(lambda z, t: z.clone())
    net.card = {"fit": fit}
    x = (2.0 ** np.arange(8, dtype=np.float32))[None, None]
    assert odenet_quality(net, x).loss_ratio == pytest.approx(odenet_quality(Field(lambda z, t: z.clone()), x)
                                                              .loss_ratio)
