"""Recording noise of the synthetic ECG: baseline wander, muscle (EMG) noise and mains interference.

Levels follow ECGSYN's noise model (McSharry et al. 2003) and what clinical recorders show:
a respiratory baseline wander, band-limited muscle noise and a 50/60 Hz line. The caller scales
the unit-level noise by its ``noise`` parameter (0: clean beats).
"""
from __future__ import annotations

import numpy as np

__all__ = ["recording_noise"]


def recording_noise(rng: np.random.Generator, n: int, t: int, fs: float) -> np.ndarray:
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
