"""Hostile and careless inputs to the data loaders (issue 12, "Data"): each case is a regression test.

Every case must end in a :class:`DataError` that names the file, key, row or parameter, never in
another exception, and no message may repeat text read from a file (cell values, header text,
folder listings). Hostile files are built in ``tmp_path``; nothing large is ever written.
"""
from __future__ import annotations

import io
import os
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from realdata import SHARED_DATA  # noqa: E402 - the real-data folder (TSVIZ_TEST_DATA)

from tsviz.data import DataError, load
from tsviz.data.tabular import MAX_NPZ_MEMBERS, load_csv, load_npz
from tsviz.data.ucr import load_ucr
from tsviz.data.validation import MAX_LENGTH, check_file, encode_labels
from tsviz.data.wfdb_records import FS_OUT_RANGE, MAX_UPSAMPLE, load_wfdb

SECRET = "alice-s3cret"  # planted in hostile files: must never appear in a message


def _raises(match: str, fn, *args, **kw) -> str:
    """Call ``fn``; assert a DataError matching ``match`` without the planted secret; return the message."""
    with pytest.raises(DataError, match=match) as info:
        fn(*args, **kw)
    msg = str(info.value)
    assert SECRET not in msg, msg
    return msg


# ============================================================================ npz helpers
def _npy_bytes(header: dict, payload: bytes = b"") -> bytes:
    """A version-1.0 .npy file with a hand-written header dict (any shape, no array needed)."""
    text = repr(header).encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text = text + b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + payload


def _good_members(n: int = 8, T: int = 6) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    out = {}
    for key, arr in (("X", rng.normal(size=(n, T))), ("y", np.arange(n) % 2)):
        buf = io.BytesIO()
        np.save(buf, arr)
        out[f"{key}.npy"] = buf.getvalue()
    return out


def _write_zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_plain_npz_still_loads(tmp_path):
    ds = load_npz(_write_zip(tmp_path / "ok.npz", _good_members()))
    assert ds.X_train.shape[1:] == (1, 6) and ds.n_classes == 2
    np.savez_compressed(tmp_path / "c.npz", X=np.ones((6, 4)) * np.arange(6)[:, None], y=np.arange(6) % 2,
                        fs=np.array(250.0), unit="mV", name="tiny", class_names=np.array(["a", "b"]))
    ds = load_npz(tmp_path / "c.npz")
    assert (ds.fs, ds.unit, ds.name, ds.class_names) == (250.0, "mV", "tiny", ("a", "b"))


def test_npz_header_declaring_absurd_shape_is_refused_before_allocation(tmp_path):
    # (1e8, 1000) float64 = 745 GiB declared by a 128-byte header with no data behind it
    members = _good_members()
    members["X.npy"] = _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (10**8, 1000)})
    p = _write_zip(tmp_path / "huge.npz", members)
    msg = _raises(r"huge\.npz: key 'X' would take 762939\.5 MiB decompressed, over the max_mb=512 MiB cap",
                  load, f"npz:{p}")
    assert "MemoryError" not in msg


@pytest.mark.parametrize("shape", [(0, 2**62), (2**40, 0), (1,) * 9])
def test_npz_header_declaring_absurd_empty_shape(tmp_path, shape):
    # zero bytes in all, yet numpy cannot even describe the array (found by hypothesis)
    members = _good_members()
    members["X.npy"] = _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": shape})
    _raises(r"key 'X' declares an absurd shape", load_npz, _write_zip(tmp_path / "e.npz", members))


def test_npz_bomb_small_file_large_decompressed_size(tmp_path):
    # 8 MiB of zeros compress to ~8 KiB: the file is far under max_mb=1, its arrays far over it
    members = _good_members()
    buf = io.BytesIO()
    np.save(buf, np.zeros((1024, 1024)))
    members["X.npy"] = buf.getvalue()
    members["y.npy"] = _good_members(1024)["y.npy"]
    p = _write_zip(tmp_path / "bomb.npz", members)
    assert p.stat().st_size < 2**20 / 4
    _raises(r"bomb\.npz: key 'X' would take 8\.0 MiB decompressed, over the max_mb=1 MiB cap", load_npz, p, max_mb=1)
    assert load_npz(p, max_mb=16).X_train.shape[2] == 1024  # the same file under a cap that allows it


