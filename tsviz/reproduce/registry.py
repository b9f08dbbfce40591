"""The registered reproduction targets, and running one.

Targets are registered explicitly: each module named in :data:`TARGET_MODULES` (under
:mod:`tsviz.reproduce.targets`) defines ``TARGET = Target(...)``. The modules are imported the first
time :data:`TARGETS` is read, so ``import tsviz.reproduce`` stays light.
"""
from __future__ import annotations

import importlib
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tsviz.reproduce.errors import ReproduceError
from tsviz.reproduce.target import MODES, Target, TargetResult

__all__ = ["TARGETS", "TARGET_MODULES", "DATA_SOURCES", "get_target", "list_targets", "run_target",
           "default_data_root", "resolve_data_root", "missing_data", "data_note"]

#: Target modules, in the order the CLI and the page list them (one line per target).
TARGET_MODULES = (
    "tsviz.reproduce.targets.augmentation_table1",
    "tsviz.reproduce.targets.selfensemble_table3",
    "tsviz.reproduce.targets.selfensemble_table4",
    "tsviz.reproduce.targets.nsr_table1",
    "tsviz.reproduce.targets.wpgd_toy",
    "tsviz.reproduce.targets.genattack_ch2",
    "tsviz.reproduce.targets.neuromask_backdoor",
)

#: Where each kind of real data can be obtained (first folder component -> public source).
DATA_SOURCES = {
    "ucr": "the UCR time-series archive, https://www.cs.ucr.edu/~eamonn/time_series_data_2018/",
    "mitdb": "the MIT-BIH Arrhythmia Database, https://physionet.org/content/mitdb/1.0.0/",
}

_MAX_NAME = 200


class _Registry(Mapping):
    """``key -> Target``, filled from :data:`TARGET_MODULES` on first use."""

    def __init__(self) -> None:
        self._targets: dict[str, Target] | None = None

    def _load(self) -> dict[str, Target]:
        if self._targets is None:
            targets: dict[str, Target] = {}
            for name in TARGET_MODULES:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:  # a listed target not written yet: skip it, nothing else
                    if exc.name == name:
                        continue
                    raise
                target = getattr(module, "TARGET", None)
                if not isinstance(target, Target):
                    raise ReproduceError(f"{name} defines no TARGET = Target(...)")
                if target.key in targets:
                    raise ReproduceError(f"two targets are registered as {target.key!r}")
                targets[target.key] = target
            self._targets = targets
        return self._targets

    def __getitem__(self, key: str) -> Target:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


#: ``key -> Target`` for every registered target.
TARGETS: Mapping[str, Target] = _Registry()


def get_target(key: str) -> Target:
    """The target registered as ``key``; a :class:`ReproduceError` naming the known keys otherwise."""
    if not isinstance(key, str) or len(key) > _MAX_NAME:
        raise ReproduceError(f"target must be a target name (text), got {str(key)[:60]!r}")
    try:
        return TARGETS[key]
    except KeyError:
        raise ReproduceError(f"unknown reproduction target {key[:60]!r}; known: {', '.join(TARGETS)}") from None


def list_targets() -> list[Target]:
    """Every registered target, in registration order."""
    return list(TARGETS.values())


def default_data_root() -> Path | None:
    """The folder named by the environment variable ``TSVIZ_DATA`` (with ``ucr/<NAME>/``, ``mitdb/``), or None."""
    value = os.environ.get("TSVIZ_DATA", "").strip()
    return Path(value).expanduser() if value else None


def resolve_data_root(data_root: str | os.PathLike | None) -> Path | None:
    """``data_root`` as a Path (None: :func:`default_data_root`); a :class:`ReproduceError` for a bad value."""
    if data_root is None:
        return default_data_root()
    if not isinstance(data_root, (str, os.PathLike)):
        raise ReproduceError(f"data_root must be a folder path, got {type(data_root).__name__}")
    text = os.fspath(data_root)
    if not text.strip() or "\x00" in text or len(text) > 4096:
        raise ReproduceError(f"data_root must be a folder path, got {text[:60]!r}")
    return Path(text).expanduser()


def data_note(folder: str, data_root: Path | None) -> str:
    """A note that ``folder`` (relative to ``data_root``) is missing, naming where to get it."""
    source = DATA_SOURCES.get(folder.split("/", 1)[0], "its public source")
    where = f"{data_root / folder}" if data_root is not None else f"<data>/{folder} (no data folder given)"
    return (f"real data missing: {where} is absent; download it from {source} and pass the folder "
            f"holding ucr/ and mitdb/ with --data or TSVIZ_DATA")


def missing_data(target: Target, data_root: str | os.PathLike | None = None) -> list[str]:
    """Notes for each of ``target.needs_data`` absent under ``data_root`` (empty when all are there)."""
    root = resolve_data_root(data_root)
    return [data_note(f, root) for f in target.needs_data if root is None or not (root / f).is_dir()]


def run_target(key: str, mode: str = "quick", *, data_root: str | os.PathLike | None = None, seed: int = 0,
               progress: Callable[[float, str], None] | None = None,
               overrides: Mapping[str, Any] | None = None) -> TargetResult:
    """Run the target ``key`` in configuration ``mode``.

    Parameters
    ----------
    key : str
        A registered target (:func:`list_targets`).
    mode : {"tiny", "quick", "full"}
        ``"tiny"`` for tests (seconds), ``"quick"`` (minutes on 2 CPU cores), ``"full"`` (the paper's
        settings, meant for a GPU).
    data_root : path, optional
        Folder holding ``ucr/<NAME>/`` and ``mitdb/``; default the environment variable ``TSVIZ_DATA``.
    seed : int
        Seeds every random stream of the run (models, noise, attacks).
    progress : callable, optional
        ``progress(fraction, message)``, ending at 1.0.
    overrides : dict, optional
        Settings of the configuration to change (known keys only).

    Returns
    -------
    TargetResult
        With verdict ``"not run"`` and a note naming the folder and its public source when the real
        data the target needs is missing.
    """
    target = get_target(key)
    if mode not in MODES:
        raise ReproduceError(f"mode must be one of {MODES}, got {str(mode)[:30]!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ReproduceError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    if progress is not None and not callable(progress):
        raise ReproduceError("progress must be callable(fraction, message) or None")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ReproduceError(f"overrides must be a dict of settings, got {type(overrides).__name__}")
    config = target.config(mode, overrides)
    root = resolve_data_root(data_root)
    missing = missing_data(target, root)
    if missing:
        result = target.result(config, [], seed=seed, mode=mode, notes=missing)
        if progress is not None:
            progress(1.0, "not run: real data missing")
        return result
    t0 = time.perf_counter()
    result = target.run(config, data_root=root, seed=seed, progress=progress)
    if not isinstance(result, TargetResult):
        raise ReproduceError(f"target {key!r} returned {type(result).__name__}, not a TargetResult")
    result.mode = mode
    result.config = config
    result.seed = seed
    if not result.seconds or not math.isfinite(result.seconds):
        result.seconds = time.perf_counter() - t0
    return result
