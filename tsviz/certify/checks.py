"""Checks and the randomness rule shared by the modules of :mod:`tsviz.certify`.

Thin wrappers over :mod:`tsviz.core` that fix the family's error class (:class:`CertifyError`)
and its own ranges:

* :func:`check_alpha` -- a confidence level in ``(0, 0.5)`` (a one-sided bound at ``alpha >= 1/2``
  says nothing);
* :func:`check_sigma` -- a noise level ``> 0`` (where no data fixes a scale; ``Smoothed`` holds
  ``sigma`` to the data's scale with :func:`tsviz.core.check_budget`);
* :func:`check_finite_parameters` -- no NaN/Inf weight in any ensemble member.

Randomness (the one rule of :mod:`tsviz.core.random`): a single call that draws noise resolves
``generator``/``seed`` with :func:`certify_generator`; a computation made of several seeded calls
(comparisons, soundness checks, attack success rates) derives them from one :func:`base_seed` with
:func:`seeded_generator`, so the same seed gives the same result and a given generator advances
by one draw.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from tsviz.certify.errors import CertifyError
from tsviz.core import MAX_SEED, check_positive, check_real, resolve_generator

__all__ = ["check_alpha", "check_sigma", "check_finite_parameters", "certify_generator", "base_seed",
           "seeded_generator"]


def check_alpha(alpha: Any, name: str = "alpha") -> float:
    """``float(alpha)`` if it is a finite number in ``(0, 0.5)``, else :class:`CertifyError`."""
    return check_real(name, alpha, low=0.0, high=0.5, low_open=True, high_open=True, error=CertifyError)


def check_sigma(sigma: Any, name: str = "sigma") -> float:
    """``float(sigma)`` if it is a finite number ``> 0``, else :class:`CertifyError`."""
    return check_positive(name, sigma, error=CertifyError)


def check_finite_parameters(members: Sequence[torch.nn.Module]) -> None:
    """Refuse ensemble members with a NaN/Inf floating-point parameter (a corrupted checkpoint)."""
    for j, mdl in enumerate(members):
        for name, prm in mdl.named_parameters():
            if prm.is_floating_point() and not bool(torch.isfinite(prm.detach()).all()):
                who = "the model" if len(members) == 1 else f"ensemble member {j}"
                raise CertifyError(f"parameter {name!r} of {who} contains NaN or Inf; a model with non-finite "
                                   "weights cannot be certified")


def certify_generator(generator: torch.Generator | None, seed: Any,
                      device: torch.device | str | None = None) -> torch.Generator:
    """The generator one stochastic call draws from (:func:`tsviz.core.resolve_generator`):
    ``generator`` as given (advanced in place), else a fresh one on ``device`` seeded ``seed``
    (0 when None). Both given, or a bad seed/generator: :class:`CertifyError`."""
    return resolve_generator(generator, seed=seed, device=device, error=CertifyError)


def base_seed(generator: torch.Generator | None, seed: Any) -> int:
    """The seed every random stream of a composite computation derives from.

    ``seed`` itself (0 when None) when no generator is given, so results equal those of the former
    ``seed=`` interface; else one integer drawn from ``generator`` (which advances by one draw).
    Checked like :func:`certify_generator`.
    """
    gen = certify_generator(generator, seed)
    if generator is None:
        return 0 if seed is None else int(seed)
    return int(torch.randint(0, 2**62, (1,), generator=gen, device=gen.device).item())


def seeded_generator(base: int, offset: int, device: torch.device | str | None = None) -> torch.Generator:
    """A fresh generator on ``device`` seeded ``base + offset`` (stream ``offset`` of :func:`base_seed`)."""
    dev = torch.device(device) if device is not None else torch.device("cpu")
    return torch.Generator(device=dev).manual_seed((int(base) + int(offset)) % (MAX_SEED + 1))
