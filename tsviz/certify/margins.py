"""Classification margins of the base classifier under noise (Fig. 3 of the self-ensemble paper).

Shared paper ``certified-robustness-tsc-self-ensemble.txt``, Theorem 4.3 and Fig. 3: for each
noise draw, ``c_A`` is the (member- and mask-averaged) softmax score of class ``A`` and the
classification margin is ``z = c_A - max_{i != A} c_i``; ``P(z > 0)`` is the probability ``pA``
that the smoothed classifier counts, and ensembling shrinks the variance of ``z``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tsviz._arrays import readonly
from tsviz.certify.smoothing import Smoothed

__all__ = ["NoiseMargins", "noise_margins"]


@dataclass(frozen=True)
class NoiseMargins:
    """Per-draw margins of :func:`noise_margins`.

    Attributes
    ----------
    top_class : int64 ``(N,)``, class ``A`` per sample (true label, or the most counted class)
    top_score : float32 ``(N, n)``, ``c_A`` per draw
    margin : float32 ``(N, n)``, ``z = c_A - max_{i != A} c_i`` per draw
    """

    top_class: np.ndarray
    top_score: np.ndarray
    margin: np.ndarray

    @property
    def p_positive(self) -> np.ndarray:
        """Empirical ``P(z > 0)`` per sample (float64 ``(N,)``): the fraction of draws counted for A."""
        return (self.margin > 0).mean(axis=1)

    def summary(self) -> dict[str, float]:
        """Pooled mean/std of ``z`` and ``c_A`` and the pooled share of ``z > 0``."""
        return {"margin_mean": float(self.margin.mean()), "margin_std": float(self.margin.std()),
                "top_score_mean": float(self.top_score.mean()), "top_score_std": float(self.top_score.std()),
                "p_positive": float((self.margin > 0).mean())}


def noise_margins(smoothed: Smoothed, x, n: int = 1000, *, y=None, seed: int = 0) -> NoiseMargins:
    """Top scores and classification margins of ``n`` noise draws per series.

    Parameters
    ----------
    smoothed : Smoothed (single model, deep ensemble and/or fixed masks)
    x : (N, C, T) float tensor or array
    n : int, noise draws per series
    y : None or int array ``(N,)``; class A per series (default: the most counted class of the
        draws, i.e. the smoothed prediction, as in Fig. 3)
    seed : int, noise seed

    Returns
    -------
    NoiseMargins
    """
    if not isinstance(smoothed, Smoothed):
        raise ValueError(f"smoothed must be a Smoothed, got {type(smoothed).__name__}")
    s = smoothed.scores(x, n, seed=seed)  # (N, n, K)
    N, _, K = s.shape
    if y is None:
        a = (s.argmax(axis=2)[:, :, None] == np.arange(K)).sum(axis=1).argmax(axis=1)
    else:
        a = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y).reshape(-1).astype(np.int64)
        if a.shape[0] != N or np.any((a < 0) | (a >= K)):
            raise ValueError(f"y must hold {N} class indices in [0, {K - 1}]")
    top = np.take_along_axis(s, a[:, None, None], axis=2)[..., 0]
    others = s.copy()
    np.put_along_axis(others, a[:, None, None], -np.inf, axis=2)
    margin = top - others.max(axis=2)
    return NoiseMargins(top_class=readonly(a.astype(np.int64)), top_score=readonly(top.astype(np.float32)),
                        margin=readonly(margin.astype(np.float32)))
