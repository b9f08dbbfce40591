"""The CLI's side of the run store: the ``runs`` command and the recording of computing commands.

``python -m tsviz runs list [--kind K] [--status S] [--dataset D] [--model M] [--limit N] [--json]``,
``runs show ID [--json]``, ``runs export ID --out F.zip``, ``runs delete ID``; ``--db URL`` picks
another database than ``TSVIZ_DB_URL`` / the SQLite file under ``TSVIZ_HOME``.

``train``, ``attack``, ``certify``, ``explain`` and ``augment`` are recorded (unless
``--no-record``) by :func:`recording`: the run is committed as ``running`` before the computation
(parameters from the command line, seeds), the command hands the dataset, the model and its main
arrays to :meth:`CliRecorder.note` while it runs, and the result's numbers become the run's
metrics (the whole result is kept as the JSON artifact ``result``). Recording never fails the
computation: a store that cannot be opened or written gives one ``warning:`` line on stderr and
the command goes on (its output and exit status are unchanged).

Nothing here imports the capabilities: datasets and models are read by duck typing
(``spec``/``name``/``fingerprint()``, ``card``).
"""
from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["RECORDED_COMMANDS", "NOT_PARAMS", "add_runs_parser", "add_record_flags", "CliRecorder", "recording",
           "dataset_facts", "model_facts", "result_metrics"]

#: CLI command -> run kind.
RECORDED_COMMANDS = {"train": "training", "attack": "attack", "certify": "certification", "explain": "explanation",
                     "augment": "augmentation"}
#: argparse attributes that are not parameters of the run.
NOT_PARAMS = frozenset({"func", "json", "quiet", "no_record", "run_note", "command", "runs_command", "db"})


# ------------------------------------------------------------------------------ facts
def dataset_facts(ds: Any) -> dict[str, Any]:
    """``spec``, ``name``, ``fingerprint`` and sizes of a :class:`tsviz.data.Dataset` (duck-typed)."""
    out: dict[str, Any] = {"spec": str(getattr(ds, "spec", None) or getattr(ds, "name", "")),
                           "name": str(getattr(ds, "name", ""))}
    fp = getattr(ds, "fingerprint", None)
    if callable(fp):
        out["fingerprint"] = str(fp())
    for key in ("n_channels", "length", "n_classes", "fs", "unit"):
        value = getattr(ds, key, None)
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out[key] = value
    names = getattr(ds, "class_names", None)
    if names is not None:
        out["class_names"] = [str(c) for c in names]
    return out


def model_facts(model: Any, given: str | None = None) -> dict[str, Any]:
    """The model card's id (zoo stem ``name``, else checkpoint ``path``, else what was given), arch, recipe.

    ``model`` may be a list (an ensemble): the id joins the members' ids with commas.
    """
    if isinstance(model, (list, tuple)):
        members = [model_facts(m) for m in model]
        if len(members) == 1:
            return members[0]
        return {"id": ",".join(str(m.get("id")) for m in members), "members": members, "given": given}
    card = getattr(model, "card", None) or {}
    out: dict[str, Any] = {"id": card.get("name") or card.get("path") or given or getattr(model, "arch", None)}
    for key in ("path", "arch", "recipe", "dataset", "dataset_fingerprint"):
        if card.get(key) is not None:
            out[key] = card[key]
    if "arch" not in out and getattr(model, "arch", None) is not None:
        out["arch"] = str(model.arch)
    if given is not None:
        out["given"] = given
    return out


def result_metrics(result: Any, *, depth: int = 3) -> dict[str, Any]:
    """The numbers of a command's JSON result: numbers and booleans, with nested dicts flattened to
    dotted keys (``certified_accuracy.0.1``, ``methods.spec_den.max_abs_change``) down to ``depth``
    levels; lists and text are left to the ``result`` artifact."""
    out: dict[str, Any] = {}

    def walk(value: Any, prefix: str, level: int) -> None:
        for key, v in value.items():
            name = f"{prefix}{key}"
            if isinstance(v, (bool, int, float)):
                out[name] = v
            elif isinstance(v, dict) and level < depth:
                walk(v, f"{name}.", level + 1)

    if isinstance(result, dict):
        walk(result, "", 1)
    return out


