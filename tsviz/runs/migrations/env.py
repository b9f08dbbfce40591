"""Alembic environment of the run store: online only, on the connection :func:`upgrade` attaches."""
from __future__ import annotations

from alembic import context

from tsviz.runs.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when someone runs the alembic command line by hand
    raise RuntimeError("run the store's migrations through tsviz.runs.migrations.upgrade(engine)")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
