"""Soundness check: attack a smoothed classifier inside its certified radii and count changes.

A certificate says: with probability at least ``1 - alpha`` (over the Monte Carlo draws of
CERTIFY), the smoothed classifier ``g`` returns ``cA`` for every ``x'`` with
``||x' - x||_2 < R``. This module tries hard to break that: for every certified series it builds
perturbations of L2 norm ``fraction * R`` (``fraction < 1`` is inside the certificate) by

* ``"pgd"``: PGD-L2 on the Monte Carlo soft smoothed classifier
  (:class:`~tsviz.certify.soft.SoftSmoothed`), per-series budget, ascending ``-log G_cA``;
* ``"random"``: ``directions`` uniformly random directions on the sphere of that radius,

and asks the smoothed classifier's PREDICT (fresh noise) for its decision at ``x'``. A *change*
is a decision for another class (an abstention is not a change: PREDICT abstains when it cannot
decide, which the certificate allows). PREDICT itself returns a wrong class with probability at
most ``alpha``, so each check may fail with probability at most about ``2 alpha``; the check
*passes* when the number of series with a change inside the radius is at most the 99.9 % quantile
of ``Binomial(n_series, 2 alpha)``. Fractions ``>= 1`` probe beyond the certificate (changes are
allowed there and show how tight the radius is).

References: Cohen et al., ICML 2019 (CERTIFY / PREDICT guarantees); Salman et al., NeurIPS 2019
(attacking the soft smoothed classifier).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats

from tsviz.attacks.pgd import projected_ascent
from tsviz.certify.caps import CAPS, MAX_DIRECTIONS, MAX_FRACTIONS, MAX_SOUNDNESS_SAMPLES
from tsviz.certify.checks import base_seed, seeded_generator
from tsviz.certify.costs import soundness_cost
from tsviz.certify.errors import CertifyCostError, CertifyError
from tsviz.certify.result import ABSTAIN, CertResult
from tsviz.certify.smoothing import Smoothed
from tsviz.certify.soft import SoftSmoothed
from tsviz.core import check_cost, check_int, guard_model

__all__ = ["SoundnessReport", "soundness_check", "MAX_SOUNDNESS_SAMPLES", "MAX_DIRECTIONS", "MAX_FRACTIONS"]


@dataclass(frozen=True)
class SoundnessReport:
    """Output of :func:`soundness_check`.

    Attributes
    ----------
    checks : pandas.DataFrame, one row per tested perturbation: ``idx`` (series index in ``x``),
        ``certified_class``, ``radius``, ``fraction``, ``norm`` (L2 norm of the perturbation),
        ``kind`` ("pgd"/"random"), ``prediction`` (PREDICT at ``x'``), ``changed``, ``abstained``
    n_series : series checked (certified ones, at most ``max_samples``)
    n_changed_inside : series with at least one change at a fraction < 1
    tolerance : the largest ``n_changed_inside`` that passes; passed : bool
    alpha : the certificate's alpha
    """

    checks: Any
    n_series: int
    n_changed_inside: int
    tolerance: int
    passed: bool
    alpha: float

    def summary(self) -> dict[str, Any]:
        c = self.checks
        inside = c[c["fraction"] < 1] if len(c) else c
        out = {"n_series": self.n_series, "n_checks": int(len(c)), "n_checks_inside": int(len(inside)),
               "change_rate_inside": float(inside["changed"].mean()) if len(inside) else 0.0,
               "abstain_rate_inside": float(inside["abstained"].mean()) if len(inside) else 0.0,
               "n_series_changed_inside": self.n_changed_inside, "tolerance": self.tolerance,
               "alpha": self.alpha, "passed": self.passed}
        for f, grp in c.groupby("fraction"):
            out[f"change_rate_at_{f:g}R"] = float(grp["changed"].mean())
        return out


def _check_binding(smoothed: Smoothed, x, result: CertResult) -> None:
    """Refuse ``x`` / ``smoothed`` that are not what ``result`` certified (its fingerprint)."""
    if result.fingerprint is None:
        warnings.warn("result has no fingerprint (built by hand?): cannot verify that x, sigma and the masks are "
                      "the ones it certified", RuntimeWarning, stacklevel=3)
        return
    sigma = float(smoothed.sigma) if isinstance(smoothed.sigma, (int, float, np.integer, np.floating)) else None
    if sigma != float(result.sigma):
        raise CertifyError(f"smoothed.sigma = {smoothed.sigma!r} but result was certified with "
                           f"sigma = {result.sigma:g}")
    masks_np = smoothed.mask_array(x.shape[2])
    same = (masks_np is None and result.masks is None) or (
        masks_np is not None and result.masks is not None and np.array_equal(masks_np, result.masks))
    if not same:
        raise CertifyError("smoothed's masks are not the masks result was certified with")
    if smoothed.fingerprint(x) != result.fingerprint:
        raise CertifyError("x is not the series result certified (fingerprint mismatch: different values, or a "
                           "different number of ensemble members); pass the x given to certify()")


def soundness_check(smoothed: Smoothed, x, result: CertResult, *, fractions: Sequence[float] = (0.99,),
                    directions: int = 8, pgd_steps: int = 20, pgd_draws: int = 16, n: int | None = None,
                    max_samples: int = 50, generator: torch.Generator | None = None, seed: int | None = None,
                    progress: Callable[[float, str], None] | None = None) -> SoundnessReport:
    """Attack ``smoothed`` inside the radii of ``result`` (certified on ``x``) and count changes.

    Parameters
    ----------
    smoothed : Smoothed, the classifier that produced ``result`` (same ``sigma``, masks and
        number of members)
    x : (N, C, T) the series ``result`` certified
    result : CertResult of ``smoothed.certify(x, ...)``; its ``fingerprint`` must match ``x``,
        ``sigma`` and the masks (:meth:`Smoothed.fingerprint`), else :class:`CertifyError` (a result
        without a fingerprint, built by hand, is checked on shapes only, with a warning)
    fractions : perturbation norms as fractions of each radius (``< 1`` inside the certificate)
    directions : random directions per series and fraction (0 to skip)
    pgd_steps : PGD-L2 steps on the soft smoothed classifier (0 to skip); step ``2.5 eps / steps``
    pgd_draws : noise draws per series per PGD step
    n : PREDICT draws at ``x'`` (default ``result.n``); alpha is ``result.alpha``
    max_samples : certified series checked (the first ones in ``x``), at most ``CAPS["soundness_series"]``
    generator, seed : randomness of the directions, the attack noise and PREDICT (:mod:`tsviz.core.random`):
        streams seeded from ``seed`` (0 when None: directions and attack ``seed``, PREDICT chunk ``j``
        ``seed + 1 + j``), or from one draw of ``generator``; both given is an error
    progress : callable(fraction, message) or None; reaches 1.0 at the end

    The total cost ``k x fractions x masks x members x (pgd_steps x pgd_draws + (directions +
    1) x n)`` model passes (``k`` certified series checked) is held to
    :func:`tsviz.core.max_cost` (:class:`~tsviz.certify.errors.CertifyCostError`).

    Returns
    -------
    SoundnessReport
    """
    import pandas as pd

    if not isinstance(smoothed, Smoothed):
        raise CertifyError(f"smoothed must be a Smoothed, got {type(smoothed).__name__}")
    if not isinstance(result, CertResult):
        raise CertifyError(f"result must be a CertResult, got {type(result).__name__}")
    try:
        fr = [float(f) for f in fractions]
    except (TypeError, ValueError):
        raise CertifyError(f"fractions must be non-empty finite numbers > 0, got {fractions!r}") from None
    if not fr or any(not np.isfinite(f) or f <= 0 for f in fr):
        raise CertifyError(f"fractions must be non-empty finite numbers > 0, got {list(fractions)!r}")
    if len(fr) > CAPS["fractions"]:
        raise CertifyError(f"at most {CAPS['fractions']} fractions, got {len(fr)}")
    directions = check_int("directions", directions, 0, CAPS["directions"], error=CertifyError)
    pgd_steps = check_int("pgd_steps", pgd_steps, 0, CAPS["pgd_steps"], error=CertifyError)
    pgd_draws = check_int("pgd_draws", pgd_draws, 1, CAPS["draws"], error=CertifyError)
    max_samples = check_int("max_samples", max_samples, 1, CAPS["soundness_series"], error=CertifyError)
    if directions == 0 and pgd_steps == 0:
        raise CertifyError("nothing to test: directions and pgd_steps are both 0")
    n = result.n if n is None else check_int("n", n, 1, CAPS["n"], error=CertifyError)
    seed = base_seed(generator, seed)
    members = smoothed.members()
    x = smoothed.check_series(x)
    device = x.device
    if x.shape[0] != result.prediction.shape[0]:
        raise CertifyError(f"x has {x.shape[0]} series but result certified {result.prediction.shape[0]}")
    _check_binding(smoothed, x, result)
    cert = np.flatnonzero((result.prediction != ABSTAIN) & (result.radius > 0))[:max_samples]
    M = 1 if result.masks is None else int(result.masks.shape[0])
    check_cost("soundness check",
               soundness_cost(int(cert.size), len(fr), masks=M, members=len(members), directions=directions,
                              pgd_steps=pgd_steps, pgd_draws=pgd_draws, n=n),
               error=CertifyCostError)
    empty = pd.DataFrame(columns=["idx", "certified_class", "radius", "fraction", "norm", "kind",
                                  "prediction", "changed", "abstained"])
    if cert.size == 0:
        if progress is not None:
            progress(1.0, "nothing certified to check")
        return SoundnessReport(empty, 0, 0, 0, True, result.alpha)
    xs = x[torch.as_tensor(cert, device=device)]
    ca = torch.as_tensor(result.prediction[cert], device=device)
    radius = torch.as_tensor(result.radius[cert], device=device, dtype=x.dtype)
    gen = seeded_generator(seed, 0, device)
    k, (C, T) = len(cert), x.shape[1:]
    parts = []  # (delta (k', C, T), series positions (k',), fraction, kind)
    for f in fr:
        eps = f * radius
        if directions:
            d = torch.randn((k, directions, C, T), generator=gen, device=device, dtype=x.dtype)
            d = d / d.flatten(2).norm(dim=2)[..., None, None] * eps[:, None, None, None]
            parts.append((d.reshape(-1, C, T), np.repeat(np.arange(k), directions), f, "random"))
        if pgd_steps:
            soft = SoftSmoothed(smoothed, pgd_draws, gen)
            with guard_model(soft):
                x_adv, _, _ = projected_ascent(
                    soft, xs, xs, lambda lp: F.nll_loss(lp, ca, reduction="none"), 1.0,
                    eps, (2.5 * eps / pgd_steps).view(-1, 1, 1), pgd_steps, "l2", None)
            parts.append((x_adv - xs, np.arange(k), f, "pgd"))
    pos = np.concatenate([p[1] for p in parts])
    deltas = torch.cat([p[0] for p in parts])
    x_pert = xs[torch.as_tensor(pos, device=device)] + deltas
    if progress is not None:
        progress(0.5, f"PREDICT at {x_pert.shape[0]} perturbed series")
    # PREDICT takes at most CAPS["series"] series per call; one call when they fit.
    chunk = CAPS["series"]
    pred = np.concatenate([smoothed.predict(x_pert[i:i + chunk], n=n, alpha=result.alpha,
                                            generator=seeded_generator(seed, 1 + j, device))
                           for j, i in enumerate(range(0, x_pert.shape[0], chunk))])
    frac = np.concatenate([np.full(len(p[1]), p[2]) for p in parts])
    kind = np.concatenate([np.full(len(p[1]), p[3], dtype=object) for p in parts])
    c_np = result.prediction[cert][pos]
    checks = pd.DataFrame({
        "idx": cert[pos], "certified_class": c_np, "radius": result.radius[cert][pos], "fraction": frac,
        "norm": deltas.flatten(1).norm(dim=1).cpu().numpy().astype(np.float64), "kind": kind,
        "prediction": pred, "changed": (pred != c_np) & (pred != ABSTAIN), "abstained": pred == ABSTAIN})
    inside = checks[checks["fraction"] < 1]
    n_changed = int(inside.loc[inside["changed"], "idx"].nunique())
    tol = int(stats.binom.ppf(0.999, k, min(1.0, 2 * result.alpha)))
    if progress is not None:
        progress(1.0, "done")
    return SoundnessReport(checks, k, n_changed, tol, n_changed <= tol, result.alpha)
