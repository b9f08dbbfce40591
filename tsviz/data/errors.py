"""The one exception type for bad data."""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["DataError"]


class DataError(TsvizError):
    """A dataset, file or spec that tsviz cannot use.

    The message names the problem and where it is (file, row, column, parameter) so a user can act
    on it. Subclasses :class:`ValueError`, so callers that catch ``ValueError`` keep working.
    """
