"""Plain JSON for the store's JSON columns and JSON artifacts.

Accepted: ``None``, ``bool``, ``int``, ``float``, ``str``, dicts with string keys, lists and tuples,
numpy scalars and (small) arrays (as lists), :class:`pathlib.Path` (as text), ``datetime`` (ISO 8601).

Non-finite numbers (NaN, +-inf) have no JSON spelling. The rule:

* in what *defines* a run (``params``, ``seeds``, ``dataset``, ``model``, study ``config`` and
  items) they are refused with a :class:`RunStoreError` naming the key path
  (``params['eps'] is nan``), since a run that cannot be repeated from its record is useless;
* in *outcomes* (``metrics``, JSON artifacts) they are stored as ``null`` (a diverged loss is a
  result worth keeping), and the key paths that were nulled are listed under
  ``metrics['_nonfinite']`` by :meth:`ActiveRun.log_metrics`.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from tsviz.runs.constants import CAPS
from tsviz.runs.errors import RunStoreError

__all__ = ["to_json", "dumps"]

_MAX_ARRAY_ITEMS = 100_000


def _path(where: str, key: Any) -> str:
    return f"{where}[{key!r}]"


def to_json(value: Any, where: str, *, nonfinite: str = "error", nulled: list[str] | None = None,
            _depth: int = 0) -> Any:
    """``value`` as plain JSON values (see the module docstring).

    Parameters
    ----------
    value : the object to convert
    where : str, its name in messages (``"params"``)
    nonfinite : {"error", "null"}, what NaN/inf become
    nulled : list, optional; with ``nonfinite="null"`` the key paths that were nulled are appended

    Raises
    ------
    RunStoreError
        Naming the key path: a non-finite number (``nonfinite="error"``), a key that is not text, an
        object with no JSON form, nesting deeper than ``CAPS['json_depth']``.
    """
    if _depth > CAPS["json_depth"]:
        raise RunStoreError(f"{where} is nested deeper than {CAPS['json_depth']} levels")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        if nonfinite == "null":
            if nulled is not None:
                nulled.append(where)
            return None
        raise RunStoreError(f"{where} is {value!r}: NaN and infinity are not valid JSON, give a finite number "
                            "(or None)")
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                if isinstance(k, (int, float)) and not isinstance(k, bool):
                    k = str(k)
                else:
                    raise RunStoreError(f"{where} has a key of type {type(k).__name__}; keys must be text")
            out[k] = to_json(v, _path(where, k), nonfinite=nonfinite, nulled=nulled, _depth=_depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [to_json(v, f"{where}[{i}]", nonfinite=nonfinite, nulled=nulled, _depth=_depth + 1)
                for i, v in enumerate(value)]
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if np is not None:
        if isinstance(value, np.generic):
            return to_json(value.item(), where, nonfinite=nonfinite, nulled=nulled, _depth=_depth)
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufU" or value.size > _MAX_ARRAY_ITEMS:
                raise RunStoreError(f"{where} is an array of {value.size} {value.dtype} values: save arrays as an "
                                    "NPZ artifact (run.save_arrays) and keep only small values here")
            return to_json(value.tolist(), where, nonfinite=nonfinite, nulled=nulled, _depth=_depth)
    raise RunStoreError(f"{where} is a {type(value).__name__}, which has no JSON form; give numbers, text, "
                        "lists or dicts")


def dumps(value: Any, where: str) -> str:
    """Compact JSON text of an already converted value, refused past ``CAPS['json_bytes']``."""
    text = json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode("utf-8")) > CAPS["json_bytes"]:
        raise RunStoreError(f"{where} is {len(text.encode('utf-8')):,} bytes as JSON, over the cap of "
                            f"{CAPS['json_bytes']:,}; save large values as an artifact (run.save_json)")
    return text
