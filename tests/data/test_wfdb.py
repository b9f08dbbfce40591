"""WFDB beat loader: tiny records written with wfdb.wrsamp/wrann, bad inputs, real MIT-BIH/svdb."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from realdata import SHARED_DATA  # noqa: E402 - the real-data folder (TSVIZ_TEST_DATA)

from tsviz.data import DataError, load
from tsviz.data.wfdb_records import AAMI_CLASSES, AAMI_TABLE, _read_record, aami_codes, load_wfdb

FS = 360
DURATION_S = 20
BEAT_STEP = int(1.2 * FS)  # > window after the peak: one R peak per window
FIRST_BEAT = int(0.2 * FS)  # too close to the start: its window falls off the record
R1_SYMBOLS = ["N", "V", "A", "F", "/", "L"]
R2_SYMBOLS = ["N", "R", "E", "j", "Q", "f", "a", "J", "e", "S"]


@pytest.fixture(scope="module")
def shared_data() -> Path:
    """The shared real-data folder, or skip with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA.resolve()} is absent (set TSVIZ_TEST_DATA)")
    return SHARED_DATA.resolve()


def _wfdb():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import wfdb
    return wfdb


def _peaks() -> np.ndarray:
    return np.arange(FIRST_BEAT, DURATION_S * FS, BEAT_STEP)


def _write_record(folder: Path, name: str, symbols: list[str], *, with_atr: bool = True,
                  extra_non_beats: bool = True) -> tuple[np.ndarray, list[str]]:
    """A 2-channel 360 Hz record (MLII, V1 = -0.5 * MLII) with a Gaussian 'R peak' at every beat."""
    wfdb = _wfdb()
    n = DURATION_S * FS
    t = np.arange(n)
    peaks = _peaks()
    sig = 0.1 * np.sin(2 * np.pi * t / n)
    for p in peaks:
        sig = sig + 1.5 * np.exp(-0.5 * ((t - p) / 4.0) ** 2)
    sym = [symbols[i % len(symbols)] for i in range(len(peaks))]
    with warnings.catch_warnings():  # wfdb 4.3 trips pandas deprecation warnings
        warnings.simplefilter("ignore")
        _write_files(wfdb, folder, name, np.column_stack([sig, -0.5 * sig]), peaks, sym, with_atr, extra_non_beats)
    return peaks, sym


def _write_files(wfdb, folder, name, p_signal, peaks, sym, with_atr, extra_non_beats) -> None:
    wfdb.wrsamp(name, fs=FS, units=["mV", "mV"], sig_name=["MLII", "V1"], p_signal=p_signal,
                fmt=["16", "16"], write_dir=str(folder))
    if with_atr:
        samples, all_sym = list(peaks), list(sym)
        if extra_non_beats:  # rhythm / noise / artifact annotations between beats are not beats
            for k, s in zip((3, 7, 11), ("+", "~", "|")):
                samples.append(int(peaks[k] + 100))
                all_sym.append(s)
        order = np.argsort(samples, kind="stable")
        wfdb.wrann(name, "atr", sample=np.asarray(samples)[order], symbol=[all_sym[i] for i in order],
                   write_dir=str(folder))


@pytest.fixture
def records(tmp_path) -> Path:
    folder = tmp_path / "db"
    folder.mkdir()
    _write_record(folder, "r1", R1_SYMBOLS)
    _write_record(folder, "r2", R2_SYMBOLS)
    return folder


def _expected_classes(sym: list[str]) -> np.ndarray:
    """AAMI codes of the beats whose 187-sample window fits (all but the first and the last)."""
    return aami_codes(sym)[1:-1]


# ----------------------------------------------------------------------------- behaviour
def test_aami_table_maps_symbols():
    assert aami_codes(["N", "L", "R", "e", "j"]).tolist() == [0] * 5
    assert aami_codes(["A", "a", "J", "S", "V", "E", "F", "/", "f", "Q"]).tolist() == [1, 1, 1, 1, 2, 2, 3, 4, 4, 4]
    assert aami_codes(["+", "~", "|", '"', "!", "x"]).tolist() == [-1] * 6
    assert set(AAMI_TABLE) == set(AAMI_CLASSES)


