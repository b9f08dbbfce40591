"""tsviz.viz.explain_figures: the Explain page's figures from hand-built arrays and frames.

Traces are found by name, type and the title of the axis they are drawn on (figure_lookup), never
by position or axis id; the checks are on the plotted values and the labels a reader sees.
"""
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from figure_lookup import (
    annotation_texts,
    axis_of,
    axis_range,
    axis_title,
    axis_titles,
    one,
    traces,
    values,
    visible,
)

from tsviz.viz import explain_figures as ef

REPO = Path(__file__).resolve().parents[2]
T = 200


def _check(fig, n_traces=None):
    assert isinstance(fig, go.Figure)
    if n_traces is not None:
        assert len(fig.data) == n_traces
    assert fig.layout.uirevision
    assert fig.layout.title.text
    fig.to_json()  # serialisable
    return fig


def _kinds(fig):
    """How many traces of each type (independent of order)."""
    kinds = [t.type for t in fig.data]
    return {k: kinds.count(k) for k in set(kinds)}


@pytest.fixture
def series():
    t = np.linspace(0, 4 * np.pi, T)
    x = np.sin(t).astype(np.float32)
    rel = np.exp(-((np.arange(T) - 120) / 15.0) ** 2) * 3.0  # peak 3 at step 120
    return x, rel


