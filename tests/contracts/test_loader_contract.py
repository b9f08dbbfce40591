"""The dataset contract (tsviz.data's package docstring), checked for every generator and every
file-loader spec kind of ``tsviz.data.registry`` with tiny files written in ``tmp_path``:

``load(spec)`` gives a :class:`~tsviz.data.Dataset` with float32 ``(n, C, T)`` series, int64 labels
in ``[0, K)`` (both splits), ``K`` class names, ``fs`` finite and ``> 0`` (or ``None`` when the
format has no time axis in seconds), read-only arrays and ``meta['spec']``; the same file (or seed)
gives the same fingerprint; a bad file or option raises ``DataError`` (a ``TsvizError``, hence a
``ValueError``) that does not quote the file's content.

A spec kind added to ``BUILTIN_DATASETS``/``FILE_SPECS`` without a writer here fails
``test_every_registered_kind_is_covered``: add a tiny-file writer (and a broken one) below.
"""
from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tsviz.core import TsvizError
from tsviz.data import BUILTIN_DATASETS, CAPS, FILE_SPECS, DataError, Dataset, load

SECRET = "SECRET-CELL-TEXT"  # written into broken files: no message may repeat it


# --------------------------------------------------------------------------- tiny files, per kind
def _series(n: int, T: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, T)) + y[:, None]
    return X, y


def _ucr(folder: Path) -> str:
    d = folder / "Tiny"
    d.mkdir()
    for split, seed in (("TRAIN", 0), ("TEST", 1)):
        X, y = _series(9, 24, seed)
        np.savetxt(d / f"Tiny_{split}.tsv", np.column_stack([y + 1, X]), delimiter="\t", fmt="%.6g")
    return f"ucr:{d}"


def _ucr_bad(folder: Path) -> str:
    d = folder / "Bad"
    d.mkdir()
    (d / "Bad_TRAIN.tsv").write_text(f"1\t0.5\t{SECRET}\n2\t0.1\t0.2\n")
    (d / "Bad_TEST.tsv").write_text("1\t0.5\t0.4\n2\t0.1\t0.2\n")
    return f"ucr:{d}"


def _mitbih(folder: Path) -> str:
    for name, seed in (("mitbih_train.csv", 0), ("mitbih_test.csv", 1)):
        X, _ = _series(10, 187, seed)
        y = np.arange(10) % 5
        np.savetxt(folder / name, np.column_stack([X, y.astype(float)]), delimiter=",", fmt="%.10e")
    return f"mitbih-csv:{folder}"


def _mitbih_bad(folder: Path) -> str:
    (folder / "mitbih_train.csv").write_text(",".join(["0.5"] * 187) + ",0\n" + f"{SECRET},0.1\n")
    return f"mitbih-csv:{folder / 'mitbih_train.csv'}"


def _wfdb_record(folder: Path, name: str, symbols: list[str]) -> None:
    with warnings.catch_warnings():  # wfdb trips pandas deprecation warnings
        warnings.simplefilter("ignore")
        import wfdb

        fs, n = 360, 360 * 12
        t = np.arange(n)
        peaks = np.arange(200, n - 200, 430)
        sig = 0.1 * np.sin(2 * np.pi * t / n)
        for p in peaks:
            sig = sig + 1.5 * np.exp(-0.5 * ((t - p) / 4.0) ** 2)
        wfdb.wrsamp(name, fs=fs, units=["mV"], sig_name=["MLII"], p_signal=sig[:, None], fmt=["16"],
                    write_dir=str(folder))
        sym = [symbols[i % len(symbols)] for i in range(len(peaks))]
        wfdb.wrann(name, "atr", sample=peaks, symbol=sym, write_dir=str(folder))


def _wfdb(folder: Path) -> str:
    _wfdb_record(folder, "r1", ["N", "V", "A"])
    _wfdb_record(folder, "r2", ["N", "A", "V", "N"])
    return f"wfdb:{folder}"


def _wfdb_bad(folder: Path) -> str:
    (folder / "r9.hea").write_text(f"r9 1 360 {SECRET}\n")
    return f"wfdb:{folder / 'r9'}"


def _npz(folder: Path) -> str:
    Xtr, ytr = _series(12, 20, 0)
    Xte, yte = _series(6, 20, 1)
    p = folder / "tiny.npz"
    np.savez(p, X_train=np.stack([Xtr, -Xtr], 1), y_train=ytr, X_test=np.stack([Xte, -Xte], 1), y_test=yte,
             class_names=np.array(["a", "b", "c"]), fs=np.array(50.0), unit=np.array("mV"))
    return f"npz:{p}"


def _npz_bad(folder: Path) -> str:
    p = folder / "bad.npz"
    p.write_bytes(b"PK\x03\x04" + SECRET.encode() * 10)
    return f"npz:{p}"


def _csv(folder: Path) -> str:
    X, y = _series(15, 16, 0)
    p = folder / "tiny.csv"
    rows = [",".join(f"{v:.6f}" for v in row) + f",class{c}" for row, c in zip(X, y)]
    p.write_text("\n".join(rows) + "\n")
    return f"csv:{p}"


