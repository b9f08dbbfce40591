"""Occlusion: the drop of the target logit when a sliding window of time steps is replaced by the
baseline (Zeiler & Fergus 2014; Captum ``Occlusion``).

M. D. Zeiler, R. Fergus. Visualizing and understanding convolutional networks. ECCV, 2014.

For a window of ``window`` steps spanning all channels, moved by ``stride`` steps,
``logit(x) - logit(x with the window set to b)``, averaged over the windows covering each step.
The series is padded on the right (the padding is cropped before the model sees it) so that the
last window reaches the last step and every step is covered. Signed, logit units.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from tsviz.explain.methods.base import AttributionMethod, AttributionSettings, Chunks, chunks

__all__ = ["OCCLUSION", "occlusion_chunks", "occlusion_cost", "window_positions"]


def window_positions(T: int, window: int, stride: int) -> int:
    """Window positions needed to cover ``T`` steps: ``ceil((T - window) / stride) + 1``."""
    return math.ceil(max(T - window, 0) / stride) + 1


def occlusion_chunks(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor, s: AttributionSettings) -> Chunks:
    from captum.attr import Occlusion

    n, C, T = x.shape
    window, stride, b = s.window, s.stride, s.baseline
    positions = window_positions(T, window, stride)
    pad = window + (positions - 1) * stride - T  # so the last window ends at or past T

    if pad:
        def forward(z: torch.Tensor) -> torch.Tensor:
            return model(z[..., :T])
        xp, bp = F.pad(x, (0, pad)), F.pad(b, (0, pad))
    else:
        forward, xp, bp = model, x, b
    occ = Occlusion(forward)
    m = min(n, s.batch_size)
    ppe = max(1, min(positions, s.batch_size // m))
    for sl in chunks(n, m):
        a = occ.attribute(xp[sl], sliding_window_shapes=(C, window), strides=(C, stride), baselines=bp[sl],
                          target=target[sl], perturbations_per_eval=ppe)
        yield sl, a[..., :T]


def occlusion_cost(n: int, T: int, *, window: int, stride: int, **_) -> dict[str, int]:
    return {"series": int(n), "windows (from window and stride) + 1": window_positions(T, window, stride) + 1}


OCCLUSION = AttributionMethod("occlusion", occlusion_chunks, occlusion_cost, uses_baseline=True, stochastic=False,
                              reference="Zeiler, Fergus, ECCV 2014")
