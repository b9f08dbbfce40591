"""Shared pieces of the relevance figures: checks, normalisation, the relevance band or
relevance-coloured line drawn under/over a series, and the one relevance colour axis.

Relevance is drawn with one shared colour axis (:data:`RELEVANCE_COLORSCALE`, ``[0, 1]``, one
colourbar): as a heat band behind the signal (``style="band"``) or as markers on the signal
coloured by relevance (``style="line"``). Methods get :data:`METHOD_COLORS` by order. Used by
:mod:`tsviz.viz.relevance_figures`, :mod:`tsviz.viz.method_figures`,
:mod:`tsviz.viz.neuromask_figures`, :mod:`tsviz.viz.faithfulness_figures` and
:mod:`tsviz.viz.backdoor_figures`; plotly is imported inside the functions that draw.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tsviz.viz.attack_figures import ATTACK_COLORS
from tsviz.viz.style import decimate_minmax

__all__ = [
    "RELEVANCE_COLORSCALE", "METHOD_COLORS", "SIGNAL_COLOR", "HIGHLIGHT_COLOR", "STYLES", "MAX_BAND_CELLS",
    "MAX_MARKERS", "method_color", "figure_title", "check_relevance", "normalised_relevance", "check_option",
    "check_threshold", "amplitude_range", "band_cells", "add_relevance_coloraxis", "add_relevance_panel",
    "channel_labels",
]

#: Colour scale of relevance in ``[0, 1]`` (white = irrelevant, dark red = most relevant).
RELEVANCE_COLORSCALE = "Reds"
#: One colour per explanation method (faithfulness curves, AUC bars), by order of appearance.
METHOD_COLORS: tuple[str, ...] = ATTACK_COLORS
#: The explained series, drawn over the relevance band.
SIGNAL_COLOR = "#202020"
#: Steps whose normalised relevance reaches ``threshold``.
HIGHLIGHT_COLOR = "#1F77B4"
#: ``style`` values of the relevance figures.
STYLES = ("band", "line")
#: Most cells of one relevance band; longer relevance is max-pooled over equal buckets.
MAX_BAND_CELLS = 5000
#: Most points of a relevance-coloured (``style="line"``) trace; longer series are decimated
#: (min/max per bucket of the signal and of the relevance, so peaks of both survive).
MAX_MARKERS = 5000


def method_color(j: int) -> str:
    """Colour of the ``j``-th method (:data:`METHOD_COLORS`, cycling)."""
    return METHOD_COLORS[j % len(METHOD_COLORS)]


def figure_title(title: Any, default: str) -> str:
    """``title``, or ``default`` when it is ``None``/empty; ValueError if not a string."""
    if title is None or title == "":
        return default
    if not isinstance(title, str):
        raise ValueError(f"title must be a string, got {title!r}")
    return title


def check_relevance(r: Any, T: int, name: str, x_name: str = "x") -> np.ndarray:
    """``r`` as a finite, non-negative float array ``(T,)``; ValueError naming ``name``."""
    try:
        a = np.asarray(r, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of numbers") from None
    if a.ndim == 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 1:
        raise ValueError(f"{name} must have shape (T,), got {np.shape(r)}; reduce channels "
                         "first (relevance_from_attribution)")
    if a.shape[0] != T:
        raise ValueError(f"{name} has length {a.shape[0]}, {x_name} has {T} time steps")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must hold finite values (no NaN or inf)")
    if a.min() < 0:
        raise ValueError(f"{name} must be non-negative, got a minimum of {a.min():.4g}; pass "
                         "|attribution| (relevance_from_attribution)")
    return a


def normalised_relevance(r: np.ndarray, scale: float | None = None) -> np.ndarray:
    """``r / scale`` (default ``r.max()``), zeros when the scale is 0."""
    s = float(r.max()) if scale is None else float(scale)
    return r / s if s > 0 else np.zeros_like(r)


def check_option(v: Any, name: str, choices: Sequence[str]) -> str:
    """``v`` if it is one of the strings ``choices``; ValueError naming ``name`` otherwise."""
    if not isinstance(v, str) or v not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {v!r}")
    return v


def check_threshold(threshold: Any) -> float | None:
    """A normalised-relevance threshold in ``[0, 1]``, or ``None``."""
    if threshold is None:
        return None
    if isinstance(threshold, (bool, np.bool_)) \
            or not isinstance(threshold, (int, float, np.integer, np.floating)) \
            or not np.isfinite(threshold) or not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a number in [0, 1] (normalised relevance) or None, "
                         f"got {threshold!r}")
    return float(threshold)


def amplitude_range(*rows: np.ndarray) -> tuple[float, float]:
    """Amplitude range of the given rows with a 5 % margin (a unit span around a flat signal)."""
    lo = min(float(r.min()) for r in rows)
    hi = max(float(r.max()) for r in rows)
    span = hi - lo
    pad = 0.05 * span if span > 1e-12 * max(abs(lo), abs(hi), 1.0) else max(0.5 * abs(lo), 0.5)
    return lo - pad, hi + pad


def band_cells(rel: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Band values ``(B,)`` and cell edges ``(B + 1,)`` in time units for relevance ``(T,)``: one
    cell per step centred on it, or the max over equal buckets when ``T >`` :data:`MAX_BAND_CELLS`."""
    T = rel.shape[0]
    if T <= MAX_BAND_CELLS:
        return rel, (np.arange(T + 1, dtype=np.float64) - 0.5) * dt
    bounds = np.unique(np.linspace(0, T, MAX_BAND_CELLS + 1).round().astype(np.int64))
    z = np.maximum.reduceat(rel, bounds[:-1])
    return z, (bounds.astype(np.float64) - 0.5) * dt


