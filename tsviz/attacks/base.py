"""What every attack shares: the call contract, input checks, model guard, projections, bounds.

Contract
--------
``attack = FGSM(eps=0.05)`` stores hyperparameters only (validated when called).
``attack(model, x, y, *, target=None, generator=None) -> x_adv`` (a tensor like ``x``);
``attack.run(model, x, y, *, target=None, generator=None, progress=None) -> AttackResult`` adds
per-sample query counts, success flags and a per-iteration history.

* ``x``: ``(n, C, T)`` real series in the signal's physical units (never an assumed [0, 1]
  range), numpy or torch; checked by :func:`tsviz.core.as_series` (complex refused, float64 and
  other real dtypes cast to float32, values beyond float32's range refused) and against the
  channels and length the model was built for (:func:`tsviz.core.check_model_input`).
  ``x_adv`` is on ``x``'s device (numpy input: CPU) in the model's floating dtype
  (:func:`model_dtype`): float32 for every tsviz network, whatever ``x``'s dtype (a torch or
  numpy float64 ``x`` gives a float32 ``x_adv``); float64 only for a ``.double()`` model.
* ``y``: ``(n,)`` integer true labels (float labels are refused, never truncated); ``target``:
  ``None`` (untargeted), an int, or ``(n,)`` integer target labels (each different from ``y``).
* Budgets in signal units (``eps``, step sizes such as ``alpha``, SPSA's ``delta`` and ``lr``) are
  held to :func:`tsviz.core.budget_limit` of the attacked series (L2 budgets with ``norm="l2"``),
  so ``eps = 1e300`` is refused with the limit in the message instead of overflowing float32.
* The model must return finite logits on the clean series (a model with NaN weights is refused,
  not reported as "0 % success"); the attack's total cost (series x steps x restarts, or x
  queries) is held to :func:`tsviz.core.max_cost` (``TSVIZ_MAX_COST``).
* ``bounds``: optional valid range ``(lo, hi)``, each a finite float or a per-channel sequence of
  length ``C`` (NaN/Inf refused; use ``None`` for no bound); ``x_adv`` is clipped into it after
  every step.
* The model is left exactly as found (train/eval mode and ``requires_grad`` restored); white-box
  attacks take gradients w.r.t. the input only via ``torch.autograd.grad``; black-box attacks only
  query class probabilities, under ``torch.no_grad``, and count every query per sample.
* Randomness comes only from ``generator`` (a ``torch.Generator`` on the device of ``x`` or CPU).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from tsviz.core import as_labels, as_series, check_budget, check_cost, check_model_input
from tsviz.core.errors import TsvizError

__all__ = [
    "Attack", "AttackResult", "AttackError", "guard_model", "check_inputs", "resolve_target",
    "input_gradient", "project_linf", "project_l2", "apply_bounds", "bounds_tensors", "per_sample_norm",
    "check_positive", "check_int", "check_bool", "margin_success", "resolve_generator", "query_log_probs",
    "model_logits", "model_dtype", "check_label_range",
    "QUERY_BATCH", "MAX_STEPS", "MAX_QUERIES", "MAX_RESTARTS", "MAX_POPULATION", "MAX_SAMPLES",
]

#: Documented caps on user-settable costs.
MAX_STEPS = 1000
MAX_RESTARTS = 20
MAX_QUERIES = 200_000
MAX_POPULATION = 1000
MAX_SAMPLES = 10_000


class AttackError(TsvizError):
    """Bad attack hyperparameters or inputs; the message names the parameter."""


@dataclass(frozen=True)
class AttackResult:
    """Output of :meth:`Attack.run`.

    Attributes
    ----------
    x_adv : Tensor, shape ``(n, C, T)``
        Adversarial series on ``x``'s device, in the model's floating dtype (float32 for tsviz
        networks).
    queries : ndarray, int64, shape ``(n,)``
        Model evaluations spent per sample (black-box: probability queries; white-box: gradient
        evaluations, i.e. forward+backward passes).
    success : ndarray, bool, shape ``(n,)``
        Untargeted: prediction differs from ``y``; targeted: prediction equals ``target``.
    history : dict of str -> ndarray
        Per-iteration traces, e.g. ``"loss"`` ``(iters, n)``, GenAttack ``"best_fitness"``.
    """

    x_adv: torch.Tensor
    queries: np.ndarray
    success: np.ndarray
    history: dict[str, np.ndarray] = field(default_factory=dict)


def check_positive(name: str, value: Any, *, allow_zero: bool = False, upper: float | None = None,
                   error: type[TsvizError] = AttackError) -> float:
    """``float(value)`` if it is a finite number ``> 0`` (``>= 0`` with ``allow_zero``) and at most
    ``upper``, else ``error`` (default :class:`AttackError`) naming ``name``."""
    ok = (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
          and np.isfinite(value))
    if not ok or (value < 0 if allow_zero else value <= 0) or (upper is not None and value > upper):
        rng = f"{'>= 0' if allow_zero else '> 0'}" + (f" and <= {upper:g}" if upper is not None else "")
        raise error(f"{name} must be a finite number {rng}, got {value!r}")
    return float(value)


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise AttackError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def resolve_generator(generator: torch.Generator | None, *,
                      error: type[TsvizError] = AttackError) -> torch.Generator:
    """``generator``, or a fresh CPU generator seeded 0 when it is ``None`` (so runs are deterministic)."""
    if generator is None:
        return torch.Generator().manual_seed(0)
    if not isinstance(generator, torch.Generator):
        raise error(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    return generator


#: Rows per forward pass when a black-box attack queries the model.
QUERY_BATCH = 1024


def query_log_probs(model: torch.nn.Module, xs: torch.Tensor) -> torch.Tensor:
    """Log class probabilities ``log softmax(model(xs))`` ``(m, K)`` for ``xs`` ``(m, C, T)``.

    The only way the black-box attacks touch the model: forward passes under ``torch.no_grad`` in
    chunks of :data:`QUERY_BATCH` rows; the log is taken stably (``log_softmax``), the log of the
    probabilities a score oracle returns. Every row is one query.
    """
    with torch.no_grad():
        out = [torch.log_softmax(model(xs[i:i + QUERY_BATCH]), dim=1) for i in range(0, xs.shape[0], QUERY_BATCH)]
    return torch.cat(out) if len(out) != 1 else out[0]


def check_int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise AttackError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    return int(value)


@contextmanager
def guard_model(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Eval mode and frozen parameters inside the block; every module's mode and each parameter's
    ``requires_grad`` are restored afterwards, even on error."""
    modes = [(m, m.training) for m in model.modules()]
    flags = [(p, p.requires_grad) for p in model.parameters()]
    model.eval()
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield model
    finally:
        for m, mode in modes:
            m.training = mode
        for p, flag in flags:
            p.requires_grad_(flag)


