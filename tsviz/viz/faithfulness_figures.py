"""Faithfulness of explanations: deletion/insertion curves per method and their AUCs.

Faithfulness follows the deletion/insertion protocol (Petsiuk, Das & Saenko 2018, "RISE:
Randomized Input Sampling for Explanation of Black-box Models"): remove (or reveal) the most
relevant steps first and follow the target-class probability; a faithful explanation gives a low
deletion AUC and a high insertion AUC. The AUC in the legend is the trapezoid of the plotted mean
curve (``numpy.trapezoid``, as :func:`tsviz.core.trapezoid_auc`, which this module does not import:
``tsviz.core`` imports torch, and importing a figure module must stay light). Pure functions to a
:class:`plotly.graph_objects.Figure`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.checks import check_frame, check_items, check_vector
from tsviz.viz.relevance_panels import check_option, method_color
from tsviz.viz.style import add_note, apply_layout, with_alpha

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["faithfulness_figure", "faithfulness_auc_figure", "FAITHFULNESS_COLORS", "KINDS", "BANDS"]

#: Deletion (lower is better) and insertion (higher is better) AUC bars.
FAITHFULNESS_COLORS = {"deletion": "#D62728", "insertion": "#2CA02C"}
#: ``kind`` values of :func:`faithfulness_figure`.
KINDS = ("deletion", "insertion")
#: ``band`` values of :func:`faithfulness_figure` (spread over series of 2-D curves).
BANDS = ("std", "iqr", "none")


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

    kind = check_option(kind, "kind", KINDS)
    band = check_option(band, "band", BANDS)
    if not isinstance(target_label, str) or not target_label:
        raise ValueError(f"target_label must be a non-empty string, got {target_label!r}")
    fr = check_vector(fractions, "fractions", 0.0, 1.0)
    if (np.diff(fr) < 0).any():
        raise ValueError("fractions must be non-decreasing")
    fig = go.Figure()
    for j, (name, v) in enumerate(check_items(curves, "curves")):
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
        color = method_color(j)
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
        auc = float(np.trapezoid(mean, fr)) if fr.shape[0] > 1 else 0.0  # as tsviz.core.trapezoid_auc
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

    frame = check_frame(table, "table", ["method", "deletion_auc_mean", "insertion_auc_mean"])
    fig = go.Figure()
    if not len(frame):
        add_note(fig, "no faithfulness results")
    else:
        methods = frame["method"].astype(str).tolist()
        for kind, better in (("deletion", "lower"), ("insertion", "higher")):
            col = f"{kind}_auc_mean"
            v = check_vector(frame[col], f"table[{col!r}]", 0.0, 1.0)
            err = None
            if f"{kind}_auc_std" in frame.columns:
                sd = check_vector(frame[f"{kind}_auc_std"], f"table['{kind}_auc_std']", lo=0.0)
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
