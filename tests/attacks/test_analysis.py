"""tsviz.attacks.analysis: Welch spectra of clean/adversarial/perturbation and the latent shift."""
import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, model_state
from scipy.signal import welch

from tsviz.attacks import AttackError
from tsviz.attacks.analysis import LatentShift, SpectraComparison, latent_shift, welch_compare
from tsviz.data.stats import welch_chunks
from tsviz.models import build


@pytest.fixture
def series():
    rng = np.random.default_rng(0)
    return rng.standard_normal((6, 2, 200)).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    return build("mlp", 1, 3, 32, seed=0)


# --------------------------------------------------------------------------- welch_compare
def test_sinusoid_perturbation_peaks_at_its_frequency_in_hz(series):
    fs, f0 = 100.0, 12.5
    t = np.arange(series.shape[-1]) / fs
    x_adv = series + 0.05 * np.sin(2 * np.pi * f0 * t)
    sc = welch_compare(series, x_adv, fs, nperseg=200)
    assert isinstance(sc, SpectraComparison)
    assert sc.freq_unit == "Hz" and sc.n == 6 and sc.nperseg == 200
    assert sc.freqs.shape == (101,) and sc.freqs[-1] == pytest.approx(fs / 2)
    assert sc.clean.shape == sc.adversarial.shape == sc.perturbation.shape == (2, 101)
    np.testing.assert_allclose(sc.peak_frequency("perturbation"), [f0, f0])
    np.testing.assert_allclose(sc.perturbation_peak, f0)  # every sample, every channel
    # mean square of a sinusoid of amplitude a is a^2 / 2 (Parseval on the density)
    np.testing.assert_allclose(sc.perturbation_power, 0.05 ** 2 / 2, rtol=0.02)
    s = sc.summary()
    assert s["perturbation_peak_frequency"] == [f0, f0] and s["freq_unit"] == "Hz"
    assert all(np.isfinite(s["spectral_snr_db"]))
    df = sc.to_frame()
    assert list(df.columns) == ["channel", "frequency_Hz", "psd_clean", "psd_adversarial",
                                "psd_perturbation"]
    assert len(df) == 2 * 101
    assert not sc.clean.flags.writeable


def test_welch_without_fs_in_cycles_per_sample_and_zero_perturbation(series):
    sc = welch_compare(torch.as_tensor(series), series)  # tensors accepted
    assert sc.freq_unit == "cycles/sample" and sc.freqs[-1] == pytest.approx(0.5)
    assert sc.nperseg == 200
    np.testing.assert_array_equal(sc.perturbation, 0.0)
    np.testing.assert_allclose(sc.clean, sc.adversarial)
    assert np.isnan(sc.perturbation_peak).all()
    assert np.isinf(sc.power_ratio_db()).all()
    assert sc.summary()["perturbation_peak_frequency"] == [None, None]


def test_welch_matches_scipy_per_series_average(series):
    """Reference: scipy.signal.welch of each series on its own, averaged by hand."""
    rng = np.random.default_rng(3)
    x_adv = series + 0.02 * rng.standard_normal(series.shape).astype(np.float32)
    sc = welch_compare(series, x_adv, 100.0, nperseg=50)
    for name, a in (("clean", series), ("adversarial", x_adv), ("perturbation", x_adv - series)):
        ref = np.mean([welch(np.asarray(a[i], np.float64), fs=100.0, nperseg=50, axis=-1)[1]
                       for i in range(a.shape[0])], axis=0)
        np.testing.assert_allclose(getattr(sc, name), ref, rtol=1e-6, atol=1e-12)
    f_ref = welch(np.asarray(series[0], np.float64), fs=100.0, nperseg=50, axis=-1)[0]
    np.testing.assert_allclose(sc.freqs, f_ref)


def test_welch_chunks_is_chunking_invariant(series):
    """The shared chunked Welch of tsviz.data.stats: any chunk size gives the same spectra."""
    a, b = series.astype(np.float64), (series + 1.0).astype(np.float64)
    whole = [np.concatenate(p) for p in zip(*[ps for _, _, ps in welch_chunks((a, b), fs=1.0, nperseg=64)])]
    small = list(welch_chunks((a, b), fs=1.0, nperseg=64, chunk_values=2 * 2 * 200))  # one row at a time
    assert len(small) == series.shape[0] and [r.start for r, _, _ in small] == list(range(6))
    pieces = [np.concatenate(p) for p in zip(*[ps for _, _, ps in small])]
    for w, p in zip(whole, pieces):
        np.testing.assert_allclose(w, p, rtol=1e-12)


def test_welch_per_sample_matches_mean_and_n1(series):
    x_adv = series + 0.01
    sc = welch_compare(series, x_adv, 250.0, nperseg=64, per_sample=True)
    assert sc.clean_samples.shape == (6, 2, 33)
    np.testing.assert_allclose(sc.clean_samples.mean(0), sc.clean, rtol=1e-5)
    one = welch_compare(series[:1], x_adv[:1], 250.0, nperseg=64)
    np.testing.assert_allclose(one.clean, sc.clean_samples[0], rtol=1e-5)
    assert one.clean_samples is None


