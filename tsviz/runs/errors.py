"""The run store's error: :class:`RunStoreError` (a :class:`tsviz.core.TsvizError`, so a ``ValueError``)."""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["RunStoreError"]


class RunStoreError(TsvizError):
    """The run store cannot be opened or used (bad URL or file, unknown run, bad name or value).

    The message names the database path or URL (password hidden), the run or study id, or the
    parameter at fault; it never quotes file content.
    """
