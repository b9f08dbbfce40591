"""The two classic synthetic benchmarks of the UCR archive, from their published definitions.

* **CBF** (Cylinder-Bell-Funnel), Saito, "Local feature extraction and its application using a
  library of bases", PhD thesis, Yale 1994: with ``a ~ U[16, 32]``, ``b - a ~ U[32, 96]``,
  ``eta, eps(t) ~ N(0, 1)`` and the indicator ``chi_[a,b]``,
  cylinder ``(6 + eta) chi_[a,b](t) + eps(t)``, bell ``(6 + eta) chi_[a,b](t) (t - a)/(b - a) + eps(t)``,
  funnel ``(6 + eta) chi_[a,b](t) (b - t)/(b - a) + eps(t)``, ``t = 1..128``.
  UCR sizes: 30 train / 900 test, length 128.
* **SyntheticControl** (control-chart patterns), Alcock & Manolopoulos, "Time-series similarity
  queries employing a feature-based approach", 1999 (after Pham & Chan 1998): with ``m = 30``,
  ``s = 2`` and ``r(t) ~ U(-3, 3)``: normal ``m + r s``; cyclic ``+ a sin(2 pi t / T)`` with
  ``a, T ~ U(10, 15)``; increasing/decreasing trend ``+- g t`` with ``g ~ U(0.2, 0.5)``;
  upward/downward shift ``+- k x`` with ``x ~ U(7.5, 20)`` and ``k = 1`` from ``t3 ~ U(n/3, 2n/3)`` on.
  UCR sizes: 300 train / 300 test (50 per class each), length 60.

Both return raw values (``unit="a.u."``, no time axis in seconds); the UCR copies are additionally
z-normalised per series, which ``znorm=True`` reproduces.
"""
from __future__ import annotations

import numpy as np

from tsviz.core.validation import check_int
from tsviz.data.dataset import Dataset
from tsviz.data.errors import DataError
from tsviz.data.validation import MAX_LENGTH, int_param

__all__ = ["cbf", "synthetic_control", "MAX_SERIES"]

#: Cap on ``n_train + n_test`` for the simple generators.
MAX_SERIES = 100_000

CBF_CLASSES = ("cylinder", "bell", "funnel")
CONTROL_CLASSES = ("normal", "cyclic", "increasing", "decreasing", "upward shift", "downward shift")


def _check_sizes(name: str, n_train: int, n_test: int, length: int, min_length: int, k: int) -> None:
    """``n_train >= k`` (one series per class), ``n_test >= 1``, ``length >= min_length``, all
    integers, and ``n_train + n_test <=`` :data:`MAX_SERIES`; DataError naming the generator."""
    check_int(f"{name}: n_train", n_train, k, error=DataError)
    check_int(f"{name}: n_test", n_test, 1, error=DataError)
    check_int(f"{name}: length", length, min_length, MAX_LENGTH, error=DataError)
    if n_train + n_test > MAX_SERIES:
        raise DataError(f"{name}: n_train + n_test = {n_train + n_test} is over the cap of {MAX_SERIES}")


