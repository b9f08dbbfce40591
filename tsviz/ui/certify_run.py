"""Certify page computations, cached with ``st.cache_data`` per session.

A :class:`CertifyRequest` (hashable) holds the settings and the classifiers as chosen (checkpoint
paths, not modules); the page keeps the last successful one and every rerun asks
:func:`certify_run` for its result (a cache hit). The analyses of a certification (noise margins,
ablation, PGD-L2 success, soundness) are cached the same way, keyed by the request and their own
settings. Every cache key includes the checkpoints' modification times.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from tsviz.ui.cache import get_dataset, get_model, model_key
from tsviz.ui.run_record_core import recorded_call

__all__ = ["ConfigSpec", "CertifyRequest", "CertifyRun", "certify_run", "margins", "ablation", "attack_rates",
           "soundness", "radius_curves", "series_table", "settings_json", "acr_metrics", "summary_caption",
           "margins_cost", "ablation_cost", "attack_rates_cost", "soundness_cost"]

MAX_ENTRIES = 16
#: Noise draws per PGD step of the soundness check's attack on the soft smoothed classifier.
SOUNDNESS_PGD_DRAWS = 8
#: Radii (fractions of sigma) at which the summary table reports certified accuracy.
RADIUS_FRACTIONS = (0.25, 0.5, 1.0)

Progress = Callable[[float, str], None] | None


@dataclass(frozen=True)
class ConfigSpec:
    """A configuration as chosen on the page (model paths, not modules)."""

    key: str
    label: str
    paths: tuple[str, ...]
    mask_kind: str | None
    m: int
    keep: float


@dataclass(frozen=True)
class CertifyRequest:
    """One certification as set up on the page (hashable: the cache key of its results)."""

    spec: str
    device: str
    configs: tuple[ConfigSpec, ...]
    sigma: float
    n0: int
    n: int
    alpha: float
    bound: str
    n_series: int
    seed: int

    def forward_passes(self) -> int:
        """Model evaluations of the certification: series x (n0 + n) x members x masks."""
        per_draw = sum(len(s.paths) * max(1, s.m if s.mask_kind else 1) for s in self.configs)
        return per_draw * self.n_series * (self.n0 + self.n)

    def model_keys(self) -> tuple[tuple[str, float], ...]:
        """``(path, mtime)`` of every checkpoint (part of every cache key)."""
        return tuple(model_key(p) for s in self.configs for p in s.paths)


@dataclass(frozen=True)
class CertifyRun:
    """What :func:`certify_run` returns: the comparison and the certified test series' indices."""

    comparison: Any
    indices: np.ndarray


def _check(req: CertifyRequest) -> None:
    from tsviz.certify import CertifyError

    if not req.configs:
        raise CertifyError("enable at least one classifier")
    for s in req.configs:
        if s.key == "de" and len(s.paths) < 2:
            raise CertifyError("DE needs at least two members")


def cert_configs(req: CertifyRequest) -> list:
    """The :class:`tsviz.certify.CertConfig` of each configuration (models from the model cache)."""
    from tsviz.certify import CertConfig

    return [CertConfig(s.label, tuple(get_model(p, req.device) for p in s.paths), req.sigma, s.mask_kind, s.m or 1,
                       s.keep, mask_seed=req.seed) for s in req.configs]


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _certify_run(req: CertifyRequest, mkeys: tuple, _progress: Progress = None) -> CertifyRun:
    from tsviz.certify import certify_configs
    from tsviz.data import select_samples

    _check(req)
    ds = get_dataset(req.spec)
    idx = select_samples(ds.y_test, mode="random", n=req.n_series, seed=req.seed)
    cmp = certify_configs(cert_configs(req), ds.X_test[idx], ds.y_test[idx], n0=req.n0, n=req.n, alpha=req.alpha,
                          bound=req.bound, seed=req.seed, radii=[req.sigma * f for f in RADIUS_FRACTIONS],
                          progress=_progress)
    return CertifyRun(cmp, np.asarray(idx))


def certify_run(req: CertifyRequest, progress: Progress = None) -> CertifyRun:
    """Certify (or fetch from the session's cache) every configuration of ``req``
    (:func:`tsviz.certify.certify_configs`); with ``progress`` (the page's button) a run that computes
    is recorded in the run store (:mod:`tsviz.ui.run_record`), as are the analyses below."""
    return recorded_call("certify.run", (req,), lambda p: _certify_run(req, req.model_keys(), _progress=p), progress)


def _base(req: CertifyRequest):
    """The certification an analysis of ``req`` stands on (stored with the analysis)."""
    return lambda: [("certify.run", (req,), certify_run(req))]


