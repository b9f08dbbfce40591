"""The run store: every training, attack, certification, explanation, augmentation and study run,
recorded durably by the app and the CLI (never by the algorithms).

Rows live in a database through SQLAlchemy 2 (SQLite file ``<TSVIZ_HOME>/runs.sqlite3`` by
default, in WAL mode so several app sessions and CLI processes can write at once; PostgreSQL when
``TSVIZ_DB_URL`` is set, e.g. ``postgresql+psycopg://user@host/db``); the schema is created and
upgraded by the Alembic migrations shipped in :mod:`tsviz.runs.migrations`, applied when a store is
opened. Large arrays go to artifact files (NPZ, JSON, copied files such as safetensors
checkpoints) under ``<TSVIZ_HOME>/artifacts/<run id>/`` (``TSVIZ_ARTIFACTS`` overrides the root),
referenced from the rows; nothing is pickled, and NPZ files are read with ``allow_pickle=False``.

Example
-------
>>> store = open_store()                                          # doctest: +SKIP
>>> with store.record("attack", params={"eps": 0.1}, seeds={"seed": 0}) as run:   # doctest: +SKIP
...     run.save_arrays("adversarial", x=x, x_adv=x_adv)
...     run.log_metrics(success_rate=0.8)

Names are imported lazily: ``import tsviz.runs`` imports neither SQLAlchemy nor Alembic.
"""
from __future__ import annotations

import importlib
from typing import Any

from tsviz.runs.constants import ANSWER_CHOICES, CAPS, ITEM_KINDS, RUN_KINDS, RUN_STATUSES
from tsviz.runs.errors import RunStoreError
from tsviz.runs.records import RunRecord, StudyRecord

__all__ = ["open_store", "close_stores", "RunStore", "ActiveRun", "RunRecord", "StudyRecord", "RunStoreError",
           "RUN_KINDS", "RUN_STATUSES", "ANSWER_CHOICES", "ITEM_KINDS", "CAPS", "resolve_url", "artifacts_root"]

_LAZY = {"open_store": "tsviz.runs.store", "close_stores": "tsviz.runs.store", "RunStore": "tsviz.runs.store",
         "ActiveRun": "tsviz.runs.active", "resolve_url": "tsviz.runs.engine", "artifacts_root": "tsviz.runs.engine"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tsviz.runs' has no attribute {name!r}")
