"""NeuroMask's optimisation: the mask at snapshots chosen with a slider, and the loss components.

NeuroMask learns a mask ``m`` in ``[0, 1]`` per time step so that the classifier keeps its
decision on ``m * x + (1 - m) * b`` while the mask stays sparse and smooth (dissertation ch. 5,
Fig. 5.4: the mask evolving from noise to a focused region). Pure functions from numpy arrays and
DataFrames to a :class:`plotly.graph_objects.Figure` (plotly imported inside each).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.checks import check_channel, check_frame, check_fs, check_signal, check_unit, is_int
from tsviz.viz.relevance_panels import SIGNAL_COLOR, add_relevance_coloraxis, amplitude_range, band_cells
from tsviz.viz.style import add_note, apply_layout, decimate_minmax, stride_indices, time_axis, with_alpha

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["mask_evolution_figure", "loss_history_figure", "LOSS_COLORS", "MAX_SNAPSHOTS"]

#: Loss components of NeuroMask's objective.
LOSS_COLORS = {"total": "#202020", "pred": "#D62728", "sparse": "#1F77B4", "smooth": "#2CA02C"}
#: Most snapshots :func:`mask_evolution_figure` puts on its slider (evenly strided above it,
#: first and last kept).
MAX_SNAPSHOTS = 60

_LOSS_NAMES = {"total": "total", "pred": "prediction", "sparse": "sparsity", "smooth": "smoothness"}


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

    a = check_signal(x, "x")
    C, T = a.shape
    ch = check_channel(channel, C)
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
    f = check_fs(fs)
    u = check_unit(unit)
    if h.max() > 1.0 + 1e-9:
        h = h / h.max()
    keep = stride_indices(h.shape[0], MAX_SNAPSHOTS)
    h, st = h[keep], st[keep]
    S = h.shape[0]
    if not is_int(active) or not -S <= int(active) < S:
        raise ValueError(f"active must be an integer in [{-S}, {S}), got {active!r}")
    act = int(active) % S
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    xc = a[ch]
    yr = amplitude_range(xc)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35],
                        vertical_spacing=0.06)
    idx = decimate_minmax(xc)
    fig.add_trace(go.Scatter(
        x=t[idx], y=xc[idx], mode="lines", name="signal", line={"color": SIGNAL_COLOR, "width": 1.4},
        hovertemplate=f"%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}<extra>signal</extra>",
    ), row=1, col=1)
    for s in range(S):
        z, edges = band_cells(h[s], dt)
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
    add_relevance_coloraxis(fig, title="Mask", len=0.6, y=0.65)
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

    frame = check_frame(history, "history", ["step", "total"])
    if not isinstance(log_y, (bool, np.bool_)):
        raise ValueError(f"log_y must be a bool, got {log_y!r}")
    cols = [c for c in LOSS_COLORS if c in frame.columns]
    fig = go.Figure()
    ytitle = "Loss (log scale)" if log_y else "Loss"
    if not len(frame):
        add_note(fig, "no loss history")
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
