"""Figures of the Explain page: relevance masks over a series, clean vs adversarial relevance, a
grid of explanation methods, the NeuroMask mask evolving over its optimisation, the loss
components, deletion/insertion faithfulness curves and their AUCs, and a backdoor-trigger demo.

NeuroMask learns a mask ``m`` in ``[0, 1]`` per time step so that the classifier keeps its
decision on ``m * x + (1 - m) * b`` while the mask stays sparse and smooth (dissertation ch. 5,
Fig. 5.4: the mask evolving from noise to a focused region). The Captum baselines (saliency,
integrated gradients, SmoothGrad, occlusion, feature ablation) give signed attributions ``(C, T)``;
:func:`relevance_from_attribution` turns them into a non-negative relevance ``(T,)``. Faithfulness
follows the deletion/insertion protocol (Petsiuk, Das & Saenko 2018, "RISE: Randomized Input
Sampling for Explanation of Black-box Models"): remove (or reveal) the most relevant steps first
and follow the target-class probability; a faithful explanation gives a low deletion AUC and a
high insertion AUC.

Pure functions from plain numpy arrays, pandas DataFrames and dicts (no :mod:`tsviz.explain`
import) to a :class:`plotly.graph_objects.Figure`; plotly is imported inside each function.
Relevance is drawn with one shared colour axis (:data:`RELEVANCE_COLORSCALE`, ``[0, 1]``, one
colourbar): as a heat band behind the signal (``style="band"``) or as markers on the signal
coloured by relevance (``style="line"``). Methods get :data:`METHOD_COLORS` by order.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.attack_figures import ATTACK_COLORS
from tsviz.viz.checks import (
    check_vector as _vector, check_items as _items, check_frame as _frame, check_unit as _unit,
    check_fs as _fs, check_signal as _signal, is_int as _is_int, check_channel as _channel,
)
from tsviz.viz.style import add_note as _note, legend_below as _legend_below
from tsviz.viz.style import (
    DEFAULT_HEIGHT, apply_layout, decimate_minmax, stride_indices, time_axis, with_alpha,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

__all__ = [
    "relevance_figure", "relevance_pair_figure", "method_grid_figure", "mask_evolution_figure",
    "loss_history_figure", "faithfulness_figure", "faithfulness_auc_figure",
    "trigger_mass_figure", "trigger_overlay_figure", "relevance_from_attribution",
    "RELEVANCE_COLORSCALE", "METHOD_COLORS", "SIGNAL_COLOR", "HIGHLIGHT_COLOR", "TRIGGER_COLOR",
    "LOSS_COLORS", "FAITHFULNESS_COLORS", "MASS_COLORS", "STYLES", "KINDS", "BANDS",
    "MAX_BAND_CELLS", "MAX_MARKERS", "MAX_SNAPSHOTS",
]

#: Colour scale of relevance in ``[0, 1]`` (white = irrelevant, dark red = most relevant).
RELEVANCE_COLORSCALE = "Reds"
#: One colour per explanation method (faithfulness curves, AUC bars), by order of appearance.
METHOD_COLORS: tuple[str, ...] = ATTACK_COLORS
#: The explained series, drawn over the relevance band.
SIGNAL_COLOR = "#202020"
#: Steps whose normalised relevance reaches ``threshold``.
HIGHLIGHT_COLOR = "#1F77B4"
#: The backdoor trigger window (shaded rectangle) and triggered inputs.
TRIGGER_COLOR = "#9467BD"
#: Loss components of NeuroMask's objective.
LOSS_COLORS = {"total": "#202020", "pred": "#D62728", "sparse": "#1F77B4", "smooth": "#2CA02C"}
#: Deletion (lower is better) and insertion (higher is better) AUC bars.
FAITHFULNESS_COLORS = {"deletion": "#D62728", "insertion": "#2CA02C"}
#: Clean vs triggered inputs in :func:`trigger_mass_figure`.
MASS_COLORS = {"clean": "#4D4D4D", "triggered": TRIGGER_COLOR}
#: ``style`` values of the relevance figures.
STYLES = ("band", "line")
#: ``kind`` values of :func:`faithfulness_figure`.
KINDS = ("deletion", "insertion")
#: ``band`` values of :func:`faithfulness_figure` (spread over series of 2-D curves).
BANDS = ("std", "iqr", "none")
#: Most cells of one relevance band; longer relevance is max-pooled over equal buckets.
MAX_BAND_CELLS = 5000
#: Most points of a relevance-coloured (``style="line"``) trace; longer series are decimated
#: (min/max per bucket of the signal and of the relevance, so peaks of both survive).
MAX_MARKERS = 5000
#: Most snapshots :func:`mask_evolution_figure` puts on its slider (evenly strided above it,
#: first and last kept).
MAX_SNAPSHOTS = 60

_LOSS_NAMES = {"total": "total", "pred": "prediction", "sparse": "sparsity", "smooth": "smoothness"}


# --------------------------------------------------------------------------- helpers
def _color(j: int) -> str:
    return METHOD_COLORS[j % len(METHOD_COLORS)]


def _title(title: Any, default: str) -> str:
    if title is None or title == "":
        return default
    if not isinstance(title, str):
        raise ValueError(f"title must be a string, got {title!r}")
    return title


def _relevance(r: Any, T: int, name: str, x_name: str = "x") -> np.ndarray:
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


def _normalised(r: np.ndarray, scale: float | None = None) -> np.ndarray:
    """``r / scale`` (default ``r.max()``), zeros when the scale is 0."""
    s = float(r.max()) if scale is None else float(scale)
    return r / s if s > 0 else np.zeros_like(r)


def _choice(v: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(v, str) or v not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {v!r}")
    return v


def _threshold(threshold: Any) -> float | None:
    if threshold is None:
        return None
    if isinstance(threshold, (bool, np.bool_)) \
            or not isinstance(threshold, (int, float, np.integer, np.floating)) \
            or not np.isfinite(threshold) or not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a number in [0, 1] (normalised relevance) or None, "
                         f"got {threshold!r}")
    return float(threshold)


def _y_range(*rows: np.ndarray) -> tuple[float, float]:
    """Amplitude range of the given rows with a 5 % margin (a unit span around a flat signal)."""
    lo = min(float(r.min()) for r in rows)
    hi = max(float(r.max()) for r in rows)
    span = hi - lo
    pad = 0.05 * span if span > 1e-12 * max(abs(lo), abs(hi), 1.0) else max(0.5 * abs(lo), 0.5)
    return lo - pad, hi + pad


def _band_cells(rel: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Band values ``(B,)`` and cell edges ``(B + 1,)`` in time units for relevance ``(T,)``: one
    cell per step centred on it, or the max over equal buckets when ``T >`` :data:`MAX_BAND_CELLS`."""
    T = rel.shape[0]
    if T <= MAX_BAND_CELLS:
        return rel, (np.arange(T + 1, dtype=np.float64) - 0.5) * dt
    bounds = np.unique(np.linspace(0, T, MAX_BAND_CELLS + 1).round().astype(np.int64))
    z = np.maximum.reduceat(rel, bounds[:-1])
    return z, (bounds.astype(np.float64) - 0.5) * dt


