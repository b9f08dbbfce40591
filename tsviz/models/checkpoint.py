"""Checkpoints: safetensors weights + a JSON card. Loading never unpickles.

Loading is checked step by step so that nothing sized by the files is allocated before it is
known to be sane (limits in :mod:`tsviz.models.card_schema`):

1. the card is read from a regular file (never a FIFO or device; at most ``MAX_CARD_BYTES``),
   parsed with a depth cap, and its ``format``, ``arch`` and every hyperparameter checked for type
   and range;
2. the network is built on PyTorch's ``meta`` device (shapes only) and its size held to
   ``MAX_PARAMETERS``;
3. the weights file is read (regular file, capped at the size the card implies) and its
   safetensors header checked against the expected ``state_dict``: same keys, shapes and dtypes,
   offsets that tile the data exactly;
4. the tensors are loaded and checked: finite floats, normalisation std > 0, BatchNorm running
   variances >= 0; only then is the real network built and the weights copied in.

Every failure is a :class:`CheckpointError` naming the file and, where there is one, the key.
"""
from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tsviz.models.card_schema import (
    CARD_FORMAT,
    MAX_CARD_BYTES,
    MAX_HEADER_BYTES,
    MAX_PARAMETERS,
    MAX_WEIGHTS_BYTES,
    CheckpointError,
    check_card,
    check_hparams,
    parse_json,
    read_regular_file,
)

__all__ = ["jsonable", "save", "load", "read_card", "CheckpointError", "checkpoint_paths", "CARD_FORMAT"]


#: torch dtype -> safetensors dtype name
_ST_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
              torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
              torch.uint8: "U8", torch.bool: "BOOL"}


def checkpoint_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """``(weights, card)`` paths for a stem, a ``.safetensors`` path or a ``.json`` path.

    Raises
    ------
    CheckpointError
        For a path with no file name (``""``, ``"/"``) or an unknown ``~user``.
    """
    try:
        p = Path(path).expanduser()
        if p.suffix in (".safetensors", ".json"):
            p = p.with_suffix("")
        return p.with_name(p.name + ".safetensors"), p.with_name(p.name + ".json")
    except (RuntimeError, ValueError) as exc:
        raise CheckpointError(f"not a checkpoint path: {str(path)[:200]!r} ({exc})") from None


def jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return obj


def _atomic_write(target: Path, write: Callable[[str], None]) -> None:
    """Write ``target`` through a hidden temporary file in its folder and ``os.replace`` it in,
    so that a reader sees the old file or the new one, never half of one."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # umask applies
    try:
        write(str(tmp))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save(model: torch.nn.Module, path: str | os.PathLike, card: dict[str, Any] | None = None) -> Path:
    """Write ``<stem>.safetensors`` (weights and buffers) and ``<stem>.json`` (the card).

    Each file is written to a temporary name and moved into place (``os.replace``), so a reader
    never sees half a file. The card is checked as :func:`load` will check it, so a model that
    could not be loaded back (hyperparameters outside the card ranges, over ``MAX_PARAMETERS``)
    is refused here.

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

    Raises
    ------
    CheckpointError
        Not a tsviz model, a card :func:`load` would refuse, or the files cannot be written.
    """
    from safetensors.torch import save_file

    from tsviz import __version__

    if not hasattr(model, "arch") or not hasattr(model, "hparams"):
        raise CheckpointError("save() needs a tsviz model (from tsviz.models.build) with .arch and .hparams")
    weights, card_path = checkpoint_paths(path)
    full = {**getattr(model, "card", {}), **(card or {})}
    full.update({"format": CARD_FORMAT, "arch": model.arch, "hparams": model.hparams, "tsviz_version": __version__})
    text = json.dumps(jsonable(full), indent=2, sort_keys=True) + "\n"
    check_card(json.loads(text), f"card for {card_path}")
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    n = sum(v.numel() for v in state.values())
    if n > MAX_PARAMETERS:
        raise CheckpointError(f"cannot save {weights}: {n:,} parameters, over the {MAX_PARAMETERS:,} cap of load()")
    try:
        weights.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(weights, lambda tmp: save_file(state, tmp, metadata={"format": CARD_FORMAT, "arch": model.arch}))
        _atomic_write(card_path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise CheckpointError(f"cannot write checkpoint {weights.with_suffix('')}: {exc.strerror or exc}") from None
    return weights


def read_card(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check a card (JSON) without loading weights.

    The card must be a regular file of at most ``MAX_CARD_BYTES`` (a FIFO or device is refused
    without blocking), UTF-8 JSON nested at most ``MAX_JSON_DEPTH`` deep, and pass
    :func:`tsviz.models.card_schema.check_card` (format, architecture, typed and ranged hparams).

    Raises
    ------
    CheckpointError
        Naming the card file and the offending key.
    """
    _, card_path = checkpoint_paths(path)
    data = read_regular_file(card_path, MAX_CARD_BYTES, "model card")
    return check_card(parse_json(data, str(card_path)), str(card_path))


