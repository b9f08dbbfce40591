"""The root of tsviz's error hierarchy.

Every error tsviz raises on purpose for bad input is a :class:`TsvizError`, which is also a
:class:`ValueError` (callers that catch ``ValueError`` keep working). Each capability family
subclasses it (``DataError``, ``CheckpointError``, ``AttackError``, ...), so the app and the CLI can
show any of them as a message instead of a traceback.
"""
from __future__ import annotations

__all__ = ["TsvizError"]


class TsvizError(ValueError):
    """Bad input, parameters or files; the message names the problem and where it is."""
