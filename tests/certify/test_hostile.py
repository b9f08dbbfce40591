"""Hostile and careless inputs to certification (issue 12): every case is a regression test.

Non-finite model outputs, non-finite weights, absurd sigma, wrong shapes and dtypes, float labels,
a soundness check against other inputs than the certified ones, and the total-cost cap.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
import torch
from helpers import ConstantLogits, NaNLogits, assert_model_untouched, model_state
from linear_toy import T, toy_model, toy_x

from tsviz.certify import (
    ABSTAIN,
    CertifyCostError,
    CertifyError,
    CertResult,
    Smoothed,
    average_certified_radius,
    binomial_masks,
    certified_accuracy,
)
from tsviz.certify.ablation import ablation
from tsviz.certify.attack_rate import attack_success_rates
from tsviz.certify.compare import CertConfig, certify_configs
from tsviz.certify.margins import noise_margins
from tsviz.certify.smoothing import REASON_LOW_PA, REASON_NONFINITE
from tsviz.certify.soft import SoftSmoothed
from tsviz.certify.soundness import soundness_check
from tsviz.core import CostError, TsvizError, check_cost

NAN = float("nan")


def nan_logits() -> NaNLogits:
    """Logits are NaN for every input (two classes, series of length T)."""
    return NaNLogits(K=2, C=1, T=T)


class InfWhenHigh(torch.nn.Module):
    """The linear toy model, but +inf logits whenever the (noisy) first sample exceeds 1.5."""

    def __init__(self):
        super().__init__()
        self.m = toy_model()

    def forward(self, x):
        z = self.m(x)
        return torch.where((x[:, 0, 0] > 1.5)[:, None], torch.full_like(z, float("inf")), z)


class NaNUnderNoise(torch.nn.Module):
    """Finite on the clean series (first sample exactly 0), NaN on every noisy draw."""

    def __init__(self):
        super().__init__()
        self.m = toy_model()

    def forward(self, x):
        z = self.m(x)
        return torch.where((x[:, 0, 0] != 0)[:, None], torch.full_like(z, NAN), z)


def constant() -> ConstantLogits:
    """Ignores its input: logits (1, 0)."""
    return ConstantLogits((1.0, 0.0), C=1, T=T)


@pytest.fixture
def x():
    return toy_x()


@pytest.fixture
def y():
    return np.zeros(12, dtype=np.int64)


def test_error_class_is_exported_and_a_value_error():
    assert issubclass(CertifyError, TsvizError) and issubclass(CertifyError, ValueError)
    assert issubclass(CertifyCostError, CertifyError) and issubclass(CertifyCostError, CostError)


# --------------------------------------------------------------------------- non-finite model output
@pytest.mark.parametrize("call", ["certify", "counts", "predict", "scores"])
def test_nan_logits_model_is_refused(x, call):
    """Before: certified as class 0 with a positive radius."""
    s = Smoothed(nan_logits(), 0.5)
    with pytest.raises(CertifyError, match="NaN or Inf on every clean series"):
        {"certify": lambda: s.certify(x, n0=10, n=20), "counts": lambda: s.counts(x, 20),
         "predict": lambda: s.predict(x, n=20), "scores": lambda: s.scores(x, 20)}[call]()


def test_nan_weights_are_refused(x):
    """Before: a checkpoint with NaN weights was certified (radius 0.456 mV)."""
    m = toy_model()
    with torch.no_grad():
        m.lin.weight[0, 3] = NAN
    with pytest.raises(CertifyError, match=r"parameter 'lin.weight' of the model contains NaN or Inf"):
        Smoothed(m, 0.5).certify(x, n0=10, n=20)
    with pytest.raises(CertifyError, match="ensemble member 1"):
        Smoothed([toy_model(), m], 0.5).predict(x, n=20)


def test_nan_on_every_noisy_draw_is_refused(x):
    xc = x.clone()
    xc[:, 0, 0] = 0.0
    s = Smoothed(NaNUnderNoise(), 0.5)
    with pytest.raises(CertifyError, match="every one of the 30 noise draws"):
        s.certify(xc, n0=10, n=20)
    with pytest.raises(CertifyError, match="every one of the 20 noise draws"):
        s.counts(xc, 20)


def test_inf_on_some_draws_abstains_with_reason(x):
    bad, good = InfWhenHigh(), toy_model()
    r = Smoothed(bad, 0.5).certify(x, n0=20, n=100, seed=0)
    ref = Smoothed(good, 0.5).certify(x, n0=20, n=100, seed=0)
    # Hand check: a draw is non-finite exactly when x[i, 0, 0] + 0.5 * noise > 1.5; the series
    # that had such a draw are those whose counts (finite draws only) differ from the reference.
    hit = r.abstain_reason == REASON_NONFINITE
    assert 0 < hit.sum() < 12
    assert np.all(r.prediction[hit] == ABSTAIN) and np.all(r.radius[hit] == 0.0)
    # series whose draws were all finite get exactly the reference certificate
    np.testing.assert_array_equal(r.prediction[~hit], ref.prediction[~hit])
    np.testing.assert_array_equal(r.radius[~hit], ref.radius[~hit])
    assert set(r.abstain_reason[~hit]) <= {"", REASON_LOW_PA}
    assert np.all((r.abstain_reason == "") == (r.prediction != ABSTAIN))
    assert r.summary()["n_nonfinite"] == int(hit.sum())
    assert list(r.to_frame().columns)[-1] == "abstain_reason"
    # counts: non-finite draws are no votes; the rows they hit sum to less than n
    with pytest.warns(RuntimeWarning, match="not counted"):
        c = Smoothed(bad, 0.5).counts(x, 100, seed=3)
    c_ref = Smoothed(good, 0.5).counts(x, 100, seed=3)
    short = c.sum(1) < 100
    assert short.any() and np.all(c.sum(1)[~short] == 100)
    np.testing.assert_array_equal(c[~short], c_ref[~short])
    # same noise stream: votes only disappear, never move to another class
    assert np.all(c <= c_ref) and np.all(c[short].sum(1) < c_ref[short].sum(1))
    # predict abstains on the series hit; scores are NaN exactly for the draws not counted
    with pytest.warns(RuntimeWarning, match="abstain"):
        p = Smoothed(bad, 0.5).predict(x, n=100, seed=3)
    assert np.all(p[short] == ABSTAIN)
    with pytest.warns(RuntimeWarning):
        s = Smoothed(bad, 0.5).scores(x, 100, seed=3)
    np.testing.assert_array_equal(np.isnan(s).any(-1).sum(1), 100 - c.sum(1))


def test_inf_on_some_draws_in_soft_classifier_and_margins(x):
    soft = SoftSmoothed(Smoothed(InfWhenHigh(), 0.5), 16, torch.Generator().manual_seed(0))
    lp = soft(x)
    assert torch.isfinite(lp).all()
    np.testing.assert_allclose(lp.exp().sum(1).detach(), 1.0, atol=1e-5)
    with pytest.raises(CertifyError, match="all 4 noise draws of series 0"):
        SoftSmoothed(Smoothed(nan_logits(), 0.5), 4, torch.Generator())(x)
    with pytest.warns(RuntimeWarning):
        m = noise_margins(Smoothed(InfWhenHigh(), 0.5), x, 100, seed=3)
    assert np.isnan(m.margin).any() and m.summary()["n_nonfinite"] == int(np.isnan(m.margin).sum())
    assert np.isfinite(m.summary()["margin_mean"])


def test_nan_models_in_attack_rates(x, y):
    with pytest.raises(CertifyError, match="benign model's output is NaN or Inf"):
        attack_success_rates([], x, y, [0.1], benign=nan_logits(), n=10)
    with pytest.raises(CertifyError, match="NaN or Inf on every clean series"):
        attack_success_rates([CertConfig("S", nan_logits(), 0.5)], x, y, [0.1], n=10)


# --------------------------------------------------------------------------- sigma
@pytest.mark.parametrize("sigma,match", [(1e38, "far beyond the data's scale"), (NAN, "finite number"),
                                         (float("inf"), "finite number"), (-0.1, "> 0"), ("0.5", "finite number"),
                                         (True, "finite number")])
def test_absurd_sigma_is_refused(x, sigma, match):
    """Before: sigma = 1e38 certified class 0 with radius 1.5e38."""
    with pytest.raises(CertifyError, match=match):
        Smoothed(toy_model(), sigma).certify(x, n0=10, n=20)
    with pytest.raises(CertifyError, match="sigma"):
        certify_configs([CertConfig("S", toy_model(), sigma)], x, np.zeros(12, int), n0=5, n=5)


def test_normal_sigmas_on_millivolt_data_pass():
    # ECG-like amplitudes in mV (about +-1.5 mV): the sigmas of the paper and the zoo pass.
    x = 0.5 * torch.randn(4, 1, T, generator=torch.Generator().manual_seed(0))
    for sigma in (0.1, 0.25, 0.5, 1.0):
        r = Smoothed(toy_model(), sigma).certify(x, n0=10, n=50)
        assert r.sigma == sigma and np.all(np.isfinite(r.radius))


def test_noise_overflowing_float32_is_refused():
    # |x| near float32's max makes the data's scale (and so the sigma limit) huge; x + noise overflows.
    x = torch.full((2, 1, T), 3e38)
    x[:, :, ::2] = -3e38
    with pytest.raises(CertifyError, match="not finite in float32"):
        Smoothed(constant(), 1e38).counts(x, 10)


# --------------------------------------------------------------------------- series, shapes, labels
def test_torch_float64_is_cast_like_numpy(x):
    s = Smoothed(toy_model(), 0.5)
    a = s.certify(x, n0=10, n=100, seed=1)
    b = s.certify(x.double(), n0=10, n=100, seed=1)
    c = s.certify(x.double().numpy(), n0=10, n=100, seed=1)
    for r in (b, c):
        np.testing.assert_array_equal(a.counts, r.counts)
        assert a.fingerprint == r.fingerprint


@pytest.mark.parametrize("make", [lambda x: x.numpy() + 1j, lambda x: torch.complex(x, x)])
def test_complex_series_are_refused(x, make):
    with pytest.raises(CertifyError, match="complex"):
        Smoothed(toy_model(), 0.5).certify(make(x), n0=5, n=5)


def test_wrong_channel_count_or_length_gives_a_clear_error():
    from tsviz.models import build

    net = build("mlp", 2, 3, 16)
    with pytest.raises(CertifyError, match="x has 1 channel\\(s\\) but the model expects 2"):
        Smoothed(net, 0.5).certify(torch.zeros(2, 1, 16), n0=5, n=5)
    with pytest.raises(CertifyError, match="length 12 but the model expects series of length 16"):
        Smoothed(net, 0.5).counts(torch.zeros(2, 2, 12), 5)
    # a module that does not state its input shape: its own error, wrapped
    conv = torch.nn.Sequential(torch.nn.Conv1d(2, 4, 3), torch.nn.AdaptiveAvgPool1d(1), torch.nn.Flatten(),
                               torch.nn.Linear(4, 3))
    with pytest.raises(CertifyError, match="could not run on x of shape \\(2, 1, 16\\)"):
        Smoothed(conv, 0.5).certify(torch.zeros(2, 1, 16), n0=5, n=5)


def test_float_labels_are_refused_everywhere(x):
    s = Smoothed(toy_model(), 0.5)
    r = s.certify(x, n0=10, n=50)
    yf = np.zeros(12)
    for call in (lambda: certified_accuracy(r, yf, [0.0]), lambda: average_certified_radius(r, torch.zeros(12)),
                 lambda: certify_configs([CertConfig("S", toy_model(), 0.5)], x, yf, n0=5, n=5),
                 lambda: ablation(toy_model(), x, yf, 0.5, sizes=(1,), n0=5, n=5),
                 lambda: attack_success_rates([CertConfig("S", toy_model(), 0.5)], x, yf, [0.1], n=10),
                 lambda: noise_margins(s, x, 10, y=yf)):
        with pytest.raises(CertifyError, match="integer"):
            call()
    with pytest.raises(CertifyError, match=r"y\[0\] = 2 is not a class label in \[0, 2\)"):
        average_certified_radius(r, np.full(12, 2))


def test_attack_budgets_checked_against_the_data(x, y):
    for eps, match in [(1e300, "far beyond the data's scale"), (NAN, "finite number"), ("0.1", "finite number")]:
        with pytest.raises(CertifyError, match=match):
            attack_success_rates([CertConfig("S", toy_model(), 0.5)], x, y, [eps], n=10)


# --------------------------------------------------------------------------- soundness bound to its result
def test_soundness_check_refuses_other_inputs(x):
    m = toy_model()
    s = Smoothed(m, 0.5)
    r = s.certify(x, n0=20, n=200, seed=0)
    assert isinstance(r.fingerprint, str) and len(r.fingerprint) == 64
    with pytest.raises(CertifyError, match="x is not the series result certified"):
        soundness_check(s, x + 0.01, r, directions=1, pgd_steps=0)
    with pytest.raises(CertifyError, match="x is not the series result certified"):
        soundness_check(s, x.flip(0), r, directions=1, pgd_steps=0)
    with pytest.raises(CertifyError, match="sigma"):
        soundness_check(Smoothed(m, 0.25), x, r, directions=1, pgd_steps=0)
    with pytest.raises(CertifyError, match="masks"):
        soundness_check(Smoothed(m, 0.5, masks=binomial_masks(2, T, 0.8)), x, r, directions=1, pgd_steps=0)
    with pytest.raises(CertifyError, match="ensemble members"):
        soundness_check(Smoothed([m, m], 0.5), x, r, directions=1, pgd_steps=0)
    # the same series, as float64 numpy, is accepted and checked exactly as the float32 tensor
    as_f64 = soundness_check(s, x.double().numpy(), r, directions=1, pgd_steps=0, n=100)
    as_f32 = soundness_check(s, x, r, directions=1, pgd_steps=0, n=100)
    assert as_f64.n_series == as_f32.n_series == int(((r.prediction != ABSTAIN) & (r.radius > 0)).sum()) > 0
    assert as_f64.checks.equals(as_f32.checks)
    # a result built by hand (no fingerprint) still works, with a warning
    hand = CertResult(**{f.name: getattr(r, f.name) for f in dataclasses.fields(CertResult)
                         if f.name not in ("abstain_reason", "fingerprint")})
    assert hand.fingerprint is None and hand.abstain_reason is None
    with pytest.warns(RuntimeWarning, match="no fingerprint"):
        soundness_check(s, x, hand, directions=1, pgd_steps=0, n=100)


def test_fingerprint_depends_on_every_input(x):
    m = toy_model()
    base = Smoothed(m, 0.5).fingerprint(x)
    assert Smoothed(m, 0.5).fingerprint(x.clone()) == base
    others = {Smoothed(m, 0.5).fingerprint(x[:11]), Smoothed(m, 0.5000001).fingerprint(x),
              Smoothed(m, 0.5, masks=np.ones((1, T), bool)).fingerprint(x), Smoothed([m, m], 0.5).fingerprint(x),
              Smoothed(m, 0.5).fingerprint(x + 1e-6)}
    assert base not in others and len(others) == 5


# --------------------------------------------------------------------------- cost cap
def test_cost_over_the_cap_is_refused(x, y, monkeypatch):
    monkeypatch.setenv("TSVIZ_MAX_COST", "1000")
    s = Smoothed(toy_model(), 0.5)
    with pytest.raises(CertifyCostError, match=r"series 12 x noise draws \(n0 \+ n\) 110 .* over the cap of 1,000"):
        s.certify(x, n0=10, n=100)
    with pytest.raises(CertifyCostError, match="masks 4"):
        Smoothed(toy_model(), 0.5, masks=np.ones((4, T), bool)).counts(x, 50)
    with pytest.raises(CertifyCostError, match="ensemble members 2"):
        Smoothed([toy_model(), toy_model()], 0.5).predict(x, n=50)
    with pytest.raises(CertifyCostError, match="TSVIZ_MAX_COST"):
        s.scores(x, 100)
    with pytest.raises(CertifyCostError, match="summed over configurations"):
        certify_configs([CertConfig("a", toy_model(), 0.5), CertConfig("b", toy_model(), 0.5, "binomial", 4)],
                        x, y, n0=10, n=20)
    with pytest.raises(CertifyCostError, match="PGD-L2"):
        attack_success_rates([CertConfig("a", toy_model(), 0.5)], x, y, [0.1], n=100)
    monkeypatch.setenv("TSVIZ_MAX_COST", "100000")
    r = s.certify(x, n0=10, n=100)
    monkeypatch.setenv("TSVIZ_MAX_COST", "2000")
    with pytest.raises(CertifyCostError, match="soundness check"):
        soundness_check(s, x, r, directions=4, pgd_steps=2, n=100)
    # under the cap everything runs
    assert s.counts(x[:2], 50).shape == (2, 2)


def test_app_and_cli_defaults_fit_under_the_default_cap(monkeypatch):
    monkeypatch.delenv("TSVIZ_MAX_COST", raising=False)
    # pages/4_Certify.py defaults: 50 series, n0 = 100, n = 1000; Single + M_B (m = 4) + M_C (m = 4)
    check_cost("page", {"series": 50, "draws": 1100, "masks x members": 1 + 4 + 4})
    # its ablation (sizes 1, 2, 4, 8 plus Single), PGD tab (20 series, budgets 3, steps 10, draws 8)
    check_cost("ablation", {"series": 50, "draws": 1100, "masks": 1 + 1 + 2 + 4 + 8})
    check_cost("attack", {"series": 20, "budgets + 1": 4, "passes": 11 + 9 * (10 * 8 + 1000)})
    # soundness tab: 20 series, fractions 0.99 and 2, 8 directions, 10 PGD steps of 8 draws, n = 1000, m = 4
    check_cost("soundness", {"series": 20, "fractions": 2, "masks": 4, "passes": 10 * 8 + 9 * 1000})
    # tsviz certify CLI: 100 series, n0 = 100, n = 1000, up to --m 8 masks; --soundness 20 series
    check_cost("cli", {"series": 100, "draws": 1100, "masks": 8})
    check_cost("cli soundness", {"series": 20, "masks": 8, "passes": 20 * 16 + 9 * 1000})


# --------------------------------------------------------------------------- contracts still hold
def test_same_seed_same_result_and_model_untouched_on_hostile_model(x):
    bad = InfWhenHigh()
    bad.train()
    before = model_state(bad)
    a = Smoothed(bad, 0.5).certify(x, n0=20, n=100, seed=5, bound="renyi")
    b = Smoothed(bad, 0.5).certify(x, n0=20, n=100, seed=5, bound="renyi")
    for f in ("prediction", "radius", "p_lower", "counts", "p_upper_runner_up", "abstain_reason"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert a.fingerprint == b.fingerprint
    assert_model_untouched(bad, before)


def test_no_warning_on_a_healthy_model(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = Smoothed(toy_model(), 0.5).certify(x, n0=10, n=50)
        Smoothed(toy_model(), 0.5).predict(x, n=50)
    assert r.summary()["n_nonfinite"] == 0 and REASON_NONFINITE not in set(r.abstain_reason)
