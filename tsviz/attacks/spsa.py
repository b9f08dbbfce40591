"""SPSA: a black-box attack that descends a margin loss with simultaneous-perturbation gradient estimates.

Uesato, J., O'Donoghue, B., van den Oord, A., Kohli, P. (2018). "Adversarial risk and the dangers of
evaluating against weak attacks." ICML 2018 (arXiv:1802.05666), Algorithm 1. Used as the black-box
attack of the ECG noise-to-signal-ratio paper (Ma & Liang 2020).

The model is only *queried*: class probabilities under ``torch.no_grad`` (no gradient, no autograd
graph), and every evaluation is counted per sample. This module also holds the query helpers that
:mod:`tsviz.attacks.genattack` shares (private, not part of the public API).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from tsviz.attacks.base import (
    MAX_POPULATION, MAX_QUERIES, MAX_STEPS, Attack, AttackError, AttackResult, apply_bounds, check_int,
    QUERY_BATCH, check_positive, per_sample_norm, project_l2, project_linf,
)
from tsviz.attacks.base import check_bool as _check_bool
from tsviz.attacks.base import query_log_probs as _query
from tsviz.attacks.base import resolve_generator as _resolve_generator

__all__ = ["SPSA", "QUERY_BATCH"]

#: Largest number of elements of a probe tensor built at once (directions are processed in chunks).
PROBE_ELEMENTS = 1 << 23
#: Adam constants (Kingma & Ba 2015), as in Uesato et al.'s implementation.
ADAM_BETA1, ADAM_BETA2, ADAM_EPS = 0.9, 0.999, 1e-8

NORMS = ("inf", "l2")


# --------------------------------------------------------------------------- shared black-box helpers


def _label_and_rest(logp: torch.Tensor, label: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``logp`` ``(..., K)`` -> (``logp[label]``, the same with that class masked to ``-inf``)."""
    idx = label.unsqueeze(-1)
    own = logp.gather(-1, idx).squeeze(-1)
    rest = logp.scatter(-1, idx, float("-inf"))
    return own, rest


def _margin_loss(logp: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None) -> torch.Tensor:
    """Margin loss of Uesato et al. (2018) on log-probabilities, to be *minimised*; shape ``logp.shape[:-1]``.

    Untargeted: ``log p_y - max_{j != y} log p_j``; targeted: ``max_{j != t} log p_j - log p_t``.
    Negative exactly when the attack has succeeded (up to ties). On log-probabilities the margin
    equals the logit margin (the log-normaliser cancels).
    """
    if target is None:
        own, rest = _label_and_rest(logp, y)
        return own - rest.amax(-1)
    own, rest = _label_and_rest(logp, target)
    return rest.amax(-1) - own


def _success(logp: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None) -> torch.Tensor:
    """Untargeted: ``argmax != y``; targeted: ``argmax == target`` (shape ``logp.shape[:-1]``)."""
    pred = logp.argmax(-1)
    return pred == target if target is not None else pred != y




