"""Shared look of every tsviz figure: class colours, layout defaults, time axes, decimation.

No plotly import at module level: the helpers that touch a figure receive it from the caller.

- One qualitative colour per class index, the same in every figure: D3 (Bostock, d3-scale-
  chromatic "category10") for up to 10 classes, then plotly's "Alphabet" (26) and cycling.
- :func:`apply_layout`: white template, a title, axis titles with units, margins that keep tick
  labels and titles inside the figure, the legend to the right, ``uirevision`` so zoom and
  legend toggles survive a Streamlit rerun, and a default height of 380 px.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "CLASS_PALETTE", "class_color", "class_colors", "with_alpha", "apply_layout", "time_axis",
    "decimate_minmax", "stride_indices", "SPLIT_COLORS", "METRIC_COLORS", "OUTCOME_COLORS",
    "MISCLASSIFIED_COLOR", "DEFAULT_HEIGHT", "MAX_POINTS_PER_TRACE", "FONT", "class_names_checked",
]

#: D3 category10, the palette for up to 10 classes.
CLASS_PALETTE: tuple[str, ...] = (
    "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD",
    "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF",
)
#: plotly's qualitative "Alphabet" palette, used when a dataset has more than 10 classes.
_ALPHABET: tuple[str, ...] = (
    "#AA0DFE", "#3283FE", "#85660D", "#782AB6", "#565656", "#1C8356", "#16FF32", "#F7E1A0",
    "#E2E2E2", "#1CBE4F", "#C4451C", "#DEA0FD", "#FE00FA", "#325A9B", "#FEAF16", "#F8A19F",
    "#90AD1C", "#F6222E", "#1CFFCE", "#2ED9FF", "#B10DA1", "#C075A6", "#FC1CBF", "#B00068",
    "#FBE426", "#FA0087",
)
#: Colours of the train/test bars (not class colours: they encode the split).
SPLIT_COLORS = {"train": "#4C78A8", "test": "#F58518"}
#: Colours of the precision/recall/F1 bars (plotly "Safe" palette).
METRIC_COLORS = {"precision": "#88CCEE", "recall": "#CC6677", "f1": "#332288"}
#: Correct vs misclassified (entropy histograms).
OUTCOME_COLORS = {"correct": "#2CA02C", "misclassified": "#D62728"}
#: Outline of misclassified points in latent scatters.
MISCLASSIFIED_COLOR = "#000000"
DEFAULT_HEIGHT = 380
#: Longest trace drawn; longer series are decimated (min/max per bucket keeps the peaks).
MAX_POINTS_PER_TRACE = 20_000
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 13}


def class_colors(n_classes: int) -> list[str]:
    """Colour of each of ``n_classes`` classes (hex strings); class ``k`` always gets entry ``k``
    of the same palette for a given ``K``."""
    if n_classes < 1:
        raise ValueError(f"n_classes must be at least 1, got {n_classes}")
    pal = CLASS_PALETTE if n_classes <= len(CLASS_PALETTE) else _ALPHABET
    return [pal[k % len(pal)] for k in range(n_classes)]


def class_color(k: int, n_classes: int) -> str:
    """Colour (hex) of class index ``k`` among ``n_classes`` classes."""
    return class_colors(n_classes)[int(k) % max(n_classes, 1)]


def with_alpha(hex_color: str, alpha: float) -> str:
    """``"#RRGGBB"`` -> ``"rgba(r, g, b, alpha)"`` (for translucent bands)."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def time_axis(length: int, fs: float | None) -> tuple[np.ndarray, str]:
    """Time values ``(T,)`` and the axis title: seconds (``"Time (s)"``) when ``fs`` (Hz) is
    known, else ``"Time step"``."""
    t = np.arange(length, dtype=np.float64)
    if fs:
        return t / float(fs), "Time (s)"
    return t, "Time step"