def test_import_does_not_import_plotly():
    code = ("import sys, tsviz.viz.explain_figures; "
            "bad = [m for m in ('plotly', 'pandas', 'torch', 'tsviz.explain') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_all_names_exist():
    for name in ef.__all__:
        assert hasattr(ef, name)
    assert ef.RELEVANCE_COLORSCALE == "Reds"
    assert len(ef.METHOD_COLORS) >= 5


@pytest.mark.parametrize("module", ["relevance_figures", "method_figures", "neuromask_figures",
                                    "faithfulness_figures", "backdoor_figures", "relevance_panels"])
def test_subject_modules_are_re_exported_unchanged(module):
    """explain_figures was split by subject (issue 13); its names are the subject modules' objects."""
    mod = importlib.import_module(f"tsviz.viz.{module}")
    for name in mod.__all__:
        if name in ef.__all__:
            assert getattr(ef, name) is getattr(mod, name)
    import tsviz.viz as viz

    for name in ef.__all__:
        if name.endswith("_figure") or name == "relevance_from_attribution":
            assert getattr(viz, name) is getattr(ef, name)


# --------------------------------------------------------------------------- relevance_figure
def test_relevance_figure_band_1d(series):
    x, rel = series
    fig = _check(ef.relevance_figure(x, rel, fs=100.0, unit="mV", class_name="N"), 2)
    assert _kinds(fig) == {"heatmap": 1, "scatter": 1}
    hm = one(fig, "Amplitude · relevance", kind="heatmap")
    np.testing.assert_allclose(values(hm.z)[0], rel / rel.max())  # normalised by its max
    assert len(hm.x) == T + 1  # cell edges, in seconds
    np.testing.assert_allclose(hm.x[0], -0.005)
    assert hm.coloraxis == "coloraxis"
    assert fig.layout.coloraxis.colorscale[0][1] != fig.layout.coloraxis.colorscale[-1][1]
    assert fig.layout.coloraxis.cmin == 0 and fig.layout.coloraxis.cmax == 1
    sig = one(fig, "signal")
    assert axis_title(fig, sig, "x") == "Time (s)" and axis_title(fig, sig, "y") == "Amplitude (mV)"
    assert "class N" in fig.layout.title.text
    np.testing.assert_allclose(sig.y, x, rtol=1e-6)
    np.testing.assert_allclose(sig.x, np.arange(T) / 100.0)


def test_relevance_figure_line_style_and_steps(series):
    x, rel = series
    fig = _check(ef.relevance_figure(x, rel, style="line", title="custom"), 1)
    tr = one(fig, "signal (colour: relevance)")
    assert tr.mode == "lines+markers"
    assert tr.marker.coloraxis == "coloraxis"
    np.testing.assert_allclose(tr.marker.color, rel / rel.max())
    np.testing.assert_allclose(tr.y, x, rtol=1e-6)
    assert axis_title(fig, tr, "x") == "Time step"
    assert axis_title(fig, tr, "y") == "Amplitude (signal units)"
    assert fig.layout.title.text == "custom"


def test_relevance_figure_multichannel_threshold(series):
    x, rel = series
    X = np.stack([x, 2 * x, -x])
    fig = _check(ef.relevance_figure(X, rel, unit="mV", threshold=0.5), 3 * 3)
    assert _kinds(fig) == {"heatmap": 3, "scatter": 6}
    expected = np.flatnonzero(rel / rel.max() >= 0.5)
    for c, scale in enumerate((1, 2, -1)):
        panel = f"Channel {c} (mV)"
        np.testing.assert_allclose(one(fig, "signal", y_title=panel).y, scale * x, rtol=1e-6)
        hit = one(fig, "relevance ≥ 0.5", y_title=panel)
        np.testing.assert_allclose(hit.x, expected)
        np.testing.assert_allclose(hit.y, scale * x[expected], rtol=1e-6)
        hm = one(fig, f"Channel {c} · relevance", y_title=panel)
        np.testing.assert_allclose(values(hm.z)[0], rel / rel.max())  # one relevance for all channels
        assert axis_title(fig, hm, "x") == "Time step"
    # one legend entry per kind of trace, not one per channel
    shown = [t.name for t in fig.data if t.showlegend is not False]
    assert sorted(shown) == ["relevance ≥ 0.5", "signal"]
    fig_line = _check(ef.relevance_figure(X, rel, style="line", threshold=0.5), 3 * 2)
    assert len(traces(fig_line, "relevance ≥ 0.5")) == 3
    np.testing.assert_allclose(one(fig_line, "signal (colour: relevance)", y_title="Channel 2 (signal units)").y,
                               -x, rtol=1e-6)


def test_relevance_figure_all_zero_relevance(series):
    x, _ = series
    fig = _check(ef.relevance_figure(x, np.zeros(T)), 2)
    assert np.all(values(one(fig, kind="heatmap").z) == 0)
    assert "all zero" in fig.layout.title.text
    _check(ef.relevance_figure(x, np.zeros(T), style="line", threshold=0.5), 2)


def test_relevance_figure_long_series_is_pooled():
    n = 12_000
    x = np.random.default_rng(0).normal(size=n)
    rel = np.zeros(n)
    rel[7777] = 5.0
    fig = _check(ef.relevance_figure(x, rel, fs=500.0), 2)
    hm = one(fig, kind="heatmap")
    z = values(hm.z)[0]
    assert len(z) <= ef.MAX_BAND_CELLS and z.max() == 1.0  # max pooling keeps the single peak
    assert len(hm.x) == len(z) + 1
    peak_cell = int(np.argmax(z))
    assert hm.x[peak_cell] <= 7777 / 500.0 <= hm.x[peak_cell + 1]  # ... at its time
    fig = _check(ef.relevance_figure(x, rel, style="line"), 1)
    line = one(fig, "signal (colour: relevance)")
    assert len(line.x) <= 2 * ef.MAX_MARKERS
    assert 7777 in set(values(line.x).astype(int))


@pytest.mark.parametrize("x, rel, kw, match", [
    (np.zeros(10), np.ones(9), {}, "relevance has length 9"),
    (np.zeros(10), -np.ones(10), {}, "relevance must be non-negative"),
    (np.zeros(10), np.r_[np.ones(9), np.nan], {}, "relevance must hold finite"),
    (np.zeros(10), np.ones((2, 10)), {}, "relevance must have shape"),
    (np.zeros(10), np.ones(10), {"style": "heat"}, "style must be one of"),
    (np.zeros(10), np.ones(10), {"threshold": 1.5}, "threshold"),
    (np.zeros(10), np.ones(10), {"fs": 0}, "fs"),
    (np.zeros(10), np.ones(10), {"unit": 3}, "unit"),
    (np.zeros((1, 2, 10)), np.ones(10), {}, "x must have shape"),
    (np.r_[np.zeros(9), np.inf], np.ones(10), {}, "x must hold finite"),
])
def test_relevance_figure_bad_args(x, rel, kw, match):
    with pytest.raises(ValueError, match=match):
        ef.relevance_figure(x, rel, **kw)


def test_relevance_from_attribution():
    a = np.array([[1.0, -2.0, 0.0], [-1.0, 0.5, 0.0]])
    np.testing.assert_allclose(ef.relevance_from_attribution(a), [2.0, 2.5, 0.0])
    np.testing.assert_allclose(ef.relevance_from_attribution([-1.0, 2.0]), [1.0, 2.0])
    with pytest.raises(ValueError, match="attribution"):
        ef.relevance_from_attribution([np.nan, 1.0])


# --------------------------------------------------------------------------- pair
def test_relevance_pair_figure_joint_scale(series):
    x, rel = series
    fig = _check(ef.relevance_pair_figure(x, rel, x + 0.1, 2 * rel, unit="mV"), 4)
    assert _kinds(fig) == {"heatmap": 2, "scatter": 2}
    hm_clean = one(fig, "clean · Amplitude · relevance")
    hm_adv = one(fig, "adversarial · Amplitude · relevance")
    np.testing.assert_allclose(values(hm_adv.z)[0], rel / rel.max())
    np.testing.assert_allclose(values(hm_clean.z)[0], 0.5 * rel / rel.max())  # joint scale
    assert hm_clean.coloraxis == hm_adv.coloraxis == "coloraxis"
    assert hm_clean.xaxis != hm_adv.xaxis  # two panels
    assert axis_range(fig, hm_clean) == axis_range(fig, hm_adv)  # one amplitude range per row
    signals = sorted(traces(fig, "signal"), key=lambda t: float(np.mean(t.y)))
    np.testing.assert_allclose(signals[0].y, x, rtol=1e-6)
    np.testing.assert_allclose(signals[1].y, x + 0.1, rtol=1e-6)
    assert {"clean", "adversarial"} <= set(annotation_texts(fig))  # column titles
    assert axis_title(fig, hm_clean, "y") == "Amplitude (mV)"
    assert axis_title(fig, hm_clean, "x") == axis_title(fig, hm_adv, "x") == "Time step"


def test_relevance_pair_figure_each_multichannel_line(series):
    x, rel = series
    X = np.stack([x, -x])
    fig = _check(ef.relevance_pair_figure(X, rel, X, 2 * rel, style="line", normalize="each",
                                          titles=("a", "b"), threshold=0.9), 2 * 2 * 2)
    lines = traces(fig, "signal (colour: relevance)")
    assert len(lines) == 4
    for t in lines:  # each column by its own max
        assert max(t.marker.color) == pytest.approx(1.0)
    assert len(traces(fig, "relevance ≥ 0.9")) == 4
    assert sorted(axis_titles(fig, "y")) == ["Channel 0 (signal units)", "Channel 1 (signal units)"]


@pytest.mark.parametrize("args, kw, match", [
    ((np.zeros(10), np.ones(10), np.zeros(11), np.ones(11)), {}, "x_adv must have the shape"),
    ((np.zeros(10), np.ones(9), np.zeros(10), np.ones(10)), {}, "rel_clean has length 9"),
    ((np.zeros(10), np.ones(10), np.zeros(10), -np.ones(10)), {}, "rel_adv must be non-negative"),
    ((np.zeros(10), np.ones(10), np.zeros(10), np.ones(10)), {"normalize": "max"}, "normalize"),
    ((np.zeros(10), np.ones(10), np.zeros(10), np.ones(10)), {"titles": ("a",)}, "titles"),
    ((np.zeros(10), np.ones(10), np.zeros(10), np.ones(10)), {"style": "x"}, "style"),
])
def test_relevance_pair_figure_bad_args(args, kw, match):
    with pytest.raises(ValueError, match=match):
        ef.relevance_pair_figure(*args, **kw)


# --------------------------------------------------------------------------- method grid
def test_method_grid_figure(series):
    x, rel = series
    rels = {"NeuroMask": rel, "saliency": 10 * rel[::-1], "IG": np.zeros(T)}
    fig = _check(ef.method_grid_figure(x, rels, fs=250.0, unit="mV"), 6)
    assert _kinds(fig) == {"heatmap": 3, "scatter": 3}
    assert set(annotation_texts(fig)) == {"NeuroMask", "saliency", "IG (all zero)"}
    for method, r in rels.items():  # each normalised by its own max
        hm = one(fig, f"{method} · relevance")
        expected = r / r.max() if r.max() > 0 else r
        np.testing.assert_allclose(values(hm.z)[0], expected)
        assert axis_title(fig, hm, "y") == f"{method} (mV)"
        assert axis_title(fig, hm, "x") == "Time (s)"  # one shared time axis
        np.testing.assert_allclose(one(fig, "signal", y_title=f"{method} (mV)").y, x, rtol=1e-6)
    fig = _check(ef.method_grid_figure(np.stack([x, -x]), {"a": rel}, style="line", channel=1), 1)
    np.testing.assert_allclose(one(fig, "signal (colour: relevance)").y, -x, rtol=1e-6)
    assert "channel 1" in fig.layout.title.text


@pytest.mark.parametrize("rels, kw, match", [
    ({}, {}, "relevances must not be empty"),
    ([np.ones(T)], {}, "relevances must be a dict"),
    ({"a": np.ones(T - 1)}, {}, r"relevances\['a'\] has length"),
    ({"a": -np.ones(T)}, {}, r"relevances\['a'\] must be non-negative"),
    ({"a": np.ones(T)}, {"channel": 1}, "channel"),
    ({"a": np.ones(T)}, {"style": "bars"}, "style"),
])
def test_method_grid_figure_bad_args(series, rels, kw, match):
    with pytest.raises(ValueError, match=match):
        ef.method_grid_figure(series[0], rels, **kw)


# --------------------------------------------------------------------------- mask evolution
def test_mask_evolution_figure_slider(series):
    x, rel = series
    rng = np.random.default_rng(0)
    S = 5
    hist = np.clip(rng.random((S, T)) * np.linspace(1, 0, S)[:, None]
                   + (rel / rel.max()) * np.linspace(0, 1, S)[:, None], 0, 1)
    steps = np.array([0, 10, 20, 50, 100])
    fig = _check(ef.mask_evolution_figure(x, hist, steps, fs=100.0, unit="mV"), 1 + 2 * S)
    slider = fig.layout.sliders[0]
    assert len(slider.steps) == S
    assert [s.label for s in slider.steps] == ["0", "10", "20", "50", "100"]
    assert slider.active == S - 1
    sig = one(fig, "signal")
    assert visible(sig) and axis_title(fig, sig, "y") == "Amplitude (mV)"
    np.testing.assert_allclose(sig.y, x, rtol=1e-6)
    for k, step in enumerate(steps):
        band = one(fig, f"mask · step {step}", kind="heatmap")
        line = one(fig, f"mask · step {step}", kind="scatter")
        np.testing.assert_allclose(values(band.z)[0], hist[k])  # raw values in [0, 1]
        np.testing.assert_allclose(line.y, hist[k])
        assert axis_title(fig, line, "y") == "Mask (0–1)" and axis_title(fig, line, "x") == "Time (s)"
        assert visible(band) == visible(line) == (k == S - 1)  # only the active snapshot shown
        s = slider.steps[k]
        assert s.method == "update"
        shown = [t.name for t, v in zip(fig.data, s.args[0]["visible"]) if v]
        assert sorted(shown) == sorted(["signal", f"mask · step {step}", f"mask · step {step}"])
        assert f"step {step}" in s.args[1]["title.text"]


def test_mask_evolution_figure_single_snapshot_and_rescale(series):
    x, rel = series
    fig = _check(ef.mask_evolution_figure(np.stack([x, x]), rel[None], [7], channel=1), 3)
    assert len(fig.layout.sliders[0].steps) == 1
    band = one(fig, "mask · step 7", kind="heatmap")
    np.testing.assert_allclose(values(band.z)[0], rel / rel.max())  # rel peaks at 3: rescaled
    fig = _check(ef.mask_evolution_figure(x, rel / rel.max(), np.array([3.0])), 3)  # (T,) history
    assert fig.layout.sliders[0].steps[0].label == "3"


def test_mask_evolution_figure_caps_snapshots(series):
    x, _ = series
    S = ef.MAX_SNAPSHOTS + 40
    fig = _check(ef.mask_evolution_figure(x, np.full((S, T), 0.5), np.arange(S), active=0))
    steps = fig.layout.sliders[0].steps
    assert len(steps) == ef.MAX_SNAPSHOTS and len(fig.data) == 1 + 2 * ef.MAX_SNAPSHOTS
    assert steps[0].label == "0" and steps[-1].label == str(S - 1)
    assert fig.layout.sliders[0].active == 0
    assert [t.name for t in fig.data if visible(t) and t.type == "heatmap"] == ["mask · step 0"]


@pytest.mark.parametrize("hist, steps, kw, match", [
    (np.ones((3, T)), [0, 1], {}, r"steps must have shape \(3,\)"),
    (np.ones((2, T - 1)), [0, 1], {}, "history has masks of length"),
    (np.ones((2, 3, T)), [0, 1], {}, "history must have shape"),
    (-np.ones((2, T)), [0, 1], {}, "history must be non-negative"),
    (np.full((2, T), np.nan), [0, 1], {}, "history must hold finite"),
    (np.ones((2, T)), [0.5, 1], {}, "steps must be integers"),
    (np.ones((2, T)), [-1, 1], {}, "steps must be >= 0"),
    (np.ones((2, T)), [0, 1], {"active": 2}, "active"),
])
def test_mask_evolution_figure_bad_args(series, hist, steps, kw, match):
    with pytest.raises(ValueError, match=match):
        ef.mask_evolution_figure(series[0], hist, steps, **kw)


# --------------------------------------------------------------------------- loss history
def test_loss_history_figure():
    steps = np.arange(5)
    frame = pd.DataFrame({"step": steps[::-1], "total": [5.0, 4, 3, 2, 1], "pred": [1.0] * 5,
                          "sparse": [0.0, 1, 2, 3, 4], "smooth": [0.1] * 5})
    fig = _check(ef.loss_history_figure(frame), 4)
    assert set(t.name for t in fig.data) == {"total", "prediction", "sparsity", "smoothness"}
    total = one(fig, "total")
    np.testing.assert_allclose(total.x, steps)  # sorted by step
    np.testing.assert_allclose(total.y, [1, 2, 3, 4, 5])
    np.testing.assert_allclose(one(fig, "sparsity").y, [4, 3, 2, 1, 0])
    np.testing.assert_allclose(one(fig, "prediction").y, 1.0)
    assert axis_title(fig, total, "x") == "Optimisation step" and axis_title(fig, total, "y") == "Loss"
    fig = _check(ef.loss_history_figure(frame, log_y=True), 4)
    total = one(fig, "total")
    assert axis_of(fig, total).type == "log" and axis_title(fig, total) == "Loss (log scale)"
    sparse = values(one(fig, "sparsity").y)
    assert np.isnan(sparse[-1]) and np.isfinite(sparse[:-1]).all()  # 0 at step 0: a gap on a log axis
    fig = _check(ef.loss_history_figure(frame[["step", "total"]]), 1)
    fig = _check(ef.loss_history_figure(frame.iloc[:0]), 0)
    assert fig.layout.annotations[0].text == "no loss history"


@pytest.mark.parametrize("frame, kw, match", [
    ({"step": [0], "total": [1.0]}, {}, "history must be a pandas DataFrame"),
    (pd.DataFrame({"step": [0], "pred": [1.0]}), {}, "history lacks the column.*'total'"),
    (pd.DataFrame({"step": [0], "total": ["a"]}), {}, r"history\['total'\] must be numeric"),
    (pd.DataFrame({"step": [0], "total": [1.0]}), {"log_y": "yes"}, "log_y"),
])
def test_loss_history_figure_bad_args(frame, kw, match):
    with pytest.raises(ValueError, match=match):
        ef.loss_history_figure(frame, **kw)


# --------------------------------------------------------------------------- faithfulness
def test_faithfulness_figure_auc_linear_and_2d():
    fr = np.linspace(0, 1, 11)
    lin = 1 - fr
    rows = np.stack([lin, np.clip(lin - 0.2, 0, 1), np.clip(lin + 0.2, 0, 1)])
    fig = _check(ef.faithfulness_figure(fr, {"NeuroMask": lin, "saliency": rows}), 1 + 2)
    nm = one(fig, "NeuroMask (AUC 0.500)")  # the area under 1 - f on [0, 1] is 1/2
    np.testing.assert_allclose(nm.y, lin)
    mean = rows.mean(axis=0)
    auc = float(np.sum((mean[1:] + mean[:-1]) / 2 * np.diff(fr)))  # the trapezoid rule by hand
    sal = one(fig, f"saliency (AUC {auc:.3f})")
    np.testing.assert_allclose(sal.x, fr)
    np.testing.assert_allclose(sal.y, mean)
    band = one(fig, "saliency ±1 std")
    assert band.fill == "toself" and band.showlegend is False
    np.testing.assert_allclose(band.y[:11], np.clip(mean + rows.std(axis=0), 0, 1))
    np.testing.assert_allclose(band.y[11:], np.clip(mean - rows.std(axis=0), 0, 1)[::-1])
    assert nm.line.color != sal.line.color
    assert axis_title(fig, nm, "x") == "Fraction of steps removed"
    assert axis_title(fig, nm, "y") == "Target probability (0–1)"
    assert "lower AUC" in fig.layout.title.text


def test_faithfulness_figure_insertion_iqr_none():
    fr = np.linspace(0, 1, 5)
    rows = np.stack([fr, fr ** 2, np.sqrt(fr), fr])
    fig = _check(ef.faithfulness_figure(fr, {"IG": rows}, kind="insertion", band="iqr",
                                        target_label="class probability"), 2)
    iqr = one(fig, "IG IQR")
    np.testing.assert_allclose(iqr.y[:5], np.percentile(rows, 75, axis=0))
    np.testing.assert_allclose(iqr.y[5:], np.percentile(rows, 25, axis=0)[::-1])
    line = one(fig, startswith="IG (AUC")
    assert axis_title(fig, line, "x") == "Fraction of steps revealed"
    assert axis_title(fig, line, "y") == "Class probability (0–1)"
    assert "higher AUC" in fig.layout.title.text
    fig = _check(ef.faithfulness_figure(fr, {"IG": rows}, band="none"), 1)
    assert traces(fig, startswith="IG (AUC")
    single = _check(ef.faithfulness_figure([0.0, 1.0], {"c": [[1.0, 0.0]]}), 2)  # n = 1
    np.testing.assert_allclose(one(single, "c (AUC 0.500)").y, [1.0, 0.0])


@pytest.mark.parametrize("fr, curves, kw, match", [
    ([0, 0.5, 1], {"a": [1, 0.5]}, {}, r"curves\['a'\] has 2 points, fractions has 3"),
    ([0, 0.5, 1], {"a": [1, 0.5, 1.5]}, {}, r"curves\['a'\] must lie in \[0, 1\]"),
    ([0, 0.5, 1], {"a": [1, np.nan, 0]}, {}, r"curves\['a'\] must hold finite"),
    ([0, 0.5, 1], {"a": np.ones((2, 2, 3))}, {}, r"curves\['a'\] must have shape"),
    ([0, 0.5, 1], {}, {}, "curves must not be empty"),
    ([0, 1, 0.5], {"a": [1, 0.5, 0]}, {}, "fractions must be non-decreasing"),
    ([0, 0.5, 2], {"a": [1, 0.5, 0]}, {}, r"fractions must lie in \[0, 1\]"),
    ([0, 0.5, 1], {"a": [1, 0.5, 0]}, {"kind": "removal"}, "kind must be one of"),
    ([0, 0.5, 1], {"a": [1, 0.5, 0]}, {"band": "sem"}, "band must be one of"),
])
def test_faithfulness_figure_bad_args(fr, curves, kw, match):
    with pytest.raises(ValueError, match=match):
        ef.faithfulness_figure(fr, curves, **kw)


def test_faithfulness_auc_figure():
    table = pd.DataFrame({"method": ["NeuroMask", "saliency", "IG"],
                          "deletion_auc_mean": [0.2, 0.35, 0.3],
                          "insertion_auc_mean": [0.8, 0.6, 0.65],
                          "insertion_auc_std": [0.05, 0.1, 0.0]})
    fig = _check(ef.faithfulness_auc_figure(table), 2)
    assert _kinds(fig) == {"bar": 2}
    deletion = one(fig, "deletion AUC (lower is better)")
    insertion = one(fig, "insertion AUC (higher is better)")
    assert list(deletion.x) == list(insertion.x) == ["NeuroMask", "saliency", "IG"]
    np.testing.assert_allclose(deletion.y, [0.2, 0.35, 0.3])
    np.testing.assert_allclose(insertion.y, [0.8, 0.6, 0.65])
    assert deletion.error_y.array is None
    np.testing.assert_allclose(insertion.error_y.array, [0.05, 0.1, 0.0])
    assert fig.layout.barmode == "group"
    assert axis_title(fig, deletion, "y") == "AUC (0–1)" and axis_title(fig, deletion, "x") == "Method"
    empty = _check(ef.faithfulness_auc_figure(table.iloc[:0]), 0)
    assert empty.layout.annotations[0].text == "no faithfulness results"
    with pytest.raises(ValueError, match="table lacks the column.*'insertion_auc_mean'"):
        ef.faithfulness_auc_figure(table[["method", "deletion_auc_mean"]])
    with pytest.raises(ValueError, match=r"table\['deletion_auc_mean'\] must lie in"):
        ef.faithfulness_auc_figure(table.assign(deletion_auc_mean=[1.5, 0, 0]))
    with pytest.raises(ValueError, match="table must be a pandas DataFrame"):
        ef.faithfulness_auc_figure({"method": ["a"]})


# --------------------------------------------------------------------------- backdoor trigger
def test_trigger_mass_figure():
    clean, trig = np.array([0.1, 0.12, 0.08]), np.array([0.6, 0.9, 0.75, 0.8])
    fig = _check(ef.trigger_mass_figure(clean, trig, window_share=0.1), 2)
    assert _kinds(fig) == {"box": 2}
    c = one(fig, "clean (n=3, mean 0.10)")
    t = one(fig, "triggered (n=4, mean 0.76)")
    np.testing.assert_allclose(c.y, clean)
    np.testing.assert_allclose(t.y, trig)
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].y0 == 0.1
    assert fig.layout.shapes[0].line.dash == "dash"
    assert axis_title(fig, t, "y") == "Mask mass in trigger window (share)"
    assert len(_check(ef.trigger_mass_figure(clean, trig), 2).layout.shapes) == 0


