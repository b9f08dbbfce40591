"""Comma-separated lists of numbers or names, as typed in the app or given to the CLI: one parser.

``"0, 0.05; 0.1"`` -> ``[0.0, 0.05, 0.1]``: items are separated by commas or semicolons, blanks
around them are ignored and empty items are skipped (``"1,,2,"`` is ``[1, 2]``). A text may also
be given already split (a list or tuple of items), as argparse's ``nargs`` gives it.

Every error is the caller's family error (``error=``, a :class:`~tsviz.core.errors.TsvizError`)
and names the list (``name``) and the item at fault, by position and text (what the user typed,
never file content).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from tsviz.core.errors import TsvizError

__all__ = ["SEPARATORS", "split_list", "parse_numbers", "parse_names", "format_list"]

#: Characters that separate items.
SEPARATORS = ",;"
_SPLIT = re.compile(f"[{re.escape(SEPARATORS)}]")
#: Longest item text quoted in a message.
_MAX_QUOTED = 40


def _quoted(item: str) -> str:
    return repr(item if len(item) <= _MAX_QUOTED else item[:_MAX_QUOTED - 1] + "…")


def split_list(text: str | Iterable[Any], *, name: str = "list",
               error: type[TsvizError] = TsvizError) -> list[str]:
    """The items of ``text`` as stripped strings, empty ones dropped.

    Parameters
    ----------
    text : str or iterable
        ``"a, b; c"``, or items already split (each item is converted with ``str`` and may itself
        hold separators: ``["0.1,0.2", "0.3"]`` gives three items).
    name : str
        What the list is, for messages.
    error : type
        The family's error class.
    """
    if isinstance(text, str):
        parts = _SPLIT.split(text)
    elif isinstance(text, Iterable) and not isinstance(text, (bytes, bytearray)):
        parts = [p for item in text for p in _SPLIT.split(str(item))]
    else:
        raise error(f"{name} must be a comma-separated text, got {type(text).__name__}")
    return [p.strip() for p in parts if p.strip()]


def _check_count(items: Sequence[Any], name: str, min_count: int, max_count: int | None,
                 error: type[TsvizError]) -> None:
    n = len(items)
    if n < min_count or (max_count is not None and n > max_count):
        if max_count is None:
            want = f"at least {min_count}"
        elif min_count == max_count:
            want = f"exactly {min_count}"
        else:
            want = f"{min_count} to {max_count}"
        raise error(f"{name}: give {want} value{'' if want == 'exactly 1' else 's'} (comma-separated), got {n}")


def parse_numbers(text: str | Iterable[Any], *, name: str = "values", integer: bool = False,
                  low: float | None = None, high: float | None = None, min_count: int = 1,
                  max_count: int | None = None, error: type[TsvizError] = TsvizError) -> list:
    """Parse a list of finite numbers (``integer=True``: whole numbers, returned as ``int``).

    Parameters
    ----------
    text : str or iterable
        See :func:`split_list`.
    name : str
        What the list is ("eps values", "ensemble sizes m"), for messages.
    integer : bool
        Whole numbers only (``"2"`` and ``"2.0"`` are 2; ``"2.5"`` is refused).
    low, high : float, optional
        Inclusive bounds on every value.
    min_count, max_count : int
        How many values are allowed (``max_count=None``: no upper limit).
    error : type
        The family's error class.

    Returns
    -------
    list of float or list of int
        In the order given (duplicates kept).

    Raises
    ------
    error
        An item that is not a finite number (names its position and text), not whole with
        ``integer``, outside ``[low, high]``, or too few / too many items.
    """
    items = split_list(text, name=name, error=error)
    _check_count(items, name, min_count, max_count, error)
    out: list = []
    for k, item in enumerate(items, start=1):
        try:
            v = float(item)
        except ValueError:
            raise error(f"{name}: item {k}, {_quoted(item)}, is not a number") from None
        if not math.isfinite(v):
            raise error(f"{name}: item {k}, {_quoted(item)}, is not a finite number")
        if integer:
            if v != int(v):
                raise error(f"{name}: item {k}, {_quoted(item)}, is not a whole number")
            v = int(v)
        if (low is not None and v < low) or (high is not None and v > high):
            lo = "-inf" if low is None else f"{low:g}"
            hi = "inf" if high is None else f"{high:g}"
            raise error(f"{name}: item {k}, {_quoted(item)}, is outside [{lo}, {hi}]")
        out.append(v)
    return out


def parse_names(text: str | Iterable[Any], *, name: str = "names", choices: Iterable[str] | None = None,
                min_count: int = 1, max_count: int | None = None, unique: bool = True,
                error: type[TsvizError] = TsvizError) -> list[str]:
    """Parse a list of names (methods, augmentations, model specs).

    Parameters
    ----------
    text : str or iterable
        See :func:`split_list`.
    name : str
        What the list is, for messages.
    choices : iterable of str, optional
        The allowed names; an unknown one is refused with the list of choices.
    min_count, max_count : int
        How many names are allowed.
    unique : bool
        Refuse a name given twice.
    error : type
        The family's error class.
    """
    items = split_list(text, name=name, error=error)
    _check_count(items, name, min_count, max_count, error)
    if choices is not None:
        allowed = list(choices)
        unknown = [i for i in items if i not in allowed]
        if unknown:
            raise error(f"{name}: unknown {', '.join(_quoted(u) for u in unknown[:5])}; "
                        f"choose from {', '.join(allowed)}")
    if unique:
        seen: set[str] = set()
        for item in items:
            if item in seen:
                raise error(f"{name}: {_quoted(item)} is given twice")
            seen.add(item)
    return items


def format_list(values: Iterable[Any], *, digits: int = 4) -> str:
    """``[0.0, 0.05, 0.1]`` -> ``"0, 0.05, 0.1"``: the text :func:`parse_numbers` reads back
    (numbers with ``digits`` significant digits)."""
    return ", ".join(f"{v:.{digits}g}" if isinstance(v, float) else str(v) for v in values)
