"""Attack page computations, cached with ``st.cache_data`` per session and keyed by what they depend on.

An :class:`AttackRequest` (hashable, small) holds everything a run depends on: checkpoint, dataset
spec, device, attack and parameters, target, cost matrix, series selection and seed. The page keeps
the last successful request in ``st.session_state``; every rerun asks :func:`attack_run` for its
result, a cache hit (the checkpoint's modification time is part of the key, so an overwritten
checkpoint runs again). Analyses of a run (spectra, latent shift, budget sweep, export files) are
cached the same way, keyed by the request and their own settings.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from tsviz.ui.cache import get_dataset, get_model, model_key
from tsviz.ui.run_record_core import recorded_call

__all__ = ["SELECTION_MODES", "AttackRequest", "AttackRun", "attack_run", "attacked_series", "spectra", "latent_shift",
           "robustness_score", "sweep", "sweep_attacks", "sweep_cost", "SWEEP_DEFAULTS", "SWEEP_STEPS",
           "SWEEP_PAPER_STEPS", "SWEEP_PAPER_EPS", "export_files", "handoff", "history_key"]

#: The page's choices of series (``"one series"`` is :func:`tsviz.data.select_samples`'s ``indices``).
SELECTION_MODES = ("random", "class", "correct", "misclassified", "one series")
#: Results kept per session for each cached computation below.
MAX_ENTRIES = 16
#: Hyperparameters of each attack in the budget sweep; BIM and PGD take the sweep's ``steps`` with
#: Madry et al.'s step size 2.5 eps / steps (``alpha_ratio`` marks the attacks whose step follows eps).
SWEEP_DEFAULTS = {"fgsm": {}, "bim": {"alpha_ratio": None, "steps": None}, "pgd": {"alpha_ratio": None, "steps": None},
                  "spsa": {"iterations": 50}, "genattack": {"generations": 200}}
#: Steps of BIM and PGD in the sweep: 10 for a live demo (50 series x 4 budgets in about 15 s on two
#: cores); the paper setting is the NSR paper's 100 (Ma & Liang 2020, 100-PGD).
SWEEP_STEPS = 10
SWEEP_PAPER_STEPS = 100
#: The NSR paper's noise levels (Ma & Liang 2020, Fig. 1-2), in the data's units.
SWEEP_PAPER_EPS = (0.0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3)

Progress = Callable[[float, str], None] | None


@dataclass(frozen=True)
class AttackRequest:
    """One attack run as set up on the page (hashable: the cache key of its results)."""

    model: str
    spec: str
    device: str
    attack: str
    params: tuple[tuple[str, Any], ...]
    target: int | None
    cost_kind: str
    cost: tuple[tuple[float, ...], ...] | None
    split: str
    mode: str
    n: int
    class_index: int
    index: int
    seed: int

    def current(self, sel) -> bool:
        """Whether the sidebar still selects this request's model and dataset."""
        return self.model == str(sel.model_path) and self.spec == sel.dataset_spec


@dataclass(frozen=True)
class AttackRun:
    """What :func:`attack_run` returns: the report, the attacked series' indices in the split, the
    WPGD cost matrix (``None`` for other attacks) and the seconds the run took."""

    report: Any
    indices: np.ndarray
    cost: np.ndarray | None
    seconds: float


