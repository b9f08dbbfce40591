"""The synthetic-ECG dataset: five-class AAMI beat windows from the ECGSYN model, in mV.

:func:`synthetic_ecg` assembles a :class:`~tsviz.data.Dataset` of beat windows in the format of
the Kaggle MIT-BIH heartbeat set (125 Hz, 187 samples) but in physical units and centred on the
beat. Each window is rendered from five consecutive beats by the batched ECGSYN solver:

- :mod:`tsviz.data.ecgsyn` -- the ECGSYN dynamical model of McSharry, Clifford, Tarassenko and
  Smith, "A dynamical model for generating synthetic electrocardiogram signals", IEEE Trans.
  Biomed. Eng. 50(3):289-294, 2003 (doi:10.1109/TBME.2003.808805), solved exactly on the grid;
- :mod:`tsviz.data.ecg_morphology` -- the events of each beat per AAMI class (N, S, V, F, Q);
- :mod:`tsviz.data.ecg_rhythm` -- the rhythm around each labelled beat, and continuous rhythm
  strips (:func:`rhythm_strip`, re-exported here);
- :mod:`tsviz.data.ecg_noise` -- baseline wander, muscle noise and mains interference.

Same seed -> bit-identical data: train and test come from independent streams of
``np.random.SeedSequence(seed)``, and every draw is made in a fixed order.
"""
from __future__ import annotations

import math

import numpy as np

from tsviz.core.validation import check_choice, check_int, check_seed
from tsviz.data.dataset import Dataset
from tsviz.data.ecg_morphology import (
    AAMI_CLASSES,
    BeatClass,
    add_pacing_spikes,
    beat_events,
    draw_beats,
    draw_recording,
)
from tsviz.data.ecg_noise import recording_noise
from tsviz.data.ecg_rhythm import (
    MAX_STRIP_SECONDS,
    PACED_RATE_BPM,
    SINUS_RATE_BPM,
    WINDOW_BEATS,
    RhythmStrip,
    rhythm_strip,
    window_rhythm,
)
from tsviz.data.ecgsyn import ECGSYN_SOURCE, FS_RANGE, regular_history, synthesize
from tsviz.data.errors import DataError
from tsviz.data.validation import float_param

__all__ = [
    "synthetic_ecg",
    "rhythm_strip",
    "RhythmStrip",
    "MAX_BEATS",
    "MAX_STRIP_SECONDS",
    "MAX_SAMPLES",
    "AAMI_CLASSES",
]

#: Largest ``n_train + n_test`` that :func:`synthetic_ecg` generates.
MAX_BEATS = 200_000
#: Largest ``(n_train + n_test) * length`` (160 MB of float32 output).
MAX_SAMPLES = 40_000_000

_MIN_WINDOW_S = 0.8                  # shortest beat window, seconds
_MAX_WINDOW_S = 10.0                 # longest beat window, seconds
_R_OFFSET_S = 0.4                    # R peak at 0.4 s into the window (sample 50 at 125 Hz)
_R_JITTER_S = 0.024                  # +- 24 ms (+- 3 samples at 125 Hz)
_MITBIH_PROPORTIONS = np.array([0.83, 0.03, 0.07, 0.01, 0.06])
_BALANCES = ("balanced", "mitbih")

_N = int(BeatClass.N)

#: The ECGSYN paper, as ``meta['source']``.
SOURCE = ECGSYN_SOURCE

_DESCRIPTION = (
    "Synthetic single-lead (lead II-like) ECG beats from the ECGSYN dynamical model (McSharry et "
    "al. 2003), 5 AAMI classes, in mV, in the Kaggle MIT-BIH heartbeat format (125 Hz, 187 "
    "samples) but centred differently: the R peak (fiducial point) of the labelled beat is 0.4 s "
    "into the window (sample 50 at 125 Hz, +-3 samples of jitter), so the window shows its P "
    "wave, the previous beat's T wave when the beat is premature, and the next beat when it comes"
    " within 1.1 s. N: normal sinus beat (55-100 bpm), upright P, narrow QRS (~90 ms), upright T."
    " S: supraventricular ectopic beat, premature (coupling 55-82% of the sinus RR, so the "
    "previous T wave sits early in the window) with an abnormal P wave (inverted, biphasic, bifid"
    " or peaked, partly buried in the T wave when very premature) and a narrow QRS; the next beat"
    " follows after a non-compensatory pause. V: ventricular ectopic beat, premature (50-80%), no"
    " P wave, wide notched QRS (~150-180 ms, upright or QS), T wave opposite to the QRS, full "
    "compensatory pause. F: fusion of a normal and a ventricular beat (mixing weight 0.3-0.7), P "
    "wave present, QRS width and T wave in between. Q: ventricular paced beat (regular 60-80 "
    "bpm): a 1-2 sample pacing spike (1.2-2.5 mV) just before a wide QRS with discordant T, P "
    "wave present in half the recordings (dual-chamber pacing). Beat-to-beat and recording-to-"
    "recording jitter of every event's angle, width and amplitude, amplitude scaling 0.7-1.2, and"
    " noise: baseline wander (two 0.15-0.5 Hz sinusoids, 0.05-0.15 mV in all), muscle noise (20 "
    "Hz+ band-limited, 0.01-0.03 mV RMS) and mains interference (50 or 60 Hz, 0.01-0.02 mV), all "
    "scaled by noise. Context: 10% of N windows end with a premature S or V beat and 7% follow "
    "a V beat (long preceding RR), so neither timing nor the window's extremes alone give the "
    "class."
)


