"""Integrated gradients: the path integral of the gradient from a baseline to ``x``
(Sundararajan et al. 2017; Captum ``IntegratedGradients``).

M. Sundararajan, A. Taly, Q. Yan. Axiomatic attribution for deep networks. ICML, 2017.

``(x - b) * mean_alpha grad(b + alpha (x - b))`` with Gauss-Legendre nodes (``steps`` points);
signed, logit units; sums to ``logit(x) - logit(b)`` up to the quadrature error. All ``steps`` of
a series are evaluated in one forward pass: ``batch_size // steps`` series per chunk.
"""
from __future__ import annotations

import torch

from tsviz.explain.methods.base import AttributionMethod, AttributionSettings, Chunks, chunks

__all__ = ["INTEGRATED_GRADIENTS", "integrated_gradients_chunks", "integrated_gradients_cost"]


def integrated_gradients_chunks(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor,
                                s: AttributionSettings) -> Chunks:
    from captum.attr import IntegratedGradients

    ig = IntegratedGradients(model)
    m = max(1, s.batch_size // s.steps)  # series per chunk: all steps of a chunk fit in one forward
    for sl in chunks(x.shape[0], m):
        yield sl, ig.attribute(x[sl], baselines=s.baseline[sl], target=target[sl], n_steps=s.steps,
                               internal_batch_size=max(s.batch_size, 2 * (sl.stop - sl.start)))


def integrated_gradients_cost(n: int, T: int, *, steps: int, **_) -> dict[str, int]:
    return {"series": int(n), "steps": int(steps)}


INTEGRATED_GRADIENTS = AttributionMethod(
    "integrated_gradients", integrated_gradients_chunks, integrated_gradients_cost, uses_baseline=True,
    stochastic=False, reference="Sundararajan, Taly, Yan, ICML 2017")
