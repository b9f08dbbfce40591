"""Certify several smoothed classifiers on the same series and compare them (Table 3, Fig. 4-6).

A :class:`CertConfig` names one smoothed classifier of the self-ensemble paper's comparison:
``Single`` (one model, no masks), ``DE`` (a deep ensemble: several models), ``M_B`` / ``M_C`` (one
model over ``m`` fixed binomial / continuous masks with keep ratio ``p``). :func:`certify_configs`
certifies each on the same series with the same seeds and returns the results, an ACR table and
accuracy-vs-radius curves on one radius grid.

Reference: shared paper ``certified-robustness-tsc-self-ensemble.txt`` (Algorithm 2, Table 3,
Fig. 4-6); Cohen et al., ICML 2019 (certified accuracy).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsviz.certify.caps import CAPS, MAX_CONFIGS
from tsviz.certify.checks import base_seed
from tsviz.certify.costs import certification_cost
from tsviz.certify.errors import CertifyCostError, CertifyError
from tsviz.certify.masks import MASK_KINDS, binomial_masks, continuous_masks
from tsviz.certify.metrics import average_certified_radius, certified_accuracy
from tsviz.certify.result import ABSTAIN, REASON_NONFINITE, CertResult
from tsviz.certify.smoothing import Smoothed
from tsviz.core import as_labels, as_series, check_cost, check_int

__all__ = ["CertConfig", "Comparison", "certify_configs", "MAX_CONFIGS"]


@dataclass(frozen=True)
class CertConfig:
    """One smoothed classifier to certify.

    Parameters
    ----------
    label : str, name shown in tables and legends
    models : nn.Module or tuple of nn.Module (deep ensemble)
    sigma : float > 0, noise level in signal units
    mask_kind : None, "binomial" (``M_B``) or "continuous" (``M_C``)
    n_masks : int, ensemble size ``m`` (ignored without ``mask_kind``)
    keep : float in (0, 1], keep ratio ``p`` of each mask
    mask_seed : int, seed of the fixed masks (stored in the result)
    """

    label: str
    models: Any
    sigma: float
    mask_kind: str | None = None
    n_masks: int = 1
    keep: float = 0.9
    mask_seed: int = 0

    def masks(self, T: int) -> np.ndarray | None:
        """The fixed masks ``(m, T)`` bool, or None."""
        if self.mask_kind is None:
            return None
        if self.mask_kind not in MASK_KINDS:
            raise CertifyError(f"mask_kind must be None or one of {MASK_KINDS}, got {self.mask_kind!r}")
        make = binomial_masks if self.mask_kind == "binomial" else continuous_masks
        return make(self.n_masks, T, self.keep, seed=self.mask_seed)

    def smoothed(self, T: int, *, batch_size: int | str = "auto") -> Smoothed:
        """The :class:`Smoothed` classifier for series of length ``T``."""
        models = list(self.models) if isinstance(self.models, (list, tuple)) else self.models
        return Smoothed(models, self.sigma, self.masks(T), batch_size=batch_size)

    def model_passes(self) -> int:
        """Model evaluations per noise draw: masks x ensemble members (for cost checks; bad values
        are refused later, by :meth:`masks`)."""
        m = self.n_masks if self.mask_kind and isinstance(self.n_masks, (int, np.integer)) else 1
        return max(int(m), 1) * (len(self.models) if isinstance(self.models, (list, tuple)) else 1)

    def describe(self) -> dict[str, Any]:
        """Plain settings for tables: label, sigma, members, masks, m, keep."""
        members = len(self.models) if isinstance(self.models, (list, tuple)) else 1
        return {"label": self.label, "sigma": float(self.sigma), "members": members,
                "masks": self.mask_kind or "none", "m": self.n_masks if self.mask_kind else 0,
                "keep": float(self.keep) if self.mask_kind else 1.0}


@dataclass(frozen=True)
class Comparison:
    """Output of :func:`certify_configs`.

    Attributes
    ----------
    results : dict label -> CertResult
    table : pandas.DataFrame, one row per configuration: settings, ``clean_accuracy`` (certified
        accuracy at radius 0), ``acr``, ``abstain_rate``, ``n_nonfinite`` (series abstained on for a
        non-finite model output), ``certified_at_<r>`` for the requested radii, ``seconds``
    radii : float64 ``(R,)`` common radius grid; curves : dict label -> certified accuracy ``(R,)``
    """

    results: dict[str, CertResult]
    table: Any
    radii: np.ndarray
    curves: dict[str, np.ndarray]

    def summary(self) -> dict[str, Any]:
        """Per configuration: ACR, clean accuracy (certified at radius 0), abstain rate; plus the grid size."""
        rows = self.table.to_dict(orient="records")
        n_series = next((int(r.radius.shape[0]) for r in self.results.values()), 0)
        return {"configs": [r["label"] for r in rows], "n_series": n_series, "points": int(self.radii.shape[0]),
                "acr": {r["label"]: float(r["acr"]) for r in rows},
                "clean_accuracy": {r["label"]: float(r["clean_accuracy"]) for r in rows},
                "abstain_rate": {r["label"]: float(r["abstain_rate"]) for r in rows}}


def _labels(y, n: int) -> np.ndarray:
    """``y`` as int64 ``(n,)``: integer labels only (:func:`tsviz.core.as_labels`)."""
    return as_labels(y, n, error=CertifyError).cpu().numpy()


def certify_configs(configs: Sequence[CertConfig], x, y, *, n0: int = 100, n: int = 1000, alpha: float = 0.001,
                    bound: str = "cohen", generator: torch.Generator | None = None, seed: int | None = None,
                    radii: Sequence[float] = (), points: int = 200, batch_size: int | str = "auto",
                    progress: Callable[[float, str], None] | None = None) -> Comparison:
    """Certify every configuration on ``x`` with the same settings and noise seed.

    Parameters
    ----------
    configs : sequence of CertConfig with distinct labels (1 to ``CAPS["configs"]``)
    x : (N, C, T) series; y : (N,) int labels
    generator, seed : every configuration is certified with the same noise seed: ``seed`` (0 when
        None) or one integer drawn from ``generator`` (:mod:`tsviz.core.random`); both given is an error
    n0, n, alpha, bound : passed to :meth:`Smoothed.certify`; the total cost
        ``N x (n0 + n) x sum over configurations of masks x members`` is held to
        :func:`tsviz.core.max_cost` (:class:`~tsviz.certify.errors.CertifyCostError`)
    radii : radii (signal units) at which the table reports certified accuracy
    points : size of the common radius grid of the curves (0 to the largest certified radius),
        in ``[2, CAPS["points"]]``
    progress : callable(fraction, message) or None; reaches 1.0 at the end

    Returns
    -------
    Comparison
    """
    import pandas as pd

    configs = list(configs)
    if not 1 <= len(configs) <= CAPS["configs"] or not all(isinstance(c, CertConfig) for c in configs):
        raise CertifyError(f"configs must be 1 to {CAPS['configs']} CertConfig objects")
    labels = [c.label for c in configs]
    if len(set(labels)) != len(labels):
        raise CertifyError(f"configuration labels must be distinct, got {labels}")
    x = as_series(x, error=CertifyError, max_series=CAPS["series"])
    y = _labels(y, x.shape[0])
    try:
        radii = [float(r) for r in radii]
    except (TypeError, ValueError):
        raise CertifyError(f"radii must be finite numbers >= 0, got {radii!r}") from None
    if any(not np.isfinite(r) or r < 0 for r in radii):
        raise CertifyError(f"radii must be finite numbers >= 0, got {radii}")
    points = check_int("points", points, 2, CAPS["points"], error=CertifyError)
    seed = base_seed(generator, seed)
    check_cost(f"certification of {len(configs)} configuration(s)",
               certification_cost(x.shape[0], n0, n, sum(c.model_passes() for c in configs)), error=CertifyCostError)
    results: dict[str, CertResult] = {}
    rows = []
    for i, cfg in enumerate(configs):
        def sub(frac: float, msg: str, i=i, label=cfg.label) -> None:
            if progress is not None:
                progress((i + frac) / len(configs), f"[{i + 1}/{len(configs)}] {label}: {msg}")

        res = cfg.smoothed(x.shape[2], batch_size=batch_size).certify(
            x, n0=n0, n=n, alpha=alpha, bound=bound, seed=seed, progress=sub)
        results[cfg.label] = res
        row = cfg.describe()
        row.update({"clean_accuracy": float(certified_accuracy(res, y, [0.0])[0]),
                    "acr": average_certified_radius(res, y),
                    "abstain_rate": float(np.mean(res.prediction == ABSTAIN)),
                    "n_nonfinite": int(np.sum(res.abstain_reason == REASON_NONFINITE))})
        for r, acc in zip(radii, certified_accuracy(res, y, radii) if radii else []):
            row[f"certified_at_{r:g}"] = float(acc)
        row["seconds"] = res.seconds
        rows.append(row)
    top = max(float(r.radius.max()) for r in results.values())
    grid = np.linspace(0.0, top if top > 0 else float(configs[0].sigma), int(points))
    curves = {k: certified_accuracy(r, y, grid) for k, r in results.items()}
    return Comparison(results=results, table=pd.DataFrame(rows), radii=grid, curves=curves)
