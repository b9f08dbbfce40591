"""UCR/UEA folder loader: every format, the unequal-length policies, bad inputs, real archive data."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from realdata import SHARED_DATA  # noqa: E402 - the real-data folder (TSVIZ_TEST_DATA)

from tsviz.data import DataError, load
from tsviz.data.ucr import UCR_SOURCE, load_ucr

#: Official UCR 2018 sizes: name -> (n_train, n_test, length, n_classes).
UCR_OFFICIAL = {
    "Adiac": (390, 391, 176, 37),
    "CBF": (30, 900, 128, 3),
    "Coffee": (28, 28, 286, 2),
    "CricketX": (390, 390, 300, 12),
    "ECG200": (100, 100, 96, 2),
    "ECGFiveDays": (23, 861, 136, 2),
    "GunPoint": (50, 150, 150, 2),
    "SyntheticControl": (300, 300, 60, 6),
    "TwoLeadECG": (23, 1139, 82, 2),
}


@pytest.fixture(scope="module")
def shared_data() -> Path:
    """The shared real-data folder, or skip with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA.resolve()} is absent (set TSVIZ_TEST_DATA)")
    return SHARED_DATA.resolve()


# ----------------------------------------------------------------------------- writers
def _tsv(path: Path, y, X) -> None:
    rows = ["\t".join([str(lab)] + [repr(float(v)) for v in x]) for lab, x in zip(y, X)]
    path.write_text("\n".join(rows) + "\n")


def _pair(folder: Path, name: str, ext: str, train: str, test: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}_TRAIN{ext}").write_text(train)
    (folder / f"{name}_TEST{ext}").write_text(test)
    return folder


@pytest.fixture
def toy() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    Xtr = rng.normal(size=(6, 10)).round(4)
    Xte = rng.normal(size=(4, 10)).round(4)
    ytr = np.array([-1, 1, -1, 1, 1, -1])
    yte = np.array([1, -1, 1, -1])
    return Xtr, ytr, Xte, yte


@pytest.fixture
def tsv_folder(tmp_path, toy) -> Path:
    Xtr, ytr, Xte, yte = toy
    folder = tmp_path / "Toy"
    folder.mkdir()
    _tsv(folder / "Toy_TRAIN.tsv", ytr, Xtr)
    _tsv(folder / "Toy_TEST.tsv", yte, Xte)
    return folder


# ----------------------------------------------------------------------------- formats
def test_tsv_folder_loads_values_labels_and_meta(tsv_folder, toy):
    Xtr, ytr, Xte, yte = toy
    ds = load_ucr(tsv_folder)
    assert ds.name == "Toy"
    assert ds.X_train.shape == (6, 1, 10) and ds.X_test.shape == (4, 1, 10)
    np.testing.assert_allclose(ds.X_train[:, 0], Xtr, rtol=1e-6)
    np.testing.assert_allclose(ds.X_test[:, 0], Xte, rtol=1e-6)
    assert ds.class_names == ("-1", "1")
    np.testing.assert_array_equal(ds.y_train, (ytr == 1).astype(int))
    np.testing.assert_array_equal(ds.y_test, (yte == 1).astype(int))
    assert ds.unit == "a.u." and ds.fs is None
    assert ds.meta["source"] == UCR_SOURCE
    assert [Path(f).name for f in ds.meta["files"]] == ["Toy_TRAIN.tsv", "Toy_TEST.tsv"]
    assert "tab" in ds.meta["format"]


def test_file_path_finds_its_sibling_and_load_spec(tsv_folder):
    a = load_ucr(tsv_folder / "Toy_TRAIN.tsv")
    b = load_ucr(tsv_folder / "Toy_TEST.tsv")
    c = load(f"ucr:{tsv_folder}")
    assert a.fingerprint() == b.fingerprint() == c.fingerprint()
    assert c.meta["spec"] == f"ucr:{tsv_folder}"


def test_train_and_test_share_one_label_mapping(tmp_path):
    # test holds only class 3: it must keep index 2, not be re-encoded as 0
    X = np.arange(12.0).reshape(4, 3)
    folder = tmp_path / "Map"
    folder.mkdir()
    _tsv(folder / "Map_TRAIN.tsv", [1, 2, 3, 10], X)
    _tsv(folder / "Map_TEST.tsv", [3, 3], X[:2])
    ds = load_ucr(folder)
    assert ds.class_names == ("1", "2", "3", "10")
    assert ds.y_test.tolist() == [2, 2]