def check_inputs(model: torch.nn.Module, x: Any, y: Any, n_classes: int | None = None, *,
                 error: type[TsvizError] = AttackError,
                 max_series: int | None = MAX_SAMPLES) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate ``x`` ``(n, C, T)`` and ``y`` ``(n,)`` for ``model``; returns ``(x, y)``.

    ``x`` becomes a float32 tensor on its own device (numpy: CPU) by :func:`tsviz.core.as_series`
    (complex refused, float64 cast, NaN/Inf and values beyond float32 refused), then takes the
    model's floating dtype (:func:`model_dtype`: float32 for tsviz networks, float64 for a
    ``.double()`` model), and must have the channels and length the model was built for; ``y``
    must hold integers (float labels are refused, not truncated) and becomes int64 on ``x``'s
    device. Raises ``error`` (default :class:`AttackError`) naming the problem.
    """
    x = as_series(x, error=error, max_series=max_series)
    x = x.to(model_dtype(model))
    check_model_input(model, x, error=error)
    y = as_labels(y, x.shape[0], n_classes=n_classes, error=error, device=x.device)
    return x, y


def check_label_range(y: torch.Tensor, k: int, *, error: type[TsvizError] = AttackError) -> None:
    """Raise ``error`` naming the first label of ``y`` that is not a class of a ``k``-class model."""
    bad = (y < 0) | (y >= k)
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        raise error(f"y[{i}] = {int(y[i])} is not a class label of this model, which has {k} classes")


def model_dtype(model: torch.nn.Module) -> torch.dtype:
    """The floating dtype the model computes in: that of its first floating parameter or buffer
    (float32 for every tsviz network; float64 for a ``.double()`` model), float32 if it has none."""
    for t in (*model.parameters(), *model.buffers()):
        if t.is_floating_point():
            return t.dtype
    return torch.float32


def model_logits(model: torch.nn.Module, x: torch.Tensor, *, error: type[TsvizError] = AttackError,
                 batch: int = 1024, what: str = "x") -> torch.Tensor:
    """``model(x)`` ``(n, K)`` under ``torch.no_grad`` in chunks, checked to be finite logits.

    The one clean forward pass every family makes before its work: a model whose output is not
    ``(n, K)`` logits, that fails on ``x`` (e.g. a generic module of another input size), or whose
    logits are NaN/Inf on a clean series (a checkpoint with NaN weights) raises ``error`` naming
    the first bad series, instead of an attack reporting "0 % success" or NaN relevances.
    """
    try:
        with torch.no_grad():
            parts = [model(x[i:i + batch]) for i in range(0, x.shape[0], batch)]
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise error(f"the model cannot evaluate {what} of shape {tuple(x.shape)}: {first}") from None
    logits = torch.cat(parts) if len(parts) != 1 else parts[0]
    if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[0] != x.shape[0]:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise error(f"the model must return logits of shape (n, n_classes) = ({x.shape[0]}, K), got {shape}")
    bad = ~torch.isfinite(logits).all(1)
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        raise error(f"the model returns NaN/Inf logits for series {i} of {what} ({int(bad.sum())} of "
                    f"{x.shape[0]} series) on the clean input; its weights or normalisation are not finite "
                    "(a corrupted checkpoint?), so no result would mean anything")
    return logits


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


def input_gradient(model: torch.nn.Module, x: torch.Tensor,
                   loss_fn: Callable[[torch.Tensor], torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(grad, logits)``: gradient of ``loss_fn(model(x)).sum()`` w.r.t. ``x`` only.

    ``loss_fn`` maps logits ``(n, K)`` to per-sample losses ``(n,)`` (summing keeps samples
    independent). Raises :class:`AttackError` if the model's output does not depend on ``x``
    differentiably.
    """
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)
        loss = loss_fn(logits)
        if not loss.requires_grad:
            raise AttackError("the model returns no gradient w.r.t. its input (non-differentiable or "
                              "detached output); use a black-box attack (SPSA, GenAttack)")
        (grad,) = torch.autograd.grad(loss.sum(), x, allow_unused=True)
    if grad is None:
        raise AttackError("the model returns no gradient w.r.t. its input; use a black-box attack")
    return grad.detach(), logits.detach()


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


