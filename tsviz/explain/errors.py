"""The explanation family's error class."""
from __future__ import annotations

from tsviz.core.errors import TsvizError

__all__ = ["ExplainError"]


class ExplainError(TsvizError):
    """Bad explanation parameters or inputs (NeuroMask, attributions, faithfulness curves, the
    backdoor demo); a :class:`ValueError`. The message names the parameter."""
