"""Figures of the Certify page: certified accuracy vs radius, radius vs pA, a certified signal with
its equal-energy band, pA and margin histograms, ablations, attack success and soundness checks.

Randomized smoothing (Cohen, Rosenfeld & Kolter 2019, "Certified adversarial robustness via
randomized smoothing") and its self-ensemble variant (Dong, Li, Zheng, Chen & Zhang, CIKM 2024, "Boosting Certified
Robustness for Time Series Classification with Efficient Self-Ensemble", Figures 2-6 and Table 4). Radii are
L2 norms in signal units (``"mV"`` for ECG).

Pure functions from plain numpy arrays, pandas DataFrames and dicts (no :mod:`tsviz.certify`
import) to a :class:`plotly.graph_objects.Figure`; plotly is imported inside each function.
One colour per curve label (:data:`CURVE_COLORS`, by order of appearance); the decision
boundaries (``pA = 0.5``, ``z = 0``) are drawn in red, means in green.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.attack_figures import ATTACK_COLORS
from tsviz.viz.checks import (
    check_frame as _frame,
)
from tsviz.viz.checks import (
    check_items as _items,
)
from tsviz.viz.checks import (
    check_unit as _unit,
)
from tsviz.viz.checks import (
    check_vector as _vector,
)
from tsviz.viz.style import (
    DEFAULT_HEIGHT,
    OUTCOME_COLORS,
    apply_layout,
    class_names_checked,
    decimate_minmax,
    time_axis,
    with_alpha,
)
from tsviz.viz.style import add_note as _note

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

__all__ = [
    "accuracy_radius_figure", "radius_pa_figure", "certified_signal_figure", "pa_histogram_figure",
    "margin_figure", "ablation_figure", "attack_success_figure", "soundness_figure",
    "CURVE_COLORS", "SIGNAL_COLOR", "BOUNDARY_COLOR", "MEAN_COLOR", "SOUNDNESS_COLORS",
    "KIND_SYMBOLS", "NOT_CERTIFIED_TEXT",
]

#: One colour per curve / model / classifier, by order of first appearance.
CURVE_COLORS: tuple[str, ...] = ATTACK_COLORS
#: The certified series and its band.
SIGNAL_COLOR = "#1F77B4"
#: Decision boundaries: ``pA = 0.5`` and margin ``z = 0``.
BOUNDARY_COLOR = "#D62728"
#: Mean lines of the ``c_A`` histograms.
MEAN_COLOR = "#2CA02C"
#: Soundness-check outcomes: the smoothed prediction changed class, abstained, or held.
SOUNDNESS_COLORS = {"changed": OUTCOME_COLORS["misclassified"], "abstained": "#7F7F7F",
                    "unchanged": OUTCOME_COLORS["correct"]}
#: Marker symbol per kind of soundness perturbation (other kinds get ``"square"``).
KIND_SYMBOLS = {"pgd": "diamond", "random": "circle"}
#: Title part of a series that was not certified.
NOT_CERTIFIED_TEXT = "not certified (abstained)"


# --------------------------------------------------------------------------- helpers
def _color(j: int) -> str:
    return CURVE_COLORS[j % len(CURVE_COLORS)]


def _number(v: Any, name: str, *, positive: bool = False) -> float:
    """A finite number ``>= 0`` (``> 0`` if ``positive``)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)) \
            or not np.isfinite(v) or v < 0 or (positive and v == 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {v!r}")
    return float(v)


def _edges(arrays: Sequence[np.ndarray], bins: int, lo: float | None = None,
           hi: float | None = None) -> np.ndarray:
    """``bins + 1`` equal bin edges shared by all ``arrays`` (over ``[lo, hi]`` when given)."""
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer)) \
            or not 2 <= int(bins) <= 500:
        raise ValueError(f"bins must be an integer in [2, 500], got {bins!r}")
    pooled = np.concatenate(arrays)
    a = float(pooled.min()) if lo is None else lo
    b = float(pooled.max()) if hi is None else hi
    if b - a <= 1e-12 * max(abs(a), abs(b), 1.0):  # one value: a narrow range around it
        half = 0.05 * abs(a) if a != 0 else 0.5
        a, b = a - half, b + half
    return np.linspace(a, b, int(bins) + 1)


