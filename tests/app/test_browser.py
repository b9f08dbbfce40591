"""Real-browser tests: `streamlit run app.py` on a free localhost port, headless Debian Chromium
(driven by playwright).

* The tour: from the home page, every page is opened through the sidebar's navigation, waited for
  (the app's "script finished" signal, :func:`streamlit_server.wait_until_idle`), checked for
  exceptions and error boxes and screenshotted; the default actions run end to end (attack,
  certification, explanations, backdoor demo, ODENet); then one lesson of the Lessons page is
  followed step by step through its buttons and the guide in the sidebar.
* Offline: nothing may be fetched from a host other than this machine (such requests are aborted
  and recorded) and no console error may be logged, on any page (issue 18: a hospital network
  without internet access).
* The wait itself: a run that takes seconds after a click is waited for (defect 13).

Screenshots go to ``TSVIZ_SCREENSHOTS`` (default ``test-artifacts/screenshots``); the README's come
from here (``docs/screenshots``).
"""
from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest
from streamlit_server import (
    CHROMIUM,
    FLAGS,
    REPO,
    Offline,
    errors_shown,
    is_idle,
    need_browser,
    open_page,
    screenshot_dir,
    streamlit_server,
    wait_until_idle,
)

from tsviz.ui import lessons

#: (navigation title, screenshot name) of every page, in the sidebar's order.
PAGES = [("Home", "home"), ("Data", "data"), ("Model", "model"), ("Attack", "attack"), ("Certify", "certify"),
         ("Explain", "explain"), ("Augment", "augment"), ("Lessons", "lessons")]
#: The lesson the tour follows in the browser (the fastest; every step of every lesson runs in
#: tests/app/test_lessons.py).
LESSON = "explain"
#: How long one default action may take in the tour before the test gives up (s).
ACTION_TIMEOUT = 300


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need_browser()
    with streamlit_server(tmp_path_factory.mktemp("browser")) as srv:
        yield srv.url


def _idle(page, timeout_s: float = 120) -> None:
    wait_until_idle(page, timeout_s)


def _fill(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    _idle(page)


def _shot(page, out: Path, name: str) -> None:
    page.wait_for_timeout(300)  # let plotly finish drawing
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    _idle(page)


def _default_actions(page, name: str, out: Path) -> None:
    """Each page's default action, run end to end, and its results tabs."""
    if name == "attack":
        page.get_by_role("button", name="Run attack").click()
        page.wait_for_selector('[data-testid="stMetric"]', timeout=ACTION_TIMEOUT * 1000)
        _idle(page, ACTION_TIMEOUT)
        _shot(page, out, "attack-results")
        for tab in ("Spectra", "Latent space", "Confusion", "Sizes", "History"):
            _tab(page, tab)
            _shot(page, out, f"attack-{tab.lower().replace(' ', '-')}")
    elif name == "certify":
        for label, value in (("Series", "8"), ("n", "200")):
            _fill(page, label, value)
        page.get_by_role("button", name="Certify", exact=True).click()
        page.wait_for_selector('[data-testid="stMetric"]', timeout=ACTION_TIMEOUT * 1000)
        _idle(page, ACTION_TIMEOUT)
        _shot(page, out, "certify-results")
        for tab in ("Per series", "pA", "Radius vs pA"):
            _tab(page, tab)
            _shot(page, out, f"certify-{tab.lower().replace(' ', '-')}")
    elif name == "explain":
        _fill(page, "How many", "2")
        page.get_by_role("button", name="Explain", exact=True).click()
        page.get_by_role("tab", name="Faithfulness", exact=True).wait_for(timeout=ACTION_TIMEOUT * 1000)
        _idle(page, ACTION_TIMEOUT)
        _shot(page, out, "explain-results")
        for tab in ("NeuroMask evolution", "Faithfulness"):
            _tab(page, tab)
            _shot(page, out, f"explain-{tab.lower().replace(' ', '-')}")
        _tab(page, "Backdoor trigger demo")
        _fill(page, "Beats (non-N)", "2")
        page.get_by_role("button", name="Run the demo", exact=True).click()
        page.get_by_text("Mask mass in the window").first.wait_for(timeout=ACTION_TIMEOUT * 1000)
        _idle(page, ACTION_TIMEOUT)
        _shot(page, out, "explain-backdoor")
    elif name == "augment":
        page.get_by_role("button", name="Fit ODENet", exact=True).click()
        page.get_by_text("Fitted in").first.wait_for(timeout=ACTION_TIMEOUT * 1000)
        _idle(page, ACTION_TIMEOUT)
        _shot(page, out, "augment-odenet")
        _tab(page, "Augmented examples")
        _shot(page, out, "augment-examples")


def _follow_lesson(page, out: Path) -> list[str]:
    """Follow the lesson :data:`LESSON` from the Lessons page: each step's page opens with the step's
    values, its action runs, the sidebar guide leads on; ends back on the Lessons page."""
    item = lessons.lesson(LESSON)
    problems = []
    page.get_by_role("radiogroup").get_by_text(item.title, exact=True).click()
    _idle(page)
    _shot(page, out, "lessons")
    page.get_by_role("button", name="Set up and open Explain").first.click()
    for i, step in enumerate(item.steps):
        title = lessons.PAGES[step.page]
        page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=120_000)
        _idle(page)
        guide = page.locator(".st-key-lesson_guide")
        assert guide.get_by_text(f"step {i + 1} of {len(item.steps)}").count() == 1, f"no guide for step {i + 1}"
        if i == 0:  # the step set the form's fields
            assert page.get_by_label("How many", exact=True).input_value() == "4"
        if step.tab:
            _tab(page, step.tab)
        if step.press:
            page.get_by_role("button", name=step.press, exact=True).click()
            _idle(page, ACTION_TIMEOUT)
        problems += errors_shown(page, f"lesson {LESSON} step {i + 1}")
        _shot(page, out, f"lesson-{LESSON}-{i + 1}")
        last = i + 1 == len(item.steps)
        guide.get_by_role("button", name="Finish" if last else "Next step", exact=True).click()
    page.get_by_role("heading", name="Lessons", exact=True).first.wait_for(timeout=120_000)
    _idle(page)
    assert page.locator(".st-key-lesson_guide").count() == 0  # the lesson ended
    return problems


