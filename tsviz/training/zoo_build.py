"""Rebuild the pretrained zoo (``python -m tsviz train --zoo``) with the project's own code.

``python -m tsviz train --zoo`` rebuilds every shipped checkpoint: the classifiers of
:data:`tsviz.models.zoo.ZOO` and the ODENets of :data:`tsviz.augment.zoo.ODENET_ZOO` (fitted first,
since a classifier may train on one). ``--only`` takes stems, datasets, architectures or recipes;
the commands used for the Augment page's shipped models (issue 18) were::

    python -m tsviz train --zoo --only odenet            # synthetic-ecg--odenet (~40 s on 2 cores)
    python -m tsviz train --zoo --only augmented pgd_at nsr_loss2   # the compared robust models

A classifier's ``recipe_hparams`` may name an ODENet by a path relative to the zoo folder
(``"odenets/synthetic-ecg--odenet"``); it is resolved there for training and written to the card
as given, so cards hold no machine's paths.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tsviz.augment.zoo import ODENET_ZOO, OdeZooEntry, odenet_stem
from tsviz.models.zoo import ZOO, ZooEntry, zoo_dir, zoo_stem
from tsviz.training.errors import TrainingError

__all__ = ["train_zoo_entry", "fit_zoo_odenet", "rebuild_zoo", "select_zoo", "select_odenets"]

Progress = Callable[[float, str], None] | None


def _names(e: ZooEntry) -> set[str]:
    return {zoo_stem(e.dataset, e.arch, e.recipe), e.dataset, e.arch, e.recipe}


def _ode_names(e: OdeZooEntry) -> set[str]:
    return {odenet_stem(e.dataset), e.dataset, "odenet"}


def select_zoo(only: Iterable[str] | None = None) -> list[ZooEntry]:
    """Zoo classifiers whose stem (``dataset--arch--recipe``), dataset, arch or recipe is in ``only``
    (all of them when ``only`` is empty; an ``only`` that matches nothing here nor among the
    ODENets raises :class:`TrainingError` listing the entries)."""
    if not only:
        return list(ZOO)
    wanted = set(only)
    picked = [e for e in ZOO if _names(e) & wanted]
    if not picked and not select_odenets(wanted):
        raise TrainingError(f"no zoo entry matches {sorted(wanted)}; entries: "
                            f"{', '.join([zoo_stem(e.dataset, e.arch, e.recipe) for e in ZOO])}, "
                            f"{', '.join(odenet_stem(e.dataset) for e in ODENET_ZOO)}")
    return picked


def select_odenets(only: Iterable[str] | None = None) -> list[OdeZooEntry]:
    """Shipped ODENets whose stem (``dataset--odenet``) or dataset is in ``only``, or all with
    ``"odenet"`` or an empty ``only``."""
    if not only:
        return list(ODENET_ZOO)
    wanted = set(only)
    return [e for e in ODENET_ZOO if _ode_names(e) & wanted]


def _resolve_odenet(hp: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``recipe_hparams`` with a relative ``odenet`` path resolved in ``folder`` (the zoo)."""
    o = hp.get("odenet")
    if isinstance(o, str) and not Path(o).is_absolute():
        return {**hp, "odenet": str(folder / o)}
    return hp


def train_zoo_entry(entry: ZooEntry, out_dir: str | Path | None = None, *,
                    progress: Progress = None, device: str | None = "cpu") -> dict[str, Any]:
    """Train one zoo checkpoint and write it to ``out_dir`` (default: the zoo folder).

    Returns the card written.
    """
    from tsviz.data import load
    from tsviz.models import build, save
    from tsviz.training.fit import fit

    folder = Path(out_dir) if out_dir is not None else zoo_dir()
    ds = load(entry.dataset)
    model = build(entry.arch, ds.n_channels, ds.n_classes, ds.length, seed=entry.seed, **entry.hparams)
    result = fit(model, ds, recipe=entry.recipe, epochs=entry.epochs, seed=entry.seed, lr=entry.lr,
                 batch_size=entry.batch_size, patience=entry.patience, progress=progress, device=device,
                 **_resolve_odenet(dict(entry.recipe_hparams), folder))
    stem = folder / zoo_stem(entry.dataset, entry.arch, entry.recipe)
    card = {"name": stem.name, "n_parameters": sum(p.numel() for p in model.parameters()),
            "history": {k: v.tolist() for k, v in result.history.items()}}
    if "odenet" in entry.recipe_hparams:  # the zoo-relative name, not this machine's path
        card["recipe_hparams"] = {**model.card.get("recipe_hparams", {}), "odenet": entry.recipe_hparams["odenet"]}
        details = model.card.get("recipe_details")
        if isinstance(details, dict):
            card["recipe_details"] = {**details, "odenet": entry.recipe_hparams["odenet"]}
    save(model.to("cpu"), stem, card)
    return {**model.card, **card}


