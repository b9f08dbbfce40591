"""Figures of the Attack page: clean vs adversarial series, probabilities, spectra, latent shift,
budget sweeps, adversarial confusion, GenAttack fitness and perturbation sizes.

Pure functions from an :class:`~tsviz.attacks.AttackReport` (or its arrays), a
:class:`~tsviz.attacks.SweepResult` frame or a :mod:`tsviz.attacks.analysis` result to a
:class:`plotly.graph_objects.Figure`; plotly is imported inside each function and nothing here
imports torch or the attacks. Clean is drawn in dark grey (solid), adversarial in red (dashed);
class colours come from :func:`tsviz.viz.style.class_colors`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.checks import is_int as _is_int
from tsviz.viz.style import (
    apply_layout,
    class_colors,
    class_names_checked,
    decimate_minmax,
    stride_indices,
    time_axis,
    with_alpha,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

    from tsviz.attacks.analysis import LatentShift, SpectraComparison
    from tsviz.attacks.evaluate import AttackReport

__all__ = [
    "overlay_figure", "probabilities_figure", "spectra_figure", "latent_shift_figure",
    "sweep_figure", "sweep_figures", "adversarial_confusion_figure", "fitness_figure",
    "perturbation_size_figure", "CLEAN_COLOR", "ADV_COLOR", "PERTURBATION_COLOR", "ATTACK_COLORS",
    "SWEEP_METRICS", "MAX_ARROWS", "NO_HISTORY_TEXT", "ONE_STEP_TEXT",
]

#: Clean series / "before" bars.
CLEAN_COLOR = "#4D4D4D"
#: Adversarial series / "after" bars.
ADV_COLOR = "#D62728"
#: The perturbation ``x_adv - x`` (its own colour in the spectra).
PERTURBATION_COLOR = "#FF7F0E"
#: One colour per attack in sweep curves (plotly's default qualitative palette), by order of
#: first appearance in the frame.
ATTACK_COLORS: tuple[str, ...] = (
    "#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880",
    "#FF97FF", "#FECB52",
)
#: Sweep metrics and their axis titles (all fractions in [0, 1]).
SWEEP_METRICS = {
    "adversarial_accuracy": "Adversarial accuracy",
    "adversarial_precision": "Adversarial precision (macro)",
    "success_rate": "Attack success rate",
}
#: Most clean -> adversarial arrows :func:`latent_shift_figure` draws (evenly strided above it).
MAX_ARROWS = 300
#: Annotation of :func:`fitness_figure` when the history has nothing to draw.
NO_HISTORY_TEXT = "no per-generation history for this attack"
#: Note of a history with one iteration (FGSM: one gradient step).
ONE_STEP_TEXT = "one step: a single point (median and interquartile range over series), no curve"


# --------------------------------------------------------------------------- helpers
def _pick(value: Any, index: int, name: str, n: int | None) -> Any:
    """``value[index]`` for a per-sample array, ``value`` itself for a scalar."""
    a = np.asarray(value)
    if a.ndim == 0:
        return a.item()
    if a.ndim != 1 or (n is not None and a.shape[0] != n):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got {a.shape}")
    if not 0 <= index < a.shape[0]:
        raise ValueError(f"index must be in [0, {a.shape[0]}) for {name}, got {index}")
    return a[index].item()


def _label(k: Any, names: tuple[str, ...], name: str) -> str:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) \
            or not 0 <= int(k) < len(names):
        raise ValueError(f"{name} must be a class index in [0, {len(names)}), got {k!r}")
    return names[int(k)]


def _pct(p: Any, name: str) -> str:
    if p is None:
        return ""
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a probability in [0, 1], got {p!r}") from None
    if not np.isfinite(p) or not -1e-6 <= p <= 1 + 1e-6:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p!r}")
    return f" ({100.0 * p:.0f}%)"


def _note(fig: Any, text: str, **kw: Any) -> None:
    fig.add_annotation(text=text, x=0.5, y=kw.pop("y", 0.5), xref=kw.pop("xref", "paper"),
                       yref=kw.pop("yref", "paper"), showarrow=False,
                       font={"color": "#7F7F7F", "size": 14}, **kw)


def _series(name: str, a: Any) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, None, :]
    elif arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] == 0 or arr.shape[-1] == 0:
        raise ValueError(f"{name} must have shape (n, C, T), (C, T) or (T,), got {np.shape(a)}")
    return arr


# --------------------------------------------------------------------------- overlay
def overlay_figure(x: Any, x_adv: Any, *, index: int, fs: float | None, unit: str,
                   class_names: Sequence[str], y_true: Any, clean_pred: Any, adv_pred: Any,
                   clean_conf: Any = None, adv_conf: Any = None, channel: int = 0,
                   eps: float | None = None, title: str | None = None) -> "go.Figure":
    """One series before and after the attack, and the perturbation, in two stacked rows.

    Parameters
    ----------
    x, x_adv : ndarray, shape ``(n, C, T)`` (or ``(C, T)``/``(T,)`` for the one series)
        Clean and adversarial series in ``unit``; row ``index`` is drawn.
    index : int
        The series (row of ``x``) drawn, and named in the title.
    fs : float or None
        Sampling frequency (Hz): time axis in seconds when known, else in steps.
    unit : str
        Signal unit (``"mV"``).
    class_names : sequence of str
    y_true, clean_pred, adv_pred : int or ndarray (n,)
        Class indices of the series (or of every series, indexed with ``index``).
    clean_conf, adv_conf : float or ndarray (n,), optional
        Probability of the clean / adversarial prediction (e.g. ``clean_probs.max(1)``),
        shown as a percentage in the title.
    channel : int
        Channel drawn.
    eps : float, optional
        L-inf budget, drawn as dotted ``±eps`` lines on the perturbation row.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Rows sharing the time axis: top ``"clean"`` (solid grey) and ``"adversarial"`` (dashed
        red), y ``"Amplitude (unit)"``; bottom ``"perturbation"`` (red), y
        ``"Perturbation (unit)"``; x ``"Time (s)"`` or ``"Time step"``. 3 traces. Title
        ``"Series #i · true N · clean → N (98%) · adversarial → V (87%)"``.

    Raises
    ------
    ValueError
        Shapes differ, bad ``index``, ``channel``, labels or confidences.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    xa, xb = _series("x", x), _series("x_adv", x_adv)
    if xa.shape != xb.shape:
        raise ValueError(f"x_adv must have the shape of x {xa.shape}, got {xb.shape}")
    names = class_names_checked(class_names)
    n, C, T = xa.shape
    full = np.ndim(x) == 3  # a batch: index selects the row; else x is the one series
    if not _is_int(index) or index < 0 or (full and index >= n):
        raise ValueError(f"index must be an integer in [0, {n if full else 'inf'}), got {index!r}")
    index = int(index)
    row = index if full else 0
    if not _is_int(channel) or not 0 <= int(channel) < C:
        raise ValueError(f"channel must be an integer in [0, {C}), got {channel!r}")
    channel = int(channel)
    if eps is not None and (isinstance(eps, (bool, np.bool_))
                            or not isinstance(eps, (int, float, np.integer, np.floating))
                            or not np.isfinite(eps) or eps < 0):
        raise ValueError(f"eps must be a finite number >= 0 or None, got {eps!r}")
    t_lab = _label(_pick(y_true, index, "y_true", n if full else None), names, "y_true")
    c_lab = _label(_pick(clean_pred, index, "clean_pred", n if full else None), names, "clean_pred")
    a_lab = _label(_pick(adv_pred, index, "adv_pred", n if full else None), names, "adv_pred")
    c_pct = _pct(None if clean_conf is None else _pick(clean_conf, index, "clean_conf",
                                                       n if full else None), "clean_conf")
    a_pct = _pct(None if adv_conf is None else _pick(adv_conf, index, "adv_conf",
                                                     n if full else None), "adv_conf")
    clean = xa[row, channel]
    adv = xb[row, channel]
    d = adv - clean
    t, xtitle = time_axis(T, fs)
    keep = np.union1d(np.union1d(decimate_minmax(clean), decimate_minmax(adv)), decimate_minmax(d))
    tu = "s" if fs else "step"
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35],
                        vertical_spacing=0.06)
    fig.add_trace(go.Scatter(
        x=t[keep], y=clean[keep], mode="lines", name="clean", line={"color": CLEAN_COLOR, "width": 1.6},
        hovertemplate=f"clean<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {unit}<extra></extra>",
    ), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=t[keep], y=adv[keep], mode="lines", name="adversarial",
        line={"color": ADV_COLOR, "width": 1.6, "dash": "dash"},
        hovertemplate=f"adversarial<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {unit}<extra></extra>",
    ), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=t[keep], y=d[keep], mode="lines", name="perturbation",
        line={"color": ADV_COLOR, "width": 1.2}, fill="tozeroy", fillcolor=with_alpha(ADV_COLOR, 0.15),
        hovertemplate=f"perturbation<br>%{{x:.3f}} {tu}<br>%{{y:.4f}} {unit}<extra></extra>",
    ), row=2, col=1)
    if eps is not None and float(eps) > 0:
        for s in (1, -1):
            fig.add_hline(y=s * float(eps), line={"dash": "dot", "color": "#7F7F7F", "width": 1},
                          row=2, col=1)
    ch = f" · channel {channel}" if C > 1 else ""
    title = title or (f"Series #{int(index)} · true {t_lab} · clean → {c_lab}{c_pct} · "
                      f"adversarial → {a_lab}{a_pct}{ch}")
    apply_layout(fig, title=title, height=480, uirevision=f"overlay:{int(index)}:{channel}",
                 legend_title="series")
    fig.update_yaxes(title_text=f"Amplitude ({unit})", row=1, col=1)
    fig.update_yaxes(title_text=f"Perturbation ({unit})", row=2, col=1, zeroline=True)
    fig.update_xaxes(title_text=xtitle, row=2, col=1)
    return fig