def _coloraxis(fig: Any, title: str = "Relevance<br>(normalised)", **colorbar: Any) -> None:
    cb = {"title": {"text": title, "side": "top"}, "thickness": 14, "len": 0.8, "y": 0.5,
          "yanchor": "middle", "x": 1.02, "xanchor": "left", "outlinewidth": 0}
    cb.update(colorbar)
    fig.update_layout(coloraxis={"colorscale": RELEVANCE_COLORSCALE, "cmin": 0.0, "cmax": 1.0,
                                 "colorbar": cb})


def _panel(fig: Any, t: np.ndarray, xc: np.ndarray, rel: np.ndarray, *, style: str, dt: float,
           yr: tuple[float, float], tu: str, u: str, label: str, threshold: float | None,
           row: int, col: int, first: bool, rel_name: str = "relevance") -> None:
    """One series ``xc`` ``(T,)`` with its normalised relevance ``rel`` ``(T,)`` in one subplot.

    ``style="band"``: a heatmap band over the amplitude range ``yr`` behind the signal, then the
    signal (2 traces); ``"line"``: the signal as lines + markers coloured by relevance (1 trace).
    Plus, when ``threshold`` is given, one trace of the steps with ``rel >= threshold``.
    """
    import plotly.graph_objects as go

    if style == "band":
        z, edges = _band_cells(rel, dt)
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


