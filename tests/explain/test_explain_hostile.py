"""Hostile inputs to NeuroMask, every attribution method, the faithfulness curves, the comparison and
the backdoor demo (issue 12, item 4): each gets a clear :class:`ExplainError` (a TsvizError and a
ValueError) naming the problem, or a correct result."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, model_state

from tsviz.core import TsvizError, budget_limit
from tsviz.explain import (
    ATTRIBUTION_METHODS,
    ExplainError,
    attribute,
    backdoor_demo,
    compare_faithfulness,
    deletion_insertion,
    explain_methods,
    neuromask,
)
from tsviz.explain.attribution import attribution_cost
from tsviz.models import build
from tsviz.training.backdoor import Trigger

N, C, T, K = 3, 1, 32, 3
#: every method: NeuroMask and the Captum baselines, each run cheaply
METHODS = ["neuromask", *ATTRIBUTION_METHODS]


def run(method, model, x, **kw):
    if method == "neuromask":
        return torch.as_tensor(neuromask(model, x, steps=2, **kw).mask)
    extra = {"steps": 4} if method == "integrated_gradients" else {"n_samples": 3} if method == "smoothgrad" else {}
    return attribute(model, x, method, **extra, **kw)


@pytest.fixture(scope="module")
def model():
    return build("mlp", C, K, T, seed=0).eval()


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(0).standard_normal((N, C, T)).astype(np.float32)


def nan_model():
    m = build("mlp", C, K, T, seed=0).eval()
    with torch.no_grad():
        next(m.parameters()).fill_(float("nan"))
    return m


@pytest.mark.parametrize("method", METHODS)
def test_complex_refused(method, model, x):
    with pytest.raises(ExplainError, match="complex"):
        run(method, model, x.astype(np.complex64))
    with pytest.raises(ExplainError, match="complex"):
        run(method, model, torch.tensor(x).to(torch.complex64))


@pytest.mark.parametrize("method", METHODS)
def test_nan_and_beyond_float32_refused(method, model, x):
    bad = x.copy()
    bad[0, 0, 3] = np.nan
    with pytest.raises(ExplainError, match="NaN"):
        run(method, model, bad)
    big = x.astype(np.float64)
    big[0, 0, 0] = 1e300
    with pytest.raises(ExplainError, match="float32's range"):
        run(method, model, big)


@pytest.mark.parametrize("method", METHODS)
def test_torch_float64_works_and_gives_float32(method, model, x):
    a = run(method, model, torch.tensor(x, dtype=torch.float64))
    b = run(method, model, torch.tensor(x))
    assert a.dtype == torch.float32
    torch.testing.assert_close(a, b)


@pytest.mark.parametrize("method", METHODS)
def test_wrong_channels_and_length(method, model):
    with pytest.raises(ExplainError, match=r"x has 2 channel\(s\) but the model expects 1"):
        run(method, model, np.zeros((N, 2, T), np.float32))
    with pytest.raises(ExplainError, match=f"length {T + 4} but the model expects series of length {T}"):
        run(method, model, np.zeros((N, C, T + 4), np.float32))


@pytest.mark.parametrize("method", METHODS)
def test_nan_logit_model_refused(method, x):
    with pytest.raises(ExplainError, match="NaN/Inf logits for series 0"):
        run(method, nan_model(), x)


@pytest.mark.parametrize("method", METHODS)
def test_float_target_refused_not_truncated(method, model, x):
    with pytest.raises(ExplainError, match="target"):
        run(method, model, x, target=[0.5, 1.2, 2.7])


@pytest.mark.parametrize("method", METHODS)
def test_cost_over_the_cap(method, model, x, monkeypatch):
    monkeypatch.setenv("TSVIZ_MAX_COST", "2")  # below N series x anything
    with pytest.raises(ExplainError, match=r"over the cap of 2; lower series.*TSVIZ_MAX_COST"):
        run(method, model, x)


@pytest.mark.parametrize("value", [1e300, float("nan"), float("inf"), -1.0])
def test_smoothgrad_stdev_is_a_signal_unit_budget(value, model, x):
    with pytest.raises(ExplainError, match="stdev"):
        attribute(model, x, "smoothgrad", stdev=value, n_samples=2)
    ok = attribute(model, x, "smoothgrad", stdev=0.5 * budget_limit(x), n_samples=2)
    assert torch.isfinite(ok).all()


def test_attribution_cost_factors():
    assert attribution_cost("saliency", 5, 100) == {"series": 5}
    assert attribution_cost("integrated_gradients", 5, 100, steps=50) == {"series": 5, "steps": 50}
    assert attribution_cost("smoothgrad", 5, 100, n_samples=25) == {"series": 5, "n_samples": 25}
    # occlusion: windows of 10 moved by 5 over 100 steps: positions 0, 5, ..., 90 (19) + the clean pass
    assert list(attribution_cost("occlusion", 5, 100, window=10, stride=5).values()) == [5, 20]
    assert list(attribution_cost("feature_ablation", 5, 100, window=10).values()) == [5, 11]


def test_faithfulness_hostile(model, x):
    rel = np.abs(x).sum(1)
    with pytest.raises(ExplainError, match="NaN/Inf logits"):
        deletion_insertion(nan_model(), x, rel)
    with pytest.raises(ExplainError, match="complex"):
        deletion_insertion(model, x, rel.astype(np.complex128))
    with pytest.raises(ExplainError, match="channel"):
        deletion_insertion(model, np.zeros((N, 2, T), np.float32), rel)
    with pytest.raises(ExplainError, match="complex"):
        deletion_insertion(model, x.astype(np.complex64), rel)
    res = deletion_insertion(model, torch.tensor(x, dtype=torch.float64), rel, steps=4)
    assert np.isfinite(res.deletion_auc).all()


def test_faithfulness_cost(model, x, monkeypatch):
    # 3 series x 2 curves x (4 + 1) points = 30 evaluations
    monkeypatch.setenv("TSVIZ_MAX_COST", "29")
    with pytest.raises(ExplainError, match=r"series 3 x curves 2 x points per curve \(steps \+ 1\) 5"):
        deletion_insertion(model, x, np.abs(x).sum(1), steps=4)
    with pytest.raises(ExplainError, match="relevances 2"):
        compare_faithfulness(model, x, {"a": np.abs(x).sum(1), "b": np.abs(x).sum(1)}, steps=4)
    monkeypatch.setenv("TSVIZ_MAX_COST", "30")
    deletion_insertion(model, x, np.abs(x).sum(1), steps=4)


def test_explain_methods_total_cost_and_inputs(model, x, monkeypatch):
    with pytest.raises(ExplainError, match="complex"):
        explain_methods(model, x.astype(np.complex64), ["saliency"])
    with pytest.raises(ExplainError, match="NaN/Inf logits"):
        explain_methods(nan_model(), x, ["saliency"])
    # per series: saliency 1 + curves 2 x (4 + 1) = 11; 3 series -> 33
    monkeypatch.setenv("TSVIZ_MAX_COST", "32")
    with pytest.raises(ExplainError, match=r"saliency 1; curves 10.*series 3 x evaluations per series"):
        explain_methods(model, x, ["saliency"], faithfulness_steps=4)
    monkeypatch.setenv("TSVIZ_MAX_COST", "33")
    out = explain_methods(model, torch.tensor(x, dtype=torch.float64), ["saliency"], faithfulness_steps=4)
    assert np.isfinite(out.relevance["saliency"]).all()


def test_backdoor_demo_inputs(model, x):
    trig = Trigger(start=10, length=4, amplitude=1.0, target=0)
    with pytest.raises(ExplainError, match="integer class labels"):
        backdoor_demo(model, x, np.array([1.0, 2.0, 1.0]), trigger=trig, steps=2)
    with pytest.raises(ExplainError, match="complex"):
        backdoor_demo(model, x.astype(np.complex64), None, trigger=trig, steps=2)


@pytest.mark.parametrize("method", METHODS)
def test_seed_reproducible_and_model_untouched(method, model, x):
    model.train()
    before = model_state(model)
    a, b = run(method, model, x), run(method, model, x)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    with pytest.raises(ExplainError):
        run(method, model, np.zeros((N, 2, T), np.float32))
    assert_model_untouched(model, before)
    model.eval()


def test_explain_error_is_a_tsviz_error():
    import tsviz.explain

    assert issubclass(ExplainError, TsvizError) and issubclass(ExplainError, ValueError)
    assert "ExplainError" in tsviz.explain.__all__
