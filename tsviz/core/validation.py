"""Scalar checks, one set for every family (in the spirit of ``sklearn.utils.check_scalar``).

Each check returns the value converted to its Python type and raises the family's error class
(``error=``, a :class:`~tsviz.core.errors.TsvizError` subclass) with a message naming the
parameter. Booleans are never numbers here (``True`` is not the integer 1), floats must be finite.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from tsviz.core.errors import TsvizError

__all__ = ["check_int", "check_real", "check_positive", "check_probability", "check_bool", "check_choice",
           "check_seed", "MAX_SEED"]

#: Largest seed accepted (torch and numpy both take 64-bit seeds; 2**63 - 1 keeps them signed).
MAX_SEED = 2**63 - 1


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: Any, lo: int | None = None, hi: int | None = None, *,
              error: type[TsvizError] = TsvizError) -> int:
    """``int(value)`` if it is an integer (not a bool, not a float) in ``[lo, hi]``.

    Parameters
    ----------
    name : str
        Parameter name for the message.
    value : Any
        What the caller gave.
    lo, hi : int, optional
        Inclusive bounds (``None``: unbounded on that side).
    error : type
        The family's error class.
    """
    if not _is_int(value) or (lo is not None and value < lo) or (hi is not None and value > hi):
        where = ("" if lo is None and hi is None else f" in [{'-inf' if lo is None else lo}, "
                 f"{'inf' if hi is None else hi}]")
        raise error(f"{name} must be an integer{where}, got {value!r}")
    return int(value)


def check_real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False,
               error: type[TsvizError] = TsvizError) -> float:
    """``float(value)`` if it is a finite real number (not a bool) within the bounds.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``.
    """
    ok = _is_real(value) and math.isfinite(float(value))
    if ok:
        v = float(value)
        ok = not ((low is not None and (v <= low if low_open else v < low))
                  or (high is not None and (v >= high if high_open else v > high)))
    if not ok:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high:g}")
        rng = f" {' and '.join(parts)}" if parts else ""
        raise error(f"{name} must be a finite number{rng}, got {value!r}")
    return float(value)


def check_positive(name: str, value: Any, *, allow_zero: bool = False, upper: float | None = None,
                   error: type[TsvizError] = TsvizError) -> float:
    """``float(value)`` if finite and ``> 0`` (``>= 0`` with ``allow_zero``) and at most ``upper``."""
    return check_real(name, value, low=0.0, low_open=not allow_zero, high=upper, error=error)


def check_probability(name: str, value: Any, *, open_low: bool = False, open_high: bool = False,
                      error: type[TsvizError] = TsvizError) -> float:
    """``float(value)`` in ``[0, 1]`` (ends excluded with ``open_low``/``open_high``)."""
    return check_real(name, value, low=0.0, high=1.0, low_open=open_low, high_open=open_high, error=error)


def check_bool(name: str, value: Any, *, error: type[TsvizError] = TsvizError) -> bool:
    """``bool(value)`` if it is ``True`` or ``False`` (numpy booleans too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise error(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(name: str, value: Any, choices: Iterable[str], *, error: type[TsvizError] = TsvizError) -> str:
    """``value`` if it is one of ``choices`` (strings)."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise error(f"{name} must be one of {', '.join(repr(c) for c in options)}; got {value!r}")
    return value


def check_seed(value: Any, *, name: str = "seed", error: type[TsvizError] = TsvizError) -> int:
    """A seed: an integer in ``[0, 2**63 - 1]``."""
    return check_int(name, value, 0, MAX_SEED, error=error)