def _channel_names(C: int) -> tuple[str, ...]:
    return tuple(f"Channel {c}" if C > 1 else "Amplitude" for c in range(C))


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
    return np.abs(_signal(attribution, "attribution")).sum(axis=0)


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

    a = _signal(x, "x")
    C, T = a.shape
    rel = _normalised(_relevance(relevance, T, "relevance"))
    style = _choice(style, "style", STYLES)
    thr = _threshold(threshold)
    f = _fs(fs)
    u = _unit(unit)
    if class_name is not None and not isinstance(class_name, str):
        raise ValueError(f"class_name must be a string or None, got {class_name!r}")
    default = "Relevance" + (f" for class {class_name}" if class_name else "")
    if not rel.any():
        default += " (all zero)"
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    chans = _channel_names(C)
    fig = make_subplots(rows=C, cols=1, shared_xaxes=True,
                        vertical_spacing=min(0.04, 0.3 / (C - 1)) if C > 1 else 0.0)
    for c in range(C):
        _panel(fig, t, a[c], rel, style=style, dt=dt, yr=_y_range(a[c]), tu=tu, u=u,
               label=chans[c], threshold=thr, row=c + 1, col=1, first=c == 0)
        fig.update_yaxes(title_text=f"{chans[c]} ({u})", row=c + 1, col=1)
    fig.update_xaxes(title_text=xtitle, row=C, col=1)
    _coloraxis(fig)
    apply_layout(fig, title=_title(title, default), height=max(DEFAULT_HEIGHT, 170 * C + 130),
                 uirevision="explain:relevance", legend_title="")
    _legend_below(fig)
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

    a = _signal(x_clean, "x_clean")
    b = _signal(x_adv, "x_adv")
    if a.shape != b.shape:
        raise ValueError(f"x_adv must have the shape of x_clean {a.shape}, got {b.shape}")
    C, T = a.shape
    rc = _relevance(rel_clean, T, "rel_clean", "x_clean")
    ra = _relevance(rel_adv, T, "rel_adv", "x_adv")
    style = _choice(style, "style", STYLES)
    normalize = _choice(normalize, "normalize", ("joint", "each"))
    thr = _threshold(threshold)
    f = _fs(fs)
    u = _unit(unit)
    if isinstance(titles, str) or not isinstance(titles, Sequence) or len(titles) != 2 \
            or not all(isinstance(s, str) for s in titles):
        raise ValueError(f"titles must be a pair of strings, got {titles!r}")
    if normalize == "joint":
        s = max(float(rc.max()), float(ra.max()))
        rc, ra = _normalised(rc, s), _normalised(ra, s)
    else:
        rc, ra = _normalised(rc), _normalised(ra)
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    chans = _channel_names(C)
    fig = make_subplots(rows=C, cols=2, shared_xaxes=True, horizontal_spacing=0.08,
                        vertical_spacing=min(0.04, 0.3 / (C - 1)) if C > 1 else 0.0,
                        column_titles=list(titles))
    for col, (sig, rel, name) in enumerate(((a, rc, titles[0]), (b, ra, titles[1])), start=1):
        for c in range(C):
            _panel(fig, t, sig[c], rel, style=style, dt=dt, yr=_y_range(a[c], b[c]), tu=tu, u=u,
                   label=f"{name} · {chans[c]}", threshold=thr, row=c + 1, col=col,
                   first=col == 1 and c == 0)
    for c in range(C):
        fig.update_yaxes(title_text=f"{chans[c]} ({u})", row=c + 1, col=1)
    fig.update_xaxes(title_text=xtitle, row=C)
    _coloraxis(fig, title="Relevance<br>(" + ("joint scale" if normalize == "joint"
                                               else "each by its max") + ")")
    apply_layout(fig, title=title or f"Relevance: {titles[0]} vs {titles[1]}",
                 height=max(DEFAULT_HEIGHT, 170 * C + 130), uirevision="explain:relevance-pair",
                 legend_title="")
    _legend_below(fig)
    return fig


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

    a = _signal(x, "x")
    C, T = a.shape
    ch = _channel(channel, C)
    items = [(k, _relevance(v, T, f"relevances[{k!r}]")) for k, v in _items(relevances, "relevances")]
    style = _choice(style, "style", STYLES)
    f = _fs(fs)
    u = _unit(unit)
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    xc = a[ch]
    yr = _y_range(xc)
    M = len(items)
    names = [k + ("" if r.any() else " (all zero)") for k, r in items]
    fig = make_subplots(rows=M, cols=1, shared_xaxes=True, subplot_titles=names,
                        vertical_spacing=min(0.08, 0.4 / (M - 1)) if M > 1 else 0.0)
    for j, (k, r) in enumerate(items):
        _panel(fig, t, xc, _normalised(r), style=style, dt=dt, yr=yr, tu=tu, u=u, label=k,
               threshold=None, row=j + 1, col=1, first=j == 0)
        fig.update_yaxes(title_text=f"{k} ({u})", row=j + 1, col=1)
    fig.update_xaxes(title_text=xtitle, row=M, col=1)
    _coloraxis(fig, title="Relevance<br>(each by its max)")
    chan = f" · channel {ch}" if C > 1 else ""
    apply_layout(fig, title=title or f"Relevance by method{chan}",
                 height=max(DEFAULT_HEIGHT, 150 * M + 130), uirevision="explain:methods",
                 legend_title="")
    _legend_below(fig)
    return fig


