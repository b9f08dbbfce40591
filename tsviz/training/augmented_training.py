"""Augmentation-based training with the optional Feat-Sim regulariser (the ``"augmented"`` recipe).

ODE-guided augmentation for time series: Sarkar, Sunder Raj & Iyengar, "ODE guided Neural Data
Augmentation Techniques for Time Series Data and its Benefits on Robustness" (ICMLA 2020),
``papers/ode-guided-augmentation-time-series``: section II ("We first assume a threat model ... and
generate adversarial samples based on that model. We augment original train data with adversarial
samples and then train a reference neural network with this data"), section II-A, eq. 6 ("We
augment the input dataset with the perturbed examples ... The labels for the perturbed examples are
set to be same as the original example"), section III-B ("we augment the datasets listed in table
I. We use the augmented dataset to train the baseline classification network") and section III-C1,
eq. 15 (Feat-Sim, after the large-margin metric learning of Weinberger & Saul and the triplet loss
of FaceNet, its refs. [46], [48]).

Protocols (``protocol=``): when the augmented copies are made
------------------------------------------------------------
``"per_batch"`` (default)
    ``x_aug`` is made fresh for every mini-batch from the current model (the gradient-based
    augmentations depend on it): Out-Sign-Grad then acts like on-the-fly adversarial training with
    a budget set by ``dz/dt``. Kept as the default because the copies always match the model being
    trained (an Out-Sign-Grad copy made from another model's gradient is only a transferred
    perturbation), and because it was the protocol of every shipped ``augmented`` model.
``"per_epoch"``
    The whole training set is augmented once at the start of every epoch, from the model as it is
    then; every batch uses its series' copies. (The same number of augmentation passes as
    ``per_batch``; the copies lag the model by at most one epoch.)
``"per_run"`` (the paper, ``preset="paper"``)
    The training set is augmented **once**, before training, and the network is trained on that
    fixed augmented dataset (sections II and III-B). The gradient of Out-Sign-Grad comes from the
    threat model: ``threat_model`` when given (the paper's: a classifier trained on the clean data,
    e.g. the baseline ResNet of Table I), else the model passed to :func:`tsviz.training.fit` as it
    is when training starts, which is the paper's procedure when that model is the trained
    baseline being fine-tuned, and an *untrained* network's gradient when it is freshly built (so
    pass ``threat_model`` then). The model-free augmentations (In-Clamp-Grad, In-Sign-Grad,
    Rand-Grad, Spec-Den) need no threat model: their copies are drawn once.

``per_epoch`` and ``per_run`` need :func:`tsviz.training.fit` (it calls :meth:`AugmentedTraining.start_epoch`
with the training series before every epoch and gives ``loss`` the batch's row ``index``).

Readings
--------
* Eq. 6 trains on the dataset augmented with perturbed copies. Per mini-batch this is
  ``0.5 CE(f(x), y) + 0.5 CE(f(x_aug), y)``: every series and its perturbed copy, with equal
  weight (the augmented dataset has one copy per original), which in expectation is the loss on the
  union, and keeps each series next to its copy for Feat-Sim. ``x_aug`` is a constant of the loss
  (no gradient flows through the augmentation).
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

The paper's setting (``preset="paper"``, :data:`AUGMENTED_PRESETS`): ``protocol="per_run"`` and
the augmentation's magnitude of section III-B (``beta = 0.33`` for In-Clamp-Grad, Out-Sign-Grad and
Rand-Grad, ``eps_max = 0.33`` for In-Sign-Grad; Spec-Den's 90 % energy and 75 % share of section
II-C). Its optimiser (Adam, lr 2e-4, weight decay 1e-3, section II-A) is a setting of
:func:`tsviz.training.fit`: :data:`AUGMENTED_PAPER_FIT`. The paper gives no Feat-Sim weight or
margin, epochs or batch size.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from tsviz.augment import AUGMENTATION_PARAMS, AUGMENTATIONS, AugmentError, augment, load_odenet
from tsviz.core import check_budget, check_choice, check_real, guard_model, with_presets
from tsviz.training.errors import TrainingError
from tsviz.training.recipes import recipe_generator

__all__ = ["AugmentedTraining", "feat_sim_loss", "draw_negatives", "PROTOCOLS", "AUGMENTED_PRESETS",
           "AUGMENTED_PRESET_SOURCES", "PAPER_AUG_PARAMS", "AUGMENTED_PAPER_FIT"]

#: When the augmented copies are made (module docstring): every batch, every epoch, once per run.
PROTOCOLS = ("per_batch", "per_epoch", "per_run")
#: The augmentations' magnitudes in the paper (section III-B: "The value of beta (equation 5) was
#: chosen to be 0.33 and epsilon (equation 7) was a random number in range [0.0, 0.33]"; section
#: II-C: the components beyond 90 % of the energy, "upto 75 %" of them).
PAPER_AUG_PARAMS: dict[str, dict[str, float]] = {
    "in_clamp_grad": {"beta": 0.33}, "in_sign_grad": {"eps_max": 0.33}, "out_sign_grad": {"beta": 0.33},
    "rand_grad": {"beta": 0.33}, "spec_den": {"energy": 0.9, "share": 0.75},
}


def _paper_preset(arguments: dict[str, Any]) -> dict[str, Any]:
    a = arguments.get("augmentation")
    return {"protocol": "per_run", **(PAPER_AUG_PARAMS.get(a, {}) if isinstance(a, str) else {})}


#: ``AugmentedTraining(..., preset="paper")`` (module docstring): the per-run protocol and the
#: named augmentation's magnitude from :data:`PAPER_AUG_PARAMS`.
AUGMENTED_PRESETS = {"paper": _paper_preset}
#: Where the preset comes from.
AUGMENTED_PRESET_SOURCES = {"paper": "Sarkar et al. 2020, sections II and III-B: the training set augmented once, "
                                     "beta = eps_max = 0.33"}
#: The paper's optimiser for the classifier (section II-A: "Adam optimizer with a learning rate of
#: 0.0002 with a weight decay of 10^-3"), as :func:`tsviz.training.fit` keywords.
AUGMENTED_PAPER_FIT: dict[str, float] = {"lr": 2e-4, "weight_decay": 1e-3}

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
    protocol : {"per_batch", "per_epoch", "per_run"}
        When the augmented copies are made (module docstring); default ``"per_batch"``, the paper's
        is ``"per_run"``.
    threat_model : nn.Module, str, os.PathLike or None
        The classifier whose input gradient guides the model-dependent augmentation
        (Out-Sign-Grad), used instead of the model being trained under every protocol; a
        checkpoint path is loaded with :func:`tsviz.models.load` on first use. ``None``: the model
        being trained (under ``"per_run"``: as it is when training starts). Left as found.
    preset : {None, "paper"}
        ``"paper"``: ``protocol="per_run"`` and the paper's magnitude for the named augmentation
        (:data:`AUGMENTED_PRESETS`) for the arguments not given; a given argument that contradicts
        it raises :class:`TrainingError`. The optimiser settings are :data:`AUGMENTED_PAPER_FIT`.
    **aug_params
        Passed to the named augmentation (ignored by a callable).

    Attributes
    ----------
    generations : int
        How many times the whole training set was augmented (:meth:`start_epoch`) since the
        recipe was made: 1 after a ``"per_run"`` fit, the number of epochs after a ``"per_epoch"``
        one, 0 under ``"per_batch"``.
    """

    name = "augmented"

    @with_presets(AUGMENTED_PRESETS, error=TrainingError, source=AUGMENTED_PRESET_SOURCES)
    def __init__(self, augmentation: str | AugmentFn = "out_sign_grad", odenet: Any = None,
                 feat_sim: float = 0.0, margin: float = 0.5, *, protocol: str = "per_batch",
                 threat_model: Any = None, preset: str | None = None, **aug_params: Any) -> None:
        self.augmentation = augmentation
        self.odenet = odenet
        self.feat_sim = feat_sim
        self.margin = margin
        self.protocol = protocol
        self.threat_model = threat_model
        self.preset = preset
        self.aug_params = aug_params
        self.generations = 0
        self._loaded: Any = None
        self._threat: Any = None
        self._x_aug: torch.Tensor | None = None

    @property
    def uses_index(self) -> bool:
        """Whether ``loss`` needs the batch's row ``index`` into the training set (``per_epoch`` and
        ``per_run``: the copies were made beforehand for the whole set)."""
        return self.protocol in ("per_epoch", "per_run")

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
        check_choice("protocol", self.protocol, PROTOCOLS, error=TrainingError)
        t = self.threat_model
        if t is not None and not isinstance(t, (str, os.PathLike, torch.nn.Module)):
            raise TrainingError(f"threat_model must be a classifier (nn.Module), a checkpoint path or None, "
                                f"got {type(t).__name__}")
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

    def source_model(self, model: torch.nn.Module, device: str | torch.device | None = None) -> torch.nn.Module:
        """The classifier the augmentation takes its gradient from: ``threat_model`` (a path is
        loaded onto ``device`` on first use and kept) or ``model``."""
        t = self.threat_model
        if t is None:
            return model
        if isinstance(t, (str, os.PathLike)):
            if self._threat is None:
                from tsviz.models import load

                try:
                    self._threat = load(t, device=device or "cpu")
                except ValueError as exc:
                    raise TrainingError(f"threat_model {os.fspath(t)!r}: {exc}") from None
            return self._threat
        return t

    def augment(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """The augmented batch ``x_aug`` ``(b, C, T)`` of ``x``, detached, same dtype and device as
        ``x``, made with ``model`` (the threat model is chosen by the caller, see
        :meth:`source_model`), whatever the protocol."""
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

    def start_epoch(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, epoch: int, *,
                    generator: torch.Generator | None = None) -> None:
        """Called by :func:`tsviz.training.fit` before every epoch with the training series ``x``
        ``(n, C, T)`` and labels ``y`` ``(n,)`` (on the training device; ``epoch`` counts from 1).

        ``"per_epoch"`` augments the whole set now, from the source model as it is now;
        ``"per_run"`` does so at epoch 1 only (a new :func:`fit` starts over); ``"per_batch"``
        does nothing. The copies are kept for ``loss(..., index=...)``; the model is left as found.
        """
        self._check()
        if self.protocol == "per_batch":
            return
        if self.protocol == "per_run" and epoch > 1 and self._x_aug is not None and self._x_aug.shape == x.shape:
            return
        self._x_aug = self.augment(self.source_model(model, x.device), x, y, generator=generator)
        self.generations += 1

    def _stored(self, x: torch.Tensor, index: Any) -> torch.Tensor:
        if self._x_aug is None:
            raise TrainingError(f"recipe augmented: protocol {self.protocol!r} augments the training set before "
                                "the epoch; train with tsviz.training.fit (or call start_epoch(model, X, y, 1) "
                                "and pass loss(..., index=rows of X))")
        if index is None:
            raise TrainingError(f"recipe augmented: protocol {self.protocol!r} needs loss(..., index=) (the rows "
                                "of the batch in the training set), as tsviz.training.fit passes it")
        idx = torch.as_tensor(index, device=self._x_aug.device)
        if idx.dtype not in (torch.int64, torch.int32) or idx.ndim != 1 or idx.numel() != x.shape[0]:
            raise TrainingError(f"index must be {x.shape[0]} integer rows of the training set, got "
                                f"{tuple(idx.shape)} {idx.dtype}")
        if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= self._x_aug.shape[0]):
            raise TrainingError(f"index must lie in [0, {self._x_aug.shape[0]}), the rows of the training set")
        x_aug = self._x_aug[idx]
        if x_aug.shape != x.shape:
            raise TrainingError(f"the stored augmented series have shape {tuple(x_aug.shape[1:])} per series, "
                                f"the batch {tuple(x.shape[1:])}")
        return x_aug.to(device=x.device, dtype=x.dtype)

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
        """Model evaluations per series and epoch: the clean and augmented cross-entropy plus the
        augmentation (the ODENet's dz/dt, counted as one; Out-Sign-Grad adds its clean check and one
        input gradient; a callable is counted as one). The same for every protocol (``per_run``
        augments once per run, so this is an upper bound there)."""
        return 2 + (3 if self.augmentation == "out_sign_grad" else 1)

    def loss(self, model, x, y, *, generator=None, index=None):
        """``0.5 CE(x) + 0.5 CE(x_aug) (+ feat_sim L_FS)`` for a batch ``x`` ``(b, C, T)``: ``x_aug``
        made now (``"per_batch"``) or the stored copies of the rows ``index`` (``(b,)`` int64 rows
        of the training set given to :meth:`start_epoch`, ``"per_epoch"``/``"per_run"``)."""
        feat_sim, margin = self._check()
        gen = recipe_generator(generator)
        if self.protocol == "per_batch":
            x_aug = self.augment(self.source_model(model, x.device), x, y, generator=gen)
        else:
            x_aug = self._stored(x, index)
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
        t = self.threat_model
        threat = (os.fspath(t) if isinstance(t, (str, os.PathLike)) else
                  "the trained model (initial weights)" if t is None and self.protocol == "per_run" else
                  "the trained model" if t is None else
                  (getattr(t, "card", {}) or {}).get("path") or type(t).__name__)
        return {"recipe_details": {
            "name": self.name,
            "augmentation": a if isinstance(a, str) else getattr(a, "__name__", type(a).__name__),
            "odenet": odenet, "feat_sim": self.feat_sim, "margin": self.margin,
            "clean_weight": 0.5, "augmented_weight": 0.5, "aug_params": aug_params,
            "protocol": self.protocol, "threat_model": threat, "preset": self.preset,
            "augmented_set_generations": self.generations}}
