"""ODENet: a small network ``f(z, t)`` whose ODE ``dz/dt = f`` models a series' dynamics.

Sarkar, Sunder Raj & Iyengar, "ODE guided Neural Data Augmentation Techniques for Time Series
Data and its Benefits on Robustness" (ICMLA 2020), section II-A (eq. 1-3) and section III-A1.

The ODENet is fitted once per dataset by :func:`fit_odenet`; :func:`derivative` then gives the
learned ``dz/dt`` at every sample (eq. 3), which the gradient augmentations of
:mod:`tsviz.augment.gradient_augment` use. Checkpoints are a safetensors file plus a JSON card,
as for classifiers (:mod:`tsviz.models.checkpoint`); loading never unpickles.
"""
from __future__ import annotations

import copy
import json
import logging
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from tsviz.augment.base import Progress, augment_generator, check_progress
from tsviz.augment.errors import AugmentError
from tsviz.core import (
    as_series,
    check_choice,
    check_cost,
    check_int,
    check_positive,
    check_seed,
    model_device,
    with_presets,
)
from tsviz.core.arrays import readonly

__all__ = [
    "ODENet", "ODEFit", "fit_odenet", "derivative", "save_odenet", "load_odenet",
    "MAX_ODE_EPOCHS", "MAX_ODE_PAIRS", "MAX_ODE_BATCH_SIZE", "MAX_ODE_HIDDEN", "ODE_METHODS",
    "DEFAULT_ODE_STEPS", "ODENET_FORMAT", "default_epochs", "odenet_cost", "DT_RANGE",
    "ODE_OBJECTIVES", "ODENET_PRESETS", "ODENET_PRESET_SOURCES", "ode_predictions", "ode_loss", "MIN_ROLLOUT_ROWS",
    "rows_batch_norm",
]

log = logging.getLogger(__name__)

#: Caps on user-settable costs of :func:`fit_odenet`.
MAX_ODE_EPOCHS = 1000
#: At most this many (series, channel, step) training pairs (``max_pairs`` is capped here).
MAX_ODE_PAIRS = 2_000_000
MAX_ODE_BATCH_SIZE = 65_536
MAX_ODE_HIDDEN = 1024
#: Optimizer steps that ``epochs=None`` (the default of :func:`fit_odenet`) aims for.
DEFAULT_ODE_STEPS = 3000
#: Fixed-step solvers of torchdiffeq that :func:`fit_odenet` accepts (one solver step per sample step).
ODE_METHODS = ("rk4", "midpoint", "euler")
#: Points per forward pass in :func:`derivative`.
_DERIVATIVE_CHUNK = 1 << 20
#: ``format`` field of ODENet cards.
ODENET_FORMAT = "tsviz-odenet/1"
#: Fewest whole series (rows) per optimizer step of a rollout fit: the ODENet's BatchNorm sees one
#: value per row at each time step, so a rollout batch needs several rows.
MIN_ROLLOUT_ROWS = 16
#: What :func:`fit_odenet` minimises: the one-step error from the true previous sample (teacher
#: forcing) or the error of the whole series integrated from its first sample (the paper's eq. 2).
ODE_OBJECTIVES = ("one_step", "rollout")
#: ``fit_odenet(X, preset="paper")``: section II-A of the paper ("We predict the values of z(t_1),
#: ..., z(t_n) by iteratively following 2. The value predicted at time step t_i is treated as the
#: initial value for the computation of z(t_i+1). We minimize MSE loss between predicted and true
#: sequence"; "Adam optimizer with a learning rate of 0.0003 and weight decay factor of 10^-3") and
#: III-A1 (two hidden layers of 25 units). The paper gives no solver, epochs or batch size.
ODENET_PRESETS: dict[str, dict[str, Any]] = {
    "paper": {"objective": "rollout", "lr": 3e-4, "weight_decay": 1e-3, "hidden": 25},
}
#: Where the preset comes from.
ODENET_PRESET_SOURCES = {"paper": "Sarkar et al. 2020, section II-A eq. 2 (rollout over the series) and III-A1"}


