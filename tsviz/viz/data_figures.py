"""Figures of the Data page: example series, class balance, class profiles, spectra, PCA.

Pure functions from a :class:`~tsviz.data.Dataset` or a :mod:`tsviz.data.stats` result to a
:class:`plotly.graph_objects.Figure`; plotly is imported inside each function. Colours come from
:func:`tsviz.viz.style.class_colors`, so class ``k`` has the same colour in every figure.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tsviz.viz.style import (
    SPLIT_COLORS,
    apply_layout,
    class_colors,
    class_names_checked,
    decimate_minmax,
    stride_indices,
    time_axis,
    with_alpha,
)

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from tsviz.data.dataset import Dataset
    from tsviz.data.stats import ClassProfile, ClassPSD, Embedding

__all__ = ["samples_figure", "class_balance_figure", "class_profile_figure", "psd_figure",
           "pca_figure", "MAX_SAMPLES", "MAX_CHANNEL_ROWS"]

#: Most series :func:`samples_figure` overlays (more are unreadable).
MAX_SAMPLES = 50
#: Most channels drawn as subplot rows (the first ones).
MAX_CHANNEL_ROWS = 12


def _channel_names(ds: "Dataset | None", n_channels: int) -> list[str]:
    names = None if ds is None else ds.meta.get("channel_names")
    if names is not None and len(names) == n_channels:
        return [str(c) for c in names]
    return [f"channel {c}" for c in range(n_channels)]


def _check_channel(channel: int, n_channels: int) -> int:
    if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)) \
            or not 0 <= int(channel) < n_channels:
        raise ValueError(f"channel must be an integer in [0, {n_channels}), got {channel!r}")
    return int(channel)


def samples_figure(ds: "Dataset", indices: Sequence[int] | np.ndarray, split: str = "test", *,
                   title: str | None = None) -> "go.Figure":
    """Overlay of selected series, coloured by class.

    Parameters
    ----------
    ds : Dataset
    indices : sequence of int
        Rows of the split to draw, 1 to :data:`MAX_SAMPLES` of them.
    split : {"train", "test"}
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        x: ``"Time (s)"`` when ``ds.fs`` is known, else ``"Time step"``; y: ``"Amplitude (unit)"``.
        One trace per series (legend ``"#i · class"``); for multichannel data one subplot row per
        channel (first :data:`MAX_CHANNEL_ROWS`), one trace per series and channel, legend entries
        shared across rows. Series longer than 20 000 points are min/max decimated.

    Raises
    ------
    ValueError
        Bad ``split`` or ``indices`` (empty, too many, not integers, out of range).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    X, y = ds.split(split)  # ValueError naming ``split`` for anything but train/test
    idx = np.asarray(indices).reshape(-1)
    if idx.size == 0:
        raise ValueError("indices must select at least one series")
    if not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"indices must be integers, got dtype {idx.dtype}")
    if idx.size > MAX_SAMPLES:
        raise ValueError(f"indices selects {idx.size} series; at most {MAX_SAMPLES} are drawn")
    n = X.shape[0]
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"indices must be in [0, {n}) for the {split} split, got "
                         f"[{idx.min()}, {idx.max()}]")
    C = ds.n_channels
    rows = min(C, MAX_CHANNEL_ROWS)
    t, xtitle = time_axis(ds.length, ds.fs)
    colors = class_colors(ds.n_classes)
    ch_names = _channel_names(ds, C)
    ytitle = f"Amplitude ({ds.unit})"
    if rows == 1:
        fig = go.Figure()
    else:
        fig = make_subplots(rows=rows, cols=1, shared_xaxes=True,
                            vertical_spacing=min(0.04, 0.3 / rows))
    for i in idx:
        k = int(y[i])
        name = f"#{int(i)} · {ds.class_names[k]}"
        for c in range(rows):
            keep = decimate_minmax(X[i, c])
            trace = go.Scatter(
                x=t[keep], y=X[i, c, keep], mode="lines", name=name,
                legendgroup=f"series{int(i)}", showlegend=(c == 0),
                line={"color": colors[k], "width": 1.5}, opacity=0.85,
                hovertemplate=f"{name}<br>%{{x:.3f}}<br>%{{y:.3f}} {ds.unit}<extra>{ch_names[c]}</extra>",
            )
            if rows == 1:
                fig.add_trace(trace)
            else:
                fig.add_trace(trace, row=c + 1, col=1)
    more = f" (first {rows} of {C} channels)" if C > rows else ""
    title = title or f"{ds.name}: {idx.size} {split} series{more}"
    height = 380 if rows == 1 else max(380, 70 + 150 * rows)
    apply_layout(fig, title=title, height=height, uirevision=f"samples:{ds.name}:{split}",
                 legend_title="series · class")
    if rows == 1:
        fig.update_xaxes(title_text=xtitle)
        fig.update_yaxes(title_text=ytitle)
    else:
        for c in range(rows):
            fig.update_yaxes(title_text=f"{ch_names[c]} ({ds.unit})", row=c + 1, col=1)
        fig.update_xaxes(title_text=xtitle, row=rows, col=1)
    return fig