def _beat_windows(
    y: np.ndarray, ecg_rng: np.random.Generator, noise_rng: np.random.Generator,
    fs: float, length: int, r_offset: int, noise: float, *, chunk: int = 4096,
) -> np.ndarray:
    """Windows ``(n, length)`` float32 in mV for labels ``y``, generated in fixed-size chunks."""
    out = np.empty((y.size, length), dtype=np.float32)
    for start in range(0, y.size, chunk):
        yc = y[start:start + chunk]
        n = yc.size
        r_time = r_offset / fs + ecg_rng.uniform(-_R_JITTER_S, _R_JITTER_S, n)
        kinds, t_r, rr = window_rhythm(ecg_rng, yc, r_time)
        rec = draw_recording(ecg_rng, n)
        beat = draw_beats(ecg_rng, n, WINDOW_BEATS)
        tau, amp, sigma, spike_t = beat_events(kinds, t_r, rr, rec, beat)
        z0, l_hist = regular_history(tau[:, 0], amp[:, 0], sigma[:, 0], rr)
        sig = np.broadcast_to(np.arange(n)[:, None, None], tau.shape).reshape(-1)
        x = synthesize(n, length, fs, sig, tau.reshape(-1), amp.reshape(-1), sigma.reshape(-1), z0, l_hist)
        add_pacing_spikes(x, spike_t, rec, fs)
        nz = recording_noise(noise_rng, n, length, fs)   # drawn even for noise=0: same beats at every level
        if noise:
            x += noise * nz
        out[start:start + n] = x
    return out


