"""Review page panels: the input (Attack page, stored run, uploaded NPZ), the beat on ECG paper with
the clinician's numbers, the beat in its 10-s strip, and the blinded study tab.

The page wraps :func:`paper` and :func:`in_context` in ``st.fragment`` functions: their widgets
(series, paper speed, gain, layout) only change what is shown, and every result comes from the
cached functions of :mod:`tsviz.ui.review_run` (a rerun computes nothing again).
"""
from __future__ import annotations

import streamlit as st

from tsviz.ui import review_run as rr
from tsviz.ui.downloads import show_figure, show_table
from tsviz.ui.errors import guard, show_error
from tsviz.ui.page import metric_row

__all__ = ["input_panel", "paper", "in_context", "study", "SPEED_HELP", "STUDY_MISSING"]

SPEED_HELP = ("Paper speed: 25 mm/s is the standard (a small square is 0.04 s); 50 mm/s spreads the beat out "
              "(0.02 s per small square)")
GAIN_HELP = "Gain: 10 mm/mV is the standard (a small square is 0.1 mV); 5 halves and 20 doubles the height"
#: What the Blinded study tab says until the study panels are installed.
STUDY_MISSING = "The blinded perception study is not available in this version of tsviz yet."
_UPLOAD_HELP = ("An .npz file with the keys clean and adversarial ((n, channels, T) or (n, T), in mV), optional "
                "labels, fs (Hz), unit and class_names; the Attack page's NPZ export (x, x_adv, y) works as it is. "
                f"At most {rr.MAX_UPLOAD_MB:g} MiB; no pickles. Without fs, unit or class names the selected "
                "dataset's are used.")


# ----------------------------------------------------------------------------- input
def input_panel(sel) -> rr.ReviewRequest | None:
    """The input chooser; the request of the series to review (``None``, with a note, when there is none)."""
    with st.container(border=True):
        source = st.radio("Input", rr.SOURCES, key="rv_source", horizontal=True,
                          help="Adversarial series from the Attack page of this session, a stored attack run, "
                               "or an NPZ file")
        if source == rr.ATTACK_SOURCE:
            req = _attack_input(sel)
        elif source == rr.RUN_SOURCE:
            req = _run_input(sel)
        else:
            req = _upload_input(sel)
        if req is not None:
            try:
                rs = rr.review_set(req)
            except Exception as exc:  # noqa: BLE001 - shown, nothing to review
                show_error(exc, "Could not read the series to review", reading=req.kind == "upload")
                return None
            st.caption(f"{rs.n} series · {rs.source}" + (f" · fs {rs.fs:g} Hz" if rs.fs else "") + f" · {rs.unit}")
    return req


def _attack_input(sel) -> rr.ReviewRequest | None:
    last, sent = rr.attack_request(sel), rr.sent_request(sel)
    if last is None and sent is None:
        st.info("Run an attack on the **Attack** page (**Run attack**): its clean and adversarial series appear here. "
                "Or open a stored run, or upload an NPZ file.")
        return None
    if last is not None and sent is not None:
        which = st.radio("Which", ["Last attack run", "Sent from the Attack page"], key="rv_attack_which",
                         horizontal=True, help="The Attack page's last run, or the series its Export tab sent")
        return last if which == "Last attack run" else sent
    return last or sent


def _run_input(sel) -> rr.ReviewRequest | None:
    ss = st.session_state
    try:
        runs = rr.list_attack_runs()
    except ImportError:
        st.info("The run store is not available in this version of tsviz.")
        return ss.get(rr.REVIEW_RUN)
    except Exception as exc:  # noqa: BLE001 - the store may be unreachable (PostgreSQL down)
        show_error(exc, "Could not list the stored runs")
        return ss.get(rr.REVIEW_RUN)
    if not runs:
        st.info("No stored attack run with series yet: runs of the Attack page are stored when the run store "
                "records them.")
        return ss.get(rr.REVIEW_RUN)
    labels = dict(runs)
    c = st.columns([5, 1], vertical_alignment="bottom")
    pick = c[0].selectbox("Stored attack run", list(labels), format_func=labels.get, key="rv_run_pick")
    if c[1].button("Open", key="rv_run_open"):
        with guard("Could not open the run; the previous input is kept"):
            ss[rr.REVIEW_RUN] = rr.run_request(pick, sel)
    return ss.get(rr.REVIEW_RUN)