def _bars(values: np.ndarray, edges: np.ndarray, name: str, color: str, xu: str, **kw: Any) -> Any:
    """A histogram of ``values`` over ``edges`` as a semi-transparent bar trace (numpy counts)."""
    import plotly.graph_objects as go

    counts, _ = np.histogram(values, bins=edges)
    return go.Bar(
        x=0.5 * (edges[:-1] + edges[1:]), y=counts, width=edges[1] - edges[0], name=name,
        marker={"color": color, "line": {"width": 0}}, opacity=0.5,
        customdata=np.stack([edges[:-1], edges[1:]], axis=1),
        hovertemplate=(f"{name}<br>%{{customdata[0]:.3g}}–%{{customdata[1]:.3g}} {xu}"
                       "<br>%{y}<extra></extra>"), **kw)


def _lines(fig: Any, frame: "pd.DataFrame", x: str, y: str, group: str | None, *, scale: float,
           hover: str) -> None:
    """One lines+markers trace of ``frame[y] * scale`` against ``frame[x]`` per ``group`` value
    (order of first appearance), sorted by ``x`` when numeric."""
    import pandas as pd
    import plotly.graph_objects as go

    keys = list(dict.fromkeys(frame[group].astype(str))) if group else [None]
    for j, key in enumerate(keys):
        sub = frame if key is None else frame[frame[group].astype(str) == key]
        xs = sub[x]
        if pd.api.types.is_numeric_dtype(xs):
            sub = sub.iloc[np.argsort(xs.to_numpy(dtype=np.float64), kind="stable")]
        yv = pd.to_numeric(sub[y], errors="coerce").to_numpy(dtype=np.float64) * scale
        name = key if key is not None else y
        fig.add_trace(go.Scatter(
            x=sub[x].tolist(), y=yv, mode="lines+markers", name=name, legendgroup=name,
            line={"color": _color(j), "width": 2}, marker={"size": 7},
            hovertemplate=f"{name}<br>{hover}<extra></extra>",
        ))


# --------------------------------------------------------------------------- accuracy vs radius
def accuracy_radius_figure(curves: Mapping[str, Any], *, unit: str = "",
                           title: str | None = None, threshold: float | None = None,
                           threshold_label: str | None = None) -> "go.Figure":
    """Certified accuracy against the L2 radius, one step line per curve (paper Figs. 4-6).

    Parameters
    ----------
    curves : dict label -> (radii, certified_accuracy)
        For each model / sigma / ensemble size: ``radii`` ``(m,)`` (``>= 0``, in ``unit``) and the
        certified accuracy ``(m,)`` in ``[0, 1]`` at each radius (e.g.
        :func:`tsviz.certify.accuracy_vs_radius`). Points are sorted by radius.
    unit : str
        Signal unit of the radii (``"mV"``); empty for "signal units".
    title : str, optional
    threshold : float, optional
        A radius (``>= 0``, in ``unit``) drawn as a dashed vertical line, e.g. the L2 norm of the
        clinical visibility threshold (:func:`tsviz.certify.invisible_l2`: 0.684 mV for 0.05 mV
        peak on a 187-sample beat). None: no line.
    threshold_label : str, optional
        Its annotation (default ``"threshold <value> <unit>"``).

    Returns
    -------
    plotly.graph_objects.Figure
        One ``hv``-shaped line trace per label (in dict order), x ``"L2 radius (unit)"``,
        y ``"Certified accuracy (%)"`` on ``[0, 100]`` (accuracy times 100); with ``threshold``, one
        vertical line shape at it, annotated.

    Raises
    ------
    ValueError
        ``curves`` empty or not a dict, a value not a pair of equally long 1-D arrays, negative
        radii or accuracies outside ``[0, 1]``.
    """
    import plotly.graph_objects as go

    u = _unit(unit)
    fig = go.Figure()
    for j, (label, pair) in enumerate(_items(curves, "curves")):
        if not isinstance(pair, (tuple, list, np.ndarray)) or len(pair) != 2:
            raise ValueError(f"curves[{label!r}] must be a pair (radii, certified_accuracy)")
        r = _vector(pair[0], f"curves[{label!r}] radii", lo=0.0)
        acc = _vector(pair[1], f"curves[{label!r}] certified_accuracy", lo=0.0, hi=1.0)
        if r.shape != acc.shape:
            raise ValueError(f"curves[{label!r}]: radii {r.shape} and certified_accuracy "
                             f"{acc.shape} differ in length")
        order = np.argsort(r, kind="stable")
        fig.add_trace(go.Scatter(
            x=r[order], y=100.0 * acc[order], mode="lines", line_shape="hv", name=label,
            line={"color": _color(j), "width": 2},
            hovertemplate=f"{label}<br>r = %{{x:.3g}} {u}<br>%{{y:.1f}}% certified<extra></extra>",
        ))
    apply_layout(fig, title=title or "Certified accuracy vs L2 radius",
                 xaxis_title=f"L2 radius ({u})", yaxis_title="Certified accuracy (%)",
                 uirevision="certify:accuracy-radius", legend_title="model")
    fig.update_yaxes(range=[-2, 102])
    fig.update_xaxes(rangemode="tozero")
    if threshold is not None:
        t = _vector([threshold], "threshold", lo=0.0)[0]
        fig.add_vline(x=float(t), line={"dash": "dot", "color": "#555555", "width": 1.5},
                      annotation_text=threshold_label or f"threshold {t:.3g} {u}",
                      annotation_position="top right")
    return fig


