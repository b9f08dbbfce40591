"""Sample selection (tsviz.data.selection): random, by class, by correctness, or given indices."""
from __future__ import annotations

import numpy as np
import pytest

from tsviz.data import DataError
from tsviz.data.selection import select_samples


def test_select_samples():
    y = np.array([0, 1, 2, 0, 1, 2, 0])
    a = select_samples(y, n=3, seed=1)
    assert len(a) == 3 and np.array_equal(a, select_samples(y, n=3, seed=1))
    assert set(y[select_samples(y, mode="class", class_index=2, n=10)]) == {2}
    pred = np.array([0, 0, 2, 0, 0, 2, 1])
    assert select_samples(y, mode="misclassified", predictions=pred, n=10).tolist() == [1, 4, 6]
    assert select_samples(y, mode="indices", indices=[5, 2], n=10).tolist() == [2, 5]
    for kw, match in [(dict(mode="x"), "mode"), (dict(n=0), "n must"), (dict(mode="class"), "class_index"),
                      (dict(mode="indices", indices=[99]), "outside"), (dict(mode="correct"), "predictions")]:
        with pytest.raises(DataError, match=match):
            select_samples(y, **{"n": 3, **kw})


def test_selection_refuses_float_indices():
    y = np.arange(10) % 3
    with pytest.raises(DataError, match="indices must be integers"):
        select_samples(y, mode="indices", indices=[1.7])
    with pytest.raises(DataError, match="integer class_index"):
        select_samples(y, mode="class", class_index=1.0)
    assert select_samples(y, mode="indices", indices=np.array([3, 1])).tolist() == [1, 3]
