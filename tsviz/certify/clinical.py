"""The clinical certificate: a certified L2 radius read as "no edit a clinician could not see changes
the diagnosis".

On ECG paper at the standard gain of 10 mm/mV a small (1-mm) square is 0.1 mV; half of it,
0.05 mV, is taken as the largest deflection nobody reading the strip would notice. An edit
``delta`` of a series with ``T`` samples in each of ``C`` channels whose every sample stays below a
peak ``p`` (``|delta_i| <= p``) has an L2 norm of at most

.. math::

    \\|\\delta\\|_2 \\le p \\sqrt{T C},

with equality when the peak is spread over every sample (the worst case). A series certified by
randomized smoothing (Cohen et al. [1], Theorem 1: the smoothed prediction is constant within the
L2 ball of radius ``R``) at ``R >= p sqrt(T C)`` is therefore provably safe against every edit
below ``p``: for a 187-sample beat (one channel) and ``p = 0.05`` mV this is
``0.05 x sqrt(187) = 0.684`` mV. Conversely a radius ``R`` covers every edit below the peak
``R / sqrt(T C)`` (:func:`largest_invisible_peak`), the "largest invisible edit covered", which the
app shows in microvolts.

* :func:`invisible_l2` -- the L2 norm a visibility threshold (peak, mV) means at a length and
  channel count;
* :func:`largest_invisible_peak` -- its inverse: the largest peak a radius (mV) covers;
* :func:`mv_per_unit` -- millivolts per unit of a series (``"mV"``, ``"uV"``/``"µV"``, ``"V"``);
* :func:`clinical_certificate` -- per beat and for the set: certified correct at the threshold
  (prediction equal to the label, not abstained, radius at least the threshold's L2), the largest
  invisible peak each radius covers (µV) and one sentence each (:class:`ClinicalCertificate`).

The certificate holds with the probability of the certification itself (``1 - alpha`` per beat,
Cohen et al. [1]); it says nothing about edits whose peak reaches the threshold.

References
----------
.. [1] J. Cohen, E. Rosenfeld, J. Z. Kolter, "Certified Adversarial Robustness via Randomized
   Smoothing", ICML 2019 (Theorem 1: the certified L2 radius ``sigma * Phi^-1(pA_lower)``).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tsviz.certify.errors import CertifyError
from tsviz.certify.result import ABSTAIN, CertResult
from tsviz.core import as_labels, check_int, check_real
from tsviz.core.arrays import readonly

__all__ = ["DEFAULT_THRESHOLD_MV", "MAX_THRESHOLD_MV", "VOLTAGE_UNITS", "ClinicalCertificate", "invisible_l2",
           "largest_invisible_peak", "mv_per_unit", "is_voltage_unit", "clinical_certificate", "set_statement"]

#: Default visibility threshold: half a small square at 10 mm/mV (mV peak).
DEFAULT_THRESHOLD_MV = 0.05
#: Largest visibility threshold accepted (mV peak): 1 V, far above any ECG deflection.
MAX_THRESHOLD_MV = 1000.0
#: Largest length x channels accepted (samples in one series).
_MAX_SAMPLES = 10**9
#: Millivolts per unit of each voltage unit a series may be stored in.
VOLTAGE_UNITS = {"mV": 1.0, "uV": 1e-3, "µV": 1e-3, "μV": 1e-3, "V": 1e3}


def mv_per_unit(unit: Any) -> float:
    """Millivolts in one unit of ``unit``: 1 for ``"mV"``, 0.001 for ``"uV"``/``"µV"``, 1000 for ``"V"``.

    Parameters
    ----------
    unit : str
        The unit of the series and radii (:attr:`tsviz.data.Dataset.unit`).

    Returns
    -------
    float

    Raises
    ------
    CertifyError
        ``unit`` is not one of :data:`VOLTAGE_UNITS` (a clinical certificate needs a voltage).
    """
    if not isinstance(unit, str) or unit not in VOLTAGE_UNITS:
        shown = repr(unit) if not isinstance(unit, str) or len(unit) <= 40 else repr(unit[:40] + "...")
        raise CertifyError(f"unit must be a voltage ({', '.join(VOLTAGE_UNITS)}) for a clinical certificate, "
                           f"got {shown}")
    return VOLTAGE_UNITS[unit]


def is_voltage_unit(unit: Any) -> bool:
    """True when ``unit`` is one of :data:`VOLTAGE_UNITS` (a clinical certificate can be stated)."""
    return isinstance(unit, str) and unit in VOLTAGE_UNITS


def _samples(length: Any, channels: Any) -> int:
    t = check_int("length", length, 1, _MAX_SAMPLES, error=CertifyError)
    c = check_int("channels", channels, 1, _MAX_SAMPLES, error=CertifyError)
    if t * c > _MAX_SAMPLES:
        raise CertifyError(f"length x channels must be at most {_MAX_SAMPLES:,} samples, got {t} x {c}")
    return t * c


def _threshold(peak_mv: Any, name: str) -> float:
    return check_real(name, peak_mv, low=0.0, low_open=True, high=MAX_THRESHOLD_MV, error=CertifyError)


def invisible_l2(peak_mv: float = DEFAULT_THRESHOLD_MV, *, length: int, channels: int = 1) -> float:
    """The L2 norm of the largest edit whose every sample stays below ``peak_mv``: ``peak * sqrt(T C)``.

    The worst case spreads the peak over every sample of every channel; a certified L2 radius at
    least this large covers every such edit (Cohen et al., ICML 2019, Theorem 1).

    Parameters
    ----------
    peak_mv : float in ``(0, MAX_THRESHOLD_MV]``
        Visibility threshold, mV peak (0.05: half a small square at 10 mm/mV).
    length : int >= 1
        Samples per channel ``T``.
    channels : int >= 1
        Channels ``C``.

    Returns
    -------
    float
        The L2 norm in mV (``0.05 * sqrt(187) = 0.6837`` for a 187-sample beat).

    Raises
    ------
    CertifyError
        ``peak_mv`` not a finite number in ``(0, 1000]``, ``length`` or ``channels`` not an integer
        ``>= 1`` (or their product over 10^9).
    """
    peak = _threshold(peak_mv, "peak_mv")
    return peak * math.sqrt(_samples(length, channels))


def largest_invisible_peak(radius_mv: float, *, length: int, channels: int = 1) -> float:
    """The largest peak ``p`` such that every edit with ``|delta_i| <= p`` has L2 norm at most ``radius_mv``.

    The inverse of :func:`invisible_l2`: ``radius / sqrt(T C)``. A series certified at radius
    ``radius_mv`` is safe against every edit whose samples all stay below this peak.

    Parameters
    ----------
    radius_mv : float >= 0
        Certified L2 radius in mV.
    length, channels : int >= 1
        As in :func:`invisible_l2`.

    Returns
    -------
    float
        The peak in mV (multiply by 1000 for microvolts).

    Raises
    ------
    CertifyError
        ``radius_mv`` not a finite number ``>= 0``; bad ``length`` or ``channels``.
    """
    r = check_real("radius_mv", radius_mv, low=0.0, error=CertifyError)
    return r / math.sqrt(_samples(length, channels))


@dataclass(frozen=True)
class ClinicalCertificate:
    """Output of :func:`clinical_certificate`: per beat and for the set, whether every edit below the
    visibility threshold is covered.

    Attributes
    ----------
    threshold_mv : float, visibility threshold (mV peak)
    threshold_l2_mv : float, its L2 norm at this length and channel count (mV, :func:`invisible_l2`)
    length, channels : int; unit : str, the unit of the certified series and radii
    certified : ndarray bool ``(n,)``, read-only: certified correct at the threshold (not abstained,
        prediction equal to the label, radius ``>= threshold_l2``, inclusive as in
        :func:`~tsviz.certify.certified_accuracy`)
    correct : ndarray bool ``(n,)``: prediction equal to the label (never for an abstention)
    abstained : ndarray bool ``(n,)``
    radius_mv : ndarray float64 ``(n,)``: the certified radii in mV
    invisible_peak_uv : ndarray float64 ``(n,)``: the largest peak each radius covers, µV
        (:func:`largest_invisible_peak` x 1000; 0 when abstained). For a wrong prediction it is the
        peak below which the *wrong* class is certain, not a clinical certificate.
    n_certified : int; share : float, ``n_certified / n`` (0 for an empty set)
    statements : tuple of str, one sentence per beat; statement : str, one for the set
    """

    threshold_mv: float
    threshold_l2_mv: float
    length: int
    channels: int
    unit: str
    certified: np.ndarray
    correct: np.ndarray
    abstained: np.ndarray
    radius_mv: np.ndarray
    invisible_peak_uv: np.ndarray
    n_certified: int
    share: float
    statements: tuple[str, ...]
    statement: str

    def summary(self) -> dict[str, Any]:
        """Plain numbers: the threshold and its L2, the counts and share certified, abstentions and
        wrong predictions, the median largest invisible peak over the certified beats (µV)."""
        n = int(self.certified.shape[0])
        return {"threshold_mv": self.threshold_mv, "threshold_l2_mv": self.threshold_l2_mv, "length": self.length,
                "channels": self.channels, "unit": self.unit, "n_beats": n, "n_certified": self.n_certified,
                "share": self.share, "n_abstained": int(self.abstained.sum()),
                "n_wrong": int((~self.correct & ~self.abstained).sum()),
                "median_invisible_peak_uv_certified": (float(np.median(self.invisible_peak_uv[self.certified]))
                                                       if self.n_certified else 0.0),
                "statement": self.statement}

    def to_frame(self):
        """One row per beat: certified, correct, abstained, radius_mv, invisible_peak_uv, statement."""
        import pandas as pd

        return pd.DataFrame({"certified": self.certified, "correct": self.correct, "abstained": self.abstained,
                             "radius_mv": self.radius_mv, "invisible_peak_uv": self.invisible_peak_uv,
                             "statement": list(self.statements)})


def set_statement(n_certified: int, n: int, threshold_mv: float, threshold_l2_mv: float) -> str:
    """"k of m beats (x %) are certified correct against every edit below 0.05 mV peak (L2 0.684 mV)"."""
    pct = 100.0 * n_certified / n if n else 0.0
    noun = "beat" if n == 1 else "beats"
    verb = "is" if n_certified == 1 else "are"
    return (f"{n_certified} of {n} {noun} ({pct:.0f} %) {verb} certified correct against every edit below "
            f"{threshold_mv:g} mV peak (L2 {threshold_l2_mv:.3g} mV).")


def _beat_statement(name: str, certified: bool, correct: bool, abstained: bool, pred: int, label: int,
                    peak_uv: float, r_mv: float, threshold_mv: float, l2_mv: float) -> str:
    if abstained:
        return f"{name}: the smoothed classifier abstains; no certificate."
    if certified:
        return (f"{name}: certified correct against every edit below {threshold_mv:g} mV peak (L2 {l2_mv:.3g} mV); "
                f"the certificate covers every edit below {peak_uv:.3g} µV peak.")
    if correct:
        return (f"{name}: predicted correctly, but certified only against edits below {peak_uv:.3g} µV peak "
                f"(L2 {r_mv:.3g} mV), under the {threshold_mv:g} mV threshold.")
    return f"{name}: predicted class {pred}, not the label {label}; no clinical certificate."


def clinical_certificate(result: CertResult, y, *, threshold_mv: float = DEFAULT_THRESHOLD_MV, length: int,
                         channels: int, unit: str = "mV", ids: Sequence[int] | None = None) -> ClinicalCertificate:
    """Per beat and for the set: is the beat certified correct against every edit below ``threshold_mv``?

    A beat is certified correct at the threshold when the smoothed classifier does not abstain,
    predicts its label, and its certified L2 radius is at least :func:`invisible_l2` of the threshold
    at this length and channel count (Cohen et al., ICML 2019, Theorem 1, with the bound
    ``||delta||_2 <= peak sqrt(T C)``).

    Parameters
    ----------
    result : CertResult
        A certification of ``n`` series (:meth:`tsviz.certify.Smoothed.certify`); its radii are in ``unit``.
    y : array-like of int ``(n,)``
        True labels.
    threshold_mv : float in ``(0, 1000]``
        Visibility threshold, mV peak (default 0.05: half a small square at 10 mm/mV).
    length, channels : int >= 1
        Samples per channel and channels of the certified series.
    unit : str
        Unit of the series and radii: ``"mV"``, ``"uV"`` (or ``"µV"``) or ``"V"``.
    ids : sequence of int, optional
        Names of the beats in the statements (e.g. test-set indices); default ``0 .. n-1``.

    Returns
    -------
    ClinicalCertificate

    Raises
    ------
    CertifyError
        ``result`` not a :class:`CertResult` or with radii that are not finite and ``>= 0``; ``y``
        not ``n`` integer labels; bad ``threshold_mv``, ``length``, ``channels``, ``unit`` or ``ids``.
    """
    if not isinstance(result, CertResult):
        raise CertifyError(f"result must be a CertResult, got {type(result).__name__}")
    factor = mv_per_unit(unit)
    threshold = _threshold(threshold_mv, "threshold_mv")
    samples = _samples(length, channels)
    pred = np.asarray(result.prediction).reshape(-1).astype(np.int64)
    n = pred.shape[0]
    radius = np.asarray(result.radius, dtype=np.float64).reshape(-1)
    if radius.shape[0] != n:
        raise CertifyError(f"result.radius has {radius.shape[0]} values for {n} predictions")
    if n and not (np.isfinite(radius).all() and (radius >= 0).all()):
        raise CertifyError("result.radius must hold finite radii >= 0")
    labels = as_labels(y, n, name="y", error=CertifyError).cpu().numpy()
    if ids is None:
        names = [f"Beat {i}" for i in range(n)]
    else:
        ids = list(ids)
        if len(ids) != n:
            raise CertifyError(f"ids has {len(ids)} names for {n} beats")
        names = [f"Beat #{check_int('ids', i, error=CertifyError)}" for i in ids]
    l2_mv = threshold * math.sqrt(samples)
    abstained = pred == ABSTAIN
    correct = (pred == labels) & ~abstained
    radius_mv = radius * factor
    certified = correct & (radius_mv >= l2_mv)
    peak_uv = np.where(abstained, 0.0, radius_mv / math.sqrt(samples) * 1000.0)
    statements = tuple(_beat_statement(names[i], bool(certified[i]), bool(correct[i]), bool(abstained[i]),
                                       int(pred[i]), int(labels[i]), float(peak_uv[i]), float(radius_mv[i]),
                                       threshold, l2_mv) for i in range(n))
    k = int(certified.sum())
    return ClinicalCertificate(
        threshold_mv=threshold, threshold_l2_mv=l2_mv, length=int(length), channels=int(channels), unit=unit,
        certified=readonly(certified), correct=readonly(correct), abstained=readonly(abstained),
        radius_mv=readonly(radius_mv), invisible_peak_uv=readonly(peak_uv), n_certified=k,
        share=k / n if n else 0.0, statements=statements, statement=set_statement(k, n, threshold, l2_mv))
