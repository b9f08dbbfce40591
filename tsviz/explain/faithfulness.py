"""Deletion and insertion curves: does removing the steps an explanation ranks first hurt the model?

For each series, time steps are ranked by relevance (descending; ties keep the lower index first,
a stable sort). At fractions ``f_s = s / S`` (``s = 0..S``) of the ``T`` steps, the top
``k_s = floor(f_s * T + 1/2)`` steps (round half up; ``k_0 = 0``, ``k_S = T``) are

* **deletion** -- replaced by the baseline (all channels), the rest kept from ``x``;
* **insertion** -- revealed from ``x`` on top of the baseline, the rest kept from the baseline;

and the softmax probability of the target class is recorded. The area under each curve is taken
by the trapezoid rule over ``f`` in ``[0, 1]``, so it lies in ``[0, 1]``. A faithful relevance
makes the probability collapse quickly under deletion (low deletion AUC) and recover quickly under
insertion (high insertion AUC) (Petsiuk et al. 2018, RISE; for time series e.g. Schlegel et al.
2019). "Removed" uses the same reference as NeuroMask and the Captum methods
(:func:`tsviz.explain.baselines.make_baseline`).

References
----------
V. Petsiuk, A. Das, K. Saenko. RISE: randomized input sampling for explanation of black-box
models. BMVC, 2018.
U. Schlegel, H. Arnout, M. El-Assady, D. Oelke, D. A. Keim. Towards a rigorous evaluation of XAI
methods on time series. ICCV workshops, 2019.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsviz.core import check_cost, check_int, guard_model, model_logits, trapezoid_auc
from tsviz.explain.attribution import default_batch_size
from tsviz.explain.baselines import check_baseline, make_baseline
from tsviz.explain.caps import CAPS, MAX_FAITHFULNESS_BATCH_SIZE, MAX_FAITHFULNESS_SAMPLES, MAX_FAITHFULNESS_STEPS
from tsviz.explain.errors import ExplainError
from tsviz.explain.inputs import check_progress, check_series, resolve_target
from tsviz.explain.relevance import relevance_rows

__all__ = [
    "FaithfulnessResult", "deletion_insertion", "compare_faithfulness", "MAX_FAITHFULNESS_STEPS",
    "MAX_FAITHFULNESS_SAMPLES", "FAITHFULNESS_BATCH_SIZE", "MAX_FAITHFULNESS_BATCH_SIZE",
]

#: Default rows (masked series) per forward pass.
FAITHFULNESS_BATCH_SIZE = 4096


@dataclass(frozen=True)
class FaithfulnessResult:
    """Deletion and insertion curves of one relevance on ``n`` series.

    Attributes
    ----------
    fractions : ndarray ``(S + 1,)``
        ``s / S`` for ``s = 0..S``: from 0 to 1.
    k : ndarray int64 ``(S + 1,)``
        Time steps removed (deletion) or revealed (insertion) at each fraction:
        ``floor(fraction * T + 1/2)``.
    deletion, insertion : ndarray ``(n, S + 1)``
        Softmax probability of the target class along each curve.
    deletion_auc, insertion_auc : ndarray ``(n,)``
        Trapezoid-rule areas over ``[0, 1]``, in ``[0, 1]``; lower deletion and higher insertion
        mean a more faithful relevance.
    target : ndarray int64 ``(n,)``
        Class whose probability is tracked.
    baseline : str
        Name of the reference series that replaces removed steps.
    """

    fractions: np.ndarray
    k: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray
    deletion_auc: np.ndarray
    insertion_auc: np.ndarray
    target: np.ndarray
    baseline: str

    def summary(self) -> dict[str, Any]:
        """Mean AUCs, their difference (insertion - deletion), ``n``, ``steps``, ``baseline``."""
        d, i = float(self.deletion_auc.mean()), float(self.insertion_auc.mean())
        return {"deletion_auc_mean": d, "insertion_auc_mean": i, "difference": i - d,
                "n": int(self.deletion.shape[0]), "steps": int(self.fractions.shape[0] - 1),
                "baseline": self.baseline}


def _curves(model: torch.nn.Module, x: torch.Tensor, b: torch.Tensor, rank: torch.Tensor, k: torch.Tensor,
            t: torch.Tensor, batch_size: int,
            progress: Callable[[float, str], None] | None) -> tuple[np.ndarray, np.ndarray]:
    """Target probabilities ``(n, S + 1)`` for deletion and insertion.

    The ``n * (S + 1)`` masked series are indexed as one flat batch (row ``r`` = series
    ``r // (S + 1)`` at fraction ``r % (S + 1)``) and built and evaluated ``batch_size`` rows at a
    time, so memory stays bounded whatever ``n`` and ``S``.
    """
    n = x.shape[0]
    P = k.shape[0]
    rows = n * P
    dele = torch.empty(rows, dtype=torch.float64, device=x.device)
    ins = torch.empty(rows, dtype=torch.float64, device=x.device)
    for start in range(0, rows, batch_size):
        r = torch.arange(start, min(start + batch_size, rows), device=x.device)
        i, s = r // P, r % P
        top = (rank[i] < k[s].unsqueeze(1)).unsqueeze(1)  # (m, 1, T): steps in the top k_s
        xi, bi, ti = x[i], b[i], t[i].unsqueeze(1)
        dele[r] = torch.softmax(model(torch.where(top, bi, xi)).double(), 1).gather(1, ti).squeeze(1)
        ins[r] = torch.softmax(model(torch.where(top, xi, bi)).double(), 1).gather(1, ti).squeeze(1)
        if progress is not None:
            progress(int(r[-1] + 1) / rows, f"deletion/insertion: {int(r[-1] + 1)}/{rows} masked series")
    return dele.view(n, P).cpu().numpy(), ins.view(n, P).cpu().numpy()


def deletion_insertion(model: torch.nn.Module, x: torch.Tensor, relevance: Any, *,
                       target: int | Sequence[int] | torch.Tensor | None = None, baseline: str = "zero",
                       steps: int = 20, blur_width: int | None = None, batch_size: int | None = None,
                       progress: Callable[[float, str], None] | None = None) -> FaithfulnessResult:
    """Deletion and insertion curves of ``relevance`` (Petsiuk et al. 2018; Schlegel et al. 2019).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(m, C, T)`` to logits ``(m, K)``; evaluated under ``torch.no_grad`` in eval mode
        and left exactly as found (modes and ``requires_grad`` restored).
    x : torch.Tensor ``(n, C, T)``
        Real, finite series in signal units (numpy or torch; float64 is cast to float32, complex
        refused), with the model's channels and length; ``n <= CAPS["faithfulness_series"]``.
    relevance : array or tensor ``(n, T)`` or ``(n, C, T)``
        Relevance of each step, higher = more important. ``(n, T)`` is ranked as given (signed
        values rank by value: pass ``abs`` yourself to rank by magnitude); ``(n, C, T)`` is
        first reduced with :func:`~tsviz.explain.relevance.relevance_per_step`
        (``sum_c |.|``). Must be finite.
    target : None, int, or sequence / tensor ``(n,)`` of ints
        Class whose probability is tracked; ``None`` (default): the prediction on clean ``x``.
    baseline : {"zero", "mean", "blur"}
        Reference series that replaces removed steps (all channels).
    steps : int
        Number ``S`` of fraction intervals, in ``[1, CAPS["faithfulness_steps"]]``; the
        curves have ``S + 1`` points at ``s / S``. Removed steps: ``k_s = floor(s / S * T + 1/2)``.
    blur_width : int, optional
        Moving-average width of the ``"blur"`` baseline.
    batch_size : int, optional
        Masked series per forward pass, in ``[1, CAPS["faithfulness_batch_size"]]``;
        default :data:`FAITHFULNESS_BATCH_SIZE`, fewer for long series (at most
        :data:`~tsviz.explain.attribution.MAX_CHUNK_VALUES` input values per chunk).
    progress : callable ``(fraction, message)``, optional
        Called after each chunk.

    Returns
    -------
    FaithfulnessResult
        ``deletion[:, 0]`` is the clean probability and ``deletion[:, -1]`` the baseline's;
        ``insertion`` runs the other way.

    Raises
    ------
    ExplainError (a ValueError)
        Naming the parameter: bad ``x`` (shape, complex, NaN/Inf, beyond float32, channels or
        length other than the model's), ``relevance`` rows/steps not matching ``x``, complex or not
        finite, ``steps``/``batch_size`` outside their ranges, ``target`` outside ``[0, K)``,
        unknown ``baseline``; a model returning NaN/Inf logits on ``x``; a total cost
        ``series x 2 curves x (steps + 1)`` over :func:`tsviz.core.max_cost`.
    """
    x = check_series(x, CAPS["faithfulness_series"], model)
    n, C, T = x.shape
    rel = relevance_rows(relevance, n, T)
    check_baseline(baseline)
    steps = check_int("steps", steps, 1, CAPS["faithfulness_steps"], error=ExplainError)
    check_cost("deletion/insertion curves", {"series": n, "curves": 2, "points per curve (steps + 1)": steps + 1},
               error=ExplainError)
    batch_size = default_batch_size(C, T, FAITHFULNESS_BATCH_SIZE) if batch_size is None else check_int(
        "batch_size", batch_size, 1, CAPS["faithfulness_batch_size"], error=ExplainError)
    check_progress(progress)

    fractions = np.arange(steps + 1, dtype=np.float64) / steps
    k = (2 * np.arange(steps + 1, dtype=np.int64) * T + steps) // (2 * steps)  # floor(s T / S + 1/2)
    order = np.argsort(-rel, axis=1, kind="stable")  # descending, ties: lower index first
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(T, dtype=order.dtype)[None, :].repeat(n, 0), axis=1)

    with guard_model(model), torch.no_grad():
        t = resolve_target(target, model_logits(model, x, error=ExplainError, batch=batch_size))
        b = make_baseline(x, baseline, blur_width=blur_width)
        dele, ins = _curves(model, x, b, torch.as_tensor(rank, device=x.device), torch.as_tensor(k, device=x.device),
                            t, batch_size, progress)
    return FaithfulnessResult(fractions=fractions, k=k, deletion=dele, insertion=ins,
                              deletion_auc=trapezoid_auc(dele, fractions), insertion_auc=trapezoid_auc(ins, fractions),
                              target=t.cpu().numpy().astype(np.int64), baseline=baseline)


def compare_faithfulness(model: torch.nn.Module, x: torch.Tensor, relevances: Mapping[str, Any], *,
                         target: int | Sequence[int] | torch.Tensor | None = None, baseline: str = "zero",
                         steps: int = 20, blur_width: int | None = None, batch_size: int | None = None,
                         progress: Callable[[float, str], None] | None = None):
    """Deletion/insertion curves of several relevances on the same series, target and baseline.

    Parameters
    ----------
    model, x, target, baseline, steps, blur_width, batch_size
        As in :func:`deletion_insertion`; ``target=None`` resolves once to the clean prediction,
        so every method is judged on the same class.
    relevances : mapping str -> array ``(n, T)`` or ``(n, C, T)``
        Method name (e.g. ``"saliency"``, ``"neuromask"``) to its relevance; at least one.
    progress : callable ``(fraction, message)``, optional
        Called after each method.

    Returns
    -------
    results : dict str -> FaithfulnessResult
        In the order of ``relevances``.
    table : pandas.DataFrame
        One row per method, columns ``method``, ``deletion_auc_mean``, ``insertion_auc_mean``,
        ``difference`` (= insertion - deletion) and ``n``.

    Notes
    -----
    How to read the table: each AUC is the target-class probability averaged over the fraction
    of steps removed (deletion) or revealed (insertion), both in ``[0, 1]``. A more faithful
    explanation has a *lower* ``deletion_auc_mean`` (removing its top steps destroys the
    prediction fast), a *higher* ``insertion_auc_mean`` (revealing them restores it fast), and
    so a larger ``difference``. Compare methods only within one table: the values depend on the
    model, the series, the target and the baseline.
    """
    import pandas as pd

    if not isinstance(relevances, Mapping) or not relevances:
        raise ExplainError("relevances must be a non-empty mapping of method name -> relevance array")
    x = check_series(x, CAPS["faithfulness_series"], model)
    check_baseline(baseline)
    check_int("steps", steps, 1, CAPS["faithfulness_steps"], error=ExplainError)
    check_progress(progress)
    check_cost("deletion/insertion curves", {"series": x.shape[0], "relevances": len(relevances), "curves": 2,
                                             "points per curve (steps + 1)": steps + 1}, error=ExplainError)
    if target is None:
        with guard_model(model):
            rows = default_batch_size(x.shape[1], x.shape[2], FAITHFULNESS_BATCH_SIZE) if batch_size is None \
                else check_int("batch_size", batch_size, 1, CAPS["faithfulness_batch_size"], error=ExplainError)
            target = model_logits(model, x, error=ExplainError, batch=rows).argmax(1)
    results: dict[str, FaithfulnessResult] = {}
    for j, (name, rel) in enumerate(relevances.items()):
        try:
            results[str(name)] = deletion_insertion(model, x, rel, target=target, baseline=baseline, steps=steps,
                                                    blur_width=blur_width, batch_size=batch_size)
        except ExplainError as exc:
            raise ExplainError(f"relevances[{name!r}]: {exc}") from None
        if progress is not None:
            progress((j + 1) / len(relevances), f"faithfulness: {name}")
    table = pd.DataFrame([{"method": name, "deletion_auc_mean": s["deletion_auc_mean"],
                           "insertion_auc_mean": s["insertion_auc_mean"], "difference": s["difference"],
                           "n": s["n"]} for name, s in ((nm, r.summary()) for nm, r in results.items())])
    return results, table
