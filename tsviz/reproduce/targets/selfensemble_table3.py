"""Self-ensemble paper, Table 3: ACR and accuracy of Single, DE, M_B, M_C on CBF and SyntheticControl.

Paper
-----
Dong, Li, Zheng, Chen & Zhang, "Boosting Certified Robustness for Time Series Classification with
Efficient Self-Ensemble", CIKM 2024 (shared paper ``certified-robustness-tsc-self-ensemble.txt``),
Table 3: average certified radius (ACR) and accuracy of the smoothed classifiers Single, DE (deep
ensemble), M_B and M_C (self-ensembles over binomial / continuous masks) for InceptionTime,
LSTM-FCN and MACNN at five noise levels; here the CBF and SyntheticControl rows at sigma 0.2 and
0.4.

Paper settings (the ``"full"`` configuration; section 5.3)
    Base models trained with Gaussian noise of the certified sigma for 1000 epochs (Algorithm 1,
    masks applied to the noisy series for M_B / M_C); keep ratio p = 0.9; 5-member ensembles
    (section 6.2); certification with n = 1000 noise draws at confidence beta = 0.001 (tsviz's
    ``alpha``); accuracy = certified accuracy at radius 0, ACR = mean over the test series of the
    radius of the correctly certified ones (0 otherwise); all test series (CBF 900,
    SyntheticControl 300). The paper states no optimiser, learning rate or batch size (tsviz: Adam
    1e-3, batch 64, the last epoch kept) and no ``n0`` (tsviz: 100, Cohen et al.'s).

The bound
    The paper's theory is the Renyi-divergence bound of Li et al. (Theorem 4.1), but its ACRs do not
    fit it: with n = 1000 and alpha = 0.001 the largest radius the Renyi bound can give (all 1000
    draws on the top class) is 0.399 at sigma 0.2 and 0.799 at sigma 0.4, below the published ACRs
    (e.g. 0.494 and 0.979 on CBF). Cohen et al.'s bound allows 0.4927 and 0.9853, which the
    published numbers approach (CBF's 0.494 / 0.495 at sigma 0.2 even exceed it slightly: they need
    n >= 1034). tsviz therefore compares the paper with Cohen's ACR (column ``acr``) and reports the
    Renyi ACR of the same counts (``acr_renyi``) and both ceilings (``ceiling_cohen``,
    ``ceiling_renyi``) in every row.

``"quick"`` (minutes on 2 CPU cores): InceptionTime only, a smaller network (depth 2, 8 filters,
kernel 10), 100 epochs on CBF (30 training series: one batch per epoch) and 20 on SyntheticControl
(300), 12 test series per dataset (class-stratified seeded subset), 5-member
ensembles, n = 1000. ``"tiny"`` (tests): CBF at sigma 0.4, depth 1 and 4 filters, 1 epoch, 2 members,
n0 = 10, n = 100, 6 test series.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.reproduce.common import load_ucr, present_ucr, quiet, subset_test
from tsviz.reproduce.target import PaperRef, Target, TargetResult
from tsviz.reproduce.targets.selfensemble_models import ARCH_NAMES, METHOD_LABELS, cert_configs, train_four

__all__ = ["TARGET", "PAPER_ACR", "run", "bound_facts"]

#: (dataset, sigma, arch) -> ((ACR Single, DE, M_B, M_C), (accuracy % Single, DE, M_B, M_C)), Table 3.
PAPER_ACR: dict[tuple[str, float, str], tuple[tuple[float, ...], tuple[float, ...]]] = {
    ("SyntheticControl", 0.2, "InceptionTime"): ((0.490, 0.489, 0.456, 0.453), (99.7, 99.7, 95.3, 95.3)),
    ("SyntheticControl", 0.2, "LSTM-FCN"): ((0.483, 0.486, 0.453, 0.465), (98.3, 98.0, 94.7, 96.7)),
    ("SyntheticControl", 0.2, "MACNN"): ((0.483, 0.486, 0.465, 0.467), (99.7, 99.7, 98.0, 97.7)),
    ("SyntheticControl", 0.4, "InceptionTime"): ((0.902, 0.912, 0.808, 0.776), (99.7, 99.7, 84.0, 91.0)),
    ("SyntheticControl", 0.4, "LSTM-FCN"): ((0.873, 0.885, 0.800, 0.785), (99.3, 98.7, 95.7, 95.3)),
    ("SyntheticControl", 0.4, "MACNN"): ((0.902, 0.910, 0.796, 0.775), (99.7, 99.7, 90.0, 86.7)),
    ("CBF", 0.2, "InceptionTime"): ((0.494, 0.494, 0.495, 0.495), (100.0, 99.9, 100.0, 100.0)),
    ("CBF", 0.2, "LSTM-FCN"): ((0.477, 0.481, 0.476, 0.475), (96.9, 98.8, 96.7, 97.4)),
    ("CBF", 0.2, "MACNN"): ((0.493, 0.493, 0.493, 0.492), (99.2, 99.3, 99.8, 99.8)),
    ("CBF", 0.4, "InceptionTime"): ((0.979, 0.981, 0.978, 0.979), (100.0, 100.0, 99.9, 100.0)),
    ("CBF", 0.4, "LSTM-FCN"): ((0.905, 0.912, 0.901, 0.899), (95.4, 97.8, 96.8, 96.7)),
    ("CBF", 0.4, "MACNN"): ((0.975, 0.969, 0.972, 0.970), (100.0, 99.8, 99.7, 100.0)),
}


#: Section 5.3: "1000 noise draws were sufficient, and set confidence level beta = 0.001".
PAPER_N, PAPER_ALPHA, PAPER_SIGMAS = 1000, 0.001, (0.2, 0.4)


def _paper_rows() -> tuple[dict, ...]:
    rows = []
    for (ds, sigma, arch), (acrs, accs) in PAPER_ACR.items():
        for method, acr, acc in zip(METHOD_LABELS, acrs, accs):
            rows.append({"dataset": ds, "arch": arch, "sigma": sigma, "method": method, "acr": acr, "accuracy": acc})
    return tuple(rows)


_COMMON = {"lr": 1e-3, "weight_decay": 0.0, "batch_size": 64, "members": 5, "keep": 0.9, "n0": 100, "n": 1000,
           "alpha": 0.001}
CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": {**_COMMON, "datasets": ["CBF"], "sigmas": [0.4], "archs": ["InceptionTime"],
             "arch_hparams": {"InceptionTime": {"depth": 1, "n_filters": 4, "bottleneck": 4}}, "epochs": 1,
             "members": 2, "n0": 10, "n": 100, "n_test": 6},
    "quick": {**_COMMON, "datasets": ["CBF", "SyntheticControl"], "sigmas": [0.2, 0.4], "archs": ["InceptionTime"],
              "arch_hparams": {"InceptionTime": {"depth": 2, "n_filters": 8, "kernel_size": 10}},
              "epochs": {"CBF": 100, "SyntheticControl": 20}, "n_test": 12},
    "full": {**_COMMON, "datasets": ["CBF", "SyntheticControl"], "sigmas": [0.2, 0.4],
             "archs": ["InceptionTime", "LSTM-FCN", "MACNN"], "arch_hparams": {}, "epochs": 1000, "n_test": 0},
}

KNOWN_DIFFERENCES = (
    "The published ACRs exceed the Renyi bound's ceiling at n = 1000, alpha = 0.001 (0.399 at sigma 0.2, 0.799 at "
    "0.4) although the paper's theory is that bound; they fit Cohen's radius, so tsviz compares with Cohen's ACR "
    "and reports the Renyi ACR beside it.",
    "CBF's published ACRs at sigma 0.2 (0.494, 0.495) exceed even Cohen's ceiling at n = 1000 (0.4927; n >= 1034 "
    "would be needed): the paper's certification cannot have used exactly n = 1000, alpha = 0.001 there.",
    "At these settings most correctly classified series reach the ceiling that n allows: the ACR then measures n, "
    "not the classifier, and Single, DE, M_B and M_C come out nearly equal (see the ceiling columns).",
    "tsviz's fit caps epochs at 500 (tsviz.training.fit.MAX_EPOCHS): the paper's 1000 epochs run as two fit calls "
    "of 500, so Adam's moment estimates restart once, half-way.",
    "Optimiser, learning rate, batch size and n0 are not stated in the paper (tsviz: Adam 1e-3, batch 64, n0 = 100); "
    "the DE's first member is the Single model (the paper does not say whether they share a model).",
    "Renyi ACR is computed from the same estimation counts with the class Cohen's CERTIFY selected; series Cohen "
    "abstains on count 0 in both.",
    "One seed, and in quick mode a subset of the test series and a smaller network trained for far fewer epochs: "
    "on CBF (30 training series) it reaches only 50-60 % accuracy against the paper's 100 %, so quick checks the "
    "pipeline and the bounds, not the paper's accuracies.",
)


def bound_facts(sigmas, n: int, alpha: float, n_classes: int | None = None) -> dict[str, dict[str, float]]:
    """Per sigma: the largest radius ``n`` draws can certify with Cohen's and with the Renyi bound."""
    from tsviz.certify import radius_ceiling

    out = {}
    for s in sigmas:
        out[f"{float(s):g}"] = {"n": int(n), "alpha": float(alpha),
                                "ceiling_cohen": radius_ceiling(float(s), int(n), float(alpha), bound="cohen"),
                                "ceiling_renyi": radius_ceiling(float(s), int(n), float(alpha), bound="renyi",
                                                                n_classes=n_classes)}
    return out


