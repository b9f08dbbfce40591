"""Augment page computations: the ODENet in use, augmented examples, recipe settings and the
robustness comparison (cached with ``st.cache_data``; keys include checkpoint modification times).

Fitting an ODENet writes a file to the user's workspace (:func:`fit_and_save_odenet`), so it is an
action, not a cached computation, like training (:mod:`tsviz.ui.training_panel`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from tsviz.ui import state, workspace
from tsviz.ui.cache import get_dataset, get_model, model_key
from tsviz.ui.run_record_core import recorded, recorded_call

__all__ = ["AUG_LABELS", "RECIPES", "needs", "saved_odenets", "shipped_odenet", "odenet_info", "current_odenet",
           "get_odenet", "fit_and_save_odenet", "odenet_eta", "odenet_derivative", "augmented_examples",
           "recipe_hparams", "CompareRequest", "compare_run", "compare_defaults", "compare_cost", "compare_eta",
           "COMPARE_DEMO", "COMPARE_PAPER"]

MAX_ENTRIES = 16
AUG_LABELS = {"in_clamp_grad": "In-Clamp-Grad", "in_sign_grad": "In-Sign-Grad", "out_sign_grad": "Out-Sign-Grad",
              "rand_grad": "Rand-Grad", "spec_den": "Spec-Den"}
RECIPES = {"augmented": "Augmentation (+ Feat-Sim)", "standard": "Cross-entropy (reference)", "mse": "MSE",
           "mse_margin": "MSE + margin", "nsr_loss1": "NSR loss1", "nsr_loss2": "NSR loss2",
           "jacobian": "Jacobian regularisation", "pgd_at": "PGD adversarial training",
           "wpgd_at": "Wasserstein-PGD adversarial training"}

Progress = Callable[[float, str], None] | None


def needs(name: str, what: str) -> bool:
    """Whether augmentation ``name`` needs ``what`` (``"derivative"``, ``"model"``, ``"y"``), from
    the family's registry (:data:`tsviz.augment.AUGMENTATION_REGISTRY`)."""
    from tsviz.augment import AUGMENTATION_REGISTRY

    return what in AUGMENTATION_REGISTRY[name].needs


# ----------------------------------------------------------------------------- ODENets
def saved_odenets(ds) -> list[Path]:
    """ODENets of this dataset saved in the user's workspace (stems)."""
    folder = state.user_odenet_dir()
    return sorted(p.with_suffix("") for p in folder.glob(f"{workspace.safe_name(ds.name)}*.json") if p.is_file())


def shipped_odenet(spec: str) -> str | None:
    """The stem of the ODENet shipped for the dataset ``spec`` (:mod:`tsviz.augment.zoo`), or None."""
    from tsviz.augment import shipped_odenet_path

    path = shipped_odenet_path(spec)
    return str(path) if path is not None else None


def odenet_info(path: str, spec: str, *, source: str) -> dict[str, Any]:
    """What the page shows about the ODENet at ``path``, read from its card: ``path``, ``spec``,
    ``source`` (``"shipped"``, ``"fitted"``, ``"saved"``), ``history`` (loss per epoch, when the card
    has it), ``quality`` (loss ratio and relative RMSE, when measured), ``card``."""
    from tsviz.models.card_schema import MAX_CARD_BYTES, parse_json, read_regular_file

    try:
        card_path = Path(f"{path}.json")
        card = parse_json(read_regular_file(card_path, MAX_CARD_BYTES, "ODENet card"), str(card_path))
    except Exception:  # noqa: BLE001 - an unreadable card: the ODENet itself reports when loaded
        card = {}
    card = card if isinstance(card, dict) else {}
    hist = card.get("history")
    quality = card.get("quality") if isinstance(card.get("quality"), dict) else None
    return {"spec": spec, "path": str(path), "source": source, "card": card, "quality": quality,
            "history": [float(v) for v in hist] if isinstance(hist, list) else None}


def current_odenet(spec: str) -> dict[str, Any] | None:
    """The ODENet in use for the dataset ``spec`` in this session: the one picked or fitted here,
    else the shipped one (:func:`shipped_odenet`), else None. A dict (:func:`odenet_info`)."""
    info = st.session_state.get(state.AUG_ODENET)
    if info and info.get("spec") == spec:
        return info
    shipped = shipped_odenet(spec)
    return _shipped_info(shipped, spec) if shipped else None