def _params(args: argparse.Namespace) -> dict[str, Any]:
    from tsviz.runs.jsonsafe import to_json

    out = {}
    for key, value in sorted(vars(args).items()):
        if key in NOT_PARAMS or callable(value):
            continue
        try:
            out[key] = to_json(value, key)
        except ValueError:
            out[key] = str(value)[:500]
    return out


# ----------------------------------------------------------------------------- recorder
class CliRecorder:
    """Records one CLI command as a run; every method is safe (a store failure becomes one warning).

    Parameters
    ----------
    args : the parsed command line (``command``, ``seed``, ``no_record``, ...)
    warn : callable taking one line of text (the CLI's stderr message path)
    url : str, optional; the database URL (default: ``TSVIZ_DB_URL`` / SQLite under ``TSVIZ_HOME``)
    """

    def __init__(self, args: argparse.Namespace, warn: Callable[[str], None], url: str | None = None) -> None:
        self.args = args
        self.warn = warn
        self.url = url
        self.kind = RECORDED_COMMANDS.get(getattr(args, "command", ""), "other")
        self.enabled = getattr(args, "command", None) in RECORDED_COMMANDS and not getattr(args, "no_record", False)
        self.run: Any = None
        self.problems: list[str] = []
        self._warned = False

    def _fail(self, doing: str, exc: BaseException) -> None:
        self.enabled = False
        self._warn_once(doing, exc)

    def _warn_once(self, doing: str, exc: BaseException) -> None:
        if not self._warned:
            self._warned = True
            text = " ".join(str(exc).split())[:400]
            what = "run not recorded" if self.run is None else "run not recorded completely"
            self.warn(f"{what} ({doing}: {type(exc).__name__}: {text}); the command goes on "
                      "(--no-record skips the run store)")

    def start(self) -> None:
        """Open the store and commit the run as ``running``."""
        if not self.enabled:
            return
        try:
            from tsviz.runs.store import open_store

            store = open_store(self.url)
            seeds = {"seed": self.args.seed} if isinstance(getattr(self.args, "seed", None), int) else {}
            self.run = store.start(self.kind, params=_params(self.args), seeds=seeds, source="cli",
                                   label=f"cli {self.args.command}")
        except Exception as exc:  # noqa: BLE001 - recording must never fail the computation
            self._fail("opening the run store", exc)

    def note(self, *, dataset: Any = None, model: Any = None, model_given: str | None = None,
             arrays: dict[str, Any] | None = None, name: str = "arrays") -> None:
        """Hand facts of the run to the store: the dataset, the model (or ensemble), arrays (NPZ ``name``)."""
        if self.run is None:
            return
        try:
            fields: dict[str, Any] = {}
            if dataset is not None:
                fields["dataset"] = dataset_facts(dataset) if not isinstance(dataset, dict) else dataset
            if model is not None:
                fields["model"] = model_facts(model, model_given) if not isinstance(model, dict) else model
            if fields:
                self.run.update(**fields)
            if arrays:
                self.run.save_arrays(name, **{k: v for k, v in arrays.items() if v is not None})
        except Exception as exc:  # noqa: BLE001 - recording must never fail the computation
            # keep recording the rest (an artifact over the size cap is no reason to lose the run)
            self.problems.append(f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
            self._warn_once("saving to the run store", exc)

    def done(self, result: Any) -> None:
        """Keep the result (JSON artifact ``result``, its numbers as metrics) and mark the run ``done``."""
        if self.run is None:
            return
        try:
            self.run.save_json("result", result)
            metrics = result_metrics(result)
            if self.problems:
                metrics["recording_problems"] = self.problems
            self.run.finish(metrics=metrics)
        except Exception as exc:  # noqa: BLE001 - recording must never fail the computation
            self._fail("finishing the run", exc)
            self._give_up()

    def _give_up(self) -> None:
        run, self.run = self.run, None
        try:
            run.fail("the run store could not record this run completely")
        except Exception:  # noqa: BLE001, S110 - the store is failing: nothing more to do
            pass

    def end(self, exc: BaseException | None) -> None:
        """End the run after the command raised ``exc`` (``failed``, or ``cancelled`` for Ctrl-C)."""
        if self.run is None or exc is None:
            return
        try:
            if isinstance(exc, Exception):
                self.run.fail(exc)
            else:
                self.run.cancel(type(exc).__name__)
        except Exception as store_exc:  # noqa: BLE001 - recording must never hide the command's own error
            self._fail("ending the run", store_exc)


@contextmanager
def recording(args: argparse.Namespace, warn: Callable[[str], None], url: str | None = None) -> Iterator[CliRecorder]:
    """Record the command of ``args`` around the block (see the module docstring).

    The recorder is attached as ``args.run_note`` (its :meth:`CliRecorder.note`), where the
    command functions find it; call ``rec.done(result)`` at the end of the block.
    """
    rec = CliRecorder(args, warn, url)
    rec.start()
    args.run_note = rec.note
    try:
        yield rec
    except BaseException as exc:
        rec.end(exc)
        raise


# ------------------------------------------------------------------------- runs command
def add_record_flags(sub: Any) -> None:
    """Add ``--no-record`` to every recorded command of the CLI's subparsers ``sub``."""
    for name in RECORDED_COMMANDS:
        sp = sub.choices.get(name)
        if sp is not None:
            sp.add_argument("--no-record", action="store_true",
                            help="do not record this run in the run store (TSVIZ_DB_URL, else runs.sqlite3 under "
                                 "TSVIZ_HOME)")


def add_runs_parser(sub: Any) -> None:
    """Declare ``runs list|show|export|delete`` on the CLI's subparsers ``sub``."""
    from tsviz.runs.constants import RUN_KINDS, RUN_STATUSES

    sp = sub.add_parser("runs", help="list, show, export or delete recorded runs")
    rs = sp.add_subparsers(dest="runs_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", default=None, help="database URL (default TSVIZ_DB_URL, else runs.sqlite3 under "
                                                  "TSVIZ_HOME)")
        p.add_argument("--json", action="store_true", help="print JSON on stdout")
        p.set_defaults(func=run_command)

    p = rs.add_parser("list", help="recorded runs, newest first")
    p.add_argument("--kind", choices=RUN_KINDS, default=None)
    p.add_argument("--status", choices=RUN_STATUSES, default=None)
    p.add_argument("--dataset", default=None, help="dataset spec or fingerprint")
    p.add_argument("--model", default=None, help="model id (zoo stem or checkpoint path)")
    p.add_argument("--search", default=None, help="text in the id, label, kind, dataset or model")
    p.add_argument("--limit", type=int, default=50)
    common(p)
    for name, text in (("show", "one run in full"), ("delete", "delete a run and its artifacts")):
        p = rs.add_parser(name, help=text)
        p.add_argument("id", help="run id (32 hex digits)")
        common(p)
    p = rs.add_parser("export", help="write a run (run.json + artifacts) as a zip")
    p.add_argument("id", help="run id (32 hex digits)")
    p.add_argument("--out", required=True, help="zip file to write (or an existing folder)")
    common(p)


def run_command(args: argparse.Namespace) -> Any:
    """Execute ``runs <list|show|export|delete>``; returns what the CLI prints."""
    from tsviz.runs.store import open_store

    store = open_store(args.db)
    cmd = args.runs_command
    if cmd == "list":
        records = store.list_runs(kind=args.kind, status=args.status, dataset=args.dataset, model=args.model,
                                  search=args.search, limit=args.limit)
        if args.json:
            return [r.to_dict() for r in records]
        return [{"id": r.id, "kind": r.kind, "status": r.status, "started": r.started_at.isoformat(timespec="seconds"),
                 "dataset": r.dataset.get("spec"), "model": r.model.get("id"), "label": r.label} for r in records]
    if cmd == "show":
        return store.get(args.id).to_dict()
    if cmd == "export":
        return {"id": args.id, "zip": str(store.export(args.id, args.out))}
    if cmd == "delete":
        store.delete(args.id)
        return {"deleted": args.id}
    raise ValueError(f"unknown runs command {cmd!r}")  # pragma: no cover - argparse's choices stop it
