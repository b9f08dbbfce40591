"""attribute(): hand-checkable values on linear models, window localisation, and the call contract."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import LinearTS, assert_model_untouched, model_state
from torch import nn

from tsviz.explain.attribution import (
    ATTRIBUTION_METHODS,
    DEFAULT_BATCH_SIZE,
    MAX_ATTRIBUTION_SAMPLES,
    MAX_CHUNK_VALUES,
    MAX_IG_STEPS,
    MAX_NT_SAMPLES,
    attribute,
    default_batch_size,
    default_window,
    relevance_per_step,
)

REPO = Path(__file__).resolve().parents[2]
C, T, A, B = 2, 40, 15, 25  # the window models look at steps [A, B) only


def linear_model(W: torch.Tensor, bias: torch.Tensor | None = None) -> LinearTS:
    """logits = W . x + bias, W of shape (K, C, T): the shared linear toy of tests/helpers.py."""
    K, c, t = W.shape
    return LinearTS(W.reshape(K, -1), bias, C=c, T=t)


def window_weights(scale: float = 1.0) -> torch.Tensor:
    W = torch.zeros(2, C, T)
    W[0, :, A:B] = scale
    W[1, :, A:B] = -scale
    return W


def window_model(kind: str) -> nn.Module:
    """logits = [s, -s] with s = sum x[..., A:B] (linear), or a smooth nonlinear function of s."""
    if kind == "linear":
        return linear_model(window_weights())
    # nonlinear: s -> tanh(0.2 s) -> [u, -u], still blind outside [A, B)
    head = nn.Linear(1, 2)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[1.0], [-1.0]]))
        head.bias.zero_()
    return nn.Sequential(linear_model(window_weights()[:1]), _Scale(0.2), nn.Tanh(), head)


class _Scale(nn.Module):
    def __init__(self, c: float):
        super().__init__()
        self.c = c

    def forward(self, z):
        return self.c * z


def positive_x(n: int = 4, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return 0.2 + torch.rand((n, C, T), generator=g)


def small_net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)  # tests may seed globally; the library never does
    return nn.Sequential(nn.Conv1d(C, 4, 5, padding=2), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.3),
                         nn.Flatten(), nn.Linear(4 * T, 3))


FAST = {"steps": 16, "n_samples": 8}


# --------------------------------------------------------------------------- hand-checkable values
def test_saliency_of_linear_model_is_abs_weights():
    g = torch.Generator().manual_seed(1)
    W = torch.randn((3, C, T), generator=g)
    x = torch.randn((5, C, T), generator=g)
    target = torch.tensor([0, 1, 2, 1, 0])
    a = attribute(linear_model(W), x, "saliency", target=target)
    torch.testing.assert_close(a, W[target].abs())


def test_integrated_gradients_of_linear_model_is_x_times_weights():
    g = torch.Generator().manual_seed(2)
    W = torch.randn((3, C, T), generator=g)
    bias = torch.randn(3, generator=g)
    x = torch.randn((5, C, T), generator=g)
    model = linear_model(W, bias)
    a = attribute(model, x, "integrated_gradients", target=2, steps=8)
    torch.testing.assert_close(a, x * W[2], rtol=1e-5, atol=1e-5)
    # completeness: sum equals logit(x) - logit(0) for the target
    with torch.no_grad():
        diff = model(x)[:, 2] - model(torch.zeros_like(x))[:, 2]
    torch.testing.assert_close(a.sum((1, 2)), diff, rtol=1e-4, atol=1e-4)


def test_integrated_gradients_completeness_nonlinear_mean_baseline():
    model = window_model("tanh")
    x = positive_x(3) - 0.5
    a = attribute(model, x, "integrated_gradients", baseline="mean", steps=100)
    with torch.no_grad():
        b = x.mean(2, keepdim=True).expand_as(x)
        t = model(x).argmax(1)
        diff = model(x).gather(1, t[:, None]) - model(b).gather(1, t[:, None])
    torch.testing.assert_close(a.sum((1, 2)), diff.squeeze(1), rtol=1e-3, atol=1e-4)


def test_smoothgrad_of_linear_model_is_abs_weights():
    g = torch.Generator().manual_seed(3)
    W = torch.randn((2, C, T), generator=g)
    a = attribute(linear_model(W), torch.randn((3, C, T), generator=g), "smoothgrad", target=1, n_samples=5)
    torch.testing.assert_close(a, W[1].abs().expand(3, C, T))


def test_occlusion_window_one_and_ablation_segments_on_linear_model():
    g = torch.Generator().manual_seed(4)
    W = torch.randn((2, C, T), generator=g)
    x = torch.randn((3, C, T), generator=g)
    model = linear_model(W)
    occ = attribute(model, x, "occlusion", target=0, window=1)
    contrib = (x * W[0]).sum(1, keepdim=True)  # a 1-step window covers all channels at once
    torch.testing.assert_close(occ, contrib.expand_as(x), rtol=1e-5, atol=1e-5)
    fa = attribute(model, x, "feature_ablation", target=0, window=7)  # segments [0,7), ..., [35,40)
    seg = torch.arange(T) // 7
    per_seg = torch.zeros(3, int(seg.max()) + 1).index_add_(1, seg, contrib[:, 0])
    torch.testing.assert_close(fa, per_seg[:, seg].unsqueeze(1).expand_as(x), rtol=1e-5, atol=1e-5)


def test_occlusion_covers_every_step_even_when_stride_does_not_tile():
    W = torch.zeros(2, C, T)
    W[0] = 1.0
    x = torch.ones(2, C, T)
    # window 6, stride 4: (T - 6) % 4 != 0, the tail needs the padded last window
    a = attribute(linear_model(W), x, "occlusion", target=0, window=6, stride=4)
    assert torch.isfinite(a).all() and (a > 0).all()
    # a window always removes 6 steps * C channels * 1 = 12 logit units, except those reaching the end
    assert a[:, :, 0].eq(12.0).all()
    W2 = torch.zeros(2, C, T)
    W2[0, :, -1] = 1.0  # only the last step matters
    a2 = attribute(linear_model(W2), x, "occlusion", target=0, window=6, stride=4)
    assert (a2[:, :, -1] > 0).all()


@pytest.mark.parametrize("method", ATTRIBUTION_METHODS)
@pytest.mark.parametrize("kind", ["linear", "tanh"])
def test_relevance_concentrates_on_the_window(method, kind):
    x = positive_x(4)
    a = attribute(window_model(kind), x, method, **FAST)
    r = relevance_per_step(a)
    inside = r[:, A:B].sum(1) / r.sum(1)
    assert (inside > 0.8).all(), inside


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("method", ATTRIBUTION_METHODS)
def test_shape_dtype_device_and_state(method):
    model = small_net()
    model.train()
    model[0].weight.requires_grad_(False)
    before = model_state(model)
    x = torch.randn(5, C, T, generator=torch.Generator().manual_seed(0))
    rng = torch.get_rng_state()
    a = attribute(model, x.double().float(), method, **FAST)
    assert a.shape == x.shape and a.dtype == torch.float32 and a.device == x.device
    assert not a.requires_grad and torch.isfinite(a).all()
    assert_model_untouched(model, before)  # modes, requires_grad, .grad, weights and BatchNorm stats
    assert torch.equal(torch.get_rng_state(), rng)


@pytest.mark.parametrize("method", ATTRIBUTION_METHODS)
def test_deterministic_and_batched_equals_per_series(method):
    model = small_net(1)
    x = torch.randn(4, C, T, generator=torch.Generator().manual_seed(5))
    a1 = attribute(model, x, method, seed=3, **FAST)
    a2 = attribute(model, x, method, seed=3, **FAST)
    assert torch.equal(a1, a2)
    if method != "smoothgrad":  # smoothgrad noise depends on the chunking (same seed + batch_size -> same)
        per = torch.cat([attribute(model, x[i:i + 1], method, **FAST) for i in range(4)])
        torch.testing.assert_close(a1, per, rtol=1e-4, atol=1e-5)
        small = attribute(model, x, method, batch_size=3, **FAST)
        torch.testing.assert_close(a1, small, rtol=1e-4, atol=1e-5)


def test_smoothgrad_seed_changes_noise_and_rng_untouched():
    model = small_net(2)
    x = torch.randn(3, C, T, generator=torch.Generator().manual_seed(6))
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = attribute(model, x, "smoothgrad", seed=0, n_samples=8)
    b = attribute(model, x, "smoothgrad", seed=1, n_samples=8)
    assert torch.equal(torch.get_rng_state(), before)
    assert not torch.equal(a, b)
    # noise of zero size is plain saliency
    torch.testing.assert_close(attribute(model, x, "smoothgrad", stdev=0.0, n_samples=2),
                               attribute(model, x, "saliency"))


def test_target_forms():
    g = torch.Generator().manual_seed(7)
    W = torch.randn((3, C, T), generator=g)
    x = torch.randn((3, C, T), generator=g)
    model = linear_model(W)
    with torch.no_grad():
        pred = model(x).argmax(1)
    torch.testing.assert_close(attribute(model, x, "saliency"), W[pred].abs())
    ref = W[torch.tensor([2, 0, 1])].abs()
    for t in ([2, 0, 1], np.array([2, 0, 1]), torch.tensor([2, 0, 1]), (2, 0, 1)):
        torch.testing.assert_close(attribute(model, x, "saliency", target=t), ref)
    # floats are refused like float labels (tsviz.core.as_labels), even integral ones: never truncated
    with pytest.raises(ValueError, match="target must hold integer"):
        attribute(model, x, "saliency", target=(2.0, 0.0, 1.0))
    torch.testing.assert_close(attribute(model, x, "saliency", target=np.int64(1)), W[1].abs().expand(3, C, T))


def test_numpy_input_and_default_window():
    x = positive_x(2).numpy()
    a = attribute(window_model("linear"), x, "saliency")
    assert isinstance(a, torch.Tensor) and a.shape == x.shape
    assert default_window(40) == 3 and default_window(200) == 10 and default_window(2) == 2
    assert default_batch_size(1, 100) == DEFAULT_BATCH_SIZE
    assert default_batch_size(12, 5000) * 12 * 5000 <= MAX_CHUNK_VALUES and default_batch_size(1, 10**9) == 1


def test_progress_reports_per_chunk():
    seen = []
    attribute(window_model("linear"), positive_x(5), "saliency", batch_size=2, progress=lambda f, m: seen.append(f))
    assert seen == [0.4, 0.8, 1.0]


def test_relevance_per_step():
    a = torch.tensor([[[1.0, -2.0, 0.0], [-3.0, 0.5, 1.0]]])
    expected = [[4.0, 2.5, 1.0]]
    torch.testing.assert_close(relevance_per_step(a), torch.tensor(expected))
    np.testing.assert_allclose(relevance_per_step(a.numpy()), expected)
    with pytest.raises(ValueError, match="attr"):
        relevance_per_step(a[0])


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "gradcam"}, "method must be one of saliency, integrated_gradients"),
    ({"target": 2}, "target"),
    ({"target": -1}, "target"),
    ({"target": [0, 1]}, "target"),
    ({"target": 0.5}, "target"),
    ({"x": torch.zeros(C, T)}, "x must have shape"),
    ({"x": torch.zeros(1, C, T, dtype=torch.complex64)}, "x is complex"),
    ({"x": torch.full((1, C, T), float("nan"))}, "x contains NaN"),
    ({"x": torch.zeros(MAX_ATTRIBUTION_SAMPLES + 1, C, T)}, "at most 1000 series"),
    ({"method": "occlusion", "window": T + 1}, "window"),
    ({"method": "feature_ablation", "window": 0}, "window"),
    ({"method": "occlusion", "window": 4, "stride": 5}, "stride"),
    ({"method": "integrated_gradients", "steps": MAX_IG_STEPS + 1}, "steps"),
    ({"method": "smoothgrad", "n_samples": MAX_NT_SAMPLES + 1}, "n_samples"),
    ({"method": "smoothgrad", "stdev": -0.1}, "stdev"),
    ({"method": "smoothgrad", "seed": -1}, "seed"),
    ({"batch_size": 0}, "batch_size"),
    ({"method": "integrated_gradients", "baseline": "noise"}, "baseline"),
])
def test_bad_inputs_raise_value_error_naming_the_parameter(kwargs, match):
    args = {"x": positive_x(3), "method": "saliency"} | kwargs
    x, method = args.pop("x"), args.pop("method")
    with pytest.raises(ValueError, match=match):
        attribute(window_model("linear"), x, method, **args)


def test_import_does_not_load_captum():
    code = ("import sys, tsviz, tsviz.explain.attribution, tsviz.explain.faithfulness; "
            "assert 'captum' not in sys.modules, 'captum imported at module import'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("method", ATTRIBUTION_METHODS)
def test_cuda_device(method):
    model = small_net().cuda()
    x = torch.randn(3, C, T, device="cuda")
    a = attribute(model, x, method, **FAST)
    assert a.device == x.device and a.shape == x.shape and torch.isfinite(a).all()
