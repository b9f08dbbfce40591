"""Contract tests for every backbone in tsviz.models.networks.BACKBONES."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from tsviz.models import ModelError
from tsviz.models.init import init_weights_
from tsviz.models.networks import BACKBONES, backbone_class

ARCHS = sorted(BACKBONES)
SHAPES = [(1, 187), (2, 60), (1, 128), (2, 125)]
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])

#: per arch: non-default hyperparameters (given as lists, to check they are stored as given)
#: and the out_features they imply
SMALL = {
    "fcn": ({"n_filters": [16, 8], "kernel_sizes": [4, 3]}, 8),
    "resnet": ({"n_filters": 8, "kernel_sizes": [5, 3]}, 16),
    "inceptiontime": ({"depth": 4, "n_filters": 4, "bottleneck": 4, "kernel_size": 10}, 16),
    "lstm_fcn": ({"hidden_size": 5, "dropout": 0.0, "n_filters": [8], "kernel_sizes": [3]}, 13),
    "macnn": ({"n_filters": 4, "kernel_sizes": [3, 4], "n_blocks": 1, "reduction": 2}, 32),
    "mlp": ({"hidden": [], "out_dim": 7}, 7),
    "kachuee": ({"n_filters": 4, "kernel_size": 3, "n_blocks": 2, "pool_size": 3,
                 "pool_stride": 2, "fc_dims": [6, 5]}, 5),
}

#: per arch: hyperparameters that must be rejected with a ModelError (a ValueError) naming them
BAD = {
    "fcn": [{"n_filters": [128, 0, 128]}, {"kernel_sizes": (8, 5)}, {"n_filters": 128}],
    "resnet": [{"n_filters": 0}, {"n_filters": 6.5}, {"kernel_sizes": ()}],
    "inceptiontime": [{"depth": 0}, {"n_filters": -1}, {"bottleneck": 0}, {"kernel_size": 3}],
    "lstm_fcn": [{"hidden_size": 0}, {"dropout": 1.0}, {"dropout": -0.1}, {"n_filters": []}],
    "macnn": [{"n_filters": 0}, {"kernel_sizes": [3, 0]}, {"n_blocks": 0}, {"reduction": 0}],
    "mlp": [{"hidden": [128, 0]}, {"out_dim": 0}, {"hidden": "128"}],
    "kachuee": [{"n_filters": 0}, {"kernel_size": 0}, {"n_blocks": True}, {"pool_stride": 0},
                {"fc_dims": []}],
}


def _build(arch, c, t, **hp):
    with torch.random.fork_rng(devices=[]):  # PyTorch's default init draws globally: keep it local
        torch.manual_seed(0)
        return backbone_class(arch)(c, t, **hp)


def _input(c, t, n=3, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, t, generator=g)


@pytest.fixture(scope="module")
def default_nets():
    """One default-hyperparameter backbone per (arch, C, T), in eval mode, built once."""
    cache: dict = {}

    def get(arch, c, t):
        if (arch, c, t) not in cache:
            cache[arch, c, t] = _build(arch, c, t).eval()
        return cache[arch, c, t]

    return get


def test_registry_names_and_classes():
    assert set(ARCHS) == set(SMALL) == set(BAD)
    for arch in ARCHS:
        cls = backbone_class(arch)
        assert issubclass(cls, nn.Module)
        assert cls.__doc__ and "Parameters" in cls.__doc__


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("c, t", SHAPES)
def test_output_shape_dtype_and_eval_determinism(arch, c, t, default_nets):
    cls = backbone_class(arch)
    if t < cls.min_length():
        with pytest.raises(ModelError, match="length"):
            cls(c, t)
        return
    net = default_nets(arch, c, t)
    assert isinstance(net.out_features, int) and net.out_features > 0
    x = _input(c, t)
    with torch.no_grad():
        y1, y2 = net(x), net(x)
    assert y1.shape == (3, net.out_features)
    assert y1.dtype == torch.float32
    assert torch.isfinite(y1).all()
    assert torch.equal(y1, y2)
    # batched == unbatched
    with torch.no_grad():
        y_single = torch.cat([net(x[i:i + 1]) for i in range(3)])
    torch.testing.assert_close(y_single, y1, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
def test_parameter_count_is_bounded(arch, default_nets):
    n_params = sum(p.numel() for p in default_nets(arch, 1, 187).parameters())
    assert 1_000 < n_params < 5_000_000


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("arch", ARCHS)
def test_input_gradient_in_eval_mode(arch, device, default_nets):
    net = default_nets(arch, 1, 187).to(device)
    try:
        x = _input(1, 187).to(device).requires_grad_(True)
        params_before = [p.requires_grad for p in net.parameters()]
        out = net(x)
        (grad,) = torch.autograd.grad(out.square().sum(), x)
        assert grad.shape == x.shape
        assert torch.isfinite(grad).all()
        assert grad.abs().sum() > 0
        assert not net.training
        assert [p.requires_grad for p in net.parameters()] == params_before
    finally:
        net.cpu()


@pytest.mark.parametrize("arch", ARCHS)
def test_double_backward_for_gradient_penalties(arch):
    hp, _ = SMALL[arch]
    t = 130
    net = _build(arch, 2, t, **hp).eval()
    x = _input(2, t).requires_grad_(True)
    (grad,) = torch.autograd.grad(net(x).sum(), x, create_graph=True)
    penalty = grad.square().sum()
    grads = torch.autograd.grad(penalty, [p for p in net.parameters()], allow_unused=True)
    assert any(g is not None and torch.isfinite(g).all() and g.abs().sum() > 0 for g in grads)


@pytest.mark.parametrize("arch", ARCHS)
def test_hyperparameters_stored_as_given(arch):
    hp, out_features = SMALL[arch]
    net = _build(arch, 2, 130, **hp)
    assert net.out_features == out_features
    for name, value in hp.items():
        assert getattr(net, name) == value
        assert type(getattr(net, name)) is type(value)
    assert net(_input(2, 130)).shape == (3, out_features)


@pytest.mark.parametrize("arch, bad", [(a, b) for a in ARCHS for b in BAD[a]],
                         ids=lambda v: v if isinstance(v, str) else "-".join(v))
def test_bad_hyperparameter_raises_model_error_naming_it(arch, bad):
    (name,) = bad
    with pytest.raises(ModelError, match=name):
        backbone_class(arch)(1, 187, **bad)


@pytest.mark.parametrize("arch", ARCHS)
def test_bad_shape_arguments_raise(arch):
    cls = backbone_class(arch)
    with pytest.raises(ModelError, match="in_channels"):
        cls(0, 187)
    with pytest.raises(ModelError, match="length"):
        cls(1, 0)


def test_kachuee_minimum_length():
    cls = backbone_class("kachuee")
    assert cls.min_length() == 125
    assert cls.min_length(n_blocks=2, pool_size=3, pool_stride=2) == 7
    with pytest.raises(ModelError, match="length"):
        cls(1, 124)
    net = cls(1, 125)
    assert net.fc[1].in_features == 32 * 1
    assert cls(1, 187).fc[1].in_features == 32 * 2  # as in Ma & Liang's Linear(64, 32)


@pytest.mark.parametrize("c", [1, 3])
def test_lstm_fcn_recurrence_matches_nn_lstm(c):
    net = _build("lstm_fcn", c, 40, hidden_size=6).eval()
    x = _input(c, 40)
    with torch.no_grad():
        _, (h, _) = net.lstm(x)
        torch.testing.assert_close(net._lstm_last_hidden(x), h[-1])


@pytest.mark.parametrize("arch", ["lstm_fcn", "mlp", "kachuee"])
def test_fixed_length_networks_reject_other_lengths(arch):
    net = _build(arch, 1, 130)
    with pytest.raises(ModelError, match="length"):
        net(_input(1, 131))


@pytest.mark.parametrize("arch", ARCHS)
def test_one_training_step_with_linear_head(arch):
    hp, _ = SMALL[arch]
    bb = _build(arch, 2, 130, **hp)
    model = nn.Sequential(bb, nn.Linear(bb.out_features, 3)).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = _input(2, 130, n=4)
    y = torch.tensor([0, 1, 2, 1])
    before = [p.detach().clone() for p in model.parameters()]
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert torch.isfinite(loss)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize("arch", ARCHS)
def test_seeded_init_is_reproducible(arch):
    hp, _ = SMALL[arch]
    states = []
    for _ in range(2):
        net = init_weights_(_build(arch, 2, 130, **hp), torch.Generator().manual_seed(7))
        states.append({k: v.clone() for k, v in net.state_dict().items()})
    assert states[0].keys() == states[1].keys()
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
