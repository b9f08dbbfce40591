"""Gradient and perturbation attributions of a time-series classifier, via Captum.

One call shape for five methods, ``attribute(model, x, method, *, target=None) -> (n, C, T)``:

* ``"saliency"`` -- absolute input gradient of the target logit (Simonyan et al. 2014);
* ``"integrated_gradients"`` -- path integral of the gradient from a baseline to ``x``
  (Sundararajan et al. 2017);
* ``"smoothgrad"`` -- saliency averaged over Gaussian-noised copies of ``x`` (Smilkov et al. 2017);
* ``"occlusion"`` -- drop of the target logit when a sliding window of time steps (all channels)
  is replaced by the baseline (Zeiler & Fergus 2014);
* ``"feature_ablation"`` -- the same drop for a fixed partition of time into contiguous segments.

All attributions are of the model's *output* (the target class logit, Captum's convention), in
logit units per signal unit (gradients) or logit units (perturbation methods). "Removed" steps are
replaced by the same reference series as NeuroMask and the deletion/insertion curves use
(:func:`tsviz.explain.baselines.make_baseline`), so the methods are comparable.
:func:`relevance_per_step` reduces ``(n, C, T)`` to ``(n, T)`` for comparison with NeuroMask's mask.

Captum is imported inside :func:`attribute` only; importing this module stays light.

References
----------
K. Simonyan, A. Vedaldi, A. Zisserman. Deep inside convolutional networks: visualising image
classification models and saliency maps. ICLR workshop, 2014.
M. Sundararajan, A. Taly, Q. Yan. Axiomatic attribution for deep networks. ICML, 2017.
D. Smilkov, N. Thorat, B. Kim, F. Viegas, M. Wattenberg. SmoothGrad: removing noise by adding
noise. arXiv:1706.03825, 2017.
M. D. Zeiler, R. Fergus. Visualizing and understanding convolutional networks. ECCV, 2014.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from tsviz.attacks.base import guard_model, model_dtype, model_logits
from tsviz.core import as_series, check_budget, check_cost, check_model_input
from tsviz.explain.baselines import check_baseline, make_baseline
from tsviz.explain.errors import ExplainError

__all__ = [
    "ATTRIBUTION_METHODS", "MAX_ATTRIBUTION_SAMPLES", "MAX_IG_STEPS", "MAX_NT_SAMPLES", "MAX_BATCH_SIZE",
    "DEFAULT_BATCH_SIZE", "MAX_CHUNK_VALUES", "SMOOTHGRAD_NOISE_LEVEL", "attribute", "relevance_per_step",
    "default_window", "default_batch_size", "attribution_cost", "ExplainError",
]

#: Method names accepted by :func:`attribute`.
ATTRIBUTION_METHODS = ("saliency", "integrated_gradients", "smoothgrad", "occlusion", "feature_ablation")
#: Most series per :func:`attribute` call.
MAX_ATTRIBUTION_SAMPLES = 1000
#: Most interpolation steps of integrated gradients.
MAX_IG_STEPS = 1000
#: Most noisy copies per series for SmoothGrad.
MAX_NT_SAMPLES = 500
#: Largest ``batch_size`` (rows per forward pass).
MAX_BATCH_SIZE = 65536
#: Default rows per forward (and backward) pass (fewer for long series, see :func:`default_batch_size`).
DEFAULT_BATCH_SIZE = 1024
#: A default chunk holds at most this many input values (rows * C * T): 2**24 float32 = 64 MiB.
MAX_CHUNK_VALUES = 2**24
#: Default SmoothGrad noise level: ``stdev = SMOOTHGRAD_NOISE_LEVEL * std(x_i)`` per series.
SMOOTHGRAD_NOISE_LEVEL = 0.15


# --------------------------------------------------------------------------- shared checks
def _check_int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ExplainError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    return int(value)


def _check_series(x: Any, max_series: int, model: torch.nn.Module | None = None) -> torch.Tensor:
    """``x`` checked by :func:`tsviz.core.as_series` (real, finite, within float32, complex refused)
    as a float32 ``(n, C, T)`` tensor on its own device (numpy: CPU); with ``model``, also in the
    model's floating dtype and matching its channels and length (:func:`tsviz.core.check_model_input`)."""
    x = as_series(x, error=ExplainError, max_series=max_series)
    if model is not None:
        x = x.to(model_dtype(model))
        check_model_input(model, x, error=ExplainError)
    return x


