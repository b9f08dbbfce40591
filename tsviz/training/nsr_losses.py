"""Noise-to-signal-ratio (NSR) losses, their ablations, and Jacobian regularisation.

Ma, L., Liang, L. (2020). "Improve robustness of DNN for ECG signal classification: a
noise-to-signal ratio perspective." arXiv:2005.09134. Section 2.2 (eqs. 1-10), section 3
(defaults ``beta_1 = 0.2``, ``beta_2 = 0.5``, ``eps_max = 1``; the ablations ``mse`` and
``mseMargin``; the Jacobian-regularisation baseline) and appendix F (mini-batch forms, eqs. 13-16).

Five recipes, registered by name in :data:`tsviz.training.registry.RECIPES`:

``"mse"`` -- :class:`MSELoss`
    ``sum_k (z_k - onehot(y)_k)^2`` on every sample (the paper's ``mse`` ablation).
``"mse_margin"`` -- :class:`MSEMarginLoss`
    MSE plus the multi-class margin (hinge) loss on correctly classified samples (``mseMargin``).
``"nsr_loss1"`` -- :class:`NSRLoss1`
    Eq. 5: MSE + margin + ``beta * R_1`` with ``R_1 = ||w_y - gamma x / (x^T x)||_2^2`` (eq. 4).
``"nsr_loss2"`` -- :class:`NSRLoss2`
    Eq. 10: MSE + margin + ``beta * log(1 + R_2)`` with ``R_2 = ||w_y||_1 eps_max / |z_y|`` (eq. 9).
``"jacobian"`` -- :class:`JacobianRegularization`
    Cross-entropy + ``lam * ||dz/dx||_F^2`` (Jakubovitz & Giryes, ECCV 2018), exact or estimated
    with random projections (Hoffman, Roberts & Yaida 2019).

Readings of the paper (where its text leaves a choice)
-------------------------------------------------------
* ``w_y``. Eq. 1 writes a ReLU network as ``z = W^T x + b`` with ``W`` depending on ``x``; for
  such a piecewise-linear network ``w_y`` is exactly the input gradient ``dz_y/dx`` at ``x``. It is
  taken with ``torch.autograd.grad(..., create_graph=True)`` so the regulariser itself is trained
  (double back-propagation). ``x`` is the model's input in signal units; the model's own input
  normalisation is part of the (affine) network, so ``w_y`` is w.r.t. the raw series.
* Per-sample gradients come from one backward pass of ``sum_i z_{y_i}(x_i)``. That is exact when
  samples do not interact, i.e. for every network in eval mode and for networks without
  batch-coupled layers in training mode. A network with BatchNorm in training mode couples the
  samples of a batch through the batch statistics; ``w_i`` then also holds the cross terms
  ``sum_{j != i} dz_{y_j}/dx_i``, and they are not small: ``b - 1`` terms of order ``1/b`` each.
  Measured on TwoLeadECG's ResNet (batch 16), ``w`` differed from the true per-sample gradient by
  62 % (relative L2) at initialisation and 101 % after ``nsr_loss2`` training, when the
  regulariser saw a mean ``||w||_1`` of 0.45 against 2.9 per sample (4.4 in eval mode): the network
  lowers ``R_2`` through the batch coupling instead of becoming less sensitive (and then collapses
  to one class under attack; see ``tsviz.reproduce.targets.nsr_table1``). :func:`logit_input_gradient`
  warns when it meets BatchNorm in training mode. The paper's networks (its MLP and the Kachuee
  CNN) have no BatchNorm.
* ``x / (x^T x)`` (eq. 4) is used as written (``x / ||x||_2^2``, over all channels and steps;
  the text calls it "the unit vector" but with ``gamma = 1`` it is exactly the ``w_y`` for which
  ``w_y^T x = 1``, the value the MSE pushes ``z_y`` to). An all-zero series gives ``0`` there.
* Margin. Eq. 5 sums ``max(0, 1 - z_y + z_i)`` over *all* ``i``; the ``i = y`` term is the
  constant 1 (no gradient) and is dropped: ``margin = sum_{i != y} max(0, 1 - z_y + z_i)``, which
  is ``K`` times PyTorch's ``multi_margin_loss`` named in appendix F (eq. 14, 16), the loss the
  experiments ran ("In the experiment, loss functions loss1 and loss2 run in mini-batches").
  ``margin_reduction="sum"`` (default) is eq. 5 / 10; ``"mean"`` divides by ``K`` as
  ``multi_margin_loss`` does (eq. 14 / 16) and is what ``preset="paper"`` selects. The default
  stays the main text's definition, with which the shipped ``nsr_loss2`` models were trained; the
  two differ only in the margin's weight against the MSE and the regulariser (a factor ``K``, 5 for
  the AAMI classes). Eq. 14 as printed also mixes a summed MSE (``sum (Z - Y)^2``) with
  ``multi_margin_loss``, which averages over the batch; read literally that would shrink the
  margin by a further factor ``b`` (the batch size), which no definition in the text supports:
  both readings here reduce every term of the batch loss the same way (the mean over samples).
* "The margin loss and the regularization term are only used for correctly-classified samples;
  for wrongly-classified samples, loss only contains MSE loss" (end of 2.2.1 and 2.2.2).
  "Correctly classified" is ``argmax_k z_k == y`` on the logits of this forward pass (a
  non-differentiable selection). ``mse_margin`` follows the same rule (it is ``nsr_loss1`` with
  ``beta = 0``).
* Appendix F. Eq. 13 ``R_1 = sum_i ||w_i - gamma X / (X^T X)||^2`` and eq. 15
  ``R_2 = sum_i^k ||w_i||_1 eps_max / |z_i|`` are read as sums over the *samples* ``i`` of the
  mini-batch, ``w_i`` the input gradient of sample ``i``'s true-class logit ``z_i = z_{y_i}(x_i)``
  and ``X / (X^T X)`` taken per sample: eq. 15 with ``i`` over the ``k`` classes of one sample
  would divide by the logits the MSE drives to 0 (unbounded), and eqs. 4 and 9 are stated for the
  true class only. The batch loss is the **mean** over samples of the per-sample loss of eqs. 5 /
  10 (eq. 14/16's sums over the batch, divided by the batch size ``b``, so the learning rate does
  not depend on ``b``), and ``log(1 + R_2)`` is applied per sample.
* ``|z_y|`` in ``R_2`` is floored at the dtype's machine epsilon so a correctly classified sample
  with ``z_y = 0`` gives a large finite value, not ``inf``.
* The paper does not give its Jacobian weight; ``lam = 0.01`` is this module's default.

All losses work on logits ``z = model(x)`` ``(b, K)`` for ``x`` ``(b, C, T)``. Since they take
double backward passes, a network whose layers lack double backward (e.g. cuDNN RNNs on CUDA)
cannot train with ``nsr_loss1``, ``nsr_loss2`` or ``jacobian``.
"""
from __future__ import annotations

