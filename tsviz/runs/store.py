"""The run store: :func:`open_store` and :class:`RunStore` (runs; studies in :mod:`tsviz.runs.studies`).

Every method opens a short transaction and commits before returning, so what is written is on disk
(SQLite WAL) or on the server (PostgreSQL) at once and is seen by every other process. Writes on
SQLite begin with ``BEGIN IMMEDIATE`` and wait up to ``BUSY_TIMEOUT_MS`` for another writer.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tsviz.runs.active import ActiveRun
from tsviz.runs.constants import CAPS, RUN_KINDS, RUN_STATUSES
from tsviz.runs.errors import RunStoreError
from tsviz.runs.records import RunRecord
from tsviz.runs.studies import StudiesMixin

log = logging.getLogger(__name__)

__all__ = ["open_store", "close_stores", "RunStore"]

_STORES: dict[tuple[str, str, int], RunStore] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None, *, home: str | Path | None = None) -> RunStore:
    """The run store at ``url`` (default: ``TSVIZ_DB_URL``, else SQLite under ``home``/``TSVIZ_HOME``).

    The first open in a process migrates the database to the newest schema (Alembic, in a locked
    transaction) and reaps dead runs of this host (:meth:`RunStore.reap`); the store is then cached
    per URL and artifacts root for the process (a forked child opens its own).

    Parameters
    ----------
    url : str, optional; ``sqlite:///PATH`` or ``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB``
        (``postgresql://`` is read as psycopg)
    home : str or Path, optional; the folder of the default SQLite file and of the artifacts
        (default ``TSVIZ_HOME``, else ``~/.tsviz``)

    Raises
    ------
    RunStoreError
        Naming the path or URL (password hidden): not a database, not reachable, written by a newer
        tsviz (unknown schema revision), folder not writable.
    """
    from tsviz.runs.engine import artifacts_root, resolve_url

    resolved = resolve_url(url, home=home)
    root = artifacts_root(resolved, home=home)
    key = (resolved, str(root), os.getpid())
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = RunStore(resolved, artifacts=root)
            _STORES[key] = store
    return store


def close_stores() -> None:
    """Dispose every cached store's engine (tests; a long-lived process switching databases)."""
    with _STORES_LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()


def _as_time(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise RunStoreError(f"{name} must be a date or time (ISO 8601), got {value[:40]!r}") from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise RunStoreError(f"{name} must be a date or datetime, got {type(value).__name__}")


def _text(value: Any, name: str, cap: int, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or "\x00" in value:
        raise RunStoreError(f"{name} must be text, got {type(value).__name__}")
    value = value.strip()
    if len(value) > cap:
        raise RunStoreError(f"{name} is {len(value):,} characters, over the cap of {cap}")
    return value


def _choices(value: Any, allowed: Sequence[str], name: str) -> list[str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise RunStoreError(f"{name} must be one of {', '.join(allowed)}; got {str(bad[0])[:40]!r}")
    return values


class RunStore(StudiesMixin):
    """Runs (and perception studies) in one database, artifacts in one folder.

    Use :func:`open_store` (cached, migrated, reaped) rather than the constructor.

    Attributes
    ----------
    url : str, the resolved database URL
    artifacts_root : Path, the folder of artifact files
    where : str, the SQLite file or the URL with its password hidden (for messages)
    dialect : str, ``"sqlite"`` or ``"postgresql"``
    """

    def __init__(self, url: str, *, artifacts: str | Path) -> None:
        from tsviz.runs.engine import WRITE_OPTION, make_engine, redact, sqlite_path

        self.url = url
        path = sqlite_path(url)
        self.where = str(path) if path is not None else redact(url)
        self.artifacts_root = Path(artifacts)
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._migrate()
        try:
            self.reap()
        except RunStoreError as exc:  # reaping is housekeeping: never block opening
            log.warning("run store %s: reaping dead runs failed: %s", self.where, exc)

    def __repr__(self) -> str:
        return f"RunStore({self.where!r}, artifacts={str(self.artifacts_root)!r})"

    def close(self) -> None:
        """Dispose the engine's connections."""
        self.engine.dispose()

    # -------------------------------------------------------------------------- plumbing
    def _error(self, exc: BaseException, doing: str) -> RunStoreError:
        orig = getattr(exc, "orig", None) or exc
        text = " ".join(str(orig).split())[:300]
        if self.dialect == "sqlite" and "not a database" in text:
            return RunStoreError(f"run store database {self.where} is not an SQLite database (corrupt or another kind "
                                 "of file); move it away or set TSVIZ_DB_URL / TSVIZ_HOME")
        return RunStoreError(f"run store {self.where}: {doing} failed ({type(orig).__name__}: {text})")

    def _migrate(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        from tsviz.runs import migrations

        try:
            with self.engine.connect() as conn:
                current = migrations.current_revision(conn)
            if current == migrations.HEAD:
                return
            if current is not None and current not in migrations.REVISIONS:
                raise RunStoreError(f"run store {self.where} has schema revision {current!r}, unknown to this tsviz "
                                    f"(newest known: {migrations.HEAD}); it was written by a newer tsviz")
            migrations.upgrade(self.engine)
        except RunStoreError:
            raise
        except SQLAlchemyError as exc:
            raise self._error(exc, "opening (schema migration)") from None
        except Exception as exc:  # noqa: BLE001 - Alembic's CommandError and friends: one message with the path
            raise RunStoreError(f"run store {self.where}: schema migration failed ({type(exc).__name__}: "
                                f"{' '.join(str(exc).split())[:300]})") from None

    @contextmanager
    def _session(self, write: bool = False, doing: str = "a query") -> Iterator[Any]:
        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.orm import Session

        try:
            with Session(self._write_engine if write else self.engine, expire_on_commit=False) as session:
                with session.begin():
                    yield session
        except RunStoreError:
            raise
        except SQLAlchemyError as exc:
            raise self._error(exc, doing) from None

    # --------------------------------------------------------------------------- writing
    def start(self, kind: str, *, params: dict[str, Any] | None = None, seeds: dict[str, Any] | None = None,
              dataset: dict[str, Any] | None = None, model: dict[str, Any] | None = None, source: str = "app",
              label: str | None = None, workspace: str | None = None) -> ActiveRun:
        """Commit a new run with status ``running`` and return it (end it with ``finish``/``fail``/``cancel``).

        Parameters
        ----------
        kind : one of :data:`tsviz.runs.RUN_KINDS`
        params : dict, the settings that define the run (JSON; NaN/inf refused)
        seeds : dict, optional; the seeds it used (``{"seed": 0}``)
        dataset : dict, optional; ``spec``, ``name``, ``fingerprint`` (``spec`` and ``fingerprint``
            are also indexed columns for filtering)
        model : dict, optional; the model card's ``id`` (checkpoint path or zoo stem; else
            ``path`` or ``name`` is used), ``arch``, ``recipe``, ...
        source : str, who records (``"app"``, ``"cli"``), at most 32 characters
        label : str, optional; a free name (at most 200 characters)
        workspace : str, optional; the app's workspace id

        Raises
        ------
        RunStoreError
            Unknown kind; a value with no JSON form or non-finite (naming its key); text too long;
            the database cannot be written.
        """
        from tsviz.runs import provenance
        from tsviz.runs.schema import Run, utcnow

        if kind not in RUN_KINDS:
            raise RunStoreError(f"run kind must be one of {', '.join(RUN_KINDS)}; got {str(kind)[:40]!r}")
        fields = self._context_fields(params=params, seeds=seeds, dataset=dataset, model=model, label=label,
                                      defaults=True)
        source = _text(source, "source", 32, optional=False) or "app"
        workspace = _text(workspace, "workspace", 100)
        pid = os.getpid()
        run = Run(id=uuid.uuid4().hex, kind=kind, status="running", metrics={}, versions=provenance.versions(),
                  source=source, workspace=workspace, host=provenance.host(), pid=pid,
                  proc_start=provenance.proc_start(pid), error=None, started_at=utcnow(), finished_at=None, **fields)
        with self._session(write=True, doing="recording a run") as s:
            s.add(run)
        return ActiveRun(self, run.id, kind)

    @staticmethod
    def _context_fields(*, params: Any = None, seeds: Any = None, dataset: Any = None, model: Any = None,
                        label: Any = None, defaults: bool = False) -> dict[str, Any]:
        """Checked column values of what defines a run (only those given, unless ``defaults``)."""
        from tsviz.runs.jsonsafe import dumps, to_json

        out: dict[str, Any] = {}
        for name, value in (("params", params), ("seeds", seeds), ("dataset", dataset), ("model", model)):
            if value is None:
                if not defaults:
                    continue
                value = {}
            if not isinstance(value, dict):
                raise RunStoreError(f"{name} must be a dict, got {type(value).__name__}")
            out[name] = to_json(value, name)
            dumps(out[name], name)
        if "dataset" in out:
            ds = out["dataset"]
            spec = ds.get("spec") or ds.get("name")
            out["dataset_spec"] = str(spec)[:500] if spec is not None else None
            out["dataset_fingerprint"] = str(ds["fingerprint"])[:64] if ds.get("fingerprint") is not None else None
        if "model" in out:
            md = out["model"]
            model_id = md.get("id") or md.get("path") or md.get("name")
            out["model_id"] = str(model_id)[:500] if model_id is not None else None
        if label is not None or defaults:
            out["label"] = _text(label, "label", CAPS["label"])
        return out

    def record(self, kind: str, *, params: dict[str, Any], seeds: dict[str, Any] | None = None,
               dataset: dict[str, Any] | None = None, model: dict[str, Any] | None = None, source: str = "app",
               label: str | None = None, workspace: str | None = None) -> ActiveRun:
        """:meth:`start` for a ``with`` block: the run ends ``done``, ``failed`` or ``cancelled`` with it."""
        return self.start(kind, params=params, seeds=seeds, dataset=dataset, model=model, source=source,
                          label=label, workspace=workspace)

    def _update_run(self, run_id: str, *, finish: bool = False, **fields: Any) -> None:
        from sqlalchemy import update

        from tsviz.runs.schema import Run, utcnow

        if finish:
            fields["finished_at"] = utcnow()
        with self._session(write=True, doing=f"updating run {run_id}") as s:
            res = s.execute(update(Run).where(Run.id == run_id).values(**fields))
            if res.rowcount == 0:
                raise RunStoreError(f"no run {run_id} in the store {self.where} (deleted meanwhile?)")

    def _add_artifact(self, run_id: str, name: str, kind: str, path: Path) -> None:
        from sqlalchemy import delete, func, select

        from tsviz.runs.artifacts import sha256_file
        from tsviz.runs.schema import Artifact, utcnow

        rel = Path(path).resolve().relative_to(self.artifacts_root.resolve()).as_posix()
        row = Artifact(run_id=run_id, name=name, kind=kind, path=rel, size_bytes=Path(path).stat().st_size,
                       sha256=sha256_file(path), created_at=utcnow())
        with self._session(write=True, doing=f"saving artifact {name!r} of run {run_id}") as s:
            s.execute(delete(Artifact).where(Artifact.run_id == run_id, Artifact.name == name))
            n = s.scalar(select(func.count()).select_from(Artifact).where(Artifact.run_id == run_id))
            if n >= CAPS["artifacts_per_run"]:
                raise RunStoreError(f"run {run_id} already has {n} artifacts (the cap)")
            s.add(row)

    def reap(self) -> list[str]:
        """Mark ``interrupted`` every ``running`` run of this host whose process is gone; returns their ids.

        A run's process is gone when its pid no longer exists, is a zombie, or exists but started at
        another time (a reused pid). Runs of other hosts are left alone (their processes cannot be
        seen). Called when a store is opened; the Runs page may call it again.
        """
        from tsviz.runs.reaper import reap

        return reap(self)

    # --------------------------------------------------------------------------- reading
    @staticmethod
    def _to_record(run: Any) -> RunRecord:
        from tsviz.runs.schema import as_utc

        return RunRecord(id=run.id, kind=run.kind, status=run.status, label=run.label, params=dict(run.params or {}),
                         seeds=dict(run.seeds or {}), dataset=dict(run.dataset or {}), model=dict(run.model or {}),
                         metrics=dict(run.metrics or {}), artifacts={a.name: a.path for a in run.artifacts},
                         versions=dict(run.versions or {}), source=run.source, workspace=run.workspace,
                         host=run.host, pid=run.pid, error=run.error, started_at=as_utc(run.started_at),
                         finished_at=as_utc(run.finished_at))

    def get(self, run_id: str) -> RunRecord:
        """The run ``run_id`` (:class:`RunStoreError` if there is none)."""
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from tsviz.runs.artifacts import check_id
        from tsviz.runs.schema import Run

        run_id = check_id(run_id)
        with self._session(doing=f"reading run {run_id}") as s:
            run = s.scalars(select(Run).options(selectinload(Run.artifacts)).where(Run.id == run_id)).first()
            if run is None:
                raise RunStoreError(f"no run {run_id} in the store {self.where}")
            return self._to_record(run)

    def list_runs(self, *, kind: str | Sequence[str] | None = None, dataset: str | None = None,
                  model: str | None = None, status: str | Sequence[str] | None = None, since: Any = None,
                  until: Any = None, search: str | None = None, limit: int = 200, offset: int = 0) -> list[RunRecord]:
        """Runs, newest first, filtered.

        Parameters
        ----------
        kind, status : str or list of str, optional; one or several of ``RUN_KINDS`` / ``RUN_STATUSES``
        dataset : str, optional; the dataset spec or its fingerprint
        model : str, optional; the model id (checkpoint path or zoo stem)
        since, until : datetime, date or ISO 8601 text, optional; on the start time (UTC when naive;
            a date ``until`` includes that whole day)
        search : str, optional; case-insensitive text in the id, label, kind, dataset or model
        limit : int in ``[1, CAPS['list_limit']]``; offset : int >= 0
        """
        from sqlalchemy import or_, select
        from sqlalchemy.orm import selectinload

        from tsviz.runs.schema import Run

        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= CAPS["list_limit"]:
            raise RunStoreError(f"limit must be an integer in [1, {CAPS['list_limit']}], got {limit!r}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise RunStoreError(f"offset must be an integer >= 0, got {offset!r}")
        q = select(Run).options(selectinload(Run.artifacts))
        kinds = _choices(kind, RUN_KINDS, "kind")
        if kinds is not None:
            q = q.where(Run.kind.in_(kinds))
        statuses = _choices(status, RUN_STATUSES, "status")
        if statuses is not None:
            q = q.where(Run.status.in_(statuses))
        if dataset is not None:
            dataset = _text(dataset, "dataset", 500)
            q = q.where(or_(Run.dataset_spec == dataset, Run.dataset_fingerprint == dataset))
        if model is not None:
            q = q.where(Run.model_id == _text(model, "model", 500))
        t0 = _as_time(since, "since")
        if t0 is not None:
            q = q.where(Run.started_at >= t0)
        t1 = _as_time(until, "until")
        if t1 is not None:
            if isinstance(until, date) and not isinstance(until, datetime):
                t1 = t1 + timedelta(days=1)
                q = q.where(Run.started_at < t1)
            else:
                q = q.where(Run.started_at <= t1)
        if search:
            text = _text(search, "search", 200) or ""
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            cols = (Run.id, Run.label, Run.kind, Run.dataset_spec, Run.model_id)
            q = q.where(or_(*[c.ilike(pattern, escape="\\") for c in cols]))
        q = q.order_by(Run.started_at.desc(), Run.id.desc()).limit(limit).offset(offset)
        with self._session(doing="listing runs") as s:
            return [self._to_record(r) for r in s.scalars(q).unique().all()]

    def artifact_path(self, run_id: str, name: str) -> Path:
        """The absolute path of artifact ``name`` of run ``run_id`` (checked to be under the root)."""
        from tsviz.runs.artifacts import check_name, inside

        check_name(name)
        rec = self.get(run_id)
        if name not in rec.artifacts:
            known = ", ".join(sorted(rec.artifacts)) or "none"
            raise RunStoreError(f"run {rec.id} has no artifact {name!r} (it has: {known})")
        return inside(self.artifacts_root, rec.artifacts[name])

    def load_arrays(self, run_id: str, name: str) -> dict[str, Any]:
        """The arrays of NPZ artifact ``name`` (``np.load(allow_pickle=False)``, size-capped)."""
        from tsviz.runs.artifacts import read_npz

        return read_npz(self.artifact_path(run_id, name))

    def load_json(self, run_id: str, name: str) -> Any:
        """The value of JSON artifact ``name``."""
        from tsviz.runs.artifacts import read_json

        return read_json(self.artifact_path(run_id, name))

    # ----------------------------------------------------------------------- delete, export
    def delete(self, run_id: str) -> None:
        """Delete run ``run_id``: its row, its artifact rows and its artifact folder."""
        from sqlalchemy import delete

        from tsviz.runs.artifacts import check_id, remove_tree
        from tsviz.runs.schema import Artifact, Run

        run_id = check_id(run_id)
        with self._session(write=True, doing=f"deleting run {run_id}") as s:
            s.execute(delete(Artifact).where(Artifact.run_id == run_id))
            res = s.execute(delete(Run).where(Run.id == run_id))
            if res.rowcount == 0:
                raise RunStoreError(f"no run {run_id} in the store {self.where}")
        remove_tree(self.artifacts_root, run_id)

    def export(self, run_id: str, dest: str | Path) -> Path:
        """Write run ``run_id`` as a zip: ``run.json`` (the record) and ``artifacts/<path>`` files.

        ``dest`` is the zip file, or an existing folder (the zip is then ``run-<id>.zip`` in it).
        Artifacts whose files are missing are listed in ``run.json`` under ``missing_artifacts``.
        """
        import json
        import secrets

        from tsviz.runs.artifacts import inside

        rec = self.get(run_id)
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / f"run-{rec.id}.zip"
        doc = rec.to_dict()
        files, missing = [], []
        for name, rel in sorted(rec.artifacts.items()):
            path = inside(self.artifacts_root, rel)
            (files if path.is_file() else missing).append((name, rel, path))
        doc["missing_artifacts"] = [n for n, _, _ in missing]
        tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.tmp")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(tmp, "x", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("run.json", json.dumps(doc, indent=2, allow_nan=False))
                for _, rel, path in files:
                    zf.write(path, f"artifacts/{rel}")
            os.replace(tmp, dest)
        except OSError as exc:
            raise RunStoreError(f"export of run {rec.id} to {dest} failed: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    @staticmethod
    def to_frame(records: Sequence[RunRecord]) -> Any:
        """A table of runs: one row each (id, kind, status, label, dataset, fingerprint, model, source,
        started_at, finished_at, duration_s, error) plus one column per scalar parameter
        (``param.<name>``) and metric (``metric.<name>``)."""
        import pandas as pd

        rows = []
        for r in records:
            row: dict[str, Any] = {"id": r.id, "kind": r.kind, "status": r.status, "label": r.label,
                                   "dataset": r.dataset.get("spec") or r.dataset.get("name"),
                                   "fingerprint": r.dataset.get("fingerprint"),
                                   "model": r.model.get("id") or r.model.get("path") or r.model.get("name"),
                                   "source": r.source, "started_at": r.started_at, "finished_at": r.finished_at,
                                   "duration_s": r.duration_s(), "error": r.error}
            for prefix, values in (("param", r.params), ("metric", r.metrics)):
                for k, v in values.items():
                    if v is None or isinstance(v, (bool, int, float, str)):
                        row[f"{prefix}.{k}"] = v
            rows.append(row)
        cols = ["id", "kind", "status", "label", "dataset", "fingerprint", "model", "source", "started_at",
                "finished_at", "duration_s", "error"]
        return pd.DataFrame(rows, columns=None if rows else cols)
