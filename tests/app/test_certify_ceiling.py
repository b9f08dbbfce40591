"""Certify page and the radius ceiling (issue 15): the largest radius n allows is shown next to n, and
a certification whose radii mostly sit at it says so, with the n that lifts it and the time that takes."""
from __future__ import annotations

import re

import pytest
from apptest_helpers import app, frames, no_errors

from tsviz.certify import n_for_radius, radius_ceiling

pytestmark = pytest.mark.usefixtures("app_home")

ETA = re.compile(r"\(about \d+ (s|min|h)\b[^)]*on this machine")


def _ceiling_captions(at) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("Largest radius:")]


def _run(at, **values):
    for k, v in values.items():
        at.number_input(key=k).set_value(v)
    at.button(key="cert_run").click().run()
    no_errors(at)
    return at


def test_the_caption_next_to_n_shows_the_ceiling_and_follows_n_sigma_alpha_and_bound():
    at = app("pages/4_Certify.py").run()
    no_errors(at)
    sigma = at.number_input(key="cert_sigma").value
    assert _ceiling_captions(at) == [f"Largest radius: {radius_ceiling(sigma, 200, 0.001):.3g} mV"]
    if sigma == 0.25:  # the zoo's default models are trained at 0.25: sigma Phi^-1(0.001^(1/200))
        assert _ceiling_captions(at) == ["Largest radius: 0.456 mV"]
    at.number_input(key="cert_n").set_value(1000).run()
    assert _ceiling_captions(at) == [f"Largest radius: {radius_ceiling(sigma, 1000, 0.001):.3g} mV"]
    at.selectbox(key="cert_bound").set_value("renyi").run()
    assert _ceiling_captions(at) == [f"Largest radius: {radius_ceiling(sigma, 1000, 0.001, bound='renyi'):.3g} mV"]
    assert not at.warning  # nothing ran


def test_a_ceiling_bound_run_warns_and_names_n_and_the_n_that_lifts_the_ceiling():
    """CBF at n = 50: every series gets all 50 draws right, so every radius is the ceiling."""
    at = app("pages/4_Certify.py").run()
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    at.checkbox(key="cert_on_mc").uncheck()
    _run(at, cert_series=6, cert_n0=10, cert_n=50, cert_m_mb=2)
    sigma = at.number_input(key="cert_sigma").value
    top = radius_ceiling(sigma, 50, 0.001)
    lift = n_for_radius(1.5 * top, sigma, 0.001)
    assert len(at.warning) == 1, [w.value for w in at.warning]
    text = at.warning[0].value
    assert text.startswith("6 of 6 certified series (Single) and 6 of 6 (M_B) sit at the largest radius n = 50 "
                           f"allows ({top:.3g}"), text
    assert f"raise n to {lift:,} to see larger radii" in text and ETA.search(text), text
    assert _ceiling_captions(at) == [f"Largest radius: {top:.3g} a.u."]  # CBF's unit


def test_a_run_below_the_ceiling_shows_no_warning():
    """Synthetic ECG at sigma 0.25 (noise larger than the beats): most radii stay below the ceiling."""
    at = app("pages/4_Certify.py").run()
    for key in ("cert_on_mb", "cert_on_mc"):
        at.checkbox(key=key).uncheck()
    _run(at, cert_series=6, cert_n0=10, cert_n=100)
    summary = frames(at)[0].set_index("label")
    assert list(summary.index) == ["Single"] and summary.loc["Single", "acr"] > 0  # it certified something
    assert not at.warning, [w.value for w in at.warning]
    top = radius_ceiling(at.number_input(key="cert_sigma").value, 100, 0.001)
    assert _ceiling_captions(at) == [f"Largest radius: {top:.3g} mV"]
