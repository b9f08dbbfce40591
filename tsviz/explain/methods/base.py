"""What every attribution method of :mod:`tsviz.explain.methods` provides (the method contract).

An attribution method is an :class:`AttributionMethod`: a name, a function that attributes the
target logit to every input value chunk by chunk, and its cost in model evaluations. The
dispatcher :func:`tsviz.explain.attribute` does everything else once, for every method: it checks
the inputs, resolves the target and the randomness, builds the baseline, guards the model (eval
mode, frozen parameters, restored afterwards), checks the cost cap, reports progress after each
chunk and refuses non-finite results.

``method.attribute(model, x, target, settings)`` receives

* ``model`` -- already guarded; ``x`` -- float ``(n, C, T)`` on the model's device, checked;
* ``target`` -- int64 ``(n,)`` classes on ``x``'s device;
* ``settings`` -- an :class:`AttributionSettings` with every validated option,

and yields ``(slice, attributions)`` pairs: the attributions ``(k, C, T)`` of series
``x[slice]``, in order, together covering all ``n`` series, each chunk within
``settings.batch_size`` rows per forward pass. Randomness only from ``settings.generator``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

__all__ = ["AttributionSettings", "AttributionMethod", "Chunks", "chunks"]

#: What ``AttributionMethod.attribute`` yields: ``(series slice, attributions (k, C, T))`` pairs.
Chunks = Iterator[tuple[slice, torch.Tensor]]


@dataclass(frozen=True)
class AttributionSettings:
    """The validated options of one :func:`tsviz.explain.attribute` call.

    Attributes
    ----------
    batch_size : int, rows per forward/backward pass
    baseline : Tensor ``(n, C, T)`` or None, the reference series (for methods with ``uses_baseline``)
    steps : int, integrated-gradients interpolation points
    n_samples : int, SmoothGrad noisy copies per series
    stdev : float or None, SmoothGrad noise level in signal units (None: 15 % of each series' std)
    generator : torch.Generator, the one source of randomness (stochastic methods only)
    window, stride : int, occlusion/ablation window and stride in time steps
    """

    batch_size: int
    baseline: torch.Tensor | None
    steps: int
    n_samples: int
    stdev: float | None
    generator: torch.Generator | None
    window: int
    stride: int


@dataclass(frozen=True)
class AttributionMethod:
    """One registered attribution method.

    Attributes
    ----------
    name : str, the name :func:`tsviz.explain.attribute` is called with
    attribute : callable ``(model, x, target, settings) -> Chunks`` (see the module docstring)
    cost : callable ``(n, T, *, window, stride, steps, n_samples) -> dict[str, int]``, the factors
        of the model evaluations of one call (their product is held to :func:`tsviz.core.max_cost`)
    uses_baseline : bool, whether the method needs the reference series
    stochastic : bool, whether it draws from ``settings.generator``
    reference : str, the paper
    """

    name: str
    attribute: Callable[[torch.nn.Module, torch.Tensor, torch.Tensor, AttributionSettings], Chunks]
    cost: Callable[..., dict[str, int]]
    uses_baseline: bool
    stochastic: bool
    reference: str


def chunks(n: int, size: int) -> Iterator[slice]:
    """Slices ``[i, i + size)`` covering ``range(n)`` in order."""
    for i in range(0, n, size):
        yield slice(i, min(i + size, n))