import warnings
from typing import Any

import torch
import torch.nn.functional as F

from tsviz.core import check_choice, check_int, check_real, with_presets
from tsviz.training.errors import TrainingError
from tsviz.training.recipes import recipe_generator

__all__ = ["MSELoss", "MSEMarginLoss", "NSRLoss1", "NSRLoss2", "JacobianRegularization",
           "MAX_PROJECTIONS", "logit_input_gradient", "mse_terms", "margin_terms", "r1_terms",
           "r2_terms", "jacobian_norm_sq", "MARGIN_REDUCTIONS", "NSR_PRESETS", "NSR_PRESET_SOURCES",
           "NSR_PAPER_FIT"]

#: Cap on the number of random projections of :class:`JacobianRegularization`.
MAX_PROJECTIONS = 64
#: ``margin_reduction`` values: ``"sum"`` over the other classes (eq. 5, 10) or ``"mean"`` over all
#: ``K`` classes, PyTorch's ``multi_margin_loss`` (appendix F, eq. 14, 16).
MARGIN_REDUCTIONS = ("sum", "mean")
#: ``preset="paper"`` per recipe name (Ma & Liang 2020): section 3 ("we set beta_1 as 0.2 and set
#: beta_2 as 0.5"; eps_max "is set to 1"; "gamma can be fixed to 1", section 2.2.1) and appendix F's
#: ``multi_margin_loss`` (eq. 14, 16).
NSR_PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "mse_margin": {"paper": {"margin_reduction": "mean"}},
    "nsr_loss1": {"paper": {"beta": 0.2, "gamma": 1.0, "margin_reduction": "mean"}},
    "nsr_loss2": {"paper": {"beta": 0.5, "eps_max": 1.0, "margin_reduction": "mean"}},
}
#: Where the presets come from.
NSR_PRESET_SOURCES = {"paper": "Ma & Liang 2020, section 3 and appendix F eq. 14/16 (multi_margin_loss)"}
#: The NSR paper's training run (section 3: "Number of epochs is 50, optimizer is 'Adamax' and
#: learning rate is 0.001"; "Training batch size is 128"), as :func:`tsviz.training.fit` keywords.
#: ``fit`` uses Adam, not Adamax: that difference remains.
NSR_PAPER_FIT: dict[str, Any] = {"epochs": 50, "lr": 1e-3, "batch_size": 128}


