"""GenAttack: a gradient-free black-box attack by a genetic algorithm, L-inf budget.

Alzantot, M., Sharma, Y., Chakraborty, S., Zhang, H., Hsieh, C.-J., Srivastava, M. (2019).
"GenAttack: Practical black-box attacks with gradient-free optimization." GECCO 2019
(arXiv:1805.11090); as written up in M. Alzantot's dissertation "Secure and private machine
learning for smart devices", chapter 2: Algorithm 1 (section 2.5), dimensionality reduction
(section 2.5.1.1) and adaptive parameter scaling, eq. (2.1)-(2.2) (section 2.5.1.2).

For time series the "bilinear resizing" of the noise becomes linear interpolation along time, per
channel. The model is only queried for softmax probabilities under ``torch.no_grad``; every
evaluation of a population member is one counted query.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from tsviz.attacks.base import (
    MAX_GENERATIONS,
    MAX_POPULATION,
    Attack,
    AttackResult,
    apply_bounds,
    check_max_queries,
    history_row,
    query_log_probs,
    uniform_draws,
)
from tsviz.attacks.errors import AttackError
from tsviz.attacks.objectives import attack_success
from tsviz.core import check_bool, check_int, check_positive, check_real, with_presets

__all__ = ["GenAttack", "adaptive_parameters", "update_plateaus", "fitness", "upsample", "GENATTACK_PRESETS",
           "GENATTACK_PRESET_SOURCES", "PAPER_MAX_QUERIES"]

#: Eq. (2.1)-(2.2): initial mutation probability / range and their decay per plateau.
RHO_START, ALPHA_START, DECAY = 0.5, 0.4, 0.9

#: Selection temperature of the authors' ``GenAttack2`` class (``genattack_tf2.py`` in
#: github.com/nesl/adversarial_genattack, constructor default ``temp=0.3``); the dissertation states
#: no value. (The same repository's ``main.py`` passes its own flag default ``--temp=0.1``, as do the
#: README's MNIST and CIFAR-10 commands: tsviz's default 0.1 is that value.)
PAPER_TEMPERATURE = 0.3

#: ``GenAttack(eps, preset=...)``: the dissertation's settings (M. Alzantot, "Secure and private
#: machine learning for smart devices", UCLA 2019, ch. 2; GenAttack, Alzantot et al., GECCO 2019).
#: ``"paper"``: section 2.6 "Hyperparameters" for MNIST and CIFAR-10 (the small inputs, as time
#: series are): population ``N = 6``, mutation probability ``rho = 5e-2``, step size
#: ``alpha = 1.0`` (of ``delta_max``), fixed (no adaptive scaling, which the chapter uses for
#: ImageNet only), one elite (Algorithm 1), no dimensionality reduction; temperature 0.3
#: (:data:`PAPER_TEMPERATURE`). ``"paper_adaptive"``: the ImageNet setting of sections 2.5.1.2 and
#: 2.6: adaptive ``rho``/``alpha`` (eq. 2.1-2.2) with floors ``rho_min = 0.1``, ``alpha_min =
#: 0.15``, a plateau after 100 generations without improvement, ``N = 6``, one elite, temperature
#: 0.3 (the chapter's ``d' = 96`` of 299 pixels is an image size; ``dim_reduction`` stays the
#: caller's). The query budgets (100,000 for MNIST/CIFAR-10, 1,000,000 for ImageNet) are run
#: lengths and stay the caller's (:data:`PAPER_MAX_QUERIES`).
GENATTACK_PRESETS = {
    "paper": {"population": 6, "rho": 0.05, "alpha": 1.0, "adaptive": False, "elitism": 1,
              "dim_reduction": 1.0, "temperature": PAPER_TEMPERATURE},
    "paper_adaptive": {"population": 6, "rho": 0.1, "alpha": 0.15, "adaptive": True, "patience": 100,
                       "elitism": 1, "temperature": PAPER_TEMPERATURE},
}
#: Where each preset's values come from (quoted in error messages and on the Attack page).
GENATTACK_PRESET_SOURCES = {
    "paper": "Alzantot 2019 dissertation sec. 2.6, MNIST/CIFAR-10: N 6, rho 0.05, alpha 1.0, fixed; "
             "temperature 0.3 from the authors' GenAttack2 class",
    "paper_adaptive": "Alzantot 2019 dissertation sec. 2.5.1.2 and 2.6, ImageNet: adaptive rho/alpha with floors "
                      "0.1/0.15, plateau 100; temperature 0.3 from the authors' GenAttack2 class",
}
#: The dissertation's query budget per image (section 2.6) for MNIST/CIFAR-10 (``"paper"``) and
#: ImageNet (``"paper_adaptive"``), for a caller that wants the paper's run length too.
PAPER_MAX_QUERIES = {"paper": 100_000, "paper_adaptive": 1_000_000}


# --------------------------------------------------------------------------- pieces (public for tests)
def adaptive_parameters(num_plateaus, rho_min: float = 0.1, alpha_min: float = 0.15):
    """Mutation probability and range after ``num_plateaus`` plateaus (dissertation eq. 2.1-2.2).

    ``rho = max(rho_min, 0.5 * 0.9 ** num_plateaus)`` (2.1) and
    ``alpha = max(alpha_min, 0.4 * 0.9 ** num_plateaus)`` (2.2); the chapter's floors are
    ``rho_min = 0.1`` and ``alpha_min = 0.15``.

    Parameters
    ----------
    num_plateaus : int, ndarray or Tensor
        Plateau counts (any shape).

    Returns
    -------
    (rho, alpha)
        Same type and shape as ``num_plateaus`` (floats).
    """
    if isinstance(num_plateaus, torch.Tensor):
        decay = torch.pow(torch.full_like(num_plateaus, DECAY, dtype=torch.float64), num_plateaus.double())
        return (torch.clamp(RHO_START * decay, min=rho_min), torch.clamp(ALPHA_START * decay, min=alpha_min))
    decay = np.power(DECAY, np.asarray(num_plateaus, dtype=np.float64))
    rho, alpha = np.maximum(rho_min, RHO_START * decay), np.maximum(alpha_min, ALPHA_START * decay)
    if np.ndim(rho) == 0:
        return float(rho), float(alpha)
    return rho, alpha


def update_plateaus(best: torch.Tensor, stall: torch.Tensor, plateaus: torch.Tensor, elite_fitness: torch.Tensor,
                    patience: int = 100) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One generation of the plateau counter of section 2.5.1.2 (batched over samples).

    ``num_plateaus`` is incremented whenever the fitness of the population's elite member has not
    improved (strictly) on the best seen for ``patience`` (100 in the chapter) consecutive
    generations; the stall counter then restarts.

    Parameters
    ----------
    best, stall, plateaus : Tensor ``(m,)``
        Best elite fitness so far (``-inf`` at the start), generations without improvement, plateaus.
    elite_fitness : Tensor ``(m,)``
        This generation's highest fitness.

    Returns
    -------
    (best, stall, plateaus)
        Updated copies.
    """
    improved = elite_fitness > best
    best = torch.where(improved, elite_fitness, best)
    stall = torch.where(improved, torch.zeros_like(stall), stall + 1)
    hit = stall >= patience
    plateaus = plateaus + hit.long()
    stall = torch.where(hit, torch.zeros_like(stall), stall)
    return best, stall, plateaus