# --------------------------------------------------------------------------- radius vs pA
def radius_pa_figure(frame: "pd.DataFrame", *, sigma: float, unit: str = "",
                     title: str | None = None) -> "go.Figure":
    """Certified L2 radius against the top-class probability ``pA`` per bound (paper Fig. 2).

    Parameters
    ----------
    frame : DataFrame
        Column ``"pA"`` in ``[0.5, 1]`` and one column of radii (in ``unit``, ``>= 0``) per
        curve, e.g. ``"Cohen"``, ``"Renyi (sup over orders)"``, ``"Renyi a=2"``. Non-finite radii
        (``pA = 1`` gives an infinite Cohen radius) are left out.
    sigma : float
        Noise level of the bounds (``> 0``, in ``unit``), shown in the title.
    unit : str
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace per radius column (in column order), x ``"pA (probability)"``,
        y ``"Certified L2 radius (unit)"``.

    Raises
    ------
    ValueError
        Not a DataFrame, no ``"pA"`` or no other column, ``pA`` outside ``[0.5, 1]``, negative
        radii, ``sigma <= 0``.
    """
    import pandas as pd
    import plotly.graph_objects as go

    frame = _frame(frame, "frame", ["pA"])
    s = _number(sigma, "sigma", positive=True)
    u = _unit(unit)
    cols = [c for c in frame.columns if c != "pA"]
    if not cols:
        raise ValueError("frame must have at least one radius column besides 'pA'")
    pa = _vector(frame["pA"], "frame['pA']", lo=0.5, hi=1.0)
    order = np.argsort(pa, kind="stable")
    fig = go.Figure()
    for j, c in enumerate(cols):
        r = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64)[order]
        ok = np.isfinite(r)
        if (r[ok] < 0).any():
            raise ValueError(f"frame[{c!r}] holds negative radii")
        fig.add_trace(go.Scatter(
            x=pa[order][ok], y=r[ok], mode="lines", name=str(c),
            line={"color": _color(j), "width": 2},
            hovertemplate=f"{c}<br>pA = %{{x:.3f}}<br>r = %{{y:.3g}} {u}<extra></extra>",
        ))
    apply_layout(fig, title=title or f"Certified radius vs pA (σ = {s:g} {u})",
                 xaxis_title="pA (probability)", yaxis_title=f"Certified L2 radius ({u})",
                 uirevision="certify:radius-pa", legend_title="bound")
    fig.update_yaxes(rangemode="tozero")
    return fig