def _upload_input(sel) -> rr.ReviewRequest | None:
    ss = st.session_state
    f = st.file_uploader("NPZ file with clean and adversarial series", type=["npz"], key="rv_upload",
                         help=_UPLOAD_HELP)
    if f is not None and ss.get("rv_upload_seen") != f.file_id:
        ss["rv_upload_seen"] = f.file_id
        try:
            ss[rr.REVIEW_UPLOAD] = rr.upload_request(f, sel)
        except Exception as exc:  # noqa: BLE001 - shown; the previous input stays
            show_error(exc, "Could not read the file; the previous input is kept", reading=True)
    return ss.get(rr.REVIEW_UPLOAD)


# ----------------------------------------------------------------------------- ECG paper
def _series_label(rs, verdict, i: int) -> str:
    idx = f"#{int(rs.indices[i])}" if rs.indices is not None else f"series {i}"
    true = rs.label_name(i)
    parts = [idx] + ([f"true {true}"] if true is not None else [])
    if verdict is not None:
        names = verdict.class_names
        parts.append(f"model {names[int(verdict.clean_pred[i])]} → {names[int(verdict.adv_pred[i])]}")
    return " · ".join(parts)


def _controls(rs, verdict, prefix: str) -> tuple[int, float, float, str, int]:
    from tsviz.viz.ecg_paper import GAINS, LAYOUTS, SPEEDS

    c = st.columns([4, 2, 2, 2, 1] if rs.n_channels > 1 else [4, 2, 2, 2])
    i = c[0].selectbox("Series", range(rs.n), key=f"{prefix}_series",
                       format_func=lambda j: _series_label(rs, verdict, j))
    speed = c[1].selectbox("Paper speed", SPEEDS, index=SPEEDS.index(25.0), key=f"{prefix}_speed",
                           format_func=lambda v: f"{v:g} mm/s", help=SPEED_HELP)
    gain = c[2].selectbox("Gain", GAINS, index=GAINS.index(10.0), key=f"{prefix}_gain",
                          format_func=lambda v: f"{v:g} mm/mV", help=GAIN_HELP)
    layout = c[3].radio("Layout", LAYOUTS, key=f"{prefix}_layout", horizontal=True,
                        help="overlay: clean and adversarial on one strip, the difference below; stacked: three "
                             "strips. The same scale everywhere")
    channel = c[4].selectbox("Lead", range(rs.n_channels), key=f"{prefix}_lead",
                             format_func=rs.channel_name) if rs.n_channels > 1 else 0
    return int(i), float(speed), float(gain), str(layout), int(channel)


def _numbers(rs, report, verdict):
    labels = [f"#{int(k)}" for k in rs.indices] if rs.indices is not None else [str(j) for j in range(rs.n)]
    frame = report.frame(labels)
    if verdict is not None:
        frame = frame.merge(verdict.frame(labels), on="series", how="left")
    return frame


