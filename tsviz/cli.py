"""Command-line interface: ``python -m tsviz <command> ... [--json]``.

Commands
--------
``data``    describe a dataset (sizes, classes, fs, unit, fingerprint)
``models``  list the pretrained zoo
``train``   train a model on a dataset and save it, or rebuild the whole zoo with ``--zoo``
``attack``  attack a model on a dataset's series (one attack, or a budget sweep) and report
``certify`` randomized-smoothing certificates (Cohen or Renyi bound, optional self-ensemble masks)
``explain`` NeuroMask and Captum relevances scored by deletion/insertion AUC, or the backdoor demo
``augment`` fit an ODENet (``--fit-odenet``) or write augmented copies of a dataset's series
``runs``    list, show, export or delete recorded runs (:mod:`tsviz.runs.cli`)
``reproduce`` a paper's table beside tsviz's measurement, with a verdict (:mod:`tsviz.reproduce.cli`)

``train``, ``attack``, ``certify``, ``explain`` and ``augment`` are recorded in the run store
(:mod:`tsviz.runs`: ``TSVIZ_DB_URL``, else ``runs.sqlite3`` under ``TSVIZ_HOME``) with their
parameters, seed, dataset spec and fingerprint, model id, metrics and main arrays, unless
``--no-record``; a store that cannot be used gives a ``warning:`` line on stderr, never a failure.

With ``--json`` the result is one JSON object on stdout; progress goes to stderr. Errors exit
with status 2 and a one-line message (a JSON ``{"error": ...}`` with ``--json``), never a
traceback: every :class:`tsviz.core.TsvizError` (bad data, checkpoint, budget, input, total cost
over ``TSVIZ_MAX_COST``, ...), any other ``ValueError``, file errors and a diverged training. An
unexpected failure (a bug) exits with status 1 and a one-line ``internal error`` message; set
``TSVIZ_DEBUG=1`` to see its traceback.

Layout: one ``_cmd_<command>`` function per command (it returns the JSON-able result) and one
``_add_<command>`` function declaring its options. Lists given as comma-separated text (``--sweep``,
``--radii``, ``--methods``, ``--model`` of an ensemble) are read by :mod:`tsviz.core.lists`, the
parser the app uses; ``attack --out`` writes through :mod:`tsviz.data.export` (the app's Export tab
writes the same files); the help of an option shows its cap from the family's ``CAPS``, and the
choices of ``--bound``, ``--masks``, ``--baseline``, ``--select`` come from the families' registries.
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


def _note(args: argparse.Namespace, **facts: Any) -> None:
    """Hand the dataset, model and main arrays of this run to the run recorder, if one is attached."""
    note = getattr(args, "run_note", None)
    if note is not None:
        note(**facts)


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
    hp = _key_values(args.param)
    result = fit(model, ds, recipe=args.recipe, epochs=args.epochs, seed=args.seed, lr=args.lr,
                 weight_decay=args.weight_decay, batch_size=args.batch_size, patience=args.patience,
                 progress=progress, device=args.device, **hp)
    path = save(model.to("cpu"), args.out)
    _note(args, dataset=ds, model={"id": str(path), "path": str(path), "arch": model.arch, "recipe": args.recipe},
          arrays=dict(result.history), name="history")
    return {"checkpoint": str(path), "dataset": ds.spec, "arch": model.arch, "recipe": args.recipe,
            **result.summary()}


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _key_values(items: list[str] | None, option: str = "--param") -> dict[str, Any]:
    """Repeated ``key=value`` options as a dict (values read as JSON when they are JSON, else text)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{option} must be key=value, got {item!r}")
        out[key.strip()] = _parse_value(value)
    return out


