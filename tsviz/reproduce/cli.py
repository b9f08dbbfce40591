"""``python -m tsviz reproduce <target>|all|list [--tiny|--quick|--full] [--data DIR] [--seed N] [--json]``.

``list`` prints every registered target (key, title, paper, modes, the real data it needs and
whether that data is found). ``<target>`` runs one target, ``all`` every target, in the chosen
mode (``--quick`` by default; ``--tiny`` takes seconds, ``--full`` is the paper's setting, meant
for a GPU); ``--set key=value`` changes one setting of the configuration (JSON values). The
result is the measured table, the paper's table, the verdict, notes and the exact configuration.

Every run is recorded in the run store (:mod:`tsviz.runs`, kind ``"reproduction"``, parameters
``target``, ``mode``, ``config``, ``data_root``; the result as the JSON artifact ``result``; the
verdict, seconds and row count as metrics) unless ``--no-record``; a store that cannot be used
gives one ``warning:`` line on stderr and the command goes on. A target whose real data is
missing is recorded with the verdict ``"not run"`` and a note naming the folder.

This module is the CLI's (and the Reproduce page's) glue to the run store: the only module of
:mod:`tsviz.reproduce` that imports :mod:`tsviz.runs` (lazily, inside functions).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["add_reproduce_parser", "run_command", "record_result", "last_runs", "load_recorded", "RUN_KIND"]

#: The run store's kind of a reproduction run.
RUN_KIND = "reproduction"


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def record_result(result: Any, *, data_root: Path | None = None, source: str = "cli", url: str | None = None,
                  workspace: str | None = None, warn: Callable[[str], None] | None = None) -> str | None:
    """Record ``result`` (a :class:`~tsviz.reproduce.TargetResult`) in the run store; returns the run id.

    Never raises: a store that cannot be opened or written calls ``warn`` with one line (when
    given) and returns None.
    """
    try:
        from tsviz.runs.store import open_store

        store = open_store(url)
        params = {"target": result.target, "mode": result.mode, "config": result.config,
                  "data_root": None if data_root is None else str(data_root)}
        with store.record(RUN_KIND, params=params, seeds={"seed": int(result.seed)}, source=source,
                          label=f"reproduce {result.target} ({result.mode})", workspace=workspace) as run:
            run.save_json("result", result.to_json())
            run.log_metrics(verdict=result.verdict.label, seconds=float(result.seconds),
                            rows=len(result.measured_table))
        return run.id
    except Exception as exc:  # noqa: BLE001 - recording must never fail the reproduction
        if warn is not None:
            warn(f"run not recorded ({type(exc).__name__}: {' '.join(str(exc).split())[:300]}); "
                 "the command goes on (--no-record skips the run store)")
        return None


def last_runs(*, url: str | None = None, limit: int = 500) -> dict[str, dict[str, Any]]:
    """The newest recorded run of every target: ``target -> {id, status, mode, verdict, seconds,
    started_at, finished_at, error}``. Empty when the store cannot be read."""
    try:
        from tsviz.runs.store import open_store

        runs = open_store(url).list_runs(kind=RUN_KIND, limit=limit)
    except Exception:  # noqa: BLE001 - no store: nothing recorded to show
        return {}
    out: dict[str, dict[str, Any]] = {}
    for r in runs:  # newest first
        key = (r.params or {}).get("target")
        if not isinstance(key, str) or key in out:
            continue
        m = r.metrics or {}
        out[key] = {"id": r.id, "status": r.status, "mode": (r.params or {}).get("mode"), "verdict": m.get("verdict"),
                    "seconds": m.get("seconds"), "started_at": r.started_at, "finished_at": r.finished_at,
                    "error": r.error}
    return out


def load_recorded(run_id: str, *, url: str | None = None):
    """The :class:`~tsviz.reproduce.TargetResult` kept by run ``run_id``, or None when it cannot be read."""
    from tsviz.reproduce.target import TargetResult

    try:
        from tsviz.runs.store import open_store

        return TargetResult.from_json(open_store(url).load_json(run_id, "result"))
    except Exception:  # noqa: BLE001 - a run without a readable result: nothing to show
        return None


def add_reproduce_parser(sub: Any) -> None:
    """Declare ``reproduce`` on the CLI's subparsers ``sub``."""
    p = sub.add_parser("reproduce", help="reproduce a paper's table (a target), all targets, or list them")
    p.add_argument("target", help="a target key (see 'reproduce list'), 'all', or 'list'")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--tiny", dest="mode", action="store_const", const="tiny",
                      help="smallest settings (seconds; what the tests run)")
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="reduced settings (minutes on 2 CPU cores; the default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="the paper's settings (hours on a CPU; meant for a GPU)")
    p.set_defaults(mode="quick")
    p.add_argument("--data", default=None,
                   help="folder holding ucr/<NAME>/ and mitdb/ (default: the environment variable TSVIZ_DATA)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random stream (default 0)")
    p.add_argument("--set", dest="overrides", action="append", default=None, metavar="KEY=VALUE",
                   help="change one setting of the configuration (JSON value), repeatable")
    p.add_argument("--out", default=None, help="also write the JSON result to this file")
    p.add_argument("--no-record", action="store_true", help="do not record the run in the run store")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(func=run_command)


