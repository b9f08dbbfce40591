"""Figures of the Augment page: the ODENet's learned derivative, augmented examples, the Table I
robustness comparison, accuracy against the attack budget, latent PCA grids and training curves.

ODE-guided augmentation (Sarkar, Sunder Raj & Iyengar, "ODE guided Neural Data Augmentation
Techniques for Time Series Data and its Benefits on Robustness", ICMLA 2020): an ODENet learns
``dz/dt = f(z, t)`` from the training series (section II-A); the gradient augmentations
(In-Clamp-Grad, In-Sign-Grad, Out-Sign-Grad, Rand-Grad) and the spectral one (Spec-Den) perturb
each series along it. :func:`derivative_figure` checks the learned ``dz/dt`` against the central
finite difference, :func:`augmented_examples_figure` is the paper's Fig. 3 (a series and its
augmented copies), :func:`robustness_table_figure` its Table I (true, FGSM and BIM accuracy per
training method), :func:`latent_pca_grid_figure` its Fig. 5 (latent PCA per network) and
:func:`accuracy_eps_figure` the accuracy-vs-budget curves of the NSR paper's tables.

Pure functions from plain numpy arrays, pandas DataFrames and dicts (no :mod:`tsviz.augment` or
:mod:`tsviz.training` import) to a :class:`plotly.graph_objects.Figure`; plotly is imported inside
each function. Methods and models get :data:`AUGMENT_COLORS` by order of appearance, classes
their :func:`tsviz.viz.style.class_colors`, the original series :data:`ORIGINAL_COLOR` (grey).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.attack_figures import ATTACK_COLORS, SWEEP_METRICS
from tsviz.viz.checks import (
    check_channel as _channel,
)
from tsviz.viz.checks import (
    check_frame as _frame,
)
from tsviz.viz.checks import (
    check_fs as _fs,
)
from tsviz.viz.checks import (
    check_items as _items,
)
from tsviz.viz.checks import (
    check_signal as _signal,
)
from tsviz.viz.checks import (
    check_unit as _unit,
)
from tsviz.viz.style import (
    DEFAULT_HEIGHT,
    apply_layout,
    class_colors,
    class_names_checked,
    decimate_minmax,
    stride_indices,
    time_axis,
)
from tsviz.viz.style import add_note as _note
from tsviz.viz.style import legend_below as _legend_below

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

__all__ = [
    "derivative_figure", "augmented_examples_figure", "robustness_table_figure",
    "accuracy_eps_figure", "latent_pca_grid_figure", "training_compare_figure", "odenet_loss_figure",
    "relative_rmse", "central_difference",
    "AUGMENT_COLORS", "ORIGINAL_COLOR", "SIGNAL_COLOR", "LEARNED_COLOR", "FD_COLOR",
    "ATTACK_DASHES", "HISTORY_METRICS", "MAX_PANELS", "PANEL_COLUMNS", "MAX_SCATTER_POINTS",
]

#: One colour per augmentation method / model / accuracy column, by order of appearance.
AUGMENT_COLORS: tuple[str, ...] = ATTACK_COLORS
#: The original series under its augmented copies.
ORIGINAL_COLOR = "#8C8C8C"
#: The series in :func:`derivative_figure`.
SIGNAL_COLOR = "#202020"
#: The ODENet's learned ``dz/dt``.
LEARNED_COLOR = "#D62728"
#: The central finite-difference derivative (dashed).
FD_COLOR = "#1F77B4"
#: The "no change" reference of :func:`odenet_loss_figure` (dotted).
REFERENCE_COLOR = "#7F7F7F"
#: Line dash per attack in :func:`accuracy_eps_figure` (by order of appearance, cycling).
ATTACK_DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: Axis titles of the usual training-history keys (:func:`training_compare_figure`).
HISTORY_METRICS = {
    "train_loss": "Training loss (nats)", "val_loss": "Validation loss (nats)",
    "train_accuracy": "Training accuracy (%)", "val_accuracy": "Validation accuracy (%)",
}
#: Most panels of :func:`latent_pca_grid_figure` (Fig. 5 has six).
MAX_PANELS = 6
#: Panels per row of :func:`latent_pca_grid_figure`.
PANEL_COLUMNS = 3
#: Most points drawn per panel of :func:`latent_pca_grid_figure` (evenly strided above it).
MAX_SCATTER_POINTS = 5000


# --------------------------------------------------------------------------- helpers
def _color(j: int) -> str:
    return AUGMENT_COLORS[j % len(AUGMENT_COLORS)]


def _text(v: Any, name: str) -> str | None:
    """An optional string (``None`` or ``""`` -> ``None``)."""
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise ValueError(f"{name} must be a string or None, got {v!r}")
    return v


def _like(v: Any, shape: tuple[int, int], name: str, ref: str = "x") -> np.ndarray:
    """``v`` as ``(C, T)`` with the shape of ``ref``; ValueError naming ``name``."""
    a = _signal(v, name)
    if a.shape != shape:
        raise ValueError(f"{name} must have the shape of {ref} {shape} (or (T,) for one channel), "
                         f"got {np.shape(v)}")
    return a


def _numeric(s: "pd.Series", name: str, lo: float | None = None,
             hi: float | None = None) -> np.ndarray:
    """A frame column as float64 (NaN allowed, no inf) inside ``[lo, hi]``; ValueError naming it."""
    import pandas as pd

    if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
        raise ValueError(f"{name} must hold numbers, got dtype {s.dtype}")
    v = s.to_numpy(dtype=np.float64)
    if np.isinf(v).any():
        raise ValueError(f"{name} must not hold infinite values")
    ok = v[np.isfinite(v)]
    if ok.size and ((lo is not None and ok.min() < lo - 1e-9) or (hi is not None and ok.max() > hi + 1e-9)):
        span = f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"
        raise ValueError(f"{name} must lie in {span}, got values in [{ok.min():.4g}, {ok.max():.4g}]")
    return v


def _metric_label(metric: str) -> str:
    return metric.replace("_", " ").capitalize()


# --------------------------------------------------------------------------- numbers
def relative_rmse(estimate: Any, reference: Any) -> float:
    """Relative root-mean-square error ``||estimate - reference||_2 / ||reference||_2``.

    Equal to ``RMSE(estimate, reference) / RMS(reference)``: ``estimate = 1.1 * reference`` gives
    0.1 for any non-zero ``reference``.

    Parameters
    ----------
    estimate, reference : ndarray, same shape (any)
        E.g. the ODENet's learned ``dz/dt`` and the finite-difference derivative, in the same units.

    Returns
    -------
    float
        ``>= 0``; ``0.0`` when both are all zero, ``inf`` when only ``reference`` is.

    Raises
    ------
    ValueError
        Shapes differ, empty or non-finite inputs.
    """
    try:
        a = np.asarray(estimate, dtype=np.float64)
        b = np.asarray(reference, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("estimate and reference must be arrays of numbers") from None
    if a.shape != b.shape:
        raise ValueError(f"estimate {a.shape} and reference {b.shape} must have the same shape")
    if a.size == 0:
        raise ValueError("estimate and reference must not be empty")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("estimate and reference must hold finite values")
    num = float(np.sqrt(np.sum((a - b) ** 2)))
    den = float(np.sqrt(np.sum(b ** 2)))
    if den == 0.0:
        return 0.0 if num == 0.0 else math.inf
    return num / den


def central_difference(x: Any, *, fs: float | None = None) -> np.ndarray:
    """The central finite-difference derivative of a series along time.

    ``(x[t + 1] - x[t - 1]) / 2`` inside, one-sided differences at both ends
    (:func:`numpy.gradient`), times ``fs`` when given.

    Parameters
    ----------
    x : ndarray, shape ``(..., T)``, ``T >= 2``
        Series in their signal unit.
    fs : float, optional
        Sampling frequency (Hz): the result is in unit per second; else in unit per step.

    Returns
    -------
    ndarray, shape of ``x``, float64

    Raises
    ------
    ValueError
        ``x`` not finite, fewer than 2 steps, bad ``fs``.
    """
    f = _fs(fs)
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("x must be an array of numbers") from None
    if a.ndim == 0 or a.shape[-1] < 2:
        raise ValueError(f"x must have at least 2 time steps along its last axis, got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError("x must hold finite values")
    d = np.gradient(a, axis=-1)
    return d * f if f else d


# --------------------------------------------------------------------------- derivative
def derivative_figure(x: Any, learned: Any, finite_difference: Any, *, fs: float | None = None,
                      unit: str = "", title: str = "", channel: int = 0) -> "go.Figure":
    """A series and, below it, the ODENet's learned ``dz/dt`` against the finite difference.

    The ODENet of section II-A (eq. 1-3) should reproduce the series' local slope: the relative
    RMSE between the learned derivative and the central finite difference (:func:`relative_rmse`)
    measures how well it does, and is shown in the title and as an annotation on the lower row.

    Parameters
    ----------
    x : ndarray, shape ``(C, T)`` or ``(T,)``
        The series, in ``unit``.
    learned : ndarray, shape of ``x``
        The ODENet's ``dz/dt`` at every step (:func:`tsviz.augment.odenet.derivative`).
    finite_difference : ndarray, shape of ``x``
        The central finite-difference derivative (:func:`central_difference`).
    fs : float, optional
        Sampling frequency (Hz). When given, time is in seconds and both derivatives must be in
        unit per second (multiply a per-step derivative by ``fs``); else time is in steps and the
        derivatives in unit per step.
    unit : str
        Signal unit (``"mV"``); empty reads "signal units".
    title : str
        Default ``"ODENet derivative vs finite difference · relative RMSE 0.123"``.
    channel : int
        Channel drawn (and over which the relative RMSE is computed).

    Returns
    -------
    plotly.graph_objects.Figure
        Two rows sharing the time axis (x ``"Time (s)"``/``"Time step"``): top the series (1
        trace, ``"signal"``), y ``"Amplitude (unit)"``; bottom ``"learned dz/dt (ODENet)"`` and
        ``"finite difference"`` (dashed), y ``"dz/dt (unit/s)"`` or ``"dz/dt (unit/step)"``:
        3 traces. The annotation ``"relative RMSE = 0.123"`` sits on the bottom row
        (``"n/a"`` when the finite difference is all zero but the learned derivative is not).

    Raises
    ------
    ValueError
        ``x`` not ``(C, T)``/``(T,)`` or not finite; ``learned`` or ``finite_difference`` of
        another shape or not finite; bad ``fs``, ``unit``, ``title`` or ``channel``.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    a = _signal(x, "x")
    C, T = a.shape
    dl = _like(learned, a.shape, "learned")
    dfd = _like(finite_difference, a.shape, "finite_difference")
    ch = _channel(channel, C)
    f = _fs(fs)
    u = _unit(unit)
    ttl = _text(title, "title")
    rr = relative_rmse(dl[ch], dfd[ch])
    rr_txt = f"{rr:.3f}" if math.isfinite(rr) else "n/a"
    t, xtitle = time_axis(T, f)
    tu = "s" if f else "step"
    du = f"{u}/{tu}"
    sig, lv, fv = a[ch], dl[ch], dfd[ch]
    keep_x = decimate_minmax(sig)
    keep_d = np.union1d(decimate_minmax(lv), decimate_minmax(fv))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.45, 0.55],
                        vertical_spacing=0.07)
    fig.add_trace(go.Scatter(
        x=t[keep_x], y=sig[keep_x], mode="lines", name="signal",
        line={"color": SIGNAL_COLOR, "width": 1.5},
        hovertemplate=f"signal<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}<extra></extra>",
    ), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=t[keep_d], y=lv[keep_d], mode="lines", name="learned dz/dt (ODENet)",
        line={"color": LEARNED_COLOR, "width": 1.6},
        hovertemplate=f"ODENet dz/dt<br>%{{x:.3f}} {tu}<br>%{{y:.4g}} {du}<extra></extra>",
    ), row=2, col=1)
    fig.add_trace(go.Scatter(
        x=t[keep_d], y=fv[keep_d], mode="lines", name="finite difference",
        line={"color": FD_COLOR, "width": 1.4, "dash": "dash"},
        hovertemplate=f"finite difference<br>%{{x:.3f}} {tu}<br>%{{y:.4g}} {du}<extra></extra>",
    ), row=2, col=1)
    fig.add_annotation(text=f"relative RMSE = {rr_txt}", xref="x2 domain", yref="y2 domain",
                       x=0.99, y=0.98, xanchor="right", yanchor="top", showarrow=False,
                       bgcolor="rgba(255, 255, 255, 0.8)", font={"size": 12, "color": "#333333"})
    fig.update_yaxes(title_text=f"Amplitude ({u})", row=1, col=1)
    fig.update_yaxes(title_text=f"dz/dt ({du})", row=2, col=1)
    fig.update_xaxes(title_text=xtitle, row=2, col=1)
    chan = f" · channel {ch}" if C > 1 else ""
    apply_layout(fig, title=ttl or f"ODENet derivative vs finite difference{chan} · relative RMSE "
                 f"{rr_txt}", height=460, uirevision="augment:derivative", legend_title="")
    _legend_below(fig)
    return fig


