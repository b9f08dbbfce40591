"""tsviz.data.stats: class profiles, Welch PSD and PCA on hand-checkable data."""
import numpy as np
import pandas as pd
import pytest

from tsviz.data import Dataset
from tsviz.data.stats import (
    ClassProfile,
    ClassPSD,
    Embedding,
    class_mean_std,
    class_psd,
    pca_series,
    subsample_indices,
)


def _ds(Xtr, ytr, Xte=None, yte=None, names=("a", "b", "c"), fs=100.0, unit="mV"):
    Xte = Xtr if Xte is None else Xte
    yte = ytr if yte is None else yte
    return Dataset("hand", np.asarray(Xtr, np.float32), np.asarray(ytr), np.asarray(Xte, np.float32),
                   np.asarray(yte), names, fs=fs, unit=unit)


def test_class_mean_std_equals_numpy():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((12, 2, 5)).astype(np.float32)
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    ds = _ds(X, y, names=("a", "b", "c"))
    prof = class_mean_std(ds)
    assert isinstance(prof, ClassProfile)
    assert prof.mean.shape == prof.std.shape == (3, 2, 5)
    np.testing.assert_array_equal(prof.counts, [6, 6, 0])
    for k in (0, 1):
        np.testing.assert_allclose(prof.mean[k], X[y == k].astype(np.float64).mean(0), rtol=1e-12)
        np.testing.assert_allclose(prof.std[k], X[y == k].astype(np.float64).std(0), rtol=1e-12)
    assert np.isnan(prof.mean[2]).all()  # empty class
    with pytest.raises(ValueError):
        prof.mean[0, 0, 0] = 1.0  # frozen arrays
    s = prof.summary()
    assert s["counts"] == {"a": 6, "b": 6, "c": 0} and s["mean_std"]["c"] is None and s["unit"] == "mV"
    df = prof.to_frame()
    assert len(df) == 3 * 2 * 5 and {"class", "channel", "time_s", "mean_mV", "std_mV"} <= set(df.columns)


def test_class_mean_std_tiny_hand_values():
    X = np.array([[[1, 2]], [[3, 4]], [[10, 10]], [[20, 30]]], np.float32)
    ds = _ds(X, [0, 0, 1, 1], names=("a", "b"), fs=None)
    prof = class_mean_std(ds, "test")
    np.testing.assert_allclose(prof.mean[:, 0], [[2, 3], [15, 20]])
    np.testing.assert_allclose(prof.std[:, 0], [[1, 1], [5, 10]])
    np.testing.assert_allclose(prof.time, [0, 1])
    assert "time_s" not in prof.to_frame().columns


def test_psd_of_sinusoid_peaks_at_its_frequency_in_hz():
    fs, f0, T = 100.0, 12.5, 400
    t = np.arange(T) / fs
    X = np.stack([np.sin(2 * np.pi * f0 * t + ph) for ph in np.linspace(0, 3, 6)])[:, None, :]
    X2 = np.stack([0.5 * np.sin(2 * np.pi * 30.0 * t + ph) for ph in np.linspace(0, 3, 6)])[:, None, :]
    ds = _ds(np.concatenate([X, X2]), [0] * 6 + [1] * 6, names=("slow", "fast", "none"), fs=fs)
    psd = class_psd(ds, nperseg=200)
    assert isinstance(psd, ClassPSD)
    assert psd.freq_unit == "Hz" and psd.psd_unit == "mV^2/Hz"
    assert psd.freqs.shape == (101,) and psd.psd.shape == (3, 1, 101)
    np.testing.assert_allclose(psd.freqs[-1], fs / 2)
    peaks = psd.peak_frequencies()
    assert peaks[0, 0] == pytest.approx(f0) and peaks[1, 0] == pytest.approx(30.0)
    assert np.isnan(peaks[2, 0]) and np.isnan(psd.psd[2]).all()
    # Parseval: integrated density ~ signal variance (A^2 / 2).
    df = psd.freqs[1] - psd.freqs[0]
    assert psd.psd[0, 0].sum() * df == pytest.approx(0.5, rel=0.05)
    assert psd.summary()["peak_frequency"]["slow"] == pytest.approx(f0)
    frame = psd.to_frame()
    assert len(frame) == 3 * 101 and "frequency_Hz" in frame.columns


