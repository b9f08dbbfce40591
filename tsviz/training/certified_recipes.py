"""Training for certified robustness of the Gaussian-smoothed classifier, beyond plain noise.

Two recipes, registered by name in :data:`tsviz.training.registry.RECIPES`:

``"consistency"`` -- :class:`ConsistencyRegularization`
    Jeong & Shin, "Consistency Regularization for Certified Robustness of Smoothed Classifiers",
    NeurIPS 2020 (their eq. for the total loss): with ``m`` noisy copies ``x + delta_i``,
    ``delta_i ~ N(0, sigma^2 I)``, softmax outputs ``F_i = softmax(f(x + delta_i))`` and their mean
    ``F_bar = (1/m) sum_i F_i``::

        loss = (1/m) sum_i CE(f(x + delta_i), y)
               + lam * (1/m) sum_i KL(F_bar || F_i)
               + eta * H(F_bar)

    each term averaged over the batch; ``KL(p || q) = sum_k p_k (log p_k - log q_k)`` and
    ``H(p) = -sum_k p_k log p_k`` (``log`` of ``F_bar`` clamped at ``1e-20`` as in the authors'
    code). ``F_bar`` is not detached: the gradient flows through every term.

``"smoothadv"`` -- :class:`SmoothAdv`
    Salman, Yang, Zhang, Hsieh, Razenshteyn & Bubeck, "Provably Robust Deep Learning via
    Adversarially Trained Smoothed Classifiers", NeurIPS 2019 (SmoothAdv with PGD and ``m`` noise
    draws): ``m`` draws ``delta_i ~ N(0, sigma^2 I)`` are fixed for the batch; L2 PGD from
    ``x' = x`` maximises the smoothed soft classifier's loss

        ``J(x') = -log( (1/m) sum_i softmax(f(x' + delta_i))_y )``

    over ``||x' - x||_2 <= eps`` (per series, over all channels and time steps) with ``steps``
    normalised-gradient steps of size ``2 eps / steps`` (the authors' step rule), each followed by
    projection onto the ball; the model runs in eval mode with frozen parameters during the attack
    (:func:`tsviz.core.guard_model`), and ``x'`` is a constant of the outer loss. The training loss
    is ``(1/m) sum_i CE(f(x' + delta_i), y)`` on the same draws, in the mode the model was given in.

Zoo names are ``"consistency-<sigma>"`` and ``"smoothadv-<sigma>"`` (the other hyperparameters at
their defaults; :func:`tsviz.training.parse_recipe_name`). All ``m`` copies are one batched
forward pass of ``m * b`` series (copy-major: rows ``i * b .. (i + 1) * b - 1`` are draw ``i``); the
draws come from the ``generator`` given to ``loss`` (made on its device and moved to ``x``'s;
``None``: a CPU generator seeded 0), never from torch's global RNG.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from tsviz.core import check_budget, check_int, check_positive, check_real, guard_model
from tsviz.training.errors import TrainingError
from tsviz.training.recipes import recipe_generator

__all__ = ["ConsistencyRegularization", "SmoothAdv", "MAX_NOISE_DRAWS", "MAX_SMOOTHADV_STEPS",
           "consistency_terms", "smoothed_nll"]

#: Largest number ``m`` of noise draws per series and step (a cap on the batch's ``m * b`` rows).
MAX_NOISE_DRAWS = 32
#: Largest number of SmoothAdv PGD steps (the paper's grid goes to 10).
MAX_SMOOTHADV_STEPS = 100


def _sigma(sigma: Any) -> float:
    return check_positive("sigma", sigma, error=TrainingError)


def _m(m: Any) -> int:
    return check_int("m", m, 1, MAX_NOISE_DRAWS, error=TrainingError)


def _noisy_copies(x: torch.Tensor, m: int, sigma: float, generator: torch.Generator | None) -> torch.Tensor:
    """``sigma * N(0, I)`` of shape ``(m, b, C, T)``, drawn on the generator's device, moved to ``x``'s."""
    gen = recipe_generator(generator)
    eps = torch.randn((m, *x.shape), generator=gen, device=gen.device)
    return sigma * eps.to(x.device, x.dtype)


def consistency_terms(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The three terms of Jeong & Shin (2020) from the logits of ``m`` noisy copies.

    Parameters
    ----------
    logits : (m, b, K) tensor
        ``f(x + delta_i)`` for draw ``i`` and series ``j``.
    y : (b,) int64 tensor

    Returns
    -------
    (ce, kl, entropy) : scalar tensors
        ``mean_{i,j} CE``, ``mean_{i,j} KL(F_bar_j || F_ij)``, ``mean_j H(F_bar_j)``.
    """
    m, b, K = logits.shape
    ce = F.cross_entropy(logits.reshape(m * b, K), y.repeat(m))
    logp = F.log_softmax(logits, dim=-1)                     # (m, b, K)
    p_bar = logp.exp().mean(dim=0)                           # (b, K)
    log_p_bar = torch.log(p_bar.clamp(min=1e-20))
    kl = (p_bar.unsqueeze(0) * (log_p_bar.unsqueeze(0) - logp)).sum(-1).mean()
    entropy = -(p_bar * log_p_bar).sum(-1).mean()
    return ce, kl, entropy


