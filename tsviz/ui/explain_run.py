"""Explain page computations, cached with ``st.cache_data`` per session.

An :class:`ExplainRequest` (hashable) holds the model, the series (test series by seed, or the
adversarial examples handed over by the Attack page, named by a digest of their arrays: the arrays
themselves go to the cached function as the unhashed ``_adversarial``), the methods and their
settings. A :class:`BackdoorRequest` does the same for the trigger demo.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from tsviz.ui.cache import get_dataset, get_model, model_key
from tsviz.ui.run_record_core import recorded_call

__all__ = ["METHOD_LABELS", "ExplainRequest", "ExplainRun", "explain_run", "adversarial_digest", "relevance_table",
           "settings_json", "BackdoorRequest", "backdoor_run", "backdoor_model", "backdoor_stem", "backdoor_facts",
           "backdoor_table"]

MAX_ENTRIES = 16
METHOD_LABELS = {"neuromask": "NeuroMask", "saliency": "Saliency", "integrated_gradients": "Integrated gradients",
                 "smoothgrad": "SmoothGrad", "occlusion": "Occlusion", "feature_ablation": "Feature ablation"}

Progress = Callable[[float, str], None] | None


def adversarial_digest(adv: dict[str, Any] | None) -> str | None:
    """A digest of a handoff from the Attack page (its arrays), naming it in cache keys."""
    if not adv:
        return None
    h = hashlib.sha256()
    for k in ("x", "x_adv", "y", "indices"):
        a = np.ascontiguousarray(adv[k])
        h.update(f"{k}{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class ExplainRequest:
    """One comparison of explanation methods as set up on the page."""

    model: str
    spec: str
    device: str
    adversarial: str | None
    n: int
    seed: int
    methods: tuple[str, ...]
    baseline: str
    neuromask: tuple[tuple[str, Any], ...]
    window: int
    ig_steps: int
    smoothgrad_samples: int
    curve_points: int

    def current(self, sel, adv: dict[str, Any] | None) -> bool:
        """Whether the selection (and the handoff, for adversarial series) still match."""
        return (self.model == str(sel.model_path) and self.spec == sel.dataset_spec
                and (self.adversarial is None or self.adversarial == adversarial_digest(adv)))


@dataclass(frozen=True)
class ExplainRun:
    """The comparison and the series it explained (``x_adv`` ``None`` for test series)."""

    comparison: Any
    indices: np.ndarray
    x: np.ndarray
    y: np.ndarray
    x_adv: np.ndarray | None
    attack: str | None


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _explain_run(req: ExplainRequest, mkey: tuple[str, float], _adversarial: dict | None = None,
                 _progress: Progress = None) -> ExplainRun:
    from tsviz.data import select_samples
    from tsviz.explain import explain_methods

    if req.adversarial is None:
        ds = get_dataset(req.spec)
        idx = select_samples(ds.y_test, mode="random", n=min(req.n, len(ds.y_test)), seed=req.seed)
        X, y, X_adv, attack = ds.X_test[idx], ds.y_test[idx], None, None
    else:
        adv = _adversarial or {}
        if adversarial_digest(adv) != req.adversarial:
            raise ValueError("the adversarial examples changed since this explanation; run it again")
        k = min(req.n, len(adv["y"]))
        idx, X, y, X_adv, attack = adv["indices"][:k], adv["x"][:k], adv["y"][:k], adv["x_adv"][:k], adv.get("attack")
    batch = X if X_adv is None else np.concatenate([X, X_adv])
    cmp = explain_methods(get_model(req.model, req.device), batch, list(req.methods), baseline=req.baseline,
                          neuromask_kw=dict(req.neuromask),
                          attribution_kw={"occlusion": {"window": req.window},
                                          "feature_ablation": {"window": req.window},
                                          "integrated_gradients": {"steps": req.ig_steps},
                                          "smoothgrad": {"n_samples": req.smoothgrad_samples}},
                          faithfulness_steps=req.curve_points, seed=req.seed, progress=_progress)
    return ExplainRun(cmp, np.asarray(idx), np.asarray(X), np.asarray(y), None if X_adv is None else np.asarray(X_adv),
                      attack)


def explain_run(req: ExplainRequest, adversarial: dict[str, Any] | None = None,
                progress: Progress = None) -> ExplainRun:
    """Explain (or fetch from the session's cache) the series of ``req`` with every method
    (:func:`tsviz.explain.explain_methods`); clean and adversarial series together when
    ``req.adversarial`` names the handoff ``adversarial``. With ``progress`` (the page's button) a run
    that computes is recorded in the run store (:mod:`tsviz.ui.run_record`), with the handoff."""
    return recorded_call("explain.run", (req,),
                         lambda p: _explain_run(req, model_key(req.model), _adversarial=adversarial, _progress=p),
                         progress, extra={"adversarial": adversarial} if req.adversarial is not None else None)


def relevance_table(run: ExplainRun):
    """Long table (series, [input,] method, t, relevance) of every relevance."""
    cmp, idx, n = run.comparison, run.indices, len(run.y)
    has_adv = run.x_adv is not None
    frame = cmp.relevance_frame(np.concatenate([idx, idx]) if has_adv else idx)
    if has_adv:
        length = next(iter(cmp.relevance.values())).shape[1]
        clean_or_adv = np.tile(np.arange(2 * n) >= n, len(cmp.relevance))
        frame.insert(1, "input", np.where(np.repeat(clean_or_adv, length), "adversarial", "clean"))
    return frame


def settings_json(req: ExplainRequest, run: ExplainRun) -> dict[str, Any]:
    """Settings, series and the AUC table of a comparison (for a JSON download)."""
    cmp = run.comparison
    return {"dataset": req.spec, "model": req.model, "baseline": req.baseline, "series": [int(v) for v in run.indices],
            "source": "adversarial" if run.x_adv is not None else "test",
            "neuromask": cmp.mask_result.params if cmp.mask_result is not None else None,
            "table": cmp.table.to_dict(orient="records")}


@dataclass(frozen=True)
class BackdoorRequest:
    """The trigger demo as set up on the page (the zoo's backdoored model on synthetic-ecg)."""

    spec: str
    device: str
    n: int
    steps: int
    seed: int


def backdoor_stem() -> str:
    """The checkpoint stem of the zoo's backdoored model."""
    from tsviz.models import zoo_dir
    from tsviz.ui import state

    return str(zoo_dir() / state.BACKDOOR_MODEL_STEM)


def backdoor_model(device: str):
    """The zoo's backdoored model and its trigger (:func:`tsviz.explain.trigger_from_card`)."""
    from tsviz.explain import trigger_from_card

    model = get_model(backdoor_stem(), device)
    return model, trigger_from_card(model)


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _backdoor_run(req: BackdoorRequest, mkey: tuple[str, float], _progress: Progress = None):
    from tsviz.data import select_samples
    from tsviz.explain import backdoor_demo

    ds = get_dataset(req.spec)
    model, trig = backdoor_model(req.device)
    pool = np.flatnonzero(ds.y_test != trig.target)
    pick = pool[select_samples(ds.y_test[pool], mode="random", n=min(req.n, len(pool)), seed=req.seed)]
    demo = backdoor_demo(model, ds.X_test[pick], ds.y_test[pick], trigger=trig, steps=req.steps, seed=req.seed,
                         progress=_progress)
    return demo, pick


def backdoor_run(req: BackdoorRequest, progress: Progress = None):
    """``(demo, indices)``: NeuroMask on clean and triggered beats (:func:`tsviz.explain.backdoor_demo`);
    recorded like :func:`explain_run`."""
    return recorded_call("explain.backdoor", (req,),
                         lambda p: _backdoor_run(req, model_key(backdoor_stem()), _progress=p), progress)


def backdoor_facts(model, trig, ds) -> list[tuple]:
    """The backdoored model's facts for the header (no deltas: none of them is a change)."""
    card = model.card
    length = f"{trig.length} steps" + (f" · {trig.length / ds.fs:.2f} s" if ds.fs else "")
    target = card.get("trigger", {}).get("target_name")
    if target is None:
        target = ds.class_names[trig.target] if 0 <= trig.target < len(ds.class_names) else str(trig.target)
    return [("Clean test accuracy", f"{card['metrics']['test_accuracy']:.1%}"),
            ("Trigger success (test)", f"{card['metrics'].get('trigger_success_rate', float('nan')):.1%}", None,
             "Share of non-N test beats classified N once the trigger is added"),
            ("Trigger window", f"steps {trig.start}-{trig.start + trig.length - 1}"),
            ("Trigger length", length),
            ("Target class", str(target))]


def backdoor_table(demo, pick, class_names):
    """The demo's per-beat table with the test split's indices and class names (not numbers)."""
    names = np.asarray(class_names, dtype=object)
    frame = demo.table()
    frame["series"] = np.asarray(pick)
    for col in ("label", "pred_clean", "pred_triggered"):
        values = frame[col].to_numpy()
        ok = (values >= 0) & (values < len(names))
        frame[col] = np.where(ok, names[np.clip(values, 0, len(names) - 1)], "")
    return frame
