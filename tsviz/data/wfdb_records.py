"""Heartbeats cut from annotated WFDB records (MIT-BIH Arrhythmia, svdb, ...), AAMI-labelled.

Each record is read with :func:`wfdb.rdrecord` (physical units from the header, converted to mV
when the header says V or uV) and its reference annotations with ``wfdb.rdann(record, "atr")``.

Pipeline
--------
1. Pick one channel (index or name such as ``"MLII"``).
2. Resample the whole record to ``fs_out`` (default 125 Hz, the rate of the Kaggle MIT-BIH
   heartbeat set) with :func:`scipy.signal.resample_poly` (polyphase anti-aliasing filter); the
   annotation sample indices are scaled by the same ratio and rounded.
3. Keep the annotations whose symbol is a beat of the AAMI table below, and cut one window per beat
   around its R peak: ``round(before_s * fs_out)`` samples before the peak, window length
   ``round((before_s + after_s) * fs_out)``. The defaults ``before_s=0.5``, ``after_s=0.996``
   give 63 samples before the peak and 187 samples in all at 125 Hz (1.496 s), the length of the
   Kaggle format (its beats start at the R peak instead; here the peak is at index 63, so the P
   wave and the QRS complex are inside the window). Beats whose window runs off either end of the
   record are skipped, as are beats whose window touches a missing (NaN) sample; ``meta`` counts
   both. Cutting is one fancy-indexing gather per record.
4. Split train/test. Several records: **by record** (inter-patient, as in de Chazal et al. 2004):
   a seeded permutation of the records puts ``round(n_records * test_fraction)`` of them (at
   least one, at most ``n_records - 1``) in test. One record: a stratified split by beat
   (:func:`~tsviz.data.dataset.stratified_split`) with a warning, since beats of one patient on
   both sides leak patient identity into the test score (an *intra-patient* split).

AAMI classes (ANSI/AAMI EC57) from MIT-BIH beat symbols
-------------------------------------------------------
=====  ====================================================  ===========================
class  symbols                                               meaning
=====  ====================================================  ===========================
N      ``N`` ``L`` ``R`` ``e`` ``j``                          normal, bundle branch block,
                                                             atrial/nodal escape
S      ``A`` ``a`` ``J`` ``S``                                supraventricular ectopic
V      ``V`` ``E``                                            ventricular ectopic
F      ``F``                                                  fusion of V and N
Q      ``/`` ``f`` ``Q``                                      paced, fusion of paced and N,
                                                             unclassifiable
=====  ====================================================  ===========================

Every other annotation (rhythm ``+``, noise ``~``, artifact ``|``, comment ``"``, flutter wave
``!``, non-conducted P ``x``, ...) is not a beat and is skipped.

Checks and caps
---------------
A header must give a finite positive sampling frequency, name its signal files as plain file
names in the record's folder (no paths), use an uncompressed format and hold at most
``MAX_RECORD_SAMPLES`` samples (all channels); multi-segment records are refused. ``fs_out`` must
lie in ``FS_OUT_RANGE`` (1 Hz to 10 kHz) and within ``1 / MAX_RESAMPLE_FACTOR`` to
``MAX_UPSAMPLE`` times each record's rate, and the resampled record must stay within
``MAX_RECORD_SAMPLES``; the beat window within ``MAX_LENGTH`` samples. An annotation file must
end with the MIT-format end marker, hold only standard WFDB annotation codes, and give
non-decreasing sample indices inside the record, at most ``MAX_BEAT_RATE_HZ`` beats per second
of record. Messages name the record and the parameter, never text from the files.
"""
from __future__ import annotations

import functools
import itertools
import logging
import os
import re
import warnings
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.data.dataset import Dataset, split_for_test
from tsviz.data.errors import DataError
from tsviz.data.validation import (
    DEFAULT_MAX_FILE_MB,
    MAX_LENGTH,
    MAX_VALUES,
    check_file,
    float_param,
    path_kind,
    split_params,
    user_path,
)

__all__ = ["load_wfdb", "read_record_strip", "AAMI_CLASSES", "AAMI_TABLE", "aami_codes", "FS_OUT_RANGE", "MAX_UPSAMPLE",
           "MAX_RESAMPLE_FACTOR", "MAX_RECORD_SAMPLES", "MAX_BEAT_RATE_HZ"]

