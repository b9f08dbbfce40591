"""Figures of the Reproduce page: a paper's numbers beside tsviz's, from plain rows.

The input is the comparison rows of :func:`tsviz.reproduce.verdict.compare_table` (one row per
paper row and value column: the key columns, ``column``, ``paper``, ``tsviz`` (None when not
measured), ``within``) or the measured rows of a target; no capability is imported here.

* :func:`paper_vs_tsviz_figure` -- per value column, the paper's value and tsviz's for every row
  (dots joined by a line; green when within tolerance, red when outside, grey when not measured).
* :func:`curve_figure` -- a value against a numeric key (e.g. ASR vs eps), one line per group,
  the paper's dashed and tsviz's solid.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tsviz.viz.style import CLASS_PALETTE, apply_layout, legend_below

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["VERDICT_COLORS", "WITHIN_COLORS", "MAX_ROWS", "row_label", "paper_vs_tsviz_figure", "curve_figure"]

#: Colours of the verdicts (badges, tables).
VERDICT_COLORS = {"matches": "#2CA02C", "same direction": "#1F77B4", "differs": "#D62728", "not run": "#7F7F7F"}
#: Colours of a compared value: within tolerance, outside, not measured.
WITHIN_COLORS = {True: "#2CA02C", False: "#D62728", None: "#7F7F7F"}
#: Rows drawn at most in one figure (the rest are left out, with a note in the title).
MAX_ROWS = 120


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def row_label(row: Mapping, key_columns: Sequence[str]) -> str:
    """``"TwoLeadECG · Out-Sign-Grad · per_run"``: the key values of ``row`` joined."""
    return " · ".join(str(row.get(c, "")) for c in key_columns)


def paper_vs_tsviz_figure(rows: Sequence[Mapping], key_columns: Sequence[str], *, title: str,
                          value_label: str = "value") -> go.Figure:
    """Paper vs tsviz per row, one subplot per value column (``rows`` from ``compare_table``).

    Parameters
    ----------
    rows : sequence of dict
        Keys: the key columns, ``column``, ``paper``, ``tsviz``, ``within``.
    key_columns : sequence of str
    title : str
    value_label : str
        Axis title of the values (with units).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = [r for r in rows if isinstance(r, Mapping)]
    columns = list(dict.fromkeys(str(r.get("column", "")) for r in rows)) or ["value"]
    shown = rows[:MAX_ROWS]
    fig = make_subplots(rows=1, cols=len(columns), shared_yaxes=True, subplot_titles=columns,
                        horizontal_spacing=0.04)
    for j, col in enumerate(columns, start=1):
        part = [r for r in shown if str(r.get("column", "")) == col]
        labels = [row_label(r, key_columns) for r in part]
        paper = [_num(r.get("paper")) for r in part]
        ours = [_num(r.get("tsviz")) for r in part]
        for lab, p, m, r in zip(labels, paper, ours, part):
            if p is not None and m is not None:
                fig.add_trace(go.Scatter(x=[p, m], y=[lab, lab], mode="lines", showlegend=False, hoverinfo="skip",
                                         line={"color": WITHIN_COLORS.get(r.get("within"), "#7F7F7F"), "width": 2}),
                              row=1, col=j)
        fig.add_trace(go.Scatter(x=paper, y=labels, mode="markers", name="paper", legendgroup="paper",
                                 showlegend=j == 1, marker={"symbol": "diamond-open", "size": 10, "color": "#000000"},
                                 hovertemplate="%{y}<br>paper %{x:.4g}<extra></extra>"), row=1, col=j)
        fig.add_trace(go.Scatter(x=ours, y=labels, mode="markers", name="tsviz", legendgroup="tsviz",
                                 showlegend=j == 1,
                                 marker={"size": 9, "color": [WITHIN_COLORS.get(r.get("within"), "#7F7F7F")
                                                              for r in part]},
                                 hovertemplate="%{y}<br>tsviz %{x:.4g}<extra></extra>"), row=1, col=j)
        fig.update_xaxes(title_text=value_label, row=1, col=j)
    extra = f" (first {MAX_ROWS} of {len(rows)} rows)" if len(rows) > MAX_ROWS else ""
    n_labels = len({row_label(r, key_columns) for r in shown})
    apply_layout(fig, title=title + extra, height=max(300, min(1600, 120 + 22 * n_labels)))
    fig.update_yaxes(autorange="reversed")
    return fig


def curve_figure(paper_rows: Sequence[Mapping], measured_rows: Sequence[Mapping], *, x: str, y: str, group: str,
                 facet: str | None = None, title: str, x_label: str | None = None,
                 y_label: str | None = None) -> go.Figure:
    """``y`` against ``x`` per ``group`` (one colour each), the paper dashed, tsviz solid.

    Parameters
    ----------
    paper_rows, measured_rows : sequence of dict
        Rows with the columns ``x``, ``y``, ``group`` (and ``facet`` when given: only the first
        facet value that tsviz measured is drawn, else the paper's first).
    x, y, group : str
        Column names (``"eps"``, ``"asr"``, ``"classifier"``).
    facet : str, optional
        A column that splits the rows (``"dataset"``); the drawn value is named in the title.
    title, x_label, y_label : str
    """
    import plotly.graph_objects as go

    paper_rows = [r for r in paper_rows if isinstance(r, Mapping)]
    measured_rows = [r for r in measured_rows if isinstance(r, Mapping)]
    chosen = None
    if facet is not None:
        values = [r.get(facet) for r in measured_rows] or [r.get(facet) for r in paper_rows]
        chosen = values[0] if values else None
        paper_rows = [r for r in paper_rows if r.get(facet) == chosen]
        measured_rows = [r for r in measured_rows if r.get(facet) == chosen]
    groups = list(dict.fromkeys([str(r.get(group)) for r in paper_rows + measured_rows]))
    fig = go.Figure()
    for k, g in enumerate(groups):
        color = CLASS_PALETTE[k % len(CLASS_PALETTE)]
        for rows, dash, who in ((paper_rows, "dash", "paper"), (measured_rows, "solid", "tsviz")):
            pts = sorted(((_num(r.get(x)), _num(r.get(y))) for r in rows if str(r.get(group)) == g
                          and _num(r.get(x)) is not None and _num(r.get(y)) is not None), key=lambda p: p[0])
            if not pts:
                continue
            fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers",
                                     name=f"{g} ({who})", line={"color": color, "dash": dash},
                                     hovertemplate=f"{g} ({who})<br>{x} %{{x:.4g}}<br>{y} %{{y:.4g}}<extra></extra>"))
    full_title = title if chosen is None else f"{title} — {chosen}"
    apply_layout(fig, title=full_title, xaxis_title=x_label or x, yaxis_title=y_label or y, height=420)
    legend_below(fig)
    return fig
