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
import warnings
from collections.abc import Callable
from contextlib import ExitStack

import numpy as np
import torch
from scipy import stats

from tsviz.certify.batching import ACTIVATION_BUDGET, CPU_LAYER_BUDGET, MAX_AUTO_ROWS, auto_batch_rows
from tsviz.certify.bounds import BOUNDS, REASON_LOW_PA, REASON_PA_PB, REASON_ZERO_RADIUS, get_bound
from tsviz.certify.caps import CAPS, MAX_MASKS, MAX_N, MAX_N0, MAX_SAMPLES, MAX_SCORES
from tsviz.certify.checks import certify_generator, check_alpha, check_finite_parameters
from tsviz.certify.errors import CertifyCostError, CertifyError
from tsviz.certify.result import ABSTAIN, REASON_NONFINITE, CertResult, input_fingerprint
from tsviz.core import as_series, check_budget, check_cost, check_int, check_model_input, guard_model, model_device
from tsviz.core.arrays import readonly

__all__ = ["auto_batch_rows", "ABSTAIN", "Smoothed", "CertResult", "MAX_N", "MAX_N0", "MAX_MASKS", "MAX_SAMPLES",
           "ACTIVATION_BUDGET", "CPU_LAYER_BUDGET", "MAX_AUTO_ROWS", "BOUNDS", "MAX_SCORES", "REASON_NONFINITE",
           "REASON_LOW_PA", "REASON_PA_PB", "REASON_ZERO_RADIUS", "input_fingerprint"]

Progress = Callable[[float, str], None]