# --------------------------------------------------------------------------- certified signal
def _class_text(k: Any, names: tuple[str, ...] | None, name: str, allow_abstain: bool) -> str:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"{name} must be an integer class index, got {k!r}")
    k = int(k)
    if allow_abstain and k == -1:
        return "abstain"
    if k < 0 or (names is not None and k >= len(names)):
        hi = len(names) if names is not None else "K"
        raise ValueError(f"{name} must be a class index in [0, {hi})"
                         f"{' or -1 (abstain)' if allow_abstain else ''}, got {k}")
    return names[k] if names is not None else str(k)


def certified_signal_figure(x: Any, radius: float, *, fs: float | None, unit: str = "",
                            title: str | None = None, channel_names: Sequence[str] | None = None,
                            prediction: int | None = None, label: int | None = None,
                            class_names: Sequence[str] | None = None) -> "go.Figure":
    """One series with the band of perturbations its certified L2 radius covers.

    A perturbation ``delta`` with ``||delta||_2 <= r`` cannot change the smoothed prediction.
    Spread with equal energy over all ``C·T`` samples, each sample moves by at most
    ``r / sqrt(C·T)``: the shaded band ``x ± r/√(C·T)``. Concentrated on a single time step it
    could move that one step by up to ``±r`` (stated in an annotation).

    Parameters
    ----------
    x : ndarray, shape ``(C, T)`` (or ``(T,)`` for one channel)
        The series, in ``unit``.
    radius : float
        Certified L2 radius (``>= 0``, in ``unit``); ``0`` means not certified (abstained): no
        band, and the title says :data:`NOT_CERTIFIED_TEXT`.
    fs : float or None
        Sampling frequency (Hz): time in seconds (``index / fs``), else in steps.
    unit : str
    title : str, optional
        Start of the title (default ``"Series"``); the true class, prediction and radius follow.
    channel_names : sequence of str, optional
        ``C`` names for the row axes.
    prediction : int, optional
        Class index of the smoothed prediction (``-1``: abstain).
    label : int, optional
        True class index.
    class_names : sequence of str, optional
        Names of the class indices (else the indices are shown).

    Returns
    -------
    plotly.graph_objects.Figure
        One row per channel sharing the time axis (x ``"Time (s)"``, y ``"<channel> (unit)"``);
        per channel the band's upper edge, its filled lower edge (legend
        ``"equal-energy band ±r/√(C·T) = ±h unit"``) and the signal: ``3·C`` traces (``C`` when
        not certified). Long series are decimated (min/max per bucket).

    Raises
    ------
    ValueError
        ``x`` not ``(C, T)``/``(T,)`` or not finite, negative or non-finite ``radius``, bad
        ``fs``, ``channel_names`` not of length ``C``, class indices out of range.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"x must have shape (C, T) or (T,), got {np.shape(x)}")
    if not np.isfinite(a).all():
        raise ValueError("x must hold finite values")
    r = _number(radius, "radius")
    if fs is not None:
        _number(fs, "fs", positive=True)
    u = _unit(unit)
    C, T = a.shape
    chans = (class_names_checked(channel_names, C, "channel_names") if channel_names is not None
             else tuple(f"Channel {c}" if C > 1 else "Amplitude" for c in range(C)))
    names = class_names_checked(class_names) if class_names is not None else None
    parts = [title or "Series"]
    if label is not None:
        parts.append(f"true {_class_text(label, names, 'label', False)}")
    if prediction is not None:
        parts.append(f"predicted {_class_text(prediction, names, 'prediction', True)}")
    parts.append(f"certified L2 radius r = {r:.3g} {u}" if r > 0 else NOT_CERTIFIED_TEXT)
    half = r / np.sqrt(C * T)
    t, xtitle = time_axis(T, fs)
    tu = "s" if fs else "step"
    band = f"equal-energy band ±r/√(C·T) = ±{half:.3g} {u}"
    fig = make_subplots(rows=C, cols=1, shared_xaxes=True,
                        vertical_spacing=min(0.04, 0.3 / (C - 1)) if C > 1 else 0.0)
    for c in range(C):
        keep = decimate_minmax(a[c])
        tc, xc = t[keep], a[c, keep]
        if r > 0:
            fig.add_trace(go.Scatter(
                x=tc, y=xc + half, mode="lines", line={"width": 0, "color": SIGNAL_COLOR},
                name="band upper edge", legendgroup="band", showlegend=False, hoverinfo="skip",
            ), row=c + 1, col=1)
            fig.add_trace(go.Scatter(
                x=tc, y=xc - half, mode="lines", line={"width": 0, "color": SIGNAL_COLOR},
                fill="tonexty", fillcolor=with_alpha(SIGNAL_COLOR, 0.25), name=band,
                legendgroup="band", showlegend=c == 0,
                hovertemplate=(f"{band}<br>(one step alone: up to ±{r:.3g} {u})"
                               "<extra></extra>"),
            ), row=c + 1, col=1)
        fig.add_trace(go.Scatter(
            x=tc, y=xc, mode="lines", name="signal", legendgroup="signal", showlegend=c == 0,
            line={"color": SIGNAL_COLOR, "width": 1.4},
            hovertemplate=f"{chans[c]}<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}<extra></extra>",
        ), row=c + 1, col=1)
        fig.update_yaxes(title_text=f"{chans[c]} ({u})", row=c + 1, col=1)
    fig.update_xaxes(title_text=xtitle, row=C, col=1)
    apply_layout(fig, title=" · ".join(parts), height=max(DEFAULT_HEIGHT, 170 * C + 130),
                 uirevision="certify:signal", legend_title="")
    fig.update_layout(legend={"orientation": "h", "x": 0.0, "y": -0.18, "xanchor": "left", "yanchor": "top"})
    if r > 0:
        fig.add_annotation(
            text=(f"a perturbation on a single time step could move it by up to ±r = ±{r:.3g} {u}; "
                  f"spread evenly over all {C * T} samples: ±{half:.3g} {u}"),
            x=1.0, y=1.0, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
            showarrow=False, font={"size": 11, "color": "#555555"})
    return fig


# --------------------------------------------------------------------------- pA histogram
def pa_histogram_figure(p_lower: Mapping[str, Any], *, bins: int = 50,
                        title: str | None = None) -> "go.Figure":
    """Overlaid histograms of the lower confidence bound on ``pA`` per model.

    A series is certified when its bound exceeds 0.5 (dashed red line); the legend gives the share.

    Parameters
    ----------
    p_lower : dict label -> ndarray ``(n,)``
        ``CertResult.p_lower`` per model, in ``[0, 1]``.
    bins : int
        Equal bins over ``[0, 1]``, 2 to 500.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One semi-transparent bar trace per label (counts per bin, ``barmode="overlay"``), legend
        ``"<label> (x% > 0.5)"``, x ``"Lower bound on pA (probability)"``, y ``"Series (count)"``;
        one dashed vertical line at 0.5.

    Raises
    ------
    ValueError
        ``p_lower`` empty or not a dict, values not finite 1-D arrays in ``[0, 1]``, bad ``bins``.
    """
    import plotly.graph_objects as go

    items = [(k, _vector(v, f"p_lower[{k!r}]", 0.0, 1.0)) for k, v in _items(p_lower, "p_lower")]
    edges = _edges([v for _, v in items], bins, 0.0, 1.0)
    fig = go.Figure()
    for j, (label, v) in enumerate(items):
        fig.add_trace(_bars(v, edges, f"{label} ({100 * np.mean(v > 0.5):.0f}% > 0.5)", _color(j),
                            "", legendgroup=label))
    fig.add_vline(x=0.5, line={"dash": "dash", "color": BOUNDARY_COLOR, "width": 1.5})
    apply_layout(fig, title=title or "Lower bound on pA (certified when > 0.5)",
                 xaxis_title="Lower bound on pA (probability)", yaxis_title="Series (count)",
                 uirevision="certify:pa-hist", legend_title="model")
    fig.update_layout(barmode="overlay", bargap=0.0)
    fig.update_xaxes(range=[0, 1.0])
    return fig


# --------------------------------------------------------------------------- margins
def margin_figure(margins: Mapping[str, Any], top_scores: Mapping[str, Any], *, bins: int = 50,
                  title: str | None = None) -> "go.Figure":
    """Classification margins and top-class scores under noise per model (paper Fig. 3).

    Parameters
    ----------
    margins : dict label -> ndarray ``(m,)``
        Margins ``z = c_A - max_{i != A} c_i`` of softmax scores, one per noise draw (pooled over
        series), in ``[-1, 1]``.
    top_scores : dict label -> ndarray ``(m,)``
        The matching ``c_A`` in ``[0, 1]``; same labels and lengths as ``margins``.
    bins : int
        Equal bins per subplot (shared by the labels), 2 to 500.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Left: one semi-transparent bar trace of ``z`` per label (legend
        ``"<label> · P(z > 0) = x%"``) and a red vertical line at ``z = 0``; right: one bar trace
        of ``c_A`` per label, each followed by a green vertical line trace at its mean (per label
        in order: ``z`` bars, ``c_A`` bars, mean line; ``3 ·`` labels traces).
        x ``"Margin z (softmax score difference)"`` / ``"c_A (softmax score)"``,
        y ``"Noise draws (count)"``.

    Raises
    ------
    ValueError
        Empty or mismatched dicts, lengths that differ, values out of range or not finite.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    zs = [(k, _vector(v, f"margins[{k!r}]", -1.0, 1.0)) for k, v in _items(margins, "margins")]
    tops = dict(_items(top_scores, "top_scores"))
    if set(tops) != {k for k, _ in zs}:
        raise ValueError(f"top_scores must have the labels of margins {[k for k, _ in zs]}, "
                         f"got {list(tops)}")
    cs = []
    for k, z in zs:
        c = _vector(tops[k], f"top_scores[{k!r}]", 0.0, 1.0)
        if c.shape != z.shape:
            raise ValueError(f"top_scores[{k!r}] {c.shape} and margins[{k!r}] {z.shape} differ "
                             "in length")
        cs.append(c)
    ez = _edges([z for _, z in zs], bins)
    ec = _edges(cs, bins)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        "Classification margin z = c_A − max c_i", "Top-class score c_A (green: mean)"))
    for j, ((label, z), c) in enumerate(zip(zs, cs)):
        color = _color(j)
        fig.add_trace(_bars(z, ez, f"{label} · P(z > 0) = {100 * np.mean(z > 0):.1f}%", color, "",
                            legendgroup=label), row=1, col=1)
        bar = _bars(c, ec, label, color, "", legendgroup=label, showlegend=False)
        fig.add_trace(bar, row=1, col=2)
        m = float(c.mean())
        fig.add_trace(go.Scatter(
            x=[m, m], y=[0, int(np.max(bar.y))], mode="lines", name=f"mean c_A · {label}",
            legendgroup=label, showlegend=False,
            line={"color": MEAN_COLOR, "width": 2, "dash": ("solid", "dash", "dot", "dashdot")[j % 4]},
            hovertemplate=f"{label}<br>mean c_A = {m:.3f}<extra></extra>",
        ), row=1, col=2)
    fig.add_vline(x=0.0, line={"color": BOUNDARY_COLOR, "width": 2}, row=1, col=1)
    fig.update_xaxes(title_text="Margin z (softmax score difference)", row=1, col=1)
    fig.update_xaxes(title_text="c_A (softmax score)", row=1, col=2)
    fig.update_yaxes(title_text="Noise draws (count)", rangemode="tozero")
    apply_layout(fig, title=title or "Classification margins and top-class scores under noise",
                 height=420, uirevision="certify:margins", legend_title="model")
    fig.update_layout(barmode="overlay", bargap=0.0)
    return fig


