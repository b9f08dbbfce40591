"""Checkpoints: safetensors weights + a JSON card. Loading never unpickles."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from tsviz.core.errors import TsvizError

__all__ = ["save", "load", "CheckpointError", "checkpoint_paths", "CARD_FORMAT"]

CARD_FORMAT = "tsviz-checkpoint/1"


class CheckpointError(TsvizError):
    """A checkpoint or card that cannot be read or does not match its network."""


def checkpoint_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """``(weights, card)`` paths for a stem, a ``.safetensors`` path or a ``.json`` path."""
    p = Path(path).expanduser()
    if p.suffix in (".safetensors", ".json"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".safetensors"), p.with_name(p.name + ".json")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return obj


def save(model: torch.nn.Module, path: str | os.PathLike, card: dict[str, Any] | None = None) -> Path:
    """Write ``<stem>.safetensors`` (weights and buffers) and ``<stem>.json`` (the card).

    Parameters
    ----------
    model : TimeSeriesClassifier
        A model from :func:`tsviz.models.build` (needs ``arch`` and ``hparams``).
    path : path-like
        The stem, or a path ending in ``.safetensors``/``.json``; parent folders are created.
    card : dict, optional
        Card fields (dataset, recipe, seed, metrics, ...), merged over ``model.card``; ``arch``,
        ``hparams``, ``format`` and ``tsviz_version`` are always taken from the model.

    Returns
    -------
    Path
        The weights path.
    """
    from safetensors.torch import save_file

    from tsviz import __version__

    if not hasattr(model, "arch") or not hasattr(model, "hparams"):
        raise CheckpointError("save() needs a tsviz model (from tsviz.models.build) with .arch and .hparams")
    weights, card_path = checkpoint_paths(path)
    weights.parent.mkdir(parents=True, exist_ok=True)
    full = {**getattr(model, "card", {}), **(card or {})}
    full.update({"format": CARD_FORMAT, "arch": model.arch, "hparams": model.hparams, "tsviz_version": __version__})
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(weights), metadata={"format": CARD_FORMAT, "arch": model.arch})
    card_path.write_text(json.dumps(_jsonable(full), indent=2, sort_keys=True) + "\n")
    return weights


def read_card(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check a card (JSON) without loading weights."""
    _, card_path = checkpoint_paths(path)
    if not card_path.exists():
        raise CheckpointError(f"model card not found: {card_path} (a checkpoint is <name>.safetensors + <name>.json)")
    try:
        card = json.loads(card_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{card_path} is not valid JSON: {exc}") from exc
    if not isinstance(card, dict):
        raise CheckpointError(f"{card_path}: the card must be a JSON object")
    missing = [k for k in ("arch", "hparams") if k not in card]
    if missing:
        raise CheckpointError(f"{card_path}: card lacks {missing} (needed to rebuild the network)")
    hp = card["hparams"]
    if not isinstance(hp, dict) or not all(k in hp for k in ("in_channels", "n_classes", "length")):
        raise CheckpointError(f"{card_path}: hparams must hold in_channels, n_classes and length")
    return card


def load(path: str | os.PathLike, *, device: str | torch.device | None = "cpu") -> torch.nn.Module:
    """Load a checkpoint written by :func:`save`.

    Parameters
    ----------
    path : path-like
        The stem, or the ``.safetensors``/``.json`` path.
    device : str or torch.device, optional
        Where to put the model (default CPU; ``None``/``"auto"`` picks CUDA when available).

    Returns
    -------
    TimeSeriesClassifier
        In eval mode, with ``.card`` set to the card dict (plus ``card['path']``).

    Raises
    ------
    CheckpointError
        Missing files, an invalid card, or weights that do not fit the architecture.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from tsviz.device import resolve_device
    from tsviz.models.build import build

    weights, card_path = checkpoint_paths(path)
    card = read_card(path)
    if not weights.exists():
        raise CheckpointError(f"weights not found: {weights}")
    hp = dict(card["hparams"])
    args = {k: hp.pop(k) for k in ("in_channels", "n_classes", "length")}
    hp.pop("seed", None)
    try:
        model = build(card["arch"], **args, **hp)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{card_path}: cannot build {card['arch']!r} from the card: {exc}") from exc
    try:
        state = load_file(str(weights), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{weights} is not a readable safetensors file: {exc}") from exc
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(
            f"{weights} does not fit a {card['arch']} network with {args}: missing "
            f"{result.missing_keys[:5]}, unexpected {result.unexpected_keys[:5]}"
        )
    model.card = {**card, "path": str(weights.with_suffix(""))}
    return model.to(resolve_device(device)).eval()
