import numpy as np
import pytest

import tsviz.data as tdata
from tsviz.data import DataError, Dataset, load
from tsviz.data.validation import check_file, encode_labels


def _ds(**kw):
    base = dict(name="d", X_train=np.zeros((4, 1, 8)), y_train=[0, 1, 0, 1], X_test=np.zeros((2, 1, 8)),
                y_test=[0, 1], class_names=("a", "b"))
    base.update(kw)
    return Dataset(**base)


def test_dataset_coerces_and_freezes():
    ds = _ds(X_train=np.zeros((4, 8), dtype=np.float64))
    assert ds.X_train.shape == (4, 1, 8) and ds.X_train.dtype == np.float32
    assert ds.y_train.dtype == np.int64 and ds.class_names == ("a", "b")
    assert not ds.X_train.flags.writeable
    with pytest.raises(ValueError):
        ds.X_train[0, 0, 0] = 1.0
    with pytest.raises(AttributeError):
        ds.name = "other"
    assert (ds.n_classes, ds.n_channels, ds.length) == (2, 1, 8)
    assert ds.summary()["train_counts"] == [2, 2]


@pytest.mark.parametrize("kw, match", [
    (dict(X_train=np.full((4, 1, 8), np.nan)), "NaN value at row 1, time step 1"),
    (dict(X_test=np.full((2, 1, 8), np.inf)), "Inf value"),
    (dict(X_test=np.zeros((2, 1, 9))), "test series are"),
    (dict(y_train=[0, 0, 0, 0]), "single class"),
    (dict(y_train=[0, 1, 2, 1]), "outside"),
    (dict(y_train=[0, 1]), "expected 4 labels"),
    (dict(class_names=("a",)), "at least 2 classes"),
    (dict(class_names=("a", "a")), "repeat"),
    (dict(X_train=np.zeros((0, 1, 8)), y_train=[]), "no series"),
    (dict(X_train=np.array([["x"] * 8] * 4)), "numeric"),
    (dict(fs=-1.0), "fs must be positive"),
])
def test_dataset_rejects_bad_arrays(kw, match):
    with pytest.raises(DataError, match=match):
        _ds(**kw)


def test_dataerror_is_valueerror():
    assert issubclass(DataError, ValueError)


def test_fingerprint_tracks_content():
    a, b = _ds(), _ds()
    assert a.fingerprint() == b.fingerprint()
    c = _ds(X_train=np.ones((4, 1, 8)))
    assert c.fingerprint() != a.fingerprint()


def test_encode_labels_numeric_order_and_shared_mapping():
    (ytr, yte), names = encode_labels(np.array([1.0, -1.0, 1.0]), np.array([-1.0]), source="t")
    assert names == ("-1", "1") and ytr.tolist() == [1, 0, 1] and yte.tolist() == [0]
    (y,), names = encode_labels(np.array(["b", "a", "b"]), source="t")
    assert names == ("a", "b") and y.tolist() == [1, 0, 1]
    with pytest.raises(DataError, match="at least 2 classes"):
        encode_labels(np.array([3, 3, 3]), source="t")
    with pytest.raises(DataError, match="not one of the 2 class names"):
        encode_labels(np.array(["x"]), source="t", class_names=["a", "b"])


def test_check_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        check_file(tmp_path / "missing.csv")
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        check_file(empty)
    big = tmp_path / "b.csv"
    big.write_bytes(b"1" * 4096)
    with pytest.raises(DataError, match="over the .* cap"):
        check_file(big, max_mb=0.001)


@pytest.mark.parametrize("spec", ["", "nope", "ucr:", "foo:bar", 3])
def test_unknown_spec(spec):
    with pytest.raises(DataError):
        load(spec)


def test_unknown_option_names_loader():
    with pytest.raises(DataError, match="options for cbf"):
        load("cbf", bogus=1)


@pytest.mark.parametrize("spec, sizes, k", [("cbf", (30, 900, 128), 3), ("synthetic-control", (300, 300, 60), 6)])
def test_simple_generators_ucr_sizes(spec, sizes, k):
    ds = load(spec)
    assert (ds.X_train.shape[0], ds.X_test.shape[0], ds.length) == sizes
    assert ds.n_classes == k and ds.meta["spec"] == spec
    assert np.all(ds.class_counts("train") == sizes[0] // k)
    again = load(spec)
    assert np.array_equal(ds.X_train, again.X_train) and np.array_equal(ds.y_test, again.y_test)
    other = load(spec, seed=1)
    assert not np.array_equal(ds.X_train, other.X_train)


def test_cbf_matches_definition():
    ds = load("cbf", n_train=300, n_test=3, seed=3)
    X, y = ds.X_train[:, 0], ds.y_train
    # cylinder: flat plateau of height ~6; bell rises, funnel falls across the event
    t = np.arange(128)
    for cls in range(3):
        m = X[y == cls].mean(0)
        assert m.max() > 2.0
    bell, funnel = X[y == 1].mean(0), X[y == 2].mean(0)
    assert np.argmax(bell) > np.argmax(funnel)
    assert abs(X[y == 0][:, :10].mean()) < 0.5  # noise-only before a >= 16
    assert t.size == ds.length


def test_synthetic_control_patterns():
    ds = load("synthetic-control", n_train=600, n_test=6)
    X, y = ds.X_train[:, 0], ds.y_train
    slope = np.polyfit(np.arange(60), X.T, 1)[0]
    assert slope[y == 2].mean() > 0.15 and slope[y == 3].mean() < -0.15
    assert abs(slope[y == 0].mean()) < 0.05
    assert X[y == 4][:, -5:].mean() > X[y == 4][:, :5].mean() + 5


def test_train_set_independent_of_n_test():
    a, b = load("cbf", n_test=10), load("cbf", n_test=20)
    assert np.array_equal(a.X_train, b.X_train)


@pytest.mark.parametrize("kw, match", [(dict(n_train=2), "n_train"), (dict(length=10), "length"),
                                       (dict(n_test=0), "n_test"), (dict(n_train=10**6), "cap")])
def test_simple_generator_bad_args(kw, match):
    with pytest.raises(DataError, match=match):
        load("cbf", **kw)


def test_public_names():
    for name in ("Dataset", "DataError", "load"):
        assert name in tdata.__all__
