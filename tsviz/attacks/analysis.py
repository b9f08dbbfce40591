"""What an attack changed, for the Attack page: spectra and latent-space shift.

Two computations, each returning a small frozen dataclass with numpy arrays, a JSON-ready
``summary()`` and a ``to_frame()`` for CSV export; figures are drawn from them by
:mod:`tsviz.viz.attack_figures`.

- :func:`welch_compare` -- Welch power spectral density (Welch 1967) of the clean series, the
  adversarial series and the perturbation ``x_adv - x``: where in frequency the attack puts its
  energy (e.g. high-frequency noise a clinician would see, or in-band changes they would not).
- :func:`latent_shift` -- the model's penultimate-layer latents of clean and adversarial series,
  both projected on the 2-D PCA basis (Pearson 1901) of the clean latents: how far the attack
  moves each series in the space the classifier separates classes in.

Per-class latent centroid distances (the cost matrix of the weighted robustness score) live in
:mod:`tsviz.attacks.cost_matrix`. scipy and scikit-learn are imported inside the functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from tsviz.attacks.base import AttackError
from tsviz.core import as_series, check_bool, check_int, check_model_input, check_positive, check_seed, model_device
from tsviz.core.arrays import readonly as _frozen
from tsviz.data.stats import MAX_EMBED_POINTS, subsample_indices, welch_chunks

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SpectraComparison", "welch_compare", "LatentShift", "latent_shift",
           "MAX_PER_SAMPLE_VALUES"]

#: ``welch_compare(..., per_sample=True)`` keeps the per-sample spectra only up to this many
#: values per array (``n * C * F``); above it ``per_sample=True`` raises a ValueError.
MAX_PER_SAMPLE_VALUES = 1 << 24


# --------------------------------------------------------------------------- inputs
def _as_array(name: str, a: Any) -> np.ndarray:
    """``a`` ``(n, C, T)`` checked by :func:`tsviz.core.as_series` (real, finite, float32 range),
    as float64 numpy."""
    return as_series(a, name=name, error=AttackError).cpu().numpy().astype(np.float64)


def _pair(x: Any, x_adv: Any) -> tuple[np.ndarray, np.ndarray]:
    xa = _as_array("x", x)
    xb = _as_array("x_adv", x_adv)
    if xb.shape != xa.shape:
        raise AttackError(f"x_adv must have the shape of x {xa.shape}, got {xb.shape}")
    return xa, xb


def _check_fs(fs: Any) -> float | None:
    """A sampling frequency in Hz (finite, > 0) or ``None``."""
    return None if fs is None else check_positive("fs", fs, error=AttackError)


# --------------------------------------------------------------------------- spectra
@dataclass(frozen=True, eq=False)
class SpectraComparison:
    """Welch PSD of clean series, adversarial series and perturbation, averaged over samples.

    Attributes
    ----------
    freqs : ndarray, float64, shape ``(F,)``
        Frequencies in ``freq_unit`` (Hz when ``fs`` is known, else cycles/sample).
    clean, adversarial, perturbation : ndarray, float64, shape ``(C, F)``
        Mean over the ``n`` samples of the one-sided Welch PSD of ``x``, ``x_adv`` and
        ``x_adv - x``, in ``unit^2/Hz`` (or ``unit^2`` per cycle/sample), ``unit`` being the
        series' own unit.
    perturbation_peak : ndarray, float64, shape ``(n, C)``
        Per sample and channel, the frequency (``freq_unit``) where the perturbation's PSD is
        largest; ``NaN`` where the perturbation is zero.
    perturbation_power : ndarray, float64, shape ``(n, C)``
        Per sample and channel, the perturbation's PSD integrated over frequency (its mean
        square after detrending, ``unit^2``).
    clean_samples, adversarial_samples, perturbation_samples : ndarray, float32, shape ``(n, C, F)``, or None
        Per-sample spectra, kept only with ``welch_compare(..., per_sample=True)``.
    n : int
        Number of series averaged.
    fs : float or None
        Sampling frequency (Hz) used.
    freq_unit : str
        ``"Hz"`` or ``"cycles/sample"``.
    nperseg : int
        Welch segment length (samples).
    """

    freqs: np.ndarray
    clean: np.ndarray
    adversarial: np.ndarray
    perturbation: np.ndarray
    perturbation_peak: np.ndarray
    perturbation_power: np.ndarray
    clean_samples: np.ndarray | None
    adversarial_samples: np.ndarray | None
    perturbation_samples: np.ndarray | None
    n: int
    fs: float | None
    freq_unit: str
    nperseg: int

    def __post_init__(self) -> None:
        for name in ("freqs", "clean", "adversarial", "perturbation", "perturbation_peak",
                     "perturbation_power", "clean_samples", "adversarial_samples",
                     "perturbation_samples"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def n_channels(self) -> int:
        return int(self.clean.shape[0])

    def psd_unit(self, unit: str) -> str:
        """Unit of the PSD arrays for series in ``unit``: ``"mV^2/Hz"`` or
        ``"mV^2/(cycles/sample)"``."""
        per = "Hz" if self.freq_unit == "Hz" else "(cycles/sample)"
        return f"{unit}^2/{per}"

    def peak_frequency(self, which: str = "perturbation") -> np.ndarray:
        """Frequency ``(C,)`` of the largest mean PSD value of ``"clean"``, ``"adversarial"`` or
        ``"perturbation"`` per channel (``NaN`` where that spectrum is all zero)."""
        if which not in ("clean", "adversarial", "perturbation"):
            raise AttackError(f"which must be 'clean', 'adversarial' or 'perturbation', got {which!r}")
        p = getattr(self, which)
        out = self.freqs[np.argmax(p, axis=-1)].astype(np.float64)
        out[~(p > 0).any(axis=-1)] = np.nan
        return out

    def power_ratio_db(self) -> np.ndarray:
        """Per channel ``(C,)``: ``10 log10(clean power / perturbation power)`` of the mean
        spectra integrated over frequency (a spectral SNR in dB; ``inf`` for no perturbation)."""
        df = float(self.freqs[1] - self.freqs[0]) if self.freqs.size > 1 else 1.0
        pc = self.clean.sum(axis=-1) * df
        pp = self.perturbation.sum(axis=-1) * df
        with np.errstate(divide="ignore", invalid="ignore"):
            r = 10.0 * np.log10(np.maximum(pc, 1e-300) / pp)
        return np.where(pp > 0, r, np.inf)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: n, units, ``nperseg``, number of frequencies, per channel the peak frequency
        of the mean perturbation spectrum and the spectral SNR (dB), and the median over samples
        of the per-sample perturbation peak frequency."""
        peak = self.peak_frequency("perturbation")
        snr = self.power_ratio_db()
        per = self.perturbation_peak
        with np.errstate(all="ignore"):
            med = [float(np.nanmedian(per[:, c])) if np.isfinite(per[:, c]).any() else None
                   for c in range(per.shape[1])]
        return {
            "n": int(self.n),
            "fs": self.fs,
            "freq_unit": self.freq_unit,
            "nperseg": int(self.nperseg),
            "n_freqs": int(self.freqs.size),
            "perturbation_peak_frequency": [None if np.isnan(p) else float(p) for p in peak],
            "median_sample_peak_frequency": med,
            "spectral_snr_db": [float(s) for s in snr],
        }

    def to_frame(self) -> "pd.DataFrame":
        """Long table with one row per (channel, frequency): ``channel``,
        ``frequency_<freq_unit>``, ``psd_clean``, ``psd_adversarial``, ``psd_perturbation``
        (mean spectra, in the series' unit squared per frequency unit)."""
        import pandas as pd

        C, F = self.clean.shape
        c, f = np.meshgrid(np.arange(C), np.arange(F), indexing="ij")
        return pd.DataFrame({
            "channel": c.ravel(),
            f"frequency_{self.freq_unit}": self.freqs[f.ravel()],
            "psd_clean": self.clean.ravel(),
            "psd_adversarial": self.adversarial.ravel(),
            "psd_perturbation": self.perturbation.ravel(),
        })


