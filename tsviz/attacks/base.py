"""What every attack shares: the base class, input checks, the randomness rule, caps, and the steps
(projections, bounds, random starts, queries) several attacks take.

The family contract is stated in :mod:`tsviz.attacks` (the package docstring); this module
implements it once, in :class:`Attack`, so that an attack only writes its own algorithm
(:meth:`Attack._run`) and its hyperparameter checks (:meth:`Attack.validate`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from tsviz.attacks.errors import AttackError
from tsviz.core import (
    as_labels,
    as_series,
    check_budget,
    check_cost,
    check_int,
    check_label_range,
    check_model_input,
    guard_model,
    model_device,
    model_dtype,
    model_logits,
    resolve_generator,
)
from tsviz.core.arrays import readonly

__all__ = [
    "Attack", "AttackResult", "AttackError", "Progress", "check_inputs", "check_progress", "resolve_target",
    "attack_generator", "project_linf", "project_l2", "project", "apply_bounds", "bounds_tensors",
    "per_sample_norm", "random_ball_point", "uniform_draws", "normal_draws", "query_log_probs", "history_row",
    "check_norm", "check_max_queries", "NORMS", "QUERY_BATCH", "CAPS", "MAX_SAMPLES", "MAX_STEPS",
    "MAX_ITERATIONS", "MAX_GENERATIONS", "MAX_RESTARTS", "MAX_POPULATION", "MAX_QUERIES",
]

#: ``progress(fraction, message)``: fraction in ``[0, 1]``, the last call at 1.
Progress = Callable[[float, str], None]

# ----------------------------------------------------------------------------------------- caps
#: Series per call (:func:`check_inputs`): 10,000, the size of the largest test sets the app
#: works with (MIT-BIH's beats subsample); more is a batch job for the CLI in several calls.
MAX_SAMPLES = 10_000
#: Gradient steps of BIM, PGD and WPGD per restart: 1000, an order of magnitude beyond the 10-100
#: steps of the papers (Kurakin et al., Madry et al., Terzi et al.), enough for a convergence check.
MAX_STEPS = 1000
#: SPSA iterations (Adam steps): 1000, ten times Uesato et al.'s 100.
MAX_ITERATIONS = 1000
#: PGD restarts: 20 (Madry et al. report restarts in the tens).
MAX_RESTARTS = 20
#: GenAttack population and SPSA probes per gradient estimate (``samples``): 1000 (the papers use
#: 6 members and 128 probes; beyond 1000 a single generation or estimate is a batch of 1000 series).
MAX_POPULATION = 1000
#: GenAttack generations (and its ``patience``): 20,000, so the chapter's population of 6 can spend
#: a query budget of about 100,000 (1 + 6 + 19,999 x 5 queries), the budgets the paper reports.
MAX_GENERATIONS = 20_000
#: Queries per series of a black-box attack (``max_queries``): 200,000, twice GenAttack's and
#: SPSA's largest reported budgets.
MAX_QUERIES = 200_000

#: The family's caps, parameter name -> largest value accepted; the app and the CLI read these.
#: Each count has its own cap; their product (series x steps x restarts, or x queries) is held to
#: the one total-cost cap :func:`tsviz.core.max_cost` (``TSVIZ_MAX_COST``).
CAPS: dict[str, int] = {
    "series": MAX_SAMPLES,
    "steps": MAX_STEPS,
    "restarts": MAX_RESTARTS,
    "iterations": MAX_ITERATIONS,
    "samples": MAX_POPULATION,
    "population": MAX_POPULATION,
    "generations": MAX_GENERATIONS,
    "patience": MAX_GENERATIONS,
    "max_queries": MAX_QUERIES,
}

#: Norms of the budgets (``"inf"``: per entry; ``"l2"``: per series over channels and time).
NORMS = ("inf", "l2")
#: Rows per forward pass when a black-box attack queries the model.
QUERY_BATCH = 1024


@dataclass(frozen=True)
class AttackResult:
    """Output of :meth:`Attack.run`: the adversarial series (a tensor, ready for the next model
    call) and what the attack spent; :func:`tsviz.attacks.evaluate` turns it into the numpy
    :class:`~tsviz.attacks.AttackReport`.

    Attributes
    ----------
    x_adv : Tensor, shape ``(n, C, T)``
        Adversarial series on ``x``'s device, in the model's floating dtype (float32 for tsviz
        networks).
    queries : ndarray, int64, shape ``(n,)``, read-only
        Model evaluations spent per sample (black-box: probability queries; white-box: gradient
        evaluations, i.e. forward+backward passes).
    success : ndarray, bool, shape ``(n,)``, read-only
        Untargeted: prediction differs from ``y``; targeted: prediction equals ``target``.
    history : dict of str -> ndarray (read-only)
        Per-iteration traces, e.g. ``"loss"`` ``(iters, n)``, GenAttack ``"best_fitness"``.
    """

    x_adv: torch.Tensor
    queries: np.ndarray
    success: np.ndarray
    history: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "queries", readonly(np.asarray(self.queries, dtype=np.int64)))
        object.__setattr__(self, "success", readonly(np.asarray(self.success, dtype=bool)))
        object.__setattr__(self, "history", {k: readonly(np.asarray(v)) for k, v in self.history.items()})

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers: series, success rate, mean and median queries."""
        n = int(self.success.size)
        return {"n": n, "success_rate": float(self.success.mean()) if n else float("nan"),
                "mean_queries": float(self.queries.mean()) if n else 0.0,
                "median_queries": float(np.median(self.queries)) if n else 0.0}


