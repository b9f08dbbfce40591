"""Saliency: the absolute input gradient of the target logit (Simonyan et al. 2014; Captum ``Saliency``).

K. Simonyan, A. Vedaldi, A. Zisserman. Deep inside convolutional networks: visualising image
classification models and saliency maps. ICLR workshop, 2014.

``|d logit_target / d x|``, non-negative, logit per signal unit; one gradient per series.
"""
from __future__ import annotations

import torch

from tsviz.explain.methods.base import AttributionMethod, AttributionSettings, Chunks, chunks

__all__ = ["SALIENCY", "saliency_chunks", "saliency_cost"]


def saliency_chunks(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor, s: AttributionSettings) -> Chunks:
    from captum.attr import Saliency

    sal = Saliency(model)
    for sl in chunks(x.shape[0], s.batch_size):
        yield sl, sal.attribute(x[sl].clone().requires_grad_(True), target=target[sl], abs=True)


def saliency_cost(n: int, T: int, **_) -> dict[str, int]:
    return {"series": int(n)}


SALIENCY = AttributionMethod("saliency", saliency_chunks, saliency_cost, uses_baseline=False, stochastic=False,
                             reference="Simonyan, Vedaldi, Zisserman, ICLR workshop 2014")