# --------------------------------------------------------------------------- probabilities
def probabilities_figure(clean_probs: Any, adv_probs: Any, class_names: Sequence[str], *,
                         title: str | None = None) -> "go.Figure":
    """Class probabilities of one series before (grey) and after (red) the attack.

    Parameters
    ----------
    clean_probs, adv_probs : ndarray, shape ``(K,)``
        Softmax outputs of the clean and the adversarial series (a row of
        ``AttackReport.clean_probs`` / ``adv_probs``).
    class_names : sequence of str
        ``K`` names.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two grouped bar traces (``"before attack"``, ``"after attack"``), x ``"Class"``,
        y ``"Probability (0–1)"`` on ``[0, 1]``, values as bar labels.

    Raises
    ------
    ValueError
        Shapes not ``(K,)`` with ``K = len(class_names)``, or values outside ``[0, 1]``.
    """
    import plotly.graph_objects as go

    names = class_names_checked(class_names)
    K = len(names)
    fig = go.Figure()
    for label, arr, color, nm in (("before attack", clean_probs, CLEAN_COLOR, "clean_probs"),
                                  ("after attack", adv_probs, ADV_COLOR, "adv_probs")):
        p = np.asarray(arr, dtype=np.float64)
        if p.shape != (K,):
            raise ValueError(f"{nm} must have shape ({K},) to match class_names, got {p.shape}")
        if not np.isfinite(p).all() or p.min() < -1e-6 or p.max() > 1 + 1e-6:
            raise ValueError(f"{nm} must hold probabilities in [0, 1]")
        fig.add_trace(go.Bar(
            x=list(names), y=p, name=label, marker_color=color,
            text=[f"{v:.2f}" for v in p], textposition="outside", cliponaxis=False,
            hovertemplate=f"{label}<br>%{{x}}: %{{y:.3f}}<extra></extra>",
        ))
    apply_layout(fig, title=title or "Class probabilities before and after the attack",
                 xaxis_title="Class", yaxis_title="Probability (0–1)", uirevision="attack-probs",
                 legend_title="prediction")
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, 1.1])
    return fig


