"""Augmentation-based training with the optional Feat-Sim regulariser (the ``"augmented"`` recipe).

ODE-guided augmentation for time series: section II-B, eq. 6 ("We augment the input dataset with
the perturbed examples ... The labels for the perturbed examples are set to be same as the
original example"), and section III-C1, eq. 15 (Feat-Sim) of
``papers/ode-guided-augmentation-time-series`` (Feat-Sim after the large-margin metric learning of
Weinberger & Saul and the triplet loss of FaceNet, its refs. [46], [48]).

Readings
--------
* Eq. 6 trains on the dataset augmented with perturbed copies. Per mini-batch this is
  ``0.5 CE(f(x), y) + 0.5 CE(f(x_aug), y)``: every series and its perturbed copy, with equal
  weight (the augmented dataset has one copy per original). ``x_aug`` is made fresh every batch
  from the current model (the gradient-based augmentations depend on it) and is a constant of the
  loss (no gradient flows through the augmentation).
* Eq. 15 per sample ``c`` of the batch::

      L_FS = max(0, ||g(z_c) - g(z_p)||^2 + alpha - ||g(z_c) - g(z_c'^i)||^2)

  ``g(z) = model.features(z) / ||model.features(z)||_2`` (the embedding on the unit hypersphere,
  "||g(z)||^2 = 1"), ``z_p`` the augmented copy of ``z_c`` and ``z_c'^i`` a sample of another
  class drawn uniformly from the same mini-batch with the training generator. The paper writes
  no hinge; without it the term is unbounded below (it would push negatives apart forever), so it
  is hinged at 0 as in the triplet / large-margin losses it follows. Samples with no other class
  in the batch are skipped; ``L_FS`` is averaged over the others (0 when there are none). The
  paper's ``z_p^i`` (augmented negative) appears in no equation and is not used.
* The total loss is ``0.5 CE(clean) + 0.5 CE(augmented) + feat_sim * mean L_FS``.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from tsviz.augment import AUGMENTATION_PARAMS, AUGMENTATIONS, AugmentError, augment, load_odenet
from tsviz.core import check_budget, check_real, guard_model
from tsviz.training.errors import TrainingError
from tsviz.training.recipes import recipe_generator

__all__ = ["AugmentedTraining", "feat_sim_loss", "draw_negatives"]

AugmentFn = Callable[[torch.Tensor, torch.Tensor, torch.nn.Module, "torch.Generator | None"], torch.Tensor]


def draw_negatives(y: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """For each sample, a uniformly drawn index of a sample of another class in the batch.

    Parameters
    ----------
    y : Tensor ``(b,)`` int64
    generator : torch.Generator, optional
        ``None`` means a fresh CPU generator seeded 0 (:func:`tsviz.training.recipes.recipe_generator`).
        Draws are made on the generator's device.

    Returns
    -------
    index : Tensor ``(b,)`` int64
        ``index[i]`` has ``y[index[i]] != y[i]`` wherever ``valid[i]`` (else 0, meaningless).
    valid : Tensor ``(b,)`` bool
        Whether the batch holds a sample of another class than ``y[i]``.
    """
    gen = recipe_generator(generator)
    b = y.shape[0]
    other = y.view(-1, 1) != y.view(1, -1)                                     # (b, b)
    u = torch.rand((b, b), generator=gen, device=gen.device).to(y.device)      # iid U[0, 1)
    score = torch.where(other, u, torch.full_like(u, -1.0))
    return score.argmax(1), other.any(1)


def feat_sim_loss(g_clean: torch.Tensor, g_aug: torch.Tensor, y: torch.Tensor, margin: float, *,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Feat-Sim (eq. 15), hinged at 0 and averaged over the samples that have a negative.

    Parameters
    ----------
    g_clean, g_aug : Tensor ``(b, d)``
        Embeddings of the clean series and of their augmented copies (normalised here onto the
        unit hypersphere).
    y : Tensor ``(b,)`` int64
    margin : float
        ``alpha >= 0``.
    generator : torch.Generator, optional
        Draws the negatives (:func:`draw_negatives`).

    Returns
    -------
    Tensor, scalar
    """
    gc = F.normalize(g_clean.flatten(1), dim=1)
    gp = F.normalize(g_aug.flatten(1), dim=1)
    idx, valid = draw_negatives(y, generator)
    if not bool(valid.any()):
        return gc.sum() * 0.0
    pos = (gc - gp).pow(2).sum(1)
    neg = (gc - gc[idx]).pow(2).sum(1)
    per = (pos + margin - neg).clamp_min(0.0)
    return per[valid].mean()