def _class_counts(n: int, balance: str) -> np.ndarray:
    k = len(AAMI_CLASSES)
    if balance == "balanced":
        counts = np.full(k, n // k, dtype=np.int64)
        counts[: n % k] += 1
        return counts
    p = _MITBIH_PROPORTIONS
    counts = np.maximum(np.floor(p * n).astype(np.int64), 1)
    rest = n - counts.sum()
    if rest > 0:   # largest remainders first, ties by class order
        frac = p * n - np.floor(p * n)
        order = np.lexsort((np.arange(k), -frac))
        counts[order[:rest]] += 1  # rest < k because floor loses less than 1 per class
    elif rest < 0:
        counts[_N] += rest          # the minimum of 1 per class is taken from N
    return counts


def synthetic_ecg(
    n_train: int = 3000,
    n_test: int = 1000,
    *,
    seed: int = 0,
    fs: float = 125.0,
    length: int = 187,
    noise: float = 1.0,
    class_balance: str = "balanced",
) -> Dataset:
    """Five-class AAMI heartbeat dataset from the ECGSYN model (McSharry et al. 2003), in mV.

    Every series is one beat window in the format of the Kaggle MIT-BIH heartbeat set (125 Hz,
    187 samples) but in physical units and centred on the beat: the R peak (fiducial point) of
    the labelled beat is 0.4 s into the window (sample 50 at 125 Hz; ``min(0.4 s, 0.3 * window)``
    for other lengths) with +-24 ms of uniform jitter, so the window shows the beat's P wave, the
    previous beat's T wave when the beat is premature and the next beat when it comes within the
    window. Each window is rendered from five consecutive beats (two before, two after) with the
    batched ECGSYN solver described in the module docstring; see ``meta['description']`` for the
    classes.

    Parameters
    ----------
    n_train, n_test : int
        Number of training and test beats, each ``>= 5`` (every class appears in each split);
        ``n_train + n_test <= MAX_BEATS`` and ``(n_train + n_test) * length <= MAX_SAMPLES``.
    seed : int
        Non-negative seed. Train and test come from independent streams of
        ``np.random.SeedSequence(seed)``, so changing ``n_test`` leaves the training set unchanged;
        the clean beats are independent of ``noise``.
    fs : float
        Sampling frequency in Hz, 50 to 1000.
    length : int
        Samples per window, between ``0.8 s`` and ``10 s`` worth (``ceil(0.8 fs)`` to ``10 fs``).
    noise : float
        Scale of the recording noise (baseline wander, muscle noise, mains), ``>= 0``; 0 gives
        clean beats, 1 the nominal levels (about 0.05-0.15 mV wander, 0.01-0.03 mV muscle noise
        RMS, 0.01-0.02 mV mains).
    class_balance : {"balanced", "mitbih"}
        ``"balanced"``: equal counts per class (the remainder goes to the first classes);
        ``"mitbih"``: proportions like MIT-BIH (N .83, S .03, V .07, F .01, Q .06), at least one
        beat of every class in each split.

    Returns
    -------
    Dataset
        ``name="synthetic-ecg"``, ``X_train`` ``(n_train, 1, length)`` and ``X_test``
        ``(n_test, 1, length)`` float32 in mV, labels int64 into ``class_names = AAMI_CLASSES``,
        ``fs``, ``unit="mV"``; ``meta`` holds ``source``, ``description``, ``channel_names`` and
        the generator parameters.

    Raises
    ------
    DataError
        A parameter out of range (the message names it and the allowed range).

    References
    ----------
    McSharry PE, Clifford GD, Tarassenko L, Smith LA. A dynamical model for generating synthetic
    electrocardiogram signals. IEEE Trans Biomed Eng 50(3):289-294, 2003.
    """
    n_train = check_int("n_train", n_train, 5, error=DataError)
    n_test = check_int("n_test", n_test, 5, error=DataError)
    if n_train + n_test > MAX_BEATS:
        raise DataError(f"n_train + n_test must be <= MAX_BEATS = {MAX_BEATS}, got {n_train + n_test}")
    seed = check_seed(seed, error=DataError)
    fs = float_param("fs", fs, low=FS_RANGE[0], high=FS_RANGE[1])
    lo, hi = math.ceil(_MIN_WINDOW_S * fs - 1e-9), int(math.floor(_MAX_WINDOW_S * fs))
    length = check_int("length", length, error=DataError)
    if not lo <= length <= hi:
        raise DataError(
            f"length must be between {lo} and {hi} samples ({_MIN_WINDOW_S:g} to {_MAX_WINDOW_S:g} s "
            f"at fs={fs:g} Hz), got {length}"
        )
    if (n_train + n_test) * length > MAX_SAMPLES:
        raise DataError(
            f"(n_train + n_test) * length must be <= MAX_SAMPLES = {MAX_SAMPLES}, got "
            f"{(n_train + n_test) * length}; use fewer beats or shorter windows"
        )
    noise = float_param("noise", noise, low=0.0)
    class_balance = check_choice("class_balance", class_balance, _BALANCES, error=DataError)

    r_offset = int(round(min(_R_OFFSET_S, 0.3 * length / fs) * fs))
    splits = []
    for n, ss in zip((n_train, n_test), np.random.SeedSequence(seed).spawn(2)):
        label_ss, ecg_ss, noise_ss = ss.spawn(3)
        counts = _class_counts(n, class_balance)
        y = np.random.default_rng(label_ss).permutation(np.repeat(np.arange(len(AAMI_CLASSES)), counts))
        x = _beat_windows(y, np.random.default_rng(ecg_ss), np.random.default_rng(noise_ss), fs, length,
                          r_offset, noise)
        splits.append((x[:, None, :], y.astype(np.int64)))
    (x_tr, y_tr), (x_te, y_te) = splits
    meta = {
        "source": SOURCE,
        "description": _DESCRIPTION,
        "channel_names": ["ECG (lead II-like)"],
        "generator": "tsviz.data.synthetic_ecg.synthetic_ecg",
        "model": "ECGSYN (McSharry et al. 2003), exact z-solution, per-beat phase and event tables",
        "seed": seed,
        "n_train": n_train,
        "n_test": n_test,
        "fs": fs,
        "length": length,
        "noise": noise,
        "class_balance": class_balance,
        "r_peak_offset": r_offset,
        "r_peak_jitter_s": _R_JITTER_S,
        "sinus_rate_bpm": list(SINUS_RATE_BPM),
        "paced_rate_bpm": list(PACED_RATE_BPM),
    }
    return Dataset("synthetic-ecg", x_tr, y_tr, x_te, y_te, AAMI_CLASSES, fs=fs, unit="mV", meta=meta)
