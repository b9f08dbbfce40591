"""tsviz.viz.certify_figures: the Certify page's figures from hand-built arrays and frames.

Traces are found by name and by the title of the axis they are drawn on (figure_lookup), never by
position or axis id; the checks are on the plotted values and the labels.
"""
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from figure_lookup import annotation_texts, axis_title, one

from tsviz import viz
from tsviz.viz import certify_figures as cf


def _check(fig, n_traces=None):
    assert isinstance(fig, go.Figure)
    if n_traces is not None:
        assert len(fig.data) == n_traces
    assert fig.layout.uirevision
    assert fig.layout.title.text
    fig.to_json()  # serialisable
    return fig


def test_exported():
    for name in cf.__all__[:8]:
        assert getattr(viz, name) is getattr(cf, name)
        assert name in viz.__all__


# --------------------------------------------------------------------------- accuracy vs radius
def test_accuracy_radius_figure_percent_sorted_steps():
    curves = {"Single": (np.array([0.5, 0.0, 1.0]), np.array([0.6, 0.8, 0.2])),
              "M_B": ([0.0, 0.5, 1.0], [0.9, 0.7, 0.5])}
    fig = _check(cf.accuracy_radius_figure(curves, unit="mV"), 2)
    assert {t.name for t in fig.data} == {"Single", "M_B"}
    single, mb = one(fig, "Single"), one(fig, "M_B")
    np.testing.assert_allclose(single.x, [0.0, 0.5, 1.0])  # sorted by radius
    np.testing.assert_allclose(single.y, [80.0, 60.0, 20.0])  # in percent
    np.testing.assert_allclose(mb.y, [90.0, 70.0, 50.0])
    assert single.line.shape == "hv"  # a step function of the radius
    assert single.line.color != mb.line.color
    assert axis_title(fig, single, "x") == "L2 radius (mV)"
    assert axis_title(fig, single, "y") == "Certified accuracy (%)"
    fig2 = cf.accuracy_radius_figure({"a": ([0, 1], [1, 0])}, title="sigma 0.4")
    assert fig2.layout.title.text == "sigma 0.4"
    assert axis_title(fig2, one(fig2, "a"), "x") == "L2 radius (signal units)"


@pytest.mark.parametrize("curves, match", [
    ({}, "curves must not be empty"),
    ([([0], [1])], "curves must be a dict"),
    ({"a": ([0, 1], [1.0])}, "differ in length"),
    ({"a": ([-0.1, 1], [1, 0])}, "radii"),
    ({"a": ([0, 1], [1.2, 0])}, "certified_accuracy"),
    ({"a": ([0, 1],)}, "pair"),
    ({"a": ([[0, 1]], [[1, 0]])}, "1-D"),
])
def test_accuracy_radius_figure_bad_args(curves, match):
    with pytest.raises(ValueError, match=match):
        cf.accuracy_radius_figure(curves)


# --------------------------------------------------------------------------- radius vs pA
def test_radius_pa_figure_drops_infinite_radius():
    pa = np.array([0.5, 0.75, 0.9, 1.0])
    frame = pd.DataFrame({"pA": pa, "Cohen": [0.0, 0.27, 0.51, np.inf], "Renyi a=2": [0.0, 0.2, 0.4, 0.9]})
    fig = _check(cf.radius_pa_figure(frame, sigma=0.4, unit="mV"), 2)
    assert {t.name for t in fig.data} == {"Cohen", "Renyi a=2"}
    cohen, renyi = one(fig, "Cohen"), one(fig, "Renyi a=2")
    np.testing.assert_allclose(cohen.x, [0.5, 0.75, 0.9])  # the infinite radius is left out
    np.testing.assert_allclose(cohen.y, [0.0, 0.27, 0.51])
    np.testing.assert_allclose(renyi.x, pa)
    np.testing.assert_allclose(renyi.y, [0.0, 0.2, 0.4, 0.9])
    assert axis_title(fig, cohen, "x") == "pA (probability)"
    assert axis_title(fig, cohen, "y") == "Certified L2 radius (mV)"
    assert "σ = 0.4 mV" in fig.layout.title.text