class AugmentedTraining:
    """Training on clean plus augmented series, optionally with Feat-Sim (the ``"augmented"`` recipe).

    ``loss = 0.5 CE(f(x), y) + 0.5 CE(f(x_aug), y) + feat_sim * L_FS`` for a batch ``x`` ``(b, C, T)``
    (eq. 6 and eq. 15 of the ODE-guided augmentation paper; readings in the module docstring).

    Parameters
    ----------
    augmentation : str or callable
        A name in :data:`tsviz.augment.AUGMENTATIONS` (default ``"out_sign_grad"``), applied as
        ``tsviz.augment.augment(name, x, y, model=model, derivative=odenet, generator=generator,
        **aug_params)``; or a callable ``augmentation(x, y, model, generator) -> x_aug``
        ``(b, C, T)``. Either runs with the model in eval mode and frozen parameters (both
        restored afterwards), like an attack.
    odenet : ODENet, str, os.PathLike or None
        The fitted ODENet giving ``dz/dt`` for the ODE-guided augmentations, or a checkpoint path
        loaded on first use with ``tsviz.augment.load_odenet``.
    feat_sim : float
        Weight ``>= 0`` of the Feat-Sim regulariser (default 0: off). It needs a model with
        ``features(x) -> (b, d)``.
    margin : float
        Feat-Sim margin ``alpha >= 0`` (default 0.5; the paper gives no value).
    **aug_params
        Passed to the named augmentation (ignored by a callable).
    """

    name = "augmented"

    def __init__(self, augmentation: str | AugmentFn = "out_sign_grad", odenet: Any = None,
                 feat_sim: float = 0.0, margin: float = 0.5, **aug_params: Any) -> None:
        self.augmentation = augmentation
        self.odenet = odenet
        self.feat_sim = feat_sim
        self.margin = margin
        self.aug_params = aug_params
        self._loaded: Any = None

    # ------------------------------------------------------------------ helpers
    def _check(self) -> tuple[float, float]:
        a = self.augmentation
        if not callable(a) and a not in AUGMENTATIONS:
            raise TrainingError(f"augmentation must be one of {', '.join(AUGMENTATIONS)} or a callable "
                             f"(x, y, model, generator) -> x_aug, got {a!r}")
        o = self.odenet
        if o is not None and not isinstance(o, (str, os.PathLike, torch.nn.Module, torch.Tensor)):
            raise TrainingError(f"odenet must be an ODENet, a checkpoint path or None, got {type(o).__name__}")
        if callable(a) and self.aug_params:
            raise TrainingError(f"aug_params {sorted(self.aug_params)} apply to named augmentations only, "
                             f"not to a callable augmentation")
        return (check_real("feat_sim", self.feat_sim, low=0.0, error=TrainingError),
                check_real("margin", self.margin, low=0.0, error=TrainingError))

    def derivative(self, device: str | torch.device | None = "cpu") -> Any:
        """The ODENet or ``None``; a path is loaded (onto ``device``) on first use and kept."""
        o = self.odenet
        if isinstance(o, (str, os.PathLike)):
            if self._loaded is None:
                self._loaded = load_odenet(o, device=device)
            return self._loaded
        return o

    def augment(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """The augmented batch ``x_aug`` ``(b, C, T)``, detached, same dtype and device as ``x``."""
        self._check()
        a = self.augmentation
        gen = recipe_generator(generator)
        with guard_model(model):
            if callable(a):
                x_aug = a(x.detach(), y, model, gen)
            else:
                try:
                    x_aug = augment(a, x.detach(), y, model=model, derivative=self.derivative(x.device),
                                    generator=gen, **self.aug_params)
                except AugmentError as exc:
                    raise TrainingError(f"recipe augmented: {exc}") from None
        x_aug = torch.as_tensor(x_aug)
        if x_aug.shape != x.shape:
            raise TrainingError(f"augmentation returned shape {tuple(x_aug.shape)}, expected {tuple(x.shape)}")
        return x_aug.detach().to(device=x.device, dtype=x.dtype)

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: the recipe's settings, and the named augmentation's magnitudes in signal
        units (``beta``, ``eps_max``) against the training series ``x`` (``beta = 1e300`` raises
        :class:`TrainingError` naming the recipe instead of failing at the first batch)."""
        self._check()
        if isinstance(self.augmentation, str):
            unknown = sorted(set(self.aug_params) - set(AUGMENTATION_PARAMS[self.augmentation]))
            if unknown:
                raise TrainingError(f"recipe augmented: unknown parameter(s) {unknown} for {self.augmentation}; "
                                    f"it accepts {list(AUGMENTATION_PARAMS[self.augmentation])}")
            for name in ("beta", "eps_max"):
                if name in self.aug_params:
                    check_budget(name, self.aug_params[name], x, allow_zero=name == "eps_max", error=TrainingError)

    # ------------------------------------------------------------------ recipe
    def passes_per_series(self, n_classes: int) -> int:
        """Model evaluations per series and step: the clean and augmented cross-entropy plus the
        augmentation (the ODENet's dz/dt, counted as one; Out-Sign-Grad adds its clean check and one
        input gradient; a callable is counted as one)."""
        return 2 + (3 if self.augmentation == "out_sign_grad" else 1)

    def loss(self, model, x, y, *, generator=None):
        feat_sim, margin = self._check()
        gen = recipe_generator(generator)
        x_aug = self.augment(model, x, y, generator=gen)
        if feat_sim == 0.0:
            return 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x_aug), y)
        if not (callable(getattr(model, "features", None)) and callable(getattr(model, "head", None))):
            raise TrainingError("feat_sim > 0 needs a model with features(x) and head(features), "
                             "e.g. a tsviz TimeSeriesClassifier")
        f_clean, f_aug = model.features(x), model.features(x_aug)
        ce = 0.5 * F.cross_entropy(model.head(f_clean), y) + 0.5 * F.cross_entropy(model.head(f_aug), y)
        return ce + feat_sim * feat_sim_loss(f_clean, f_aug, y, margin, generator=gen)

    def card_info(self, dataset) -> dict[str, Any]:
        a = self.augmentation
        o = self.odenet
        if isinstance(o, (str, os.PathLike)):
            odenet = os.fspath(o)
        elif o is None:
            odenet = None
        else:
            odenet = getattr(o, "card", {}).get("path") if isinstance(getattr(o, "card", None), dict) else None
            odenet = odenet or type(o).__name__
        aug_params = {k: v for k, v in self.aug_params.items() if isinstance(v, (int, float, str, bool))}
        return {"recipe_details": {
            "name": self.name,
            "augmentation": a if isinstance(a, str) else getattr(a, "__name__", type(a).__name__),
            "odenet": odenet, "feat_sim": self.feat_sim, "margin": self.margin,
            "clean_weight": 0.5, "augmented_weight": 0.5, "aug_params": aug_params}}
