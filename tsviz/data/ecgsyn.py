"""The ECGSYN dynamical model of the ECG, solved exactly on a sample grid, batched over signals.

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
over beats. :func:`ecgsyn_rk4` integrates the paper's equation directly (RK4) and is used by the
tests as a reference.

Which events a beat has (P, QRS, T; a wide ectopic complex; a pacing spike) and their angles,
widths and amplitudes per AAMI class are in :mod:`tsviz.data.ecg_morphology`; the rhythm (R
times) in :mod:`tsviz.data.ecg_rhythm`; recording noise in :mod:`tsviz.data.ecg_noise`.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["synthesize", "regular_history", "ecgsyn_rk4", "FS_RANGE", "ECGSYN_SOURCE"]

#: Sampling frequencies (Hz) the synthesiser accepts; below 50 Hz a QRS cannot be represented.
FS_RANGE = (50.0, 1000.0)

#: The paper, for ``Dataset.meta['source']``.
ECGSYN_SOURCE = (
    "McSharry PE, Clifford GD, Tarassenko L, Smith LA. A dynamical model for generating synthetic "
    "electrocardiogram signals. IEEE Trans Biomed Eng 50(3):289-294, 2003. doi:10.1109/TBME.2003.808805"
)


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


def synthesize(
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


def ecgsyn_rk4(
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


def regular_history(
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
