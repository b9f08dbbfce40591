"""Descriptive statistics of a :class:`~tsviz.data.Dataset` for the Data page.

Three computations, each returning a small frozen dataclass with numpy arrays, a JSON-ready
``summary()`` and a ``to_frame()`` for CSV export; figures are drawn from them by
:mod:`tsviz.viz.data_figures`.

- :func:`class_mean_std` -- per-class, per-channel mean and standard deviation over time.
- :func:`class_psd` -- per-class mean Welch power spectral density (Welch 1967).
- :func:`pca_series` -- a 2-D principal-component projection of the raw series (Pearson 1901).

Two building blocks are public for the other families: :func:`welch_chunks` (Welch PSDs of many
series at once, in memory-bounded chunks; also behind :func:`tsviz.attacks.analysis.welch_compare`)
and :func:`pca_project` / :func:`subsample_indices` (behind the model and attack embeddings).
Bad arguments raise :class:`~tsviz.data.errors.DataError` (a ``ValueError``) naming the parameter.

scipy and scikit-learn are imported inside the functions that need them, so importing this
module stays cheap.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.core.arrays import readonly as _frozen
from tsviz.core.validation import check_choice, check_int, check_seed
from tsviz.data.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from tsviz.data.dataset import Dataset

__all__ = [
    "ClassProfile", "ClassPSD", "Embedding",
    "class_mean_std", "class_psd", "pca_series", "welch_chunks", "pca_project", "subsample_indices",
    "MAX_EMBED_POINTS", "PSD_CHUNK_VALUES",
]

#: Hard cap on the ``max_points`` of :func:`pca_series` (and of ``tsviz.models.evaluation``'s
#: PCA embedding): more points make the scatter unreadable and the browser slow.
MAX_EMBED_POINTS = 20_000

#: Values (series x channels x time steps, all inputs together) per Welch batch of
#: :func:`welch_chunks` (bounds the temporary memory).
PSD_CHUNK_VALUES = 1 << 22


def _check_split(split: Any) -> str:
    return check_choice("split", split, ("train", "test"), error=DataError)


def welch_chunks(arrays: Sequence[np.ndarray], *, fs: float, nperseg: int,
                 chunk_values: int | None = None) -> Iterator[tuple[slice, np.ndarray, list[np.ndarray]]]:
    """Welch power spectral densities of many series at once, in chunks of rows.

    Welch, P. (1967). "The use of fast Fourier transform for the estimation of power spectra."
    IEEE Trans. Audio Electroacoust. 15(2). :func:`scipy.signal.welch` along the last axis (Hann
    window, 50 % overlap, constant detrending, density scaling), on a few rows at a time so that
    the temporary memory stays bounded; no Python loop over samples.

    Parameters
    ----------
    arrays : sequence of ndarray, each shape ``(n, C, T)``
        Series of the same shape (e.g. clean, adversarial and their difference), any real dtype;
        each chunk is converted to float64.
    fs : float
        Sampling frequency (Hz; ``1.0`` gives cycles/sample).
    nperseg : int
        Welch segment length, ``2 <= nperseg <= T``.
    chunk_values : int, optional
        Values per chunk over all arrays (default :data:`PSD_CHUNK_VALUES`).

    Yields
    ------
    rows : slice
        The rows of this chunk.
    freqs : ndarray, float64, shape ``(F,)``
        ``F = nperseg // 2 + 1`` frequencies in the unit of ``fs``.
    psds : list of ndarray, float64, shape ``(b, C, F)``
        One per input array, in ``unit^2`` per frequency unit.
    """
    from scipy.signal import welch

    n, C, T = arrays[0].shape
    budget = PSD_CHUNK_VALUES if chunk_values is None else int(chunk_values)
    chunk = max(1, budget // max(1, C * T * len(arrays)))
    for start in range(0, n, chunk):  # batches of many series, not a per-sample loop
        rows = slice(start, min(start + chunk, n))
        psds = []
        freqs = None
        for a in arrays:
            freqs, p = welch(np.asarray(a[rows], dtype=np.float64), fs=fs, nperseg=nperseg, axis=-1)
            psds.append(p)
        yield rows, freqs, psds


def subsample_indices(n: int, max_points: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded uniform subsample of ``range(n)`` without replacement.

    Parameters
    ----------
    n : int
        Number of items.
    max_points : int
        Keep at most this many; all ``n`` (``arange(n)``) when ``n <= max_points``.
    seed : int
        Seed of a local :func:`numpy.random.default_rng`; same seed -> same indices.

    Returns
    -------
    ndarray, int64, shape ``(min(n, max_points),)``
    """
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=max_points, replace=False)).astype(np.int64)


