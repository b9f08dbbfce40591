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

import numpy as np
import torch

from tsviz.core.arrays import readonly
from tsviz.certify.errors import CertifyError

__all__ = ["check_keep", "binomial_masks", "continuous_masks", "binomial_mask", "continuous_mask", "MAX_MASKS", "MASK_KINDS"]

#: Mask families.
MASK_KINDS = ("binomial", "continuous")

#: Largest number of masks in one self-ensemble (each mask multiplies the forward passes).
MAX_MASKS = 64
_MAX_T = 1_000_000


def _check_int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise CertifyError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    return int(value)


def check_keep(keep) -> float:
    ok = isinstance(keep, (int, float, np.integer, np.floating)) and not isinstance(keep, bool)
    if not ok or not np.isfinite(keep) or not 0.0 < keep <= 1.0:
        raise CertifyError(f"keep must be a number in (0, 1], got {keep!r}")
    return float(keep)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise CertifyError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def binomial_masks(m: int, T: int, keep: float, *, seed: int = 0) -> np.ndarray:
    """``m`` independent binomial masks ``M_B`` (paper section 5.3, Algorithm 1 ``BINOMIALMASK``).

    Each time step of each mask is kept independently with probability ``keep``. A mask that
    came out all ``False`` gets one time step, drawn uniformly from the same generator, set to
    ``True`` (a fixed mask that deletes the whole series carries no information); this slightly raises
    the keep ratio only when ``keep * T`` is tiny.

    Parameters
    ----------
    m : int in [1, MAX_MASKS]
    T : int >= 1, series length
    keep : float in (0, 1], keep probability ``p``
    seed : int >= 0, seeds a ``torch.Generator``; same seed -> same masks

    Returns
    -------
    ndarray, bool, shape ``(m, T)``, read-only
    """
    m = _check_int("m", m, 1, MAX_MASKS)
    T = _check_int("T", T, 1, _MAX_T)
    keep = check_keep(keep)
    gen = torch.Generator().manual_seed(_check_seed(seed))
    masks = binomial_mask(m, T, keep, generator=gen).numpy()
    empty = ~masks.any(axis=1)
    if empty.any():
        cols = torch.randint(0, T, (int(empty.sum()),), generator=gen).numpy()
        masks[np.flatnonzero(empty), cols] = True
    return readonly(masks)




def _gen_device(generator: torch.Generator | None, device: torch.device) -> torch.device:
    return device if generator is None else torch.device(generator.device)


def _rand(shape, generator, device) -> torch.Tensor:
    d = _gen_device(generator, device)
    return torch.rand(shape, generator=generator, device=d).to(device)


def _randint(low: int, high: int, shape, generator, device) -> torch.Tensor:
    d = _gen_device(generator, device)
    return torch.randint(low, high, shape, generator=generator, device=d).to(device)


def binomial_mask(b: int, T: int, keep: float, *, generator: torch.Generator | None = None,
                  device: str | torch.device = "cpu") -> torch.Tensor:
    """Binomial masks ``M_B``: each step kept independently with probability ``keep``.

    Returns
    -------
    Tensor, bool, shape ``(b, T)`` on ``device``; True = kept.
    """
    keep = check_keep(keep)
    return _rand((b, T), generator, torch.device(device)) < keep


def continuous_mask(b: int, T: int, keep: float, *, generator: torch.Generator | None = None,
                    device: str | torch.device = "cpu") -> torch.Tensor:
    """Continuous masks ``M_C``: ``round(keep * T)`` kept steps in contiguous mask-lets.

    Mask-let lengths are uniform in ``[1, S]`` with ``S = max(1, L // 2)``, ``L = max(1,
    round(keep * T))``, drawn until they sum to ``L`` (last one truncated); the ``T - L`` dropped
    steps are split at random into the gaps around them, interior gaps at least 1 when possible.
    See the module docstring for the reading of section 5.3.

    Returns
    -------
    Tensor, bool, shape ``(b, T)`` on ``device``; True = kept; every row keeps exactly ``L`` steps.
    """
    keep = check_keep(keep)
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




def continuous_masks(m: int, T: int, keep: float, *, seed: int = 0) -> np.ndarray:
    """``m`` fixed continuous masks ``M_C`` for a self-ensemble (see the module docstring).

    Parameters
    ----------
    m : int in [1, MAX_MASKS]
    T : int >= 1
    keep : float in (0, 1]
    seed : int >= 0, seeds a ``torch.Generator``; same seed -> same masks

    Returns
    -------
    ndarray, bool, shape ``(m, T)``, read-only; each row keeps exactly ``max(1, round(keep * T))``
    steps in contiguous mask-lets of at most ``max(1, L // 2)`` steps.
    """
    m = _check_int("m", m, 1, MAX_MASKS)
    T = _check_int("T", T, 1, _MAX_T)
    keep = check_keep(keep)
    gen = torch.Generator().manual_seed(_check_seed(seed))
    return readonly(continuous_mask(m, T, keep, generator=gen).numpy())