def _cost_matrix(req: AttackRequest, model, x, y, n_classes: int) -> np.ndarray:
    from tsviz.attacks import latent_centroid_cost, uniform_cost

    if req.cost_kind == "latent centroids":
        return np.asarray(latent_centroid_cost(model, x, y, n_classes), dtype=np.float64)
    if req.cost_kind == "edit" and req.cost is not None:
        return np.asarray(req.cost, dtype=np.float64)
    return np.asarray(uniform_cost(n_classes), dtype=np.float64)


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _attack_run(req: AttackRequest, mkey: tuple[str, float], _progress: Progress = None) -> AttackRun:
    import torch

    from tsviz.attacks import evaluate, make_attack
    from tsviz.data import select_samples
    from tsviz.models import predict

    ds = get_dataset(req.spec)
    model = get_model(req.model, req.device)
    X, y = ds.split(req.split)
    if req.mode not in SELECTION_MODES:
        raise ValueError(f"unknown selection {req.mode!r}")
    preds = predict(model, X) if req.mode in ("correct", "misclassified") else None
    idx = select_samples(y, mode="indices" if req.mode == "one series" else req.mode, n=req.n, seed=req.seed,
                         class_index=req.class_index, predictions=preds, indices=[req.index])
    params = dict(req.params)
    cost = None
    if req.attack == "wpgd":
        cost = params["cost_matrix"] = _cost_matrix(req, model, X[idx], y[idx], ds.n_classes)
    attack = make_attack(req.attack, **params)
    t0 = time.perf_counter()
    report = evaluate(model, attack, X[idx], y[idx], target=req.target, class_names=ds.class_names,
                      generator=torch.Generator().manual_seed(req.seed), batch_size=64, progress=_progress)
    _check_finite(report)
    return AttackRun(report, np.asarray(idx), cost, time.perf_counter() - t0)


def _check_finite(report) -> None:
    """Raise :class:`tsviz.core.TsvizError` when a finished attack's series or probabilities are not
    finite (so they never replace the previous results)."""
    from tsviz.core import TsvizError

    for name in ("x_adv", "clean_probs", "adv_probs"):
        value = getattr(report, name, None)
        if value is not None and not np.isfinite(np.asarray(value, dtype=np.float64)).all():
            raise TsvizError(f"the attack produced non-finite values in {name}; lower eps (or the step size)")


def attack_run(req: AttackRequest, progress: Progress = None) -> AttackRun:
    """Run (or fetch from the session's cache) the attack of ``req``; with ``progress`` (the page's
    button) a run that computes is recorded in the run store (:mod:`tsviz.ui.run_record`)."""
    return recorded_call("attack.run", (req,), lambda p: _attack_run(req, model_key(req.model), _progress=p), progress)


def attacked_series(req: AttackRequest, run: AttackRun) -> np.ndarray:
    """The clean series that were attacked, ``(n, C, T)``."""
    return get_dataset(req.spec).split(req.split)[0][run.indices]


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner="Comparing spectra…")
def _spectra(req: AttackRequest, mkey: tuple[str, float]):
    from tsviz.attacks.analysis import welch_compare

    run = attack_run(req)
    return welch_compare(attacked_series(req, run), run.report.x_adv, get_dataset(req.spec).fs)


def spectra(req: AttackRequest):
    """Welch spectra of the clean and adversarial series (:func:`tsviz.attacks.analysis.welch_compare`)."""
    return _spectra(req, model_key(req.model))


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner="Projecting latents…")
def _latent_shift(req: AttackRequest, mkey: tuple[str, float]):
    from tsviz.attacks.analysis import latent_shift as shift

    run = attack_run(req)
    return shift(get_model(req.model, req.device), attacked_series(req, run), run.report.x_adv)


def latent_shift(req: AttackRequest):
    """PCA of the clean and adversarial latents (:func:`tsviz.attacks.analysis.latent_shift`)."""
    return _latent_shift(req, model_key(req.model))


def robustness_score(run: AttackRun, n_classes: int) -> float:
    """Weighted robustness score S = Σ c_ij m_ij (WPGD paper, eq. 7) of the run's adversarial
    confusion, with its cost matrix (uniform 1 − I for attacks other than WPGD)."""
    from tsviz.attacks import uniform_cost, weighted_robustness_score

    cost = run.cost if run.cost is not None else np.asarray(uniform_cost(n_classes), dtype=float)
    return float(weighted_robustness_score(run.report.confusion, cost))


def sweep_attacks(attacks: tuple[str, ...], eps0: float, steps: int = SWEEP_STEPS) -> dict[str, Any]:
    """The attack instances of a sweep at budget ``eps0`` (the sweep replaces eps and scales the
    step sizes with it): :data:`SWEEP_DEFAULTS`, BIM and PGD with ``steps`` steps of 2.5 eps / steps."""
    from tsviz.attacks import make_attack

    made = {}
    for name in attacks:
        if name not in SWEEP_DEFAULTS:
            raise ValueError(f"unknown attack {name!r} for the sweep; choose from {', '.join(SWEEP_DEFAULTS)}")
        hp = dict(SWEEP_DEFAULTS[name])
        if "alpha_ratio" in hp:
            hp.pop("alpha_ratio")
            hp.update({"steps": int(steps), "alpha": 2.5 * eps0 / int(steps)})
        made[name] = make_attack(name, eps=eps0, **hp)
    return made