def class_balance_figure(ds: "Dataset", *, title: str | None = None) -> "go.Figure":
    """Grouped bars of the number of series per class in the train and test splits.

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces (``"train"``, ``"test"``), x: class, y: ``"Series (count)"``, counts as
        bar labels.
    """
    import plotly.graph_objects as go

    names = list(ds.class_names)
    fig = go.Figure()
    for split in ("train", "test"):
        counts = ds.class_counts(split)
        total = max(int(counts.sum()), 1)
        fig.add_trace(go.Bar(
            x=names, y=counts, name=split, marker_color=SPLIT_COLORS[split],
            text=[str(int(c)) for c in counts], textposition="outside", cliponaxis=False,
            customdata=counts / total * 100.0,
            hovertemplate=f"{split}<br>%{{x}}: %{{y}} series (%{{customdata:.1f}}%)<extra></extra>",
        ))
    apply_layout(fig, title=title or f"{ds.name}: series per class", xaxis_title="Class",
                 yaxis_title="Series (count)", uirevision=f"balance:{ds.name}",
                 legend_title="split")
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(rangemode="tozero")
    return fig


def _grid(n: int) -> tuple[int, int]:
    cols = 2 if n == 4 else min(n, 3)
    return int(np.ceil(n / cols)), cols


def class_profile_figure(profile: "ClassProfile", ds: "Dataset | None" = None, *, channel: int = 0,
                         title: str | None = None) -> "go.Figure":
    """Per-class mean series with a ±1 standard deviation band, one subplot per class.

    Parameters
    ----------
    profile : ClassProfile
        From :func:`tsviz.data.stats.class_mean_std`.
    ds : Dataset, optional
        For the dataset name and channel names.
    channel : int
        Channel drawn (multichannel data).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        A grid of subplots (3 columns; 2 for 4 classes) sharing both axes; per class with series:
        a filled band trace (mean ± std) and a mean line trace, so ``2 * (#classes with series)``
        traces; an empty class shows the note "no series". x ``"Time (s)"``/``"Time step"``,
        y ``"Amplitude (unit)"``.

    Raises
    ------
    ValueError
        Bad ``channel``.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    K, C, T = profile.mean.shape
    channel = _check_channel(channel, C)
    names = class_names_checked(profile.class_names, K)
    rows, cols = _grid(K)
    titles = [f"{names[k]} (n={int(profile.counts[k])})" for k in range(K)]
    specs = [[{} if r * cols + c < K else None for c in range(cols)] for r in range(rows)]
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes="all", shared_yaxes="all",
                        subplot_titles=titles, specs=specs, horizontal_spacing=0.06,
                        vertical_spacing=0.16 if rows > 1 else 0.1)
    t, xtitle = time_axis(T, profile.fs)
    keep = stride_indices(T)
    t = t[keep]
    colors = class_colors(K)
    for k in range(K):
        r, c = k // cols + 1, k % cols + 1
        if profile.counts[k] == 0:
            xref = "x domain" if k == 0 else f"x{k + 1} domain"
            yref = "y domain" if k == 0 else f"y{k + 1} domain"
            fig.add_annotation(text="no series", x=0.5, y=0.5, xref=xref, yref=yref,
                               showarrow=False, font={"color": "#7F7F7F"})
            continue
        m = profile.mean[k, channel, keep]
        s = profile.std[k, channel, keep]
        fig.add_trace(go.Scatter(
            x=np.concatenate([t, t[::-1]]), y=np.concatenate([m + s, (m - s)[::-1]]),
            fill="toself", fillcolor=with_alpha(colors[k], 0.25), line={"width": 0},
            mode="lines", hoverinfo="skip", showlegend=False, legendgroup=f"class{k}",
            name=f"{names[k]} ±1 std",
        ), row=r, col=c)
        fig.add_trace(go.Scatter(
            x=t, y=m, mode="lines", line={"color": colors[k], "width": 2}, name=names[k],
            legendgroup=f"class{k}", customdata=s,
            hovertemplate=(f"{names[k]}<br>%{{x:.3f}}<br>mean %{{y:.3f}} {profile.unit}"
                           f"<br>std %{{customdata:.3f}} {profile.unit}<extra></extra>"),
        ), row=r, col=c)
    ch = _channel_names(ds, C)[channel]
    where = f", {ch}" if C > 1 else ""
    dname = f"{ds.name}: " if ds is not None else ""
    title = title or f"{dname}class mean ± 1 std ({profile.split}{where})"
    apply_layout(fig, title=title, height=max(380, 90 + 250 * rows),
                 uirevision=f"profile:{dname}{profile.split}:{channel}", showlegend=False)
    for r in range(1, rows + 1):
        fig.update_yaxes(title_text=f"Amplitude ({profile.unit})", row=r, col=1)
    for k in range(K):
        if k + cols >= K:  # no subplot below: show tick labels and the time axis title
            fig.update_xaxes(title_text=xtitle, showticklabels=True, row=k // cols + 1,
                             col=k % cols + 1)
    return fig


def psd_figure(psd: "ClassPSD", ds: "Dataset | None" = None, *, channel: int = 0,
               title: str | None = None) -> "go.Figure":
    """Mean power spectral density per class on a logarithmic power axis.

    Parameters
    ----------
    psd : ClassPSD
        From :func:`tsviz.data.stats.class_psd`.
    ds : Dataset, optional
        For the dataset name and channel names.
    channel : int
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One line per class with series; x ``"Frequency (Hz)"`` (or ``"Frequency
        (cycles/sample)"``), y ``"PSD (unit²/Hz)"`` in log scale. Non-positive values (e.g. the
        detrended DC bin) are left out of the log axis.
    """
    import plotly.graph_objects as go

    K, C, F = psd.psd.shape
    channel = _check_channel(channel, C)
    names = class_names_checked(psd.class_names, K)
    colors = class_colors(K)
    keep = stride_indices(F)
    f = psd.freqs[keep]
    fig = go.Figure()
    unit_label = f"{psd.unit}²/Hz" if psd.freq_unit == "Hz" else f"{psd.unit}²/(cycles/sample)"
    for k in range(K):
        if psd.counts[k] == 0:
            continue
        p = psd.psd[k, channel, keep].astype(np.float64)
        p = np.where(p > 0, p, np.nan)
        fig.add_trace(go.Scatter(
            x=f, y=p, mode="lines", name=names[k], line={"color": colors[k], "width": 2},
            hovertemplate=(f"{names[k]}<br>%{{x:.3g}} {psd.freq_unit}<br>%{{y:.3g}} {unit_label}"
                           "<extra></extra>"),
        ))
    ch = _channel_names(ds, C)[channel]
    where = f", {ch}" if C > 1 else ""
    dname = f"{ds.name}: " if ds is not None else ""
    apply_layout(fig, title=title or f"{dname}mean power spectral density ({psd.split}{where})",
                 xaxis_title=f"Frequency ({psd.freq_unit})", yaxis_title=f"PSD ({unit_label})",
                 uirevision=f"psd:{dname}{psd.split}:{channel}", legend_title="class")
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


def pca_figure(embedding: "Embedding", class_names: Sequence[str], *, unit: str | None = None,
               title: str | None = None) -> "go.Figure":
    """Scatter of a 2-D PCA (or any) embedding, coloured by class.

    Parameters
    ----------
    embedding : Embedding
        From :func:`tsviz.data.stats.pca_series` (or :func:`tsviz.models.evaluation.embed_latents`);
        the first two coordinates are drawn (a 1-component embedding is drawn on a line).
    class_names : sequence of str
        ``K`` names, indexed by ``embedding.labels``.
    unit : str, optional
        Unit of the coordinates (the dataset's unit for PCA of raw series), shown on the axes.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One marker trace per class present in the embedding (one ``"series"`` trace when it has no
        labels); axes ``"PC1 (unit; xx.x% of variance)"``. Hover shows the series index.
    """
    import plotly.graph_objects as go

    names = class_names_checked(class_names)
    coords = np.asarray(embedding.coords, dtype=np.float64)
    x = coords[:, 0]
    y2 = coords[:, 1] if coords.shape[1] > 1 else np.zeros_like(x)
    fig = go.Figure()
    labels = embedding.labels
    groups: list[tuple[str, np.ndarray, str]]
    if labels is None:
        groups = [("series", np.ones(x.size, bool), "#1F77B4")]
    else:
        if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
            raise ValueError(f"class_names has {len(names)} names but the embedding's labels go "
                             f"up to {labels.max()}")
        colors = class_colors(len(names))
        groups = [(names[k], labels == k, colors[k]) for k in range(len(names)) if (labels == k).any()]
    for name, mask, color in groups:
        fig.add_trace(go.Scatter(
            x=x[mask], y=y2[mask], mode="markers", name=name,
            marker={"color": color, "size": 6, "opacity": 0.75, "line": {"width": 0}},
            customdata=embedding.indices[mask],
            hovertemplate=f"{name}<br>series #%{{customdata}}<extra></extra>",
        ))
    axes = []
    evr = embedding.explained_variance_ratio
    for j in range(2):
        parts = [unit] if unit else []
        if embedding.method == "pca":
            if evr is not None and j < evr.size:
                parts.append(f"{100.0 * evr[j]:.1f}% of variance")
            lab = f"PC{j + 1}"
        else:
            lab = f"{embedding.method.upper() if embedding.method != 'tsne' else 't-SNE'} {j + 1}"
            parts = parts or ["a.u."]
        axes.append(f"{lab} ({'; '.join(parts)})" if parts else lab)
    sub = (f", {embedding.indices.size} of {embedding.n_total} points"
           if embedding.subsampled else f", {embedding.indices.size} points")
    apply_layout(fig, title=title or f"PCA of the raw series{sub}", xaxis_title=axes[0],
                 yaxis_title=axes[1], height=420, uirevision=f"pca:{embedding.method}",
                 legend_title="class")
    return fig
