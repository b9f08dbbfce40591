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

from tsviz.core import check_cost, guard_model, model_device, model_logits
from tsviz.explain.attribution import ATTRIBUTION_METHODS, attribute, attribution_cost
from tsviz.explain.caps import CAPS
from tsviz.explain.errors import ExplainError
from tsviz.explain.faithfulness import FaithfulnessResult, compare_faithfulness
from tsviz.explain.inputs import check_progress, check_series, explain_generator
from tsviz.explain.neuromask import NEUROMASK_DEFAULTS, MaskResult, neuromask
from tsviz.explain.relevance import relevance_per_step

__all__ = ["METHODS", "ExplainComparison", "explain_methods", "method_costs", "comparison_cost"]

#: NeuroMask plus the registered attribution methods (:data:`~tsviz.explain.methods.ATTRIBUTIONS`).
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


def method_costs(methods: Sequence[str], T: int, *, neuromask_kw: Mapping[str, Any] | None = None,
                 attribution_kw: Mapping[str, Mapping[str, Any]] | None = None,
                 faithfulness_steps: int = 20) -> dict[str, int]:
    """Model evaluations *per series* of :func:`explain_methods`, by method, plus ``"curves"``.

    NeuroMask: its ``steps`` (one forward and one backward pass each); an attribution method: the
    product of :func:`~tsviz.explain.attribution.attribution_cost` for one series with its settings
    in ``attribution_kw``; ``"curves"``: ``2 x (faithfulness_steps + 1)`` forward passes per method.
    Settings that are not integers count 0 here (they are refused by the run itself).
    """
    attribution_kw = dict(attribution_kw or {})
    out: dict[str, int] = {}
    for method in dict.fromkeys(methods):
        if method == "neuromask":
            steps = dict(neuromask_kw or {}).get("steps", NEUROMASK_DEFAULTS["steps"])
            cost = int(steps) if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool) else 0
        elif method in ATTRIBUTION_METHODS:
            kw = {k: v for k, v in dict(attribution_kw.get(method, {})).items()
                  if k in ("window", "stride", "steps", "n_samples") and isinstance(v, (int, np.integer))}
            factors = attribution_cost(method, 1, T, **kw)
            cost = int(np.prod([int(v) for v in factors.values()]))
        else:
            cost = 0
        out[method] = cost
    if isinstance(faithfulness_steps, (int, np.integer)) and not isinstance(faithfulness_steps, bool) \
            and 1 <= faithfulness_steps <= CAPS["faithfulness_steps"]:
        out["curves"] = 2 * (int(faithfulness_steps) + 1) * len(out)
    return out


def comparison_cost(methods: Sequence[str], n: int, T: int, *, neuromask_kw: Mapping[str, Any] | None = None,
                    attribution_kw: Mapping[str, Mapping[str, Any]] | None = None,
                    faithfulness_steps: int = 20) -> dict[str, int]:
    """The factors of :func:`explain_methods` on ``n`` series of length ``T`` (their product is the
    model evaluations it holds to :func:`tsviz.core.max_cost`): ``{"series": n, "evaluations per
    series (all methods and curves)": ...}`` (see :func:`method_costs`)."""
    per = method_costs(methods, T, neuromask_kw=neuromask_kw, attribution_kw=attribution_kw,
                       faithfulness_steps=faithfulness_steps)
    return {"series": int(n), "evaluations per series (all methods and curves)": sum(per.values())}


def explain_methods(model: torch.nn.Module, x, methods: Sequence[str] = METHODS, *,
                    baseline: str = "zero", neuromask_kw: Mapping[str, Any] | None = None,
                    attribution_kw: Mapping[str, Mapping[str, Any]] | None = None,
                    faithfulness_steps: int = 20, generator: torch.Generator | None = None, seed: int | None = None,
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
    generator, seed : randomness of NeuroMask's initial weights and SmoothGrad's noise
        (:mod:`tsviz.core.random`): each seeded ``seed`` (0 when None), or both drawn in turn from
        ``generator``; both given is an error
    progress : callable ``(fraction, message)`` or None; reaches 1.0 at the end

    Returns
    -------
    ExplainComparison
    """
    methods = list(dict.fromkeys(methods))
    if not methods:
        raise ExplainError("choose at least one method")
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ExplainError(f"unknown method(s) {', '.join(map(repr, bad))}; choose from {', '.join(METHODS)}")
    attribution_kw = dict(attribution_kw or {})
    unknown = set(attribution_kw) - set(ATTRIBUTION_METHODS)
    if unknown:
        raise ExplainError(f"attribution_kw has settings for unknown method(s) {sorted(unknown)}")
    explain_generator(generator, seed)  # checks the pair before any work
    randomness = {"seed": seed} if generator is None else {"generator": generator}
    check_progress(progress)

    xt = check_series(x, min(CAPS["series"], CAPS["faithfulness_series"]), model)
    xt = xt.to(model_device(model), torch.float32)
    n, _, T = xt.shape
    # the whole comparison under one cap: every method's evaluations plus the faithfulness curves
    per = method_costs(methods, T, neuromask_kw=neuromask_kw, attribution_kw=attribution_kw,
                       faithfulness_steps=faithfulness_steps)
    parts = [f"{k} {v:,}" for k, v in per.items()]
    check_cost(f"explaining with {', '.join(methods)} (per series: {'; '.join(parts)})",
               {"series": n, "evaluations per series (all methods and curves)": sum(per.values())}, error=ExplainError)

    with guard_model(model):
        target = model_logits(model, xt, error=ExplainError, batch=1024).argmax(dim=1)
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
            kw = {**dict(neuromask_kw or {}), "baseline": baseline, **randomness, "progress": sub}
            mask_result = neuromask(model, xt, target=target.cpu().numpy(), **kw)
            rel = mask_result.mask if mask_result.mask.ndim == 2 else relevance_per_step(mask_result.mask)
        else:
            kw = {"baseline": baseline, **randomness, **dict(attribution_kw.get(method, {}))}
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