def test_txt_whitespace_comma_and_no_extension(tmp_path):
    train = "  1.0000000e+00  1.5 2.5 3.5\n  2.0000000e+00  4.0 5.0 6.0\n"
    test = "  2.0000000e+00  7.0 8.0 9.0\n  1.0000000e+00  0.5 0.25 0.125\n"
    ds = load_ucr(_pair(tmp_path / "Old", "Old", ".txt", train, test))
    assert ds.X_train.shape == (2, 1, 3) and ds.class_names == ("1", "2")
    np.testing.assert_allclose(ds.X_test[1, 0], [0.5, 0.25, 0.125])
    ds2 = load_ucr(_pair(tmp_path / "Comma", "Comma", ".txt", "1,1,2,3\n2,4,5,6\n", "1,0,0,0\n"))
    assert ds2.X_train.shape == (2, 1, 3)
    ds3 = load_ucr(_pair(tmp_path / "NoExt", "NoExt", "", train, test))  # UCR 2015 layout
    np.testing.assert_array_equal(ds3.X_train, ds.X_train)


TS_UNI = """# a comment
@problemName Toy
@timeStamps false
@missing false
@univariate true
@equalLength true
@seriesLength 4
@classLabel true a b
@data
1.0,2.0,3.0,4.0:a
4.0,3.0,2.0,1.0:b
0.5,0.5,0.5,0.5:a
"""


def test_ts_univariate_string_labels(tmp_path):
    ds = load_ucr(_pair(tmp_path / "Toy", "Toy", ".ts", TS_UNI, TS_UNI))
    assert ds.X_train.shape == (3, 1, 4)
    assert ds.class_names == ("a", "b")
    np.testing.assert_allclose(ds.X_train[1, 0], [4, 3, 2, 1])
    assert ds.meta["format"].startswith("ts")


def test_ts_multivariate_gives_channels(tmp_path):
    text = (
        "@problemName Multi\n@univariate false\n@dimensions 2\n@equalLength true\n@classLabel true 1 2\n@data\n"
        "1,2,3:10,20,30:1\n4,5,6:40,50,60:2\n7,8,9:70,80,90:1\n"
    )
    ds = load_ucr(_pair(tmp_path / "Multi", "Multi", ".ts", text, text))
    assert ds.X_train.shape == (3, 2, 3)
    np.testing.assert_allclose(ds.X_train[1], [[4, 5, 6], [40, 50, 60]])
    assert ds.meta["n_channels"] == 2


UNEQUAL = (
    "@problemName Uneq\n@univariate true\n@equalLength false\n@classLabel true x y\n@data\n"
    "0,1,2:x\n0,1,2,3,4:y\n5,6,7,8,?:x\n"
)


@pytest.mark.parametrize(
    "policy, expected_first, length",
    [
        ("resample", [0.0, 0.5, 1.0, 1.5, 2.0], 5),
        ("pad", [0.0, 1.0, 2.0, 2.0, 2.0], 5),
        ("truncate", [0.0, 1.0, 2.0], 3),
    ],
)
def test_ts_unequal_lengths_follow_the_policy(tmp_path, policy, expected_first, length):
    ds = load_ucr(_pair(tmp_path / "Uneq", "Uneq", ".ts", UNEQUAL, UNEQUAL), length_policy=policy)
    assert ds.length == length
    np.testing.assert_allclose(ds.X_train[0, 0], expected_first)
    assert ds.meta["original_length"] == {"min": 3, "max": 5}
    assert policy in ds.meta["length_policy"]
    if policy == "resample":  # the trailing '?' is padding: 4 values resampled to 5
        np.testing.assert_allclose(ds.X_train[2, 0], [5, 5.75, 6.5, 7.25, 8])
    if policy == "pad":
        np.testing.assert_allclose(ds.X_train[2, 0], [5, 6, 7, 8, 8])


def test_unequal_lengths_with_error_policy(tmp_path):
    folder = _pair(tmp_path / "Uneq", "Uneq", ".ts", UNEQUAL, UNEQUAL)
    with pytest.raises(DataError, match=r"unequal lengths \(3 to 5.*length_policy='error'"):
        load_ucr(folder, length_policy="error")
    with pytest.raises(DataError, match="length_policy must be one of"):
        load_ucr(folder, length_policy="zero")


def test_ts_multivariate_unequal_channels_share_one_length(tmp_path):
    text = (
        "@problemName MU\n@dimensions 2\n@equalLength false\n@classLabel true 1 2\n@data\n"
        "0,2:0,1,2:1\n1,1,1:5,5,5:2\n"
    )
    ds = load_ucr(_pair(tmp_path / "MU", "MU", ".ts", text, text))
    assert ds.X_train.shape == (2, 2, 3)
    np.testing.assert_allclose(ds.X_train[0], [[0, 1, 2], [0, 1, 2]])