log = logging.getLogger(__name__)

AAMI_CLASSES: tuple[str, ...] = ("N", "S", "V", "F", "Q")
#: AAMI class -> MIT-BIH beat annotation symbols.
AAMI_TABLE: dict[str, tuple[str, ...]] = {
    "N": ("N", "L", "R", "e", "j"),
    "S": ("A", "a", "J", "S"),
    "V": ("V", "E"),
    "F": ("F",),
    "Q": ("/", "f", "Q"),
}
_SYMBOL_CLASS = {s: i for i, c in enumerate(AAMI_CLASSES) for s in AAMI_TABLE[c]}
_TO_MV = {"mv": 1.0, "v": 1000.0, "uv": 1e-3, "\u00b5v": 1e-3, "\u03bcv": 1e-3}

#: Allowed resampling target ``fs_out``, in Hz.
FS_OUT_RANGE: tuple[float, float] = (1.0, 10_000.0)
#: ``fs_out`` may be at most this many times a record's own rate.
MAX_UPSAMPLE = 16.0
#: ``fs_out`` may be at least ``1 / MAX_RESAMPLE_FACTOR`` of a record's own rate.
MAX_RESAMPLE_FACTOR = 10_000
#: Most samples of one record (all channels together), before and after resampling.
MAX_RECORD_SAMPLES = 2**26
#: Most beat annotations per second of record (300 beats per minute).
MAX_BEAT_RATE_HZ = 5.0
#: WFDB signal formats read (the uncompressed ones; FLAC formats 508/516/524 are refused).
_FORMATS = {"8", "16", "24", "32", "61", "80", "160", "212", "310", "311"}


def aami_codes(symbols: Sequence[str] | np.ndarray) -> np.ndarray:
    """AAMI class index (0..4 for N, S, V, F, Q) of each annotation symbol; -1 for non-beats."""
    sym = np.asarray(symbols, dtype=object)
    if sym.size == 0:
        return np.zeros(0, dtype=np.int64)
    uniq, inv = np.unique(sym.astype(str), return_inverse=True)
    lut = np.array([_SYMBOL_CLASS.get(u, -1) for u in uniq], dtype=np.int64)
    return lut[inv.ravel()]


# ============================================================================ locating records
def _as_list(records: str | int | Sequence[str | int] | None) -> list[str] | None:
    if records is None:
        return None
    if isinstance(records, (str, int)):
        items = [r.strip() for r in str(records).split(",")]
    else:
        items = [str(r).strip() for r in records]
    items = [r for r in items if r]
    if not items:
        raise DataError("records is empty; give record names like ['100', '208'] or leave it out")
    return items


def _resolve(path: Path, records: list[str] | None) -> list[Path]:
    """Record paths (no extension) to read."""
    p = user_path(path)
    kind = path_kind(p)
    if p.suffix.lower() in (".hea", ".dat", ".atr") and kind == "file":
        p = p.with_suffix("")
        kind = path_kind(p)
    if kind == "dir":
        if records is not None:
            out = []
            for r in records:
                if Path(r).name != r or r in (".", ".."):
                    raise DataError(f"{p}: record name {r[:40]!r} must be a plain name, without folders")
                rp = p / r
                if not Path(f"{rp}.hea").is_file():
                    raise DataError(f"{p}: record {r!r} has no header file {r}.hea")
                if not Path(f"{rp}.atr").is_file():
                    raise DataError(f"{p}: record {r!r} has no annotation file {r}.atr (missing .atr)")
                out.append(rp)
            return out
        try:
            heads = sorted(h for h in p.glob("*.hea") if h.is_file())
        except OSError as exc:
            raise DataError(f"{p}: cannot list the folder ({exc.strerror or type(exc).__name__})") from None
        if not heads:
            raise DataError(f"{p}: no WFDB records found (no *.hea header files)")
        out = [h.with_suffix("") for h in heads if h.with_suffix(".atr").is_file()]
        if not out:
            raise DataError(
                f"{p}: no record has a reference annotation file (.atr): {len(heads)} header file(s), "
                f"none with a matching .atr (missing .atr)"
            )
        skipped = [h.stem for h in heads if not h.with_suffix(".atr").is_file()]
        if skipped:
            log.info("%s: skipping records without .atr: %s", p, ", ".join(skipped))
        return out
    if records is not None:
        raise DataError(f"records={records} only applies to a folder, but {path} is a record path")
    if Path(f"{p}.hea").is_file():
        if not Path(f"{p}.atr").is_file():
            raise DataError(f"record {p}: no annotation file {p.name}.atr (missing .atr)")
        return [p]
    if path_kind(p.parent) != "dir":
        raise DataError(f"WFDB path not found: {path}")
    raise DataError(
        f"WFDB record not found: {path} (no {p.name}.hea; give a folder or a record path without extension)"
    )


