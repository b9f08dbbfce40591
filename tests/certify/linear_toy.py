"""A linear binary classifier whose exact smoothed classifier is known (shared by certify tests).

For logits ``[0, w.x + b]`` and noise ``N(0, sigma^2 I)``: ``P(class 1) = Phi((w.x + b) / (sigma ||w||))``
and the true L2 distance to the decision boundary is ``|w.x + b| / ||w||``.
"""
from __future__ import annotations

import torch

T = 8


class Linear2(torch.nn.Module):
    def __init__(self, w: torch.Tensor, b: float):
        super().__init__()
        self.lin = torch.nn.Linear(T, 1)
        with torch.no_grad():
            self.lin.weight.copy_(w.reshape(1, T))
            self.lin.bias.fill_(b)

    def forward(self, x):
        z = self.lin(x.reshape(x.shape[0], -1))
        return torch.cat([torch.zeros_like(z), z], dim=1)


def toy_model() -> Linear2:
    g = torch.Generator().manual_seed(0)
    return Linear2(torch.randn(T, generator=g), 0.1)


def toy_x(n: int = 12) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    return 0.5 * torch.randn(n, 1, T, generator=g)


def margins(model: Linear2, x: torch.Tensor):
    """``(w.x + b, ||w||)`` per series."""
    w = model.lin.weight.detach().reshape(-1)
    z = (x.reshape(x.shape[0], -1) @ w + model.lin.bias.detach()).numpy()
    return z, float(w.norm())