def test_folder_is_split_by_record(records):
    ds = load_wfdb(records)
    assert ds.class_names == ("N", "S", "V", "F", "Q")
    assert ds.fs == 125.0 and ds.unit == "mV" and ds.length == 187 and ds.n_channels == 1
    tr, te = ds.meta["train_records"], ds.meta["test_records"]
    assert len(tr) == 1 and len(te) == 1 and sorted(tr + te) == ["r1", "r2"]
    assert ds.meta["records"] == ["r1", "r2"] and ds.name == "db r1+r2"
    assert "by record" in ds.meta["split"]
    assert ds.meta["channel"] == "MLII" and ds.meta["fs_original"] == 360.0
    assert ds.meta["aami_table"]["Q"] == ["/", "f", "Q"]
    assert ds.meta["window"]["before_samples"] == 63
    sym1 = [R1_SYMBOLS[i % 6] for i in range(len(_peaks()))]
    sym2 = [R2_SYMBOLS[i % 10] for i in range(len(_peaks()))]
    expected = {"r1": _expected_classes(sym1), "r2": _expected_classes(sym2)}
    np.testing.assert_array_equal(ds.y_train, expected[tr[0]])
    np.testing.assert_array_equal(ds.y_test, expected[te[0]])
    pr = ds.meta["per_record"]["r1"]
    assert pr["annotated_beats"] == len(_peaks()) and pr["skipped_at_edges"] == 2
    # every window has its R peak at index 63
    assert (np.argmax(ds.X_train[:, 0], axis=1) == 63).all()
    assert (np.argmax(ds.X_test[:, 0], axis=1) == 63).all()
    np.testing.assert_allclose(ds.X_train[:, 0].max(axis=1), 1.5, atol=0.15)


def test_split_is_seeded_and_both_seeds_keep_one_record_each(records):
    a, b = load_wfdb(records, seed=0), load_wfdb(records, seed=0)
    assert a.fingerprint() == b.fingerprint()
    splits = {tuple(load_wfdb(records, seed=s).meta["test_records"]) for s in range(6)}
    assert splits <= {("r1",), ("r2",)} and len(splits) == 2


def test_records_option_and_load_spec(records):
    ds = load(f"wfdb:{records}", records="r2,r1")
    assert ds.meta["records"] == ["r2", "r1"]
    with pytest.warns(UserWarning, match="leak"):
        one = load_wfdb(records, records=["r1"])
    assert one.meta["records"] == ["r1"]


def test_single_record_path_warns_about_leakage(records):
    with pytest.warns(UserWarning, match=r"intra-patient.*leak"):
        ds = load_wfdb(records / "r1")
    assert "intra-patient" in ds.meta["split"]
    assert ds.X_train.shape[0] + ds.X_test.shape[0] == len(_peaks()) - 2
    with pytest.warns(UserWarning):
        same = load_wfdb(records / "r1.hea")
    assert same.fingerprint() == ds.fingerprint()


def test_channel_by_name_and_native_rate(records):
    a = load_wfdb(records, channel="MLII", seed=0)
    b = load_wfdb(records, channel="v1", seed=0)
    np.testing.assert_allclose(b.X_train, -0.5 * a.X_train, atol=1e-3)
    assert b.meta["channel"] == "V1"
    c = load_wfdb(records, fs_out=None)
    assert c.fs == 360.0 and c.length == 539 and c.meta["window"]["before_samples"] == 180
    assert (np.argmax(c.X_train[:, 0], axis=1) == 180).all()


def test_batched_cut_equals_a_loop(records):
    from scipy.signal import resample_poly

    d = _read_record(records / "r1", 0, 125.0, 0.5, 1.496, 512)
    wfdb = _wfdb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sig = wfdb.rdrecord(str(records / "r1"), channels=[0]).p_signal[:, 0]
    out = resample_poly(sig, 25, 72)
    peaks = np.floor(_peaks() * 125 / 360 + 0.5).astype(int)[1:-1]
    manual = np.stack([out[p - 63: p + 124] for p in peaks]).astype(np.float32)
    np.testing.assert_allclose(d["X"], manual, rtol=1e-6)


# ----------------------------------------------------------------------------- bad inputs
def test_unknown_channel_and_index_out_of_range(records):
    with pytest.raises(DataError, match=r"record .*r1: no channel named 'V5' in its header \(2 channel\(s\)"):
        load_wfdb(records, channel="V5")
    with pytest.raises(DataError, match=r"r1: channel index 3 is out of range; it has 2 channel\(s\), indices 0 to 1"):
        load_wfdb(records, channel=3)
    with pytest.raises(DataError, match="channel index -1 is out of range"):
        load_wfdb(records, channel=-1)