def test_ts_missing_value_inside_a_series(tmp_path):
    text = "@problemName M\n@dimensions 2\n@classLabel true a b\n@data\n1,2,3:1,2,3:a\n1,2,3:1,?,3:b\n"
    with pytest.raises(DataError, match=r"M_TRAIN\.ts: NaN .*inside a series at row 6, channel 2, time step 2"):
        load_ucr(_pair(tmp_path / "M", "M", ".ts", text, text))


def test_tsv_trailing_nan_padding_is_variable_length(tmp_path):
    folder = _pair(
        tmp_path / "Var", "Var", ".tsv",
        "1\t0\t2\t4\tNaN\tNaN\n2\t1\t1\t1\t1\t1\n",
        "1\t3\t3\t3\t3\t3\n2\t0\t1\tNaN\tNaN\tNaN\n",
    )
    ds = load_ucr(folder)
    assert ds.length == 5
    np.testing.assert_allclose(ds.X_train[0, 0], [0, 1, 2, 3, 4])
    np.testing.assert_allclose(ds.X_test[1, 0], [0, 0.25, 0.5, 0.75, 1])


def test_arff_univariate_and_relational(tmp_path):
    uni = (
        "% comment\n@relation toy\n@attribute t0 numeric\n@attribute t1 numeric\n@attribute t2 numeric\n"
        "@attribute target {a,b}\n\n@data\n1,2,3,a\n3,2,1,'b'\n% more\n2,2,2,a\n"
    )
    ds = load_ucr(_pair(tmp_path / "Arff", "Arff", ".arff", uni, uni))
    assert ds.X_train.shape == (3, 1, 3) and ds.class_names == ("a", "b")
    np.testing.assert_allclose(ds.X_train[1, 0], [3, 2, 1])
    rel = (
        "@relation multi\n@attribute series relational\n  @attribute t0 numeric\n  @attribute t1 numeric\n"
        "@end series\n@attribute class {1,2}\n@data\n'1,2\\n3,4',1\n'5,6\\n7,8',2\n"
    )
    ds2 = load_ucr(_pair(tmp_path / "Rel", "Rel", ".arff", rel, rel))
    assert ds2.X_train.shape == (2, 2, 2)
    np.testing.assert_allclose(ds2.X_train[1], [[5, 6], [7, 8]])


# ----------------------------------------------------------------------------- bad inputs
def test_missing_test_file(tmp_path):
    folder = tmp_path / "Half"
    folder.mkdir()
    _tsv(folder / "Half_TRAIN.tsv", [1, 2], np.ones((2, 3)))
    with pytest.raises(DataError, match="no TEST file"):
        load_ucr(folder)
    with pytest.raises(DataError, match="no TEST file"):
        load_ucr(folder / "Half_TRAIN.tsv")
    with pytest.raises(DataError, match="no TEST file"):
        load(f"ucr:{folder}")