def test_every_page_renders_offline_and_a_lesson_runs_in_chromium(server):
    from playwright.sync_api import sync_playwright

    out, problems = screenshot_dir(), []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            # tall: the app scrolls inside its own container
            context = browser.new_context(viewport={"width": 1400, "height": 2200})
            offline = Offline().attach(context)
            page = context.new_page()
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_role("heading", name="tsviz", exact=True).first.wait_for(timeout=120_000)
            _idle(page)
            for title, name in PAGES:
                if title != "Home":
                    open_page(page, title)
                if name in ("home", "data", "model"):
                    page.wait_for_selector(".js-plotly-plot, [data-testid='stMetric']", timeout=60_000)
                    _idle(page)
                _shot(page, out, name)
                if name == "lessons":
                    problems += _follow_lesson(page, out)
                else:
                    _default_actions(page, name, out)
                problems += errors_shown(page, name)
        finally:
            browser.close()
    print(f"\nscreenshots saved in {out}")
    assert not problems, problems
    assert not offline.problems(), offline.problems()


def test_a_deep_link_fetches_nothing_from_outside(server):
    """Opening a page by its URL (a bookmark): nothing leaves the machine. Streamlit's frontend first
    looks for the server under the page's path (``/Attack/_stcore/health`` and ``host-config``,
    which this server answers 404 on purpose) and then at the root: those two local 404s are the
    only console errors allowed here, and only on this machine."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1600})
            offline = Offline().attach(context)
            page = context.new_page()
            page.goto(f"{server}/Attack", wait_until="domcontentloaded")
            page.get_by_role("heading", name="Attack", exact=True).first.wait_for(timeout=120_000)
            _idle(page)
        finally:
            browser.close()
    assert not offline.external, offline.external
    probe = re.compile(r"^http://127\.0\.0\.1:\d+/Attack: Failed to load resource: the server responded with a "
                       r"status of 404 \(Not Found\) \(http://127\.0\.0\.1:\d+/Attack/_stcore/(health|host-config)\)$")
    assert all(probe.match(e) for e in offline.console_errors), offline.console_errors


def test_no_page_asks_the_browser_for_an_icon_from_outside():
    """A Material icon as ``st.set_page_config(page_icon=...)`` becomes the favicon, which Streamlit's
    frontend loads from fonts.gstatic.com (issue 18: net::ERR_NAME_NOT_RESOLVED on every page
    offline); an emoji is drawn from a data: URL. (Material icons in ``st.Page`` and ``st.page_link``
    come from a font served by the app.)"""
    offenders = []
    for path in [REPO / "app.py", REPO / "home.py", *sorted((REPO / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "set_page_config":
                for kw in node.keywords:
                    if kw.arg == "page_icon" and isinstance(kw.value, ast.Constant) and \
                            str(kw.value.value).startswith(":material/"):
                        offenders.append(f"{path.relative_to(REPO)}:{node.lineno} page_icon={kw.value.value!r}")
    assert not offenders, offenders


SLOW_SCRIPT = """
import time
import streamlit as st

if st.button("Work"):
    time.sleep(4)
    st.write("Work finished")
"""


def test_the_wait_lasts_until_a_run_started_by_a_click_has_finished(tmp_path):
    """Defect 13: with the minimal toolbar there is no status widget, and a wait that looked for it
    returned while a 4-s run was still going."""
    need_browser()
    from playwright.sync_api import sync_playwright

    script = tmp_path / "slow.py"
    script.write_text(SLOW_SCRIPT)
    with streamlit_server(tmp_path, script=script, args=["--client.toolbarMode", "minimal"]) as srv, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(srv.url, wait_until="domcontentloaded")
            _idle(page, 60)
            assert page.locator('[data-testid="stStatusWidget"]').count() == 0
            t0 = time.perf_counter()
            page.get_by_role("button", name="Work").click()
            page.wait_for_timeout(1000)
            assert not is_idle(page)  # the run is under way
            _idle(page, 60)
            assert time.perf_counter() - t0 >= 4
            assert page.get_by_text("Work finished").count() == 1
        finally:
            browser.close()