def _overrides(items: list[str] | None) -> dict[str, Any]:
    from tsviz.reproduce.errors import ReproduceError

    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ReproduceError(f"--set takes KEY=VALUE, got {item[:80]!r}")
        try:
            out[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            out[key.strip()] = text
    return out


def _list(data_root: Path | None) -> list[dict[str, Any]]:
    from tsviz.reproduce.registry import list_targets, missing_data

    rows = []
    for t in list_targets():
        s = t.summary()
        s["data_missing"] = missing_data(t, data_root)
        rows.append(s)
    return rows


def _one(key: str, args: argparse.Namespace, data_root: Path | None, overrides: dict[str, Any], *,
         known_only: bool = False) -> dict[str, Any]:
    from tsviz.reproduce.registry import get_target, run_target

    target = get_target(key)

    def progress(frac: float, msg: str) -> None:
        if not args.quiet:
            _stderr(f"[{key} {frac * 100:5.1f}%] {msg}")

    result = run_target(key, args.mode, data_root=data_root, seed=args.seed, progress=progress,
                        overrides={k: v for k, v in overrides.items()
                                   if not known_only or k in target.configs[args.mode]})
    out = result.to_json()
    out.pop("figures", None)
    out["paper"] = target.paper.cite()
    out["paper_table"] = [dict(r) for r in target.paper_table]
    out["known_differences"] = list(target.known_differences)
    out["run_id"] = None if args.no_record else record_result(result, data_root=data_root, warn=_warn)
    return out


def _warn(line: str) -> None:
    _stderr(f"warning: {line}")


def run_command(args: argparse.Namespace) -> Any:
    """Execute ``reproduce``; returns what the CLI prints (a list for ``list``, else a dict)."""
    from tsviz.reproduce.registry import list_targets, resolve_data_root

    data_root = resolve_data_root(args.data)
    if args.target == "list":
        return _list(data_root)
    overrides = _overrides(args.overrides)
    if args.target == "all":
        results = [_one(t.key, args, data_root, overrides, known_only=True) for t in list_targets()]
        out: Any = {"mode": args.mode, "results": results,
                    "verdicts": {r["target"]: r["verdict"]["label"] for r in results}}
    else:
        out = _one(args.target, args, data_root, overrides)
    if args.out:
        Path(args.out).expanduser().write_text(json.dumps(out, indent=2, default=str) + "\n")
    if args.json:
        return out
    if "results" in out:  # plain text: one line per target
        return [_brief(r, notes=False) for r in out["results"]]
    return _brief(out)


def _brief(out: dict[str, Any], *, notes: bool = True) -> dict[str, Any]:
    """The plain-text summary of one result (the full result is the JSON output)."""
    brief = {"target": out["target"], "mode": out["mode"], "verdict": out["verdict"]["label"],
             "seconds": round(float(out["seconds"]), 1), "rows": len(out["measured_table"]), "run_id": out["run_id"]}
    if notes:
        brief["notes"] = " | ".join(out["notes"])
    return brief
