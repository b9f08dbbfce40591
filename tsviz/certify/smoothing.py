"""Randomized smoothing with an optional self-ensemble of fixed masks (CERTIFY / PREDICT).

References
----------
.. [1] J. Cohen, E. Rosenfeld, Z. Kolter, "Certified Adversarial Robustness via Randomized
   Smoothing", ICML 2019 (CERTIFY and PREDICT, Gaussian radius).
.. [2] B. Li et al., "Certified Adversarial Robustness with Additive Noise", NeurIPS 2019.
.. [3] Shared paper ``certified-robustness-tsc-self-ensemble.txt``: Algorithm 2 (base decision
   = argmax of the mask-averaged outputs, hard vote over noise draws) and Theorem 4.1.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy import stats

from tsviz._arrays import readonly
from tsviz.attacks.base import guard_model
from tsviz.certify.bounds import (_check_alpha, _check_sigma, clopper_pearson_lower, clopper_pearson_upper,
                                  cohen_radius, renyi_radius)
from tsviz.certify.masks import MAX_MASKS

__all__ = ["ABSTAIN", "Smoothed", "CertResult", "MAX_N", "MAX_N0", "MAX_MASKS", "MAX_SAMPLES",
           "ACTIVATION_BUDGET", "CPU_LAYER_BUDGET", "MAX_AUTO_ROWS", "BOUNDS", "MAX_SCORES"]

#: Prediction value of a sample the smoothed classifier abstains on.
ABSTAIN = -1
#: Caps on user-settable costs.
MAX_N = 100_000
MAX_N0 = 10_000
MAX_SAMPLES = 10_000
#: Largest ``n_samples * n * K`` returned by :meth:`Smoothed.scores` (~200 MB of float32).
MAX_SCORES = 50_000_000
#: ``batch_size="auto"``: activation elements (all layers' outputs, summed, per forward pass) to
#: aim for, ~512 MB of float32; the per-row cost is measured by one probe forward with hooks.
ACTIVATION_BUDGET = 2 ** 27
#: ``batch_size="auto"`` on CPU: also keep the largest single layer output of a chunk within this
#: many elements (~8 MB of float32) so that it stays in cache; on a 2-core EPYC a kachuee chunk of
#: ~400 rows ran 2.4x faster per row than one of 2,373 (``benchmarks/certify.py``).
CPU_LAYER_BUDGET = 2 ** 21
#: ``batch_size="auto"`` never uses more rows than this per forward pass.
MAX_AUTO_ROWS = 8192


def _activation_elements_per_row(members, x: torch.Tensor) -> tuple[int, int]:
    """Elements written per input row by a probe forward: ``(all leaf outputs summed, largest one)``.

    Summing all layers over-estimates the live memory of a no-grad forward, which keeps the
    automatic batch size on the safe side for any architecture; the largest single output sizes
    cache-friendly chunks on CPU.
    """
    total = 0
    largest = 0

    def hook(_module, _inputs, out) -> None:
        nonlocal total, largest
        if isinstance(out, torch.Tensor):
            total += out.numel()
            largest = max(largest, out.numel())

    handles = [mod.register_forward_hook(hook) for mdl in members for mod in mdl.modules()
               if next(mod.children(), None) is None]
    try:
        for mdl in members:
            mdl(x[:1])
    finally:
        for h in handles:
            h.remove()
    floor = int(x[0].numel())
    return max(total, floor), max(largest, floor)


def _auto_rows(members, x: torch.Tensor) -> int:
    """Rows per forward pass for ``batch_size="auto"`` (see ``ACTIVATION_BUDGET``, ``CPU_LAYER_BUDGET``)."""
    total, largest = _activation_elements_per_row(members, x)
    rows = ACTIVATION_BUDGET // total
    if x.device.type == "cpu":
        rows = min(rows, CPU_LAYER_BUDGET // largest)
    return int(min(MAX_AUTO_ROWS, max(1, rows)))


BOUNDS = ("cohen", "renyi")


def _int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    return int(value)


@dataclass(frozen=True)
class CertResult:
    """Output of :meth:`Smoothed.certify`.

    Attributes
    ----------
    prediction : ndarray int64 ``(n,)``, class or :data:`ABSTAIN`
    radius : ndarray float64 ``(n,)``, certified L2 radius in signal units (0 when abstaining)
    p_lower : ndarray float64 ``(n,)``, lower confidence bound on ``pA``
    counts : ndarray int64 ``(n, K)``, class counts of the ``n`` estimation draws
    p_upper_runner_up : ndarray float64 ``(n,)``, upper bound on ``pB`` (Renyi: the bound used;
        Cohen: ``1 - p_lower``)
    sigma, bound, alpha, n0, n : the settings used
    masks : ndarray bool ``(M, T)`` or None
    seconds : float, wall-clock time
    """

    prediction: np.ndarray
    radius: np.ndarray
    p_lower: np.ndarray
    counts: np.ndarray
    p_upper_runner_up: np.ndarray
    sigma: float
    bound: str
    alpha: float
    n0: int
    n: int
    masks: np.ndarray | None
    seconds: float

    def summary(self) -> dict[str, Any]:
        """Plain-number summary: settings, abstain rate, mean/median radius of certified samples."""
        cert = self.prediction != ABSTAIN
        return {
            "n_samples": int(self.prediction.shape[0]), "sigma": self.sigma, "bound": self.bound,
            "alpha": self.alpha, "n0": self.n0, "n": self.n,
            "n_masks": 0 if self.masks is None else int(self.masks.shape[0]),
            "abstain_rate": float(1.0 - cert.mean()),
            "mean_radius": float(self.radius.mean()),
            "median_certified_radius": float(np.median(self.radius[cert])) if cert.any() else 0.0,
            "seconds": self.seconds,
        }

    def to_frame(self):
        """One row per sample: prediction, radius, p_lower, p_upper_runner_up, count_<k> columns."""
        import pandas as pd

        d = {"prediction": self.prediction, "radius": self.radius, "p_lower": self.p_lower,
             "p_upper_runner_up": self.p_upper_runner_up}
        for k in range(self.counts.shape[1]):
            d[f"count_{k}"] = self.counts[:, k]
        return pd.DataFrame(d)


class Smoothed:
    """Gaussian-smoothed classifier ``g``, optionally over a self-ensemble of fixed masks.

    Base decision for one noisy draw ``x + sigma * N(0, I)`` (Algorithm 2 of [3]):
    ``argmax_k mean_{members, masks} softmax(model(mask * (x + noise)))_k`` where each mask
    ``(T,)`` multiplies every channel. ``model`` may be one module or a list/tuple of modules
    (deep ensemble): softmax probabilities are averaged over members *and* masks, then the argmax
    is taken. The smoothed classifier counts these hard decisions over noise draws.

    Parameters
    ----------
    model : nn.Module or sequence of nn.Module, mapping ``(b, C, T)`` to logits ``(b, K)``
    sigma : float > 0, noise standard deviation in signal units
    masks : None or bool/0-1 array ``(M, T)``, ``M <= MAX_MASKS``, fixed for all inputs
    batch_size : "auto" or int >= 1; rows (``sample x draw x mask``) per forward pass. "auto"
        sizes chunks from one probe forward (``ACTIVATION_BUDGET`` / activation elements per row; on
        CPU also ``CPU_LAYER_BUDGET`` / largest layer output per row; at most ``MAX_AUTO_ROWS``); on CUDA an out-of-memory error halves it and retries.
    n_classes : int >= 2 or None (inferred from one probe forward)

    Hyperparameters are stored as given and validated when called. The models are left exactly
    as found (mode and ``requires_grad``, via :func:`tsviz.attacks.base.guard_model`).
    """

    def __init__(self, model, sigma: float, masks=None, *, batch_size: int | str = "auto",
                 n_classes: int | None = None) -> None:
        self.model = model
        self.sigma = sigma
        self.masks = masks
        self.batch_size = batch_size
        self.n_classes = n_classes

    # ------------------------------------------------------------------ validation helpers
    def _members(self) -> list[torch.nn.Module]:
        ms = list(self.model) if isinstance(self.model, (list, tuple)) else [self.model]
        if not ms or not all(isinstance(m, torch.nn.Module) for m in ms):
            raise ValueError("model must be an nn.Module or a non-empty list/tuple of nn.Module")
        return ms

    def _device(self, members) -> torch.device:
        for p in members[0].parameters():
            return p.device
        for b in members[0].buffers():
            return b.device
        return torch.device("cpu")

    def _check_x(self, x, device) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(np.asarray(x, dtype=np.float32))
        if x.ndim != 3:
            raise ValueError(f"x must have shape (n, channels, T), got {tuple(x.shape)}")
        if not x.is_floating_point():
            raise ValueError(f"x must be a floating tensor, got {x.dtype}")
        if x.shape[0] == 0 or x.shape[0] > MAX_SAMPLES:
            raise ValueError(f"x must hold between 1 and {MAX_SAMPLES} series, got {x.shape[0]}")
        if not torch.isfinite(x).all():
            raise ValueError("x contains NaN or Inf")
        return x.detach().to(device)

    def _check_masks(self, T: int, device, dtype) -> tuple[torch.Tensor | None, np.ndarray | None]:
        if self.masks is None:
            return None, None
        m = np.asarray(self.masks.detach().cpu() if isinstance(self.masks, torch.Tensor) else self.masks)
        if m.ndim != 2 or m.shape[0] < 1 or m.shape[0] > MAX_MASKS:
            raise ValueError(f"masks must have shape (M, T) with 1 <= M <= {MAX_MASKS}, got {m.shape}")
        if m.shape[1] != T:
            raise ValueError(f"masks have length {m.shape[1]} but x has T={T}")
        if m.dtype != bool:
            if not np.all(np.isfinite(m)) or not np.all((m == 0) | (m == 1)):
                raise ValueError("masks must be boolean or hold only 0/1")
        mb = m.astype(bool)
        return torch.as_tensor(mb, device=device).to(dtype), readonly(mb)

    def _rows(self, C: int, T: int) -> int | None:
        if isinstance(self.batch_size, str):
            if self.batch_size != "auto":
                raise ValueError(f"batch_size must be 'auto' or a positive integer, got {self.batch_size!r}")
            return None  # measured on the model by the first _count call
        return _int("batch_size", self.batch_size, 1, 10 ** 9)

    @staticmethod
    def _generator(generator, seed, device) -> torch.Generator:
        if generator is not None:
            if not isinstance(generator, torch.Generator):
                raise ValueError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
            return generator
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        return torch.Generator(device=device).manual_seed(int(seed))

    # ------------------------------------------------------------------ core
    def _probs(self, members, rows: torch.Tensor, state: dict) -> torch.Tensor:
        """Mean softmax over members for ``rows`` ``(r, C, T)``, in forward chunks; CUDA OOM halves."""
        while True:
            bs = state["rows"]
            try:
                out = None
                for mdl in members:
                    parts = [torch.softmax(mdl(rows[i:i + bs]).float(), dim=1) for i in range(0, rows.shape[0], bs)]
                    p = torch.cat(parts) if len(parts) > 1 else parts[0]
                    out = p if out is None else out + p
                return out / len(members)
            except torch.cuda.OutOfMemoryError:
                if bs == 1:
                    raise
                state["rows"] = max(1, bs // 2)
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()

    def _stream(self, members, x, masks_t, K, num, gen, state, progress, frac0, frac1, label,
                consume: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], None]) -> None:
        """Push ``num`` noise draws per sample through the base classifier, in chunks.

        Draws are enumerated sample-major (sample ``i`` owns flat indices ``[i*num, (i+1)*num)``)
        and processed in chunks of whole draws; one chunk = one noise tensor from ``gen``. For each
        chunk ``consume(flat_index, sample, scores)`` receives the flat draw indices ``(d,)``, their
        samples ``(d,)`` and the base classifier's scores ``(d, K)`` (softmax averaged over members
        and masks).
        """
        N, C, T = x.shape
        M = 1 if masks_t is None else masks_t.shape[0]
        total = N * num
        if state["rows"] is None:
            state["rows"] = _auto_rows(members, x)
        start = 0
        while start < total:
            draws = max(1, state["rows"] // M)
            stop = min(total, start + draws)
            idx = torch.arange(start, stop, device=x.device)
            sample = idx // num
            noise = torch.randn((stop - start, C, T), generator=gen, device=gen.device, dtype=x.dtype)
            noisy = x[sample] + state["sigma"] * noise.to(x.device)
            if masks_t is not None:
                noisy = (noisy[:, None, :, :] * masks_t[None, :, None, :]).reshape(-1, C, T)
            p = self._probs(members, noisy, state)
            if p.ndim != 2 or p.shape[1] != K:
                raise ValueError(f"the model must return logits of shape (b, {K}), got {tuple(p.shape)}")
            consume(idx, sample, p.reshape(stop - start, M, K).mean(dim=1))
            start = stop
            if progress is not None:
                progress(frac0 + (frac1 - frac0) * start / total, label)

    def _count(self, members, x, masks_t, K, num, gen, state, progress, frac0, frac1, label) -> torch.Tensor:
        """Counts ``(N, K)`` of base decisions (argmax of the scores) over ``num`` draws per sample."""
        N = x.shape[0]
        counts = torch.zeros(N * K, dtype=torch.int64, device=x.device)

        def consume(_idx, sample, scores) -> None:
            counts.add_(torch.bincount(sample * K + scores.argmax(dim=1), minlength=N * K))

        self._stream(members, x, masks_t, K, num, gen, state, progress, frac0, frac1, label, consume)
        return counts.reshape(N, K)

    def _setup(self, x, generator, seed):
        members = self._members()
        _check_sigma(self.sigma)
        device = self._device(members)
        x = self._check_x(x, device)
        masks_t, masks_np = self._check_masks(x.shape[2], device, x.dtype)
        gen = self._generator(generator, seed, device)
        state = {"rows": self._rows(x.shape[1], x.shape[2]), "sigma": _check_sigma(self.sigma)}
        return members, x, masks_t, masks_np, gen, state

    def _n_classes(self, members, x) -> int:
        if self.n_classes is not None:
            return _int("n_classes", self.n_classes, 2, 100_000)
        out = members[0](x[:1])
        if out.ndim != 2 or out.shape[1] < 2:
            raise ValueError(f"the model must return logits of shape (b, K>=2), got {tuple(out.shape)}")
        return int(out.shape[1])

    def counts(self, x, n: int, *, generator: torch.Generator | None = None, seed: int = 0,
               progress: Callable[[float, str], None] | None = None) -> np.ndarray:
        """Class counts ``(n_samples, K)`` int64 of the base decision over ``n`` noise draws.

        Randomness from ``generator`` (advanced in place) or, when None, a generator seeded ``seed``.
        """
        n = _int("n", n, 1, MAX_N)
        members, x, masks_t, _, gen, state = self._setup(x, generator, seed)
        with ExitStack() as stack, torch.no_grad():
            for m in members:
                stack.enter_context(guard_model(m))
            K = self._n_classes(members, x)
            c = self._count(members, x, masks_t, K, n, gen, state, progress, 0.0, 1.0, "sampling")
        return readonly(c.cpu().numpy().astype(np.int64))

    def scores(self, x, n: int, *, generator: torch.Generator | None = None, seed: int = 0,
               progress: Callable[[float, str], None] | None = None) -> np.ndarray:
        """Base-classifier scores of every noise draw: float32 ``(n_samples, n, K)``.

        ``scores[i, j]`` is the softmax output averaged over members and masks for draw ``j`` of
        sample ``i`` (the quantity whose argmax :meth:`counts` counts; Fig. 3 of [3] plots its
        top score and classification margins). Same noise stream as :meth:`counts` for the same
        seed, so ``scores.argmax(-1)`` reproduces its counts. At most ``MAX_SCORES`` values.
        """
        n = _int("n", n, 1, MAX_N)
        members, x, masks_t, _, gen, state = self._setup(x, generator, seed)
        with ExitStack() as stack, torch.no_grad():
            for m in members:
                stack.enter_context(guard_model(m))
            K = self._n_classes(members, x)
            if x.shape[0] * n * K > MAX_SCORES:
                raise ValueError(f"n_samples * n * n_classes = {x.shape[0] * n * K} exceeds {MAX_SCORES}; "
                                 "use fewer samples or draws")
            out = torch.empty((x.shape[0] * n, K), dtype=torch.float32, device=x.device)

            def consume(idx, _sample, s) -> None:
                out[idx] = s.float()

            self._stream(members, x, masks_t, K, n, gen, state, progress, 0.0, 1.0, "sampling", consume)
        return readonly(out.reshape(x.shape[0], n, K).cpu().numpy())

    def certify(self, x, *, n0: int = 100, n: int = 1000, alpha: float = 0.001, bound: str = "cohen",
                generator: torch.Generator | None = None, seed: int = 0,
                progress: Callable[[float, str], None] | None = None) -> CertResult:
        """CERTIFY (Cohen et al. [1]; Algorithm 2 of [3] for ``bound="renyi"``).

        ``n0`` selection draws pick ``cA`` (most counted class); ``n`` fresh estimation draws give
        ``counts``.

        * ``"cohen"``: ``pA_lower = clopper_pearson_lower(counts[cA], n, alpha)``; abstain if
          ``pA_lower <= 0.5``, else radius ``sigma * Phi^-1(pA_lower)``.
        * ``"renyi"``: ``pA_lower`` and the runner-up's ``pB_upper`` (most counted class other than
          ``cA`` in the estimation draws) from one-sided Clopper-Pearson bounds at ``alpha / 2``
          each (Bonferroni: both hold with probability ``>= 1 - alpha``); ``pB_upper`` is then
          capped by ``1 - pA_lower`` (also an upper bound on every other class whenever the ``pA``
          bound holds, so the smaller of the two is kept). Abstain if ``pA_lower <= pB_upper``,
          else radius ``renyi_radius(pA_lower, pB_upper, sigma)`` (Theorem 4.1). Note the
          paper's MultiNomialCI bounds only the observed runner-up, as done here.

        Parameters
        ----------
        x : (n_samples, C, T) float tensor or array
        n0 : int in [1, MAX_N0]; n : int in [1, MAX_N]; alpha : float in (0, 0.5)
        bound : "cohen" or "renyi"
        generator : torch.Generator or None (then ``torch.Generator(device).manual_seed(seed)``)
        progress : callable(fraction, message) or None

        Returns
        -------
        CertResult
        """
        t0 = time.perf_counter()
        n0 = _int("n0", n0, 1, MAX_N0)
        n = _int("n", n, 1, MAX_N)
        alpha = _check_alpha(alpha)
        if bound not in BOUNDS:
            raise ValueError(f"bound must be one of {BOUNDS}, got {bound!r}")
        members, x, masks_t, masks_np, gen, state = self._setup(x, generator, seed)
        with ExitStack() as stack, torch.no_grad():
            for m in members:
                stack.enter_context(guard_model(m))
            K = self._n_classes(members, x)
            frac = n0 / (n0 + n)
            c0 = self._count(members, x, masks_t, K, n0, gen, state, progress, 0.0, frac, "selection")
            c = self._count(members, x, masks_t, K, n, gen, state, progress, frac, 1.0, "estimation")
        c0 = c0.cpu().numpy().astype(np.int64)
        c = c.cpu().numpy().astype(np.int64)
        N = c.shape[0]
        ca = c0.argmax(axis=1)
        na = c[np.arange(N), ca]
        if bound == "cohen":
            pa = np.asarray(clopper_pearson_lower(na, n, alpha), dtype=np.float64).reshape(N)
            pb = 1.0 - pa
            ok = pa > 0.5
            radius = np.where(ok, cohen_radius(pa, state["sigma"]), 0.0)
        else:
            other = c.copy()
            other[np.arange(N), ca] = -1
            nb = other.max(axis=1)
            # One-sided Clopper-Pearson at alpha/2 each (Bonferroni), as in simultaneous_bounds.
            pa = np.asarray(clopper_pearson_lower(na, n, alpha / 2), dtype=np.float64).reshape(N)
            pb = np.asarray(clopper_pearson_upper(nb, n, alpha / 2), dtype=np.float64).reshape(N)
            pb = np.minimum(pb, 1.0 - pa)
            ok = pa > pb
            radius = np.where(ok, renyi_radius(pa, np.minimum(pb, pa), state["sigma"]), 0.0)
            ok &= radius > 0
            radius = np.where(ok, radius, 0.0)
        pred = np.where(ok, ca, ABSTAIN).astype(np.int64)
        if progress is not None:
            progress(1.0, "done")
        return CertResult(prediction=readonly(pred), radius=readonly(radius.astype(np.float64)),
                          p_lower=readonly(pa), counts=readonly(c), p_upper_runner_up=readonly(pb),
                          sigma=state["sigma"], bound=bound, alpha=alpha, n0=n0, n=n, masks=masks_np,
                          seconds=time.perf_counter() - t0)

    def predict(self, x, *, n: int = 1000, alpha: float = 0.001, generator: torch.Generator | None = None,
                seed: int = 0) -> np.ndarray:
        """PREDICT (Cohen et al. [1]): top-2 counts ``nA >= nB`` over ``n`` draws; abstain when the
        two-sided binomial test of ``nA`` out of ``nA + nB`` at ``p = 0.5`` has p-value ``> alpha``
        (computed as ``min(1, 2 * BinomCDF(nB; nA + nB, 0.5))``, equal to ``scipy.stats.binomtest``).

        Returns
        -------
        ndarray int64 ``(n_samples,)`` with :data:`ABSTAIN`
        """
        alpha = _check_alpha(alpha)
        c = self.counts(x, n, generator=generator, seed=seed)
        srt = np.sort(c, axis=1)
        na, nb = srt[:, -1], srt[:, -2]
        pval = np.minimum(1.0, 2.0 * stats.binom.cdf(nb, na + nb, 0.5))
        top = c.argmax(axis=1)
        return readonly(np.where(pval > alpha, ABSTAIN, top).astype(np.int64))
