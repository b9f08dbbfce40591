"""Start ``streamlit run app.py`` on a free localhost port for the real-browser tests."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
#: Chromium flags from DESIGN.md (no background requests on a closed network).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


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
def streamlit_server(tmp: Path, env: dict[str, str] | None = None, timeout_s: float = 90) -> Iterator[Server]:
    """Run the app with ``TSVIZ_HOME`` under ``tmp``; yields a :class:`Server`; stops it on exit."""
    port = free_port()
    full_env = {**os.environ, "TSVIZ_HOME": str(tmp / "home"), **(env or {})}
    log_path = tmp / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
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


def wait_until_idle(page, timeout_s: float = 120, quiet_s: float = 2.0) -> None:
    """Wait until the app has rendered and its script has finished: no status widget or spinner for
    ``quiet_s`` seconds (a playwright page)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    quiet_since, deadline = None, time.time() + timeout_s
    while time.time() < deadline:
        busy = (page.locator('[data-testid="stStatusWidget"]').count()
                + page.locator('[data-testid="stSpinner"]').count()) > 0
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.time()
        elif time.time() - quiet_since > quiet_s:
            return
        time.sleep(0.25)
    raise AssertionError("page did not finish rendering in time")
