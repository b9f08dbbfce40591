"""tsviz.viz: every figure builds, plots the values it is given, has units on the axes, and exports.

Traces are found by name and by the title of the axis they are drawn on (figure_lookup), never by
position or axis id.
"""
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from figure_lookup import annotation_texts, axis_of, axis_title, axis_titles, one, traces, values

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
    cols = class_colors(3)
    names = tiny_dataset.class_names
    for i in range(3):
        k = int(tiny_dataset.y_test[i])
        tr = one(fig, f"#{i} · {names[k]}")  # test series i, its class in the legend
        np.testing.assert_allclose(tr.y, tiny_dataset.X_test[i, 0], rtol=1e-6)
        np.testing.assert_allclose(tr.x, np.arange(32) / tiny_dataset.fs)  # seconds
        assert tr.line.color == cols[k]  # the class colour
        assert axis_title(fig, tr, "x") == "Time (s)" and axis_title(fig, tr, "y") == "Amplitude (mV)"


def test_samples_figure_without_fs_and_multichannel(missing_class_dataset, multichannel_dataset):
    fig = _check(viz.samples_figure(missing_class_dataset, np.array([0, 3])), 2)
    tr = one(fig, "#3 · b")
    assert axis_title(fig, tr, "x") == "Time step"
    np.testing.assert_allclose(tr.x, np.arange(16))
    np.testing.assert_allclose(tr.y, missing_class_dataset.X_test[3, 0], rtol=1e-6)
    ds = multichannel_dataset
    fig = _check(viz.samples_figure(ds, [0, 1], split="train"), 2 * 3)
    assert sum(tr.showlegend is not False for tr in fig.data) == 2  # one legend entry per series
    for c, lead in enumerate(ds.meta["channel_names"]):
        tr = one(fig, "#1 · y", y_title=f"{lead} (mV)")  # one panel per channel, named by its lead
        np.testing.assert_allclose(tr.y, ds.X_train[1, c], rtol=1e-6)
        assert axis_title(fig, tr, "x") == "Time (s)"


def test_samples_figure_caps_channels_and_decimates():
    X = np.zeros((2, 14, 50_000), np.float32)
    X[0, 0, 12_345] = 5.0  # a peak that decimation must keep
    ds = Dataset("long", X, np.array([0, 1]), X, np.array([0, 1]), ("a", "b"), fs=1000.0, unit="mV")
    fig = _check(viz.samples_figure(ds, [0]), 12)
    first = one(fig, "#0 · a", y_title="channel 0 (mV)")
    assert len(first.x) <= 20_000 and max(first.y) == 5.0  # decimated, the peak kept ...
    assert values(first.x)[np.argmax(first.y)] == pytest.approx(12.345)  # ... at its time (s)
    assert "12 of 14" in fig.layout.title.text


@pytest.mark.parametrize("indices, split", [([], "test"), ([99], "test"), ([-1], "test"),
                                            ([0.5], "test"), (list(range(51)), "train"),
                                            ([0], "val")])
def test_samples_figure_bad_args(tiny_dataset, indices, split):
    with pytest.raises(ValueError, match="indices|split"):
        viz.samples_figure(tiny_dataset, indices, split=split)


def test_class_balance_figure(tiny_dataset, missing_class_dataset):
    fig = _check(viz.class_balance_figure(tiny_dataset), 2)
    assert {tr.name for tr in fig.data} == {"train", "test"}
    assert list(one(fig, "train").y) == [20, 20, 20]
    assert list(one(fig, "train").x) == ["a", "b", "c"]
    fig = _check(viz.class_balance_figure(missing_class_dataset), 2)
    test = one(fig, "test")
    assert list(test.x) == ["a", "b", "c"] and list(test.y) == [2, 2, 0]  # the absent class shows 0
    assert list(one(fig, "train").y) == [3, 3, 3]
    assert axis_title(fig, test, "y") == "Series (count)" and axis_title(fig, test, "x") == "Class"


