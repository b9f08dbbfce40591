"""Recording the app's runs in the run store (:mod:`tsviz.runs`): the part the pages' run modules use.

* :func:`recorded` — ``with recorded(kind, params=..., seeds=..., sel=sel) as rec:`` around a long
  action: the run's row is written at once (``running``, with the dataset's spec and fingerprint, the
  model, the session's workspace), ``rec.result(result)`` adds its metrics, curves and the arrays
  needed to open it again, and leaving the block ends it ``done``, ``failed`` (with the message) or
  ``cancelled`` (a Stop/Rerun of the script: the Cancel button).
* :func:`recorded_call` — what a page-level wrapper of a cached computation does (``attack_run``,
  ``certify_run``, ...): a result put back by :func:`tsviz.ui.run_record.restore` when there is one,
  else the cached computation; a call with a progress callback is a press of the page's button and
  is recorded *when it computes*: a press answered by the session's cache is no new run (its row is
  removed again), which is told by the computation reporting progress (every long library call
  does) or raising.
* :func:`restored` / :func:`remember` — results put back into this session by a restore.

Recording never fails the page: any problem with the store shows one ``st.warning`` ("This run was
not recorded: ...") and the result is shown anyway. Nothing is recorded inside a cached function.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st

from tsviz.core.errors import TsvizError
from tsviz.ui.run_record_kinds import KINDS, Description, jsonable

log = logging.getLogger(__name__)

__all__ = ["RESTORED", "RESULT", "RESULT_ARRAYS", "CURVES", "Recorder", "recorded", "recorded_call", "restored",
           "remember", "curves_of", "dataset_info", "model_info", "workspace_id", "NOT_RECORDED"]

#: session_state: results put back by a restore, ``{what: {key: result}}``.
RESTORED = "tsviz_restored_results"
#: Results kept per *what* in :data:`RESTORED` (the oldest is dropped).
MAX_RESTORED = 8
#: Artifacts of an app run: the result as a JSON tree and its arrays (:mod:`tsviz.ui.run_record_codec`),
#: and the curves of the Runs page.
RESULT, RESULT_ARRAYS, CURVES = "result", "result_arrays", "curves"
#: The start of the warning shown when the store cannot record a run.
NOT_RECORDED = "This run was not recorded"

_MISSING = object()
_FINGERPRINTS: dict[tuple[str, int], str] = {}
_FP_LOCK = threading.Lock()


# ----------------------------------------------------------------------------- restored results
def restored(what: str, key: tuple, default: Any = None) -> Any:
    """The result of ``what`` for ``key`` put back into this session by a restore, else ``default``."""
    try:
        table = st.session_state.get(RESTORED)
    except Exception:  # noqa: BLE001 - no session (a bare script): nothing was restored
        return default
    if not isinstance(table, dict):
        return default
    try:
        return table.get(what, {}).get(key, default)
    except TypeError:  # an unhashable key: never restored
        return default


def remember(what: str, key: tuple, value: Any) -> None:
    """Put ``value`` back as the result of ``what`` for ``key`` in this session (see :func:`restored`)."""
    table = st.session_state.get(RESTORED)
    if not isinstance(table, dict):
        table = st.session_state[RESTORED] = {}
    entries = table.setdefault(what, {})
    entries.pop(key, None)
    entries[key] = value
    while len(entries) > MAX_RESTORED:
        entries.pop(next(iter(entries)))


# ----------------------------------------------------------------------------- what a run names
def workspace_id() -> str | None:
    """The session's workspace id (:func:`tsviz.ui.workspace.current`), or ``None``."""
    try:
        from tsviz.ui import workspace

        return workspace.current().id
    except Exception:  # noqa: BLE001 - recorded without it
        return None


def dataset_info(spec: str) -> dict[str, Any]:
    """``spec``, ``name``, ``fingerprint``, ``fs``, ``unit``, ``class_names``, shape of the dataset
    ``spec`` (from the dataset cache; the fingerprint computed once per loaded dataset)."""
    from tsviz.ui.cache import get_dataset

    try:
        ds = get_dataset(spec)
    except Exception as exc:  # noqa: BLE001 - the run itself reports a dataset that cannot be loaded
        log.info("dataset %s not described in the run: %s", spec, exc)
        return {"spec": str(spec)}
    key = (str(spec), id(ds))
    with _FP_LOCK:
        fp = _FINGERPRINTS.get(key)
    if fp is None:
        fp = ds.fingerprint()
        with _FP_LOCK:
            if len(_FINGERPRINTS) > 64:
                _FINGERPRINTS.clear()
            _FINGERPRINTS[key] = fp
    return {"spec": str(spec), "name": ds.name, "fingerprint": fp, "fs": ds.fs, "unit": ds.unit,
            "class_names": list(ds.class_names), "n_classes": int(ds.n_classes), "n_channels": int(ds.n_channels),
            "length": int(ds.length)}


