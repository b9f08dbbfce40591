"""The one place where tsviz chooses a compute device: CUDA when available, else CPU."""
from __future__ import annotations

import torch

from tsviz.core.errors import TsvizError

__all__ = ["default_device", "resolve_device", "available_devices"]


def default_device() -> torch.device:
    """Return ``cuda`` when a CUDA device is usable, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def available_devices() -> list[str]:
    """Names of the devices a user may pick (``"cpu"`` always, ``"cuda"`` when present)."""
    return ["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"]


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """Turn ``None``/``"auto"``/a name into a :class:`torch.device`.

    Raises
    ------
    TsvizError
        (a ValueError) If CUDA is requested but not available, or the name is not a device.
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        return default_device()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise TsvizError(f"device {device!r} is not a valid device name (use 'cpu', 'cuda' or 'auto')") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise TsvizError("device 'cuda' was requested but no CUDA device is available; use 'cpu' or 'auto'")
    return dev
