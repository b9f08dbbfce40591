"""Several explanation methods on the same series, judged by the same faithfulness curves.

The dissertation (ch. 5, section 5.6) leaves a quantitative comparison of NeuroMask with other
methods as future work; :func:`explain_methods` makes it: every method explains the same series
for the same target class (the model's prediction on each series), each relevance is reduced to
one value per time step, and all are scored by deletion and insertion curves
(:mod:`tsviz.explain.faithfulness`) with the same baseline NeuroMask uses for removed steps.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from tsviz.explain.attribution import ATTRIBUTION_METHODS, attribute, relevance_per_step
from tsviz.explain.faithfulness import FaithfulnessResult, compare_faithfulness
from tsviz.explain.neuromask import MaskResult, neuromask

__all__ = ["METHODS", "ExplainComparison", "explain_methods"]

#: NeuroMask plus the Captum baselines.
METHODS = ("neuromask", *ATTRIBUTION_METHODS)


@dataclass(frozen=True)
class ExplainComparison:
    """Output of :func:`explain_methods`.

    Attributes
    ----------
    relevance : dict method -> ndarray ``(n, T)``, non-negative (NeuroMask's mask; ``|attribution|``
        summed over channels for the others)
    attributions : dict method -> ndarray ``(n, C, T)`` (signed, Captum methods only)
    mask_result : MaskResult or None (NeuroMask's full result, with its history)
    target : ndarray ``(n,)``, the class every method explains
    faithfulness : dict method -> FaithfulnessResult
    table : pandas DataFrame, one row per method: deletion / insertion AUC, their difference,
        seconds to explain
    seconds : dict method -> float
    """

    relevance: dict[str, np.ndarray]
    attributions: dict[str, np.ndarray]
    mask_result: MaskResult | None
    target: np.ndarray
    faithfulness: dict[str, FaithfulnessResult]
    table: Any
    seconds: dict[str, float] = field(default_factory=dict)

    def relevance_frame(self, indices: Sequence[int] | None = None):
        """Long table (series, method, t, relevance) for CSV export; ``indices`` relabels series."""
        import pandas as pd

        parts = []
        for method, rel in self.relevance.items():
            n, T = rel.shape
            ids = np.arange(n) if indices is None else np.asarray(indices)
            parts.append(pd.DataFrame({"series": np.repeat(ids, T), "method": method,
                                       "t": np.tile(np.arange(T), n), "relevance": rel.ravel()}))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["series", "method", "t", "relevance"])

    def summary(self) -> dict[str, Any]:
        return {"n": int(len(self.target)), "methods": list(self.relevance),
                "table": self.table.to_dict(orient="records")}


def explain_methods(model: torch.nn.Module, x, methods: Sequence[str] = METHODS, *,
                    baseline: str = "zero", neuromask_kw: Mapping[str, Any] | None = None,
                    attribution_kw: Mapping[str, Mapping[str, Any]] | None = None,
                    faithfulness_steps: int = 20, seed: int = 0,
                    progress: Callable[[float, str], None] | None = None) -> ExplainComparison:
    """Explain ``x`` with every method in ``methods`` and score them by deletion/insertion.

    Parameters
    ----------
    model : nn.Module, ``(b, C, T)`` -> logits ``(b, K)``; left unchanged
    x : array or tensor ``(n, C, T)``, signal units
    methods : names from :data:`METHODS`
    baseline : {"zero", "mean", "blur"}, used by NeuroMask, integrated gradients, occlusion,
        feature ablation and the faithfulness curves alike
    neuromask_kw : extra keyword arguments of :func:`tsviz.explain.neuromask` (steps, lambdas, ...)
    attribution_kw : per-method extra keyword arguments of :func:`tsviz.explain.attribute`
    faithfulness_steps : fractions on the deletion/insertion curves (``S``)
    seed : seeds NeuroMask's initial weights and SmoothGrad's noise
    progress : callable ``(fraction, message)`` or None

    Returns
    -------
    ExplainComparison
    """
    methods = list(dict.fromkeys(methods))
    if not methods:
        raise ValueError("choose at least one method")
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ValueError(f"unknown method(s) {', '.join(map(repr, bad))}; choose from {', '.join(METHODS)}")
    attribution_kw = dict(attribution_kw or {})
    unknown = set(attribution_kw) - set(ATTRIBUTION_METHODS)
    if unknown:
        raise ValueError(f"attribution_kw has settings for unknown method(s) {sorted(unknown)}")
    xt = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x, dtype=np.float32))
    if xt.ndim != 3:
        raise ValueError(f"x must have shape (n, channels, T), got {tuple(xt.shape)}")
    dev = next((p.device for p in model.parameters()), torch.device("cpu"))
    xt = xt.detach().to(dev, torch.float32)

    from tsviz.attacks.base import guard_model

    with guard_model(model), torch.no_grad():
        target = model(xt).argmax(dim=1)
    n_work = len(methods) + 1
    relevance, attributions, seconds = {}, {}, {}
    mask_result = None
    for i, method in enumerate(methods):
        def sub(frac: float, msg: str, i=i) -> None:
            if progress is not None:
                progress((i + frac) / n_work, msg)

        sub(0.0, f"{method}…")
        t0 = time.perf_counter()
        if method == "neuromask":
            kw = {**dict(neuromask_kw or {}), "baseline": baseline, "seed": seed, "progress": sub}
            mask_result = neuromask(model, xt, target=target.cpu().numpy(), **kw)
            rel = mask_result.mask if mask_result.mask.ndim == 2 else mask_result.mask.sum(axis=1)
        else:
            kw = {"baseline": baseline, "seed": seed, **dict(attribution_kw.get(method, {}))}
            a = attribute(model, xt, method, target=target, **kw)
            attributions[method] = a.cpu().numpy()
            rel = relevance_per_step(attributions[method])
        relevance[method] = np.asarray(rel, dtype=np.float32)
        seconds[method] = time.perf_counter() - t0

    def fsub(frac: float, msg: str) -> None:
        if progress is not None:
            progress((len(methods) + frac) / n_work, f"faithfulness: {msg}")

    faith, table = compare_faithfulness(model, xt, relevance, target=target, baseline=baseline,
                                        steps=faithfulness_steps, progress=fsub)
    table["seconds"] = [seconds[m] for m in table["method"]]
    if progress is not None:
        progress(1.0, "done")
    return ExplainComparison(relevance=relevance, attributions=attributions, mask_result=mask_result,
                             target=target.cpu().numpy(), faithfulness=faith, table=table, seconds=seconds)