@st.cache_data(show_spinner=False, max_entries=8)
def _shipped_info(path: str, spec: str) -> dict[str, Any]:
    return odenet_info(path, spec, source="shipped")


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_odenet(stem: str, mtime: float, device: str):
    from tsviz.augment import load_odenet

    return load_odenet(stem, device=device).eval().requires_grad_(False)


def get_odenet(path: str, device: str = "cpu"):
    """The ODENet at ``path`` (cached, frozen like the cached models: read it, never modify it)."""
    return _load_odenet(*_odenet_key(path), device)


def _odenet_key(path: str) -> tuple[str, float]:
    weights = Path(f"{path}.safetensors")
    return str(path), weights.stat().st_mtime if weights.exists() else 0.0


def fit_and_save_odenet(ds, spec: str, *, epochs: int | None, seed: int, device: str, progress: Progress = None):
    """Fit an ODENet on the training split (``epochs`` ``None`` or 0: automatic), measure it on the
    test split (:func:`tsviz.augment.odenet_quality`), save it to the workspace's ``odenets/`` (a
    taken name gets a suffix; nothing is written anywhere else) and make it this session's ODENet
    for ``spec``; returns ``(fit, slot, requested name)``. Nothing is stored when the fit fails or
    is stopped. Recorded in the run store as an ``augmentation`` run (:mod:`tsviz.ui.run_record`)."""
    from tsviz.augment import fit_odenet, odenet_quality, save_odenet

    with recorded("augmentation", what="augment.odenet", key=(spec, epochs, int(seed), device)) as rec:
        fit = fit_odenet(ds.X_train, epochs=int(epochs) if epochs else None, seed=int(seed), device=device,
                         progress=progress)
        odenet = fit.odenet.to("cpu")
        quality = odenet_quality(odenet, ds.X_test)
        name = f"{workspace.safe_name(ds.name)}-odenet-e{len(fit.history)}-s{int(seed)}"
        with workspace.checkpoint_slot(state.user_odenet_dir(), name) as slot:  # a taken name -> name-2
            save_odenet(odenet, slot.staging, {"dataset": spec, "dataset_name": ds.name, **fit.summary(),
                                               "quality": {**quality.summary(), "split": "test"},
                                               "history": [float(v) for v in fit.history]})
        rec.result(fit, extra={"path": str(slot.final), "quality": quality.summary()})
    st.session_state[state.AUG_ODENET] = {**odenet_info(str(slot.final), spec, source="fitted"),
                                          "summary": fit.summary()}
    return fit, slot, name


@st.cache_resource(show_spinner=False, max_entries=8)
def _ode_step_seconds(batch_size: int, method: str, device: str, threads: int) -> float:
    import time

    import torch
    from torchdiffeq import odeint

    from tsviz.augment import ODENet

    net = ODENet().to(device).train()
    opt = torch.optim.Adam(net.parameters(), lr=3e-4)
    gen = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(batch_size, generator=gen).to(device), torch.randn(batch_size, generator=gen).to(device)
    t0 = torch.zeros(batch_size, device=device)
    grid = torch.tensor([0.0, 1.0], device=device)
    best = float("inf")
    for i in range(6):  # the first step is a warm-up
        start = time.perf_counter()
        pred = odeint(lambda s, z: net(z, t0 + s), z0, grid, method=method)[-1]
        loss = (pred - z1).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i:
            best = min(best, time.perf_counter() - start)
    return best


