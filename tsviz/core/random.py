"""The one randomness rule of tsviz.

Every stochastic entry point that draws with torch takes ``generator`` (a :class:`torch.Generator`)
and ``seed`` (an int), both keyword-only and optional, and resolves them with
:func:`resolve_generator`: a given generator is used as is (its state advances); else a fresh
generator seeded with ``seed`` (0 when it is ``None``) on the requested device. Giving both is an
error. So the same seed always gives the same result, and nothing touches torch's global RNG.
Functions that draw only with numpy/scikit-learn take ``seed`` alone.
"""
from __future__ import annotations

from typing import Any

import torch

from tsviz.core.errors import TsvizError
from tsviz.core.validation import check_seed

__all__ = ["resolve_generator"]


def resolve_generator(generator: torch.Generator | None = None, *, seed: Any = None,
                      device: torch.device | str | None = None,
                      error: type[TsvizError] = TsvizError) -> torch.Generator:
    """The generator a stochastic function draws from.

    Parameters
    ----------
    generator : torch.Generator, optional
        Used as given (on its own device).
    seed : int, optional
        Seed of a fresh generator when ``generator`` is ``None`` (default 0: deterministic).
    device : torch.device or str, optional
        Device of the fresh generator (default CPU). CUDA draws need a CUDA generator.
    error : type
        The family's error class.

    Raises
    ------
    error
        ``generator`` is not a :class:`torch.Generator`, both ``generator`` and ``seed`` are given, or
        ``seed`` is not an integer in ``[0, 2**63 - 1]``.
    """
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise error(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
        if seed is not None:
            raise error("give either generator or seed, not both")
        return generator
    s = 0 if seed is None else check_seed(seed, error=error)
    dev = torch.device(device) if device is not None else torch.device("cpu")
    return torch.Generator(device=dev).manual_seed(s)