@pytest.mark.parametrize("a, b, kw, match", [
    ([0.1, 1.2], [0.5], {}, "mass_clean must lie in"),
    ([0.1], [np.nan], {}, "mass_triggered must hold finite"),
    ([0.1], [], {}, "mass_triggered must be a non-empty"),
    ([0.1], [0.5], {"window_share": 2.0}, "window_share"),
])
def test_trigger_mass_figure_bad_args(a, b, kw, match):
    with pytest.raises(ValueError, match=match):
        ef.trigger_mass_figure(a, b, **kw)


def test_trigger_overlay_figure(series):
    x, rel = series
    xt = x.copy()
    xt[50:70] += 1.0
    fig = _check(ef.trigger_overlay_figure(x, xt, rel, 2 * rel, (50, 70), fs=100.0, unit="mV"), 4)
    assert _kinds(fig) == {"heatmap": 2, "scatter": 2}
    mc, mt = one(fig, "clean · mask"), one(fig, "triggered · mask")
    np.testing.assert_allclose(values(mc.z)[0], 0.5 * rel / rel.max())  # joint scale
    np.testing.assert_allclose(values(mt.z)[0], rel / rel.max())
    assert axis_title(fig, mc, "y") == "Clean (mV)" and axis_title(fig, mt, "y") == "Triggered (mV)"
    assert axis_title(fig, mc, "x") == axis_title(fig, mt, "x") == "Time (s)"
    np.testing.assert_allclose(one(fig, "signal", y_title="Triggered (mV)").y, xt, rtol=1e-6)
    np.testing.assert_allclose(one(fig, "signal", y_title="Clean (mV)").y, x, rtol=1e-6)
    rects = fig.layout.shapes
    assert len(rects) == 2  # the window on both panels, from step 50 to step 69 inclusive
    for r in rects:
        assert r.x0 == pytest.approx(0.495) and r.x1 == pytest.approx(0.695)
    assert {r.xref for r in rects} == {mc.xaxis, mt.xaxis}
    assert "trigger window" in annotation_texts(fig)
    fig = _check(ef.trigger_overlay_figure(np.stack([x, x]), np.stack([xt, xt]), rel, rel, (0, T),
                                           channel=1, normalize="each"), 4)
    assert "steps 0–199" in fig.layout.title.text


@pytest.mark.parametrize("window, kw, match", [
    ((5, 5), {}, "window must be a pair"),
    ((0, T + 1), {}, "window must be a pair"),
    ((0.5, 3), {}, "window must be a pair"),
    ((1, 2, 3), {}, "window must be a pair"),
    ((0, 10), {"channel": 2}, "channel"),
])
def test_trigger_overlay_figure_bad_window(series, window, kw, match):
    x, rel = series
    with pytest.raises(ValueError, match=match):
        ef.trigger_overlay_figure(x, x, rel, rel, window, **kw)


def test_trigger_overlay_figure_bad_shapes(series):
    x, rel = series
    with pytest.raises(ValueError, match="x_triggered must have the shape"):
        ef.trigger_overlay_figure(x, x[:-1], rel, rel, (0, 10))
    with pytest.raises(ValueError, match="mask_triggered has length"):
        ef.trigger_overlay_figure(x, x, rel, rel[:-1], (0, 10))
    with pytest.raises(ValueError, match="mask_clean must be non-negative"):
        ef.trigger_overlay_figure(x, x, -rel, rel, (0, 10))