# --------------------------------------------------------------------------- spectra
def spectra_figure(comparison: "SpectraComparison", unit: str, *, channel: int = 0,
                   title: str | None = None) -> "go.Figure":
    """Mean power spectral density of clean, adversarial and perturbation on a log power axis.

    Parameters
    ----------
    comparison : SpectraComparison
        From :func:`tsviz.attacks.analysis.welch_compare`.
    unit : str
        Signal unit (the PSD is in ``unit²/Hz``).
    channel : int
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        3 line traces (``"clean"`` grey, ``"adversarial"`` dashed red, ``"perturbation"``
        orange), x ``"Frequency (Hz)"`` (or cycles/sample), y ``"PSD (unit²/Hz)"`` in log scale;
        non-positive values are left out of the log axis.
    """
    import plotly.graph_objects as go

    C = comparison.clean.shape[0]
    if not _is_int(channel) or not 0 <= int(channel) < C:
        raise ValueError(f"channel must be an integer in [0, {C}), got {channel!r}")
    keep = stride_indices(comparison.freqs.size)
    f = comparison.freqs[keep]
    fu = comparison.freq_unit
    unit_label = f"{unit}²/Hz" if fu == "Hz" else f"{unit}²/(cycles/sample)"
    fig = go.Figure()
    for label, arr, color, dash in (("clean", comparison.clean, CLEAN_COLOR, "solid"),
                                    ("adversarial", comparison.adversarial, ADV_COLOR, "dash"),
                                    ("perturbation", comparison.perturbation, PERTURBATION_COLOR, "solid")):
        p = np.asarray(arr[channel, keep], dtype=np.float64)
        p = np.where(p > 0, p, np.nan)
        fig.add_trace(go.Scatter(
            x=f, y=p, mode="lines", name=label, line={"color": color, "width": 2, "dash": dash},
            hovertemplate=f"{label}<br>%{{x:.3g}} {fu}<br>%{{y:.3g}} {unit_label}<extra></extra>",
        ))
    ch = f", channel {channel}" if C > 1 else ""
    apply_layout(fig, title=title or f"Power spectral density (mean of {comparison.n} series{ch})",
                 xaxis_title=f"Frequency ({fu})", yaxis_title=f"PSD ({unit_label})",
                 uirevision=f"attack-psd:{channel}", legend_title="signal")
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