class ODENet(nn.Module):
    """The ODENet ``f(z, t)`` of eq. 1: ``dz/dt = f(z(t), t, theta)`` (section II-A, fig. 1).

    Architecture (section III-A1): input ``(z(t), t)`` -> ``Linear(2, hidden)`` -> BatchNorm1d ->
    ELU -> ``Linear(hidden, hidden)`` -> BatchNorm1d -> ELU -> ``Linear(hidden, 1)``, the output
    being ``dz/dt`` at ``(z, t)``.

    The network is applied pointwise: one scalar value ``z`` and one time ``t`` per point, so a
    batch of series ``(n, C, T)`` is ``n * C * T`` independent points, and the **same network
    serves every channel** (channels are treated as further 1-D series, as the paper defines a
    series as a sequence of 1-D values). Parameters are shared across time (fig. 1).

    Normalisation (buffers, set by :func:`fit_odenet` from the training series, saved with the
    weights): the network sees ``(z - z_loc) / z_scale`` and ``t / t_scale`` (``t_scale`` is the
    duration of a training series, so ``t`` maps to ``[0, 1]``) and its raw output is multiplied
    by ``rate_scale`` (the RMS one-step slope of the training series), so the output is in
    signal units per time unit. ``dt`` is the sampling step of the time unit the ODENet was fitted
    in (``1.0``: time in steps, the paper's setting; ``1/fs``: time in seconds).

    Parameters
    ----------
    hidden : int, default 25
        Units per hidden layer (25 in the paper).

    Notes
    -----
    Call shape: ``odenet(z, t) -> dzdt`` for ``z`` of any shape and ``t`` broadcastable to it
    (times in the fitted unit, i.e. ``i * dt`` for sample ``i``); returns a tensor shaped like the
    broadcast of ``z`` and ``t``. BatchNorm uses batch statistics in train mode and the running
    statistics in eval mode (the mode :func:`derivative` uses).
    """

    arch = "odenet"

    def __init__(self, hidden: int = 25) -> None:
        super().__init__()
        self.hidden = hidden
        h = check_int("hidden", hidden, 1, MAX_ODE_HIDDEN, error=AugmentError)
        # the default initialisation draws from the global RNG: keep its state untouched
        # (fit_odenet re-draws every weight from its own seeded generator)
        with torch.random.fork_rng(devices=[]):
            self.net = nn.Sequential(
                nn.Linear(2, h), nn.BatchNorm1d(h), nn.ELU(),
                nn.Linear(h, h), nn.BatchNorm1d(h), nn.ELU(),
                nn.Linear(h, 1),
            )
        for name in ("z_loc", "z_scale", "t_scale", "rate_scale", "dt"):
            self.register_buffer(name, torch.tensor(0.0 if name == "z_loc" else 1.0))
        self.card: dict[str, Any] = {}

    @property
    def hparams(self) -> dict[str, Any]:
        """Constructor arguments (for the card)."""
        return {"hidden": self.hidden}

    def forward(self, z: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
        """``dz/dt`` at points ``z`` (any shape) and times ``t`` (broadcastable to ``z``)."""
        t = torch.as_tensor(t, dtype=z.dtype, device=z.device)
        z, t = torch.broadcast_tensors(z, t)
        inp = torch.stack([(z - self.z_loc) / self.z_scale, t / self.t_scale], dim=-1).reshape(-1, 2)
        return self.net(inp).reshape(z.shape) * self.rate_scale

    def extra_repr(self) -> str:
        return f"hidden={self.hidden}, dt={float(self.dt):g}"


@dataclass(frozen=True)
class ODEFit:
    """Result of :func:`fit_odenet`.

    Attributes
    ----------
    odenet : ODENet
        The fitted network, in eval mode (its ``card`` holds ``params`` and the final loss).
    history : ndarray, float64, shape ``(epochs,)``
        Mean training loss per epoch, dimensionless, 1.0 being the loss of predicting "no change"
        (``f = 0``): ``objective="one_step"``, the one-step MSE divided by the mean squared one-step
        difference of the training pairs (no change: ``z(t_i) = z(t_{i-1})``); ``"rollout"``, the
        MSE of the integrated series divided by the mean of ``(z(t_i) - z(t_0))^2``, ``i >= 1``
        (no change: ``z(t_i) = z(t_0)``).
    params : dict
        The arguments of the fit (``dt``, ``epochs``, ``lr``, ``weight_decay``, ``batch_size``,
        ``hidden``, ``seed``, ``method``, ``max_pairs``, ``objective``, ``preset``) and ``n_pairs``
        actually used.
    seconds : float
        Wall-clock fitting time.
    """

    odenet: ODENet
    history: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "history", readonly(np.asarray(self.history, dtype=np.float64)))

    def summary(self) -> dict[str, Any]:
        """Small JSON-able dict: final loss, epochs, pairs, seconds and the parameters."""
        return {"final_loss": float(self.history[-1]) if len(self.history) else float("nan"),
                "epochs": int(len(self.history)), "seconds": float(self.seconds), **self.params}


