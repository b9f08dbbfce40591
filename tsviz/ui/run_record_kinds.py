"""What the app records of each kind of run: settings, seeds, data, model, headline metrics, curves
and the extra artifacts other pages read (:mod:`tsviz.ui.run_record_core` writes them).

One :class:`Kind` per page result, keyed by its *what* (``"attack.run"``, ``"certify.ablation"``,
...): given the cache key of the result (``key``: the request first, then the settings of an
analysis), it says the run's kind, parameters, seeds, dataset spec, model checkpoint(s) and label,
and given the result, its flat metrics (``str -> number or text``), its ``curves`` (the Runs page's
overlays: ``{name: {"x", "y", "x_label", "y_label", "kind"}}``) and the named NPZ artifacts it adds
(an attack's ``"adversarial"``, read by the Review page and the blinded study; see the run store's
ARTIFACT CONVENTIONS in ``tsviz/runs``).

Requests and results are read by their attributes only (no import of the pages' run modules, which
import this package's recorder).
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np

__all__ = ["Kind", "Description", "KINDS", "jsonable", "flat_metrics", "request_params"]

#: Longest list kept as a list in a run's parameters (longer ones are summarised by their shape).
MAX_PARAM_LIST = 1000


@dataclass(frozen=True)
class Description:
    """What a finished run adds to its record: flat ``metrics``, ``curves``, NPZ ``arrays`` (artifact
    name -> arrays) and JSON artifacts (``json``: artifact name -> value)."""

    metrics: dict[str, Any] = field(default_factory=dict)
    curves: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    json: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """How to record one kind of page result (every callable takes the result's cache ``key``)."""

    kind: str
    params: Callable[[tuple], dict[str, Any]]
    seeds: Callable[[tuple], dict[str, Any]]
    spec: Callable[[tuple], str | None]
    model: Callable[[tuple], Any]
    label: Callable[[tuple], str]
    describe: Callable[[Any, tuple, Any, dict], Description]


# ----------------------------------------------------------------------------- helpers
def jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` with a JSON form the run store accepts: tuples as lists, numpy scalars as numbers,
    non-finite floats and anything else as text, long arrays as their shape."""
    if depth > 12:
        return str(value)[:200]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, np.generic):
        return jsonable(value.item(), depth + 1)
    if isinstance(value, np.ndarray):
        if value.size > MAX_PARAM_LIST:
            return f"array of shape {list(value.shape)}"
        return jsonable(value.tolist(), depth + 1)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_PARAM_LIST:
            return f"list of {len(value)} values"
        return [jsonable(v, depth + 1) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)}
    return str(value)[:200]


def _number(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value[:200]
    return None


def flat_metrics(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Scalar entries of a (nested) summary, flat: ``{"acr": {"Single": 0.1}}`` -> ``{"acr.Single": 0.1}``;
    booleans as 0/1; lists and other values left out."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        name = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flat_metrics(v, f"{name}."))
        else:
            num = _number(v)
            if num is not None:
                out[name] = num
    return out


def request_params(req: Any, *, drop: Sequence[str] = ("model", "spec"), spread: str = "params") -> dict[str, Any]:
    """A request's fields as run parameters (JSON): the pairs of its ``spread`` field (an attack's
    hyperparameters) as top-level keys, the model and dataset left out (they have their own columns)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(req):
        if f.name in drop:
            continue
        value = getattr(req, f.name)
        if f.name == spread and isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
            for k, v in value:
                out.setdefault(str(k), jsonable(v))
            continue
        out[f.name] = jsonable(value)
    return out


def _curve(x: Any, y: Any, x_label: str, y_label: str, kind: str) -> dict[str, Any]:
    return {"x": [float(v) for v in np.asarray(x, dtype=float).ravel()],
            "y": [float(v) for v in np.asarray(y, dtype=float).ravel()],
            "x_label": x_label, "y_label": y_label, "kind": kind}


def _unit(ds: Any) -> str:
    return getattr(ds, "unit", None) or "signal units"


def _mean_rows(a: Any) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        return a
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN row is a gap
        return np.nanmean(a.reshape(a.shape[0], -1), axis=1)


def _empty(*_: Any) -> dict[str, Any]:
    return {}


# ----------------------------------------------------------------------------- attack
def _attack_describe(run: Any, key: tuple, ds: Any, extra: dict) -> Description:
    req, rep = key[0], run.report
    metrics = flat_metrics({k: v for k, v in rep.summary().items() if k != "params"})
    metrics["seconds"] = float(run.seconds)
    curves = {}
    for name, hist in (rep.history or {}).items():
        h = np.asarray(hist, dtype=float)
        if h.ndim >= 1 and h.shape[0] > 0 and name in ("loss", "best_fitness"):
            what = "fitness_vs_generation" if name == "best_fitness" else "loss_vs_step"
            curves[f"{req.attack} {name.replace('_', ' ')}"] = _curve(np.arange(1, h.shape[0] + 1), _mean_rows(h),
                                                                      "generation" if name == "best_fitness"
                                                                      else "step", name.replace("_", " "), what)
    arrays = {}
    if ds is not None:
        clean = ds.split(req.split)[0][np.asarray(run.indices)]
        arrays["adversarial"] = {
            "clean": np.asarray(clean, dtype=np.float32), "adversarial": np.asarray(rep.x_adv, dtype=np.float32),
            "labels": np.asarray(rep.y_true, dtype=np.int64), "indices": np.asarray(run.indices, dtype=np.int64),
            "clean_pred": np.asarray(rep.clean_pred, dtype=np.int64),
            "adv_pred": np.asarray(rep.adv_pred, dtype=np.int64),
            "clean_probs": np.asarray(rep.clean_probs, dtype=np.float32),
            "adv_probs": np.asarray(rep.adv_probs, dtype=np.float32)}
    return Description(metrics, curves, arrays)


def _sweep_params(key: tuple) -> dict[str, Any]:
    req, attacks, eps_values, eps0, steps = key
    return {"analysis": "budget_sweep", "attacks": list(attacks), "eps_values": [float(e) for e in eps_values],
            "eps0": float(eps0), "steps": int(steps), "base_attack": req.attack, "split": req.split, "n": req.n,
            "mode": req.mode, "device": req.device}


def _sweep_describe(result: Any, key: tuple, ds: Any, extra: dict) -> Description:
    rows = list(result.rows)
    metrics: dict[str, Any] = {}
    curves = {}
    for attack in dict.fromkeys(r["attack"] for r in rows):
        pts = sorted((float(r["eps"]), float(r["adversarial_accuracy"])) for r in rows if r["attack"] == attack)
        curves[f"{attack} accuracy"] = _curve([p[0] for p in pts], [p[1] for p in pts], f"eps ({_unit(ds)})",
                                              "accuracy", "accuracy_vs_eps")
        for eps, acc in pts:
            metrics[f"accuracy.{attack}.eps={eps:g}"] = acc
        metrics[f"accuracy.{attack}.at_max_eps"] = pts[-1][1]
    return Description(metrics, curves)


# ----------------------------------------------------------------------------- certification
def _comparison(result: Any) -> Any:
    return getattr(result, "comparison", result)


def _certify_describe(result: Any, key: tuple, ds: Any, extra: dict) -> Description:
    cmp = _comparison(result)
    metrics = flat_metrics({k: v for k, v in cmp.summary().items() if k != "configs"})
    curves = {f"{label} certified accuracy": _curve(cmp.radii, acc, f"radius ({_unit(ds)})", "certified accuracy",
                                                    "certified_accuracy_vs_radius")
              for label, acc in cmp.curves.items()}
    return Description(metrics, curves)


def _certify_params(analysis: str | None, names: Sequence[str] = ()) -> Callable[[tuple], dict[str, Any]]:
    def params(key: tuple) -> dict[str, Any]:
        req = key[0]
        out = {"sigma": req.sigma, "n0": req.n0, "n": req.n, "alpha": req.alpha, "bound": req.bound,
               "n_series": req.n_series, "device": req.device,
               "configs": [{"label": s.label, "models": list(s.paths), "masks": s.mask_kind, "m": s.m, "keep": s.keep}
                           for s in req.configs]}
        if analysis is not None:
            out = {"analysis": analysis, **{n: jsonable(v) for n, v in zip(names, key[1:])}, **out}
        return out

    return params


def _attack_rates_describe(frame: Any, key: tuple, ds: Any, extra: dict) -> Description:
    metrics, curves = {}, {}
    for label, grp in frame.groupby("classifier", sort=False):
        grp = grp.sort_values("eps")
        curves[f"{label} attack success"] = _curve(grp["eps"], grp["asr"], f"L2 budget ({_unit(ds)})",
                                                   "attack success rate", "attack_success_vs_eps")
        for eps, asr in zip(grp["eps"], grp["asr"]):
            metrics[f"asr.{label}.eps={float(eps):g}"] = float(asr)
    return Description(metrics, curves)


def _soundness_describe(rep: Any, key: tuple, ds: Any, extra: dict) -> Description:
    return Description(flat_metrics(rep.summary()))


def _certify_models(key: tuple) -> list[str]:
    return [p for s in key[0].configs for p in s.paths]


# ----------------------------------------------------------------------------- explanation
def _explain_describe(run: Any, key: tuple, ds: Any, extra: dict) -> Description:
    cmp = run.comparison
    metrics: dict[str, Any] = {"n_series": int(len(run.y)), "adversarial": int(run.x_adv is not None)}
    for row in cmp.table.to_dict(orient="records"):
        method = row.get("method")
        metrics.update({f"{method}.{k}": v for k, v in flat_metrics(row).items() if k != "method"})
    curves = {}
    for method, fr in cmp.faithfulness.items():
        curves[f"{method} deletion"] = _curve(fr.fractions, np.asarray(fr.deletion).mean(axis=0),
                                              "fraction of steps removed", "target probability", "deletion_curve")
        curves[f"{method} insertion"] = _curve(fr.fractions, np.asarray(fr.insertion).mean(axis=0),
                                               "fraction of steps revealed", "target probability", "insertion_curve")
    return Description(metrics, curves)


def _backdoor_describe(result: Any, key: tuple, ds: Any, extra: dict) -> Description:
    demo, _ = result
    return Description(flat_metrics({k: v for k, v in demo.summary().items() if k != "trigger_window"}))


def _backdoor_model(key: tuple) -> str:
    from tsviz.models import zoo_dir
    from tsviz.ui import state

    return str(zoo_dir() / state.BACKDOOR_MODEL_STEM)


# ----------------------------------------------------------------------------- augmentation
def _compare_describe(res: Any, key: tuple, ds: Any, extra: dict) -> Description:
    metrics: dict[str, Any] = {"n_series": int(len(res["y"]))}
    for row in res["table"].to_dict(orient="records"):
        model = row.get("model")
        metrics.update({f"{k}.{model}": v for k, v in flat_metrics(row).items() if k not in ("model", "card_recipe")})
    curves = {}
    frame = res["curves"]
    y_col = "adversarial_accuracy" if "adversarial_accuracy" in frame.columns else "accuracy"
    for model, grp in frame.groupby("model", sort=False):
        grp = grp.sort_values("eps")
        curves[f"{model} accuracy"] = _curve(grp["eps"], grp[y_col], f"eps ({_unit(ds)})", "accuracy",
                                             "accuracy_vs_eps")
    return Description(metrics, curves)


def _odenet_describe(fit: Any, key: tuple, ds: Any, extra: dict) -> Description:
    metrics = flat_metrics({k: v for k, v in fit.summary().items()})
    metrics.update(flat_metrics(extra.get("quality") or {}, "quality."))
    hist = np.asarray(fit.history, dtype=float)
    curves = {"ODENet loss": _curve(np.arange(1, len(hist) + 1), hist, "epoch", "loss ratio", "loss_vs_epoch")} \
        if len(hist) else {}
    return Description(metrics, curves, json={"odenet": _files(extra.get("path"), ".safetensors")})


# ----------------------------------------------------------------------------- training
def _training_params(key: tuple) -> dict[str, Any]:
    settings, hp, _ = key
    out = jsonable(settings)
    extra = out.pop("extra", None) or {}
    return {**out, "hparams": jsonable(hp or {}), **({"form": extra} if extra else {})}


def _training_describe(result: Any, key: tuple, ds: Any, extra: dict) -> Description:
    metrics = flat_metrics(result.summary())
    h = result.history
    epochs = np.asarray(h.get("epoch", np.arange(1, len(next(iter(h.values()), [])) + 1)), dtype=float)
    curves = {}
    for name, kind, label in (("train_loss", "loss_vs_epoch", "loss"), ("val_loss", "loss_vs_epoch", "loss"),
                              ("train_accuracy", "accuracy_vs_epoch", "accuracy"),
                              ("val_accuracy", "accuracy_vs_epoch", "accuracy")):
        if name in h and len(h[name]) == len(epochs) and len(epochs):
            curves[name.replace("_", " ")] = _curve(epochs, h[name], "epoch", label, kind)
    return Description(metrics, curves, json={"checkpoint": _files(extra.get("path"), ".safetensors")})


def _files(stem: Any, weights: str) -> dict[str, Any]:
    """A reference to a saved checkpoint: its stem, weights and card files (they stay in the workspace)."""
    return {"path": str(stem), "weights": f"{stem}{weights}", "card": f"{stem}.json"} if stem else {}


#: Every page result the app records, by *what*.
KINDS: dict[str, Kind] = {
    "attack.run": Kind("attack", lambda k: request_params(k[0]), lambda k: {"seed": k[0].seed}, lambda k: k[0].spec,
                       lambda k: k[0].model, lambda k: f"{k[0].attack} · {k[0].n} {k[0].split} series",
                       _attack_describe),
    "attack.sweep": Kind("attack", _sweep_params, lambda k: {"seed": k[0].seed}, lambda k: k[0].spec,
                         lambda k: k[0].model, lambda k: f"budget sweep · {', '.join(k[1])}", _sweep_describe),
    "certify.run": Kind("certification", _certify_params(None), lambda k: {"seed": k[0].seed}, lambda k: k[0].spec,
                        _certify_models, lambda k: f"σ {k[0].sigma:g} · {', '.join(s.label for s in k[0].configs)}",
                        _certify_describe),
    "certify.ablation": Kind("certification", _certify_params("ablation", ("classifier", "sizes", "keeps")),
                             lambda k: {"seed": k[0].seed}, lambda k: k[0].spec, _certify_models,
                             lambda k: f"ablation · {k[1]}", _certify_describe),
    "certify.attack_rates": Kind("certification",
                                 _certify_params("attack", ("eps_values", "steps", "draws", "attack_series")),
                                 lambda k: {"seed": k[0].seed}, lambda k: k[0].spec, _certify_models,
                                 lambda k: "PGD-L2 attack success", _attack_rates_describe),
    "certify.soundness": Kind("certification",
                              _certify_params("soundness", ("classifier", "fractions", "directions", "pgd_steps",
                                                            "check_series")),
                              lambda k: {"seed": k[0].seed}, lambda k: k[0].spec, _certify_models,
                              lambda k: f"soundness · {k[1]}", _soundness_describe),
    "explain.run": Kind("explanation", lambda k: request_params(k[0]), lambda k: {"seed": k[0].seed},
                        lambda k: k[0].spec, lambda k: k[0].model,
                        lambda k: ", ".join(k[0].methods) + (" · adversarial" if k[0].adversarial else ""),
                        _explain_describe),
    "explain.backdoor": Kind("explanation", lambda k: {"analysis": "backdoor_demo", **request_params(k[0])},
                             lambda k: {"seed": k[0].seed}, lambda k: k[0].spec, _backdoor_model,
                             lambda k: "backdoor trigger demo", _backdoor_describe),
    "augment.compare": Kind("comparison", lambda k: {**request_params(k[0], drop=("spec", "models")),
                                                     "models": [{"path": p, "label": lab} for p, lab in k[0].models]},
                            lambda k: {"seed": k[0].seed}, lambda k: k[0].spec,
                            lambda k: [p for p, _ in k[0].models], lambda k: f"{len(k[0].models)} models compared",
                            _compare_describe),
    "augment.odenet": Kind("augmentation", lambda k: {"what": "odenet_fit", "epochs": k[1], "device": k[3]},
                           lambda k: {"seed": k[2]}, lambda k: k[0], lambda k: None, lambda k: "ODENet fit",
                           _odenet_describe),
    "training.fit": Kind("training", _training_params, lambda k: {"seed": k[0].seed}, lambda k: k[2],
                         lambda k: None, lambda k: f"{k[0].name} · {k[0].arch} · {k[0].recipe}", _training_describe),
}
