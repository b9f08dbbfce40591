"""The one randomness rule (tsviz.core.random) at every stochastic entry point of tsviz.certify:
``generator`` or ``seed`` (keyword-only; neither -> seed 0), both -> CertifyError, same seed -> same
result, a generator seeded alike -> the same result as ``seed`` for single calls."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from linear_toy import T, toy_model, toy_x

from tsviz.certify import (
    CertConfig,
    CertifyError,
    Smoothed,
    SoftSmoothed,
    ablation,
    attack_success_rates,
    binomial_masks,
    certify_configs,
    continuous_masks,
    noise_margins,
    soundness_check,
)


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _y(x):
    return np.zeros(x.shape[0], dtype=np.int64)


CALLS = {
    "certify": lambda x, **kw: Smoothed(toy_model(), 0.5).certify(x, n0=10, n=40, **kw).counts,
    "counts": lambda x, **kw: Smoothed(toy_model(), 0.5).counts(x, 30, **kw),
    "predict": lambda x, **kw: Smoothed(toy_model(), 0.5).predict(x, n=30, **kw),
    "scores": lambda x, **kw: Smoothed(toy_model(), 0.5).scores(x, 20, **kw),
    "noise_margins": lambda x, **kw: noise_margins(Smoothed(toy_model(), 0.5), x, 20, **kw).margin,
    "binomial_masks": lambda x, **kw: binomial_masks(3, T, 0.7, **kw),
    "continuous_masks": lambda x, **kw: continuous_masks(3, T, 0.7, **kw),
    "soft": lambda x, **kw: SoftSmoothed(Smoothed(toy_model(), 0.5), 4, **kw)(x).detach(),
    "certify_configs": lambda x, **kw: certify_configs([CertConfig("S", toy_model(), 0.5)], x, _y(x), n0=10, n=40,
                                                       **kw).results["S"].counts,
    "ablation": lambda x, **kw: ablation(toy_model(), x, _y(x), 0.5, sizes=(2,), n0=10, n=40,
                                         **kw).results["binomial m=2 p=0.9"].counts,
    "attack_success_rates": lambda x, **kw: attack_success_rates([CertConfig("S", toy_model(), 0.5)], x, _y(x),
                                                                 [0.5], steps=2, draws=2, n=30,
                                                                 **kw)[["asr", "abstain_rate"]].to_numpy(),
}
#: single calls draw straight from the generator: seed s == a generator seeded s
SINGLE = {"certify", "counts", "predict", "scores", "noise_margins", "binomial_masks", "continuous_masks", "soft"}


@pytest.mark.parametrize("name", list(CALLS))
def test_same_seed_same_result_and_both_refused(name):
    x = toy_x(6)
    call = CALLS[name]
    a, b = call(x, seed=3), call(x, seed=3)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(call(x)), np.asarray(call(x, seed=0)))  # neither -> seed 0
    g1, g2 = call(x, generator=gen(11)), call(x, generator=gen(11))
    np.testing.assert_array_equal(np.asarray(g1), np.asarray(g2))
    if name in SINGLE:
        np.testing.assert_array_equal(np.asarray(call(x, generator=gen(3))), np.asarray(a))
    with pytest.raises(CertifyError, match="either generator or seed"):
        call(x, generator=gen(1), seed=1)
    with pytest.raises(CertifyError, match="seed"):
        call(x, seed=-1)
    with pytest.raises(CertifyError, match="generator"):
        call(x, generator="not a generator")


def test_different_seeds_differ():
    x = toy_x(6)
    assert not np.array_equal(CALLS["counts"](x, seed=1), CALLS["counts"](x, seed=2))
    assert not np.array_equal(CALLS["binomial_masks"](x, seed=1), CALLS["binomial_masks"](x, seed=2))


def test_soundness_check_follows_the_rule():
    x = toy_x(6)
    s = Smoothed(toy_model(), 0.5)
    r = s.certify(x, n0=20, n=200, seed=0)
    kw = dict(directions=2, pgd_steps=2, pgd_draws=2, n=50)
    a, b = soundness_check(s, x, r, seed=4, **kw), soundness_check(s, x, r, seed=4, **kw)
    assert a.checks.equals(b.checks) and a.n_series > 0
    c, d = soundness_check(s, x, r, generator=gen(4), **kw), soundness_check(s, x, r, generator=gen(4), **kw)
    assert c.checks.equals(d.checks)
    with pytest.raises(CertifyError, match="either generator or seed"):
        soundness_check(s, x, r, generator=gen(4), seed=4, **kw)