def test_npz_decompressed_cap_counts_every_array_read(tmp_path):
    members = _good_members()
    members["X.npy"] = _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (8, 40000)})
    members["y.npy"] = _npy_bytes({"descr": "<i8", "fortran_order": False, "shape": (8,)})
    p = _write_zip(tmp_path / "two.npz", members)
    # X alone is 2.44 MiB; never loaded, since the cap is checked before any data is read
    _raises(r"key 'X' would take 2\.4 MiB", load_npz, p, max_mb=2)


def test_npz_many_members_is_refused_before_zipfile_reads_the_directory(tmp_path):
    members = _good_members()
    members.update({f"pad{i}.npy": b"" for i in range(MAX_NPZ_MEMBERS)})
    p = _write_zip(tmp_path / "many.npz", members, zipfile.ZIP_STORED)
    _raises(rf"many\.npz: the zip directory lists {MAX_NPZ_MEMBERS + 2} entries.*at most {MAX_NPZ_MEMBERS}",
            load_npz, p)


def _patch_central_size(path: Path, name: bytes, size: int) -> None:
    """Overwrite the uncompressed size the zip central directory gives for member ``name``."""
    data = bytearray(path.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", data, eocd + 16)
    start = data.find(b"PK\x01\x02", cd_offset)
    while data[start + 46:start + 46 + len(name)] != name:
        start = data.find(b"PK\x01\x02", start + 4)
    struct.pack_into("<I", data, start + 24, size)
    path.write_bytes(bytes(data))


def test_npz_zip_directory_lying_about_sizes(tmp_path):
    members = _good_members()
    # directory claims far more than the member holds: the .npy header decides what is read
    p = _write_zip(tmp_path / "big_claim.npz", members, zipfile.ZIP_STORED)
    _patch_central_size(p, b"X.npy", 0xFFFFFFF0)
    assert load_npz(p).X_train.shape[2] == 6
    # directory claims less than the header declares: the read comes up short (or fails its CRC) -> refused
    p = _write_zip(tmp_path / "small_claim.npz", members, zipfile.ZIP_STORED)
    _patch_central_size(p, b"X.npy", 200)
    _raises(r"small_claim\.npz: key 'X' (holds fewer bytes than its \.npy header declares|is not a readable "
            r"\.npy array \(BadZipFile\))", load_npz, p)
    # a member whose data stops short of what its header declares
    members3 = dict(members)
    members3["X.npy"] = members["X.npy"][:-40]
    _raises(r"short\.npz: key 'X' holds fewer bytes than its \.npy header declares",
            load_npz, _write_zip(tmp_path / "short.npz", members3))
    # the member holds more data than its header declares: reading stops after the declared bytes
    members2 = dict(members)
    members2["X.npy"] = members["X.npy"] + b"\x00" * 10_000
    p = _write_zip(tmp_path / "trailing.npz", members2)
    np.testing.assert_array_equal(
        np.sort(np.concatenate([load_npz(p).X_train, load_npz(p).X_test]).ravel()),
        np.sort(np.load(io.BytesIO(members["X.npy"])).astype(np.float32).ravel()),
    )


@pytest.mark.parametrize("descr, match", [
    ("|O", r"key 'X' holds object arrays, which would need pickle"),
    ("<c16", r"key 'X' holds complex numbers"),
    ("<M8[s]", r"key 'X' has an unsupported dtype"),
    ([("a", "<f8")], r"key 'X' has an unsupported dtype"),
])
def test_npz_object_complex_structured_dtypes_are_refused(tmp_path, descr, match):
    members = _good_members()
    members["X.npy"] = _npy_bytes({"descr": descr, "fortran_order": False, "shape": (8, 6)}, b"\x00" * 2000)
    p = _write_zip(tmp_path / "d.npz", members)
    _raises(match, load_npz, p)


def test_npz_complex_array_written_by_numpy_is_refused_not_truncated(tmp_path):
    np.savez(tmp_path / "cx.npz", X=np.ones((8, 10)) + 1j, y=np.arange(8) % 2)
    _raises(r"cx\.npz: key 'X' holds complex numbers", load, f"npz:{tmp_path / 'cx.npz'}")


@pytest.mark.parametrize("fs, match", [
    (np.array("abc"), r"key 'fs' must be a number"),
    (np.array(0.0), r"key 'fs' must be a finite, positive"),
    (np.array(-5), r"key 'fs' must be a finite, positive"),
    (np.array(np.nan), r"key 'fs' must be a finite, positive"),
    (np.array(np.inf), r"key 'fs' must be a finite, positive"),
    (np.array([1.0, 2.0]), r"key 'fs' must hold a single value"),
])
def test_npz_bad_fs_names_file_and_key(tmp_path, fs, match):
    np.savez(tmp_path / "f.npz", X=np.arange(48.0).reshape(8, 6), y=np.arange(8) % 2, fs=fs)
    msg = _raises(r"f\.npz: " + match, load, f"npz:{tmp_path / 'f.npz'}")
    assert "abc" not in msg


def test_npz_name_and_unit_are_checked_and_never_echoed(tmp_path):
    np.savez(tmp_path / "n.npz", X_train=np.ones((4, 6)), y_train=np.zeros(4, int), X_test=np.ones((2, 6)),
             y_test=np.array([0, 1]), name=SECRET)
    msg = _raises("the training split has a single class", load_npz, tmp_path / "n.npz")
    assert "'n'" in msg  # messages name the dataset by the file's stem
    np.savez(tmp_path / "u.npz", X=np.arange(48.0).reshape(8, 6), y=np.arange(8) % 2, unit="x" * 1000)
    _raises(r"key 'unit' must be printable text of at most 200", load_npz, tmp_path / "u.npz")


def test_npz_not_a_zip_and_damaged_members(tmp_path):
    (tmp_path / "t.npz").write_bytes(f"{SECRET}\n".encode() * 10)
    _raises(r"t\.npz: not a readable \.npz archive", load_npz, tmp_path / "t.npz")
    members = _good_members()
    members["X.npy"] = b"\x93NUMPY\x01\x00" + b"\xff\xff" + SECRET.encode()
    _raises(r"key 'X' is not a readable \.npy array", load_npz, _write_zip(tmp_path / "h.npz", members))
    members["X.npy"] = _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (8, -6)})
    _raises(r"key 'X' (has an invalid|is not a readable)", load_npz, _write_zip(tmp_path / "neg.npz", members))
    np.save(tmp_path / "single.npy", np.ones(3))
    os.replace(tmp_path / "single.npy", tmp_path / "single.npz")
    _raises(r"a single \.npy array", load_npz, tmp_path / "single.npz")


