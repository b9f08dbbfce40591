"""Synthetic single-lead ECG from the ECGSYN dynamical model: AAMI beat windows and rhythm strips.

The model is that of McSharry, Clifford, Tarassenko and Smith, "A dynamical model for generating
synthetic electrocardiogram signals", IEEE Trans. Biomed. Eng. 50(3):289-294, 2003
(doi:10.1109/TBME.2003.808805). A point moves on the limit cycle of

.. math::

    \\dot x = \\alpha x - \\omega y,\\qquad \\dot y = \\alpha y + \\omega x,\\qquad
    \\alpha = 1 - \\sqrt{x^2 + y^2},

    \\dot z = -\\sum_{i \\in \\{P,Q,R,S,T\\}} a_i\\,\\Delta\\theta_i\\,
    \\exp\\!\\left(-\\frac{\\Delta\\theta_i^2}{2 b_i^2}\\right) - (z - z_0),

with :math:`\\Delta\\theta_i = \\theta - \\theta_i` and :math:`\\omega = 2\\pi/RR`; ``z`` is the ECG.
Started on the unit circle, ``alpha = 0`` and the phase is exactly ``theta(t) = omega (t - t_R)``
(the R event at ``theta = 0``). With that phase each forcing term is the time derivative of a
Gaussian, so the z-equation has the exact solution

.. math::

    z(t) = s(t) - L(t) + z_0,\\qquad s(t) = \\sum_i A_i e^{-(t-\\tau_i)^2 / 2\\sigma_i^2},\\qquad
    \\dot L = s - L,

with event time ``tau_i = t_R + theta_i / omega``, width ``sigma_i = b_i / omega`` (seconds) and
peak ``A_i = a_i b_i^2 / omega``; ``L`` is the 1 s relaxation (a first-order high-pass at 0.16 Hz,
like the AC coupling of a clinical recorder). This module evaluates that solution: ``s`` by
rendering the Gaussians on the sample grid, ``L`` by the exact exponential recursion for a
piecewise-linear input (``scipy.signal.lfilter``), with the state at the first sample in closed
form (an ``erfc`` expression per event) plus the geometric sum of an infinite regular history of
the background beat. ``z_0`` is set to the steady-state mean of ``s`` so that the isoelectric
(TP) segment sits at ~0 mV. Everything is batched over signals and beats; there is no Python loop
over beats. :func:`_ecgsyn_rk4` integrates the paper's equation directly (RK4) and is used by the
tests as a reference.

Two extensions of the paper, needed for ectopic beats: every beat has its own phase (its own
P, Q, R, S, T events around its own R time, so a premature beat's P wave can sit on the previous
T wave) and its own event table (five AAMI morphologies, below); a wide ectopic or paced QRS uses
four events (two broad ventricular deflections, a terminal wave and a discordant T). As in
ECGSYN, the angles and widths scale with heart rate: ``b_i <- b_i sqrt(HR/60)``, QRS angles
``* sqrt(HR/60)``, P and T angles ``* (HR/60)^(1/4)``, which keeps peak amplitudes independent of
the rate and shortens QT roughly like Bazett's formula. Amplitudes are expressed in mV directly
(the tables give the peak of each event at 60 bpm; the paper's ``a_i`` follow as
``a_i = 2 pi A_i / b_i^2``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tsviz.data.dataset import Dataset
from tsviz.data.errors import DataError

__all__ = [
    "synthetic_ecg",
    "rhythm_strip",
    "RhythmStrip",
    "MAX_BEATS",
    "MAX_STRIP_SECONDS",
    "MAX_SAMPLES",
    "AAMI_CLASSES",
]

#: The five AAMI EC57 heartbeat classes, in label order.
AAMI_CLASSES: tuple[str, ...] = ("N", "S", "V", "F", "Q")
#: Largest ``n_train + n_test`` that :func:`synthetic_ecg` generates.
MAX_BEATS = 200_000
#: Largest ``(n_train + n_test) * length`` (160 MB of float32 output).
MAX_SAMPLES = 40_000_000
#: Longest strip :func:`rhythm_strip` generates, in seconds.
MAX_STRIP_SECONDS = 600.0

_FS_RANGE = (50.0, 1000.0)           # Hz; below 50 Hz a QRS cannot be represented
_MIN_WINDOW_S = 0.8                  # shortest beat window, seconds
_MAX_WINDOW_S = 10.0                 # longest beat window, seconds
_HR_RANGE = (30.0, 180.0)            # bpm accepted by rhythm_strip
_SINUS_HR = (55.0, 100.0)            # bpm of the windows' sinus rhythm
_PACED_HR = (60.0, 80.0)             # bpm of the windows' paced rhythm
_R_OFFSET_S = 0.4                    # R peak at 0.4 s into the window (sample 50 at 125 Hz)
_R_JITTER_S = 0.024                  # +- 24 ms (+- 3 samples at 125 Hz)
_MIN_COUPLING_S = 0.36               # shortest coupling interval of a premature beat, seconds
_MITBIH_PROPORTIONS = np.array([0.83, 0.03, 0.07, 0.01, 0.06])
_BALANCES = ("balanced", "mitbih")

_N, _S, _V, _F, _Q = range(5)

SOURCE = (
    "McSharry PE, Clifford GD, Tarassenko L, Smith LA. A dynamical model for generating synthetic "
    "electrocardiogram signals. IEEE Trans Biomed Eng 50(3):289-294, 2003. doi:10.1109/TBME.2003.808805"
)

# ---------------------------------------------------------------------------------------------
# Event tables: rows are events, columns (angle theta_i in degrees at 60 bpm, peak amplitude in
# mV, Gaussian width b_i in radians at 60 bpm). Slots 0-5 are the atrial + normally conducted
# complex (P1, P2, Q, R, S, T); slots 6-9 the wide ventricular complex (V1, V2, V3, VT).
# ---------------------------------------------------------------------------------------------
_SLOTS = ("P1", "P2", "Q", "R", "S", "T", "V1", "V2", "V3", "VT")
_E = len(_SLOTS)
_ATRIAL = np.array([0, 1])
_CONDUCTED = np.array([2, 3, 4, 5])
_VENTRICULAR = np.array([6, 7, 8, 9])
# ECGSYN rate scaling of the angles: theta_i * RR^exp (hrfact = RR^-1/2 for QRS, hrfact2 = RR^-1/4
# for P and T); RR in seconds.
_ANGLE_EXP = np.array([-0.25, -0.25, -0.5, -0.5, -0.5, -0.25, -0.5, -0.5, -0.5, -0.25])

_NORMAL = np.array([
    [-62.0, 0.15, 0.13],    # P: ~100 ms wide, PR ~160 ms
    [-48.0, 0.00, 0.09],    # second P lobe (used by biphasic ectopic P waves only)
    [-11.0, -0.12, 0.065],  # Q
    [0.0, 1.10, 0.075],     # R: QRS ~80-100 ms in all
    [12.0, -0.25, 0.07],    # S
    [105.0, 0.30, 0.38],    # T: upright, peak ~280 ms after R at 60 bpm
])
# Premature atrial P waves of S beats (an ectopic atrial focus): inverted (low atrial focus,
# short PR), biphasic, bifid, or peaked and narrow; the more premature ones also sit on (are
# partly buried in) the preceding T wave. Rows: (P1, P2) in the same columns as above.
_ECTOPIC_P = np.array([
    [[-50.0, -0.13, 0.12], [-48.0, 0.0, 0.09]],
    [[-70.0, 0.11, 0.085], [-50.0, -0.11, 0.085]],
    [[-72.0, 0.12, 0.07], [-50.0, 0.12, 0.07]],
    [[-54.0, 0.25, 0.07], [-48.0, 0.0, 0.09]],
])
# Ventricular ectopic complexes (no P, wide notched QRS ~150-180 ms, T opposite to the QRS).
_VENTRICULAR_ECTOPIC = np.array([
    [[-8.0, 0.95, 0.19], [14.0, 0.70, 0.17], [34.0, -0.15, 0.12], [115.0, -0.40, 0.45]],   # upright
    [[-18.0, 0.20, 0.08], [0.0, -1.10, 0.20], [16.0, -0.45, 0.16], [110.0, 0.42, 0.45]],   # QS / rS
])
# Ventricular paced complexes (right-ventricular apex: wide, negative in lead II; outflow tract:
# wide, positive), T discordant.
_PACED = np.array([
    [[-8.0, -1.00, 0.22], [14.0, -0.50, 0.18], [34.0, 0.15, 0.12], [115.0, 0.38, 0.45]],
    [[-8.0, 1.00, 0.22], [14.0, 0.50, 0.18], [34.0, -0.15, 0.12], [115.0, -0.38, 0.45]],
])
# Share of the atrial (P), conducted (QRS-T) and ventricular (wide QRS-T) events by beat class;
# F beats replace (1 - w, w) with a random fusion weight w, Q beats take the atrial share from
# the dual-chamber flag of their recording.
_ATRIAL_W = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
_CONDUCTED_W = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
_VENTRICULAR_W = np.array([0.0, 0.0, 1.0, 0.0, 1.0])

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


# =============================================================================================
# Results
# =============================================================================================
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


# =============================================================================================
# The batched synthesiser (shared by synthetic_ecg and rhythm_strip)
# =============================================================================================
def _render_gaussians(
    sig: np.ndarray, tau: np.ndarray, amp: np.ndarray, sigma: np.ndarray,
    n_signals: int, n_samples: int, fs: float, *, budget: int = 2_000_000,
) -> np.ndarray:
    """Sum of Gaussians ``amp * exp(-(t - tau)^2 / (2 sigma^2))`` on ``t = j / fs``.

    Each event is evaluated on the ``+-6 sigma`` samples around its centre only; events are
    grouped by width so that the work is ``O(sum of supports)``. Returns ``(n_signals, n_samples)``
    float64.
    """
    out = np.zeros(n_signals * n_samples)
    t_last = (n_samples - 1) / fs
    keep = (amp != 0) & (tau + 6 * sigma >= 0) & (tau - 6 * sigma <= t_last)
    sig, tau, amp, sigma = sig[keep], tau[keep], amp[keep], sigma[keep]
    if tau.size == 0:
        return out.reshape(n_signals, n_samples)
    half = np.ceil(6.0 * sigma * fs).astype(np.int64) + 1
    bucket = np.ceil(2.0 * np.log2(half)).astype(np.int64)  # widths within a factor sqrt(2)
    for b in np.unique(bucket):
        idx = np.flatnonzero(bucket == b)
        h = int(half[idx].max())
        k = np.arange(-h, h + 1)
        step = max(1, budget // k.size)
        for start in range(0, idx.size, step):
            e = idx[start:start + step]
            j = np.floor(tau[e] * fs).astype(np.int64)[:, None] + k
            x = (j / fs - tau[e][:, None]) / sigma[e][:, None]
            vals = amp[e][:, None] * np.exp(-0.5 * x * x)
            ok = (j >= 0) & (j < n_samples)
            flat = sig[e][:, None] * n_samples + j
            out += np.bincount(flat[ok], weights=vals[ok], minlength=out.size)
    return out.reshape(n_signals, n_samples)


def _relaxation_at(t0: float, tau: np.ndarray, amp: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """State ``L(t0)`` of ``dL/dt = s - L`` driven by each Gaussian event since ``-inf`` (exact).

    ``L_i(t0) = A sigma sqrt(pi/2) exp(sigma^2/2 - v) erfc((sigma^2 - v) / (sigma sqrt 2))`` with
    ``v = t0 - tau``, evaluated without overflow (``erfcx`` for the events after ``t0``).
    """
    from scipy.special import erfc, erfcx

    v = t0 - tau
    y = (sigma**2 - v) / (sigma * math.sqrt(2.0))
    pos = y > 0
    out = np.empty_like(v)
    # y > 0: exp(sigma^2/2 - v) erfc(y) = exp(-v^2 / (2 sigma^2)) erfcx(y)
    out[pos] = np.exp(-0.5 * (v[pos] / sigma[pos]) ** 2) * erfcx(y[pos])
    out[~pos] = np.exp(0.5 * sigma[~pos] ** 2 - v[~pos]) * erfc(y[~pos])
    return amp * sigma * math.sqrt(math.pi / 2.0) * out


def _relax(s: np.ndarray, l0: np.ndarray, fs: float) -> np.ndarray:
    """Solve ``dL/dt = s - L`` (time constant 1 s) on the grid, exactly for piecewise-linear ``s``.

    ``s`` is ``(n, T)``, ``l0`` the state at the first sample ``(n,)``. Returns ``(n, T)``.
    """
    from scipy.signal import lfilter

    n, t = s.shape
    out = np.empty_like(s)
    out[:, 0] = l0
    if t == 1:
        return out
    dt = 1.0 / fs
    q = math.exp(-dt)
    c1 = (dt + math.expm1(-dt)) / dt       # weight of s[k]
    c0 = -math.expm1(-dt) - c1             # weight of s[k-1]
    u = c1 * s[:, 1:] + c0 * s[:, :-1]
    y = lfilter([1.0], [1.0, -q], u, axis=1)
    out[:, 1:] = y + l0[:, None] * q ** np.arange(1, t)[None, :]
    return out


def _synthesize(
    n_signals: int, n_samples: int, fs: float,
    sig: np.ndarray, tau: np.ndarray, amp: np.ndarray, sigma: np.ndarray,
    z0: np.ndarray, l_history: np.ndarray,
) -> np.ndarray:
    """Batched ECGSYN z-trace in mV for many signals at once.

    Parameters
    ----------
    n_signals, n_samples : int
        Output shape; sample ``j`` of every signal is at time ``j / fs`` seconds.
    fs : float
        Sampling frequency in Hz.
    sig : ndarray, int64, shape ``(n_events,)``
        Signal each Gaussian event belongs to.
    tau, amp, sigma : ndarray, float64, shape ``(n_events,)``
        Event centre (s, relative to the signal's first sample), peak (mV) and width (s):
        ``tau = t_R + theta / omega``, ``amp = a b^2 / omega``, ``sigma = b / omega``.
    z0 : ndarray, shape ``(n_signals,)``
        Baseline ``z_0`` of the z-equation, mV.
    l_history : ndarray, shape ``(n_signals,)``
        Relaxation state at the first sample due to events not listed (older beats), mV.

    Returns
    -------
    ndarray, float64, shape ``(n_signals, n_samples)``
        ``z = s - L + z0``, the exact solution of the paper's z-equation.
    """
    s = _render_gaussians(sig, tau, amp, sigma, n_signals, n_samples, fs)
    l0 = np.bincount(sig, weights=_relaxation_at(0.0, tau, amp, sigma), minlength=n_signals)
    return s - _relax(s, l0 + l_history, fs) + z0[:, None]


def _ecgsyn_rk4(
    t: np.ndarray, t_r: np.ndarray, theta: np.ndarray, a: np.ndarray, b: np.ndarray,
    omega: np.ndarray, z_start: float, z0: float, substeps: int = 8,
) -> np.ndarray:
    """Reference: integrate the paper's z-equation with RK4 (for tests; not used for generation).

    ``t`` (T,) output times in s; beat ``k`` has R time ``t_r[k]`` and events ``theta[k]`` (rad),
    ``a[k]``, ``b[k]`` (rad) and phase velocity ``omega[k]`` (rad/s), arrays of shape (K, E), with
    ``Delta theta = omega (t - t_r) - theta``. Starts at ``t[0]`` with ``z = z_start``; ``substeps``
    RK4 steps per output interval. Returns ``z`` at ``t``, shape (T,).
    """
    t_r = t_r[:, None]
    om = omega[:, None]

    def f(tt: float, z: float) -> float:
        d = om * (tt - t_r) - theta
        return float(-np.sum(a * d * np.exp(-0.5 * (d / b) ** 2))) - (z - z0)

    out = np.empty(t.size)
    z = z_start
    out[0] = z
    for j in range(1, t.size):
        h = (t[j] - t[j - 1]) / substeps
        tt = t[j - 1]
        for _ in range(substeps):
            k1 = f(tt, z)
            k2 = f(tt + h / 2, z + h / 2 * k1)
            k3 = f(tt + h / 2, z + h / 2 * k2)
            k4 = f(tt + h, z + h * k3)
            z += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            tt += h
        out[j] = z
    return out


# =============================================================================================
# Morphology: per-beat event tables from class, recording ("patient") and beat draws
# =============================================================================================
def _draw_recording(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Per-recording draws (shared by all beats of a window or strip), shapes ``(n,)``/``(n, E)``."""
    return {
        "z_theta": rng.standard_normal((n, _E)),
        "z_width": rng.standard_normal((n, _E)),
        "z_amp": rng.standard_normal((n, _E)),
        "gain": rng.uniform(0.7, 1.2, n),
        "v_form": rng.integers(0, len(_VENTRICULAR_ECTOPIC), n),
        "paced_form": (rng.random(n) < 0.3).astype(np.int64),
        "p_form": rng.integers(0, len(_ECTOPIC_P), n),
        "dual_chamber": rng.random(n) < 0.5,
        "spike_amp": rng.uniform(1.2, 2.5, n) * np.where(rng.random(n) < 0.75, 1.0, -1.0),
        "spike_tail": np.where(rng.random(n) < 0.5, rng.uniform(-0.4, 0.6, n), 0.0),
        "spike_lead": rng.uniform(0.0, 0.012, n),
    }


def _draw_beats(rng: np.random.Generator, n: int, k: int) -> dict[str, np.ndarray]:
    """Per-beat draws, shapes ``(n, k)`` / ``(n, k, E)``."""
    return {
        "z_theta": rng.standard_normal((n, k, _E)),
        "z_width": rng.standard_normal((n, k, _E)),
        "z_amp": rng.standard_normal((n, k, _E)),
        "fusion": rng.uniform(0.3, 0.7, (n, k)),
        "rate": rng.standard_normal((n, k)),
    }


def _beat_events(
    kinds: np.ndarray, t_r: np.ndarray, rr: np.ndarray, rec: Mapping[str, np.ndarray],
    beat: Mapping[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian events of every beat.

    Parameters
    ----------
    kinds : ndarray, int, shape ``(n, k)``
        AAMI class of each beat.
    t_r : ndarray, shape ``(n, k)``
        R (fiducial) time of each beat, s.
    rr : ndarray, shape ``(n,)``
        Underlying sinus (or pacing) RR of each signal, s; sets ``omega = 2 pi / RR`` and the
        ECGSYN rate scaling of the angles and widths.
    rec, beat : dict
        Draws from :func:`_draw_recording` and :func:`_draw_beats`.

    Returns
    -------
    tau, amp, sigma : ndarray, shape ``(n, k, E)``
        Event centre (s), peak (mV) and width (s).
    spike_t : ndarray, shape ``(n, k)``
        Pacing-spike time (s) of Q beats, NaN for other beats.
    """
    n, k = kinds.shape
    # base table (n, k, E, 3): conducted beat with the ventricular slots of the recording's form
    table = np.empty((n, k, _E, 3))
    table[..., :6, :] = _NORMAL
    vent = np.where((kinds == _Q)[..., None, None], _PACED[rec["paced_form"]][:, None],
                    _VENTRICULAR_ECTOPIC[rec["v_form"]][:, None])
    table[..., 6:, :] = vent
    is_s = (kinds == _S)[..., None, None]
    table[..., :2, :] = np.where(is_s, _ECTOPIC_P[rec["p_form"]][:, None], table[..., :2, :])

    theta_deg = table[..., 0]
    z_theta = rec["z_theta"][:, None] + 0.5 * beat["z_theta"]
    theta_deg = theta_deg + (0.04 * np.abs(theta_deg) + 1.0) * z_theta
    width = table[..., 2] * np.exp(0.08 * rec["z_width"][:, None] + 0.03 * beat["z_width"])
    amp = table[..., 1] * np.exp(0.12 * rec["z_amp"][:, None] + 0.05 * beat["z_amp"])

    w = beat["fusion"]
    atrial = np.where(kinds == _Q, rec["dual_chamber"][:, None].astype(float), _ATRIAL_W[kinds])
    conducted = np.where(kinds == _F, 1.0 - w, _CONDUCTED_W[kinds])
    ventricular = np.where(kinds == _F, w, _VENTRICULAR_W[kinds])
    share = np.empty((n, k, _E))
    share[..., _ATRIAL] = atrial[..., None]
    share[..., _CONDUCTED] = conducted[..., None]
    share[..., _VENTRICULAR] = ventricular[..., None]
    amp = amp * share * rec["gain"][:, None, None]

    # ECGSYN: omega = 2 pi / RR, b_i * sqrt(HR/60), theta_i * (HR/60)^(1/2 or 1/4); RR per beat
    # varies by ~1 % around the signal's RR.
    rr_beat = (rr[:, None] * (1.0 + 0.01 * beat["rate"]))[..., None]
    omega = 2.0 * np.pi / rr_beat
    theta = np.deg2rad(theta_deg) * rr_beat ** _ANGLE_EXP
    b = width / np.sqrt(rr_beat)
    tau = t_r[..., None] + theta / omega
    sigma = b / omega

    # pacing spike just before the onset of the paced QRS (first ventricular event - 2.3 sigma)
    onset = tau[..., 6] - 2.3 * sigma[..., 6] - rec["spike_lead"][:, None]
    spike_t = np.where(kinds == _Q, onset, np.nan)
    return tau, amp, sigma, spike_t


def _history(
    tau: np.ndarray, amp: np.ndarray, sigma: np.ndarray, rr: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline ``z0`` and relaxation state at ``t = 0`` of an infinite regular past.

    The events ``(n, E)`` of each signal's oldest listed beat are repeated every ``rr`` (n,)
    seconds into the past. ``z0`` is the steady-state mean of ``s`` for that rhythm, so the
    isoelectric line sits at ~0 mV; ``l_history`` is the geometric sum of the older beats'
    relaxation at ``t = 0`` (those beats end well before ``t = 0``, where ``L_i`` is
    ``A sigma sqrt(2 pi) exp(sigma^2/2) exp(tau - t)``).
    """
    area = amp * sigma * math.sqrt(2.0 * math.pi)
    z0 = area.sum(axis=-1) / rr
    q = np.exp(-rr)
    l_history = (area * np.exp(0.5 * sigma**2 + tau)).sum(axis=-1) * q / (1.0 - q)
    return z0, l_history


def _add_spikes(x: np.ndarray, spike_t: np.ndarray, rec: Mapping[str, np.ndarray], fs: float) -> None:
    """Add the pacing spikes (1 or 2 samples) of ``spike_t`` (n, k) into ``x`` (n, T) in place."""
    n, t = x.shape
    rows, cols = np.nonzero(np.isfinite(spike_t))
    if rows.size == 0:
        return
    j = np.rint(spike_t[rows, cols] * fs).astype(np.int64)
    a = rec["spike_amp"][rows]
    flat = x.reshape(-1)
    for offset, value in ((0, a), (1, a * rec["spike_tail"][rows])):
        jj = j + offset
        ok = (jj >= 0) & (jj < t) & (value != 0)
        np.add.at(flat, rows[ok] * t + jj[ok], value[ok])


def _noise(rng: np.random.Generator, n: int, t: int, fs: float) -> np.ndarray:
    """Unit-level recording noise, shape ``(n, t)`` in mV (scaled by the caller's ``noise``).

    Baseline wander: two sinusoids, 0.15-0.5 Hz, amplitudes 0.04-0.10 and 0.01-0.05 mV (the
    respiratory ``z0`` modulation of ECGSYN). Muscle (EMG) noise: white Gaussian noise band-passed
    to ``[min(20 Hz, 0.3 f_N), min(150 Hz, 0.9 f_N)]`` (``f_N = fs/2``), 0.01-0.03 mV RMS.
    Mains: a 50 or 60 Hz sinusoid, 0.01-0.02 mV, left out when at or above ``f_N`` (a recorder's
    anti-aliasing filter removes it).
    """
    from scipy.signal import butter, lfilter

    time = np.arange(t) / fs
    f_w = rng.uniform(0.15, 0.5, (n, 2))
    a_w = np.stack([rng.uniform(0.04, 0.10, n), rng.uniform(0.01, 0.05, n)], axis=1)
    ph_w = rng.uniform(0.0, 2.0 * np.pi, (n, 2))
    out = np.zeros((n, t))
    for c in range(2):
        out += a_w[:, c:c + 1] * np.sin(2.0 * np.pi * f_w[:, c:c + 1] * time + ph_w[:, c:c + 1])

    nyq = fs / 2.0
    pad = 64
    white = rng.standard_normal((n, t + pad))
    bb, aa = butter(2, [min(20.0, 0.3 * nyq) / nyq, min(150.0, 0.9 * nyq) / nyq], btype="band")
    emg = lfilter(bb, aa, white, axis=1)[:, pad:]
    rms = np.sqrt(np.mean(emg**2, axis=1, keepdims=True))
    out += emg / np.maximum(rms, 1e-12) * rng.uniform(0.01, 0.03, (n, 1))

    f_m = np.where(rng.random(n) < 0.5, 50.0, 60.0)
    a_m = rng.uniform(0.01, 0.02, n) * (f_m < nyq)
    ph_m = rng.uniform(0.0, 2.0 * np.pi, n)
    out += a_m[:, None] * np.sin(2.0 * np.pi * f_m[:, None] * time + ph_m[:, None])
    return out


# =============================================================================================
# Beat windows
# =============================================================================================
_WINDOW_BEATS = 5          # previous-but-one, previous, labelled, next, next-but-one
_CURRENT = 2


def _window_rhythm(
    rng: np.random.Generator, y: np.ndarray, r_time: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Beat classes ``(n, 5)``, R times ``(n, 5)`` (s) and underlying RR ``(n,)`` of each window.

    The labelled beat has R at ``r_time``. Context: N windows have a premature S (5 %) or V (5 %)
    next beat, or follow a V beat (7 %, long preceding RR); Q windows are paced throughout.
    """
    n = y.size
    rr = 60.0 / np.where(y == _Q, rng.uniform(*_PACED_HR, n), rng.uniform(*_SINUS_HR, n))
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

    floor = np.minimum(_MIN_COUPLING_S, 0.9 * rr)
    kinds = np.full((n, _WINDOW_BEATS), _N, dtype=np.int64)
    kinds[:, _CURRENT] = y
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
    t_r = np.empty((n, _WINDOW_BEATS))
    t_r[:, 2] = r_time
    t_r[:, 1] = r_time - i_prev
    t_r[:, 0] = t_r[:, 1] - i_prev2
    t_r[:, 3] = r_time + i_next
    t_r[:, 4] = t_r[:, 3] + i_next2
    return kinds, t_r, rr


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
        kinds, t_r, rr = _window_rhythm(ecg_rng, yc, r_time)
        rec = _draw_recording(ecg_rng, n)
        beat = _draw_beats(ecg_rng, n, _WINDOW_BEATS)
        tau, amp, sigma, spike_t = _beat_events(kinds, t_r, rr, rec, beat)
        z0, l_hist = _history(tau[:, 0], amp[:, 0], sigma[:, 0], rr)
        sig = np.broadcast_to(np.arange(n)[:, None, None], tau.shape).reshape(-1)
        x = _synthesize(n, length, fs, sig, tau.reshape(-1), amp.reshape(-1), sigma.reshape(-1), z0, l_hist)
        _add_spikes(x, spike_t, rec, fs)
        nz = _noise(noise_rng, n, length, fs)   # drawn even for noise=0: same beats at every level
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


# =============================================================================================
# Validation
# =============================================================================================
def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        rng = f">= {low}" if high is None else f"between {low} and {high}"
        raise DataError(f"{name} must be {rng}, got {value}")
    return value


def _check_float(
    name: str, value: Any, low: float, high: float | None = None, *, low_open: bool = False
) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number, got {value!r}") from None
    bad = not math.isfinite(v) or (v <= low if low_open else v < low) or (high is not None and v > high)
    if bad:
        lo = f"> {low:g}" if low_open else f">= {low:g}"
        rng = lo if high is None else f"{lo} and <= {high:g}"
        raise DataError(f"{name} must be {rng}, got {value!r}")
    return v


def _check_seed(seed: Any) -> int:
    return _check_int("seed", seed, 0)


# =============================================================================================
# Public API
# =============================================================================================
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
    n_train = _check_int("n_train", n_train, 5)
    n_test = _check_int("n_test", n_test, 5)
    if n_train + n_test > MAX_BEATS:
        raise DataError(f"n_train + n_test must be <= MAX_BEATS = {MAX_BEATS}, got {n_train + n_test}")
    seed = _check_seed(seed)
    fs = _check_float("fs", fs, *_FS_RANGE)
    lo, hi = math.ceil(_MIN_WINDOW_S * fs - 1e-9), int(math.floor(_MAX_WINDOW_S * fs))
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)):
        raise DataError(f"length must be an integer number of samples, got {length!r}")
    length = int(length)
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
    noise = _check_float("noise", noise, 0.0)
    if class_balance not in _BALANCES:
        raise DataError(f"class_balance must be one of {list(_BALANCES)}, got {class_balance!r}")

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
        "sinus_rate_bpm": list(_SINUS_HR),
        "paced_rate_bpm": list(_PACED_HR),
    }
    return Dataset("synthetic-ecg", x_tr, y_tr, x_te, y_te, AAMI_CLASSES, fs=fs, unit="mV", meta=meta)


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
    duration_s = _check_float("duration_s", duration_s, 0.0, MAX_STRIP_SECONDS, low_open=True)
    fs = _check_float("fs", fs, *_FS_RANGE)
    heart_rate = _check_float("heart_rate", heart_rate, *_HR_RANGE)
    noise = _check_float("noise", noise, 0.0)
    seed = _check_seed(seed)
    probs = np.zeros(len(AAMI_CLASSES))
    if ectopy is not None:
        if not isinstance(ectopy, Mapping):
            raise DataError(
                f"ectopy must be a dict like {{'S': 0.05, 'V': 0.1}}, got {type(ectopy).__name__}"
            )
        for key, p in ectopy.items():
            if key not in AAMI_CLASSES[1:]:
                raise DataError(f"ectopy keys must be among {list(AAMI_CLASSES[1:])}, got {key!r}")
            probs[AAMI_CLASSES.index(key)] = _check_float(f"ectopy[{key!r}]", p, 0.0, 1.0)
        if probs.sum() > 1.0 + 1e-9:
            raise DataError(f"ectopy probabilities must sum to <= 1, got {probs.sum():g}")
    n_samples = int(round(duration_s * fs))
    if n_samples < 1:
        raise DataError(f"duration_s must be at least one sample (1/fs = {1 / fs:g} s), got {duration_s!r}")

    ecg_rng, noise_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    rr0 = 60.0 / heart_rate
    n_beats = int(math.ceil((duration_s + 3.0 * rr0 + 2.0) / (0.85 * min(_MIN_COUPLING_S, 0.9 * rr0)))) + 4
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
    floor = np.minimum(_MIN_COUPLING_S, 0.9 * rr)
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

    rec = _draw_recording(ecg_rng, 1)
    beat = _draw_beats(ecg_rng, 1, kinds.size)
    beat["rate"] = (rr / rr0 - 1.0)[None] * 100.0     # the beat's own RR sets its morphology scale
    tau, amp, sigma, spike_t = _beat_events(kinds[None], t_r[None], np.array([rr0]), rec, beat)
    z0, l_hist = _history(tau[:, 0], amp[:, 0], sigma[:, 0], np.array([rr0]))
    sig = np.zeros(tau.size, dtype=np.int64)
    x = _synthesize(1, n_samples, fs, sig, tau.reshape(-1), amp.reshape(-1), sigma.reshape(-1), z0, l_hist)
    _add_spikes(x, spike_t, rec, fs)
    nz = _noise(noise_rng, 1, n_samples, fs)
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