def test_psd_without_fs_is_in_cycles_per_sample_and_chunking_matches(monkeypatch):
    T = 64
    t = np.arange(T)
    X = np.stack([np.cos(2 * np.pi * 0.25 * t + p) for p in np.linspace(0, 1, 10)])[:, None, :]
    y = np.arange(10) % 2
    ds = _ds(X, y, names=("a", "b"), fs=None)
    psd = class_psd(ds)
    assert psd.freq_unit == "cycles/sample" and psd.nperseg == 64
    assert psd.freqs[-1] == pytest.approx(0.5)
    assert psd.peak_frequencies()[0, 0] == pytest.approx(0.25)
    import tsviz.data.stats as stats

    monkeypatch.setattr(stats, "PSD_CHUNK_VALUES", 3 * T)  # 3 series per Welch batch
    np.testing.assert_allclose(class_psd(ds).psd, psd.psd, rtol=1e-12)


def test_pca_of_points_on_a_line():
    rng = np.random.default_rng(0)
    direction = rng.standard_normal(20)
    s = rng.standard_normal(50)
    X = (s[:, None] * direction[None, :])[:, None, :] + 3.0
    ds = _ds(X, np.arange(50) % 2, names=("a", "b"))
    emb = pca_series(ds)
    assert isinstance(emb, Embedding) and emb.method == "pca"
    assert emb.coords.shape == (50, 2) and emb.labels.shape == (50,)
    assert emb.explained_variance_ratio[0] == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(emb.indices, np.arange(50))
    # PC1 coordinate is the position along the line (up to sign and scale |direction|).
    corr = np.corrcoef(emb.coords[:, 0], s)[0, 1]
    assert abs(corr) == pytest.approx(1.0, abs=1e-5)
    assert emb.summary()["n_points"] == 50 and not emb.subsampled


def test_pca_subsample_is_seeded(tiny_dataset):
    a = pca_series(tiny_dataset, max_points=20, seed=3)
    b = pca_series(tiny_dataset, max_points=20, seed=3)
    c = pca_series(tiny_dataset, max_points=20, seed=4)
    assert a.indices.size == 20 and a.subsampled and a.n_total == 60
    assert np.all(np.diff(a.indices) > 0)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.coords, b.coords)
    assert not np.array_equal(a.indices, c.indices)
    np.testing.assert_array_equal(a.labels, tiny_dataset.y_train[a.indices])
    frame = a.to_frame()
    assert list(frame.columns) == ["index", "label", "dim1", "dim2"]
    np.testing.assert_array_equal(subsample_indices(5, 10, 0), np.arange(5))


def test_pca_multichannel_and_three_components():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 3, 8))
    ds = _ds(X, np.arange(30) % 3)
    emb = pca_series(ds, "test", n_components=3)
    assert emb.coords.shape == (30, 3) and emb.explained_variance_ratio.sum() <= 1.0


@pytest.mark.parametrize("call, param", [
    (lambda ds: class_mean_std(ds, "val"), "split"),
    (lambda ds: class_psd(ds, "validation"), "split"),
    (lambda ds: class_psd(ds, nperseg=1), "nperseg"),
    (lambda ds: class_psd(ds, nperseg=1000), "nperseg"),
    (lambda ds: class_psd(ds, nperseg=8.5), "nperseg"),
    (lambda ds: pca_series(ds, n_components=0), "n_components"),
    (lambda ds: pca_series(ds, max_points=1), "max_points"),
    (lambda ds: pca_series(ds, max_points=10 ** 7), "max_points"),
    (lambda ds: pca_series(ds, seed=-1), "seed"),
    (lambda ds: pca_series(ds, seed="a"), "seed"),
])
def test_bad_arguments_name_the_parameter(tiny_dataset, call, param):
    with pytest.raises(ValueError, match=param):
        call(tiny_dataset)


def test_frames_are_dataframes(tiny_dataset):
    for res in (class_mean_std(tiny_dataset), class_psd(tiny_dataset), pca_series(tiny_dataset)):
        assert isinstance(res.to_frame(), pd.DataFrame)
        assert isinstance(res.summary(), dict)
