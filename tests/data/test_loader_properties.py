"""Property-based tests of the file loaders: whatever the bytes, a valid Dataset or a DataError.

Arbitrary bytes, small arbitrary CSV text and arbitrary .npz members (dtypes, shapes, keys,
mutated .npy headers) go through ``tsviz.data.load``; any exception other than
:class:`~tsviz.data.DataError` fails the test, and no message may repeat a planted secret.
Modest example counts keep the whole file to a few seconds.
"""
from __future__ import annotations

import io
import shutil
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tsviz.data import DataError, Dataset, load

SECRET = "zq-secret"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _load_or_error(spec: str, **kw) -> Dataset | None:
    """``load(spec)``: a valid Dataset, or None after a DataError that does not echo the secret."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = load(spec, **kw)
    except DataError as exc:
        assert SECRET not in str(exc), str(exc)
        return None
    assert isinstance(ds, Dataset)
    assert ds.X_train.dtype == np.float32 and np.isfinite(ds.X_train).all() and np.isfinite(ds.X_test).all()
    assert ds.y_train.dtype == np.int64 and ds.y_train.min() >= 0 and ds.y_train.max() < ds.n_classes
    return ds


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("props")


# ============================================================================ arbitrary bytes
@SETTINGS
@given(data=st.binary(max_size=400), kind=st.sampled_from(["csv", "npz", "ucr", "mitbih-csv"]))
@example(data=b"\x00\x0b\x00", kind="ucr")  # split by str.split() into 2 fields, by pandas into 1
@example(data=b"\x00\x0b\x00", kind="csv")
def test_arbitrary_bytes_give_a_dataset_or_a_data_error(work, data, kind):
    folder = work / "bytes"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    if kind == "ucr":
        for split in ("TRAIN", "TEST"):
            (folder / f"bytes_{split}.tsv").write_bytes(data)
        _load_or_error(f"ucr:{folder}")
    else:
        name = {"csv": "f.csv", "npz": "f.npz", "mitbih-csv": "mitbih_train.csv"}[kind]
        (folder / name).write_bytes(data)
        _load_or_error(f"{kind}:{folder / name}")


@SETTINGS
@given(data=st.binary(min_size=22, max_size=300))
def test_arbitrary_bytes_after_a_zip_signature_give_a_data_error(work, data):
    # starts like a zip, ends like a zip directory: exercises the archive checks, not only "not a zip"
    p = work / "z.npz"
    p.write_bytes(b"PK\x03\x04" + data + b"PK\x05\x06" + bytes(18))
    assert _load_or_error(f"npz:{p}") is None


# ============================================================================ CSV text
_CELL = st.one_of(
    st.integers(-3, 3).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.sampled_from(["", " ", "nan", "NA", "inf", "-", "1e999", '"1"', '"', "1,5", SECRET, "a;b", "\t", "0x10"]),
    st.text(alphabet="0123456789.-+eE", max_size=6),
)


@SETTINGS
@given(rows=st.lists(st.lists(_CELL, min_size=1, max_size=6), min_size=1, max_size=8),
       sep=st.sampled_from([",", ";", "\t", " "]), header=st.sampled_from(["auto", True, False]))
@example(rows=[["0", '"'], ["0", '"1"'], ["0", "0", " "]], sep=",", header="auto")  # a quote across lines
def test_small_csv_text_gives_a_dataset_or_a_data_error(work, rows, sep, header):
    p = work / "t.csv"
    p.write_text("\n".join(sep.join(r) for r in rows) + "\n")
    _load_or_error(f"csv:{p}", header=header)


@SETTINGS
@given(n=st.integers(2, 12), T=st.integers(1, 6), k=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_well_formed_csv_loads_with_every_row_kept(work, n, T, k, seed):
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n, T)), 3)
    y = rng.integers(0, k, size=n)
    p = work / "w.csv"
    p.write_text("".join(",".join(map(str, r)) + f",c{c}\n" for r, c in zip(X, y)))
    ds = _load_or_error(f"csv:{p}")
    counts = np.bincount(y, minlength=k)
    if len(set(y.tolist())) < 2 or counts[counts > 0].max() < 2:
        assert ds is None  # a single class, or no class with two series to split
    else:
        assert ds is not None and ds.X_train.shape[0] + ds.X_test.shape[0] == n
        assert ds.class_names == tuple(sorted({f"c{c}" for c in y.tolist()}))


# ============================================================================ npz members
_DTYPES = ["<f8", "<f4", ">f8", "<i8", "|u1", "|b1", "<c16", "|O", "<U3", "|S2", "<f2", "<M8[s]"]
_KEYS = ["X", "y", "X_train", "y_train", "X_test", "y_test", "fs", "unit", "name", "class_names", SECRET]


def _npy(descr: str, shape: tuple[int, ...], payload: bytes, fortran: bool) -> bytes:
    text = repr({"descr": descr, "fortran_order": fortran, "shape": shape}).encode("latin1")
    text += b" " * (64 - (10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + payload


_MEMBER = st.tuples(
    st.sampled_from(_KEYS),
    st.sampled_from(_DTYPES),
    st.lists(st.one_of(st.integers(0, 6), st.sampled_from([-1, 10**9, 2**62])), max_size=3).map(tuple),
    st.binary(max_size=200),
    st.booleans(),
)


@SETTINGS
@given(members=st.lists(_MEMBER, max_size=6), compress=st.booleans())
def test_arbitrary_npz_members_give_a_dataset_or_a_data_error(work, members, compress):
    p = work / "m.npz"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as zf:
        for key, descr, shape, payload, fortran in members:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # duplicate names are part of the test
                zf.writestr(f"{key}.npy", _npy(descr, shape, payload, fortran))
    _load_or_error(f"npz:{p}", max_mb=1)


@SETTINGS
@given(n=st.integers(2, 10), T=st.integers(1, 5), y_kind=st.sampled_from(["int", "float", "half", "str", "bool"]),
       fs=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.just("abc")),
       seed=st.integers(0, 2**16))
def test_real_npz_arrays_give_a_dataset_or_a_data_error(work, n, T, y_kind, fs, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    y = {"int": y, "float": y.astype(float), "half": y + 0.5, "str": y.astype(str), "bool": y > 0}[y_kind]
    arrays = {"X": rng.normal(size=(n, T)), "y": y}
    if fs is not None:
        arrays["fs"] = np.array(fs)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    p = work / "r.npz"
    p.write_bytes(buf.getvalue())
    ds = _load_or_error(f"npz:{p}")
    if ds is not None:
        assert y_kind != "half"  # non-integral float labels are refused
        assert ds.fs is None or (np.isfinite(ds.fs) and ds.fs > 0)


# ============================================================================ WFDB annotations
@pytest.fixture(scope="module")
def record(tmp_path_factory) -> Path:
    """A 10 s, 360 Hz one-channel WFDB record ``r`` (its .atr is rewritten by each example)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import wfdb

        folder = tmp_path_factory.mktemp("wfdb")
        t = np.arange(3600)
        wfdb.wrsamp("r", fs=360, units=["mV"], sig_name=["MLII"], p_signal=np.sin(t / 50.0)[:, None],
                    fmt=["16"], write_dir=str(folder))
    return folder / "r"


@settings(max_examples=25, deadline=None)
@given(data=st.binary(min_size=1, max_size=120), eof=st.booleans())
def test_arbitrary_annotation_bytes_give_a_dataset_or_a_data_error(record, data, eof):
    # with eof, the bytes end with the MIT end-of-file marker, so the deeper checks are reached
    Path(f"{record}.atr").write_bytes(data + (b"\x00\x00" if eof else b""))
    ds = _load_or_error(f"wfdb:{record}")
    if ds is not None:  # only a plausible beat file gets through: known codes, in order, inside the record
        assert ds.X_train.shape[0] + ds.X_test.shape[0] <= 5 * 10 + 1