# ----------------------------------------------------------------------------------------- checks
def attack_generator(generator: torch.Generator | None = None, *, seed: Any = None) -> torch.Generator:
    """The family's one resolution of the randomness rule (:func:`tsviz.core.resolve_generator`).

    A given ``generator`` is used as is (its state advances); else a fresh CPU generator seeded
    with ``seed`` (0 when ``None``). Both given, a non-generator or a bad seed raise
    :class:`AttackError`. Draws are made on the generator's device and moved to the series'.
    """
    return resolve_generator(generator, seed=seed, error=AttackError)


def check_progress(progress: Any) -> None:
    """Raise :class:`AttackError` unless ``progress`` is ``None`` or a callable ``(fraction, message)``."""
    if progress is not None and not callable(progress):
        raise AttackError(f"progress must be a callable (fraction, message) or None, got {type(progress).__name__}")


def check_norm(norm: Any) -> str:
    """``norm`` if it is one of :data:`NORMS`, else :class:`AttackError`."""
    if not isinstance(norm, str) or norm not in NORMS:
        raise AttackError(f"norm must be one of {NORMS}, got {norm!r}")
    return norm


def check_max_queries(value: Any) -> int:
    """A black-box query budget per series: ``None`` -> :data:`MAX_QUERIES`; else an integer in
    ``[1, MAX_QUERIES]``."""
    return MAX_QUERIES if value is None else check_int("max_queries", value, 1, MAX_QUERIES, error=AttackError)


