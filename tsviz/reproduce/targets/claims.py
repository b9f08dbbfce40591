"""Helpers shared by the reproduction targets: claim-aware verdicts and seeded subsampling.

:func:`tsviz.reproduce.verdict.compare` checks a target's ``direction`` claims only when some paired
value lies outside tolerance; a target whose paper gives few numbers (a figure, a qualitative
claim) would then read "matches" on those few numbers even when its claims fail.
:func:`verdict_with_claims` closes that gap: a "matches" verdict whose claims fail (or cannot be
evaluated) becomes "differs", with the claim lines added to the details.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tsviz.reproduce.verdict import Verdict, compare

__all__ = ["verdict_with_claims", "stratified_subsample"]

#: A finite paper value no measured value lies within tolerance of (forces the claim check).
_FAR = 1e300


def verdict_with_claims(target, measured_table: Sequence[Mapping]) -> Verdict:
    """``target.verdict(measured_table)``, with the direction claims enforced on a "matches".

    Parameters
    ----------
    target : tsviz.reproduce.Target
        Its ``paper_table``, columns, tolerances and ``direction`` claims are used.
    measured_table : sequence of dict

    Returns
    -------
    Verdict
        As :meth:`Target.verdict`, except that a "matches" whose claims do not all hold on the
        measured rows becomes "differs" (claims that hold leave it "matches").
    """
    verdict = target.verdict(list(measured_table))
    if verdict.label != "matches" or not target.direction:
        return verdict
    # compare() against paper values no measurement can be near forces the claim check; keep its claim lines
    probe = [{**r, **{c: _FAR for c in target.value_columns}} for r in target.paper_table]
    forced = compare(probe, list(measured_table), key_columns=target.key_columns,
                     value_columns=target.value_columns, abs_tol=target.abs_tol, rel_tol=target.rel_tol,
                     direction=list(target.direction))
    claim_lines = [d for d in forced.details if d.startswith(("claim", "no direction"))]
    holds = forced.label == "same direction"
    return Verdict("matches" if holds else "differs", list(verdict.details) + claim_lines)


def stratified_subsample(y: np.ndarray, n_per_class: int | None, *, seed: int, replace: bool = False) -> np.ndarray:
    """Indices of at most ``n_per_class`` samples of every class (all of them with ``None``).

    With ``replace=True`` every class gets exactly ``n_per_class`` indices, drawn with replacement
    (up-sampling a small class, as the NSR paper balances its classes). Sorted by class, then by a
    seeded permutation (``numpy.random.default_rng(seed)``).
    """
    rng = np.random.default_rng(seed)
    out = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if n_per_class is None:
            out.append(idx)
        elif replace:
            out.append(rng.choice(idx, size=int(n_per_class), replace=len(idx) < n_per_class))
        else:
            out.append(rng.permutation(idx)[: int(n_per_class)])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