@pytest.mark.parametrize("frame, kw, match", [
    (pd.DataFrame({"p": [0.6], "Cohen": [0.1]}), {}, "'pA'"),
    (pd.DataFrame({"pA": [0.6]}), {}, "radius column"),
    (pd.DataFrame({"pA": [0.3], "Cohen": [0.1]}), {}, r"frame\['pA'\]"),
    (pd.DataFrame({"pA": [0.6], "Cohen": [-0.1]}), {}, "negative"),
    (pd.DataFrame({"pA": [0.6], "Cohen": [0.1]}), {"sigma": 0.0}, "sigma"),
    ({"pA": [0.6]}, {}, "DataFrame"),
])
def test_radius_pa_figure_bad_args(frame, kw, match):
    with pytest.raises(ValueError, match=match):
        cf.radius_pa_figure(frame, **{"sigma": 0.25, **kw})


# --------------------------------------------------------------------------- certified signal
def test_certified_signal_band_is_equal_energy():
    x = np.array([[0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0]])  # C=2, T=4: half = r / sqrt(8)
    r = 0.8
    fig = _check(cf.certified_signal_figure(
        x, r, fs=2.0, unit="mV", channel_names=["I", "II"], prediction=1, label=0,
        class_names=("N", "V")), 6)
    half = r / np.sqrt(8)
    band = f"equal-energy band ±r/√(C·T) = ±{half:.3g} mV"
    for c, lead in enumerate(("I", "II")):
        panel = f"{lead} (mV)"
        upper = one(fig, "band upper edge", y_title=panel)
        lower = one(fig, band, y_title=panel)
        sig = one(fig, "signal", y_title=panel)
        np.testing.assert_allclose(upper.y, x[c] + half)
        np.testing.assert_allclose(lower.y, x[c] - half)
        np.testing.assert_allclose(sig.y, x[c])
        np.testing.assert_allclose(sig.x, [0.0, 0.5, 1.0, 1.5])  # index / fs seconds
        assert lower.fill == "tonexty"  # filled up to the upper edge
        assert axis_title(fig, sig, "x") == "Time (s)"
    assert sorted(t.name for t in fig.data if t.showlegend) == sorted([band, "signal"])
    assert fig.layout.title.text == "Series · true N · predicted V · certified L2 radius r = 0.8 mV"
    note = annotation_texts(fig)[-1]
    assert "single time step" in note and "±0.8 mV" in note


def test_certified_signal_not_certified_one_channel():
    fig = _check(cf.certified_signal_figure(np.arange(5.0), 0.0, fs=None, prediction=-1, label=2,
                                            title="Series #3"), 1)
    assert fig.layout.title.text == f"Series #3 · true 2 · predicted abstain · {cf.NOT_CERTIFIED_TEXT}"
    sig = one(fig, "signal")
    np.testing.assert_allclose(sig.y, np.arange(5.0))
    np.testing.assert_allclose(sig.x, np.arange(5))
    assert axis_title(fig, sig, "x") == "Time step"
    assert axis_title(fig, sig, "y") == "Amplitude (signal units)"
    assert not fig.layout.annotations


@pytest.mark.parametrize("kwargs, match", [
    ({"x": np.zeros((1, 2, 3))}, "x must have shape"),
    ({"x": np.array([[0.0, np.nan]])}, "finite"),
    ({"radius": -0.1}, "radius"),
    ({"radius": np.inf}, "radius"),
    ({"fs": 0}, "fs"),
    ({"channel_names": ["I", "II"]}, "channel_names"),
    ({"label": 3}, "label"),
    ({"prediction": -2}, "prediction"),
    ({"unit": None}, "unit"),
])
def test_certified_signal_bad_args(kwargs, match):
    args = dict(x=np.zeros((1, 8)), radius=0.5, fs=100.0, class_names=("a", "b"))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        cf.certified_signal_figure(args.pop("x"), args.pop("radius"), **args)


# --------------------------------------------------------------------------- pA histogram
def test_pa_histogram_counts_and_threshold():
    p = {"Single": np.array([0.1, 0.45, 0.55, 0.95]), "M_C": np.array([0.6, 0.7, 0.8, 0.99])}
    fig = _check(cf.pa_histogram_figure(p, bins=10), 2)
    single, mc = one(fig, "Single (50% > 0.5)"), one(fig, "M_C (100% > 0.5)")
    np.testing.assert_array_equal(single.y, [0, 1, 0, 0, 1, 1, 0, 0, 0, 1])  # 10 bins on [0, 1]
    np.testing.assert_array_equal(mc.y, np.histogram(p["M_C"], bins=np.linspace(0, 1, 11))[0])
    np.testing.assert_allclose(single.x, np.arange(10) / 10 + 0.05)  # bin centres
    assert single.opacity == 0.5
    assert fig.layout.barmode == "overlay"
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 0.5 and line.line.dash == "dash"
    assert axis_title(fig, single, "x") == "Lower bound on pA (probability)"
    assert axis_title(fig, single, "y") == "Series (count)"


