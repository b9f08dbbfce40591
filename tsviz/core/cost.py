"""One cap on the total cost of a computation, shared by the library, the CLI and the app.

Each user-settable count (series, steps, restarts, noise draws, masks, queries, epochs) has its own
documented cap, but their product can still describe days of work (10,000 series x 1,000 PGD steps
x 20 restarts). :func:`check_cost` multiplies the factors of one call and refuses it when the
product exceeds :func:`max_cost` model evaluations (one forward, or forward + backward, pass of
one series), with a message that names every factor so the user knows what to lower.

The cap is :data:`DEFAULT_MAX_COST` (2e7: Cohen et al.'s n = 100,000 noise draws for 200 series;
about 3 minutes for the Kachuee ECG network and under an hour for ResNet on 2 CPU cores). An
operator with more compute sets the environment variable ``TSVIZ_MAX_COST``; a user of the app
cannot change it.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping

from tsviz.core.errors import TsvizError

__all__ = ["DEFAULT_MAX_COST", "CostError", "max_cost", "check_cost"]

#: Default cap on the model evaluations (series x passes) of one call.
DEFAULT_MAX_COST = 20_000_000


class CostError(TsvizError):
    """A computation whose total cost exceeds the cap (see :func:`max_cost`)."""


def max_cost() -> int:
    """The cap on model evaluations per call: ``TSVIZ_MAX_COST`` when set to a positive integer,
    else :data:`DEFAULT_MAX_COST`.

    Raises
    ------
    CostError
        If ``TSVIZ_MAX_COST`` is set but is not a positive integer (a typo must not lift the cap).
    """
    raw = os.environ.get("TSVIZ_MAX_COST", "").strip()
    if not raw:
        return DEFAULT_MAX_COST
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value < 1 or value != int(value):
        raise CostError(f"TSVIZ_MAX_COST must be a positive integer, got {raw!r}")
    return int(value)


def check_cost(what: str, factors: Mapping[str, int | float], *,
               error: type[TsvizError] = CostError) -> int:
    """Refuse a computation whose total cost, the product of ``factors``, exceeds :func:`max_cost`.

    Parameters
    ----------
    what : str
        What is being computed, for the message (``"PGD"``, ``"certification"``).
    factors : mapping of str -> int
        The counts whose product is the number of model evaluations, by the name the user sets
        (``{"series": 500, "steps": 1000, "restarts": 20}``).
    error : type
        The family's error class to raise (a subclass of :class:`TsvizError`).

    Returns
    -------
    int
        The total cost (model evaluations).

    Raises
    ------
    error
        When the product exceeds the cap; the message lists the factors and what to lower.
    """
    total = 1
    for v in factors.values():
        total *= max(int(v), 0)
    cap = max_cost()
    if total > cap:
        parts = " x ".join(f"{k} {int(v):,}" for k, v in factors.items())
        names = ", ".join(factors)
        raise error(f"{what} would cost {total:,} model evaluations ({parts}), over the cap of {cap:,}; "
                    f"lower {names} (an operator can raise the cap with TSVIZ_MAX_COST)")
    return total