# ============================================================================ one record
def _import_wfdb() -> Any:
    """``import wfdb`` without the pandas deprecation warnings its import emits (wfdb 4.3)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        import wfdb
    return wfdb


def _channel_index(channel: int | str, sig_names: list[str], record: str) -> int:
    if isinstance(channel, str) and channel.strip().lstrip("-").isdigit():
        channel = int(channel.strip())
    # Messages give channel counts and indices, never the header's channel names (file content).
    if isinstance(channel, (int, np.integer)) and not isinstance(channel, bool):
        n = len(sig_names)
        if not 0 <= int(channel) < n:
            raise DataError(
                f"record {record}: channel index {int(channel)} is out of range; it has {n} channel(s), "
                f"indices 0 to {n - 1}"
            )
        return int(channel)
    if isinstance(channel, str):
        matches = [i for i, s in enumerate(sig_names) if s == channel]
        if not matches:
            matches = [i for i, s in enumerate(sig_names) if s.lower() == channel.lower()]
        if not matches:
            raise DataError(
                f"record {record}: no channel named {channel[:40]!r} in its header ({len(sig_names)} "
                f"channel(s); give an index 0 to {len(sig_names) - 1} or a name from the header)"
            )
        return matches[0]
    raise DataError(f"channel must be an index or a channel name, got {type(channel).__name__}")


def _check_header(header: Any, rec: Path, wfdb: Any, max_mb: float) -> float:
    """Validate a record header before any signal is read; return its sampling frequency (Hz)."""
    if isinstance(header, wfdb.MultiRecord) or getattr(header, "seg_name", None):
        raise DataError(f"record {rec}: multi-segment records are not supported")
    try:
        fs = float(header.fs)
        declared = _declared_fs(Path(f"{rec}.hea"))  # wfdb reads a malformed rate as the default 250 Hz
    except (TypeError, ValueError, OverflowError, OSError):
        fs = declared = float("nan")
    if not (np.isfinite(fs) and fs > 0) or (declared is not None and not declared == fs):
        raise DataError(f"record {rec}: the header's sampling frequency is not a finite positive number")
    n_sig = int(header.n_sig or 0)
    if n_sig < 1 or not header.sig_name:
        raise DataError(f"record {rec}: the header lists no signals")
    files = list(header.file_name or [])
    for f in sorted(set(files)):
        if not isinstance(f, str) or Path(f).name != f or f in (".", "..", "~"):
            raise DataError(f"record {rec}: the header names a signal file outside the record's folder; refused")
        check_file(rec.parent / f, max_mb=max_mb)
    if any(str(fmt) not in _FORMATS for fmt in (header.fmt or [])):
        raise DataError(f"record {rec}: the header uses a compressed or unknown signal format; "
                        f"supported: {', '.join(sorted(_FORMATS, key=int))}")
    if header.sig_len is not None and int(header.sig_len) * n_sig > MAX_RECORD_SAMPLES:
        raise DataError(f"record {rec}: the header declares {int(header.sig_len)} x {n_sig} samples, over the "
                        f"cap of {MAX_RECORD_SAMPLES}")
    return fs


def _declared_fs(hea: Path) -> float | None:
    """The sampling frequency written on a header's record line (``None`` when omitted)."""
    with open(hea, encoding="latin-1") as fh:
        for line in itertools.islice(fh, 10_000):
            if line.strip() and not line.lstrip().startswith("#"):
                tokens = line.split()
                return float(re.split(r"[/(]", tokens[2])[0]) if len(tokens) > 2 else None
    return None