def _balanced_labels(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    y = np.arange(n) % k
    return y[rng.permutation(n)].astype(np.int64)


def _znorm(X: np.ndarray) -> np.ndarray:
    mu = X.mean(axis=-1, keepdims=True)
    sd = X.std(axis=-1, ddof=1, keepdims=True)
    return (X - mu) / np.where(sd > 0, sd, 1.0)


def _flag(name: str, value: object) -> bool:
    """A boolean option (``True``/``False``, ``0``/``1`` or their strings, as the CLI passes them)."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1)):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise DataError(f"{name} must be True or False, got {str(value)[:40]!r}")


def _split_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    train_ss, test_ss = np.random.SeedSequence(int_param("seed", seed, low=0)).spawn(2)
    return np.random.default_rng(train_ss), np.random.default_rng(test_ss)


def _cbf_series(y: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    n = y.size
    scale = length / 128.0  # the definition is for T = 128; longer series stretch the event
    a = rng.uniform(16, 32, n) * scale
    b = a + rng.uniform(32, 96, n) * scale
    eta = rng.standard_normal(n)
    eps = rng.standard_normal((n, length))
    t = np.arange(1, length + 1, dtype=np.float64)[None, :]
    a_, b_ = a[:, None], b[:, None]
    inside = ((t >= a_) & (t <= b_)).astype(np.float64)
    shape = np.where(y[:, None] == 0, 1.0, np.where(y[:, None] == 1, (t - a_) / (b_ - a_), (b_ - t) / (b_ - a_)))
    return ((6.0 + eta)[:, None] * inside * shape + eps).astype(np.float32)


def cbf(n_train: int = 30, n_test: int = 900, *, length: int = 128, seed: int = 0, znorm: bool = False) -> Dataset:
    """Cylinder-Bell-Funnel series (Saito 1994), balanced classes, UCR sizes by default.

    Parameters
    ----------
    n_train, n_test : int
        Series per split (default 30 / 900 as in the UCR archive).
    length : int
        Time steps ``T`` (default 128; at least 64).
    seed : int
        Seed; train and test use independent streams, so ``n_test`` never changes the train set.
    znorm : bool
        Z-normalise each series as the UCR copy does.

    Returns
    -------
    Dataset
        ``X`` of shape ``(n, 1, length)`` float32, classes ``cylinder, bell, funnel``.
    """
    _check_sizes("cbf", n_train, n_test, length, 64, 3)
    rtr, rte = _split_streams(seed)
    ytr, yte = _balanced_labels(n_train, 3, rtr), _balanced_labels(n_test, 3, rte)
    Xtr, Xte = _cbf_series(ytr, length, rtr), _cbf_series(yte, length, rte)
    if _flag("znorm", znorm):
        Xtr, Xte = _znorm(Xtr), _znorm(Xte)
    return Dataset(
        "cbf", Xtr[:, None, :], ytr, Xte[:, None, :], yte, CBF_CLASSES, None, "a.u.",
        {"source": "Saito 1994, Cylinder-Bell-Funnel (UCR: CBF)", "seed": seed, "znorm": znorm,
         "description": "Three shapes on a noisy baseline: a plateau (cylinder), a rising ramp "
                        "(bell) and a falling ramp (funnel), at random onset and duration."},
    )


def _control_series(y: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    n = y.size
    m, s = 30.0, 2.0
    t = np.arange(1, length + 1, dtype=np.float64)[None, :]
    base = m + rng.uniform(-3, 3, (n, length)) * s
    amp, period = rng.uniform(10, 15, n)[:, None], rng.uniform(10, 15, n)[:, None]
    g = rng.uniform(0.2, 0.5, n)[:, None]
    x = rng.uniform(7.5, 20, n)[:, None]
    t3 = rng.uniform(length / 3, 2 * length / 3, n)[:, None]
    k = (t >= t3).astype(np.float64)
    yy = y[:, None]
    extra = np.select(
        [yy == 1, yy == 2, yy == 3, yy == 4, yy == 5],
        [amp * np.sin(2 * np.pi * t / period), g * t, -g * t, k * x, -k * x],
        default=0.0,
    )
    return (base + extra).astype(np.float32)


def synthetic_control(n_train: int = 300, n_test: int = 300, *, length: int = 60, seed: int = 0,
                      znorm: bool = False) -> Dataset:
    """Synthetic control-chart patterns (Alcock & Manolopoulos 1999), six balanced classes.

    Parameters
    ----------
    n_train, n_test : int
        Series per split (default 300 / 300 as in the UCR archive).
    length : int
        Time steps ``T`` (default 60; at least 30).
    seed : int
        Seed; train and test use independent streams.
    znorm : bool
        Z-normalise each series as the UCR copy does.

    Returns
    -------
    Dataset
        ``X`` of shape ``(n, 1, length)`` float32, classes normal, cyclic, increasing,
        decreasing, upward shift, downward shift (the UCR label order 1..6).
    """
    _check_sizes("synthetic-control", n_train, n_test, length, 30, 6)
    rtr, rte = _split_streams(seed)
    ytr, yte = _balanced_labels(n_train, 6, rtr), _balanced_labels(n_test, 6, rte)
    Xtr, Xte = _control_series(ytr, length, rtr), _control_series(yte, length, rte)
    if _flag("znorm", znorm):
        Xtr, Xte = _znorm(Xtr), _znorm(Xte)
    return Dataset(
        "synthetic-control", Xtr[:, None, :], ytr, Xte[:, None, :], yte, CONTROL_CLASSES, None, "a.u.",
        {"source": "Alcock & Manolopoulos 1999, control-chart patterns (UCR: SyntheticControl)",
         "seed": seed, "znorm": znorm,
         "description": "Process-control charts around a mean of 30: in control, cyclic, "
                        "trending up or down, or shifting up or down part-way."},
    )