def test_class_profile_figure(tiny_dataset, missing_class_dataset, multichannel_dataset):
    prof = class_mean_std(tiny_dataset)
    fig = _check(viz.class_profile_figure(prof, tiny_dataset), 6)
    assert "Amplitude (mV)" in axis_titles(fig, "y") and "Time (s)" in axis_titles(fig, "x")
    for k, name in enumerate(tiny_dataset.class_names):
        mean = one(fig, name)
        np.testing.assert_allclose(mean.y, prof.mean[k, 0], rtol=1e-6)
        np.testing.assert_allclose(mean.x, prof.time)
        band = one(fig, f"{name} ±1 std")
        assert band.fill == "toself" and len(band.x) == 2 * 32
        upper, lower = values(band.y[:32]), values(band.y[32:])[::-1]
        np.testing.assert_allclose(upper, prof.mean[k, 0] + prof.std[k, 0], rtol=1e-6)
        np.testing.assert_allclose(lower, prof.mean[k, 0] - prof.std[k, 0], rtol=1e-6)
    # Missing class in the test split: 2 classes drawn, a note for the third.
    fig = _check(viz.class_profile_figure(class_mean_std(missing_class_dataset, "test"),
                                          missing_class_dataset), 4)
    assert any("no series" in (a or "") for a in annotation_texts(fig))
    assert not traces(fig, "c") and traces(fig, "a") and traces(fig, "b")
    assert axis_title(fig, one(fig, "a"), "x") == "Time step"
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
    # 2 x 3 grid with the sixth cell left out: every class's panel has a labelled time axis
    # (a panel with nothing below it carries its own title).
    for name in "NSVFQ":
        assert axis_title(fig, one(fig, name), "x") == "Time (s)"
    assert len([k for k in fig.layout if k.startswith("xaxis")]) == 5  # no empty sixth panel


def test_psd_figure(tiny_dataset, missing_class_dataset, multichannel_dataset):
    psd = class_psd(tiny_dataset)
    fig = _check(viz.psd_figure(psd, tiny_dataset), 3)
    for k, name in enumerate(tiny_dataset.class_names):
        tr = one(fig, name)
        np.testing.assert_allclose(tr.x, psd.freqs)
        np.testing.assert_allclose(tr.y, psd.psd[k, 0], rtol=1e-6)
    tr = one(fig, "a")
    assert axis_title(fig, tr, "x") == "Frequency (Hz)" and axis_title(fig, tr, "y") == "PSD (mV²/Hz)"
    assert axis_of(fig, tr).type == "log"
    fig = _check(viz.psd_figure(class_psd(missing_class_dataset, "test"), missing_class_dataset), 2)
    assert "cycles/sample" in axis_title(fig, one(fig, "a"), "x") and not traces(fig, "c")
    psd = class_psd(multichannel_dataset)
    fig = _check(viz.psd_figure(psd, multichannel_dataset, channel=1), 2)
    np.testing.assert_allclose(one(fig, "y").y, psd.psd[1, 1], rtol=1e-6)


def test_pca_figure(tiny_dataset, missing_class_dataset):
    emb = pca_series(tiny_dataset)
    fig = _check(viz.pca_figure(emb, tiny_dataset.class_names, unit="mV"), 3)
    tr = one(fig, "b")
    xt, yt = axis_title(fig, tr, "x"), axis_title(fig, tr, "y")
    evr = emb.explained_variance_ratio
    assert xt == f"PC1 (mV; {100 * evr[0]:.1f}% of variance)" and yt.startswith("PC2 (mV;")
    mine = emb.labels == 1
    np.testing.assert_allclose(np.sort(values(tr.x)), np.sort(emb.coords[mine, 0]))
    assert sum(len(t.x) for t in fig.data) == 60
    emb = pca_series(missing_class_dataset, "test")
    _check(viz.pca_figure(emb, missing_class_dataset.class_names), 2)
    with pytest.raises(ValueError, match="class_names"):
        viz.pca_figure(pca_series(tiny_dataset), ["a"])


def test_confusion_matrix_figure():
    cm = np.array([[5, 1, 0], [2, 3, 0], [0, 0, 0]])
    fig = _check(viz.confusion_matrix_figure(cm, ["a", "b", "c"]), 1)
    hm = one(fig, kind="heatmap")
    assert axis_title(fig, hm, "x") == "Predicted" and axis_title(fig, hm, "y") == "True"
    assert list(hm.x) == list(hm.y) == ["a", "b", "c"]
    assert hm.text[0][1] == "1<br>16.7%" and hm.text[2][2].endswith("–")  # count, row share
    np.testing.assert_allclose(values(hm.z)[:2], 100 * cm[:2] / cm[:2].sum(1, keepdims=True))
    fig = viz.confusion_matrix_figure(cm, ["a", "b", "c"], normalize=False)
    np.testing.assert_array_equal(values(one(fig, kind="heatmap").z), cm)
    with pytest.raises(ValueError, match="confusion"):
        viz.confusion_matrix_figure(cm[:2], ["a", "b", "c"])


