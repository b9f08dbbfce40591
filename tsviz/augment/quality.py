"""How well a fitted ODENet describes a set of series, and what to say when it does not.

Two numbers, both dimensionless, measured on series the caller chooses (the test split, for
a held-out reading):

* **loss ratio**: the one-step prediction error of eq. 2 (integrate ``dz/dt = f(z, t)`` over one
  sampling step from each true sample, with the fit's solver) divided by the error of predicting
  "no change" (``z(t_i) = z(t_{i-1})``). 1.0: no better than no change; 0: exact. It is the loss
  :func:`tsviz.augment.fit_odenet` minimises, so the last value of a fit's history is the same
  quantity on the training pairs.
* **relative RMSE**: ``RMSE(f(z(t_i), t_i), central difference) / RMS(central difference)``
  over every sample (eq. 3 against the series' own local slope). 0: the learned ``dz/dt`` is the
  slope; 1.0: no closer to it than ``dz/dt = 0``.

A net can lower the first and not the second: on noisy series the best pointwise field
``f(z, t)`` pulls each value towards the typical one at that time (which predicts the next
sample better than "no change") without following any one series' slope. Measured on the
built-in synthetic ECG beats (5 classes, with recording noise): 4 epochs give 0.84 / 1.28,
20 epochs 0.78 / 1.63. :func:`quality_warnings` says so in words, with the numbers.

Zero denominators (constant series, where "no change" is exact and the slope is zero): an exact
prediction scores 0.0, any error ``inf`` (infinitely worse than the exact reference), never NaN.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsviz.augment.errors import AugmentError
from tsviz.augment.odenet import ODE_METHODS, ODENet, derivative
from tsviz.core import as_series, check_int, model_device

__all__ = ["ODEQuality", "odenet_quality", "quality_warnings", "LOSS_RATIO_WARN", "RELATIVE_RMSE_WARN",
           "MAX_QUALITY_PAIRS"]

#: A loss ratio at or above this is "barely better than no change".
LOSS_RATIO_WARN = 0.9
#: A relative RMSE at or above this means the learned dz/dt is no closer to the slope than zero.
RELATIVE_RMSE_WARN = 1.0
#: At most this many one-step pairs enter the loss ratio (evenly spaced; no randomness).
MAX_QUALITY_PAIRS = 500_000


@dataclass(frozen=True)
class ODEQuality:
    """Fit quality of an ODENet on a set of series (see the module docstring).

    Attributes
    ----------
    loss_ratio : float
        One-step MSE / "no change" MSE (1.0: no better than no change).
    relative_rmse : float
        RMSE of the learned ``dz/dt`` against the central difference, relative to the RMS of
        the central difference (1.0: no closer than zero).
    n_series : int
        Series measured.
    n_pairs : int
        One-step pairs in the loss ratio.
    """

    loss_ratio: float
    relative_rmse: float
    n_series: int
    n_pairs: int

    def summary(self) -> dict[str, Any]:
        """JSON-able dict of the fields (what a card stores under ``quality``)."""
        return {"loss_ratio": float(self.loss_ratio), "relative_rmse": float(self.relative_rmse),
                "n_series": int(self.n_series), "n_pairs": int(self.n_pairs)}

    def warnings(self) -> list[str]:
        """:func:`quality_warnings` of these numbers."""
        return quality_warnings(self.loss_ratio, self.relative_rmse)


def odenet_quality(odenet: ODENet, X: Any, *, max_pairs: int = MAX_QUALITY_PAIRS) -> ODEQuality:
    """Loss ratio and relative RMSE of ``odenet`` on series ``X``.

    Parameters
    ----------
    odenet : ODENet
        A fitted network; its card's ``fit.method`` (default ``"rk4"``) is the solver of the
        one-step predictions and its ``dt`` buffer the sampling step. Evaluated in eval mode; its
        mode is restored and it is never moved (a copy is used on another device).
    X : array-like or Tensor, shape ``(n, C, T)``
        Series in the signal units of the fit, ``T >= 3``.
    max_pairs : int
        At most this many ``(z(t_{i-1}), z(t_i))`` pairs, evenly spaced over all of them, enter
        the loss ratio (deterministic).

    Returns
    -------
    ODEQuality

    Raises
    ------
    AugmentError
        ``odenet`` is not an ODENet, ``X`` is not real finite series with ``T >= 3``, or a bad
        ``max_pairs``.
    """
    from torchdiffeq import odeint

    if not isinstance(odenet, ODENet):
        raise AugmentError(f"odenet must be an ODENet, got {type(odenet).__name__}")
    max_pairs = check_int("max_pairs", max_pairs, 1, MAX_QUALITY_PAIRS, error=AugmentError)
    x = as_series(X, name="X", error=AugmentError).detach().cpu()
    n, C, T = x.shape
    if T < 3:
        raise AugmentError(f"X needs at least 3 time steps for a central difference, got T={T}")
    card = odenet.card if isinstance(getattr(odenet, "card", None), dict) else {}
    fit = card.get("fit") if isinstance(card.get("fit"), dict) else {}
    method = fit["method"] if fit.get("method") in ODE_METHODS else "rk4"
    dt = float(odenet.dt)

    # relative RMSE of eq. 3 against the central difference, in units per time unit of the fit
    learned = derivative(odenet, x).to(torch.float64)
    central = torch.as_tensor(np.gradient(x.numpy().astype(np.float64), axis=-1)) / dt
    rel = _ratio(float((learned - central).pow(2).mean().sqrt()), float(central.pow(2).mean().sqrt()))

    # one-step loss ratio of eq. 2 on evenly spaced pairs
    z0 = x[:, :, :-1].reshape(-1)
    z1 = x[:, :, 1:].reshape(-1)
    t0 = (torch.arange(T - 1, dtype=torch.float32) * dt).expand(n * C, T - 1).reshape(-1)
    if z0.numel() > max_pairs:
        keep = torch.linspace(0, z0.numel() - 1, max_pairs).round().long()
        z0, z1, t0 = z0[keep], z1[keep], t0[keep]
    net = odenet if model_device(odenet).type == "cpu" else _cpu_copy(odenet)
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            pred = odeint(lambda s, z: net(z, t0 + s), z0, torch.tensor([0.0, dt]), method=method)[-1]
    finally:
        net.train(was_training)
    ratio = _ratio(float((pred - z1).double().pow(2).mean()), float((z1 - z0).double().pow(2).mean()))
    return ODEQuality(loss_ratio=ratio, relative_rmse=rel, n_series=int(n), n_pairs=int(z0.numel()))


def _ratio(error: float, reference: float) -> float:
    """``error / reference``; with an exact reference (0): 0.0 for an exact result, else ``inf``."""
    if reference > 0:
        return error / reference
    return 0.0 if error == 0 else math.inf


def _cpu_copy(odenet: ODENet) -> ODENet:
    import copy

    return copy.deepcopy(odenet).to("cpu")


def quality_warnings(loss_ratio: float, relative_rmse: float) -> list[str]:
    """Sentences for a user about a poor fit (empty when both numbers are below the thresholds
    :data:`LOSS_RATIO_WARN` and :data:`RELATIVE_RMSE_WARN`), each with its number and what to do.

    ``inf`` (any error where the reference is exact) and NaN (not measurable) warn too; a value that
    is not a real number raises :class:`~tsviz.augment.AugmentError` naming it."""
    for name, value in (("loss_ratio", loss_ratio), ("relative_rmse", relative_rmse)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise AugmentError(f"{name} must be a real number, got {value!r}")
    out = []
    if not loss_ratio < LOSS_RATIO_WARN:
        out.append(f"Loss ratio {loss_ratio:.2f}: the ODENet predicts the next sample barely better than "
                   f"\"no change\" (1.00). Fit it with more epochs (the loss curve should flatten first), or use "
                   f"the shipped one where there is one.")
    if not relative_rmse < RELATIVE_RMSE_WARN:
        out.append(f"Relative RMSE {relative_rmse:.2f}: its dz/dt is no closer to the series' own slope than "
                   f"zero is (1.00). The gradient-guided augmentations then follow a field that is not the slope "
                   f"(on noisy series it pulls each value towards the typical one at that time; more epochs do "
                   f"not fix that), so treat them as structured noise of size β and judge them on the Compare tab "
                   f"against Spec-Den, which needs no ODENet.")
    return out