def fitness(logp: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None) -> torch.Tensor:
    """GenAttack fitness from log-probabilities ``(..., K)`` (to be maximised), shape ``(...)``.

    Targeted (section 2.5, ``ComputeFitness``): ``log f_t(x) - log sum_{j != t} f_j(x)``.
    Untargeted counterpart: ``log sum_{j != y} f_j(x) - log f_y(x)``. Both are log-odds: positive
    exactly when the wanted side holds more than half of the probability mass (which implies success).
    """
    label = y if target is None else target
    idx = label.unsqueeze(-1)
    own = logp.gather(-1, idx).squeeze(-1)
    rest = logp.scatter(-1, idx, float("-inf")).logsumexp(-1)
    return own - rest if target is not None else rest - own


def upsample(e: torch.Tensor, length: int) -> torch.Tensor:
    """Linear interpolation of ``e`` ``(..., C, T')`` to ``(..., C, length)`` along time.

    The chapter's ``S`` (bilinear resizing, section 2.5.1.1) for series: ``align_corners=True``, so
    the ``T'`` knots sit at ``i * (length - 1) / (T' - 1)`` and the result is piecewise linear between
    them, each value a convex combination of two knots (so it stays inside the L-inf ball).
    """
    if e.shape[-1] == length:
        return e
    lead = e.shape[:-1]
    flat = e.reshape(-1, e.shape[-2], e.shape[-1])
    return F.interpolate(flat, size=length, mode="linear", align_corners=True).reshape(*lead, length)


