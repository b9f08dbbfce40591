import json

import numpy as np
import pytest
import torch

from tsviz.models import CheckpointError, arch_hparams, build, load, save
from tsviz.models.checkpoint import checkpoint_paths


def test_build_is_seeded_and_leaves_global_rng_alone():
    state = torch.random.get_rng_state()
    a = build("fcn", 1, 3, 32, seed=7)
    b = build("fcn", 1, 3, 32, seed=7)
    c = build("fcn", 1, 3, 32, seed=8)
    assert torch.equal(torch.random.get_rng_state(), state)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert any(not torch.equal(sa[k], sc[k]) for k in sa if sa[k].dtype.is_floating_point)
    assert not a.training


def test_build_rejects_bad_args():
    with pytest.raises(ValueError, match="unknown architecture"):
        build("vgg", 1, 3, 32)
    with pytest.raises(ValueError, match="n_classes"):
        build("fcn", 1, 1, 32)
    with pytest.raises(ValueError, match="length"):
        build("fcn", 1, 3, 0)
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        build("fcn", 1, 3, 32, bogus=3)


def test_arch_aliases():
    assert build("inception-time", 1, 2, 64).arch == "inceptiontime"


def test_save_load_round_trip(tmp_path):
    m = build("resnet", 2, 4, 40, seed=1, n_filters=8)
    m.normalize.fit_(np.random.default_rng(0).normal(3.0, 2.0, (10, 2, 40)))
    m.card = {"dataset": "x", "metrics": {"test_accuracy": 0.5}}
    w = save(m, tmp_path / "sub" / "model", {"recipe": "standard", "seed": np.int64(3)})
    assert w.name == "model.safetensors" and (tmp_path / "sub" / "model.json").exists()
    card = json.loads((tmp_path / "sub" / "model.json").read_text())
    assert card["arch"] == "resnet" and card["hparams"]["n_filters"] == 8 and card["seed"] == 3
    assert card["metrics"]["test_accuracy"] == 0.5 and card["format"].startswith("tsviz-checkpoint")
    x = torch.randn(5, 2, 40)
    for p in (tmp_path / "sub" / "model", w, tmp_path / "sub" / "model.json"):
        m2 = load(p)
        assert not m2.training and m2.card["recipe"] == "standard"
        assert torch.allclose(m(x), m2(x))
        assert torch.equal(m2.normalize.mean, m.normalize.mean)


def test_load_errors(tmp_path):
    with pytest.raises(CheckpointError, match="card not found"):
        load(tmp_path / "nothing")
    m = build("mlp", 1, 2, 16)
    save(m, tmp_path / "m")
    w, c = checkpoint_paths(tmp_path / "m")
    c.write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load(tmp_path / "m")
    c.write_text(json.dumps({"arch": "mlp"}))
    with pytest.raises(CheckpointError, match="hparams"):
        load(tmp_path / "m")
    save(m, tmp_path / "m")
    w.write_bytes(b"garbage" * 10)
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        load(tmp_path / "m")
    # weights of another shape
    save(build("mlp", 1, 2, 16), tmp_path / "a")
    save(build("mlp", 1, 2, 32), tmp_path / "b")
    checkpoint_paths(tmp_path / "b")[0].replace(checkpoint_paths(tmp_path / "a")[0])
    with pytest.raises(CheckpointError, match="shape"):
        load(tmp_path / "a")


def test_load_never_unpickles(tmp_path):
    """A pickle renamed to .safetensors is rejected, not executed."""
    m = build("mlp", 1, 2, 16)
    save(m, tmp_path / "m")
    w, _ = checkpoint_paths(tmp_path / "m")
    torch.save(m.state_dict(), w)  # a pickle-based file
    with pytest.raises(CheckpointError):
        load(tmp_path / "m")


@pytest.mark.parametrize("arch", ["fcn", "resnet", "inceptiontime", "lstm_fcn", "macnn", "mlp", "kachuee"])
def test_every_arch_builds_and_round_trips(arch, tmp_path):
    m = build(arch, 1, 5, 187)
    assert set(arch_hparams(arch)) <= set(m.hparams)
    x = torch.randn(3, 1, 187)
    assert m(x).shape == (3, 5) and m.features(x).ndim == 2
    save(m, tmp_path / arch)
    assert torch.allclose(load(tmp_path / arch)(x), m(x), atol=1e-6)