# --------------------------------------------------------------------------- latent shift
def _aligned(values: Any, indices: np.ndarray, n_total: int, name: str) -> np.ndarray:
    v = np.asarray(values)
    m = indices.size
    if v.ndim == 1 and v.shape[0] == n_total:
        v = v[indices]
    elif not (v.ndim == 1 and v.shape[0] == m):
        raise ValueError(f"{name} must have {n_total} (all series) or {m} (projected points) "
                         f"entries, got shape {v.shape}")
    if v.size and not np.issubdtype(v.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class indices, got dtype {v.dtype}")
    return v.astype(np.int64)


def latent_shift_figure(shift: "LatentShift", y_true: Any, adv_pred: Any,
                        class_names: Sequence[str], *, max_arrows: int = MAX_ARROWS,
                        title: str | None = None) -> "go.Figure":
    """Clean latents (filled, by true class), adversarial latents (hollow, by adversarial
    prediction) and a line from each clean point to its adversarial point.

    Parameters
    ----------
    shift : LatentShift
        From :func:`tsviz.attacks.analysis.latent_shift`.
    y_true, adv_pred : ndarray, int
        True classes and predictions under attack, for all ``shift.n_total`` series (subsampled
        here with ``shift.indices``) or for the ``m`` projected points.
    class_names : sequence of str
    max_arrows : int
        At most this many clean -> adversarial segments (evenly strided over the points),
        1 to 5000.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One filled-marker trace ``"clean · <class>"`` per true class present, one hollow-marker
        trace ``"adversarial → <class>"`` per adversarial prediction present, and one
        ``"shift"`` line trace (segments separated by ``None``; always present). Axes
        ``"PC1 (latent units; xx.x% of clean variance)"``.
    """
    import plotly.graph_objects as go

    names = class_names_checked(class_names)
    K = len(names)
    if not _is_int(max_arrows) or not 1 <= int(max_arrows) <= 5000:
        raise ValueError(f"max_arrows must be an integer in [1, 5000], got {max_arrows!r}")
    idx = np.asarray(shift.indices)
    yt = _aligned(y_true, idx, shift.n_total, "y_true")
    ya = _aligned(adv_pred, idx, shift.n_total, "adv_pred")
    for nm, v in (("y_true", yt), ("adv_pred", ya)):
        if v.size and (v.min() < 0 or v.max() >= K):
            raise ValueError(f"{nm} must be in [0, {K}) (len(class_names))")
    a = np.asarray(shift.coords_clean, dtype=np.float64)
    b = np.asarray(shift.coords_adv, dtype=np.float64)
    colors = class_colors(K)
    names_arr = np.asarray(names, dtype=object)
    fig = go.Figure()
    sel = stride_indices(idx.size, int(max_arrows))
    seg_x = np.full(3 * sel.size, None, dtype=object)
    seg_y = np.full(3 * sel.size, None, dtype=object)
    seg_x[0::3], seg_x[1::3] = a[sel, 0], b[sel, 0]
    seg_y[0::3], seg_y[1::3] = a[sel, 1], b[sel, 1]
    fig.add_trace(go.Scatter(
        x=seg_x.tolist(), y=seg_y.tolist(),
        mode="lines", name=f"shift ({sel.size} of {idx.size})" if sel.size < idx.size else "shift",
        line={"color": "rgba(90, 90, 90, 0.45)", "width": 1}, hoverinfo="skip",
    ))
    for k in range(K):
        mask = yt == k
        if mask.any():
            fig.add_trace(go.Scatter(
                x=a[mask, 0], y=a[mask, 1], mode="markers", name=f"clean · {names[k]}",
                legendgroup="clean", legendgrouptitle_text="clean (true class)",
                marker={"color": colors[k], "size": 7, "opacity": 0.8, "line": {"width": 0}},
                customdata=np.stack([idx[mask], names_arr[ya[mask]]], axis=1),
                hovertemplate=(f"#%{{customdata[0]}} clean<br>true {names[k]}<br>adversarial → "
                               "%{customdata[1]}<extra></extra>"),
            ))
    for k in range(K):
        mask = ya == k
        if mask.any():
            fig.add_trace(go.Scatter(
                x=b[mask, 0], y=b[mask, 1], mode="markers", name=f"adversarial → {names[k]}",
                legendgroup="adversarial", legendgrouptitle_text="adversarial (prediction)",
                marker={"symbol": "circle-open", "color": colors[k], "size": 9,
                        "line": {"width": 1.6, "color": colors[k]}},
                customdata=np.stack([idx[mask], names_arr[yt[mask]]], axis=1),
                hovertemplate=("#%{customdata[0]} adversarial<br>true %{customdata[1]}<br>"
                               f"adversarial → {names[k]}<extra></extra>"),
            ))
    evr = np.asarray(shift.explained_variance_ratio)
    axes = [f"PC{j + 1} (latent units; {100 * evr[j]:.1f}% of clean variance)" for j in range(2)]
    sub = (f"{idx.size} of {shift.n_total} series" if idx.size < shift.n_total
           else f"{idx.size} series")
    apply_layout(fig, title=title or f"Latent shift under attack (PCA of clean latents, {sub})",
                 xaxis_title=axes[0], yaxis_title=axes[1], height=460, uirevision="latent-shift")
    return fig


# --------------------------------------------------------------------------- sweeps
def _sweep_frame(frame: Any, metric: str) -> "pd.DataFrame":
    import pandas as pd

    if hasattr(frame, "to_frame") and not isinstance(frame, pd.DataFrame):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame (SweepResult.to_frame()), got "
                         f"{type(frame).__name__}")
    if metric not in SWEEP_METRICS:
        raise ValueError(f"metric must be one of {', '.join(SWEEP_METRICS)}, got {metric!r}")
    missing = [c for c in ("attack", "eps", metric) if c not in frame.columns]
    if missing and len(frame):
        raise ValueError(f"frame lacks the column(s) {', '.join(missing)}")
    return frame