def _check_annotations(ann: Any, rec: Path, sig_len: int, fs: float) -> np.ndarray:
    """Validate what :func:`wfdb.rdann` returned; return the sample indices (int64)."""
    name = f"{rec.name}.atr"
    with open(f"{rec}.atr", "rb") as fh:
        fh.seek(max(fh.seek(0, os.SEEK_END) - 2, 0))
        end = fh.read(2)
    if end != b"\x00\x00":
        raise DataError(f"record {rec}: {name} is not an MIT-format annotation file (no end-of-file marker)")
    symbols = list(ann.symbol or [])
    samples = np.asarray(ann.sample if ann.sample is not None else [], dtype=np.float64)
    if samples.size == 0 or len(symbols) != samples.size:
        raise DataError(f"record {rec}: {name} holds no annotations")
    if not all(isinstance(sym, str) and sym in _known_symbols() for sym in symbols):
        raise DataError(f"record {rec}: {name} holds unknown annotation codes; not a WFDB annotation file?")
    if not (np.all(np.isfinite(samples)) and samples.min() >= 0 and samples.max() < sig_len
            and np.all(np.diff(samples) >= 0)):
        raise DataError(
            f"record {rec}: {name} gives annotation times outside the record ({sig_len} samples) or out of order"
        )
    n_beats = int((aami_codes(symbols) >= 0).sum())
    if n_beats > MAX_BEAT_RATE_HZ * sig_len / fs + 1:
        raise DataError(
            f"record {rec}: {name} holds {n_beats} beats in {sig_len / fs:.1f} s, more than "
            f"{MAX_BEAT_RATE_HZ:g} per second; not a beat annotation file?"
        )
    return samples.astype(np.int64)


@functools.lru_cache(maxsize=1)
def _known_symbols() -> frozenset[str]:
    """The standard WFDB annotation symbols (code 0, "not an annotation", excluded)."""
    from wfdb.io.annotation import ann_label_table

    return frozenset(s for s in ann_label_table["symbol"].tolist() if isinstance(s, str) and s.strip())


def _record_signal(rec: Path, channel: int | str, fs_out: float | None, max_mb: float) -> dict[str, Any]:
    """One channel of a record in mV (when its unit converts), gaps filled, resampled to ``fs_out``,
    with its annotations: steps 1-2 of the pipeline (module docstring)."""
    from scipy.signal import resample_poly

    wfdb = _import_wfdb()

    name = rec.name
    check_file(Path(f"{rec}.hea"), max_mb=max_mb)
    check_file(Path(f"{rec}.atr"), max_mb=max_mb)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*inplace keyword.*")
            header = wfdb.rdheader(str(rec))
    except Exception as exc:  # noqa: BLE001 - wfdb raises many types
        log.debug("record %s: wfdb.rdheader failed", rec, exc_info=True)
        raise DataError(f"record {rec}: cannot read the header {name}.hea ({type(exc).__name__})") from None
    fs = _check_header(header, rec, wfdb, max_mb)
    sig_names = [str(n) for n in header.sig_name]
    ch = _channel_index(channel, sig_names, str(rec))
    if fs_out is not None and not fs / MAX_RESAMPLE_FACTOR <= fs_out <= fs * MAX_UPSAMPLE:
        raise DataError(
            f"record {rec}: fs_out={fs_out:g} Hz is outside the range allowed for its {fs:g} Hz rate "
            f"(at most {MAX_UPSAMPLE:g} times it and at least 1/{MAX_RESAMPLE_FACTOR} of it)"
        )
    try:
        with warnings.catch_warnings():  # wfdb 4.3 trips pandas deprecation warnings; not ours to show
            warnings.filterwarnings("ignore", message=".*inplace keyword.*")
            r = wfdb.rdrecord(str(rec), channels=[ch], physical=True)
            ann = wfdb.rdann(str(rec), "atr")
    except Exception as exc:  # noqa: BLE001
        log.debug("record %s: wfdb.rdrecord/rdann failed", rec, exc_info=True)
        raise DataError(f"record {rec}: cannot read signal or annotations ({type(exc).__name__})") from None
    sig = np.asarray(r.p_signal, dtype=np.float64)
    if sig.ndim != 2 or sig.shape[0] < 2:
        raise DataError(f"record {rec}: the signal holds fewer than 2 samples")
    sig = sig[:, 0]
    ann_samples = _check_annotations(ann, rec, sig.size, fs)
    unit = str((r.units or ["mV"])[0] or "mV")
    scale = _TO_MV.get(unit.strip().lower())
    if scale is not None:
        sig = sig * scale
        unit = "mV"
    bad = ~np.isfinite(sig)
    if bad.all():
        raise DataError(f"record {rec}: channel {ch} holds no valid samples")
    if bad.any():  # fill gaps for the filter; beats touching them are dropped below
        idx = np.arange(sig.size)
        sig = sig.copy()
        sig[bad] = np.interp(idx[bad], idx[~bad], sig[~bad])
    if fs_out is None or abs(fs_out - fs) < 1e-9:
        ratio = Fraction(1)
        out = sig
        fs_eff = fs
    else:
        ratio = (Fraction(str(fs_out)) / Fraction(str(fs))).limit_denominator(MAX_RESAMPLE_FACTOR)
        if sig.size * ratio > MAX_RECORD_SAMPLES:
            raise DataError(
                f"record {rec}: resampling {sig.size} samples to fs_out={fs_out:g} Hz gives "
                f"{int(sig.size * ratio)}, over the cap of {MAX_RECORD_SAMPLES}"
            )
        out = resample_poly(sig, ratio.numerator, ratio.denominator)
        fs_eff = fs * ratio.numerator / ratio.denominator
    return {"name": name, "out": out, "fs": fs, "fs_eff": fs_eff, "ratio": ratio, "bad": bad, "unit": unit,
            "channel": sig_names[ch], "symbols": ann.symbol, "ann_samples": ann_samples}