def margin_success(logits: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None) -> torch.Tensor:
    pred = logits.argmax(1)
    return pred == target if target is not None else pred != y


class Attack:
    """Base class. Subclasses set ``name``, ``norm`` (``"inf"`` or ``"l2"``), ``black_box``,
    ``budgets`` and implement :meth:`_run` and :meth:`cost_factors`; hyperparameters are stored as
    given in ``__init__`` and checked in :meth:`validate` (alone) and :meth:`check_budgets` (against
    the data's scale)."""

    name: str = "attack"
    norm: str = "inf"
    black_box: bool = False
    #: hyperparameters in signal units that scale with ``eps`` in budget sweeps (see ``with_eps``)
    eps_scaled: tuple[str, ...] = ()
    #: hyperparameters in signal units and the norm they are measured in (``"norm"``: the attack's
    #: own ``norm``); each is held to :func:`tsviz.core.budget_limit` of the attacked series
    budgets: tuple[tuple[str, str], ...] = (("eps", "norm"),)
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
             generator: torch.Generator | None, bounds: tuple[torch.Tensor, torch.Tensor] | None,
             progress: Callable[[float, str], None] | None) -> AttackResult:
        raise NotImplementedError

    def prepare(self, model: torch.nn.Module, x: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Every check before an attack, in one place: hyperparameters, inputs, budgets against
        the data's scale, total cost, and the model's clean logits (finite, ``(n, K)``).

        Returns ``(x, y, K)`` with ``x`` ``(n, C, T)`` in the model's dtype (float32 for tsviz
        networks) and ``y`` int64 in ``[0, K)``.
        Call inside :func:`guard_model`.
        """
        self.validate()
        x, y = check_inputs(model, x, y)
        self.check_budgets(x)
        self.check_cost(x.shape[0])
        k = int(model_logits(model, x).shape[1])
        check_label_range(y, k)
        return x, y, k

    def _attack_prepared(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, k: int, target,
                         generator: torch.Generator | None,
                         progress: Callable[[float, str], None] | None) -> AttackResult:
        """The attack on inputs :meth:`prepare` has checked (inside :func:`guard_model`)."""
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

    def run(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, target=None,
            generator: torch.Generator | None = None,
            progress: Callable[[float, str], None] | None = None) -> AttackResult:
        """Attack ``x`` (labels ``y``) and return an :class:`AttackResult`.

        Raises
        ------
        AttackError
            Bad hyperparameters, inputs, bounds or target; a budget beyond the data's scale; a
            total cost over :func:`tsviz.core.max_cost`; a model with non-finite logits.
        """
        with guard_model(model):
            x, y, k = self.prepare(model, x, y)
            return self._attack_prepared(model, x, y, k, target, generator, progress)

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, target=None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Adversarial series ``x_adv`` ``(n, C, T)`` on ``x``'s device (float32 for tsviz networks)."""
        return self.run(model, x, y, target=target, generator=generator).x_adv

    def params(self) -> dict[str, Any]:
        """Hyperparameters as given (for cards, reports and the CLI)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"