def test_npz_missing_keys_never_lists_the_archive_members(tmp_path):
    np.savez(tmp_path / "k.npz", **{SECRET: np.ones(3), "X": np.ones((4, 3))})
    msg = _raises(r"needs keys X_train, y_train, X_test, y_test \(or X, y\); found X$", load_npz, tmp_path / "k.npz")
    assert SECRET not in msg


# ============================================================================ labels
def test_labels_integral_floats_ok_non_integral_refused_mapping_consistent(tmp_path):
    np.savez(tmp_path / "ok.npz", X=np.arange(48.0).reshape(8, 6), y=(np.arange(8) % 2).astype(float))
    assert load_npz(tmp_path / "ok.npz").class_names == ("0", "1")
    np.savez(tmp_path / "half.npz", X=np.arange(48.0).reshape(8, 6), y=np.arange(8) % 2 + 0.5)
    _raises(r"half\.npz: the label at row 1 is a number but not an integer", load_npz, tmp_path / "half.npz")
    # 1, 1.0, "1", " 1 " are one class, whatever the split and however written
    (a, b), names = encode_labels(np.array(["1", "1.0", "2"], dtype=object), np.array([1.0, 2.0]), source="s")
    assert names == ("1", "2") and a.tolist() == [0, 0, 1] and b.tolist() == [0, 1]
    (a,), names = encode_labels(np.array(["b", " 1 ", "1.0", "a"], dtype=object), source="s")
    assert names == ("1", "a", "b") and a.tolist() == [2, 0, 0, 1]
    _raises(r"the label at row 2 is a number but not an integer", encode_labels,
            np.array(["a", "1.5"], dtype=object), source="s")
    _raises(r"missing or non-finite label at row 2", encode_labels, np.array([1.0, np.nan]), source="s")
    _raises(r"labels are complex", encode_labels, np.array([1 + 1j, 2]), source="s")


