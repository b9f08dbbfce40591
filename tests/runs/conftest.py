"""Fixtures of the run-store tests: a fresh SQLite store per test and a real PostgreSQL server.

The PostgreSQL server is started by the test session itself: ``initdb`` into a temporary folder,
``pg_ctl start`` on a free localhost port with its unix socket in that folder, one fresh database
per test (``CREATE DATABASE``), ``pg_ctl stop -m immediate`` and the folder removed at the end.
As root (initdb refuses root) the binaries run as the ``postgres`` OS user through ``runuser``,
with the folder chowned to it. The PostgreSQL variants are skipped, with the reason, only where
``initdb``/``pg_ctl`` are missing (found with ``pg_config --bindir`` or under
``/usr/lib/postgresql/*/bin``) or, as root, where there is no ``postgres`` user to run them.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def pg_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    candidates = []
    exe = shutil.which("pg_config")
    if exe:
        try:
            out = subprocess.run([exe, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for d in candidates:
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    for name in ("initdb", "pg_ctl"):
        if shutil.which(name) is None:
            return None
    return Path(shutil.which("initdb")).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """A running throw-away PostgreSQL cluster; :meth:`new_database` gives a fresh database URL."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="tsviz-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.root, ignore_errors=True)
                pytest.skip("PostgreSQL tests: running as root and there is no 'postgres' OS user to run initdb")
            if shutil.which("runuser") is None:
                shutil.rmtree(self.root, ignore_errors=True)
                pytest.skip("PostgreSQL tests: running as root and 'runuser' (util-linux) is missing to run initdb "
                            "as the 'postgres' user")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            os.chmod(self.root, 0o700)
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=timeout, cwd=self.root)

    def start(self) -> None:
        r = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                      "-E", "UTF8", "--no-sync", "--locale=C")
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr.strip()[-2000:]}")
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -F -c full_page_writes=off "
                "-c max_connections=60")
        r = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", opts,
                      "-w", "-t", "60", "start")
        if r.returncode:
            log = (self.root / "log").read_text(errors="replace")[-2000:] if (self.root / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()[-1000:]} {log}")

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of this test session (skipped only where its binaries are missing)."""
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL tests: initdb/pg_ctl not found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH);"
                    " install the Debian package 'postgresql'")
    server = PgServer(bindir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_stores():
    """No store cached across tests (each test gets its own database and folders)."""
    from tsviz.runs import close_stores

    close_stores()
    yield
    close_stores()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database: an SQLite file under tmp_path, or a new database on the session's server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'runs.sqlite3'}"
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture
def store(db_url, tmp_path):
    """An opened store on :func:`db_url`, artifacts under ``tmp_path/home/artifacts``."""
    from tsviz.runs import open_store

    return open_store(db_url, home=tmp_path / "home")
