"""The attack family's error class."""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["AttackError"]


class AttackError(TsvizError):
    """Bad attack hyperparameters or inputs; a :class:`ValueError`. The message names the parameter."""