def test_label_errors_never_echo_label_text(tmp_path):
    p = tmp_path / "one.csv"
    p.write_text(f"1,2,{SECRET}\n3,4,{SECRET}\n")
    _raises(r"found 1 class; a classifier needs at least 2", load_csv, p)
    _raises(r"not one of the 2 class names", encode_labels, np.array([SECRET]), source="s",
            class_names=["a", "b"])


def test_every_class_with_one_member_says_why(tmp_path):
    p = tmp_path / "single.csv"
    p.write_text("".join(f"1,2,3,{SECRET}{i}\n" for i in range(3)))
    _raises(r"single\.csv: cannot make a test set: each of the 3 classes has a single series, and a "
            r"train/test split needs at least two series in a class", load, f"csv:{p}")
    np.savez(tmp_path / "s.npz", X=np.ones((2, 5)) * [[1], [2]], y=np.array([0, 1]))
    _raises(r"s\.npz: cannot make a test set: each of the 2 classes", load_npz, tmp_path / "s.npz")


# ============================================================================ CSV / text
def test_csv_with_20000_time_steps_loads(tmp_path):
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(6, 20_000)), 6)
    p = tmp_path / "long.csv"
    p.write_text("".join(",".join(f"{v:.6f}" for v in row) + f",{i % 2}\n" for i, row in enumerate(X)))
    assert max(len(line) for line in p.read_text().splitlines()) > 131_072
    ds = load(f"csv:{p}")
    assert ds.length == 20_000
    got = np.concatenate([ds.X_train, ds.X_test])[:, 0]
    want = X.astype(np.float32)
    assert {tuple(r[:3]) for r in got} == {tuple(r[:3]) for r in want}
    # the same file as a UCR pair (label first, tab-separated)
    folder = tmp_path / "LONG"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        (folder / f"LONG_{split}.tsv").write_text(
            "".join(f"{i % 2}\t" + "\t".join(f"{v:.6f}" for v in row) + "\n" for i, row in enumerate(X)))
    assert load_ucr(folder).length == 20_000


def test_csv_over_the_length_cap_is_refused(tmp_path):
    p = tmp_path / "wide.csv"
    p.write_text(("0," * (MAX_LENGTH + 1) + "1\n") * 2)
    _raises(rf"wide\.csv: rows have {MAX_LENGTH + 2} columns, over the cap of {MAX_LENGTH} time steps", load_csv, p)