def certified_series(req: CertifyRequest, run: CertifyRun) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of the certified test series."""
    ds = get_dataset(req.spec)
    return ds.X_test[run.indices], ds.y_test[run.indices]


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _margins(req: CertifyRequest, mkeys: tuple, series: int, draws: int, _progress: Progress = None) -> dict:
    from tsviz.certify import noise_margins

    X, _ = certified_series(req, certify_run(req))
    return {cfg.label: noise_margins(cfg.smoothed(X.shape[2]), X[series:series + 1], draws, seed=req.seed)
            for cfg in cert_configs(req)}


def margins(req: CertifyRequest, series: int, draws: int, progress: Progress = None) -> dict:
    """Noise margins of each classifier on one certified series (:func:`tsviz.certify.noise_margins`)."""
    return _margins(req, req.model_keys(), int(series), int(draws), _progress=progress)


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _ablation(req: CertifyRequest, mkeys: tuple, label: str, sizes: tuple, keeps: tuple, _progress: Progress = None):
    from tsviz.certify import CertifyError
    from tsviz.certify import ablation as run_ablation

    spec = next((s for s in req.configs if s.label == label and s.mask_kind), None)
    if spec is None:
        raise CertifyError(f"{label} is not a mask ensemble of this certification")
    X, y = certified_series(req, certify_run(req))
    return run_ablation(get_model(spec.paths[0], req.device), X, y, req.sigma, kind=spec.mask_kind, sizes=list(sizes),
                        keeps=list(keeps), n0=req.n0, n=req.n, alpha=req.alpha, bound=req.bound, seed=req.seed,
                        mask_seed=req.seed, progress=_progress)


def ablation(req: CertifyRequest, label: str, sizes, keeps, progress: Progress = None):
    """Ensemble size m and keep ratio p of a self-ensemble on the same series (:func:`tsviz.certify.ablation`)."""
    key = (req, label, tuple(sizes), tuple(keeps))
    return recorded_call("certify.ablation", key, lambda p: _ablation(req, req.model_keys(), *key[1:], _progress=p),
                         progress, bases=_base(req))


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _attack_rates(req: CertifyRequest, mkeys: tuple, eps_values: tuple, steps: int, draws: int, n_series: int,
                  _progress: Progress = None):
    from tsviz.certify import attack_success_rates

    X, y = certified_series(req, certify_run(req))
    configs = cert_configs(req)
    return attack_success_rates(configs, X[:n_series], y[:n_series], list(eps_values), benign=configs[0].models[0],
                                steps=steps, draws=draws, n=req.n, alpha=req.alpha, seed=req.seed, progress=_progress)


def attack_rates(req: CertifyRequest, eps_values, steps: int, draws: int, n_series: int, progress: Progress = None):
    """PGD-L2 success on the bare model and on each smoothed classifier (:func:`tsviz.certify.attack_success_rates`)."""
    key = (req, tuple(eps_values), int(steps), int(draws), int(n_series))
    return recorded_call("certify.attack_rates", key,
                         lambda p: _attack_rates(req, req.model_keys(), *key[1:], _progress=p), progress,
                         bases=_base(req))


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _soundness(req: CertifyRequest, mkeys: tuple, label: str, fractions: tuple, directions: int, pgd_steps: int,
               n_series: int, _progress: Progress = None):
    from tsviz.certify import soundness_check

    run = certify_run(req)
    X, _ = certified_series(req, run)
    cfg = next(c for c in cert_configs(req) if c.label == label)
    return soundness_check(cfg.smoothed(X.shape[2]), X, run.comparison.results[label], fractions=list(fractions),
                           directions=directions, pgd_steps=pgd_steps, pgd_draws=SOUNDNESS_PGD_DRAWS, n=req.n,
                           max_samples=n_series,
                           seed=req.seed, progress=_progress)


def soundness(req: CertifyRequest, label: str, fractions, directions: int, pgd_steps: int, n_series: int,
              progress: Progress = None):
    """Attacks inside the certified radii of one classifier (:func:`tsviz.certify.soundness_check`)."""
    key = (req, label, tuple(fractions), int(directions), int(pgd_steps), int(n_series))
    return recorded_call("certify.soundness", key, lambda p: _soundness(req, req.model_keys(), *key[1:], _progress=p),
                         progress, bases=_base(req))


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def radius_curves(sigma: float):
    """Certified radius against pA for Cohen's and the Renyi bound (:func:`tsviz.certify.radius_vs_pa`)."""
    from tsviz.certify import radius_vs_pa

    return radius_vs_pa(sigma)


