"""Explanation methods compared on one series: one row per method (NeuroMask mask, |saliency|,
|integrated gradients| ...), each relevance drawn as a band behind the same signal.

A pure function from numpy arrays to a :class:`plotly.graph_objects.Figure` (plotly imported
inside); drawing pieces in :mod:`tsviz.viz.relevance_panels`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tsviz.viz.checks import check_channel, check_fs, check_items, check_signal, check_unit
from tsviz.viz.relevance_panels import (
    STYLES,
    add_relevance_coloraxis,
    add_relevance_panel,
    amplitude_range,
    check_option,
    check_relevance,
    normalised_relevance,
)
from tsviz.viz.style import DEFAULT_HEIGHT, apply_layout, legend_below, time_axis

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["method_grid_figure"]


# --------------------------------------------------------------------------- methods
def method_grid_figure(x: Any, relevances: Mapping[str, Any], *, fs: float | None = None,
                       unit: str = "", style: str = "band", channel: int = 0,
                       title: str | None = None) -> "go.Figure":
    """One series explained by several methods: one row per method, shared time axis.

    Parameters
    ----------
    x : ndarray, shape ``(C, T)`` or ``(T,)``
        The series in ``unit``; channel ``channel`` is drawn in every row.
    relevances : dict method -> ndarray ``(T,)``
        Non-negative relevance per method (NeuroMask mask, |saliency|, |IG|...), in dict order;
        each divided by its own max.
    fs : float, optional
    unit : str
    style : {"band", "line"}
    channel : int
        Channel of ``x`` drawn (relevance is per time step, shared by the channels).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One row per method (subplot title = method name, ``" (all zero)"`` appended when its
        relevance is all zero), y ``"<method> (unit)"``, x ``"Time (s)"``/``"Time step"`` on the
        bottom row; per row 2 traces (``"band"``) or 1 (``"line"``); one colourbar.

    Raises
    ------
    ValueError
        ``relevances`` empty or not a dict, a relevance not ``(T,)`` or negative/non-finite, bad
        ``x``, ``channel``, ``style``, ``fs`` or ``unit``.
    """
    from plotly.subplots import make_subplots

    a = check_signal(x, "x")
    C, T = a.shape
    ch = check_channel(channel, C)
    items = [(k, check_relevance(v, T, f"relevances[{k!r}]")) for k, v in check_items(relevances, "relevances")]
    style = check_option(style, "style", STYLES)
    f = check_fs(fs)
    u = check_unit(unit)
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    xc = a[ch]
    yr = amplitude_range(xc)
    M = len(items)
    names = [k + ("" if r.any() else " (all zero)") for k, r in items]
    fig = make_subplots(rows=M, cols=1, shared_xaxes=True, subplot_titles=names,
                        vertical_spacing=min(0.08, 0.4 / (M - 1)) if M > 1 else 0.0)
    for j, (k, r) in enumerate(items):
        add_relevance_panel(fig, t, xc, normalised_relevance(r), style=style, dt=dt, yr=yr, tu=tu, u=u, label=k,
               threshold=None, row=j + 1, col=1, first=j == 0)
        fig.update_yaxes(title_text=f"{k} ({u})", row=j + 1, col=1)
    fig.update_xaxes(title_text=xtitle, row=M, col=1)
    add_relevance_coloraxis(fig, title="Relevance<br>(each by its max)")
    chan = f" · channel {ch}" if C > 1 else ""
    apply_layout(fig, title=title or f"Relevance by method{chan}",
                 height=max(DEFAULT_HEIGHT, 150 * M + 130), uirevision="explain:methods",
                 legend_title="")
    legend_below(fig)
    return fig