# --------------------------------------------------------------------------- ablation
def ablation_figure(frame: "pd.DataFrame", *, x: str, y: str = "ACR", group: str | None = None,
                    unit: str = "", x_unit: str = "", title: str | None = None) -> "go.Figure":
    """A metric against an ablated hyperparameter (ensemble size, keep ratio; paper Figs. 5-6).

    Parameters
    ----------
    frame : DataFrame
        Columns ``x``, ``y`` and ``group`` (if given), one row per setting. Numeric ``x`` is
        sorted; otherwise the row order is kept.
    x, y : str
        Columns of the hyperparameter and the metric (default ``"ACR"``, the average certified
        radius).
    group : str, optional
        Column whose values give one line each (e.g. ``"mask"``: ``M_B``/``M_C``).
    unit : str
        Unit of ``y``; for ``y="ACR"`` an empty unit reads "signal units".
    x_unit : str
        Unit of ``x`` (``"count"``, ``"fraction"``), shown in the axis title when given.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One lines+markers trace per ``group`` value (one in all without ``group``), x ``"x
        (x_unit)"``, y ``"y (unit)"``. An empty frame gives the note "no ablation results".

    Raises
    ------
    ValueError
        Not a DataFrame, missing columns.
    """
    import plotly.graph_objects as go

    for nm, v in (("x", x), ("y", y)):
        if not isinstance(v, str) or not v:
            raise ValueError(f"{nm} must be a column name, got {v!r}")
    if group is not None and not isinstance(group, str):
        raise ValueError(f"group must be a column name or None, got {group!r}")
    frame = _frame(frame, "frame", [x, y] + ([group] if group else []))
    yu = _unit(unit) if (unit or y.upper() == "ACR") else ""
    if not isinstance(x_unit, str):
        raise ValueError(f"x_unit must be a string, got {x_unit!r}")
    fig = go.Figure()
    if len(frame):
        _lines(fig, frame, x, y, group, scale=1.0, hover=f"{x} %{{x}}<br>{y} %{{y:.4g}} {yu}")
    else:
        _note(fig, "no ablation results")
    apply_layout(fig, title=title or f"{y} vs {x}", xaxis_title=f"{x} ({x_unit})" if x_unit else x,
                 yaxis_title=f"{y} ({yu})" if yu else y, uirevision=f"certify:ablation:{x}:{y}",
                 legend_title=group or "", showlegend=bool(group))
    return fig