# --------------------------------------------------------------------------- the attack
class GenAttack(Attack):
    """GenAttack (dissertation chapter 2, Algorithm 1), batched: one population per sample.

    Per sample, a population of ``N`` perturbations ``e`` ``(C, T')`` lives in a (possibly reduced)
    space; a member's candidate is ``x + S(e)`` clipped into ``bounds`` (``S``: linear upsampling to
    ``T``, section 2.5.1.1). Before generation 0 the clean ``x`` is checked once.

    * Initial population: ``e ~ U(-eps, eps)`` per entry (Algorithm 1).
    * Each generation: query the fitness of the new members (the elite(s) keep their known fitness
      and are not re-queried); if some member succeeds, stop with the fittest successful member;
      else keep the ``elitism`` fittest members, and breed ``N - elitism`` children: two parents
      drawn independently from ``softmax(fitness / temperature)``; crossover takes each entry from
      parent 1 with probability ``p = s1 / (s1 + s2)`` (``s`` = the parents' selection probabilities,
      the chapter's ``fitness1 / (fitness1 + fitness2)`` made valid for negative log-odds fitness,
      as in the authors' code), else from parent 2; mutation adds
      ``Bernoulli(rho) * U(-alpha * eps, alpha * eps)`` per entry; the child is clipped into
      ``[-eps, eps]`` (the projection ``Pi``).
    * Adaptive scaling (section 2.5.1.2): ``rho = max(rho_min, 0.5 * 0.9^k)`` (eq. 2.1),
      ``alpha = max(alpha_min, 0.4 * 0.9^k)`` (eq. 2.2), ``k`` = number of plateaus (``patience``
      generations without improvement of the elite's fitness), per sample.

    Parameters
    ----------
    eps : float
        L-inf budget (> 0) in signal units.
    population : int
        ``N`` in ``[2, MAX_POPULATION]`` (1000); the chapter uses 6.
    generations : int
        At most this many fitness evaluations of a population, in ``[1, MAX_GENERATIONS]`` (20,000).
    rho : float
        Mutation probability in ``(0, 1]``. With ``adaptive=True`` it is the floor ``rho_min`` of
        eq. (2.1) (chapter: 0.1), otherwise the fixed probability.
    alpha : float
        Mutation range as a fraction of ``eps``, in ``(0, 1]``. With ``adaptive=True`` it is the floor
        ``alpha_min`` of eq. (2.2) (chapter: 0.15), otherwise the fixed range.
    temperature : float
        Selection temperature ``tau`` (> 0). Default 0.1: the value the authors' run script passes
        (``main.py``'s ``--temp`` default and the README's MNIST/CIFAR-10 commands), kept as the
        default for that reason; ``preset="paper"`` uses 0.3, the default of the authors'
        ``GenAttack2`` class, which ``main.py`` overrides (the dissertation gives no value).
    elitism : int
        Fittest members copied unchanged into the next generation, in ``[0, population - 1]``
        (chapter: 1).
    dim_reduction : float or int
        Length ``T'`` of the evolved noise per channel: a float in ``(0, 1]`` is a fraction of ``T``
        (``T' = max(2, round(f * T))``, ``1.0`` = no reduction); an int in ``[2, T]`` is ``T'`` itself.
    adaptive : bool
        Use the adaptive ``rho``/``alpha`` schedule (eq. 2.1-2.2).
    patience : int
        Generations without improvement that make a plateau (chapter: 100), in
        ``[1, MAX_GENERATIONS]``.
    max_queries : int or None
        Query budget per sample in ``[1, MAX_QUERIES]`` (200,000); ``None`` means the cap. A sample
        evaluates another generation only while all its new members fit in the budget.
    bounds : (lo, hi) or None
        Valid signal range (floats or per channel); every candidate is clipped into it (assumes ``x``
        lies inside it, so the L-inf budget still holds).
    preset : {None, "paper", "paper_adaptive"}
        A named setting (:data:`GENATTACK_PRESETS`) filled into the arguments not given; an argument
        given with another value than the preset's raises :class:`AttackError` (at construction:
        the preset decides what is stored). ``None`` (default): tsviz's settings above, which
        follow the dissertation's adaptive (ImageNet) schedule with temperature 0.1.

    Notes
    -----
    * Queries per sample: 1 (clean check), ``N`` for generation 0, ``N - elitism`` per later
      generation; at most ``1 + N + (generations - 1) * (N - elitism)``. Samples already successful
      on ``x`` spend 1 and return ``x``.
    * ``x_adv``: the fittest successful member; for unsuccessful samples the fittest member ever seen
      (``x`` itself when the budget allowed no generation).
    * ``history`` (one row per generation run, columns = samples; NaN once a sample has stopped):
      ``"best_fitness"`` best fitness so far, ``"rho"``/``"alpha"`` the values used to breed the next
      generation, ``"plateaus"`` the plateau count; ``"queries"`` cumulative queries (carried forward).
    * Randomness only from ``generator`` or ``seed`` (neither: a fresh CPU ``torch.Generator``
      seeded 0).
    * Untargeted fitness: ``log sum_{j != y} f_j - log f_y``, the untargeted counterpart of the
      chapter's targeted ``log f_t - log sum_{j != t} f_j``.
    """

    name = "genattack"
    stochastic = True
    norm = "inf"
    black_box = True
    #: ``alpha`` is a fraction of ``eps`` (``tsviz.attacks.with_eps`` must not rescale it).
    eps_scaled = ()

    @with_presets(GENATTACK_PRESETS, error=AttackError, source=GENATTACK_PRESET_SOURCES)
    def __init__(self, eps: float, population: int = 6, generations: int = 1000, rho: float = 0.1,
                 alpha: float = 0.15, temperature: float = 0.1, elitism: int = 1, dim_reduction: float | int = 1.0,
                 adaptive: bool = True, patience: int = 100, max_queries: int | None = None, bounds=None,
                 preset: str | None = None) -> None:
        self.eps = eps
        self.population = population
        self.generations = generations
        self.rho = rho
        self.alpha = alpha
        self.temperature = temperature
        self.elitism = elitism
        self.dim_reduction = dim_reduction
        self.adaptive = adaptive
        self.patience = patience
        self.max_queries = max_queries
        self.bounds = bounds
        self.preset = preset

    def validate(self) -> None:
        """Raise :class:`AttackError` naming the first bad hyperparameter."""
        check_positive("eps", self.eps, error=AttackError)
        check_int("population", self.population, 2, MAX_POPULATION, error=AttackError)
        check_int("generations", self.generations, 1, MAX_GENERATIONS, error=AttackError)
        check_positive("rho", self.rho, upper=1.0, error=AttackError)
        check_positive("alpha", self.alpha, upper=1.0, error=AttackError)
        check_positive("temperature", self.temperature, error=AttackError)
        check_int("elitism", self.elitism, 0, int(self.population) - 1, error=AttackError)
        d = self.dim_reduction
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, float, np.integer, np.floating)):
            raise AttackError(f"dim_reduction must be a fraction in (0, 1] or an integer length >= 2, got {d!r}")
        if isinstance(d, (int, np.integer)):
            if d < 2:
                raise AttackError(f"dim_reduction as an integer is the reduced length T' and must be >= 2, got {d} "
                                  "(use 1.0 for no reduction)")
        else:
            check_real("dim_reduction as a float (a fraction of T)", d, low=0.0, low_open=True, high=1.0,
                       error=AttackError)
        check_bool("adaptive", self.adaptive, error=AttackError)
        check_int("patience", self.patience, 1, MAX_GENERATIONS, error=AttackError)
        check_max_queries(self.max_queries)
        if self.preset is not None and self.preset not in GENATTACK_PRESETS:
            raise AttackError(f"preset must be None or one of {', '.join(map(repr, GENATTACK_PRESETS))}; "
                              f"got {self.preset!r}")

    def cost_factors(self, n: int) -> dict[str, int]:
        """Queries: ``series x population x generations``, or ``series x max_queries`` when that is
        smaller (an upper bound: elites are not re-queried)."""
        per = int(self.population) * int(self.generations)
        mq = check_max_queries(self.max_queries)
        if self.max_queries is not None and mq < per:
            return {"series": int(n), "max_queries": mq}
        return {"series": int(n), "population": int(self.population), "generations": int(self.generations)}

    def reduced_length(self, T: int) -> int:
        """``T'``, the evolved noise length for series of length ``T`` (raises if an int exceeds ``T``)."""
        d = self.dim_reduction
        if isinstance(d, (int, np.integer)):
            if d > T:
                raise AttackError(f"dim_reduction={d} exceeds the series length T={T}")
            return int(d)
        return int(min(T, max(2, round(float(d) * T))))

    def _run(self, model, x, y, target, generator, bounds, progress) -> AttackResult:
        gen = generator
        n, C, T = x.shape
        Tp = self.reduced_length(T)
        N, E, G = int(self.population), int(self.elitism), int(self.generations)
        eps, tau = float(self.eps), float(self.temperature)
        budget = check_max_queries(self.max_queries)
        dev, dt = x.device, x.dtype

        def candidates(idx: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
            """``x[idx] + S(e)`` clipped into bounds; ``e`` ``(m, P, C, T')`` -> ``(m, P, C, T)``."""
            return apply_bounds(x[idx].unsqueeze(1) + upsample(e, T), bounds)

        queries = torch.zeros(n, dtype=torch.long, device=dev)
        # clean check: one query per sample; samples already successful stop here with x_adv = x
        logp0 = query_log_probs(model, x)
        queries += 1
        success = attack_success(logp0, y, target)
        active = (~success).nonzero().squeeze(1)

        pop = torch.zeros(n, N, C, Tp, dtype=dt, device=dev)
        pop[active] = (2.0 * uniform_draws(gen, (active.numel(), N, C, Tp), x) - 1.0) * eps  # Algorithm 1 init
        fit = torch.full((n, N), float("-inf"), dtype=dt, device=dev)
        x_adv = x.clone()
        best_fit = torch.full((n,), float("-inf"), dtype=dt, device=dev)
        stall = torch.zeros(n, dtype=torch.long, device=dev)
        plateaus = torch.zeros(n, dtype=torch.long, device=dev)
        rho_min, alpha_min = float(self.rho), float(self.alpha)
        last = 0.0
        rows: dict[str, list[np.ndarray]] = {"best_fitness": [], "rho": [], "alpha": [], "plateaus": [], "queries": []}

        for g in range(G):
            first = 0 if g == 0 else E
            cost = N - first
            active = active[queries[active] + cost <= budget]
            if active.numel() == 0:
                break
            m = active.numel()
            ya = y[active]
            ta = None if target is None else target[active]
            # fitness of the new members only (elites keep theirs): `cost` queries per sample
            cand = candidates(active, pop[active, first:])  # (m, cost, C, T)
            logp = query_log_probs(model, cand.reshape(m * cost, C, T)).view(m, cost, -1)
            queries[active] += cost
            yy, tt = ya.unsqueeze(1).expand(m, cost), None if ta is None else ta.unsqueeze(1).expand(m, cost)
            fit_a = fit[active]
            fit_a[:, first:] = fitness(logp, yy, tt).to(dt)
            fit[active] = fit_a
            ok = attack_success(logp, yy, tt)  # (m, cost); elites were not successful (else we had stopped)
            any_ok = ok.any(1)
            # the member to keep: fittest successful one, else the elite (fittest)
            ok_full = torch.zeros(m, N, dtype=torch.bool, device=dev)
            ok_full[:, first:] = ok
            chosen = torch.where(any_ok, fit_a.masked_fill(~ok_full, float("-inf")).argmax(1), fit_a.argmax(1))
            chosen_fit = fit_a.gather(1, chosen.unsqueeze(1)).squeeze(1)
            # a kept member that beats the best so far is always a new one (elites were seen before),
            # so x_adv is stored exactly as it was queried
            improved = any_ok | (chosen_fit > best_fit[active])
            x_adv[active[improved]] = cand[improved.nonzero().squeeze(1), chosen[improved] - first]
            # plateau counter and the adaptive schedule (eq. 2.1-2.2)
            b, s, p = update_plateaus(best_fit[active], stall[active], plateaus[active], fit_a.amax(1),
                                      int(self.patience))
            best_fit[active], stall[active], plateaus[active] = b, s, p
            if self.adaptive:
                rho, alpha = adaptive_parameters(p, rho_min, alpha_min)
                rho, alpha = rho.to(dt), alpha.to(dt)
            else:
                rho = torch.full((m,), rho_min, dtype=dt, device=dev)
                alpha = torch.full((m,), alpha_min, dtype=dt, device=dev)
            success[active[any_ok]] = True
            for key, val in (("best_fitness", b), ("rho", rho), ("alpha", alpha), ("plateaus", p)):
                rows[key].append(history_row(n, active, val))
            rows["queries"].append(queries.cpu().numpy().copy())
            if progress is not None:
                last = (g + 1) / G
                progress(last, f"GenAttack generation {g + 1}/{G}")
            keep = ~any_ok
            active, rho, alpha = active[keep], rho[keep], alpha[keep]
            if g == G - 1 or active.numel() == 0:
                break
            # next generation for the samples that go on
            m = active.numel()
            P, Fa = pop[active], fit[active]  # (m, N, C, T'), (m, N)
            probs = torch.softmax(Fa / tau, dim=1)
            order = Fa.argsort(dim=1, descending=True)
            elite_idx = order[:, :E]
            kids = N - E
            cdf = probs.cumsum(1)
            u = uniform_draws(gen, (m, 2 * kids), probs)
            parents = torch.searchsorted(cdf, u, right=True).clamp_(max=N - 1)  # sampling from `probs`
            i1, i2 = parents[:, :kids], parents[:, kids:]
            p1, p2 = (P.gather(1, i.view(m, kids, 1, 1).expand(m, kids, C, Tp)) for i in (i1, i2))
            s1, s2 = probs.gather(1, i1), probs.gather(1, i2)
            denom = s1 + s2
            p_first = torch.where(denom > 0, s1 / denom.clamp_min(torch.finfo(dt).tiny), torch.full_like(s1, 0.5))
            take1 = uniform_draws(gen, (m, kids, C, Tp), P) < p_first.view(m, kids, 1, 1)
            child = torch.where(take1, p1, p2)
            mutate = uniform_draws(gen, (m, kids, C, Tp), P) < rho.view(m, 1, 1, 1)
            noise = (2.0 * uniform_draws(gen, (m, kids, C, Tp), P) - 1.0) * (alpha * eps).view(m, 1, 1, 1)
            child = (child + mutate.to(dt) * noise).clamp(-eps, eps)
            elites = P.gather(1, elite_idx.view(m, E, 1, 1).expand(m, E, C, Tp))
            pop[active] = torch.cat([elites, child], dim=1)
            fit[active] = torch.cat([Fa.gather(1, elite_idx), torch.full((m, kids), float("-inf"), dtype=dt,
                                                                         device=dev)], dim=1)

        if progress is not None and last < 1.0:
            progress(1.0, "GenAttack done")
        history = {k: (np.stack(v) if v else np.zeros((0, n))) for k, v in rows.items()}
        history["queries"] = history["queries"].astype(np.int64)
        return AttackResult(x_adv=x_adv, queries=queries.cpu().numpy().astype(np.int64),
                            success=success.cpu().numpy().astype(bool), history=history)

