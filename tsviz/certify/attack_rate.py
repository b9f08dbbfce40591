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

from tsviz.attacks.pgd import PGD
from tsviz.certify.compare import CertConfig
from tsviz.certify.smoothing import ABSTAIN
from tsviz.certify.soft import SoftSmoothed
from tsviz.models.inference import predict

__all__ = ["attack_success_rates", "MAX_ATTACK_SAMPLES"]

#: Largest number of series attacked per call (each PGD step runs draws x masks forwards per series).
MAX_ATTACK_SAMPLES = 500


def _pgd(eps: float, steps: int) -> PGD:
    return PGD(eps=eps, alpha=2.5 * eps / steps, steps=steps, norm="l2", random_start=False)


def attack_success_rates(configs: Sequence[CertConfig], x, y, eps_values: Sequence[float], *,
                         benign: torch.nn.Module | None = None, steps: int = 10, draws: int = 8,
                         n: int = 1000, alpha: float = 0.001, seed: int = 0,
                         progress: Callable[[float, str], None] | None = None):
    """ASR of PGD-L2 at each budget against ``benign`` (if given) and each smoothed configuration.

    Parameters
    ----------
    configs : CertConfig sequence (the smoothed classifiers; labels name the rows)
    x : (N, C, T) float series, ``N <= MAX_ATTACK_SAMPLES``; y : (N,) int labels
    eps_values : L2 budgets (signal units), each > 0
    benign : nn.Module or None, attacked without noise (row label ``"Benign"``)
    steps : PGD iterations (step size ``2.5 * eps / steps``, Madry et al.'s rule)
    draws : noise draws per series per PGD step on the soft smoothed classifier
    n, alpha : PREDICT draws and level for judging the smoothed classifiers
    seed : seeds the attack's noise and PREDICT

    Returns
    -------
    pandas.DataFrame with columns ``classifier``, ``eps``, ``asr``, ``abstain_rate``,
    ``n_correct`` (clean-correct series attacked), ``n_series``
    """
    import pandas as pd

    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x, dtype=np.float32))
    if x.ndim != 3 or not 1 <= x.shape[0] <= MAX_ATTACK_SAMPLES:
        raise ValueError(f"x must have shape (N, C, T) with 1 <= N <= {MAX_ATTACK_SAMPLES}, got {tuple(x.shape)}")
    y_np = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y).reshape(-1).astype(np.int64)
    if y_np.shape[0] != x.shape[0]:
        raise ValueError(f"y has {y_np.shape[0]} labels for {x.shape[0]} series")
    eps_values = [float(e) for e in eps_values]
    if not eps_values or any(not np.isfinite(e) or e <= 0 for e in eps_values):
        raise ValueError(f"eps_values must be non-empty finite numbers > 0, got {eps_values}")
    if benign is None and not configs:
        raise ValueError("give a benign model and/or at least one smoothed configuration")
    targets = ([("Benign", None)] if benign is not None else []) + [(c.label, c) for c in configs]
    jobs = len(targets) * (len(eps_values) + 1)
    done = 0
    rows = []
    for label, cfg in targets:
        if cfg is None:
            device = next((p.device for p in benign.parameters()), torch.device("cpu"))
            xd, yd = x.to(device), torch.as_tensor(y_np, device=device)

            def judge(xs):
                return predict(benign, xs)

            attacked = benign
        else:
            sm = cfg.smoothed(x.shape[2])
            device = sm._device(sm._members())
            xd, yd = x.to(device), torch.as_tensor(y_np, device=device)

            def judge(xs, sm=sm):
                return sm.predict(xs, n=n, alpha=alpha, seed=seed + 1)

            attacked = SoftSmoothed(sm, draws, torch.Generator(device=device).manual_seed(seed))
        clean = np.asarray(judge(xd))
        ok = clean == y_np
        done += 1
        if progress is not None:
            progress(done / jobs, f"{label}: clean predictions")
        for eps in eps_values:
            asr = abstain = float("nan")
            if ok.any():
                idx = torch.as_tensor(np.flatnonzero(ok), device=device)
                gen = torch.Generator(device=device).manual_seed(seed)
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
