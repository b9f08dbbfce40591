"""Time masks of the self-ensemble paper: binomial ``M_B`` and continuous ``M_C``.

Reference: "Boosting Certified Robustness for Time Series Classification with Efficient Self-Ensemble"
(shared paper ``certified-robustness-tsc-self-ensemble.txt``), Algorithms 1-2 and section 5.3.
A mask is a boolean ``(T,)`` row: ``True`` keeps the time step, ``False`` sets it to 0 (in all
channels). One definition serves both uses: :func:`binomial_mask` / :func:`continuous_mask` draw
batches of masks from a ``torch.Generator`` (fresh masks per series during masked-noise training,
Algorithm 1), and :func:`binomial_masks` / :func:`continuous_masks` draw the ``m`` fixed masks of a
self-ensemble (Algorithm 2) with the same functions from a seeded generator.

Definitions (``p`` = keep ratio ``keep``, ``T`` = length)
--------------------------------------------------------
binomial (``M_B``)
    Each time step is kept independently with probability ``p``, otherwise set to 0.
continuous (``M_C``)
    Section 5.3: "several continuous mask-lets, combining to the total masking length fixed to p
    times the sequence length, and the maximum mask segment length set to half of p times the
    sequence length". Our reading: the mask-lets are the *kept* runs (the paper calls ``p`` the
    keep ratio throughout; fig. 6: "a high keep ratio (masking to 1) ... is very close to no
    masking"). Exactly ``L = max(1, round(p * T))`` steps are kept, in contiguous mask-lets whose
    lengths are drawn uniform in ``[1, S]``, ``S = max(1, L // 2)``, until they sum to ``L`` (the
    last one truncated); the ``T - L`` dropped steps are spread at random into the gaps before,
    between and after them, interior gaps at least one step wide whenever ``T - L`` allows, so
    mask-lets stay separate; when too few steps are dropped to separate them all (e.g. ``p = 0.95``
    on ``T = 30``) adjacent mask-lets touch and read as one longer run. ``p = 1`` keeps everything.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tsviz.certify.caps import CAPS, MAX_MASKS
from tsviz.certify.checks import certify_generator
from tsviz.certify.errors import CertifyError
from tsviz.core import check_int, check_real
from tsviz.core.arrays import readonly

__all__ = ["check_keep", "binomial_masks", "continuous_masks", "binomial_mask", "continuous_mask", "MAX_MASKS",
           "MASK_KINDS"]

#: Mask families.
MASK_KINDS = ("binomial", "continuous")


def check_keep(keep: Any) -> float:
    """``float(keep)`` if it is a keep ratio in ``(0, 1]``, else :class:`CertifyError`."""
    return check_real("keep", keep, low=0.0, high=1.0, low_open=True, error=CertifyError)


def _fixed_mask_args(m: Any, T: Any, keep: Any, generator, seed) -> tuple[int, int, float, torch.Generator]:
    m = check_int("m", m, 1, CAPS["masks"], error=CertifyError)
    T = check_int("T", T, 1, CAPS["mask_length"], error=CertifyError)
    keep = check_keep(keep)
    return m, T, keep, certify_generator(generator, seed)


def binomial_masks(m: int, T: int, keep: float, *, generator: torch.Generator | None = None,
                   seed: int | None = None) -> np.ndarray:
    """``m`` independent binomial masks ``M_B`` (paper section 5.3, Algorithm 1 ``BINOMIALMASK``).

    Each time step of each mask is kept independently with probability ``keep``. A mask that
    came out all ``False`` gets one time step, drawn uniformly from the same generator, set to
    ``True`` (a fixed mask that deletes the whole series carries no information); this slightly raises
    the keep ratio only when ``keep * T`` is tiny.

    Parameters
    ----------
    m : int in [1, CAPS["masks"]]
    T : int >= 1, series length
    keep : float in (0, 1], keep probability ``p``
    generator, seed : randomness (:mod:`tsviz.core.random`): ``generator`` as given, else a CPU
        generator seeded ``seed`` (0 when None); same seed -> same masks

    Returns
    -------
    ndarray, bool, shape ``(m, T)``, read-only
    """
    m, T, keep, gen = _fixed_mask_args(m, T, keep, generator, seed)
    masks = binomial_mask(m, T, keep, generator=gen).numpy().copy()
    empty = ~masks.any(axis=1)
    if empty.any():
        cols = torch.randint(0, T, (int(empty.sum()),), generator=gen, device=gen.device).cpu().numpy()
        masks[np.flatnonzero(empty), cols] = True
    return readonly(masks)


def _require_generator(generator: Any) -> None:
    if not isinstance(generator, torch.Generator):
        raise CertifyError(f"generator must be a torch.Generator (the caller's stream of mask draws), "
                           f"got {type(generator).__name__}")


def _gen_device(generator: torch.Generator, device: torch.device) -> torch.device:
    return torch.device(generator.device)


def _rand(shape, generator, device) -> torch.Tensor:
    d = _gen_device(generator, device)
    return torch.rand(shape, generator=generator, device=d).to(device)


def _randint(low: int, high: int, shape, generator, device) -> torch.Tensor:
    d = _gen_device(generator, device)
    return torch.randint(low, high, shape, generator=generator, device=d).to(device)


def binomial_mask(b: int, T: int, keep: float, *, generator: torch.Generator,
                  device: str | torch.device = "cpu") -> torch.Tensor:
    """Binomial masks ``M_B``: each step kept independently with probability ``keep``.

    ``generator`` is required: these are the per-batch draws of mask training, so the caller owns
    the stream (a default seed would repeat the same masks every batch, and torch's global RNG is
    never used).

    Returns
    -------
    Tensor, bool, shape ``(b, T)`` on ``device``; True = kept.
    """
    keep = check_keep(keep)
    _require_generator(generator)
    return _rand((b, T), generator, torch.device(device)) < keep


def continuous_mask(b: int, T: int, keep: float, *, generator: torch.Generator,
                    device: str | torch.device = "cpu") -> torch.Tensor:
    """Continuous masks ``M_C``: ``round(keep * T)`` kept steps in contiguous mask-lets.

    Mask-let lengths are uniform in ``[1, S]`` with ``S = max(1, L // 2)``, ``L = max(1,
    round(keep * T))``, drawn until they sum to ``L`` (last one truncated); the ``T - L`` dropped
    steps are split at random into the gaps around them, interior gaps at least 1 when possible.
    See the module docstring for the reading of section 5.3.

    Returns
    -------
    Tensor, bool, shape ``(b, T)`` on ``device``; True = kept; every row keeps exactly ``L`` steps.
    ``generator`` is required (see :func:`binomial_mask`).
    """
    keep = check_keep(keep)
    _require_generator(generator)
    dev = torch.device(device)
    L = min(T, max(1, round(keep * T)))
    S = max(1, L // 2)
    G = T - L
    if G == 0:
        return torch.ones(b, T, dtype=torch.bool, device=dev)
    K = L  # at most L mask-lets (each at least 1 long)
    lengths = _randint(1, S + 1, (b, K), generator, dev)
    ends = lengths.cumsum(1).clamp(max=L)
    lengths = torch.diff(ends, dim=1, prepend=torch.zeros(b, 1, dtype=ends.dtype, device=dev))
    active = lengths > 0                                  # (b, K): the first k are active
    k = active.sum(1, keepdim=True)                       # (b, 1), >= 1
    # interior gaps get one mandatory step when there are enough dropped steps
    sep = (G >= k - 1).long()                             # (b, 1)
    free = G - sep * (k - 1)                              # dropped steps placed at random
    # k random cut points in [0, free] (stars and bars); inactive slots sit at `free`
    cuts = (_rand((b, K), generator, dev) * (free + 1).to(torch.float32)).floor().long()
    cuts = torch.minimum(cuts, free)
    cuts = torch.where(active, cuts, free).sort(1).values
    gaps = torch.diff(cuts, dim=1, prepend=torch.zeros(b, 1, dtype=cuts.dtype, device=dev))  # gap before slot j
    idx = torch.arange(K, device=dev).unsqueeze(0)
    gaps = gaps + sep * (idx > 0).long() * active.long()
    starts = gaps.cumsum(1) + (ends - lengths)            # gaps so far + kept steps so far
    stops = starts + lengths
    # difference array: +1 at every start, -1 at every stop, for active mask-lets only
    delta = torch.zeros(b, T + 1, dtype=torch.long, device=dev)
    one = active.long()
    delta.scatter_add_(1, starts.clamp(max=T), one)
    delta.scatter_add_(1, stops.clamp(max=T), -one)
    return delta[:, :T].cumsum(1) > 0


def continuous_masks(m: int, T: int, keep: float, *, generator: torch.Generator | None = None,
                     seed: int | None = None) -> np.ndarray:
    """``m`` fixed continuous masks ``M_C`` for a self-ensemble (see the module docstring).

    Parameters
    ----------
    m : int in [1, CAPS["masks"]]
    T : int >= 1
    keep : float in (0, 1]
    generator, seed : randomness, as in :func:`binomial_masks`

    Returns
    -------
    ndarray, bool, shape ``(m, T)``, read-only; each row keeps exactly ``max(1, round(keep * T))``
    steps in contiguous mask-lets of at most ``max(1, L // 2)`` steps.
    """
    m, T, keep, gen = _fixed_mask_args(m, T, keep, generator, seed)
    return readonly(continuous_mask(m, T, keep, generator=gen).numpy())