# --------------------------------------------------------------------------- validation

def _check_labels(z: torch.Tensor, y: torch.Tensor) -> None:
    if z.ndim != 2 or y.shape != (z.shape[0],):
        raise TrainingError(f"y must have shape ({z.shape[0]},) for logits of shape {tuple(z.shape)}, "
                         f"got {tuple(y.shape)}")


# --------------------------------------------------------------------------- per-sample terms

def logit_input_gradient(model: torch.nn.Module, x: torch.Tensor,
                         y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits and the input gradient of each sample's true-class logit, with a graph.

    Parameters
    ----------
    model : nn.Module
        Maps ``(b, C, T)`` to logits ``(b, K)``; used in whatever mode it is in.
    x : Tensor ``(b, C, T)``
    y : Tensor ``(b,)`` int64

    Returns
    -------
    z : Tensor ``(b, K)``
        ``model(x)``.
    w : Tensor ``(b, C, T)``
        ``w_i = d z_{y_i} / d x_i`` (the ``w_y`` of eq. 3 for the locally linear ReLU network of
        eq. 1), built with ``create_graph=True`` so losses on it back-propagate to the weights.
        See the module notes for batch-coupled layers.
    """
    if any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.training for m in model.modules()):
        warnings.warn("nsr_loss1/nsr_loss2: the model has BatchNorm in training mode, which couples the samples "
                      "of a batch: w_i then mixes in the other samples' gradients and the regulariser is not the "
                      "per-sample NSR bound (tsviz.training.nsr_losses notes); prefer a network without BatchNorm "
                      "(mlp, kachuee: the paper's)", UserWarning, stacklevel=3)
    xg = x.detach().requires_grad_(True)
    with torch.enable_grad():
        z = model(xg)
        _check_labels(z, y)
        zy = z.gather(1, y.view(-1, 1)).sum()
        if not zy.requires_grad:
            raise TrainingError("the model's logits do not depend differentiably on its input")
        (w,) = torch.autograd.grad(zy, xg, create_graph=True, allow_unused=True)
    if w is None:
        raise TrainingError("the model's logits do not depend differentiably on its input")
    return z, w


def mse_terms(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``(z_y - 1)^2 + sum_{i != y} z_i^2`` per sample (eq. 5, first two terms); ``(b,)``."""
    _check_labels(z, y)
    onehot = F.one_hot(y, z.shape[1]).to(z.dtype)
    return (z - onehot).pow(2).sum(1)


def margin_terms(z: torch.Tensor, y: torch.Tensor, reduction: str = "sum") -> torch.Tensor:
    """The multi-class margin (hinge) per sample, ``(b,)``.

    ``reduction="sum"``: ``sum_{i != y} max(0, 1 - z_y + z_i)`` (eq. 5's margin without its constant
    ``i = y`` term); ``"mean"``: that sum divided by ``K``, PyTorch's
    ``multi_margin_loss(z, y, reduction="none")`` (eq. 14, 16).
    """
    _check_labels(z, y)
    check_choice("margin_reduction", reduction, MARGIN_REDUCTIONS, error=TrainingError)
    zy = z.gather(1, y.view(-1, 1))
    hinge = (1.0 - zy + z).clamp_min(0.0)
    total = hinge.masked_fill(F.one_hot(y, z.shape[1]).bool(), 0.0).sum(1)
    return total / z.shape[1] if reduction == "mean" else total


def r1_terms(w: torch.Tensor, x: torch.Tensor, gamma: float = 1.0) -> torch.Tensor:
    """``R_1 = ||w - gamma x / (x^T x)||_2^2`` per sample (eq. 4), norms over ``(C, T)``.

    Parameters
    ----------
    w, x : Tensor ``(b, C, T)``
        Input gradients of the true-class logits and the inputs.
    gamma : float
        Coefficient of ``x / (x^T x)`` (1 in the paper).

    Returns
    -------
    Tensor ``(b,)``; a sample with ``x = 0`` uses ``x / (x^T x) = 0``.
    """
    xf = x.flatten(1).to(w.dtype)
    sq = (xf * xf).sum(1, keepdim=True)
    target = torch.where(sq > 0, xf / sq.clamp_min(torch.finfo(w.dtype).tiny), torch.zeros_like(xf))
    return (w.flatten(1) - gamma * target).pow(2).sum(1)


def r2_terms(w: torch.Tensor, zy: torch.Tensor, eps_max: float = 1.0) -> torch.Tensor:
    """``R_2 = ||w||_1 eps_max / |z_y|`` per sample (eq. 9: the Hoelder bound on the NSR under an
    L-inf noise of size ``eps_max``); ``|z_y|`` is floored at the dtype's machine epsilon.

    Parameters
    ----------
    w : Tensor ``(b, C, T)``
    zy : Tensor ``(b,)``
        True-class logits.
    eps_max : float

    Returns
    -------
    Tensor ``(b,)``
    """
    l1 = w.flatten(1).abs().sum(1)
    return l1 * eps_max / zy.abs().clamp_min(torch.finfo(zy.dtype).eps)


def jacobian_norm_sq(model: torch.nn.Module, x: torch.Tensor, *, projections: int | None = None,
                     generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Squared Frobenius norm of the logit Jacobian ``J = dz/dx`` per sample, with a graph.

    Parameters
    ----------
    model : nn.Module
    x : Tensor ``(b, C, T)``
    projections : int or None
        ``None``: exact, ``||J||_F^2 = sum_k ||dz_k/dx||^2`` (one backward pass per class).
        ``n``: unbiased estimate ``mean_{m<n} ||v_m^T J||^2`` with ``v_m ~ N(0, I_K)`` drawn per
        sample with ``generator`` (``E[v v^T] = I``), ``n`` backward passes (Hoffman et al. 2019
        use directions on the unit sphere scaled by ``sqrt(K)``; the Gaussian gives the same mean).
    generator : torch.Generator, optional
        For the projections; ``None`` means a fresh CPU generator seeded 0
        (:func:`tsviz.training.recipes.recipe_generator`).

    Returns
    -------
    z : Tensor ``(b, K)``
        ``model(x)``.
    norm_sq : Tensor ``(b,)``
    """
    xg = x.detach().requires_grad_(True)
    with torch.enable_grad():
        z = model(xg)
        b, K = z.shape
        if projections is None:
            vs = [F.one_hot(torch.full((b,), k, device=z.device), K).to(z.dtype) for k in range(K)]
            scale = 1.0
        else:
            gen = recipe_generator(generator)
            v = torch.randn((projections, b, K), generator=gen, device=gen.device, dtype=z.dtype).to(z.device)
            vs = list(v)
            scale = 1.0 / projections
        total = z.new_zeros(b)
        for v in vs:
            (g,) = torch.autograd.grad((z * v).sum(), xg, create_graph=True, allow_unused=True)
            if g is None:
                raise TrainingError("the model's logits do not depend differentiably on its input")
            total = total + g.reshape(b, -1).pow(2).sum(1)
    return z, total * scale


# --------------------------------------------------------------------------- recipes

#: Settings left off the card while at these defaults (cards written before they existed read the same).
_CARD_DEFAULTS = {"margin_reduction": "sum", "preset": None}


def _details(self: Any, **extra: Any) -> dict[str, Any]:
    return {"recipe_details": {"name": self.name, **{k: v for k, v in vars(self).items()
                                                     if not k.startswith("_") and not (
                                                         k in _CARD_DEFAULTS and v == _CARD_DEFAULTS[k])},
                               **extra}}


class MSELoss:
    """Mean squared error on one-hot targets (the ``"mse"`` recipe; the paper's ``mse`` ablation).

    ``loss = mean_i sum_k (z_ik - onehot(y_i)_k)^2`` over the batch, ``z = model(x)`` ``(b, K)``
    logits (no softmax). Ma & Liang 2020, eq. 5 (first two terms) and section 3.
    """

    name = "mse"

    def loss(self, model, x, y, *, generator=None):
        return mse_terms(model(x), y).mean()

    def card_info(self, dataset) -> dict[str, Any]:
        return _details(self)


class MSEMarginLoss:
    """MSE plus multi-class margin loss (the ``"mse_margin"`` recipe; the ``mseMargin`` ablation).

    Per sample ``mse_i + c_i * sum_{k != y} max(0, 1 - z_y + z_k)``, averaged over the batch;
    ``c_i = 1`` when sample ``i`` is correctly classified (``argmax z_i == y_i``), else 0 (the rule
    of Ma & Liang 2020, sections 2.2.1-2.2.2). Equals :class:`NSRLoss1` with ``beta = 0``.

    Parameters
    ----------
    margin_reduction : {"sum", "mean"}
        ``"sum"`` (default): eq. 5's sum over the other classes; ``"mean"``: divided by ``K``,
        PyTorch's ``multi_margin_loss`` of appendix F (module notes).
    preset : {None, "paper"}
        ``"paper"``: ``margin_reduction="mean"`` (:data:`NSR_PRESETS`); a contradicting argument raises.
    """

    name = "mse_margin"

    @with_presets(NSR_PRESETS["mse_margin"], error=TrainingError, source=NSR_PRESET_SOURCES)
    def __init__(self, margin_reduction: str = "sum", preset: str | None = None) -> None:
        self.margin_reduction = margin_reduction
        self.preset = preset

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: ``margin_reduction`` (:class:`TrainingError`)."""
        check_choice("margin_reduction", self.margin_reduction, MARGIN_REDUCTIONS, error=TrainingError)

    def loss(self, model, x, y, *, generator=None):
        z = model(x)
        correct = (z.detach().argmax(1) == y).to(z.dtype)
        return (mse_terms(z, y) + correct * margin_terms(z, y, self.margin_reduction)).mean()

    def card_info(self, dataset) -> dict[str, Any]:
        return _details(self)


class NSRLoss1:
    """Loss 1 of Ma & Liang 2020 (eqs. 4-5, appendix F eqs. 13-14): the ``"nsr_loss1"`` recipe.

    Per sample ``i`` (``z = model(x)`` logits ``(b, K)``, ``w_i = dz_{y_i}/dx_i`` ``(C, T)``)::

        loss_i = (z_y - 1)^2 + sum_{k != y} z_k^2
                 + c_i * [ sum_{k != y} max(0, 1 - z_y + z_k) + beta * ||w_i - gamma x_i / (x_i^T x_i)||^2 ]

    with ``c_i = 1`` for correctly classified samples, else 0; the batch loss is ``mean_i loss_i``.
    The regulariser aligns ``w_y`` with ``x`` so that an adversarial noise (aligned with ``w_y``)
    must look like the signal. See the module notes for the readings of the equations.

    Parameters
    ----------
    beta : float
        ``beta_1 >= 0`` (default 0.2, section 3).
    gamma : float
        Coefficient of ``x / (x^T x)`` (default 1, "gamma can be fixed to 1").
    margin_reduction : {"sum", "mean"}
        ``"sum"`` (default): eq. 5's margin; ``"mean"``: divided by ``K`` as appendix F's
        ``multi_margin_loss`` (eq. 14; module notes).
    preset : {None, "paper"}
        ``"paper"``: ``beta = 0.2``, ``gamma = 1``, ``margin_reduction = "mean"``
        (:data:`NSR_PRESETS`); a contradicting argument raises :class:`TrainingError`. The paper's
        run (50 epochs, batch 128, lr 1e-3, Adamax) is :data:`NSR_PAPER_FIT` for ``fit``.
    """

    name = "nsr_loss1"

    def passes_per_series(self, n_classes: int) -> int:
        """Model evaluations per series and step: the forward/backward for ``w_i`` and the
        backward through it (double backpropagation)."""
        return 2

    @with_presets(NSR_PRESETS["nsr_loss1"], error=TrainingError, source=NSR_PRESET_SOURCES)
    def __init__(self, beta: float = 0.2, gamma: float = 1.0, margin_reduction: str = "sum",
                 preset: str | None = None) -> None:
        self.beta = beta
        self.gamma = gamma
        self.margin_reduction = margin_reduction
        self.preset = preset

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: ``beta``, ``gamma`` and ``margin_reduction`` (:class:`TrainingError`)."""
        check_real("beta", self.beta, low=0.0, error=TrainingError)
        check_real("gamma", self.gamma, error=TrainingError)
        check_choice("margin_reduction", self.margin_reduction, MARGIN_REDUCTIONS, error=TrainingError)

    def loss(self, model, x, y, *, generator=None):
        beta = check_real("beta", self.beta, low=0.0, error=TrainingError)
        gamma = check_real("gamma", self.gamma, error=TrainingError)
        z, w = logit_input_gradient(model, x, y)
        correct = z.detach().argmax(1) == y
        out = mse_terms(z, y)
        extra = (margin_terms(z, y, self.margin_reduction)[correct]
                 + beta * r1_terms(w[correct], x[correct], gamma))
        return (out.sum() + extra.sum()) / x.shape[0]

    def card_info(self, dataset) -> dict[str, Any]:
        return _details(self)


class NSRLoss2:
    """Loss 2 of Ma & Liang 2020 (eqs. 6-10, appendix F eqs. 15-16): the ``"nsr_loss2"`` recipe.

    Per sample ``i`` (``z = model(x)`` logits ``(b, K)``, ``w_i = dz_{y_i}/dx_i`` ``(C, T)``)::

        R_2,i  = ||w_i||_1 * eps_max / |z_{y_i}|          (Hoelder bound on NSR_y, eq. 8-9)
        loss_i = (z_y - 1)^2 + sum_{k != y} z_k^2
                 + c_i * [ sum_{k != y} max(0, 1 - z_y + z_k) + beta * log(1 + R_2,i) ]

    with ``c_i = 1`` for correctly classified samples, else 0; the batch loss is ``mean_i loss_i``.
    See the module notes for the readings of the equations.

    Parameters
    ----------
    beta : float
        ``beta_2 >= 0`` (default 0.5, section 3).
    eps_max : float
        L-inf noise level of the bound, ``> 0``, in signal units (default 1, section 2.2.2).
    margin_reduction : {"sum", "mean"}
        ``"sum"`` (default): eq. 10's margin; ``"mean"``: divided by ``K`` as appendix F's
        ``multi_margin_loss`` (eq. 16; module notes).
    preset : {None, "paper"}
        ``"paper"``: ``beta = 0.5``, ``eps_max = 1``, ``margin_reduction = "mean"``
        (:data:`NSR_PRESETS`); a contradicting argument raises :class:`TrainingError`. The paper's
        run (50 epochs, batch 128, lr 1e-3, Adamax) is :data:`NSR_PAPER_FIT` for ``fit``.
    """

    name = "nsr_loss2"

    def passes_per_series(self, n_classes: int) -> int:
        """Model evaluations per series and step: the forward/backward for ``w_i`` and the
        backward through it (double backpropagation)."""
        return 2

    @with_presets(NSR_PRESETS["nsr_loss2"], error=TrainingError, source=NSR_PRESET_SOURCES)
    def __init__(self, beta: float = 0.5, eps_max: float = 1.0, margin_reduction: str = "sum",
                 preset: str | None = None) -> None:
        self.beta = beta
        self.eps_max = eps_max
        self.margin_reduction = margin_reduction
        self.preset = preset

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: ``beta``, ``eps_max`` and ``margin_reduction`` (:class:`TrainingError`)."""
        check_real("beta", self.beta, low=0.0, error=TrainingError)
        check_real("eps_max", self.eps_max, low=0.0, low_open=True, error=TrainingError)
        check_choice("margin_reduction", self.margin_reduction, MARGIN_REDUCTIONS, error=TrainingError)

    def loss(self, model, x, y, *, generator=None):
        beta = check_real("beta", self.beta, low=0.0, error=TrainingError)
        eps_max = check_real("eps_max", self.eps_max, low=0.0, low_open=True, error=TrainingError)
        z, w = logit_input_gradient(model, x, y)
        correct = z.detach().argmax(1) == y
        out = mse_terms(z, y)
        zy = z.gather(1, y.view(-1, 1)).squeeze(1)
        extra = (margin_terms(z, y, self.margin_reduction)[correct]
                 + beta * torch.log1p(r2_terms(w[correct], zy[correct], eps_max)))
        return (out.sum() + extra.sum()) / x.shape[0]

    def card_info(self, dataset) -> dict[str, Any]:
        return _details(self)


class JacobianRegularization:
    """Cross-entropy plus the squared Frobenius norm of the input-logit Jacobian (``"jacobian"``).

    ``loss = CE(z, y) + lam * mean_i ||J(x_i)||_F^2``, ``J = dz/dx`` ``(K, C*T)`` per sample, the
    logits' Jacobian (Jakubovitz, D., Giryes, R. (2018). "Improving DNN robustness to adversarial
    attacks using Jacobian regularization." ECCV 2018), the baseline ``jacob`` of Ma & Liang 2020.
    The norm is exact (``projections=None``, ``K`` backward passes) or estimated from random
    projections (Hoffman, J., Roberts, D. A., Yaida, S. (2019). "Robust learning with Jacobian
    regularization." arXiv:1908.02729), see :func:`jacobian_norm_sq`; the projections are drawn
    with the ``generator`` given to ``loss``.

    Parameters
    ----------
    lam : float
        Weight ``>= 0`` of the regulariser (default 0.01; not given in the NSR paper).
    projections : int or None
        ``None`` for the exact norm, else the number of random projections in
        ``[1, MAX_PROJECTIONS]`` (64).
    """

    name = "jacobian"

    def passes_per_series(self, n_classes: int) -> int:
        """Model evaluations per series and step: the forward pass plus one backward pass per class
        (exact norm) or per random projection."""
        n = self._projections()
        return 1 + (int(n_classes) if n is None else n)

    def _projections(self) -> int | None:
        n = self.projections
        return None if n is None else check_int("projections", n, 1, MAX_PROJECTIONS, error=TrainingError)

    def __init__(self, lam: float = 0.01, projections: int | None = None) -> None:
        self.lam = lam
        self.projections = projections

    def loss(self, model, x, y, *, generator=None):
        lam = check_real("lam", self.lam, low=0.0, error=TrainingError)
        z, norm_sq = jacobian_norm_sq(model, x, projections=self._projections(), generator=generator)
        return F.cross_entropy(z, y) + lam * norm_sq.mean()

    def card_info(self, dataset) -> dict[str, Any]:
        return _details(self)