class Smoothed:
    """Gaussian-smoothed classifier ``g``, optionally over a self-ensemble of fixed masks.

    Base decision for one noisy draw ``x + sigma * N(0, I)`` (Algorithm 2 of [3]):
    ``argmax_k mean_{members, masks} softmax(model(mask * (x + noise)))_k`` where each mask
    ``(T,)`` multiplies every channel. ``model`` may be one module or a list/tuple of modules
    (deep ensemble): softmax probabilities are averaged over members *and* masks, then the argmax
    is taken. The smoothed classifier counts these hard decisions over noise draws.

    Non-finite model outputs. A noise draw for which any member's logits (under any mask) hold a
    NaN or an Inf has no base decision: it is never counted as a vote for any class. A series with
    at least one such draw is not certified (:meth:`certify`: :data:`ABSTAIN` with
    ``abstain_reason`` :data:`REASON_NONFINITE`; :meth:`predict`: :data:`ABSTAIN`); :meth:`counts`
    leaves such draws out of the counts and :meth:`scores` returns NaN for them, each with a
    ``RuntimeWarning``. A model whose output is non-finite on every clean series or on every noise
    draw, or with a NaN/Inf parameter, is refused with a :class:`~tsviz.certify.CertifyError`.

    Parameters
    ----------
    model : nn.Module or sequence of nn.Module, mapping ``(b, C, T)`` to logits ``(b, K)``
    sigma : float > 0, noise standard deviation in signal units; at most
        :func:`tsviz.core.budget_limit` of the series (100 x their amplitude), so that
        ``x + sigma * noise`` stays finite in float32
    masks : None or bool/0-1 array ``(M, T)``, ``M <= CAPS["masks"]``, fixed for all inputs
    batch_size : "auto" or int >= 1; rows (``sample x draw x mask``) per forward pass. "auto"
        sizes chunks from one probe forward (``ACTIVATION_BUDGET`` / activation elements per row; on
        CPU also ``CPU_LAYER_BUDGET`` / largest layer output per row; at most ``MAX_AUTO_ROWS``); on
        CUDA an out-of-memory error halves it and retries.
    n_classes : int >= 2 or None (inferred from one probe forward)

    Hyperparameters are stored as given and validated when called. The models are left exactly
    as found (mode and ``requires_grad``, via :func:`tsviz.core.guard_model`). Every call's
    total cost (series x draws x masks x members model evaluations) is held to
    :func:`tsviz.core.max_cost` (:class:`~tsviz.certify.errors.CertifyCostError`). Computation
    happens on the first member's device (:meth:`device`); the noise comes from ``generator`` or
    a generator seeded ``seed`` on that device (:mod:`tsviz.core.random`), never the global RNG.
    """

    def __init__(self, model, sigma: float, masks=None, *, batch_size: int | str = "auto",
                 n_classes: int | None = None) -> None:
        self.model = model
        self.sigma = sigma
        self.masks = masks
        self.batch_size = batch_size
        self.n_classes = n_classes

    # ------------------------------------------------------------------ inputs (public: soundness, attacks)
    def members(self) -> list[torch.nn.Module]:
        """The ensemble members (``model`` as a list), checked to be modules."""
        ms = list(self.model) if isinstance(self.model, (list, tuple)) else [self.model]
        if not ms or not all(isinstance(m, torch.nn.Module) for m in ms):
            raise CertifyError("model must be an nn.Module or a non-empty list/tuple of nn.Module")
        return ms

    def device(self) -> torch.device:
        """Where the smoothed classifier computes: the first member's device
        (:func:`tsviz.core.model_device`); series and noise are moved there."""
        return model_device(self.members()[0])

    def check_series(self, x) -> torch.Tensor:
        """``x`` as float32 ``(n, C, T)`` on :meth:`device` (:func:`tsviz.core.as_series`, at most
        ``CAPS["series"]`` series), checked against the channels and length every member was built for."""
        members = self.members()
        x = as_series(x, error=CertifyError, max_series=CAPS["series"])
        for j, m in enumerate(members):
            check_model_input(m, x, name="x" if len(members) == 1 else f"x (ensemble member {j})",
                              error=CertifyError)
        return x.to(model_device(members[0]))

    def mask_array(self, T: int) -> np.ndarray | None:
        """The masks as a read-only bool array ``(M, T)`` (None without masks), checked: 2-D, ``1 <= M <=
        CAPS["masks"]``, length ``T``, boolean or 0/1 only."""
        if self.masks is None:
            return None
        m = np.asarray(self.masks.detach().cpu() if isinstance(self.masks, torch.Tensor) else self.masks)
        cap = CAPS["masks"]
        if m.ndim != 2 or m.shape[0] < 1 or m.shape[0] > cap:
            raise CertifyError(f"masks must have shape (M, T) with 1 <= M <= {cap}, got {m.shape}")
        if m.shape[1] != T:
            raise CertifyError(f"masks have length {m.shape[1]} but x has T={T}")
        if m.dtype != bool:
            if m.dtype.kind not in "iuf" or not np.all(np.isfinite(m)) or not np.all((m == 0) | (m == 1)):
                raise CertifyError("masks must be boolean or hold only 0/1")
        return readonly(m.astype(bool))

    def fingerprint(self, x) -> str:
        """The fingerprint :meth:`certify` stores in ``CertResult.fingerprint`` for ``x`` (see
        :func:`input_fingerprint`); ``x``, ``sigma`` and the masks are validated as by :meth:`certify`."""
        members = self.members()
        x = self.check_series(x)
        masks_np = self.mask_array(x.shape[2])
        sigma = check_budget("sigma", self.sigma, x, norm="inf", error=CertifyError)
        return input_fingerprint(x, sigma, masks_np, len(members))

    def _rows(self) -> int | None:
        if isinstance(self.batch_size, str):
            if self.batch_size != "auto":
                raise CertifyError(f"batch_size must be 'auto' or a positive integer, got {self.batch_size!r}")
            return None  # measured on the model by the first _count call
        return check_int("batch_size", self.batch_size, 1, 10 ** 9, error=CertifyError)

    @staticmethod
    def _check_cost(what: str, N: int, draws: int, draws_name: str, M: int, members: int) -> None:
        check_cost(what, {"series": N, draws_name: draws, "masks": M, "ensemble members": members},
                   error=CertifyCostError)

    # ------------------------------------------------------------------ core
    def _probs(self, members, rows: torch.Tensor, state: dict, K: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean softmax over members ``(r, K)`` for ``rows`` ``(r, C, T)`` and ``(r,)`` bool flags of rows
        where some member's logits are not finite (their softmax is set to 0), in forward chunks;
        CUDA OOM halves the chunk."""
        while True:
            bs = state["rows"]
            try:
                out = None
                bad = torch.zeros(rows.shape[0], dtype=torch.bool, device=rows.device)
                for mdl in members:
                    parts = []
                    for i in range(0, rows.shape[0], bs):
                        z = mdl(rows[i:i + bs])
                        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != K:
                            got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
                            raise CertifyError(f"the model must return logits of shape (b, {K}), got {got}")
                        parts.append(z.float())
                    z = torch.cat(parts) if len(parts) > 1 else parts[0]
                    fin = torch.isfinite(z).all(dim=1)
                    bad |= ~fin
                    p = torch.softmax(torch.where(fin[:, None], z, torch.zeros((), dtype=z.dtype, device=z.device)),
                                      dim=1)
                    out = p if out is None else out + p
                return out / len(members), bad
            except torch.cuda.OutOfMemoryError:
                if bs == 1:
                    raise
                state["rows"] = max(1, bs // 2)
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()

    def _probe(self, members, x, state) -> int:
        """Number of classes ``K`` from one forward of ``x[:1]`` per member; a member that fails on
        ``x`` or whose output is NaN/Inf on every clean series raises :class:`CertifyError`."""
        K = None if self.n_classes is None else check_int("n_classes", self.n_classes, 2, 100_000,
                                                             error=CertifyError)
        for j, mdl in enumerate(members):
            who = "the model" if len(members) == 1 else f"ensemble member {j}"
            try:
                out = mdl(x[:1])
            except torch.cuda.OutOfMemoryError:
                raise
            except (RuntimeError, ValueError, TypeError, IndexError) as exc:
                raise CertifyError(f"{who} could not run on x of shape {tuple(x.shape)}: {exc}") from None
            if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[1] < 2:
                got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise CertifyError(f"the model must return logits of shape (b, K>=2), got {got}")
            if K is None:
                K = int(out.shape[1])
            elif out.shape[1] != K:
                raise CertifyError(f"the model must return logits of shape (b, {K}), got {tuple(out.shape)} "
                                   f"from {who}")
            if not bool(torch.isfinite(out).all()):
                bs = state["rows"] or 256
                fin = torch.cat([torch.isfinite(mdl(x[i:i + bs]).float()).all(dim=1)
                                 for i in range(0, x.shape[0], bs)])
                if not bool(fin.any()):
                    raise CertifyError(f"the output of {who} is NaN or Inf on every clean series (broken weights or "
                                       "normalisation?); nothing can be certified")
        return K

    def _stream(self, members, x, masks_t, K, num, gen, state, progress, frac0, frac1, label,
                consume: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], None]) -> None:
        """Push ``num`` noise draws per sample through the base classifier, in chunks.

        Draws are enumerated sample-major (sample ``i`` owns flat indices ``[i*num, (i+1)*num)``)
        and processed in chunks of whole draws; one chunk = one noise tensor from ``gen``. For each
        chunk ``consume(flat_index, sample, scores, bad)`` receives the flat draw indices ``(d,)``,
        their samples ``(d,)``, the base classifier's scores ``(d, K)`` (softmax averaged over
        members and masks) and ``(d,)`` bool flags of draws with a non-finite model output (under
        any member or mask; their scores are meaningless). Raises :class:`CertifyError` when
        ``x + sigma * noise`` is not finite.
        """
        N, C, T = x.shape
        M = 1 if masks_t is None else masks_t.shape[0]
        total = N * num
        if state["rows"] is None:
            state["rows"] = auto_batch_rows(members, x)
        overflow = torch.zeros((), dtype=torch.bool, device=x.device)
        start = 0
        while start < total:
            draws = max(1, state["rows"] // M)
            stop = min(total, start + draws)
            idx = torch.arange(start, stop, device=x.device)
            sample = idx // num
            noise = torch.randn((stop - start, C, T), generator=gen, device=gen.device, dtype=x.dtype)
            noisy = x[sample] + state["sigma"] * noise.to(x.device)
            overflow |= ~torch.isfinite(noisy).all()  # no sync here; checked once at the end
            if masks_t is not None:
                noisy = (noisy[:, None, :, :] * masks_t[None, :, None, :]).reshape(-1, C, T)
            p, bad = self._probs(members, noisy, state, K)
            consume(idx, sample, p.reshape(stop - start, M, K).mean(dim=1), bad.reshape(stop - start, M).any(dim=1))
            start = stop
            if progress is not None:
                progress(frac0 + (frac1 - frac0) * start / total, label)
        if bool(overflow):
            raise CertifyError(f"x + sigma * noise is not finite in float32 (sigma = {state['sigma']:g}); "
                               "use a smaller sigma")

    def _count(self, members, x, masks_t, K, num, gen, state, progress, frac0, frac1,
               label) -> tuple[torch.Tensor, torch.Tensor]:
        """Counts ``(N, K)`` of base decisions (argmax of the scores) over ``num`` draws per sample,
        and ``(N,)`` counts of draws with a non-finite model output (not counted as votes)."""
        N = x.shape[0]
        counts = torch.zeros(N * K + N, dtype=torch.int64, device=x.device)

        def consume(_idx, sample, scores, bad) -> None:
            key = torch.where(bad, N * K + sample, sample * K + scores.argmax(dim=1))
            counts.add_(torch.bincount(key, minlength=N * K + N))

        self._stream(members, x, masks_t, K, num, gen, state, progress, frac0, frac1, label, consume)
        return counts[:N * K].reshape(N, K), counts[N * K:]

    def _setup(self, x, generator, seed):
        members = self.members()
        x = self.check_series(x)
        masks_np = self.mask_array(x.shape[2])
        masks_t = None if masks_np is None else torch.tensor(masks_np, device=x.device, dtype=x.dtype)
        sigma = check_budget("sigma", self.sigma, x, norm="inf", error=CertifyError)
        check_finite_parameters(members)
        gen = certify_generator(generator, seed, x.device)
        state = {"rows": self._rows(), "sigma": sigma}
        return members, x, masks_t, masks_np, gen, state

    @staticmethod
    def _nonfinite(bad: np.ndarray, draws: int, what: str) -> np.ndarray:
        """``(N,)`` bool: series with a non-finite draw. Raises when every draw of every series was
        non-finite; warns when some were."""
        hit = bad > 0
        if bool((bad == draws).all()):
            raise CertifyError(f"the model's output was NaN or Inf on every one of the {draws} noise draws of every "
                               "series; nothing can be counted (broken model, or sigma far too large for it)")
        if hit.any() and what:
            then = "those series abstain" if what == "PREDICT" else "those draws are not counted"
            warnings.warn(f"{what}: the model's output was NaN or Inf on {int(bad.sum())} noise draw(s) of "
                          f"{int(hit.sum())} of {len(hit)} series; {then}", RuntimeWarning, stacklevel=4)
        return hit

    def _sample(self, x, n, generator, seed, progress, what) -> tuple[np.ndarray, np.ndarray]:
        """``(counts (N, K), non-finite draws (N,))`` over ``n`` draws, with all checks."""
        n = check_int("n", n, 1, CAPS["n"], error=CertifyError)
        members, x, masks_t, _, gen, state = self._setup(x, generator, seed)
        M = 1 if masks_t is None else masks_t.shape[0]
        self._check_cost(what, x.shape[0], n, "noise draws (n)", M, len(members))
        with ExitStack() as stack, torch.no_grad():
            for m in members:
                stack.enter_context(guard_model(m))
            K = self._probe(members, x, state)
            c, bad = self._count(members, x, masks_t, K, n, gen, state, progress, 0.0, 1.0, "sampling")
        c, bad = c.cpu().numpy().astype(np.int64), bad.cpu().numpy().astype(np.int64)
        self._nonfinite(bad, n, what)
        return c, bad

    def counts(self, x, n: int, *, generator: torch.Generator | None = None, seed: int | None = None,
               progress: Progress | None = None) -> np.ndarray:
        """Class counts ``(n_samples, K)`` int64 of the base decision over ``n`` noise draws.

        Draws whose model output is NaN/Inf are not counted (a row then sums to less than ``n``, with
        a ``RuntimeWarning``); when every draw is non-finite a :class:`CertifyError` is raised.
        Randomness from ``generator`` (advanced in place) or, when None, a generator on the model's
        device seeded ``seed`` (0 when None); both given is an error (:mod:`tsviz.core.random`).
        """
        c, _ = self._sample(x, n, generator, seed, progress, "counts")
        return readonly(c)

    def scores(self, x, n: int, *, generator: torch.Generator | None = None, seed: int | None = None,
               progress: Progress | None = None) -> np.ndarray:
        """Base-classifier scores of every noise draw: float32 ``(n_samples, n, K)``.

        ``scores[i, j]`` is the softmax output averaged over members and masks for draw ``j`` of
        sample ``i`` (the quantity whose argmax :meth:`counts` counts; Fig. 3 of [3] plots its
        top score and classification margins); NaN for a draw whose model output was not finite
        (with a ``RuntimeWarning``; every draw non-finite raises :class:`CertifyError`). Same
        noise stream as :meth:`counts` for the same seed, so ``scores.argmax(-1)`` reproduces its
        counts where the scores are finite. At most ``CAPS["score_values"]`` values. Randomness as
        in :meth:`counts`.
        """
        n = check_int("n", n, 1, CAPS["n"], error=CertifyError)
        members, x, masks_t, _, gen, state = self._setup(x, generator, seed)
        M = 1 if masks_t is None else masks_t.shape[0]
        with ExitStack() as stack, torch.no_grad():
            for m in members:
                stack.enter_context(guard_model(m))
            K = self._probe(members, x, state)
            if x.shape[0] * n * K > CAPS["score_values"]:
                raise CertifyError(f"n_samples * n * n_classes = {x.shape[0] * n * K} exceeds "
                                   f"{CAPS['score_values']}; use fewer samples or draws")
            self._check_cost("scores", x.shape[0], n, "noise draws (n)", M, len(members))
            out = torch.empty((x.shape[0] * n, K), dtype=torch.float32, device=x.device)
            nbad = torch.zeros(x.shape[0], dtype=torch.int64, device=x.device)

            def consume(idx, sample, s, bad) -> None:
                out[idx] = torch.where(bad[:, None], torch.full((), float("nan"), device=s.device), s.float())
                nbad.index_add_(0, sample, bad.long())

            self._stream(members, x, masks_t, K, n, gen, state, progress, 0.0, 1.0, "sampling", consume)
        self._nonfinite(nbad.cpu().numpy(), n, "scores")
        return readonly(out.reshape(x.shape[0], n, K).cpu().numpy())

    def certify(self, x, *, n0: int = 100, n: int = 1000, alpha: float = 0.001, bound: str = "cohen",
                generator: torch.Generator | None = None, seed: int | None = None,
                progress: Progress | None = None) -> CertResult:
        """CERTIFY (Cohen et al. [1]; Algorithm 2 of [3] for ``bound="renyi"``).

        ``n0`` selection draws pick ``cA`` (most counted class); ``n`` fresh estimation draws give
        ``counts``. ``cA`` is chosen from draws independent of ``counts``, which is what makes the
        bounds valid for the selected class. The bound is the function registered as ``bound`` in
        :data:`tsviz.certify.bounds.BOUNDS` (:func:`~tsviz.certify.bounds.register_bound` adds one);
        it receives the estimation counts with one extra column, the draws without a decision, so
        every row sums to ``n`` (see :mod:`tsviz.certify.bounds.base`). The two shipped bounds:

        * ``"cohen"`` (:func:`~tsviz.certify.bounds.cohen_bound`):
          ``pA_lower = clopper_pearson_lower(counts[cA], n, alpha)``; abstain if
          ``pA_lower <= 0.5``, else radius ``sigma * Phi^-1(pA_lower)``.
        * ``"renyi"``: ``pA_lower`` and ``pB_upper``, an upper bound on *every* other class's
          probability ``max_{j != cA} p_j`` (all ``K - 1`` at once), from
          :func:`~tsviz.certify.bounds.simultaneous_bounds` with ``top=cA`` (both hold together
          with probability ``>= 1 - alpha``; the argument is in its docstring). Abstain if
          ``pA_lower <= pB_upper``, else radius ``renyi_radius(pA_lower, pB_upper, sigma)``
          (Theorem 4.1 of [3], after Li et al. [2]); :func:`~tsviz.certify.bounds.renyi_bound`.

        A series with a non-finite model output on any of its ``n0 + n`` draws abstains
        (``abstain_reason`` :data:`REASON_NONFINITE`); such draws are never votes (for the
        bounds they count as draws that did not return ``cA``, so ``p_lower`` stays a valid, if
        unused, bound). If every draw of every series is non-finite, :class:`CertifyError`.

        Parameters
        ----------
        x : (n_samples, C, T) float tensor or array (numpy or torch; float64 is cast to float32;
            channels and length must match the model's)
        n0 : int in [1, CAPS["n0"]]; n : int in [1, CAPS["n"]]; alpha : float in (0, 0.5)
        bound : a name in :data:`~tsviz.certify.bounds.BOUNDS` ("cohen", "renyi", or one registered)
        generator, seed : the noise's randomness (:mod:`tsviz.core.random`): ``generator`` as given
            (advanced in place), else a fresh generator on the model's device seeded ``seed``
            (0 when None); both given is an error. Same seed, same result.
        progress : callable(fraction, message) or None; reaches 1.0 at the end

        Returns
        -------
        CertResult, with ``abstain_reason`` and ``fingerprint`` set

        Raises
        ------
        CertifyError
            Bad parameters or series, ``sigma`` beyond the data's scale, a model that cannot run on
            ``x`` or whose output is never finite; :class:`~tsviz.certify.errors.CertifyCostError`
            when ``n_samples x (n0 + n) x masks x members`` exceeds :func:`tsviz.core.max_cost`.
        """
        t0 = time.perf_counter()
        n0 = check_int("n0", n0, 1, CAPS["n0"], error=CertifyError)
        n = check_int("n", n, 1, CAPS["n"], error=CertifyError)
        alpha = check_alpha(alpha)
        bound_fn = get_bound(bound)
        members, x, masks_t, masks_np, gen, state = self._setup(x, generator, seed)
        M = 1 if masks_t is None else masks_t.shape[0]
        self._check_cost("certification", x.shape[0], n0 + n, "noise draws (n0 + n)", M, len(members))
        with ExitStack() as stack, torch.no_grad():
            for m in members:
                stack.enter_context(guard_model(m))
            K = self._probe(members, x, state)
            frac = n0 / (n0 + n)
            c0, bad0 = self._count(members, x, masks_t, K, n0, gen, state, progress, 0.0, frac, "selection")
            c, bad = self._count(members, x, masks_t, K, n, gen, state, progress, frac, 1.0, "estimation")
        c0 = c0.cpu().numpy().astype(np.int64)
        c = c.cpu().numpy().astype(np.int64)
        bad = bad.cpu().numpy().astype(np.int64)  # estimation draws with a non-finite output
        nonfinite = self._nonfinite(bad0.cpu().numpy().astype(np.int64) + bad, n0 + n, "")
        ca = c0.argmax(axis=1)
        # The estimation draws with a non-finite output form an extra column, so the bound sees all
        # n draws (such a draw is "not cA" and "some other outcome").
        cert = bound_fn(np.concatenate([c, bad[:, None]], axis=1), ca, alpha=alpha, sigma=state["sigma"])
        pa, pb = np.asarray(cert.p_lower, dtype=np.float64), np.asarray(cert.p_upper, dtype=np.float64)
        ok = (np.asarray(cert.reason) == "") & ~nonfinite
        radius = np.where(ok, np.asarray(cert.radius, dtype=np.float64), 0.0)
        reason = np.where(nonfinite, REASON_NONFINITE, np.asarray(cert.reason)).astype(str)
        pred = np.where(ok, ca, ABSTAIN).astype(np.int64)
        if progress is not None:
            progress(1.0, "done")
        return CertResult(prediction=readonly(pred), radius=readonly(radius.astype(np.float64)),
                          p_lower=readonly(pa), counts=readonly(c), p_upper_runner_up=readonly(pb),
                          sigma=state["sigma"], bound=bound, alpha=alpha, n0=n0, n=n, masks=masks_np,
                          seconds=time.perf_counter() - t0, abstain_reason=readonly(reason),
                          fingerprint=input_fingerprint(x, state["sigma"], masks_np, len(members)))

    def predict(self, x, *, n: int = 1000, alpha: float = 0.001, generator: torch.Generator | None = None,
                seed: int | None = None, progress: Progress | None = None) -> np.ndarray:
        """PREDICT (Cohen et al. [1]): top-2 counts ``nA >= nB`` over ``n`` draws; abstain when the
        two-sided binomial test of ``nA`` out of ``nA + nB`` at ``p = 0.5`` has p-value ``> alpha``
        (computed as ``min(1, 2 * BinomCDF(nB; nA + nB, 0.5))``, equal to ``scipy.stats.binomtest``).
        A series with a non-finite model output on any draw abstains (``RuntimeWarning``); every
        draw non-finite raises :class:`CertifyError`. Randomness as in :meth:`counts`.

        Returns
        -------
        ndarray int64 ``(n_samples,)`` with :data:`ABSTAIN`
        """
        alpha = check_alpha(alpha)
        c, bad = self._sample(x, n, generator, seed, progress, "PREDICT")
        srt = np.sort(c, axis=1)
        na, nb = srt[:, -1], srt[:, -2]
        pval = np.minimum(1.0, 2.0 * stats.binom.cdf(nb, na + nb, 0.5))
        top = c.argmax(axis=1)
        return readonly(np.where((pval > alpha) | (bad > 0), ABSTAIN, top).astype(np.int64))