def stride_indices(n: int, max_points: int = MAX_POINTS_PER_TRACE) -> np.ndarray:
    """Evenly strided indices keeping at most ``max_points`` of ``n`` (first and last kept)."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))


def decimate_minmax(y: np.ndarray, max_points: int = MAX_POINTS_PER_TRACE) -> np.ndarray:
    """Indices into ``y`` ``(T,)`` keeping the min and max of each of ``max_points // 2``
    buckets, in time order, so sharp peaks (R waves) survive; ``arange(T)`` if short enough."""
    y = np.asarray(y)
    T = y.shape[0]
    if T <= max_points:
        return np.arange(T)
    n_buckets = max(1, max_points // 2)
    width = int(np.ceil(T / n_buckets))
    pad = n_buckets * width - T
    yp = np.concatenate([y, np.repeat(y[-1:], pad)]) if pad else y
    blocks = yp.reshape(n_buckets, width)
    base = np.arange(n_buckets) * width
    lo = np.minimum(base + blocks.argmin(axis=1), T - 1)
    hi = np.minimum(base + blocks.argmax(axis=1), T - 1)
    return np.unique(np.concatenate([lo, hi]))


def apply_layout(fig: Any, *, title: str, xaxis_title: str | None = None,
                 yaxis_title: str | None = None, height: int | None = None,
                 uirevision: str | None = None, legend_title: str | None = None,
                 showlegend: bool | None = None) -> Any:
    """Apply the common tsviz layout to ``fig`` in place and return it.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    title : str
        Figure title (top left).
    xaxis_title, yaxis_title : str, optional
        Titles of the first x/y axes, with units (``"Time (s)"``, ``"Amplitude (mV)"``).
    height : int, optional
        Pixels; default :data:`DEFAULT_HEIGHT`.
    uirevision : str, optional
        Stable key so zoom/legend state persists across Streamlit reruns; default ``title``.
    legend_title : str, optional
    showlegend : bool, optional
    """
    layout: dict[str, Any] = {
        "template": "plotly_white",
        "title": {"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top",
                  "font": {"size": 16}},
        "font": dict(FONT),
        "height": int(height or DEFAULT_HEIGHT),
        "margin": {"l": 70, "r": 30, "t": 70, "b": 60, "pad": 2},
        "legend": {"yanchor": "top", "y": 1.0, "xanchor": "left", "x": 1.02,
                   "bgcolor": "rgba(255,255,255,0.8)", "font": {"size": 12}},
        "hoverlabel": {"font": {"size": 12}},
        "uirevision": uirevision or title,
    }
    if legend_title:
        layout["legend"]["title"] = {"text": legend_title}
    if showlegend is not None:
        layout["showlegend"] = showlegend
    fig.update_layout(**layout)
    if xaxis_title is not None:
        fig.layout.xaxis.title.text = xaxis_title
    if yaxis_title is not None:
        fig.layout.yaxis.title.text = yaxis_title
    fig.update_xaxes(automargin=True, title_standoff=8)
    fig.update_yaxes(automargin=True, title_standoff=8)
    return fig


def class_names_checked(class_names: Sequence[str], n_classes: int | None = None,
                        name: str = "class_names") -> tuple[str, ...]:
    """``class_names`` as a tuple of str; ValueError naming ``name`` if empty, a bare string,
    or not of length ``n_classes``."""
    if isinstance(class_names, str):
        raise ValueError(f"{name} must be a sequence of names, not a string")
    names = tuple(str(c) for c in class_names)
    if not names:
        raise ValueError(f"{name} must not be empty")
    if n_classes is not None and len(names) != n_classes:
        raise ValueError(f"{name} has {len(names)} names, expected {n_classes}")
    return names


def add_note(fig: Any, text: str) -> None:
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"color": "#7F7F7F", "size": 14})


def legend_below(fig: Any) -> None:
    """A horizontal legend about 60 px below the plot area (under the time axis title)."""
    height = int(fig.layout.height or DEFAULT_HEIGHT)
    bottom = 100
    plot = max(height - 70 - bottom, 100)
    fig.update_layout(margin={"b": bottom}, legend={
        "orientation": "h", "x": 0.0, "y": -62.0 / plot, "xanchor": "left", "yanchor": "top"})