@pytest.mark.parametrize("kwargs, match", [
    ({"x_adv": np.zeros((6, 2, 100))}, "x_adv"),
    ({"x": np.zeros((2, 200))}, "x must have shape"),
    ({"x": np.zeros((0, 2, 200)), "x_adv": np.zeros((0, 2, 200))}, "x is empty"),
    ({"fs": -1.0}, "fs"),
    ({"nperseg": 1}, "nperseg"),
    ({"nperseg": 201}, "nperseg"),
    ({"per_sample": "yes"}, "per_sample"),
])
def test_welch_bad_args_name_the_parameter(series, kwargs, match):
    args = {"x": series, "x_adv": series, "fs": None}
    args.update(kwargs)
    x, xa, fs = args.pop("x"), args.pop("x_adv"), args.pop("fs")
    with pytest.raises(AttackError, match=match):
        welch_compare(x, xa, fs, **args)


def test_welch_rejects_nan(series):
    bad = series.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(AttackError, match="x_adv contains NaN"):
        welch_compare(series, bad)


# --------------------------------------------------------------------------- latent_shift
def test_latent_shift_identity_gives_identical_coords_and_model_unchanged(model, tiny_dataset):
    x = tiny_dataset.X_test
    model.train()  # a mode the function must restore
    model.head.weight.requires_grad_(False)
    before = model_state(model)
    try:
        s = latent_shift(model, x, x.copy())
        assert_model_untouched(model, before)
    finally:
        model.head.weight.requires_grad_(True)
        model.eval()
    assert isinstance(s, LatentShift)
    assert s.coords_clean.shape == s.coords_adv.shape == (30, 2)
    np.testing.assert_array_equal(s.coords_clean, s.coords_adv)
    np.testing.assert_array_equal(s.indices, np.arange(30))
    np.testing.assert_array_equal(s.latent_distance, 0.0)
    assert s.fit_on == "clean" and not s.subsampled
    assert s.explained_variance_ratio.shape == (2,)
    assert 0 < s.explained_variance_ratio.sum() <= 1 + 1e-9
    # PCA fitted on the clean latents: centred, first axis carries the most variance
    np.testing.assert_allclose(s.coords_clean.mean(0), 0.0, atol=1e-8)
    assert s.coords_clean[:, 0].var() >= s.coords_clean[:, 1].var()
    summ = s.summary()
    assert summ["mean_latent_distance"] == 0.0 and summ["n_points"] == 30
    assert list(s.to_frame().columns) == ["index", "pc1_clean", "pc2_clean", "pc1_adv", "pc2_adv",
                                          "latent_distance"]


def test_latent_shift_moves_perturbed_points_subsample_and_seed(model, tiny_dataset):
    x = tiny_dataset.X_test
    x_adv = x.copy()
    x_adv[:5] += 0.5
    s = latent_shift(model, x, x_adv, seed=3, max_points=12, batch_size=4)
    assert s.indices.shape == (12,) and s.subsampled and s.n_total == 30
    moved = s.indices < 5
    assert (s.latent_distance[moved] > 0).all()
    np.testing.assert_allclose(s.latent_distance[~moved], 0.0, atol=1e-5)
    np.testing.assert_allclose(s.coords_adv[~moved], s.coords_clean[~moved], atol=1e-4)
    again = latent_shift(model, x, x_adv, seed=3, max_points=12)
    np.testing.assert_array_equal(s.indices, again.indices)
    np.testing.assert_allclose(s.coords_adv, again.coords_adv, atol=1e-6)


def test_latent_shift_single_series(model, tiny_dataset):
    x = tiny_dataset.X_test[:1]
    s = latent_shift(model, x, x + 0.3)
    assert s.coords_clean.shape == (1, 2) and s.fit_on == "clean+adversarial"
    assert np.linalg.norm(s.shift) > 0
    same = latent_shift(model, x, x)
    np.testing.assert_array_equal(same.coords_clean, same.coords_adv)


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": -1}, "seed"),
    ({"max_points": 0}, "max_points"),
    ({"batch_size": 0}, "batch_size"),
    ({"x_adv": np.zeros((30, 1, 16), np.float32)}, "x_adv"),
])
def test_latent_shift_bad_args(model, tiny_dataset, kwargs, match):
    x_adv = kwargs.pop("x_adv", tiny_dataset.X_test)
    with pytest.raises(AttackError, match=match):
        latent_shift(model, tiny_dataset.X_test, x_adv, **kwargs)


def test_latent_shift_needs_features(tiny_dataset):
    plain = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(32, 3))
    with pytest.raises(AttackError, match="features"):
        latent_shift(plain, tiny_dataset.X_test, tiny_dataset.X_test)
