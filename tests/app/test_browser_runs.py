"""The Runs page in a real browser (headless Debian Chromium driven by playwright): two runs recorded
into the server's TSVIZ_HOME before it starts are listed, both are selected in the table (its row
checkboxes), and their comparison (settings, metrics, overlaid accuracy-vs-eps curves) is shown
without an error and screenshotted to ``TSVIZ_SCREENSHOTS`` (default ``test-artifacts/screenshots``)
as ``runs.png``."""
from __future__ import annotations

from pathlib import Path

from streamlit_server import (
    CHROMIUM,
    FLAGS,
    Offline,
    errors_shown,
    need_browser,
    screenshot_dir,
    streamlit_server,
    wait_until_idle,
)


def _record_two(home: Path) -> None:
    """Two finished attack runs recorded as the CLI would (no workspace: listed in every session)."""
    from tsviz.runs import close_stores, open_store

    store = open_store(home=home)
    for label, eps, y in (("PGD eps 0.05", 0.05, [0.97, 0.71, 0.42, 0.2]), ("PGD eps 0.10", 0.10,
                                                                          [0.97, 0.55, 0.18, 0.05])):
        with store.record("attack", params={"attack": "pgd", "eps": eps, "steps": 20, "split": "test"},
                          seeds={"seed": 0}, dataset={"spec": "synthetic-ecg", "name": "synthetic-ecg",
                                                       "fingerprint": "3f9a0c1e"},
                          model={"id": "synthetic-ecg--resnet--standard", "arch": "resnet"}, label=label,
                          source="cli") as run:
            run.save_json("curves", {"accuracy": {"x": [0.0, 0.05, 0.1, 0.2], "y": y, "x_label": "eps (mV)",
                                                  "y_label": "accuracy", "kind": "accuracy_vs_eps"}})
            run.log_metrics(clean_accuracy=y[0], adversarial_accuracy=y[2], success_rate=1 - y[2] / y[0])
    close_stores()


def test_the_runs_page_compares_two_recorded_runs_in_chromium(tmp_path):
    need_browser()
    from playwright.sync_api import sync_playwright

    _record_two(tmp_path / "home")  # the server's TSVIZ_HOME (streamlit_server: tmp / "home")
    out = screenshot_dir()
    with streamlit_server(tmp_path) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 2200})
            offline = Offline().attach(context)
            page = context.new_page()
            page.goto(srv.url, wait_until="domcontentloaded")
            page.get_by_role("heading", name="tsviz", exact=True).first.wait_for(timeout=120_000)
            wait_until_idle(page, 120)
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Runs", exact=True).click()
            page.get_by_role("heading", name="Runs", exact=True).first.wait_for(timeout=120_000)
            grid = page.locator('[data-testid="stDataFrame"]').first
            grid.wait_for(timeout=60_000)
            wait_until_idle(page, 120)
            box = grid.bounding_box()
            for row in range(2):  # the row-selection column: left edge, header then 35-px rows
                page.mouse.click(box["x"] + 16, box["y"] + 35 + 17 + 35 * row)
                wait_until_idle(page, 60)
            page.get_by_role("tab", name="Compare 2 runs").wait_for(timeout=60_000)
            page.wait_for_selector(".js-plotly-plot", timeout=60_000)
            wait_until_idle(page, 60)
            page.wait_for_timeout(500)  # plotly finishes drawing
            names = page.eval_on_selector_all(".js-plotly-plot .legendtext", "els => els.map(e => e.textContent)")
            problems = errors_shown(page)
            page.screenshot(path=str(out / "runs.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, problems
    assert {"PGD eps 0.05", "PGD eps 0.10"} <= set(names), names
    assert not offline.problems(), offline.problems()
    assert (out / "runs.png").stat().st_size > 10_000
