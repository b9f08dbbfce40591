"""Classification margins of the base classifier under noise (Fig. 3 of the self-ensemble paper).

Shared paper ``certified-robustness-tsc-self-ensemble.txt``, Theorem 4.3 and Fig. 3: for each
noise draw, ``c_A`` is the (member- and mask-averaged) softmax score of class ``A`` and the
classification margin is ``z = c_A - max_{i != A} c_i``; ``P(z > 0)`` is the probability ``pA``
that the smoothed classifier counts, and ensembling shrinks the variance of ``z``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from tsviz.certify.errors import CertifyError
from tsviz.certify.smoothing import Smoothed
from tsviz.core import as_labels
from tsviz.core.arrays import readonly

__all__ = ["NoiseMargins", "noise_margins"]


@dataclass(frozen=True)
class NoiseMargins:
    """Per-draw margins of :func:`noise_margins`.

    Attributes
    ----------
    top_class : int64 ``(N,)``, class ``A`` per sample (true label, or the most counted class)
    top_score : float32 ``(N, n)``, ``c_A`` per draw (NaN for a draw whose model output was not
        finite: such a draw is no vote, see :meth:`Smoothed.scores`)
    margin : float32 ``(N, n)``, ``z = c_A - max_{i != A} c_i`` per draw (NaN likewise)
    """

    top_class: np.ndarray
    top_score: np.ndarray
    margin: np.ndarray

    @property
    def p_positive(self) -> np.ndarray:
        """Empirical ``P(z > 0)`` per sample (float64 ``(N,)``): the fraction of the ``n`` draws counted
        for A (a non-finite draw is not counted)."""
        return (self.margin > 0).mean(axis=1)

    def summary(self) -> dict[str, float]:
        """Pooled mean/std of ``z`` and ``c_A`` over the finite draws, the pooled share of ``z > 0``
        and the number of non-finite draws."""
        fin = np.isfinite(self.margin)
        z, c = self.margin[fin], self.top_score[fin]
        return {"margin_mean": float(z.mean()), "margin_std": float(z.std()),
                "top_score_mean": float(c.mean()), "top_score_std": float(c.std()),
                "p_positive": float((self.margin > 0).mean()), "n_nonfinite": int((~fin).sum())}


def noise_margins(smoothed: Smoothed, x, n: int = 1000, *, y=None, generator: torch.Generator | None = None,
                  seed: int | None = None, progress: Callable[[float, str], None] | None = None) -> NoiseMargins:
    """Top scores and classification margins of ``n`` noise draws per series.

    Parameters
    ----------
    smoothed : Smoothed (single model, deep ensemble and/or fixed masks)
    x : (N, C, T) float tensor or array
    n : int, noise draws per series
    y : None or int array ``(N,)``; class A per series (default: the most counted class of the
        draws, i.e. the smoothed prediction, as in Fig. 3)
    generator, seed : the noise's randomness, as in :meth:`Smoothed.scores` (:mod:`tsviz.core.random`)
    progress : callable(fraction, message) or None; reaches 1.0 at the end

    Returns
    -------
    NoiseMargins
    """
    if not isinstance(smoothed, Smoothed):
        raise CertifyError(f"smoothed must be a Smoothed, got {type(smoothed).__name__}")
    s = smoothed.scores(x, n, generator=generator, seed=seed, progress=progress)  # (N, n, K); NaN: non-finite
    N, _, K = s.shape
    if y is None:
        fin = np.isfinite(s).all(axis=2)
        votes = np.where(fin, np.nan_to_num(s).argmax(axis=2), K)  # non-finite draws vote for no class
        a = (votes[:, :, None] == np.arange(K)).sum(axis=1).argmax(axis=1)
    else:
        try:
            a = as_labels(y, N, n_classes=K, name="y", error=CertifyError).cpu().numpy()
        except CertifyError as exc:
            raise CertifyError(f"y must hold {N} integer class indices in [0, {K - 1}]: {exc}") from None
    top = np.take_along_axis(s, a[:, None, None], axis=2)[..., 0]
    others = s.copy()
    np.put_along_axis(others, a[:, None, None], -np.inf, axis=2)
    margin = top - others.max(axis=2)
    return NoiseMargins(top_class=readonly(a.astype(np.int64)), top_score=readonly(top.astype(np.float32)),
                        margin=readonly(margin.astype(np.float32)))
