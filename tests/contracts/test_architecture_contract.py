"""The architecture contract (tsviz.models' package docstring), checked for every registered
architecture: ``build(arch, C, K, T)`` gives an eval-mode ``TimeSeriesClassifier`` mapping
``(n, C, T)`` to finite ``(n, K)`` logits; the same seed gives the same weights; a checkpoint
round trip gives identical outputs; ``model.hparams`` (the card) lies in the ranges of
``tsviz.models.card_schema``; ``expected_input(model) == (C, T)``; bad arguments raise the
family's error (``ModelError``) naming the parameter; the global RNG and the model's state are
untouched by a forward pass.

A new architecture registered in ``tsviz.models.networks.ARCHITECTURE_REGISTRY`` is picked up here
without editing this file.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, model_state

from tsviz.core import TsvizError, expected_input, model_device
from tsviz.models import ARCHITECTURES, CAPS, ModelError, TimeSeriesClassifier, arch_hparams, build, load, save
from tsviz.models.card_schema import ARCH_HPARAMS, COMMON_HPARAMS, check_hparams
from tsviz.models.checkpoint import jsonable
from tsviz.models.networks import ARCHITECTURE_REGISTRY, backbone_class

ARCHS = sorted(ARCHITECTURE_REGISTRY)
C, K = 2, 3


def _length(arch: str) -> int:
    """A short series length the architecture accepts with its default hyperparameters."""
    return max(48, int(backbone_class(arch).min_length()))


def _series(arch: str, n: int = 4, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, C, _length(arch), generator=g)


@pytest.fixture(scope="module")
def models():
    """One model per architecture, built once (seed 0)."""
    return {a: build(a, C, K, _length(a), seed=0) for a in ARCHS}


def test_one_registry_names_every_architecture_everywhere():
    assert set(ARCHITECTURES) == set(ARCHITECTURE_REGISTRY) == set(ARCH_HPARAMS)
    for arch, spec in ARCHITECTURE_REGISTRY.items():
        assert ARCHITECTURES[arch] == spec.description and spec.description
        cls = backbone_class(arch)
        assert cls.__doc__ and "Parameters" in cls.__doc__  # numpydoc, paper cited in the class
        assert callable(getattr(cls, "min_length", None))


def test_caps_are_the_card_ranges():
    for name in ("in_channels", "n_classes", "length"):
        assert CAPS[name] == COMMON_HPARAMS[name].hi
    assert {"parameters", "tsne_points", "pca_points"} <= set(CAPS)


@pytest.mark.parametrize("arch", ARCHS)
def test_build_shape_dtype_eval_mode_and_input(arch, models):
    model = models[arch]
    T = _length(arch)
    assert isinstance(model, TimeSeriesClassifier) and model.arch == arch
    assert not any(m.training for m in model.modules())  # eval mode throughout
    assert expected_input(model) == (C, T)
    assert model_device(model) == torch.device("cpu")
    x = _series(arch)
    before = model_state(model)
    rng = torch.random.get_rng_state()
    with torch.no_grad():
        logits = model(x)
    assert logits.shape == (4, K) and logits.dtype == torch.float32
    assert torch.isfinite(logits).all()
    assert torch.equal(torch.random.get_rng_state(), rng)  # eval forward draws nothing
    assert_model_untouched(model, before)
    with torch.no_grad():  # batched == one by one
        one_by_one = torch.cat([model(x[i:i + 1]) for i in range(4)])
    torch.testing.assert_close(one_by_one, logits, rtol=1e-5, atol=1e-5)
    feats = model.features(x)
    assert feats.ndim == 2 and feats.shape[0] == 4


@pytest.mark.parametrize("arch", ARCHS)
def test_same_seed_same_weights_other_seed_other_weights(arch, models):
    a = models[arch].state_dict()
    b = build(arch, C, K, _length(arch), seed=0).state_dict()
    c = build(arch, C, K, _length(arch), seed=1).state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a if a[k].is_floating_point() and a[k].numel() > 1)


@pytest.mark.parametrize("arch", ARCHS)
def test_hparams_are_within_the_card_schema(arch, models):
    model = models[arch]
    hp = jsonable(model.hparams)
    assert check_hparams(arch, hp, "contract") == hp  # every stored hyperparameter in its range
    assert set(arch_hparams(arch)) == set(ARCH_HPARAMS[arch])  # the schema knows every backbone option
    defaults = jsonable(arch_hparams(arch))
    check_hparams(arch, {"in_channels": C, "n_classes": K, "length": _length(arch), **defaults}, "defaults")


@pytest.mark.parametrize("arch", ARCHS)
def test_checkpoint_round_trip_gives_identical_outputs(arch, tmp_path):
    model = build(arch, C, K, _length(arch), seed=2)
    # non-trivial normalisation statistics travel with the checkpoint
    model.normalize.fit_(np.random.default_rng(1).normal(0.5, 2.0, (8, C, _length(arch))))
    save(model, tmp_path / arch, {"dataset": "contract", "recipe": "standard"})
    back = load(tmp_path / arch)
    assert type(back) is type(model) and back.arch == arch
    assert not any(m.training for m in back.modules()) and back.card["dataset"] == "contract"
    assert back.hparams == jsonable(model.hparams)
    assert expected_input(back) == (C, _length(arch))
    x = _series(arch, seed=3)
    with torch.no_grad():
        assert torch.equal(back(x), model(x))


@pytest.mark.parametrize("arch", ARCHS)
def test_input_gradient_exists(arch, models):
    model = models[arch]
    x = _series(arch).requires_grad_(True)
    before = model_state(model)
    (grad,) = torch.autograd.grad(model(x)[:, 0].sum(), x)
    assert grad.shape == x.shape and torch.isfinite(grad).all() and grad.abs().sum() > 0
    assert_model_untouched(model, before)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("kwargs, name", [
    ({"in_channels": 0}, "in_channels"),
    ({"in_channels": 1.5}, "in_channels"),
    ({"n_classes": 1}, "n_classes"),
    ({"length": 0}, "length"),
    ({"seed": -1}, "seed"),
    ({"bogus": 3}, "bogus"),
])
def test_bad_arguments_raise_model_error(arch, kwargs, name):
    args = {"in_channels": C, "n_classes": K, "length": _length(arch), **kwargs}
    with pytest.raises(ModelError, match=name) as info:
        build(arch, args.pop("in_channels"), args.pop("n_classes"), args.pop("length"), **args)
    assert isinstance(info.value, TsvizError) and isinstance(info.value, ValueError)


def test_unknown_architecture_names_the_known_ones():
    with pytest.raises(ModelError, match="unknown architecture") as info:
        build("vgg", C, K, 64)
    assert all(a in str(info.value) for a in ARCHS)
