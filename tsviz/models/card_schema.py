"""What a checkpoint may hold, checked before anything is allocated.

A checkpoint is ``<stem>.json`` (the card) + ``<stem>.safetensors`` (the weights). Both may come
from an upload, so every field that sizes the network is checked here against a documented
range, and both files are read with caps on size and nesting, from regular files only.

Limits (module constants):

- :data:`MAX_CARD_BYTES` (1 MiB) and :data:`MAX_JSON_DEPTH` (32 levels) for the card;
- :data:`MAX_HEADER_BYTES` (1 MiB) for the safetensors JSON header;
- :data:`MAX_PARAMETERS` (50 M entries, parameters and buffers together, counted from the card
  on PyTorch's ``meta`` device) and :data:`MAX_WEIGHTS_BYTES` (about 201 MB) for the weights;
- :data:`COMMON_HPARAMS` and :data:`ARCH_HPARAMS`: type and range of every hyperparameter.
"""
from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tsviz.models.errors import ModelError

__all__ = [
    "CheckpointError", "CARD_FORMAT", "MAX_CARD_BYTES", "MAX_HEADER_BYTES", "MAX_PARAMETERS", "MAX_WEIGHTS_BYTES",
    "MAX_JSON_DEPTH", "COMMON_HPARAMS", "ARCH_HPARAMS", "IntRange", "IntList", "RealRange",
    "read_regular_file", "parse_json", "check_card", "check_hparams",
]

#: ``format`` field of every classifier card.
CARD_FORMAT = "tsviz-checkpoint/1"
#: Largest card accepted, in bytes (the shipped cards are under 10 kB).
MAX_CARD_BYTES = 2**20
#: Deepest nesting of JSON arrays/objects accepted in a card or a safetensors header.
MAX_JSON_DEPTH = 32
#: Largest safetensors JSON header accepted, in bytes.
MAX_HEADER_BYTES = 2**20
#: Most state entries (parameters + buffers) a checkpoint's network may have; about 200 MB
#: as float32. The largest shipped model has about 0.5 M.
MAX_PARAMETERS = 50_000_000
#: Largest weights file accepted, in bytes: MAX_PARAMETERS float32 values plus a full header.
MAX_WEIGHTS_BYTES = 4 * MAX_PARAMETERS + MAX_HEADER_BYTES + 8


class CheckpointError(ModelError):
    """A checkpoint or card that cannot be read or does not match its network (a
    :class:`~tsviz.models.errors.ModelError`, hence a :class:`tsviz.core.TsvizError`)."""


