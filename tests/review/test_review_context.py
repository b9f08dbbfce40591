"""Beats back in their recordings (tsviz.review.context): the 10-s strip around a window cut from a
synthetic rhythm strip or a WFDB record, the per-beat provenance of wfdb: datasets
(meta["beat_origin"]), a wrong offset refused, and the sentence when no strip exists."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from realdata import SHARED_DATA

from tsviz.data import load
from tsviz.data.ecg_rhythm import rhythm_strip
from tsviz.data.wfdb_records import read_record_strip
from tsviz.review import ReviewError
from tsviz.review.context import (
    CONTEXT_SECONDS,
    beat_in_context,
    context_unavailable,
    dataset_beat_context,
    dataset_beat_origin,
)

FS = 125.0
T = 187
BEFORE = 50


@pytest.fixture(scope="module")
def strip():
    return rhythm_strip(40.0, fs=FS, heart_rate=70.0, ectopy={"V": 0.2, "S": 0.1}, seed=3)


def _cut(strip, k: int) -> tuple[int, np.ndarray, np.ndarray]:
    start = int(strip.r_peaks[k]) - BEFORE
    clean = strip.signal[start:start + T].astype(np.float64)
    adv = clean + 0.1 * np.sin(2 * np.pi * 5 * np.arange(T) / FS)
    return start, clean, adv


def test_a_beat_of_a_rhythm_strip_goes_back_into_its_10_s_strip(strip):
    k = len(strip.r_peaks) // 2
    start, clean, adv = _cut(strip, k)
    ctx = beat_in_context(strip, start, clean, adv, source="synthetic strip")
    m = int(CONTEXT_SECONDS * FS)
    lo = int(round(start + T / 2 - m / 2))  # centred on the window
    assert ctx.clean.shape == ctx.adversarial.shape == (m,) and ctx.duration_s == pytest.approx(10.0)
    np.testing.assert_array_equal(ctx.clean, strip.signal[lo:lo + m])
    assert ctx.window == (start - lo, start - lo + T) and ctx.start_s == pytest.approx(lo / FS)
    a, b = ctx.window
    np.testing.assert_allclose(ctx.adversarial[a:b], adv.astype(np.float32))
    assert (ctx.delta[:a] == 0).all() and (ctx.delta[b:] == 0).all()  # the rest as recorded
    assert ctx.window_s == pytest.approx((start / FS, (start + T) / FS))
    inside = (strip.r_peaks >= lo) & (strip.r_peaks < lo + m)
    np.testing.assert_array_equal(ctx.r_peaks, strip.r_peaks[inside] - lo)
    np.testing.assert_array_equal(ctx.beat_labels, strip.beat_labels[inside])
    times, labels = ctx.beat_marks()
    assert times == pytest.approx(strip.r_peaks[inside] / FS) and len(labels) == inside.sum() >= 8
    s = ctx.summary()
    assert s["n_beats"] == inside.sum() and sum(s["beat_counts"].values()) == inside.sum()


@pytest.mark.parametrize("which", ["first", "last"])
def test_at_the_ends_of_the_recording_the_strip_shifts_inside_it(strip, which):
    k = 1 if which == "first" else len(strip.r_peaks) - 2
    start, clean, adv = _cut(strip, k)
    ctx = beat_in_context(strip, start, clean, adv, seconds=10.0)
    n, m = strip.signal.size, int(10 * FS)
    lo = 0 if which == "first" else n - m
    assert ctx.start_s == pytest.approx(lo / FS) and ctx.window == (start - lo, start - lo + T)
    # longer than the recording: the whole recording
    short = rhythm_strip(4.0, fs=FS, seed=1)
    s0 = int(short.r_peaks[2]) - BEFORE
    ctx = beat_in_context(short, s0, short.signal[s0:s0 + T], short.signal[s0:s0 + T] + 0.01)
    assert ctx.clean.size == short.signal.size and ctx.start_s == 0.0


def test_a_window_that_was_not_cut_there_is_refused(strip):
    start, clean, adv = _cut(strip, 10)
    with pytest.raises(ReviewError, match="not cut there"):
        beat_in_context(strip, start + 5, clean, adv)


@pytest.mark.parametrize("kwargs, word", [
    ({"seconds": 0.0}, "seconds"), ({"seconds": 16.0}, "seconds"), ({"seconds": float("nan")}, "seconds"),
    ({"start": -1}, "start"), ({"start": 10**9}, "start"), ({"start": 2.5}, "start"),
    ({"adversarial": np.full(T, np.nan)}, "adversarial"), ({"adversarial": np.zeros(T - 1)}, "samples"),
    ({"strip": np.zeros(100)}, "RhythmStrip"), ({"tolerance": -1.0}, "tolerance"),
])
def test_bad_inputs(strip, kwargs, word):
    start, clean, adv = _cut(strip, 10)
    args = {"strip": strip, "start": start, "clean": clean, "adversarial": adv, **kwargs}
    with pytest.raises(ReviewError, match=word):
        beat_in_context(args.pop("strip"), args.pop("start"), args.pop("clean"), args.pop("adversarial"), **args)


# ----------------------------------------------------------------------------- WFDB datasets
def _write_record(folder: Path, name: str, symbols: list[str], fs: int = 360, seconds: int = 30) -> None:
    with warnings.catch_warnings():  # wfdb trips pandas deprecation warnings
        warnings.simplefilter("ignore")
        import wfdb

        n = fs * seconds
        tt = np.arange(n)
        peaks = np.arange(int(0.7 * fs), n - int(0.7 * fs), int(0.9 * fs))
        sig = 0.2 * np.sin(2 * np.pi * tt / (4.1 * fs)) + sum(1.4 * np.exp(-0.5 * ((tt - p) / 5.0) ** 2) for p in peaks)
        wfdb.wrsamp(name, fs=fs, units=["mV"], sig_name=["MLII"], p_signal=sig[:, None], fmt=["16"],
                    write_dir=str(folder))
        sym = [symbols[i % len(symbols)] for i in range(len(peaks))]
        wfdb.wrann(name, "atr", sample=peaks, symbol=sym, write_dir=str(folder))


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wfdb")
    _write_record(folder, "r1", ["N", "N", "V", "N", "A"])
    _write_record(folder, "r2", ["N", "V", "N", "F", "N", "/"])
    return folder


def _quiet_load(spec: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load(spec)


@pytest.mark.parametrize("names", [["r1", "r2"], ["r2"]])
def test_every_wfdb_beat_knows_its_record_and_r_peak(records, names):
    ds = _quiet_load(f"wfdb:{records / names[0]}" if len(names) == 1 else f"wfdb:{records}")
    o = ds.meta["beat_origin"]
    assert o["records"] == names and o["before_samples"] == 63 and o["length"] == 187 and o["fs_out"] == 125.0
    strips = {r: read_record_strip(o["folder"], r, channel=o["channel"], fs_out=o["fs_out"]) for r in names}
    for split in ("train", "test"):
        X, y = ds.split(split)
        rec, peak = o[split]["record"], o[split]["r_peak"]
        assert rec.shape == peak.shape == y.shape and not rec.flags.writeable
        for i in range(len(y)):
            st = strips[names[int(rec[i])]]
            s = int(peak[i]) - 63
            np.testing.assert_array_equal(st.signal[s:s + 187], X[i, 0])  # bit-identical: the same pipeline
            assert int(peak[i]) in st.r_peaks and st.beat_labels[list(st.r_peaks).index(int(peak[i]))] == y[i]


def test_a_wfdb_beat_in_context(records):
    ds = _quiet_load(f"wfdb:{records}")
    X, y = ds.split("test")
    i = int(np.flatnonzero(y == 2)[0])  # a V beat
    adv = X[i] + 0.04
    o = dataset_beat_origin(ds, "test", i)
    ctx = dataset_beat_context(ds, "test", i, adv)
    a, b = ctx.window
    np.testing.assert_array_equal(ctx.clean[a:b], X[i, 0])
    np.testing.assert_allclose(ctx.adversarial[a:b], adv[0])
    assert ctx.start_s + a / ctx.fs == pytest.approx(o["start"] / 125.0)
    assert ctx.duration_s == pytest.approx(10.0) and "V beat" in ctx.source and f"record {o['record']}" in ctx.source
    assert "V" in ctx.beat_marks()[1] and "N" in ctx.beat_marks()[1]
    with pytest.raises(ReviewError, match="index"):
        dataset_beat_origin(ds, "test", len(y))
    with pytest.raises(ReviewError, match="split"):
        dataset_beat_origin(ds, "validation", 0)


def test_datasets_without_recordings_say_so(tiny_dataset):
    ecg = load("synthetic-ecg", n_train=10, n_test=5)
    reason = context_unavailable(ecg)
    assert reason.startswith("No strip exists for the synthetic-ecg beats") and "wfdb:" in reason
    with pytest.raises(ReviewError, match="No strip exists for the synthetic-ecg"):
        dataset_beat_context(ecg, "test", 0, ecg.X_test[0])
    assert context_unavailable(tiny_dataset).startswith("No strip exists for")


def test_real_mitbih_beats_go_back_into_their_records():
    folder = SHARED_DATA / "mitdb"
    if not (folder / "100.hea").is_file():
        pytest.skip(f"real data not available: {folder} (set TSVIZ_TEST_DATA)")
    ds = _quiet_load(f"wfdb:{folder / '100'}")
    X, y = ds.split("test")
    for i in (0, len(y) // 2, len(y) - 1):
        ctx = dataset_beat_context(ds, "test", i, X[i])
        a, b = ctx.window
        np.testing.assert_array_equal(ctx.clean[a:b], X[i, 0])
        assert ctx.r_peaks.size >= 8  # about 12 beats in 10 s of record 100 (75 bpm)
