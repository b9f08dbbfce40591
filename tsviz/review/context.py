"""An attacked beat back in its recording: the 10-s strip around it, neighbouring beats included.

A clinician never reads a beat alone: rhythm, the previous and next beats and the baseline around
it decide what a beat means. :func:`beat_in_context` takes a recording (a
:class:`~tsviz.data.ecg_rhythm.RhythmStrip`: a WFDB record read by
:func:`tsviz.data.wfdb_records.read_record_strip`, or a synthetic rhythm strip from
:func:`tsviz.data.ecg_rhythm.rhythm_strip`), where the beat window starts in it, and the clean and
adversarial windows; it checks that the clean window *is* that piece of the recording (so wrong
provenance never shows a beat in someone else's strip) and returns the strip around it twice,
as recorded and with the adversarial window in place of the clean one.

Which datasets have strips: ``wfdb:`` datasets keep where each beat was cut
(``meta["beat_origin"]``: record and R-peak sample per beat, see
:func:`tsviz.data.wfdb_records.load_wfdb`); :func:`dataset_beat_context` reads the record again
and puts the beat back. The ``synthetic-ecg`` beats are *not* cut from a longer recording (each
window is rendered on its own from five beats), nor are the Kaggle MIT-BIH CSV beats (the CSV
keeps no record or offset): :func:`context_unavailable` says so in a sentence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from tsviz.review.caps import MAX_CONTEXT_SECONDS
from tsviz.review.errors import ReviewError

__all__ = ["BeatContext", "beat_in_context", "dataset_beat_context", "dataset_beat_origin", "context_unavailable",
           "CONTEXT_SECONDS", "MATCH_TOLERANCE_MV"]

#: Seconds of recording shown around a beat (a standard rhythm strip).
CONTEXT_SECONDS = 10.0
#: Largest difference (mV) between the clean window and the recording where it claims to come from.
MATCH_TOLERANCE_MV = 1e-3


@dataclass(frozen=True, eq=False)
class BeatContext:
    """A strip of recording around an attacked beat, before and after the attack.

    Attributes
    ----------
    clean, adversarial : ndarray, float32, shape ``(m,)``
        The strip in mV as recorded, and with the adversarial window in place (equal outside
        ``window``).
    fs : float
        Sampling frequency in Hz.
    start_s : float
        Time of the strip's first sample in the recording (s).
    window : (int, int)
        ``[start, stop)`` of the attacked window in the strip (samples).
    r_peaks : ndarray, int64
        Annotated beats inside the strip (samples from its start).
    beat_labels : ndarray, int64
        Their classes (into ``class_names``).
    class_names : tuple of str
    source : str
        Where the strip comes from, for people.
    """

    clean: np.ndarray
    adversarial: np.ndarray
    fs: float
    start_s: float
    window: tuple[int, int]
    r_peaks: np.ndarray
    beat_labels: np.ndarray
    class_names: tuple[str, ...]
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("clean", "adversarial", "r_peaks", "beat_labels"):
            a = np.array(getattr(self, name), copy=True)
            a.setflags(write=False)
            object.__setattr__(self, name, a)

    @property
    def duration_s(self) -> float:
        return self.clean.shape[0] / self.fs

    @property
    def window_s(self) -> tuple[float, float]:
        """The attacked window in recording time (s)."""
        return self.start_s + self.window[0] / self.fs, self.start_s + self.window[1] / self.fs

    @property
    def delta(self) -> np.ndarray:
        """``adversarial - clean`` over the strip (zero outside the window)."""
        return self.adversarial - self.clean

    def beat_marks(self) -> tuple[np.ndarray, list[str]]:
        """Times (s, recording time) and class names of the annotated beats in the strip."""
        return self.start_s + self.r_peaks / self.fs, [self.class_names[int(k)] for k in self.beat_labels]

    def summary(self) -> dict[str, Any]:
        counts = np.bincount(self.beat_labels, minlength=len(self.class_names)) if self.beat_labels.size else \
            np.zeros(len(self.class_names), dtype=np.int64)
        return {"source": self.source, "fs": self.fs, "start_s": self.start_s, "duration_s": self.duration_s,
                "window_s": list(self.window_s), "n_beats": int(self.r_peaks.size),
                "beat_counts": {c: int(k) for c, k in zip(self.class_names, counts)}}


def _window(a: Any, name: str, channel: int) -> np.ndarray:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise ReviewError(f"{name} must be an array of numbers (T,) or (C, T)") from None
    if arr.ndim == 2:
        if not 0 <= channel < arr.shape[0]:
            raise ReviewError(f"channel {channel} is not in [0, {arr.shape[0]}) for {name}")
        arr = arr[channel]
    if arr.ndim != 1 or arr.size < 2:
        raise ReviewError(f"{name} must be one window (T,) or (C, T) with T >= 2, got shape {np.shape(a)}")
    if not np.isfinite(arr).all():
        raise ReviewError(f"{name} contains NaN or Inf")
    return arr


def beat_in_context(strip: Any, start: Any, clean: Any, adversarial: Any, *, seconds: float = CONTEXT_SECONDS,
                    channel: int = 0, tolerance: float = MATCH_TOLERANCE_MV, source: str = "") -> BeatContext:
    """The ``seconds``-long strip around a beat window, as recorded and with the attack in place.

    Parameters
    ----------
    strip : RhythmStrip
        The recording (``signal`` ``(N,)`` in mV, ``fs``, ``r_peaks``, ``beat_labels``,
        ``class_names``).
    start : int
        Sample of ``strip.signal`` where the beat window begins.
    clean, adversarial : array-like, shape ``(T,)`` or ``(C, T)``
        The window before and after the attack, in mV (``channel`` picks the lead of a ``(C, T)``
        window; the strip has one).
    seconds : float
        Length of the strip, ``0 < seconds <= MAX_CONTEXT_SECONDS`` (15); centred on the window,
        shifted to stay inside the recording, never shorter than the window, at most the whole
        recording.
    channel : int
    tolerance : float
        Largest ``|clean - strip.signal[start:start + T]|`` in mV accepted as "the same window".
    source : str
        Where the strip comes from (kept in the result).

    Returns
    -------
    BeatContext

    Raises
    ------
    ReviewError
        A bad strip, ``start`` outside it, windows of different lengths or with NaN, ``seconds``
        out of range, or a clean window that is not the recording at ``start`` (wrong provenance).
    """
    from tsviz.core.validation import check_int, check_real

    signal = getattr(strip, "signal", None)
    fs = getattr(strip, "fs", None)
    if not isinstance(signal, np.ndarray) or signal.ndim != 1 or not isinstance(fs, (int, float)) \
            or not math.isfinite(fs) or fs <= 0:
        raise ReviewError("strip must be a RhythmStrip (a 1-D signal in mV with its sampling frequency fs)")
    seconds = check_real("seconds", seconds, low=0.0, low_open=True, high=MAX_CONTEXT_SECONDS, error=ReviewError)
    tolerance = check_real("tolerance", tolerance, low=0.0, high=1.0, error=ReviewError)
    channel = check_int("channel", channel, 0, error=ReviewError)
    c = _window(clean, "clean", channel)
    a = _window(adversarial, "adversarial", channel)
    if a.shape != c.shape:
        raise ReviewError(f"adversarial has {a.size} samples but clean has {c.size}")
    n, T = signal.shape[0], c.size
    start = check_int("start", start, 0, n - T, error=ReviewError) if n >= T else None
    if start is None:
        raise ReviewError(f"the recording ({n} samples) is shorter than the window ({T} samples)")
    piece = signal[start:start + T].astype(np.float64)
    gap = float(np.abs(piece - c).max())
    if gap > tolerance:
        raise ReviewError(f"the clean window differs from the recording at sample {start} by up to {gap:.3g} mV "
                          f"(more than {tolerance:g} mV): it was not cut there (wrong record or offset, or the "
                          f"data changed), so it is not shown in that strip")
    m = min(max(int(round(seconds * fs)), T), n)
    lo = int(round(start + T / 2 - m / 2))
    lo = min(max(lo, 0), n - m)
    lo = min(lo, start)              # the window stays inside the strip
    lo = max(lo, start + T - m)
    ctx = signal[lo:lo + m].astype(np.float32)
    adv = ctx.copy()
    adv[start - lo:start - lo + T] = a.astype(np.float32)
    peaks = np.asarray(getattr(strip, "r_peaks", np.zeros(0)), dtype=np.int64)
    labels = np.asarray(getattr(strip, "beat_labels", np.zeros(0)), dtype=np.int64)
    inside = (peaks >= lo) & (peaks < lo + m)
    names = tuple(str(v) for v in getattr(strip, "class_names", ()))
    if labels.size and (not names or labels.max() >= len(names)):
        raise ReviewError("strip.beat_labels index classes that strip.class_names does not name")
    return BeatContext(clean=ctx, adversarial=adv, fs=float(fs), start_s=lo / float(fs),
                       window=(start - lo, start - lo + T), r_peaks=peaks[inside] - lo, beat_labels=labels[inside],
                       class_names=names, source=str(source))


def context_unavailable(ds: Any) -> str | None:
    """``None`` when the dataset keeps where each series was cut (so :func:`dataset_beat_context`
    works), else one sentence saying why there is no strip."""
    meta = getattr(ds, "meta", {}) or {}
    if isinstance(meta.get("beat_origin"), dict):
        return None
    name = str(getattr(ds, "name", "this dataset"))
    spec = str(meta.get("spec", name))
    if name == "synthetic-ecg" or meta.get("generator") == "tsviz.data.synthetic_ecg.synthetic_ecg":
        return ("No strip exists for the synthetic-ecg beats: each 1.5-s window is generated on its own by the "
                "ECGSYN model (five beats around the labelled one), not cut from a longer recording, so there are "
                "no neighbouring beats to show. Load annotated WFDB records (dataset wfdb:<folder>, e.g. MIT-BIH) "
                "to see attacked beats in their 10-s strips.")
    if spec.startswith("mitbih-csv:") or meta.get("format") == "mitbih-csv":
        return ("No strip exists for the Kaggle MIT-BIH heartbeat CSV: it keeps no record or position per beat. "
                "Load the WFDB records themselves (dataset wfdb:<folder>) to see beats in context.")
    return (f"No strip exists for {name}: its series are not cut from longer recordings it keeps (no record and "
            f"offset per series). WFDB records (dataset wfdb:<folder>) have them.")


def dataset_beat_origin(ds: Any, split: str, index: Any) -> dict[str, Any]:
    """Where series ``index`` of ``split`` was cut: ``folder``, ``record``, ``channel``, ``fs_out``,
    ``start`` (first sample of its window in the resampled record) and ``r_peak``.

    Raises
    ------
    ReviewError
        No provenance (:func:`context_unavailable`'s sentence), a bad split or index.
    """
    from tsviz.core.validation import check_int

    reason = context_unavailable(ds)
    if reason is not None:
        raise ReviewError(reason)
    origin = ds.meta["beat_origin"]
    if split not in ("train", "test") or split not in origin:
        raise ReviewError(f"split must be 'train' or 'test', got {split!r}")
    rows = origin[split]["record"]
    i = check_int("index", index, 0, len(rows) - 1, error=ReviewError)
    r_peak = int(origin[split]["r_peak"][i])
    return {"folder": origin["folder"], "record": str(origin["records"][int(rows[i])]), "channel": origin["channel"],
            "fs_out": origin["fs_out"], "start": r_peak - int(origin["before_samples"]), "r_peak": r_peak}


def dataset_beat_context(ds: Any, split: str, index: Any, adversarial: Any, *, seconds: float = CONTEXT_SECONDS,
                         strip: Any = None) -> BeatContext:
    """Series ``index`` of a ``wfdb:`` dataset's ``split``, attacked into ``adversarial``, back in
    its recording.

    Parameters
    ----------
    ds : Dataset
        A dataset with ``meta["beat_origin"]`` (:func:`tsviz.data.wfdb_records.load_wfdb`).
    split : {"train", "test"}
    index : int
        The series' index in the split.
    adversarial : array-like, shape ``(C, T)`` or ``(T,)``
        Its adversarial version, in mV.
    seconds : float
        Length of the strip (default 10 s).
    strip : RhythmStrip, optional
        The record already read (:func:`tsviz.data.wfdb_records.read_record_strip` with
        :func:`dataset_beat_origin`'s values); read here when ``None``.

    Raises
    ------
    ReviewError
        No provenance, a bad split or index, a window that does not match the record.
    DataError
        The record cannot be read again (moved or changed files).
    """
    o = dataset_beat_origin(ds, split, index)
    if strip is None:
        from tsviz.data.wfdb_records import read_record_strip

        strip = read_record_strip(o["folder"], o["record"], channel=o["channel"], fs_out=o["fs_out"])
    clean = ds.split(split)[0][int(index)]
    label = ds.class_names[int(ds.split(split)[1][int(index)])]
    src = (f"record {o['record']} ({o['folder']}), {label} beat at {o['r_peak'] / strip.fs:.2f} s; "
           f"{ds.split(split)[0].shape[2] / strip.fs:.2f}-s window")
    return beat_in_context(strip, o["start"], clean, adversarial, seconds=seconds, source=src)
