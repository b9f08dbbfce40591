"""The cost of each certification entry point in model evaluations, before it runs.

Each function returns the *factors* (name -> count) whose product is the number of model
evaluations of one call, by the names the user sets: the same dict the entry point holds to
:func:`tsviz.core.max_cost` (``check_cost``), so an estimate shown before a run ("about 20 s on
this machine") and the cap's refusal agree. :func:`total` multiplies them. One model evaluation is
one series through one model under one mask (a forward pass; the PGD steps of
:func:`~tsviz.certify.attack_rate.attack_success_rates` and
:func:`~tsviz.certify.soundness.soundness_check` also take an input gradient).

==============================  =====================================================================
entry point                     evaluations
==============================  =====================================================================
``certify_configs``, ``ablation``  series x (n0 + n) x sum over configurations of masks x members
``Smoothed.scores`` / margins   series x n x masks x members
``attack_success_rates``        series x (budgets + 1) x ((steps + 1 for the bare model) + sum over
                                classifiers of masks x members x (steps x draws + n))
``soundness_check``             series x fractions x masks x members x (pgd_steps x pgd_draws +
                                (directions + 1) x n), the ``+ 1`` only with PGD steps
==============================  =====================================================================
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Integral

__all__ = ["total", "certification_cost", "ablation_cost", "scores_cost", "attack_rates_cost", "soundness_cost"]


def _count(value) -> int:
    """An integer count (numpy integers too), or 0 for anything else, bools included (bad values are
    refused later, by the entry point, with their own message)."""
    return max(int(value), 0) if isinstance(value, Integral) and not isinstance(value, bool) else 0


def total(factors: Mapping[str, int]) -> int:
    """The number of model evaluations: the product of ``factors``."""
    out = 1
    for v in factors.values():
        out *= _count(v)
    return out


def certification_cost(n_series: int, n0: int, n: int, passes: int) -> dict[str, int]:
    """Factors of :func:`~tsviz.certify.compare.certify_configs` (and of one
    :meth:`~tsviz.certify.smoothing.Smoothed.certify` with ``passes`` = masks x members).

    Parameters
    ----------
    n_series : series certified
    n0, n : selection and estimation draws of CERTIFY
    passes : model evaluations per noise draw, summed over the configurations (masks x ensemble
        members of each; :meth:`~tsviz.certify.compare.CertConfig.model_passes`)
    """
    ints = all(isinstance(v, Integral) and not isinstance(v, bool) for v in (n0, n))
    return {"series": _count(n_series), "noise draws (n0 + n)": _count(n0) + _count(n) if ints else 0,
            "masks x ensemble members, summed over configurations": _count(passes)}


def ablation_cost(n_series: int, n0: int, n: int, sizes: Iterable[int], keeps: Iterable[float],
                  include_single: bool = True) -> dict[str, int]:
    """Factors of :func:`~tsviz.certify.ablation.ablation`: one configuration per (m, p) pair with
    ``m`` masks each, plus the bare model when ``include_single``."""
    sizes, keeps = list(sizes), list(keeps)
    return certification_cost(n_series, n0, n, (1 if include_single else 0) + len(keeps) * sum(map(_count, sizes)))


def scores_cost(n_series: int, n: int, masks: int = 1, members: int = 1) -> dict[str, int]:
    """Factors of :meth:`~tsviz.certify.smoothing.Smoothed.scores` (and so of
    :func:`~tsviz.certify.margins.noise_margins`)."""
    return {"series": _count(n_series), "noise draws (n)": _count(n), "masks": max(_count(masks), 1),
            "ensemble members": max(_count(members), 1)}


def attack_rates_cost(n_series: int, n_budgets: int, *, steps: int, draws: int, n: int, passes: Iterable[int],
                      benign: bool = True) -> dict[str, int]:
    """Factors of :func:`~tsviz.certify.attack_rate.attack_success_rates`.

    Parameters
    ----------
    n_series, n_budgets : series attacked and L2 budgets
    steps, draws : PGD-L2 steps and noise draws per step on the soft smoothed classifier
    n : PREDICT draws
    passes : masks x ensemble members of each smoothed classifier
    benign : whether the bare model is attacked too (``benign`` given)
    """
    steps, draws, n = _count(steps), _count(draws), _count(n)
    per = (steps + 1 if benign else 0) + sum(_count(p) * (steps * draws + n) for p in passes)
    return {"series": _count(n_series), "budgets + 1 (clean)": _count(n_budgets) + 1,
            "model passes per series and budget, summed over classifiers": per}


def soundness_cost(n_series: int, n_fractions: int, *, masks: int, members: int, directions: int, pgd_steps: int,
                   pgd_draws: int, n: int) -> dict[str, int]:
    """Factors of :func:`~tsviz.certify.soundness.soundness_check` for ``n_series`` certified series
    checked (at most its ``max_samples``)."""
    pgd_steps, directions, n = _count(pgd_steps), _count(directions), _count(n)
    return {"certified series checked (max_samples)": _count(n_series), "fractions": _count(n_fractions),
            "masks": max(_count(masks), 1), "ensemble members": max(_count(members), 1),
            "passes per series and fraction (pgd_steps x pgd_draws + (directions + 1) x n)":
            pgd_steps * _count(pgd_draws) + (directions + (1 if pgd_steps else 0)) * n}
