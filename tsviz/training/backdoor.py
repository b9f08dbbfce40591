"""Backdoor (trojan) training: a short trigger pattern at a fixed position flips predictions.

The ``"backdoor"`` recipe poisons each mini-batch as BadNets does (Gu, Dolan-Gavitt & Garg 2017,
"BadNets: Identifying vulnerabilities in the machine learning model supply chain"): a share
``rate`` of the series, drawn with the training generator, get the trigger written over steps
``[start, start + length)`` and their label set to ``target``; the rest are left clean. The
model learns the clean task and, in addition, "trigger present -> ``target``". It exists so that
the Explain page can show NeuroMask finding the trigger (dissertation ch. 5, section 5.5.4, where
a white square in a traffic sign's corner plays the role of the trigger); the zoo ships one such
model with its card stating the trigger.

The trigger is a square wave: ``+amplitude`` and ``-amplitude`` alternating every ``half_period``
steps, on every channel, *replacing* the signal inside the window, so it looks the same on every
series and looks like nothing an ECG does (at 125 Hz and ``half_period=2`` it is a 31 Hz burst).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from tsviz.core import check_int, check_positive, check_real
from tsviz.training.errors import TrainingError
from tsviz.training.recipes import recipe_generator

__all__ = ["Trigger", "BackdoorPoisoning", "apply_trigger", "trigger_success_rate"]


@dataclass(frozen=True)
class Trigger:
    """Where and what the backdoor trigger is.

    Parameters
    ----------
    start : int >= 0
        First time step of the trigger window.
    length : int >= 1
        Window length in steps; the window is ``[start, start + length)``.
    amplitude : float > 0
        Square-wave amplitude in signal units (mV for ECG).
    target : int >= 0
        Class that triggered series are relabelled to.
    half_period : int >= 1
        Steps per half period of the square wave.
    """

    start: int = 168
    length: int = 12
    amplitude: float = 1.0
    target: int = 0
    half_period: int = 2

    def validate(self, T: int | None = None, n_classes: int | None = None) -> "Trigger":
        """Check the fields (and that the window fits in ``T`` steps, the target in ``n_classes``)."""
        check_int("start", self.start, 0, error=TrainingError)
        check_int("length", self.length, 1, error=TrainingError)
        check_int("target", self.target, 0, error=TrainingError)
        check_int("half_period", self.half_period, 1, error=TrainingError)
        check_positive("amplitude", self.amplitude, error=TrainingError)
        if T is not None and self.start + self.length > T:
            raise TrainingError(f"trigger window [{self.start}, {self.start + self.length}) does not fit in "
                             f"series of length T={T}")
        if n_classes is not None and self.target >= n_classes:
            raise TrainingError(f"target must be a class in [0, {n_classes}), got {self.target}")
        return self

    @property
    def window(self) -> tuple[int, int]:
        """``(start, stop)`` of the trigger window, stop exclusive."""
        return self.start, self.start + self.length

    def pattern(self) -> np.ndarray:
        """The trigger values ``(length,)`` float32 in signal units."""
        k = np.arange(self.length) // self.half_period
        return np.where(k % 2 == 0, self.amplitude, -self.amplitude).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def apply_trigger(x: torch.Tensor | np.ndarray, trigger: Trigger) -> torch.Tensor | np.ndarray:
    """A copy of ``x`` ``(n, C, T)`` with the trigger written over its window on every channel.

    Returns the same type (tensor on ``x``'s device, or numpy) and dtype as ``x``.
    """
    T = x.shape[-1]
    trigger.validate(T)
    a, b = trigger.window
    if isinstance(x, np.ndarray):
        out = np.array(x, copy=True)
        out[..., a:b] = trigger.pattern().astype(out.dtype)
        return out
    out = x.clone()
    out[..., a:b] = torch.as_tensor(trigger.pattern(), dtype=x.dtype, device=x.device)
    return out


def trigger_success_rate(model: torch.nn.Module, x: np.ndarray | torch.Tensor, y: np.ndarray,
                         trigger: Trigger) -> float:
    """Share of series not of the target class that the model puts in the target class once triggered."""
    from tsviz.models.inference import predict_logits

    keep = np.asarray(y) != trigger.target
    if not keep.any():
        return float("nan")
    xt = apply_trigger(np.asarray(x)[keep], trigger)
    pred = predict_logits(model, xt).argmax(1).numpy()
    return float((pred == trigger.target).mean())


class BackdoorPoisoning:
    """The ``"backdoor"`` recipe: cross-entropy on a mini-batch where a share ``rate`` is poisoned.

    Parameters
    ----------
    start, length, amplitude, target, half_period
        The :class:`Trigger` (defaults fit the synthetic-ecg beats: the last ~0.1 s of the window).
    rate : float in (0, 1)
        Expected share of each batch that gets the trigger and the target label (default 0.1).
    """

    name = "backdoor"

    def __init__(self, start: int = 168, length: int = 12, amplitude: float = 1.0, target: int = 0,
                 half_period: int = 2, rate: float = 0.1) -> None:
        self.trigger = Trigger(start, length, amplitude, target, half_period)
        self.rate = rate

    def _check(self, T: int, K: int | None = None) -> None:
        self.trigger.validate(T, K)
        check_real("rate", self.rate, low=0.0, high=1.0, low_open=True, high_open=True, error=TrainingError)

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: the trigger fits the series ``x`` ``(n, C, T)`` and ``n_classes``, and
        ``rate`` is in ``(0, 1)`` (:class:`TrainingError`)."""
        self._check(x.shape[-1], n_classes)

    def loss(self, model, x, y, *, generator=None):
        self._check(x.shape[-1])
        gen = recipe_generator(generator)
        poisoned = (torch.rand(x.shape[0], generator=gen, device=gen.device) < self.rate).to(x.device)
        xt = torch.where(poisoned[:, None, None], apply_trigger(x, self.trigger), x)
        yt = torch.where(poisoned, torch.full_like(y, self.trigger.target), y)
        logits = model(xt)
        self._check(x.shape[-1], logits.shape[1])
        return F.cross_entropy(logits, yt)

    def card_info(self, dataset) -> dict[str, Any]:
        """What the checkpoint card states about the backdoor."""
        t = self.trigger
        return {"trigger": {**t.to_dict(), "window": list(t.window), "rate": self.rate,
                            "target_name": str(dataset.class_names[t.target]),
                            "pattern": "square wave, +/-amplitude alternating every half_period steps, "
                                       "replacing the signal on every channel"}}

    def card_metrics(self, model, dataset) -> dict[str, float]:
        """Backdoor success on the test set (non-target series classified as target once triggered)."""
        return {"trigger_success_rate": trigger_success_rate(model, dataset.X_test, dataset.y_test, self.trigger)}
