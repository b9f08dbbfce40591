"""Checks every explanation method applies to its inputs, and the family's randomness rule.

* :func:`check_series` -- series through :func:`tsviz.core.as_series` and the model's shape;
* :func:`resolve_target` -- the class each series is explained for (integers only, never truncated);
* :func:`explain_generator` -- the one randomness rule (:func:`tsviz.core.resolve_generator`);
* :func:`check_progress` -- a progress callback or None.

All raise :class:`~tsviz.explain.errors.ExplainError` naming the parameter.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tsviz.core import as_series, check_model_input, model_dtype, resolve_generator
from tsviz.explain.errors import ExplainError

__all__ = ["check_series", "resolve_target", "explain_generator", "check_progress"]


def check_series(x: Any, max_series: int | None = None, model: torch.nn.Module | None = None) -> torch.Tensor:
    """``x`` checked by :func:`tsviz.core.as_series` (real, finite, within float32, complex refused,
    at most ``max_series`` series) as a float32 ``(n, C, T)`` tensor on its own device (numpy: CPU);
    with ``model``, also cast to the model's floating dtype and matching its channels and length
    (:func:`tsviz.core.check_model_input`)."""
    x = as_series(x, error=ExplainError, max_series=max_series)
    if model is not None:
        x = x.to(model_dtype(model))
        check_model_input(model, x, error=ExplainError)
    return x


def resolve_target(target: Any, logits: torch.Tensor) -> torch.Tensor:
    """``(n,)`` int64 target classes on ``logits``' device; the prediction (``argmax``) when ``target``
    is None.

    ``target`` is one integer (every series) or ``n`` integers (numpy, torch or a sequence), each in
    ``[0, K)`` for logits ``(n, K)``. Float, boolean and complex targets are refused, never truncated
    (the labels rule of :func:`tsviz.core.as_labels`).
    """
    n, K = logits.shape
    if target is None:
        return logits.argmax(1)
    try:
        t = np.asarray(target.detach().cpu() if isinstance(target, torch.Tensor) else target)
    except (TypeError, ValueError):
        raise ExplainError(f"target must be None, an int or {n} ints, got {type(target).__name__}") from None
    if t.dtype == bool or t.dtype.kind not in "iu":
        raise ExplainError(f"target must hold integer class indices, got dtype {t.dtype} "
                           f"({'values are never truncated' if t.dtype.kind == 'f' else 'not a class index'})")
    if t.ndim == 0:
        t = np.full(n, int(t), dtype=np.int64)
    elif t.ndim != 1 or t.shape[0] != n:
        raise ExplainError(f"target must be an int or have {n} entries, got shape {t.shape}")
    bad = (t < 0) | (t >= K)
    if bad.any():
        raise ExplainError(f"target must hold classes in [0, {K}), got {sorted(set(t[bad].tolist()))[:10]}")
    return torch.as_tensor(t.astype(np.int64), device=logits.device)


def explain_generator(generator: torch.Generator | None, seed: Any,
                      device: torch.device | str | None = None) -> torch.Generator:
    """The generator a stochastic explanation draws from (:func:`tsviz.core.resolve_generator`):
    ``generator`` as given (advanced in place), else a fresh one on ``device`` seeded ``seed`` (0 when
    None). Both given, a non-generator or a bad seed: :class:`ExplainError`."""
    return resolve_generator(generator, seed=seed, device=device, error=ExplainError)


def check_progress(progress: Any) -> None:
    """Refuse a ``progress`` that is neither None nor callable."""
    if progress is not None and not callable(progress):
        raise ExplainError("progress must be a callable (fraction, message) or None")