def add_relevance_coloraxis(fig: Any, title: str = "Relevance<br>(normalised)", **colorbar: Any) -> None:
    """The figure's one colour axis: :data:`RELEVANCE_COLORSCALE` on ``[0, 1]`` with a colourbar
    titled ``title`` (``colorbar`` overrides its placement)."""
    cb = {"title": {"text": title, "side": "top"}, "thickness": 14, "len": 0.8, "y": 0.5,
          "yanchor": "middle", "x": 1.02, "xanchor": "left", "outlinewidth": 0}
    cb.update(colorbar)
    fig.update_layout(coloraxis={"colorscale": RELEVANCE_COLORSCALE, "cmin": 0.0, "cmax": 1.0,
                                 "colorbar": cb})


def add_relevance_panel(fig: Any, t: np.ndarray, xc: np.ndarray, rel: np.ndarray, *, style: str, dt: float,
           yr: tuple[float, float], tu: str, u: str, label: str, threshold: float | None,
           row: int, col: int, first: bool, rel_name: str = "relevance") -> None:
    """One series ``xc`` ``(T,)`` with its normalised relevance ``rel`` ``(T,)`` in one subplot.

    ``style="band"``: a heatmap band over the amplitude range ``yr`` behind the signal, then the
    signal (2 traces); ``"line"``: the signal as lines + markers coloured by relevance (1 trace).
    Plus, when ``threshold`` is given, one trace of the steps with ``rel >= threshold``.
    """
    import plotly.graph_objects as go

    if style == "band":
        z, edges = band_cells(rel, dt)
        fig.add_trace(go.Heatmap(
            z=z[None], x=edges, y=list(yr), coloraxis="coloraxis", zsmooth=False, opacity=0.85,
            name=f"{label} · {rel_name}", showlegend=False,
            hovertemplate=f"{label}<br>%{{x:.3f}} {tu}<br>{rel_name} %{{z:.2f}}<extra></extra>",
        ), row=row, col=col)
        keep = decimate_minmax(xc)
        fig.add_trace(go.Scatter(
            x=t[keep], y=xc[keep], mode="lines", name="signal", legendgroup="signal",
            showlegend=first, line={"color": SIGNAL_COLOR, "width": 1.4},
            hovertemplate=f"{label}<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}<extra></extra>",
        ), row=row, col=col)
    else:
        keep = np.union1d(decimate_minmax(xc, MAX_MARKERS), decimate_minmax(rel, MAX_MARKERS))
        rk = rel[keep]
        fig.add_trace(go.Scatter(
            x=t[keep], y=xc[keep], mode="lines+markers", name="signal (colour: relevance)",
            legendgroup="signal", showlegend=first, line={"color": "#8C8C8C", "width": 1.2},
            marker={"color": rk, "coloraxis": "coloraxis", "size": 1.0 + 7.0 * rk,
                    "line": {"width": 0}},
            customdata=rk,
            hovertemplate=(f"{label}<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}<br>{rel_name} "
                           "%{customdata:.2f}<extra></extra>"),
        ), row=row, col=col)
    if threshold is not None:
        hit = np.flatnonzero(rel >= threshold)
        fig.add_trace(go.Scatter(
            x=t[hit], y=xc[hit], mode="markers", name=f"{rel_name} ≥ {threshold:g}",
            legendgroup="threshold", showlegend=first,
            marker={"color": HIGHLIGHT_COLOR, "size": 6, "symbol": "circle-open",
                    "line": {"width": 1.5, "color": HIGHLIGHT_COLOR}},
            hovertemplate=f"{label}<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}<extra>{rel_name} ≥ "
                          f"{threshold:g}</extra>",
        ), row=row, col=col)
    fig.update_yaxes(range=list(yr), row=row, col=col)


def channel_labels(C: int) -> tuple[str, ...]:
    """Axis label of each of ``C`` channels: ``"Amplitude"`` for one, ``"Channel c"`` for several."""
    return tuple(f"Channel {c}" if C > 1 else "Amplitude" for c in range(C))
