"""What every family does with a model: guard its state, find its device and dtype, run it once.

* :func:`guard_model` — eval mode and frozen parameters inside a block, everything restored after
  (the "model state unchanged" contract);
* :func:`model_device`, :func:`model_dtype` — where and in what precision the model computes;
* :func:`model_logits` — one clean forward pass checked to give finite ``(n, K)`` logits;
* :func:`input_gradient` — the gradient of a per-sample loss w.r.t. the input only
  (``torch.autograd.grad``; parameters' ``.grad`` never touched).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from tsviz.core.errors import TsvizError

__all__ = ["guard_model", "model_device", "model_dtype", "model_logits", "input_gradient", "check_label_range"]


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


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of the model's first parameter or buffer (CPU for a module without any)."""
    for t in (*model.parameters(), *model.buffers()):
        return t.device
    return torch.device("cpu")


def model_dtype(model: torch.nn.Module) -> torch.dtype:
    """The floating dtype the model computes in: that of its first floating parameter or buffer
    (float32 for every tsviz network; float64 for a ``.double()`` model), float32 if it has none."""
    for t in (*model.parameters(), *model.buffers()):
        if t.is_floating_point():
            return t.dtype
    return torch.float32


def check_label_range(y: torch.Tensor, k: int, *, name: str = "y", error: type[TsvizError] = TsvizError) -> None:
    """Raise ``error`` naming the first label of ``y`` that is not a class of a ``k``-class model."""
    bad = (y < 0) | (y >= k)
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        raise error(f"{name}[{i}] = {int(y[i])} is not a class label of this model, which has {k} classes")


def model_logits(model: torch.nn.Module, x: torch.Tensor, *, error: type[TsvizError] = TsvizError,
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


def input_gradient(model: torch.nn.Module, x: torch.Tensor, loss_fn: Callable[[torch.Tensor], torch.Tensor], *,
                   error: type[TsvizError] = TsvizError) -> tuple[torch.Tensor, torch.Tensor]:
    """``(grad, logits)``: gradient of ``loss_fn(model(x)).sum()`` w.r.t. ``x`` only.

    ``loss_fn`` maps logits ``(n, K)`` to per-sample losses ``(n,)`` (summing keeps samples
    independent). Raises ``error`` if the model's output does not depend on ``x`` differentiably.
    """
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)
        loss = loss_fn(logits)
        if not loss.requires_grad:
            raise error("the model returns no gradient w.r.t. its input (non-differentiable or "
                        "detached output); use a black-box attack (SPSA, GenAttack)")
        (grad,) = torch.autograd.grad(loss.sum(), x, allow_unused=True)
    if grad is None:
        raise error("the model returns no gradient w.r.t. its input; use a black-box attack")
    return grad.detach(), logits.detach()
