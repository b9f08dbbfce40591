"""The Review page in a real browser (headless Debian Chromium driven by playwright): an attack run on
the Attack page ("Run attack") is reviewed on ECG paper, without an error, and screenshotted to
``TSVIZ_SCREENSHOTS`` (default ``test-artifacts/screenshots``) as ``review.png`` (the ECG paper tab)
and ``review-context.png`` (the In context tab, which says why the synthetic beats have no strip)."""
from __future__ import annotations

from streamlit_server import (
    CHROMIUM,
    FLAGS,
    Offline,
    errors_shown,
    need_browser,
    open_page,
    screenshot_dir,
    streamlit_server,
    wait_until_idle,
)

#: How long the attack may take before the test gives up (s).
ACTION_TIMEOUT = 300


def test_the_review_page_shows_an_attacked_beat_on_ecg_paper_in_chromium(tmp_path):
    need_browser()
    from playwright.sync_api import sync_playwright

    out = screenshot_dir()
    with streamlit_server(tmp_path) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1800})
            offline = Offline().attach(context)
            page = context.new_page()
            page.goto(srv.url, wait_until="domcontentloaded")
            page.get_by_role("heading", name="tsviz", exact=True).first.wait_for(timeout=120_000)
            wait_until_idle(page, 120)
            open_page(page, "Attack")
            page.get_by_role("button", name="Run attack").click()
            page.wait_for_selector('[data-testid="stMetric"]', timeout=ACTION_TIMEOUT * 1000)
            wait_until_idle(page, ACTION_TIMEOUT)
            open_page(page, "Review")
            page.get_by_text("Peak change", exact=True).first.wait_for(timeout=120_000)
            page.wait_for_selector(".js-plotly-plot", timeout=60_000)
            wait_until_idle(page, 120)
            page.wait_for_timeout(500)  # plotly finishes drawing
            problems = errors_shown(page)
            names = page.eval_on_selector_all(".js-plotly-plot .legendtext", "els => els.map(e => e.textContent)")
            page.screenshot(path=str(out / "review.png"), full_page=True)
            page.get_by_role("tab", name="In context", exact=True).click()
            wait_until_idle(page, 120)
            strip_note = page.get_by_text("No strip exists for the synthetic-ecg beats").count()
            page.screenshot(path=str(out / "review-context.png"), full_page=True)
            problems += errors_shown(page)
        finally:
            browser.close()
    assert not problems, problems
    assert {"Clean", "Adversarial", "1 mV calibration"} <= set(names), names
    assert strip_note == 1
    assert not offline.problems(), offline.problems()
    assert (out / "review.png").stat().st_size > 10_000