def _forward_logits(model: torch.nn.Module, x: torch.Tensor, batch_size: int) -> torch.Tensor:
    """``model(x)`` ``(n, K)`` under ``torch.no_grad`` in chunks of ``batch_size`` rows; raises
    :class:`ExplainError` for a model that fails on ``x``, returns no ``(n, K)`` logits, or returns
    NaN/Inf logits on a clean series (which would give NaN relevances)."""
    return model_logits(model, x, error=ExplainError, batch=batch_size)


def _resolve_target(target: Any, logits: torch.Tensor) -> torch.Tensor:
    """``(n,)`` int64 target classes on ``logits``' device: the prediction when ``target`` is None."""
    n, K = logits.shape
    if target is None:
        return logits.argmax(1)
    if isinstance(target, bool):
        raise ExplainError(f"target must be None, an int or {n} ints, got {target!r}")
    try:
        t = torch.as_tensor(np.asarray(target.detach().cpu() if isinstance(target, torch.Tensor) else target))
    except (TypeError, ValueError) as exc:
        raise ExplainError(f"target must be None, an int or {n} ints, got {target!r}") from exc
    if t.dtype == torch.bool or t.is_complex():
        raise ExplainError(f"target must hold integers, got dtype {t.dtype}")
    if t.dtype.is_floating_point:
        if not torch.isfinite(t).all() or (t != t.round()).any():
            raise ExplainError("target must hold integers")
    t = t.long()
    t = t.expand(n).clone() if t.ndim == 0 else t.reshape(-1) if t.ndim == 1 else t
    if t.ndim != 1 or t.shape[0] != n:
        raise ExplainError(f"target must be an int or have {n} entries, got shape {tuple(t.shape)}")
    if ((t < 0) | (t >= K)).any():
        raise ExplainError(f"target must hold classes in [0, {K}), got {sorted(set(t.tolist()))[:10]}")
    return t.to(logits.device)


