"""tsviz.viz.augment_figures: the Augment page's figures from hand-built arrays and frames."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

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
    assert [t.name for t in fig.data] == ["signal", "learned dz/dt (ODENet)", "finite difference"]
    assert fig.data[0].yaxis == "y" and fig.data[1].yaxis == "y2" and fig.data[2].yaxis == "y2"
    np.testing.assert_allclose(fig.data[0].y, x)
    np.testing.assert_allclose(fig.data[1].y, 1.1 * fd)
    assert fig.data[2].line.dash == "dash"
    assert fig.layout.yaxis.title.text == "Amplitude (mV)"
    assert fig.layout.yaxis2.title.text == "dz/dt (mV/step)"
    assert fig.layout.xaxis2.title.text == "Time step"
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
    assert fig.layout.yaxis2.title.text == "dz/dt (mV/s)"
    assert fig.layout.xaxis2.title.text == "Time (s)"
    np.testing.assert_allclose(fig.data[0].y, 2 * x)
    np.testing.assert_allclose(fig.data[0].x[-1], (T - 1) / 100.0)
    # (T,) derivatives for a one-channel (1, T) series are accepted
    _check(af.derivative_figure(x[None], fd, fd[None]), 3)


def test_derivative_figure_zero_reference_and_units(series):
    x, _ = series
    fig = af.derivative_figure(x, np.ones(T), np.zeros(T))
    assert "relative RMSE = n/a" in _annotations(fig)
    assert fig.layout.yaxis2.title.text == "dz/dt (signal units/step)"


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
    # original grey in every row, one legend entry; augmented in its method's colour
    originals = fig.data[0::2]
    assert all(t.name == "original" and t.line.color == af.ORIGINAL_COLOR for t in originals)
    assert [t.showlegend for t in originals] == [True, False, False]
    assert [t.name for t in fig.data[1::2]] == list(aug)
    assert [t.line.color for t in fig.data[1::2]] == list(af.AUGMENT_COLORS[:3])
    np.testing.assert_allclose(fig.data[3].y, aug["Out-Sign-Grad"])
    assert [t.yaxis for t in fig.data] == ["y", "y", "y2", "y2", "y3", "y3"]
    for ax in ("yaxis", "yaxis2", "yaxis3"):
        assert fig.layout[ax].title.text == "Amplitude (mV)"
    assert fig.layout.xaxis3.title.text == "Time (s)"
    assert fig.layout.xaxis.matches == fig.layout.xaxis2.matches == "x3"  # shared time axis
    assert "class N" in fig.layout.title.text


def test_augmented_examples_figure_2d_channel(series):
    x, _ = series
    xs = np.stack([x, -x])
    aug = xs.copy()
    aug[0] += 0.05
    aug[1] += 0.3
    fig = _check(af.augmented_examples_figure(xs, {"Rand-Grad": aug}, channel=1), 2)
    assert _annotations(fig)[0] == "Rand-Grad · max |Δ| = 0.3 signal units"
    np.testing.assert_allclose(fig.data[0].y, -x)
    assert fig.layout.xaxis.title.text == "Time step"
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
    assert [t.type for t in fig.data] == ["bar"] * 3
    assert [t.name for t in fig.data] == ["true", "fgsm", "bim"]
    assert list(fig.data[1].x) == ["baseline", "In-Sign-Grad", "Out-Sign-Grad"]
    np.testing.assert_allclose(fig.data[2].y, [20.8, 38.72, 72.05])
    assert list(fig.data[1].text) == ["35.4", "48.0", "72.3"]
    assert fig.layout.barmode == "group"
    assert fig.layout.yaxis.title.text == "Accuracy (%)"
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] >= 100
    fig = _check(af.robustness_table_figure(table, columns=["bim", "true"]), 2)
    assert [t.name for t in fig.data] == ["bim", "true"]


def test_robustness_table_figure_nan_and_empty(table):
    table.loc[0, "bim"] = np.nan
    fig = _check(af.robustness_table_figure(table), 3)
    assert fig.data[2].text[0] == ""
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
    assert [t.name for t in fig.data] == ["standard", "nsr"]
    assert all(t.mode == "lines+markers" for t in fig.data)
    np.testing.assert_allclose(fig.data[0].x, [0.0, 0.05, 0.1])  # sorted by eps
    np.testing.assert_allclose(fig.data[0].y, [90.0, 50.0, 20.0])  # in %
    np.testing.assert_allclose(fig.data[1].y, [90.0, 80.0, 70.0])
    assert fig.layout.xaxis.title.text == "eps (mV)"
    assert fig.layout.yaxis.title.text == "Adversarial accuracy (%)"
    assert "(pgd)" in fig.layout.title.text


def test_accuracy_eps_figure_attacks_and_nan(sweep):
    both = pd.concat([sweep, sweep.assign(attack="fgsm")], ignore_index=True)
    fig = _check(af.accuracy_eps_figure(both.drop(columns=[])), 4)
    assert [t.name for t in fig.data] == ["standard · pgd", "standard · fgsm", "nsr · pgd", "nsr · fgsm"]
    assert fig.data[0].line.color == fig.data[1].line.color != fig.data[2].line.color
    assert fig.data[0].line.dash != fig.data[1].line.dash
    assert fig.layout.xaxis.title.text == "eps (signal units)"
    no_attack = sweep.drop(columns="attack")
    no_attack.loc[1, "adversarial_accuracy"] = np.nan
    fig = _check(af.accuracy_eps_figure(no_attack), 2)
    assert len(fig.data[0].x) == 2
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
    assert _annotations(fig) == list(emb)  # one panel title per model
    # 4 panels, 3 per row: rows of 3 then 1
    assert fig.data[0].xaxis == "x" and fig.data[3 * 3].xaxis == "x4"
    assert fig.layout.xaxis4.domain == fig.layout.xaxis.domain
    assert fig.layout.yaxis4.domain[1] < fig.layout.yaxis.domain[0]
    colors = class_colors(3)
    assert [t.marker.color for t in fig.data[:3]] == colors
    assert [t.name for t in fig.data if t.showlegend] == names  # one legend entry per class
    assert all(t.legendgroup == t.name for t in fig.data)
    np.testing.assert_allclose(fig.data[4].x, emb["model 1"][y == 1, 0])
    assert fig.layout.xaxis.title.text == "PC1 (40.0%)"
    assert fig.layout.yaxis.title.text == "PC2 (25.0%)"
    assert fig.layout.xaxis2.title.text == "PC1"


def test_latent_pca_grid_figure_missing_class_and_one_panel(latent):
    emb, y, names = latent
    y2 = np.where(y == 2, 0, y)  # class V absent
    fig = _check(af.latent_pca_grid_figure({"ref": emb["model 0"]}, y2, names), 2)
    assert [t.name for t in fig.data] == ["N", "S"]


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
    assert [t.name for t in fig.data] == ["baseline", "augmented"]
    np.testing.assert_allclose(fig.data[0].y, [50.0, 60.0, 70.0])
    np.testing.assert_allclose(fig.data[1].x, [1, 3, 4])  # default epochs, NaN dropped
    assert fig.layout.xaxis.title.text == "Epoch"
    assert fig.layout.yaxis.title.text == "Validation accuracy (%)"
    fig = _check(af.training_compare_figure(hist, metric="val_loss"), 1)
    assert fig.layout.yaxis.title.text == "Validation loss (nats)"
    np.testing.assert_allclose(fig.data[0].y, [1.0, 0.8, 0.7])
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
