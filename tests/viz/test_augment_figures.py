"""tsviz.viz.augment_figures: the Augment page's figures from hand-built arrays and frames.

Traces are found by name, by the title of the axis they are drawn on or by their data
(figure_lookup), never by position or axis id; the checks are on the plotted values and labels.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from figure_lookup import axis_range, axis_title, domain, matching, one, same_panel, traces

from tsviz.viz import augment_figures as af
from tsviz.viz.style import class_colors

REPO = Path(__file__).resolve().parents[2]
T = 120


def _check(fig, n_traces=None):
    assert isinstance(fig, go.Figure)
    if n_traces is not None:
        assert len(fig.data) == n_traces
    assert fig.layout.uirevision
    assert fig.layout.title.text
    fig.to_json()  # serialisable
    return fig


def _annotations(fig):
    return [a.text for a in fig.layout.annotations]


@pytest.fixture
def series():
    t = np.arange(T, dtype=np.float64)
    x = np.sin(2 * np.pi * t / 40.0)
    fd = np.gradient(x)
    return x, fd


def test_import_does_not_import_plotly():
    code = ("import sys, tsviz.viz.augment_figures; "
            "bad = [m for m in ('plotly', 'pandas', 'torch', 'tsviz.augment', 'tsviz.training') "
            "if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_all_names_exist():
    for name in af.__all__:
        assert hasattr(af, name)
    assert len(af.AUGMENT_COLORS) >= 6


# --------------------------------------------------------------------------- numbers
def test_relative_rmse_hand_checked():
    ref = np.array([1.0, -2.0, 3.0, 0.5])
    assert af.relative_rmse(1.1 * ref, ref) == pytest.approx(0.1)
    assert af.relative_rmse(ref, ref) == 0.0
    # ||(1, 1)|| / ||(3, 4)|| = sqrt(2) / 5
    assert af.relative_rmse([4.0, 5.0], [3.0, 4.0]) == pytest.approx(np.sqrt(2) / 5)
    assert af.relative_rmse([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert af.relative_rmse([1.0, 0.0], [0.0, 0.0]) == np.inf
    with pytest.raises(ValueError, match="shape"):
        af.relative_rmse([1.0, 2.0], [1.0])


def test_central_difference():
    x = np.array([0.0, 1.0, 4.0, 9.0])
    np.testing.assert_allclose(af.central_difference(x), [1.0, 2.0, 4.0, 5.0])
    np.testing.assert_allclose(af.central_difference(x[None], fs=10.0), [[10.0, 20.0, 40.0, 50.0]])
    with pytest.raises(ValueError, match="fs"):
        af.central_difference(x, fs=0)
    with pytest.raises(ValueError, match="x"):
        af.central_difference([1.0])


# --------------------------------------------------------------------------- derivative
def test_derivative_figure_1d_steps(series):
    x, fd = series
    fig = _check(af.derivative_figure(x, 1.1 * fd, fd, unit="mV"), 3)
    sig, learned, diff = one(fig, "signal"), one(fig, "learned dz/dt (ODENet)"), one(fig, "finite difference")
    np.testing.assert_allclose(sig.y, x)
    np.testing.assert_allclose(learned.y, 1.1 * fd)
    np.testing.assert_allclose(diff.y, fd)
    assert diff.line.dash == "dash"
    assert axis_title(fig, sig, "y") == "Amplitude (mV)"
    assert axis_title(fig, learned, "y") == axis_title(fig, diff, "y") == "dz/dt (mV/step)"  # one panel
    assert axis_title(fig, learned, "x") == "Time step"
    assert "relative RMSE 0.100" in fig.layout.title.text
    assert "relative RMSE = 0.100" in _annotations(fig)


def test_derivative_figure_2d_seconds_and_channel(series):
    x, fd = series
    xs = np.stack([x, 2 * x])
    fds = 100.0 * np.stack([fd, 2 * fd])
    learned = fds.copy()
    learned[1] *= 0.8  # channel 1: relative RMSE 0.2
    fig = _check(af.derivative_figure(xs, learned, fds, fs=100.0, unit="mV", channel=1,
                                      title="custom"), 3)
    assert fig.layout.title.text == "custom"
    assert "relative RMSE = 0.200" in _annotations(fig)  # still shown with a custom title
    learned = one(fig, "learned dz/dt (ODENet)")
    assert axis_title(fig, learned, "y") == "dz/dt (mV/s)"
    assert axis_title(fig, learned, "x") == "Time (s)"
    np.testing.assert_allclose(learned.y, 0.8 * fds[1])  # channel 1
    np.testing.assert_allclose(one(fig, "finite difference").y, fds[1])
    sig = one(fig, "signal")
    np.testing.assert_allclose(sig.y, 2 * x)
    np.testing.assert_allclose(sig.x, np.arange(T) / 100.0)
    # (T,) derivatives for a one-channel (1, T) series are accepted
    _check(af.derivative_figure(x[None], fd, fd[None]), 3)


def test_derivative_figure_zero_reference_and_units(series):
    x, _ = series
    fig = af.derivative_figure(x, np.ones(T), np.zeros(T))
    assert "relative RMSE = n/a" in _annotations(fig)
    assert axis_title(fig, one(fig, "learned dz/dt (ODENet)"), "y") == "dz/dt (signal units/step)"


@pytest.mark.parametrize("kw, name", [
    ({"learned": np.zeros(T - 1)}, "learned"),
    ({"finite_difference": np.zeros((2, T))}, "finite_difference"),
    ({"x": np.zeros((1, 1, T))}, "x"),
    ({"learned": np.full(T, np.nan)}, "learned"),
    ({"fs": -1.0}, "fs"),
    ({"unit": 3}, "unit"),
    ({"channel": 1}, "channel"),
])
def test_derivative_figure_bad_inputs(series, kw, name):
    x, fd = series
    args = {"x": x, "learned": fd, "finite_difference": fd}
    opts = {k: v for k, v in kw.items() if k not in args}
    args.update({k: v for k, v in kw.items() if k in args})
    with pytest.raises(ValueError, match=name):
        af.derivative_figure(args["x"], args["learned"], args["finite_difference"], **opts)


# --------------------------------------------------------------------------- augmented examples
def test_augmented_examples_figure_1d(series):
    x, _ = series
    aug = {"In-Clamp-Grad": x + 0.1, "Out-Sign-Grad": x - 0.25 * np.sign(x), "Spec-Den": 0.5 * x}
    fig = _check(af.augmented_examples_figure(x, aug, fs=50.0, unit="mV", class_name="N"), 6)
    titles = _annotations(fig)
    assert titles[0] == "In-Clamp-Grad · max |Δ| = 0.1 mV"
    assert titles[1] == "Out-Sign-Grad · max |Δ| = 0.25 mV"
    assert titles[2] == f"Spec-Den · max |Δ| = {0.5 * np.abs(x).max():.3g} mV"
    # each method in its own row with the original in grey behind it; the original has one
    # legend entry; each augmented series in its method's colour
    originals = traces(fig, "original")
    assert len(originals) == 3 and all(t.line.color == af.ORIGINAL_COLOR for t in originals)
    assert sorted(bool(t.showlegend) for t in originals) == [False, False, True]
    rows = set()
    for j, (method, series_aug) in enumerate(aug.items()):
        tr = one(fig, method)
        np.testing.assert_allclose(tr.y, series_aug)
        np.testing.assert_allclose(tr.x, np.arange(T) / 50.0)
        assert tr.line.color == af.AUGMENT_COLORS[j]
        panel = same_panel(fig, tr)
        assert sorted(t.name for t in panel) == sorted(["original", method])
        np.testing.assert_allclose(next(t for t in panel if t.name == "original").y, x)
        assert axis_title(fig, tr, "y") == "Amplitude (mV)" and axis_title(fig, tr, "x") == "Time (s)"
        rows.add(tr.yaxis)
    assert len(rows) == 3  # one row per method, one shared time axis (titled once, at the bottom)
    assert "class N" in fig.layout.title.text


def test_augmented_examples_figure_2d_channel(series):
    x, _ = series
    xs = np.stack([x, -x])
    aug = xs.copy()
    aug[0] += 0.05
    aug[1] += 0.3
    fig = _check(af.augmented_examples_figure(xs, {"Rand-Grad": aug}, channel=1), 2)
    assert _annotations(fig)[0] == "Rand-Grad · max |Δ| = 0.3 signal units"
    np.testing.assert_allclose(one(fig, "original").y, -x)  # channel 1
    np.testing.assert_allclose(one(fig, "Rand-Grad").y, aug[1])
    assert axis_title(fig, one(fig, "original"), "x") == "Time step"
    assert "channel 1" in fig.layout.title.text


@pytest.mark.parametrize("augmented, match", [
    ({}, "augmented"),
    ([np.zeros(T)], "augmented"),
    ({"a": np.zeros(T + 1)}, r"augmented\['a'\]"),
    ({"a": np.full(T, np.inf)}, r"augmented\['a'\]"),
])
def test_augmented_examples_figure_bad_inputs(series, augmented, match):
    x, _ = series
    with pytest.raises(ValueError, match=match):
        af.augmented_examples_figure(x, augmented)


def test_augmented_examples_figure_bad_options(series):
    x, _ = series
    with pytest.raises(ValueError, match="class_name"):
        af.augmented_examples_figure(x, {"a": x}, class_name=3)
    with pytest.raises(ValueError, match="channel"):
        af.augmented_examples_figure(x, {"a": x}, channel=2)


# --------------------------------------------------------------------------- Table I
@pytest.fixture
def table():
    return pd.DataFrame({
        "model": ["baseline", "In-Sign-Grad", "Out-Sign-Grad"],
        "true": [79.0, 79.49, 79.49], "fgsm": [35.4, 47.95, 72.31], "bim": [20.8, 38.72, 72.05],
        "card_recipe": ["standard", "augment", "augment"],  # text: skipped
    })


def test_robustness_table_figure(table):
    fig = _check(af.robustness_table_figure(table), 3)
    assert all(t.type == "bar" for t in fig.data)
    assert {t.name for t in fig.data} == {"true", "fgsm", "bim"}  # numeric columns only
    for col in ("true", "fgsm", "bim"):
        bars = one(fig, col)
        assert list(bars.x) == ["baseline", "In-Sign-Grad", "Out-Sign-Grad"]
        np.testing.assert_allclose(bars.y, table[col])
    assert list(one(fig, "fgsm").text) == ["35.4", "48.0", "72.3"]  # values printed on the bars
    assert fig.layout.barmode == "group"
    bim = one(fig, "bim")
    assert axis_title(fig, bim, "y") == "Accuracy (%)"
    assert axis_range(fig, bim)[0] == 0 and axis_range(fig, bim)[1] >= 100
    fig = _check(af.robustness_table_figure(table, columns=["bim", "true"]), 2)
    assert {t.name for t in fig.data} == {"bim", "true"}


def test_robustness_table_figure_nan_and_empty(table):
    table.loc[0, "bim"] = np.nan
    fig = _check(af.robustness_table_figure(table), 3)
    bim = one(fig, "bim")
    assert bim.text[0] == "" and np.isnan(bim.y[0])  # no label, no bar for the missing value
    empty = _check(af.robustness_table_figure(pd.DataFrame(columns=["model", "true"])), 0)
    assert "no results" in _annotations(empty)


def test_robustness_table_figure_bad_inputs(table):
    with pytest.raises(ValueError, match="table"):
        af.robustness_table_figure(table.drop(columns="model"))
    with pytest.raises(ValueError, match="table"):
        af.robustness_table_figure(table.to_dict())
    with pytest.raises(ValueError, match=r"table\['fgsm'\]"):
        af.robustness_table_figure(table.assign(fgsm=[35.4, 147.0, 72.3]))
    with pytest.raises(ValueError, match="table"):
        af.robustness_table_figure(table, columns=["pgd"])
    with pytest.raises(ValueError, match=r"table\['card_recipe'\]"):
        af.robustness_table_figure(table, columns=["card_recipe"])
    with pytest.raises(ValueError, match=r"table\['model'\]"):
        af.robustness_table_figure(table.assign(model=["a", "a", "b"]))
    with pytest.raises(ValueError, match="table"):
        af.robustness_table_figure(table[["model", "card_recipe"]])


# --------------------------------------------------------------------------- accuracy vs eps
@pytest.fixture
def sweep():
    eps = [0.0, 0.05, 0.1]
    return pd.DataFrame({
        "model": ["standard"] * 3 + ["nsr"] * 3,
        "attack": ["pgd"] * 6,
        "eps": eps[::-1] + eps,  # unsorted for one model
        "adversarial_accuracy": [0.2, 0.5, 0.9, 0.9, 0.8, 0.7],
    })


def test_accuracy_eps_figure(sweep):
    fig = _check(af.accuracy_eps_figure(sweep, unit="mV"), 2)
    assert {t.name for t in fig.data} == {"standard", "nsr"}
    assert all(t.mode == "lines+markers" for t in fig.data)
    standard = one(fig, "standard")
    np.testing.assert_allclose(standard.x, [0.0, 0.05, 0.1])  # sorted by eps
    np.testing.assert_allclose(standard.y, [90.0, 50.0, 20.0])  # in %
    np.testing.assert_allclose(one(fig, "nsr").y, [90.0, 80.0, 70.0])
    assert axis_title(fig, standard, "x") == "eps (mV)"
    assert axis_title(fig, standard, "y") == "Adversarial accuracy (%)"
    assert "(pgd)" in fig.layout.title.text


def test_accuracy_eps_figure_attacks_and_nan(sweep):
    both = pd.concat([sweep, sweep.assign(attack="fgsm")], ignore_index=True)
    fig = _check(af.accuracy_eps_figure(both.drop(columns=[])), 4)
    assert {t.name for t in fig.data} == {"standard · pgd", "standard · fgsm", "nsr · pgd", "nsr · fgsm"}
    sp, sf, npgd = one(fig, "standard · pgd"), one(fig, "standard · fgsm"), one(fig, "nsr · pgd")
    assert sp.line.color == sf.line.color != npgd.line.color  # colour: model; dash: attack
    assert sp.line.dash != sf.line.dash and sp.line.dash == npgd.line.dash
    np.testing.assert_allclose(sf.y, [90.0, 50.0, 20.0])
    assert axis_title(fig, sp, "x") == "eps (signal units)"
    no_attack = sweep.drop(columns="attack")
    no_attack.loc[1, "adversarial_accuracy"] = np.nan  # standard at eps 0.05
    fig = _check(af.accuracy_eps_figure(no_attack), 2)
    np.testing.assert_allclose(one(fig, "standard").x, [0.0, 0.1])  # the NaN point is left out
    empty = _check(af.accuracy_eps_figure(sweep.iloc[:0]), 0)
    assert "no results" in _annotations(empty)


def test_accuracy_eps_figure_bad_inputs(sweep):
    with pytest.raises(ValueError, match="frame"):
        af.accuracy_eps_figure(sweep.drop(columns="eps"))
    with pytest.raises(ValueError, match="frame"):
        af.accuracy_eps_figure(sweep, metric="success_rate")
    with pytest.raises(ValueError, match=r"frame\['adversarial_accuracy'\]"):
        af.accuracy_eps_figure(sweep.assign(adversarial_accuracy=90.0))
    with pytest.raises(ValueError, match=r"frame\['eps'\]"):
        af.accuracy_eps_figure(sweep.assign(eps=-0.1))
    with pytest.raises(ValueError, match="unit"):
        af.accuracy_eps_figure(sweep, unit=None)


# --------------------------------------------------------------------------- latent PCA grid
@pytest.fixture
def latent():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    emb = {f"model {i}": rng.normal(size=(60, 2)) + y[:, None] for i in range(4)}
    return emb, y, ["N", "S", "V"]


def test_latent_pca_grid_figure(latent):
    emb, y, names = latent
    fig = _check(af.latent_pca_grid_figure(emb, y, names, explained={"model 0": (0.4, 0.25)}),
                 4 * 3)
    assert _annotations(fig) == list(emb)  # one panel title per model, in the given order
    colors = class_colors(3)
    panels = {}
    for model, coords in emb.items():  # every model's points, one trace per class, in one panel
        found = [matching(fig, name, coords[y == k, 0]) for k, name in enumerate(names)]
        for k, t in enumerate(found):
            np.testing.assert_allclose(t.y, coords[y == k, 1])
            assert t.marker.color == colors[k] and t.legendgroup == names[k]
        assert len({(t.xaxis, t.yaxis) for t in found}) == 1
        panels[model] = found[0]
    assert len({(t.xaxis, t.yaxis) for t in panels.values()}) == 4
    assert sorted(t.name for t in fig.data if t.showlegend) == sorted(names)  # one legend entry per class
    # 4 panels, 3 per row: the fourth below the first
    assert domain(fig, panels["model 3"], "x") == domain(fig, panels["model 0"], "x")
    assert domain(fig, panels["model 3"], "y")[1] < domain(fig, panels["model 0"], "y")[0]
    assert axis_title(fig, panels["model 0"], "x") == "PC1 (40.0%)"  # explained variance given
    assert axis_title(fig, panels["model 0"], "y") == "PC2 (25.0%)"
    assert axis_title(fig, panels["model 1"], "x") == "PC1"  # ... or not


def test_latent_pca_grid_figure_missing_class_and_one_panel(latent):
    emb, y, names = latent
    y2 = np.where(y == 2, 0, y)  # class V absent
    fig = _check(af.latent_pca_grid_figure({"ref": emb["model 0"]}, y2, names), 2)
    assert {t.name for t in fig.data} == {"N", "S"}
    np.testing.assert_allclose(one(fig, "N").x, emb["model 0"][y2 == 0, 0])  # V's points now N


def test_latent_pca_grid_figure_bad_inputs(latent):
    emb, y, names = latent
    with pytest.raises(ValueError, match="embeddings"):
        af.latent_pca_grid_figure({}, y, names)
    with pytest.raises(ValueError, match="embeddings"):
        af.latent_pca_grid_figure({str(i): emb["model 0"] for i in range(7)}, y, names)
    with pytest.raises(ValueError, match=r"embeddings\['model 0'\]"):
        af.latent_pca_grid_figure({"model 0": emb["model 0"][:-1]}, y, names)
    with pytest.raises(ValueError, match=r"embeddings\['m'\]"):
        af.latent_pca_grid_figure({"m": np.zeros((60, 3))}, y, names)
    with pytest.raises(ValueError, match="y"):
        af.latent_pca_grid_figure(emb, y + 1, names)
    with pytest.raises(ValueError, match="class_names"):
        af.latent_pca_grid_figure(emb, y, [])
    with pytest.raises(ValueError, match="explained"):
        af.latent_pca_grid_figure(emb, y, names, explained={"other": (0.1, 0.1)})
    with pytest.raises(ValueError, match="explained"):
        af.latent_pca_grid_figure(emb, y, names, explained={"model 0": (1.5, 0.1)})


# --------------------------------------------------------------------------- training curves
def test_training_compare_figure():
    hist = {
        "baseline": {"epoch": [1, 2, 3], "val_accuracy": [0.5, 0.6, 0.7], "val_loss": [1.0, 0.8, 0.7]},
        "augmented": {"val_accuracy": [0.4, float("nan"), 0.8, 0.9]},
        "no-val": {"epoch": [1], "train_accuracy": [0.5]},
    }
    fig = _check(af.training_compare_figure(hist), 2)
    assert {t.name for t in fig.data} == {"baseline", "augmented"}  # no-val has no val_accuracy
    base, aug = one(fig, "baseline"), one(fig, "augmented")
    np.testing.assert_allclose(base.y, [50.0, 60.0, 70.0])
    np.testing.assert_allclose(aug.x, [1, 3, 4])  # default epochs, NaN dropped
    np.testing.assert_allclose(aug.y, [40.0, 80.0, 90.0])
    assert axis_title(fig, base, "x") == "Epoch"
    assert axis_title(fig, base, "y") == "Validation accuracy (%)"
    fig = _check(af.training_compare_figure(hist, metric="val_loss"), 1)
    base = one(fig, "baseline")
    assert axis_title(fig, base, "y") == "Validation loss (nats)"
    np.testing.assert_allclose(base.y, [1.0, 0.8, 0.7])
    frame = pd.DataFrame({"epoch": [1, 2], "val_accuracy": [0.1, 0.2]})
    _check(af.training_compare_figure({"df": frame}), 1)
    empty = _check(af.training_compare_figure({"x": {"epoch": []}}), 0)
    assert "no val_accuracy in the histories" in _annotations(empty)


def test_training_compare_figure_bad_inputs():
    with pytest.raises(ValueError, match="histories"):
        af.training_compare_figure({})
    with pytest.raises(ValueError, match=r"histories\['a'\]"):
        af.training_compare_figure({"a": [0.1, 0.2]})
    with pytest.raises(ValueError, match=r"histories\['a'\]"):
        af.training_compare_figure({"a": {"val_accuracy": [50.0, 60.0]}})
    with pytest.raises(ValueError, match="metric"):
        af.training_compare_figure({"a": {"val_accuracy": [0.5]}}, metric="epoch")