def test_csv_quoted_giant_field_is_a_data_error(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('"' + "1" * 200_000 + '",2,0\n3,4,1\n')
    _raises(r"q\.csv", load_csv, p)


def test_csv_value_over_float32_range_names_file_row_and_column(tmp_path):
    p = tmp_path / "big.csv"
    p.write_text("1,2,0\n3,1e300,1\n4,5,0\n6,7,1\n")
    _raises(r"big\.csv: value too large for float32 \(3\.4e38\) at row 2, column 2$", load_csv, p)


def test_csv_errors_never_echo_cells_or_header(tmp_path):
    p = tmp_path / "alice.csv"
    p.write_text(f"1,2,0\n{SECRET},3,1\n")
    _raises(r"alice\.csv: non-numeric value at row 2, column 1", load, f"csv:{p}")
    p = tmp_path / "h.csv"
    p.write_text(f"{SECRET},b,y\n1,2,0\n3,4,1\n")
    _raises(r"label_column='lbl' is not a column name in the header row", load_csv, p, label_column="lbl")
    p = tmp_path / "bin.csv"
    p.write_bytes(b"1,2,0\n\xff\xfe" + SECRET.encode() + b",1\n")
    _raises(r"bin\.csv: not a UTF-8 text file", load_csv, p)


@pytest.mark.parametrize("content, match", [
    ("@problemName x\n@classLabel {s}\n@data\n1,2:a\n", r"no class labels \(@classLabel is not true\)"),
    ("@problemName x\n@dimensions {s}\n@classLabel true a b\n@data\n1,2:a\n", r"@dimensions must be an integer$"),
    ("@problemName x\n@classLabel true a b\n@data\n1,{s}:a\n2,3:b\n", r"non-numeric value at row 4, time step 2"),
    ("@problemName x\n@classLabel true a b\n@data\n1,2:{s}\n2,3:b\n", r"row 4: the label is not among the 2 declared"),
    ("{s}\n@data\n", r"line 1: expected an @-tag before @data"),
])
def test_ts_errors_never_echo_file_text(tmp_path, content, match):
    folder = tmp_path / "T"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        (folder / f"T_{split}.ts").write_text(content.format(s=SECRET))
    _raises(match, load_ucr, folder)


@pytest.mark.parametrize("content, match", [
    ("@relation r\n@attribute {s} string\n@attribute c {{a,b}}\n@data\nx,a\n", r"attribute 1 is not numeric"),
    ("@relation r\n{s}\n@data\n", r"line 2: unexpected header line; not an ARFF file"),
    ("@relation r\n@attribute\n@data\n", r"line 2: cannot read the @attribute line$"),
])
def test_arff_errors_never_echo_file_text(tmp_path, content, match):
    folder = tmp_path / "A"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        (folder / f"A_{split}.arff").write_text(content.format(s=SECRET))
    _raises(match, load_ucr, folder)


# ============================================================================ paths
def test_unexpandable_home_is_a_data_error_naming_the_path():
    for spec in ("csv:~nosuchuser-tsviz/x.csv", "npz:~nosuchuser-tsviz/x.npz", "ucr:~nosuchuser-tsviz/X",
                 "wfdb:~nosuchuser-tsviz/100", "mitbih-csv:~nosuchuser-tsviz/m"):
        _raises(r"path '~nosuchuser-tsviz/.*': cannot expand '~'", load, spec)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="os.mkfifo is not available on this platform")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # opening it for reading would block forever: the loaders must never open it
    for spec in (f"csv:{fifo}", f"npz:{fifo}", f"mitbih-csv:{fifo}", f"ucr:{fifo}"):
        _raises(r"pipe\.csv is not a regular file or folder \(a FIFO, device or socket\); refused", load, spec)
    ucr = tmp_path / "F"
    ucr.mkdir()
    (ucr / "F_TRAIN.tsv").write_text("0\t1\t2\n1\t2\t3\n")
    os.mkfifo(ucr / "F_TEST.tsv")
    _raises(r"no TEST file", load_ucr, ucr)  # a FIFO is not a file


def test_device_and_other_bad_paths():
    if Path("/dev/zero").exists():
        _raises(r"/dev/zero is not a regular file or folder", load, "csv:/dev/zero")
    _raises(r"holds a NUL character", load, "csv:/tmp/a\x00b.csv")
    _raises(r"cannot access the path|file not found", check_file, "/tmp/" + "x" * 5000)


def test_folder_errors_never_list_the_folder(tmp_path):
    (tmp_path / f"{SECRET}.txt").write_text("x")
    _raises(rf"{tmp_path.name}: no UCR files found", load, f"ucr:{tmp_path}")
    (tmp_path / f"{SECRET}_TRAIN.tsv").write_text("0\t1\n1\t2\n")
    _raises(r"no TEST file: a NAME_TRAIN file but no matching NAME_TEST file", load_ucr, tmp_path)
    (tmp_path / f"{SECRET}2_TRAIN.tsv").write_text("0\t1\n1\t2\n")
    _raises(r"holds 2 datasets and none is named after the folder", load_ucr, tmp_path)
    mit = tmp_path / "m"
    mit.mkdir()
    (mit / f"{SECRET}.csv").write_text("1,2\n")
    _raises(r"holds neither mitbih_train\.csv nor mitbih_test\.csv$", load, f"mitbih-csv:{mit}")


def test_ucr_etc_does_not_list_the_folder():
    if not Path("/etc").is_dir():
        pytest.skip("/etc is absent on this platform")
    msg = _raises(r"/etc: no UCR files found", load, "ucr:/etc")
    assert "passwd" not in msg and "hosts" not in msg


