"""Helpers of the reproduction targets (stratified subsets, epoch chunks) and the Reproduce figures."""
from __future__ import annotations

import numpy as np
import pytest

from tsviz.data import Dataset
from tsviz.reproduce.common import accepts, subset_test, subset_train
from tsviz.reproduce.targets.selfensemble_models import epoch_chunks
from tsviz.viz.reproduce_figures import MAX_ROWS, curve_figure, paper_vs_tsviz_figure, row_label


def _ds(n_test=100):
    y = np.array([0] * 70 + [1] * 20 + [2] * 10)[:n_test]
    X = np.arange(len(y) * 4, dtype=np.float32).reshape(len(y), 1, 4)
    return Dataset("toy", X, y, X, y, ("a", "b", "c"))


def test_subset_test_is_stratified_reproducible_and_ordered():
    ds = _ds()
    sub = subset_test(ds, 10, seed=3)
    assert np.bincount(sub.y_test).tolist() == [7, 2, 1]  # 70 / 20 / 10 % of 10
    assert sub.meta["test_subset"] == sorted(sub.meta["test_subset"])
    assert np.array_equal(sub.X_test[:, 0, 0], 4 * np.asarray(sub.meta["test_subset"], dtype=np.float32))
    assert subset_test(ds, 10, seed=3).meta["test_subset"] == sub.meta["test_subset"]
    assert subset_test(ds, 10, seed=4).meta["test_subset"] != sub.meta["test_subset"]
    assert len(sub.y_train) == 100  # the training split is untouched
    # every class keeps at least one series; 0 and n >= size mean all
    assert np.bincount(subset_test(ds, 3, seed=0).y_test).tolist() == [1, 1, 1]
    assert subset_test(ds, 0, seed=0) is ds and subset_test(ds, 1000, seed=0) is ds
    assert np.bincount(subset_train(ds, 20, seed=0).y_train).tolist() == [14, 4, 2]


def test_epoch_chunks_respect_the_fit_cap():
    from tsviz.training.fit import MAX_EPOCHS

    assert all(0 < c <= MAX_EPOCHS for c in epoch_chunks(1000))
    assert sum(epoch_chunks(1000)) == 1000 and epoch_chunks(20) == [20]


def test_accepts():
    def f(a, *, protocol=None):
        return a

    assert accepts(f, "protocol") and not accepts(f, "objective") and not accepts(3, "x")


def test_paper_vs_tsviz_figure_from_rows():
    rows = [{"m": "a", "column": "x", "paper": 0.5, "tsviz": 0.52, "within": True},
            {"m": "b", "column": "x", "paper": 0.7, "tsviz": None, "within": None},
            {"m": "a", "column": "y", "paper": 10.0, "tsviz": float("nan"), "within": None},
            "not a row"]
    fig = paper_vs_tsviz_figure(rows, ("m",), title="t")
    names = [t.name for t in fig.data]
    assert names.count("paper") == 2 and names.count("tsviz") == 2  # one pair per value column
    assert sum(1 for t in fig.data if t.mode == "lines") == 1  # only the measured row is joined
    assert row_label({"m": "a", "k": 1}, ("m", "k")) == "a · 1"
    many = [{"m": str(i), "column": "x", "paper": 1.0, "tsviz": 1.0, "within": True} for i in range(MAX_ROWS + 5)]
    assert f"first {MAX_ROWS}" in paper_vs_tsviz_figure(many, ("m",), title="t").layout.title.text


@pytest.mark.parametrize("measured", [[], [{"dataset": "C", "eps": 0.5, "classifier": "Single", "asr": "bad"}]])
def test_curve_figure_paper_dashed_tsviz_solid(measured):
    paper = [{"dataset": "C", "eps": e, "classifier": c, "asr": v}
             for c, vals in (("Benign", (0.2, 0.4)), ("Single", (0.1, 0.2))) for e, v in zip((0.25, 0.5), vals)]
    paper += [{"dataset": "D", "eps": 0.25, "classifier": "Benign", "asr": 0.9}]
    ok = [{"dataset": "C", "eps": 0.5, "classifier": "Single", "asr": 0.3}]
    fig = curve_figure(paper, ok + measured, x="eps", y="asr", group="classifier", facet="dataset", title="ASR")
    dashes = {t.name: t.line.dash for t in fig.data}
    assert dashes == {"Benign (paper)": "dash", "Single (paper)": "dash", "Single (tsviz)": "solid"}
    assert fig.layout.title.text == "ASR — C"


def test_epochs_per_dataset():
    from tsviz.reproduce.targets.selfensemble_models import epochs_for

    assert epochs_for({"epochs": 7}, "CBF") == 7
    assert epochs_for({"epochs": {"CBF": 100, "SyntheticControl": 20}}, "SyntheticControl") == 20
    assert epochs_for({"epochs": {"CBF": 100, "SyntheticControl": 20}}, "Other") == 100
