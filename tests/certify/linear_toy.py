"""The certify-specific toy: a linear binary classifier whose exact smoothed classifier is known.

For logits ``[0, w.x + b]`` and noise ``N(0, sigma^2 I)``: ``P(class 1) = Phi((w.x + b) / (sigma ||w||))``
and the true L2 distance to the decision boundary is ``|w.x + b| / ||w||``. The model is the shared
:class:`helpers.LinearTS` (``W = [0; w]``, ``b = [0, b]``), so shape checks apply to it.
"""
from __future__ import annotations

import torch
from helpers import LinearTS

T = 8


def linear2(w: torch.Tensor, b: float) -> LinearTS:
    """Logits ``[0, w.x + b]`` for series ``(n, 1, T)``."""
    W = torch.stack([torch.zeros(T), w.reshape(T).float()])
    return LinearTS(W, torch.tensor([0.0, float(b)]), C=1, T=T).eval()


def toy_model() -> LinearTS:
    g = torch.Generator().manual_seed(0)
    return linear2(torch.randn(T, generator=g), 0.1)


def toy_x(n: int = 12) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    return 0.5 * torch.randn(n, 1, T, generator=g)


def weight(model: LinearTS) -> tuple[torch.Tensor, float]:
    """``(w, b)`` of a :func:`linear2` model (class 1's logit minus class 0's)."""
    W, b = model.lin.weight.detach(), model.lin.bias.detach()
    return W[1] - W[0], float(b[1] - b[0])


def margins(model: LinearTS, x: torch.Tensor):
    """``(w.x + b, ||w||)`` per series."""
    w, b = weight(model)
    z = (x.reshape(x.shape[0], -1) @ w + b).numpy()
    return z, float(w.norm())