def fit_zoo_odenet(entry: OdeZooEntry, out_dir: str | Path | None = None, *,
                   progress: Progress = None, device: str | None = "cpu") -> dict[str, Any]:
    """Fit one shipped ODENet on its dataset's training split, measure it on the test split
    (:func:`tsviz.augment.odenet_quality`) and write it to ``out_dir/odenets`` (default: the zoo's).

    Returns the card written: ``dataset``, ``dataset_fingerprint``, the fit's settings (``epochs``,
    ``seed``, ``method``, ``n_pairs`` ...), ``final_loss`` (the training loss ratio of the last
    epoch), ``quality`` (loss ratio and relative RMSE on the test split), ``history`` and ``build``.
    """
    from tsviz.augment import fit_odenet, odenet_quality, save_odenet
    from tsviz.augment.zoo import BUILD_COMMAND
    from tsviz.data import load

    ds = load(entry.dataset)
    fit = fit_odenet(ds.X_train, epochs=entry.epochs, seed=entry.seed, batch_size=entry.batch_size,
                     max_pairs=entry.max_pairs, method=entry.method, device=device, progress=progress)
    odenet = fit.odenet.to("cpu")
    quality = odenet_quality(odenet, ds.X_test)
    folder = (Path(out_dir) if out_dir is not None else zoo_dir()) / "odenets"
    stem = folder / odenet_stem(entry.dataset)
    card = {"name": stem.name, "dataset": ds.spec, "dataset_name": ds.name, "dataset_fingerprint": ds.fingerprint(),
            "unit": ds.unit, **fit.summary(), "quality": {**quality.summary(), "split": "test"},
            "history": [float(v) for v in fit.history], "n_parameters": sum(p.numel() for p in odenet.parameters()),
            "build": BUILD_COMMAND}
    save_odenet(odenet, stem, card)
    return card


def rebuild_zoo(only: Iterable[str] | None = None, out_dir: str | Path | None = None, *,
                progress: Progress = None, device: str | None = "cpu") -> list[dict[str, Any]]:
    """Fit every selected ODENet, then train every selected classifier, in order; returns one
    summary dict per checkpoint (``name``, ``seconds``, ``n_parameters``, ``epochs_run`` and
    ``test_accuracy`` for a classifier or ``quality`` for an ODENet)."""
    entries = select_zoo(only)
    odenets = select_odenets(only)
    total = len(entries) + len(odenets)
    out = []

    def sub_progress(i: int, name: str) -> Progress:
        def sub(frac: float, msg: str) -> None:
            if progress is not None:
                progress((i + frac) / total, f"[{i + 1}/{total}] {name}: {msg}")
        return sub

    for i, ode in enumerate(odenets):
        name, t0 = odenet_stem(ode.dataset), time.perf_counter()
        card = fit_zoo_odenet(ode, out_dir, progress=sub_progress(i, name), device=device)
        out.append({"name": name, "quality": card["quality"], "epochs_run": card["epochs"],
                    "seconds": time.perf_counter() - t0, "n_parameters": card["n_parameters"]})
    for j, entry in enumerate(entries):
        i = len(odenets) + j
        name, t0 = zoo_stem(entry.dataset, entry.arch, entry.recipe), time.perf_counter()
        card = train_zoo_entry(entry, out_dir, progress=sub_progress(i, name), device=device)
        out.append({"name": name, "test_accuracy": card["metrics"]["test_accuracy"],
                    "epochs_run": card["training"]["epochs_run"], "seconds": time.perf_counter() - t0,
                    "n_parameters": card["n_parameters"]})
    return out
