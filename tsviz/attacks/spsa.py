"""SPSA: a black-box attack that descends a margin loss with simultaneous-perturbation gradient estimates.

Uesato, J., O'Donoghue, B., van den Oord, A., Kohli, P. (2018). "Adversarial risk and the dangers of
evaluating against weak attacks." ICML 2018 (arXiv:1802.05666), Algorithm 1. Used as the black-box
attack of the ECG noise-to-signal-ratio paper (Ma & Liang 2020).

The model is only *queried*: class probabilities under ``torch.no_grad`` (no gradient, no autograd
graph), and every evaluation is counted per sample (:func:`tsviz.attacks.base.query_log_probs`).
"""
from __future__ import annotations

import numpy as np
import torch

from tsviz.attacks.base import (
    MAX_ITERATIONS,
    MAX_POPULATION,
    QUERY_BATCH,
    Attack,
    AttackResult,
    apply_bounds,
    check_max_queries,
    check_norm,
    history_row,
    project,
    query_log_probs,
    random_ball_point,
    uniform_draws,
)
from tsviz.attacks.errors import AttackError
from tsviz.attacks.objectives import attack_success, margin_loss
from tsviz.core import check_bool, check_int, check_positive

__all__ = ["SPSA", "QUERY_BATCH"]

#: Largest number of elements of a probe tensor built at once (directions are processed in chunks).
PROBE_ELEMENTS = 1 << 23
#: Adam constants (Kingma & Ba 2015), as in Uesato et al.'s implementation.
ADAM_BETA1, ADAM_BETA2, ADAM_EPS = 0.9, 0.999, 1e-8


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
        Adam steps, in ``[1, MAX_ITERATIONS]`` (1000).
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
    * Randomness only from ``generator`` or ``seed`` (neither: a fresh CPU ``torch.Generator`` seeded
      0, so calls without one are deterministic). Draws are made on the generator's device.
    * The model is queried only through softmax probabilities under ``torch.no_grad``; no gradient
      is ever computed.
    """

    name = "spsa"
    stochastic = True
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
        check_positive("eps", self.eps, error=AttackError)
        check_positive("delta", self.delta, error=AttackError)
        check_positive("lr", self.lr, error=AttackError)
        check_int("samples", self.samples, 2, MAX_POPULATION, error=AttackError)
        if self.samples % 2:
            raise AttackError(f"samples must be even (antithetic pairs x + delta v, x - delta v), got {self.samples}")
        check_int("iterations", self.iterations, 1, MAX_ITERATIONS, error=AttackError)
        check_norm(self.norm)
        check_max_queries(self.max_queries)
        check_bool("random_start", self.random_start, error=AttackError)

    def cost_factors(self, n: int) -> dict[str, int]:
        """Queries: ``series x iterations x (samples + 1)``, or ``series x max_queries`` when that is
        smaller (the clean check's one query per series is not counted)."""
        per = int(self.iterations) * (int(self.samples) + 1)
        mq = check_max_queries(self.max_queries)
        if self.max_queries is not None and mq < per:
            return {"series": int(n), "max_queries": mq}
        return {"series": int(n), "iterations": int(self.iterations),
                "queries per iteration (samples + 1)": int(self.samples) + 1}

    # ----------------------------------------------------------------------- pieces
    def _project(self, pert: torch.Tensor, x: torch.Tensor, bounds) -> torch.Tensor:
        """``pert`` projected onto the ``eps``-ball, then clipped so that ``x + pert`` respects ``bounds``."""
        return apply_bounds(x + project(pert, float(self.eps), self.norm), bounds) - x

    def _gradient(self, model: torch.nn.Module, point: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None,
                  gen: torch.Generator, bounds) -> torch.Tensor:
        """SPSA estimate of ``grad L`` at ``point`` ``(m, C, T)``; costs exactly ``samples`` queries per row."""
        m, C, T = point.shape
        half, delta = int(self.samples) // 2, float(self.delta)
        chunk = max(1, PROBE_ELEMENTS // max(1, 2 * m * C * T))
        grad = torch.zeros_like(point)
        for start in range(0, half, chunk):
            k = min(chunk, half - start)
            v = 2.0 * (uniform_draws(gen, (m, k, C, T), point) < 0.5).to(point.dtype) - 1.0  # Rademacher
            probes = torch.cat([point.unsqueeze(1) + delta * v, point.unsqueeze(1) - delta * v], dim=1)
            probes = apply_bounds(probes.reshape(m * 2 * k, C, T), bounds)
            logp = query_log_probs(model, probes).view(m, 2 * k, -1)
            yy = y.unsqueeze(1).expand(m, 2 * k)
            tt = None if target is None else target.unsqueeze(1).expand(m, 2 * k)
            loss = margin_loss(logp, yy, tt).to(point.dtype)
            diff = (loss[:, :k] - loss[:, k:]) / (2.0 * delta)  # (m, k)
            grad += (diff.view(m, k, 1, 1) * v).sum(1)
        return grad / half

    # ----------------------------------------------------------------------- main loop
    def _run(self, model, x, y, target, generator, bounds, progress) -> AttackResult:
        gen = generator
        n = x.shape[0]
        lr, samples, iterations = float(self.lr), int(self.samples), int(self.iterations)
        budget = check_max_queries(self.max_queries)
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
            logp = query_log_probs(model, xa)
            queries[active] += 1
            loss = margin_loss(logp, ya, ta).to(x.dtype)
            ok = attack_success(logp, ya, ta)
            better = ok | (loss < best_loss[active])
            upd = active[better]
            x_best[upd] = xa[better]
            best_loss[upd] = loss[better]
            success[active[ok]] = True
            loss_rows.append(history_row(n, active, loss))
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
                # a uniform point of the eps-ball (clipped into bounds), as a perturbation of xs
                pert[active] = random_ball_point(xs, float(self.eps), self.norm, gen, bounds) - xs
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
