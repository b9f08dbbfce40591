"""The shared core: error root, series/label checks, budgets against the data's scale, cost cap."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from tsviz.core import (
    DEFAULT_MAX_COST,
    CostError,
    TsvizError,
    as_labels,
    as_series,
    budget_limit,
    check_budget,
    check_cost,
    check_model_input,
    data_scale,
    expected_input,
    max_cost,
)


def test_family_errors_share_the_root():
    from tsviz.attacks import AttackError
    from tsviz.data import DataError
    from tsviz.models import CheckpointError

    for cls in (AttackError, DataError, CheckpointError, CostError):
        assert issubclass(cls, TsvizError) and issubclass(cls, ValueError)


@pytest.mark.parametrize("x", [np.ones((2, 1, 4), np.float64), torch.ones(2, 1, 4, dtype=torch.float64),
                               np.ones((2, 1, 4), np.int16), torch.ones(2, 1, 4, dtype=torch.int32)])
def test_as_series_casts_to_float32(x):
    t = as_series(x)
    assert t.dtype == torch.float32 and t.shape == (2, 1, 4) and bool((t == 1).all())


@pytest.mark.parametrize("x, words", [
    (np.full((1, 1, 3), 1e300), "float32"),
    (torch.full((1, 1, 3), -1e300, dtype=torch.float64), "float32"),
    (np.array([[[1.0, np.nan]]]), "NaN"),
    (torch.tensor([[[1.0, float("inf")]]]), "NaN"),
    (np.ones((1, 1, 3), complex), "complex"),
    (torch.ones(1, 1, 3, dtype=torch.complex64), "complex"),
    (np.ones((1, 1, 3), bool), "real numbers"),
    (np.array([[["a"]]]), "real numbers"),
    (np.ones((3, 4)), "shape"),
    (np.ones((0, 1, 4)), "empty"),
])
def test_as_series_refuses(x, words):
    with pytest.raises(TsvizError, match=words):
        as_series(x)


def test_as_series_uses_the_family_error_and_cap():
    class MyError(TsvizError):
        pass

    with pytest.raises(MyError, match="at most 2 series"):
        as_series(np.ones((3, 1, 2)), max_series=2, error=MyError)


def test_as_labels():
    assert as_labels(np.array([0, 2], np.int32), 2, n_classes=3).dtype == torch.int64
    for bad, words in [(np.array([0.0, 1.0]), "integer"), (torch.tensor([0.5, 1.0]), "integer"),
                       (np.array([True, False]), "integer"), (np.array([0, 3]), r"y\[1\] = 3"),
                       (np.array([0]), "1 labels for 2")]:
        with pytest.raises(TsvizError, match=words):
            as_labels(bad, 2, n_classes=3)


def test_model_input_shape_is_named():
    from tsviz.models import build

    m = build("fcn", 2, 3, 16)
    assert expected_input(m) == (2, 16)
    assert expected_input(torch.nn.Linear(2, 2)) == (None, None)
    check_model_input(m, torch.zeros(1, 2, 16))
    with pytest.raises(TsvizError, match="1 channel.*expects 2"):
        check_model_input(m, torch.zeros(1, 1, 16))
    with pytest.raises(TsvizError, match="length 10.*length 16"):
        check_model_input(m, torch.zeros(1, 2, 10))


def test_budgets_follow_the_data_scale():
    x = torch.zeros(2, 1, 4)
    x[0, 0, 0] = 2.0
    assert data_scale(x) == 2.0
    assert data_scale(torch.zeros(1, 1, 3)) == 1.0
    assert budget_limit(x) == 200.0 and budget_limit(x, "l2") == pytest.approx(400.0)
    assert check_budget("eps", 0.1, x) == 0.1
    for bad in (1e300, float("nan"), float("inf"), -1.0, 0.0, True, "0.1", None):
        with pytest.raises(TsvizError, match="eps"):
            check_budget("eps", bad, x)
    assert check_budget("eps", 0.0, x, allow_zero=True) == 0.0


def test_cost_cap(monkeypatch):
    monkeypatch.delenv("TSVIZ_MAX_COST", raising=False)
    assert max_cost() == DEFAULT_MAX_COST
    assert check_cost("PGD", {"series": 10, "steps": 10}) == 100
    with pytest.raises(CostError, match=r"series 10,000 x steps 1,000 x restarts 20.*lower series, steps, restarts"):
        check_cost("PGD", {"series": 10_000, "steps": 1000, "restarts": 20})
    monkeypatch.setenv("TSVIZ_MAX_COST", "50")
    assert max_cost() == 50
    with pytest.raises(CostError):
        check_cost("PGD", {"series": 10, "steps": 10})
    for bad in ("nan", "-1", "abc", "1.5", "inf"):
        monkeypatch.setenv("TSVIZ_MAX_COST", bad)
        with pytest.raises(CostError, match="TSVIZ_MAX_COST"):
            max_cost()
