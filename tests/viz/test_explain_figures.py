"""tsviz.viz.explain_figures: the Explain page's figures from hand-built arrays and frames."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

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


def _types(fig):
    return [t.type for t in fig.data]


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


# --------------------------------------------------------------------------- relevance_figure
def test_relevance_figure_band_1d(series):
    x, rel = series
    fig = _check(ef.relevance_figure(x, rel, fs=100.0, unit="mV", class_name="N"), 2)
    assert _types(fig) == ["heatmap", "scatter"]
    hm = fig.data[0]
    np.testing.assert_allclose(np.asarray(hm.z)[0], rel / rel.max())  # normalised by its max
    assert len(hm.x) == T + 1  # cell edges, in seconds
    np.testing.assert_allclose(hm.x[0], -0.005)
    assert hm.coloraxis == "coloraxis"
    assert fig.layout.coloraxis.colorscale[0][1] != fig.layout.coloraxis.colorscale[-1][1]
    assert fig.layout.coloraxis.cmin == 0 and fig.layout.coloraxis.cmax == 1
    assert fig.layout.xaxis.title.text == "Time (s)"
    assert fig.layout.yaxis.title.text == "Amplitude (mV)"
    assert "class N" in fig.layout.title.text
    np.testing.assert_allclose(fig.data[1].y, x, rtol=1e-6)


def test_relevance_figure_line_style_and_steps(series):
    x, rel = series
    fig = _check(ef.relevance_figure(x, rel, style="line", title="custom"), 1)
    tr = fig.data[0]
    assert tr.mode == "lines+markers"
    assert tr.marker.coloraxis == "coloraxis"
    np.testing.assert_allclose(tr.marker.color, rel / rel.max())
    assert fig.layout.xaxis.title.text == "Time step"
    assert fig.layout.yaxis.title.text == "Amplitude (signal units)"
    assert fig.layout.title.text == "custom"


def test_relevance_figure_multichannel_threshold(series):
    x, rel = series
    X = np.stack([x, 2 * x, -x])
    fig = _check(ef.relevance_figure(X, rel, unit="mV", threshold=0.5), 3 * 3)
    assert _types(fig) == ["heatmap", "scatter", "scatter"] * 3
    hit = fig.data[2]
    expected = np.flatnonzero(rel / rel.max() >= 0.5)
    np.testing.assert_allclose(hit.x, expected)
    np.testing.assert_allclose(hit.y, x[expected], rtol=1e-6)
    assert [t.showlegend for t in fig.data[1:3]] == [True, True]
    assert fig.data[4].showlegend is False
    assert fig.layout.yaxis.title.text == "Channel 0 (mV)"
    assert fig.layout.yaxis3.title.text == "Channel 2 (mV)"
    assert fig.layout.xaxis3.title.text == "Time step"
    fig_line = _check(ef.relevance_figure(X, rel, style="line", threshold=0.5), 3 * 2)
    assert fig_line


def test_relevance_figure_all_zero_relevance(series):
    x, _ = series
    fig = _check(ef.relevance_figure(x, np.zeros(T)), 2)
    assert np.all(np.asarray(fig.data[0].z) == 0)
    assert "all zero" in fig.layout.title.text
    _check(ef.relevance_figure(x, np.zeros(T), style="line", threshold=0.5), 2)


def test_relevance_figure_long_series_is_pooled():
    n = 12_000
    x = np.random.default_rng(0).normal(size=n)
    rel = np.zeros(n)
    rel[7777] = 5.0
    fig = _check(ef.relevance_figure(x, rel, fs=500.0), 2)
    z = np.asarray(fig.data[0].z)[0]
    assert len(z) <= ef.MAX_BAND_CELLS and z.max() == 1.0  # max pooling keeps the single peak
    assert len(fig.data[0].x) == len(z) + 1
    fig = _check(ef.relevance_figure(x, rel, style="line"), 1)
    assert len(fig.data[0].x) <= 2 * ef.MAX_MARKERS
    assert 7777 in set(np.asarray(fig.data[0].x).astype(int))


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
    assert _types(fig) == ["heatmap", "scatter"] * 2
    z_clean, z_adv = np.asarray(fig.data[0].z)[0], np.asarray(fig.data[2].z)[0]
    np.testing.assert_allclose(z_adv.max(), 1.0)
    np.testing.assert_allclose(z_clean.max(), 0.5)  # joint: clean is half of adversarial
    assert fig.data[0].coloraxis == fig.data[2].coloraxis == "coloraxis"
    assert fig.data[0].xaxis == "x" and fig.data[2].xaxis == "x2"
    assert list(fig.layout.yaxis.range) == list(fig.layout.yaxis2.range)
    assert [a.text for a in fig.layout.annotations][:2] == ["clean", "adversarial"]
    assert fig.layout.yaxis.title.text == "Amplitude (mV)"
    assert fig.layout.xaxis.title.text == "Time step" and fig.layout.xaxis2.title.text == "Time step"


def test_relevance_pair_figure_each_multichannel_line(series):
    x, rel = series
    X = np.stack([x, -x])
    fig = _check(ef.relevance_pair_figure(X, rel, X, 2 * rel, style="line", normalize="each",
                                          titles=("a", "b"), threshold=0.9), 2 * 2 * 2)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == 4
    for t in lines:
        assert max(t.marker.color) == pytest.approx(1.0)


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
    assert _types(fig) == ["heatmap", "scatter"] * 3
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["NeuroMask", "saliency", "IG (all zero)"]
    for k in (0, 2):  # each normalised by its own max
        assert np.asarray(fig.data[k].z).max() == pytest.approx(1.0)
    assert fig.layout.yaxis.title.text == "NeuroMask (mV)"
    assert fig.layout.xaxis3.title.text == "Time (s)"
    assert fig.layout.xaxis.matches == "x3" or fig.layout.xaxis2.matches == "x3"  # shared x
    fig = _check(ef.method_grid_figure(np.stack([x, -x]), {"a": rel}, style="line", channel=1), 1)
    np.testing.assert_allclose(fig.data[0].y, -x, rtol=1e-6)
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
    vis = [bool(t.visible) if t.visible is not None else True for t in fig.data]
    assert vis == [True] + [False] * (2 * S - 2) + [True, True]
    for k, s in enumerate(slider.steps):
        assert s.method == "update"
        v = s.args[0]["visible"]
        assert len(v) == 1 + 2 * S and v[0] and sum(v) == 3 and v[1 + 2 * k] and v[2 + 2 * k]
        assert f"step {steps[k]}" in s.args[1]["title.text"]
    np.testing.assert_allclose(np.asarray(fig.data[1].z)[0], hist[0])  # raw values in [0, 1]
    assert fig.layout.yaxis.title.text == "Amplitude (mV)"
    assert fig.layout.yaxis2.title.text == "Mask (0–1)"
    assert fig.layout.xaxis2.title.text == "Time (s)"


def test_mask_evolution_figure_single_snapshot_and_rescale(series):
    x, rel = series
    fig = _check(ef.mask_evolution_figure(np.stack([x, x]), rel[None], [7], channel=1), 3)
    assert len(fig.layout.sliders[0].steps) == 1
    assert np.asarray(fig.data[1].z).max() == pytest.approx(1.0)  # rel peaks at 3: rescaled
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
    assert [t.name for t in fig.data] == ["total", "prediction", "sparsity", "smoothness"]
    np.testing.assert_allclose(fig.data[0].x, steps)  # sorted by step
    np.testing.assert_allclose(fig.data[0].y, [1, 2, 3, 4, 5])
    assert fig.layout.xaxis.title.text == "Optimisation step"
    assert fig.layout.yaxis.title.text == "Loss"
    fig = _check(ef.loss_history_figure(frame, log_y=True), 4)
    assert fig.layout.yaxis.type == "log"
    assert np.isnan(fig.data[2].y[-1])  # sparse 0 at step 0 is a gap on a log axis
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
    assert fig.data[0].name == "NeuroMask (AUC 0.500)"
    mean = rows.mean(axis=0)
    auc = float(np.sum((mean[1:] + mean[:-1]) / 2 * np.diff(fr)))
    assert fig.data[2].name == f"saliency (AUC {auc:.3f})"
    np.testing.assert_allclose(fig.data[2].y, mean)
    band = fig.data[1]
    assert band.fill == "toself" and band.showlegend is False
    np.testing.assert_allclose(band.y[:11], np.clip(mean + rows.std(axis=0), 0, 1))
    assert fig.data[0].line.color != fig.data[2].line.color
    assert fig.layout.xaxis.title.text == "Fraction of steps removed"
    assert fig.layout.yaxis.title.text == "Target probability (0–1)"
    assert "lower AUC" in fig.layout.title.text


def test_faithfulness_figure_insertion_iqr_none():
    fr = np.linspace(0, 1, 5)
    rows = np.stack([fr, fr ** 2, np.sqrt(fr), fr])
    fig = _check(ef.faithfulness_figure(fr, {"IG": rows}, kind="insertion", band="iqr",
                                        target_label="class probability"), 2)
    np.testing.assert_allclose(fig.data[0].y[:5], np.percentile(rows, 75, axis=0))
    assert fig.data[0].name == "IG IQR"
    assert fig.layout.xaxis.title.text == "Fraction of steps revealed"
    assert fig.layout.yaxis.title.text == "Class probability (0–1)"
    assert "higher AUC" in fig.layout.title.text
    fig = _check(ef.faithfulness_figure(fr, {"IG": rows}, band="none"), 1)
    one = _check(ef.faithfulness_figure([0.0, 1.0], {"c": [[1.0, 0.0]]}), 2)  # n = 1
    assert one.data[1].name == "c (AUC 0.500)"


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
    assert _types(fig) == ["bar", "bar"]
    assert fig.data[0].name == "deletion AUC (lower is better)"
    assert fig.data[1].name == "insertion AUC (higher is better)"
    assert list(fig.data[0].x) == ["NeuroMask", "saliency", "IG"]
    np.testing.assert_allclose(fig.data[1].y, [0.8, 0.6, 0.65])
    assert fig.data[0].error_y.array is None
    np.testing.assert_allclose(fig.data[1].error_y.array, [0.05, 0.1, 0.0])
    assert fig.layout.barmode == "group"
    assert fig.layout.yaxis.title.text == "AUC (0–1)"
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
    assert _types(fig) == ["box", "box"]
    assert fig.data[0].name.startswith("clean (n=3")
    assert fig.data[1].name.startswith("triggered (n=4")
    np.testing.assert_allclose(fig.data[1].y, trig)
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].y0 == 0.1
    assert fig.layout.shapes[0].line.dash == "dash"
    assert fig.layout.yaxis.title.text == "Mask mass in trigger window (share)"
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
    assert _types(fig) == ["heatmap", "scatter"] * 2
    assert np.asarray(fig.data[0].z).max() == pytest.approx(0.5)  # joint scale
    rects = fig.layout.shapes
    assert len(rects) == 2
    assert rects[0].x0 == pytest.approx(0.495) and rects[0].x1 == pytest.approx(0.695)
    assert {r.xref for r in rects} == {"x", "x2"}
    assert fig.layout.yaxis.title.text == "Clean (mV)"
    assert fig.layout.yaxis2.title.text == "Triggered (mV)"
    assert fig.layout.xaxis2.title.text == "Time (s)"
    assert any(a.text == "trigger window" for a in fig.layout.annotations)
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
