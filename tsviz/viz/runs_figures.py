"""Figures of the Runs page: curves of several stored runs overlaid, one figure per curve kind, and
their headline metrics side by side.

The input is what the run store keeps (no store import here: :mod:`tsviz.viz` never imports
:mod:`tsviz.runs`): every run recorded by the app saves a JSON artifact ``"curves"``,

``{"<curve name>": {"x": [...], "y": [...], "x_label": "eps (mV)", "y_label": "accuracy",
"kind": "accuracy_vs_eps" | "certified_accuracy_vs_radius" | "loss_vs_epoch" | ...}}``,

and its headline numbers in ``metrics`` (flat: name -> number or text). :func:`check_curves`
reads such a dict as hostile input (a file on disk): it keeps only well-formed curves and says why
the others were left out.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.style import CLASS_PALETTE, apply_layout, legend_below, with_alpha

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["Curve", "CURVE_KIND_TITLES", "MAX_CURVE_POINTS", "MAX_CURVES", "MAX_RUN_TRACES", "MAX_METRICS",
           "check_curves", "curve_kinds", "kind_title", "numeric_metrics", "curves_overlay_figure",
           "metrics_bar_figure"]

#: Titles of the curve kinds the app records (others get their kind with spaces).
CURVE_KIND_TITLES = {
    "accuracy_vs_eps": "Accuracy vs attack budget",
    "certified_accuracy_vs_radius": "Certified accuracy vs radius",
    "loss_vs_epoch": "Loss vs epoch",
}
#: Points kept of one curve (longer ones are thinned evenly for drawing, ends kept).
MAX_CURVE_POINTS = 5_000
#: Curves read from one run's artifact (the rest are left out, with a reason).
MAX_CURVES = 64
#: Runs drawn in one figure (the Runs page compares at most 8).
MAX_RUN_TRACES = 16
#: Metrics drawn in one bar figure.
MAX_METRICS = 24
#: Characters of a curve or run name drawn in a legend.
MAX_NAME = 80


@dataclass(frozen=True)
class Curve:
    """One well-formed curve: ``x``, ``y`` ``(n,)`` float64 (NaN where the store kept a null),
    axis labels and kind."""

    name: str
    kind: str
    x: np.ndarray
    y: np.ndarray
    x_label: str
    y_label: str


def _short(text: Any, cap: int = MAX_NAME) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= cap else s[:cap - 1] + "…"


def _plain(text: str) -> str:
    """``text`` safe inside a plotly hover template (no ``%{`` placeholders, no markup)."""
    return text.replace("%{", "% {").replace("<", "‹").replace(">", "›")


def _numbers(values: Any, where: str) -> np.ndarray:
    if not isinstance(values, (list, tuple, np.ndarray)):
        raise ValueError(f"{where} must be a list of numbers, got {type(values).__name__}")
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if v is None:  # the store keeps NaN/inf as null
            out[i] = np.nan
        elif isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ValueError(f"{where}[{i}] must be a number, got {type(v).__name__}")
        else:
            out[i] = float(v) if math.isfinite(float(v)) else np.nan
    return out


def _thin(n: int, cap: int) -> np.ndarray:
    if n <= cap:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, cap).round().astype(np.int64))


def check_curves(curves: Any, name: str = "curves") -> tuple[dict[str, Curve], list[str]]:
    """Read a run's ``"curves"`` artifact: the well-formed curves and why the others were left out.

    Parameters
    ----------
    curves : dict
        ``{curve name: {"x": [...], "y": [...], "x_label": str, "y_label": str, "kind": str}}``;
        ``None`` and ``{}`` mean no curve. ``x`` and ``y`` have the same length (at least 1);
        ``null`` entries are drawn as gaps. Curves longer than :data:`MAX_CURVE_POINTS` are thinned
        evenly (first and last points kept); at most :data:`MAX_CURVES` curves are read.
    name : str
        What the messages call ``curves``.

    Returns
    -------
    (dict of str to Curve, list of str)
        The curves by name, and one message per curve left out naming its key.

    Raises
    ------
    ValueError
        ``curves`` is not a dict (or None).
    """
    if curves is None:
        return {}, []
    if not isinstance(curves, Mapping):
        raise ValueError(f"{name} must be a dict curve name -> curve, got {type(curves).__name__}")
    out: dict[str, Curve] = {}
    skipped: list[str] = []
    for i, (key, c) in enumerate(curves.items()):
        where = f"{name}[{_short(key, 40)!r}]"
        if i >= MAX_CURVES:
            skipped.append(f"{name}: {len(curves) - MAX_CURVES} curves past the first {MAX_CURVES} left out")
            break
        try:
            if not isinstance(c, Mapping):
                raise ValueError(f"{where} must be a dict with x, y, kind, got {type(c).__name__}")
            for k in ("x", "y"):
                if k not in c:
                    raise ValueError(f"{where} has no {k!r}")
            x, y = _numbers(c["x"], f"{where}['x']"), _numbers(c["y"], f"{where}['y']")
            if x.size == 0 or x.size != y.size:
                raise ValueError(f"{where}: 'x' and 'y' must have the same length >= 1, got {x.size} and {y.size}")
            kind = c.get("kind") or "curve"
            if not isinstance(kind, str):
                raise ValueError(f"{where}['kind'] must be text, got {type(kind).__name__}")
            keep = _thin(x.size, MAX_CURVE_POINTS)
            out[_short(key)] = Curve(_short(key), _short(kind, 60), x[keep], y[keep],
                                     _short(c.get("x_label") or "x"), _short(c.get("y_label") or "y"))
        except ValueError as exc:
            skipped.append(str(exc))
    return out, skipped


def kind_title(kind: str) -> str:
    """A curve kind as a title: ``"accuracy_vs_eps"`` -> ``"Accuracy vs attack budget"``."""
    if kind in CURVE_KIND_TITLES:
        return CURVE_KIND_TITLES[kind]
    text = str(kind).replace("_", " ").strip() or "curve"
    return text[:1].upper() + text[1:]


def curve_kinds(curves_by_run: Sequence[tuple[str, Mapping[str, Curve]]]) -> list[str]:
    """Kinds of curve present among the runs: the known kinds first (in :data:`CURVE_KIND_TITLES`
    order), then the others by how many runs have them, then by name."""
    counts: dict[str, int] = {}
    for _, curves in curves_by_run:
        for kind in {c.kind for c in curves.values()}:
            counts[kind] = counts.get(kind, 0) + 1
    known = [k for k in CURVE_KIND_TITLES if k in counts]
    rest = sorted((k for k in counts if k not in CURVE_KIND_TITLES), key=lambda k: (-counts[k], k))
    return known + rest


def _run_color(i: int) -> str:
    return CLASS_PALETTE[i % len(CLASS_PALETTE)]


_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def curves_overlay_figure(curves_by_run: Sequence[tuple[str, Mapping[str, Curve]]], kind: str, *,
                          title: str | None = None) -> "go.Figure":
    """The curves of one ``kind`` of several runs in one figure: one colour per run, one line per curve.

    Parameters
    ----------
    curves_by_run : sequence of (run name, dict of str to Curve)
        Each run's curves (:func:`check_curves`), in the order the legend lists them; at most
        :data:`MAX_RUN_TRACES` runs.
    kind : str
        The curve kind drawn (``"accuracy_vs_eps"``, ``"certified_accuracy_vs_radius"``,
        ``"loss_vs_epoch"``, ...); curves of other kinds are ignored.
    title : str, optional
        Default :func:`kind_title` of ``kind``.

    Returns
    -------
    plotly.graph_objects.Figure
        A line per curve of that kind, named by its run (``"<run>"``), or ``"<run> · <curve>"``
        where a run has several curves of the kind; x and y titles from the curves' labels (the
        first run's; a note lists other labels when runs disagree). Runs without such a curve are
        named in a note; with none at all, a figure with a note.

    Raises
    ------
    ValueError
        ``curves_by_run`` is not a sequence of (name, curves) pairs, holds too many runs, or
        ``kind`` is not text.
    """
    import plotly.graph_objects as go

    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind must be a non-empty string, got {kind!r}")
    pairs = _pairs(curves_by_run, "curves_by_run")
    fig = go.Figure()
    labels: list[tuple[str, str]] = []
    missing = []
    for i, (run, curves) in enumerate(pairs):
        mine = [c for c in curves.values() if isinstance(c, Curve) and c.kind == kind]
        if not mine:
            missing.append(run)
            continue
        color = _run_color(i)
        for j, c in enumerate(mine):
            name = run if len(mine) == 1 else f"{run} · {c.name}"
            labels.append((c.x_label, c.y_label))
            fig.add_trace(go.Scatter(
                x=c.x, y=c.y, mode="lines+markers" if c.x.size <= 60 else "lines", name=name,
                legendgroup=run, line={"color": color, "width": 2, "dash": _DASHES[j % len(_DASHES)]},
                marker={"size": 6, "color": color}, connectgaps=False,
                hovertemplate=f"{_plain(c.x_label)}: %{{x:.4g}}<br>{_plain(c.y_label)}: %{{y:.4g}}"
                              "<extra>%{fullData.name}</extra>"))
    x_title, y_title = labels[0] if labels else ("x", "y")
    notes = []
    others = sorted({lab for lab in labels if lab != (x_title, y_title)})
    if others:
        notes.append("Other axis labels: " + "; ".join(f"{a} / {b}" for a, b in others[:3]))
    if missing and labels:
        notes.append("No such curve: " + ", ".join(missing))
    apply_layout(fig, title=title or kind_title(kind), xaxis_title=x_title, yaxis_title=y_title,
                 uirevision=f"runs:curves:{kind}", legend_title="Run", height=420)
    if not labels:
        fig.add_annotation(text=f"No run has a {kind_title(kind).lower()} curve", x=0.5, y=0.5, xref="paper",
                           yref="paper", showarrow=False, font={"color": "#7F7F7F", "size": 14})
    elif notes:
        fig.add_annotation(text="<br>".join(_short(n, 160) for n in notes), x=0.0, y=1.0, xref="paper",
                           yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                           font={"color": "#7F7F7F", "size": 11})
    return fig


def _pairs(items: Any, name: str) -> list[tuple[str, Any]]:
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        raise ValueError(f"{name} must be a sequence of (run name, value) pairs, got {type(items).__name__}")
    if len(items) > MAX_RUN_TRACES:
        raise ValueError(f"{name} holds {len(items)} runs; at most {MAX_RUN_TRACES} are drawn in one figure")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or len(item) != 2 or not isinstance(item[1], Mapping):
            raise ValueError(f"{name}[{i}] must be a (run name, dict) pair")
        out.append((_short(item[0]), item[1]))
    return out


def numeric_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The finite numeric metrics of a run (booleans, text, nested values, NaN/inf/null and keys
    starting with ``_`` left out), in their order."""
    if not isinstance(metrics, Mapping):
        return {}
    out = {}
    for k, v in metrics.items():
        if str(k).startswith("_") or isinstance(v, (bool, np.bool_)):
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(float(v)):
            out[str(k)] = float(v)
    return out


def metrics_bar_figure(metrics_by_run: Sequence[tuple[str, Mapping[str, Any]]], *,
                       keys: Sequence[str] | None = None, title: str | None = None) -> "go.Figure":
    """Headline metrics of several runs side by side: grouped bars, one colour per run.

    Parameters
    ----------
    metrics_by_run : sequence of (run name, metrics dict)
        Each run's ``metrics`` as stored; only finite numbers are drawn (:func:`numeric_metrics`).
    keys : sequence of str, optional
        Metrics to draw, in this order; default every numeric metric of any run (in first-seen
        order), at most :data:`MAX_METRICS`.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per run named by the run, x the metric names, y the values (a run without
        the metric has no bar there); a note when nothing is numeric.

    Raises
    ------
    ValueError
        Bad ``metrics_by_run``, or ``keys`` not a sequence of text or longer than :data:`MAX_METRICS`.
    """
    import plotly.graph_objects as go

    pairs = _pairs(metrics_by_run, "metrics_by_run")
    values = [(run, numeric_metrics(m)) for run, m in pairs]
    if keys is None:
        order: dict[str, None] = {}
        for _, m in values:
            order.update(dict.fromkeys(m))
        keys = list(order)[:MAX_METRICS]
    else:
        if isinstance(keys, str) or not all(isinstance(k, str) for k in keys):
            raise ValueError("keys must be a sequence of metric names")
        if len(keys) > MAX_METRICS:
            raise ValueError(f"keys holds {len(keys)} metrics; at most {MAX_METRICS} are drawn")
        keys = list(keys)
    fig = go.Figure()
    for i, (run, m) in enumerate(values):
        ys = [m.get(k) for k in keys]
        color = _run_color(i)
        fig.add_trace(go.Bar(x=list(keys), y=[np.nan if v is None else v for v in ys], name=run,
                             marker={"color": with_alpha(color, 0.85), "line": {"color": color, "width": 1}},
                             hovertemplate="%{x}: %{y:.4g}<extra>%{fullData.name}</extra>"))
    fig.update_layout(barmode="group")
    apply_layout(fig, title=title or "Metrics", xaxis_title="Metric", yaxis_title="Value",
                 uirevision="runs:metrics", legend_title="Run", height=420)
    if not keys:
        fig.add_annotation(text="No numeric metric to draw", x=0.5, y=0.5, xref="paper", yref="paper",
                           showarrow=False, font={"color": "#7F7F7F", "size": 14})
    if len(values) > 4:
        legend_below(fig)
    return fig