@pytest.mark.parametrize("p, kw, match", [
    ({}, {}, "p_lower must not be empty"),
    ({"a": [0.2, 1.5]}, {}, "p_lower"),
    ({"a": []}, {}, "p_lower"),
    ({"a": [0.2]}, {"bins": 1}, "bins"),
])
def test_pa_histogram_bad_args(p, kw, match):
    with pytest.raises(ValueError, match=match):
        cf.pa_histogram_figure(p, **kw)


# --------------------------------------------------------------------------- margins
def test_margin_figure_shares_and_means():
    z = {"Single": np.array([-0.2, 0.1, 0.3, 0.5]), "M_B": np.array([0.2, 0.4, 0.6, -0.1])}
    c = {"Single": np.array([0.4, 0.5, 0.6, 0.7]), "M_B": np.array([0.6, 0.7, 0.8, 0.5])}
    fig = _check(cf.margin_figure(z, c, bins=5), 6)
    z_single = one(fig, "Single · P(z > 0) = 75.0%")  # 3 of 4 margins positive
    z_mb = one(fig, "M_B · P(z > 0) = 75.0%")
    assert sum(z_single.y) == sum(z_mb.y) == 4
    assert axis_title(fig, z_single, "x") == "Margin z (softmax score difference)"
    assert axis_title(fig, z_single, "y") == "Noise draws (count)"
    c_single = one(fig, "Single", x_title="c_A (softmax score)")
    assert sum(c_single.y) == 4
    mean_single, mean_mb = one(fig, "mean c_A · Single"), one(fig, "mean c_A · M_B")
    assert mean_single.line.color == cf.MEAN_COLOR
    assert list(mean_single.x) == pytest.approx([0.55, 0.55])  # mean of c["Single"]
    assert list(mean_mb.x) == pytest.approx([0.65, 0.65])
    assert axis_title(fig, mean_mb, "x") == "c_A (softmax score)"
    (zero,) = fig.layout.shapes
    assert zero.x0 == zero.x1 == 0 and zero.line.color == cf.BOUNDARY_COLOR
    assert zero.xref == z_single.xaxis  # the decision boundary on the margin panel


@pytest.mark.parametrize("z, c, match", [
    ({}, {}, "margins must not be empty"),
    ({"a": [0.1]}, {"b": [0.5]}, "top_scores must have the labels"),
    ({"a": [0.1, 0.2]}, {"a": [0.5]}, "differ in length"),
    ({"a": [1.5]}, {"a": [0.5]}, "margins"),
    ({"a": [0.1]}, {"a": [-0.5]}, "top_scores"),
])
def test_margin_figure_bad_args(z, c, match):
    with pytest.raises(ValueError, match=match):
        cf.margin_figure(z, c)


# --------------------------------------------------------------------------- ablation
def test_ablation_figure_groups_sorted():
    frame = pd.DataFrame({"ensemble size": [10, 1, 5, 1, 5, 10], "mask": ["M_B"] * 3 + ["M_C"] * 3,
                          "ACR": [0.5, 0.3, 0.45, 0.32, 0.4, 0.52]})
    fig = _check(cf.ablation_figure(frame, x="ensemble size", group="mask", unit="mV",
                                    x_unit="count"), 2)
    assert {t.name for t in fig.data} == {"M_B", "M_C"}
    mb, mc = one(fig, "M_B"), one(fig, "M_C")
    assert list(mb.x) == [1, 5, 10] and list(mc.x) == [1, 5, 10]  # sorted by x
    np.testing.assert_allclose(mb.y, [0.3, 0.45, 0.5])
    np.testing.assert_allclose(mc.y, [0.32, 0.4, 0.52])
    assert mb.mode == "lines+markers"
    assert axis_title(fig, mb, "x") == "ensemble size (count)"
    assert axis_title(fig, mb, "y") == "ACR (mV)"
    fig1 = _check(cf.ablation_figure(frame, x="ensemble size"), 1)
    assert axis_title(fig1, one(fig1), "y") == "ACR (signal units)"
    fig2 = cf.ablation_figure(frame.rename(columns={"ACR": "accuracy"}), x="ensemble size",
                              y="accuracy", unit="%")
    assert axis_title(fig2, one(fig2), "y") == "accuracy (%)"
    empty = _check(cf.ablation_figure(frame.iloc[:0], x="ensemble size"), 0)
    assert empty.layout.annotations[0].text == "no ablation results"
    with pytest.raises(ValueError, match="'keep ratio'"):
        cf.ablation_figure(frame, x="keep ratio")
    with pytest.raises(ValueError, match="'sigma'"):
        cf.ablation_figure(frame, x="ensemble size", group="sigma")