def check_inputs(model: torch.nn.Module, x: Any, y: Any, n_classes: int | None = None, *,
                 error: type[AttackError] = AttackError,
                 max_series: int | None = MAX_SAMPLES) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate ``x`` ``(n, C, T)`` and ``y`` ``(n,)`` for ``model``; returns ``(x, y)``.

    ``x`` becomes a float32 tensor on its own device (numpy: CPU) by :func:`tsviz.core.as_series`
    (complex refused, float64 cast, NaN/Inf and values beyond float32 refused), then takes the
    model's floating dtype (:func:`tsviz.core.model_dtype`: float32 for tsviz networks, float64 for
    a ``.double()`` model), and must have the channels and length the model was built for; ``y``
    must hold integers (float labels are refused, not truncated) and becomes int64 on ``x``'s
    device. Raises ``error`` (default :class:`AttackError`) naming the problem.
    """
    x = as_series(x, error=error, max_series=max_series)
    x = x.to(model_dtype(model))
    check_model_input(model, x, error=error)
    y = as_labels(y, x.shape[0], n_classes=n_classes, error=error, device=x.device)
    return x, y


def resolve_target(target: int | Sequence[int] | torch.Tensor | None, y: torch.Tensor,
                   n_classes: int) -> torch.Tensor | None:
    """``None`` or an ``(n,)`` int64 tensor of target labels, each in ``[0, K)`` and ``!= y``."""
    if target is None:
        return None
    if isinstance(target, (bool, np.bool_)):
        raise AttackError(f"target must be an int or {y.shape[0]} integer labels, got {target!r}")
    scalar = isinstance(target, (int, np.integer)) or np.ndim(
        target.detach().cpu() if isinstance(target, torch.Tensor) else target) == 0
    if scalar:  # one class for every series; integer dtypes only (1.7 is refused, not truncated)
        t = as_labels(target, 1, name="target", error=AttackError, device=y.device).expand_as(y).clone()
    else:
        try:
            t = as_labels(target, y.shape[0], name="target", error=AttackError, device=y.device)
        except AttackError as exc:
            if "labels for" in str(exc):
                raise AttackError(f"target must be an int or have {y.shape[0]} entries, "
                                  f"got shape {tuple(np.shape(target))}") from None
            raise
    if ((t < 0) | (t >= n_classes)).any():
        raise AttackError(f"target labels must be in [0, {n_classes})")
    same = t == y
    if same.any():
        i = int(same.nonzero()[0])
        raise AttackError(f"target equals the true label for sample {i} (label {int(y[i])}); "
                          f"a targeted attack needs a different class")
    return t


# ----------------------------------------------------------------------------------------- geometry
def per_sample_norm(v: torch.Tensor, p: str | float) -> torch.Tensor:
    """Norm of each sample over (C, T): ``p`` is ``"inf"`` or ``2``; shape ``(n,)``."""
    flat = v.reshape(v.shape[0], -1)
    return flat.abs().amax(1) if p in ("inf", float("inf")) else flat.norm(dim=1)


def project_linf(delta: torch.Tensor, eps: float) -> torch.Tensor:
    """Clip each entry of ``delta`` into ``[-eps, eps]``."""
    return delta.clamp(-eps, eps)


def project_l2(delta: torch.Tensor, eps: float) -> torch.Tensor:
    """Scale each sample of ``delta`` whose L2 norm over (C, T) exceeds ``eps`` back onto the ball."""
    norms = per_sample_norm(delta, 2).clamp_min(1e-12)
    factor = (eps / norms).clamp(max=1.0)
    return delta * factor.view(-1, *([1] * (delta.ndim - 1)))


def project(delta: torch.Tensor, eps: float, norm: str) -> torch.Tensor:
    """``delta`` projected onto the ``eps``-ball of ``norm`` (:func:`project_linf` / :func:`project_l2`)."""
    return project_linf(delta, eps) if norm == "inf" else project_l2(delta, eps)


def bounds_tensors(bounds: tuple[Any, Any] | None, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(lo, hi)`` broadcastable to ``x`` ``(n, C, T)`` (shape ``(1, C, 1)``), or ``None``.

    Each of ``lo`` and ``hi`` is a finite real number or one per channel; NaN, Inf, values beyond
    float32's range, non-numbers and ``lo >= hi`` raise :class:`AttackError` naming ``bounds``
    (NaN would turn every clipped series into NaN; use ``bounds=None`` for no bound).
    """
    if bounds is None:
        return None
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise AttackError(f"bounds must be (lo, hi), got {bounds!r}") from None
    C = x.shape[1]
    out = []
    for name, v in (("lo", lo), ("hi", hi)):
        try:
            arr = np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v)
        except (TypeError, ValueError):
            arr = np.asarray(None)
        if arr.dtype == bool or arr.dtype.kind not in "iuf":
            raise AttackError(f"bounds {name} must be a real number or one per channel, got {v!r}")
        arr = arr.astype(np.float64).reshape(-1)
        if not np.isfinite(arr).all() or (np.abs(arr) > np.finfo(np.float32).max).any():
            raise AttackError(f"bounds {name} must be finite (no NaN/Inf, within float32's range), got {v!r}; "
                              "use bounds=None for no bound")
        if arr.size == 1:
            arr = np.repeat(arr, C)
        if arr.size != C:
            raise AttackError(f"bounds {name} must be a number or have one value per channel ({C}), got {arr.size}")
        out.append(torch.as_tensor(arr, dtype=x.dtype, device=x.device).view(1, C, 1))
    if (out[0] >= out[1]).any():
        raise AttackError(f"bounds: lo must be below hi, got {bounds!r}")
    return out[0], out[1]


