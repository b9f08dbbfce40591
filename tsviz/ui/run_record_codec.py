"""Results as JSON + NPZ, and back: how the app stores a page's result in the run store without pickle.

:func:`encode` turns a result (frozen dataclasses holding numpy arrays, dicts, tuples, pandas
DataFrames, numbers and text) into a JSON tree and a dict of numpy arrays (each array is replaced
in the tree by ``{"$a": "<key>"}``); :func:`decode` rebuilds it. Every container keeps its type
(a tuple comes back a tuple, so a decoded request is equal to, and hashes like, the original), as
do non-finite floats (``{"$f": "nan"}``), numpy scalars and DataFrame columns (dtype, index).

Decoding builds only the dataclasses named in the ``types`` it is given (a whitelist keyed by
``module.QualName``); any other tag is refused with :class:`CodecError`. Nothing is imported by
name and no code runs but the whitelisted constructors.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import numpy as np

from tsviz.core.errors import TsvizError

__all__ = ["CodecError", "encode", "decode", "type_key", "FORMAT"]

#: Version of the tree's format (stored with it; a newer one is refused).
FORMAT = 1
#: Deepest nesting encoded (the run store's JSON depth cap is 32; each level here costs up to 2).
MAX_DEPTH = 14


class CodecError(TsvizError):
    """A value that cannot be stored as JSON + NPZ, or a stored tree that cannot be read back."""


def type_key(cls: type) -> str:
    """``module.QualName`` of a class: the tag of its instances in the tree."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _float(v: float) -> Any:
    if math.isfinite(v):
        return v
    return {"$f": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, a: np.ndarray, where: str) -> Any:
        if a.dtype.kind == "O":
            flat = a.ravel().tolist()
            if all(isinstance(v, str) for v in flat):
                return {"$a": self._put(np.asarray(flat, dtype=str).reshape(a.shape)), "obj": True}
            return {"$ao": [self.value(v, f"{where}[]", 1) for v in flat], "shape": list(a.shape)}
        if a.dtype.kind not in "biufcUS?":
            raise CodecError(f"{where}: arrays of dtype {a.dtype} cannot be stored")
        return {"$a": self._put(a)}

    def _put(self, a: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(a)
        return key

    def frame(self, df: Any, where: str, depth: int) -> Any:
        import pandas as pd

        if isinstance(df.columns, pd.MultiIndex) or isinstance(df.index, pd.MultiIndex):
            raise CodecError(f"{where}: tables with a multi-level index cannot be stored")
        cols = []
        for i, name in enumerate(df.columns):
            s = df.iloc[:, i]
            kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else None
            if kind is not None and kind in "biufc":
                values = self.array(s.to_numpy(), f"{where}[{name!r}]")
            else:
                values = {"$ao": [self.value(v, f"{where}[{name!r}]", depth + 1) for v in s.tolist()]}
            cols.append({"name": self.value(name, where, depth + 1), "dtype": str(s.dtype), "values": values})
        idx = df.index
        if isinstance(idx, pd.RangeIndex):
            index = {"range": [int(idx.start), int(idx.stop), int(idx.step)]}
        else:
            index = {"values": self.value(np.asarray(idx), f"{where}.index", depth + 1), "dtype": str(idx.dtype)}
        index["name"] = self.value(idx.name, where, depth + 1)
        return {"$df": {"columns": cols, "index": index}}

    def value(self, v: Any, where: str = "result", depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise CodecError(f"{where}: nested deeper than {MAX_DEPTH} levels")
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            return v
        if isinstance(v, float):
            return _float(v)
        if isinstance(v, np.ndarray):
            return self.array(v, where)
        if isinstance(v, np.generic):
            item = v.item()
            return {"$np": v.dtype.str, "v": _float(item) if isinstance(item, float) else item} \
                if isinstance(item, (bool, int, float)) else self.value(item, where, depth + 1)
        if isinstance(v, tuple):
            return {"$t": [self.value(x, f"{where}[{i}]", depth + 1) for i, x in enumerate(v)]}
        if isinstance(v, list):
            return [self.value(x, f"{where}[{i}]", depth + 1) for i, x in enumerate(v)]
        if isinstance(v, Mapping):
            if all(isinstance(k, str) and not k.startswith("$") for k in v):
                return {k: self.value(x, f"{where}[{k!r}]", depth + 1) for k, x in v.items()}
            return {"$d": [[self.value(k, where, depth + 1), self.value(x, f"{where}[{k!r}]", depth + 1)]
                           for k, x in v.items()]}
        if isinstance(v, PurePath):
            return {"$p": str(v)}
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            fields = {f.name: self.value(getattr(v, f.name), f"{where}.{f.name}", depth + 1)
                      for f in dataclasses.fields(v) if f.init}
            return {"$dc": type_key(type(v)), "f": fields}
        if type(v).__name__ == "DataFrame" and type(v).__module__.startswith("pandas"):
            return self.frame(v, where, depth)
        raise CodecError(f"{where}: a {type(v).__name__} cannot be stored as JSON + NPZ")


def encode(value: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """``(tree, arrays)`` of ``value``: a JSON-ready tree and the arrays it refers to (keys ``a0``,
    ``a1``, ...; numeric, bool or text dtypes only). Raises :class:`CodecError` naming the part
    that cannot be stored (a tensor, a module, an unknown object)."""
    enc = _Encoder()
    tree = {"format": FORMAT, "value": enc.value(value)}
    return tree, enc.arrays


class _Decoder:
    def __init__(self, arrays: Mapping[str, np.ndarray], types: Mapping[str, type]) -> None:
        self.arrays, self.types = arrays, types

    def array(self, node: dict) -> np.ndarray:
        key = node["$a"]
        if not isinstance(key, str) or key not in self.arrays:
            raise CodecError(f"the stored result refers to a missing array {str(key)[:20]!r}")
        a = np.asarray(self.arrays[key])
        return a.astype(object) if node.get("obj") else a

    def frame(self, node: dict) -> Any:
        import pandas as pd

        data, names = {}, []
        for i, col in enumerate(node["columns"]):
            vals = col["values"]
            values = self.array(vals) if "$a" in vals else np.asarray(
                [self.value(x) for x in vals["$ao"]] or [], dtype=object)
            names.append(self.value(col["name"]))
            s = pd.Series(values, dtype=object if values.dtype == object else None)
            dtype = col.get("dtype")
            if dtype and str(s.dtype) != dtype:
                try:
                    s = s.astype(dtype)
                except (TypeError, ValueError):
                    pass
            data[i] = s
        index = node["index"]
        if "range" in index:
            start, stop, step = index["range"]
            idx = pd.RangeIndex(start, stop, step)
        else:
            idx = pd.Index(self.value(index["values"]))
        idx.name = self.value(index.get("name"))
        df = pd.DataFrame(data)
        df.columns = names
        df.index = idx
        return df

    def value(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.value(x) for x in node]
        if not isinstance(node, dict):
            raise CodecError(f"the stored result holds an unreadable {type(node).__name__}")
        if "$f" in node:
            return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[node["$f"]]
        if "$a" in node:
            return self.array(node)
        if "$ao" in node:
            flat = [self.value(x) for x in node["$ao"]]
            out = np.empty(len(flat), dtype=object)
            out[:] = flat
            return out.reshape(node.get("shape", [len(flat)]))
        if "$np" in node:
            return np.dtype(node["$np"]).type(self.value(node["v"]))
        if "$t" in node:
            return tuple(self.value(x) for x in node["$t"])
        if "$d" in node:
            return {self.value(k): self.value(v) for k, v in node["$d"]}
        if "$p" in node:
            from pathlib import Path

            return Path(node["$p"])
        if "$dc" in node:
            cls = self.types.get(node["$dc"])
            if cls is None:
                raise CodecError(f"the stored result holds a {str(node['$dc'])[:80]!r}, which this version of "
                                 "tsviz does not restore")
            try:
                return cls(**{k: self.value(v) for k, v in node["f"].items()})
            except TypeError as exc:
                raise CodecError(f"the stored {cls.__name__} does not match this version of tsviz ({exc})") from None
        if "$df" in node:
            return self.frame(node["$df"])
        return {k: self.value(v) for k, v in node.items()}


def decode(tree: Any, arrays: Mapping[str, np.ndarray], types: Mapping[str, type]) -> Any:
    """The value :func:`encode` turned into ``(tree, arrays)``; dataclasses only from ``types``
    (``type_key(cls) -> cls``). Raises :class:`CodecError` for anything else."""
    if not isinstance(tree, dict) or "value" not in tree:
        raise CodecError("the stored result is not a tsviz result tree")
    if tree.get("format") != FORMAT:
        raise CodecError(f"the stored result has format {tree.get('format')!r}; this tsviz reads format {FORMAT}")
    try:
        return _Decoder(arrays, types).value(tree["value"])
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise CodecError(f"the stored result is damaged ({type(exc).__name__}: {str(exc)[:120]})") from None