def _read_record(
    rec: Path, channel: int | str, fs_out: float | None, n_before_s: float, win_s: float, max_mb: float
) -> dict[str, Any]:
    r = _record_signal(rec, channel, fs_out, max_mb)
    name, out, fs, fs_eff, ratio, bad, unit = (r[k] for k in ("name", "out", "fs", "fs_eff", "ratio", "bad", "unit"))
    ann_samples = r["ann_samples"]
    n_out = out.size
    codes = aami_codes(r["symbols"])
    beat = codes >= 0
    samples = ann_samples[beat]
    codes = codes[beat]
    peaks = np.floor(samples * (ratio.numerator / ratio.denominator) + 0.5).astype(np.int64)
    nb = int(np.floor(n_before_s * fs_eff + 0.5))
    L = int(np.floor(win_s * fs_eff + 0.5))
    if L > MAX_LENGTH:
        raise DataError(
            f"record {rec}: the beat window before_s + after_s = {win_s:g} s at {fs_eff:g} Hz is {L} samples, "
            f"over the cap of {MAX_LENGTH}"
        )
    start = peaks - nb
    inside = (start >= 0) & (start + L <= n_out)
    keep = inside.copy()
    n_missing = 0
    if bad.any():
        bad_out = np.zeros(n_out + 1, dtype=np.int64)
        bi = np.minimum(np.floor(np.flatnonzero(bad) * float(ratio) + 0.5).astype(np.int64), n_out - 1)
        bad_out[bi + 1] = 1
        cum = np.cumsum(bad_out)
        s = np.clip(start, 0, n_out)
        e = np.clip(start + L, 0, n_out)
        touches = (cum[e] - cum[s]) > 0
        n_missing = int((touches & inside).sum())
        keep &= ~touches
    if int(keep.sum()) * L > MAX_VALUES:
        raise DataError(f"record {rec}: {int(keep.sum())} beats x {L} samples is over the cap of {MAX_VALUES} values")
    X = out[start[keep][:, None] + np.arange(L)[None, :]].astype(np.float32)  # (n_beats, L) gather
    return {
        "name": name,
        "X": X,
        "y": codes[keep],
        "fs": fs,
        "fs_out": fs_eff,
        "unit": unit,
        "channel": r["channel"],
        "r_peak": peaks[keep],
        "n_annotated": int(beat.sum()),
        "n_edge_skipped": int((~inside).sum()),
        "n_missing_skipped": n_missing,
        "window": (nb, L),
    }


