"""explain_methods: all methods on the same series and target, scored by deletion/insertion."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tsviz.explain import METHODS, explain_methods

T = 40


def _model():
    model = nn.Sequential(nn.Conv1d(1, 4, 5, padding=2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * T, 3))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return model


def test_all_methods_same_target_and_table():
    model = _model()
    x = torch.randn(4, 1, T, generator=torch.Generator().manual_seed(1))
    cmp = explain_methods(model, x, METHODS, neuromask_kw={"steps": 10}, faithfulness_steps=5,
                          attribution_kw={"integrated_gradients": {"steps": 8}, "smoothgrad": {"n_samples": 4}})
    assert list(cmp.relevance) == list(METHODS)
    for m, rel in cmp.relevance.items():
        assert rel.shape == (4, T) and (rel >= 0).all(), m
    assert set(cmp.attributions) == set(METHODS) - {"neuromask"}
    np.testing.assert_array_equal(cmp.mask_result.target, cmp.target)
    assert list(cmp.table["method"]) == list(METHODS)
    assert {"deletion_auc_mean", "insertion_auc_mean", "seconds"} <= set(cmp.table.columns)
    frame = cmp.relevance_frame([10, 11, 12, 13])
    assert len(frame) == len(METHODS) * 4 * T and set(frame["series"]) == {10, 11, 12, 13}
    assert cmp.summary()["n"] == 4


def test_bad_methods():
    x = torch.zeros(1, 1, T)
    with pytest.raises(ValueError, match="unknown method"):
        explain_methods(_model(), x, ["lime"])
    with pytest.raises(ValueError, match="at least one"):
        explain_methods(_model(), x, [])
    with pytest.raises(ValueError, match="attribution_kw"):
        explain_methods(_model(), x, ["saliency"], attribution_kw={"lime": {}})