def _csv_bad(folder: Path) -> str:
    p = folder / "bad.csv"
    p.write_text(f"0.1,0.2,a\n0.3,{SECRET},b\n0.5,0.6,a\n")
    return f"csv:{p}"


#: spec kind -> (write a good tiny file -> spec, write a broken one -> spec, options)
FILE_KINDS: dict[str, tuple[Callable[[Path], str], Callable[[Path], str], dict]] = {
    "ucr": (_ucr, _ucr_bad, {}),
    "mitbih-csv": (_mitbih, _mitbih_bad, {}),
    "wfdb": (_wfdb, _wfdb_bad, {}),
    "npz": (_npz, _npz_bad, {}),
    "csv": (_csv, _csv_bad, {}),
}
#: generator -> (small options, a bad option)
GENERATORS: dict[str, tuple[dict, dict]] = {
    "synthetic-ecg": ({"n_train": 10, "n_test": 5, "seed": 3}, {"n_train": 2}),
    "cbf": ({"n_train": 6, "n_test": 3, "seed": 3}, {"seed": -1}),
    "synthetic-control": ({"n_train": 12, "n_test": 6, "seed": 3}, {"length": 1}),
}


def test_every_registered_kind_is_covered():
    assert set(FILE_KINDS) == set(FILE_SPECS)
    assert set(GENERATORS) == set(BUILTIN_DATASETS)


def _check_dataset(ds: Dataset, spec: str) -> None:
    assert isinstance(ds, Dataset)
    K = ds.n_classes
    assert K >= 2 and len(ds.class_names) == K and len(set(ds.class_names)) == K
    assert all(isinstance(c, str) for c in ds.class_names)
    for X, y in ((ds.X_train, ds.y_train), (ds.X_test, ds.y_test)):
        assert X.dtype == np.float32 and X.ndim == 3 and X.shape[0] >= 1
        assert X.shape[1:] == (ds.n_channels, ds.length)
        assert np.isfinite(X).all()
        assert y.dtype == np.int64 and y.shape == (X.shape[0],)
        assert y.min() >= 0 and y.max() < K
        assert not X.flags.writeable and not y.flags.writeable  # shared by the app's caches
        with pytest.raises(ValueError):
            X[0, 0, 0] = 1.0
    assert ds.n_channels <= CAPS["channels"] and ds.length <= CAPS["time_steps"]
    assert ds.fs is None or (isinstance(ds.fs, float) and np.isfinite(ds.fs) and ds.fs > 0)
    assert isinstance(ds.unit, str) and ds.unit
    assert ds.meta["spec"] == spec
    json.dumps(ds.summary())  # JSON-ready


@pytest.mark.parametrize("kind", sorted(FILE_KINDS))
def test_file_loader_contract(kind, tmp_path):
    write, _, options = FILE_KINDS[kind]
    spec = write(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a single-record WFDB split warns about patient leakage
        ds = load(spec, **options)
        again = load(spec, **options)
    _check_dataset(ds, spec)
    assert again.fingerprint() == ds.fingerprint()  # same file -> same data
    np.testing.assert_array_equal(again.X_train, ds.X_train)


@pytest.mark.parametrize("kind", sorted(FILE_KINDS))
def test_file_loader_bad_file_is_a_data_error_without_file_content(kind, tmp_path):
    _, write_bad, options = FILE_KINDS[kind]
    spec = write_bad(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError) as info:
            load(spec, **options)
    assert isinstance(info.value, TsvizError) and isinstance(info.value, ValueError)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("kind", sorted(FILE_KINDS))
def test_file_loader_missing_path_and_bad_option(kind, tmp_path):
    with pytest.raises(DataError):
        load(f"{kind}:{tmp_path / 'does-not-exist'}")
    spec = FILE_KINDS[kind][0](tmp_path)
    with pytest.raises(DataError, match="max_mb"):
        load(spec, max_mb=-1)
    with pytest.raises(DataError, match="options for"):
        load(spec, no_such_option=1)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_contract(name):
    options, _ = GENERATORS[name]
    state = np.random.get_state()  # noqa: NPY002 - the global RNG must be untouched
    ds = load(name, **options)
    _check_dataset(ds, name)
    assert load(name, **options).fingerprint() == ds.fingerprint()  # same seed -> same data
    assert load(name, **{**options, "seed": 4}).fingerprint() != ds.fingerprint()
    after = np.random.get_state()  # noqa: NPY002 - the global RNG is never used
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_bad_option_is_a_data_error(name):
    options, bad = GENERATORS[name]
    with pytest.raises(DataError, match=next(iter(bad))):
        load(name, **{**options, **bad})


def test_unknown_spec_is_a_data_error():
    with pytest.raises(DataError, match="unknown dataset spec"):
        load("nosuchkind:/tmp/x")
    with pytest.raises(DataError):
        load("")
