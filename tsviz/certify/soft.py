"""Monte Carlo soft smoothed classifier: a differentiable stand-in for ``g`` that attacks can use.

``G(x) = E_eps[ mean_{members, masks} softmax(f(mask * (x + sigma * eps))) ]`` estimated with
``draws`` fresh Gaussian draws per forward pass; the module returns ``log G(x)`` so that the
cross-entropy of an attack is ``-log G_y(x)``. Attacking ``G`` rather than the bare model is the
approach of Salman et al., "Provably Robust Deep Learning via Adversarially Trained Smoothed
Classifiers" (NeurIPS 2019, "SmoothAdv"); it is the strongest white-box attack on a smoothed
classifier that tsviz offers (Table 4 and the soundness check of the self-ensemble paper's setup).
"""
from __future__ import annotations

import numpy as np
import torch

from tsviz.certify.caps import CAPS, MAX_SOFT_DRAWS
from tsviz.certify.checks import certify_generator, check_sigma
from tsviz.certify.errors import CertifyError
from tsviz.certify.smoothing import Smoothed
from tsviz.core import check_int

__all__ = ["SoftSmoothed", "MAX_SOFT_DRAWS"]


class SoftSmoothed(torch.nn.Module):
    """``log`` of the Monte Carlo soft smoothed classifier of a :class:`Smoothed`.

    Parameters
    ----------
    smoothed : Smoothed, its members, ``sigma`` and fixed ``masks`` are used as they are
    draws : int in [1, CAPS["draws"]], noise draws per input per forward pass
    generator, seed : the noise's randomness (:mod:`tsviz.core.random`): ``generator`` (on the
        members' device) as given, else a fresh one on the members' device seeded ``seed`` (0 when
        None); advanced by every forward pass (fresh noise each call: expectation over
        transformation for an attacker)

    Forward maps ``(b, C, T)`` to ``(b, K)`` log-probabilities; gradients flow to the input only
    (members are frozen by the attack's model guard). ``b * draws * masks`` rows go through each
    member at once, so keep ``b`` small on big models.

    As in :class:`~tsviz.certify.smoothing.Smoothed`, a draw for which some member's logits (under
    some mask) are not finite is no vote: ``G`` averages the finite draws only. A series none of
    whose draws is finite, or ``x + sigma * noise`` overflowing float32, raises
    :class:`~tsviz.certify.errors.CertifyError`.
    """

    def __init__(self, smoothed: Smoothed, draws: int, generator: torch.Generator | None = None, *,
                 seed: int | None = None) -> None:
        super().__init__()
        if not isinstance(smoothed, Smoothed):
            raise CertifyError(f"smoothed must be a Smoothed, got {type(smoothed).__name__}")
        draws = check_int("draws", draws, 1, CAPS["draws"], error=CertifyError)
        self.members = torch.nn.ModuleList(smoothed.members())
        generator = certify_generator(generator, seed, smoothed.device())
        self.sigma = check_sigma(smoothed.sigma)
        self.draws = draws
        self.generator = generator
        masks = smoothed.masks
        if masks is not None:
            masks = torch.tensor(np.array(masks.detach().cpu() if isinstance(masks, torch.Tensor) else masks))
            masks = masks.to(torch.float32)
        self.register_buffer("masks", masks, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, C, T = x.shape
        noise = torch.randn((b, self.draws, C, T), generator=self.generator, device=self.generator.device)
        noisy = (x[:, None] + self.sigma * noise.to(device=x.device, dtype=x.dtype)).reshape(b * self.draws, C, T)
        if not bool(torch.isfinite(noisy).all()):
            raise CertifyError(f"x + sigma * noise is not finite (sigma = {self.sigma:g}); use a smaller sigma")
        M = 1
        if self.masks is not None:
            m = self.masks.to(device=x.device, dtype=x.dtype)
            if m.shape[1] != T:
                raise CertifyError(f"masks have length {m.shape[1]} but x has T={T}")
            noisy = (noisy[:, None] * m[None, :, None, :]).reshape(-1, C, T)
            M = m.shape[0]
        p, ok = 0.0, None
        for mdl in self.members:
            z = mdl(noisy).float()
            fin = torch.isfinite(z).all(dim=1)
            ok = fin if ok is None else ok & fin
            p = p + torch.softmax(torch.where(fin[:, None], z, torch.zeros((), dtype=z.dtype, device=z.device)), dim=1)
        p = (p / len(self.members)).reshape(b, self.draws, M, -1).mean(dim=2)  # (b, draws, K)
        ok = ok.reshape(b, self.draws, M).all(dim=2)  # a draw counts only if every member and mask is finite
        n_ok = ok.sum(dim=1)
        if not bool((n_ok > 0).all()):
            i = int((n_ok == 0).nonzero()[0])
            raise CertifyError(f"the model's output was NaN or Inf on all {self.draws} noise draws of series {i}")
        g = (p * ok[..., None]).sum(dim=1) / n_ok[:, None]
        return torch.log(g.clamp_min(1e-12))