def welch_compare(x: Any, x_adv: Any, fs: float | None = None, *, nperseg: int | None = None,
                  per_sample: bool = False) -> SpectraComparison:
    """Mean Welch PSD of clean series, adversarial series and the perturbation ``x_adv - x``.

    Welch, P. (1967). "The use of fast Fourier transform for the estimation of power spectra."
    IEEE Trans. Audio Electroacoust. 15(2). :func:`tsviz.data.stats.welch_chunks` (scipy's
    ``welch`` along the time axis of all series at once, in chunks; Hann window, 50 % overlap,
    constant detrending, density scaling); then averaged over samples.

    Parameters
    ----------
    x, x_adv : array or Tensor, shape ``(n, C, T)``
        Clean and adversarial series in signal units (e.g. ``AttackReport.x_adv``).
    fs : float, optional
        Sampling frequency in Hz; frequencies are in Hz when given, else cycles/sample.
    nperseg : int, optional
        Welch segment length, ``2 <= nperseg <= T``; default ``min(T, 256)``.
    per_sample : bool
        Also keep the per-sample spectra ``(n, C, F)`` (float32); at most
        :data:`MAX_PER_SAMPLE_VALUES` values each.

    Returns
    -------
    SpectraComparison
        ``freqs`` ``(F,)`` with ``F = nperseg // 2 + 1``; ``clean``, ``adversarial``,
        ``perturbation`` ``(C, F)``; per-sample peak frequency and power of the perturbation
        ``(n, C)``.

    Raises
    ------
    AttackError (a ValueError)
        Bad ``x``/``x_adv`` (not ``(n, C, T)``, different shapes, empty, non-finite, ``T < 2``),
        ``fs``, ``nperseg`` or ``per_sample``.
    """
    xa, xb = _pair(x, x_adv)
    n, C, T = xa.shape
    if T < 2:
        raise AttackError(f"series of length {T} have no spectrum (need T >= 2)")
    fs = _check_fs(fs)
    nperseg = min(T, 256) if nperseg is None else check_int("nperseg", nperseg, 2, T, error=AttackError)
    per_sample = check_bool("per_sample", per_sample, error=AttackError)
    F = nperseg // 2 + 1
    if per_sample and n * C * F > MAX_PER_SAMPLE_VALUES:
        raise AttackError(f"per_sample=True would keep {n * C * F} values per spectrum (more than "
                          f"{MAX_PER_SAMPLE_VALUES}); use fewer series or per_sample=False")
    d = xb - xa
    sums = np.zeros((3, C, F))
    peak = np.empty((n, C))
    power = np.empty((n, C))
    keep = [np.empty((n, C, F), np.float32) for _ in range(3)] if per_sample else None
    freqs = np.fft.rfftfreq(nperseg, d=1.0 / (fs or 1.0))
    for sl, f, psds in welch_chunks((xa, xb, d), fs=fs or 1.0, nperseg=nperseg):
        freqs = f
        for j, p in enumerate(psds):
            sums[j] += p.sum(axis=0)
            if keep is not None:
                keep[j][sl] = p
        pd_ = psds[2]
        peak[sl] = np.where((pd_ > 0).any(axis=-1), f[np.argmax(pd_, axis=-1)], np.nan)
        df = float(f[1] - f[0]) if f.size > 1 else 1.0
        power[sl] = pd_.sum(axis=-1) * df
    mean = sums / n
    return SpectraComparison(
        freqs=np.asarray(freqs, dtype=np.float64), clean=mean[0], adversarial=mean[1],
        perturbation=mean[2], perturbation_peak=peak, perturbation_power=power,
        clean_samples=None if keep is None else keep[0],
        adversarial_samples=None if keep is None else keep[1],
        perturbation_samples=None if keep is None else keep[2],
        n=int(n), fs=fs, freq_unit="Hz" if fs else "cycles/sample", nperseg=int(nperseg),
    )


