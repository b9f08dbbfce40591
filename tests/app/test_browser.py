"""Real-browser smoke test: `streamlit run app.py` on a free localhost port, headless Debian Chromium
(driven by playwright) visits every page, waits for it to finish, checks that no exception or error
element is shown and saves a full-page screenshot per page."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit_server import CHROMIUM, FLAGS, REPO, streamlit_server, wait_until_idle

PAGES = [("", "home"), ("Data", "data"), ("Model", "model"), ("Attack", "attack"), ("Certify", "certify"),
         ("Explain", "explain"), ("Augment", "augment")]  # url paths of app.py


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); .ci/run installs it")
    pytest.importorskip("playwright.sync_api")
    with streamlit_server(tmp_path_factory.mktemp("browser")) as srv:
        yield srv.url


def _wait_until_idle(page, timeout_s: float = 120) -> None:
    page.wait_for_selector('h1', timeout=timeout_s * 1000)
    wait_until_idle(page, timeout_s)


def test_every_page_renders_in_chromium(server):
    from playwright.sync_api import sync_playwright

    out = Path(os.environ.get("TSVIZ_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            # tall: the app scrolls inside its own container
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            for path, name in PAGES:
                page.goto(f"{server}/{path}", wait_until="domcontentloaded")
                _wait_until_idle(page)
                if path in ("", "Data", "Model"):
                    page.wait_for_selector(".js-plotly-plot, [data-testid='stMetric']", timeout=60_000)
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                if name == "attack":  # run the default attack end to end and look at the results
                    page.get_by_role("button", name="Run attack").click()
                    page.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
                    _wait_until_idle(page)
                    page.screenshot(path=str(out / "attack-results.png"), full_page=True)
                    for tab in ("Spectra", "Latent space", "Confusion", "Sizes", "History"):
                        page.get_by_role("tab", name=tab).click()
                        _wait_until_idle(page)
                        page.wait_for_timeout(500)
                        page.screenshot(path=str(out / f"attack-{tab.lower().replace(' ', '-')}.png"), full_page=True)
                if name == "certify":  # a small certification of Single, M_B and M_C, then its tabs
                    for label, value in (("Series", "8"), ("n", "200")):
                        box = page.get_by_label(label, exact=True)
                        box.fill(value)
                        box.press("Enter")
                        _wait_until_idle(page)
                    page.get_by_role("button", name="Certify", exact=True).click()
                    page.wait_for_selector('[data-testid="stMetric"]', timeout=180_000)
                    _wait_until_idle(page)
                    page.screenshot(path=str(out / "certify-results.png"), full_page=True)
                    for tab in ("Per series", "pA", "Radius vs pA"):
                        page.get_by_role("tab", name=tab, exact=True).click()
                        _wait_until_idle(page)
                        page.wait_for_timeout(500)
                        page.screenshot(path=str(out / f"certify-{tab.lower().replace(' ', '-')}.png"), full_page=True)
                if name == "explain":  # four series, NeuroMask + baselines, then the backdoor demo
                    box = page.get_by_label("How many", exact=True)
                    box.fill("2")
                    box.press("Enter")
                    _wait_until_idle(page)
                    page.get_by_role("button", name="Explain", exact=True).click()
                    page.get_by_role("tab", name="Faithfulness", exact=True).wait_for(timeout=300_000)
                    _wait_until_idle(page)
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(out / "explain-results.png"), full_page=True)
                    for tab in ("NeuroMask evolution", "Faithfulness"):
                        page.get_by_role("tab", name=tab, exact=True).click()
                        _wait_until_idle(page)
                        page.wait_for_timeout(500)
                        page.screenshot(path=str(out / f"explain-{tab.lower().replace(' ', '-')}.png"), full_page=True)
                    page.get_by_role("tab", name="Backdoor trigger demo", exact=True).click()
                    _wait_until_idle(page)
                    box = page.get_by_label("Beats (non-N)", exact=True)
                    box.fill("2")
                    box.press("Enter")
                    _wait_until_idle(page)
                    page.get_by_role("button", name="Run the demo", exact=True).click()
                    page.get_by_text("Mask mass in the window").first.wait_for(timeout=300_000)
                    _wait_until_idle(page)
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(out / "explain-backdoor.png"), full_page=True)
                if name == "augment":  # fit an ODENet, then every augmentation of one series
                    page.get_by_role("button", name="Fit ODENet", exact=True).click()
                    page.get_by_text("Fitted in").first.wait_for(timeout=300_000)
                    _wait_until_idle(page)
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(out / "augment-odenet.png"), full_page=True)
                    page.get_by_role("tab", name="Augmented examples", exact=True).click()
                    _wait_until_idle(page)
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(out / "augment-examples.png"), full_page=True)
                for sel in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
                    n = page.locator(sel).count()
                    if n:
                        problems.append(f"{name}: {n} x {sel}: {page.locator(sel).first.inner_text()[:300]}")
        finally:
            browser.close()
    print(f"\nscreenshots saved in {out}")
    assert not problems, problems