def apply_bounds(x_adv: torch.Tensor, b: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
    """Clip into the valid range (no-op when ``b`` is ``None``)."""
    return x_adv if b is None else torch.maximum(torch.minimum(x_adv, b[1]), b[0])


# ----------------------------------------------------------------------------------------- draws
def uniform_draws(generator: torch.Generator, shape: Sequence[int], like: torch.Tensor) -> torch.Tensor:
    """``U[0, 1)`` draws of ``shape`` in ``like``'s dtype, made on the generator's device and moved
    to ``like``'s device (so a CPU generator gives the same draws for CPU and CUDA series)."""
    return torch.rand(tuple(shape), generator=generator, device=generator.device, dtype=like.dtype).to(like.device)


def normal_draws(generator: torch.Generator, shape: Sequence[int], like: torch.Tensor) -> torch.Tensor:
    """Standard normal draws, as :func:`uniform_draws`."""
    return torch.randn(tuple(shape), generator=generator, device=generator.device, dtype=like.dtype).to(like.device)


def random_ball_point(x: torch.Tensor, eps: float, norm: str, generator: torch.Generator,
                      bounds: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
    """A point drawn uniformly from the ``eps``-ball around each sample of ``x`` ``(n, C, T)``,
    clipped into ``bounds``: the random start of PGD, WPGD and SPSA.

    L-inf: each entry of ``delta`` uniform in ``[-eps, eps]``. L2: uniform in the L2 ball of
    dimension ``d = C * T``: a uniform direction (normalised standard normal) times the radius
    ``eps * u ** (1 / d)``, ``u ~ U[0, 1)``.
    """
    n = x.shape[0]
    if norm == "inf":
        delta = (2.0 * uniform_draws(generator, x.shape, x) - 1.0) * eps
    else:
        direction = normal_draws(generator, x.shape, x)
        direction = direction / per_sample_norm(direction, 2).clamp_min(1e-12).view(n, 1, 1)
        radius = eps * uniform_draws(generator, (n,), x).pow(1.0 / x[0].numel())
        delta = direction * radius.view(n, 1, 1)
    return apply_bounds(x + delta, bounds).detach()


# ----------------------------------------------------------------------------------------- queries
def query_log_probs(model: torch.nn.Module, xs: torch.Tensor) -> torch.Tensor:
    """Log class probabilities ``log softmax(model(xs))`` ``(m, K)`` for ``xs`` ``(m, C, T)``.

    The only way the black-box attacks touch the model: forward passes under ``torch.no_grad`` in
    chunks of :data:`QUERY_BATCH` rows; the log is taken stably (``log_softmax``), the log of the
    probabilities a score oracle returns. Every row is one query.
    """
    with torch.no_grad():
        out = [torch.log_softmax(model(xs[i:i + QUERY_BATCH]), dim=1) for i in range(0, xs.shape[0], QUERY_BATCH)]
    return torch.cat(out) if len(out) != 1 else out[0]


def history_row(n: int, idx: torch.Tensor, values: torch.Tensor) -> np.ndarray:
    """One row ``(n,)`` float64 of a per-iteration history: ``values`` at the samples ``idx`` still
    running, NaN for the samples that have stopped."""
    row = np.full(n, np.nan)
    row[idx.cpu().numpy()] = values.detach().double().cpu().numpy()
    return row


# ----------------------------------------------------------------------------------------- the base class
class Attack:
    """Base class of every attack (the contract is in :mod:`tsviz.attacks`).

    Subclasses set ``name``, ``norm`` (``"inf"`` or ``"l2"``), ``black_box``, ``budgets`` and
    ``eps_scaled``, store their hyperparameters as given in ``__init__``, and implement
    :meth:`validate`, :meth:`cost_factors` and :meth:`_run`. Everything else (input checks,
    budgets against the data's scale, the total-cost cap, the model guard and device, the
    randomness rule, bounds, the final finiteness check) is done here, once.
    """

    name: str = "attack"
    norm: str = "inf"
    black_box: bool = False
    #: hyperparameters in signal units that scale with ``eps`` in budget sweeps (see ``with_eps``)
    eps_scaled: tuple[str, ...] = ()
    #: hyperparameters in signal units and the norm they are measured in (``"norm"``: the attack's
    #: own ``norm``); each is held to :func:`tsviz.core.budget_limit` of the attacked series
    budgets: tuple[tuple[str, str], ...] = (("eps", "norm"),)
    #: whether the attack draws random numbers (deterministic attacks ignore ``generator``/``seed``
    #: after checking them)
    stochastic: bool = False
    eps: float

    def validate(self) -> None:  # pragma: no cover - overridden
        """Raise :class:`AttackError` for bad hyperparameters."""

    def check_budgets(self, x: torch.Tensor) -> None:
        """Raise :class:`AttackError` when a budget in signal units (:attr:`budgets`) is not a finite
        positive number within :func:`tsviz.core.budget_limit` of ``x`` ``(n, C, T)`` (e.g.
        ``eps = 1e300``, which would overflow float32); the message gives the limit."""
        for name, which in type(self).budgets:
            norm = str(getattr(self, "norm", "inf")) if which == "norm" else which
            check_budget(name, getattr(self, name), x, norm=norm, error=AttackError)

    def cost_factors(self, n: int) -> dict[str, int]:
        """The counts whose product bounds the model evaluations of attacking ``n`` series
        (``{"series": n, "steps": ..., "restarts": ...}``), by the names the user sets."""
        return {"series": int(n)}

    def check_cost(self, n: int) -> int:
        """Refuse (:class:`AttackError`) an attack on ``n`` series whose total cost exceeds
        :func:`tsviz.core.max_cost`; returns the cost."""
        return check_cost(type(self).__name__, self.cost_factors(n), error=AttackError)

    def _run(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None,
             generator: torch.Generator, bounds: tuple[torch.Tensor, torch.Tensor] | None,
             progress: Progress | None) -> AttackResult:
        """The algorithm on checked inputs (inside :func:`tsviz.core.guard_model`): ``x`` ``(n, C, T)``
        on the model's device, ``y`` int64 in ``[0, K)``, ``target`` checked or ``None``,
        ``generator`` resolved, ``bounds`` as tensors. Report progress ending at 1."""
        raise NotImplementedError

    def prepare(self, model: torch.nn.Module, x: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Every check before an attack, in one place: hyperparameters, inputs, budgets against
        the data's scale, total cost, and the model's clean logits (finite, ``(n, K)``).

        Returns ``(x, y, K)`` with ``x`` ``(n, C, T)`` in the model's dtype (float32 for tsviz
        networks) on the model's device (:func:`tsviz.core.model_device`) and ``y`` int64 in
        ``[0, K)`` there too. Call inside :func:`tsviz.core.guard_model`.
        """
        self.validate()
        x, y = check_inputs(model, x, y)
        self.check_budgets(x)
        self.check_cost(x.shape[0])
        dev = model_device(model)
        x, y = x.to(dev), y.to(dev)
        k = int(model_logits(model, x, error=AttackError).shape[1])
        check_label_range(y, k, error=AttackError)
        return x, y, k

    def _attack_prepared(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, k: int, target,
                         generator: torch.Generator, progress: Progress | None) -> AttackResult:
        """The attack on inputs :meth:`prepare` has checked (inside :func:`tsviz.core.guard_model`)."""
        t = resolve_target(target, y, k)
        b = bounds_tensors(getattr(self, "bounds", None), x)
        if b is not None:
            outside = ((x < b[0]) | (x > b[1])).reshape(x.shape[0], -1).any(1)
            if outside.any():
                i = int(outside.nonzero()[0])
                raise AttackError(f"series {i} lies outside bounds {self.bounds!r}; the valid range must "
                                  f"contain the clean input (else clipping would break the budget)")
        result = self._run(model, x.detach(), y, t, generator, b, progress)
        bad = ~torch.isfinite(result.x_adv.reshape(x.shape[0], -1)).all(1)
        if bool(bad.any()):
            i = int(bad.nonzero()[0])
            raise AttackError(f"{type(self).__name__} produced NaN/Inf for series {i}: the model's output or "
                              "gradient is not finite near that series")
        return result

    def run(self, model: torch.nn.Module, x: Any, y: Any, *, target=None,
            generator: torch.Generator | None = None, seed: int | None = None,
            progress: Progress | None = None) -> AttackResult:
        """Attack ``x`` (labels ``y``) and return an :class:`AttackResult`.

        Parameters
        ----------
        model : nn.Module
            Maps ``(n, C, T)`` to logits ``(n, K)``; left exactly as found.
        x : array-like or Tensor, shape ``(n, C, T)``
            Real series in signal units, at most :data:`MAX_SAMPLES` of them.
        y : array-like or Tensor, shape ``(n,)``
            Integer true labels.
        target : int, array-like ``(n,)`` or None
            Target labels of a targeted attack (each different from ``y``).
        generator, seed
            The randomness rule (:func:`attack_generator`): a generator, or a seed (default 0).
        progress : callable ``(fraction, message)``, optional
            Called as the attack advances, the last call with fraction 1.

        Raises
        ------
        AttackError
            Bad hyperparameters, inputs, bounds, target, generator/seed or progress; a budget
            beyond the data's scale; a total cost over :func:`tsviz.core.max_cost`; a model with
            non-finite logits.
        """
        gen = attack_generator(generator, seed=seed)
        check_progress(progress)
        out_device = x.device if isinstance(x, torch.Tensor) else torch.device("cpu")
        with guard_model(model):
            xt, yt, k = self.prepare(model, x, y)
            result = self._attack_prepared(model, xt, yt, k, target, gen, progress)
        if result.x_adv.device != out_device:
            result = replace(result, x_adv=result.x_adv.to(out_device))
        return result

    def __call__(self, model: torch.nn.Module, x: Any, y: Any, *, target=None,
                 generator: torch.Generator | None = None, seed: int | None = None) -> torch.Tensor:
        """Adversarial series ``x_adv`` ``(n, C, T)`` on ``x``'s device (float32 for tsviz networks)."""
        return self.run(model, x, y, target=target, generator=generator, seed=seed).x_adv

    def params(self) -> dict[str, Any]:
        """Hyperparameters as given (for cards, reports and the CLI)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"
