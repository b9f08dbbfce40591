"""SmoothGrad: saliency averaged over Gaussian-noised copies of ``x`` (Smilkov et al. 2017).

D. Smilkov, N. Thorat, B. Kim, F. Viegas, M. Wattenberg. SmoothGrad: removing noise by adding
noise. arXiv:1706.03825, 2017.

The mean of ``|grad|`` over ``n_samples`` copies ``x + N(0, stdev^2)``, the same quantity as
Captum ``NoiseTunnel(Saliency)`` with ``nt_type="smoothgrad"``. The noise is drawn here from the
call's ``torch.Generator`` -- never from the global RNG, which ``NoiseTunnel`` would use and which
cannot carry a per-series ``stdev`` -- so the same seed (and ``batch_size``) gives the same result.
``stdev`` defaults to :data:`SMOOTHGRAD_NOISE_LEVEL` times each series' own standard deviation
(Smilkov et al. recommend 10-20 % of the input range). Non-negative.
"""
from __future__ import annotations

import torch

from tsviz.explain.methods.base import AttributionMethod, AttributionSettings, Chunks, chunks

__all__ = ["SMOOTHGRAD", "SMOOTHGRAD_NOISE_LEVEL", "smoothgrad_chunks", "smoothgrad_cost"]

#: Default SmoothGrad noise level: ``stdev = SMOOTHGRAD_NOISE_LEVEL * std(x_i)`` per series.
SMOOTHGRAD_NOISE_LEVEL = 0.15


def smoothgrad_chunks(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor, s: AttributionSettings) -> Chunks:
    from captum.attr import Saliency

    sal = Saliency(model)
    n, C, T = x.shape
    k_noise = s.n_samples
    if s.stdev is None:  # per-series std over channels and time, signal units
        sd = SMOOTHGRAD_NOISE_LEVEL * x.reshape(n, -1).std(1, unbiased=False).view(n, 1, 1, 1)
    else:
        sd = torch.full((n, 1, 1, 1), float(s.stdev), dtype=x.dtype, device=x.device)
    gen = s.generator
    m = max(1, s.batch_size // k_noise)
    for sl in chunks(n, m):
        k = sl.stop - sl.start
        noise = torch.randn((k, k_noise, C, T), generator=gen, dtype=x.dtype, device=gen.device).to(x.device)
        noisy = (x[sl].unsqueeze(1) + sd[sl] * noise).reshape(k * k_noise, C, T)
        g = sal.attribute(noisy.requires_grad_(True), target=target[sl].repeat_interleave(k_noise), abs=True)
        yield sl, g.reshape(k, k_noise, C, T).mean(1)


def smoothgrad_cost(n: int, T: int, *, n_samples: int, **_) -> dict[str, int]:
    return {"series": int(n), "n_samples": int(n_samples)}


SMOOTHGRAD = AttributionMethod("smoothgrad", smoothgrad_chunks, smoothgrad_cost, uses_baseline=False,
                               stochastic=True, reference="Smilkov, Thorat, Kim, Viegas, Wattenberg, arXiv:1706.03825")
