"""The one list parser (tsviz.core.lists) and the one series writer (tsviz.data.export) that the
pages and the CLI share: values, messages, and files that load back as datasets."""
from __future__ import annotations

import numpy as np
import pytest

from tsviz.core import TsvizError
from tsviz.core.lists import format_list, parse_names, parse_numbers, split_list
from tsviz.data import DataError, load
from tsviz.data.export import LOADER_KEYS, csv_bytes, npz_bytes, series_arrays, write_series


class FamilyError(TsvizError):
    pass


def test_split_and_parse_numbers():
    assert split_list(" 0, 0.05; 0.1,, ") == ["0", "0.05", "0.1"]
    assert split_list(["1,2", 3]) == ["1", "2", "3"]
    assert parse_numbers("0, 0.05; 0.1") == [0.0, 0.05, 0.1]
    assert parse_numbers("1, 2.0, 8", integer=True) == [1, 2, 8]
    assert all(type(v) is int for v in parse_numbers("1, 2.0", integer=True))
    assert parse_numbers("3, 1, 3") == [3.0, 1.0, 3.0]  # order and duplicates kept
    assert parse_numbers(format_list([0.0, 0.025, 0.1, 1e-05])) == [0.0, 0.025, 0.1, 1e-05]


@pytest.mark.parametrize("text, kwargs, message", [
    ("0.5, abc", {}, "eps: item 2, 'abc', is not a number"),
    ("nan", {}, "eps: item 1, 'nan', is not a finite number"),
    ("inf, 1", {}, "eps: item 1, 'inf', is not a finite number"),
    ("", {}, "eps: give at least 1 values (comma-separated), got 0"),
    (" , ;", {}, "got 0"),
    ("1.5", {"integer": True}, "item 1, '1.5', is not a whole number"),
    ("1, 40", {"integer": True, "low": 1, "high": 32}, "item 2, '40', is outside [1, 32]"),
    ("-0.1", {"low": 0.0}, "item 1, '-0.1', is outside [0, inf]"),
    ("1,2,3", {"max_count": 2}, "give 1 to 2 values"),
    ("1", {"min_count": 2, "max_count": 2}, "give exactly 2 values"),
])
def test_parse_numbers_refuses_with_the_family_error(text, kwargs, message):
    with pytest.raises(FamilyError) as info:
        parse_numbers(text, name="eps", error=FamilyError, **kwargs)
    assert message in str(info.value)


def test_parse_names():
    assert parse_names("saliency, occlusion", choices=["saliency", "occlusion", "neuromask"]) == ["saliency",
                                                                                                  "occlusion"]
    with pytest.raises(FamilyError, match="unknown 'lime'; choose from saliency, occlusion"):
        parse_names("saliency, lime", name="methods", choices=["saliency", "occlusion"], error=FamilyError)
    with pytest.raises(FamilyError, match="'a' is given twice"):
        parse_names("a, b, a", name="x", error=FamilyError)
    assert parse_names("a, a", unique=False) == ["a", "a"]
    with pytest.raises(TsvizError, match="must be a comma-separated text"):
        parse_numbers(3.0)  # type: ignore[arg-type]
    long = "x" * 500
    with pytest.raises(TsvizError) as info:
        parse_numbers(long)
    assert len(str(info.value)) < 120  # a long item is quoted shortened


@pytest.fixture
def two_class():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 1, 20)).astype(np.float32) * 1e3
    y = np.arange(12) % 3
    return X, y, ("beta", "alpha", "gamma")  # not sorted: the names, not their order, come back


def _rows(ds):
    return (np.concatenate([ds.X_train, ds.X_test]),
            np.asarray(ds.class_names)[np.concatenate([ds.y_train, ds.y_test])])


@pytest.mark.parametrize("fmt", ["csv", "npz"])
def test_written_series_load_back_exactly(tmp_path, two_class, fmt):
    X, y, names = two_class
    path = write_series(tmp_path / f"out.{fmt}", X, y, class_names=names,
                        **({"fs": 250.0, "unit": "mV", "name": "mine", "extra": {"x": X + 1}} if fmt == "npz" else {}))
    back = load(f"{fmt}:{path}")
    Xb, nb = _rows(back)
    assert Xb.shape == X.shape
    for row, name in zip(Xb, nb):
        k = int(np.flatnonzero((X == row[None]).all(axis=(1, 2)))[0])  # float32 values round-trip exactly
        assert names[y[k]] == name
    if fmt == "npz":
        assert (back.fs, back.unit, back.name, back.class_names) == (250.0, "mV", "mine", names)


def test_csv_layout_and_unsafe_names(two_class):
    X, y, names = two_class
    first = csv_bytes(X, y, class_names=names).decode().splitlines()[0].split(",")
    assert len(first) == 21 and first[-1] == "beta"  # 20 values, then the label
    first = csv_bytes(X, y, class_names=("a,b", "c", "d")).decode().splitlines()[0].split(",")
    assert first[-1] == "0"  # a name the CSV cannot hold plainly: the class index instead
    two = np.concatenate([X, X], axis=1)
    assert len(csv_bytes(two, y).decode().splitlines()[0].split(",")) == 41  # channels one after the other


def test_npz_keys_and_test_split(tmp_path, two_class):
    X, y, names = two_class
    arrays = series_arrays(X, y, class_names=names, X_test=X[:6], y_test=y[:6])
    assert {"X_train", "y_train", "X_test", "y_test", "class_names"} <= set(arrays) and "X" not in arrays
    path = tmp_path / "split"
    assert write_series(path, X, y, X_test=X[:6], y_test=y[:6], class_names=names).name == "split.npz"
    back = load(f"npz:{tmp_path / 'split.npz'}")
    assert back.X_test.shape[0] == 6 and back.X_train.shape[0] == 12
    assert npz_bytes(X[:, 0], y)[:2] == b"PK"  # (n, T) is one channel


@pytest.mark.parametrize("bad, message", [
    ({"X": np.full((2, 1, 4), np.nan), "y": [0, 1]}, "NaN"),
    ({"X": np.zeros((2, 1, 4)), "y": [0.0, 1.0]}, "integer class labels"),
    ({"X": np.zeros((2, 1, 4)), "y": [0, 3], "class_names": ("a", "b")}, "not a class label"),
    ({"X": np.zeros((2, 1, 4)), "y": [0, 1], "extra": {"X": np.zeros(2)}}, "a key the loader reads"),
    ({"X": np.zeros((2, 1, 4)), "y": [0, 1], "extra": {"o": np.array([object()])}}, "numbers or text"),
    ({"X": np.zeros((2, 1, 4)), "y": [0, 1], "X_test": np.zeros((1, 1, 4))}, "both X_test and y_test"),
])
def test_bad_exports_are_data_errors(bad, message):
    with pytest.raises(DataError, match=message):
        npz_bytes(**bad)
    assert "X" in LOADER_KEYS


def test_write_series_refuses_unknown_formats_and_npz_options_for_csv(tmp_path, two_class):
    X, y, names = two_class
    with pytest.raises(DataError, match="choose one of npz, csv"):
        write_series(tmp_path / "a.txt", X, y, fmt="parquet")
    with pytest.raises(DataError, match="class_names only"):
        write_series(tmp_path / "a.csv", X, y, fs=100.0)
    assert not list(tmp_path.iterdir())
