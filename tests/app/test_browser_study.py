"""A blinded perception study in a real browser (issue 14, "done when"): an attack on the Attack page,
a 20-item study created from it on the Review page, a reviewer who answers 10 items, closes the
browser, comes back in a new browser session (another day), resumes at item 11 by entering the same
name, finishes, and the results show the Table 3.1-style breakdown. Screenshots ``study-item.png``
and ``study-results.png`` go to ``TSVIZ_SCREENSHOTS`` (default ``test-artifacts/screenshots``)."""
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

ACTION_TIMEOUT = 300
N_ITEMS = 20


def _home(context, url: str):
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="tsviz", exact=True).first.wait_for(timeout=120_000)
    wait_until_idle(page, 120)
    return page


def _study_tab(page, mode: str) -> None:
    open_page(page, "Review")
    page.get_by_role("tab", name="Blinded study", exact=True).click()
    wait_until_idle(page, 120)
    page.get_by_text(mode, exact=True).first.click()
    wait_until_idle(page, 120)


def _start(page, reviewer: str) -> None:
    page.get_by_label("Your name or reviewer id", exact=True).fill(reviewer)
    page.get_by_role("button", name="Start / resume", exact=True).click()
    wait_until_idle(page, 120)


def _answer(page, number: int) -> None:
    page.get_by_role("heading", name=f"Item {number} of {N_ITEMS}").first.wait_for(timeout=60_000)
    page.get_by_role("radiogroup", name="Class").get_by_text("N", exact=True).click()
    page.get_by_role("radiogroup", name="Was this signal manipulated?").get_by_text(
        ("yes", "no", "unsure")[number % 3], exact=True).click()
    page.get_by_role("button", name="Save answer", exact=True).click()
    wait_until_idle(page, 120)


def test_a_reviewer_completes_a_20_item_study_stops_halfway_and_resumes(tmp_path):
    need_browser()
    from playwright.sync_api import sync_playwright

    out, problems = screenshot_dir(), []
    with streamlit_server(tmp_path) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            # day 1: attack, create the study, answer half of it
            context = browser.new_context(viewport={"width": 1400, "height": 1800})
            offline = Offline().attach(context)
            page = _home(context, srv.url)
            open_page(page, "Attack")
            page.get_by_label("eps (mV)", exact=True).fill("0.3")  # enough successful attacks for 10 items
            page.get_by_role("button", name="Run attack").click()
            page.wait_for_selector('[data-testid="stMetric"]', timeout=ACTION_TIMEOUT * 1000)
            wait_until_idle(page, ACTION_TIMEOUT)
            _study_tab(page, "Create a study")
            page.get_by_label("Study name", exact=True).fill("browser study")
            page.get_by_role("button", name="Create study", exact=True).click()
            wait_until_idle(page, 120)
            created = page.get_by_text(f"created: {N_ITEMS} items").count()
            problems += errors_shown(page)
            page.get_by_text("Take part", exact=True).first.click()
            wait_until_idle(page, 120)
            _start(page, "Dr Ada")
            for number in range(1, N_ITEMS // 2 + 1):
                _answer(page, number)
            page.get_by_role("heading", name=f"Item {N_ITEMS // 2 + 1} of {N_ITEMS}").first.wait_for(timeout=60_000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(out / "study-item.png"), full_page=True)
            problems += errors_shown(page)
            context.close()  # the reviewer stops: the browser session is gone

            # day 2: a new browser session, the same reviewer (other case) resumes at item 11
            context = browser.new_context(viewport={"width": 1400, "height": 1800})
            offline2 = Offline().attach(context)
            page = _home(context, srv.url)
            _study_tab(page, "Take part")
            _start(page, "dr ada")
            resumed = page.get_by_role("heading", name=f"Item {N_ITEMS // 2 + 1} of {N_ITEMS}").count()
            for number in range(N_ITEMS // 2 + 1, N_ITEMS + 1):
                _answer(page, number)
            finished = page.get_by_text(f"All {N_ITEMS} items answered").count()
            page.get_by_text("Results", exact=True).first.click()
            wait_until_idle(page, 120)
            page.get_by_text("Table 3.1: how the adversarial items were labelled").first.wait_for(timeout=60_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "study-results.png"), full_page=True)
            breakdown = page.get_by_text("Table 3.1: how the adversarial items were labelled").count()
            problems += errors_shown(page)
        finally:
            browser.close()
    assert created == 1 and resumed == 1 and finished == 1 and breakdown == 1
    assert not problems, problems
    assert not offline.problems() and not offline2.problems(), (offline.problems(), offline2.problems())
