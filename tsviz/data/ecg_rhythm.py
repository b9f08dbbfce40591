"""Heart rhythm of the synthetic ECG: when each beat comes, and continuous rhythm strips.

:func:`window_rhythm` gives the five beats around a labelled beat of a beat window (the rhythm
context a premature, compensated or paced beat brings); :func:`rhythm_strip` renders a continuous
strip of sinus rhythm with respiratory sinus arrhythmia and random ectopic beats, as a
:class:`RhythmStrip`. Beat morphologies come from :mod:`tsviz.data.ecg_morphology`, the signal from
the ECGSYN solver of :mod:`tsviz.data.ecgsyn` (McSharry et al. 2003), the noise from
:mod:`tsviz.data.ecg_noise`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tsviz.core.validation import check_seed
from tsviz.data.ecg_morphology import (
    AAMI_CLASSES,
    BeatClass,
    add_pacing_spikes,
    beat_events,
    draw_beats,
    draw_recording,
)
from tsviz.data.ecg_noise import recording_noise
from tsviz.data.ecgsyn import FS_RANGE, regular_history, synthesize
from tsviz.data.errors import DataError
from tsviz.data.validation import float_param

__all__ = ["RhythmStrip", "rhythm_strip", "window_rhythm", "MAX_STRIP_SECONDS", "HEART_RATE_RANGE",
           "SINUS_RATE_BPM", "PACED_RATE_BPM", "MIN_COUPLING_S", "WINDOW_BEATS", "CURRENT_BEAT"]

#: Longest strip :func:`rhythm_strip` generates, in seconds.
MAX_STRIP_SECONDS = 600.0
#: Mean sinus rates (bpm) :func:`rhythm_strip` accepts.
HEART_RATE_RANGE = (30.0, 180.0)
#: Sinus rates (bpm) of the beat windows.
SINUS_RATE_BPM = (55.0, 100.0)
#: Pacing rates (bpm) of the paced beat windows.
PACED_RATE_BPM = (60.0, 80.0)
#: Shortest coupling interval of a premature beat, seconds.
MIN_COUPLING_S = 0.36
#: Beats rendered per window: previous-but-one, previous, labelled, next, next-but-one.
WINDOW_BEATS = 5
#: Index of the labelled beat among the :data:`WINDOW_BEATS`.
CURRENT_BEAT = 2

_N, _S, _V, _F, _Q = (int(c) for c in BeatClass)


@dataclass(frozen=True, eq=False)
class RhythmStrip:
    """A continuous single-lead ECG strip with its beats.

    Parameters
    ----------
    signal : ndarray, float32, shape ``(n_samples,)``
        The ECG in mV.
    fs : float
        Sampling frequency in Hz.
    r_peaks : ndarray, int64, shape ``(n_beats,)``
        Sample index of each beat's fiducial point (R peak, or main QRS deflection of a wide beat),
        increasing, all in ``[0, n_samples)``.
    beat_labels : ndarray, int64, shape ``(n_beats,)``
        Class index of each beat into ``class_names``.
    class_names : tuple of str
        :data:`AAMI_CLASSES`.
    """

    signal: np.ndarray
    fs: float
    r_peaks: np.ndarray
    beat_labels: np.ndarray
    class_names: tuple[str, ...] = AAMI_CLASSES

    def __post_init__(self) -> None:
        for name, dtype in (("signal", np.float32), ("r_peaks", np.int64), ("beat_labels", np.int64)):
            a = np.ascontiguousarray(getattr(self, name), dtype=dtype)
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        object.__setattr__(self, "fs", float(self.fs))
        object.__setattr__(self, "class_names", tuple(self.class_names))

    @property
    def duration_s(self) -> float:
        """Length of the strip in seconds."""
        return self.signal.shape[0] / self.fs

    @property
    def times(self) -> np.ndarray:
        """Time of each sample in seconds, shape ``(n_samples,)``."""
        return np.arange(self.signal.shape[0]) / self.fs

    def summary(self) -> dict[str, Any]:
        """JSON-ready description: duration, fs, beat count per class, mean heart rate."""
        counts = np.bincount(self.beat_labels, minlength=len(self.class_names))
        rr = np.diff(self.r_peaks) / self.fs
        return {
            "duration_s": self.duration_s,
            "fs": self.fs,
            "n_samples": int(self.signal.shape[0]),
            "n_beats": int(self.r_peaks.shape[0]),
            "beat_counts": {c: int(k) for c, k in zip(self.class_names, counts)},
            "mean_heart_rate_bpm": float(60.0 / rr.mean()) if rr.size else None,
        }


def window_rhythm(
    rng: np.random.Generator, y: np.ndarray, r_time: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Beat classes ``(n, 5)``, R times ``(n, 5)`` (s) and underlying RR ``(n,)`` of each window.

    The labelled beat has R at ``r_time``. Context: N windows have a premature S (5 %) or V (5 %)
    next beat, or follow a V beat (7 %, long preceding RR); Q windows are paced throughout.
    """
    n = y.size
    rr = 60.0 / np.where(y == _Q, rng.uniform(*PACED_RATE_BPM, n), rng.uniform(*SINUS_RATE_BPM, n))
    eps = rng.normal(0.0, 0.025, (n, 4))
    c_s = rng.uniform(0.55, 0.82, n)
    c_v = rng.uniform(0.50, 0.80, n)
    c_f = rng.uniform(0.88, 1.00, n)
    reset = rng.uniform(1.00, 1.12, n)         # S beat resets the sinus node: pause not compensatory
    comp = rng.normal(0.0, 0.01, n)
    c_next = rng.uniform(0.55, 0.80, n)
    u_next = rng.random(n)
    u_prev = rng.random(n)
    c_prev = rng.uniform(0.55, 0.80, n)

    floor = np.minimum(MIN_COUPLING_S, 0.9 * rr)
    kinds = np.full((n, WINDOW_BEATS), _N, dtype=np.int64)
    kinds[:, CURRENT_BEAT] = y
    kinds[y == _Q] = _Q
    is_n = y == _N
    next_kind = np.where(u_next < 0.05, _S, np.where(u_next < 0.10, _V, _N))
    kinds[:, 3] = np.where(is_n, next_kind, kinds[:, 3])
    prev_v = is_n & (u_prev < 0.07)
    kinds[:, 1] = np.where(prev_v, _V, kinds[:, 1])

    sinus = rr[:, None] * (1.0 + eps)                                  # (n, 4) normal intervals
    paced = rr[:, None] * (1.0 + 0.2 * eps)
    i_prev2 = np.where(prev_v, np.maximum(c_prev * rr, floor), sinus[:, 0])
    i_prev = np.select(
        [y == _S, y == _V, y == _F, y == _Q, prev_v],
        [np.maximum(c_s * rr, floor), np.maximum(c_v * rr, floor), c_f * rr, paced[:, 1], 2.0 * rr - i_prev2],
        sinus[:, 1],
    )
    premature_next = is_n & (next_kind != _N)
    i_next = np.select(
        [y == _S, (y == _V) | (y == _F), y == _Q, premature_next],
        [reset * rr, (2.0 * rr - i_prev) * (1.0 + comp), paced[:, 2], np.maximum(c_next * rr, floor)],
        sinus[:, 2],
    )
    i_next2 = np.select(
        [premature_next & (next_kind == _V), premature_next & (next_kind == _S), y == _Q],
        [2.0 * rr - i_next, reset * rr, paced[:, 3]],
        sinus[:, 3],
    )
    t_r = np.empty((n, WINDOW_BEATS))
    t_r[:, 2] = r_time
    t_r[:, 1] = r_time - i_prev
    t_r[:, 0] = t_r[:, 1] - i_prev2
    t_r[:, 3] = r_time + i_next
    t_r[:, 4] = t_r[:, 3] + i_next2
    return kinds, t_r, rr


