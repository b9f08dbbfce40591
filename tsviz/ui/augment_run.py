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

__all__ = ["AUG_LABELS", "RECIPES", "needs", "saved_odenets", "current_odenet", "get_odenet", "fit_and_save_odenet",
           "odenet_derivative", "augmented_examples", "recipe_hparams", "CompareRequest", "compare_run"]

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


def current_odenet(spec: str) -> dict[str, Any] | None:
    """The ODENet chosen for the dataset ``spec`` in this session (``{"path", "history", ...}``), or None."""
    info = st.session_state.get(state.AUG_ODENET)
    return info if info and info.get("spec") == spec else None


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


def fit_and_save_odenet(ds, spec: str, *, epochs: int, seed: int, device: str, progress: Progress = None):
    """Fit an ODENet on the training split, save it to the workspace's ``odenets/`` (a taken name gets
    a suffix) and make it this session's ODENet for ``spec``; returns ``(fit, slot, requested name)``."""
    from tsviz.augment import fit_odenet, save_odenet

    fit = fit_odenet(ds.X_train, epochs=int(epochs) or None, seed=int(seed), device=device, progress=progress)
    name = f"{workspace.safe_name(ds.name)}-odenet-e{len(fit.history)}-s{int(seed)}"
    with workspace.checkpoint_slot(state.user_odenet_dir(), name) as slot:  # a taken name -> name-2
        save_odenet(fit.odenet.to("cpu"), slot.staging, {"dataset": spec, "dataset_name": ds.name, **fit.summary()})
    st.session_state[state.AUG_ODENET] = {"spec": spec, "path": str(slot.final), "summary": fit.summary(),
                                          "history": [float(v) for v in fit.history]}
    return fit, slot, name


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


def recipe_hparams(recipe: str, values: dict[str, Any], odenet_path: str | None) -> dict[str, Any]:
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
    table = robustness_table(models, X, y, attacks={
        "fgsm": {"eps": req.fgsm_eps},
        "bim": {"eps": req.bim_eps, "alpha": req.bim_eps / req.bim_steps, "steps": req.bim_steps}},
        seed=req.seed, progress=report)
    curves = accuracy_vs_eps(models, X, y, list(req.eps_values), attack="pgd", params={"steps": 20}, seed=req.seed,
                             progress=lambda f, m: report(f, f"PGD curve: {m}"))
    latents = {}
    for label, model in models.items():
        rep = evaluate_model(model, X, y, class_names=ds.class_names)
        if rep.latents is not None:
            latents[label] = embed_latents(rep.latents, "pca", seed=req.seed).coords
    return {"table": table, "curves": curves, "latents": latents, "y": y, "indices": np.asarray(idx)}


def compare_run(req: CompareRequest, progress: Progress = None) -> dict[str, Any]:
    """Clean / FGSM / BIM accuracy (:func:`tsviz.training.robustness.robustness_table`), PGD accuracy
    against eps and latent PCAs of every model on the same test series."""
    return _compare(req, tuple(model_key(p) for p, _ in req.models), _progress=progress)