# ============================================================================ parameters
@pytest.mark.parametrize("loader, kw, match", [
    ("csv", dict(max_mb=float("nan")), "max_mb must be a finite number"),
    ("csv", dict(max_mb=float("inf")), "max_mb must be a finite number"),
    ("csv", dict(max_mb=0), "max_mb must be a finite number > 0"),
    ("csv", dict(max_mb=-1), "max_mb must be a finite number > 0"),
    ("csv", dict(max_mb="big"), "max_mb must be a number"),
    ("csv", dict(max_mb=True), "max_mb must be a finite number > 0, got True"),
    ("csv", dict(test_fraction=float("nan")), "test_fraction must be a finite number"),
    ("csv", dict(test_fraction=1.0), "test_fraction must be between 0 and 1"),
    ("csv", dict(seed=-1), r"seed must be an integer in \[0, inf\], got -1"),
    ("csv", dict(seed=1.5), "seed must be an integer"),
    ("csv", dict(fs=0), "fs must be a finite number > 0"),
    ("csv", dict(fs=float("nan")), "fs must be a finite number"),
    ("npz", dict(max_mb=float("nan")), "max_mb must be a finite number"),
    ("ucr", dict(max_mb=float("nan")), "max_mb must be a finite number"),
    ("ucr", dict(length_policy=["pad"]), "length_policy must be one of"),
    ("mitbih-csv", dict(max_mb=float("nan")), "max_mb must be a finite number"),
    ("wfdb", dict(max_mb=float("nan")), "max_mb must be a finite number"),
    ("wfdb", dict(fs_out=1e-9), r"fs_out must be a positive sampling rate in Hz between 1 and 10000"),
    ("wfdb", dict(fs_out=1e7), r"fs_out must be a positive sampling rate in Hz between 1 and 10000"),
    ("wfdb", dict(fs_out=float("nan")), r"fs_out must be a finite number"),
    ("wfdb", dict(before_s=float("inf")), r"before_s must be a finite number"),
])
def test_numeric_parameters_are_validated(tmp_path, loader, kw, match):
    # max_mb=nan must not turn the cap off: it is refused before any file is looked at
    _raises(match, load, f"{loader}:{tmp_path / 'does-not-matter'}", **kw)


def test_unknown_option_names_the_loader_options(tmp_path):
    _raises(r"options for csv are: label_column", load, f"csv:{tmp_path / 'x.csv'}", nope=1)


# ============================================================================ WFDB
FS = 360


def _wfdb():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import wfdb
    return wfdb


