"""Command-line interface: ``python -m tsviz <command> ... [--json]``.

Commands
--------
``data``    describe a dataset (sizes, classes, fs, unit, fingerprint)
``models``  list the pretrained zoo
``train``   train a model on a dataset and save it, or rebuild the whole zoo with ``--zoo``

With ``--json`` the result is one JSON object on stdout; progress goes to stderr. Errors exit
with status 2 and a one-line message (a JSON ``{"error": ...}`` with ``--json``).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["main", "build_parser"]


def _progress_printer(enabled: bool):
    def report(frac: float, msg: str) -> None:
        if enabled:
            sys.stderr.write(f"[{frac * 100:5.1f}%] {msg}\n")
            sys.stderr.flush()
    return report


def _emit(obj: Any, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")
        return
    if isinstance(obj, list):
        for row in obj:
            sys.stdout.write("  ".join(f"{k}={v}" for k, v in row.items()) + "\n")
    else:
        for k, v in obj.items():
            sys.stdout.write(f"{k}: {v}\n")


def _cmd_data(args: argparse.Namespace) -> Any:
    from tsviz.data import load

    return load(args.dataset).summary()


def _cmd_models(args: argparse.Namespace) -> Any:
    from tsviz.models import list_pretrained

    return [{"name": c["name"], "dataset": c.get("dataset"), "arch": c.get("arch"), "recipe": c.get("recipe"),
             "test_accuracy": c.get("metrics", {}).get("test_accuracy"), "path": c["path"]}
            for c in list_pretrained(args.dataset)]


def _cmd_train(args: argparse.Namespace) -> Any:
    progress = _progress_printer(not args.quiet)
    if args.zoo:
        from tsviz.training.zoo_build import rebuild_zoo

        rows = rebuild_zoo(args.only, args.out, progress=progress, device=args.device)
        return {"zoo": rows, "total_seconds": sum(r["seconds"] for r in rows)}
    from tsviz.data import load
    from tsviz.models import build, save
    from tsviz.training import fit

    if not args.out:
        raise ValueError("--out is required (where to save the checkpoint), unless --zoo is given")
    ds = load(args.dataset)
    model = build(args.arch, ds.n_channels, ds.n_classes, ds.length, seed=args.seed)
    result = fit(model, ds, recipe=args.recipe, epochs=args.epochs, seed=args.seed, lr=args.lr,
                 batch_size=args.batch_size, patience=args.patience, progress=progress, device=args.device)
    path = save(model.to("cpu"), args.out)
    return {"checkpoint": str(path), "dataset": ds.spec, "arch": model.arch, "recipe": args.recipe,
            **result.summary()}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tsviz", description="tsviz: adversarial robustness of time-series classifiers")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    sp = sub.add_parser("data", help="describe a dataset")
    sp.add_argument("--dataset", default="synthetic-ecg", help="dataset spec (default synthetic-ecg)")
    common(sp)
    sp.set_defaults(func=_cmd_data)

    sp = sub.add_parser("models", help="list the pretrained zoo")
    sp.add_argument("--dataset", default=None, help="only models trained on this dataset")
    common(sp)
    sp.set_defaults(func=_cmd_models)

    sp = sub.add_parser("train", help="train a model (or rebuild the zoo with --zoo)")
    sp.add_argument("--dataset", default="synthetic-ecg")
    sp.add_argument("--arch", default="resnet")
    sp.add_argument("--recipe", default="standard")
    sp.add_argument("--epochs", type=int, default=20)
    sp.add_argument("--lr", type=float, default=1e-3)
    sp.add_argument("--batch-size", type=int, default=64)
    sp.add_argument("--patience", type=int, default=10)
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    sp.add_argument("--out", default=None, help="checkpoint stem (with --zoo: folder, default assets/models)")
    sp.add_argument("--zoo", action="store_true", help="rebuild every shipped checkpoint")
    sp.add_argument("--only", nargs="*", default=None, help="with --zoo: entries (stem, dataset or arch) to rebuild")
    sp.add_argument("--quiet", action="store_true", help="no progress on stderr")
    common(sp)
    sp.set_defaults(func=_cmd_train)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    import logging

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        result = args.func(args)
    except (ValueError, FileNotFoundError, FloatingPointError) as exc:  # DataError is a ValueError
        msg = f"{type(exc).__name__}: {exc}"
        if getattr(args, "json", False):
            sys.stdout.write(json.dumps({"error": msg}) + "\n")
        else:
            sys.stderr.write(f"error: {msg}\n")
        return 2
    _emit(result, args.json)
    return 0
