"""The augmentation family's error class."""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["AugmentError"]


class AugmentError(TsvizError):
    """Bad augmentation or ODENet parameters or inputs; a :class:`ValueError`. The message names
    the parameter."""
