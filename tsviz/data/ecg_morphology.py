"""Beat morphologies of the synthetic ECG, per AAMI EC57 class: the ECGSYN events of every beat.

Each beat is a set of Gaussian events of the ECGSYN model (:mod:`tsviz.data.ecgsyn`; McSharry et
al. 2003) given by an angle ``theta_i``, a peak amplitude (mV) and a width ``b_i``. The tables
below hold them per class, and :func:`beat_events` turns a class, an R time and a rhythm into
event times, amplitudes and widths, with recording-to-recording and beat-to-beat jitter drawn by
:func:`draw_recording` and :func:`draw_beats`. :func:`add_pacing_spikes` adds the pacing spikes of
paced (Q) beats.

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

from collections.abc import Mapping
from enum import IntEnum

import numpy as np

__all__ = ["AAMI_CLASSES", "BeatClass", "draw_recording", "draw_beats", "beat_events", "add_pacing_spikes"]


class BeatClass(IntEnum):
    """The five AAMI EC57 heartbeat classes, by label index."""

    #: Normal (sinus) beat.
    N = 0
    #: Supraventricular ectopic beat.
    S = 1
    #: Ventricular ectopic beat.
    V = 2
    #: Fusion of a normal and a ventricular beat.
    F = 3
    #: Paced (or unclassifiable) beat.
    Q = 4


#: The five AAMI EC57 heartbeat classes, in label order.
AAMI_CLASSES: tuple[str, ...] = tuple(c.name for c in BeatClass)

_N, _S, _V, _F, _Q = (int(c) for c in BeatClass)

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


def draw_recording(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
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


def draw_beats(rng: np.random.Generator, n: int, k: int) -> dict[str, np.ndarray]:
    """Per-beat draws, shapes ``(n, k)`` / ``(n, k, E)``."""
    return {
        "z_theta": rng.standard_normal((n, k, _E)),
        "z_width": rng.standard_normal((n, k, _E)),
        "z_amp": rng.standard_normal((n, k, _E)),
        "fusion": rng.uniform(0.3, 0.7, (n, k)),
        "rate": rng.standard_normal((n, k)),
    }


def beat_events(
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
        Draws from :func:`draw_recording` and :func:`draw_beats`.

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


def add_pacing_spikes(x: np.ndarray, spike_t: np.ndarray, rec: Mapping[str, np.ndarray], fs: float) -> None:
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