# --------------------------------------------------------------------------- attack success
def test_attack_success_figure_table4():
    rows = [("Benign", 0.25, 0.98), ("Benign", 0.5, 0.99), ("M_B", 0.5, 0.47), ("M_B", 0.25, 0.24)]
    frame = pd.DataFrame(rows, columns=["classifier", "eps", "asr"])
    fig = _check(cf.attack_success_figure(frame, unit="mV"), 2)
    assert {t.name for t in fig.data} == {"Benign", "M_B"}
    mb = one(fig, "M_B")
    np.testing.assert_allclose(mb.x, [0.25, 0.5])  # sorted by eps
    np.testing.assert_allclose(mb.y, [24.0, 47.0])  # in percent
    np.testing.assert_allclose(one(fig, "Benign").y, [98.0, 99.0])
    assert axis_title(fig, mb, "x") == "L2 budget eps (mV)"
    assert axis_title(fig, mb, "y") == "Attack success rate (%)"
    with pytest.raises(ValueError, match="'asr'"):
        cf.attack_success_figure(frame.drop(columns="asr"))
    with pytest.raises(ValueError, match="asr"):
        cf.attack_success_figure(frame.assign(asr=frame["asr"] * 100))
    with pytest.raises(ValueError, match="eps"):
        cf.attack_success_figure(frame.assign(eps=-frame["eps"]))
    assert _check(cf.attack_success_figure(frame.iloc[:0]), 0).layout.annotations


# --------------------------------------------------------------------------- soundness
def _soundness_frame():
    return pd.DataFrame({
        "idx": [0, 0, 1, 1, 2],
        "radius": [0.5, 0.5, 0.3, 0.3, 0.0],
        "norm": [0.4, 0.6, 0.2, 0.25, 0.1],
        "kind": ["pgd", "pgd", "random", "random", "pgd"],
        "changed": [False, True, True, False, False],
        "abstained": [False, False, False, False, True],
    })


def test_soundness_figure_colours_symbols_title():
    fig = _check(cf.soundness_figure(_soundness_frame(), unit="mV"))
    diag = one(fig, "norm = radius")
    assert list(diag.x) == list(diag.y)
    points = [t for t in fig.data if t.name != "norm = radius"]
    by_name = {t.name: t for t in points}
    assert set(by_name) == {"pgd · changed", "pgd · abstained", "pgd · unchanged",
                            "random · changed", "random · unchanged"}
    assert len(fig.data) == 6
    assert by_name["pgd · changed"].marker.color == cf.SOUNDNESS_COLORS["changed"] == "#D62728"
    assert by_name["pgd · abstained"].marker.color == cf.SOUNDNESS_COLORS["abstained"]
    assert by_name["random · unchanged"].marker.color == cf.SOUNDNESS_COLORS["unchanged"]
    assert by_name["pgd · unchanged"].marker.symbol == "diamond"
    assert by_name["random · changed"].marker.symbol == "circle"
    np.testing.assert_allclose(by_name["random · changed"].x, [0.3])
    np.testing.assert_allclose(by_name["random · changed"].y, [0.2])
    # 2 of 5 changed; the random one (norm 0.2 < radius 0.3) is within the radius
    assert fig.layout.title.text == ("Soundness checks: 2/5 changed the prediction (40.0%), "
                                     "1 within the certified radius")
    assert axis_title(fig, diag, "x") == "Certified L2 radius (mV)"
    assert axis_title(fig, diag, "y") == "Perturbation L2 norm (mV)"


def test_soundness_figure_bad_args_and_empty():
    f = _soundness_frame()
    with pytest.raises(ValueError, match="'changed'"):
        cf.soundness_figure(f.drop(columns="changed"))
    with pytest.raises(ValueError, match="radius"):
        cf.soundness_figure(f.assign(radius=-f["radius"]))
    with pytest.raises(ValueError, match="abstained"):
        cf.soundness_figure(f.assign(abstained=["yes"] * 5))
    with pytest.raises(ValueError, match="frame"):
        cf.soundness_figure(f.to_dict())
    empty = _check(cf.soundness_figure(f.iloc[:0]), 0)
    assert empty.layout.annotations[0].text == "no soundness checks"
