"""Feature ablation: the drop of the target logit when a fixed segment of time is replaced by the
baseline (Captum ``FeatureAblation``; the segment version of Zeiler & Fergus 2014's occlusion).

Time is cut into contiguous segments of ``window`` steps (shared over channels; the last may be
shorter); each step gets ``logit(x) - logit(x with its segment set to b)``. Signed, logit units.
"""
from __future__ import annotations

import math

import torch

from tsviz.explain.methods.base import AttributionMethod, AttributionSettings, Chunks, chunks

__all__ = ["FEATURE_ABLATION", "feature_ablation_chunks", "feature_ablation_cost"]


def feature_ablation_chunks(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor,
                            s: AttributionSettings) -> Chunks:
    from captum.attr import FeatureAblation

    n, C, T = x.shape
    groups = math.ceil(T / s.window)
    mask = (torch.arange(T, device=x.device) // s.window).view(1, 1, T).expand(1, C, T)
    fa = FeatureAblation(model)
    m = min(n, s.batch_size)
    ppe = max(1, min(groups, s.batch_size // m))
    for sl in chunks(n, m):
        yield sl, fa.attribute(x[sl], baselines=s.baseline[sl], target=target[sl], feature_mask=mask,
                               perturbations_per_eval=ppe)


def feature_ablation_cost(n: int, T: int, *, window: int, **_) -> dict[str, int]:
    return {"series": int(n), "segments (from window) + 1": math.ceil(T / window) + 1}


FEATURE_ABLATION = AttributionMethod("feature_ablation", feature_ablation_chunks, feature_ablation_cost,
                                     uses_baseline=True, stochastic=False,
                                     reference="Captum FeatureAblation; Zeiler, Fergus, ECCV 2014")