def _series_tensor(X: Any, name: str = "X") -> torch.Tensor:
    """``X`` (array-like, tensor or Dataset -> its ``X_train``) as a float32 tensor ``(n, C, T)``,
    checked by :func:`tsviz.core.as_series` (real, finite, within float32; complex refused)."""
    if hasattr(X, "X_train") and not isinstance(X, (torch.Tensor, np.ndarray)):
        X = X.X_train
    return as_series(X, name=name, error=AugmentError)


#: Evaluations of ``f`` per solver step of each fixed-step method.
_EVALS_PER_STEP = {"rk4": 4, "midpoint": 2, "euler": 1}


def odenet_cost(n_pairs: int, C: int, T: int, epochs: int, method: str) -> dict[str, int]:
    """The factors of a fit's cost in series-equivalents: ``epochs x series x solver evaluations``,
    a "series" being the ``C (T - 1)`` one-step pairs of one series (``ceil(n_pairs / (C (T - 1)))``
    of them), so one evaluation of ``f`` at all of them costs about one pass over one series."""
    per_series = max(1, C * (T - 1))
    return {"epochs": int(epochs), "series (training pairs / (C (T - 1)))": math.ceil(n_pairs / per_series),
            f"evaluations per step ({method})": _EVALS_PER_STEP[method]}


#: Range of the sampling step ``dt`` (time units): times ``i * dt`` and rates ``/ dt`` stay in float32.
DT_RANGE = (1e-12, 1e12)


def _resolve_dt(dt: float | None, fs: float | None) -> float:
    if dt is not None and fs is not None:
        raise AugmentError("give dt or fs, not both (dt = 1/fs)")
    if fs is not None:
        value, name = 1.0 / check_positive("fs", fs, error=AugmentError), "fs"
    else:
        value, name = (1.0, "dt") if dt is None else (check_positive("dt", dt, error=AugmentError), "dt")
    if not DT_RANGE[0] <= value <= DT_RANGE[1]:
        raise AugmentError(f"{name} = {fs if name == 'fs' else dt!r} gives a sampling step dt = {value:g} outside "
                           f"[{DT_RANGE[0]:g}, {DT_RANGE[1]:g}] (times and rates would leave float32's range)")
    return value


def ode_predictions(f: Any, z: torch.Tensor, *, objective: str = "one_step", dt: float = 1.0,
                    method: str = "rk4") -> torch.Tensor:
    """The ODE's predictions of ``z(t_1), ..., z(t_{T-1})`` for rows of series ``z`` (eq. 2).

    ``objective="one_step"``: each ``z_hat(t_i)`` is integrated over one step from the *true*
    ``z(t_{i-1})`` (teacher forcing); ``"rollout"``: from ``z(t_0)`` over the whole series, each
    prediction the initial value of the next step ("The value predicted at time step t_i is treated
    as the initial value for the computation of z(t_i+1)"). One torchdiffeq ``odeint`` call for all
    rows at once, a fixed-step ``method`` taking one step of ``dt`` per sampling interval, at times
    ``t_i = i * dt``.

    Parameters
    ----------
    f : callable ``(z, t) -> dz/dt``
        E.g. an :class:`ODENet` (in the mode the caller wants), applied to a batch of values ``z``
        and a scalar or broadcastable time ``t``.
    z : Tensor ``(m, T)``
        ``m`` one-dimensional series of ``T >= 2`` samples (a channel of a series is one row).
    objective : {"one_step", "rollout"}
    dt : float
        Sampling step in the ODE's time unit.
    method : {"rk4", "midpoint", "euler"}

    Returns
    -------
    Tensor ``(m, T - 1)``
        With autograd history through ``f``.
    """
    from torchdiffeq import odeint

    check_choice("objective", objective, ODE_OBJECTIVES, error=AugmentError)
    check_choice("method", method, ODE_METHODS, error=AugmentError)
    if z.ndim != 2 or z.shape[1] < 2:
        raise AugmentError(f"z must be (m, T) rows of series with T >= 2, got shape {tuple(z.shape)}")
    m, T = z.shape
    if objective == "rollout":
        grid = torch.arange(T, dtype=z.dtype, device=z.device) * dt
        return odeint(lambda t, v: f(v, t), z[:, 0], grid, method=method)[1:].transpose(0, 1)
    t0 = (torch.arange(T - 1, dtype=z.dtype, device=z.device) * dt).expand(m, T - 1).reshape(-1)
    grid = torch.tensor([0.0, dt], dtype=z.dtype, device=z.device)
    pred = odeint(lambda s, v: f(v, t0 + s), z[:, :-1].reshape(-1), grid, method=method)[-1]
    return pred.reshape(m, T - 1)