def default_batch_size(C: int, T: int, rows: int = DEFAULT_BATCH_SIZE) -> int:
    """``rows``, reduced so that one chunk holds at most :data:`MAX_CHUNK_VALUES` input values."""
    return max(1, min(rows, MAX_CHUNK_VALUES // max(1, C * T)))


def default_window(T: int) -> int:
    """Default occlusion/ablation window in time steps: ``max(3, T // 20)``, at most ``T``."""
    return min(T, max(3, T // 20))


def attribution_cost(method: str, n: int, T: int, *, window: int | None = None, stride: int | None = None,
                     steps: int = 50, n_samples: int = 25) -> dict[str, int]:
    """The factors of the model evaluations of :func:`attribute` on ``n`` series of length ``T``.

    Per series: saliency 1 gradient; integrated gradients ``steps``; SmoothGrad ``n_samples``;
    occlusion one forward per window position (``ceil((T - window) / stride) + 1``) plus the clean
    one; feature ablation one per segment (``ceil(T / window)``) plus the clean one. The one
    forward pass that resolves the target is not counted.
    """
    window = default_window(T) if window is None else int(window)
    stride = max(1, window // 2) if stride is None else int(stride)
    if method == "integrated_gradients":
        return {"series": int(n), "steps": int(steps)}
    if method == "smoothgrad":
        return {"series": int(n), "n_samples": int(n_samples)}
    if method == "occlusion":
        return {"series": int(n), "windows (from window and stride) + 1": math.ceil(max(T - window, 0) / stride) + 2}
    if method == "feature_ablation":
        return {"series": int(n), "segments (from window) + 1": math.ceil(T / window) + 1}
    return {"series": int(n)}


def relevance_per_step(attr: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """Relevance of each time step: ``sum_c |attr[:, c, t]|``.

    Absolute values are summed over channels, so a step counts as relevant whether its attribution
    is positive or negative and whichever channel carries it; the result is comparable with
    NeuroMask's per-step mask and is what the deletion/insertion curves rank.

    Parameters
    ----------
    attr : torch.Tensor or numpy.ndarray ``(n, C, T)``

    Returns
    -------
    Same kind as ``attr``, shape ``(n, T)``.
    """
    if not isinstance(attr, (torch.Tensor, np.ndarray)) or attr.ndim != 3:
        shape = tuple(attr.shape) if hasattr(attr, "shape") else type(attr).__name__
        raise ExplainError(f"attr must be an array of shape (n, channels, T), got {shape}")
    return attr.abs().sum(1) if isinstance(attr, torch.Tensor) else np.abs(attr).sum(1)


# --------------------------------------------------------------------------- methods
def _chunks(n: int, size: int):
    for i in range(0, n, size):
        yield slice(i, min(i + size, n))


def _saliency(model, x, t, batch_size, **_):
    from captum.attr import Saliency

    sal = Saliency(model)
    for sl in _chunks(x.shape[0], batch_size):
        yield sl, sal.attribute(x[sl].clone().requires_grad_(True), target=t[sl], abs=True)


def _integrated_gradients(model, x, t, batch_size, *, b, steps, **_):
    from captum.attr import IntegratedGradients

    ig = IntegratedGradients(model)
    m = max(1, batch_size // steps)  # series per chunk: all steps of a chunk fit in one forward
    for sl in _chunks(x.shape[0], m):
        yield sl, ig.attribute(x[sl], baselines=b[sl], target=t[sl], n_steps=steps,
                               internal_batch_size=max(batch_size, 2 * (sl.stop - sl.start)))


def _smoothgrad(model, x, t, batch_size, *, n_samples, stdev, seed, **_):
    from captum.attr import Saliency

    sal = Saliency(model)
    n, C, T = x.shape
    if stdev is None:  # per-series std over channels and time, signal units
        sd = SMOOTHGRAD_NOISE_LEVEL * x.reshape(n, -1).std(1, unbiased=False).view(n, 1, 1, 1)
    else:
        sd = torch.full((n, 1, 1, 1), float(stdev), dtype=x.dtype, device=x.device)
    gen = torch.Generator(device=x.device)
    gen.manual_seed(seed)
    m = max(1, batch_size // n_samples)
    for sl in _chunks(n, m):
        k = sl.stop - sl.start
        noise = torch.randn((k, n_samples, C, T), generator=gen, dtype=x.dtype, device=x.device)
        noisy = (x[sl].unsqueeze(1) + sd[sl] * noise).reshape(k * n_samples, C, T)
        g = sal.attribute(noisy.requires_grad_(True), target=t[sl].repeat_interleave(n_samples), abs=True)
        yield sl, g.reshape(k, n_samples, C, T).mean(1)


def _occlusion(model, x, t, batch_size, *, b, window, stride, **_):
    from captum.attr import Occlusion

    n, C, T = x.shape
    positions = math.ceil((T - window) / stride) + 1
    pad = window + (positions - 1) * stride - T  # so the last window ends at or past T

    if pad:
        def forward(z: torch.Tensor) -> torch.Tensor:
            return model(z[..., :T])
        xp, bp = F.pad(x, (0, pad)), F.pad(b, (0, pad))
    else:
        forward, xp, bp = model, x, b
    occ = Occlusion(forward)
    m = min(n, batch_size)
    ppe = max(1, min(positions, batch_size // m))
    for sl in _chunks(n, m):
        a = occ.attribute(xp[sl], sliding_window_shapes=(C, window), strides=(C, stride), baselines=bp[sl],
                          target=t[sl], perturbations_per_eval=ppe)
        yield sl, a[..., :T]


def _feature_ablation(model, x, t, batch_size, *, b, window, **_):
    from captum.attr import FeatureAblation

    n, C, T = x.shape
    groups = math.ceil(T / window)
    mask = (torch.arange(T, device=x.device) // window).view(1, 1, T).expand(1, C, T)
    fa = FeatureAblation(model)
    m = min(n, batch_size)
    ppe = max(1, min(groups, batch_size // m))
    for sl in _chunks(n, m):
        yield sl, fa.attribute(x[sl], baselines=b[sl], target=t[sl], feature_mask=mask, perturbations_per_eval=ppe)


_METHODS = {
    "saliency": _saliency, "integrated_gradients": _integrated_gradients, "smoothgrad": _smoothgrad,
    "occlusion": _occlusion, "feature_ablation": _feature_ablation,
}


def attribute(model: torch.nn.Module, x: torch.Tensor, method: str, *,
              target: int | Sequence[int] | torch.Tensor | None = None, baseline: str = "zero",
              window: int | None = None, stride: int | None = None, n_samples: int | None = None,
              stdev: float | None = None, steps: int | None = None, seed: int = 0,
              batch_size: int | None = None, blur_width: int | None = None,
              progress: Callable[[float, str], None] | None = None) -> torch.Tensor:
    """Attribution of the target class logit to every input value, ``(n, C, T)``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(m, C, T)`` to logits ``(m, K)``. Left exactly as found: evaluated in eval mode with
        frozen parameters; train/eval modes and ``requires_grad`` are restored afterwards.
    x : torch.Tensor ``(n, C, T)``
        Real, finite series in signal units (numpy or torch; float64 is cast to float32, complex
        refused), with the model's channels and length; ``1 <= n <=`` :data:`MAX_ATTRIBUTION_SAMPLES`.
    method : str
        One of :data:`ATTRIBUTION_METHODS`:

        * ``"saliency"`` -- ``|d logit_target / d x|`` (Simonyan et al. 2014; Captum ``Saliency``
          with ``abs=True``). Non-negative, logit per signal unit.
        * ``"integrated_gradients"`` -- ``(x - b) * mean_alpha grad(b + alpha (x - b))``
          (Sundararajan et al. 2017; Captum ``IntegratedGradients``, Gauss-Legendre, ``steps``
          points). Signed, logit units; sums to ``logit(x) - logit(b)`` up to the quadrature error.
        * ``"smoothgrad"`` -- the mean of ``|grad|`` over ``n_samples`` copies ``x + N(0, stdev^2)``
          (Smilkov et al. 2017; the same quantity as Captum ``NoiseTunnel(Saliency)`` with
          ``nt_type="smoothgrad"``). The noise is drawn here from a local ``torch.Generator`` seeded
          with ``seed`` -- never from the global RNG, which Captum's ``NoiseTunnel`` would use and
          which cannot carry a per-series ``stdev`` -- so the global RNG state is untouched and
          the same ``seed`` (and ``batch_size``) gives the same result. Non-negative.
        * ``"occlusion"`` -- for a sliding window of ``window`` steps spanning all channels, moved
          by ``stride`` steps, ``logit(x) - logit(x with the window set to b)``, averaged over the
          windows covering each step (Zeiler & Fergus 2014; Captum ``Occlusion``). The series is
          padded on the right (the padding is cropped before the model sees it) so that the last
          window reaches the last step and every step is covered. Signed, logit units.
        * ``"feature_ablation"`` -- time is cut into contiguous segments of ``window`` steps
          (shared over channels; the last may be shorter); each step gets
          ``logit(x) - logit(x with its segment set to b)`` (Captum ``FeatureAblation``).
    target : None, int, or sequence / tensor ``(n,)`` of ints
        Class whose logit is explained; ``None`` (default) explains each series' predicted class.
        Must lie in ``[0, K)``.
    baseline : {"zero", "mean", "blur"}
        Reference series ``b`` (:func:`~tsviz.explain.baselines.make_baseline`) for integrated
        gradients, occlusion and ablation; ignored by the gradient-only methods.
    window : int, optional
        Occlusion/ablation window in time steps, in ``[1, T]``; default ``max(3, T // 20)``
        (:func:`default_window`).
    stride : int, optional
        Occlusion stride in steps, in ``[1, window]``; default ``max(1, window // 2)``.
    n_samples : int, optional
        SmoothGrad noisy copies per series, in ``[1,`` :data:`MAX_NT_SAMPLES` ``]``; default 25.
    stdev : float, optional
        SmoothGrad noise standard deviation in signal units (same for every series), ``>= 0`` and
        at most :func:`tsviz.core.budget_limit` of ``x`` (100 x the data's scale);
        default ``0.15 * std(x_i)`` per series ``i`` (std over channels and time), i.e. 15 % of
        each series' own spread (Smilkov et al. recommend 10-20 % of the input range).
    steps : int, optional
        Integrated-gradients interpolation points, in ``[1,`` :data:`MAX_IG_STEPS` ``]``; default 50.
    seed : int
        Seed of the SmoothGrad noise (``>= 0``); other methods are deterministic.
    batch_size : int, optional
        Rows per forward/backward pass, in ``[1,`` :data:`MAX_BATCH_SIZE` ``]``; default
        :data:`DEFAULT_BATCH_SIZE`, fewer for long series (:func:`default_batch_size`: at most
        :data:`MAX_CHUNK_VALUES` input values per chunk). Bounds memory: integrated gradients evaluates
        ``batch_size // steps`` series (all their steps) per chunk, SmoothGrad
        ``batch_size // n_samples`` series (all their noisy copies), occlusion/ablation
        ``batch_size`` rows of perturbed series per forward.
    blur_width : int, optional
        Moving-average width of the ``"blur"`` baseline (see ``make_baseline``).
    progress : callable ``(fraction, message)``, optional
        Called after each chunk of series.

    Returns
    -------
    torch.Tensor ``(n, C, T)``, float32, detached, on ``x``'s device.

    Raises
    ------
    ExplainError (a ValueError)
        Naming the parameter: unknown ``method`` (lists the choices), bad ``x`` (shape, complex,
        NaN/Inf, beyond float32, channels or length other than the model's), ``target`` outside
        ``[0, K)``, ``window``/``stride``/``steps``/``n_samples``/``batch_size`` outside their
        ranges, ``stdev`` negative or beyond the data's scale (:func:`tsviz.core.check_budget`),
        unknown ``baseline``; a model returning NaN/Inf logits on ``x``; a total cost
        (:func:`attribution_cost`) over :func:`tsviz.core.max_cost`.
    """
    if method not in _METHODS:
        raise ExplainError(f"method must be one of {', '.join(ATTRIBUTION_METHODS)}, got {method!r}")
    x = _check_series(x, MAX_ATTRIBUTION_SAMPLES, model)
    n, C, T = x.shape
    check_baseline(baseline)
    batch_size = default_batch_size(C, T) if batch_size is None else _check_int(
        "batch_size", batch_size, 1, MAX_BATCH_SIZE)
    window = default_window(T) if window is None else _check_int("window", window, 1, T)
    stride = max(1, window // 2) if stride is None else _check_int("stride", stride, 1, window)
    steps = 50 if steps is None else _check_int("steps", steps, 1, MAX_IG_STEPS)
    n_samples = 25 if n_samples is None else _check_int("n_samples", n_samples, 1, MAX_NT_SAMPLES)
    if stdev is not None:  # signal units: held to the data's scale like an attack budget
        stdev = check_budget("stdev", stdev, x, allow_zero=True, error=ExplainError)
    seed = _check_int("seed", seed, 0, 2**63 - 1)
    if progress is not None and not callable(progress):
        raise ExplainError("progress must be a callable (fraction, message) or None")
    check_cost(f"attribution ({method})", attribution_cost(method, n, T, window=window, stride=stride, steps=steps,
                                                            n_samples=n_samples), error=ExplainError)

    out = torch.empty((n, C, T), dtype=torch.float32, device=x.device)
    with guard_model(model):
        t = _resolve_target(target, _forward_logits(model, x, batch_size))
        b = make_baseline(x, baseline, blur_width=blur_width) if method in (
            "integrated_gradients", "occlusion", "feature_ablation") else None
        for sl, a in _METHODS[method](model, x, t, batch_size, b=b, steps=steps, n_samples=n_samples,
                                      stdev=stdev, seed=seed, window=window, stride=stride):
            out[sl] = a.detach().to(torch.float32)
            if progress is not None:
                progress(sl.stop / n, f"{method}: {sl.stop}/{n} series")
    bad = ~torch.isfinite(out.reshape(n, -1)).all(1)
    if bool(bad.any()):
        raise ExplainError(f"{method} gave NaN/Inf relevances for series {int(bad.nonzero()[0])}: the model's "
                           "output or gradient is not finite near that series")
    return out
