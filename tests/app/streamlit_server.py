"""Start ``streamlit run app.py`` on a free localhost port for the real-browser tests, wait for a
script run to finish, and watch what the browser fetches.

* :func:`streamlit_server` — the app (or another script) on ``127.0.0.1``, ``TSVIZ_HOME`` in a temp folder.
* :func:`wait_until_idle` — until the app's script run (or fragment run) has finished. It reads the
  ``data-test-script-state`` attribute Streamlit puts on its ``stApp`` element (``notRunning`` once
  a run has finished; Streamlit's own end-to-end tests wait on it). The status widget
  (``stStatusWidget``, "Running…") is not a usable signal: with ``client.toolbarMode = "minimal"``
  (``.streamlit/config.toml``) it is never drawn, so a wait on it returned mid-run (issue 18, defect 13).
* :class:`Offline` — blocks and records every request to a host other than this machine and records
  every console error and uncaught page error of a browser context (issue 18: the app works with
  the network cut).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
#: Chromium flags from DESIGN.md (no background requests on a closed network).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Hosts that are this machine.
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def rss_mb(self) -> float:
        """Resident memory of the server process in MiB (Linux /proc)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmRSS not found")


@contextmanager
def streamlit_server(tmp: Path, env: dict[str, str] | None = None, timeout_s: float = 90, *,
                     script: str | Path = "app.py", args: Sequence[str] = ()) -> Iterator[Server]:
    """Run ``streamlit run <script>`` (default the app) from the repository with ``TSVIZ_HOME`` under
    ``tmp`` and the repository's ``.streamlit/config.toml``; yields a :class:`Server`; stops it on exit.
    ``args`` are more ``streamlit run`` options."""
    port = free_port()
    full_env = {**os.environ, "TSVIZ_HOME": str(tmp / "home"), **(env or {})}
    log_path = tmp / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false", *args],
            cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.time() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"streamlit did not start; log: {log_path.read_text()[-2000:]}") from None
                    time.sleep(0.5)
            yield Server(url, proc, log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


#: True when the app is connected, its last script or fragment run has finished, and nothing on
#: the page is still marked as running (a spinner, the status widget, an element left stale by a run).
_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testConnectionState !== 'CONNECTED' || app.dataset.testScriptState !== 'notRunning') {
    return false;
  }
  return !document.querySelector('[data-testid="stSpinner"], [data-testid="stStatusWidget"], [data-stale="true"]');
}"""


def is_idle(page) -> bool:
    """Whether the app in ``page`` (playwright) is connected and not running a script now."""
    return bool(page.evaluate(_IDLE_JS))


def wait_until_idle(page, timeout_s: float = 120, quiet_s: float = 1.0) -> None:
    """Wait until the app has rendered and its script run has finished: ``stApp``'s
    ``data-test-script-state`` is ``notRunning`` (connected, no spinner, no stale element) for
    ``quiet_s`` seconds in a row (a playwright page). The quiet time covers the moment between a
    click and the server's start of the run it asks for."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    quiet_since, deadline = None, time.time() + timeout_s
    while time.time() < deadline:
        if not is_idle(page):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.time()
        elif time.time() - quiet_since >= quiet_s:
            return
        time.sleep(0.1)
    state = page.evaluate("() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
                          " return a ? [a.dataset.testConnectionState, a.dataset.testScriptState] : null; }")
    raise AssertionError(f"page did not finish rendering in {timeout_s:g} s (connection, script state: {state})")


def is_local(url: str) -> bool:
    """Whether ``url`` stays on this machine (a localhost host, or a data:/blob:/about: URL)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS or (parts.hostname or "").startswith("127.")


@dataclass
class Offline:
    """What a browser context asked for beyond this machine, and the errors its pages logged.

    :meth:`attach` aborts every request to another host (so nothing leaves the machine even when
    the network is up) and records it, and records console messages of type ``error`` and uncaught
    page errors with the page's URL. Nothing is allowed: :meth:`problems` lists them all.
    """

    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def attach(self, context) -> Offline:
        def route(r):
            if is_local(r.request.url):
                r.continue_()
            else:
                self.external.append(r.request.url)
                r.abort("internetdisconnected")

        context.route("**/*", route)
        context.on("page", self.watch_page)
        for page in context.pages:
            self.watch_page(page)
        return self

    def watch_page(self, page) -> None:
        def console(msg):
            if msg.type == "error":
                where = (msg.location or {}).get("url", "")
                self.console_errors.append(f"{page.url}: {msg.text}" + (f" ({where})" if where else ""))

        page.on("console", console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"{page.url}: uncaught {exc}"))

    def problems(self) -> list[str]:
        return ([f"request off this machine: {u}" for u in dict.fromkeys(self.external)]
                + [f"console error: {e}" for e in self.console_errors])


# --------------------------------------------------------------------------- page helpers


def need_browser() -> None:
    """Skip the test, with the reason, without Debian chromium or the playwright package."""
    import pytest

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (Debian/Ubuntu: apt-get install chromium); .ci/run installs it")
    pytest.importorskip("playwright.sync_api")


def screenshot_dir() -> Path:
    """Where screenshots go: ``TSVIZ_SCREENSHOTS``, default ``test-artifacts/screenshots`` (created)."""
    out = Path(os.environ.get("TSVIZ_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def open_page(page, title: str, timeout_s: float = 120) -> None:
    """Open a page through the sidebar's navigation (no reload) and wait until its run has finished."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=timeout_s * 1000)
    wait_until_idle(page, timeout_s)


def errors_shown(page, where: str = "") -> list[str]:
    """Exceptions and error boxes on the page, each as ``"<where>: <n> x <selector>: <text>"``."""
    found = []
    for sel in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
        n = page.locator(sel).count()
        if n:
            found.append(f"{where}: {n} x {sel}: {page.locator(sel).first.inner_text()[:300]}")
    return found