def test_latent_figure(report):
    emb = embed_latents(report.latents, "pca")
    fig = _check(viz.latent_figure(emb, report.y_true, report.predictions, report.class_names,
                                   method="pca"), 3 + 1)
    wrong = report.y_true != report.predictions
    ring = one(fig, f"misclassified ({int(wrong.sum())})")
    np.testing.assert_allclose(np.sort(values(ring.x)), np.sort(emb.coords[wrong[emb.indices], 0]))
    assert ring.marker.symbol == "circle-open"
    for k, name in enumerate(report.class_names):  # points coloured by their true class
        mine = report.y_true[emb.indices] == k
        np.testing.assert_allclose(np.sort(values(one(fig, name).y)), np.sort(emb.coords[mine, 1]))
    assert axis_title(fig, ring, "x").startswith("PC1 (latent units;")
    # Subsampled embedding + full-length labels; a class absent from the sample is skipped.
    emb = embed_latents(report.latents, "pca", max_points=10, seed=0)
    fig = viz.latent_figure(emb, report.y_true, report.predictions, report.class_names)
    assert sum(len(tr.x) for tr in fig.data if not tr.name.startswith("misclassified")) == 10
    with pytest.raises(ValueError, match="y_true"):
        viz.latent_figure(emb, report.y_true[:7], report.predictions, report.class_names)


def test_latent_figure_tsne_axes(report):
    emb = embed_latents(report.latents, "tsne", max_iter=250)
    fig = _check(viz.latent_figure(emb, report.y_true, report.predictions, report.class_names,
                                   method="tsne"))
    assert axis_title(fig, one(fig, "a"), "x") == "t-SNE 1 (a.u.)"


def test_entropy_figure(report):
    fig = _check(viz.entropy_figure(report.entropy, report.correct, 3), 2)
    n_ok = int(report.correct.sum())
    ok, bad = one(fig, f"correct ({n_ok})"), one(fig, f"misclassified ({30 - n_ok})")
    assert sum(ok.y) == n_ok and sum(bad.y) == 30 - n_ok  # histogram counts
    assert axis_title(fig, ok, "x") == "Prediction entropy (nats)"
    assert axis_title(fig, ok, "y") == "Series (count)"
    assert fig.layout.shapes[0].x0 == pytest.approx(np.log(3))  # the maximum entropy ln K
    # Aggregated: size does not grow with n.
    h = np.random.default_rng(0).uniform(0, np.log(5), 100_000)
    fig = _check(viz.entropy_figure(h, h < 1, 5, bins=40), 2)
    ok = one(fig, startswith="correct")
    assert len(ok.x) == 40 and sum(ok.y) == int((h < 1).sum())
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
    assert axis_titles(fig, "x") == ["Epoch", "Epoch"]
    assert sorted(axis_titles(fig, "y")) == ["Accuracy (%)", "Loss (nats)"]
    names = [tr.name for tr in fig.data if tr.showlegend is not False]
    assert len(names) == len(set(names))
    for key, split in (("train", "train"), ("val", "validation")):
        loss = history.get(f"{key}_loss")
        if loss is not None:
            tr = one(fig, split, y_title="Loss (nats)")
            np.testing.assert_allclose(tr.y, loss)
            np.testing.assert_allclose(tr.x, np.arange(1, len(loss) + 1))  # epochs from 1
        acc = history.get(f"{key}_accuracy")
        if acc is not None:  # fractions, shown in percent by the axis' tick format
            tr = one(fig, split, y_title="Accuracy (%)")
            np.testing.assert_allclose(tr.y, acc)
            assert axis_of(fig, tr).tickformat == ".0%"


def test_per_class_metrics_figure(report):
    fig = _check(viz.per_class_metrics_figure(report), 3)
    assert {tr.name for tr in fig.data} == {"precision", "recall", "F1"}
    for name, v in (("precision", report.precision), ("recall", report.recall), ("F1", report.f1)):
        tr = one(fig, name)
        np.testing.assert_allclose(tr.y, v)
        assert [x.split("<br>")[0] for x in tr.x] == list(report.class_names)
        assert [x.split("<br>")[1] for x in tr.x] == [f"(n={n})" for n in report.support]  # support
    assert axis_title(fig, one(fig, "F1"), "y") == "Score (0–1)"


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
