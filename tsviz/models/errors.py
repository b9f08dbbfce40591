"""The models family's error classes."""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["ModelError"]


class ModelError(TsvizError):
    """An architecture, hyperparameter or model input that tsviz cannot use (unknown architecture,
    a hyperparameter out of range, series or labels of the wrong shape). Checkpoint problems are
    its subclass :class:`~tsviz.models.card_schema.CheckpointError`. A ``ValueError``, so callers
    that catch ``ValueError`` keep working."""
