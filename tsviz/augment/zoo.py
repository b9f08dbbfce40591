"""Shipped ODENets: fitted once by the project's own code, loaded instead of fitted live.

They live beside the classifier zoo, in ``<zoo>/odenets/`` (``TSVIZ_ZOO_DIR`` moves both), as
``<dataset>--odenet.safetensors`` + ``.json``; the card states the data (spec and fingerprint),
the fit's settings (epochs, seed, solver, pairs) and its quality on the test split
(:mod:`tsviz.augment.quality`: loss ratio and relative RMSE). Rebuild them with
``python -m tsviz train --zoo --only odenet`` (:mod:`tsviz.training.zoo_build`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["OdeZooEntry", "ODENET_ZOO", "odenet_zoo_dir", "odenet_stem", "shipped_odenet_path",
           "list_shipped_odenets", "BUILD_COMMAND"]

#: The command that rebuilds every shipped ODENet (and only them).
BUILD_COMMAND = "python -m tsviz train --zoo --only odenet"


@dataclass(frozen=True)
class OdeZooEntry:
    """How one shipped ODENet is fitted (:func:`tsviz.augment.fit_odenet` arguments)."""

    dataset: str
    epochs: int
    seed: int = 0
    batch_size: int = 256
    max_pairs: int = 200_000
    method: str = "rk4"


#: Every shipped ODENet. 20 epochs (about 16,000 Adam steps, ~40 s on 2 cores) lower the loss
#: ratio from 0.84 (the page's automatic 4 epochs) to about 0.78 on the synthetic ECG beats.
ODENET_ZOO: tuple[OdeZooEntry, ...] = (
    OdeZooEntry("synthetic-ecg", epochs=20),
)


def odenet_zoo_dir() -> Path:
    """``<zoo>/odenets`` (the zoo folder: :func:`tsviz.models.zoo_dir`)."""
    from tsviz.models.zoo import zoo_dir

    return zoo_dir() / "odenets"


def odenet_stem(dataset: str) -> str:
    """File stem of a shipped ODENet: ``<dataset>--odenet``."""
    return f"{dataset}--odenet"


def shipped_odenet_path(dataset: str) -> Path | None:
    """The stem of the shipped ODENet for ``dataset`` (a dataset spec), or ``None`` when none is
    shipped (or its files are missing)."""
    stem = odenet_zoo_dir() / odenet_stem(dataset)
    if stem.with_name(stem.name + ".json").is_file() and stem.with_name(stem.name + ".safetensors").is_file():
        return stem
    return None


def list_shipped_odenets() -> list[dict[str, Any]]:
    """Cards of the shipped ODENets (each with ``path``, the stem); unreadable cards are skipped."""
    from tsviz.models.card_schema import MAX_CARD_BYTES, parse_json, read_regular_file
    from tsviz.models.checkpoint import CheckpointError

    folder = odenet_zoo_dir()
    out = []
    if not folder.is_dir():
        return out
    for card_path in sorted(folder.glob("*--odenet.json")):
        try:
            card = parse_json(read_regular_file(card_path, MAX_CARD_BYTES, "ODENet card"), str(card_path))
        except (CheckpointError, OSError):
            continue
        if isinstance(card, dict) and card.get("arch") == "odenet":
            out.append({**card, "path": str(card_path.with_name(card_path.name[:-len(".json")]))})
    return out
