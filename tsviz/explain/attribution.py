"""Gradient and perturbation attributions of a time-series classifier, via Captum.

One call shape for every registered method, ``attribute(model, x, method, *, target=None) -> (n, C, T)``.
The methods live in :mod:`tsviz.explain.methods`, one module each, registered in
:data:`~tsviz.explain.methods.ATTRIBUTIONS`:

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
:func:`~tsviz.explain.relevance.relevance_per_step` reduces ``(n, C, T)`` to ``(n, T)`` for comparison
with NeuroMask's mask.

Captum is imported inside the methods only; importing this module stays light.

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

from collections.abc import Callable, Sequence

import torch

from tsviz.core import check_budget, check_cost, check_int, guard_model, model_logits
from tsviz.explain.baselines import check_baseline, make_baseline
from tsviz.explain.caps import CAPS, MAX_ATTRIBUTION_SAMPLES, MAX_BATCH_SIZE, MAX_IG_STEPS, MAX_NT_SAMPLES
from tsviz.explain.errors import ExplainError
from tsviz.explain.inputs import check_progress, check_series, explain_generator, resolve_target
from tsviz.explain.methods import ATTRIBUTIONS, SMOOTHGRAD_NOISE_LEVEL, AttributionSettings
from tsviz.explain.relevance import relevance_per_step

__all__ = [
    "ATTRIBUTION_METHODS", "MAX_ATTRIBUTION_SAMPLES", "MAX_IG_STEPS", "MAX_NT_SAMPLES", "MAX_BATCH_SIZE",
    "DEFAULT_BATCH_SIZE", "MAX_CHUNK_VALUES", "SMOOTHGRAD_NOISE_LEVEL", "attribute", "relevance_per_step",
    "default_window", "default_batch_size", "attribution_cost", "ExplainError",
]

#: Method names accepted by :func:`attribute` (the keys of :data:`~tsviz.explain.methods.ATTRIBUTIONS`).
ATTRIBUTION_METHODS = tuple(ATTRIBUTIONS)
#: Default rows per forward (and backward) pass (fewer for long series, see :func:`default_batch_size`).
DEFAULT_BATCH_SIZE = 1024
#: A default chunk holds at most this many input values (rows * C * T): 2**24 float32 = 64 MiB.
MAX_CHUNK_VALUES = 2**24
#: Defaults of the method options.
DEFAULT_IG_STEPS = 50
DEFAULT_NT_SAMPLES = 25


def default_batch_size(C: int, T: int, rows: int = DEFAULT_BATCH_SIZE) -> int:
    """``rows``, reduced so that one chunk holds at most :data:`MAX_CHUNK_VALUES` input values."""
    return max(1, min(rows, MAX_CHUNK_VALUES // max(1, C * T)))


def default_window(T: int) -> int:
    """Default occlusion/ablation window in time steps: ``max(3, T // 20)``, at most ``T``."""
    return min(T, max(3, T // 20))


def _method(method: str):
    if not isinstance(method, str) or method not in ATTRIBUTIONS:
        raise ExplainError(f"method must be one of {', '.join(ATTRIBUTIONS)}, got {method!r}")
    return ATTRIBUTIONS[method]


def attribution_cost(method: str, n: int, T: int, *, window: int | None = None, stride: int | None = None,
                     steps: int = DEFAULT_IG_STEPS, n_samples: int = DEFAULT_NT_SAMPLES) -> dict[str, int]:
    """The factors of the model evaluations of :func:`attribute` on ``n`` series of length ``T``.

    Per series: saliency 1 gradient; integrated gradients ``steps``; SmoothGrad ``n_samples``;
    occlusion one forward per window position (``ceil((T - window) / stride) + 1``) plus the clean
    one; feature ablation one per segment (``ceil(T / window)``) plus the clean one. The one
    forward pass that resolves the target is not counted. Each method states its own
    (``AttributionMethod.cost``).
    """
    window = default_window(T) if window is None else int(window)
    stride = max(1, window // 2) if stride is None else int(stride)
    return _method(method).cost(int(n), int(T), window=window, stride=stride, steps=int(steps),
                                n_samples=int(n_samples))


def attribute(model: torch.nn.Module, x: torch.Tensor, method: str, *,
              target: int | Sequence[int] | torch.Tensor | None = None, baseline: str = "zero",
              window: int | None = None, stride: int | None = None, n_samples: int | None = None,
              stdev: float | None = None, steps: int | None = None, generator: torch.Generator | None = None,
              seed: int | None = None, batch_size: int | None = None, blur_width: int | None = None,
              progress: Callable[[float, str], None] | None = None) -> torch.Tensor:
    """Attribution of the target class logit to every input value, ``(n, C, T)``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(m, C, T)`` to logits ``(m, K)``. Left exactly as found: evaluated in eval mode with
        frozen parameters; train/eval modes and ``requires_grad`` are restored afterwards.
    x : torch.Tensor ``(n, C, T)``
        Real, finite series in signal units (numpy or torch; float64 is cast to float32, complex
        refused), with the model's channels and length; ``1 <= n <= CAPS["series"]``.
    method : str
        One of :data:`ATTRIBUTION_METHODS` (see each method's module in :mod:`tsviz.explain.methods`):

        * ``"saliency"`` -- ``|d logit_target / d x|`` (Simonyan et al. 2014; Captum ``Saliency``
          with ``abs=True``). Non-negative, logit per signal unit.
        * ``"integrated_gradients"`` -- ``(x - b) * mean_alpha grad(b + alpha (x - b))``
          (Sundararajan et al. 2017; Captum ``IntegratedGradients``, Gauss-Legendre, ``steps``
          points). Signed, logit units; sums to ``logit(x) - logit(b)`` up to the quadrature error.
        * ``"smoothgrad"`` -- the mean of ``|grad|`` over ``n_samples`` copies ``x + N(0, stdev^2)``
          (Smilkov et al. 2017; the same quantity as Captum ``NoiseTunnel(Saliency)`` with
          ``nt_type="smoothgrad"``), the noise drawn from ``generator``/``seed``, never from the
          global RNG; the same seed (and ``batch_size``) gives the same result. Non-negative.
        * ``"occlusion"`` -- for a sliding window of ``window`` steps spanning all channels, moved
          by ``stride`` steps, ``logit(x) - logit(x with the window set to b)``, averaged over the
          windows covering each step (Zeiler & Fergus 2014; Captum ``Occlusion``); every step is
          covered. Signed, logit units.
        * ``"feature_ablation"`` -- time is cut into contiguous segments of ``window`` steps
          (shared over channels; the last may be shorter); each step gets
          ``logit(x) - logit(x with its segment set to b)`` (Captum ``FeatureAblation``).
    target : None, int, or sequence / tensor ``(n,)`` of ints
        Class whose logit is explained; ``None`` (default) explains each series' predicted class.
        Integers only (floats are refused, never truncated), in ``[0, K)``.
    baseline : {"zero", "mean", "blur"}
        Reference series ``b`` (:func:`~tsviz.explain.baselines.make_baseline`) for integrated
        gradients, occlusion and ablation; ignored by the gradient-only methods.
    window : int, optional
        Occlusion/ablation window in time steps, in ``[1, T]``; default ``max(3, T // 20)``
        (:func:`default_window`).
    stride : int, optional
        Occlusion stride in steps, in ``[1, window]``; default ``max(1, window // 2)``.
    n_samples : int, optional
        SmoothGrad noisy copies per series, in ``[1, CAPS["n_samples"]]``; default 25.
    stdev : float, optional
        SmoothGrad noise standard deviation in signal units (same for every series), ``>= 0`` and
        at most :func:`tsviz.core.budget_limit` of ``x`` (100 x the data's scale);
        default ``0.15 * std(x_i)`` per series ``i`` (std over channels and time), i.e. 15 % of
        each series' own spread (Smilkov et al. recommend 10-20 % of the input range).
    steps : int, optional
        Integrated-gradients interpolation points, in ``[1, CAPS["ig_steps"]]``; default 50.
    generator, seed
        Randomness of the stochastic methods (SmoothGrad), by the one rule of
        :mod:`tsviz.core.random`: ``generator`` as given, else a fresh generator on ``x``'s device
        seeded ``seed`` (0 when None); both given is an error. Other methods are deterministic.
    batch_size : int, optional
        Rows per forward/backward pass, in ``[1, CAPS["batch_size"]]``; default
        :data:`DEFAULT_BATCH_SIZE`, fewer for long series (:func:`default_batch_size`: at most
        :data:`MAX_CHUNK_VALUES` input values per chunk). Bounds memory: integrated gradients evaluates
        ``batch_size // steps`` series (all their steps) per chunk, SmoothGrad
        ``batch_size // n_samples`` series (all their noisy copies), occlusion/ablation
        ``batch_size`` rows of perturbed series per forward.
    blur_width : int, optional
        Moving-average width of the ``"blur"`` baseline (see ``make_baseline``).
    progress : callable ``(fraction, message)``, optional
        Called after each chunk of series; reaches 1.0 with the last.

    Returns
    -------
    torch.Tensor ``(n, C, T)``, float32, detached, on ``x``'s device.

    Raises
    ------
    ExplainError (a ValueError)
        Naming the parameter: unknown ``method`` (lists the choices), bad ``x`` (shape, complex,
        NaN/Inf, beyond float32, channels or length other than the model's), ``target`` not
        integers in ``[0, K)``, ``window``/``stride``/``steps``/``n_samples``/``batch_size`` outside
        their ranges, ``stdev`` negative or beyond the data's scale (:func:`tsviz.core.check_budget`),
        unknown ``baseline``, a bad ``seed``/``generator``; a model returning NaN/Inf logits on
        ``x``; a total cost (:func:`attribution_cost`) over :func:`tsviz.core.max_cost`.
    """
    spec = _method(method)
    x = check_series(x, CAPS["series"], model)
    n, C, T = x.shape
    check_baseline(baseline)
    batch_size = default_batch_size(C, T) if batch_size is None else check_int(
        "batch_size", batch_size, 1, CAPS["batch_size"], error=ExplainError)
    window = default_window(T) if window is None else check_int("window", window, 1, T, error=ExplainError)
    stride = max(1, window // 2) if stride is None else check_int("stride", stride, 1, window, error=ExplainError)
    steps = DEFAULT_IG_STEPS if steps is None else check_int("steps", steps, 1, CAPS["ig_steps"], error=ExplainError)
    n_samples = DEFAULT_NT_SAMPLES if n_samples is None else check_int("n_samples", n_samples, 1, CAPS["n_samples"],
                                                                       error=ExplainError)
    if stdev is not None:  # signal units: held to the data's scale like an attack budget
        stdev = check_budget("stdev", stdev, x, allow_zero=True, error=ExplainError)
    gen = explain_generator(generator, seed, x.device)
    check_progress(progress)
    check_cost(f"attribution ({method})", spec.cost(n, T, window=window, stride=stride, steps=steps,
                                                    n_samples=n_samples), error=ExplainError)

    out = torch.empty((n, C, T), dtype=torch.float32, device=x.device)
    with guard_model(model):
        t = resolve_target(target, model_logits(model, x, error=ExplainError, batch=batch_size))
        b = make_baseline(x, baseline, blur_width=blur_width) if spec.uses_baseline else None
        settings = AttributionSettings(batch_size=batch_size, baseline=b, steps=steps, n_samples=n_samples,
                                       stdev=stdev, generator=gen if spec.stochastic else None, window=window,
                                       stride=stride)
        for sl, a in spec.attribute(model, x, t, settings):
            out[sl] = a.detach().to(torch.float32)
            if progress is not None:
                progress(sl.stop / n, f"{method}: {sl.stop}/{n} series")
    bad = ~torch.isfinite(out.reshape(n, -1)).all(1)
    if bool(bad.any()):
        raise ExplainError(f"{method} gave NaN/Inf relevances for series {int(bad.nonzero()[0])}: the model's "
                           "output or gradient is not finite near that series")
    return out
