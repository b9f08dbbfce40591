"""Backdoor-trigger demo: does NeuroMask point at the trigger of a backdoored model?

Dissertation (Alzantot 2019), ch. 5, section 5.5.4: a BadNets-backdoored model classifies any input
carrying a small trigger as the attacker's class; NeuroMask's explanation of a triggered input
should sit on the trigger, that of a clean input on the signal. For series, the trigger is a short
pattern at a fixed window (:class:`tsviz.training.backdoor.Trigger`, stated on the model's card),
and the figure of merit is the share of mask mass inside that window::

    mass = sum_{t in window} m_t / sum_t m_t

which a uniform mask would give ``length / T`` (``window_share``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsviz.core import as_labels, as_series
from tsviz.explain.errors import ExplainError
from tsviz.explain.neuromask import MaskResult, neuromask
from tsviz.training.backdoor import Trigger, apply_trigger

__all__ = ["BackdoorDemo", "backdoor_demo", "mask_mass_in_window", "trigger_from_card"]


def trigger_from_card(model: torch.nn.Module) -> Trigger:
    """The :class:`Trigger` stated on a backdoored checkpoint's card (``card["trigger"]``).

    Raises :class:`~tsviz.explain.ExplainError` (a ``ValueError``) when the model has no trigger on
    its card (not a backdoored model).
    """
    card = getattr(model, "card", None) or {}
    t = card.get("trigger")
    if not isinstance(t, dict):
        raise ExplainError("this model's card states no backdoor trigger; pick a model trained with the "
                         "'backdoor' recipe (e.g. the zoo's synthetic-ecg kachuee backdoor) or pass trigger=")
    fields = ("start", "length", "amplitude", "target", "half_period")
    return Trigger(**{k: t[k] for k in fields if k in t})


def mask_mass_in_window(mask: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """Share of each mask's mass inside ``window`` = ``[start, stop)``.

    Parameters
    ----------
    mask : array ``(n, T)`` or ``(n, C, T)``, non-negative (channels are summed)
    window : (start, stop) time-step indices

    Returns
    -------
    ndarray ``(n,)`` in ``[0, 1]``; NaN for an all-zero mask.
    """
    m = np.asarray(mask, dtype=np.float64)
    if m.ndim == 3:
        m = m.sum(axis=1)
    if m.ndim != 2:
        raise ExplainError(f"mask must have shape (n, T) or (n, C, T), got {m.shape}")
    a, b = window
    if not 0 <= a < b <= m.shape[1]:
        raise ExplainError(f"window {window} must satisfy 0 <= start < stop <= T={m.shape[1]}")
    if (m < 0).any():
        raise ExplainError("mask must be non-negative")
    total = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, m[:, a:b].sum(axis=1) / total, np.nan)


@dataclass(frozen=True)
class BackdoorDemo:
    """Output of :func:`backdoor_demo`.

    Attributes
    ----------
    trigger : Trigger
    x_clean, x_triggered : ndarray ``(n, C, T)``
    y : ndarray ``(n,)`` or None, true labels of the clean series
    pred_clean, pred_triggered : ndarray ``(n,)``, the model's predictions
    clean, triggered : MaskResult, NeuroMask on each (target = the model's own prediction)
    mass_clean, mass_triggered : ndarray ``(n,)``, mask mass share inside the trigger window
    window_share : float, ``length / T`` (what a uniform mask gives)
    """

    trigger: Trigger
    x_clean: np.ndarray
    x_triggered: np.ndarray
    y: np.ndarray | None
    pred_clean: np.ndarray
    pred_triggered: np.ndarray
    clean: MaskResult
    triggered: MaskResult
    mass_clean: np.ndarray
    mass_triggered: np.ndarray
    window_share: float

    def summary(self) -> dict[str, Any]:
        t = self.trigger
        return {
            "n": int(len(self.pred_clean)), "trigger_window": list(t.window), "target": t.target,
            "trigger_success_rate": float(np.mean(self.pred_triggered == t.target)),
            "clean_accuracy": float(np.mean(self.pred_clean == self.y)) if self.y is not None else None,
            "mass_in_window_clean": float(np.nanmean(self.mass_clean)),
            "mass_in_window_triggered": float(np.nanmean(self.mass_triggered)),
            "window_share": self.window_share,
            "concentration_triggered": float(np.nanmean(self.mass_triggered) / self.window_share),
        }

    def table(self):
        """One row per series: index, label, predictions and the mass shares (pandas DataFrame)."""
        import pandas as pd

        return pd.DataFrame({
            "series": np.arange(len(self.pred_clean)),
            "label": self.y if self.y is not None else -1,
            "pred_clean": self.pred_clean, "pred_triggered": self.pred_triggered,
            "mass_in_window_clean": self.mass_clean, "mass_in_window_triggered": self.mass_triggered,
        })


def backdoor_demo(model: torch.nn.Module, x, y=None, *, trigger: Trigger | None = None,
                  skip_target_class: bool = True, progress=None, **neuromask_kw) -> BackdoorDemo:
    """Run NeuroMask on clean and triggered copies of ``x`` and measure the mask mass on the trigger.

    Parameters
    ----------
    model : a backdoored classifier (its card states the trigger, or pass ``trigger``)
    x : array ``(n, C, T)`` clean series in signal units
    y : array ``(n,)`` or None, their labels
    trigger : Trigger or None (default: :func:`trigger_from_card`)
    skip_target_class : bool
        With ``y`` given, drop series already of the target class (the trigger cannot flip them).
    **neuromask_kw
        Passed to :func:`tsviz.explain.neuromask` (steps, lambdas, baseline, seed, ...); both sets
        are optimised in one batch of ``2n`` series.
    """
    if "target" in neuromask_kw:
        raise ExplainError("backdoor_demo explains the model's own predictions; target cannot be set")
    trig = trigger_from_card(model) if trigger is None else trigger
    if not isinstance(trig, Trigger):
        raise ExplainError(f"trigger must be a Trigger, got {type(trig).__name__}")
    xn = as_series(x, error=ExplainError).cpu().numpy()
    yn = None if y is None else as_labels(y, xn.shape[0], error=ExplainError).numpy()
    trig.validate(xn.shape[2])
    if yn is not None and skip_target_class:
        keep = yn != trig.target
        if not keep.any():
            raise ExplainError(f"every series is of the target class {trig.target}; nothing for the trigger to flip")
        xn, yn = xn[keep], yn[keep]
    xt = apply_trigger(xn, trig)
    n = xn.shape[0]
    res = neuromask(model, np.concatenate([xn, xt]), progress=progress, **neuromask_kw)

    def part(sl: slice) -> MaskResult:
        return MaskResult(mask=res.mask[sl], target=res.target[sl], clean_prob=res.clean_prob[sl],
                          masked_prob=res.masked_prob[sl], history=res.history[:, sl],
                          history_steps=res.history_steps, losses=res.losses, baseline=res.baseline,
                          params=res.params)

    clean, triggered = part(slice(0, n)), part(slice(n, 2 * n))
    return BackdoorDemo(
        trigger=trig, x_clean=xn, x_triggered=xt, y=yn,
        pred_clean=clean.target, pred_triggered=triggered.target, clean=clean, triggered=triggered,
        mass_clean=mask_mass_in_window(clean.mask, trig.window),
        mass_triggered=mask_mass_in_window(triggered.mask, trig.window),
        window_share=trig.length / xn.shape[2],
    )