def read_record_strip(
    folder: str | os.PathLike,
    record: str,
    *,
    channel: int | str = 0,
    fs_out: float | None = 125.0,
    max_mb: float = DEFAULT_MAX_FILE_MB,
) -> Any:
    """One whole record as a :class:`~tsviz.data.ecg_rhythm.RhythmStrip`, read exactly as
    :func:`load_wfdb` reads it before cutting beats (same channel, mV conversion, gap filling and
    resampling), so that a beat of a ``wfdb:`` dataset is ``strip.signal[r_peak - before:
    r_peak - before + length]`` with ``r_peak`` and ``before`` from the dataset's
    ``meta["beat_origin"]`` (see :func:`load_wfdb`).

    Parameters
    ----------
    folder : path-like
        The records' folder (``meta["folder"]``).
    record : str
        The record's name (a plain name, e.g. ``"208"``).
    channel, fs_out, max_mb
        As for :func:`load_wfdb` (``meta["beat_origin"]`` keeps the values the dataset used).

    Returns
    -------
    RhythmStrip
        ``signal`` ``(n_samples,)`` float32 in mV (missing samples filled by linear interpolation,
        as the loader does before resampling), ``fs`` the resampled rate, ``r_peaks`` and
        ``beat_labels`` of every annotated beat (AAMI classes) inside the record.

    Raises
    ------
    DataError
        As :func:`load_wfdb` for the record, and a signal unit that does not convert to mV.
    """
    from tsviz.data.ecg_rhythm import RhythmStrip

    fs_out = float_param("fs_out", fs_out, allow_none=True)
    if fs_out is not None and not FS_OUT_RANGE[0] <= fs_out <= FS_OUT_RANGE[1]:
        raise DataError(f"fs_out must be between {FS_OUT_RANGE[0]:g} and {FS_OUT_RANGE[1]:g} Hz, or None, "
                        f"got {fs_out:g}")
    max_mb = float_param("max_mb", max_mb, positive=True)
    if not isinstance(record, str):
        raise DataError(f"record must be a record name, got {type(record).__name__}")
    (rec,) = _resolve(user_path(folder), [record])
    r = _record_signal(rec, channel, fs_out, max_mb)
    if r["unit"] != "mV":
        raise DataError(f"record {rec}: its signal unit does not convert to mV; no strip in mV")
    out, ratio = r["out"], r["ratio"]
    codes = aami_codes(r["symbols"])
    beat = codes >= 0
    peaks = np.floor(r["ann_samples"][beat] * (ratio.numerator / ratio.denominator) + 0.5).astype(np.int64)
    inside = (peaks >= 0) & (peaks < out.size)
    return RhythmStrip(signal=out.astype(np.float32), fs=r["fs_eff"], r_peaks=peaks[inside],
                       beat_labels=codes[beat][inside], class_names=AAMI_CLASSES)