def _plan(card: dict[str, Any], card_path: Path) -> tuple[torch.nn.Module, dict[str, tuple]]:
    """The checked card's network on the ``meta`` device and its expected ``state_dict``
    (key -> (shape, dtype)); refuses networks over :data:`MAX_PARAMETERS`."""
    from tsviz.models.build import meta_model

    arch = card["arch"]
    hp = check_hparams(arch, card["hparams"], str(card_path))
    try:
        model = meta_model(arch, **hp)
    except (ValueError, TypeError, RuntimeError, OverflowError) as exc:
        raise CheckpointError(f"{card_path}: cannot build {arch!r} from the card: {exc}") from None
    expected = {k: (tuple(v.shape), v.dtype) for k, v in model.state_dict().items()}
    n = sum(math.prod(shape) for shape, _ in expected.values())
    if n > MAX_PARAMETERS:
        raise CheckpointError(f"{card_path}: the card's {arch} network has {n:,} parameters, over the "
                              f"{MAX_PARAMETERS:,} cap (hparams {str(card['hparams'])[:300]})")
    return model, expected


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _read_state(data: bytes, weights: Path, arch: str, expected: dict[str, tuple]) -> dict[str, torch.Tensor]:
    """Check a safetensors file's header against ``expected`` and only then load its tensors."""
    from safetensors.torch import load as load_bytes

    if len(data) < 8:
        raise CheckpointError(f"{weights} is not a readable safetensors file: truncated ({len(data)} bytes)")
    n = int.from_bytes(data[:8], "little")
    if n > MAX_HEADER_BYTES:
        raise CheckpointError(f"{weights} is not a readable safetensors file: header length {n:,} over the "
                              f"{MAX_HEADER_BYTES:,}-byte cap")
    if 8 + n > len(data):
        raise CheckpointError(f"{weights} is not a readable safetensors file: truncated (header of {n:,} bytes, "
                              f"file of {len(data):,})")
    header = parse_json(data[8:8 + n], f"{weights} (safetensors header)")
    if not isinstance(header, dict):
        raise CheckpointError(f"{weights} is not a readable safetensors file: the header is not a JSON object")
    meta = header.pop("__metadata__", None)
    if isinstance(meta, dict) and meta.get("arch", arch) != arch:
        raise CheckpointError(f"{weights} holds a {str(meta['arch'])[:40]!r} network, the card says {arch!r}")
    missing = [k for k in expected if k not in header]
    unexpected = [k for k in header if k not in expected]
    if missing or unexpected:
        raise CheckpointError(f"{weights} does not fit the card's {arch} network: missing keys {missing[:5]}"
                              f"{'...' if len(missing) > 5 else ''}, unexpected keys "
                              f"{[k[:60] for k in unexpected[:5]]}{'...' if len(unexpected) > 5 else ''}")
    for key, (shape, dtype) in expected.items():
        entry = header[key]
        if not isinstance(entry, dict):
            raise CheckpointError(f"{weights}: header entry of tensor {key!r} is not a JSON object")
        if entry.get("dtype") != _ST_DTYPES[dtype]:
            raise CheckpointError(f"{weights}: tensor {key!r} has dtype {str(entry.get('dtype'))[:20]!r}, "
                                  f"the card's {arch} network needs {_ST_DTYPES[dtype]}")
        got = entry.get("shape")
        if not isinstance(got, list) or not all(map(_is_int, got)) or tuple(got) != shape:
            raise CheckpointError(f"{weights}: tensor {key!r} has shape {str(got)[:60]}, the card's {arch} "
                                  f"network needs {list(shape)}")
    size, spans = len(data) - 8 - n, []
    need = sum(math.prod(shape) * dtype.itemsize for shape, dtype in expected.values())
    if size < need:
        raise CheckpointError(f"{weights} is truncated: the card's {arch} network needs {need:,} bytes of "
                              f"tensor data, the file holds {size:,}")
    for key, (shape, dtype) in expected.items():
        offsets = header[key].get("data_offsets")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_int, offsets))
                or not 0 <= offsets[0] <= offsets[1] <= size
                or offsets[1] - offsets[0] != math.prod(shape) * dtype.itemsize):
            raise CheckpointError(f"{weights}: header gives tensor {key!r} data_offsets {str(offsets)[:60]}, "
                                  f"which do not hold {list(shape)} {_ST_DTYPES[dtype]} within the file's "
                                  f"{size:,} data bytes")
        spans.append((offsets[0], offsets[1], key))
    end = 0
    for begin, stop, key in sorted(spans):
        if begin != end:
            raise CheckpointError(f"{weights}: tensor {key!r} starts at byte {begin:,} of the data, expected "
                                  f"{end:,} (overlapping tensors or a gap)")
        end = stop
    if end != size:
        raise CheckpointError(f"{weights}: {size - end:,} bytes after the last tensor")
    try:
        state = load_bytes(data)
    except Exception as exc:  # noqa: BLE001 - safetensors' own checks, after ours
        raise CheckpointError(f"{weights} is not a readable safetensors file: {exc}") from None
    _check_values(state, weights)
    return state


