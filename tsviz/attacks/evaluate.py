"""``evaluate(model, attack, x, y)`` -> :class:`AttackReport`, and budget sweeps over eps.

Definitions (per sample ``i``, perturbation ``d = x_adv - x``):

* ``linf = max |d|``, ``l2 = ||d||_2`` over channels and time, in signal units;
* ``snr_db = 10 log10(sum x^2 / sum d^2)`` (signal-to-perturbation power; ``inf`` when ``d = 0``);
* clean / adversarial accuracy: fraction of all samples classified as ``y`` before / after;
* success rate: among samples the model classified correctly before the attack, the fraction
  that the attack moved (untargeted: any wrong class; targeted: the target class);
* per-class precision as in the NSR paper, of clean and of adversarial predictions; summaries give
  the macro average over all ``K`` classes, a class that is never predicted counting as 0
  (:meth:`AttackReport.precision`).
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from tsviz.attacks.base import (
    Attack,
    AttackResult,
    Progress,
    attack_generator,
    check_inputs,
    check_progress,
    resolve_target,
)
from tsviz.attacks.errors import AttackError
from tsviz.core import (
    check_budget,
    check_cost,
    check_int,
    check_label_range,
    confusion_counts,
    guard_model,
    model_device,
    model_logits,
)
from tsviz.core.arrays import readonly

__all__ = ["check_eps_values", "AttackReport", "evaluate", "with_eps", "sweep", "SweepResult"]


def _precision(conf: np.ndarray) -> np.ndarray:
    col = conf.sum(0)
    return np.where(col > 0, np.diag(conf) / np.maximum(col, 1), 0.0)


@dataclass(frozen=True, eq=False)
class AttackReport:
    """Result of :func:`evaluate`. Arrays are numpy, read-only; ``n`` samples, ``K`` classes.

    Attributes
    ----------
    attack, params : str, dict
        Attack class name and hyperparameters.
    class_names : tuple of str
    y_true, clean_pred, adv_pred : ndarray (n,) int64
    clean_probs, adv_probs : ndarray (n, K) float32
    linf, l2, snr_db : ndarray (n,) float64
        Perturbation size in signal units and signal-to-perturbation ratio in dB.
    queries : ndarray (n,) int64
    target : ndarray (n,) int64 or None
    x_adv : ndarray (n, C, T) float32
    history : dict of str -> ndarray
    black_box : bool
    """

    attack: str
    params: dict[str, Any]
    class_names: tuple[str, ...]
    y_true: np.ndarray
    clean_pred: np.ndarray
    adv_pred: np.ndarray
    clean_probs: np.ndarray
    adv_probs: np.ndarray
    linf: np.ndarray
    l2: np.ndarray
    snr_db: np.ndarray
    queries: np.ndarray
    target: np.ndarray | None
    x_adv: np.ndarray
    history: dict[str, np.ndarray] = field(default_factory=dict)
    black_box: bool = False

    def __post_init__(self) -> None:
        for name in ("y_true", "clean_pred", "adv_pred", "clean_probs", "adv_probs", "linf", "l2", "snr_db",
                     "queries", "target", "x_adv"):
            object.__setattr__(self, name, readonly(getattr(self, name)))

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def clean_accuracy(self) -> float:
        return float((self.clean_pred == self.y_true).mean())

    @property
    def adversarial_accuracy(self) -> float:
        return float((self.adv_pred == self.y_true).mean())

    @property
    def success(self) -> np.ndarray:
        """Per sample: the attack reached its goal (target class, or any wrong class)."""
        return self.adv_pred == self.target if self.target is not None else self.adv_pred != self.y_true

    @property
    def success_rate(self) -> float:
        """Among samples correctly classified before the attack, the fraction it moved."""
        ok = self.clean_pred == self.y_true
        return float(self.success[ok].mean()) if ok.any() else float("nan")

    @property
    def clean_confusion(self) -> np.ndarray:
        return confusion_counts(self.y_true, self.clean_pred, self.n_classes)

    @property
    def confusion(self) -> np.ndarray:
        """Adversarial confusion matrix ``(K, K)``: rows true class, columns prediction under attack."""
        return confusion_counts(self.y_true, self.adv_pred, self.n_classes)

    def precision(self, which: str = "adversarial") -> np.ndarray:
        """Per-class precision ``(K,)`` of the clean or adversarial predictions (0 for never-predicted classes)."""
        conf = self.confusion if which == "adversarial" else self.clean_confusion
        return _precision(conf)

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers: accuracies, success rate, perturbation sizes, queries, precision."""
        finite = self.snr_db[np.isfinite(self.snr_db)]
        return {
            "attack": self.attack,
            "n": int(self.y_true.size),
            "targeted": self.target is not None,
            "clean_accuracy": self.clean_accuracy,
            "adversarial_accuracy": self.adversarial_accuracy,
            "success_rate": self.success_rate,
            "mean_linf": float(self.linf.mean()),
            "max_linf": float(self.linf.max()),
            "mean_l2": float(self.l2.mean()),
            "median_snr_db": float(np.median(finite)) if finite.size else float("inf"),
            "clean_precision": float(self.precision("clean").mean()),
            "adversarial_precision": float(self.precision("adversarial").mean()),
            "median_queries": float(np.median(self.queries)),
            "mean_queries": float(self.queries.mean()),
            "params": {k: (v if isinstance(v, (int, float, str, bool, type(None))) else str(v))
                       for k, v in self.params.items()},
        }

    def samples_frame(self):
        """One row per sample: labels, predictions, confidences, perturbation sizes, queries."""
        import pandas as pd

        names = np.asarray(self.class_names)
        df = pd.DataFrame({
            "index": np.arange(self.y_true.size), "true": names[self.y_true],
            "clean_pred": names[self.clean_pred], "adv_pred": names[self.adv_pred],
            "clean_conf": self.clean_probs.max(1), "adv_conf": self.adv_probs.max(1),
            "success": self.success, "linf": self.linf, "l2": self.l2, "snr_db": self.snr_db,
            "queries": self.queries,
        })
        if self.target is not None:
            df.insert(2, "target", names[self.target])
        return df

    def per_class_frame(self):
        """Per class: support, clean/adversarial recall and precision."""
        import pandas as pd

        cc, ac = self.clean_confusion, self.confusion
        support = cc.sum(1)
        return pd.DataFrame({
            "class": self.class_names, "support": support,
            "clean_recall": np.diag(cc) / np.maximum(support, 1),
            "adversarial_recall": np.diag(ac) / np.maximum(support, 1),
            "clean_precision": self.precision("clean"), "adversarial_precision": self.precision("adversarial"),
        })


