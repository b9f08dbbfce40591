"""The explanation-method contract (issue 13), for every registered attribution method and NeuroMask.

Members: every name in ``tsviz.explain.ATTRIBUTIONS`` (through ``attribute``) and ``"neuromask"``.
Each: shape ``(n, C, T)`` float32 on ``x``'s device (NeuroMask: a mask ``(n, T)`` in [0, 1]); the
same seed gives the same result (a generator seeded alike too; both given is an error); batched ==
one series at a time where promised; the model and torch's global RNG left as found; bad input ->
ExplainError; progress ending at 1. Values are checked against hand computations on the linear toy
of ``tests/helpers.py`` (logits ``W flatten(x) + b``): saliency ``|W[target]|``, integrated gradients
``(x - b) * W[target]``, SmoothGrad ``|W[target]|``, occlusion and feature ablation as the logit drop
of each window / segment, averaged as Captum does.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import LinearTS, assert_model_untouched, linear_model, model_state, toy_series
from torch import nn

from tsviz.explain import ATTRIBUTIONS, CAPS, METHODS, ExplainError, MaskResult, attribute, neuromask

C, T, K, N = 2, 24, 3, 5
ALL = [*ATTRIBUTIONS, "neuromask"]
STOCHASTIC = {name for name, m in ATTRIBUTIONS.items() if m.stochastic} | {"neuromask"}
#: cheap settings per method
FAST = {"integrated_gradients": {"steps": 8}, "smoothgrad": {"n_samples": 4}, "neuromask": {"steps": 6}}


def run(method: str, model: nn.Module, x, **kw) -> torch.Tensor:
    """The member's explanation as a tensor: attributions ``(n, C, T)`` or NeuroMask's mask ``(n, T)``."""
    kw = {**FAST.get(method, {}), **kw}
    if method == "neuromask":
        r = neuromask(model, x, **kw)
        assert isinstance(r, MaskResult)
        return torch.as_tensor(r.mask)
    return attribute(model, x, method, **kw)


def small_net(seed: int = 0) -> nn.Module:
    """A conv net with BatchNorm and Dropout (train/eval behaviour), weights from a local generator."""
    net = nn.Sequential(nn.Conv1d(C, 4, 5, padding=2), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.3),
                        nn.Flatten(), nn.Linear(4 * T, K))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return net.eval()


@pytest.fixture
def x() -> torch.Tensor:
    return toy_series(N, C=C, T=T, K=K, seed=1)[0]


def test_the_registry_lists_every_method():
    assert list(METHODS) == ["neuromask", *ATTRIBUTIONS]
    assert set(ATTRIBUTIONS) == {"saliency", "integrated_gradients", "smoothgrad", "occlusion", "feature_ablation"}
    for name, m in ATTRIBUTIONS.items():
        assert m.name == name and callable(m.attribute) and callable(m.cost) and m.reference
    assert {"series", "neuromask_steps", "ig_steps", "n_samples"} <= set(CAPS)


# --------------------------------------------------------------------------- shape, dtype, device
@pytest.mark.parametrize("method", ALL)
def test_shape_dtype_and_device(method, x):
    model = linear_model(C, T, K, seed=0)
    a = run(method, model, x)
    want = (N, T) if method == "neuromask" else (N, C, T)
    assert a.shape == want and a.dtype == torch.float32 and a.device == x.device
    assert not a.requires_grad and torch.isfinite(a).all()
    if method == "neuromask":
        assert (a >= 0).all() and (a <= 1).all()
        per = neuromask(model, x, steps=3, per_channel=True).mask
        assert per.shape == (N, C, T)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("method", ALL)
def test_cuda_device(method, x):
    model = small_net().cuda()
    a = run(method, model, x.cuda())
    if method != "neuromask":
        assert a.device.type == "cuda"
    assert torch.isfinite(a).all() and a.shape[0] == N


# --------------------------------------------------------------------------- randomness
@pytest.mark.parametrize("method", ALL)
def test_same_seed_same_result_and_the_one_randomness_rule(method, x):
    model = small_net(1)
    a, b = run(method, model, x, seed=3), run(method, model, x, seed=3)
    assert torch.equal(a, b)
    assert torch.equal(run(method, model, x), run(method, model, x, seed=0))  # no seed: seed 0
    other = run(method, model, x, seed=4)
    assert (not torch.equal(a, other)) == (method in STOCHASTIC)
    # a generator seeded alike gives the same result (NeuroMask draws on the CPU, attributions on x's device)
    assert torch.equal(a, run(method, model, x, generator=torch.Generator().manual_seed(3)))
    with pytest.raises(ExplainError, match="either generator or seed"):
        run(method, model, x, generator=torch.Generator(), seed=1)
    with pytest.raises(ExplainError, match="generator"):
        run(method, model, x, generator=3)
    with pytest.raises(ExplainError, match="seed"):
        run(method, model, x, seed=-1)


@pytest.mark.parametrize("method", ALL)
def test_global_rng_untouched(method, x):
    model = small_net()  # building a module draws its default init from the global RNG
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    run(method, model, x)
    assert torch.equal(torch.get_rng_state(), before)


# --------------------------------------------------------------------------- batched == one at a time
@pytest.mark.parametrize("method", [m for m in ATTRIBUTIONS if not ATTRIBUTIONS[m].stochastic])
def test_batched_equals_one_series_at_a_time(method, x):
    model = small_net(2)
    full = run(method, model, x)
    torch.testing.assert_close(full, torch.cat([run(method, model, x[i:i + 1]) for i in range(N)]),
                               rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(full, run(method, model, x, batch_size=2), rtol=1e-4, atol=1e-5)


def test_smoothgrad_same_seed_and_batch_size_same_result(x):
    model = small_net(2)
    a = run("smoothgrad", model, x, seed=5, batch_size=8)
    assert torch.equal(a, run("smoothgrad", model, x, seed=5, batch_size=8))


def test_neuromask_batched_equals_single_runs_with_the_same_initial_weights(x):
    model = small_net(3)
    full = neuromask(model, x, steps=20, generator=torch.Generator().manual_seed(7)).mask
    g = torch.Generator().manual_seed(7)
    for i in range(N):  # each series draws its (1, 1, T) initial weights in turn from one generator
        one = neuromask(model, x[i:i + 1], steps=20, generator=g).mask
        np.testing.assert_allclose(one[0], full[i], atol=1e-5)


# --------------------------------------------------------------------------- model state, progress
@pytest.mark.parametrize("method", ALL)
def test_model_untouched(method, x):
    model = small_net(4)
    model.train()
    model[0].weight.requires_grad_(False)
    before = model_state(model)
    run(method, model, x)
    with pytest.raises(ExplainError):
        run(method, model, torch.full((N, C, T), float("nan")))
    assert_model_untouched(model, before)


@pytest.mark.parametrize("method", ALL)
def test_progress_reaches_one(method, x):
    seen = []
    run(method, linear_model(C, T, K), x, progress=lambda f, msg: seen.append((f, msg)))
    fr = [f for f, _ in seen]
    assert fr and fr[-1] == 1.0 and all(0 <= f <= 1 for f in fr) and fr == sorted(fr)
    assert all(isinstance(m, str) and m for _, m in seen)
    with pytest.raises(ExplainError, match="progress"):
        run(method, linear_model(C, T, K), x, progress="yes")


# --------------------------------------------------------------------------- bad input
BAD = {
    "NaN x": dict(x=torch.full((N, C, T), float("nan"))),
    "Inf x": dict(x=torch.full((N, C, T), float("inf"))),
    "complex x": dict(x=torch.zeros(N, C, T, dtype=torch.complex64)),
    "2-D x": dict(x=torch.zeros(C, T)),
    "wrong channels": dict(x=torch.zeros(N, C + 1, T)),
    "wrong length": dict(x=torch.zeros(N, C, T + 2)),
    "too many series": dict(x=torch.zeros(CAPS["series"] + 1, C, T)),
    "float target": dict(target=[0.5, 1.0, 2.0, 0.0, 1.0]),
    "integral float target": dict(target=1.0),
    "bool target": dict(target=True),
    "target out of range": dict(target=K),
    "negative target": dict(target=-1),
    "target wrong length": dict(target=[0, 1]),
}


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_an_explain_error(method, case, x):
    kw = {"x": x, **BAD[case]}
    with pytest.raises(ExplainError):
        run(method, linear_model(C, T, K), kw.pop("x"), **kw)


def test_unknown_method_names_the_choices(x):
    with pytest.raises(ExplainError, match="saliency, integrated_gradients"):
        attribute(linear_model(C, T, K), x, "gradcam")


# --------------------------------------------------------------------------- values against hand computations
def _weights(model: LinearTS) -> torch.Tensor:
    return model.lin.weight.detach().reshape(K, C, T)


def test_saliency_of_the_linear_toy_is_its_weight_row_exactly(x):
    model = linear_model(C, T, K, seed=5)
    target = torch.tensor([0, 1, 2, 1, 0])
    assert torch.equal(attribute(model, x, "saliency", target=target), _weights(model)[target].abs())


def test_smoothgrad_of_the_linear_toy_is_its_weight_row(x):
    model = linear_model(C, T, K, seed=5)
    a = attribute(model, x, "smoothgrad", target=2, n_samples=5, seed=9)
    torch.testing.assert_close(a, _weights(model)[2].abs().expand(N, C, T), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("baseline", ["zero", "mean"])
def test_integrated_gradients_of_the_linear_toy_is_x_minus_baseline_times_weights(baseline, x):
    model = linear_model(C, T, K, seed=6)
    a = attribute(model, x, "integrated_gradients", target=1, baseline=baseline, steps=8)
    b = torch.zeros_like(x) if baseline == "zero" else x.mean(2, keepdim=True).expand_as(x)
    torch.testing.assert_close(a, (x - b) * _weights(model)[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("window,stride", [(1, 1), (4, 2), (5, 3), (6, 4), (T, 1)])
def test_occlusion_of_the_linear_toy_by_hand(window, stride, x):
    model = linear_model(C, T, K, seed=7)
    a = attribute(model, x, "occlusion", target=0, window=window, stride=stride)
    contrib = (x * _weights(model)[0]).sum(1)  # (N, T): what each step adds to logit 0 (baseline 0)
    total, hits = torch.zeros(N, T), torch.zeros(T)
    start = 0
    while True:  # windows at 0, stride, ... until one reaches the last step
        stop = min(start + window, T)
        total[:, start:stop] += contrib[:, start:stop].sum(1, keepdim=True)
        hits[start:stop] += 1
        if start + window >= T:
            break
        start += stride
    expected = (total / hits).unsqueeze(1).expand(N, C, T)
    torch.testing.assert_close(a, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("window", [1, 5, 7, T])
def test_feature_ablation_of_the_linear_toy_by_hand(window, x):
    model = linear_model(C, T, K, seed=8)
    a = attribute(model, x, "feature_ablation", target=2, window=window)
    contrib = (x * _weights(model)[2]).sum(1)
    expected = torch.zeros(N, T)
    for s in range(0, T, window):
        expected[:, s:s + window] = contrib[:, s:s + window].sum(1, keepdim=True)
    torch.testing.assert_close(a, expected.unsqueeze(1).expand(N, C, T), rtol=1e-4, atol=1e-5)


def test_neuromask_first_loss_by_hand():
    """Step 0 with all weights ~0: m = 1/2, so L_pred = -log softmax(f(x / 2))[target], L_sparse = T tau."""
    model = linear_model(C, T, K, seed=9)
    x = toy_series(2, C=C, T=T, K=K, seed=3)[0]
    r = neuromask(model, x, steps=1, init_scale=1e-9, tau=5.0, target=[1, 2])
    with torch.no_grad():
        logp = torch.log_softmax(model(0.5 * x), 1)
    pred0, sparse0, smooth0 = r.losses[0, 2:]
    assert pred0 == pytest.approx(float(-(logp[0, 1] + logp[1, 2]) / 2), rel=1e-5)
    assert sparse0 == pytest.approx(T * 5.0, rel=1e-6) and smooth0 == pytest.approx(0.0, abs=1e-5)
