"""ECG paper (tsviz.viz.ecg_paper): grid spacing, calibration pulse, aspect ratio and layouts read back
from the figure in seconds and millivolts, for every paper speed and gain; bad inputs."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from figure_lookup import axis_title, one, traces

from tsviz import viz
from tsviz.viz.ecg_paper import GAINS, SPEEDS, ecg_paper_figure, paper_scale

FS = 250.0
T = 375  # 1.5 s


def _beat(seed: int = 0) -> np.ndarray:
    t = np.arange(T) / FS
    rng = np.random.default_rng(seed)
    return (1.2 * np.exp(-0.5 * ((t - 0.5) / 0.012) ** 2) + 0.2 * np.exp(-0.5 * ((t - 0.8) / 0.05) ** 2)
            + 0.01 * rng.standard_normal(T))


def _axes(fig, trace):
    xa = fig.layout["xaxis" + (trace.xaxis or "x")[1:]]
    ya = fig.layout["yaxis" + (trace.yaxis or "y")[1:]]
    return xa, ya


def _values(v) -> np.ndarray:
    return np.asarray(v, dtype=float)


# hand-computed: 1 mm of paper is 1/speed s and 1/gain mV; a large square is 5 mm
@pytest.mark.parametrize("speed, minor_s, major_s", [(25, 0.04, 0.2), (50, 0.02, 0.1)])
@pytest.mark.parametrize("gain, minor_mv, major_mv", [(10, 0.1, 0.5), (5, 0.2, 1.0), (20, 0.05, 0.25)])
def test_grid_is_one_mm_and_five_mm_of_paper(speed, minor_s, major_s, gain, minor_mv, major_mv):
    x = _beat()
    fig = ecg_paper_figure(x, x + 0.02, fs=FS, speed=speed, gain=gain, layout="stacked")
    assert paper_scale(speed, gain)["minor_s"] == pytest.approx(minor_s)
    for name in ("Clean", "Adversarial", "Difference (adversarial − clean)"):
        xa, ya = _axes(fig, one(fig, name))
        assert xa.dtick == pytest.approx(major_s) and xa.minor.dtick == pytest.approx(minor_s)
        assert ya.dtick == pytest.approx(major_mv) and ya.minor.dtick == pytest.approx(minor_mv)
        assert xa.tick0 == 0 and ya.tick0 == 0 and xa.minor.tick0 == 0 and ya.minor.tick0 == 0
        assert xa.showgrid and ya.showgrid and xa.minor.showgrid and ya.minor.showgrid
        # aspect ratio: 1 mV spans gain mm, 1 s spans speed mm -> y px per unit = gain/speed x px per unit
        assert ya.scaleanchor == (one(fig, name).xaxis or "x") and ya.scaleratio == pytest.approx(gain / speed)
        # the panels show whole large squares, from a grid line to a grid line
        for lo_hi, step in ((xa.range, major_s), (ya.range, major_mv)):
            assert np.allclose(np.asarray(lo_hi) / step, np.round(np.asarray(lo_hi) / step), atol=1e-9)
    # the printed speed and gain
    texts = [a.text for a in fig.layout.annotations]
    assert any(f"{speed:g} mm/s" in t and f"{gain:g} mm/mV" in t for t in texts)
    assert f"{speed:g} mm/s" in fig.layout.title.text and f"{gain:g} mm/mV" in fig.layout.title.text


@pytest.mark.parametrize("speed", SPEEDS)
@pytest.mark.parametrize("gain", GAINS)
def test_calibration_pulse_is_1_mV_high_and_0_2_s_wide_before_the_signal(speed, gain):
    x = _beat()
    fig = ecg_paper_figure(x, x + 0.01, fs=FS, speed=speed, gain=gain, layout="overlay", t0=3.0)
    cals = traces(fig, "1 mV calibration")
    assert len(cals) == 2  # one per panel: overlay + difference
    for cal in cals:
        cx, cy = _values(cal.x), _values(cal.y)
        assert cy.max() - cy.min() == pytest.approx(1.0) and cy.min() == 0.0  # from 0 to 1 mV
        high = cx[cy == 1.0]
        assert high.max() - high.min() == pytest.approx(0.2)  # 0.2 s: 5 mm at 25 mm/s, 10 mm at 50 mm/s
        assert cx.max() <= 3.0 + 1e-9  # before the first sample (t0 = 3 s)
        # inside the panel's range
        xa, ya = _axes(fig, cal)
        assert xa.range[0] <= cx.min() and ya.range[0] <= 0 and ya.range[1] >= 1
    assert sum(t.showlegend is not False for t in cals) == 1  # one legend entry


def test_overlay_and_stacked_panels_share_the_scale_and_plot_the_values():
    x = _beat()
    adv = x + 0.03 * np.sin(2 * np.pi * 5 * np.arange(T) / FS)
    over = ecg_paper_figure(x, adv, fs=FS, layout="overlay", lead="II")
    stack = ecg_paper_figure(x, adv, fs=FS, layout="stacked", lead="II")
    # overlay: clean and adversarial on one panel, the difference on another; stacked: three panels
    diff = "Difference (adversarial − clean)"
    assert one(over, "Clean").yaxis == one(over, "Adversarial").yaxis != one(over, diff).yaxis
    assert len({t.yaxis for t in stack.data}) == 3
    for fig in (over, stack):
        np.testing.assert_allclose(_values(one(fig, "Clean").y), x)
        np.testing.assert_allclose(_values(one(fig, "Adversarial").y), adv)
        np.testing.assert_allclose(_values(one(fig, "Difference (adversarial − clean)").y), adv - x, atol=1e-12)
        np.testing.assert_allclose(_values(one(fig, "Clean").x), np.arange(T) / FS)
        ratios = {fig.layout[k].scaleratio for k in fig.layout if k.startswith("yaxis")}
        assert ratios == {10 / 25}  # the same mm/mV on every panel, the difference too
        assert {axis_title(fig, t, "x") for t in fig.data} == {"Time (s)"}  # every panel, shared time axis
        assert all("mV" in axis_title(fig, t, "y") for t in fig.data)
        # panel heights on screen are proportional to their mV spans (one px per mm everywhere)
        spans = {}
        for k in fig.layout:
            if k.startswith("yaxis"):
                ya = fig.layout[k]
                spans[k] = ((ya.range[1] - ya.range[0]), ya.domain[1] - ya.domain[0])
        mm_per_domain = {round(s / d, 6) for s, d in spans.values()}
        assert len(mm_per_domain) == 1
    texts = [a.text for a in stack.layout.annotations]
    assert any(t.startswith("<b>II</b>") and "adversarial" in t for t in texts)  # the lead label


def test_one_signal_alone_is_one_neutral_trace():
    fig = ecg_paper_figure(_beat(), fs=FS, lead="II")
    assert {t.name for t in fig.data} == {"ECG", "1 mV calibration"}
    assert "<b>II</b>" in [a.text for a in fig.layout.annotations]  # the lead only: no hint of a kind
    assert axis_title(fig, one(fig, "ECG"), "y") in ("Amplitude (mV)", "mV")


def test_units_are_drawn_in_mV_and_the_strip_in_recording_time():
    x = _beat()
    fig = ecg_paper_figure(x * 1000.0, x * 1000.0, fs=FS, unit="µV", t0=60.0, highlight=(60.2, 60.6),
                           beat_marks=([60.5], ["V"]))
    np.testing.assert_allclose(_values(one(fig, "Clean").y), x)
    assert _values(one(fig, "Clean").x)[0] == pytest.approx(60.0)
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(60.2, 60.6)] * 2  # the attacked window, each panel
    assert list(one(fig, "Beat labels").text) == ["V"]


def test_a_10_s_strip_draws_with_a_few_traces_and_no_grid_shapes():
    t = np.arange(int(10 * 360)) / 360
    x = np.sin(2 * np.pi * 1.2 * t)
    fig = ecg_paper_figure(x, x + 0.01, fs=360.0, layout="stacked", speed=50)
    assert len(fig.data) <= 7 and len(fig.layout.shapes) == 0


@pytest.mark.parametrize("kwargs, word", [
    ({"fs": float("nan")}, "fs"), ({"fs": 0.0}, "fs"), ({"fs": -5.0}, "fs"), ({"fs": None}, "fs"),
    ({"speed": 30}, "speed"), ({"speed": 1e300}, "speed"), ({"speed": True}, "speed"), ({"speed": "25"}, "speed"),
    ({"gain": 0}, "gain"), ({"gain": -10}, "gain"), ({"gain": float("inf")}, "gain"),
    ({"layout": "side"}, "layout"), ({"unit": "a.u."}, "unit"), ({"channel": 3}, "channel"),
    ({"lead": "x" * 500}, "lead"), ({"t0": float("nan")}, "t0"), ({"highlight": (2.0, 1.0)}, "highlight"),
    ({"beat_marks": ([1.0, 2.0], ["N"])}, "beat_marks"),
])
def test_bad_settings_raise_naming_the_parameter(kwargs, word):
    x = _beat()
    args = {"fs": FS, **kwargs}
    with pytest.raises(ValueError, match=word):
        ecg_paper_figure(x, x, **args)


def test_bad_signals_raise_naming_the_signal():
    x = _beat()
    bad = x.copy()
    bad[10] = np.nan
    with pytest.raises(ValueError, match="signal"):
        ecg_paper_figure(bad, x, fs=FS)
    with pytest.raises(ValueError, match="adversarial"):
        ecg_paper_figure(x, bad, fs=FS)
    with pytest.raises(ValueError, match="adversarial"):
        ecg_paper_figure(x, x[:100], fs=FS)
    with pytest.raises(ValueError, match="signal"):
        ecg_paper_figure(np.array(["a", "b"]), fs=FS)
    with pytest.raises(ValueError, match="15 s"):
        ecg_paper_figure(np.zeros(int(16 * FS)), fs=FS)
    with pytest.raises(ValueError, match="unit"):
        ecg_paper_figure(x * 1e6, fs=FS)  # 1e6 mV: the wrong unit, not an ECG


def test_it_is_exported_and_importing_the_module_does_not_import_plotly():
    assert viz.ecg_paper_figure is ecg_paper_figure
    code = "import sys, tsviz.viz.ecg_paper; print('plotly' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == \
        "False"