def sweep_cost(attacks: tuple[str, ...], eps_values: tuple[float, ...], eps0: float, steps: int,
               n_series: int) -> tuple[int, int]:
    """``(forward, backward)`` model evaluations of a sweep (:func:`tsviz.attacks.sweep`: series x
    budgets > 0 x each attack's cost per series; black-box attacks query, white-box ones take input
    gradients). Raises for bad settings."""
    forward = backward = 0
    nonzero = sum(1 for e in eps_values if e > 0)
    for attack in sweep_attacks(tuple(attacks), eps0, steps).values():
        per = int(np.prod([int(v) for v in attack.cost_factors(1).values()], dtype=object))
        if attack.black_box:
            forward += per
        else:
            backward += per
    return int(n_series) * nonzero * forward, int(n_series) * nonzero * backward


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _sweep(req: AttackRequest, mkey: tuple[str, float], attacks: tuple[str, ...], eps_values: tuple[float, ...],
           eps0: float, steps: int, _progress: Progress = None):
    from tsviz.attacks import sweep as run_sweep

    run = attack_run(req)
    return run_sweep(get_model(req.model, req.device), sweep_attacks(attacks, eps0, steps), list(eps_values),
                     attacked_series(req, run), run.report.y_true, class_names=get_dataset(req.spec).class_names,
                     seed=req.seed, progress=_progress)


def sweep(req: AttackRequest, attacks: tuple[str, ...], eps_values: tuple[float, ...], eps0: float,
          steps: int = SWEEP_STEPS, progress: Progress = None):
    """Accuracy and precision against the budget for several attacks on the run's series
    (:func:`tsviz.attacks.sweep`; default hyperparameters, step sizes scaled with eps); recorded with
    its attack run when ``progress`` is given (see :func:`attack_run`)."""
    key = (req, tuple(attacks), tuple(eps_values), float(eps0), int(steps))
    return recorded_call("attack.sweep", key, lambda p: _sweep(req, model_key(req.model), *key[1:], _progress=p),
                         progress, bases=lambda: [("attack.run", (req,), attack_run(req))])


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner="Writing the files…")
def _export_files(req: AttackRequest, mkey: tuple[str, float]) -> dict[str, bytes]:
    from tsviz.data import export

    ds = get_dataset(req.spec)
    run = attack_run(req)
    r = run.report
    npz = export.npz_bytes(r.x_adv, r.y_true, class_names=ds.class_names, fs=ds.fs, unit=ds.unit,
                           name=f"{ds.name}-{req.attack}-adversarial",
                           extra={"x": attacked_series(req, run), "x_adv": r.x_adv, "clean_pred": r.clean_pred,
                                  "adv_pred": r.adv_pred, "indices": run.indices})
    return {"npz": npz, "csv": export.csv_bytes(r.x_adv, r.y_true, class_names=ds.class_names)}


def export_files(req: AttackRequest) -> dict[str, bytes]:
    """The adversarial series as files :func:`tsviz.data.load` reads back (``npz:``, ``csv:``): labels
    are the true classes; the NPZ also holds the clean series, predictions and indices."""
    return _export_files(req, model_key(req.model))


def history_key(report) -> str:
    """The history entry the History tab draws: GenAttack's best fitness, else the attacked loss."""
    return "best_fitness" if "best_fitness" in (report.history or {}) else "loss"


def handoff(req: AttackRequest, run: AttackRun) -> dict[str, Any]:
    """The adversarial examples for the Explain and Review pages of this session."""
    r = run.report
    return {"x": attacked_series(req, run), "x_adv": r.x_adv, "y": r.y_true, "adv_pred": r.adv_pred,
            "indices": run.indices, "split": req.split, "spec": req.spec, "model_path": req.model,
            "attack": req.attack, "params": r.params}