def smoothed_nll(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-series SmoothAdv objective ``-log((1/m) sum_i softmax(logits_i)_y)``, shape ``(b,)``,
    from ``logits`` ``(m, b, K)`` (the soft smoothed classifier's loss, Salman et al. 2019);
    the mean is clamped at ``1e-20`` before the log."""
    p = F.softmax(logits, dim=-1).mean(dim=0)               # (b, K)
    return -torch.log(p.gather(1, y[:, None]).squeeze(1).clamp(min=1e-20))


class ConsistencyRegularization:
    """Gaussian training with consistency regularisation (Jeong & Shin, NeurIPS 2020).

    ``loss = CE + lam * KL(F_bar || F_i) + eta * H(F_bar)`` over ``m`` Gaussian copies of each
    series (module docstring; :func:`consistency_terms`).

    Parameters
    ----------
    sigma : float
        Noise standard deviation in signal units (> 0); use the certification ``sigma``.
    m : int
        Noise draws per series and step, in ``[1, MAX_NOISE_DRAWS]`` (default 2, the paper's
        choice for all its experiments). With ``m = 1`` the KL term is 0.
    lam : float
        Weight ``lambda >= 0`` of the KL (consistency) term (default 10; the paper tunes it per
        dataset and sigma in roughly 5-20).
    eta : float
        Weight ``eta >= 0`` of the entropy of ``F_bar`` (default 0.5, the paper's default).
    """

    name = "consistency"

    def __init__(self, sigma: float, m: int = 2, lam: float = 10.0, eta: float = 0.5) -> None:
        self.sigma = sigma
        self.m = m
        self.lam = lam
        self.eta = eta

    def _params(self) -> tuple[float, int, float, float]:
        return (_sigma(self.sigma), _m(self.m),
                check_real("lam", self.lam, low=0.0, high=1e6, error=TrainingError),
                check_real("eta", self.eta, low=0.0, high=1e6, error=TrainingError))

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: ``sigma``, ``m``, ``lam``, ``eta`` (:class:`TrainingError` naming them)."""
        self._params()

    def passes_per_series(self, n_classes: int) -> int:
        """Model evaluations per series and step: one per noise draw."""
        try:
            return _m(self.m)
        except TrainingError:
            return 1

    def loss(self, model, x, y, *, generator=None):
        sigma, m, lam, eta = self._params()
        noise = _noisy_copies(x, m, sigma, generator)        # (m, b, C, T)
        b = x.shape[0]
        logits = model((x.unsqueeze(0) + noise).reshape(m * b, *x.shape[1:]))
        ce, kl, ent = consistency_terms(logits.reshape(m, b, -1), y)
        return ce + lam * kl + eta * ent

    def card_info(self, dataset) -> dict[str, Any]:
        sigma, m, lam, eta = self._params()
        return {"recipe_details": {"name": self.name, "sigma": sigma, "m": m, "lam": lam, "eta": eta,
                                   "paper": "Jeong & Shin 2020, Consistency Regularization for Certified "
                                            "Robustness of Smoothed Classifiers"}}


class SmoothAdv:
    """Adversarial training of the smoothed classifier (SmoothAdv-PGD, Salman et al., NeurIPS 2019).

    Parameters
    ----------
    sigma : float
        Noise standard deviation in signal units (> 0); use the certification ``sigma``.
    eps : float
        L2 radius of the attack in signal units (> 0, over all ``C * T`` values; default 0.5).
    steps : int
        PGD steps in ``[1, MAX_SMOOTHADV_STEPS]`` (default 2); step size ``2 eps / steps``.
    m : int
        Noise draws per series, shared by the attack and the training loss, in
        ``[1, MAX_NOISE_DRAWS]`` (default 2).

    Notes
    -----
    The paper searches ``m`` in {1, 2, 4, 8}, ``eps`` in {0.25, 0.5, 1, 2} and ``steps`` in
    {1, 2, 4, 8, 10} (CIFAR-10, pixels in [0, 1]); the defaults are a cheap point of that grid
    (``2 * (2 + 1)`` model passes per series) with more than one draw, which the paper finds
    helps. The paper's linear ``eps`` warm-up over the first epochs is not implemented.
    """

    name = "smoothadv"

    def __init__(self, sigma: float, eps: float = 0.5, steps: int = 2, m: int = 2) -> None:
        self.sigma = sigma
        self.eps = eps
        self.steps = steps
        self.m = m

    def _params(self) -> tuple[float, float, int, int]:
        return (_sigma(self.sigma), check_positive("eps", self.eps, error=TrainingError),
                check_int("steps", self.steps, 1, MAX_SMOOTHADV_STEPS, error=TrainingError), _m(self.m))

    def check(self, x: torch.Tensor, n_classes: int) -> None:
        """Before training: the hyperparameters, and ``sigma`` and ``eps`` against the data's scale
        (L2 budgets, :func:`tsviz.core.check_budget`); :class:`TrainingError` naming them."""
        sigma, eps, _, _ = self._params()
        check_budget("sigma", sigma, x, norm="inf", error=TrainingError)
        check_budget("eps", eps, x, norm="l2", error=TrainingError)

    def passes_per_series(self, n_classes: int) -> int:
        """Model evaluations per series and step: ``m`` per PGD step and ``m`` for the loss."""
        try:
            _, _, steps, m = self._params()
        except TrainingError:
            return 1
        return m * (steps + 1)

    def attack(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """SmoothAdv's ``x'`` ``(b, C, T)`` for fixed ``noise`` ``(m, b, C, T)``: L2 PGD on
        :func:`smoothed_nll` from ``x' = x``, model in eval mode and frozen; detached result."""
        _, eps, steps, _ = self._params()
        m, b = noise.shape[:2]
        alpha = 2.0 * eps / steps
        x = x.detach()
        delta = torch.zeros_like(x)
        with guard_model(model), torch.enable_grad():
            for _ in range(steps):
                delta.requires_grad_(True)
                logits = model((x + delta).unsqueeze(0).add(noise).reshape(m * b, *x.shape[1:]))
                obj = smoothed_nll(logits.reshape(m, b, -1), y).sum()
                (grad,) = torch.autograd.grad(obj, delta)
                gnorm = grad.flatten(1).norm(dim=1).clamp(min=1e-12).view(-1, *([1] * (x.dim() - 1)))
                delta = delta.detach() + alpha * grad / gnorm
                dnorm = delta.flatten(1).norm(dim=1).view(-1, *([1] * (x.dim() - 1)))
                delta = delta * torch.clamp(eps / dnorm.clamp(min=1e-12), max=1.0)
        return (x + delta).detach()

    def loss(self, model, x, y, *, generator=None):
        sigma, _, _, m = self._params()
        noise = _noisy_copies(x, m, sigma, generator)        # (m, b, C, T), shared by attack and loss
        x_adv = self.attack(model, x, y, noise)
        b = x.shape[0]
        logits = model((x_adv.unsqueeze(0) + noise).reshape(m * b, *x.shape[1:]))
        return F.cross_entropy(logits, y.repeat(m))

    def card_info(self, dataset) -> dict[str, Any]:
        sigma, eps, steps, m = self._params()
        return {"recipe_details": {"name": self.name, "sigma": sigma, "eps": eps, "steps": steps, "m": m,
                                   "step_size": 2.0 * eps / steps, "norm": "l2",
                                   "paper": "Salman et al. 2019, Provably Robust Deep Learning via "
                                            "Adversarially Trained Smoothed Classifiers"}}
