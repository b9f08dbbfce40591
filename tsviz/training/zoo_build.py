"""Rebuild the pretrained zoo (``python -m tsviz train --zoo``) with the project's own code."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tsviz.models.zoo import ZOO, ZooEntry, zoo_dir, zoo_stem
from tsviz.training.errors import TrainingError

__all__ = ["train_zoo_entry", "rebuild_zoo", "select_zoo"]


def select_zoo(only: Iterable[str] | None = None) -> list[ZooEntry]:
    """Zoo entries whose stem (``dataset--arch--recipe``) or dataset or arch is in ``only``."""
    if not only:
        return list(ZOO)
    wanted = set(only)
    picked = [e for e in ZOO if {zoo_stem(e.dataset, e.arch, e.recipe), e.dataset, e.arch} & wanted]
    if not picked:
        raise TrainingError(f"no zoo entry matches {sorted(wanted)}; entries: "
                         f"{', '.join(zoo_stem(e.dataset, e.arch, e.recipe) for e in ZOO)}")
    return picked


def train_zoo_entry(entry: ZooEntry, out_dir: str | Path | None = None, *,
                    progress: Callable[[float, str], None] | None = None, device: str | None = "cpu") -> dict[str, Any]:
    """Train one zoo checkpoint and write it to ``out_dir`` (default: the zoo folder).

    Returns the card written.
    """
    from tsviz.data import load
    from tsviz.models import build, save
    from tsviz.training.fit import fit

    ds = load(entry.dataset)
    model = build(entry.arch, ds.n_channels, ds.n_classes, ds.length, seed=entry.seed, **entry.hparams)
    result = fit(model, ds, recipe=entry.recipe, epochs=entry.epochs, seed=entry.seed, lr=entry.lr,
                 batch_size=entry.batch_size, patience=entry.patience, progress=progress, device=device,
                 **entry.recipe_hparams)
    folder = Path(out_dir) if out_dir is not None else zoo_dir()
    stem = folder / zoo_stem(entry.dataset, entry.arch, entry.recipe)
    card = {"name": stem.name, "n_parameters": sum(p.numel() for p in model.parameters()),
            "history": {k: v.tolist() for k, v in result.history.items()}}
    save(model.to("cpu"), stem, card)
    return {**model.card, **card}


def rebuild_zoo(only: Iterable[str] | None = None, out_dir: str | Path | None = None, *,
                progress: Callable[[float, str], None] | None = None,
                device: str | None = "cpu") -> list[dict[str, Any]]:
    """Train every selected zoo entry in order; returns one summary dict per checkpoint."""
    entries = select_zoo(only)
    out = []
    for i, entry in enumerate(entries):
        name = zoo_stem(entry.dataset, entry.arch, entry.recipe)
        t0 = time.perf_counter()

        def sub(frac: float, msg: str, i=i, name=name) -> None:
            if progress is not None:
                progress((i + frac) / len(entries), f"[{i + 1}/{len(entries)}] {name}: {msg}")

        card = train_zoo_entry(entry, out_dir, progress=sub, device=device)
        out.append({"name": name, "test_accuracy": card["metrics"]["test_accuracy"],
                    "epochs_run": card["training"]["epochs_run"], "seconds": time.perf_counter() - t0,
                    "n_parameters": card["n_parameters"]})
    return out