def series_table(req: CertifyRequest, run: CertifyRun):
    """One row per classifier and series: the result's columns with config, idx, label, correct."""
    import pandas as pd

    _, y = certified_series(req, run)
    frames = []
    for label, r in run.comparison.results.items():
        f = r.to_frame()
        f.insert(0, "config", label)
        f.insert(1, "idx", run.indices)
        f.insert(2, "label", y)
        f["correct"] = r.prediction == y
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def settings_json(req: CertifyRequest, run: CertifyRun) -> dict[str, Any]:
    """The settings, series and fixed masks of a certification (for a JSON download)."""
    return {"dataset": req.spec, "sigma": req.sigma, "n0": req.n0, "n": req.n, "alpha": req.alpha, "bound": req.bound,
            "seed": req.seed, "indices": run.indices.tolist(),
            "configs": [{"label": s.label, "models": list(s.paths), "masks": s.mask_kind, "m": s.m, "keep": s.keep}
                        for s in req.configs],
            "masks": {k: (r.masks.astype(int).tolist() if r.masks is not None else None)
                      for k, r in run.comparison.results.items()}}


def acr_metrics(table, unit: str) -> list[dict[str, Any]]:
    """The results header: each classifier's ACR; after the first, the change from the first (a
    real comparison, green when larger), never a plain fact drawn as a delta."""
    rows = table.to_dict(orient="records")
    out = []
    for i, row in enumerate(rows):
        item = {"label": f"{row['label']} · ACR ({unit})", "value": f"{row['acr']:.3g}",
                "help": f"Average certified radius over the series (0 when wrong or abstained); clean accuracy "
                        f"{row['clean_accuracy']:.0%}, abstained on {row['abstain_rate']:.0%}"}
        if i:
            item.update(delta=f"{row['acr'] - rows[0]['acr']:+.3g} {unit} vs {rows[0]['label']}", delta_color="normal")
        out.append(item)
    return out


def summary_caption(req: CertifyRequest, table, unit: str) -> str:
    """The settings of the certification and each classifier's clean accuracy and abstention rate."""
    parts = [f"{r['label']}: clean {r['clean_accuracy']:.0%}, abstain {r['abstain_rate']:.0%}"
             for r in table.to_dict(orient="records")]
    return (f"σ = {req.sigma:g} {unit} · n0 = {req.n0} · n = {req.n} · α = {req.alpha:g} · {req.bound} bound · "
            f"{req.n_series} test series · {float(table['seconds'].sum()):.1f} s · " + " · ".join(parts))


def _passes(spec: ConfigSpec) -> int:
    return len(spec.paths) * max(1, spec.m if spec.mask_kind else 1)


def margins_cost(req: CertifyRequest, draws: int) -> tuple[int, int]:
    """``(forward, backward)`` model evaluations of :func:`margins` (one series, every classifier)."""
    from tsviz.certify import scores_cost
    from tsviz.certify.costs import total

    return sum(total(scores_cost(1, draws, _passes(s))) for s in req.configs), 0


def ablation_cost(req: CertifyRequest, sizes, keeps) -> tuple[int, int]:
    """``(forward, backward)`` model evaluations of :func:`ablation`."""
    from tsviz.certify import ablation_cost as cost
    from tsviz.certify.costs import total

    return total(cost(req.n_series, req.n0, req.n, list(sizes), list(keeps))), 0


def attack_rates_cost(req: CertifyRequest, n_budgets: int, steps: int, draws: int, n_series: int) -> tuple[int, int]:
    """``(forward, backward)`` model evaluations of :func:`attack_rates` (the PGD steps take input
    gradients; PREDICT and the clean predictions are forward passes)."""
    from tsviz.certify import attack_rates_cost as cost
    from tsviz.certify.costs import total

    passes = [_passes(s) for s in req.configs]
    every = total(cost(n_series, n_budgets, steps=steps, draws=draws, n=req.n, passes=passes))
    backward = n_series * n_budgets * (steps + sum(p * steps * draws for p in passes))
    return max(every - backward, 0), backward


def soundness_cost(req: CertifyRequest, label: str, n_fractions: int, directions: int, pgd_steps: int,
                   n_series: int) -> tuple[int, int]:
    """``(forward, backward)`` model evaluations of :func:`soundness` on at most ``n_series`` series."""
    from tsviz.certify import soundness_cost as cost
    from tsviz.certify.costs import total

    spec = next((s for s in req.configs if s.label == label), req.configs[0])
    masks = max(1, spec.m if spec.mask_kind else 1)
    kw = {"masks": masks, "members": len(spec.paths), "pgd_draws": SOUNDNESS_PGD_DRAWS}
    every = total(cost(n_series, n_fractions, directions=directions, pgd_steps=pgd_steps, n=req.n, **kw))
    backward = total(cost(n_series, n_fractions, directions=0, pgd_steps=pgd_steps, n=0, **kw))
    return max(every - backward, 0), backward