def _add_sweep_traces(fig: Any, frame: "pd.DataFrame", metric: str, unit: str, *, row=None,
                      col=None, showlegend: bool = True) -> int:
    import plotly.graph_objects as go

    label = SWEEP_METRICS[metric]
    attacks = list(dict.fromkeys(frame["attack"].astype(str))) if len(frame) else []
    for j, att in enumerate(attacks):
        sub = frame[frame["attack"].astype(str) == att]
        e = sub["eps"].to_numpy(dtype=np.float64)
        v = sub[metric].to_numpy(dtype=np.float64)
        order = np.argsort(e, kind="stable")
        e, v = e[order], v[order]
        ok = np.isfinite(e) & np.isfinite(v)
        color = ATTACK_COLORS[j % len(ATTACK_COLORS)]
        tr = go.Scatter(
            x=e[ok], y=v[ok], mode="lines+markers", name=att, legendgroup=att,
            showlegend=showlegend, line={"color": color, "width": 2}, marker={"size": 7},
            hovertemplate=f"{att}<br>eps %{{x:.4g}} {unit}<br>{label}: %{{y:.1%}}<extra></extra>",
        )
        if row is None:
            fig.add_trace(tr)
        else:
            fig.add_trace(tr, row=row, col=col)
    return len(attacks)


def sweep_figure(frame: Any, *, metric: str = "adversarial_accuracy", unit: str,
                 title: str | None = None) -> "go.Figure":
    """A robustness curve per attack: ``metric`` against the budget ``eps``.

    Parameters
    ----------
    frame : DataFrame or SweepResult
        ``SweepResult.to_frame()``: columns ``attack``, ``eps`` and ``metric`` (one row per
        attack and eps; the clean point has ``eps = 0``).
    metric : {"adversarial_accuracy", "adversarial_precision", "success_rate"}
        A fraction in ``[0, 1]``; NaN points (e.g. a success rate with no correct series) are
        left out.
    unit : str
        Signal unit of ``eps`` (``"mV"``).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One lines+markers trace per attack (in order of first appearance), x ``"eps (unit)"``,
        y ``"<metric> (%)"`` on ``[0, 1]``. An empty frame gives an empty figure with the note
        "no sweep results".

    Raises
    ------
    ValueError
        ``frame`` not a DataFrame, unknown ``metric``, missing columns.
    """
    import plotly.graph_objects as go

    frame = _sweep_frame(frame, metric)
    fig = go.Figure()
    n = _add_sweep_traces(fig, frame, metric, unit)
    if n == 0:
        _note(fig, "no sweep results")
    apply_layout(fig, title=title or f"{SWEEP_METRICS[metric]} vs budget",
                 xaxis_title=f"eps ({unit})", yaxis_title=f"{SWEEP_METRICS[metric]} (%)",
                 uirevision=f"sweep:{metric}", legend_title="attack")
    fig.update_yaxes(range=[-0.02, 1.02], tickformat=".0%")
    fig.update_xaxes(rangemode="tozero")
    return fig


