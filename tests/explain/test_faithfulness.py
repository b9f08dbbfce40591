"""Deletion/insertion curves on a model that only looks at a known window of time steps."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import LinearTS, assert_model_untouched, model_state
from torch import nn

from tsviz.explain.faithfulness import (
    MAX_FAITHFULNESS_STEPS,
    FaithfulnessResult,
    compare_faithfulness,
    deletion_insertion,
)

C, T, A, B = 2, 30, 10, 16  # the window model looks at steps [A, B) only


def window_model(scale: float = 0.1) -> LinearTS:
    """logits = [s, -s] with s = scale * sum x[..., A:B] (the shared linear toy of tests/helpers.py)."""
    W = torch.zeros(2, C, T)
    W[0, :, A:B] = scale
    W[1, :, A:B] = -scale
    return LinearTS(W.reshape(2, -1), torch.zeros(2), C=C, T=T)


def positive_x(n: int = 5, seed: int = 0) -> torch.Tensor:
    return 0.2 + torch.rand((n, C, T), generator=torch.Generator().manual_seed(seed))


def probs(model, x, target):
    with torch.no_grad():
        return torch.softmax(model(x).double(), 1)[torch.arange(x.shape[0]), target].numpy()


def window_first(n: int) -> np.ndarray:
    r = np.zeros((n, T))
    r[:, A:B] = 1.0
    return r


def window_last(n: int) -> np.ndarray:
    return 1.0 - window_first(n)


def test_window_relevance_is_more_faithful_than_reversed():
    model, x = window_model(), positive_x()
    good = deletion_insertion(model, x, window_first(5))
    bad = deletion_insertion(model, x, window_last(5))
    assert (good.deletion_auc < bad.deletion_auc - 0.1).all()
    assert (good.insertion_auc > bad.insertion_auc + 0.1).all()
    for r in (good, bad):
        assert ((0 <= r.deletion_auc) & (r.deletion_auc <= 1) & (0 <= r.insertion_auc) & (r.insertion_auc <= 1)).all()
        np.testing.assert_allclose(r.deletion_auc, np.trapezoid(r.deletion, r.fractions, axis=1))
        np.testing.assert_allclose(r.insertion_auc, np.trapezoid(r.insertion, r.fractions, axis=1))


def test_curve_end_points_and_fractions():
    model, x = window_model(), positive_x()
    target = torch.zeros(5, dtype=torch.long)
    for baseline in ("zero", "mean", "blur"):
        r = deletion_insertion(model, x, window_first(5), baseline=baseline, steps=7)
        assert isinstance(r, FaithfulnessResult) and r.baseline == baseline
        assert r.fractions.shape == (8,) and r.fractions[0] == 0 and r.fractions[-1] == 1
        assert np.all(np.diff(r.fractions) > 0)
        assert r.deletion.shape == r.insertion.shape == (5, 8)
        np.testing.assert_array_equal(r.target, np.zeros(5))  # positive x -> class 0 predicted
        clean = probs(model, x, target)
        from tsviz.explain.baselines import make_baseline
        base = probs(model, make_baseline(x, baseline), target)
        np.testing.assert_allclose(r.deletion[:, 0], clean, rtol=1e-6)
        np.testing.assert_allclose(r.insertion[:, -1], clean, rtol=1e-6)
        np.testing.assert_allclose(r.deletion[:, -1], base, rtol=1e-6)
        np.testing.assert_allclose(r.insertion[:, 0], base, rtol=1e-6)
    np.testing.assert_allclose(deletion_insertion(model, x, window_first(5)).deletion[:, -1], 0.5)


def test_rounding_rule_and_ties_by_index():
    # T=30, S=4: k = floor(s * 30 / 4 + 1/2) = 0, 8 (7.5 rounds up), 15, 23 (22.5 rounds up), 30
    model, x = window_model(), positive_x(2)
    r = deletion_insertion(model, x, np.zeros((2, T)), steps=4)
    np.testing.assert_array_equal(r.k, [0, 8, 15, 23, 30])
    # all-equal relevance removes the lowest indices first: after 15 steps [A, B) is half gone
    x1 = torch.ones(1, C, T)
    r1 = deletion_insertion(model, x1, np.zeros((1, T)), steps=2)  # k = 0, 15, 30
    removed = torch.ones(1, C, T)
    removed[..., :15] = 0
    np.testing.assert_allclose(r1.deletion[0, 1], probs(model, removed, torch.tensor([0]))[0], rtol=1e-6)
    revealed = torch.zeros(1, C, T)
    revealed[..., :15] = 1
    np.testing.assert_allclose(r1.insertion[0, 1], probs(model, revealed, torch.tensor([0]))[0], rtol=1e-6)


def test_batched_equals_per_series_and_chunking():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(C, 3, 5, padding=2), nn.ReLU(), nn.Flatten(), nn.Linear(3 * T, 3))
    x = torch.randn(4, C, T, generator=torch.Generator().manual_seed(1))
    rel = torch.randn(4, C, T, generator=torch.Generator().manual_seed(2))  # (n, C, T) is reduced
    full = deletion_insertion(model, x, rel, steps=6, baseline="mean")
    chunked = deletion_insertion(model, x, rel, steps=6, baseline="mean", batch_size=5)
    for i in range(4):
        one = deletion_insertion(model, x[i:i + 1], rel[i:i + 1], steps=6, baseline="mean")
        np.testing.assert_allclose(full.deletion[i], one.deletion[0], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(full.insertion[i], one.insertion[0], rtol=1e-5, atol=1e-7)
        assert full.target[i] == one.target[0]
    np.testing.assert_allclose(full.deletion, chunked.deletion, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(full.insertion_auc, chunked.insertion_auc, rtol=1e-5, atol=1e-7)
    # (n, C, T) relevance == its per-step reduction sum_c |.|
    reduced = deletion_insertion(model, x, rel.abs().sum(1).numpy(), steps=6, baseline="mean")
    np.testing.assert_allclose(full.deletion, reduced.deletion)


def test_target_and_model_state_untouched():
    model = window_model()
    model.train()
    model.lin.bias.requires_grad_(False)
    before = model_state(model)
    x = positive_x(3)
    r = deletion_insertion(model, x, window_first(3), target=1)
    np.testing.assert_array_equal(r.target, [1, 1, 1])
    assert (r.deletion[:, 0] < 0.5).all()  # class 1 is the unlikely one on positive x
    r0 = deletion_insertion(model, x, window_first(3), target=[0, 0, 0])
    np.testing.assert_allclose(r.deletion + r0.deletion, 1.0)  # two classes: p1 = 1 - p0
    assert_model_untouched(model, before)
    assert model.training


def test_summary_and_compare_table():
    model, x = window_model(), positive_x(4)
    rels = {"window": window_first(4), "reversed": window_last(4), "random": np.random.default_rng(0).random((4, T))}
    results, table = compare_faithfulness(model, x, rels, steps=10)
    assert list(results) == list(rels)
    assert isinstance(table, pd.DataFrame) and len(table) == 3
    assert list(table.columns) == ["method", "deletion_auc_mean", "insertion_auc_mean", "difference", "n"]
    assert list(table["method"]) == list(rels) and (table["n"] == 4).all()
    np.testing.assert_allclose(table["difference"], table["insertion_auc_mean"] - table["deletion_auc_mean"])
    assert table.loc[table["difference"].idxmax(), "method"] == "window"
    s = results["window"].summary()
    assert s["n"] == 4 and s["steps"] == 10 and s["baseline"] == "zero"
    assert s["deletion_auc_mean"] == pytest.approx(results["window"].deletion_auc.mean())


@pytest.mark.parametrize("kwargs, match", [
    ({"relevance": np.zeros((4, T))}, "relevance must have shape"),
    ({"relevance": np.zeros((5, T + 1))}, "relevance must have shape"),
    ({"relevance": np.full((5, T), np.nan)}, "relevance contains NaN"),
    ({"relevance": "abc"}, "relevance"),
    ({"x": torch.zeros(C, T)}, "x must have shape"),
    ({"x": torch.full((5, C, T), float("inf"))}, "x contains NaN"),
    ({"steps": MAX_FAITHFULNESS_STEPS + 1}, "steps"),
    ({"steps": 0}, "steps"),
    ({"target": 2}, "target"),
    ({"target": [0, 1]}, "target"),
    ({"baseline": "noise"}, "baseline"),
    ({"batch_size": 0}, "batch_size"),
])
def test_bad_inputs(kwargs, match):
    args = {"x": positive_x(5), "relevance": window_first(5)} | kwargs
    x, rel = args.pop("x"), args.pop("relevance")
    with pytest.raises(ValueError, match=match):
        deletion_insertion(window_model(), x, rel, **args)


def test_compare_bad_inputs():
    model, x = window_model(), positive_x(2)
    with pytest.raises(ValueError, match="relevances"):
        compare_faithfulness(model, x, {})
    with pytest.raises(ValueError, match="relevances\\['bad'\\]"):
        compare_faithfulness(model, x, {"ok": window_first(2), "bad": np.zeros((3, T))})
    with pytest.raises(ValueError, match="steps"):
        compare_faithfulness(model, x, {"ok": window_first(2)}, steps=MAX_FAITHFULNESS_STEPS + 1)
