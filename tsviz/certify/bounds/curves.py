"""Certified radius as a function of ``pA`` for each bound (Fig. 2 of the self-ensemble paper).

Reference: shared paper ``certified-robustness-tsc-self-ensemble.txt``, Fig. 2 and Theorem 4.1;
Cohen et al., ICML 2019; Li et al., NeurIPS 2019.
"""
from __future__ import annotations

import numpy as np

from tsviz.certify.bounds.cohen import cohen_radius
from tsviz.certify.bounds.renyi import renyi_radius, renyi_radius_at_order
from tsviz.certify.checks import check_sigma
from tsviz.certify.errors import CertifyError

__all__ = ["radius_vs_pa"]


def radius_vs_pa(sigma: float, *, p_a=None, orders=(2.0, 5.0, 20.0), p_b=None):
    """Certified radius as a function of ``pA`` (Fig. 2 of the self-ensemble paper [3]).

    Columns: ``"pA"``, ``"Cohen"`` (``sigma * Phi^-1(pA)``), ``"Renyi (sup over orders)"``
    (:func:`renyi_radius`) and ``"Renyi a=<order>"`` for each fixed order ``a > 1`` (the inner
    expression of Theorem 4.1 without the supremum; Fig. 2 draws these curves). ``pB`` defaults
    to ``1 - pA`` (the conservative choice of section 4.2).

    Parameters
    ----------
    sigma : float > 0, noise level in signal units
    p_a : 1-D array of probabilities in (0.5, 1) or None (200 points in [0.501, 0.9999])
    orders : sequence of Renyi orders ``a > 1``
    p_b : None, float or 1-D array broadcast against ``p_a``

    Returns
    -------
    pandas.DataFrame, radii in the signal units of ``sigma``
    """
    import pandas as pd

    sigma = check_sigma(sigma)
    pa = np.linspace(0.501, 0.9999, 200) if p_a is None else np.asarray(p_a, dtype=np.float64).reshape(-1)
    if pa.size == 0 or np.any(~np.isfinite(pa)) or np.any((pa <= 0) | (pa >= 1)):
        raise CertifyError("p_a must be a non-empty 1-D array of probabilities in (0, 1)")
    pb = 1.0 - pa if p_b is None else np.broadcast_to(np.asarray(p_b, dtype=np.float64), pa.shape)
    if np.any(~np.isfinite(pb)) or np.any((pb < 0) | (pb > 1)) or np.any(pa + pb > 1 + 1e-12):
        raise CertifyError("p_b must hold probabilities in [0, 1] with p_a + p_b <= 1")
    orders = [float(a) for a in orders]
    if any(not np.isfinite(a) or a <= 1.0 for a in orders):
        raise CertifyError(f"orders must be finite numbers > 1, got {orders!r}")
    cols = {"pA": pa, "Cohen": cohen_radius(pa, sigma), "Renyi (sup over orders)": renyi_radius(pa, pb, sigma)}
    for a in orders:
        cols[f"Renyi a={a:g}"] = renyi_radius_at_order(a, pa, pb, sigma)
    return pd.DataFrame(cols)
