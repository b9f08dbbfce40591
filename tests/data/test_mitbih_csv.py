"""Kaggle MIT-BIH heartbeat CSV loader (mitbih_train.csv / mitbih_test.csv)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tsviz.data import DataError, load
from tsviz.data.mitbih_csv import MITBIH_CLASSES, load_mitbih_csv


def _kaggle(path: Path, labels, seed: int = 0) -> np.ndarray:
    """Write a Kaggle-style CSV (187 values in [0, 1] + float label, '%.18e' like the originals)."""
    rng = np.random.default_rng(seed)
    X = rng.random((len(labels), 187))
    X[:, 150:] = 0.0  # zero padding at the end, as in the real files
    np.savetxt(path, np.column_stack([X, np.asarray(labels, float)]), delimiter=",", fmt="%.18e")
    return X


@pytest.fixture
def kaggle_folder(tmp_path) -> Path:
    _kaggle(tmp_path / "mitbih_train.csv", [0, 1, 2, 0, 0, 2, 1, 0], seed=0)
    _kaggle(tmp_path / "mitbih_test.csv", [0, 2, 0], seed=1)
    return tmp_path


def test_folder_loads_both_files(kaggle_folder):
    ds = load_mitbih_csv(kaggle_folder)
    assert ds.X_train.shape == (8, 1, 187) and ds.X_test.shape == (3, 1, 187)
    assert ds.class_names == MITBIH_CLASSES == ("N", "S", "V", "F", "Q")  # all five, F and Q absent
    assert ds.fs == 125.0 and ds.unit == "a.u. (min-max scaled)"
    assert ds.y_train.tolist() == [0, 1, 2, 0, 0, 2, 1, 0] and ds.y_test.tolist() == [0, 2, 0]
    X = np.loadtxt(kaggle_folder / "mitbih_train.csv", delimiter=",")[:, :187]
    np.testing.assert_allclose(ds.X_train[:, 0], X, rtol=1e-6)
    assert ds.X_train.dtype == np.float32
    assert ds.meta["split"].startswith("given")


def test_one_file_finds_its_sibling_either_way(kaggle_folder):
    a = load_mitbih_csv(kaggle_folder / "mitbih_train.csv")
    b = load_mitbih_csv(kaggle_folder / "mitbih_test.csv")
    c = load(f"mitbih-csv:{kaggle_folder}")
    assert a.fingerprint() == b.fingerprint() == c.fingerprint()
    assert a.X_train.shape[0] == 8


def test_single_file_without_sibling_is_split_with_a_warning(tmp_path):
    _kaggle(tmp_path / "mitbih_train.csv", [0, 1, 2, 3, 4] * 4)
    with pytest.warns(UserWarning, match="splitting it"):
        ds = load_mitbih_csv(tmp_path / "mitbih_train.csv")
    assert ds.X_train.shape[0] + ds.X_test.shape[0] == 20
    assert (ds.class_counts("test") == 1).all()
    assert "stratified" in ds.meta["split"]
    with pytest.warns(UserWarning, match="splitting it"):
        load_mitbih_csv(tmp_path)  # folder holding only the train file


def test_wrong_column_count(tmp_path):
    np.savetxt(tmp_path / "mitbih_train.csv", np.ones((3, 10)), delimiter=",")
    with pytest.raises(DataError, match=r"mitbih_train\.csv: rows have 10 columns, expected 188"):
        load_mitbih_csv(tmp_path / "mitbih_train.csv")


def test_ragged_row_names_file_and_row(tmp_path):
    f = tmp_path / "mitbih_train.csv"
    _kaggle(f, [0, 1, 0, 1])
    lines = f.read_text().splitlines()
    lines[2] = ",".join(lines[2].split(",")[:100])
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError,
                       match=r"mitbih_train\.csv: ragged rows: row 3 has 100 columns but other rows have 188"):
        load_mitbih_csv(f)


def test_label_outside_0_to_4_names_row(tmp_path):
    f = tmp_path / "mitbih_train.csv"
    _kaggle(f, [0, 1, 5, 1])
    with pytest.raises(DataError, match=r"the label at row 3, column 188 is not one of 0, 1, 2, 3, 4"):
        load_mitbih_csv(f)
    _kaggle(f, [0, 1.5, 0, 1])
    with pytest.raises(DataError, match=r"the label at row 2"):
        load_mitbih_csv(f)


def test_nan_inf_non_numeric_empty_and_cap(tmp_path):
    f = tmp_path / "mitbih_train.csv"
    _kaggle(f, [0, 1, 0, 1])
    lines = f.read_text().splitlines()
    good = list(lines)
    parts = lines[1].split(",")
    parts[4] = "nan"
    lines[1] = ",".join(parts)
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"missing value \(NaN or missing-value marker\) at row 2, column 5"):
        load_mitbih_csv(f)
    parts[4] = "inf"
    good[1] = ",".join(parts)
    f.write_text("\n".join(good) + "\n")
    with pytest.raises(DataError, match=r"Inf value at row 2, column 5"):
        load_mitbih_csv(f)
    parts[4] = "bad"
    good[1] = ",".join(parts)
    f.write_text("\n".join(good) + "\n")
    with pytest.raises(DataError, match=r"non-numeric value at row 2, column 5"):
        load_mitbih_csv(f)
    with pytest.raises(DataError, match="over the"):
        load_mitbih_csv(f, max_mb=1e-3)
    f.write_text("")
    with pytest.raises(DataError, match="empty"):
        load_mitbih_csv(f)


def test_single_class_and_missing_paths(tmp_path):
    _kaggle(tmp_path / "mitbih_train.csv", [0, 0, 0])
    _kaggle(tmp_path / "mitbih_test.csv", [0, 1])
    with pytest.raises(DataError, match="single class"):
        load_mitbih_csv(tmp_path)
    with pytest.raises(DataError, match="not found"):
        load_mitbih_csv(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="holds neither mitbih_train.csv nor mitbih_test.csv"):
        load(f"mitbih-csv:{empty}")
