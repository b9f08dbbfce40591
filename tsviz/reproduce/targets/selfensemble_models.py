"""Shared by the self-ensemble targets (Table 3 and Table 4): train the four smoothed classifiers.

Dong, Li, Zheng, Chen & Zhang, "Boosting Certified Robustness for Time Series Classification with
Efficient Self-Ensemble", CIKM 2024 (shared paper ``certified-robustness-tsc-self-ensemble.txt``),
section 5.3: every base model is trained with Gaussian noise of the certified sigma (Algorithm 1;
under a random mask for the self-ensembles) for 1000 epochs; ``M_B`` / ``M_C`` keep each time step
with probability p = 0.9 (binomial / continuous masks), the ensembles have 5 members (section 6.2,
"we choose an ensemble size of 5"); certification uses 1000 noise draws at beta = 0.001.

The four classifiers of one (dataset, architecture, sigma):

``Single``  one model trained with the ``"gaussian"`` recipe (seed ``seed``);
``DE``      a deep ensemble of ``members`` such models (seeds ``seed``, ``seed + 1``, ...; the first
            is the Single model, so DE costs ``members - 1`` more trainings);
``M_B``     one model trained with ``"masked_gaussian"`` (binomial masks, keep p), smoothed over
            ``members`` fixed binomial masks;
``M_C``     the same with continuous masks.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ARCH_NAMES", "METHOD_LABELS", "train_four", "cert_configs", "epoch_chunks", "epochs_for"]

#: Paper label -> tsviz architecture name.
ARCH_NAMES = {"InceptionTime": "inceptiontime", "LSTM-FCN": "lstm_fcn", "MACNN": "macnn"}
#: The four smoothed classifiers, in the paper's column order (Table 3: Single, DE, M_B, M_C).
METHOD_LABELS = ("Single", "DE", "M_B", "M_C")


def _fit_one(ds, arch: str, config: dict, seed: int, recipe: str, **hp: Any):
    from tsviz.models import build
    from tsviz.training import fit

    model = build(ARCH_NAMES.get(arch, arch), ds.n_channels, ds.n_classes, ds.length, seed=seed,
                  **dict((config.get("arch_hparams") or {}).get(arch, {})))
    for k, epochs in enumerate(epoch_chunks(epochs_for(config, ds.name))):
        fit(model, ds, recipe=recipe, epochs=epochs, lr=float(config["lr"]),
            weight_decay=float(config["weight_decay"]), batch_size=int(config["batch_size"]), val_fraction=0.0,
            patience=None, seed=seed + 7919 * k, **hp)
    return model


def epochs_for(config: dict, dataset: str) -> int:
    """``config["epochs"]``: one number, or ``{dataset: epochs}`` (a small training set needs more epochs for
    the same number of optimizer steps; a dataset not listed gets the largest)."""
    e = config["epochs"]
    return int(e.get(dataset, max(e.values()))) if isinstance(e, dict) else int(e)


def epoch_chunks(epochs: int) -> list[int]:
    """``epochs`` as consecutive :func:`tsviz.training.fit` calls of at most its cap ``MAX_EPOCHS`` each
    (the paper's 1000 epochs are two calls of 500; Adam's moments restart at the second call)."""
    from tsviz.training.fit import MAX_EPOCHS

    epochs = int(epochs)
    return [MAX_EPOCHS] * (epochs // MAX_EPOCHS) + ([epochs % MAX_EPOCHS] if epochs % MAX_EPOCHS else [])


def train_four(ds, arch: str, sigma: float, config: dict, seed: int,
               progress: Callable[[float, str], None], *, benign: bool = False) -> dict[str, Any]:
    """Train the models of Single, DE, M_B, M_C (and a noise-free ``Benign`` model when asked).

    Returns
    -------
    dict
        ``"single"``: model; ``"de"``: list of models (the first is ``single``); ``"mb"``, ``"mc"``:
        models trained under binomial / continuous masks; ``"benign"`` when ``benign``.
    """
    members = int(config["members"])
    keep = float(config["keep"])
    jobs: list[tuple[str, str, int, dict]] = [("single", "gaussian", seed, {"sigma": sigma})]
    jobs += [(f"de{k}", "gaussian", seed + k, {"sigma": sigma}) for k in range(1, members)]
    jobs += [("mb", "masked_gaussian", seed, {"sigma": sigma, "kind": "binomial", "keep": keep}),
             ("mc", "masked_gaussian", seed, {"sigma": sigma, "kind": "continuous", "keep": keep})]
    if benign:
        jobs.append(("benign", "standard", seed, {}))
    out: dict[str, Any] = {}
    for i, (name, recipe, s, hp) in enumerate(jobs):
        progress(i / len(jobs), f"training {name} ({recipe}, {arch}, sigma {sigma:g})")
        out[name] = _fit_one(ds, arch, config, s, recipe, **hp)
    out["de"] = [out["single"]] + [out.pop(f"de{k}") for k in range(1, members)]
    progress(1.0, "trained")
    return out


def cert_configs(models: dict[str, Any], sigma: float, config: dict, seed: int) -> list:
    """The four :class:`~tsviz.certify.CertConfig` (labels :data:`METHOD_LABELS`)."""
    from tsviz.certify import CertConfig

    m, keep = int(config["members"]), float(config["keep"])
    return [CertConfig("Single", models["single"], sigma),
            CertConfig("DE", tuple(models["de"]), sigma),
            CertConfig("M_B", models["mb"], sigma, mask_kind="binomial", n_masks=m, keep=keep, mask_seed=seed),
            CertConfig("M_C", models["mc"], sigma, mask_kind="continuous", n_masks=m, keep=keep, mask_seed=seed)]
