"""What every augmentation shares: input and magnitude checks, the randomness rule, draws, the cost
check and progress (the family contract is stated in :mod:`tsviz.augment`)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from tsviz.augment.errors import AugmentError
from tsviz.core import as_series, check_budget, check_cost, resolve_generator

__all__ = ["Progress", "check_series", "check_magnitude", "check_progress", "check_augment_cost",
           "augment_generator", "uniform_draws", "report_done"]

#: ``progress(fraction, message)``: fraction in ``[0, 1]``, the last call at 1.
Progress = Callable[[float, str], None]


def check_series(x: Any, name: str = "x") -> torch.Tensor:
    """``x`` ``(n, C, T)`` by :func:`tsviz.core.as_series`: real (complex refused), finite, within
    float32's range, as a float32 tensor on its own device (numpy: CPU); :class:`AugmentError`."""
    return as_series(x, name=name, error=AugmentError)


def check_magnitude(name: str, value: Any, x: torch.Tensor, *, allow_zero: bool = False) -> float:
    """A magnitude in signal units (``beta``, ``eps_max``), held to the data's scale and float32's
    range like an attack budget (:func:`tsviz.core.check_budget`; ``beta = 1e300`` would overflow)."""
    return check_budget(name, value, x, allow_zero=allow_zero, error=AugmentError)


def check_progress(progress: Any) -> None:
    """Raise :class:`AugmentError` unless ``progress`` is ``None`` or a callable ``(fraction, message)``."""
    if progress is not None and not callable(progress):
        raise AugmentError(f"progress must be a callable (fraction, message) or None, got {type(progress).__name__}")


def check_augment_cost(name: str, n: int, passes: int = 1) -> None:
    """Refuse (:class:`AugmentError`) augmenting ``n`` series at ``passes`` model passes each when
    the total exceeds :func:`tsviz.core.max_cost`."""
    factors = {"series": n} if passes <= 1 else {"series": n, "model passes per series": passes}
    check_cost(name, factors, error=AugmentError)


def augment_generator(generator: torch.Generator | None = None, *, seed: Any = None) -> torch.Generator:
    """The family's one resolution of the randomness rule (:func:`tsviz.core.resolve_generator`):
    ``generator`` as given, else a fresh CPU generator seeded with ``seed`` (0 when ``None``);
    both given, a non-generator or a bad seed raise :class:`AugmentError`."""
    return resolve_generator(generator, seed=seed, error=AugmentError)


def uniform_draws(generator: torch.Generator, shape: Sequence[int], like: torch.Tensor) -> torch.Tensor:
    """``U[0, 1)`` draws of ``shape`` from ``generator`` (made on its device, in float32), moved to
    ``like``'s device and dtype; a CPU generator gives the same draws for CPU and CUDA series."""
    return torch.rand(tuple(shape), generator=generator, device=generator.device).to(like.device, like.dtype)


def report_done(progress: Progress | None, name: str, n: int) -> None:
    """The last progress call of an augmentation of ``n`` series (fraction 1)."""
    if progress is not None:
        progress(1.0, f"{name}: {n} series augmented")
