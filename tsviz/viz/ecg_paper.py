"""ECG paper: a signal drawn the way an ECG cart prints it, for clinician review.

Paper speed ``speed`` (mm/s) and gain ``gain`` (mm/mV) fix the scale: 1 mm of paper is ``1/speed``
seconds horizontally and ``1/gain`` millivolts vertically. The standard setting, 25 mm/s and
10 mm/mV, gives the familiar small squares of 0.04 s x 0.1 mV (1 mm) and large squares of
0.2 s x 0.5 mV (5 mm); a cart also offers 50 mm/s and 5 or 20 mm/mV (:data:`SPEEDS`, :data:`GAINS`).

The figure keeps the aspect ratio of paper: every y axis is tied to its x axis
(``scaleanchor``) with ``scaleratio = gain / speed`` (one mV spans ``gain`` mm, one second
``speed`` mm), so 1 mm horizontally and 1 mm vertically are the same length on screen whatever the
figure's size (``constrain="domain"``: the plot area shrinks rather than the paper stretching).
The grid is drawn by the axes themselves (major grid ``dtick`` = 5 mm, minor grid
``minor.dtick`` = 1 mm): no shapes and no grid traces, so a 10-s strip costs as little as a beat.

A 1 mV calibration pulse (0.2 s wide) stands before the signal on every panel, as on a cart, and
the lead, speed and gain are printed on the paper. With an adversarial signal the figure shows the
clean signal, the adversarial one and their difference (adversarial - clean) on the same scale,
either overlaid (clean and adversarial on one panel, the difference below) or stacked (three
panels); without one it draws a single neutral ``"ECG"`` trace (for blinded review, where
nothing may hint at which signal is which).

Reference for the paper conventions: AHA/ACCF/HRS recommendations for the standardization and
interpretation of the electrocardiogram, part I (Kligfield et al., Circulation 2007), which fix
25 mm/s and 10 mm/mV as the standard and the 1 mV calibration pulse.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.viz.checks import check_channel, check_fs, check_signal
from tsviz.viz.style import FONT, decimate_minmax, with_alpha

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["ecg_paper_figure", "paper_scale", "SPEEDS", "GAINS", "DEFAULT_SPEED", "DEFAULT_GAIN", "LAYOUTS",
           "MINOR_MM", "MAJOR_MM", "CALIBRATION_MV", "CALIBRATION_S", "MAX_PAPER_SECONDS", "MAX_PAPER_MV",
           "UNIT_TO_MV", "PAPER_COLOR", "MINOR_GRID_COLOR", "MAJOR_GRID_COLOR", "CLEAN_TRACE_COLOR",
           "ADVERSARIAL_TRACE_COLOR", "DIFFERENCE_TRACE_COLOR"]

#: Paper speeds a cart offers here (mm/s); 25 is the standard.
SPEEDS: tuple[float, ...] = (25.0, 50.0)
#: Gains (mm/mV); 10 is the standard.
GAINS: tuple[float, ...] = (5.0, 10.0, 20.0)
DEFAULT_SPEED = 25.0
DEFAULT_GAIN = 10.0
#: Layouts of a clean/adversarial pair: overlaid on one panel (difference below), or three panels.
LAYOUTS = ("overlay", "stacked")
#: Small and large squares of the grid, in mm of paper.
MINOR_MM = 1.0
MAJOR_MM = 5.0
#: The calibration pulse: 1 mV high, 0.2 s wide, after 0.1 s of baseline, 0.1 s before the signal.
CALIBRATION_MV = 1.0
CALIBRATION_S = 0.2
_CAL_LEAD_S = 0.1
_CAL_ZONE_S = 0.4
#: Longest signal drawn on paper (s): 15 s at 50 mm/s is 750 small squares, within what plotly
#: draws as grid lines along one axis (at least 1000). Cut longer recordings into strips first.
MAX_PAPER_SECONDS = 15.0
#: Tallest panel (mV of paper); a larger span means a wrong unit rather than an ECG.
MAX_PAPER_MV = 20.0
#: Units accepted and their factor to mV.
UNIT_TO_MV = {"mv": 1.0, "µv": 1e-3, "μv": 1e-3, "uv": 1e-3, "v": 1e3}

PAPER_COLOR = "#FFF7F5"
MINOR_GRID_COLOR = "#F5C6C0"
MAJOR_GRID_COLOR = "#E3877E"
_FAINT_MINOR_GRID_COLOR = "#FBE3E0"
CLEAN_TRACE_COLOR = "#111111"
ADVERSARIAL_TRACE_COLOR = "#1B4FC4"
DIFFERENCE_TRACE_COLOR = "#A4007A"
_HIGHLIGHT_COLOR = "#FFB000"

#: On-screen size: plot width aimed at (px), tallest plot area (px), pixels per mm kept within.
_TARGET_WIDTH_PX = 1000.0
_MAX_PLOT_HEIGHT_PX = 760.0
_PX_PER_MM = (2.0, 14.0)
_GAP_PX = 24.0
_MARGIN = {"l": 60, "r": 20, "t": 96, "b": 56}
_PAD_MV = 0.1


def paper_scale(speed: Any = DEFAULT_SPEED, gain: Any = DEFAULT_GAIN) -> dict[str, float]:
    """Grid spacings and the aspect ratio of paper at ``speed`` (mm/s) and ``gain`` (mm/mV).

    Returns
    -------
    dict
        ``minor_s`` and ``major_s`` (s per 1 mm and 5 mm horizontally), ``minor_mv`` and
        ``major_mv`` (mV per 1 mm and 5 mm vertically), ``scaleratio = gain / speed`` (the
        y-to-x pixel ratio per data unit) and the checked ``speed`` and ``gain``.

    Raises
    ------
    ValueError
        ``speed`` not in :data:`SPEEDS` or ``gain`` not in :data:`GAINS` (naming the parameter).
    """
    s = _choice("speed", speed, SPEEDS, "mm/s")
    g = _choice("gain", gain, GAINS, "mm/mV")
    return {"speed": s, "gain": g, "minor_s": MINOR_MM / s, "major_s": MAJOR_MM / s,
            "minor_mv": MINOR_MM / g, "major_mv": MAJOR_MM / g, "scaleratio": g / s}


def _choice(name: str, value: Any, choices: tuple[float, ...], unit: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be one of {', '.join(f'{c:g}' for c in choices)} {unit}, got {value!r}")
    v = float(value)
    if not any(math.isclose(v, c) for c in choices):
        raise ValueError(f"{name} must be one of {', '.join(f'{c:g}' for c in choices)} {unit}, got {v:g}")
    return next(c for c in choices if math.isclose(v, c))


def _to_mv(unit: Any) -> float:
    if not isinstance(unit, str) or unit.strip().lower() not in UNIT_TO_MV:
        shown = unit if isinstance(unit, str) and len(unit) <= 20 else type(unit).__name__
        raise ValueError(f"unit must be mV, µV or V to draw ECG paper (its grid is in mV), got {shown!r}")
    return UNIT_TO_MV[unit.strip().lower()]


def _text(name: str, value: Any, default: str, limit: int = 60) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > limit or not value.isprintable():
        raise ValueError(f"{name} must be printable text of at most {limit} characters")
    return value


def _panel_range(values: list[np.ndarray], major: float) -> tuple[float, float]:
    """The y range of a panel: the data, the baseline 0 and the 1 mV pulse, padded and widened to
    whole large squares."""
    lo = min([0.0] + [float(v.min()) for v in values]) - _PAD_MV
    hi = max([CALIBRATION_MV] + [float(v.max()) for v in values]) + _PAD_MV
    return math.floor(lo / major + 1e-9) * major, math.ceil(hi / major - 1e-9) * major


def ecg_paper_figure(
    signal: Any,
    adversarial: Any = None,
    *,
    fs: Any,
    unit: str = "mV",
    speed: Any = DEFAULT_SPEED,
    gain: Any = DEFAULT_GAIN,
    layout: str = "overlay",
    channel: int = 0,
    lead: str | None = None,
    t0: float = 0.0,
    highlight: tuple[float, float] | None = None,
    beat_marks: tuple[Any, Any] | None = None,
    title: str | None = None,
) -> "go.Figure":
    """A clean ECG and its adversarial version on ECG paper (or one ECG alone).

    Parameters
    ----------
    signal : array-like, shape ``(T,)`` or ``(C, T)``
        The (clean) ECG, finite, in ``unit``.
    adversarial : array-like, same shape as ``signal``, optional
        The adversarial ECG. ``None``: draw ``signal`` alone as one neutral ``"ECG"`` trace.
    fs : float
        Sampling frequency in Hz (required: paper has a time scale).
    unit : {"mV", "µV", "uV", "V"}
        Unit of the values; drawn in mV.
    speed : {25, 50}
        Paper speed in mm/s.
    gain : {5, 10, 20}
        Gain in mm/mV.
    layout : {"overlay", "stacked"}
        ``"overlay"``: clean and adversarial on one panel, the difference on a second panel;
        ``"stacked"``: clean, adversarial and difference on three panels. Every panel has the same
        scale (``gain``); ignored without ``adversarial``.
    channel : int
        The lead drawn, for ``(C, T)`` input.
    lead : str, optional
        The lead's label printed on the paper (default ``"ECG"``).
    t0 : float
        Time of the first sample in seconds (a strip cut from a longer recording), default 0.
    highlight : (float, float), optional
        A time span (s, on the same clock as ``t0``) shaded on every panel: the attacked beat in
        its strip.
    beat_marks : (times, labels), optional
        Beat annotations written above the first panel: times in s (same clock as ``t0``) and
        their labels (e.g. the reference AAMI classes).
    title : str, optional
        Default: ``"ECG paper · <lead> · <speed> mm/s · <gain> mm/mV"``.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"Clean"``, ``"Adversarial"``, ``"Difference (adversarial − clean)"`` (or
        ``"ECG"`` alone), ``"1 mV calibration"`` on every panel (0.2 s wide, from 0 to 1 mV,
        before ``t0``), optional ``"Beat labels"``. Axes: x ``"Time (s)"`` (bottom panel),
        y ``"<panel> (mV)"``; x ``dtick`` = 5 mm and ``minor.dtick`` = 1 mm of time, y likewise
        in mV, both anchored at 0 (``tick0``); each y axis ``scaleanchor``-ed to its x axis with
        ``scaleratio = gain / speed``. Annotations print the lead and panel, and
        ``"<speed> mm/s · <gain> mm/mV"``.

    Raises
    ------
    ValueError
        Non-finite or empty signals, shapes that differ, ``fs`` missing or not a positive finite
        number, an unknown ``unit``, ``speed``, ``gain`` or ``layout``, a signal longer than
        :data:`MAX_PAPER_SECONDS` or spanning more than :data:`MAX_PAPER_MV` mV, a bad ``channel``,
        ``t0``, ``highlight`` or ``beat_marks`` (each message names the parameter).
    """
    import plotly.graph_objects as go

    sc = paper_scale(speed, gain)
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    fs_v = check_fs(fs)
    if fs_v is None:
        raise ValueError("fs is required to draw ECG paper (the sampling frequency in Hz)")
    factor = _to_mv(unit)
    x = check_signal(signal, "signal")
    ch = check_channel(channel, x.shape[0])
    clean = x[ch] * factor
    adv = None
    if adversarial is not None:
        a = check_signal(adversarial, "adversarial")
        if a.shape != x.shape:
            raise ValueError(f"adversarial has shape {a.shape}, but signal has {x.shape}")
        adv = a[ch] * factor
    if not np.isfinite(clean).all() or (adv is not None and not np.isfinite(adv).all()):
        raise ValueError("signal and adversarial must stay finite in mV")
    T = clean.shape[0]
    if T < 2:
        raise ValueError(f"signal must have at least 2 samples, got {T}")
    duration = T / fs_v
    if duration > MAX_PAPER_SECONDS + 1e-9:
        raise ValueError(f"signal lasts {duration:.3g} s; ECG paper draws at most {MAX_PAPER_SECONDS:g} s "
                         f"(cut a strip first)")
    if isinstance(t0, (bool, np.bool_)) or not isinstance(t0, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(t0)) or abs(float(t0)) > 1e7:
        raise ValueError(f"t0 must be a finite time in seconds, got {t0!r}")
    t0 = float(t0)
    lead = _text("lead", lead, "ECG")
    t = t0 + np.arange(T) / fs_v

    if adv is None:
        panels = [("Amplitude", [("ECG", clean, CLEAN_TRACE_COLOR)])]
    else:
        diff = adv - clean
        pair = [("Clean", clean, CLEAN_TRACE_COLOR), ("Adversarial", adv, ADVERSARIAL_TRACE_COLOR)]
        d = [("Difference (adversarial − clean)", diff, DIFFERENCE_TRACE_COLOR)]
        if layout == "overlay":
            panels = [("Clean + adversarial", pair), ("Difference", d)]
        else:
            panels = [("Clean", pair[:1]), ("Adversarial", pair[1:]), ("Difference", d)]
    ranges = [_panel_range([v for _, v, _ in traces], sc["major_mv"]) for _, traces in panels]
    if beat_marks is not None:  # a large square of headroom for the beat labels
        ranges[0] = (ranges[0][0], ranges[0][1] + sc["major_mv"])
    for (label, _), (lo, hi) in zip(panels, ranges):
        if hi - lo > MAX_PAPER_MV:
            raise ValueError(f"the {label.lower()} panel spans {hi - lo:.3g} mV, more than {MAX_PAPER_MV:g} mV of "
                             f"paper; is the unit ({unit}) right?")
    x_lo = math.floor((t0 - _CAL_ZONE_S) / sc["major_s"] + 1e-9) * sc["major_s"]
    x_hi = math.ceil((t[-1] + 0.5 / fs_v) / sc["major_s"] - 1e-9) * sc["major_s"]

    # pixels per mm: the strip about _TARGET_WIDTH_PX wide, the panels at most _MAX_PLOT_HEIGHT_PX tall
    width_mm = (x_hi - x_lo) * sc["speed"]
    heights_mm = [(hi - lo) * sc["gain"] for lo, hi in ranges]
    px = min(_TARGET_WIDTH_PX / width_mm, _MAX_PLOT_HEIGHT_PX / sum(heights_mm))
    px = min(max(px, _PX_PER_MM[0]), _PX_PER_MM[1])
    panel_px = [h * px for h in heights_mm]
    plot_h = sum(panel_px) + _GAP_PX * (len(panels) - 1)
    height = int(round(plot_h + _MARGIN["t"] + _MARGIN["b"]))
    width = int(round(width_mm * px + _MARGIN["l"] + _MARGIN["r"]))

    fig = go.Figure()
    tick_step_x = 5  # a time label every 5 large squares: 1 s at 25 mm/s, 0.5 s at 50 mm/s
    # a mV label every 0.5 mV, or sparser when large squares are under 16 px tall
    tick_step_y = max(int(round(0.5 / sc["major_mv"])), math.ceil(16.0 / (MAJOR_MM * px)))
    minor_color = MINOR_GRID_COLOR if px >= 4.0 else _FAINT_MINOR_GRID_COLOR  # dense small squares: fainter
    top = 1.0
    keep = decimate_minmax(clean) if adv is None else np.union1d(decimate_minmax(clean), decimate_minmax(adv))
    cal_x = t0 - _CAL_ZONE_S + np.array([0.0, _CAL_LEAD_S, _CAL_LEAD_S, _CAL_LEAD_S + CALIBRATION_S,
                                         _CAL_LEAD_S + CALIBRATION_S, _CAL_ZONE_S])
    cal_y = np.array([0.0, 0.0, CALIBRATION_MV, CALIBRATION_MV, 0.0, 0.0])
    for k, ((label, traces), (lo, hi), h_px) in enumerate(zip(panels, ranges, panel_px), start=1):
        xa, ya = ("x", "y") if k == 1 else (f"x{k}", f"y{k}")
        bottom = top - h_px / plot_h
        for name, values, color in traces:
            fig.add_trace(go.Scatter(
                x=t[keep], y=values[keep], mode="lines", name=name, xaxis=xa, yaxis=ya,
                line={"color": color, "width": 1.3},
                hovertemplate=f"{name}<br>%{{x:.3f}} s<br>%{{y:.4f}} mV<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=cal_x, y=cal_y, mode="lines", name="1 mV calibration", xaxis=xa, yaxis=ya, legendgroup="cal",
            showlegend=k == 1, line={"color": CLEAN_TRACE_COLOR, "width": 1.3}, hoverinfo="skip"))
        grid = {"showgrid": True, "gridcolor": MAJOR_GRID_COLOR, "gridwidth": 1, "zeroline": False,
                "showline": False, "tick0": 0.0, "ticks": "", "automargin": True}
        fig.layout[f"xaxis{'' if k == 1 else k}"] = dict(
            grid, anchor=ya, domain=[0.0, 1.0], range=[x_lo, x_hi], dtick=sc["major_s"], ticklabelstep=tick_step_x,
            minor={"dtick": sc["minor_s"], "tick0": 0.0, "showgrid": True, "gridcolor": minor_color,
                   "gridwidth": 0.5},
            constrain="domain", constraintoward="left", showticklabels=k == len(panels),
            title={"text": "Time (s)" if k == len(panels) else ""},
            **({} if k == len(panels) else {"matches": "x" if len(panels) == 1 else f"x{len(panels)}"}))
        fig.layout[f"yaxis{'' if k == 1 else k}"] = dict(
            grid, anchor=xa, domain=[max(bottom, 0.0), top], range=[lo, hi], dtick=sc["major_mv"],
            ticklabelstep=tick_step_y,
            minor={"dtick": sc["minor_mv"], "tick0": 0.0, "showgrid": True, "gridcolor": minor_color,
                   "gridwidth": 0.5},
            scaleanchor=xa, scaleratio=sc["scaleratio"], constrain="domain", constraintoward="top",
            title={"text": f"{label} (mV)" if h_px >= 130 else "mV", "font": {"size": 12}})
        dom = {"xref": f"{xa} domain", "yref": f"{ya} domain", "y": 1.0, "yanchor": "bottom", "yshift": 1,
               "showarrow": False, "font": {"size": 12}}
        fig.add_annotation(text=f"<b>{lead}</b>" + ("" if adv is None else f" · {label.lower()}"), x=0.0,
                           xanchor="left", **dom)
        if k == 1:  # printed on the paper's edge, as a cart prints them
            fig.add_annotation(text=f"{sc['speed']:g} mm/s · {sc['gain']:g} mm/mV", x=1.0, xanchor="right", **dom)
        if highlight is not None:
            h0, h1 = _span(highlight)
            fig.add_shape(type="rect", xref=xa, yref=f"{ya} domain", x0=h0, x1=h1, y0=0, y1=1, layer="below",
                          line={"width": 0}, fillcolor=with_alpha(_HIGHLIGHT_COLOR, 0.18))
        top = bottom - _GAP_PX / plot_h
    if beat_marks is not None:
        times, labels = _marks(beat_marks)
        if times.size:
            fig.add_trace(go.Scatter(
                x=times, y=np.full(times.size, ranges[0][1] - 0.5 * sc["major_mv"]), mode="text", text=labels,
                name="Beat labels", textfont={"size": 12, "color": "#444444"}, hoverinfo="skip", showlegend=False))
    fig.update_layout(
        template="plotly_white", font=dict(FONT), height=height, width=width, margin=dict(_MARGIN, pad=0),
        plot_bgcolor=PAPER_COLOR, paper_bgcolor="white", hovermode="closest",
        title={"text": title or f"ECG paper · {lead} · {sc['speed']:g} mm/s · {sc['gain']:g} mm/mV", "x": 0.01,
               "xanchor": "left", "y": 0.99, "yanchor": "top", "font": {"size": 16}},
        legend={"orientation": "h", "x": 0.0, "xanchor": "left", "y": 1.0 - 40.0 / height, "yanchor": "top",
                "yref": "container", "bgcolor": "rgba(255,255,255,0)", "font": {"size": 12}},
        uirevision=f"review:ecg-paper:{layout}:{sc['speed']:g}:{sc['gain']:g}")
    return fig


def _span(highlight: Any) -> tuple[float, float]:
    try:
        h0, h1 = (float(v) for v in highlight)
    except (TypeError, ValueError):
        raise ValueError("highlight must be a pair of times (start, end) in seconds") from None
    if not (math.isfinite(h0) and math.isfinite(h1)) or h1 < h0:
        raise ValueError(f"highlight must be finite times with start <= end, got ({h0!r}, {h1!r})")
    return h0, h1


def _marks(beat_marks: Any) -> tuple[np.ndarray, list[str]]:
    try:
        times, labels = beat_marks
        tv = np.asarray(times, dtype=np.float64).reshape(-1)
        lv = [str(v) for v in labels]
    except (TypeError, ValueError):
        raise ValueError("beat_marks must be (times in s, labels)") from None
    if tv.size != len(lv) or not np.isfinite(tv).all():
        raise ValueError(f"beat_marks must give one finite time per label, got {tv.size} times and {len(lv)} labels")
    if any(len(v) > 12 for v in lv):
        raise ValueError("beat_marks labels must be short (at most 12 characters)")
    return tv, lv
