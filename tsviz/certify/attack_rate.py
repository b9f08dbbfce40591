"""Attack success rate of PGD-L2 against benign and smoothed classifiers (Table 4 of the paper).

For every budget ``eps`` (L2, signal units):

* benign model: PGD-L2 (:class:`tsviz.attacks.PGD`, ``norm="l2"``) on the model itself, judged by
  its argmax;
* smoothed classifier: the same PGD-L2 on the Monte Carlo soft smoothed classifier
  (:class:`~tsviz.certify.soft.SoftSmoothed`, the adaptive attack of Salman et al. 2019), judged by
  the smoothed classifier's PREDICT (Cohen et al.).

Attack success rate (ASR) = share of the series classified correctly on clean input whose
prediction on the adversarial input is not the label; an abstention counts as a success of the
attack (the conservative reading for a defence). The abstain share is reported separately.

Reference: shared paper ``certified-robustness-tsc-self-ensemble.txt``, section 6.3, Table 4.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from tsviz.attacks import PGD
from tsviz.certify.caps import CAPS, MAX_ATTACK_SAMPLES
from tsviz.certify.checks import base_seed, check_finite_parameters, seeded_generator
from tsviz.certify.compare import CertConfig
from tsviz.certify.costs import attack_rates_cost
from tsviz.certify.errors import CertifyCostError, CertifyError
from tsviz.certify.result import ABSTAIN
from tsviz.certify.soft import SoftSmoothed
from tsviz.core import as_labels, as_series, check_budget, check_cost, check_int, check_model_input, model_device
from tsviz.models.inference import predict_logits

__all__ = ["attack_success_rates", "MAX_ATTACK_SAMPLES"]


def _pgd(eps: float, steps: int) -> PGD:
    return PGD(eps=eps, alpha=2.5 * eps / steps, steps=steps, norm="l2", random_start=False)


def _benign_predict(model: torch.nn.Module, xs: torch.Tensor) -> np.ndarray:
    """Argmax of ``model`` on ``xs``; :data:`ABSTAIN` where its logits are not finite (no prediction)."""
    z = predict_logits(model, xs)
    return np.where(torch.isfinite(z).all(dim=1).numpy(), z.argmax(dim=1).numpy(), ABSTAIN).astype(np.int64)


def attack_success_rates(configs: Sequence[CertConfig], x, y, eps_values: Sequence[float], *,
                         benign: torch.nn.Module | None = None, steps: int = 10, draws: int = 8,
                         n: int = 1000, alpha: float = 0.001, generator: torch.Generator | None = None,
                         seed: int | None = None, progress: Callable[[float, str], None] | None = None):
    """ASR of PGD-L2 at each budget against ``benign`` (if given) and each smoothed configuration.

    Parameters
    ----------
    configs : CertConfig sequence (the smoothed classifiers; labels name the rows)
    x : (N, C, T) float series, ``N <= CAPS["attack_series"]``; y : (N,) int labels (integers only)
    eps_values : L2 budgets (signal units), each > 0 and at most :func:`tsviz.core.budget_limit`
        of ``x`` for the L2 norm
    benign : nn.Module or None, attacked without noise (row label ``"Benign"``)
    steps : PGD iterations, at most ``CAPS["pgd_steps"]`` (step size ``2.5 * eps / steps``, Madry
        et al.'s rule)
    draws : noise draws per series per PGD step on the soft smoothed classifier (``CAPS["draws"]``)
    n, alpha : PREDICT draws and level for judging the smoothed classifiers
    generator, seed : randomness of the attack's noise and of PREDICT (:mod:`tsviz.core.random`):
        streams seeded ``seed`` (0 when None; PREDICT ``seed + 1``) or from one draw of
        ``generator``; both given is an error
    progress : callable(fraction, message) or None; reaches 1.0 at the end

    A model output that is not finite is no prediction: the benign model's then counts as
    :data:`ABSTAIN` (not clean-correct; after the attack, a success), the smoothed classifiers'
    PREDICT abstains. The total cost ``N x (budgets + 1) x`` (per classifier: ``steps + 1``
    benign, ``masks x members x (steps x draws + n)`` smoothed) is held to
    :func:`tsviz.core.max_cost` (:class:`~tsviz.certify.errors.CertifyCostError`).

    Returns
    -------
    pandas.DataFrame with columns ``classifier``, ``eps``, ``asr``, ``abstain_rate``,
    ``n_correct`` (clean-correct series attacked), ``n_series``
    """
    import pandas as pd

    x = as_series(x, error=CertifyError, max_series=CAPS["attack_series"])
    y_np = as_labels(y, x.shape[0], error=CertifyError).cpu().numpy()
    eps_values = list(eps_values)
    if not eps_values:
        raise CertifyError("eps_values must be non-empty finite numbers > 0, got []")
    eps_values = [check_budget("eps_values", e, x, norm="l2", error=CertifyError) for e in eps_values]
    steps = check_int("steps", steps, 1, CAPS["pgd_steps"], error=CertifyError)
    draws = check_int("draws", draws, 1, CAPS["draws"], error=CertifyError)
    n = check_int("n", n, 1, CAPS["n"], error=CertifyError)
    seed = base_seed(generator, seed)
    configs = list(configs)
    if not all(isinstance(c, CertConfig) for c in configs):
        raise CertifyError("configs must be CertConfig objects")
    if benign is None and not configs:
        raise CertifyError("give a benign model and/or at least one smoothed configuration")
    if benign is not None:
        if not isinstance(benign, torch.nn.Module):
            raise CertifyError(f"benign must be an nn.Module or None, got {type(benign).__name__}")
        check_model_input(benign, x, error=CertifyError)
        check_finite_parameters([benign])
    check_cost("PGD-L2 attack success rates",
               attack_rates_cost(x.shape[0], len(eps_values), steps=steps, draws=draws, n=n,
                                 passes=[c.model_passes() for c in configs], benign=benign is not None),
               error=CertifyCostError)
    targets = ([("Benign", None)] if benign is not None else []) + [(c.label, c) for c in configs]
    jobs = len(targets) * (len(eps_values) + 1)
    done = 0
    rows = []
    for label, cfg in targets:
        if cfg is None:
            device = model_device(benign)
            xd, yd = x.to(device), torch.as_tensor(y_np, device=device)

            def judge(xs):
                return _benign_predict(benign, xs)

            attacked = benign
        else:
            sm = cfg.smoothed(x.shape[2])
            device = sm.device()
            xd, yd = x.to(device), torch.as_tensor(y_np, device=device)

            def judge(xs, sm=sm, device=device):
                return sm.predict(xs, n=n, alpha=alpha, generator=seeded_generator(seed, 1, device))

            attacked = SoftSmoothed(sm, draws, seeded_generator(seed, 0, device))
        clean = np.asarray(judge(xd))
        if cfg is None and bool((clean == ABSTAIN).all()):
            raise CertifyError("the benign model's output is NaN or Inf on every clean series; nothing to attack")
        ok = clean == y_np
        done += 1
        if progress is not None:
            progress(done / jobs, f"{label}: clean predictions")
        for eps in eps_values:
            asr = abstain = float("nan")
            if ok.any():
                idx = torch.as_tensor(np.flatnonzero(ok), device=device)
                gen = seeded_generator(seed, 0, device)
                x_adv = _pgd(eps, steps).run(attacked, xd[idx], yd[idx], generator=gen).x_adv
                pred = np.asarray(judge(x_adv))
                asr = float(np.mean(pred != y_np[ok]))
                abstain = float(np.mean(pred == ABSTAIN))
            rows.append({"classifier": label, "eps": eps, "asr": asr, "abstain_rate": abstain,
                         "n_correct": int(ok.sum()), "n_series": int(x.shape[0])})
            done += 1
            if progress is not None:
                progress(done / jobs, f"{label}: PGD-L2 eps={eps:g}")
    return pd.DataFrame(rows)
