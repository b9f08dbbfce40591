"""Error classes of :mod:`tsviz.certify`.

Every error the certify package raises on purpose for bad input is a :class:`CertifyError` (a
:class:`~tsviz.core.TsvizError`, hence also a ``ValueError``); a certification over the cost cap of
:func:`tsviz.core.check_cost` raises :class:`CertifyCostError`, which is both a ``CertifyError`` and
a :class:`~tsviz.core.CostError`.
"""
from __future__ import annotations

from tsviz.core import CostError, TsvizError

__all__ = ["CertifyError", "CertifyCostError"]


class CertifyError(TsvizError):
    """Bad input to certification: parameters, series, labels, masks, a model whose output is not
    finite, or a result checked against other inputs than those it certified."""


class CertifyCostError(CertifyError, CostError):
    """A certification whose total cost (model evaluations) exceeds the cap ``TSVIZ_MAX_COST``."""