@pytest.fixture
def record(tmp_path) -> Path:
    """One 20 s, 360 Hz record ``r`` with 15 beats, in ``tmp_path/db``."""
    wfdb = _wfdb()
    folder = tmp_path / "db"
    folder.mkdir()
    t = np.arange(20 * FS)
    peaks = np.arange(200, 20 * FS - 300, 450)
    sig = sum(1.5 * np.exp(-0.5 * ((t - p) / 4.0) ** 2) for p in peaks)
    sym = ["N", "V"] * len(peaks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wfdb.wrsamp("r", fs=FS, units=["mV"], sig_name=["MLII"], p_signal=sig[:, None], fmt=["16"],
                    write_dir=str(folder))
        wfdb.wrann("r", "atr", sample=peaks, symbol=sym[: len(peaks)], write_dir=str(folder))
    return folder / "r"


def _load_record(rec: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_wfdb(rec, **kw)


def _edit_header(rec: Path, fn) -> None:
    hea = Path(f"{rec}.hea")
    lines = hea.read_text().splitlines()
    hea.write_text("\n".join(fn(lines)) + "\n")


def test_wfdb_tiny_record_loads(record):
    ds = _load_record(record)
    assert ds.fs == 125.0 and ds.length == 187 and ds.n_classes == 5


@pytest.mark.parametrize("fs_text", ["0", "-360", "nan", "1e999"])
def test_wfdb_zero_or_negative_fs_is_refused(record, fs_text):
    def set_fs(lines):
        parts = lines[0].split()
        parts[2] = fs_text
        return [" ".join(parts)] + lines[1:]

    _edit_header(record, set_fs)
    _raises(r"record .*r: (the header's sampling frequency is not a finite positive number|cannot read the header)",
            _load_record, record)


def test_wfdb_fs_out_out_of_range_for_the_record(record):
    _raises(r"fs_out must be a positive sampling rate in Hz between", _load_record, record, fs_out=1e-9)
    _raises(r"fs_out must be a positive sampling rate in Hz between", _load_record, record, fs_out=1e7)
    assert FS * MAX_UPSAMPLE < FS_OUT_RANGE[1]
    _raises(rf"record .*r: fs_out=9000 Hz is outside the range allowed for its 360 Hz rate \(at most "
            rf"{MAX_UPSAMPLE:g} times", _load_record, record, fs_out=9000)


def test_wfdb_window_over_the_length_cap(record):
    _raises(r"record .*r: the beat window .* over the cap of", _load_record, record, before_s=1e6, fs_out=None)


@pytest.mark.parametrize("seed", range(4))
def test_wfdb_random_bytes_as_atr_are_refused(record, seed):
    Path(f"{record}.atr").write_bytes(np.random.default_rng(seed).bytes(200 + 37 * seed))
    _raises(r"record .*r: (r\.atr |cannot read signal or annotations)", _load_record, record)


def test_wfdb_annotations_out_of_order_or_outside_the_record(record):
    wfdb = _wfdb()
    folder = record.parent
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wfdb.wrann("r", "atr", sample=np.array([100, 50_000]), symbol=["N", "V"], write_dir=str(folder))
    _raises(r"r\.atr gives annotation times outside the record \(7200 samples\) or out of order",
            _load_record, record)
    data = Path(f"{record}.atr").read_bytes()
    Path(f"{record}.atr").write_bytes(data[:-2] + b"\x01\x02")  # no end-of-file marker
    _raises(r"r\.atr is not an MIT-format annotation file \(no end-of-file marker\)", _load_record, record)


def test_wfdb_too_many_beats_for_the_record(record):
    wfdb = _wfdb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wfdb.wrann("r", "atr", sample=np.arange(0, 7200, 10), symbol=["N"] * 720, write_dir=str(record.parent))
    _raises(r"r\.atr holds 720 beats in 20\.0 s, more than 5 per second", _load_record, record)


def test_wfdb_header_naming_a_file_outside_the_folder_is_refused(record, tmp_path):
    outside = tmp_path / "secret.dat"
    outside.write_bytes(Path(f"{record}.dat").read_bytes())
    _edit_header(record, lambda lines: [lines[0]] + [" ".join(["../secret.dat"] + lines[1].split()[1:])])
    # wfdb's header grammar already refuses a path there; tsviz checks again in case it ever allows one
    _raises(r"record .*r: (the header names a signal file outside the record's folder; refused|cannot read the "
            r"header r\.hea \(HeaderSyntaxError\))", _load_record, record)


def test_wfdb_errors_never_echo_channel_names_or_header_text(record):
    _edit_header(record, lambda lines: [lines[0], lines[1].replace("MLII", SECRET)])
    _raises(r"no channel named 'MLII' in its header \(1 channel\(s\)", _load_record, record, channel="MLII")
    Path(f"{record}.hea").write_text(f"{SECRET} garbage header\n")
    _raises(r"cannot read the header r\.hea \(\w+\)$", _load_record, record)


def test_wfdb_record_names_are_plain(record):
    _raises(r"record name '\.\./db/r' must be a plain name", _load_record, record.parent, records=["../db/r"])


def test_wfdb_real_records_pass_the_annotation_checks():
    if not (SHARED_DATA / "mitdb" / "100.atr").is_file():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (set TSVIZ_TEST_DATA)")
    ds = _load_record(SHARED_DATA / "svdb" / "800")
    assert ds.fs == 125.0 and ds.X_train.shape[0] + ds.X_test.shape[0] > 1800


def test_dataset_refuses_complex_and_float32_overflow():
    from tsviz.data import Dataset

    y = np.array([0, 1, 0, 1])
    _raises(r"d train: series values are complex numbers", Dataset, "d", np.ones((4, 3)) + 1j, y,
            np.ones((2, 3)), np.array([0, 1]), ("a", "b"))
    X = np.ones((4, 3))
    X[2, 1] = 1e300  # finite in float64, inf in float32
    _raises(r"d train: value too large for float32 \(3\.4e38\) at row 3, time step 2", Dataset, "d", X, y,
            np.ones((2, 3)), np.array([0, 1]), ("a", "b"))
