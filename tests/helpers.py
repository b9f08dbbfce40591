"""Shared test helpers: toy models with known answers, the model-untouched check, figure checks.

Import from any test as ``from helpers import ...`` (``tests/`` is on ``sys.path`` through the
root ``conftest.py``).

Toy models
----------
* :class:`LinearTS` — logits ``W @ flatten(x) + b`` for ``x`` ``(n, C, T)``: input gradients are
  ``W[k]`` exactly, so attacks and saliency have hand-checkable answers.
* :func:`linear_model` — a seeded :class:`LinearTS`.
* :class:`ConstantLogits` — the same logits for every input (no gradient w.r.t. ``x``).
* :class:`NaNLogits` — NaN logits (a checkpoint with NaN weights).
* :func:`toy_series` — seeded ``(n, C, T)`` float32 series and ``(n,)`` int64 labels.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["LinearTS", "linear_model", "ConstantLogits", "NaNLogits", "toy_series", "model_state",
           "assert_model_untouched", "figure_traces", "trace_by_name", "assert_figure_labels"]


class LinearTS(nn.Module):
    """``logits = flatten(x) @ W.T + b`` with ``W`` ``(K, C*T)``; ``hparams`` names the input shape
    like a tsviz network, so shape checks apply to it."""

    def __init__(self, W: torch.Tensor, b: torch.Tensor | None = None, *, C: int = 1, T: int | None = None):
        super().__init__()
        K, D = W.shape
        T = D // C if T is None else T
        self.lin = nn.Linear(D, K)
        with torch.no_grad():
            self.lin.weight.copy_(W)
            self.lin.bias.copy_(b if b is not None else torch.zeros(K))
        self.hparams = {"in_channels": C, "length": T, "n_classes": K}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x.reshape(x.shape[0], -1))


def linear_model(C: int = 1, T: int = 16, K: int = 3, *, seed: int = 0, scale: float = 1.0) -> LinearTS:
    """A :class:`LinearTS` with ``N(0, scale^2)`` weights from a local generator (seeded)."""
    g = torch.Generator().manual_seed(seed)
    return LinearTS(scale * torch.randn(K, C * T, generator=g), torch.zeros(K), C=C, T=T).eval()


class ConstantLogits(nn.Module):
    """Returns ``logits`` for every input (no dependence on ``x``; K = len(logits))."""

    def __init__(self, logits=(0.0, 1.0), *, C: int = 1, T: int = 16):
        super().__init__()
        self.register_buffer("logits", torch.tensor(logits, dtype=torch.float32))
        self.hparams = {"in_channels": C, "length": T, "n_classes": len(logits)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(x.shape[0], -1).clone()


class NaNLogits(ConstantLogits):
    """NaN logits for every input, like a checkpoint whose weights are NaN."""

    def __init__(self, K: int = 3, *, C: int = 1, T: int = 16):
        super().__init__([float("nan")] * K, C=C, T=T)


def toy_series(n: int = 12, C: int = 1, T: int = 16, K: int = 3, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded series ``(n, C, T)`` float32 (standard normal) and labels ``(n,)`` int64 cycling ``0..K-1``."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, C, T, generator=g), torch.arange(n) % K


def model_state(model: nn.Module) -> dict:
    """Everything about a model that a computation must leave as it found it."""
    return {
        "training": [m.training for m in model.modules()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "grad": [None if p.grad is None else p.grad.clone() for p in model.parameters()],
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
    }


def assert_model_untouched(model: nn.Module, before: dict) -> None:
    """Assert ``model`` has the modes, ``requires_grad`` flags, ``.grad`` and weights of ``before``
    (from :func:`model_state`)."""
    after = model_state(model)
    assert after["training"] == before["training"], "train/eval mode changed"
    assert after["requires_grad"] == before["requires_grad"], "requires_grad changed"
    for a, b in zip(after["grad"], before["grad"]):
        assert (a is None) == (b is None) and (a is None or torch.equal(a, b)), "a parameter's .grad changed"
    assert after["state"].keys() == before["state"].keys()
    for k, v in after["state"].items():
        assert torch.equal(v, before["state"][k]), f"weights changed: {k}"


# ----------------------------------------------------------------------------- figures
def figure_traces(fig) -> list:
    """The figure's traces (plotly objects)."""
    return list(fig.data)


def trace_by_name(fig, name: str):
    """The one trace called ``name`` (independent of trace order)."""
    hits = [t for t in fig.data if t.name == name]
    assert len(hits) == 1, f"expected one trace named {name!r}, found {[t.name for t in fig.data]}"
    return hits[0]


def assert_figure_labels(fig, *, title: str | None = None, x: str | None = None, y: str | None = None) -> None:
    """Assert the figure's title and first axes' titles contain the given words (units included)."""
    lay = fig.layout
    if title is not None:
        assert title in (lay.title.text or ""), f"title {lay.title.text!r} lacks {title!r}"
    if x is not None:
        assert x in (lay.xaxis.title.text or ""), f"x axis {lay.xaxis.title.text!r} lacks {x!r}"
    if y is not None:
        assert y in (lay.yaxis.title.text or ""), f"y axis {lay.yaxis.title.text!r} lacks {y!r}"


def as_numpy(a) -> np.ndarray:
    """A trace's x/y/z data as a float array (plotly may store typed arrays)."""
    return np.asarray(a, dtype=float)