def sweep_figures(frame: Any, unit: str, *,
                  metrics: Sequence[str] = ("adversarial_accuracy", "adversarial_precision"),
                  title: str | None = None) -> "go.Figure":
    """Side-by-side robustness curves (default: adversarial accuracy and precision vs eps).

    Parameters
    ----------
    frame : DataFrame or SweepResult
        As for :func:`sweep_figure`.
    unit : str
        Signal unit of ``eps``.
    metrics : sequence of str
        1 to 3 names from :data:`SWEEP_METRICS`, one subplot each.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One subplot per metric, one trace per attack in each (``len(metrics) * #attacks`` traces,
        legend entries shared), x ``"eps (unit)"``, y on ``[0, 1]``.
    """
    from plotly.subplots import make_subplots

    metrics = list(metrics) if not isinstance(metrics, str) else [metrics]
    if not 1 <= len(metrics) <= 3:
        raise ValueError(f"metrics must name 1 to 3 metrics, got {len(metrics)}")
    for m in metrics:
        frame = _sweep_frame(frame, m)
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[SWEEP_METRICS[m] for m in metrics],
                        horizontal_spacing=0.12)
    n = 0
    for j, m in enumerate(metrics):
        n = _add_sweep_traces(fig, frame, m, unit, row=1, col=j + 1, showlegend=(j == 0))
        fig.update_yaxes(title_text=f"{SWEEP_METRICS[m]} (%)", range=[-0.02, 1.02],
                         tickformat=".0%", row=1, col=j + 1)
        fig.update_xaxes(title_text=f"eps ({unit})", rangemode="tozero", row=1, col=j + 1)
    if n == 0:
        _note(fig, "no sweep results")
    apply_layout(fig, title=title or "Robustness vs budget", uirevision="sweep:" + ",".join(metrics),
                 legend_title="attack")
    return fig


# --------------------------------------------------------------------------- confusion
def adversarial_confusion_figure(confusion: Any, class_names: Sequence[str], *,
                                 score: float | None = None, normalize: bool = True,
                                 title: str | None = None) -> "go.Figure":
    """The confusion matrix under attack (rows true, columns adversarial prediction).

    Parameters
    ----------
    confusion : ndarray, int, shape ``(K, K)``
        ``AttackReport.confusion``.
    class_names : sequence of str
    score : float, optional
        Weighted robustness score ``S`` (:func:`tsviz.attacks.weighted_robustness_score`),
        appended to the title as ``"S = ..."``.
    normalize : bool
        Colour by row percentage.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        As :func:`tsviz.viz.confusion_matrix_figure` (one heatmap trace), titled
        ``"Adversarial confusion matrix (n=..., adversarial accuracy ..%) · S = ..."``.
    """
    from tsviz.viz.model_figures import confusion_matrix_figure

    if score is not None and (isinstance(score, (bool, np.bool_))
                              or not isinstance(score, (int, float, np.integer, np.floating))):
        raise ValueError(f"score must be a number or None, got {score!r}")
    cm = np.asarray(confusion)
    if title is None:
        total = int(cm.sum()) if cm.ndim == 2 and cm.size else 0
        square = cm.ndim == 2 and cm.shape[0] == cm.shape[1]
        acc = f", adversarial accuracy {100 * np.trace(cm) / total:.1f}%" if total and square else ""
        title = f"Adversarial confusion matrix (n={total}{acc})"
        if score is not None:
            title += f" · S = {float(score):.3g}"
    fig = confusion_matrix_figure(cm, class_names, normalize=normalize, title=title)
    fig.update_layout(uirevision="adversarial-confusion")
    fig.update_xaxes(title_text="Predicted under attack")
    return fig