def ode_loss(f: Any, z: torch.Tensor, *, objective: str = "one_step", dt: float = 1.0,
             method: str = "rk4") -> torch.Tensor:
    """``mean_{rows, i >= 1} (z_hat(t_i) - z(t_i))^2`` with :func:`ode_predictions` (not normalised;
    :func:`fit_odenet` divides it by the error of predicting no change). Scalar tensor."""
    return (ode_predictions(f, z, objective=objective, dt=dt, method=method) - z[:, 1:]).pow(2).mean()


@contextmanager
def rows_batch_norm(odenet: ODENet, rows: torch.Tensor, dt: float = 1.0) -> Iterator[ODENet]:
    """Inside the block the ODENet's BatchNorm layers normalise with the statistics of the true
    samples of ``rows`` ``(m, T)`` at all times ``i * dt`` (eval mode, so every call of ``f`` uses
    them); on leaving, the running averages are updated with those statistics as one training-mode
    step would (``momentum``), and the network is back in training mode.

    A rollout calls ``f`` with the rows' values at *one* time ``t``: training-mode batch statistics
    would then remove ``t`` (constant over the batch) and the rows' common level from the input, so
    a rollout fit normalises with the batch's samples over all times instead, the points a one-step
    batch normalises over (:func:`fit_odenet`).
    """
    bns = [m for m in odenet.modules() if isinstance(m, nn.BatchNorm1d)]
    saved = [(m.momentum, m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone())
             for m in bns]
    t = torch.arange(rows.shape[1], dtype=rows.dtype, device=rows.device) * dt
    try:
        for m in bns:
            m.reset_running_stats()
            m.momentum = None  # a cumulative average over one pass: exactly this batch's statistics
        odenet.train()
        with torch.no_grad():
            odenet(rows, t)
        odenet.eval()
        yield odenet
    finally:
        for m, (momentum, mean, var, count) in zip(bns, saved):
            w = 0.1 if momentum is None else momentum
            with torch.no_grad():  # new tensors: the block's graph still holds the ones it normalised with
                m.running_mean = (1 - w) * mean + w * m.running_mean
                m.running_var = (1 - w) * var + w * m.running_var
                m.num_batches_tracked = count + 1
            m.momentum = momentum
        odenet.train()