def test_missing_atr_missing_record_and_empty_folder(tmp_path, records):
    _write_record(records, "r3", R1_SYMBOLS, with_atr=False)
    with pytest.raises(DataError, match=r"record 'r3' has no annotation file r3\.atr \(missing \.atr\)"):
        load_wfdb(records, records=["r1", "r3"])
    with pytest.raises(DataError, match=r"record 'zz' has no header file zz\.hea"):
        load_wfdb(records, records="zz")
    with pytest.raises(DataError, match=r"r3\.atr \(missing \.atr\)"):
        load_wfdb(records / "r3")
    lone = tmp_path / "lone"
    lone.mkdir()
    _write_record(lone, "r9", R1_SYMBOLS, with_atr=False)
    with pytest.raises(DataError, match=r"no record has a reference annotation file \(\.atr\): 1 header file"):
        load_wfdb(lone)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match=r"no WFDB records found"):
        load(f"wfdb:{empty}")
    with pytest.raises(DataError, match="WFDB record not found"):
        load_wfdb(records / "nothere")
    with pytest.raises(DataError, match="only applies to a folder"):
        load_wfdb(records / "r1", records=["r1"])


def test_bad_parameters_and_size_cap(records):
    with pytest.raises(DataError, match="test_fraction must be between 0 and 1"):
        load_wfdb(records, test_fraction=1.5)
    with pytest.raises(DataError, match="fs_out must be a positive"):
        load_wfdb(records, fs_out=0)
    with pytest.raises(DataError, match="before_s must be a finite number >= 0"):
        load_wfdb(records, before_s=-1)
    with pytest.raises(DataError, match=r"over the 1e-05 MiB cap"):
        load_wfdb(records, max_mb=1e-5)
    with pytest.raises(DataError, match="fs_out must be a number, got 'fast'"):
        load(f"wfdb:{records}", fs_out="fast")
    assert load(f"wfdb:{records}", fs_out="125", seed="1").fs == 125.0  # CLI-style strings


def test_training_record_with_one_class_is_refused(tmp_path):
    folder = tmp_path / "mono"
    folder.mkdir()
    _write_record(folder, "a", ["N"])
    _write_record(folder, "b", ["N", "V"])
    msgs = []
    for s in range(10):
        try:
            load_wfdb(folder, seed=s)
        except DataError as exc:
            msgs.append(str(exc))
    assert msgs and all("hold a single AAMI class (N)" in m for m in msgs)


# ----------------------------------------------------------------------------- real data
def _need(path: Path) -> Path:
    if not Path(f"{path}.hea").is_file() and not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


def test_real_mitdb_folder_gives_aami_beats(shared_data):
    folder = _need(shared_data / "mitdb")
    ds = load(f"wfdb:{folder}")
    assert ds.meta["records"] == ["100", "208"]
    assert sorted(ds.meta["train_records"] + ds.meta["test_records"]) == ["100", "208"]
    assert ds.fs == 125.0 and ds.length == 187 and ds.unit == "mV"
    c100 = ds.meta["per_record"]["100"]["beats"]
    c208 = ds.meta["per_record"]["208"]["beats"]
    # PROVENANCE: 100 = 2239 N, 33 A, 1 V; 208 = 1586 N, 992 V, 373 F, 2 S, 2 Q (minus edge beats)
    assert 2230 <= c100[0] <= 2239 and c100[1] == 33 and c100[2] == 1 and c100[3:] == [0, 0]
    assert 1578 <= c208[0] <= 1586 and 985 <= c208[2] <= 992 and 366 <= c208[3] <= 373
    assert c208[1] == 2 and c208[4] == 2
    total = ds.class_counts("train") + ds.class_counts("test")
    assert total.tolist() == [a + b for a, b in zip(c100, c208)]
    # the mean normal MLII beat peaks at the R-peak index
    assert abs(int(np.argmax(ds.X_train[ds.y_train == 0, 0].mean(axis=0))) - 63) <= 2


def test_real_single_record_100_warns(shared_data):
    rec = _need(shared_data / "mitdb" / "100")
    with pytest.warns(UserWarning, match="leak"):
        ds = load(f"wfdb:{rec}")
    assert ds.meta["records"] == ["100"] and ds.meta["channel"] == "MLII"
    counts = ds.class_counts("train") + ds.class_counts("test")
    assert counts[1] == 33 and counts[2] == 1 and counts[0] >= 2230
    assert ds.class_counts("test")[1] >= 1  # stratified: S in both splits


def test_real_svdb_800_at_128_hz(shared_data):
    rec = _need(shared_data / "svdb" / "800")
    with pytest.warns(UserWarning, match="leak"):
        ds = load_wfdb(rec)
    assert ds.meta["fs_original"] == 128.0 and ds.fs == 125.0 and ds.length == 187
    counts = ds.class_counts("train") + ds.class_counts("test")
    assert 1840 <= counts[0] <= 1846 and counts[1] == 30 and counts[2] == 6
    with pytest.warns(UserWarning):
        native = load_wfdb(rec, fs_out=None)
    assert native.fs == 128.0 and native.length == round(1.496 * 128)
