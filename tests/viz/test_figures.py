"""tsviz.viz: every figure builds, has the expected traces, units on the axes, and exports."""
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tsviz import viz
from tsviz.data import Dataset
from tsviz.data.stats import class_mean_std, class_psd, pca_series
from tsviz.models import build
from tsviz.models.evaluation import embed_latents, evaluate_model
from tsviz.viz.style import class_colors, decimate_minmax

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def missing_class_dataset():
    """Test split lacks class 'c'; no fs (time in steps)."""
    rng = np.random.default_rng(0)
    Xtr = rng.standard_normal((9, 1, 16)).astype(np.float32)
    Xte = rng.standard_normal((4, 1, 16)).astype(np.float32)
    return Dataset("miss", Xtr, np.arange(9) % 3, Xte, np.array([0, 1, 0, 1]), ("a", "b", "c"),
                   fs=None, unit="mV")


@pytest.fixture
def multichannel_dataset():
    rng = np.random.default_rng(1)
    Xtr = rng.standard_normal((20, 3, 40)).astype(np.float32)
    Xte = rng.standard_normal((8, 3, 40)).astype(np.float32)
    return Dataset("multi", Xtr, np.arange(20) % 2, Xte, np.arange(8) % 2, ("x", "y"), fs=250.0,
                   unit="mV", meta={"channel_names": ["I", "II", "V1"]})


@pytest.fixture
def report(tiny_dataset):
    model = build("mlp", 1, 3, 32)
    return evaluate_model(model, tiny_dataset.X_test, tiny_dataset.y_test,
                          class_names=tiny_dataset.class_names)


def _check(fig, n_traces=None):
    assert isinstance(fig, go.Figure)
    if n_traces is not None:
        assert len(fig.data) == n_traces
    assert fig.layout.uirevision
    assert fig.layout.title.text
    for tr in fig.data:  # no oversized traces
        for attr in ("x", "y"):
            v = getattr(tr, attr, None)
            if v is not None:
                assert len(v) <= 40_000
    return fig