@with_presets(ODENET_PRESETS, error=AugmentError, source=ODENET_PRESET_SOURCES)
def fit_odenet(
    X: Any,
    *,
    dt: float | None = None,
    fs: float | None = None,
    epochs: int | None = None,
    lr: float = 3e-4,
    weight_decay: float = 1e-3,
    batch_size: int = 256,
    hidden: int = 25,
    seed: int = 0,
    device: str | torch.device | None = None,
    max_pairs: int = 200_000,
    method: str = "rk4",
    progress: Progress | None = None,
    objective: str = "one_step",
    preset: str | None = None,
) -> ODEFit:
    """Fit an :class:`ODENet` to series ``X`` by ODE integration (eq. 2): one step from every true
    sample (``objective="one_step"``, default) or a rollout over every series (``"rollout"``, the paper's).

    One step: for every training pair (series ``s``, channel ``c``, step ``i >= 1``) the ODE
    ``dz/dt = f(z, t)`` is integrated from the true value ``z(t_{i-1})`` over one sampling step
    (eq. 2)::

        z_hat(t_i) = z(t_{i-1}) + integral_{t_{i-1}}^{t_i} f(z(t), t) dt

    with torchdiffeq's ``odeint`` and a fixed-step solver taking exactly one step of size ``dt``
    (``method="rk4"`` by default: four evaluations of ``f`` per step, at times ``t_{i-1}``,
    ``t_{i-1} + dt/3``, ``t_{i-1} + 2dt/3``, ``t_i``). All pairs of a mini-batch form one state
    vector integrated over ``s in [0, dt]``; ``f`` receives the absolute time ``t_{i-1} + s``.
    The loss is the MSE between ``z_hat(t_i)`` and the true ``z(t_i)``; Adam with learning rate
    3e-4 and weight decay 1e-3 as in the paper (section II-A).

    Objectives. The paper feeds each prediction back as the next initial value and minimises the
    MSE of the whole predicted sequence (eq. 2 iterated: ``objective="rollout"``,
    ``preset="paper"``): every mini-batch is a set of whole series (rows), integrated together
    from their first samples over the full time grid by one ``odeint`` call (:func:`ode_predictions`).
    Its BatchNorm normalises with the statistics of the batch's true samples at all times
    (:func:`rows_batch_norm`; the paper does not say how its BatchNorm met the rollout: batch
    statistics of one time step's values would erase ``t`` from the input).
    The default ``"one_step"`` starts every step from the *true* previous sample (teacher forcing)
    and is kept as the default because it is what eq. 3 then uses (``dz/dt`` evaluated at the true
    samples, never at predicted ones), it puts any steps of any series in one batch (a rollout
    integrates ``T - 1`` solver steps one after the other: on TwoLeadECG, ``T = 82``, a rollout
    step took about 30 times as long as a one-step step on one CPU thread), its gradient does
    not pass through ``T - 1`` chained solver steps, where a rollout's errors accumulate and its
    gradients can grow (a rollout that becomes non-finite raises), and it gave the better ``dz/dt``
    where the augmentations use it: on TwoLeadECG the default one-step fit (3,000 steps) reached a
    test loss ratio of 0.60 and a relative RMSE of its ``dz/dt`` against the central difference of
    0.77 (:func:`tsviz.augment.odenet_quality`), a rollout fit of 2,000 steps (270 s) 1.17 and 1.15,
    no closer than predicting no change, although its own rollout loss ratio fell to 0.88.
    Time ``t_i = i * dt`` with ``dt = 1`` by default
    (time in sampling steps, so ``dz/dt`` is a change per step in signal units, the scale on
    which eq. 4-10 add it to the series with ``beta = 0.33``); ``fs`` gives time in seconds and
    ``dz/dt`` in units per second instead.

    Parameters
    ----------
    X : array-like or Tensor, shape ``(n, C, T)``, or Dataset
        Training series in signal units (a :class:`~tsviz.data.Dataset` means its ``X_train``);
        ``T >= 2``. Every channel is a separate 1-D series for the one shared network.
    dt, fs : float, optional
        Sampling step or frequency (give at most one; default ``dt = 1``: time in steps); the
        step ``dt`` (or ``1 / fs``) must lie in :data:`DT_RANGE` so times and rates stay in float32.
    epochs : int, optional
        Passes over the training pairs, at most :data:`MAX_ODE_EPOCHS`. ``None`` (default): as
        many as give about :data:`DEFAULT_ODE_STEPS` optimizer steps,
        ``ceil(DEFAULT_ODE_STEPS / ceil(n_pairs / batch_size))`` (at least 1, at most the cap), so
        the cost of the default fit hardly depends on the dataset size. The cost is
        ``epochs * ceil(n_pairs / batch_size)`` Adam steps of 4 (rk4), 2 (midpoint) or 1 (euler)
        network evaluations each.
    lr, weight_decay : float
        Adam settings (paper: 3e-4 and 1e-3).
    batch_size : int, default 256
        Pairs per step, at most :data:`MAX_ODE_BATCH_SIZE`.
    hidden : int, default 25
        Hidden units of the :class:`ODENet`.
    seed : int, default 0
        Seeds the weight initialisation, the pair subsample and the shuffling (a private
        ``torch.Generator``; the global RNG is untouched). Same seed -> same ODENet. A fit takes a
        seed, not a generator: the seed is written on the ODENet's card, so the fit can be
        reproduced from the card (a generator's state cannot be written there).
    device : str or torch.device, optional
        Where to train (``None``: :func:`tsviz.device.default_device`).
    max_pairs : int, default 200_000
        When ``X`` holds more pairs ``n * C * (T - 1)``, a fixed random subset of this many (drawn
        with ``seed``) is used; at most :data:`MAX_ODE_PAIRS`.
    method : {"rk4", "midpoint", "euler"}
        Fixed-step torchdiffeq solver (one step per sampling interval).
    progress : callable ``(fraction, message)``, optional
        Called after each epoch.
    objective : {"one_step", "rollout"}
        Teacher forcing (default) or the paper's rollout over the whole series (above). With
        ``"rollout"`` the unit of sampling is a whole row (one channel of one series, ``T - 1``
        pairs): a step takes ``max(MIN_ROLLOUT_ROWS, batch_size // (T - 1))`` rows (16 at least:
        BatchNorm sees one value per row at each time step), ``max_pairs`` keeps
        ``max(2, max_pairs // (T - 1))`` rows drawn with ``seed``, and ``epochs=None`` aims at
        :data:`DEFAULT_ODE_STEPS` steps as well. A rollout step integrates ``T - 1`` solver steps
        one after the other: about 30 times the wall-clock of a one-step step on TwoLeadECG
        (``T = 82``, 16 rows against 256 pairs, one CPU thread), so set ``epochs`` for a rollout.
    preset : {None, "paper"}
        ``"paper"`` (:data:`ODENET_PRESETS`): ``objective="rollout"``, ``lr=3e-4``,
        ``weight_decay=1e-3``, ``hidden=25`` for the arguments not given; a given argument that
        contradicts it raises :class:`AugmentError`. Recorded in ``params``.

    Returns
    -------
    ODEFit
        The network (eval mode, on ``device``), loss history, parameters and time.

    Raises
    ------
    AugmentError (a ValueError)
        A bad argument (the message names it), ``T < 2``, ``X`` not real finite series within
        float32 (complex refused), or a total cost (:func:`odenet_cost`: epochs x series x
        solver evaluations) over :func:`tsviz.core.max_cost`.
    """
    from torchdiffeq import odeint

    from tsviz.device import resolve_device
    from tsviz.models.init import init_weights_

    dt = _resolve_dt(dt, fs)
    if epochs is not None:
        epochs = check_int("epochs", epochs, 1, MAX_ODE_EPOCHS, error=AugmentError)
    lr = check_positive("lr", lr, error=AugmentError)
    weight_decay = check_positive("weight_decay", weight_decay, allow_zero=True, error=AugmentError)
    batch_size = check_int("batch_size", batch_size, 2, MAX_ODE_BATCH_SIZE, error=AugmentError)
    hidden = check_int("hidden", hidden, 1, MAX_ODE_HIDDEN, error=AugmentError)
    seed = check_seed(seed, error=AugmentError)
    max_pairs = check_int("max_pairs", max_pairs, 2, MAX_ODE_PAIRS, error=AugmentError)
    check_choice("method", method, ODE_METHODS, error=AugmentError)
    check_choice("objective", objective, ODE_OBJECTIVES, error=AugmentError)
    check_progress(progress)
    dev = resolve_device(device)
    X = _series_tensor(X)
    n, C, T = X.shape
    if T < 2:
        raise AugmentError(f"X needs at least 2 time steps to form (z(t_i-1), z(t_i)) pairs, got T={T}")

    start = time.perf_counter()
    gen = augment_generator(seed=seed)
    X = X.to(torch.float32)
    if objective == "rollout":
        rows = X.reshape(n * C, T)
        keep_rows = max(2, max_pairs // (T - 1))
        if rows.shape[0] > keep_rows:
            rows = rows[torch.randperm(rows.shape[0], generator=gen)[:keep_rows]]
        n_units, unit_batch = rows.shape[0], max(MIN_ROLLOUT_ROWS, batch_size // (T - 1))
        n_pairs = n_units * (T - 1)
        if epochs is None:
            epochs = default_epochs(n_units, unit_batch)
        diff = rows[:, 1:] - rows[:, :-1]
        drift = float((rows[:, 1:] - rows[:, :1]).pow(2).mean())  # the loss of predicting no change
    else:
        z0 = X[:, :, :-1].reshape(-1)
        z1 = X[:, :, 1:].reshape(-1)
        t0 = (torch.arange(T - 1, dtype=torch.float32) * dt).expand(n * C, T - 1).reshape(-1)
        n_pairs = z0.numel()
        if n_pairs > max_pairs:
            keep = torch.randperm(n_pairs, generator=gen)[:max_pairs]
            z0, z1, t0 = z0[keep], z1[keep], t0[keep]
            n_pairs = max_pairs
        n_units, unit_batch = n_pairs, batch_size
        if epochs is None:
            epochs = default_epochs(n_pairs, batch_size)
        diff = z1 - z0
    check_cost("fitting the ODENet", odenet_cost(n_pairs, C, T, epochs, method), error=AugmentError)
    step_rms = float(diff.pow(2).mean().sqrt())
    if not step_rms > 0:
        step_rms = 1.0
    z_scale = float(X.std()) if X.numel() > 1 else 0.0

    odenet = ODENet(hidden)
    init_weights_(odenet, gen)
    odenet.z_loc.fill_(float(X.mean()))
    odenet.z_scale.fill_(z_scale if z_scale > 0 else 1.0)
    odenet.t_scale.fill_((T - 1) * dt)
    odenet.rate_scale.fill_(step_rms / dt)
    odenet.dt.fill_(dt)
    odenet.to(dev).train()
    opt = torch.optim.Adam(odenet.parameters(), lr=lr, weight_decay=weight_decay)
    if objective == "rollout":
        rows = rows.to(dev)
        inv_var = 1.0 / drift if drift > 0 else 1.0
    else:
        z0, z1, t0 = z0.to(dev), z1.to(dev), t0.to(dev)
        grid = torch.tensor([0.0, dt], device=dev)
        inv_var = 1.0 / step_rms**2

    history = []
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(n_units, generator=gen).to(dev)
        total, seen = 0.0, 0
        for i in range(0, n_units, unit_batch):
            idx = perm[i:i + unit_batch]
            if idx.numel() < 2:  # BatchNorm cannot train on a single point
                continue
            if objective == "rollout":
                with rows_batch_norm(odenet, rows[idx], dt):
                    loss = ode_loss(odenet, rows[idx], objective="rollout", dt=dt, method=method) * inv_var
                if not bool(torch.isfinite(loss)):
                    raise AugmentError(f"the ODENet rollout diverged (non-finite loss) at epoch {epoch}; lower lr="
                                       f"{lr:g} or use objective='one_step'")
            else:
                zb, tb = z0[idx], t0[idx]

                def func(s: torch.Tensor, z: torch.Tensor, tb: torch.Tensor = tb) -> torch.Tensor:
                    return odenet(z, tb + s)

                pred = odeint(func, zb, grid, method=method)[-1]
                loss = (pred - z1[idx]).pow(2).mean() * inv_var
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
            seen += idx.numel()
        history.append(total / max(seen, 1))
        if progress is not None:
            progress(epoch / epochs, f"ODENet epoch {epoch}/{epochs}: loss {history[-1]:.4g}")
    odenet.eval()
    seconds = time.perf_counter() - start
    params = {"dt": dt, "epochs": epochs, "lr": lr, "weight_decay": weight_decay, "batch_size": batch_size,
              "hidden": hidden, "seed": seed, "method": method, "max_pairs": max_pairs, "n_pairs": int(n_pairs),
              "objective": objective, "preset": preset}
    odenet.card = {"fit": dict(params), "final_loss": history[-1], "train_seconds": seconds}
    log.info("fitted ODENet (%s) on %d pairs in %.1f s (final loss %.4g)", objective, n_pairs, seconds, history[-1])
    return ODEFit(odenet=odenet, history=np.asarray(history, dtype=np.float64), params=params, seconds=seconds)


def default_epochs(n_pairs: int, batch_size: int) -> int:
    """Epochs of a default fit: about :data:`DEFAULT_ODE_STEPS` optimizer steps, in ``[1, MAX_ODE_EPOCHS]``."""
    steps_per_epoch = max(1, math.ceil(n_pairs / batch_size))
    return min(MAX_ODE_EPOCHS, max(1, math.ceil(DEFAULT_ODE_STEPS / steps_per_epoch)))


@torch.no_grad()
def derivative(odenet: ODENet, x: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The learned ``dz/dt`` of every sample of ``x`` (eq. 3): ``f(z(t_i), t_i)``.

    Parameters
    ----------
    odenet : ODENet
        A fitted network (its ``dt`` buffer gives the time of sample ``i``: ``t_i = i * dt``).
    x : Tensor or array-like, shape ``(n, C, T)``
        Series in the signal units the ODENet was fitted on.

    Returns
    -------
    Tensor, shape ``(n, C, T)``
        ``dz/dt`` in signal units per time unit of the fit (per step by default), float32 on
        ``x``'s device (numpy: CPU), without autograd history; ``x`` is checked by
        :func:`tsviz.core.as_series` (complex, NaN/Inf and values beyond float32 refused).
        Evaluated in eval mode (BatchNorm running statistics), in chunks of 2**20 points;
        ``odenet``'s mode is restored and the network is never moved (a copy is used when it lives on another device).
    """
    if not isinstance(odenet, ODENet):
        raise AugmentError(f"odenet must be an ODENet, got {type(odenet).__name__}")
    xt = as_series(x, error=AugmentError)
    net = odenet if model_device(odenet) == xt.device else copy.deepcopy(odenet).to(xt.device)
    was_training = net.training
    net.eval()
    try:
        n, C, T = xt.shape
        dtype = net.z_loc.dtype
        z = xt.detach().to(dtype).reshape(-1, T)
        t = torch.arange(T, device=xt.device, dtype=dtype) * net.dt
        rows = max(1, _DERIVATIVE_CHUNK // max(T, 1))
        out = [net(z[i:i + rows], t) for i in range(0, z.shape[0], rows)]
        dz = torch.cat(out) if out else z.new_zeros(z.shape)
    finally:
        net.train(was_training)
    return dz.reshape(n, C, T).to(xt.dtype)


def save_odenet(odenet: ODENet, path: str | os.PathLike, card: dict[str, Any] | None = None) -> Path:
    """Write ``<stem>.safetensors`` (weights, BatchNorm statistics, normalisation buffers) and
    ``<stem>.json`` (the card), like :func:`tsviz.models.save`.

    Parameters
    ----------
    odenet : ODENet
        The network to save.
    path : path-like
        The stem, or a path ending in ``.safetensors``/``.json``; parent folders are created.
    card : dict, optional
        Extra card fields (dataset, notes, ...), merged over ``odenet.card``; ``arch``
        (``"odenet"``), ``hparams``, ``dt``, ``format`` and ``tsviz_version`` are always set.

    Returns
    -------
    Path
        The weights path.
    """
    from safetensors.torch import save_file

    from tsviz import __version__
    from tsviz.models.checkpoint import checkpoint_paths, jsonable

    if not isinstance(odenet, ODENet):
        raise AugmentError(f"odenet must be an ODENet, got {type(odenet).__name__}")
    if card is not None and not isinstance(card, dict):
        raise AugmentError(f"card must be a dict or None, got {type(card).__name__}")
    weights, card_path = checkpoint_paths(path)
    weights.parent.mkdir(parents=True, exist_ok=True)
    full = {**getattr(odenet, "card", {}), **(card or {})}
    full.pop("path", None)
    full.update({"format": ODENET_FORMAT, "arch": ODENet.arch, "hparams": odenet.hparams,
                 "dt": float(odenet.dt), "tsviz_version": __version__})
    state = {k: v.detach().to("cpu").contiguous() for k, v in odenet.state_dict().items()}
    save_file(state, str(weights), metadata={"format": ODENET_FORMAT, "arch": ODENet.arch})
    card_path.write_text(json.dumps(jsonable(full), indent=2, sort_keys=True) + "\n")
    return weights


def load_odenet(path: str | os.PathLike, *, device: str | torch.device | None = "cpu") -> ODENet:
    """Load an ODENet written by :func:`save_odenet` (safetensors; never unpickles).

    Parameters
    ----------
    path : path-like
        The stem, or the ``.safetensors``/``.json`` path.
    device : str or torch.device, optional
        Where to put the network (default CPU; ``None``/``"auto"``: CUDA when available).

    Returns
    -------
    ODENet
        In eval mode, with ``.card`` set to the card (plus ``card['path']``).

    Raises
    ------
    tsviz.models.checkpoint.CheckpointError
        (a ValueError) Missing files, a card that is not an ODENet card, unfitting weights, or
        weights with NaN/Inf.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load as load_bytes

    from tsviz.device import resolve_device
    from tsviz.models.card_schema import MAX_CARD_BYTES, MAX_WEIGHTS_BYTES, parse_json, read_regular_file
    from tsviz.models.checkpoint import CheckpointError, checkpoint_paths

    weights, card_path = checkpoint_paths(path)
    if not card_path.exists():
        raise CheckpointError(f"ODENet card not found: {card_path} (a checkpoint is <name>.safetensors + <name>.json)")
    # regular files only (a FIFO never blocks), size caps, nesting depth: the classifiers' card rules
    card = parse_json(read_regular_file(card_path, MAX_CARD_BYTES, "ODENet card"), str(card_path))
    if not isinstance(card, dict) or card.get("arch") != ODENet.arch or not isinstance(card.get("hparams"), dict):
        raise CheckpointError(f"{card_path} is not an ODENet card (needs arch 'odenet' and hparams)")
    if not weights.exists():
        raise CheckpointError(f"weights not found: {weights}")
    try:
        odenet = ODENet(**card["hparams"])
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{card_path}: cannot build an ODENet from its hparams: {exc}") from exc
    blob = read_regular_file(weights, MAX_WEIGHTS_BYTES, "ODENet weights")
    try:
        state = load_bytes(blob)
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{weights} is not a readable safetensors file ({type(exc).__name__})") from exc
    try:
        result = odenet.load_state_dict(state, strict=False)
    except RuntimeError as exc:
        raise CheckpointError(f"{weights} does not fit an ODENet with {card['hparams']}: {exc}") from exc
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(f"{weights} does not fit an ODENet with {card['hparams']}: missing "
                              f"{result.missing_keys[:5]}, unexpected {result.unexpected_keys[:5]}")
    for key, value in odenet.state_dict().items():
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise CheckpointError(f"{weights}: tensor {key!r} contains NaN or Inf; the ODENet would give NaN dz/dt")
    odenet.card = {**card, "path": str(weights.with_suffix(""))}
    return odenet.to(resolve_device(device)).eval()
