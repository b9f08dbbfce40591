"""What a clinician asks about an adversarial ECG, in numbers.

:func:`perturbation_report` measures the perturbation ``delta = adversarial - clean`` of each
series: its peak in microvolts, its energy, the signal-to-perturbation ratio in dB, how its power
splits between the baseline band (< 0.5 Hz), the diagnostic band (0.5-40 Hz) and the band above
40 Hz, and whether it would be visible on ECG paper. :func:`model_verdict` gives the model's class
and confidence before and after, with the AAMI class names when the dataset uses them.

Definitions (per series, over all its channels and time steps; values in mV, ``fs`` in Hz):

* peak ``max |delta|`` (reported in µV);
* power ``P = mean(delta^2)`` (mV^2) and RMS ``sqrt(P)``;
* energy ``E = sum(delta^2) / fs`` (mV^2·s, summed over channels), the integral of ``delta^2``;
* SNR ``10 log10(mean(clean^2) / mean(delta^2))`` dB (signal power over perturbation power, as
  the Attack page's median SNR); ``inf`` when nothing changed;
* band powers: the perturbation's periodogram (:func:`scipy.signal.periodogram`, rectangular
  window, no detrending, one-sided density) summed over the band's bins times the bin width,
  averaged over channels. The bands partition ``[0, fs/2]``: baseline ``f < 0.5 Hz``, diagnostic
  ``0.5 <= f <= 40 Hz`` (the AHA diagnostic bandwidth's low edge and the monitoring/diagnostic
  upper edge most arrhythmia work uses), high ``f > 40 Hz``; by Parseval's theorem the three sum
  to ``P`` exactly.

  Why a periodogram rather than Welch's method: a beat window is short (1.5 s at 125 Hz: 187
  samples, 0.67 Hz per bin). Welch averages shorter, tapered segments, which lowers the variance
  of a *spectral estimate* but widens the bins past the 0.5 Hz baseline band and, with its
  default detrending, removes the mean, i.e. exactly the baseline offset a clinician would see
  as a shifted isoelectric line. Here the question is not the spectrum of a random process but
  where the power of *this* perturbation lies, which the periodogram answers exactly (Parseval).
  Its resolution is ``fs / T``: in a beat window only the 0 Hz bin falls under 0.5 Hz, so the
  baseline band is then the perturbation's mean offset over the window.
* visible on paper: ``peak >= 0.05 mV`` (50 µV), half of a 1 mm small square at the standard
  10 mm/mV gain; thinner changes are below what the eye resolves on the grid (about half a
  millimetre at standard gain). The sentence says so in words.

References: the ECG paper conventions of Kligfield et al., "Recommendations for the
standardization and interpretation of the electrocardiogram, part I", Circulation 2007; AAMI
classes of ANSI/AAMI EC57 (as in de Chazal, O'Dwyer and Reilly, IEEE TBME 2004).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.review.errors import ReviewError
from tsviz.review.inputs import check_pair

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import torch

__all__ = ["PerturbationReport", "ModelVerdict", "perturbation_report", "model_verdict", "visibility_sentence",
           "BANDS", "VISIBLE_MV", "STANDARD_GAIN", "AAMI_NAMES", "PSD_METHOD", "class_display_names"]

#: The perturbation bands: (name, low Hz, high Hz, label); low inclusive, high inclusive for the
#: diagnostic band, so bins at exactly 0.5 and 40 Hz count as diagnostic.
BANDS: tuple[tuple[str, float, float, str], ...] = (
    ("baseline", 0.0, 0.5, "baseline (< 0.5 Hz)"),
    ("diagnostic", 0.5, 40.0, "diagnostic (0.5–40 Hz)"),
    ("high", 40.0, float("inf"), "high (> 40 Hz)"),
)
#: Smallest peak change visible on paper: half a 1 mm small square at 10 mm/mV (mV).
VISIBLE_MV = 0.05
#: The gain the visibility threshold refers to (mm/mV).
STANDARD_GAIN = 10.0
#: How the band powers are estimated (see the module docstring for why).
PSD_METHOD = ("scipy.signal.periodogram (rectangular window, no detrending, one-sided density; band power = "
              "sum of bins x bin width, so the bands add up to the perturbation's power)")
#: AAMI (ANSI/AAMI EC57) heartbeat classes and what they mean.
AAMI_NAMES: dict[str, str] = {
    "N": "N (normal, bundle branch block, escape)",
    "S": "S (supraventricular ectopic)",
    "V": "V (ventricular ectopic)",
    "F": "F (fusion of ventricular and normal)",
    "Q": "Q (paced or unclassifiable)",
}
_MAX_CLASSES = 1000


def class_display_names(class_names: Sequence[str]) -> tuple[str, ...]:
    """The names shown for ``class_names``: the AAMI meanings (``"V (ventricular ectopic)"``) when
    every name is an AAMI class, else the names as they are."""
    names = tuple(str(c) for c in class_names)
    if names and all(c in AAMI_NAMES for c in names):
        return tuple(AAMI_NAMES[c] for c in names)
    return names


def _check_fs(fs: Any) -> float:
    from tsviz.core.validation import check_real

    return check_real("fs", fs, low=0.0, low_open=True, high=1e6, error=ReviewError)


def visibility_sentence(peak_mv: float) -> str:
    """Whether a peak change of ``peak_mv`` would show on ECG paper, in one sentence."""
    uv = peak_mv * 1000.0
    mm = peak_mv * STANDARD_GAIN
    if peak_mv >= VISIBLE_MV:
        return (f"Peak change {uv:.0f} µV is at least 0.05 mV (half a small square at 10 mm/mV): "
                f"visible on paper, {mm:.1f} mm at standard gain.")
    return (f"Peak change {uv:.1f} µV is below 0.05 mV (half a small square at 10 mm/mV): not visible on "
            f"paper at standard gain ({mm:.2f} mm; {2 * mm:.2f} mm even at 20 mm/mV).")


@dataclass(frozen=True, eq=False)
class PerturbationReport:
    """The perturbation of each series, in the numbers a clinician reads.

    Attributes (arrays ``(n,)`` unless said; read-only)
    ----------
    peak_uv : float
        ``max |adversarial - clean|`` in µV.
    peak_time_s : float
        When the peak occurs (s from the series' start).
    peak_channel : int
    rms_uv : float
        RMS of the perturbation, µV.
    energy : float
        ``sum(delta^2) / fs`` in mV^2·s.
    snr_db : float
        ``10 log10(mean(clean^2) / mean(delta^2))``; ``inf`` where nothing changed.
    band_power : float, shape ``(n, 3)``
        Perturbation power (mV^2) in :data:`BANDS`; rows sum to ``rms^2``.
    band_share : float, shape ``(n, 3)``
        ``band_power / power`` (0 where nothing changed).
    visible : bool
        ``peak >= VISIBLE_MV``.
    sentences : tuple of str
        :func:`visibility_sentence` per series.
    fs : float
    resolution_hz : float
        The periodogram's bin width ``fs / T``.
    method : str
        :data:`PSD_METHOD`.
    """

    peak_uv: np.ndarray
    peak_time_s: np.ndarray
    peak_channel: np.ndarray
    rms_uv: np.ndarray
    energy: np.ndarray
    snr_db: np.ndarray
    band_power: np.ndarray
    band_share: np.ndarray
    visible: np.ndarray
    sentences: tuple[str, ...]
    fs: float
    resolution_hz: float
    method: str = PSD_METHOD

    def __post_init__(self) -> None:
        for name in ("peak_uv", "peak_time_s", "peak_channel", "rms_uv", "energy", "snr_db", "band_power",
                     "band_share", "visible"):
            a = np.array(getattr(self, name), copy=True)
            a.setflags(write=False)
            object.__setattr__(self, name, a)

    @property
    def n(self) -> int:
        return int(self.peak_uv.shape[0])

    def frame(self, labels: Sequence[str] | None = None) -> "pd.DataFrame":
        """One row per series: ``series`` (``labels`` or 0..n-1), peak (µV), when, RMS (µV),
        energy (mV²·s), SNR (dB), the band powers (mV²) and shares (%), visible, and the sentence."""
        import pandas as pd

        cols: dict[str, Any] = {"series": list(labels) if labels is not None else list(range(self.n)),
                                "peak (µV)": self.peak_uv, "peak at (s)": self.peak_time_s,
                                "RMS (µV)": self.rms_uv, "energy (mV²·s)": self.energy, "SNR (dB)": self.snr_db}
        for j, (_, _, _, label) in enumerate(BANDS):
            cols[f"power {label} (mV²)"] = self.band_power[:, j]
        for j, (_, _, _, label) in enumerate(BANDS):
            cols[f"share {label} (%)"] = 100.0 * self.band_share[:, j]
        cols["visible on paper"] = self.visible
        cols["on paper"] = list(self.sentences)
        return pd.DataFrame(cols)

    def summary(self) -> dict[str, Any]:
        """JSON-ready medians and counts over the series."""
        finite = self.snr_db[np.isfinite(self.snr_db)]
        return {"n": self.n, "median_peak_uv": float(np.median(self.peak_uv)),
                "max_peak_uv": float(self.peak_uv.max()),
                "median_snr_db": float(np.median(finite)) if finite.size else float("inf"),
                "n_visible": int(self.visible.sum()),
                "median_band_share": {name: float(np.median(self.band_share[:, j]))
                                      for j, (name, *_r) in enumerate(BANDS)},
                "fs": self.fs, "resolution_hz": self.resolution_hz, "method": self.method}


def perturbation_report(clean: Any, adversarial: Any, fs: float, *, unit: str = "mV") -> PerturbationReport:
    """Peak (µV), energy, SNR (dB), band powers and visibility of each series' perturbation.

    Parameters
    ----------
    clean, adversarial : array-like, shape ``(n, C, T)`` (or ``(n, T)``, ``(T,)``)
        The series before and after the attack, real and finite, in ``unit``.
    fs : float
        Sampling frequency in Hz.
    unit : {"mV", "µV", "uV", "V"}
        Unit of the values (converted to mV).

    Returns
    -------
    PerturbationReport
        Definitions in the module docstring.

    Raises
    ------
    ReviewError
        Bad arrays (NaN, shapes, dtypes, caps), ``fs`` not a finite number in ``(0, 1e6]``, a unit
        other than mV, µV or V, or fewer than 2 time steps.
    """
    from scipy.signal import periodogram

    c, a = check_pair(clean, adversarial, unit=unit)
    fs = _check_fs(fs)
    n, C, T = c.shape
    if T < 2:
        raise ReviewError(f"the series have {T} time step; a perturbation report needs at least 2")
    d = a - c
    flat = np.abs(d).reshape(n, -1)
    arg = flat.argmax(axis=1)
    peak = flat[np.arange(n), arg]
    power = np.mean(d * d, axis=(1, 2))
    signal = np.mean(c * c, axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where(power > 0, 10.0 * np.log10(signal / np.where(power > 0, power, 1.0)), np.inf)
    f, pxx = periodogram(d, fs=fs, window="boxcar", detrend=False, scaling="density", axis=-1)
    df = f[1] - f[0]
    bands = np.empty((n, len(BANDS)))
    masks = (f < BANDS[0][2], (f >= BANDS[1][1]) & (f <= BANDS[1][2]), f > BANDS[2][1])  # a partition of f
    for j, sel in enumerate(masks):
        bands[:, j] = (pxx[..., sel].sum(axis=-1) * df).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(power[:, None] > 0, bands / np.where(power[:, None] > 0, power[:, None], 1.0), 0.0)
    peak_mv = peak
    return PerturbationReport(
        peak_uv=peak_mv * 1000.0, peak_time_s=(arg % T) / fs, peak_channel=(arg // T).astype(np.int64),
        rms_uv=np.sqrt(power) * 1000.0, energy=np.sum(d * d, axis=(1, 2)) / fs, snr_db=snr, band_power=bands,
        band_share=share, visible=peak_mv >= VISIBLE_MV,
        sentences=tuple(visibility_sentence(float(p)) for p in peak_mv), fs=fs, resolution_hz=float(df))


@dataclass(frozen=True, eq=False)
class ModelVerdict:
    """The model's class and confidence before and after the attack.

    Attributes
    ----------
    clean_pred, adv_pred : ndarray, int64, shape ``(n,)``
        Predicted class on the clean and the adversarial series.
    clean_conf, adv_conf : ndarray, float, shape ``(n,)``
        Softmax probability of that predicted class (0-1).
    clean_probs, adv_probs : ndarray, float, shape ``(n, K)``
    class_names : tuple of str
    display_names : tuple of str
        :func:`class_display_names` (AAMI meanings when the classes are AAMI's).
    labels : ndarray, int64, shape ``(n,)``, optional
        True classes, when given.
    """

    clean_pred: np.ndarray
    adv_pred: np.ndarray
    clean_conf: np.ndarray
    adv_conf: np.ndarray
    clean_probs: np.ndarray
    adv_probs: np.ndarray
    class_names: tuple[str, ...]
    display_names: tuple[str, ...]
    labels: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("clean_pred", "adv_pred", "clean_conf", "adv_conf", "clean_probs", "adv_probs", "labels"):
            v = getattr(self, name)
            if v is not None:
                a = np.array(v, copy=True)
                a.setflags(write=False)
                object.__setattr__(self, name, a)

    @property
    def changed(self) -> np.ndarray:
        """Whether the predicted class changed, ``(n,)`` bool."""
        return self.clean_pred != self.adv_pred

    @property
    def aami(self) -> bool:
        """Whether the classes are the AAMI heartbeat classes."""
        return self.display_names != self.class_names

    def sentence(self, i: int) -> str:
        """``"Model: N (normal…) 97% → V (ventricular ectopic) 88%"`` for series ``i``."""
        c, a = int(self.clean_pred[i]), int(self.adv_pred[i])
        return (f"Model: {self.display_names[c]} {self.clean_conf[i]:.0%} → {self.display_names[a]} "
                f"{self.adv_conf[i]:.0%}" + ("" if c != a else " (unchanged)"))

    def frame(self, labels: Sequence[str] | None = None) -> "pd.DataFrame":
        """One row per series: true class (when known), class and confidence before and after."""
        import pandas as pd

        names = self.display_names
        cols: dict[str, Any] = {"series": list(labels) if labels is not None else list(range(len(self.clean_pred)))}
        if self.labels is not None:
            cols["true class"] = [names[int(k)] for k in self.labels]
        cols.update({"class before": [names[int(k)] for k in self.clean_pred], "confidence before": self.clean_conf,
                     "class after": [names[int(k)] for k in self.adv_pred], "confidence after": self.adv_conf,
                     "changed": self.changed})
        return pd.DataFrame(cols)


def model_verdict(model: "torch.nn.Module", clean: Any, adversarial: Any, class_names: Sequence[str], *,
                  labels: Any = None, batch_size: int = 256) -> ModelVerdict:
    """The model's class and confidence on the clean and on the adversarial series.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning logits ``(n, K)`` (left as it was found: eval mode during the call,
        its mode and parameters' ``requires_grad`` restored).
    clean, adversarial : array-like, shape ``(n, C, T)``
        Series in the model's signal units, matching its channels and length.
    class_names : sequence of str
        ``K`` names; AAMI classes (N, S, V, F, Q) are shown with their meanings.
    labels : array-like of int, shape ``(n,)``, optional
        True classes, for the table.
    batch_size : int
        Series per forward pass.

    Returns
    -------
    ModelVerdict

    Raises
    ------
    ReviewError
        Bad series (NaN, shapes), series the model cannot take (channels, length), logits that are
        not ``(n, K)`` with ``K == len(class_names)`` or not finite, bad labels or batch size.
    """
    import torch

    from tsviz.core import as_labels, as_series, check_model_input, guard_model, model_device, model_logits
    from tsviz.core.validation import check_int

    if isinstance(class_names, str) or not isinstance(class_names, Sequence) or not class_names \
            or len(class_names) > _MAX_CLASSES:
        raise ReviewError(f"class_names must be a list of 1 to {_MAX_CLASSES} names")
    names = tuple(str(c) for c in class_names)
    batch_size = check_int("batch_size", batch_size, 1, 65536, error=ReviewError)
    if not isinstance(model, torch.nn.Module):
        raise ReviewError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    xc = as_series(clean, name="clean", error=ReviewError)
    xa = as_series(adversarial, name="adversarial", error=ReviewError)
    if xc.shape != xa.shape:
        raise ReviewError(f"adversarial has shape {tuple(xa.shape)} but clean has {tuple(xc.shape)}; they must match")
    y = None if labels is None else as_labels(labels, xc.shape[0], n_classes=len(names), name="labels",
                                              error=ReviewError).numpy()
    check_model_input(model, xc, name="clean", error=ReviewError)
    with guard_model(model) as m:
        dev = model_device(m)
        dtype = next((p.dtype for p in m.parameters()), torch.float32)
        probs = []
        for what, x in (("clean", xc), ("adversarial", xa)):
            logits = model_logits(m, x.to(dev, dtype), error=ReviewError, batch=batch_size, what=what)
            if logits.shape[1] != len(names):
                raise ReviewError(f"the model has {logits.shape[1]} classes but class_names has {len(names)}")
            probs.append(torch.softmax(logits.double(), dim=1).cpu().numpy())
    pc, pa = probs
    cp, ap = pc.argmax(1).astype(np.int64), pa.argmax(1).astype(np.int64)
    rows = np.arange(pc.shape[0])
    return ModelVerdict(clean_pred=cp, adv_pred=ap, clean_conf=pc[rows, cp], adv_conf=pa[rows, ap], clean_probs=pc,
                        adv_probs=pa, class_names=names, display_names=class_display_names(names), labels=y)