def test_import_viz_does_not_import_plotly():
    code = ("import sys, tsviz.viz, tsviz.data.stats, tsviz.models.evaluation; "
            "bad = [m for m in ('plotly', 'sklearn', 'scipy', 'streamlit', 'pandas') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_samples_figure(tiny_dataset):
    fig = _check(viz.samples_figure(tiny_dataset, [0, 1, 2]), 3)
    assert fig.layout.xaxis.title.text == "Time (s)"
    assert fig.layout.yaxis.title.text == "Amplitude (mV)"
    assert "b" in fig.data[1].name and "#1" in fig.data[1].name
    cols = class_colors(3)
    assert [tr.line.color for tr in fig.data] == [cols[int(k)] for k in tiny_dataset.y_test[:3]]
    np.testing.assert_allclose(fig.data[0].x[:2], [0, 1 / 32])


def test_samples_figure_without_fs_and_multichannel(missing_class_dataset, multichannel_dataset):
    fig = _check(viz.samples_figure(missing_class_dataset, np.array([0, 3])), 2)
    assert fig.layout.xaxis.title.text == "Time step"
    fig = _check(viz.samples_figure(multichannel_dataset, [0, 1], split="train"), 2 * 3)
    assert sum(tr.showlegend is not False for tr in fig.data) == 2
    ytitles = [fig.layout[f"yaxis{i if i > 1 else ''}"].title.text for i in (1, 2, 3)]
    assert ytitles == ["I (mV)", "II (mV)", "V1 (mV)"]
    assert fig.layout.xaxis3.title.text == "Time (s)"


def test_samples_figure_caps_channels_and_decimates():
    X = np.zeros((2, 14, 50_000), np.float32)
    X[0, 0, 12_345] = 5.0  # a peak that decimation must keep
    ds = Dataset("long", X, np.array([0, 1]), X, np.array([0, 1]), ("a", "b"), fs=1000.0, unit="mV")
    fig = _check(viz.samples_figure(ds, [0]), 12)
    assert len(fig.data[0].x) <= 20_000 and max(fig.data[0].y) == 5.0
    assert "12 of 14" in fig.layout.title.text


@pytest.mark.parametrize("indices, split", [([], "test"), ([99], "test"), ([-1], "test"),
                                            ([0.5], "test"), (list(range(51)), "train"),
                                            ([0], "val")])
def test_samples_figure_bad_args(tiny_dataset, indices, split):
    with pytest.raises(ValueError, match="indices|split"):
        viz.samples_figure(tiny_dataset, indices, split=split)


def test_class_balance_figure(tiny_dataset, missing_class_dataset):
    fig = _check(viz.class_balance_figure(tiny_dataset), 2)
    assert [tr.name for tr in fig.data] == ["train", "test"]
    assert list(fig.data[0].y) == [20, 20, 20]
    fig = _check(viz.class_balance_figure(missing_class_dataset), 2)
    assert list(fig.data[1].y) == [2, 2, 0]
    assert "count" in fig.layout.yaxis.title.text


def test_class_profile_figure(tiny_dataset, missing_class_dataset, multichannel_dataset):
    fig = _check(viz.class_profile_figure(class_mean_std(tiny_dataset), tiny_dataset), 6)
    assert fig.layout.yaxis.title.text == "Amplitude (mV)"
    assert any(ax.title.text == "Time (s)" for ax in (fig.layout.xaxis, fig.layout.xaxis2, fig.layout.xaxis3))
    band = fig.data[0]
    assert band.fill == "toself" and len(band.x) == 2 * 32
    # Missing class in the test split: 2 classes drawn, a note for the third.
    fig = _check(viz.class_profile_figure(class_mean_std(missing_class_dataset, "test"),
                                          missing_class_dataset), 4)
    assert any("no series" in (a.text or "") for a in fig.layout.annotations)
    assert fig.layout.xaxis.title.text == "Time step"
    prof = class_mean_std(multichannel_dataset)
    fig = _check(viz.class_profile_figure(prof, multichannel_dataset, channel=2), 4)
    assert "V1" in fig.layout.title.text
    with pytest.raises(ValueError, match="channel"):
        viz.class_profile_figure(prof, multichannel_dataset, channel=3)


def test_class_profile_figure_five_classes_grid():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((25, 1, 20)).astype(np.float32)
    y = np.arange(25) % 5
    ds = Dataset("five", X, y, X, y, list("NSVFQ"), fs=125.0, unit="mV")
    fig = _check(viz.class_profile_figure(class_mean_std(ds), ds), 10)
    # 2 x 3 grid with the sixth cell left out: five x axes, the third labelled (nothing below it).
    assert "xaxis6" not in fig.layout and fig.layout.xaxis3.title.text == "Time (s)"


def test_psd_figure(tiny_dataset, missing_class_dataset, multichannel_dataset):
    fig = _check(viz.psd_figure(class_psd(tiny_dataset), tiny_dataset), 3)
    assert fig.layout.xaxis.title.text == "Frequency (Hz)"
    assert "mV" in fig.layout.yaxis.title.text and "Hz" in fig.layout.yaxis.title.text
    assert fig.layout.yaxis.type == "log"
    fig = _check(viz.psd_figure(class_psd(missing_class_dataset, "test"), missing_class_dataset), 2)
    assert "cycles/sample" in fig.layout.xaxis.title.text
    _check(viz.psd_figure(class_psd(multichannel_dataset), multichannel_dataset, channel=1), 2)


def test_pca_figure(tiny_dataset, missing_class_dataset):
    emb = pca_series(tiny_dataset)
    fig = _check(viz.pca_figure(emb, tiny_dataset.class_names, unit="mV"), 3)
    assert fig.layout.xaxis.title.text.startswith("PC1") and "% of variance" in fig.layout.xaxis.title.text
    assert "mV" in fig.layout.yaxis.title.text
    assert sum(len(tr.x) for tr in fig.data) == 60
    emb = pca_series(missing_class_dataset, "test")
    _check(viz.pca_figure(emb, missing_class_dataset.class_names), 2)
    with pytest.raises(ValueError, match="class_names"):
        viz.pca_figure(pca_series(tiny_dataset), ["a"])


def test_confusion_matrix_figure():
    cm = np.array([[5, 1, 0], [2, 3, 0], [0, 0, 0]])
    fig = _check(viz.confusion_matrix_figure(cm, ["a", "b", "c"]), 1)
    assert fig.layout.xaxis.title.text == "Predicted" and fig.layout.yaxis.title.text == "True"
    hm = fig.data[0]
    assert hm.text[0][1] == "1<br>16.7%" and hm.text[2][2].endswith("–")
    assert hm.z[1][0] == pytest.approx(40.0)
    fig = viz.confusion_matrix_figure(cm, ["a", "b", "c"], normalize=False)
    assert fig.data[0].z[0][0] == 5
    with pytest.raises(ValueError, match="confusion"):
        viz.confusion_matrix_figure(cm[:2], ["a", "b", "c"])


def test_latent_figure(report):
    emb = embed_latents(report.latents, "pca")
    fig = _check(viz.latent_figure(emb, report.y_true, report.predictions, report.class_names,
                                   method="pca"), 3 + 1)
    wrong = int((report.y_true != report.predictions).sum())
    assert fig.data[-1].name == f"misclassified ({wrong})" and len(fig.data[-1].x) == wrong
    assert fig.data[-1].marker.symbol == "circle-open"
    assert "PC1" in fig.layout.xaxis.title.text
    # Subsampled embedding + full-length labels; a class absent from the sample is skipped.
    emb = embed_latents(report.latents, "pca", max_points=10, seed=0)
    fig = viz.latent_figure(emb, report.y_true, report.predictions, report.class_names)
    assert sum(len(tr.x) for tr in fig.data[:-1]) == 10
    with pytest.raises(ValueError, match="y_true"):
        viz.latent_figure(emb, report.y_true[:7], report.predictions, report.class_names)


def test_latent_figure_tsne_axes(report):
    emb = embed_latents(report.latents, "tsne", max_iter=250)
    fig = _check(viz.latent_figure(emb, report.y_true, report.predictions, report.class_names,
                                   method="tsne"))
    assert fig.layout.xaxis.title.text == "t-SNE 1 (a.u.)"


def test_entropy_figure(report):
    fig = _check(viz.entropy_figure(report.entropy, report.correct, 3), 2)
    assert fig.layout.xaxis.title.text == "Prediction entropy (nats)"
    assert sum(sum(tr.y) for tr in fig.data) == 30
    assert fig.layout.shapes[0].x0 == pytest.approx(np.log(3))
    # Aggregated: size does not grow with n.
    h = np.random.default_rng(0).uniform(0, np.log(5), 100_000)
    fig = _check(viz.entropy_figure(h, h < 1, 5, bins=40), 2)
    assert len(fig.data[0].x) == 40
    with pytest.raises(ValueError, match="n_classes"):
        viz.entropy_figure(h, h < 1, 1)
    with pytest.raises(ValueError, match="correct"):
        viz.entropy_figure(h, h[:5] < 1, 5)


@pytest.mark.parametrize("history, n_traces", [
    ({"epoch": [1], "train_loss": [1.0], "val_loss": [1.2], "train_accuracy": [0.5],
      "val_accuracy": [0.4]}, 4),
    ({"epoch": np.arange(1, 4), "train_loss": np.array([1.0, 0.8, 0.5]),
      "val_loss": np.array([1.1, 0.9]), "train_accuracy": [0.3, 0.5, 0.7]}, 3),  # live/partial
    ({"train_loss": [0.9, 0.7]}, 1),
    ({}, 0),
])
def test_training_curves_figure(history, n_traces):
    fig = _check(viz.training_curves_figure(history), n_traces)
    assert fig.layout.xaxis.title.text == "Epoch" and fig.layout.xaxis2.title.text == "Epoch"
    assert "Accuracy" in fig.layout.yaxis2.title.text and "Loss" in fig.layout.yaxis.title.text
    names = [tr.name for tr in fig.data if tr.showlegend is not False]
    assert len(names) == len(set(names))


def test_per_class_metrics_figure(report):
    fig = _check(viz.per_class_metrics_figure(report), 3)
    assert [tr.name for tr in fig.data] == ["precision", "recall", "F1"]
    np.testing.assert_allclose(fig.data[2].y, report.f1)
    assert "Score" in fig.layout.yaxis.title.text


def test_exports(tiny_dataset, report):
    fig = viz.class_balance_figure(tiny_dataset)
    html = viz.figure_html(fig)
    assert isinstance(html, bytes) and b"<html" in html[:200].lower() and b"plotly" in html
    assert b"cdn.plot.ly" not in html[:2000]  # plotly.js embedded, works offline
    png = viz.figure_png(fig)
    assert png is None or png.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="scale"):
        viz.figure_png(fig, scale=0)
    df = report.per_class_frame()
    back = pd.read_csv(io.BytesIO(viz.frame_csv(df)))
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_decimate_minmax_keeps_extremes():
    y = np.sin(np.linspace(0, 50, 100_001))
    y[777] = 9.0
    y[54_321] = -9.0
    keep = decimate_minmax(y, 2000)
    assert keep.size <= 2000 and np.all(np.diff(keep) > 0)
    assert y[keep].max() == 9.0 and y[keep].min() == -9.0
