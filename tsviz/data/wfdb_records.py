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
"""
from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.data.dataset import Dataset, stratified_split
from tsviz.data.errors import DataError
from tsviz.data.tabular import _float_param, _int_param
from tsviz.data.validation import DEFAULT_MAX_FILE_MB, check_file

__all__ = ["load_wfdb", "AAMI_CLASSES", "AAMI_TABLE", "aami_codes"]

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
    p = path.expanduser()
    if p.suffix.lower() in (".hea", ".dat", ".atr") and p.is_file():
        p = p.with_suffix("")
    if p.is_dir():
        if records is not None:
            out = []
            for r in records:
                rp = p / r
                if not Path(f"{rp}.hea").is_file():
                    have = sorted(f.stem for f in p.glob("*.hea"))
                    raise DataError(
                        f"{p}: record {r!r} has no header file {r}.hea (records here: {', '.join(have) or 'none'})"
                    )
                if not Path(f"{rp}.atr").is_file():
                    raise DataError(f"{p}: record {r!r} has no annotation file {r}.atr (missing .atr)")
                out.append(rp)
            return out
        heads = sorted(p.glob("*.hea"))
        if not heads:
            raise DataError(f"{p}: no WFDB records found (no *.hea header files)")
        out = [h.with_suffix("") for h in heads if h.with_suffix(".atr").is_file()]
        if not out:
            raise DataError(
                f"{p}: no record has a reference annotation file (.atr); headers found: "
                f"{', '.join(h.name for h in heads[:10])} (missing .atr)"
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
    if not p.parent.is_dir():
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
    if isinstance(channel, (int, np.integer)) and not isinstance(channel, bool):
        n = len(sig_names)
        if not 0 <= int(channel) < n:
            raise DataError(
                f"record {record}: channel index {int(channel)} is out of range; it has {n} channel(s): "
                f"{', '.join(f'{i}={s}' for i, s in enumerate(sig_names))}"
            )
        return int(channel)
    if isinstance(channel, str):
        matches = [i for i, s in enumerate(sig_names) if s == channel]
        if not matches:
            matches = [i for i, s in enumerate(sig_names) if s.lower() == channel.lower()]
        if not matches:
            raise DataError(
                f"record {record}: no channel named {channel!r}; its channels are {', '.join(sig_names)}"
            )
        return matches[0]
    raise DataError(f"channel must be an index or a channel name, got {channel!r}")


def _read_record(
    rec: Path, channel: int | str, fs_out: float | None, n_before_s: float, win_s: float, max_mb: float
) -> dict[str, Any]:
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
        raise DataError(f"record {rec}: cannot read the header {name}.hea ({type(exc).__name__}: {exc})") from exc
    sig_names = list(header.sig_name or [])
    if not sig_names:
        raise DataError(f"record {rec}: the header lists no signals")
    ch = _channel_index(channel, sig_names, str(rec))
    for f in sorted(set(header.file_name or [])):
        check_file(rec.parent / f, max_mb=max_mb)
    try:
        with warnings.catch_warnings():  # wfdb 4.3 trips pandas deprecation warnings; not ours to show
            warnings.filterwarnings("ignore", message=".*inplace keyword.*")
            r = wfdb.rdrecord(str(rec), channels=[ch], physical=True)
            ann = wfdb.rdann(str(rec), "atr")
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"record {rec}: cannot read signal or annotations ({type(exc).__name__}: {exc})") from exc
    fs = float(r.fs)
    sig = np.asarray(r.p_signal, dtype=np.float64)[:, 0]
    unit = str((r.units or ["mV"])[0] or "mV")
    scale = _TO_MV.get(unit.strip().lower())
    if scale is not None:
        sig = sig * scale
        unit = "mV"
    bad = ~np.isfinite(sig)
    if bad.all():
        raise DataError(f"record {rec}: channel {sig_names[ch]!r} holds no valid samples")
    if bad.any():  # fill gaps for the filter; beats touching them are dropped below
        idx = np.arange(sig.size)
        sig = sig.copy()
        sig[bad] = np.interp(idx[bad], idx[~bad], sig[~bad])
    if fs_out is None or abs(fs_out - fs) < 1e-9:
        ratio = Fraction(1)
        out = sig
        fs_eff = fs
    else:
        ratio = (Fraction(str(fs_out)) / Fraction(str(fs))).limit_denominator(10000)
        out = resample_poly(sig, ratio.numerator, ratio.denominator)
        fs_eff = fs * ratio.numerator / ratio.denominator
    n_out = out.size
    codes = aami_codes(ann.symbol)
    beat = codes >= 0
    samples = np.asarray(ann.sample, dtype=np.int64)[beat]
    codes = codes[beat]
    peaks = np.floor(samples * (ratio.numerator / ratio.denominator) + 0.5).astype(np.int64)
    nb = int(np.floor(n_before_s * fs_eff + 0.5))
    L = int(np.floor(win_s * fs_eff + 0.5))
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
    X = out[start[keep][:, None] + np.arange(L)[None, :]].astype(np.float32)  # (n_beats, L) gather
    return {
        "name": name,
        "X": X,
        "y": codes[keep],
        "fs": fs,
        "fs_out": fs_eff,
        "unit": unit,
        "channel": sig_names[ch],
        "n_annotated": int(beat.sum()),
        "n_edge_skipped": int((~inside).sum()),
        "n_missing_skipped": n_missing,
        "window": (nb, L),
    }


# ============================================================================ loader
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
        own rate (then all records must share it).
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
        counts and skipped-beat counts.

    Raises
    ------
    DataError
        No records, a missing ``.hea``/``.atr``, an unknown channel name or an index out of range
        (naming the record and its channels), unreadable files, bad window or split parameters,
        records with different units or rates (``fs_out=None``), no beats, or a training split
        with a single class.

    Warns
    -----
    UserWarning
        With a single record: the split is by beat (intra-patient), which leaks the patient into
        the test set.
    """
    before_s = _float_param("before_s", before_s)
    after_s = _float_param("after_s", after_s)
    fs_out = _float_param("fs_out", fs_out, allow_none=True)
    test_fraction = _float_param("test_fraction", test_fraction)
    seed = _int_param("seed", seed)
    max_mb = _float_param("max_mb", max_mb)
    for pname, v in (("before_s", before_s), ("after_s", after_s)):
        if not np.isfinite(v) or v < 0:
            raise DataError(f"{pname} must be a non-negative number of seconds, got {v}")
    if before_s + after_s <= 0:
        raise DataError("before_s + after_s must be positive (the beat window length)")
    if fs_out is not None and not (np.isfinite(fs_out) and fs_out > 0):
        raise DataError(f"fs_out must be a positive sampling rate in Hz or None, got {fs_out}")
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    p = Path(path).expanduser()
    recs = _resolve(p, _as_list(records))
    parts = [_read_record(r, channel, fs_out, before_s, before_s + after_s, max_mb) for r in recs]
    names = [d["name"] for d in parts]
    units = {d["unit"] for d in parts}
    if len(units) > 1:
        raise DataError(f"records {', '.join(names)} have different units: {sorted(units)}")
    rates = {d["fs_out"] for d in parts}
    if len(rates) > 1:
        raise DataError(
            f"records {', '.join(names)} have different sampling rates {sorted(rates)}; pass fs_out to resample"
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
        tr, te = stratified_split(y, test_fraction, seed=seed, source=src)
        Xtr, ytr, Xte, yte = X[tr], y[tr], X[te], y[te]
        meta["train_records"] = meta["test_records"] = names
        meta["split"] = (
            f"by beat within one record (intra-patient, stratified): test_fraction={test_fraction}, "
            f"seed={seed}; patient leakage"
        )
    name = f"{recs[0].parent.name} {'+'.join(names)}"
    log.info("loaded %s: %d train, %d test beats", name, len(ytr), len(yte))
    return Dataset(name, Xtr[:, None, :], ytr, Xte[:, None, :], yte, AAMI_CLASSES, fs=fs_final, unit=unit,
                   meta=meta)
