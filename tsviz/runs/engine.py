"""Where the store lives and how it is connected: URL resolution and the SQLAlchemy engine.

* ``url`` given -> used; else ``TSVIZ_DB_URL``; else ``sqlite:///<home>/runs.sqlite3`` with
  ``home`` = the ``home`` argument, else ``TSVIZ_HOME``, else ``~/.tsviz``.
* ``postgresql://`` and ``postgres://`` URLs are read as ``postgresql+psycopg://`` (psycopg 3).
* SQLite connections get ``journal_mode=WAL`` (readers never block the writer), ``busy_timeout``
  (a writer waits for another instead of failing), ``foreign_keys=ON`` and
  ``synchronous=NORMAL``; write transactions start with ``BEGIN IMMEDIATE`` so two writers queue
  on the lock instead of dead-locking on a read-to-write upgrade.
* Artifacts: ``<home>/artifacts`` for an explicit ``home`` argument; else ``TSVIZ_ARTIFACTS`` if
  set, else ``<TSVIZ_HOME>/artifacts`` (for PostgreSQL too).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tsviz.runs.constants import ARTIFACTS_ENV, DB_FILENAME, DB_URL_ENV
from tsviz.runs.errors import RunStoreError

__all__ = ["resolve_home", "resolve_url", "artifacts_root", "redact", "sqlite_path", "check_sqlite_file",
           "make_engine", "BUSY_TIMEOUT_MS", "WRITE_OPTION"]

HOME_ENV = "TSVIZ_HOME"
DEFAULT_HOME = "~/.tsviz"
#: How long an SQLite writer waits for the lock held by another (milliseconds).
BUSY_TIMEOUT_MS = 60_000
#: Execution option marking a connection that will write (SQLite: ``BEGIN IMMEDIATE``).
WRITE_OPTION = "tsviz_write"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_MAX_URL = 4096


def resolve_home(home: str | Path | None = None) -> Path:
    """``home``, else ``TSVIZ_HOME``, else ``~/.tsviz``: user-expanded, absolute (not created)."""
    raw = home if home is not None else (os.environ.get(HOME_ENV, "").strip() or DEFAULT_HOME)
    text = str(raw)
    if not text.strip() or "\x00" in text or len(text) > _MAX_URL:
        raise RunStoreError(f"home must be a folder path, got {text[:80]!r}")
    path = Path(text).expanduser()
    if str(path).startswith("~"):
        raise RunStoreError(f"home {text[:200]!r} names a home folder that does not exist")
    return path.absolute()


def resolve_url(url: str | None = None, *, home: str | Path | None = None) -> str:
    """The database URL the store uses (see the module docstring); PostgreSQL gets the psycopg driver.

    Raises
    ------
    RunStoreError
        For a URL that is not text, is too long, or names a database other than SQLite/PostgreSQL.
    """
    if url is None:
        url = os.environ.get(DB_URL_ENV, "").strip() or None
    if url is None:
        return f"sqlite:///{resolve_home(home) / DB_FILENAME}"
    if not isinstance(url, str) or not url.strip() or len(url) > _MAX_URL or "\x00" in url:
        raise RunStoreError(f"database URL ({DB_URL_ENV}) must be a non-empty URL, got {str(url)[:80]!r}")
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise RunStoreError(f"database URL ({DB_URL_ENV}) must look like sqlite:///PATH or "
                            f"postgresql+psycopg://USER@HOST/DB, got {redact(url)!r}")
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return f"sqlite://{rest}"
    raise RunStoreError(f"database URL ({DB_URL_ENV}) must be SQLite or PostgreSQL (postgresql+psycopg), "
                        f"got the scheme {scheme[:40]!r}")


def artifacts_root(url: str | None = None, *, home: str | Path | None = None) -> Path:
    """``<home>/artifacts`` for an explicit ``home``; else ``TSVIZ_ARTIFACTS`` if set, else
    ``<TSVIZ_HOME or ~/.tsviz>/artifacts`` (absolute; not created). ``url`` is accepted for symmetry
    with :func:`resolve_url` (artifacts live on the file system whatever the database)."""
    env = os.environ.get(ARTIFACTS_ENV, "").strip()
    if env and home is None:
        return resolve_home(env)
    return resolve_home(home) / "artifacts"


def redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse: hide everything after the scheme's user part
        scheme, sep, rest = str(url).partition("://")
        if "@" in rest:
            rest = "***@" + rest.split("@", 1)[1]
        return f"{scheme}{sep}{rest}"[:300]


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (``None`` for PostgreSQL or an in-memory SQLite database)."""
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    db = make_url(url).database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def check_sqlite_file(path: Path) -> None:
    """Refuse a path that is not an SQLite database (or an empty/missing file, which SQLite creates).

    Raises
    ------
    RunStoreError
        Naming ``path``: a folder, a special file, or a file that does not start with the SQLite
        header (a corrupt or foreign file); the folder cannot be created.
    """
    try:
        if path.exists():
            if not path.is_file():
                raise RunStoreError(f"run store database {path} is not a regular file")
            if path.stat().st_size:
                with open(path, "rb") as f:
                    head = f.read(len(_SQLITE_MAGIC))
                if head != _SQLITE_MAGIC:
                    raise RunStoreError(f"run store database {path} is not an SQLite database (corrupt or another "
                                        "kind of file); move it away or set TSVIZ_DB_URL / TSVIZ_HOME")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunStoreError(f"run store database {path} cannot be used: {exc.strerror or exc}") from None


def _sqlite_listeners(engine: Any) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Any:
    """A SQLAlchemy engine for ``url`` (already resolved), with the SQLite pragmas installed.

    Raises
    ------
    RunStoreError
        For a URL SQLAlchemy cannot parse or whose driver is missing; for an SQLite path that is
        not a database (see :func:`check_sqlite_file`).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        if url.startswith("sqlite"):
            path = sqlite_path(url)
            if path is not None:
                check_sqlite_file(path)
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
            _sqlite_listeners(engine)
            return engine
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4,
                             connect_args={"connect_timeout": 10})
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise RunStoreError(f"run store database URL {redact(url)!r} cannot be used: {exc}") from None
