"""A run being recorded: :class:`ActiveRun` (what ``store.record(...)`` and ``store.start(...)`` return)."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tsviz.runs.constants import CAPS
from tsviz.runs.errors import RunStoreError
from tsviz.runs.jsonsafe import dumps, to_json

if TYPE_CHECKING:
    from tsviz.runs.records import RunRecord

__all__ = ["ActiveRun", "error_text"]


def error_text(exc_or_message: Any) -> str:
    """``Type: message`` of an exception (one line), or the message as given; at most ``CAPS['error']``."""
    if isinstance(exc_or_message, BaseException):
        text = " ".join(str(exc_or_message).split())
        out = f"{type(exc_or_message).__name__}: {text}" if text else type(exc_or_message).__name__
    else:
        out = " ".join(str(exc_or_message).split()) or "failed"
    return out[:CAPS["error"]]


class ActiveRun:
    """A run whose row is in the store with status ``running``; artifacts and metrics are committed
    as they are given, so what a run wrote before its process died is kept.

    Used as a context manager, it ends the run on leaving the block: ``done`` on normal exit,
    ``failed`` (with ``Type: message``) on an :class:`Exception`, ``cancelled`` on any other
    :class:`BaseException` (``KeyboardInterrupt``, Streamlit's stop/rerun); the exception is
    re-raised. Without a block, call :meth:`finish`, :meth:`fail` or :meth:`cancel`.

    Thread-safe: one lock serialises the writes of a run (a Streamlit fragment, a progress thread).
    """

    def __init__(self, store: Any, run_id: str, kind: str) -> None:
        """``store``: the :class:`tsviz.runs.RunStore` holding the run's row."""
        self.store = store
        self.id = run_id
        self.kind = kind
        self._lock = threading.Lock()
        self._metrics: dict[str, Any] = {}
        self._nonfinite: set[str] = set()
        self._status = "running"

    def __repr__(self) -> str:
        return f"ActiveRun(id={self.id!r}, kind={self.kind!r}, status={self._status!r})"

    @property
    def status(self) -> str:
        """``running`` until finished, then ``done`` / ``failed`` / ``cancelled``."""
        return self._status

    @property
    def folder(self) -> Path:
        """This run's artifact folder (created on first use)."""
        from tsviz.runs.artifacts import run_dir

        return run_dir(self.store.artifacts_root, self.id)

    def _check_open(self, what: str) -> None:
        if self._status != "running":
            raise RunStoreError(f"run {self.id} is {self._status}: cannot {what} any more")

    # ------------------------------------------------------------------------------ artifacts
    def save_arrays(self, name: str, **arrays: Any) -> Path:
        """Save ``arrays`` as the NPZ artifact ``name`` (replacing one of that name); returns its path.

        Parameters
        ----------
        name : str, 1-80 letters, digits, ``.``, ``_``, ``-`` (not starting with ``.``)
        **arrays : numeric, bool or text arrays (numpy arrays, tensors, lists); object arrays are
            refused (nothing is pickled)
        """
        from tsviz.runs.artifacts import check_name, write_npz

        check_name(name)
        with self._lock:
            self._check_open("save artifacts")
            path = write_npz(self.folder, name, arrays)
            self.store._add_artifact(self.id, name, "npz", path)
        return path

    def save_json(self, name: str, obj: Any) -> Path:
        """Save ``obj`` as the JSON artifact ``name`` (figure data, tables); NaN/inf become ``null``."""
        from tsviz.runs.artifacts import check_name, write_json

        check_name(name)
        with self._lock:
            self._check_open("save artifacts")
            path = write_json(self.folder, name, obj)
            self.store._add_artifact(self.id, name, "json", path)
        return path

    def save_file(self, name: str, src: str | Path) -> Path:
        """Copy the regular file ``src`` (e.g. a safetensors checkpoint) in as the artifact ``name``."""
        from tsviz.runs.artifacts import check_name, copy_file

        check_name(name)
        with self._lock:
            self._check_open("save artifacts")
            path = copy_file(self.folder, name, src)
            self.store._add_artifact(self.id, name, "file", path)
        return path

    def update(self, *, dataset: dict[str, Any] | None = None, model: dict[str, Any] | None = None,
               label: str | None = None) -> None:
        """Set the dataset, model or label of the run once they are known (committed at once).

        Same rules as in :meth:`RunStore.start` (JSON values, NaN/inf refused, ``spec``,
        ``fingerprint`` and the model's ``id`` indexed for filtering).
        """
        with self._lock:
            self._check_open("update")
            self.store._update_run(self.id, **self.store._context_fields(dataset=dataset, model=model, label=label))

    # -------------------------------------------------------------------------------- metrics
    def _merge(self, metrics: dict[str, Any]) -> dict[str, Any]:
        nulled: list[str] = []
        clean = to_json(dict(metrics), "metrics", nonfinite="null", nulled=nulled)
        merged = {**self._metrics, **clean}
        self._nonfinite.update(nulled)
        if self._nonfinite:
            merged["_nonfinite"] = sorted(self._nonfinite)
        dumps(merged, "metrics")
        return merged

    def log_metrics(self, **metrics: Any) -> None:
        """Merge ``metrics`` into the run's metrics and commit (non-finite values stored as ``null``,
        their key paths listed in ``metrics['_nonfinite']``)."""
        with self._lock:
            self._check_open("log metrics")
            merged = self._merge(metrics)
            self.store._update_run(self.id, metrics=merged)
            self._metrics = merged

    # ------------------------------------------------------------------------------ life cycle
    def finish(self, metrics: dict[str, Any] | None = None) -> None:
        """Mark the run ``done`` (merging ``metrics`` first); a second call does nothing."""
        with self._lock:
            if self._status != "running":
                return
            fields: dict[str, Any] = {"status": "done"}
            if metrics:
                fields["metrics"] = self._merge(metrics)
            self.store._update_run(self.id, finish=True, **fields)
            self._metrics = fields.get("metrics", self._metrics)
            self._status = "done"

    def fail(self, exc_or_message: Any) -> None:
        """Mark the run ``failed`` with ``Type: message`` of an exception (or a message)."""
        self._end("failed", error_text(exc_or_message))

    def cancel(self, reason: str | None = None) -> None:
        """Mark the run ``cancelled`` (stopped by the user, a rerun, Ctrl-C)."""
        self._end("cancelled", error_text(reason) if reason else None)

    def _end(self, status: str, error: str | None) -> None:
        with self._lock:
            if self._status != "running":
                return
            self.store._update_run(self.id, finish=True, status=status, error=error)
            self._status = status

    def record(self) -> RunRecord:
        """The run as stored now."""
        return self.store.get(self.id)

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is None:
            self.finish()
            return False
        try:
            if isinstance(exc, Exception):
                self.fail(exc)
            else:
                self.cancel(exc_type.__name__)
        except RunStoreError as store_exc:  # never hide the run's own exception behind the store's
            import logging

            logging.getLogger(__name__).warning("run %s could not be marked ended: %s", self.id, store_exc)
        return False