# --------------------------------------------------------------------------- augmented examples
def augmented_examples_figure(x: Any, augmented: Mapping[str, Any], *, fs: float | None = None,
                              unit: str = "", class_name: str | None = None, channel: int = 0,
                              title: str | None = None) -> "go.Figure":
    """A series and its augmented copies, one row per augmentation method (paper Fig. 3).

    Parameters
    ----------
    x : ndarray, shape ``(C, T)`` or ``(T,)``
        The original series, in ``unit``.
    augmented : dict method -> ndarray, shape of ``x``
        The augmented series per method (``"In-Clamp-Grad"``, ``"Out-Sign-Grad"``,
        ``"Spec-Den"``...), in dict order.
    fs : float, optional
        Sampling frequency (Hz): time in seconds when given, else in steps.
    unit : str
        Signal unit (``"mV"``); empty reads "signal units".
    class_name : str, optional
        The series' class, shown in the title.
    channel : int
        Channel drawn (and over which the max difference is taken).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One row per method sharing the time axis (x ``"Time (s)"``/``"Time step"`` on the bottom
        row), each with the original (grey, ``"original"``, one legend entry) and the augmented
        series (the method's colour, named after it): ``2 · len(augmented)`` traces. Subplot
        titles ``"<method> · max |Δ| = 0.123 unit"`` (``max |augmented - x|`` over the drawn
        channel), y ``"Amplitude (unit)"``; all rows share one amplitude range.

    Raises
    ------
    ValueError
        ``x`` not ``(C, T)``/``(T,)`` or not finite; ``augmented`` not a non-empty dict, or a
        series of another shape or not finite; bad ``fs``, ``unit``, ``class_name`` or
        ``channel``.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    a = _signal(x, "x")
    C, T = a.shape
    items = [(name, _like(v, a.shape, f"augmented[{name!r}]"))
             for name, v in _items(augmented, "augmented")]
    ch = _channel(channel, C)
    f = _fs(fs)
    u = _unit(unit)
    cname = _text(class_name, "class_name")
    ttl = _text(title, "title")
    t, xtitle = time_axis(T, f)
    tu = "s" if f else "step"
    orig = a[ch]
    keep_o = decimate_minmax(orig)
    lo = min([float(orig.min())] + [float(v[ch].min()) for _, v in items])
    hi = max([float(orig.max())] + [float(v[ch].max()) for _, v in items])
    pad = 0.05 * (hi - lo) if hi > lo else max(0.5 * abs(lo), 0.5)
    m = len(items)
    diffs = [float(np.abs(v[ch] - orig).max()) for _, v in items]
    titles = [f"{name} · max |Δ| = {d:.3g} {u}" for (name, _), d in zip(items, diffs)]
    fig = make_subplots(rows=m, cols=1, shared_xaxes=True, subplot_titles=titles,
                        vertical_spacing=min(0.08, 0.4 / (m - 1)) if m > 1 else 0.0)
    for j, ((name, v), d) in enumerate(zip(items, diffs)):
        aug = v[ch]
        keep = decimate_minmax(aug)
        fig.add_trace(go.Scatter(
            x=t[keep_o], y=orig[keep_o], mode="lines", name="original", legendgroup="original",
            showlegend=j == 0, line={"color": ORIGINAL_COLOR, "width": 1.6},
            hovertemplate=f"original<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}<extra></extra>",
        ), row=j + 1, col=1)
        fig.add_trace(go.Scatter(
            x=t[keep], y=aug[keep], mode="lines", name=name, legendgroup=name,
            line={"color": _color(j), "width": 1.4},
            hovertemplate=(f"{name} (max |Δ| {d:.3g} {u})<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {u}"
                           "<extra></extra>"),
        ), row=j + 1, col=1)
        fig.update_yaxes(title_text=f"Amplitude ({u})", range=[lo - pad, hi + pad], row=j + 1, col=1)
    fig.update_xaxes(title_text=xtitle, row=m, col=1)
    fig.update_annotations(font={"size": 13})
    chan = f" · channel {ch}" if C > 1 else ""
    default = "Augmented examples" + (f" · class {cname}" if cname else "") + chan
    apply_layout(fig, title=ttl or default, height=max(DEFAULT_HEIGHT, 170 * m + 140),
                 uirevision="augment:examples", legend_title="")
    _legend_below(fig)
    return fig


# --------------------------------------------------------------------------- Table I
def robustness_table_figure(table: "pd.DataFrame", *, columns: Sequence[str] | None = None,
                            title: str | None = None) -> "go.Figure":
    """Clean and adversarial accuracy per model as grouped bars (the paper's Table I).

    Parameters
    ----------
    table : DataFrame
        One row per model: a ``"model"`` column (unique names) and accuracy columns in percent
        (``"true"``, ``"fgsm"``, ``"bim"``; e.g. :func:`tsviz.training.robustness_table`). NaN
        cells are left out.
    columns : sequence of str, optional
        The accuracy columns drawn, in this order. Default: every numeric column other than
        ``"model"``, in frame order (text columns such as ``"card_recipe"`` are skipped).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per accuracy column (``barmode="group"``, named after it), x = models in
        row order (``"Model"``), y ``"Accuracy (%)"`` on ``[0, 100]``, values printed on the bars
        (``"79.5"``). An empty table gives the note "no results".

    Raises
    ------
    ValueError
        ``table`` not a DataFrame or without ``"model"``; duplicate model names; no numeric
        accuracy column; ``columns`` naming missing or non-numeric columns; values outside
        ``[0, 100]`` or infinite.
    """
    import pandas as pd
    import plotly.graph_objects as go

    frame = _frame(table, "table", ["model"])
    if columns is not None:
        if isinstance(columns, str) or not isinstance(columns, Sequence) or not columns:
            raise ValueError(f"columns must be a non-empty list of column names, got {columns!r}")
        cols = list(columns)
        _frame(frame, "table", cols)
        if "model" in cols:
            raise ValueError("columns must not include 'model'")
    fig = go.Figure()
    if not len(frame):
        _note(fig, "no results")
    else:
        if columns is None:
            cols = [c for c in frame.columns if c != "model"
                    and pd.api.types.is_numeric_dtype(frame[c])
                    and not pd.api.types.is_bool_dtype(frame[c])]
            if not cols:
                raise ValueError("table has no numeric accuracy column besides 'model'")
        models = frame["model"].astype(str).tolist()
        dup = sorted({mname for mname in models if models.count(mname) > 1})
        if dup:
            raise ValueError(f"table['model'] has duplicate names: {', '.join(map(repr, dup))}")
        for j, col in enumerate(cols):
            v = _numeric(frame[col], f"table[{col!r}]", 0.0, 100.0)
            fig.add_trace(go.Bar(
                x=models, y=v, name=str(col), marker={"color": _color(j)},
                text=["" if not np.isfinite(a) else f"{a:.1f}" for a in v],
                textposition="outside", cliponaxis=False,
                hovertemplate=f"%{{x}}<br>{col}: %{{y:.2f}}%<extra></extra>",
            ))
    apply_layout(fig, title=title or "Clean and adversarial accuracy per model",
                 xaxis_title="Model", yaxis_title="Accuracy (%)",
                 uirevision="augment:robustness-table", legend_title="accuracy")
    fig.update_layout(barmode="group", bargap=0.2)
    fig.update_yaxes(range=[0, 108])
    fig.update_xaxes(type="category")
    return fig


# --------------------------------------------------------------------------- accuracy vs eps
def accuracy_eps_figure(frame: "pd.DataFrame", *, unit: str = "",
                        metric: str = "adversarial_accuracy",
                        title: str | None = None) -> "go.Figure":
    """Accuracy against the attack budget, one line per model (the NSR paper's tables as curves).

    Parameters
    ----------
    frame : DataFrame
        Long frame, one row per (model, eps[, attack]): columns ``"model"``, ``"eps"`` (``>= 0``,
        in ``unit``; the clean point has ``eps = 0``) and ``metric`` (a fraction in ``[0, 1]``;
        NaN points are left out); optional ``"attack"`` (e.g.
        :func:`tsviz.training.accuracy_vs_eps`).
    unit : str
        Signal unit of ``eps`` (``"mV"``); empty reads "signal units".
    metric : str
        The column drawn: ``"adversarial_accuracy"`` (default), ``"adversarial_precision"``,
        ``"success_rate"`` or any other fraction column.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One lines+markers trace per model (colour by model, order of first appearance), sorted by
        eps; with an ``"attack"`` column of several attacks, one trace per (model, attack), named
        ``"model · attack"``, dashed per attack (:data:`ATTACK_DASHES`). x ``"eps (unit)"``, y
        ``"<Metric> (%)"`` (the fraction times 100) on ``[0, 100]``. An empty frame gives the
        note "no results".

    Raises
    ------
    ValueError
        ``frame`` not a DataFrame or lacking ``model``/``eps``/``metric``; ``eps`` negative or
        not numeric; ``metric`` values outside ``[0, 1]``; bad ``unit`` or ``metric``.
    """
    import plotly.graph_objects as go

    u = _unit(unit)
    if not isinstance(metric, str) or not metric or metric in ("model", "eps", "attack"):
        raise ValueError(f"metric must name a fraction column of frame, got {metric!r}")
    df = _frame(frame, "frame", ["model", "eps", metric])
    label = SWEEP_METRICS.get(metric, _metric_label(metric))
    fig = go.Figure()
    if not len(df):
        _note(fig, "no results")
    else:
        eps = _numeric(df["eps"], "frame['eps']", lo=0.0)
        val = _numeric(df[metric], f"frame[{metric!r}]", 0.0, 1.0)
        models = df["model"].astype(str).to_numpy()
        attacks = df["attack"].astype(str).to_numpy() if "attack" in df.columns else None
        att_keys = list(dict.fromkeys(attacks)) if attacks is not None else [None]
        split = len(att_keys) > 1
        for j, mname in enumerate(dict.fromkeys(models)):
            for k, att in enumerate(att_keys):
                sel = models == mname
                if split:
                    sel &= attacks == att
                e, v = eps[sel], val[sel]
                if not e.size:
                    continue
                order = np.argsort(e, kind="stable")
                e, v = e[order], v[order]
                ok = np.isfinite(e) & np.isfinite(v)
                name = f"{mname} · {att}" if split else mname
                att_txt = f"<br>{att}" if att is not None else ""
                fig.add_trace(go.Scatter(
                    x=e[ok], y=100.0 * v[ok], mode="lines+markers", name=name, legendgroup=mname,
                    line={"color": _color(j), "width": 2,
                          "dash": ATTACK_DASHES[k % len(ATTACK_DASHES)] if split else "solid"},
                    marker={"size": 7},
                    hovertemplate=(f"{mname}{att_txt}<br>eps %{{x:.4g}} {u}<br>{label}: "
                                   "%{y:.1f}%<extra></extra>"),
                ))
    att_title = ""
    if len(df) and "attack" in df.columns:
        names = list(dict.fromkeys(df["attack"].astype(str)))
        if len(names) == 1:
            att_title = f" ({names[0]})"
    apply_layout(fig, title=title or f"{label} vs budget{att_title}", xaxis_title=f"eps ({u})",
                 yaxis_title=f"{label} (%)", uirevision=f"augment:accuracy-eps:{metric}",
                 legend_title="model")
    fig.update_yaxes(range=[-2, 102])
    fig.update_xaxes(rangemode="tozero")
    return fig


# --------------------------------------------------------------------------- latent PCA grid
def latent_pca_grid_figure(embeddings: Mapping[str, Any], y: Any, class_names: Sequence[str], *,
                           explained: Mapping[str, Any] | None = None,
                           title: str | None = None) -> "go.Figure":
    """2-D PCA of the latent representation per model, points coloured by class (paper Fig. 5).

    Parameters
    ----------
    embeddings : dict model -> ndarray, shape ``(n, 2)``
        PCA coordinates (latent units) of the same ``n`` series under each model, in dict order;
        1 to :data:`MAX_PANELS` models. Above :data:`MAX_SCATTER_POINTS` points, an evenly
        strided subset is drawn (the same one in every panel).
    y : ndarray, int, shape ``(n,)``
        True class of each series, in ``[0, K)``.
    class_names : sequence of str
        ``K`` names.
    explained : dict model -> (float, float), optional
        Explained-variance ratio of PC1 and PC2 in ``[0, 1]`` per model (any subset of the
        models), shown in the axis titles.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One panel per model (subplot title = model), :data:`PANEL_COLUMNS` per row, wrapping;
        per panel one marker trace per class present, coloured with
        :func:`tsviz.viz.style.class_colors` ``(K)``; one legend entry per class (``legendgroup``
        = class name, so a click hides the class in every panel). Axes ``"PC1"``/``"PC2"``, with
        ``" (12.3%)"`` of variance when ``explained`` gives it.

    Raises
    ------
    ValueError
        ``embeddings`` empty, not a dict, more than :data:`MAX_PANELS` models, or an embedding
        not ``(n, 2)``, not finite, or of another ``n`` than ``y``; ``y`` not integers in
        ``[0, K)``; bad ``class_names`` or ``explained``.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    items = _items(embeddings, "embeddings")
    if len(items) > MAX_PANELS:
        raise ValueError(f"embeddings must hold at most {MAX_PANELS} models, got {len(items)}")
    names = class_names_checked(class_names)
    K = len(names)
    try:
        yv = np.asarray(y)
    except (TypeError, ValueError):
        raise ValueError("y must be a 1-D array of class indices") from None
    if yv.ndim != 1 or yv.size == 0:
        raise ValueError(f"y must be a non-empty 1-D array of class indices, got shape {yv.shape}")
    if not (np.issubdtype(yv.dtype, np.integer)
            or (np.issubdtype(yv.dtype, np.floating) and np.isfinite(yv).all()
                and (yv == np.round(yv)).all())):
        raise ValueError(f"y must hold integer class indices, got dtype {yv.dtype}")
    yv = yv.astype(np.int64)
    if yv.min() < 0 or yv.max() >= K:
        raise ValueError(f"y must be in [0, {K}) (len(class_names)), got values in "
                         f"[{yv.min()}, {yv.max()}]")
    n = yv.shape[0]
    coords = []
    for name, e in items:
        try:
            c = np.asarray(e, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"embeddings[{name!r}] must be an array of numbers (n, 2)") from None
        if c.ndim != 2 or c.shape[1] != 2:
            raise ValueError(f"embeddings[{name!r}] must have shape (n, 2), got {c.shape}")
        if c.shape[0] != n:
            raise ValueError(f"embeddings[{name!r}] has {c.shape[0]} points, y has {n}")
        if not np.isfinite(c).all():
            raise ValueError(f"embeddings[{name!r}] must hold finite values")
        coords.append(c)
    evr: dict[str, np.ndarray] = {}
    if explained is not None:
        if not isinstance(explained, Mapping):
            raise ValueError(f"explained must be a dict model -> (ratio PC1, ratio PC2), got "
                             f"{type(explained).__name__}")
        known = {name for name, _ in items}
        for key, r in explained.items():
            if str(key) not in known:
                raise ValueError(f"explained names {key!r}, which is not in embeddings")
            try:
                v = np.asarray(r, dtype=np.float64).reshape(-1)
            except (TypeError, ValueError):
                raise ValueError(f"explained[{key!r}] must be two ratios in [0, 1]") from None
            if v.size < 2 or not np.isfinite(v[:2]).all() or v[:2].min() < 0 or v[:2].max() > 1 + 1e-9:
                raise ValueError(f"explained[{key!r}] must hold two ratios in [0, 1], got {r!r}")
            evr[str(key)] = v[:2]
    m = len(items)
    cols = min(PANEL_COLUMNS, m)
    rows = int(math.ceil(m / PANEL_COLUMNS))
    keep = stride_indices(n, MAX_SCATTER_POINTS)
    colors = class_colors(K)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[name for name, _ in items],
                        horizontal_spacing=0.08, vertical_spacing=0.16 if rows > 1 else 0.0)
    shown: set[int] = set()
    yk = yv[keep]
    for i, ((name, _), c) in enumerate(zip(items, coords)):
        r, cc = i // PANEL_COLUMNS + 1, i % PANEL_COLUMNS + 1
        ck = c[keep]
        for k in range(K):
            sel = yk == k
            if not sel.any():
                continue
            fig.add_trace(go.Scatter(
                x=ck[sel, 0], y=ck[sel, 1], mode="markers", name=names[k], legendgroup=names[k],
                showlegend=k not in shown,
                marker={"color": colors[k], "size": 5, "opacity": 0.75, "line": {"width": 0}},
                customdata=keep[sel],
                hovertemplate=(f"{name}<br>#%{{customdata}} · {names[k]}<br>PC1 %{{x:.3g}}"
                               "<br>PC2 %{y:.3g}<extra></extra>"),
            ), row=r, col=cc)
            shown.add(k)
        pct = evr.get(name)
        fig.update_xaxes(title_text="PC1" + (f" ({100 * pct[0]:.1f}%)" if pct is not None else ""),
                         row=r, col=cc)
        fig.update_yaxes(title_text="PC2" + (f" ({100 * pct[1]:.1f}%)" if pct is not None else ""),
                         row=r, col=cc)
    fig.update_annotations(font={"size": 13})
    sub = f"{keep.size} of {n} series" if keep.size < n else f"{n} series"
    apply_layout(fig, title=title or f"Latent space per model (PCA, {sub})",
                 height=max(DEFAULT_HEIGHT, 340 * rows + 80), uirevision="augment:latent-pca",
                 legend_title="class")
    return fig


# --------------------------------------------------------------------------- training curves
def training_compare_figure(histories: Mapping[str, Any], *, metric: str = "val_accuracy",
                            title: str | None = None) -> "go.Figure":
    """One training curve per model: ``metric`` over the epochs.

    Parameters
    ----------
    histories : dict model -> mapping (or DataFrame)
        Per model a training history as ``FitResult.history``: ``"epoch"`` (optional, default
        1, 2, ...) and ``metric`` as sequences; shorter or partial histories (live training) are
        fine, non-finite values (no validation split) are not drawn, and a model without
        ``metric`` gets no trace.
    metric : str
        The key drawn: ``"val_accuracy"`` (default), ``"train_accuracy"``, ``"val_loss"``,
        ``"train_loss"`` or any other. Keys containing ``"accuracy"`` are fractions in ``[0, 1]``,
        drawn in percent.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One lines+markers trace per model with at least one finite value (colour by model order),
        x ``"Epoch"``, y from :data:`HISTORY_METRICS` (``"Validation accuracy (%)"``,
        ``"Validation loss (nats)"``...) or the metric name; accuracy on ``[0, 100]``. With no
        drawable curve, the note "no <metric> in the histories".

    Raises
    ------
    ValueError
        ``histories`` empty or not a dict, a history not a mapping (or DataFrame), values not
        numbers, accuracy outside ``[0, 1]``; bad ``metric``.
    """
    import pandas as pd
    import plotly.graph_objects as go

    if not isinstance(metric, str) or not metric or metric == "epoch":
        raise ValueError(f"metric must name a history key other than 'epoch', got {metric!r}")
    is_acc = "accuracy" in metric
    label = HISTORY_METRICS.get(metric, _metric_label(metric) + (" (%)" if is_acc else ""))
    fig = go.Figure()
    n_drawn = 0
    for j, (name, hist) in enumerate(_items(histories, "histories")):
        if isinstance(hist, pd.DataFrame):
            hist = {c: hist[c].tolist() for c in hist.columns}
        if not isinstance(hist, Mapping):
            raise ValueError(f"histories[{name!r}] must be a mapping of lists, got "
                             f"{type(hist).__name__}")
        if metric not in hist:
            continue
        try:
            v = np.asarray(hist[metric], dtype=np.float64).reshape(-1)
            epoch = np.asarray(hist.get("epoch", []), dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"histories[{name!r}] must hold numbers") from None
        if epoch.size < v.size:
            start = epoch[-1] + 1 if epoch.size else 1.0
            epoch = np.concatenate([epoch, start + np.arange(v.size - epoch.size)])
        epoch = epoch[:v.size]
        ok = np.isfinite(v) & np.isfinite(epoch)
        if not ok.any():
            continue
        if is_acc and (v[ok].min() < -1e-9 or v[ok].max() > 1 + 1e-9):
            raise ValueError(f"histories[{name!r}][{metric!r}] must lie in [0, 1] (fractions), got "
                             f"values in [{v[ok].min():.4g}, {v[ok].max():.4g}]")
        scale = 100.0 if is_acc else 1.0
        fmt = "%{y:.1f}%" if is_acc else "%{y:.4g}"
        fig.add_trace(go.Scatter(
            x=epoch[ok], y=scale * v[ok], mode="lines+markers", name=name, legendgroup=name,
            line={"color": _color(j), "width": 2}, marker={"size": 5},
            hovertemplate=f"{name}<br>epoch %{{x}}<br>{fmt}<extra></extra>",
        ))
        n_drawn += 1
    if not n_drawn:
        _note(fig, f"no {metric} in the histories")
    what = label.rsplit(" (", 1)[0]
    apply_layout(fig, title=title or f"{what} per epoch", xaxis_title="Epoch", yaxis_title=label,
                 uirevision=f"augment:training:{metric}", legend_title="model")
    fig.update_xaxes(tickformat="d", rangemode="tozero")
    if is_acc:
        fig.update_yaxes(range=[0, 102])
    elif "loss" in metric:
        fig.update_yaxes(rangemode="tozero")
    return fig


def odenet_loss_figure(history: Any, *, test_loss_ratio: float | None = None,
                       title: str | None = None) -> "go.Figure":
    """An ODENet fit's loss ratio per epoch, against the "no change" reference at 1.

    Parameters
    ----------
    history : array-like, shape ``(epochs,)``
        The mean training loss of each epoch (``ODEFit.history``): the one-step MSE divided by the
        MSE of predicting "no change" (dimensionless; 1.0 = no better than no change).
    test_loss_ratio : float, optional
        The same ratio on held-out series (e.g. the test split), drawn as one marker after the
        last epoch.
    title : str, optional
        Default ``"ODENet fit · loss ratio 0.776 after 20 epochs"``.

    Returns
    -------
    plotly.graph_objects.Figure
        ``"training loss ratio"`` (lines+markers, x the epochs 1, 2, ...), ``"no change (1.0)"``
        (a dotted line at 1 over the same epochs) and, when given, ``"test split"`` (one marker);
        x ``"Epoch"``, y ``"Loss ratio (one-step MSE / 'no change' MSE)"``. An empty history gives
        the note "no loss history".

    Raises
    ------
    ValueError
        ``history`` not a 1-D sequence of finite numbers; ``test_loss_ratio`` not a finite number.
    """
    import plotly.graph_objects as go

    try:
        h = np.asarray(history, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError("history must be a sequence of numbers (one loss ratio per epoch)") from None
    if np.asarray(history, dtype=object).ndim > 1 or not np.isfinite(h).all():
        raise ValueError("history must be a 1-D sequence of finite numbers (one loss ratio per epoch)")
    if test_loss_ratio is not None:
        if isinstance(test_loss_ratio, bool) or not isinstance(test_loss_ratio, (int, float, np.floating)) \
                or not math.isfinite(float(test_loss_ratio)):
            raise ValueError(f"test_loss_ratio must be a finite number or None, got {test_loss_ratio!r}")
    fig = go.Figure()
    ytitle = "Loss ratio (one-step MSE / 'no change' MSE)"
    if not h.size:
        _note(fig, "no loss history")
    else:
        epochs = np.arange(1, h.size + 1, dtype=np.float64)
        fig.add_trace(go.Scatter(x=epochs, y=h, mode="lines+markers", name="training loss ratio",
                                 line={"color": LEARNED_COLOR, "width": 2}, marker={"size": 5},
                                 hovertemplate="epoch %{x}<br>loss ratio %{y:.4f}<extra></extra>"))
        ref_x = np.array([0.5, h.size + (1.5 if test_loss_ratio is not None else 0.5)])
        fig.add_trace(go.Scatter(x=ref_x, y=np.ones(2), mode="lines", name="no change (1.0)",
                                 line={"color": REFERENCE_COLOR, "width": 1.5, "dash": "dot"}, hoverinfo="skip"))
        if test_loss_ratio is not None:
            fig.add_trace(go.Scatter(x=[h.size + 1.0], y=[float(test_loss_ratio)], mode="markers", name="test split",
                                     marker={"color": FD_COLOR, "size": 10, "symbol": "diamond"},
                                     hovertemplate="test split<br>loss ratio %{y:.4f}<extra></extra>"))
    last = f" · loss ratio {h[-1]:.3f} after {h.size} epoch{'s' if h.size != 1 else ''}" if h.size else ""
    apply_layout(fig, title=title or f"ODENet fit{last}", xaxis_title="Epoch", yaxis_title=ytitle,
                 uirevision="augment:odenet-loss")
    fig.update_xaxes(tickformat="d")
    fig.update_yaxes(rangemode="tozero")
    return fig
