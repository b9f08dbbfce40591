import numpy as np
import pytest
import torch

from tsviz.models import build
from tsviz.training import fit


def _model(ds, arch="fcn", seed=0):
    return build(arch, ds.n_channels, ds.n_classes, ds.length, seed=seed)


def test_fit_learns_tiny_problem(tiny_dataset):
    m = _model(tiny_dataset)
    calls = []
    res = fit(m, tiny_dataset, epochs=8, seed=0, lr=3e-3, batch_size=16, progress=lambda f, s: calls.append(f))
    assert res.metrics["test_accuracy"] >= 0.9
    assert not m.training
    assert calls and calls[-1] == 1.0 and all(0 <= f <= 1 for f in calls)
    assert m.card["recipe"] == "standard" and m.card["metrics"]["test_accuracy"] == res.metrics["test_accuracy"]
    assert m.card["class_names"] == ["a", "b", "c"] and m.card["dataset_fingerprint"] == tiny_dataset.fingerprint()
    assert set(res.history) >= {"epoch", "train_loss", "val_loss", "val_accuracy"}
    # normalisation statistics were set from the data
    assert not torch.allclose(m.normalize.std, torch.ones_like(m.normalize.std))


def test_fit_deterministic_for_seed_and_keeps_global_rng(tiny_dataset):
    state = torch.random.get_rng_state()
    a, b = _model(tiny_dataset, "lstm_fcn"), _model(tiny_dataset, "lstm_fcn")  # has dropout
    fit(a, tiny_dataset, epochs=2, seed=5, batch_size=16)
    fit(b, tiny_dataset, epochs=2, seed=5, batch_size=16)
    assert torch.equal(torch.random.get_rng_state(), state)
    sa, sb = a.state_dict(), b.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    c = _model(tiny_dataset, "lstm_fcn")
    fit(c, tiny_dataset, epochs=2, seed=6, batch_size=16)
    assert any(not torch.equal(sa[k], c.state_dict()[k]) for k in sa if sa[k].dtype.is_floating_point)


def test_fit_cancel_and_on_epoch(tiny_dataset):
    m = _model(tiny_dataset)
    rows = []
    res = fit(m, tiny_dataset, epochs=50, seed=0, on_epoch=rows.append, should_stop=lambda: len(rows) >= 2)
    assert res.cancelled and len(res.history["epoch"]) == 3 and len(rows) == 3


def test_fit_early_stopping(tiny_dataset):
    m = _model(tiny_dataset)
    res = fit(m, tiny_dataset, epochs=200, seed=0, lr=1e-2, patience=2)
    assert res.stopped_early and len(res.history["epoch"]) < 200
    assert res.best_epoch == int(np.argmin(res.history["val_loss"])) + 1


@pytest.mark.parametrize("kw, match", [(dict(epochs=0), "epochs"), (dict(epochs=10**6), "epochs"),
                                       (dict(lr=-1.0), "lr"), (dict(batch_size=0), "batch_size"),
                                       (dict(recipe="nope"), "unknown recipe"),
                                       (dict(val_fraction=0.95), "val_fraction")])
def test_fit_bad_args(tiny_dataset, kw, match):
    with pytest.raises(ValueError, match=match):
        fit(_model(tiny_dataset), tiny_dataset, **{"epochs": 1, **kw})


def test_fit_shape_mismatch(tiny_dataset):
    m = build("fcn", 1, 5, 32)
    with pytest.raises(ValueError, match="model expects"):
        fit(m, tiny_dataset, epochs=1)
