"""The pretrained zoo in ``assets/models``: what is shipped, how each one is rebuilt, and lookup.

File names are ``<dataset>--<arch>--<recipe>.safetensors`` with a ``.json`` card beside each.
``python -m tsviz train --zoo`` rebuilds every entry of :data:`ZOO` with the project's own code
(``--only <stem, dataset, arch or recipe>`` a part of it); shipped ODENets live in ``odenets/``
(:mod:`tsviz.augment.zoo`) and are rebuilt by the same command.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

__all__ = ["SMOOTHING_SIGMAS", "SMOOTHING_RECIPES", "ZOO", "ZooEntry", "zoo_dir", "zoo_stem", "pretrained",
           "list_pretrained", "resolve_model", "COMPARE_ENTRIES", "DEFAULT_COMPARISON"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZooEntry:
    """How one shipped checkpoint is trained (``tsviz.training.fit`` arguments)."""

    dataset: str
    arch: str
    recipe: str = "standard"
    epochs: int = 20
    lr: float = 1e-3
    batch_size: int = 64
    seed: int = 0
    patience: int = 5
    hparams: dict[str, Any] = field(default_factory=dict)
    recipe_hparams: dict[str, Any] = field(default_factory=dict)


#: Noise levels (signal units) of the shipped smoothing base models.
SMOOTHING_SIGMAS = ("0.1", "0.25", "0.5")
#: (recipe, suffix) pairs of the shipped smoothing base models.
SMOOTHING_RECIPES = (("gaussian", ""), ("masked_gaussian", "-binomial"), ("masked_gaussian", "-continuous"))

#: The robust models of the Augment page's default comparison on synthetic-ecg (see :data:`ZOO`).
COMPARE_ENTRIES: tuple[ZooEntry, ...] = (
    ZooEntry("synthetic-ecg", "kachuee", recipe="augmented", epochs=15,
             recipe_hparams={"augmentation": "out_sign_grad", "feat_sim": 1.0, "beta": 0.33,
                             "odenet": "odenets/synthetic-ecg--odenet"}),
    ZooEntry("synthetic-ecg", "kachuee", recipe="pgd_at", epochs=15, recipe_hparams={"eps": 0.1, "steps": 7}),
    ZooEntry("synthetic-ecg", "kachuee", recipe="nsr_loss2", epochs=15, recipe_hparams={"beta": 0.5}),
)

#: Zoo stems the Augment page compares by default, per dataset: the standard reference first.
DEFAULT_COMPARISON: dict[str, tuple[str, ...]] = {
    "synthetic-ecg": ("synthetic-ecg--kachuee--standard", "synthetic-ecg--kachuee--augmented",
                      "synthetic-ecg--kachuee--pgd_at", "synthetic-ecg--kachuee--nsr_loss2"),
}

#: Every shipped checkpoint. Epoch counts are set so the whole zoo rebuilds in < 25 min on 2 cores.
ZOO: tuple[ZooEntry, ...] = (
    ZooEntry("synthetic-ecg", "resnet", epochs=8),
    ZooEntry("synthetic-ecg", "fcn", epochs=15, lr=3e-3),
    ZooEntry("synthetic-ecg", "inceptiontime", epochs=6),
    ZooEntry("synthetic-ecg", "lstm_fcn", epochs=8),
    ZooEntry("synthetic-ecg", "macnn", epochs=5, hparams={"n_filters": 32}),
    ZooEntry("synthetic-ecg", "mlp", epochs=40),
    ZooEntry("synthetic-ecg", "kachuee", epochs=15),
    ZooEntry("cbf", "resnet", epochs=60, batch_size=16, patience=20),
    ZooEntry("cbf", "inceptiontime", epochs=60, batch_size=16, patience=20),
    # Randomized-smoothing base models (issue 5): Gaussian noise ("single") and Algorithm 1 of the
    # self-ensemble paper (noise under random binomial / continuous masks, keep p = 0.9) at the
    # sigmas of the certification experiments. Kachuee's small CNN keeps certification fast on CPU.
    *(ZooEntry("synthetic-ecg", "kachuee", recipe=f"{r}-{s}{k}", epochs=20)
      for s in SMOOTHING_SIGMAS for r, k in SMOOTHING_RECIPES),
    *(ZooEntry("cbf", "kachuee", recipe=f"{r}-{s}{k}", epochs=60, batch_size=16, patience=20)
      for s in SMOOTHING_SIGMAS for r, k in SMOOTHING_RECIPES),
    # Backdoored model for the Explain page's trigger demo (issue 6): 10 % of each batch gets a
    # 12-step square wave over steps [168, 180) and label N; the card states the trigger.
    ZooEntry("synthetic-ecg", "kachuee", recipe="backdoor", epochs=15),
    # The Augment page's default comparison (issue 18): Kachuee's small CNN (the zoo's standard one
    # is the reference) trained with Out-Sign-Grad + Feat-Sim on the shipped ODENet (the ODE
    # augmentation paper), PGD adversarial training at the comparison's eps 0.1 mV, and NSR loss2
    # (beta 0.5), so the page's default Compare only attacks and evaluates. The ODENet path is
    # relative to the zoo folder; the builder fits it first.
    *COMPARE_ENTRIES,
)


def zoo_dir() -> Path:
    """The folder of shipped checkpoints (``TSVIZ_ZOO_DIR`` overrides ``<repo>/assets/models``)."""
    env = os.environ.get("TSVIZ_ZOO_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "assets" / "models"


def zoo_stem(dataset: str, arch: str, recipe: str = "standard") -> str:
    """File stem of a zoo checkpoint."""
    return f"{dataset}--{arch}--{recipe}"


def list_pretrained(dataset: str | None = None) -> list[dict[str, Any]]:
    """Cards of every shipped checkpoint (optionally only one dataset's), sorted by name.

    Each card holds at least ``dataset``, ``arch``, ``recipe``, ``metrics`` (with
    ``test_accuracy``), ``hparams``, ``class_names`` and ``path`` (the checkpoint stem). Cards that
    fail :func:`tsviz.models.read_card` (not a regular file, too large, invalid) are skipped with a
    logged warning; a FIFO named like a card never blocks.
    """
    from tsviz.models.checkpoint import CheckpointError, read_card

    out = []
    folder = zoo_dir()
    if not folder.is_dir():
        return out
    for card_path in sorted(folder.glob("*.json")):
        try:
            card = read_card(card_path)  # regular files only, size/depth/schema checked
        except CheckpointError as exc:
            logger.warning("skipping a card in the zoo folder: %s", exc)
            continue
        card["path"] = str(card_path.with_suffix(""))
        card.setdefault("name", card_path.stem)
        if dataset is None or card.get("dataset") == dataset:
            out.append(card)
    return out


def pretrained(dataset: str = "synthetic-ecg", arch: str = "resnet", recipe: str = "standard", *,
               device: str | torch.device | None = "cpu") -> torch.nn.Module:
    """Load a shipped checkpoint (eval mode, ``.card`` set).

    Parameters
    ----------
    dataset : str
        Dataset spec the model was trained on (``"synthetic-ecg"``, ``"cbf"``).
    arch : str
        Architecture name (see :data:`tsviz.models.ARCHITECTURES`).
    recipe : str
        Training recipe (``"standard"``, ...).
    device : str or torch.device, optional
        Target device (default CPU; ``None``/``"auto"`` picks CUDA when available).

    Raises
    ------
    FileNotFoundError
        No such checkpoint; the message lists the ones that exist.
    """
    from tsviz.models.checkpoint import load

    arch = arch.lower().replace("-", "_")
    stem = zoo_dir() / zoo_stem(dataset, arch, recipe)
    if not stem.with_name(stem.name + ".json").exists():
        have = [c["name"] for c in list_pretrained()]
        raise FileNotFoundError(
            f"no pretrained model for dataset={dataset!r}, arch={arch!r}, recipe={recipe!r}; shipped: "
            f"{', '.join(have) if have else 'none (run: python -m tsviz train --zoo)'}"
        )
    return load(stem, device=device)


def resolve_model(model: str, dataset: str = "synthetic-ecg", *,
                  device: str | torch.device | None = "cpu") -> torch.nn.Module:
    """Load a model named the way the CLI names it.

    ``model`` is an architecture (the zoo's ``standard`` model for ``dataset``), ``arch:recipe``
    (a zoo recipe), a zoo stem ``dataset--arch--recipe``, or a checkpoint path (stem,
    ``.safetensors`` or ``.json``).
    """
    from tsviz.models.build import ARCHITECTURES
    from tsviz.models.checkpoint import load

    key = model.strip()
    arch, _, recipe = key.partition(":")
    if arch.lower().replace("-", "_") in ARCHITECTURES:
        return pretrained(dataset, arch, recipe or "standard", device=device)
    if (zoo_dir() / f"{key}.json").exists():
        return load(zoo_dir() / key, device=device)
    return load(key, device=device)
