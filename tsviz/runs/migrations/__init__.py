"""Alembic migrations of the run store, applied programmatically (no ``alembic.ini`` needed).

:func:`upgrade` builds an :class:`alembic.config.Config` in code, points ``script_location`` at
this folder and runs ``alembic upgrade head`` on a connection it holds in one transaction:
SQLite's ``BEGIN IMMEDIATE`` / PostgreSQL's ``pg_advisory_xact_lock`` make concurrent openers wait,
so two processes opening a fresh database at once do not both create the tables. Revisions:

* ``0001_initial``: ``runs`` and ``artifacts``;
* ``0002_studies``: ``studies``, ``study_items``, ``study_answers`` and the indexes
  ``ix_runs_started_at``, ``ix_runs_host_status``.

A new revision goes in ``versions/`` (``rNNNN_<what>.py``, ``down_revision`` the previous one) and
:data:`HEAD` is set to it (a test checks that :data:`HEAD` is Alembic's head).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["HEAD", "REVISIONS", "SCRIPT_LOCATION", "alembic_config", "current_revision", "upgrade"]

HEAD = "0002_studies"
REVISIONS = ("0001_initial", "0002_studies")
SCRIPT_LOCATION = Path(__file__).resolve().parent
#: Key of PostgreSQL's advisory lock taken while migrating (any constant shared by all tsviz processes).
PG_LOCK_KEY = 7_365_021_914


def alembic_config(connection: Any = None) -> Any:
    """An Alembic ``Config`` built in code (``script_location`` = this folder, ``connection`` attached)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("version_locations", str(SCRIPT_LOCATION / "versions"))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    return cfg


def current_revision(connection: Any) -> str | None:
    """The revision stamped in ``alembic_version`` (``None`` when the table does not exist)."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def upgrade(engine: Any, revision: str = "head", *, write_option: str = "tsviz_write") -> None:
    """Upgrade the database of ``engine`` to ``revision`` (default the head), in one locked transaction."""
    from alembic import command
    from sqlalchemy import text

    with engine.connect().execution_options(**{write_option: True}) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
            command.upgrade(alembic_config(conn), revision)