# --------------------------------------------------------------------------- class profile
@dataclass(frozen=True, eq=False)
class ClassProfile:
    """Per-class mean and standard deviation of the series of one split.

    Attributes
    ----------
    mean, std : ndarray, float64, shape ``(K, C, T)``
        Pointwise mean and population standard deviation (``ddof=0``) over the series of each
        class, in the dataset's ``unit``. ``NaN`` for a class with no series in the split.
    counts : ndarray, int64, shape ``(K,)``
        Number of series of each class.
    class_names : tuple of str
        ``K`` class names.
    split : str
        ``"train"`` or ``"test"``.
    unit : str
        Unit of ``mean`` and ``std`` (``"mV"`` for ECG).
    fs : float or None
        Sampling frequency in Hz (``None``: time axis in steps).
    """

    mean: np.ndarray
    std: np.ndarray
    counts: np.ndarray
    class_names: tuple[str, ...]
    split: str
    unit: str
    fs: float | None

    def __post_init__(self) -> None:
        for name in ("mean", "std", "counts"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def time(self) -> np.ndarray:
        """Time axis, shape ``(T,)``: seconds when ``fs`` is known, else steps."""
        t = np.arange(self.mean.shape[-1], dtype=np.float64)
        return t / self.fs if self.fs else t

    def summary(self) -> dict[str, Any]:
        """JSON-ready: split, unit, shape, counts and per-class average std (in ``unit``)."""
        with np.errstate(invalid="ignore"):
            avg_std = [None if c == 0 else float(np.mean(s)) for c, s in zip(self.counts, self.std)]
        return {
            "split": self.split,
            "unit": self.unit,
            "n_classes": len(self.class_names),
            "n_channels": int(self.mean.shape[1]),
            "length": int(self.mean.shape[2]),
            "counts": dict(zip(self.class_names, self.counts.tolist())),
            "mean_std": dict(zip(self.class_names, avg_std)),
        }

    def to_frame(self) -> "pd.DataFrame":
        """Long table with one row per (class, channel, time step).

        Columns: ``class``, ``channel``, ``step``, ``time_s`` (only when ``fs`` is known),
        ``mean_<unit>``, ``std_<unit>``, ``count``.
        """
        import pandas as pd

        K, C, T = self.mean.shape
        k, c, t = np.meshgrid(np.arange(K), np.arange(C), np.arange(T), indexing="ij")
        cols: dict[str, Any] = {
            "class": np.asarray(self.class_names, dtype=object)[k.ravel()],
            "channel": c.ravel(),
            "step": t.ravel(),
        }
        if self.fs:
            cols["time_s"] = t.ravel() / self.fs
        cols[f"mean_{self.unit}"] = self.mean.ravel()
        cols[f"std_{self.unit}"] = self.std.ravel()
        cols["count"] = self.counts[k.ravel()]
        return pd.DataFrame(cols)


def class_mean_std(ds: "Dataset", split: str = "train") -> ClassProfile:
    """Mean and standard deviation per class, channel and time step.

    Parameters
    ----------
    ds : Dataset
        Series ``(n, C, T)`` in physical units.
    split : {"train", "test"}
        Which split to describe.

    Returns
    -------
    ClassProfile
        ``mean``/``std`` ``(K, C, T)`` float64 (population std, ``ddof=0``; ``NaN`` for an empty
        class) and ``counts`` ``(K,)``.

    Raises
    ------
    DataError
        If ``split`` is not ``"train"`` or ``"test"``.
    """
    X, y = ds.split(_check_split(split))
    K = ds.n_classes
    _, C, T = X.shape
    counts = np.bincount(y, minlength=K).astype(np.int64)
    mean = np.full((K, C, T), np.nan)
    std = np.full((K, C, T), np.nan)
    for k in np.flatnonzero(counts):  # a loop over classes, not samples
        sub = X[y == k]
        mean[k] = sub.mean(axis=0, dtype=np.float64)
        std[k] = sub.std(axis=0, dtype=np.float64)
    return ClassProfile(mean, std, counts, tuple(ds.class_names), split, ds.unit, ds.fs)


# --------------------------------------------------------------------------- PSD
@dataclass(frozen=True, eq=False)
class ClassPSD:
    """Per-class mean power spectral density (Welch) of the series of one split.

    Attributes
    ----------
    freqs : ndarray, float64, shape ``(F,)``
        Frequencies in ``freq_unit`` (Hz when the dataset's ``fs`` is known, else cycles/sample).
    psd : ndarray, float64, shape ``(K, C, F)``
        Mean over each class's series of the one-sided Welch PSD, in ``psd_unit``
        (``unit^2/Hz`` or ``unit^2/(cycles/sample)``). ``NaN`` for a class with no series.
    counts : ndarray, int64, shape ``(K,)``
        Number of series averaged per class.
    class_names : tuple of str
    split : str
    unit : str
        Unit of the series (the PSD is in ``unit^2`` per frequency unit).
    freq_unit : str
        ``"Hz"`` or ``"cycles/sample"``.
    nperseg : int
        Welch segment length (samples) used.
    """

    freqs: np.ndarray
    psd: np.ndarray
    counts: np.ndarray
    class_names: tuple[str, ...]
    split: str
    unit: str
    freq_unit: str
    nperseg: int

    def __post_init__(self) -> None:
        for name in ("freqs", "psd", "counts"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def psd_unit(self) -> str:
        """Unit of :attr:`psd`: ``"mV^2/Hz"`` or ``"mV^2/(cycles/sample)"``."""
        per = "Hz" if self.freq_unit == "Hz" else "(cycles/sample)"
        return f"{self.unit}^2/{per}"

    def peak_frequencies(self) -> np.ndarray:
        """Frequency of the largest PSD value per class and channel, shape ``(K, C)``, in
        ``freq_unit`` (``NaN`` for an empty class)."""
        out = np.full(self.psd.shape[:2], np.nan)
        ok = self.counts > 0
        if ok.any():
            out[ok] = self.freqs[np.argmax(self.psd[ok], axis=-1)]
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-ready: split, units, number of frequencies, counts, peak frequency per class
        (first channel)."""
        peaks = self.peak_frequencies()[:, 0]
        return {
            "split": self.split,
            "freq_unit": self.freq_unit,
            "psd_unit": self.psd_unit,
            "nperseg": self.nperseg,
            "n_freqs": int(self.freqs.size),
            "counts": dict(zip(self.class_names, self.counts.tolist())),
            "peak_frequency": {n: (None if np.isnan(p) else float(p))
                               for n, p in zip(self.class_names, peaks)},
        }

    def to_frame(self) -> "pd.DataFrame":
        """Long table with one row per (class, channel, frequency).

        Columns: ``class``, ``channel``, ``frequency_<freq_unit>``, ``psd_<psd_unit>``, ``count``.
        """
        import pandas as pd

        K, C, F = self.psd.shape
        k, c, f = np.meshgrid(np.arange(K), np.arange(C), np.arange(F), indexing="ij")
        return pd.DataFrame({
            "class": np.asarray(self.class_names, dtype=object)[k.ravel()],
            "channel": c.ravel(),
            f"frequency_{self.freq_unit}": self.freqs[f.ravel()],
            f"psd_{self.psd_unit}": self.psd.ravel(),
            "count": self.counts[k.ravel()],
        })


def class_psd(ds: "Dataset", split: str = "train", *, nperseg: int | None = None) -> ClassPSD:
    """Mean Welch power spectral density of each class.

    Welch, P. (1967). "The use of fast Fourier transform for the estimation of power spectra."
    IEEE Trans. Audio Electroacoust. 15(2). Computed with :func:`scipy.signal.welch` along the
    time axis of all series at once (in chunks bounding memory), Hann window, 50 % overlap,
    constant detrending, density scaling; then averaged per class.

    Parameters
    ----------
    ds : Dataset
        Series ``(n, C, T)`` in physical units.
    split : {"train", "test"}
        Which split.
    nperseg : int, optional
        Segment length in samples, ``2 <= nperseg <= T``; default ``min(T, 256)``.

    Returns
    -------
    ClassPSD
        ``freqs`` ``(F,)`` with ``F = nperseg // 2 + 1`` in Hz (``ds.fs`` known) or cycles/sample,
        ``psd`` ``(K, C, F)`` in ``unit^2/Hz`` (or ``unit^2`` per cycle/sample).

    Raises
    ------
    DataError
        Bad ``split`` or ``nperseg``, or series shorter than 2 steps.
    """
    X, y = ds.split(_check_split(split))
    n, C, T = X.shape
    if T < 2:
        raise DataError(f"series of length {T} have no spectrum (need T >= 2)")
    nperseg = min(T, 256) if nperseg is None else check_int("nperseg", nperseg, 2, T, error=DataError)
    fs = ds.fs if ds.fs else 1.0
    K = ds.n_classes
    counts = np.bincount(y, minlength=K).astype(np.int64)
    F = nperseg // 2 + 1
    sums = np.zeros((K, C * F))
    freqs = None
    for rows, f, (p,) in welch_chunks((X,), fs=fs, nperseg=nperseg):
        freqs = f
        b = p.shape[0]
        onehot = np.zeros((b, K))
        onehot[np.arange(b), y[rows]] = 1.0
        sums += onehot.T @ p.reshape(b, C * F)
    with np.errstate(invalid="ignore", divide="ignore"):
        psd = (sums / counts[:, None]).reshape(K, C, F)
    psd[counts == 0] = np.nan
    if freqs is None:  # empty split: frequencies still well defined
        freqs = np.fft.rfftfreq(nperseg, d=1.0 / fs)
    return ClassPSD(np.asarray(freqs, dtype=np.float64), psd, counts, tuple(ds.class_names), split,
                    ds.unit, "Hz" if ds.fs else "cycles/sample", int(nperseg))


# --------------------------------------------------------------------------- embeddings
@dataclass(frozen=True, eq=False)
class Embedding:
    """A low-dimensional projection of (a subsample of) a set of points.

    Attributes
    ----------
    coords : ndarray, float64, shape ``(m, k)``
        Projected coordinates (``k = 2`` for the app's scatter plots). PCA coordinates are in the
        input's unit (``unit`` for raw series); t-SNE coordinates have no unit.
    indices : ndarray, int64, shape ``(m,)``
        Row of each point in the input (split or latent matrix), sorted ascending.
    labels : ndarray, int64, shape ``(m,)``, or None
        Class of each point when known.
    method : str
        ``"pca"`` or ``"tsne"``.
    explained_variance_ratio : ndarray, float64, shape ``(k,)``, or None
        Fraction of the (subsample's) total variance per PCA component; ``None`` for t-SNE.
    n_total : int
        Number of points before subsampling.
    seed : int
        Seed of the subsample (and of t-SNE).
    """

    coords: np.ndarray
    indices: np.ndarray
    labels: np.ndarray | None
    method: str
    explained_variance_ratio: np.ndarray | None
    n_total: int
    seed: int

    def __post_init__(self) -> None:
        for name in ("coords", "indices", "labels", "explained_variance_ratio"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def subsampled(self) -> bool:
        """Whether fewer than :attr:`n_total` points were embedded."""
        return int(self.indices.size) < int(self.n_total)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: method, number of points used/total, seed, explained variance ratios."""
        evr = None if self.explained_variance_ratio is None else self.explained_variance_ratio.tolist()
        return {
            "method": self.method,
            "n_points": int(self.indices.size),
            "n_total": int(self.n_total),
            "n_components": int(self.coords.shape[1]),
            "seed": int(self.seed),
            "explained_variance_ratio": evr,
        }

    def to_frame(self) -> "pd.DataFrame":
        """One row per point: ``index``, ``label`` (when known), ``dim1`` ... ``dimk``."""
        import pandas as pd

        cols: dict[str, Any] = {"index": self.indices}
        if self.labels is not None:
            cols["label"] = self.labels
        for j in range(self.coords.shape[1]):
            cols[f"dim{j + 1}"] = self.coords[:, j]
        return pd.DataFrame(cols)


def pca_project(Z: np.ndarray, n_components: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """PCA coordinates ``(m, n_components)`` and explained variance ratios of rows of ``Z``.

    Uses :class:`sklearn.decomposition.PCA` (exact SVD for narrow data, seeded randomized SVD
    for more than 1000 features). Components beyond the rank of ``Z`` are padded with zeros
    (coordinates and ratio 0), so the output always has ``n_components`` columns.
    """
    from sklearn.decomposition import PCA

    m, d = Z.shape
    k = min(n_components, m, d)
    coords = np.zeros((m, n_components))
    evr = np.zeros(n_components)
    if k >= 1 and m >= 2:
        solver = "randomized" if d > 1000 and k < 0.8 * min(m, d) else "full"
        pca = PCA(n_components=k, svd_solver=solver, random_state=seed)
        coords[:, :k] = pca.fit_transform(Z)
        ratio = np.nan_to_num(pca.explained_variance_ratio_, nan=0.0)
        evr[:k] = ratio
    return coords, evr


def pca_series(ds: "Dataset", split: str = "train", *, n_components: int = 2,
               max_points: int = 5000, seed: int = 0) -> Embedding:
    """Principal-component projection of the flattened raw series of one split.

    Pearson, K. (1901). "On lines and planes of closest fit to systems of points in space."
    Each series ``(C, T)`` is flattened to ``C*T`` values in physical units (no scaling, so the
    projection keeps the dataset's unit).

    Parameters
    ----------
    ds : Dataset
    split : {"train", "test"}
    n_components : int
        Number of components, ``1 <= n_components <= min(C*T, 10)``.
    max_points : int
        At most this many series are projected (a seeded uniform subsample above it),
        ``2 <= max_points <=`` :data:`MAX_EMBED_POINTS`.
    seed : int
        Seed of the subsample and of the randomized SVD (used for very wide data).

    Returns
    -------
    Embedding
        ``coords`` ``(m, n_components)``, ``labels`` ``(m,)``, ``indices`` ``(m,)`` into the split,
        ``explained_variance_ratio`` ``(n_components,)``, ``method="pca"``.

    Raises
    ------
    DataError
        Bad ``split``, ``n_components``, ``max_points`` or ``seed``.
    """
    X, y = ds.split(_check_split(split))
    d = int(X.shape[1] * X.shape[2])
    n_components = check_int("n_components", n_components, 1, min(d, 10), error=DataError)
    max_points = check_int("max_points", max_points, 2, MAX_EMBED_POINTS, error=DataError)
    seed = check_seed(seed, error=DataError)
    idx = subsample_indices(X.shape[0], max_points, seed)
    Z = np.asarray(X[idx], dtype=np.float32).reshape(idx.size, d)
    coords, evr = pca_project(Z, n_components, seed)
    return Embedding(coords, idx, np.asarray(y[idx], dtype=np.int64), "pca", evr,
                     int(X.shape[0]), seed)
