"""Figures of the Model page: confusion matrix, latent space, entropy, training curves, metrics.

Pure functions from :class:`~tsviz.models.evaluation.ModelReport` parts (or a training history)
to a :class:`plotly.graph_objects.Figure`; plotly is imported inside each function. Large inputs
are aggregated (entropy histograms are binned with numpy, not sent point by point).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.style import (
    METRIC_COLORS,
    MISCLASSIFIED_COLOR,
    OUTCOME_COLORS,
    apply_layout,
    class_colors,
    class_names_checked,
)

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from tsviz.data.stats import Embedding
    from tsviz.models.evaluation import ModelReport

__all__ = ["confusion_matrix_figure", "latent_figure", "entropy_figure",
           "training_curves_figure", "per_class_metrics_figure"]


def confusion_matrix_figure(confusion: np.ndarray, class_names: Sequence[str], *,
                            normalize: bool = True, title: str | None = None) -> "go.Figure":
    """Heatmap of a confusion matrix with count and row-percentage annotations.

    Parameters
    ----------
    confusion : ndarray, int, shape ``(K, K)``
        Counts; rows true classes, columns predicted classes.
    class_names : sequence of str
        ``K`` names.
    normalize : bool
        Colour by row fraction (recall per true class, in %) instead of raw counts.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace; each cell annotated ``"count<br>row %"`` (``"–"`` for a class with no
        true series); x ``"Predicted"``, y ``"True"`` with the first class on top.

    Raises
    ------
    ValueError
        ``confusion`` not square ``(K, K)`` with ``K = len(class_names)``, or negative.
    """
    import plotly.graph_objects as go

    cm = np.asarray(confusion)
    names = class_names_checked(class_names)
    K = len(names)
    if cm.shape != (K, K):
        raise ValueError(f"confusion must have shape ({K}, {K}) to match class_names, got {cm.shape}")
    if (cm < 0).any():
        raise ValueError("confusion must hold non-negative counts")
    rows = cm.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(rows > 0, 100.0 * cm / rows, np.nan)
    text = [[f"{int(cm[i, j])}<br>{'–' if np.isnan(pct[i, j]) else f'{pct[i, j]:.1f}%'}"
             for j in range(K)] for i in range(K)]
    z = pct if normalize else cm.astype(np.float64)
    zmax = 100.0 if normalize else max(float(cm.max()), 1.0)
    fig = go.Figure(go.Heatmap(
        z=z, x=list(names), y=list(names), text=text,
        texttemplate="%{text}" if K <= 20 else None,
        colorscale="Blues", zmin=0.0, zmax=zmax, xgap=1, ygap=1,
        colorbar={"title": {"text": "Row %" if normalize else "Count"}, "thickness": 14},
        hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
    ))
    total = int(cm.sum())
    acc = float(np.trace(cm) / total) if total else float("nan")
    side = max(380, 120 + 42 * K)
    apply_layout(fig, title=title or f"Confusion matrix (n={total}, accuracy {100 * acc:.1f}%)",
                 xaxis_title="Predicted", yaxis_title="True", height=side,
                 uirevision="confusion", showlegend=False)
    fig.update_yaxes(autorange="reversed", type="category", showgrid=False)
    fig.update_xaxes(type="category", side="bottom", showgrid=False)
    return fig


def _aligned(values: np.ndarray, embedding: "Embedding", name: str) -> np.ndarray:
    v = np.asarray(values)
    m = embedding.indices.size
    if v.ndim == 1 and v.shape[0] == embedding.n_total:
        return v[embedding.indices]
    if v.ndim == 1 and v.shape[0] == m:
        return v
    raise ValueError(f"{name} must have {embedding.n_total} (all points) or {m} (embedded points) "
                     f"entries, got shape {v.shape}")


def latent_figure(embedding: "Embedding", y_true: np.ndarray, y_pred: np.ndarray,
                  class_names: Sequence[str], *, method: str | None = None,
                  title: str | None = None) -> "go.Figure":
    """Scatter of a 2-D latent embedding coloured by true class, misclassified points outlined.

    Parameters
    ----------
    embedding : Embedding
        From :func:`tsviz.models.evaluation.embed_latents`.
    y_true, y_pred : ndarray, int
        True and predicted classes, either for all ``embedding.n_total`` points (subsampled here
        with ``embedding.indices``) or already for the ``m`` embedded points.
    class_names : sequence of str
    method : {"pca", "tsne"}, optional
        Names the axes; default ``embedding.method``.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One marker trace per true class present, plus a ``"misclassified (count)"`` trace of black
        open circles over the misclassified points (always present, possibly empty, so it can be
        toggled in the legend).
    """
    import plotly.graph_objects as go

    names = class_names_checked(class_names)
    K = len(names)
    method = embedding.method if method is None else method
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
    yt = _aligned(y_true, embedding, "y_true").astype(np.int64)
    yp = _aligned(y_pred, embedding, "y_pred").astype(np.int64)
    for nm, v in (("y_true", yt), ("y_pred", yp)):
        if v.size and (v.min() < 0 or v.max() >= K):
            raise ValueError(f"{nm} must be in [0, {K}) (len(class_names))")
    xy = np.asarray(embedding.coords, dtype=np.float64)
    x = xy[:, 0]
    y = xy[:, 1] if xy.shape[1] > 1 else np.zeros_like(x)
    idx = embedding.indices
    colors = class_colors(K)
    names_arr = np.asarray(names, dtype=object)
    pred_names = names_arr[yp]
    fig = go.Figure()
    for k in range(K):
        mask = yt == k
        if not mask.any():
            continue
        fig.add_trace(go.Scatter(
            x=x[mask], y=y[mask], mode="markers", name=names[k],
            marker={"color": colors[k], "size": 6, "opacity": 0.8, "line": {"width": 0}},
            customdata=np.stack([idx[mask], pred_names[mask]], axis=1),
            hovertemplate=(f"#%{{customdata[0]}}<br>true {names[k]}<br>predicted "
                           "%{customdata[1]}<extra></extra>"),
        ))
    wrong = yt != yp
    fig.add_trace(go.Scatter(
        x=x[wrong], y=y[wrong], mode="markers", name=f"misclassified ({int(wrong.sum())})",
        marker={"symbol": "circle-open", "size": 10, "color": MISCLASSIFIED_COLOR,
                "line": {"width": 1.5, "color": MISCLASSIFIED_COLOR}},
        customdata=np.stack([idx[wrong], names_arr[yt[wrong]], pred_names[wrong]], axis=1)
        if wrong.any() else None,
        hovertemplate=("#%{customdata[0]}<br>true %{customdata[1]}<br>predicted "
                       "%{customdata[2]}<extra>misclassified</extra>"),
    ))
    if method == "pca":
        evr = embedding.explained_variance_ratio
        axes = [f"PC{j + 1} (latent units"
                + (f"; {100 * evr[j]:.1f}% of variance)" if evr is not None and j < evr.size else ")")
                for j in range(2)]
        label = "PCA"
    else:
        axes = ["t-SNE 1 (a.u.)", "t-SNE 2 (a.u.)"]
        label = "t-SNE"
    sub = (f"{idx.size} of {embedding.n_total} points" if embedding.subsampled
           else f"{idx.size} points")
    apply_layout(fig, title=title or f"Latent space ({label}, {sub})", xaxis_title=axes[0],
                 yaxis_title=axes[1], height=440, uirevision=f"latent:{method}",
                 legend_title="true class")
    return fig


def entropy_figure(entropy: np.ndarray, correct: np.ndarray, n_classes: int, *, bins: int = 30,
                   title: str | None = None) -> "go.Figure":
    """Overlaid histograms of prediction entropy for correct and misclassified series.

    Parameters
    ----------
    entropy : ndarray, shape ``(n,)``
        Entropy in nats (:attr:`ModelReport.entropy`).
    correct : ndarray, bool, shape ``(n,)``
    n_classes : int
        ``K``; the maximum entropy ``ln K`` is marked with a dashed vertical line.
    bins : int
        Number of equal bins on ``[0, ln K]`` (2 to 200).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces (``"correct (n)"``, ``"misclassified (n)"``) of counts binned with numpy
        (so the figure size does not grow with ``n``), x ``"Prediction entropy (nats)"``,
        y ``"Series (count)"``.
    """
    import plotly.graph_objects as go

    h = np.asarray(entropy, dtype=np.float64).reshape(-1)
    ok = np.asarray(correct).reshape(-1).astype(bool)
    if ok.shape != h.shape:
        raise ValueError(f"correct must have the shape of entropy {h.shape}, got {ok.shape}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 200:
        raise ValueError(f"bins must be an integer in [2, 200], got {bins!r}")
    hmax = float(np.log(n_classes))
    edges = np.linspace(0.0, hmax, int(bins) + 1)
    centers = 0.5 * (edges[:-1] + edges[1:])
    width = edges[1] - edges[0]
    hc = np.clip(h, 0.0, hmax)
    fig = go.Figure()
    for label, mask in (("correct", ok), ("misclassified", ~ok)):
        counts, _ = np.histogram(hc[mask], bins=edges)
        fig.add_trace(go.Bar(
            x=centers, y=counts, width=width, name=f"{label} ({int(mask.sum())})",
            marker={"color": OUTCOME_COLORS[label], "line": {"width": 0}}, opacity=0.6,
            customdata=np.stack([edges[:-1], edges[1:]], axis=1),
            hovertemplate=(f"{label}<br>%{{customdata[0]:.3f}}–%{{customdata[1]:.3f}} nats"
                           "<br>%{y} series<extra></extra>"),
        ))
    fig.add_vline(x=hmax, line={"dash": "dash", "color": "#555555", "width": 1.5},
                  annotation_text=f"max ln {int(n_classes)} = {hmax:.2f}",
                  annotation_position="top left")
    apply_layout(fig, title=title or "Prediction entropy", xaxis_title="Prediction entropy (nats)",
                 yaxis_title="Series (count)", uirevision="entropy", legend_title="prediction")
    fig.update_layout(barmode="overlay", bargap=0.0)
    fig.update_xaxes(range=[-0.02 * hmax, 1.05 * hmax])
    return fig


_CURVES = (("train_loss", "train", 1, "#1F77B4", "solid"), ("val_loss", "validation", 1, "#FF7F0E", "dash"),
           ("train_accuracy", "train", 2, "#1F77B4", "solid"),
           ("val_accuracy", "validation", 2, "#FF7F0E", "dash"))


def training_curves_figure(history: Mapping[str, Any], *, title: str | None = None) -> "go.Figure":
    """Loss and accuracy per epoch, side by side; works for one epoch and partial histories.

    Parameters
    ----------
    history : mapping
        ``epoch``, ``train_loss``, ``val_loss``, ``train_accuracy``, ``val_accuracy``: sequences
        (``FitResult.history`` or the records collected live by ``on_epoch``). Any key may be
        missing or shorter than the others (live training); ``epoch`` defaults to 1, 2, ...;
        non-finite values (no validation split) are not drawn. Accuracy is a fraction in [0, 1];
        losses are cross-entropies in nats (the training loss is the recipe's objective).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two subplots (``"Loss"``, ``"Accuracy"``), x ``"Epoch"``; one lines+markers trace per
        series that has at least one finite value.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not isinstance(history, Mapping):
        raise ValueError(f"history must be a mapping of lists, got {type(history).__name__}")
    series = {k: np.asarray(history.get(k, []), dtype=np.float64).reshape(-1)
              for k in ("train_loss", "val_loss", "train_accuracy", "val_accuracy")}
    n = max([v.size for v in series.values()] + [0])
    epoch = np.asarray(history.get("epoch", []), dtype=np.float64).reshape(-1)
    if epoch.size < n:
        start = epoch[-1] + 1 if epoch.size else 1.0
        epoch = np.concatenate([epoch, start + np.arange(n - epoch.size)])
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"), horizontal_spacing=0.12)
    shown: set[str] = set()
    for key, label, col, color, dash in _CURVES:
        v = series[key]
        e = epoch[:v.size]
        finite = np.isfinite(v)
        if not finite.any():
            continue
        fmt = "%{y:.1%}" if "accuracy" in key else "%{y:.4f}"
        fig.add_trace(go.Scatter(
            x=e[finite], y=v[finite], mode="lines+markers", name=label, legendgroup=label,
            showlegend=label not in shown,
            line={"color": color, "dash": dash, "width": 2}, marker={"size": 6},
            hovertemplate=f"{label}<br>epoch %{{x}}<br>{fmt}<extra></extra>",
        ), row=1, col=col)
        shown.add(label)
    apply_layout(fig, title=title or f"Training curves ({n} epoch{'s' if n != 1 else ''})",
                 uirevision="training-curves", legend_title="split")
    fig.update_xaxes(title_text="Epoch", tickformat="d", rangemode="tozero")
    fig.update_yaxes(title_text="Loss (nats)", row=1, col=1, rangemode="tozero")
    fig.update_yaxes(title_text="Accuracy (%)", tickformat=".0%", range=[0, 1.02], row=1, col=2)
    return fig


def per_class_metrics_figure(report: "ModelReport", *, title: str | None = None) -> "go.Figure":
    """Grouped bars of per-class precision, recall and F1.

    Parameters
    ----------
    report : ModelReport
        Anything with ``precision``, ``recall``, ``f1``, ``support`` ``(K,)`` and ``class_names``.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Three bar traces (``"precision"``, ``"recall"``, ``"F1"``), x: class (with its support),
        y ``"Score (0–1)"`` on ``[0, 1]``.
    """
    import plotly.graph_objects as go

    names = class_names_checked(report.class_names)
    support = np.asarray(report.support)
    xlabels = [f"{n}<br>(n={int(s)})" for n, s in zip(names, support)]
    fig = go.Figure()
    for key, label in (("precision", "precision"), ("recall", "recall"), ("f1", "F1")):
        v = np.asarray(getattr(report, key), dtype=np.float64)
        if v.shape != (len(names),):
            raise ValueError(f"report.{key} must have shape ({len(names)},), got {v.shape}")
        fig.add_trace(go.Bar(
            x=xlabels, y=v, name=label, marker_color=METRIC_COLORS[key],
            text=[f"{x:.2f}" for x in v], textposition="outside", cliponaxis=False,
            hovertemplate=f"{label}<br>%{{x}}: %{{y:.3f}}<extra></extra>",
        ))
    apply_layout(fig, title=title or "Per-class precision, recall and F1", xaxis_title="Class",
                 yaxis_title="Score (0–1)", uirevision="per-class-metrics", legend_title="metric")
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(range=[0, 1.1])
    return fig
