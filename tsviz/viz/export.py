"""Export of figures and tables for download buttons: standalone HTML, PNG (optional), CSV."""
from __future__ import annotations

import importlib.util
import logging
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["figure_html", "figure_png", "frame_csv", "png_export_available"]

log = logging.getLogger(__name__)


def figure_html(fig: "go.Figure") -> bytes:
    """Standalone HTML page of ``fig``, UTF-8 encoded.

    plotly.js is embedded (``include_plotlyjs=True``, about 4.5 MB), so the file opens offline.
    The result is a full page (``<!doctype html><html>...``).
    """
    return fig.to_html(full_html=True, include_plotlyjs=True).encode("utf-8")


def png_export_available() -> bool:
    """Whether the optional ``kaleido`` package (static image export) is installed."""
    return importlib.util.find_spec("kaleido") is not None


def figure_png(fig: "go.Figure", *, scale: float = 2) -> bytes | None:
    """PNG bytes of ``fig`` rendered with ``kaleido``, or ``None`` when that is impossible.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    scale : float
        Pixel density multiplier (``2`` -> twice the layout's width/height), ``0 < scale <= 8``.

    Returns
    -------
    bytes or None
        ``None`` when ``kaleido`` (an optional dependency, not in the requirements) is missing or
        fails (e.g. no Chrome for kaleido >= 1); a warning says why in the latter case.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= 8:
        raise ValueError(f"scale must be a number in (0, 8], got {scale!r}")
    if not png_export_available():
        log.debug("PNG export skipped: kaleido is not installed")
        return None
    try:
        return fig.to_image(format="png", scale=scale)
    # kaleido's own errors (no Chrome, a renderer crash, a timeout) have no common base class but
    # Exception; the export is optional, so any of them becomes a warning and None.
    except Exception as exc:  # noqa: BLE001
        warnings.warn(f"PNG export failed ({type(exc).__name__}: {exc}); use the HTML export",
                      RuntimeWarning, stacklevel=2)
        return None


def frame_csv(df: "pd.DataFrame") -> bytes:
    """CSV (UTF-8, header, no index column) of a DataFrame, e.g. a result's ``to_frame()``."""
    return df.to_csv(index=False).encode("utf-8")