def model_info(paths: str | list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The model of a run: ``id`` and ``path`` (the checkpoint stem :func:`tsviz.models.load` takes),
    ``name``, and ``arch``, ``recipe``, ``dataset`` from its card; ``paths`` when there are several."""
    from tsviz.models.checkpoint import checkpoint_paths, read_card

    many = [str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    first = many[0]
    out: dict[str, Any] = {"id": first, "path": first, "name": Path(first).name}
    try:
        card = read_card(checkpoint_paths(first)[1])
        out.update({k: card.get(k) for k in ("arch", "recipe", "dataset") if isinstance(card.get(k), str)})
    except Exception:  # noqa: BLE001 - the card is not needed to record the run
        pass
    if len(many) > 1:
        out["paths"] = list(dict.fromkeys(many))
    return out


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TsvizError):
        text = " ".join(str(exc).split())
    else:
        text = f"{type(exc).__name__} (the details are in the server's log)"
    return text if len(text) <= 400 else text[:399] + "…"


# ----------------------------------------------------------------------------- the recorder
class Recorder:
    """A run being recorded (what :func:`recorded` yields). ``run`` is the store's
    :class:`~tsviz.runs.ActiveRun`, ``None`` when the store could not record it."""

    def __init__(self, kind: str, what: str | None, key: tuple | None, spec: str | None, cached: bool) -> None:
        self.kind, self.what, self.key, self.spec, self.cached = kind, what, key, spec, cached
        self.run: Any = None
        self.store: Any = None
        self.computed = not cached
        self.warned = False

    @property
    def id(self) -> str | None:
        """The run's id in the store (``None`` when not recorded)."""
        return self.run.id if self.run is not None else None

    def problem(self, exc: BaseException, *, show: bool = True, partly: bool = False) -> None:
        """A store problem: logged, and shown once as a warning (the page goes on); ``partly``: the
        run's row exists but lacks what failed to be saved."""
        log.warning("run not recorded (%s): %s", self.kind, exc, exc_info=not isinstance(exc, TsvizError))
        if show and not self.warned:
            self.warned = True
            st.warning(f"{NOT_RECORDED}{' completely' if partly else ''}: {_reason(exc)}", icon=":material/warning:")

    def start(self, params: dict[str, Any], seeds: dict[str, Any] | None, model: Any, label: str | None) -> None:
        try:
            from tsviz.runs import open_store

            self.store = open_store()
            self.run = self.store.start(self.kind, params=jsonable(params), seeds=jsonable(seeds or {}),
                                        dataset=dataset_info(self.spec) if self.spec else None,
                                        model=model_info(model) if model else None, source="app",
                                        label=label[:200] if label else None, workspace=workspace_id())
        except Exception as exc:  # noqa: BLE001 - any store problem: the page goes on
            self.run = None
            self.problem(exc)

    def progress(self, callback: Callable[[float, str], None] | None) -> Callable[[float, str], None]:
        """``callback`` for the computation, noting that it runs (a cache miss) before passing it on."""
        def report(fraction: float, message: str) -> None:
            self.computed = True
            if callback is not None:
                callback(fraction, message)

        return report

    def update(self, *, model: Any = None, label: str | None = None) -> None:
        """Set the run's model (a checkpoint stem) or label once known."""
        if self.run is None:
            return
        try:
            self.run.update(model=model_info(model) if model else None, label=label)
        except Exception as exc:  # noqa: BLE001
            self.problem(exc, partly=True)

    def result(self, value: Any, *, bases: Any = (), extra: dict[str, Any] | None = None) -> None:
        """Save ``value`` (the page's result for :attr:`key`): its metrics, curves, the NPZ artifacts
        other pages read, and everything :func:`tsviz.ui.run_record.restore` needs to put it back
        (``bases``: other ``(what, key, result)`` the page needs with it; ``extra``: inputs that are
        not in the key, such as the Attack page's handoff)."""
        if self.run is None or not self.computed:
            return
        try:
            from tsviz.ui.run_record_codec import encode

            extra = dict(extra or {})
            spec = KINDS.get(self.what or "")
            ds = None
            if self.spec:
                from tsviz.ui.cache import get_dataset

                ds = get_dataset(self.spec)
            desc = spec.describe(value, self.key, ds, extra) if spec is not None else Description()
            self.run.save_json(CURVES, desc.curves)
            if desc.metrics:
                self.run.log_metrics(**desc.metrics)
            for name, arrays in desc.arrays.items():
                self.run.save_arrays(name, **arrays)
            for name, obj in desc.json.items():
                self.run.save_json(name, obj)
            entries = list(bases() if callable(bases) else bases)
            keep = self.what is not None and _keep_value(self.what)
            if keep and self.key is not None:
                entries.append((self.what, self.key, value))
            tree, arrays = encode({"what": self.what, "key": self.key if keep else None, "entries": entries,
                                   "extra": extra})
            if arrays:
                self.run.save_arrays(RESULT_ARRAYS, **arrays)
            self.run.save_json(RESULT, tree)
        except Exception as exc:  # noqa: BLE001 - the result is shown anyway
            self.problem(exc, partly=True)

    def end(self, status: str, exc: BaseException | None = None) -> None:
        if self.run is None:
            return
        try:
            if status == "done":
                if self.cached and not self.computed:
                    self.store.delete(self.run.id)  # answered by the session's cache: no new run
                else:
                    self.run.finish()
            elif status == "failed":
                self.run.fail(exc)
            else:
                self.run.cancel(type(exc).__name__ if exc is not None else None)
        except Exception as store_exc:  # noqa: BLE001
            # never draw while a Stop/Rerun unwinds the script
            self.problem(store_exc, show=status != "cancelled", partly=True)


def _keep_value(what: str) -> bool:
    """Whether the result object itself is stored to be put back (not for training and ODENet fits,
    whose results are files the restore selects)."""
    return what not in ("training.fit", "augment.odenet")


@contextmanager
def recorded(kind: str, *, params: dict[str, Any] | None = None, seeds: dict[str, Any] | None = None, sel: Any = None,
             spec: str | None = None, model: Any = None, label: str | None = None, what: str | None = None,
             key: tuple | None = None, cached: bool = False) -> Iterator[Recorder]:
    """Record the block as one run of ``kind`` in the run store.

    Parameters
    ----------
    kind : str
        One of :data:`tsviz.runs.RUN_KINDS`.
    params, seeds : dict
        The settings and seeds of the run (JSON; NaN/inf kept as text). With ``what`` registered in
        :data:`tsviz.ui.run_record_kinds.KINDS` and ``params`` ``None``, derived from ``key``.
    sel : Selection, optional
        The sidebar's selection: its dataset spec and model path (else ``spec`` and ``model``).
    spec, model : str, optional
        The dataset spec and the checkpoint stem (or a list of stems) when there is no ``sel``.
    label : str, optional
    what, key : optional
        The page result recorded (``"attack.run"``, ...) and its cache key; needed to open the run
        again (:func:`tsviz.ui.run_record.restore`).
    cached : bool
        The block asks a cached function: only a press that computes (progress reported through
        :meth:`Recorder.progress`, or an exception) is kept as a run.

    Yields
    ------
    Recorder
        Call ``rec.result(result)`` when the result is there.
    """
    reg = KINDS.get(what or "")
    if reg is not None and key is not None:
        params = reg.params(key) if params is None else params
        seeds = reg.seeds(key) if seeds is None else seeds
        spec = spec or reg.spec(key)
        model = model or reg.model(key)
        label = label or reg.label(key)
    if sel is not None:
        spec = spec or getattr(sel, "dataset_spec", None)
        model = model or getattr(sel, "model_path", None)
    rec = Recorder(kind, what, key, spec, cached)
    rec.start(params or {}, seeds, model, label)
    try:
        yield rec
    except Exception as exc:
        rec.end("failed", exc)
        raise
    except BaseException as exc:  # Streamlit's Stop/Rerun (the Cancel button), Ctrl-C
        rec.end("cancelled", exc)
        raise
    else:
        rec.end("done")


def recorded_call(what: str, key: tuple, compute: Callable[[Any], Any], progress: Any = None, *,
                  bases: Any = (), extra: dict[str, Any] | None = None) -> Any:
    """``compute(progress)`` (a cached library call) as a page-level wrapper runs it.

    A result restored into this session for ``(what, key)`` is returned as is. Without
    ``progress`` (a rerun drawing the results) nothing is recorded. With it (the page's button) the
    call is recorded as a run of ``what``'s kind when it computes; ``bases`` (a callable returning
    ``(what, key, result)`` triples) and ``extra`` are saved with it for a restore.
    """
    got = restored(what, key, _MISSING)
    if got is not _MISSING:
        return got
    if progress is None:
        return compute(None)
    with recorded(KINDS[what].kind, what=what, key=key, cached=True) as rec:
        out = compute(rec.progress(progress))
        rec.result(out, bases=bases, extra=extra)
    return out


def curves_of(store: Any, record: Any) -> dict[str, Any]:
    """The ``curves`` artifact of a run (``{}`` when it has none or it cannot be read)."""
    if CURVES not in (getattr(record, "artifacts", None) or {}):
        return {}
    try:
        out = store.load_json(record.id, CURVES)
    except Exception as exc:  # noqa: BLE001 - no curves to draw
        log.info("curves of run %s unreadable: %s", getattr(record, "id", "?"), exc)
        return {}
    return out if isinstance(out, dict) else {}