def paper(req: rr.ReviewRequest) -> None:
    """One beat on ECG paper (clean, adversarial and their difference), its numbers, and the table of
    every series (CSV), the figure as HTML (PNG: the camera icon, or the PNG button with kaleido)."""
    from tsviz import viz
    from tsviz.review import ReviewError

    rs = rr.review_set(req)
    try:
        report = rr.report(req)
    except ReviewError as exc:
        st.warning(f"No ECG paper for these series: {exc}")
        return
    verdict = None
    with guard("The model's verdict is unavailable"):
        verdict = rr.verdict(req)
    i, speed, gain, layout, channel = _controls(rs, verdict, "rv")
    items = [("Peak change", f"{report.peak_uv[i]:.1f} µV", None, "max |adversarial − clean|"),
             ("SNR", f"{report.snr_db[i]:.1f} dB", None, "signal power / perturbation power"),
             ("On paper", "visible" if report.visible[i] else "not visible", None,
              "Visible when the peak change is at least 0.05 mV, half a small square at 10 mm/mV")]
    if verdict is not None:
        d = verdict.display_names
        items += [("Model before", d[int(verdict.clean_pred[i])].split(" (")[0], f"{verdict.clean_conf[i]:.0%}"),
                  ("Model after", d[int(verdict.adv_pred[i])].split(" (")[0], f"{verdict.adv_conf[i]:.0%}")]
    metric_row(items, delta_color="off")
    (st.warning if report.visible[i] else st.info)(report.sentences[i])
    if verdict is not None:
        st.caption(verdict.sentence(i))
    with guard("Could not draw the ECG paper"):
        label = _series_label(rs, verdict, i)
        fig = viz.ecg_paper_figure(rs.clean[i], rs.adversarial[i], fs=rs.fs, unit=rs.unit, speed=speed, gain=gain,
                                   layout=layout, channel=channel, lead=rs.channel_name(channel)[:60],
                                   title=f"{label} · {speed:g} mm/s · {gain:g} mm/mV")
        show_figure(fig, f"ecg-paper-{label}", key="rv_paper")
    st.markdown("**The clinician's numbers** (every series)")
    show_table(_numbers(rs, report, verdict), "review-numbers", key="rv_numbers", hide_index=True)
    st.caption(f"Band powers of the perturbation: {report.method}; bin width {report.resolution_hz:.2g} Hz "
               f"(fs / T), so in a window this short the baseline band (< 0.5 Hz) holds the perturbation's mean "
               f"offset. Energy = Σ δ² / fs.")


# ----------------------------------------------------------------------------- in context
def in_context(req: rr.ReviewRequest) -> None:
    """The attacked beat back in its 10-s strip (WFDB records), or why there is none."""
    from tsviz import viz
    from tsviz.review import ReviewError

    reason = rr.context_reason(req)
    if reason is not None:
        st.info(reason)
        return
    rs = rr.review_set(req)
    verdict = None
    with guard("The model's verdict is unavailable"):
        verdict = rr.verdict(req)
    i, speed, gain, layout, _ = _controls(rs, verdict, "rv_ctx")
    try:
        ctx = rr.context(req, i)
    except ReviewError as exc:  # e.g. the clean series is not the recording where it claims to be
        st.warning(f"This series cannot be put back into its recording: {exc}")
        return
    except Exception as exc:  # noqa: BLE001 - e.g. the record moved since the dataset was loaded
        show_error(exc, "Could not read the beat's recording", reading=True)
        return
    with guard("Could not draw the strip"):
        fig = viz.ecg_paper_figure(ctx.clean, ctx.adversarial, fs=ctx.fs, unit="mV", speed=speed, gain=gain,
                                   layout=layout, lead=rs.channel_name(0)[:60], t0=ctx.start_s,
                                   highlight=ctx.window_s, beat_marks=ctx.beat_marks(),
                                   title=f"{_series_label(rs, verdict, i)} in its {ctx.duration_s:.0f}-s strip")
        show_figure(fig, f"ecg-context-{i}", key="rv_context")
    counts = ", ".join(f"{k} {c}" for k, c in ctx.summary()["beat_counts"].items() if c)
    st.caption(f"{ctx.source}. Shaded: the attacked window ({ctx.window_s[0]:.2f}–{ctx.window_s[1]:.2f} s); the "
               f"rest of the strip is as recorded. Beats in the strip (reference annotations): {counts or 'none'}.")


# ----------------------------------------------------------------------------- blinded study
def study(sel) -> None:
    """The blinded perception study (:mod:`tsviz.ui.study_panels`), when installed."""
    try:
        from tsviz.ui.study_panels import study_tab
    except ModuleNotFoundError as exc:
        if exc.name != "tsviz.ui.study_panels":
            raise
        st.info(STUDY_MISSING)
        return
    with guard("The blinded study could not be shown"):
        study_tab(sel)
