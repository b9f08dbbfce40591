"""Certify page and the clinical certificate (issue 19): the visibility threshold and the L2 it means,
the certificate line per classifier after a run (equal to tsviz.certify.clinical_certificate on the
page's own per-series table), the largest invisible edit per beat, and no certificate for data not
in volts."""
from __future__ import annotations

import math

import numpy as np
import pytest
from apptest_helpers import app, frames, no_errors

from tsviz.certify import CertResult, clinical_certificate, invisible_l2, n_for_radius
from tsviz.ui.certify_panels import CERTIFIED_COLUMN, INVISIBLE_COLUMN

pytestmark = pytest.mark.usefixtures("app_home")


def _l2_captions(at) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("Every edit below")]


def _hand_result(frame) -> CertResult:
    n = len(frame)
    return CertResult(prediction=frame["prediction"].to_numpy(np.int64), radius=frame["radius"].to_numpy(np.float64),
                      p_lower=np.zeros(n), counts=np.zeros((n, 2), np.int64), p_upper_runner_up=np.zeros(n),
                      sigma=0.5, bound="cohen", alpha=0.001, n0=10, n=200, masks=None, seconds=0.0)


def test_the_threshold_input_and_its_l2_caption():
    at = app("pages/4_Certify.py").run()
    no_errors(at)
    assert at.number_input(key="cert_threshold_mv").value == 0.05
    assert _l2_captions(at) == ["Every edit below 0.05 mV peak has L2 ≤ 0.684 mV on these 187-sample beats "
                                "(1 channel): a beat certified at that radius is safe against all of them."]
    at.number_input(key="cert_threshold_mv").set_value(0.1).run()
    no_errors(at)
    l2 = invisible_l2(0.1, length=187)
    assert round(l2, 3) == 1.367
    assert _l2_captions(at) == [f"Every edit below 0.1 mV peak has L2 ≤ {l2:.3g} mV on these 187-sample beats "
                                "(1 channel): a beat certified at that radius is safe against all of them."]


def test_the_certificate_line_after_a_certification_matches_the_library():
    """Single at sigma 0.5 (the zoo's gaussian-0.5), 10 beats, n = 200: its ceiling (0.91 mV) is above
    0.684 mV, so beats can be certified; every number on the page is the library's."""
    at = app("pages/4_Certify.py").run()
    at.number_input(key="cert_sigma").set_value(0.5).run()
    for key in ("cert_on_mb", "cert_on_mc"):
        at.checkbox(key=key).uncheck()
    for k, v in (("cert_series", 10), ("cert_n0", 10)):
        at.number_input(key=k).set_value(v)
    at.button(key="cert_run").click().run()
    no_errors(at)
    table = next(f for f in frames(at) if INVISIBLE_COLUMN in f.columns)
    single = table[table["config"] == "Single"]
    cert = clinical_certificate(_hand_result(single), single["label"].to_numpy(np.int64), length=187, channels=1,
                                ids=single["idx"].tolist())
    assert cert.n_certified > 0  # 3 of 10 on the beats and noise of seed 0
    metric = next(m for m in at.metric if m.label == "Certified below 0.05 mV peak · Single")
    assert metric.value == f"{cert.n_certified} of 10 ({100 * cert.share:.0f} %)"
    assert cert.statement.endswith("certified correct against every edit below 0.05 mV peak (L2 0.684 mV).")
    assert any(f"**Single**: {cert.statement}" in c.value for c in at.caption)
    np.testing.assert_allclose(single[INVISIBLE_COLUMN], single["radius"] / math.sqrt(187) * 1000, rtol=1e-9)
    assert single[CERTIFIED_COLUMN].tolist() == cert.certified.tolist()
    assert single[CERTIFIED_COLUMN].tolist() == ((single["radius"] >= invisible_l2(0.05, length=187))
                                                 & single["correct"]).tolist()
    assert not any("No beat can be certified" in i.value for i in at.info)
    # a new threshold restates the certificate without certifying again
    at.number_input(key="cert_threshold_mv").set_value(0.02).run()
    no_errors(at)
    looser = clinical_certificate(_hand_result(single), single["label"].to_numpy(np.int64), threshold_mv=0.02,
                                  length=187, channels=1)
    metric = next(m for m in at.metric if m.label == "Certified below 0.02 mV peak · Single")
    assert metric.value == f"{looser.n_certified} of 10 ({100 * looser.share:.0f} %)"
    assert looser.n_certified >= cert.n_certified


def test_a_threshold_beyond_the_ceiling_of_n_says_so():
    """sigma 0.25, n = 100: the largest radius is below 0.684 mV; the page names the n that reaches it."""
    at = app("pages/4_Certify.py").run()
    for key in ("cert_on_mb", "cert_on_mc"):
        at.checkbox(key=key).uncheck()
    for k, v in (("cert_series", 4), ("cert_n0", 10), ("cert_n", 100)):
        at.number_input(key=k).set_value(v)
    at.button(key="cert_run").click().run()
    no_errors(at)
    sigma = at.number_input(key="cert_sigma").value
    metric = next(m for m in at.metric if m.label == "Certified below 0.05 mV peak · Single")
    assert metric.value == "0 of 4 (0 %)"
    note = next(i.value for i in at.info if "No beat can be certified" in i.value)
    need = n_for_radius(invisible_l2(0.05, length=187), sigma, 0.001)
    assert f"raise n to {need:,} or σ" in note


def test_a_dataset_not_in_volts_gets_the_explanation_not_a_certificate():
    at = app("pages/4_Certify.py").run()
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    no_errors(at)
    assert not [w for w in at.number_input if w.key == "cert_threshold_mv"]
    assert any(c.value.startswith("No clinical certificate: this dataset's series are in a.u., not in volts")
               for c in at.caption)
    at.checkbox(key="cert_on_mc").uncheck()
    at.checkbox(key="cert_on_mb").uncheck()
    for k, v in (("cert_series", 3), ("cert_n0", 10), ("cert_n", 30)):
        at.number_input(key=k).set_value(v)
    at.button(key="cert_run").click().run()
    no_errors(at)
    assert not [m for m in at.metric if m.label.startswith("Certified below")]
    table = next(f for f in frames(at) if "radius" in f.columns and "config" in f.columns)
    assert INVISIBLE_COLUMN not in table.columns
