"""What every attack shares: the call contract, input checks, model guard, projections, bounds.

Contract
--------
``attack = FGSM(eps=0.05)`` stores hyperparameters only (validated when called).
``attack(model, x, y, *, target=None, generator=None) -> x_adv`` (a tensor like ``x``);
``attack.run(model, x, y, *, target=None, generator=None, progress=None) -> AttackResult`` adds
per-sample query counts, success flags and a per-iteration history.

* ``x``: ``(n, C, T)`` float tensor in the signal's physical units (never an assumed [0, 1]
  range); ``y``: ``(n,)`` int64 true labels; ``target``: ``None`` (untargeted), an int, or ``(n,)``
  int64 target labels (each different from ``y``).
* ``bounds``: optional valid range ``(lo, hi)``, each a float or a per-channel sequence of length
  ``C``; ``x_adv`` is clipped into it after every step.
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

from tsviz.core.errors import TsvizError

__all__ = [
    "Attack", "AttackResult", "AttackError", "guard_model", "check_inputs", "resolve_target",
    "input_gradient", "project_linf", "project_l2", "apply_bounds", "bounds_tensors", "per_sample_norm",
    "check_positive", "check_int", "check_bool", "margin_success", "resolve_generator", "query_log_probs",
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
        Adversarial series (same dtype and device as ``x``).
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


def check_positive(name: str, value: Any, *, allow_zero: bool = False, upper: float | None = None) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and np.isfinite(value)
    if not ok or (value < 0 if allow_zero else value <= 0) or (upper is not None and value > upper):
        rng = f"{'>= 0' if allow_zero else '> 0'}" + (f" and <= {upper:g}" if upper is not None else "")
        raise AttackError(f"{name} must be a finite number {rng}, got {value!r}")
    return float(value)


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise AttackError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def resolve_generator(generator: torch.Generator | None) -> torch.Generator:
    """``generator``, or a fresh CPU generator seeded 0 when it is ``None`` (so runs are deterministic)."""
    if generator is None:
        return torch.Generator().manual_seed(0)
    if not isinstance(generator, torch.Generator):
        raise AttackError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
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


def check_inputs(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor | np.ndarray,
                 n_classes: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate ``x`` ``(n, C, T)`` floating and ``y`` ``(n,)``; returns ``(x, y)`` with ``y`` int64
    on ``x``'s device. Raises :class:`AttackError` naming the problem."""
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if x.ndim != 3:
        raise AttackError(f"x must have shape (n, channels, T), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise AttackError(f"x must be a floating tensor, got {x.dtype}")
    if x.shape[0] == 0:
        raise AttackError("x holds no series")
    if x.shape[0] > MAX_SAMPLES:
        raise AttackError(f"at most {MAX_SAMPLES} series per call, got {x.shape[0]}")
    if not torch.isfinite(x).all():
        raise AttackError("x contains NaN or Inf")
    y = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y).to(x.device).long().reshape(-1)
    if y.shape[0] != x.shape[0]:
        raise AttackError(f"y has {y.shape[0]} labels for {x.shape[0]} series")
    if n_classes is not None and ((y < 0) | (y >= n_classes)).any():
        raise AttackError(f"y must hold labels in [0, {n_classes})")
    return x, y


def resolve_target(target: int | Sequence[int] | torch.Tensor | None, y: torch.Tensor,
                   n_classes: int) -> torch.Tensor | None:
    """``None`` or an ``(n,)`` int64 tensor of target labels, each in ``[0, K)`` and ``!= y``."""
    if target is None:
        return None
    t = torch.as_tensor(target, device=y.device).long()
    t = t.expand_as(y).clone() if t.ndim == 0 else t.reshape(-1)
    if t.shape != y.shape:
        raise AttackError(f"target must be an int or have {y.shape[0]} entries, got {tuple(t.shape)}")
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
    """``(lo, hi)`` broadcastable to ``x`` ``(n, C, T)`` (shape ``(1, C, 1)``), or ``None``."""
    if bounds is None:
        return None
    try:
        lo, hi = bounds
    except (TypeError, ValueError) as exc:
        raise AttackError(f"bounds must be (lo, hi), got {bounds!r}") from exc
    C = x.shape[1]
    out = []
    for name, v in (("lo", lo), ("hi", hi)):
        t = torch.as_tensor(v, dtype=x.dtype, device=x.device).reshape(-1)
        if t.numel() == 1:
            t = t.expand(C)
        if t.numel() != C:
            raise AttackError(f"bounds {name} must be a number or have one value per channel ({C}), got {t.numel()}")
        out.append(t.view(1, C, 1))
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
    """Base class. Subclasses set ``name``, ``norm`` (``"inf"`` or ``"l2"``), ``black_box`` and
    implement :meth:`_run`; hyperparameters are stored as given in ``__init__`` and checked in
    :meth:`validate`."""

    name: str = "attack"
    norm: str = "inf"
    black_box: bool = False
    #: hyperparameters in signal units that scale with ``eps`` in budget sweeps (see ``with_eps``)
    eps_scaled: tuple[str, ...] = ()
    eps: float

    def validate(self) -> None:  # pragma: no cover - overridden
        """Raise :class:`AttackError` for bad hyperparameters."""

    def _run(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None,
             generator: torch.Generator | None, bounds: tuple[torch.Tensor, torch.Tensor] | None,
             progress: Callable[[float, str], None] | None) -> AttackResult:
        raise NotImplementedError

    def run(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, target=None,
            generator: torch.Generator | None = None,
            progress: Callable[[float, str], None] | None = None) -> AttackResult:
        """Attack ``x`` (labels ``y``) and return an :class:`AttackResult`."""
        self.validate()
        with guard_model(model):
            x, y = check_inputs(model, x, y)
            with torch.no_grad():  # one forward pass to learn K; not counted in any sample's queries
                k = int(model(x[:1]).shape[1])
            if ((y < 0) | (y >= k)).any():
                raise AttackError(f"y must hold labels in [0, {k})")
            t = resolve_target(target, y, k)
            b = bounds_tensors(getattr(self, "bounds", None), x)
            if b is not None:
                outside = ((x < b[0]) | (x > b[1])).reshape(x.shape[0], -1).any(1)
                if outside.any():
                    i = int(outside.nonzero()[0])
                    raise AttackError(f"series {i} lies outside bounds {self.bounds!r}; the valid range must "
                                      f"contain the clean input (else clipping would break the budget)")
            return self._run(model, x.detach(), y, t, generator, b, progress)

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, target=None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Adversarial series ``x_adv`` ``(n, C, T)``."""
        return self.run(model, x, y, target=target, generator=generator).x_adv

    def params(self) -> dict[str, Any]:
        """Hyperparameters as given (for cards, reports and the CLI)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"