# --------------------------------------------------------------------------- attack success
def attack_success_figure(frame: "pd.DataFrame", *, unit: str = "",
                          title: str | None = None) -> "go.Figure":
    """Attack success rate against the L2 budget per classifier (paper Table 4 as curves).

    Parameters
    ----------
    frame : DataFrame
        Columns ``"classifier"`` (``"Benign"``, ``"Single"``, ``"M_B"``...), ``"eps"`` (L2
        budget in ``unit``) and ``"asr"`` in ``[0, 1]``; one row per classifier and eps.
    unit : str
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One lines+markers trace per classifier (order of first appearance, sorted by eps),
        x ``"L2 budget eps (unit)"``, y ``"Attack success rate (%)"`` (asr times 100) on
        ``[0, 100]``. An empty frame gives the note "no attack results".

    Raises
    ------
    ValueError
        Not a DataFrame, missing columns, ``asr`` outside ``[0, 1]``, negative ``eps``.
    """
    import plotly.graph_objects as go

    frame = _frame(frame, "frame", ["classifier", "eps", "asr"])
    u = _unit(unit)
    fig = go.Figure()
    if len(frame):
        _vector(frame["eps"], "frame['eps']", lo=0.0)
        _vector(frame["asr"], "frame['asr']", 0.0, 1.0)
        _lines(fig, frame, "eps", "asr", "classifier", scale=100.0,
               hover=f"eps %{{x:.3g}} {u}<br>ASR %{{y:.1f}}%")
    else:
        _note(fig, "no attack results")
    apply_layout(fig, title=title or "Attack success rate vs L2 budget",
                 xaxis_title=f"L2 budget eps ({u})", yaxis_title="Attack success rate (%)",
                 uirevision="certify:asr", legend_title="classifier")
    fig.update_yaxes(range=[-2, 102])
    fig.update_xaxes(rangemode="tozero")
    return fig