def _renyi_acr(res, y: np.ndarray, alpha: float, sigma: float) -> tuple[float, np.ndarray]:
    """ACR under the Renyi bound, from the counts of a Cohen certification (its selected classes)."""
    from tsviz.certify import ABSTAIN, get_bound

    pred = np.asarray(res.prediction)
    ok = pred != ABSTAIN
    radius = np.zeros(len(pred))
    if ok.any():
        br = get_bound("renyi")(np.asarray(res.counts)[ok], pred[ok], alpha=alpha, sigma=sigma)
        radius[ok] = np.where(np.asarray(br.reason) == "", np.asarray(br.radius), 0.0)
    correct = ok & (pred == np.asarray(y))
    return float(np.mean(np.where(correct, radius, 0.0))), radius


def _published_vs_bounds(facts: dict) -> list[str]:
    from tsviz.certify import n_for_radius

    notes = []
    for (ds, sigma, arch), (acrs, accs) in PAPER_ACR.items():
        f = facts.get(f"{sigma:g}")
        if f is None or arch != "InceptionTime":
            continue
        top = max(acrs)
        # the ACR is a mean over all series of radius x correct: per correct series it is ACR / accuracy
        per_correct = top / (max(accs) / 100.0)
        need = n_for_radius(min(per_correct, 50 * sigma), sigma, f["alpha"], bound="cohen")
        notes.append(f"{ds} sigma {sigma:g}: published ACR up to {top:.3f} (InceptionTime); ceilings at n = {f['n']}, "
                     f"alpha = {f['alpha']:g}: Cohen {f['ceiling_cohen']:.4f}, Renyi {f['ceiling_renyi']:.4f}; "
                     f"{'above' if top > f['ceiling_renyi'] else 'within'} the Renyi ceiling, "
                     f"{'above' if top > f['ceiling_cohen'] else 'within'} Cohen's (Cohen needs n >= {need})")
    return notes