def _cmd_attack(args: argparse.Namespace) -> Any:
    from tsviz.attacks import AttackError, evaluate, make_attack, sweep
    from tsviz.core.lists import parse_numbers
    from tsviz.data import export, load, select_samples
    from tsviz.models import predict, resolve_model

    eps_values = parse_numbers(args.sweep, name="--sweep", low=0.0, error=AttackError) if args.sweep else None
    ds = load(args.dataset)
    model = resolve_model(args.model, ds.spec, device=args.device)
    hp = model.card.get("hparams", {})
    if (hp.get("in_channels"), hp.get("length"), hp.get("n_classes")) != (ds.n_channels, ds.length, ds.n_classes):
        raise AttackError(f"model {args.model!r} expects (channels, length, classes) = ({hp.get('in_channels')}, "
                         f"{hp.get('length')}, {hp.get('n_classes')}), dataset {ds.name!r} has "
                         f"({ds.n_channels}, {ds.length}, {ds.n_classes})")
    X, y = ds.split(args.split)
    preds = predict(model, X) if args.select in ("correct", "misclassified") else None
    cls = ds.class_names.index(args.cls) if args.cls is not None else None
    idx = select_samples(y, mode=args.select, n=args.n, seed=args.seed, class_index=cls, predictions=preds)
    params: dict[str, Any] = {"eps": args.eps}
    for name in ("alpha", "steps"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    params.update(_key_values(args.param))
    kind = args.attack.lower().replace("-", "").replace("_", "")
    if kind in ("bim", "pgd", "wpgd"):  # the app's defaults: alpha = eps / 4, 20 steps (BIM 10)
        if "alpha" not in params and isinstance(args.eps, float):
            params["alpha"] = args.eps / 4
        params.setdefault("steps", 10 if kind == "bim" else 20)
    if kind == "wpgd" and "cost_matrix" not in params:
        from tsviz.attacks import uniform_cost

        params["cost_matrix"] = uniform_cost(ds.n_classes)
    attack = make_attack(args.attack, **params)
    target = None
    if args.target is not None:
        target = ds.class_names.index(args.target) if args.target in ds.class_names else int(args.target)
    progress = _progress_printer(not args.quiet)
    gen = __import__("torch").Generator().manual_seed(args.seed)
    report = evaluate(model, attack, X[idx], y[idx], target=target, class_names=ds.class_names, generator=gen,
                      progress=progress)
    _note(args, dataset=ds, model=model, model_given=args.model, name="adversarial",  # the Review page reads it
          arrays={"clean": X[idx], "adversarial": report.x_adv, "labels": y[idx], "indices": idx,
                  "clean_pred": report.clean_pred, "adv_pred": report.adv_pred})
    out: dict[str, Any] = {"dataset": ds.spec, "model": model.card.get("path", args.model), "split": args.split,
                           "indices": idx.tolist(), **report.summary(),
                           "per_class": report.per_class_frame().to_dict(orient="records")}
    if eps_values is not None:
        res = sweep(model, {args.attack: attack}, eps_values, X[idx], y[idx], class_names=ds.class_names,
                    seed=args.seed, progress=progress)
        out["sweep"] = list(res.rows)
    if args.out:  # the adversarial series as a dataset (npz: or csv:), as the app's Export tab writes them
        extra = {"x": X[idx], "x_adv": report.x_adv, "clean_pred": report.clean_pred, "adv_pred": report.adv_pred,
                 "indices": idx}
        kw = {} if str(args.out).lower().endswith(".csv") else {
            "fs": ds.fs, "unit": ds.unit, "name": f"{ds.name}-{args.attack}-adversarial", "extra": extra}
        out["saved"] = str(export.write_series(args.out, report.x_adv, y[idx], class_names=ds.class_names, **kw))
    return out


def _cmd_certify(args: argparse.Namespace) -> Any:
    import time

    from tsviz.certify import (
        ABSTAIN,
        CertifyError,
        Smoothed,
        average_certified_radius,
        binomial_masks,
        certified_accuracy,
        continuous_masks,
    )
    from tsviz.core.lists import parse_names, parse_numbers
    from tsviz.data import load, select_samples
    from tsviz.models import resolve_model

    names = parse_names(args.model, name="--model", unique=False, error=CertifyError)
    radii = parse_numbers(args.radii, name="--radii", low=0.0, error=CertifyError) if args.radii else [0.0]
    ds = load(args.dataset)
    members = [resolve_model(m, ds.spec, device=args.device) for m in names]
    model = members[0]
    X, y = ds.split(args.split)
    idx = select_samples(y, mode="random", n=args.n_samples, seed=args.seed)
    masks = None
    if args.masks != "none":
        make = binomial_masks if args.masks == "binomial" else continuous_masks
        masks = make(args.m, ds.length, args.keep, seed=args.seed)
    progress = _progress_printer(not args.quiet)
    t0 = time.perf_counter()
    smoothed = Smoothed(members if len(members) > 1 else model, args.sigma, masks)
    res = smoothed.certify(X[idx], n0=args.n0, n=args.n, alpha=args.alpha, bound=args.bound, seed=args.seed,
                           progress=progress)
    seconds = time.perf_counter() - t0
    soundness = None
    if args.soundness:
        from tsviz.certify.soundness import soundness_check

        soundness = soundness_check(smoothed, X[idx], res, max_samples=args.soundness_samples, seed=args.seed,
                                    progress=progress).summary()
    correct = (res.prediction == y[idx]) & (res.prediction != ABSTAIN)
    _note(args, dataset=ds, model=members, model_given=args.model, name="certificates",
          arrays={"indices": idx, "y": y[idx], "prediction": res.prediction, "radius": res.radius,
                  "p_lower": res.p_lower, "counts": res.counts})
    if args.out:
        per = seconds / len(idx)  # the pipeline is batched: time per series is the amortised share
        lines = ["idx\tlabel\tpredict\tradius\tcorrect\ttime"]
        lines += [f"{i}\t{label}\t{p}\t{r:.6g}\t{int(c)}\t{per:.6g}"
                  for i, label, p, r, c in zip(idx, y[idx], res.prediction, res.radius, correct)]
        from pathlib import Path

        Path(args.out).write_text("\n".join(lines) + "\n")
    return {"dataset": ds.spec, "model": [m.card.get("path", n) for m, n in zip(members, names)]
            if len(members) > 1 else model.card.get("path", args.model), "split": args.split,
            "n_series": int(len(idx)), "sigma": args.sigma, "bound": args.bound, "n0": args.n0, "n": args.n,
            "alpha": args.alpha, "masks": args.masks, "m": args.m if masks is not None else 0,
            "keep": args.keep if masks is not None else None, "unit": ds.unit, "seconds": seconds,
            "abstain_rate": float((res.prediction == ABSTAIN).mean()),
            "clean_accuracy_smoothed": float(correct.mean()),
            "average_certified_radius": float(average_certified_radius(res, y[idx])),
            "certified_accuracy": {f"{r:g}": float(a) for r, a in zip(radii, certified_accuracy(res, y[idx], radii))},
            **({"tsv": str(args.out)} if args.out else {}),
            **({"soundness": soundness} if soundness is not None else {})}


def _cmd_explain(args: argparse.Namespace) -> Any:
    import numpy as np

    from tsviz.core.lists import parse_names
    from tsviz.data import load, select_samples
    from tsviz.explain import ExplainError, backdoor_demo, explain_methods, trigger_from_card
    from tsviz.models import resolve_model

    ds = load(args.dataset)
    progress = _progress_printer(not args.quiet)
    nm_kw = {"steps": args.steps, "lr": args.lr, "lambda_sp": args.lambda_sp, "lambda_sm": args.lambda_sm}
    if args.backdoor:
        model = resolve_model(args.model or "kachuee:backdoor", ds.spec, device=args.device)
        trig = trigger_from_card(model)
        X, y = ds.split(args.split)
        pool = np.flatnonzero(y != trig.target)
        if not len(pool):
            raise ValueError(f"no {args.split} series outside the target class {trig.target}")
        pick = pool[select_samples(y[pool], mode="random", n=min(args.n, len(pool)), seed=args.seed)]
        demo = backdoor_demo(model, X[pick], y[pick], trigger=trig, seed=args.seed, baseline=args.baseline,
                             progress=progress, **nm_kw)
        _note(args, dataset=ds, model=model, model_given=args.model, name="series", arrays={"indices": pick})
        if args.out:
            demo.table().assign(series=pick).to_csv(args.out, index=False)
        return {"dataset": ds.spec, "model": model.card.get("path", args.model), "backdoor": demo.summary(),
                "trigger": demo.trigger.to_dict(), "neuromask": demo.clean.params,
                **({"csv": str(args.out)} if args.out else {})}
    model = resolve_model(args.model or "resnet", ds.spec, device=args.device)
    X, y = ds.split(args.split)
    idx = select_samples(y, mode="random", n=min(args.n, len(y)), seed=args.seed)
    methods = parse_names(args.methods, name="--methods", unique=False, error=ExplainError)
    cmp = explain_methods(model, X[idx], methods, baseline=args.baseline, neuromask_kw=nm_kw,
                          faithfulness_steps=args.curve_points, seed=args.seed, progress=progress)
    _note(args, dataset=ds, model=model, model_given=args.model, name="series", arrays={"indices": idx, "x": X[idx]})
    if args.out:
        cmp.relevance_frame(idx).to_csv(args.out, index=False)
    out = {"dataset": ds.spec, "model": model.card.get("path", args.model), "split": args.split,
           "n_series": int(len(idx)), "baseline": args.baseline, "methods": methods,
           "faithfulness": cmp.table.to_dict(orient="records"),
           **({"csv": str(args.out)} if args.out else {})}
    if cmp.mask_result is not None:
        out["neuromask"] = cmp.mask_result.summary()
    return out


def _cmd_augment(args: argparse.Namespace) -> Any:
    import numpy as np
    import torch

    from tsviz.augment import (
        AUGMENTATION_PARAMS,
        AUGMENTATION_REGISTRY,
        AUGMENTATIONS,
        AugmentError,
        augment,
        fit_odenet,
        load_odenet,
        save_odenet,
    )
    from tsviz.core.lists import parse_names
    from tsviz.data import load

    ds = load(args.dataset)
    progress = _progress_printer(not args.quiet)
    if args.fit_odenet:
        if not args.out:
            raise ValueError("--out is required with --fit-odenet (the ODENet checkpoint stem)")
        res = fit_odenet(ds.X_train, epochs=args.epochs, seed=args.seed, device=args.device, progress=progress,
                         objective=args.objective)
        path = save_odenet(res.odenet.to("cpu"), args.out, {"dataset": ds.spec, **res.summary()})
        _note(args, dataset=ds, model={"id": str(path), "path": str(path), "arch": "odenet"})
        return {"odenet": str(path), "dataset": ds.spec, **res.summary()}
    methods = parse_names(args.methods, name="--methods", choices=AUGMENTATIONS, error=AugmentError)
    needs_ode = [m for m in methods if "derivative" in AUGMENTATION_REGISTRY[m].needs]
    if needs_ode and not args.odenet:
        raise ValueError(f"{', '.join(needs_ode)} need --odenet PATH (fit one with --fit-odenet)")
    odenet = load_odenet(args.odenet, device=args.device) if needs_ode else None
    model = None
    if any("model" in AUGMENTATION_REGISTRY[m].needs for m in methods):
        from tsviz.models import resolve_model

        model = resolve_model(args.model, ds.spec, device=args.device)
    X, y = ds.split(args.split)
    n = min(args.n, len(y))
    x = torch.tensor(np.asarray(X[:n], dtype=np.float32)).to(args.device)
    yt = torch.tensor(np.asarray(y[:n])).long().to(args.device)
    out, stats = {"x": X[:n], "y": y[:n]}, {}
    for m in methods:
        params = {k: v for k, v in {"beta": args.beta, "eps_max": args.eps_max}.items()
                  if k in AUGMENTATION_PARAMS[m]}
        xa = augment(m, x, yt, model=model, derivative=odenet if m in needs_ode else None,
                     generator=torch.Generator(device=args.device).manual_seed(args.seed), **params)
        xa = xa.detach().cpu().numpy()
        out[m] = xa
        d = np.abs(xa - X[:n])
        stats[m] = {"max_abs_change": float(d.max()), "mean_abs_change": float(d.mean())}
    _note(args, dataset=ds, model=model, model_given=args.model if model is not None else None, name="augmented",
          arrays=out)
    if args.out:
        np.savez_compressed(args.out, **out)
    return {"dataset": ds.spec, "split": args.split, "n_series": n, "methods": stats,
            **({"npz": str(args.out)} if args.out else {})}


def _json_flag(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _caps() -> dict[str, Any]:
    """The caps of every family (``tsviz.<family>.CAPS``), shown in the help of the options they bound."""
    from tsviz import attacks, augment, certify, explain, training

    return {"attacks": attacks.CAPS, "certify": certify.CAPS, "explain": explain.CAPS, "augment": augment.CAPS,
            "training": training.CAPS}


def _add_data(sub) -> None:
    sp = sub.add_parser("data", help="describe a dataset")
    sp.add_argument("--dataset", default="synthetic-ecg", help="dataset spec (default synthetic-ecg)")
    _json_flag(sp)
    sp.set_defaults(func=_cmd_data)


def _add_models(sub) -> None:
    sp = sub.add_parser("models", help="list the pretrained zoo")
    sp.add_argument("--dataset", default=None, help="only models trained on this dataset")
    _json_flag(sp)
    sp.set_defaults(func=_cmd_models)


def _add_train(sub, caps: dict[str, Any]) -> None:
    from tsviz.training import RECIPES

    fixed = sorted(r for r in RECIPES if r not in ("gaussian", "masked_gaussian"))
    sp = sub.add_parser("train", help="train a model (or rebuild the zoo with --zoo)")
    sp.add_argument("--dataset", default="synthetic-ecg")
    sp.add_argument("--arch", default="resnet")
    sp.add_argument("--recipe", default="standard",
                    help="gaussian-<sigma>, masked_gaussian-<sigma>-<kind>, or one of " + ", ".join(fixed))
    sp.add_argument("--param", action="append",
                    help="recipe hyperparameter key=value (JSON values), repeatable, e.g. beta=0.5, "
                         "augmentation=out_sign_grad, odenet=PATH, feat_sim=1")
    sp.add_argument("--epochs", type=int, default=20, help=f"at most {caps['training']['epochs']:,}")
    sp.add_argument("--lr", type=float, default=1e-3)
    sp.add_argument("--weight-decay", type=float, default=0.0)
    sp.add_argument("--batch-size", type=int, default=64, help=f"at most {caps['training']['batch_size']:,}")
    sp.add_argument("--patience", type=int, default=10)
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    sp.add_argument("--out", default=None, help="checkpoint stem (with --zoo: folder, default assets/models)")
    sp.add_argument("--zoo", action="store_true", help="rebuild every shipped checkpoint")
    sp.add_argument("--only", nargs="*", default=None, help="with --zoo: entries (stem, dataset or arch) to rebuild")
    sp.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _json_flag(sp)
    sp.set_defaults(func=_cmd_train)


def _add_attack(sub, caps: dict[str, Any]) -> None:
    from tsviz.attacks import ATTACKS
    from tsviz.data import SELECTION_MODES

    c = caps["attacks"]
    sp = sub.add_parser("attack", help="attack a model and report accuracy, success, perturbation size")
    sp.add_argument("--dataset", default="synthetic-ecg")
    sp.add_argument("--model", default="resnet",
                    help="zoo arch (for --dataset), arch:recipe, zoo stem, or checkpoint path")
    sp.add_argument("--attack", default="pgd", help=", ".join(ATTACKS))
    sp.add_argument("--eps", type=float, required=True, help="budget in the dataset's unit (e.g. mV)")
    sp.add_argument("--alpha", type=float, default=None,
                    help="step size (BIM/PGD/WPGD; default eps/4) or mutation range (GenAttack)")
    sp.add_argument("--steps", type=int, default=None,
                    help=f"BIM/PGD/WPGD steps (default 20, BIM 10; at most {c['steps']:,})")
    sp.add_argument("--param", action="append", help="other hyperparameters as key=value (JSON values), repeatable")
    sp.add_argument("--target", default=None, help="class name or index for a targeted attack")
    sp.add_argument("--split", default="test", choices=["test", "train"])
    sp.add_argument("--select", default="random", choices=[m for m in SELECTION_MODES if m != "indices"])
    sp.add_argument("--class", dest="cls", default=None, help="with --select class: the class name")
    sp.add_argument("--n", type=int, default=100, help=f"series to attack (at most {c['series']:,})")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--sweep", default=None, help="comma-separated eps values for an accuracy-vs-eps sweep")
    sp.add_argument("--device", default="cpu")
    sp.add_argument("--out", default=None,
                    help="write the adversarial series with their true labels as a dataset: .npz (also x, x_adv, "
                         "predictions, indices) or .csv (one series per row, label last); tsviz.data.load reads both")
    sp.add_argument("--quiet", action="store_true")
    _json_flag(sp)
    sp.set_defaults(func=_cmd_attack)


def _add_certify(sub, caps: dict[str, Any]) -> None:
    from tsviz.certify import BOUNDS, MASK_KINDS

    c = caps["certify"]
    sp = sub.add_parser("certify", help="certify L2 radii with randomized smoothing (TSV + JSON summary)")
    sp.add_argument("--dataset", default="synthetic-ecg")
    sp.add_argument("--model", default="resnet", help="zoo arch (for --dataset), arch:recipe, zoo stem, or checkpoint "
                    "path; several, comma-separated, make a deep ensemble")
    sp.add_argument("--sigma", type=float, required=True, help="noise level in the dataset's unit")
    sp.add_argument("--n0", type=int, default=100, help=f"selection draws (at most {c['n0']:,})")
    sp.add_argument("--n", type=int, default=1000, help=f"estimation draws (at most {c['n']:,})")
    sp.add_argument("--alpha", type=float, default=0.001)
    sp.add_argument("--bound", default="cohen", choices=list(BOUNDS))
    sp.add_argument("--masks", default="none", choices=["none", *MASK_KINDS])
    sp.add_argument("--m", type=int, default=8, help=f"number of fixed masks (self-ensemble; at most {c['masks']})")
    sp.add_argument("--keep", type=float, default=0.9, help="mask keep ratio")
    sp.add_argument("--n-samples", type=int, default=100, help=f"series to certify (at most {c['series']:,})")
    sp.add_argument("--split", default="test", choices=["test", "train"])
    sp.add_argument("--radii", default="0,0.1,0.2,0.5", help="radii for certified accuracy (comma-separated)")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--device", default="cpu")
    sp.add_argument("--out", default=None, help="write idx, label, predict, radius, correct, time as TSV")
    sp.add_argument("--soundness", action="store_true",
                    help="attack the smoothed classifier inside the certified radii and report how often it changes")
    sp.add_argument("--soundness-samples", type=int, default=20,
                    help=f"certified series to attack (--soundness; at most {c['soundness_series']:,})")
    sp.add_argument("--quiet", action="store_true")
    _json_flag(sp)
    sp.set_defaults(func=_cmd_certify)


def _add_explain(sub, caps: dict[str, Any]) -> None:
    from tsviz.explain import BASELINES, METHODS

    c = caps["explain"]
    sp = sub.add_parser("explain", help="NeuroMask + Captum relevances with deletion/insertion AUC, or --backdoor")
    sp.add_argument("--dataset", default="synthetic-ecg")
    sp.add_argument("--model", default=None, help="zoo arch, arch:recipe, zoo stem or checkpoint path (default resnet; "
                    "with --backdoor kachuee:backdoor)")
    sp.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    sp.add_argument("--n", type=int, default=16, help=f"series to explain (at most {c['series']:,})")
    sp.add_argument("--steps", type=int, default=300, help=f"NeuroMask steps (at most {c['neuromask_steps']:,})")
    sp.add_argument("--lr", type=float, default=0.1, help="NeuroMask RMSProp learning rate")
    sp.add_argument("--lambda-sp", type=float, default=0.01, help="NeuroMask sparseness weight")
    sp.add_argument("--lambda-sm", type=float, default=0.002, help="NeuroMask smoothness weight")
    sp.add_argument("--baseline", default="zero", choices=list(BASELINES), help="what removed steps become")
    sp.add_argument("--curve-points", type=int, default=20,
                    help=f"fractions on the deletion/insertion curves (at most {c['faithfulness_steps']})")
    sp.add_argument("--backdoor", action="store_true",
                    help="NeuroMask on clean vs triggered series of a backdoored model: mask mass in the trigger "
                         "window")
    sp.add_argument("--split", default="test", choices=["test", "train"])
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--device", default="cpu")
    sp.add_argument("--out", default=None, help="write the relevances (series, method, t, relevance) as CSV")
    sp.add_argument("--quiet", action="store_true")
    _json_flag(sp)
    sp.set_defaults(func=_cmd_explain)


def _add_augment(sub, caps: dict[str, Any]) -> None:
    from tsviz.augment import AUGMENTATIONS

    sp = sub.add_parser("augment", help="fit an ODENet (--fit-odenet) or write augmented series (NPZ)")
    sp.add_argument("--dataset", default="synthetic-ecg")
    sp.add_argument("--fit-odenet", action="store_true",
                    help="fit an ODENet on the training split and save it to --out")
    sp.add_argument("--epochs", type=int, default=None,
                    help=f"ODENet epochs (default: about 3,000 optimiser steps; at most {caps['augment']['epochs']:,})")
    sp.add_argument("--objective", default="one_step", choices=["one_step", "rollout"],
                    help="ODENet fit objective: one_step (teacher forcing, tsviz's default) or rollout (the "
                         "augmentation paper's eq. 2 over the whole series); with --fit-odenet")
    sp.add_argument("--odenet", default=None, help="ODENet checkpoint for the gradient-guided augmentations")
    sp.add_argument("--methods", default=",".join(AUGMENTATIONS))
    sp.add_argument("--model", default="resnet", help="classifier for out_sign_grad")
    sp.add_argument("--beta", type=float, default=0.33)
    sp.add_argument("--eps-max", type=float, default=0.33)
    sp.add_argument("--n", type=int, default=100, help="series to augment")
    sp.add_argument("--split", default="train", choices=["train", "test"])
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--device", default="cpu")
    sp.add_argument("--out", default=None, help="ODENet stem (--fit-odenet) or .npz of x, y and each augmentation")
    sp.add_argument("--quiet", action="store_true")
    _json_flag(sp)
    sp.set_defaults(func=_cmd_augment)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one sub-command per capability; choices and caps come from the families."""
    p = argparse.ArgumentParser(prog="python -m tsviz",
                                description="tsviz: adversarial robustness of time-series classifiers")
    sub = p.add_subparsers(dest="command", required=True)
    caps = _caps()
    _add_data(sub)
    _add_models(sub)
    _add_train(sub, caps)
    _add_attack(sub, caps)
    _add_certify(sub, caps)
    _add_explain(sub, caps)
    _add_augment(sub, caps)
    from tsviz.runs.cli import add_record_flags, add_runs_parser

    add_runs_parser(sub)
    add_record_flags(sub)
    from tsviz.reproduce.cli import add_reproduce_parser

    add_reproduce_parser(sub)  # records its own runs (kind "reproduction")
    return p


def _one_line(exc: BaseException) -> str:
    """``Type: message`` on one line (newlines and runs of spaces collapsed)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")
    sys.stderr.flush()


def _fail(message: str, as_json: bool, status: int) -> int:
    if as_json:
        sys.stdout.write(json.dumps({"error": message}) + "\n")
    else:
        sys.stderr.write(f"error: {message}\n")
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input or parameters, 1 internal error)."""
    import logging
    import os

    from tsviz.core import TsvizError

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    as_json = bool(getattr(args, "json", False))
    try:
        from tsviz.runs.cli import recording

        with recording(args, _warn) as recorder:  # records train/attack/...; never fails the command
            result = args.func(args)
            recorder.done(result)
    except (TsvizError, ValueError, OSError, FloatingPointError) as exc:  # DataError, AttackError, ... are TsvizErrors
        return _fail(_one_line(exc), as_json, 2)
    except KeyboardInterrupt:
        return _fail("interrupted", as_json, 130)
    except Exception as exc:  # noqa: BLE001 - a bug: one line, not a traceback (TSVIZ_DEBUG=1 shows it)
        if os.environ.get("TSVIZ_DEBUG", "").strip() not in ("", "0"):
            raise
        logging.getLogger("tsviz.cli").debug("internal error", exc_info=True)
        return _fail(f"internal error: {_one_line(exc)} (set TSVIZ_DEBUG=1 for the traceback)", as_json, 1)
    _emit(result, args.json)
    return 0
