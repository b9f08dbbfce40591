"""Relevance over a series: one series with the relevance of each time step (a NeuroMask mask
or a Captum attribution), and a clean series next to its adversarial version.

The Captum baselines (saliency, integrated gradients, SmoothGrad, occlusion, feature ablation) give
signed attributions ``(C, T)``; :func:`relevance_from_attribution` turns them into a non-negative
relevance ``(T,)``. Pure functions from numpy arrays to a :class:`plotly.graph_objects.Figure`
(plotly imported inside each); drawing pieces in :mod:`tsviz.viz.relevance_panels`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.checks import check_fs, check_signal, check_unit
from tsviz.viz.relevance_panels import (
    STYLES,
    add_relevance_coloraxis,
    add_relevance_panel,
    amplitude_range,
    channel_labels,
    check_option,
    check_relevance,
    check_threshold,
    figure_title,
    normalised_relevance,
)
from tsviz.viz.style import DEFAULT_HEIGHT, apply_layout, legend_below, time_axis

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["relevance_from_attribution", "relevance_figure", "relevance_pair_figure"]


# --------------------------------------------------------------------------- attribution
def relevance_from_attribution(attribution: Any) -> np.ndarray:
    """A non-negative relevance ``(T,)`` from a signed attribution ``(C, T)`` or ``(T,)``.

    ``|a|`` summed over channels (in the attribution's units); pass the result to the figures,
    which normalise it by its max.

    Parameters
    ----------
    attribution : ndarray, shape ``(C, T)`` or ``(T,)``
        One series of :func:`tsviz.explain.attribute` (row ``i`` of its ``(n, C, T)`` output).

    Returns
    -------
    ndarray, shape ``(T,)``, float64, ``>= 0``

    Raises
    ------
    ValueError
        Not ``(C, T)``/``(T,)`` or not finite.
    """
    return np.abs(check_signal(attribution, "attribution")).sum(axis=0)


# --------------------------------------------------------------------------- one series
def relevance_figure(x: Any, relevance: Any, *, fs: float | None = None, unit: str = "",
                     title: str = "", style: str = "band", class_name: str | None = None,
                     threshold: float | None = None) -> "go.Figure":
    """One series with the relevance of each time step (a NeuroMask mask or an attribution).

    Parameters
    ----------
    x : ndarray, shape ``(C, T)`` or ``(T,)``
        The series, in ``unit``.
    relevance : ndarray, shape ``(T,)``
        Non-negative relevance per time step, shared by the channels (a mask in ``[0, 1]`` or any
        non-negative scale, e.g. :func:`relevance_from_attribution`). Divided by its max for
        display; an all-zero relevance is drawn as zero.
    fs : float, optional
        Sampling frequency (Hz): time in seconds when given, else in steps.
    unit : str
        Signal unit (``"mV"``); empty reads "signal units".
    title : str
        Default ``"Relevance"`` (``"Relevance for class N"`` with ``class_name``).
    style : {"band", "line"}
        ``"band"``: a heat band (colour scale :data:`RELEVANCE_COLORSCALE`) behind the signal;
        ``"line"``: the signal as a grey line with markers coloured (and sized) by relevance.
    class_name : str, optional
        The explained class, shown in the title.
    threshold : float, optional
        In ``[0, 1]`` (normalised relevance): the steps at or above it are circled in blue.

    Returns
    -------
    plotly.graph_objects.Figure
        One row per channel sharing the time axis (x ``"Time (s)"`` or ``"Time step"``, y
        ``"Amplitude (unit)"`` / ``"Channel c (unit)"``); per channel, ``"band"``: a heatmap and
        the signal (2 traces), ``"line"``: the signal (1 trace), plus one highlight trace with
        ``threshold``. One colourbar ``[0, 1]`` (``layout.coloraxis``).

    Raises
    ------
    ValueError
        ``x`` not ``(C, T)``/``(T,)`` or not finite; ``relevance`` not ``(T,)``, negative, NaN or
        infinite; bad ``fs``, ``unit``, ``style`` or ``threshold``.
    """
    from plotly.subplots import make_subplots

    a = check_signal(x, "x")
    C, T = a.shape
    rel = normalised_relevance(check_relevance(relevance, T, "relevance"))
    style = check_option(style, "style", STYLES)
    thr = check_threshold(threshold)
    f = check_fs(fs)
    u = check_unit(unit)
    if class_name is not None and not isinstance(class_name, str):
        raise ValueError(f"class_name must be a string or None, got {class_name!r}")
    default = "Relevance" + (f" for class {class_name}" if class_name else "")
    if not rel.any():
        default += " (all zero)"
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    chans = channel_labels(C)
    fig = make_subplots(rows=C, cols=1, shared_xaxes=True,
                        vertical_spacing=min(0.04, 0.3 / (C - 1)) if C > 1 else 0.0)
    for c in range(C):
        add_relevance_panel(fig, t, a[c], rel, style=style, dt=dt, yr=amplitude_range(a[c]), tu=tu, u=u,
               label=chans[c], threshold=thr, row=c + 1, col=1, first=c == 0)
        fig.update_yaxes(title_text=f"{chans[c]} ({u})", row=c + 1, col=1)
    fig.update_xaxes(title_text=xtitle, row=C, col=1)
    add_relevance_coloraxis(fig)
    apply_layout(fig, title=figure_title(title, default), height=max(DEFAULT_HEIGHT, 170 * C + 130),
                 uirevision="explain:relevance", legend_title="")
    legend_below(fig)
    return fig


# --------------------------------------------------------------------------- clean vs adversarial
def relevance_pair_figure(x_clean: Any, rel_clean: Any, x_adv: Any, rel_adv: Any, *,
                          fs: float | None = None, unit: str = "",
                          titles: Sequence[str] = ("clean", "adversarial"), style: str = "band",
                          normalize: str = "joint", threshold: float | None = None,
                          title: str | None = None) -> "go.Figure":
    """Relevance of a clean series and of its adversarial version, side by side.

    Parameters
    ----------
    x_clean, x_adv : ndarray, shape ``(C, T)`` or ``(T,)``
        The two series in ``unit``, of the same shape.
    rel_clean, rel_adv : ndarray, shape ``(T,)``
        Their non-negative relevance.
    fs : float, optional
        Sampling frequency (Hz).
    unit : str
    titles : pair of str
        Column titles.
    style : {"band", "line"}
        As in :func:`relevance_figure`.
    normalize : {"joint", "each"}
        ``"joint"`` (default): both relevances divided by the larger of their two maxima, so
        colours compare magnitudes across the columns; ``"each"``: each by its own max (compares
        where, not how much). Either way both columns use the one colour scale ``[0, 1]``.
    threshold : float, optional
        In ``[0, 1]`` (normalised relevance): steps at or above it are circled.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        ``C`` rows by 2 columns (left clean, right adversarial), the same amplitude range per row,
        shared time axes; traces per panel as in :func:`relevance_figure`, left column first
        (``2 · C · k`` traces, ``k`` = 2 for ``"band"``, 1 for ``"line"``, +1 with ``threshold``).

    Raises
    ------
    ValueError
        Shapes differ, lengths mismatch, negative or non-finite relevance, bad ``style``,
        ``normalize``, ``titles``, ``threshold``, ``fs`` or ``unit``.
    """
    from plotly.subplots import make_subplots

    a = check_signal(x_clean, "x_clean")
    b = check_signal(x_adv, "x_adv")
    if a.shape != b.shape:
        raise ValueError(f"x_adv must have the shape of x_clean {a.shape}, got {b.shape}")
    C, T = a.shape
    rc = check_relevance(rel_clean, T, "rel_clean", "x_clean")
    ra = check_relevance(rel_adv, T, "rel_adv", "x_adv")
    style = check_option(style, "style", STYLES)
    normalize = check_option(normalize, "normalize", ("joint", "each"))
    thr = check_threshold(threshold)
    f = check_fs(fs)
    u = check_unit(unit)
    if isinstance(titles, str) or not isinstance(titles, Sequence) or len(titles) != 2 \
            or not all(isinstance(s, str) for s in titles):
        raise ValueError(f"titles must be a pair of strings, got {titles!r}")
    if normalize == "joint":
        s = max(float(rc.max()), float(ra.max()))
        rc, ra = normalised_relevance(rc, s), normalised_relevance(ra, s)
    else:
        rc, ra = normalised_relevance(rc), normalised_relevance(ra)
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    chans = channel_labels(C)
    fig = make_subplots(rows=C, cols=2, shared_xaxes=True, horizontal_spacing=0.08,
                        vertical_spacing=min(0.04, 0.3 / (C - 1)) if C > 1 else 0.0,
                        column_titles=list(titles))
    for col, (sig, rel, name) in enumerate(((a, rc, titles[0]), (b, ra, titles[1])), start=1):
        for c in range(C):
            add_relevance_panel(fig, t, sig[c], rel, style=style, dt=dt, yr=amplitude_range(a[c], b[c]), tu=tu, u=u,
                   label=f"{name} · {chans[c]}", threshold=thr, row=c + 1, col=col,
                   first=col == 1 and c == 0)
    for c in range(C):
        fig.update_yaxes(title_text=f"{chans[c]} ({u})", row=c + 1, col=1)
    fig.update_xaxes(title_text=xtitle, row=C)
    add_relevance_coloraxis(fig, title="Relevance<br>(" + ("joint scale" if normalize == "joint"
                                               else "each by its max") + ")")
    apply_layout(fig, title=title or f"Relevance: {titles[0]} vs {titles[1]}",
                 height=max(DEFAULT_HEIGHT, 170 * C + 130), uirevision="explain:relevance-pair",
                 legend_title="")
    legend_below(fig)
    return fig