# --------------------------------------------------------------------------- GenAttack history
def _nan_quantiles(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``v`` ``(G, n)``: NaN-aware 25th, 50th, 75th percentiles (NaN for empty rows)."""
    out = np.full((3, v.shape[0]), np.nan)
    ok = np.isfinite(v).any(axis=1)
    if ok.any():
        out[:, ok] = np.nanpercentile(v[ok], [25, 50, 75], axis=1)
    return out[0], out[1], out[2]


def _as_history(v: Any, name: str) -> np.ndarray | None:
    if v is None:
        return None
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"history[{name!r}] must have shape (generations, n), got {a.shape}")
    return np.where(np.isfinite(a), a, np.nan)


def fitness_figure(history: Mapping[str, Any] | None, *, key: str = "best_fitness",
                   queries_cumulative: bool | None = None, title: str | None = None) -> "go.Figure":
    """GenAttack's best fitness per generation and the queries spent so far.

    Alzantot et al. (2019), "GenAttack: practical black-box attacks with gradient-free
    optimization": fitness ``log f(x)_t - log sum_{j != t} f(x)_j`` (nats).

    Parameters
    ----------
    history : mapping or None
        ``AttackReport.history``: ``key`` ``(generations, n)`` (default ``"best_fitness"``) and
        optionally ``"queries"`` ``(generations, n)``. NaN/inf entries (samples that stopped
        early) are ignored: each generation's median and IQR are over the series still running
        (their number is shown on hover), and an all-NaN generation is not drawn. A missing,
        empty or all-NaN ``key`` gives a figure with the note :data:`NO_HISTORY_TEXT`.
    key : str
        The trace to draw (``"loss"`` draws a white-box attack's loss per iteration).
    queries_cumulative : bool, optional
        Whether ``history["queries"]`` already counts queries spent so far; ``None`` infers it
        (cumulative when every sample's count never decreases and some count grows), otherwise
        the per-generation counts are summed.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        A filled IQR band (25–75 % over samples) and a median line of ``key`` per generation
        (x ``"Generation"``, y ``"Best fitness (log-odds, nats)"``), plus, when ``"queries"`` is present, the
        median cumulative queries per sample on a secondary y axis ``"Queries per series
        (count)"``: 3 traces (2 without queries, 0 with the note). A history of one iteration
        (FGSM's one step) is one marker with the IQR as error bars and the note
        :data:`ONE_STEP_TEXT`.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if history is not None and not isinstance(history, Mapping):
        raise ValueError(f"history must be a mapping of arrays or None, got {type(history).__name__}")
    if not isinstance(key, str) or not key:
        raise ValueError(f"key must be the name of a history entry, got {key!r}")
    history = history or {}
    is_fit = key == "best_fitness"
    xlab = "Generation" if is_fit else "Iteration"
    ylab = "Best fitness (log-odds, nats)" if is_fit else f"{key.replace('_', ' ').capitalize()}"
    v = _as_history(history.get(key), key)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if v is None or v.size == 0 or not np.isfinite(v).any():
        _note(fig, NO_HISTORY_TEXT)
        apply_layout(fig, title=title or "Attack progress", uirevision=f"history:{key}",
                     showlegend=False)
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return fig
    G, n = v.shape
    gen = np.arange(1, G + 1, dtype=np.float64)
    q25, q50, q75 = _nan_quantiles(v)
    ok = np.isfinite(q50)
    one = int(ok.sum()) == 1  # a one-step attack (FGSM): one point, no curve
    if one:
        _note(fig, ONE_STEP_TEXT, y=1.08)
    else:
        fig.add_trace(go.Scatter(
            x=np.concatenate([gen[ok], gen[ok][::-1]]), y=np.concatenate([q75[ok], q25[ok][::-1]]),
            fill="toself", fillcolor=with_alpha(ADV_COLOR, 0.2), line={"width": 0}, mode="lines",
            name="IQR over series", hoverinfo="skip",
        ), secondary_y=False)
    running = np.isfinite(v).sum(axis=1)
    fig.add_trace(go.Scatter(
        x=gen[ok], y=q50[ok], mode="markers" if one else "lines", name=f"median {key.replace('_', ' ')}",
        error_y={"type": "data", "symmetric": False, "array": (q75 - q50)[ok], "arrayminus": (q50 - q25)[ok],
                 "color": ADV_COLOR} if one else None,
        marker={"color": ADV_COLOR, "size": 10},
        line={"color": ADV_COLOR, "width": 2}, customdata=running[ok],
        hovertemplate=(f"{xlab.lower()} %{{x}}<br>median %{{y:.3f}}<br>over %{{customdata}} "
                       "running series<extra></extra>"),
    ), secondary_y=False)
    q = _as_history(history.get("queries"), "queries")
    if q is not None and q.size:
        qz = np.nan_to_num(q, nan=0.0)
        if queries_cumulative is None:
            d = np.diff(qz, axis=0)
            queries_cumulative = bool(q.shape[0] == 1 or ((d >= 0).all() and (d > 0).any()))
        cum = q if queries_cumulative else np.where(np.isfinite(q), np.cumsum(qz, axis=0), np.nan)
        if queries_cumulative:  # a stopped series keeps its last count
            cum = np.fmax.accumulate(np.where(np.isfinite(cum), cum, -np.inf), axis=0)
            cum = np.where(np.isfinite(cum), cum, np.nan)
        _, qm, _ = _nan_quantiles(cum)
        gq = np.arange(1, cum.shape[0] + 1, dtype=np.float64)
        okq = np.isfinite(qm)
        fig.add_trace(go.Scatter(
            x=gq[okq], y=qm[okq], mode="lines", name="median queries so far",
            line={"color": "#1F77B4", "width": 1.5, "dash": "dot"},
            hovertemplate=f"{xlab.lower()} %{{x}}<br>%{{y:.0f}} queries<extra></extra>",
        ), secondary_y=True)
        fig.update_yaxes(title_text="Queries per series (count)", secondary_y=True, rangemode="tozero",
                         showgrid=False, tickmode="auto")
    apply_layout(fig, title=title or f"{'Best fitness' if is_fit else ylab} per {xlab.lower()} "
                 f"(median and IQR over {n} series)", uirevision=f"history:{key}", legend_title="")
    fig.update_xaxes(title_text=xlab)
    fig.update_yaxes(title_text=ylab, secondary_y=False)
    return fig


# --------------------------------------------------------------------------- perturbation size
#: Relative spread under which a histogram's values are one value: float32 rounding of one budget
#: (0.095 stored as 0.095000015, 0.09500002, ...) is about 1e-7 relative; 1e-5 leaves a margin.
SAME_VALUE_RTOL = 1e-5
#: Tick format of value axes (d3): 4 significant digits, trailing zeros trimmed.
VALUE_TICKFORMAT = ".4~g"


def _hist(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts and edges of ``bins`` equal bins; values equal up to :data:`SAME_VALUE_RTOL` (float32
    noise around one budget) give one bin centred on their median, to 6 significant digits."""
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= SAME_VALUE_RTOL * max(abs(lo), abs(hi), 1e-30):  # one value: one bar
        v = float(f"{float(np.median(values)):.6g}")
        half = 0.05 * abs(v) if v != 0 else 0.5
        return np.array([values.size]), np.array([v - half, v + half])
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(values, bins=edges)
    return counts, edges


def perturbation_size_figure(report: "AttackReport", *, unit: str | None = None, bins: int = 30,
                             title: str | None = None) -> "go.Figure":
    """Histograms of the per-series L-inf perturbation size and SNR in dB.

    Parameters
    ----------
    report : AttackReport
        Uses ``linf`` and ``snr_db`` ``(n,)``.
    unit : str, optional
        Signal unit of ``linf``; default "signal units".
    bins : int
        Number of equal bins per histogram, 2 to 200.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two subplots: ``"L∞ (unit)"`` and ``"SNR (dB)"``, x those, y ``"Series (count)"``; one bar
        trace each (counts binned with numpy), the median marked with a dashed line and given in
        the subplot title. Series with an infinite SNR (not perturbed) are counted in the SNR
        subplot's title, not drawn. Values equal up to float32 rounding (every series at the
        budget, as after FGSM) are one bar at that value; axis ticks have 4 significant digits.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not _is_int(bins) or not 2 <= int(bins) <= 200:
        raise ValueError(f"bins must be an integer in [2, 200], got {bins!r}")
    linf = np.asarray(report.linf, dtype=np.float64).reshape(-1)
    snr = np.asarray(report.snr_db, dtype=np.float64).reshape(-1)
    u = unit or "signal units"
    lin_ok = linf[np.isfinite(linf)]
    snr_ok = snr[np.isfinite(snr)]
    n_inf = int(np.isposinf(snr).sum())
    titles = []
    for label, vals, xu, extra in (("L∞ perturbation", lin_ok, u, []),
                                   ("SNR", snr_ok, "dB", [f"{n_inf} unperturbed not shown"] if n_inf else [])):
        parts = ([f"median {np.median(vals):.3g} {xu}"] if vals.size else []) + extra
        titles.append(f"{label} ({'; '.join(parts)})" if parts else label)
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.12)
    for col, vals, label, xu, color in ((1, lin_ok, "L∞", u, ADV_COLOR),
                                        (2, snr_ok, "SNR", "dB", "#1F77B4")):
        xref = "x domain" if col == 1 else "x2 domain"
        yref = "y domain" if col == 1 else "y2 domain"
        if vals.size == 0:
            _note(fig, "no finite values", xref=xref, yref=yref)
        else:
            counts, edges = _hist(vals, int(bins))
            centers = 0.5 * (edges[:-1] + edges[1:])
            fig.add_trace(go.Bar(
                x=centers, y=counts, width=edges[1] - edges[0], name=label, showlegend=False,
                marker={"color": color, "line": {"width": 0.5, "color": "white"}}, opacity=0.8,
                customdata=np.stack([edges[:-1], edges[1:]], axis=1),
                hovertemplate=(f"%{{customdata[0]:.4g}}–%{{customdata[1]:.4g}} {xu}"
                               "<br>%{y} series<extra></extra>"),
            ), row=1, col=col)
            fig.add_vline(x=float(np.median(vals)), line={"dash": "dash", "color": "#555555", "width": 1.5},
                          row=1, col=col)
        fig.update_xaxes(title_text=f"{label} ({xu})", tickformat=VALUE_TICKFORMAT, row=1, col=col)
        fig.update_yaxes(title_text="Series (count)", rangemode="tozero", row=1, col=col)
    apply_layout(fig, title=title or f"Perturbation size ({linf.size} series)",
                 uirevision="perturbation-size", showlegend=False)
    fig.update_layout(bargap=0.0)
    return fig
