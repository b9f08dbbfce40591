"""The clinical certificate (tsviz.certify.clinical): peak -> L2 -> microvolts on hand-made cases, the
per-beat verdicts of a hand-built CertResult, unit conversion and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest

from tsviz.certify import (
    ABSTAIN,
    DEFAULT_THRESHOLD_MV,
    CertifyError,
    CertResult,
    ClinicalCertificate,
    certified_accuracy,
    clinical_certificate,
    invisible_l2,
    is_voltage_unit,
    largest_invisible_peak,
    mv_per_unit,
)

L2_187 = 0.05 * math.sqrt(187)  # 0.68374...


def _result(radius, prediction, K=3) -> CertResult:
    radius = np.asarray(radius, dtype=np.float64)
    N = radius.shape[0]
    return CertResult(prediction=np.asarray(prediction, dtype=np.int64), radius=radius, p_lower=np.zeros(N),
                      counts=np.zeros((N, K), dtype=np.int64), p_upper_runner_up=np.zeros(N), sigma=0.5,
                      bound="cohen", alpha=0.001, n0=100, n=10_000, masks=None, seconds=0.0)


# ------------------------------------------------------------------ peak <-> L2
def test_half_a_small_square_on_a_187_sample_beat_is_0_684_mv():
    assert DEFAULT_THRESHOLD_MV == 0.05
    assert invisible_l2(length=187) == pytest.approx(0.6837397, abs=1e-7)
    assert round(invisible_l2(0.05, length=187), 4) == 0.6837
    assert invisible_l2(0.1, length=100) == pytest.approx(1.0)  # 0.1 * sqrt(100)


def test_the_worst_edit_spreads_the_peak_over_every_sample():
    # every edit with |delta_i| <= p has L2 <= p sqrt(T); the constant edit +-p reaches it
    rng = np.random.default_rng(0)
    p, T = 0.05, 187
    edits = rng.uniform(-p, p, size=(1000, T))
    assert np.linalg.norm(edits, axis=1).max() <= invisible_l2(p, length=T)
    assert np.linalg.norm(np.full(T, p)) == pytest.approx(invisible_l2(p, length=T), rel=1e-12)


def test_channels_multiply_the_samples():
    # 12 leads of 250 samples: sqrt(3000) samples
    assert invisible_l2(0.05, length=250, channels=12) == pytest.approx(0.05 * math.sqrt(3000))
    assert invisible_l2(0.05, length=187, channels=2) == pytest.approx(L2_187 * math.sqrt(2))
    assert largest_invisible_peak(1.0, length=250, channels=4) == pytest.approx(1.0 / math.sqrt(1000))


def test_largest_invisible_peak_inverts_invisible_l2():
    assert largest_invisible_peak(L2_187, length=187) == pytest.approx(0.05, rel=1e-12)
    assert largest_invisible_peak(1.0, length=100) == pytest.approx(0.1)
    assert largest_invisible_peak(0.0, length=187) == 0.0
    for peak in (1e-4, 0.05, 0.3, 2.0):
        for T, C in ((187, 1), (128, 2), (5000, 12)):
            assert largest_invisible_peak(invisible_l2(peak, length=T, channels=C), length=T,
                                          channels=C) == pytest.approx(peak, rel=1e-12)


# ------------------------------------------------------------------ units
def test_units():
    assert mv_per_unit("mV") == 1.0
    assert mv_per_unit("uV") == mv_per_unit("µV") == mv_per_unit("μV") == 1e-3
    assert mv_per_unit("V") == 1000.0
    assert is_voltage_unit("mV") and is_voltage_unit("µV") and not is_voltage_unit("a.u.")
    assert not is_voltage_unit(None) and not is_voltage_unit("")


@pytest.mark.parametrize("unit", ["a.u.", "", "mv", "MV", "kV", None, 1.0, "x" * 10_000])
def test_unknown_units_are_refused_naming_the_parameter(unit):
    with pytest.raises(CertifyError, match="unit must be a voltage") as e:
        mv_per_unit(unit)
    assert len(str(e.value)) < 200
    with pytest.raises(CertifyError, match="unit"):
        clinical_certificate(_result([1.0], [0]), [0], length=187, channels=1, unit=unit)


def test_the_certificate_reads_radii_in_the_series_unit():
    y = [0, 0, 0]
    # the same physical radii (0.7 mV, 0.6 mV, 1.0 mV) in uV, mV and V
    mv = clinical_certificate(_result([0.7, 0.6, 1.0], [0, 0, 0]), y, length=187, channels=1, unit="mV")
    uv = clinical_certificate(_result([700.0, 600.0, 1000.0], [0, 0, 0]), y, length=187, channels=1, unit="uV")
    v = clinical_certificate(_result([7e-4, 6e-4, 1e-3], [0, 0, 0]), y, length=187, channels=1, unit="V")
    for c in (mv, uv, v):
        assert c.certified.tolist() == [True, False, True]
        np.testing.assert_allclose(c.radius_mv, [0.7, 0.6, 1.0], rtol=1e-12)
        np.testing.assert_allclose(c.invisible_peak_uv, np.array([0.7, 0.6, 1.0]) / math.sqrt(187) * 1000, rtol=1e-12)
        assert c.threshold_l2_mv == pytest.approx(L2_187)


# ------------------------------------------------------------------ per beat, for the set
def test_hand_built_result_just_below_and_above_the_threshold():
    eps = 1e-9
    radius = [L2_187 + eps, L2_187 - eps, L2_187, 2.0, 0.0, 1.5, 0.3]
    pred = [0, 1, 2, 0, ABSTAIN, 2, 1]
    y = [0, 1, 2, 0, 1, 0, 1]
    # beat 0: just above -> certified; 1: just below -> not; 2: exactly at it -> certified (inclusive);
    # 3: far above; 4: abstains; 5: wrong though a large radius; 6: correct, small radius
    c = clinical_certificate(_result(radius, pred), y, length=187, channels=1)
    assert isinstance(c, ClinicalCertificate)
    assert c.certified.tolist() == [True, False, True, True, False, False, False]
    assert c.correct.tolist() == [True, True, True, True, False, False, True]
    assert c.abstained.tolist() == [False, False, False, False, True, False, False]
    assert (c.n_certified, c.share) == (3, pytest.approx(3 / 7))
    # the same verdicts as certified_accuracy at the threshold's L2 (inclusive there as well)
    assert certified_accuracy(_result(radius, pred), np.array(y), [L2_187])[0] == pytest.approx(c.share)
    peaks = c.invisible_peak_uv
    assert peaks[0] == pytest.approx(50.0, rel=1e-6) and peaks[2] == pytest.approx(50.0, rel=1e-12)
    assert peaks[3] == pytest.approx(2.0 / math.sqrt(187) * 1000)  # 146.25 uV
    assert peaks[4] == 0.0
    assert peaks[6] == pytest.approx(0.3 / math.sqrt(187) * 1000)  # 21.9 uV
    assert c.statement == ("3 of 7 beats (43 %) are certified correct against every edit below 0.05 mV peak "
                           "(L2 0.684 mV).")
    s = c.statements
    assert len(s) == 7
    assert s[0].startswith("Beat 0: certified correct against every edit below 0.05 mV peak (L2 0.684 mV)")
    assert "below 50 µV peak" in s[0]
    assert s[1].startswith("Beat 1: predicted correctly, but certified only against edits below 50 µV peak")
    assert "abstains" in s[4]
    assert "not the label 0" in s[5] and "no clinical certificate" in s[5]
    assert "21.9 µV" in s[6]
    summ = c.summary()
    assert summ["n_beats"] == 7 and summ["n_certified"] == 3 and summ["n_abstained"] == 1 and summ["n_wrong"] == 1
    assert summ["median_invisible_peak_uv_certified"] == pytest.approx(50.0, rel=1e-6)
    frame = c.to_frame()
    assert list(frame.columns) == ["certified", "correct", "abstained", "radius_mv", "invisible_peak_uv", "statement"]
    assert frame["certified"].sum() == 3
    assert not c.certified.flags.writeable


def test_a_higher_threshold_or_more_samples_certifies_fewer():
    res = _result([0.5, 0.8, 1.2, 3.0], [0, 0, 0, 0])
    y = [0, 0, 0, 0]
    shares = [clinical_certificate(res, y, threshold_mv=t, length=187, channels=1).share
              for t in (0.02, 0.05, 0.1, 0.3)]
    assert shares == [1.0, 0.75, 0.25, 0.0]  # L2: 0.274, 0.684, 1.368, 4.10 mV
    two_leads = clinical_certificate(res, y, length=187, channels=2)  # L2 0.967 mV
    assert two_leads.certified.tolist() == [False, False, True, True]


def test_ids_name_the_beats_and_singular_wording():
    c = clinical_certificate(_result([1.0], [0]), [0], length=187, channels=1, ids=[412])
    assert c.statements[0].startswith("Beat #412: certified correct")
    assert c.statement.startswith("1 of 1 beat (100 %) is certified correct")
    empty = clinical_certificate(_result([], []), np.array([], dtype=np.int64), length=187, channels=1)
    assert (empty.n_certified, empty.share, empty.statements) == (0, 0.0, ())


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("bad", [0.0, -0.05, float("nan"), float("inf"), 1e300, True, "0.05", None])
def test_bad_peaks_name_the_parameter(bad):
    with pytest.raises(CertifyError, match="peak_mv"):
        invisible_l2(bad, length=187)
    with pytest.raises(CertifyError, match="threshold_mv"):
        clinical_certificate(_result([1.0], [0]), [0], threshold_mv=bad, length=187, channels=1)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("-inf"), "1"])
def test_bad_radii_name_the_parameter(bad):
    with pytest.raises(CertifyError, match="radius_mv"):
        largest_invisible_peak(bad, length=187)


@pytest.mark.parametrize("name,kw", [("length", {"length": 0}), ("length", {"length": -3}),
                                     ("length", {"length": 18.7}), ("length", {"length": None}),
                                     ("channels", {"length": 187, "channels": 0}),
                                     ("channels", {"length": 187, "channels": 1.5}),
                                     ("length", {"length": 10**12})])
def test_bad_lengths_and_channels_name_the_parameter(name, kw):
    with pytest.raises(CertifyError, match=name):
        invisible_l2(0.05, **kw)
    with pytest.raises(CertifyError, match=name):
        largest_invisible_peak(1.0, **kw)
    with pytest.raises(CertifyError, match=name):
        clinical_certificate(_result([1.0], [0]), [0], **{"channels": 1, **kw})


def test_bad_results_and_labels():
    with pytest.raises(CertifyError, match="result must be a CertResult"):
        clinical_certificate({"radius": [1.0]}, [0], length=187, channels=1)
    with pytest.raises(CertifyError, match="y has 2 labels for 1 series"):
        clinical_certificate(_result([1.0], [0]), [0, 1], length=187, channels=1)
    with pytest.raises(CertifyError, match="y must hold integer"):
        clinical_certificate(_result([1.0], [0]), [0.0], length=187, channels=1)
    with pytest.raises(CertifyError, match="result.radius"):
        clinical_certificate(_result([float("nan")], [0]), [0], length=187, channels=1)
    with pytest.raises(CertifyError, match="result.radius"):
        clinical_certificate(_result([-1.0], [0]), [0], length=187, channels=1)
    with pytest.raises(CertifyError, match="ids"):
        clinical_certificate(_result([1.0], [0]), [0], length=187, channels=1, ids=[1, 2])


def test_the_accuracy_radius_figure_draws_the_threshold_and_old_calls_still_work():
    from tsviz import viz

    curves = {"Single": (np.array([0.0, 0.5, 1.0]), np.array([0.9, 0.5, 0.1]))}
    plain = viz.accuracy_radius_figure(curves, unit="mV")
    assert len(plain.layout.shapes) == 0
    fig = viz.accuracy_radius_figure(curves, unit="mV", threshold=L2_187, threshold_label="0.05 mV peak")
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x0 == pytest.approx(L2_187)
    assert any(a.text == "0.05 mV peak" for a in fig.layout.annotations)
    with pytest.raises(ValueError, match="threshold"):
        viz.accuracy_radius_figure(curves, threshold=float("nan"))