def test_missing_folder_and_empty_folder(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_ucr(tmp_path / "nope")
    (tmp_path / "Empty").mkdir()
    with pytest.raises(DataError, match="no UCR files found"):
        load_ucr(tmp_path / "Empty")


def test_empty_file(tmp_path):
    folder = _pair(tmp_path / "E", "E", ".tsv", "", "1\t2\n")
    with pytest.raises(DataError, match=r"E_TRAIN\.tsv is empty"):
        load_ucr(folder)


def test_nan_inside_a_series_names_file_row_column(tmp_path):
    folder = _pair(tmp_path / "N", "N", ".tsv", "1\t1\t2\t3\n2\t4\tNaN\t6\n", "1\t1\t2\t3\n")
    with pytest.raises(DataError, match=r"N_TRAIN\.tsv: NaN .*inside a series at row 2, column 3 \(time step 2\)"):
        load_ucr(folder)


def test_inf_names_file_row_column(tmp_path):
    folder = _pair(tmp_path / "I", "I", ".tsv", "1\t1\t2\t3\n2\t4\t5\t6\n", "1\t1\tinf\t3\n")
    with pytest.raises(DataError, match=r"I_TEST\.tsv: Inf value at row 1, column 3"):
        load_ucr(folder)


def test_non_numeric_value_names_row_column(tmp_path):
    folder = _pair(tmp_path / "S", "S", ".tsv", "1\t1\t2\t3\n2\t4\tabc\t6\n", "1\t1\t2\t3\n")
    with pytest.raises(DataError, match=r"S_TRAIN\.tsv: non-numeric value at row 2, column 3"):
        load_ucr(folder)
    ts = "@problemName T\n@classLabel true a b\n@data\n1,2:a\n1,x:b\n"
    with pytest.raises(DataError, match=r"non-numeric value at row 5, time step 2"):
        load_ucr(_pair(tmp_path / "T", "T", ".ts", ts, ts))


def test_rows_of_different_widths_are_variable_length_series(tmp_path):
    # a delimited UCR file without NaN padding: wider later rows are longer series, not an error
    folder = _pair(tmp_path / "R", "R", ".tsv", "1\t1\t2\n2\t4\t5\t6\t7\n", "1\t1\t2\n")
    ds = load_ucr(folder, length_policy="pad")
    np.testing.assert_allclose(ds.X_train[:, 0], [[1, 2, 2, 2], [4, 5, 6, 7]])
    with pytest.raises(DataError, match=r"unequal lengths \(2 to 4 time steps; e.g. R_TRAIN.tsv row 1 has 2\)"):
        load_ucr(folder, length_policy="error")


def test_ragged_channels(tmp_path):
    ts = "@problemName T\n@dimensions 2\n@classLabel true a b\n@data\n1,2:3,4:a\n1,2:b\n"
    with pytest.raises(DataError, match=r"row 6 has 1 channels but the file has 2"):
        load_ucr(_pair(tmp_path / "T", "T", ".ts", ts, ts))


def test_single_class_and_missing_label(tmp_path):
    folder = _pair(tmp_path / "One", "One", ".tsv", "1\t1\t2\n1\t3\t4\n", "1\t5\t6\n")
    with pytest.raises(DataError, match="found 1 class"):
        load_ucr(folder)
    ts = "@problemName T\n@classLabel true a b\n@data\n1,2:a\n1,2:c\n"
    with pytest.raises(DataError, match=r"row 5: the label is not among the 2 declared"):
        load_ucr(_pair(tmp_path / "T", "T", ".ts", ts, ts))


def test_ts_without_labels_or_with_timestamps_is_refused(tmp_path):
    ts = "@problemName T\n@classLabel false\n@data\n1,2\n"
    with pytest.raises(DataError, match="no class labels"):
        load_ucr(_pair(tmp_path / "A", "A", ".ts", ts, ts))
    ts = "@problemName T\n@timeStamps true\n@classLabel true a\n@data\n(0,1),(1,2):a\n"
    with pytest.raises(DataError, match="time-stamped"):
        load_ucr(_pair(tmp_path / "B", "B", ".ts", ts, ts))


def test_size_cap(tsv_folder):
    with pytest.raises(DataError, match=r"over the 1e-05 MiB cap"):
        load_ucr(tsv_folder, max_mb=1e-5)


def test_unknown_spec():
    with pytest.raises(DataError, match="unknown dataset spec 'ucrx:foo'"):
        load("ucrx:foo")
    with pytest.raises(DataError, match="names no path"):
        load("ucr:")


def test_unknown_option_is_a_data_error(tsv_folder):
    with pytest.raises(DataError, match="options for ucr are: length_policy, max_mb"):
        load(f"ucr:{tsv_folder}", seed=1)


# ----------------------------------------------------------------------------- real data
def test_every_ucr_folder_loads_with_official_sizes(shared_data):
    root = shared_data / "ucr"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    assert folders, f"{root} holds no dataset folders"
    seen = {}
    for folder in folders:
        ds = load(f"ucr:{folder}")
        seen[folder.name] = (ds.X_train.shape[0], ds.X_test.shape[0], ds.length, ds.n_classes)
        assert ds.name == folder.name and ds.n_channels == 1
        assert ds.X_train.dtype == np.float32 and ds.unit == "a.u." and ds.fs is None
        # UCR rows are z-normalised
        assert abs(float(ds.X_train.mean())) < 0.05
    for name, sizes in seen.items():
        if name in UCR_OFFICIAL:
            assert sizes == UCR_OFFICIAL[name], name
    assert set(UCR_OFFICIAL) & set(seen), f"none of {sorted(UCR_OFFICIAL)} found in {root}"


def test_real_ecg200_values_match_the_file(shared_data):
    folder = shared_data / "ucr" / "ECG200"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    ds = load_ucr(folder)
    raw = np.loadtxt(folder / "ECG200_TRAIN.tsv", delimiter="\t")
    np.testing.assert_allclose(ds.X_train[:, 0], raw[:, 1:], rtol=1e-6, atol=1e-6)
    assert ds.class_names == ("-1", "1")
    np.testing.assert_array_equal(ds.y_train, (raw[:, 0] == 1).astype(int))


def test_real_train_only_folders_raise_no_test_file(shared_data):
    root = shared_data / "ucr_train_only"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    assert folders
    for folder in folders:
        with pytest.raises(DataError, match=f"no TEST file.*{folder.name}_TRAIN"):
            load(f"ucr:{folder}")
