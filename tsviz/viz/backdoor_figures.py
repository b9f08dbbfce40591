"""The backdoor-trigger demo: where a mask puts its mass on clean vs triggered inputs.

A mask that finds a backdoor trigger puts much more than the uniform share of its mass inside the
trigger window on triggered inputs (and about the uniform share on clean ones). Pure functions
from numpy arrays to a :class:`plotly.graph_objects.Figure` (plotly imported inside each).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.checks import check_channel, check_fs, check_signal, check_unit, check_vector, is_int
from tsviz.viz.relevance_panels import (
    add_relevance_coloraxis,
    add_relevance_panel,
    amplitude_range,
    check_option,
    check_relevance,
    normalised_relevance,
)
from tsviz.viz.style import apply_layout, legend_below, time_axis, with_alpha

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["trigger_mass_figure", "trigger_overlay_figure", "TRIGGER_COLOR", "MASS_COLORS"]

#: The backdoor trigger window (shaded rectangle) and triggered inputs.
TRIGGER_COLOR = "#9467BD"
#: Clean vs triggered inputs in :func:`trigger_mass_figure`.
MASS_COLORS = {"clean": "#4D4D4D", "triggered": TRIGGER_COLOR}


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

    mc = check_vector(mass_clean, "mass_clean", 0.0, 1.0)
    mt = check_vector(mass_triggered, "mass_triggered", 0.0, 1.0)
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

    a = check_signal(x_clean, "x_clean")
    b = check_signal(x_triggered, "x_triggered")
    if a.shape != b.shape:
        raise ValueError(f"x_triggered must have the shape of x_clean {a.shape}, got {b.shape}")
    C, T = a.shape
    ch = check_channel(channel, C)
    mc = check_relevance(mask_clean, T, "mask_clean", "x_clean")
    mt = check_relevance(mask_triggered, T, "mask_triggered", "x_triggered")
    normalize = check_option(normalize, "normalize", ("joint", "each"))
    if isinstance(window, (str, bytes)) or not isinstance(window, (Sequence, np.ndarray)) \
            or len(window) != 2 or not all(is_int(w) for w in window) \
            or not 0 <= int(window[0]) < int(window[1]) <= T:
        raise ValueError(f"window must be a pair of integers (start, end) with 0 <= start < end "
                         f"<= {T}, got {window!r}")
    w0, w1 = int(window[0]), int(window[1])
    f = check_fs(fs)
    u = check_unit(unit)
    if normalize == "joint":
        s = max(float(mc.max()), float(mt.max()))
        mc, mt = normalised_relevance(mc, s), normalised_relevance(mt, s)
    else:
        mc, mt = normalised_relevance(mc), normalised_relevance(mt)
    t, xtitle = time_axis(T, f)
    dt = 1.0 / f if f else 1.0
    tu = "s" if f else "step"
    yr = amplitude_range(a[ch], b[ch])
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for r, (sig, m, name) in enumerate(((a, mc, "clean"), (b, mt, "triggered")), start=1):
        add_relevance_panel(fig, t, sig[ch], m, style="band", dt=dt, yr=yr, tu=tu, u=u, label=name,
               threshold=None, row=r, col=1, first=r == 1, rel_name="mask")
        label = {"annotation_text": "trigger window", "annotation_position": "top left",
                 "annotation_font": {"size": 11, "color": TRIGGER_COLOR},
                 "annotation_bgcolor": "rgba(255, 255, 255, 0.8)"} if r == 1 else {}
        fig.add_vrect(x0=(w0 - 0.5) * dt, x1=(w1 - 0.5) * dt, row=r, col=1,
                      fillcolor=with_alpha(TRIGGER_COLOR, 0.15), layer="above",
                      line={"color": TRIGGER_COLOR, "width": 1.5, "dash": "dash"}, **label)
        fig.update_yaxes(title_text=f"{name.capitalize()} ({u})", row=r, col=1)
    fig.update_xaxes(title_text=xtitle, row=2, col=1)
    add_relevance_coloraxis(fig, title="Mask<br>(" + ("joint scale" if normalize == "joint"
                                         else "each by its max") + ")")
    w_txt = f"{w0 * dt:.3f}–{w1 * dt:.3f} s" if f else f"steps {w0}–{w1 - 1}"
    apply_layout(fig, title=title or f"Masks of a clean and a triggered input · trigger {w_txt}",
                 height=460, uirevision="explain:trigger-overlay", legend_title="")
    legend_below(fig)
    return fig
