"""CSV and NPZ loaders: layouts, delimiter/header detection, splits, and every bad input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tsviz.data import DataError, load
from tsviz.data.tabular import load_csv, load_npz


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _rows(n: int = 12, T: int = 5, labels=("a", "b"), sep: str = ",", label_last: bool = True) -> str:
    rng = np.random.default_rng(1)
    lines = []
    for i in range(n):
        vals = [f"{v:.4f}" for v in rng.normal(size=T)]
        lab = str(labels[i % len(labels)])
        lines.append(sep.join(vals + [lab] if label_last else [lab] + vals))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- CSV layouts
def test_csv_numeric_labels_no_header_split_is_stratified_and_seeded(tmp_path):
    f = _write(tmp_path / "data.csv", _rows(labels=(0, 1, 2)))
    ds = load_csv(f)
    assert ds.X_train.shape[1:] == (1, 5) and ds.X_train.shape[0] + ds.X_test.shape[0] == 12
    assert ds.class_names == ("0", "1", "2")
    assert (ds.class_counts("test") >= 1).all()
    assert "stratified" in ds.meta["split"] and "seed=0" in ds.meta["split"]
    assert ds.meta["delimiter"] == "','" and ds.meta["header"] is False
    assert load_csv(f).fingerprint() == ds.fingerprint()
    assert load_csv(f, seed=1).fingerprint() != ds.fingerprint()
    assert ds.name == "data" and ds.unit == "a.u." and ds.fs is None


def test_csv_header_string_labels_by_name_and_values(tmp_path):
    text = "t1,t2,t3,kind\n1,2,3,cat\n4,5,6,dog\n7,8,9,cat\n1.5,2.5,3.5,dog\n"
    f = _write(tmp_path / "h.csv", text)
    ds = load_csv(f, label_column="kind", test_fraction=0.5, fs=250.0, unit="mV")
    assert ds.meta["header"] is True and ds.meta["label_column"] == "kind"
    assert ds.class_names == ("cat", "dog")
    assert ds.fs == 250.0 and ds.unit == "mV"
    allX = np.concatenate([ds.X_train, ds.X_test])[:, 0]
    assert sorted(map(tuple, allX.tolist())) == sorted([(1, 2, 3), (4, 5, 6), (7, 8, 9), (1.5, 2.5, 3.5)])
    ds2 = load_csv(f)  # header auto-detected, label last by default
    assert ds2.class_names == ("cat", "dog") and ds2.meta["header"] is True


def test_csv_numeric_header_above_string_label_column_is_detected(tmp_path):
    f = _write(tmp_path / "h.csv", "label,0,1,2\n1,0.1,0.2,0.3\n2,0.4,0.5,0.6\n1,1,1,1\n2,2,2,2\n")
    ds = load_csv(f, label_column=0)
    assert ds.meta["header"] is True and ds.class_names == ("1", "2")


def test_csv_semicolons_decimal_comma_tab_whitespace(tmp_path):
    semi = _write(tmp_path / "semi.csv", "1,5;2,5;A\n3,0;4,0;B\n5,5;6,5;A\n7,0;8,0;B\n")
    ds = load_csv(semi, test_fraction=0.5)
    assert ds.meta["delimiter"] == "';'"
    allX = np.concatenate([ds.X_train, ds.X_test])[:, 0]
    assert {tuple(r) for r in allX.tolist()} == {(1.5, 2.5), (3, 4), (5.5, 6.5), (7, 8)}
    semi2 = _write(tmp_path / "semi2.csv", _rows(sep=";"))
    assert load_csv(semi2).X_train.shape[2] == 5
    tab = _write(tmp_path / "t.tsv", _rows(sep="\t"))
    assert load_csv(tab).meta["delimiter"] == "tab"
    ws = _write(tmp_path / "w.txt", _rows(sep="   "))
    assert load_csv(ws).meta["delimiter"] == "whitespace"
    assert load_csv(ws, delimiter="whitespace").X_train.shape[2] == 5


def test_csv_label_first_and_test_path(tmp_path):
    tr = _write(tmp_path / "tr.csv", _rows(label_last=False))
    te = _write(tmp_path / "te.csv", _rows(n=4, label_last=False))
    ds = load_csv(tr, label_column=0, test_path=te)
    assert ds.X_train.shape == (12, 1, 5) and ds.X_test.shape == (4, 1, 5)
    assert ds.meta["split"].startswith("given")
    assert len(ds.meta["files"]) == 2
    via = load(f"csv:{tr}", label_column=0, test_path=str(te))
    assert via.fingerprint() == ds.fingerprint()


def test_csv_blank_lines_are_skipped_but_rows_keep_file_numbers(tmp_path):
    f = _write(tmp_path / "b.csv", "1,2,a\n\n3,4,b\n1,2,a\n\n5,x,b\n")
    with pytest.raises(DataError, match=r"non-numeric value at row 6, column 2"):
        load_csv(f)
    g = _write(tmp_path / "g.csv", "1,2,a\n\n3,4,b\n1,2,a\n5,6,b\n\n")
    assert load_csv(g, test_fraction=0.5).X_train.shape[0] == 2


# ----------------------------------------------------------------------------- CSV bad inputs
def test_csv_missing_and_empty_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match=r"empty \(0 bytes\)"):
        load_csv(_write(tmp_path / "e.csv", ""))
    with pytest.raises(DataError, match="no data rows"):
        load_csv(_write(tmp_path / "blank.csv", "\n\n  \n"))


def test_csv_nan_inf_and_empty_field_name_row_and_column(tmp_path):
    with pytest.raises(DataError, match=r"missing value \(NaN or missing-value marker\) at row 3, column 2"):
        load_csv(_write(tmp_path / "n.csv", "1,2,a\n3,4,b\n5,nan,a\n6,7,b\n"))
    with pytest.raises(DataError, match=r"n2\.csv: missing value \(empty field\) at row 2, column 1"):
        load_csv(_write(tmp_path / "n2.csv", "1,2,a\n,4,b\n5,6,a\n6,7,b\n"))
    with pytest.raises(DataError, match=r"i\.csv: Inf value at row 4, column 2"):
        load_csv(_write(tmp_path / "i.csv", "1,2,a\n3,4,b\n5,6,a\n6,-inf,b\n"))


def test_csv_ragged_rows_name_row_and_counts(tmp_path):
    with pytest.raises(DataError, match=r"short\.csv: ragged rows: row 3 has 2 columns but other rows have 3"):
        load_csv(_write(tmp_path / "short.csv", "1,2,a\n3,4,b\n5,a\n6,7,b\n"))
    with pytest.raises(DataError, match=r"long\.csv: ragged rows: row 2 has 4 columns but earlier rows have 3"):
        load_csv(_write(tmp_path / "long.csv", "1,2,a\n3,4,5,b\n5,6,a\n"))


def test_csv_non_numeric_value_names_row_and_column(tmp_path):
    with pytest.raises(DataError, match=r"non-numeric value at row 3, column 1"):
        load_csv(_write(tmp_path / "s.csv", "1,2,a\n3,4,b\noops,6,a\n6,7,b\n"))


def test_csv_single_class_and_missing_label(tmp_path):
    with pytest.raises(DataError, match="found 1 class"):
        load_csv(_write(tmp_path / "one.csv", "1,2,a\n3,4,a\n5,6,a\n"))
    with pytest.raises(DataError, match=r"missing label at row 2, column 3"):
        load_csv(_write(tmp_path / "ml.csv", "1,2,a\n3,4,\n5,6,b\n"))


def test_csv_wrong_delimiter(tmp_path):
    f = _write(tmp_path / "pipe.csv", "1|2|a\n3|4|b\n5|6|a\n7|8|b\n")
    with pytest.raises(DataError, match=r"single column .*tab, ';', ',', whitespace"):
        load_csv(f)
    g = _write(tmp_path / "comma.csv", _rows())
    with pytest.raises(DataError, match=r"single column with delimiter ';'; wrong delimiter"):
        load_csv(g, delimiter=";")
    assert load_csv(f, delimiter="|").X_train.shape[2] == 2
    with pytest.raises(DataError, match="delimiter 'x' is not supported"):
        load_csv(g, delimiter="x")


def test_csv_label_column_errors(tmp_path):
    f = _write(tmp_path / "h.csv", "a,b,y\n1,2,p\n3,4,q\n")
    with pytest.raises(DataError, match=r"label_column='label' is not a column name in the header row"):
        load_csv(f, label_column="label")
    with pytest.raises(DataError, match=r"label_column=7 is out of range; rows have 3 columns"):
        load_csv(f, label_column=7)
    g = _write(tmp_path / "nh.csv", "1,2,p\n3,4,q\n")
    with pytest.raises(DataError, match="is a column name but header=False"):
        load_csv(g, label_column="y", header=False)


def test_csv_size_cap(tmp_path):
    f = _write(tmp_path / "big.csv", _rows())
    with pytest.raises(DataError, match=r"big\.csv is .* MiB, over the 1e-05 MiB cap"):
        load_csv(f, max_mb=1e-5)


# ----------------------------------------------------------------------------- NPZ
def test_npz_train_test_keys_with_class_names_fs_unit_name(tmp_path):
    rng = np.random.default_rng(0)
    f = tmp_path / "d.npz"
    np.savez(f, X_train=rng.normal(size=(8, 2, 6)).astype(np.float32), y_train=np.array([0, 1] * 4),
             X_test=rng.normal(size=(4, 2, 6)), y_test=np.array([1, 0, 1, 2]),
             class_names=np.array(["N", "S", "V"]), fs=np.array(125.0), unit=np.array("mV"), name=np.array("toy"))
    ds = load_npz(f)
    assert ds.name == "toy" and ds.fs == 125.0 and ds.unit == "mV"
    assert ds.class_names == ("N", "S", "V") and ds.X_train.shape == (8, 2, 6)
    assert ds.y_test.tolist() == [1, 0, 1, 2]
    assert ds.meta["split"].startswith("given")
    assert load(f"npz:{f}").fingerprint() == ds.fingerprint()


def test_npz_x_y_keys_are_split_and_string_labels_encoded(tmp_path):
    f = tmp_path / "xy.npz"
    np.savez(f, X=np.arange(40.0).reshape(10, 4), y=np.array(["b", "a"] * 5))
    ds = load_npz(f, test_fraction=0.4, seed=3)
    assert ds.class_names == ("a", "b") and ds.X_train.shape[1:] == (1, 4)
    assert ds.X_train.shape[0] + ds.X_test.shape[0] == 10
    assert "stratified" in ds.meta["split"] and "seed=3" in ds.meta["split"]
    g = tmp_path / "xy2.npz"
    np.savez(g, X=np.ones((6, 3)), y=np.array(["x", "y", "x", "y", "x", "y"]), class_names=np.array(["y", "x"]))
    assert load_npz(g).class_names == ("y", "x")


def test_npz_bad_inputs(tmp_path):
    f = tmp_path / "k.npz"
    np.savez(f, data=np.ones((3, 3)), labels=np.zeros(3))
    with pytest.raises(DataError, match=r"needs keys X_train, y_train, X_test, y_test \(or X, y\); found none of them"):
        load_npz(f)
    g = tmp_path / "nan.npz"
    X = np.ones((4, 5))
    X[2, 3] = np.nan
    np.savez(g, X=X, y=np.array([0, 1, 0, 1]))
    with pytest.raises(DataError, match=r"nan\.npz X: NaN value at row 3, time step 4"):
        load_npz(g)
    h = tmp_path / "obj.npz"
    np.savez(h, X=np.ones((4, 2)), y=np.array([[1], "a", None, 2.0], dtype=object))
    with pytest.raises(DataError, match="object arrays"):
        load_npz(h)
    with pytest.raises(DataError, match="not a readable .npz"):
        load_npz(_write(tmp_path / "fake.npz", "not a zip"))
    m = tmp_path / "mis.npz"
    np.savez(m, X=np.ones((4, 2)), y=np.array([0, 1, 0]))
    with pytest.raises(DataError, match="y has 3 labels but the series array has 4 rows"):
        load_npz(m)
    one = tmp_path / "one.npz"
    np.savez(one, X=np.ones((4, 2)), y=np.zeros(4))
    with pytest.raises(DataError, match="found 1 class"):
        load_npz(one)
    r = tmp_path / "range.npz"
    np.savez(r, X=np.ones((4, 2)), y=np.array([0, 1, 2, 5]), class_names=np.array(["a", "b", "c"]))
    with pytest.raises(DataError, match=r"a label at row 4 outside the 3 class_names"):
        load_npz(r)
    with pytest.raises(DataError, match="over the"):
        load_npz(m, max_mb=1e-6)
