"""Ablations of the self-ensemble: ensemble size ``m`` and keep ratio ``p`` (Fig. 5-6 of the paper).

Reference: shared paper ``certified-robustness-tsc-self-ensemble.txt``, section 6.2 (ablation
over the number of masks and the masking ratio).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from tsviz.certify.caps import CAPS
from tsviz.certify.compare import CertConfig, Comparison, certify_configs
from tsviz.certify.errors import CertifyError
from tsviz.certify.masks import MASK_KINDS, check_keep
from tsviz.core import check_choice, check_int

__all__ = ["ablation"]


def ablation(model: torch.nn.Module, x, y, sigma: float, *, kind: str = "binomial",
             sizes: Sequence[int] = (1, 2, 4, 8), keeps: Sequence[float] = (0.9,), n0: int = 100,
             n: int = 1000, alpha: float = 0.001, bound: str = "cohen", generator: torch.Generator | None = None,
             seed: int | None = None, mask_seed: int = 0, include_single: bool = True,
             progress: Callable[[float, str], None] | None = None) -> Comparison:
    """Certify ``model`` over every (ensemble size, keep ratio) pair of ``kind`` masks.

    Parameters
    ----------
    model : nn.Module (a mask-trained base model is the paper's setting)
    x : (N, C, T) series; y : (N,) integer labels; sigma : float > 0, noise level in signal units
    kind : "binomial" or "continuous"
    sizes : ensemble sizes ``m`` in ``[1, CAPS["masks"]]``; keeps : keep ratios ``p`` in (0, 1]
    include_single : also certify the model without masks (label ``"Single"``)
    n0, n, alpha, bound : as in :meth:`Smoothed.certify`; mask_seed : seed of the masks
        (the total cost of all configurations is held to the cap, see :func:`certify_configs`)
    generator, seed : the noise's randomness, shared by every configuration (see :func:`certify_configs`)
    progress : callable(fraction, message) or None; reaches 1.0 at the end

    Returns
    -------
    Comparison whose table has columns ``m`` and ``keep`` to plot against (labels
    ``"<kind> m=<m> p=<p>"``)
    """
    try:
        sizes, keeps = list(sizes), list(keeps)
    except TypeError:
        raise CertifyError("sizes and keeps must be sequences of numbers") from None
    if not sizes or not keeps:
        raise CertifyError("sizes and keeps must be non-empty")
    for m in sizes:
        check_int("sizes", m, 1, CAPS["masks"], error=CertifyError)
    keeps = [check_keep(p) for p in keeps]
    check_choice("kind", kind, MASK_KINDS, error=CertifyError)
    configs = [CertConfig("Single", model, sigma)] if include_single else []
    configs += [CertConfig(f"{kind} m={m} p={p:g}", model, sigma, mask_kind=kind, n_masks=m, keep=p,
                           mask_seed=mask_seed) for p in keeps for m in sizes]
    return certify_configs(configs, x, y, n0=n0, n=n, alpha=alpha, bound=bound, generator=generator, seed=seed,
                           progress=progress)
