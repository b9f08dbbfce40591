"""``load(spec)``: one entry point for every built-in generator and file loader."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tsviz.data.dataset import Dataset
from tsviz.data.errors import DataError
from tsviz.data.validation import short_repr

__all__ = ["load", "BUILTIN_DATASETS", "FILE_SPECS", "parse_spec"]

#: Generators that need no files: spec -> (module, function).
BUILTIN_DATASETS: dict[str, tuple[str, str]] = {
    "synthetic-ecg": ("tsviz.data.synthetic_ecg", "synthetic_ecg"),
    "cbf": ("tsviz.data.synthetic_simple", "cbf"),
    "synthetic-control": ("tsviz.data.synthetic_simple", "synthetic_control"),
}

#: File loaders: spec prefix -> (module, function); the part after ``:`` is the path.
FILE_SPECS: dict[str, tuple[str, str]] = {
    "ucr": ("tsviz.data.ucr", "load_ucr"),
    "mitbih-csv": ("tsviz.data.mitbih_csv", "load_mitbih_csv"),
    "wfdb": ("tsviz.data.wfdb_records", "load_wfdb"),
    "npz": ("tsviz.data.tabular", "load_npz"),
    "csv": ("tsviz.data.tabular", "load_csv"),
}

_ALIASES = {"synthetic_ecg": "synthetic-ecg", "ecg": "synthetic-ecg", "synthetic_control": "synthetic-control",
            "syntheticcontrol": "synthetic-control"}


def _resolve(module: str, func: str) -> Callable[..., Dataset]:
    return getattr(importlib.import_module(module), func)


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split a spec into ``(kind, path)``; ``path`` is ``None`` for built-in generators.

    Raises :class:`DataError` for an empty or unknown spec, or a file spec with no path.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(f"dataset spec must be a non-empty string, got {type(spec).__name__}")
    s = spec.strip()
    key = _ALIASES.get(s.lower(), s.lower())
    if key in BUILTIN_DATASETS:
        return key, None
    kind, sep, path = s.partition(":")
    kind = kind.lower()
    if sep and kind in FILE_SPECS:
        if not path.strip():
            raise DataError(f"dataset spec {short_repr(spec)} names no path after '{kind}:'")
        return kind, path.strip()
    known = sorted(BUILTIN_DATASETS) + [f"{k}:<path>" for k in FILE_SPECS]
    raise DataError(f"unknown dataset spec {short_repr(spec)}; use one of: {', '.join(known)}")


def load(spec: str = "synthetic-ecg", **options: Any) -> Dataset:
    """Load a dataset by spec.

    Parameters
    ----------
    spec : str
        ``"synthetic-ecg"`` (default; 5-class AAMI beats from the ECGSYN model, mV, 125 Hz),
        ``"cbf"``, ``"synthetic-control"``, or a file spec: ``"ucr:<folder>"`` (UCR archive
        folder with ``NAME_TRAIN``/``NAME_TEST`` in .tsv/.txt/.ts/.arff),
        ``"mitbih-csv:<folder or file>"`` (Kaggle MIT-BIH heartbeat CSVs),
        ``"wfdb:<folder or record path>"`` (WFDB records with beat annotations),
        ``"npz:<file>"``, ``"csv:<file>"``.
    **options
        Passed to the generator or loader (e.g. ``seed``, ``n_train``, ``label_column``,
        ``length_policy``); see each loader's docstring.

    Returns
    -------
    Dataset
        With ``meta['spec']`` set to ``spec``.

    Raises
    ------
    DataError
        Unknown spec, bad options, or bad file contents (the message names file, row, column).
    """
    kind, path = parse_spec(spec)
    module, func = BUILTIN_DATASETS[kind] if path is None else FILE_SPECS[kind]
    loader = _resolve(module, func)
    import inspect

    sig = inspect.signature(loader)
    try:  # an option the loader does not take: say which loader and which options exist
        sig.bind(**options) if path is None else sig.bind(path, **options)
    except TypeError as exc:
        params = [p for p in sig.parameters if p not in ("path", "folder")]
        raise DataError(f"dataset {short_repr(spec)}: {exc}; options for {kind} are: {', '.join(params)}") from None
    try:
        ds = loader(**options) if path is None else loader(path, **options)
    except MemoryError:  # a last guard; the loaders' caps should make this unreachable
        raise DataError(
            f"dataset {short_repr(spec)}: not enough memory to load it; use a smaller file or lower max_mb"
        ) from None
    meta = dict(ds.meta)
    meta["spec"] = spec.strip()
    if options:
        meta["options"] = {k: v for k, v in options.items() if isinstance(v, (int, float, str, bool, type(None)))}
    return Dataset(ds.name, ds.X_train, ds.y_train, ds.X_test, ds.y_test, ds.class_names, ds.fs, ds.unit, meta)