# --------------------------------------------------------------------------- latent shift
@dataclass(frozen=True, eq=False)
class LatentShift:
    """Clean and adversarial latents projected on the clean latents' first two principal axes.

    Attributes
    ----------
    coords_clean, coords_adv : ndarray, float64, shape ``(m, 2)``
        PCA coordinates (latent units) of the clean and adversarial latents of the ``m``
        selected series; the basis and centre are fitted on the clean latents only, so an
        unperturbed series maps onto itself.
    indices : ndarray, int64, shape ``(m,)``
        Row of each point in ``x`` (sorted ascending).
    explained_variance_ratio : ndarray, float64, shape ``(2,)``
        Fraction of the clean latents' variance along each axis (0 for an axis beyond their rank).
    latent_distance : ndarray, float64, shape ``(m,)``
        Euclidean distance between the clean and adversarial latent vectors in the full latent
        space (not only the 2-D projection).
    latent_norm : float
        Mean Euclidean norm of the centred clean latents (scale for ``latent_distance``).
    latent_dim : int
        Dimension ``d`` of the latents.
    n_total : int
        Number of series before subsampling.
    seed : int
        Seed of the subsample and of the randomized SVD.
    fit_on : str
        ``"clean"``, or ``"clean+adversarial"`` when the clean latents have no variance to fit a
        basis on (a single series, or identical latents).
    """

    coords_clean: np.ndarray
    coords_adv: np.ndarray
    indices: np.ndarray
    explained_variance_ratio: np.ndarray
    latent_distance: np.ndarray
    latent_norm: float
    latent_dim: int
    n_total: int
    seed: int
    fit_on: str = "clean"

    def __post_init__(self) -> None:
        for name in ("coords_clean", "coords_adv", "indices", "explained_variance_ratio",
                     "latent_distance"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def subsampled(self) -> bool:
        """Whether fewer than :attr:`n_total` series were projected."""
        return int(self.indices.size) < int(self.n_total)

    @property
    def shift(self) -> np.ndarray:
        """2-D displacement ``coords_adv - coords_clean``, shape ``(m, 2)``."""
        return self.coords_adv - self.coords_clean

    def summary(self) -> dict[str, Any]:
        """JSON-ready: points used/total, seed, explained variance, latent dimension, mean and
        median latent distance (absolute and relative to :attr:`latent_norm`), mean 2-D shift."""
        dist = self.latent_distance
        rel = dist / self.latent_norm if self.latent_norm > 0 else np.full_like(dist, np.nan)
        return {
            "n_points": int(self.indices.size),
            "n_total": int(self.n_total),
            "seed": int(self.seed),
            "fit_on": self.fit_on,
            "latent_dim": int(self.latent_dim),
            "explained_variance_ratio": self.explained_variance_ratio.tolist(),
            "mean_latent_distance": float(dist.mean()),
            "median_latent_distance": float(np.median(dist)),
            "median_relative_distance": float(np.median(rel)),
            "mean_projected_shift": float(np.linalg.norm(self.shift, axis=1).mean()),
        }

    def to_frame(self) -> "pd.DataFrame":
        """One row per point: ``index``, ``pc1_clean``, ``pc2_clean``, ``pc1_adv``, ``pc2_adv``,
        ``latent_distance``."""
        import pandas as pd

        return pd.DataFrame({
            "index": self.indices,
            "pc1_clean": self.coords_clean[:, 0], "pc2_clean": self.coords_clean[:, 1],
            "pc1_adv": self.coords_adv[:, 0], "pc2_adv": self.coords_adv[:, 1],
            "latent_distance": self.latent_distance,
        })


def _latents(model: torch.nn.Module, xs: tuple[torch.Tensor, ...], batch_size: int) -> list[np.ndarray]:
    """``model.features`` of each tensor in ``xs`` (batched, eval mode, no grad), as float64
    ``(m, d)``; every submodule's train/eval mode is restored and nothing else is touched."""
    dev = model_device(model)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    out: list[np.ndarray] = []
    try:
        with torch.no_grad():
            for x in xs:
                parts = []
                for i in range(0, x.shape[0], batch_size):
                    z = model.features(x[i:i + batch_size].to(dev))
                    parts.append(z.detach().reshape(z.shape[0], -1).to("cpu", torch.float64))
                out.append(torch.cat(parts).numpy())
    finally:
        for m, mode in modes:
            m.training = mode
    return out


def latent_shift(model: torch.nn.Module, x: Any, x_adv: Any, *, seed: int = 0,
                 max_points: int = 500, batch_size: int = 512) -> LatentShift:
    """Project clean and adversarial latents on the 2-D PCA basis of the clean latents.

    Pearson, K. (1901). "On lines and planes of closest fit to systems of points in space."
    :class:`sklearn.decomposition.PCA` is fitted on the clean latents ``model.features(x)`` of a
    seeded subsample and applied to both, so the axes and the centre are those of the clean data
    and each arrow clean -> adversarial shows the attack's move. With a single series (no clean
    variance, or identical clean latents) the basis is fitted on the clean and adversarial latents
    together (``LatentShift.fit_on``).

    Parameters
    ----------
    model : nn.Module
        With a ``features`` method mapping ``(n, C, T)`` to latents ``(n, d)`` (every
        :class:`~tsviz.models.TimeSeriesClassifier`). Run on its own device in eval mode under
        :func:`torch.no_grad`; its train/eval modes are restored and ``requires_grad`` untouched.
    x, x_adv : array or Tensor, shape ``(n, C, T)``
        Clean and adversarial series in signal units.
    seed : int
        Seed of the subsample and of the randomized SVD (for latents wider than 1000).
    max_points : int
        At most this many series are projected (seeded uniform subsample above it),
        ``1 <= max_points <=`` :data:`tsviz.data.stats.MAX_EMBED_POINTS`.
    batch_size : int
        Series per forward pass (``>= 1``).

    Returns
    -------
    LatentShift

    Raises
    ------
    AttackError (a ValueError)
        A model without ``features``, bad ``x``/``x_adv``, ``seed``, ``max_points`` or
        ``batch_size``, or non-finite latents.
    """
    from sklearn.decomposition import PCA

    if not callable(getattr(model, "features", None)):
        raise AttackError(f"model must have a features(x) method returning latents, "
                          f"{type(model).__name__} has none")
    xa, xb = _pair(x, x_adv)
    check_model_input(model, torch.from_numpy(xa[:1]), error=AttackError)
    seed = check_seed(seed, error=AttackError)
    max_points = check_int("max_points", max_points, 1, MAX_EMBED_POINTS, error=AttackError)
    batch_size = check_int("batch_size", batch_size, 1, error=AttackError)
    n = xa.shape[0]
    idx = subsample_indices(n, max_points, seed)
    za, zb = _latents(model, (torch.as_tensor(xa[idx], dtype=torch.float32),
                              torch.as_tensor(xb[idx], dtype=torch.float32)), batch_size)
    if not (np.isfinite(za).all() and np.isfinite(zb).all()):
        raise AttackError("the model's latents are not finite (NaN/Inf)")
    m, d = za.shape
    fit_on = "clean"
    fit = za
    if m < 2 or np.ptp(za, axis=0).max() == 0:  # no clean variance to fit a basis on
        fit_on = "clean+adversarial"
        fit = np.concatenate([za, zb])
    k = min(2, fit.shape[0], d)
    coords_a = np.zeros((m, 2))
    coords_b = np.zeros((m, 2))
    evr = np.zeros(2)
    centre = fit.mean(axis=0)
    if k >= 1 and np.ptp(fit, axis=0).max() > 0:
        solver = "randomized" if d > 1000 and k < 0.8 * min(fit.shape) else "full"
        pca = PCA(n_components=k, svd_solver=solver, random_state=seed).fit(fit)
        coords_a[:, :k] = pca.transform(za)
        coords_b[:, :k] = pca.transform(zb)
        evr[:k] = np.nan_to_num(pca.explained_variance_ratio_, nan=0.0)
    dist = np.linalg.norm(zb - za, axis=1)
    norm = float(np.linalg.norm(za - centre, axis=1).mean())
    return LatentShift(coords_a, coords_b, idx, evr, dist, norm, int(d), int(n), seed, fit_on)
