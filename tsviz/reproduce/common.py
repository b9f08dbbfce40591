"""Helpers shared by the reproduction targets (data, subsets, optional library options)."""
from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.reproduce.errors import ReproduceError

__all__ = ["ucr_folder", "present_ucr", "load_ucr", "subset_test", "subset_train", "accepts", "quiet"]


def ucr_folder(data_root: Path | None, name: str) -> Path | None:
    """``data_root/ucr/name`` when it is a folder, else None."""
    if data_root is None:
        return None
    p = Path(data_root) / "ucr" / name
    return p if p.is_dir() else None


def present_ucr(names: list[str], data_root: Path | None) -> tuple[list[str], list[str]]:
    """``(present, notes)``: the UCR datasets of ``names`` found under ``data_root/ucr``, and a note
    for each missing one naming where to get it (its rows are skipped)."""
    from tsviz.reproduce.registry import data_note

    present = [d for d in names if ucr_folder(data_root, d) is not None]
    notes = [data_note(f"ucr/{d}", data_root) + " — its rows are skipped" for d in names if d not in present]
    return present, notes


def load_ucr(data_root: Path | None, name: str):
    """The UCR dataset ``name`` under ``data_root/ucr`` (:func:`tsviz.data.load`)."""
    from tsviz.data import load

    folder = ucr_folder(data_root, name)
    if folder is None:
        raise ReproduceError(f"UCR folder ucr/{name} not found under {data_root}")
    return load(f"ucr:{folder}")


def subset_train(ds, n_train: int, seed: int):
    """``ds`` with its training split cut to ``n_train`` series (class-stratified, as :func:`subset_test`)."""
    n = len(ds.y_train)
    if int(n_train) <= 0 or int(n_train) >= n:
        return ds
    keep = _stratified(np.asarray(ds.y_train), int(n_train), seed)
    meta = dict(ds.meta)
    meta["train_subset"] = keep.tolist()
    return dataclasses.replace(ds, X_train=np.asarray(ds.X_train)[keep], y_train=np.asarray(ds.y_train)[keep],
                               meta=meta)


def _stratified(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """``k`` indices of ``y`` drawn without replacement, each class keeping its share (at least one), sorted."""
    n = len(y)
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    share = np.maximum(1, np.floor(counts / n * k).astype(int))
    while share.sum() > k:  # more classes than series asked: trim the largest shares
        share[np.argmax(share)] -= 1
    rest = k - int(share.sum())
    order = np.argsort(-(counts / n * k - share))  # largest remainders get the extra series
    for j in order[:rest]:
        share[j] += 1
    keep = np.concatenate([rng.choice(np.flatnonzero(y == c), size=min(int(s), int(cnt)), replace=False)
                           for c, s, cnt in zip(classes, share, counts)])
    return np.sort(keep)


def subset_test(ds, n_test: int, seed: int):
    """``ds`` with its test split cut to ``n_test`` series (all when 0 or more than there are).

    The series are drawn without replacement by a ``numpy`` Generator seeded ``seed``, stratified by
    class (each class keeps its share, at least one series when it has any), and kept in their
    original order, so a subset is reproducible and balanced like the full split.

    Parameters
    ----------
    ds : tsviz.data.Dataset
    n_test : int >= 0
    seed : int

    Returns
    -------
    tsviz.data.Dataset
        A new dataset (same train split; ``meta["test_subset"]`` holds the indices kept).
    """
    n = len(ds.y_test)
    n_test = int(n_test)
    if n_test < 0:
        raise ReproduceError(f"n_test must be >= 0 (0 = all), got {n_test}")
    if n_test == 0 or n_test >= n:
        return ds
    y = np.asarray(ds.y_test)
    keep = _stratified(y, n_test, seed)
    meta = dict(ds.meta)
    meta["test_subset"] = keep.tolist()
    return dataclasses.replace(ds, X_test=np.asarray(ds.X_test)[keep], y_test=y[keep], meta=meta)


def accepts(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn`` has a parameter called ``name`` (an option a newer tsviz may add)."""
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def quiet(progress: Callable[[float, str], None] | None) -> Callable[[float, str], None]:
    """``progress`` or a function that does nothing."""
    return progress if progress is not None else (lambda frac, msg: None)