# --------------------------------------------------------------------------- soundness
def _flags(frame: "pd.DataFrame", col: str) -> np.ndarray:
    v = np.asarray(frame[col])
    if v.dtype != bool:
        if not np.isin(v, (0, 1)).all():
            raise ValueError(f"frame[{col!r}] must hold booleans")
        v = v.astype(bool)
    return v


def soundness_figure(frame: "pd.DataFrame", *, unit: str = "",
                     title: str | None = None) -> "go.Figure":
    """Perturbation norms against certified radii of the checks of a certificate.

    A sound certificate is never broken by a perturbation inside its radius: no red point below the
    diagonal ``norm = radius``. With Monte Carlo certification at level ``alpha`` such a break
    can still happen, with probability at most ``alpha`` per series.

    Parameters
    ----------
    frame : DataFrame
        One row per check: ``"idx"`` (series index), ``"radius"`` (certified, ``>= 0``),
        ``"norm"`` (L2 norm of the tested perturbation, ``>= 0``), ``"kind"`` (``"pgd"`` or
        ``"random"``), ``"changed"`` (bool: the smoothed prediction moved to another class) and
        ``"abstained"`` (bool).
    unit : str
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        A dashed ``"norm = radius"`` line trace, then one marker trace per kind and outcome
        present (``"<kind> · changed"`` red, ``"<kind> · abstained"`` grey, ``"<kind> ·
        unchanged"`` green; ``changed`` wins over ``abstained``); symbols from
        :data:`KIND_SYMBOLS`. x ``"Certified L2 radius (unit)"``, y ``"Perturbation L2 norm
        (unit)"``; the title gives the change rate and the changes within the radius. An empty
        frame gives the note "no soundness checks" (no traces).

    Raises
    ------
    ValueError
        Not a DataFrame, missing columns, negative or non-finite radius/norm, non-boolean flags.
    """
    import plotly.graph_objects as go

    frame = _frame(frame, "frame", ["idx", "radius", "norm", "kind", "changed", "abstained"])
    u = _unit(unit)
    fig = go.Figure()
    if not len(frame):
        _note(fig, "no soundness checks")
        apply_layout(fig, title=title or "Soundness checks", uirevision="certify:soundness",
                     xaxis_title=f"Certified L2 radius ({u})",
                     yaxis_title=f"Perturbation L2 norm ({u})")
        return fig
    r = _vector(frame["radius"], "frame['radius']", lo=0.0)
    nrm = _vector(frame["norm"], "frame['norm']", lo=0.0)
    changed, abst = _flags(frame, "changed"), _flags(frame, "abstained")
    kind = frame["kind"].astype(str).to_numpy()
    status = np.where(changed, "changed", np.where(abst, "abstained", "unchanged"))
    hi = 1.05 * max(float(r.max()), float(nrm.max()), 1e-12)
    fig.add_trace(go.Scatter(x=[0, hi], y=[0, hi], mode="lines", name="norm = radius",
                             line={"dash": "dash", "color": "#555555", "width": 1.5},
                             hoverinfo="skip"))
    custom = np.stack([frame["idx"].astype(str).to_numpy(), kind, status], axis=1)
    for k in dict.fromkeys(kind):
        for st in ("changed", "abstained", "unchanged"):
            m = (kind == k) & (status == st)
            if m.any():
                fig.add_trace(go.Scatter(
                    x=r[m], y=nrm[m], mode="markers", name=f"{k} · {st}",
                    marker={"symbol": KIND_SYMBOLS.get(k, "square"), "size": 9, "opacity": 0.85,
                            "color": SOUNDNESS_COLORS[st], "line": {"width": 0.5, "color": "white"}},
                    customdata=custom[m],
                    hovertemplate=("series #%{customdata[0]} · %{customdata[1]}<br>radius %{x:.3g} "
                                   f"{u}<br>norm %{{y:.3g}} {u}<br>%{{customdata[2]}}<extra></extra>"),
                ))
    n, nc = len(frame), int(changed.sum())
    inside = int((changed & (nrm < r)).sum())
    apply_layout(fig, title=title or (f"Soundness checks: {nc}/{n} changed the prediction "
                                      f"({100 * nc / n:.1f}%), {inside} within the certified radius"),
                 xaxis_title=f"Certified L2 radius ({u})", yaxis_title=f"Perturbation L2 norm ({u})",
                 uirevision="certify:soundness", legend_title="check · outcome")
    fig.update_xaxes(range=[0, hi])
    fig.update_yaxes(range=[0, hi])
    return fig