def _finite(t: torch.Tensor) -> bool:
    """Whether every entry of a CPU tensor is finite (numpy for the common dtypes: faster)."""
    if t.dtype in (torch.float32, torch.float64, torch.float16):
        return bool(np.isfinite(t.numpy()).all())
    return bool(torch.isfinite(t).all())


def _check_values(state: dict[str, torch.Tensor], weights: Path) -> None:
    """Finite floats everywhere, normalisation std > 0, BatchNorm running variances >= 0."""
    for key, t in state.items():
        if t.is_floating_point() and not _finite(t):
            raise CheckpointError(f"{weights}: tensor {key!r} holds NaN or infinite values")
        if key == "normalize.std" and not bool((t > 0).all()):
            raise CheckpointError(f"{weights}: tensor {key!r} (normalisation std) must be > 0, got min "
                                  f"{float(t.min()):g}")
        if key.endswith("running_var") and not bool((t >= 0).all()):
            raise CheckpointError(f"{weights}: tensor {key!r} (a variance) has negative entries")


def load(path: str | os.PathLike, *, device: str | torch.device | None = "cpu") -> torch.nn.Module:
    """Load a checkpoint written by :func:`save`, checking it before anything is allocated.

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
        Missing or non-regular files, files over their caps, an invalid card, a network over
        ``MAX_PARAMETERS``, weights whose keys, shapes or dtypes do not fit the card's network,
        non-finite weights or a non-positive normalisation std (see the module docstring).
    """
    from tsviz.device import resolve_device

    weights, card_path = checkpoint_paths(path)
    card = read_card(card_path)
    model, expected = _plan(card, card_path)
    nbytes = sum(math.prod(shape) * dtype.itemsize for shape, dtype in expected.values())
    cap = min(MAX_WEIGHTS_BYTES, 8 + MAX_HEADER_BYTES + nbytes)
    data = read_regular_file(weights, cap, "weights",
                             note=f" (the card's {card['arch']} network needs {nbytes:,} bytes of tensor data)")
    state = _read_state(data, weights, card["arch"], expected)
    del data
    try:  # the meta network takes the loaded tensors as they are: no second allocation
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:  # not expected after the header check
        raise CheckpointError(f"{weights} does not fit the card's {card['arch']} network: {exc}") from None
    model.card = {**card, "path": str(weights.with_suffix(""))}
    return model.to(resolve_device(device)).eval()
