"""tsviz.viz.runs_figures: the Runs page's overlaid curves and metric bars, from hand-made curves
artifacts (the run store's "curves" JSON convention). Traces are found by name (figure_lookup)."""
import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest
from figure_lookup import annotation_texts, axis_title, one

from tsviz.viz import runs_figures as rf


def _acc(y, x=(0.0, 0.05, 0.1), kind="accuracy_vs_eps"):
    return {"x": list(x), "y": list(y), "x_label": "eps (mV)", "y_label": "accuracy", "kind": kind}


def test_check_curves_reads_good_curves_and_names_bad_ones():
    raw = {"acc": _acc([0.9, 0.5, 0.1]),
           "gappy": {"x": [1, 2, 3], "y": [0.1, None, 0.3], "kind": "loss_vs_epoch"},
           "short": {"x": [1, 2], "y": [1], "kind": "x"},
           "text": {"x": ["a"], "y": [1]},
           "notadict": [1, 2]}
    curves, skipped = rf.check_curves(raw)
    assert set(curves) == {"acc", "gappy"}
    np.testing.assert_allclose(curves["acc"].y, [0.9, 0.5, 0.1])
    assert curves["acc"].kind == "accuracy_vs_eps" and curves["acc"].x_label == "eps (mV)"
    assert np.isnan(curves["gappy"].y[1]) and curves["gappy"].x_label == "x"  # null -> gap, default label
    assert len(skipped) == 3
    assert any("'short'" in s and "same length" in s for s in skipped)
    assert any("'text'" in s and "['x'][0] must be a number" in s for s in skipped)
    assert any("'notadict'" in s for s in skipped)
    assert rf.check_curves(None) == ({}, []) and rf.check_curves({}) == ({}, [])
    with pytest.raises(ValueError, match="curves must be a dict"):
        rf.check_curves([1, 2])


def test_check_curves_thins_long_curves_and_caps_their_number():
    n = rf.MAX_CURVE_POINTS * 3 + 7
    curves, _ = rf.check_curves({"long": {"x": list(range(n)), "y": [float(i) for i in range(n)], "kind": "k"}})
    c = curves["long"]
    assert c.x.size <= rf.MAX_CURVE_POINTS and c.x[0] == 0 and c.x[-1] == n - 1
    np.testing.assert_allclose(c.x, c.y)  # the same points of x and y are kept
    many = {f"c{i}": {"x": [0], "y": [i], "kind": "k"} for i in range(rf.MAX_CURVES + 5)}
    curves, skipped = rf.check_curves(many)
    assert len(curves) == rf.MAX_CURVES and "5 curves past the first" in skipped[0]


def test_overlay_has_one_trace_per_run_with_its_values_and_labels():
    a, _ = rf.check_curves({"acc": _acc([0.9, 0.5, 0.1])})
    b, _ = rf.check_curves({"acc": _acc([0.95, 0.8, 0.6]), "loss": _acc([3, 2, 1], kind="loss_vs_epoch")})
    fig = rf.curves_overlay_figure([("run A", a), ("run B", b)], "accuracy_vs_eps")
    assert isinstance(fig, go.Figure) and len(fig.data) == 2
    ta, tb = one(fig, "run A"), one(fig, "run B")
    np.testing.assert_allclose(ta.x, [0.0, 0.05, 0.1])
    np.testing.assert_allclose(ta.y, [0.9, 0.5, 0.1])
    np.testing.assert_allclose(tb.y, [0.95, 0.8, 0.6])
    assert ta.line.color != tb.line.color
    assert axis_title(fig, ta, "x") == "eps (mV)" and axis_title(fig, ta, "y") == "accuracy"
    assert fig.layout.title.text == "Accuracy vs attack budget" and fig.layout.uirevision
    fig.to_json()


def test_overlay_names_several_curves_of_a_run_and_runs_without_the_kind():
    a, _ = rf.check_curves({"train": _acc([3, 2, 1], kind="loss_vs_epoch"),
                            "val": _acc([3.5, 2.5, 2], kind="loss_vs_epoch")})
    b, _ = rf.check_curves({"acc": _acc([0.9, 0.5, 0.1])})
    fig = rf.curves_overlay_figure([("A", a), ("B", b)], "loss_vs_epoch")
    assert {t.name for t in fig.data} == {"A · train", "A · val"}
    assert any("No such curve: B" in t for t in annotation_texts(fig))
    empty = rf.curves_overlay_figure([("A", a)], "certified_accuracy_vs_radius")
    assert len(empty.data) == 0 and any("No run has" in t for t in annotation_texts(empty))


def test_curve_kinds_known_first_then_by_count():
    a, _ = rf.check_curves({"z": _acc([1], x=[0], kind="zeta"), "l": _acc([1], x=[0], kind="loss_vs_epoch")})
    b, _ = rf.check_curves({"y": _acc([1], x=[0], kind="ypsilon"), "z": _acc([1], x=[0], kind="zeta"),
                            "e": _acc([1], x=[0])})
    assert rf.curve_kinds([("a", a), ("b", b)]) == ["accuracy_vs_eps", "loss_vs_epoch", "zeta", "ypsilon"]
    assert rf.kind_title("some_new_kind") == "Some new kind"


def test_metrics_bar_groups_runs_and_skips_non_numbers():
    fig = rf.metrics_bar_figure([("A", {"acc": 0.9, "n": 10, "name": "x", "flag": True, "bad": None,
                                        "_nonfinite": ["bad"]}),
                                 ("B", {"acc": 0.7})])
    a, b = one(fig, "A"), one(fig, "B")
    assert list(a.x) == ["acc", "n"] and list(a.y) == [0.9, 10.0]
    assert list(b.x) == ["acc", "n"] and b.y[0] == 0.7 and np.isnan(b.y[1])
    assert axis_title(fig, a, "y") == "Value" and fig.layout.barmode == "group"
    only = rf.metrics_bar_figure([("A", {"acc": 0.9, "n": 10})], keys=["n"])
    assert list(one(only, "A").y) == [10.0]
    assert rf.numeric_metrics({"a": float("nan"), "b": 2, "c": "t", "d": False}) == {"b": 2.0}


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ValueError, match="curves_by_run"):
        rf.curves_overlay_figure({"A": {}}, "accuracy_vs_eps")
    with pytest.raises(ValueError, match="kind"):
        rf.curves_overlay_figure([], "")
    with pytest.raises(ValueError, match=r"curves_by_run\[0\]"):
        rf.curves_overlay_figure([("A",)], "k")
    with pytest.raises(ValueError, match="at most"):
        rf.curves_overlay_figure([(f"r{i}", {}) for i in range(rf.MAX_RUN_TRACES + 1)], "k")
    with pytest.raises(ValueError, match="keys"):
        rf.metrics_bar_figure([("A", {})], keys="acc")
    with pytest.raises(ValueError, match="metrics_by_run"):
        rf.metrics_bar_figure("A")


def test_hostile_names_are_clipped_and_kept_out_of_hover_templates():
    long = "<b>x</b>" + "y" * 500
    a, _ = rf.check_curves({"acc": _acc([0.9, 0.5, 0.1])})
    fig = rf.curves_overlay_figure([(long, a)], "accuracy_vs_eps")
    t = fig.data[0]
    assert len(t.name) <= rf.MAX_NAME and "%{fullData.name}" in t.hovertemplate and "yyy" not in t.hovertemplate


def test_import_does_not_import_plotly():
    code = "import sys, tsviz.viz.runs_figures, tsviz.viz.report; print('plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
