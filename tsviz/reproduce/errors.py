"""Error classes of :mod:`tsviz.reproduce`.

Every error the reproduction framework raises on purpose is a :class:`ReproduceError` (a
:class:`~tsviz.core.TsvizError`, hence also a ``ValueError``), so the CLI and the Reproduce page
show it as a one-line message.
"""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["ReproduceError"]


class ReproduceError(TsvizError):
    """Bad input to a reproduction: an unknown target or mode, a bad override, a bad data folder."""