def _origin(parts: list[dict[str, Any]], ids: list[int], rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Record index and R-peak sample of each beat of a split (read-only int64 arrays)."""
    record = np.concatenate([np.full(parts[i]["y"].size, i, dtype=np.int64) for i in ids])
    r_peak = np.concatenate([np.asarray(parts[i]["r_peak"], dtype=np.int64) for i in ids])
    if rows is not None:
        record, r_peak = record[rows], r_peak[rows]
    for a in (record, r_peak):
        a.setflags(write=False)
    return {"record": record, "r_peak": r_peak}


# ============================================================================ loader
def _seconds(name: str, value: Any) -> float:
    """A non-negative number of seconds (``before_s``, ``after_s``)."""
    return float_param(name, value, low=0.0)


def load_wfdb(
    path: str | os.PathLike,
    *,
    records: str | Sequence[str] | None = None,
    channel: int | str = 0,
    fs_out: float | None = 125.0,
    before_s: float = 0.5,
    after_s: float = 0.996,
    test_fraction: float = 0.25,
    seed: int = 0,
    max_mb: float = DEFAULT_MAX_FILE_MB,
) -> Dataset:
    """Load AAMI-labelled heartbeats from annotated WFDB records.

    Parameters
    ----------
    path : path-like
        A folder of records (``*.hea``, ``*.dat``, ``*.atr``; every record with an ``.atr`` file is
        used unless ``records`` says which) or one record path without extension
        (``".../mitdb/100"``).
    records : str or sequence of str, optional
        Record names to use from the folder (``["100", "208"]`` or ``"100,208"``).
    channel : int or str, default 0
        Channel index, or name as in the header (``"MLII"``; the first match when names repeat).
    fs_out : float or None, default 125.0
        Sampling rate the records are resampled to before cutting; ``None`` keeps each record's
        own rate (then all records must share it). Must lie in ``FS_OUT_RANGE`` (1 Hz to 10 kHz),
        be at most ``MAX_UPSAMPLE`` (16) times and at least 1/``MAX_RESAMPLE_FACTOR`` (1/10000) of
        each record's rate, and give at most ``MAX_RECORD_SAMPLES`` samples per record.
    before_s, after_s : float, default 0.5 and 0.996
        Window around each R peak in seconds: ``round(before_s * fs_out)`` samples before it,
        ``round((before_s + after_s) * fs_out)`` samples in all (187 at 125 Hz by default).
    test_fraction : float, default 0.25
        Share of records (several records) or of each class's beats (one record) put in test.
    seed : int, default 0
        Seed of the split.
    max_mb : float
        Largest file read, in MiB.

    Returns
    -------
    Dataset
        ``X`` of shape ``(n_beats, 1, L)`` in mV, ``class_names = ("N", "S", "V", "F", "Q")``
        (all five even when absent), ``fs = fs_out``. ``meta``: ``records``, ``train_records``,
        ``test_records``, ``channel``, ``fs_original``, ``aami_table``, ``split``, per-record beat
        counts and skipped-beat counts, and ``beat_origin``: where each beat was cut, ``{"train":
        {"record": (n_train,), "r_peak": (n_train,)}, "test": {...}}`` (int64: index into
        ``records``, R-peak sample in the resampled record; the window starts ``before_samples``
        earlier), with ``records``, ``folder``, ``channel``, ``fs_out``, ``before_samples``,
        ``length`` (what :func:`read_record_strip` needs to read the record again).

    Raises
    ------
    DataError
        No records, a missing ``.hea``/``.atr``, an unknown channel name or an index out of range
        (naming the record and its channel count), unreadable files, a header with a zero,
        negative or non-finite rate, a signal file outside the folder or too many samples, an
        annotation file that fails the checks above (module docstring), ``fs_out`` out of
        range, bad window or split parameters,
        records with different units or rates (``fs_out=None``), no beats, or a training split
        with a single class.

    Warns
    -----
    UserWarning
        With a single record: the split is by beat (intra-patient), which leaks the patient into
        the test set.
    """
    before_s, after_s = (_seconds(n, v) for n, v in (("before_s", before_s), ("after_s", after_s)))
    if before_s + after_s <= 0:
        raise DataError("before_s + after_s must be positive (the beat window length)")
    fs_out = float_param("fs_out", fs_out, allow_none=True)
    if fs_out is not None and not FS_OUT_RANGE[0] <= fs_out <= FS_OUT_RANGE[1]:
        raise DataError(
            f"fs_out must be a positive sampling rate in Hz between {FS_OUT_RANGE[0]:g} and {FS_OUT_RANGE[1]:g}, "
            f"or None, got {fs_out:g}"
        )
    test_fraction, seed = split_params(test_fraction, seed)
    max_mb = float_param("max_mb", max_mb, positive=True)
    p = user_path(path)
    recs = _resolve(p, _as_list(records))
    parts = [_read_record(r, channel, fs_out, before_s, before_s + after_s, max_mb) for r in recs]
    names = [d["name"] for d in parts]
    units = {d["unit"] for d in parts}
    if len(units) > 1:
        raise DataError(f"records {', '.join(names)} have different signal units (mV, or another unit)")
    rates = {d["fs_out"] for d in parts}
    if len(rates) > 1:
        raise DataError(
            f"records {', '.join(names)} have different sampling rates; pass fs_out to resample them to one rate"
        )
    lengths = {d["X"].shape[1] for d in parts}
    fs_final = float(next(iter(rates)))
    unit = next(iter(units))
    per_record = {
        d["name"]: {
            "channel": d["channel"],
            "fs_original": d["fs"],
            "beats": np.bincount(d["y"], minlength=5).tolist(),
            "annotated_beats": d["n_annotated"],
            "skipped_at_edges": d["n_edge_skipped"],
            "skipped_missing_samples": d["n_missing_skipped"],
        }
        for d in parts
    }
    nb, L = parts[0]["window"]
    if L < 2 or len(lengths) > 1:  # pragma: no cover - one rate implies one length
        raise DataError(f"beat window of {L} samples is too short; raise before_s/after_s")
    meta: dict[str, Any] = {
        "source": "PhysioNet WFDB records with reference beat annotations (.atr); MIT-BIH: Moody & Mark 2001",
        "format": "wfdb",
        "folder": str(recs[0].parent),
        "records": names,
        "channel": per_record[names[0]]["channel"] if len({d["channel"] for d in parts}) == 1
        else {d["name"]: d["channel"] for d in parts},
        "fs_original": parts[0]["fs"] if len({d["fs"] for d in parts}) == 1 else {d["name"]: d["fs"] for d in parts},
        "aami_table": {c: list(s) for c, s in AAMI_TABLE.items()},
        "window": {"before_samples": nb, "length": L, "before_s": before_s, "after_s": after_s, "fs": fs_final},
        "per_record": per_record,
    }
    src = f"WFDB {p}"
    if len(parts) >= 2:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(parts))
        n_test = min(max(int(round(len(parts) * test_fraction)), 1), len(parts) - 1)
        test_ids = sorted(order[:n_test].tolist())
        train_ids = sorted(order[n_test:].tolist())
        Xtr = np.concatenate([parts[i]["X"] for i in train_ids])
        ytr = np.concatenate([parts[i]["y"] for i in train_ids])
        Xte = np.concatenate([parts[i]["X"] for i in test_ids])
        yte = np.concatenate([parts[i]["y"] for i in test_ids])
        meta["train_records"] = [names[i] for i in train_ids]
        meta["test_records"] = [names[i] for i in test_ids]
        origin = {"train": _origin(parts, train_ids), "test": _origin(parts, test_ids)}
        meta["split"] = (
            f"by record (inter-patient): seeded permutation (seed={seed}), {n_test} of {len(parts)} "
            f"records in test"
        )
        if len(np.unique(ytr)) < 2:
            raise DataError(
                f"{src}: the training records {meta['train_records']} hold a single AAMI class "
                f"({AAMI_CLASSES[int(ytr[0])] if ytr.size else 'no beats'}); try another seed or more records"
            )
        if Xte.shape[0] == 0:
            raise DataError(f"{src}: the test records {meta['test_records']} hold no usable beats")
    else:
        X, y = parts[0]["X"], parts[0]["y"]
        if X.shape[0] == 0:
            raise DataError(f"record {recs[0]}: no usable annotated beats (of {parts[0]['n_annotated']})")
        warnings.warn(
            f"record {names[0]}: a single record is split by beat (intra-patient, stratified): beats of the "
            f"same patient in train and test leak patient identity and overstate test accuracy; load "
            f"several records for an inter-patient split",
            UserWarning,
            stacklevel=2,
        )
        tr, te = split_for_test(y, test_fraction, seed=seed, source=src)
        Xtr, ytr, Xte, yte = X[tr], y[tr], X[te], y[te]
        meta["train_records"] = meta["test_records"] = names
        origin = {"train": _origin(parts, [0], tr), "test": _origin(parts, [0], te)}
        meta["split"] = (
            f"by beat within one record (intra-patient, stratified): test_fraction={test_fraction}, "
            f"seed={seed}; patient leakage"
        )
    # provenance of every beat, to put it back into its recording (tsviz.review.context)
    meta["beat_origin"] = {**origin, "records": list(names), "folder": str(recs[0].parent), "channel": channel,
                           "fs_out": fs_out, "before_samples": nb, "length": L}
    name = f"{recs[0].parent.name} {'+'.join(names)}"
    log.info("loaded %s: %d train, %d test beats", name, len(ytr), len(yte))
    return Dataset(name, Xtr[:, None, :], ytr, Xte[:, None, :], yte, AAMI_CLASSES, fs=fs_final, unit=unit,
                   meta=meta)
