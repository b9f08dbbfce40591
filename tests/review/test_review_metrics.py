"""The clinician's numbers (tsviz.review.metrics): hand-checkable peak, energy, SNR and band powers
of sine and offset perturbations, the 0.05 mV visibility threshold on both sides, the model's
verdict on a linear toy whose softmax is known, and bad inputs."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from helpers import LinearTS, assert_model_untouched, model_state

from tsviz.review import (
    AAMI_NAMES,
    BANDS,
    VISIBLE_MV,
    ReviewError,
    model_verdict,
    perturbation_report,
    visibility_sentence,
)

FS = 250.0
T = 500  # 2 s: bins every 0.5 Hz, so 12.5 Hz and 62.5 Hz fall on bins
t = np.arange(T) / FS
CLEAN = np.sin(2 * np.pi * 1.0 * t)  # 1 mV, 1 Hz: power 0.5 mV^2


def _report(delta, clean=CLEAN, **kw):
    return perturbation_report(clean[None, None], (clean + delta)[None, None], FS, **kw)


def test_a_sine_in_the_diagnostic_band():
    # 20 uV at 12.5 Hz: 20 samples per period, so the samples reach the crest exactly
    r = _report(0.02 * np.sin(2 * np.pi * 12.5 * t))
    assert r.peak_uv[0] == pytest.approx(20.0, rel=1e-9)
    assert r.rms_uv[0] == pytest.approx(20.0 / math.sqrt(2), rel=1e-9)             # A / sqrt 2
    assert r.energy[0] == pytest.approx(0.02**2 / 2 * T / FS, rel=1e-9)            # sum d^2 / fs = 4e-4 mV^2 s
    assert r.snr_db[0] == pytest.approx(10 * math.log10(0.5 / (0.02**2 / 2)), rel=1e-9)  # 33.98 dB
    np.testing.assert_allclose(r.band_power[0], [0.0, 2e-4, 0.0], atol=1e-15)      # all in 0.5-40 Hz
    np.testing.assert_allclose(r.band_share[0], [0.0, 1.0, 0.0], atol=1e-10)
    assert not r.visible[0] and "not visible" in r.sentences[0] and "20.0 µV" in r.sentences[0]
    assert r.resolution_hz == pytest.approx(0.5)


def test_a_sine_above_40_hz_and_an_offset_in_the_baseline_band():
    r = _report(0.02 * np.sin(2 * np.pi * 62.5 * t))  # 4 samples per period
    assert r.peak_uv[0] == pytest.approx(20.0, rel=1e-9)
    np.testing.assert_allclose(r.band_power[0], [0.0, 0.0, 2e-4], atol=1e-15)
    r = _report(np.full(T, -0.03))  # a baseline shift of -30 uV
    assert r.peak_uv[0] == pytest.approx(30.0, rel=1e-9)
    np.testing.assert_allclose(r.band_power[0], [9e-4, 0.0, 0.0], atol=1e-15)
    assert r.energy[0] == pytest.approx(9e-4 * T / FS, rel=1e-9)


def test_band_powers_add_up_to_the_perturbation_power_over_channels():
    rng = np.random.default_rng(0)
    clean = rng.standard_normal((3, 2, 187))
    adv = clean + 0.05 * rng.standard_normal((3, 2, 187))
    r = perturbation_report(clean, adv, 125.0)
    d = adv - clean
    np.testing.assert_allclose(r.band_power.sum(1), np.mean(d**2, axis=(1, 2)), rtol=1e-10)  # Parseval
    np.testing.assert_allclose(r.peak_uv, np.abs(d).reshape(3, -1).max(1) * 1000, rtol=1e-12)
    np.testing.assert_allclose(r.snr_db, 10 * np.log10(np.mean(clean**2, axis=(1, 2)) / np.mean(d**2, axis=(1, 2))))
    i = np.abs(d).reshape(3, -1).argmax(1)
    np.testing.assert_array_equal(r.peak_channel, i // 187)
    np.testing.assert_allclose(r.peak_time_s, (i % 187) / 125.0)
    assert [b[0] for b in BANDS] == ["baseline", "diagnostic", "high"]


@pytest.mark.parametrize("peak_mv, visible", [(0.05, True), (0.0501, True), (0.04999, False), (0.0, False)])
def test_visibility_threshold_is_half_a_small_square(peak_mv, visible):
    assert VISIBLE_MV == 0.05
    delta = np.zeros(T)
    delta[100] = -peak_mv  # the sign does not matter
    r = _report(delta, clean=np.zeros(T))
    assert bool(r.visible[0]) is visible
    assert ("not visible" not in r.sentences[0]) is visible and "0.05 mV" in r.sentences[0]
    if peak_mv == 0.0:
        assert r.snr_db[0] == np.inf and (r.band_share[0] == 0).all()


def test_microvolts_and_volts_are_read_as_such():
    delta = np.zeros(T)
    delta[5] = 50.0  # uV
    r = perturbation_report(np.zeros((1, 1, T)), delta[None, None], FS, unit="µV")
    assert r.peak_uv[0] == pytest.approx(50.0) and r.visible[0]
    r = perturbation_report(np.zeros((1, 1, T)), delta[None, None] * 1e-6, FS, unit="V")
    assert r.peak_uv[0] == pytest.approx(50.0)
    assert visibility_sentence(0.12).startswith("Peak change 120 µV")


def test_frame_and_summary():
    r = _report(0.02 * np.sin(2 * np.pi * 12.5 * t))
    f = r.frame(["#7"])
    assert list(f["series"]) == ["#7"] and f["peak (µV)"].iloc[0] == pytest.approx(20.0)
    assert "power diagnostic (0.5–40 Hz) (mV²)" in f.columns and f["visible on paper"].iloc[0] == np.False_
    s = r.summary()
    json.dumps(s)
    assert s["n_visible"] == 0 and s["median_band_share"]["diagnostic"] == pytest.approx(1.0)
    assert "periodogram" in s["method"]
    with pytest.raises(ValueError):
        r.peak_uv[0] = 1.0  # read-only


@pytest.mark.parametrize("clean, adv, fs, unit, word", [
    (CLEAN, np.where(t > 1, np.nan, CLEAN), FS, "mV", "adversarial"),
    (np.where(t > 1, np.inf, CLEAN), CLEAN, FS, "mV", "clean"),
    (CLEAN, CLEAN[:100], FS, "mV", "shape"),
    (CLEAN, CLEAN, 0.0, "mV", "fs"),
    (CLEAN, CLEAN, float("nan"), "mV", "fs"),
    (CLEAN, CLEAN, 1e300, "mV", "fs"),
    (CLEAN, CLEAN, True, "mV", "fs"),
    (CLEAN, CLEAN, FS, "a.u.", "unit"),
    (CLEAN, CLEAN, FS, None, "unit"),
    (CLEAN.astype(complex), CLEAN, FS, "mV", "complex"),
    (np.array(["a", "b"]), np.array(["a", "b"]), FS, "mV", "clean"),
    (np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), FS, "mV", "at least 2"),
    (np.zeros((0, 1, 5)), np.zeros((0, 1, 5)), FS, "mV", "empty"),
])
def test_bad_inputs_raise_review_errors_naming_what_is_wrong(clean, adv, fs, unit, word):
    with pytest.raises(ReviewError, match=word):
        perturbation_report(clean, adv, fs, unit=unit)


# ----------------------------------------------------------------------------- the model's verdict
def _linear(T: int = 10) -> LinearTS:
    """logits = [s, 0, -s, 0, 0] with s = sum(x): class N for a positive sum, V for a negative one."""
    W = torch.zeros(5, T)
    W[0], W[2] = 1.0, -1.0
    return LinearTS(W, C=1, T=T).eval()


def test_model_verdict_before_and_after_with_aami_names():
    model = _linear()
    before = model_state(model)
    clean = np.full((2, 1, 10), 0.1, dtype=np.float32)    # sum 1 -> logits [1, 0, -1, 0, 0]
    adv = -clean                                          # sum -1 -> logits [-1, 0, 1, 0, 0]
    v = model_verdict(model, clean, adv, ["N", "S", "V", "F", "Q"], labels=[0, 0])
    p = math.e / (math.e + 3 + 1 / math.e)                # softmax of the top logit, 0.4466
    np.testing.assert_array_equal(v.clean_pred, [0, 0])
    np.testing.assert_array_equal(v.adv_pred, [2, 2])
    np.testing.assert_allclose(v.clean_conf, [p, p], rtol=1e-6)
    np.testing.assert_allclose(v.adv_conf, [p, p], rtol=1e-6)
    np.testing.assert_allclose(v.clean_probs.sum(1), 1.0)
    assert v.aami and v.display_names[2] == AAMI_NAMES["V"] == "V (ventricular ectopic)"
    assert v.changed.all() and v.sentence(0) == f"Model: {AAMI_NAMES['N']} 45% → {AAMI_NAMES['V']} 45%"
    f = v.frame(["#1", "#2"])
    assert list(f["class after"]) == [AAMI_NAMES["V"]] * 2 and list(f["true class"]) == [AAMI_NAMES["N"]] * 2
    assert_model_untouched(model, before)


def test_model_verdict_keeps_other_class_names_as_they_are():
    v = model_verdict(_linear(), np.full((1, 1, 10), 0.1), np.full((1, 1, 10), 0.1), ["a", "b", "c", "d", "e"])
    assert not v.aami and v.display_names == ("a", "b", "c", "d", "e") and "(unchanged)" in v.sentence(0)


@pytest.mark.parametrize("kwargs, word", [
    ({"class_names": ["N", "S"]}, "classes"),
    ({"class_names": "NSVFQ"}, "class_names"),
    ({"clean": np.full((1, 1, 12), 0.1), "adversarial": np.full((1, 1, 12), 0.1)}, "length"),
    ({"clean": np.full((1, 1, 10), np.nan)}, "NaN"),
    ({"adversarial": np.zeros((2, 1, 10))}, "shape"),
    ({"labels": [0.5]}, "integer"),
    ({"labels": [7]}, "labels"),
    ({"model": "not a model"}, "model"),
    ({"batch_size": 0}, "batch_size"),
])
def test_model_verdict_bad_inputs(kwargs, word):
    args = {"model": _linear(), "clean": np.full((1, 1, 10), 0.1), "adversarial": np.full((1, 1, 10), -0.1),
            "class_names": ["N", "S", "V", "F", "Q"], **kwargs}
    extra = {k: args.pop(k) for k in ("labels", "batch_size") if k in args}
    with pytest.raises(ReviewError, match=word):
        model_verdict(args["model"], args["clean"], args["adversarial"], args["class_names"], **extra)


def test_importing_the_review_package_is_light():
    code = ("import sys, tsviz.review, tsviz.review.metrics, tsviz.review.context; "
            "print(sorted(m for m in ('torch', 'scipy', 'plotly', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