# -------------------------------------------------------------------------------------- files
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular_file(path: str | os.PathLike, cap: int, what: str, *, note: str = "") -> bytes:
    """Read a whole regular file of at most ``cap`` bytes, without ever blocking.

    The path is ``stat``-ed (symlinks followed) and refused unless it is a regular file; it is then
    opened with ``O_NONBLOCK`` and checked again with ``fstat`` on the open descriptor (so a file
    swapped for a FIFO in between is still refused), and at most ``cap + 1`` bytes are read.

    Parameters
    ----------
    path : path-like
        The file.
    cap : int
        Largest size accepted, in bytes.
    what : str
        What the file is (``"model card"``, ``"weights"``), for messages.
    note : str
        Appended to the message when the file is over ``cap`` (why the cap is what it is).

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    CheckpointError
        Missing, not a regular file, unreadable, or over ``cap`` (the message names the file).
    """
    path = Path(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise CheckpointError(f"{what} {path} is {_kind(st.st_mode)}, not a regular file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
                     | getattr(os, "O_BINARY", 0))
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"{what} not found: {path} "
                              "(a checkpoint is <name>.safetensors + <name>.json)") from None
    except (OSError, ValueError) as exc:  # permissions, name too long, embedded NUL, ...
        raise CheckpointError(f"cannot open {what} {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CheckpointError(f"{what} {path} is {_kind(st.st_mode)}, not a regular file")
        if st.st_size > cap:
            raise CheckpointError(f"{what} {path} is {st.st_size:,} bytes, over the {cap:,}-byte cap{note}")
        chunks, left = [], cap + 1
        while left > 0:
            chunk = os.read(fd, min(left, 2**24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise CheckpointError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > cap:
        raise CheckpointError(f"{what} {path} is over the {cap:,}-byte cap{note}")
    return data


# --------------------------------------------------------------------------------------- JSON
def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON (a scalar is 0), computed without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = v.values()
        elif not isinstance(v, list):
            continue
        deepest = max(deepest, d + 1)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((c, d + 1) for c in v)
    return deepest


def parse_json(data: bytes, where: str) -> Any:
    """Parse UTF-8 JSON ``data`` nested at most :data:`MAX_JSON_DEPTH` deep.

    Raises
    ------
    CheckpointError
        Not UTF-8, not JSON, an integer literal of more than 4300 digits, or too deep (naming
        ``where``). Never ``RecursionError`` or ``UnicodeDecodeError``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckpointError(f"{where} is not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise CheckpointError(f"{where} is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, or an int literal over Python's digit limit
        raise CheckpointError(f"{where} is not valid JSON: {exc}") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise CheckpointError(f"{where} is nested deeper than {MAX_JSON_DEPTH} levels")
    return value


# ---------------------------------------------------------------------------- hyperparameters
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@dataclass(frozen=True)
class IntRange:
    """An integer (never a bool or a float) in ``[lo, hi]``."""

    lo: int
    hi: int

    def check(self, name: str, v: Any, where: str) -> int:
        if not _is_int(v) or not self.lo <= v <= self.hi:
            raise CheckpointError(f"{where}: hparams[{name!r}] must be an integer in "
                                  f"[{self.lo}, {self.hi}], got {_short(v)}")
        return v


@dataclass(frozen=True)
class IntList:
    """A list of ``min_len`` to ``max_len`` integers, each in ``[lo, hi]``."""

    lo: int
    hi: int
    min_len: int
    max_len: int

    def check(self, name: str, v: Any, where: str) -> list[int]:
        if (not isinstance(v, list) or not self.min_len <= len(v) <= self.max_len
                or not all(_is_int(x) and self.lo <= x <= self.hi for x in v)):
            raise CheckpointError(f"{where}: hparams[{name!r}] must be a list of {self.min_len} to "
                                  f"{self.max_len} integers in [{self.lo}, {self.hi}], got {_short(v)}")
        return v


@dataclass(frozen=True)
class RealRange:
    """A finite number (int or float, never a bool) in ``[lo, hi)``."""

    lo: float
    hi: float

    def check(self, name: str, v: Any, where: str) -> float:
        if (not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v)
                or not self.lo <= v < self.hi):
            raise CheckpointError(f"{where}: hparams[{name!r}] must be a finite number in "
                                  f"[{self.lo}, {self.hi}), got {_short(v)}")
        return v


def _short(v: Any, n: int = 60) -> str:
    s = repr(v) if not isinstance(v, (dict, list)) or len(v) < 20 else f"a {type(v).__name__} of {len(v)} items"
    return s if len(s) <= n else s[: n - 3] + "..."


#: Input shape and class count, required in every card's ``hparams``.
COMMON_HPARAMS: dict[str, IntRange] = {
    "in_channels": IntRange(1, 4096),
    "n_classes": IntRange(2, 10_000),
    "length": IntRange(1, 1_000_000),
}

_FILTERS, _KERNELS = IntList(1, 1024, 1, 16), IntList(1, 512, 1, 16)
#: Backbone hyperparameters per architecture: type and documented range. Cross-field rules
#: (FCN's ``kernel_sizes`` as long as ``n_filters``, Kachuee's minimum length) are checked by the
#: backbone itself during the ``meta`` build; the total size by :data:`MAX_PARAMETERS`.
ARCH_HPARAMS: dict[str, dict[str, IntRange | IntList | RealRange]] = {
    "fcn": {"n_filters": _FILTERS, "kernel_sizes": _KERNELS},
    "resnet": {"n_filters": IntRange(1, 1024), "kernel_sizes": _KERNELS},
    "inceptiontime": {"depth": IntRange(1, 60), "n_filters": IntRange(1, 512),
                      "bottleneck": IntRange(1, 512), "kernel_size": IntRange(4, 512)},
    "lstm_fcn": {"hidden_size": IntRange(1, 4096), "dropout": RealRange(0.0, 1.0),
                 "n_filters": _FILTERS, "kernel_sizes": _KERNELS},
    "macnn": {"n_filters": IntRange(1, 512), "kernel_sizes": IntList(1, 512, 1, 8),
              "n_blocks": IntRange(1, 16), "reduction": IntRange(1, 1024)},
    "mlp": {"hidden": IntList(1, 16_384, 0, 32), "out_dim": IntRange(1, 16_384)},
    "kachuee": {"n_filters": IntRange(1, 1024), "kernel_size": IntRange(1, 512),
                "n_blocks": IntRange(1, 32), "pool_size": IntRange(1, 64),
                "pool_stride": IntRange(1, 64), "fc_dims": IntList(1, 16_384, 1, 16)},
}
#: Accepted in ``hparams`` and ignored (written by early versions).
_IGNORED_HPARAMS = {"seed": IntRange(0, 2**63 - 1)}


def check_hparams(arch: str, hparams: Any, where: str) -> dict[str, Any]:
    """Check a card's ``hparams`` for ``arch`` against :data:`COMMON_HPARAMS` and
    :data:`ARCH_HPARAMS`; returns the build arguments (``seed`` dropped).

    Missing backbone hyperparameters take the backbone's defaults; unknown ones are refused.
    """
    if not isinstance(hparams, dict):
        raise CheckpointError(f"{where}: hparams must be a JSON object, got {type(hparams).__name__}")
    missing = [k for k in COMMON_HPARAMS if k not in hparams]
    if missing:
        raise CheckpointError(f"{where}: hparams must hold in_channels, n_classes and length; lacks {missing}")
    specs = {**COMMON_HPARAMS, **ARCH_HPARAMS[arch]}
    unknown = sorted(set(hparams) - set(specs) - set(_IGNORED_HPARAMS))
    if unknown:
        raise CheckpointError(f"{where}: unknown hyperparameter(s) {_short(unknown)} for {arch}; "
                              f"known: {sorted(specs)}")
    for name, value in hparams.items():
        (specs.get(name) or _IGNORED_HPARAMS[name]).check(name, value, where)
    return {k: v for k, v in hparams.items() if k in specs}


def check_card(card: Any, where: str) -> dict[str, Any]:
    """Check a parsed card: a JSON object with ``format`` (:data:`CARD_FORMAT`), ``arch`` (a key
    of :data:`ARCH_HPARAMS`) and ``hparams`` (see :func:`check_hparams`). Other fields are free.

    Returns
    -------
    dict
        The card itself (unchanged).

    Raises
    ------
    CheckpointError
        Naming ``where`` and the offending key.
    """
    if not isinstance(card, dict):
        raise CheckpointError(f"{where}: the card must be a JSON object, got {type(card).__name__}")
    missing = [k for k in ("format", "arch", "hparams") if k not in card]
    if missing:
        raise CheckpointError(f"{where}: card lacks {missing} (needed to rebuild the network)")
    if card["format"] != CARD_FORMAT:
        raise CheckpointError(f"{where}: card format must be {CARD_FORMAT!r}, got {_short(card['format'])}")
    arch = card["arch"]
    if not isinstance(arch, str) or arch not in ARCH_HPARAMS:
        raise CheckpointError(f"{where}: unknown architecture {_short(arch)}; "
                              f"choose one of: {', '.join(ARCH_HPARAMS)}")
    check_hparams(arch, card["hparams"], where)
    return card
