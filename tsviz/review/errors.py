"""The review family's error class."""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["ReviewError"]


class ReviewError(TsvizError):
    """Bad input to a review computation (series, sampling rate, unit, model, file or provenance);
    the message names the parameter, key or series."""