def _prepare(model: torch.nn.Module, x, y, *, max_series: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` float32 and ``y`` int64 on the model's device, checked (:func:`check_inputs`)."""
    xt, yt = check_inputs(model, x, y, max_series=max_series)
    dev = model_device(model)
    return xt.to(dev), yt.to(dev)


def _class_names(model: torch.nn.Module, class_names: Sequence[str] | None, k: int) -> tuple[str, ...]:
    if class_names is None:
        card = getattr(model, "card", None)
        class_names = (card.get("class_names") if isinstance(card, dict) else None) or [str(i) for i in range(k)]
    if isinstance(class_names, str) or len(class_names) != k:
        raise AttackError(f"class_names has {len(class_names)} entries but the model has {k} classes")
    return tuple(map(str, class_names))


def evaluate(model: torch.nn.Module, attack: Attack, x, y, *, target=None, class_names: Sequence[str] | None = None,
             generator: torch.Generator | None = None, seed: int | None = None, batch_size: int = 256,
             progress: Progress | None = None) -> AttackReport:
    """Attack ``x`` and measure what changed.

    Parameters
    ----------
    model : nn.Module
        Maps ``(n, C, T)`` to logits ``(n, K)``; left unchanged. Its logits on the clean series
        must be finite (a model with NaN weights raises instead of "0 % success").
    attack : Attack
        Any tsviz attack instance.
    x : array or Tensor, shape ``(n, C, T)``
        Real series in signal units (numpy or torch, float64 cast to float32; complex refused);
        moved to the model's device. Must match the model's channels and length.
    y : array or Tensor, shape ``(n,)``
        True labels, integers (float labels are refused, not truncated).
    target : int or array (n,), optional
        Target labels for a targeted attack.
    class_names : sequence of str, optional
        Default: ``model.card['class_names']`` or ``"0".."K-1"``.
    generator, seed : optional
        The randomness rule (:func:`tsviz.attacks.base.attack_generator`): one generator for all
        batches (its state advances), or a seed (default 0). Same seed -> same report.
    batch_size : int
        Samples attacked per call (bounds memory).
    progress : callable ``(fraction, message)``, optional
        Called as the attack advances over the batches, the last call with fraction 1.

    Returns
    -------
    AttackReport

    Raises
    ------
    AttackError
        Everything :meth:`Attack.run` refuses, checked once on all of ``x`` before any work: bad
        inputs, budgets beyond the data's scale, the total cost (all ``n`` series) over
        :func:`tsviz.core.max_cost`, non-finite clean logits, ``class_names`` of the wrong length.
    """
    if not isinstance(attack, Attack):
        raise AttackError(f"attack must be a tsviz attack instance, got {type(attack).__name__}")
    batch_size = check_int("batch_size", batch_size, 1, error=AttackError)
    gen = attack_generator(generator, seed=seed)
    check_progress(progress)
    with guard_model(model):
        attack.validate()
        xt, yt = _prepare(model, x, y)
        n = xt.shape[0]
        attack.check_budgets(xt)
        attack.check_cost(n)
        clean_logits = model_logits(model, xt, error=AttackError)
        k = clean_logits.shape[1]
        check_label_range(yt, k, error=AttackError)
        names = _class_names(model, class_names, k)
        tt = resolve_target(target, yt, k)
        results: list[AttackResult] = []
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            stop = min(start + batch_size, n)
            inner = None
            if progress is not None:
                def inner(frac: float, msg: str, start: int = start, stop: int = stop) -> None:
                    progress((start + min(max(float(frac), 0.0), 1.0) * (stop - start)) / n,
                             f"series {start + 1}-{stop} of {n}: {msg}")
            results.append(attack._attack_prepared(model, xt[sl], yt[sl], k, None if tt is None else tt[sl],
                                                   gen, inner))
            if progress is not None:
                progress(stop / n, f"{attack.name}: {stop}/{n} series")
        x_adv = torch.cat([r.x_adv for r in results])
        with torch.no_grad():
            adv_logits = torch.cat([model(x_adv[i:i + 1024]) for i in range(0, n, 1024)])
    d = (x_adv - xt).reshape(n, -1).double()
    sig = xt.reshape(n, -1).double().pow(2).sum(1)
    noise = d.pow(2).sum(1)
    snr = torch.where(noise > 0, 10 * torch.log10(sig.clamp_min(1e-30) / noise.clamp_min(1e-30)),
                      torch.full_like(noise, float("inf")))
    history: dict[str, np.ndarray] = {}
    if len(results) == 1:
        history = dict(results[0].history)
    return AttackReport(
        attack=type(attack).__name__, params=attack.params(), class_names=names,
        y_true=yt.cpu().numpy(), clean_pred=clean_logits.argmax(1).cpu().numpy(),
        adv_pred=adv_logits.argmax(1).cpu().numpy(),
        clean_probs=clean_logits.softmax(1).float().cpu().numpy(),
        adv_probs=adv_logits.softmax(1).float().cpu().numpy(),
        linf=d.abs().amax(1).cpu().numpy(), l2=d.norm(dim=1).cpu().numpy(), snr_db=snr.cpu().numpy(),
        queries=np.concatenate([r.queries for r in results]).astype(np.int64),
        target=None if tt is None else tt.cpu().numpy(), x_adv=x_adv.float().cpu().numpy(),
        history=history, black_box=attack.black_box,
    )


def with_eps(attack: Attack, eps: float) -> Attack:
    """A copy of ``attack`` with budget ``eps``. Its absolute step sizes (the names in the class's
    ``eps_scaled`` tuple: ``alpha`` for BIM/PGD/WPGD, ``delta`` and ``lr`` for SPSA; none for
    GenAttack, whose ``alpha`` is already a fraction of eps) scale by the same factor, so an attack
    tuned as "alpha = eps / 4" keeps that ratio."""
    new = copy.copy(attack)
    try:
        old = float(attack.eps)
    except (TypeError, ValueError):
        old = float("nan")  # a bad eps: nothing to scale by (validate() names it)
    new.eps = float(eps)
    if old > 0 and np.isfinite(old):
        for name in type(attack).eps_scaled:
            value = getattr(attack, name)
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
                setattr(new, name, float(value) * float(eps) / old)
    return new


@dataclass(frozen=True)
class SweepResult:
    """Accuracy / precision / success vs eps for several attacks (one row per attack and eps)."""

    rows: tuple[dict[str, Any], ...]

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(list(self.rows))

    def summary(self) -> dict[str, Any]:
        return {"rows": list(self.rows)}


def check_eps_values(eps_values: Any) -> list[float]:
    """``eps_values`` as a non-empty list of finite floats ``>= 0`` (a budget sweep's grid), else
    :class:`AttackError`."""
    try:
        values = [float(e) for e in eps_values]
    except (TypeError, ValueError):
        raise AttackError(f"eps_values must be a list of numbers, got {eps_values!r}") from None
    if not values or any(e < 0 or not np.isfinite(e) for e in values):
        raise AttackError(f"eps_values must be a non-empty list of finite numbers >= 0, got {values}")
    return values


def sweep(model: torch.nn.Module, attacks: dict[str, Attack], eps_values: Sequence[float], x, y, *,
          class_names: Sequence[str] | None = None, generator: torch.Generator | None = None,
          seed: int | None = None, batch_size: int = 256, progress: Progress | None = None) -> SweepResult:
    """Evaluate every attack at every budget (``eps = 0`` gives the clean point of each curve).

    ``attacks`` maps a label to an attack instance whose ``eps`` is replaced via :func:`with_eps`.
    Randomness: with ``seed`` (default 0) each (attack, eps) cell uses a fresh generator seeded with
    it, so every point of a curve sees the same random draws; with ``generator`` the cells draw
    from it in order (attacks in the given order, eps values in the given order). ``progress``
    is called as the cells advance, the last call with fraction 1.

    ``eps = 0`` is not an attack: its row is the model's clean accuracy and precision on ``x``
    (success rate, perturbation sizes and queries 0), computed once from one clean forward pass
    and never by running an attack at a zero budget. Everything is checked before any attack
    runs: ``x``/``y`` (as in :func:`evaluate`), every budget (each ``eps`` and the step sizes it
    scales) against the data's scale, the model's clean logits, and the total cost
    ``series x (sum over attacks of their per-series cost) x non-zero eps values`` against
    :func:`tsviz.core.max_cost`.

    Raises
    ------
    AttackError
        As :func:`evaluate`, for any cell, before the first one runs.
    """
    eps_values = check_eps_values(eps_values)
    attack_generator(generator, seed=seed)  # the rule's checks (both given, bad seed) before any work
    check_progress(progress)
    if not isinstance(attacks, dict) or not attacks:
        raise AttackError("sweep needs at least one attack")
    for label, attack in attacks.items():
        if not isinstance(attack, Attack):
            raise AttackError(f"attacks[{label!r}] must be a tsviz attack instance, got {type(attack).__name__}")
    with guard_model(model):
        xt, yt = _prepare(model, x, y)
        n = xt.shape[0]
        nonzero = [e for e in eps_values if e > 0]
        per_series = 0
        for label, attack in attacks.items():
            for eps in nonzero:
                cell = with_eps(attack, eps)
                try:
                    check_budget("eps", eps, xt, norm=str(getattr(attack, "norm", "inf")), error=AttackError)
                    cell.validate()
                    cell.check_budgets(xt)
                except AttackError as exc:
                    raise AttackError(f"{label} at eps={eps:g}: {exc}") from None
            factors = attack.cost_factors(1) if nonzero else {}
            per = 1
            for v in factors.values():
                per *= int(v)
            per_series += per
        if nonzero:
            check_cost(f"sweep of {', '.join(map(str, attacks))}",
                       {"series": n, "eps values > 0": len(nonzero),
                        "evaluations per series (all attacks)": per_series},
                       error=AttackError)
        clean_logits = model_logits(model, xt, error=AttackError)
    k = clean_logits.shape[1]
    check_label_range(yt, k, error=AttackError)
    names = _class_names(model, class_names, k)
    yy = yt.cpu().numpy()
    pred = clean_logits.argmax(1).cpu().numpy()
    clean_row = {"eps": 0.0, "adversarial_accuracy": float((pred == yy).mean()),
                 "adversarial_precision": float(_precision(confusion_counts(yy, pred, k)).mean()), "success_rate": 0.0,
                 "mean_linf": 0.0, "mean_l2": 0.0, "median_queries": 0.0}
    rows = []
    total = len(attacks) * len(eps_values)
    done = 0
    for label, attack in attacks.items():
        for eps in eps_values:
            if eps == 0:
                rows.append({"attack": label, **clean_row})
            else:
                cell_gen = generator if generator is not None else attack_generator(seed=seed)
                inner = None
                if progress is not None:
                    def inner(frac: float, msg: str, done: int = done, label: str = label, eps: float = eps) -> None:
                        progress((done + min(max(float(frac), 0.0), 1.0)) / total, f"{label} at eps={eps:g}: {msg}")
                report = evaluate(model, with_eps(attack, eps), xt, yt, class_names=names, generator=cell_gen,
                                  batch_size=batch_size, progress=inner)
                s = report.summary()
                rows.append({"attack": label, "eps": eps, **{key: s[key] for key in (
                    "adversarial_accuracy", "adversarial_precision", "success_rate", "mean_linf", "mean_l2",
                    "median_queries")}})
            done += 1
            if progress is not None:
                progress(done / total, f"{label} at eps={eps:g}")
    return SweepResult(tuple(rows))