def rhythm_strip(
    duration_s: float = 10.0,
    *,
    fs: float = 125.0,
    heart_rate: float = 72.0,
    ectopy: Mapping[str, float] | None = None,
    noise: float = 1.0,
    seed: int = 0,
) -> RhythmStrip:
    """A continuous single-lead ECG strip from the ECGSYN model (McSharry et al. 2003), in mV.

    Sinus rhythm at ``heart_rate`` with respiratory sinus arrhythmia (+-4 %, 0.2-0.35 Hz) and
    ~1 % beat-to-beat variability; each beat is independently replaced by an ectopic beat with the
    probabilities in ``ectopy``: S and V beats are premature (coupling 55-82 % and 50-80 % of the
    sinus RR, at least 0.36 s), V and F beats are followed by a full compensatory pause, S beats by
    a non-compensatory one, Q beats are paced escape beats (0-10 % late) with a pacing spike.
    Morphologies are those of :func:`synthetic_ecg` (one recording: one ectopic focus, one P-wave
    form, one paced form per strip). The same batched solver renders all beats at once.

    Parameters
    ----------
    duration_s : float
        Length in seconds, ``0 < duration_s <= MAX_STRIP_SECONDS``; the strip has
        ``round(duration_s * fs)`` samples (at least 1).
    fs : float
        Sampling frequency in Hz, 50 to 1000.
    heart_rate : float
        Mean sinus rate in beats per minute, 30 to 180.
    ectopy : mapping of str to float, optional
        Per-beat probability of each ectopic class, keys among ``"S", "V", "F", "Q"``, values in
        ``[0, 1]`` summing to at most 1; the rest are N. ``None``: all beats N.
    noise : float
        Noise scale as in :func:`synthetic_ecg`, ``>= 0``.
    seed : int
        Non-negative seed; same seed, same strip.

    Returns
    -------
    RhythmStrip
        ``signal`` ``(n_samples,)`` float32 mV, ``r_peaks`` ``(n_beats,)`` int64 sample indices,
        ``beat_labels`` ``(n_beats,)`` int64 into ``AAMI_CLASSES``.

    Raises
    ------
    DataError
        A parameter out of range (the message names it and the allowed range).
    """
    duration_s = float_param("duration_s", duration_s, low=0.0, high=MAX_STRIP_SECONDS, low_open=True)
    fs = float_param("fs", fs, low=FS_RANGE[0], high=FS_RANGE[1])
    heart_rate = float_param("heart_rate", heart_rate, low=HEART_RATE_RANGE[0], high=HEART_RATE_RANGE[1])
    noise = float_param("noise", noise, low=0.0)
    seed = check_seed(seed, error=DataError)
    probs = np.zeros(len(AAMI_CLASSES))
    if ectopy is not None:
        if not isinstance(ectopy, Mapping):
            raise DataError(
                f"ectopy must be a dict like {{'S': 0.05, 'V': 0.1}}, got {type(ectopy).__name__}"
            )
        for key, p in ectopy.items():
            if key not in AAMI_CLASSES[1:]:
                raise DataError(f"ectopy keys must be among {list(AAMI_CLASSES[1:])}, got {key!r}")
            probs[AAMI_CLASSES.index(key)] = float_param(f"ectopy[{key!r}]", p, low=0.0, high=1.0)
        if probs.sum() > 1.0 + 1e-9:
            raise DataError(f"ectopy probabilities must sum to <= 1, got {probs.sum():g}")
    n_samples = int(round(duration_s * fs))
    if n_samples < 1:
        raise DataError(f"duration_s must be at least one sample (1/fs = {1 / fs:g} s), got {duration_s!r}")

    ecg_rng, noise_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    rr0 = 60.0 / heart_rate
    n_beats = int(math.ceil((duration_s + 3.0 * rr0 + 2.0) / (0.85 * min(MIN_COUPLING_S, 0.9 * rr0)))) + 4
    # --- rhythm: labels and intervals, vectorised over beats ---
    u = ecg_rng.random(n_beats)
    cum = np.cumsum(probs[1:])
    kinds = np.where(u < cum[-1], 1 + np.searchsorted(cum, u, side="right"), _N)
    kinds[:2] = _N                                     # a sinus start (beat 0 is before t = 0)
    f_resp = ecg_rng.uniform(0.2, 0.35)
    ph_resp = ecg_rng.uniform(0.0, 2.0 * np.pi)
    k = np.arange(n_beats)
    rr = rr0 * (1.0 + 0.04 * np.sin(2.0 * np.pi * f_resp * k * rr0 + ph_resp)
                + 0.01 * np.clip(ecg_rng.standard_normal(n_beats), -3.0, 3.0))
    coupling = np.select([kinds == _S, kinds == _V],
                         [ecg_rng.uniform(0.55, 0.82, n_beats), ecg_rng.uniform(0.50, 0.80, n_beats)],
                         ecg_rng.uniform(0.88, 1.00, n_beats))
    late = ecg_rng.uniform(1.00, 1.10, n_beats)
    reset = ecg_rng.uniform(1.00, 1.12, n_beats)
    floor = np.minimum(MIN_COUPLING_S, 0.9 * rr)
    # interval before beat i; premature beats depend on their own draw only ...
    own = np.select([(kinds == _S) | (kinds == _V), kinds == _F, kinds == _Q],
                    [np.maximum(coupling * rr, floor), coupling * rr, late * rr], rr)
    # ... and a sinus beat after an ectopic one takes the pause that beat causes
    prev_kind = np.concatenate([[_N], kinds[:-1]])
    prev_own = np.concatenate([[rr0], own[:-1]])
    interval = np.where(
        kinds != _N, own,
        np.select([(prev_kind == _V) | (prev_kind == _F), prev_kind == _S],
                  [np.maximum(2.0 * rr - prev_own, rr), reset * rr], rr),
    )
    t_r = -ecg_rng.uniform(0.6, 1.2) * rr0 + np.concatenate([[0.0], np.cumsum(interval[1:])])
    keep = t_r < duration_s + 2.0
    kinds, t_r, rr = kinds[keep], t_r[keep], rr[keep]

    rec = draw_recording(ecg_rng, 1)
    beat = draw_beats(ecg_rng, 1, kinds.size)
    beat["rate"] = (rr / rr0 - 1.0)[None] * 100.0     # the beat's own RR sets its morphology scale
    tau, amp, sigma, spike_t = beat_events(kinds[None], t_r[None], np.array([rr0]), rec, beat)
    z0, l_hist = regular_history(tau[:, 0], amp[:, 0], sigma[:, 0], np.array([rr0]))
    sig = np.zeros(tau.size, dtype=np.int64)
    x = synthesize(1, n_samples, fs, sig, tau.reshape(-1), amp.reshape(-1), sigma.reshape(-1), z0, l_hist)
    add_pacing_spikes(x, spike_t, rec, fs)
    nz = recording_noise(noise_rng, 1, n_samples, fs)
    if noise:
        x += noise * nz

    r_idx = np.rint(t_r * fs).astype(np.int64)
    inside = (r_idx >= 0) & (r_idx < n_samples)
    return RhythmStrip(
        signal=x[0].astype(np.float32),
        fs=fs,
        r_peaks=r_idx[inside],
        beat_labels=kinds[inside].astype(np.int64),
        class_names=AAMI_CLASSES,
    )
