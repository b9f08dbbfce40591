"""The training family's error class."""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["TrainingError"]


class TrainingError(TsvizError):
    """Bad training parameters, recipe hyperparameters, models or inputs; a :class:`ValueError`.
    The message names the parameter."""