def run(config: dict, *, data_root: Path | None, seed: int = 0,
        progress: Callable[[float, str], None] | None = None) -> TargetResult:
    """Measure the Table 3 rows of the configured datasets, architectures and sigmas."""
    from tsviz.certify import ABSTAIN, certify_configs, radius_ceiling

    t0 = time.perf_counter()
    report = quiet(progress)
    notes: list[str] = []
    names, missing = present_ucr(list(config["datasets"]), data_root)
    notes += missing
    archs = [a for a in config["archs"] if a in ARCH_NAMES]
    cells = [(d, a, float(s)) for d in names for a in archs for s in config["sigmas"]]
    n, n0, alpha = int(config["n"]), int(config["n0"]), float(config["alpha"])
    facts = bound_facts(config["sigmas"], n, alpha)
    rows: list[dict] = []
    ceiling_share: list[str] = []
    for i, (name, arch, sigma) in enumerate(cells):
        def sub(frac: float, msg: str, i=i, name=name) -> None:
            report((i + frac) / len(cells), f"{name}: {msg}")

        ds = subset_test(load_ucr(data_root, name), int(config["n_test"]), seed)
        models = train_four(ds, arch, sigma, config, seed, lambda f, m: sub(0.6 * f, m))
        cmp = certify_configs(cert_configs(models, sigma, config, seed), ds.X_test, ds.y_test, n0=n0, n=n,
                              alpha=alpha, bound="cohen", seed=seed, progress=lambda f, m: sub(0.6 + 0.4 * f, m))
        ceil_c = facts[f"{sigma:g}"]["ceiling_cohen"]
        ceil_r = radius_ceiling(sigma, n, alpha, bound="renyi", n_classes=ds.n_classes)
        for _, t in cmp.table.iterrows():
            res = cmp.results[t["label"]]
            acr_r, _ = _renyi_acr(res, ds.y_test, alpha, sigma)
            certified = np.asarray(res.prediction) != ABSTAIN
            at = np.isclose(np.asarray(res.radius), ceil_c, rtol=1e-6, atol=1e-9) & certified
            at_ceiling = float(at.sum() / certified.sum()) if certified.any() else 0.0
            rows.append({"dataset": name, "arch": arch, "sigma": sigma, "method": t["label"],
                         "acr": float(t["acr"]), "accuracy": 100.0 * float(t["clean_accuracy"]), "acr_renyi": acr_r,
                         "ceiling_cohen": ceil_c, "ceiling_renyi": ceil_r, "share_at_ceiling": at_ceiling,
                         "n": n, "alpha": alpha, "n_test": int(len(ds.y_test))})
            if at_ceiling >= 0.5:
                ceiling_share.append(f"{name}/{arch}/sigma {sigma:g}/{t['label']}: {100 * at_ceiling:.0f} %")
    paper_facts = bound_facts(PAPER_SIGMAS, PAPER_N, PAPER_ALPHA)
    notes += _published_vs_bounds(paper_facts)
    if ceiling_share:
        notes.append("series certified at the ceiling n allows (Cohen), where at least half are: "
                     + "; ".join(ceiling_share))
    notes.append(f"ran {len(rows)} classifier(s): {len(cells)} (dataset, arch, sigma) cells, "
                 f"epochs {config['epochs']}, n = {n}, n0 = {n0}, alpha = {alpha:g}, "
                 f"{config['n_test'] or 'all'} test series")
    report(1.0, "done")
    return TARGET.result(config, rows, seed=seed, notes=notes, seconds=time.perf_counter() - t0,
                         extra={"bounds": facts, "paper_bounds": paper_facts})


TARGET = Target(
    key="selfensemble-table3",
    title="Self-ensemble certification: ACR and accuracy of Single, DE, M_B, M_C (Table 3)",
    paper=PaperRef(title="Boosting Certified Robustness for Time Series Classification with Efficient Self-Ensemble",
                   authors="Dong, Li, Zheng, Chen & Zhang", year=2024,
                   where="Table 3 (CBF and SyntheticControl, sigma 0.2 and 0.4)"),
    run=run,
    configs=CONFIGS,
    paper_table=_paper_rows(),
    key_columns=("dataset", "arch", "sigma", "method"),
    value_columns=("acr", "accuracy"),
    known_differences=KNOWN_DIFFERENCES,
    needs_data=("ucr/CBF", "ucr/SyntheticControl"),
    description="Randomized smoothing of noise-trained classifiers, alone, as a deep ensemble and as self-ensembles "
                "over fixed masks; Cohen's ACR (Renyi ACR and both ceilings beside it) and accuracy in %.",
    abs_tol=0.02,
    rel_tol=0.1,
)
