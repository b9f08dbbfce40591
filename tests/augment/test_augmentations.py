"""Gradient augmentations (Sarkar et al. 2020, eq. 4-10) and the augment() dispatcher."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from helpers import assert_model_untouched, model_state
from torch import nn

from tsviz.augment import (
    AUGMENTATIONS,
    ODENet,
    augment,
    derivative,
    in_clamp_grad,
    in_sign_grad,
    out_sign_grad,
    rand_grad,
    spec_den,
)

N, C, T = 6, 2, 40


def _data(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, C, T, generator=g)
    dzdt = 0.5 * torch.randn(N, C, T, generator=g)  # half the entries beyond beta = 0.33
    dzdt[0, 0, :5] = 0.0
    y = torch.arange(N) % 3
    return x, dzdt, y


def _odenet():
    g = torch.Generator().manual_seed(0)
    from tsviz.models.init import init_weights_
    return init_weights_(ODENet(), g).eval()


class Linear(nn.Module):
    """logits = W x + b, with a BatchNorm-free body so the input gradient is W^T (p - onehot)."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(1)
        self.fc = nn.Linear(C * T, 3)
        with torch.no_grad():
            self.fc.weight.copy_(torch.randn(3, C * T, generator=g))
            self.fc.bias.zero_()
        self.bn = nn.BatchNorm1d(3)  # must not update its statistics during the augmentation

    def forward(self, x):
        return self.bn(self.fc(x.flatten(1)))


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def test_in_clamp_grad_bounded_by_beta():
    x, dzdt, _ = _data()
    x0, d0 = x.clone(), dzdt.clone()
    out = in_clamp_grad(x, dzdt, beta=0.33)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert torch.equal(x, x0) and torch.equal(dzdt, d0)
    assert (out - x).abs().max() <= 0.33 + 1e-6
    torch.testing.assert_close(out, x + dzdt.clamp(-0.33, 0.33))
    assert ((out - x).abs() > 0.33 - 1e-6).any()  # the clamp is active somewhere


def test_odenet_or_dzdt_give_the_same_result():
    x, _, y = _data()
    net = _odenet()
    dzdt = derivative(net, x)
    torch.testing.assert_close(in_clamp_grad(x, net), in_clamp_grad(x, dzdt))
    torch.testing.assert_close(rand_grad(x, net, generator=_gen(3)), rand_grad(x, dzdt, generator=_gen(3)))
    torch.testing.assert_close(out_sign_grad(x, y, Linear(), net), out_sign_grad(x, y, Linear(), dzdt))
    assert not net.training


def test_in_sign_grad_per_series():
    x, dzdt, _ = _data()
    out = in_sign_grad(x, dzdt, eps_max=0.33, generator=_gen(0))
    delta = out - x
    assert delta.abs().max() <= 0.33 + 1e-6
    nz = dzdt != 0
    assert torch.equal(torch.sign(delta)[nz], torch.sign(dzdt)[nz])
    assert torch.equal(delta[~nz], torch.zeros_like(delta[~nz]))
    eps = delta.abs().amax(dim=(1, 2))
    torch.testing.assert_close(delta.abs(), eps[:, None, None].expand_as(delta) * nz)  # one eps per series
    assert eps.unique().numel() == N
    torch.testing.assert_close(out, in_sign_grad(x, dzdt, generator=_gen(0)))
    assert not torch.equal(out, in_sign_grad(x, dzdt, generator=_gen(1)))


def test_in_sign_grad_per_step_and_zero_eps():
    x, dzdt, _ = _data()
    delta = in_sign_grad(x, dzdt, eps_max=0.2, per="step", generator=_gen(0)) - x
    assert delta.abs().max() <= 0.2 + 1e-6
    assert delta[1].abs().unique().numel() > 10
    assert torch.equal(in_sign_grad(x, dzdt, eps_max=0.0), x)


def test_out_sign_grad_follows_loss_gradient_sign():
    x, dzdt, y = _data()
    model = Linear().train()
    before = model_state(model)
    out = out_sign_grad(x, y, model, dzdt, beta=0.33)
    assert_model_untouched(model, before)  # modes, flags, weights and BatchNorm statistics
    delta = out - x
    assert delta.abs().max() <= 0.33 + 1e-6
    torch.testing.assert_close(delta.abs(), dzdt.clamp(-0.33, 0.33).abs())
    # hand check: CE gradient of the (eval-mode) linear model is W_eff^T (softmax - onehot)
    model.eval()
    scale = model.bn.weight / torch.sqrt(model.bn.running_var + model.bn.eps)
    w_eff = model.fc.weight * scale[:, None]
    with torch.no_grad():
        p = torch.softmax(model(x), 1)
    grad = ((p - F.one_hot(y, 3)) @ w_eff).reshape(N, C, T)
    nz = dzdt != 0
    assert torch.equal(torch.sign(delta)[nz], torch.sign(grad)[nz])
    with torch.no_grad():
        assert (F.cross_entropy(model(out), y, reduction="none") > F.cross_entropy(model(x), y, reduction="none")).all()