def _uniform(gen: torch.Generator, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """``U[0, 1)`` draws on the generator's device (CPU or ``like``'s), moved to ``like``'s device/dtype."""
    return torch.rand(shape, generator=gen, device=gen.device, dtype=like.dtype).to(like.device)




def _check_max_queries(value: object) -> int:
    """``max_queries``: ``None`` -> :data:`MAX_QUERIES`; else an int in ``[1, MAX_QUERIES]``."""
    return MAX_QUERIES if value is None else check_int("max_queries", value, 1, MAX_QUERIES)


def _nan_row(n: int, idx: torch.Tensor, values: torch.Tensor) -> np.ndarray:
    row = np.full(n, np.nan)
    row[idx.cpu().numpy()] = values.detach().double().cpu().numpy()
    return row


# --------------------------------------------------------------------------- the attack
class SPSA(Attack):
    """SPSA attack (Uesato et al. 2018, Algorithm 1): Adam on a margin loss with SPSA gradient estimates.

    With ``delta_k`` the current perturbation of a sample (``0`` before the first step, or a random
    point of the ball with ``random_start``), each iteration

    1. queries ``x + delta_k`` once (success check; the first check is of ``x`` itself);
    2. draws ``samples / 2`` Rademacher directions ``v_i in {-1, +1}^{C x T}`` and queries the
       antithetic pairs ``x + delta_k +- delta * v_i`` (clipped into ``bounds``): ``samples`` queries;
    3. estimates ``g = mean_i (L(x + delta_k + delta v_i) - L(x + delta_k - delta v_i)) / (2 delta) * v_i``;
    4. takes an Adam step ``delta_{k+1} = delta_k - lr * m_hat / (sqrt(v_hat) + 1e-8)`` (betas 0.9,
       0.999; implemented by hand, batched over samples), then projects onto the ``eps``-ball
       (L-inf clamp or L2 rescale) and clips ``x + delta_{k+1}`` into ``bounds``.

    ``L`` is the margin loss on log-probabilities, minimised: untargeted
    ``log p_y - max_{j != y} log p_j``; targeted ``max_{j != t} log p_j - log p_t``.

    Parameters
    ----------
    eps : float
        Budget (> 0) in signal units, L-inf or L2 per ``norm``.
    delta : float
        Probe size of the finite differences (> 0), signal units. Uesato et al.: 0.01.
    lr : float
        Adam learning rate (> 0), signal units per step. Uesato et al.: 0.01.
    samples : int
        Probe evaluations per gradient estimate: an even integer in ``[2, MAX_POPULATION]`` (1000),
        i.e. ``samples / 2`` antithetic pairs.
    iterations : int
        Adam steps, in ``[1, MAX_STEPS]`` (1000).
    norm : {"inf", "l2"}
        Budget norm.
    max_queries : int or None
        Query budget per sample in ``[1, MAX_QUERIES]`` (200,000); ``None`` means :data:`MAX_QUERIES`.
        A sample takes another step only while ``samples + 1`` more queries (the step and the check
        of its result) fit.
    random_start : bool
        Start from a uniform random point of the ``eps``-ball (as the implementation of Uesato et al.
        does) after the clean check; ``False`` starts from ``x``.
    bounds : (lo, hi) or None
        Valid signal range, floats or one value per channel; every query and ``x_adv`` are clipped
        into it (assumes ``x`` lies inside it).

    Notes
    -----
    * Queries per sample: 1 (clean check) + ``samples + 1`` per iteration taken; at most
      ``1 + iterations * (samples + 1)``. A sample stops at its first successful check (it spends no
      more queries): a sample already misclassified (targeted: classified as the target) spends 1.
    * ``x_adv``: the first successful point; for unsuccessful samples the checked point with the
      lowest margin loss (``x`` itself if nothing beat it).
    * ``history``: ``"loss"`` ``(checks, n)`` the margin loss at each check (NaN once a sample has
      stopped), ``"queries"`` ``(checks, n)`` cumulative queries; ``checks <= iterations + 1``.
    * Randomness only from ``generator``; ``None`` means a fresh CPU ``torch.Generator`` seeded 0,
      so calls without one are deterministic. Draws are made on the generator's device.
    * The model is queried only through softmax probabilities under ``torch.no_grad``; no gradient
      is ever computed.
    """

    name = "spsa"
    eps_scaled = ("delta", "lr")
    #: ``delta`` (probe size) and ``lr`` (Adam step) act per entry, so they are L-inf sizes
    budgets = (("eps", "norm"), ("delta", "inf"), ("lr", "inf"))
    norm = "inf"
    black_box = True

    def __init__(self, eps: float, delta: float = 0.01, lr: float = 0.01, samples: int = 64,
                 iterations: int = 100, norm: str = "inf", max_queries: int | None = None,
                 random_start: bool = True, bounds=None) -> None:
        self.eps = eps
        self.delta = delta
        self.lr = lr
        self.samples = samples
        self.iterations = iterations
        self.norm = norm
        self.max_queries = max_queries
        self.random_start = random_start
        self.bounds = bounds

    def validate(self) -> None:
        """Raise :class:`AttackError` naming the first bad hyperparameter."""
        check_positive("eps", self.eps)
        check_positive("delta", self.delta)
        check_positive("lr", self.lr)
        check_int("samples", self.samples, 2, MAX_POPULATION)
        if self.samples % 2:
            raise AttackError(f"samples must be even (antithetic pairs x + delta v, x - delta v), got {self.samples}")
        check_int("iterations", self.iterations, 1, MAX_STEPS)
        if not isinstance(self.norm, str) or self.norm not in NORMS:
            raise AttackError(f"norm must be one of {NORMS}, got {self.norm!r}")
        _check_max_queries(self.max_queries)
        _check_bool("random_start", self.random_start)

    def cost_factors(self, n: int) -> dict[str, int]:
        """Queries: ``series x iterations x (samples + 1)``, or ``series x max_queries`` when that is
        smaller (the clean check's one query per series is not counted)."""
        per = int(self.iterations) * (int(self.samples) + 1)
        mq = _check_max_queries(self.max_queries)
        if self.max_queries is not None and mq < per:
            return {"series": int(n), "max_queries": mq}
        return {"series": int(n), "iterations": int(self.iterations),
                "queries per iteration (samples + 1)": int(self.samples) + 1}

    # ----------------------------------------------------------------------- pieces
    def _project(self, pert: torch.Tensor, x: torch.Tensor, bounds) -> torch.Tensor:
        eps = float(self.eps)
        pert = project_linf(pert, eps) if self.norm == "inf" else project_l2(pert, eps)
        return apply_bounds(x + pert, bounds) - x

    def _random_point(self, x: torch.Tensor, gen: torch.Generator, bounds) -> torch.Tensor:
        """A perturbation uniform in the ``eps``-ball (L-inf: per entry; L2: uniform direction times
        ``eps * u^(1/d)``), clipped so that ``x + delta`` respects ``bounds``."""
        eps, n = float(self.eps), x.shape[0]
        if self.norm == "inf":
            pert = (2.0 * _uniform(gen, tuple(x.shape), x) - 1.0) * eps
        else:
            direction = torch.randn(tuple(x.shape), generator=gen, device=gen.device, dtype=x.dtype).to(x.device)
            direction = direction / per_sample_norm(direction, 2).clamp_min(1e-12).view(n, 1, 1)
            radius = eps * _uniform(gen, (n,), x).pow(1.0 / x[0].numel())
            pert = direction * radius.view(n, 1, 1)
        return self._project(pert, x, bounds)

    def _gradient(self, model: torch.nn.Module, point: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None,
                  gen: torch.Generator, bounds) -> torch.Tensor:
        """SPSA estimate of ``grad L`` at ``point`` ``(m, C, T)``; costs exactly ``samples`` queries per row."""
        m, C, T = point.shape
        half, delta = int(self.samples) // 2, float(self.delta)
        chunk = max(1, PROBE_ELEMENTS // max(1, 2 * m * C * T))
        grad = torch.zeros_like(point)
        for start in range(0, half, chunk):
            k = min(chunk, half - start)
            v = 2.0 * (_uniform(gen, (m, k, C, T), point) < 0.5).to(point.dtype) - 1.0  # Rademacher
            probes = torch.cat([point.unsqueeze(1) + delta * v, point.unsqueeze(1) - delta * v], dim=1)
            probes = apply_bounds(probes.reshape(m * 2 * k, C, T), bounds)
            logp = _query(model, probes).view(m, 2 * k, -1)
            yy = y.unsqueeze(1).expand(m, 2 * k)
            tt = None if target is None else target.unsqueeze(1).expand(m, 2 * k)
            loss = _margin_loss(logp, yy, tt).to(point.dtype)
            diff = (loss[:, :k] - loss[:, k:]) / (2.0 * delta)  # (m, k)
            grad += (diff.view(m, k, 1, 1) * v).sum(1)
        return grad / half

    # ----------------------------------------------------------------------- main loop
    def _run(self, model, x, y, target, generator, bounds, progress) -> AttackResult:
        gen = _resolve_generator(generator)
        n = x.shape[0]
        lr, samples, iterations = float(self.lr), int(self.samples), int(self.iterations)
        budget = _check_max_queries(self.max_queries)
        dev = x.device

        queries = torch.zeros(n, dtype=torch.long, device=dev)
        success = torch.zeros(n, dtype=torch.bool, device=dev)
        best_loss = torch.full((n,), float("inf"), dtype=x.dtype, device=dev)
        x_best = x.clone()
        pert = torch.zeros_like(x)
        m1 = torch.zeros_like(x)  # Adam first moment
        m2 = torch.zeros_like(x)  # Adam second moment
        active = torch.arange(n, device=dev)
        last = 0.0
        loss_rows: list[np.ndarray] = []
        query_rows: list[np.ndarray] = []

        for it in range(iterations + 1):
            # 1. check the current point (the clean series at it == 0): one query per active sample
            xa = x[active] if it == 0 else apply_bounds(x[active] + pert[active], bounds)
            ya = y[active]
            ta = None if target is None else target[active]
            logp = _query(model, xa)
            queries[active] += 1
            loss = _margin_loss(logp, ya, ta).to(x.dtype)
            ok = _success(logp, ya, ta)
            better = ok | (loss < best_loss[active])
            upd = active[better]
            x_best[upd] = xa[better]
            best_loss[upd] = loss[better]
            success[active[ok]] = True
            loss_rows.append(_nan_row(n, active, loss))
            query_rows.append(queries.cpu().numpy().copy())
            if progress is not None:
                last = it / iterations
                progress(last, f"SPSA iteration {it}/{iterations}")
            if it == iterations:
                break
            # 2. samples that go on: not successful, and room for a step plus the check of its result
            active = active[~ok]
            active = active[queries[active] + samples + 1 <= budget]
            if active.numel() == 0:
                break
            xs = x[active]
            if it == 0 and self.random_start:
                pert[active] = self._random_point(xs, gen, bounds)
            # 3. SPSA gradient estimate: `samples` queries per active sample
            g = self._gradient(model, xs + pert[active], y[active],
                               None if target is None else target[active], gen, bounds)
            queries[active] += samples
            # 4. Adam step (step count it + 1 is shared: a sample active now was active at every step)
            t = it + 1
            m1[active] = ADAM_BETA1 * m1[active] + (1.0 - ADAM_BETA1) * g
            m2[active] = ADAM_BETA2 * m2[active] + (1.0 - ADAM_BETA2) * g * g
            m_hat = m1[active] / (1.0 - ADAM_BETA1 ** t)
            v_hat = m2[active] / (1.0 - ADAM_BETA2 ** t)
            step = lr * m_hat / (v_hat.sqrt() + ADAM_EPS)
            pert[active] = self._project(pert[active] - step, xs, bounds)

        if progress is not None and last < 1.0:
            progress(1.0, "SPSA done")
        return AttackResult(
            x_adv=x_best,
            queries=queries.cpu().numpy().astype(np.int64),
            success=success.cpu().numpy().astype(bool),
            history={"loss": np.stack(loss_rows), "queries": np.stack(query_rows).astype(np.int64)},
        )