# --------------------------------------------------------------------------- mask evolution
def mask_evolution_figure(x: Any, history: Any, steps: Any, *, fs: float | None = None,
                          unit: str = "", channel: int = 0, active: int = -1,
                          title: str | None = None) -> "go.Figure":
    """NeuroMask's mask at snapshots of its optimisation, chosen with a slider (dissertation
    Fig. 5.4: from noise to a focused region).

    Parameters
    ----------
    x : ndarray, shape ``(C, T)`` or ``(T,)``
        The explained series in ``unit``; channel ``channel`` is drawn.
    history : ndarray, shape ``(S, T)``
        The mask at each snapshot. Values in ``[0, 1]`` are drawn as they are; when any exceeds 1
        the whole history is divided by its max (one scale for every snapshot).
    steps : ndarray of int, shape ``(S,)``
        Optimisation step of each snapshot (``>= 0``), in the order of ``history``.
    fs : float, optional
    unit : str
    channel : int
    active : int
        Snapshot shown first (index into the kept snapshots; default the last).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Top row: the mask as a band behind the signal; bottom row: the mask as a line (y
        ``"Mask (0–1)"``). Traces: the signal, then per kept snapshot a heatmap band and a mask
        line (``1 + 2·S'`` traces, ``S' = min(S, MAX_SNAPSHOTS)``, evenly strided with the first
        and last kept), only the active snapshot's visible. ``layout.sliders[0]`` has one step per
        kept snapshot (label = optimisation step, ``method="update"`` toggling visibility and
        the title).

    Raises
    ------
    ValueError
        ``history`` not ``(S, T)`` with ``T`` of ``x``, negative or non-finite; ``steps`` not
        ``S`` integers ``>= 0``; bad ``x``, ``channel``, ``active``, ``fs`` or ``unit``.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    a = _signal(x, "x")
    C, T = a.shape
    ch = _channel(channel, C)
    try:
        h = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("history must be an array of numbers of shape (S, T)") from None
    if h.ndim == 1:
        h = h[None]
    if h.ndim != 2 or h.shape[0] == 0:
        raise ValueError(f"history must have shape (S, T), got {np.shape(history)}")
    if h.shape[1] != T:
        raise ValueError(f"history has masks of length {h.shape[1]}, x has {T} time steps")
    if not np.isfinite(h).all():
        raise ValueError("history must hold finite values (no NaN or inf)")
    if h.min() < 0:
        raise ValueError(f"history must be non-negative, got a minimum of {h.min():.4g}")
    st = np.atleast_1d(np.asarray(steps))
    if st.ndim != 1 or st.shape[0] != h.shape[0]:
        raise ValueError(f"steps must have shape ({h.shape[0]},) (one per history row), "
                         f"got {np.shape(steps)}")
    if st.dtype.kind not in "iu" and not (st.dtype.kind == "f" and np.isfinite(st).all()
                                          and (st == np.round(st)).all()):
        raise ValueError(f"steps must be integers, got dtype {st.dtype}")
    st = st.astype(np.int64)
    if st.min() < 0:
        raise ValueError(f"steps must be >= 0, got {st.min()}")
    f = _fs(fs)
    u = _unit(unit)
    if h.max() > 1.0 + 1e-9:
        h = h / h.max()
    keep = stride_indices(h.shape[0], MAX_SNAPSHOTS)
    h, st = h[keep], st[keep]
    S = h.shape[0]
    if not _is_int(active) or not -S <= int(active) < S:
        raise ValueError(f"active must be an integer in [{-S}, {S}), got {active!r}")
    act = int(active) % S
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    xc = a[ch]
    yr = _y_range(xc)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35],
                        vertical_spacing=0.06)
    idx = decimate_minmax(xc)
    fig.add_trace(go.Scatter(
        x=t[idx], y=xc[idx], mode="lines", name="signal", line={"color": SIGNAL_COLOR, "width": 1.4},
        hovertemplate=f"%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}<extra>signal</extra>",
    ), row=1, col=1)
    for s in range(S):
        z, edges = _band_cells(h[s], dt)
        fig.add_trace(go.Heatmap(
            z=z[None], x=edges, y=list(yr), coloraxis="coloraxis", zsmooth=False, opacity=0.85,
            name=f"mask · step {st[s]}", visible=s == act, showlegend=False,
            hovertemplate=f"step {st[s]}<br>%{{x:.3f}} {tu}<br>mask %{{z:.2f}}<extra></extra>",
        ), row=1, col=1)
        mi = decimate_minmax(h[s])
        fig.add_trace(go.Scatter(
            x=t[mi], y=h[s, mi], mode="lines", name=f"mask · step {st[s]}", visible=s == act,
            showlegend=False, line={"color": "#A50F15", "width": 1.5}, fill="tozeroy",
            fillcolor=with_alpha("#A50F15", 0.15),
            hovertemplate=f"step {st[s]}<br>%{{x:.3f}} {tu}<br>mask %{{y:.3f}}<extra></extra>",
        ), row=2, col=1)
    base = title or "NeuroMask mask during optimisation"

    def _title_at(s: int) -> str:
        return (f"{base} · step {st[s]} · mean mask {h[s].mean():.2f}")

    slider_steps = []
    for s in range(S):
        vis = [True] + [k == s for k in range(S) for _ in (0, 1)]
        slider_steps.append({"label": str(st[s]), "method": "update",
                             "args": [{"visible": vis}, {"title.text": _title_at(s)}]})
    fig.update_yaxes(title_text=f"{'Amplitude' if C == 1 else f'Channel {ch}'} ({u})",
                     range=list(yr), row=1, col=1)
    fig.update_yaxes(title_text="Mask (0–1)", range=[0, 1.05], row=2, col=1)
    fig.update_xaxes(title_text=xtitle, row=2, col=1)
    _coloraxis(fig, title="Mask", len=0.6, y=0.65)
    apply_layout(fig, title=_title_at(act), height=480, uirevision="explain:mask-evolution",
                 showlegend=False)
    fig.update_layout(
        margin={"b": 110},
        sliders=[{"active": act, "steps": slider_steps, "x": 0.0, "len": 1.0, "y": -0.12,
                  "yanchor": "top", "pad": {"t": 30},
                  "currentvalue": {"prefix": "Optimisation step ", "font": {"size": 12}}}])
    return fig


# --------------------------------------------------------------------------- loss
def loss_history_figure(history: "pd.DataFrame", *, log_y: bool = False,
                        title: str | None = None) -> "go.Figure":
    """NeuroMask's loss and its components over the optimisation steps.

    Parameters
    ----------
    history : DataFrame
        Columns ``"step"`` and ``"total"``, and any of ``"pred"`` (prediction term),
        ``"sparse"`` (sparsity) and ``"smooth"`` (smoothness), one row per logged step (sorted
        by step here). Non-finite values are left as gaps.
    log_y : bool
        Logarithmic y axis; values ``<= 0`` are left as gaps then.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace per component present, in the order total, pred, sparse, smooth (legend
        ``"total"``, ``"prediction"``, ``"sparsity"``, ``"smoothness"``), x ``"Optimisation step"``,
        y ``"Loss"`` (``"Loss (log scale)"``). An empty frame gives the note "no loss history".

    Raises
    ------
    ValueError
        Not a DataFrame, ``"step"`` or ``"total"`` missing, non-numeric columns, bad ``log_y``.
    """
    import pandas as pd
    import plotly.graph_objects as go

    frame = _frame(history, "history", ["step", "total"])
    if not isinstance(log_y, (bool, np.bool_)):
        raise ValueError(f"log_y must be a bool, got {log_y!r}")
    cols = [c for c in LOSS_COLORS if c in frame.columns]
    fig = go.Figure()
    ytitle = "Loss (log scale)" if log_y else "Loss"
    if not len(frame):
        _note(fig, "no loss history")
    else:
        for c in ["step"] + cols:
            if not pd.api.types.is_numeric_dtype(frame[c]):
                raise ValueError(f"history[{c!r}] must be numeric, got dtype {frame[c].dtype}")
        sub = frame.sort_values("step", kind="stable")
        step = sub["step"].to_numpy(dtype=np.float64)
        for c in cols:
            v = sub[c].to_numpy(dtype=np.float64)
            v = np.where(np.isfinite(v) & ((v > 0) if log_y else True), v, np.nan)
            fig.add_trace(go.Scatter(
                x=step, y=v, mode="lines", name=_LOSS_NAMES[c],
                line={"color": LOSS_COLORS[c], "width": 2.4 if c == "total" else 1.6},
                hovertemplate=f"{_LOSS_NAMES[c]}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
            ))
    apply_layout(fig, title=title or "NeuroMask loss over optimisation steps",
                 xaxis_title="Optimisation step", yaxis_title=ytitle,
                 uirevision="explain:loss", legend_title="component")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


# --------------------------------------------------------------------------- faithfulness
def _auc(x: np.ndarray, y: np.ndarray) -> float:
    """Trapezoid area under ``y`` over ``x``."""
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x))) if x.shape[0] > 1 else 0.0


def faithfulness_figure(fractions: Any, curves: Mapping[str, Any], *, kind: str = "deletion",
                        target_label: str = "target probability", band: str = "std",
                        title: str | None = None) -> "go.Figure":
    """Deletion or insertion curves per explanation method, with their AUC in the legend.

    Deletion removes the most relevant steps first (replaced by the baseline): a faithful
    explanation makes the target probability fall fast (low AUC). Insertion starts from the
    baseline and reveals the most relevant steps first (high AUC is better).

    Parameters
    ----------
    fractions : ndarray, shape ``(S + 1,)``
        Fraction of the time steps removed (deletion) or revealed (insertion) at each point,
        non-decreasing in ``[0, 1]``.
    curves : dict method -> ndarray ``(S + 1,)`` or ``(n, S + 1)``
        The target probability in ``[0, 1]`` at each fraction, for one series or ``n`` series.
    kind : {"deletion", "insertion"}
    target_label : str
        What the curves measure, for the y axis (``"target probability"``).
    band : {"std", "iqr", "none"}
        Spread drawn around the mean of a 2-D curve: ±1 standard deviation (clipped to
        ``[0, 1]``) or the 25–75 % range over series.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Per method in dict order: for a 2-D curve (and ``band != "none"``) a filled band trace
        (``"<method> ±1 std"`` / ``"<method> IQR"``, not in the legend), then the mean line named
        ``"<method> (AUC 0.123)"``, the AUC being the trapezoid of the mean curve over
        ``fractions``. x ``"Fraction of steps removed"``/``"revealed"`` on ``[0, 1]``, y
        ``"<Target probability> (0–1)"`` on ``[0, 1]``.

    Raises
    ------
    ValueError
        ``fractions`` not non-decreasing in ``[0, 1]``; ``curves`` empty, not a dict, of another
        length than ``fractions``, not 1-D/2-D, outside ``[0, 1]`` or not finite; bad ``kind``,
        ``band`` or ``target_label``.
    """
    import plotly.graph_objects as go

    kind = _choice(kind, "kind", KINDS)
    band = _choice(band, "band", BANDS)
    if not isinstance(target_label, str) or not target_label:
        raise ValueError(f"target_label must be a non-empty string, got {target_label!r}")
    fr = _vector(fractions, "fractions", 0.0, 1.0)
    if (np.diff(fr) < 0).any():
        raise ValueError("fractions must be non-decreasing")
    fig = go.Figure()
    for j, (name, v) in enumerate(_items(curves, "curves")):
        try:
            c = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"curves[{name!r}] must be an array of numbers") from None
        if c.ndim not in (1, 2) or c.size == 0:
            raise ValueError(f"curves[{name!r}] must have shape (S + 1,) or (n, S + 1), got {c.shape}")
        if c.shape[-1] != fr.shape[0]:
            raise ValueError(f"curves[{name!r}] has {c.shape[-1]} points, fractions has {fr.shape[0]}")
        if not np.isfinite(c).all():
            raise ValueError(f"curves[{name!r}] must hold finite values")
        if c.min() < -1e-6 or c.max() > 1 + 1e-6:
            raise ValueError(f"curves[{name!r}] must lie in [0, 1] (probabilities), got values in "
                             f"[{c.min():.4g}, {c.max():.4g}]")
        color = _color(j)
        mean = c.mean(axis=0) if c.ndim == 2 else c
        if c.ndim == 2 and band != "none":
            if band == "std":
                sd = c.std(axis=0)
                lo, hi, bname = np.clip(mean - sd, 0, 1), np.clip(mean + sd, 0, 1), "±1 std"
            else:
                lo, hi = np.percentile(c, [25, 75], axis=0)
                bname = "IQR"
            fig.add_trace(go.Scatter(
                x=np.concatenate([fr, fr[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                fill="toself", fillcolor=with_alpha(color, 0.15), line={"width": 0}, mode="lines",
                name=f"{name} {bname}", legendgroup=name, showlegend=False, hoverinfo="skip",
            ))
        auc = _auc(fr, mean)
        over = f" (mean of {c.shape[0]})" if c.ndim == 2 else ""
        fig.add_trace(go.Scatter(
            x=fr, y=mean, mode="lines+markers", name=f"{name} (AUC {auc:.3f})", legendgroup=name,
            line={"color": color, "width": 2}, marker={"size": 5},
            hovertemplate=(f"{name}{over}<br>%{{x:.2f}} {'removed' if kind == 'deletion' else 'revealed'}"
                           f"<br>{target_label} %{{y:.3f}}<extra></extra>"),
        ))
    better = "lower" if kind == "deletion" else "higher"
    apply_layout(fig, title=title or f"{kind.capitalize()} curves ({better} AUC is better)",
                 xaxis_title=f"Fraction of steps {'removed' if kind == 'deletion' else 'revealed'}",
                 yaxis_title=f"{target_label[0].upper()}{target_label[1:]} (0–1)",
                 uirevision=f"explain:faithfulness:{kind}", legend_title="method (AUC)")
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[-0.02, 1.02])
    return fig


def faithfulness_auc_figure(table: "pd.DataFrame", *, title: str | None = None) -> "go.Figure":
    """Deletion and insertion AUC per method as grouped bars.

    Parameters
    ----------
    table : DataFrame
        Columns ``"method"``, ``"deletion_auc_mean"`` (lower is better) and
        ``"insertion_auc_mean"`` (higher is better), one row per method; optional
        ``"deletion_auc_std"`` / ``"insertion_auc_std"`` give error bars.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces (``barmode="group"``): ``"deletion AUC (lower is better)"`` and
        ``"insertion AUC (higher is better)"``, x = methods in row order, y ``"AUC (0–1)"``,
        values printed on the bars. An empty table gives the note "no faithfulness results".

    Raises
    ------
    ValueError
        Not a DataFrame, missing columns, AUCs not finite or outside ``[0, 1]``, negative std.
    """
    import plotly.graph_objects as go

    frame = _frame(table, "table", ["method", "deletion_auc_mean", "insertion_auc_mean"])
    fig = go.Figure()
    if not len(frame):
        _note(fig, "no faithfulness results")
    else:
        methods = frame["method"].astype(str).tolist()
        for kind, better in (("deletion", "lower"), ("insertion", "higher")):
            col = f"{kind}_auc_mean"
            v = _vector(frame[col], f"table[{col!r}]", 0.0, 1.0)
            err = None
            if f"{kind}_auc_std" in frame.columns:
                sd = _vector(frame[f"{kind}_auc_std"], f"table['{kind}_auc_std']", lo=0.0)
                err = {"type": "data", "array": sd, "visible": True, "thickness": 1.2}
            fig.add_trace(go.Bar(
                x=methods, y=v, name=f"{kind} AUC ({better} is better)", error_y=err,
                marker={"color": FAITHFULNESS_COLORS[kind]}, text=[f"{a:.3f}" for a in v],
                textposition="outside", cliponaxis=False,
                hovertemplate=f"%{{x}}<br>{kind} AUC %{{y:.3f}}<extra></extra>",
            ))
    apply_layout(fig, title=title or "Faithfulness: deletion AUC (lower is better) and insertion "
                 "AUC (higher is better)", xaxis_title="Method", yaxis_title="AUC (0–1)",
                 uirevision="explain:faithfulness-auc", legend_title="")
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 1.08])
    return fig


# --------------------------------------------------------------------------- backdoor trigger
def trigger_mass_figure(mass_clean: Any, mass_triggered: Any, *, window_share: float | None = None,
                        title: str | None = None) -> "go.Figure":
    """Share of the mask mass inside the backdoor trigger window, clean vs triggered inputs.

    A mask that finds the trigger puts much more than the uniform share of its mass in the window
    on triggered inputs (and about the uniform share on clean ones).

    Parameters
    ----------
    mass_clean, mass_triggered : ndarray, shape ``(n,)`` and ``(m,)``
        Per series ``sum(mask[window]) / sum(mask)`` in ``[0, 1]``.
    window_share : float, optional
        The share a uniform mask would give: window length / ``T``, in ``[0, 1]``; drawn as a
        dashed line.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two box traces with every point (``"clean (n=…, mean …)"``, ``"triggered (…)"``), y
        ``"Mask mass in trigger window (share)"`` on ``[0, 1]``; a dashed horizontal line (a
        shape, not a trace) at ``window_share``.

    Raises
    ------
    ValueError
        Values not finite 1-D arrays in ``[0, 1]``, ``window_share`` outside ``[0, 1]``.
    """
    import plotly.graph_objects as go

    mc = _vector(mass_clean, "mass_clean", 0.0, 1.0)
    mt = _vector(mass_triggered, "mass_triggered", 0.0, 1.0)
    if window_share is not None and (
            isinstance(window_share, (bool, np.bool_))
            or not isinstance(window_share, (int, float, np.integer, np.floating))
            or not np.isfinite(window_share) or not 0 <= window_share <= 1):
        raise ValueError(f"window_share must be a number in [0, 1] or None, got {window_share!r}")
    fig = go.Figure()
    for key, v in (("clean", mc), ("triggered", mt)):
        name = f"{key} (n={v.size}, mean {v.mean():.2f})"
        fig.add_trace(go.Box(
            y=v, name=name, boxpoints="all", jitter=0.4, pointpos=0, boxmean=True,
            marker={"color": MASS_COLORS[key], "size": 5, "opacity": 0.6},
            line={"color": MASS_COLORS[key]}, fillcolor=with_alpha(MASS_COLORS[key], 0.15),
            hovertemplate=f"{key}<br>mass in window %{{y:.3f}}<extra></extra>",
        ))
    if window_share is not None:
        fig.add_hline(y=float(window_share), line={"dash": "dash", "color": "#7F7F7F", "width": 1.5},
                      annotation_text=f"uniform mask: {float(window_share):.2f}",
                      annotation_position="top right", annotation_font={"size": 11, "color": "#555555"})
    apply_layout(fig, title=title or "Mask mass inside the trigger window",
                 xaxis_title="Input", yaxis_title="Mask mass in trigger window (share)",
                 uirevision="explain:trigger-mass", showlegend=False)
    fig.update_yaxes(range=[-0.02, 1.02])
    return fig


def trigger_overlay_figure(x_clean: Any, x_triggered: Any, mask_clean: Any, mask_triggered: Any,
                           window: tuple[int, int], *, fs: float | None = None, unit: str = "",
                           channel: int = 0, normalize: str = "joint",
                           title: str | None = None) -> "go.Figure":
    """A clean series and its triggered copy, each with its mask, and the trigger window shaded.

    Parameters
    ----------
    x_clean, x_triggered : ndarray, shape ``(C, T)`` or ``(T,)``
        Same shape, in ``unit``; channel ``channel`` is drawn.
    mask_clean, mask_triggered : ndarray, shape ``(T,)``
        Non-negative masks (relevance) of the two series.
    window : (int, int)
        Trigger window ``[start, end)`` in time steps, ``0 <= start < end <= T``.
    fs : float, optional
    unit : str
    channel : int
    normalize : {"joint", "each"}
        As in :func:`relevance_pair_figure`.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two rows sharing the time axis (``"clean"``, ``"triggered"``), each a mask band (heatmap)
        behind the signal: 4 traces; the window as a shaded rectangle (``layout.shapes``) on both
        rows, labelled "trigger window". y ``"Clean (unit)"`` / ``"Triggered (unit)"``.

    Raises
    ------
    ValueError
        Shapes differ, mask lengths mismatch or masks negative/non-finite, bad ``window``,
        ``channel``, ``normalize``, ``fs`` or ``unit``.
    """
    from plotly.subplots import make_subplots

    a = _signal(x_clean, "x_clean")
    b = _signal(x_triggered, "x_triggered")
    if a.shape != b.shape:
        raise ValueError(f"x_triggered must have the shape of x_clean {a.shape}, got {b.shape}")
    C, T = a.shape
    ch = _channel(channel, C)
    mc = _relevance(mask_clean, T, "mask_clean", "x_clean")
    mt = _relevance(mask_triggered, T, "mask_triggered", "x_triggered")
    normalize = _choice(normalize, "normalize", ("joint", "each"))
    if isinstance(window, (str, bytes)) or not isinstance(window, (Sequence, np.ndarray)) \
            or len(window) != 2 or not all(_is_int(w) for w in window) \
            or not 0 <= int(window[0]) < int(window[1]) <= T:
        raise ValueError(f"window must be a pair of integers (start, end) with 0 <= start < end "
                         f"<= {T}, got {window!r}")
    w0, w1 = int(window[0]), int(window[1])
    f = _fs(fs)
    u = _unit(unit)
    if normalize == "joint":
        s = max(float(mc.max()), float(mt.max()))
        mc, mt = _normalised(mc, s), _normalised(mt, s)
    else:
        mc, mt = _normalised(mc), _normalised(mt)
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    yr = _y_range(a[ch], b[ch])
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for r, (sig, m, name) in enumerate(((a, mc, "clean"), (b, mt, "triggered")), start=1):
        _panel(fig, t, sig[ch], m, style="band", dt=dt, yr=yr, tu=tu, u=u, label=name,
               threshold=None, row=r, col=1, first=r == 1, rel_name="mask")
        label = {"annotation_text": "trigger window", "annotation_position": "top left",
                 "annotation_font": {"size": 11, "color": TRIGGER_COLOR},
                 "annotation_bgcolor": "rgba(255, 255, 255, 0.8)"} if r == 1 else {}
        fig.add_vrect(x0=(w0 - 0.5) * dt, x1=(w1 - 0.5) * dt, row=r, col=1,
                      fillcolor=with_alpha(TRIGGER_COLOR, 0.15), layer="above",
                      line={"color": TRIGGER_COLOR, "width": 1.5, "dash": "dash"}, **label)
        fig.update_yaxes(title_text=f"{name.capitalize()} ({u})", row=r, col=1)
    fig.update_xaxes(title_text=xtitle, row=2, col=1)
    _coloraxis(fig, title="Mask<br>(" + ("joint scale" if normalize == "joint"
                                         else "each by its max") + ")")
    w_txt = f"{w0 * dt:.3f}–{w1 * dt:.3f} s" if f else f"steps {w0}–{w1 - 1}"
    apply_layout(fig, title=title or f"Masks of a clean and a triggered input · trigger {w_txt}",
                 height=460, uirevision="explain:trigger-overlay", legend_title="")
    _legend_below(fig)
    return fig