def test_out_sign_grad_needs_labels_and_model():
    x, dzdt, y = _data()
    with pytest.raises(ValueError, match="y"):
        out_sign_grad(x, None, Linear(), dzdt)
    with pytest.raises(ValueError, match="y has"):
        out_sign_grad(x, y[:3], Linear(), dzdt)
    with pytest.raises(ValueError, match="is not a class label of this model"):
        out_sign_grad(x, y + 5, Linear(), dzdt)
    with pytest.raises(ValueError, match="model"):
        out_sign_grad(x, y, None, dzdt)


def test_rand_grad_magnitude_is_clamped_derivative():
    x, dzdt, _ = _data()
    out = rand_grad(x, dzdt, beta=0.25, generator=_gen(0))
    delta = out - x
    torch.testing.assert_close(delta.abs(), dzdt.clamp(-0.25, 0.25).abs())
    s = torch.sign(delta)[dzdt != 0]
    assert (s > 0).any() and (s < 0).any()
    assert 0.3 < float((s > 0).float().mean()) < 0.7
    torch.testing.assert_close(out, rand_grad(x, dzdt, beta=0.25, generator=_gen(0)))
    assert not torch.equal(out, rand_grad(x, dzdt, beta=0.25, generator=_gen(1)))


def test_dispatcher_matches_direct_calls():
    x, dzdt, y = _data()
    model = Linear()
    assert AUGMENTATIONS == ("in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad", "spec_den")
    torch.testing.assert_close(augment("in_clamp_grad", x, derivative=dzdt, beta=0.1), in_clamp_grad(x, dzdt, beta=0.1))
    torch.testing.assert_close(augment("in_sign_grad", x, derivative=dzdt, generator=_gen(2)),
                               in_sign_grad(x, dzdt, generator=_gen(2)))
    torch.testing.assert_close(augment("out_sign_grad", x, y, model=model, derivative=dzdt),
                               out_sign_grad(x, y, model, dzdt))
    torch.testing.assert_close(augment("rand_grad", x, derivative=dzdt, generator=_gen(2)),
                               rand_grad(x, dzdt, generator=_gen(2)))
    torch.testing.assert_close(augment("spec_den", x, generator=_gen(2), share=0.5),
                               spec_den(x, generator=_gen(2), share=0.5))


@pytest.mark.parametrize("call, name", [
    (lambda x, d, y: augment("mixup", x), "name"),
    (lambda x, d, y: augment("out_sign_grad", x, model=Linear(), derivative=d), "y"),
    (lambda x, d, y: augment("out_sign_grad", x, y, derivative=d), "model"),
    (lambda x, d, y: augment("in_clamp_grad", x), "derivative"),
    (lambda x, d, y: augment("rand_grad", x, derivative=d, eps_max=0.1), "eps_max"),
    (lambda x, d, y: in_clamp_grad(x, d, beta=0.0), "beta"),
    (lambda x, d, y: in_clamp_grad(x, d, beta=-1.0), "beta"),
    (lambda x, d, y: rand_grad(x, d, beta=float("nan")), "beta"),
    (lambda x, d, y: out_sign_grad(x, y, Linear(), d, beta=0), "beta"),
    (lambda x, d, y: in_sign_grad(x, d, eps_max=-0.1), "eps_max"),
    (lambda x, d, y: in_sign_grad(x, d, per="channel"), "per"),
    (lambda x, d, y: in_clamp_grad(x, d[:, :, :-1]), "derivative"),
    (lambda x, d, y: in_clamp_grad(x, None), "derivative"),
    (lambda x, d, y: in_clamp_grad(x, nn.Linear(2, 1)), "derivative"),
    (lambda x, d, y: in_clamp_grad(x[0], d[0]), "x"),
    (lambda x, d, y: rand_grad(x, d, generator=0), "generator"),
])
def test_bad_inputs_name_the_parameter(call, name):
    x, dzdt, y = _data()
    with pytest.raises(ValueError, match=name):
        call(x, dzdt, y)