def odenet_eta(ds, epochs: int | None, *, device: str = "cpu", batch_size: int = 256, max_pairs: int = 200_000,
               method: str = "rk4") -> tuple[float, int, str] | None:
    """``(seconds, epochs, caption)`` of fitting an ODENet on ``ds``'s training split with
    :func:`tsviz.augment.fit_odenet`'s defaults (``epochs`` ``None``: automatic): its cost
    (:func:`tsviz.augment.odenet.odenet_cost`, in model evaluations of one series) and Adam steps
    times one step measured on this machine; ``None`` when it cannot be measured."""
    import math

    from tsviz.augment.odenet import default_epochs, odenet_cost
    from tsviz.ui.compute import torch_threads

    n, C, T = ds.X_train.shape
    n_pairs = min(n * C * (T - 1), max_pairs)
    epochs = int(epochs) if epochs else default_epochs(n_pairs, batch_size)
    steps = math.ceil(n_pairs / batch_size)
    try:
        per_step = _ode_step_seconds(batch_size, method, device, torch_threads())
    except Exception:  # noqa: BLE001 - an estimate never fails the page
        return None
    evaluations = math.prod(odenet_cost(n_pairs, C, T, epochs, method).values())
    seconds = epochs * steps * per_step
    from tsviz.ui.progress import format_seconds

    return seconds, epochs, (f"About {format_seconds(seconds)} on this machine: {epochs} epochs × {steps:,} Adam steps "
                             f"of {batch_size} pairs ({evaluations:,} model evaluations of one series).")


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _derivative(okey: tuple[str, float], spec: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    from tsviz.augment import derivative

    x = get_dataset(spec).X_test[index]
    learned = derivative(get_odenet(okey[0]), x[None])[0].cpu().numpy()
    return learned, np.gradient(x, axis=-1)


def odenet_derivative(path: str, spec: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    """``(learned, finite difference)`` dz/dt of test series ``index``, each ``(C, T)``."""
    return _derivative(_odenet_key(path), spec, int(index))


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner="Augmenting…")
def _augmented(spec: str, okey: tuple[str, float] | None, mkey: tuple[str, float] | None, index: int, beta: float,
               eps_max: float, seed: int) -> dict[str, np.ndarray]:
    import torch

    from tsviz.augment import AUGMENTATION_PARAMS, augment

    ds = get_dataset(spec)
    x = np.array(ds.X_train[index][None])
    y = np.array(ds.y_train[index:index + 1])
    odenet = get_odenet(okey[0]) if okey else None
    out = {}
    for name, label in AUG_LABELS.items():
        if (needs(name, "derivative") and odenet is None) or (needs(name, "model") and mkey is None):
            continue
        params = {k: v for k, v in {"beta": beta, "eps_max": eps_max}.items() if k in AUGMENTATION_PARAMS[name]}
        xa = augment(name, torch.as_tensor(x), torch.as_tensor(y),
                     model=get_model(mkey[0], "cpu") if needs(name, "model") else None,
                     derivative=odenet if needs(name, "derivative") else None,
                     generator=torch.Generator().manual_seed(seed), **params)
        out[label] = xa[0].detach().cpu().numpy()
    return out


def augmented_examples(spec: str, odenet_path: str | None, model_path: str | None, index: int, beta: float,
                       eps_max: float, seed: int) -> dict[str, np.ndarray]:
    """Every augmentation (label -> ``(C, T)``) of training series ``index``; those that need an ODENet
    or a model are left out without one."""
    return _augmented(spec, _odenet_key(odenet_path) if odenet_path else None,
                      model_key(model_path) if model_path else None, int(index), float(beta), float(eps_max), int(seed))


def _base_hparams(recipe: str, values: dict[str, Any], odenet_path: str | None) -> dict[str, Any]:
    """The recipe's hyperparameters for :func:`tsviz.training.fit` from the form's ``values``
    (augmentation, feat_sim, beta, eps_max, nsr_beta, at_eps, jacobian)."""
    from tsviz.augment import AUGMENTATION_PARAMS, AugmentError

    if recipe == "augmented":
        name = values["augmentation"]
        if needs(name, "derivative") and odenet_path is None:
            raise AugmentError(f"{AUG_LABELS[name]} needs an ODENet: fit one on the ODENet tab first")
        hp: dict[str, Any] = {"augmentation": name, "feat_sim": float(values["feat_sim"])}
        if needs(name, "derivative"):
            hp["odenet"] = odenet_path
        hp.update({k: float(values[k]) for k in ("beta", "eps_max") if k in AUGMENTATION_PARAMS[name]})
        return hp
    if recipe in ("nsr_loss1", "nsr_loss2"):
        return {"beta": float(values["nsr_beta"])}
    if recipe in ("pgd_at", "wpgd_at"):
        return {"eps": float(values["at_eps"])}
    if recipe == "jacobian":
        return {"lam": float(values["jacobian"])}
    return {}


def _augmentation_defaults(name: str) -> dict[str, Any]:
    import inspect

    from tsviz.augment import AUGMENTATION_REGISTRY

    sig = inspect.signature(AUGMENTATION_REGISTRY[name].function)
    return {k: p.default for k, p in sig.parameters.items() if k in AUGMENTATION_REGISTRY[name].params}


def recipe_hparams(recipe: str, values: dict[str, Any], odenet_path: str | None,
                   threat_model: str | None = None) -> dict[str, Any]:
    """The recipe's hyperparameters for :func:`tsviz.training.fit` from the Train tab's ``values``
    (augmentation, feat_sim, beta, eps_max, nsr_beta, at_eps, jacobian) plus its paper-setting
    choices: the augmented recipe's ``protocol`` (under ``"per_run"`` a model-dependent augmentation takes
    ``threat_model``, the sidebar's model), the NSR losses' ``margin_reduction``, and ``preset=
    "paper"`` when the settings are exactly the paper's (so the model's card says so)."""
    from tsviz.core import matching_preset
    from tsviz.training.augmented_training import AUGMENTED_PRESETS
    from tsviz.training.nsr_losses import NSR_PRESETS

    hp = _base_hparams(recipe, values, odenet_path)
    if recipe == "augmented":
        hp["protocol"] = values.get("protocol", "per_batch")
        if hp["protocol"] == "per_run" and needs(hp["augmentation"], "model") and threat_model:
            hp["threat_model"] = str(threat_model)
        full = {**_augmentation_defaults(hp["augmentation"]), **hp}
        if matching_preset(full, AUGMENTED_PRESETS) == "paper":
            hp["preset"] = "paper"
    elif recipe in NSR_PRESETS:
        hp["margin_reduction"] = values.get("margin_reduction", "sum")
        defaults = {"nsr_loss1": {"gamma": 1.0}, "nsr_loss2": {"eps_max": 1.0}}.get(recipe, {})
        if matching_preset({**defaults, **hp}, NSR_PRESETS[recipe]) == "paper":
            hp["preset"] = "paper"
    return hp


# ----------------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class CompareRequest:
    """A robustness comparison as set up on the page (models by path, with their labels)."""

    spec: str
    device: str
    models: tuple[tuple[str, str], ...]
    n: int
    fgsm_eps: float
    bim_eps: float
    bim_steps: int
    eps_values: tuple[float, ...]
    seed: int


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _compare(req: CompareRequest, mkeys: tuple, _progress: Progress = None) -> dict[str, Any]:
    from tsviz.data import select_samples
    from tsviz.models.evaluation import embed_latents, evaluate_model
    from tsviz.training import TrainingError
    from tsviz.training.robustness import accuracy_vs_eps, robustness_table

    if not req.models:
        raise TrainingError("choose at least one model")
    ds = get_dataset(req.spec)
    idx = select_samples(ds.y_test, mode="random", n=min(req.n, len(ds.y_test)), seed=req.seed)
    X, y = ds.X_test[idx], ds.y_test[idx]
    models = {label: get_model(path, req.device) for path, label in req.models}
    report = _progress or (lambda f, m: None)
    # one bar for the three stages, each weighted by its share of the gradient passes
    table_share = (1 + req.bim_steps) / (1 + req.bim_steps + CURVE_STEPS * sum(e > 0 for e in req.eps_values))
    table = robustness_table(models, X, y, attacks={
        "fgsm": {"eps": req.fgsm_eps},
        "bim": {"eps": req.bim_eps, "alpha": req.bim_eps / req.bim_steps, "steps": req.bim_steps}},
        seed=req.seed, progress=lambda f, m: report(0.98 * table_share * f, m))
    curves = accuracy_vs_eps(models, X, y, list(req.eps_values), attack="pgd", params={"steps": CURVE_STEPS},
                             seed=req.seed,
                             progress=lambda f, m: report(0.98 * (table_share + (1 - table_share) * f),
                                                          f"PGD curve: {m}"))
    latents = {}
    for label, model in models.items():
        rep = evaluate_model(model, X, y, class_names=ds.class_names)
        if rep.latents is not None:
            latents[label] = embed_latents(rep.latents, "pca", seed=req.seed).coords
    report(1.0, "done")
    return {"table": table, "curves": curves, "latents": latents, "y": y, "indices": np.asarray(idx)}


#: The Compare tab's settings: the live demo's (about 15 s on 2 cores for the four shipped models)
#: and the paper's (Table I of the ODE augmentation paper: BIM with step 0.001 for eps 0.1, the
#: whole test split).
COMPARE_DEMO = {"n": 100, "bim_steps": 50, "eps": "0, 0.05, 0.1, 0.2"}
COMPARE_PAPER = {"n": 1000, "bim_steps": 100, "eps": "0, 0.02, 0.05, 0.1, 0.2"}
#: PGD steps of the accuracy-vs-eps curve.
CURVE_STEPS = 20


def compare_defaults(spec: str, paths: list[str]) -> list[str]:
    """The shipped models the Compare tab preselects for the dataset ``spec`` (the standard one
    and the robust ones of :data:`tsviz.models.zoo.DEFAULT_COMPARISON`) among ``paths``."""
    from tsviz.models.zoo import DEFAULT_COMPARISON, zoo_dir

    wanted = [str(zoo_dir() / stem) for stem in DEFAULT_COMPARISON.get(spec, ())]
    return [p for p in wanted if p in paths]


def compare_cost(n: int, bim_eps: float, bim_steps: int, eps_values: list[float], fgsm_eps: float = 0.1
                 ) -> tuple[int, int]:
    """``(forward, backward)`` model evaluations per compared model: the attacks' cost factors
    (:meth:`tsviz.attacks.Attack.cost_factors`) for FGSM, BIM and the PGD curve (gradient passes),
    plus the clean and adversarial predictions and the latents (forward passes)."""
    import math

    from tsviz.attacks import make_attack

    def evals(name: str, **params: Any) -> int:
        return math.prod(make_attack(name, **params).cost_factors(n).values())

    positive = [e for e in eps_values if e > 0]
    backward = (evals("fgsm", eps=fgsm_eps) + evals("bim", eps=bim_eps, alpha=bim_eps / bim_steps, steps=bim_steps)
                + sum(evals("pgd", eps=e, alpha=e / 4, steps=CURVE_STEPS) for e in positive))
    forward = n * (3 + len(eps_values) + 1)
    return forward, backward


def compare_eta(paths: list[str], n: int, bim_eps: float, bim_steps: int, eps_values: list[float], ds,
                device: str) -> tuple[float, str] | None:
    """``(seconds, caption)`` of a comparison of the models at ``paths`` on this machine: each
    model's measured throughput (:func:`tsviz.ui.long_action.eta_seconds_mixed`) times
    :func:`compare_cost`; ``None`` without models or when a probe fails."""
    from tsviz.ui.long_action import eta_seconds_mixed
    from tsviz.ui.progress import format_seconds

    if not paths:
        return None
    try:
        forward, backward = compare_cost(n, bim_eps, bim_steps, eps_values)
    except Exception:  # noqa: BLE001 - the run itself reports bad settings
        return None
    total = 0.0
    for p in paths:
        secs = eta_seconds_mixed(forward, backward, p, device, ds.n_channels, ds.length)
        if secs is None:
            return None
        total += secs
    evaluations = len(paths) * (forward + backward)
    return total, (f"About {format_seconds(total)} on this machine ({len(paths)} model{'s' if len(paths) > 1 else ''}"
                   f" × {forward + backward:,} model evaluations; {evaluations:,} in all).")


def compare_run(req: CompareRequest, progress: Progress = None) -> dict[str, Any]:
    """Clean / FGSM / BIM accuracy (:func:`tsviz.training.robustness.robustness_table`), PGD accuracy
    against eps and latent PCAs of every model on the same test series; with ``progress`` (the page's
    button) a comparison that computes is recorded in the run store (:mod:`tsviz.ui.run_record`)."""
    return recorded_call("augment.compare", (req,),
                         lambda p: _compare(req, tuple(model_key(m) for m, _ in req.models), _progress=p), progress)
