"""``build(arch, in_channels, n_classes, length)``: a fresh, seeded :class:`TimeSeriesClassifier`."""
from __future__ import annotations

import inspect
from typing import Any

import torch

from tsviz.core.validation import check_int, check_seed
from tsviz.models.classifier import TimeSeriesClassifier
from tsviz.models.errors import ModelError
from tsviz.models.init import init_weights_
from tsviz.models.networks import ARCHITECTURE_REGISTRY, backbone_class

__all__ = ["build", "ARCHITECTURES", "arch_hparams", "expected_state", "meta_model", "canonical_arch"]

#: Architecture names accepted by :func:`build`, with a one-line description (from
#: :data:`tsviz.models.networks.ARCHITECTURE_REGISTRY`, the one place they are registered).
ARCHITECTURES: dict[str, str] = {k: s.description for k, s in ARCHITECTURE_REGISTRY.items()}
#: Other spellings accepted for an architecture name.
_ALIASES = {"inception_time": "inceptiontime", "lstmfcn": "lstm_fcn"}


def arch_hparams(arch: str) -> dict[str, Any]:
    """Default hyperparameters of an architecture's backbone (name -> default)."""
    cls = backbone_class(canonical_arch(arch))
    sig = inspect.signature(cls.__init__)
    return {k: p.default for k, p in sig.parameters.items()
            if k not in ("self", "in_channels", "length") and p.default is not inspect.Parameter.empty}


def canonical_arch(arch: str) -> str:
    """The registered name of ``arch`` (case, ``-``/``_`` and the aliases ``inception_time``,
    ``lstmfcn`` forgiven); :class:`ModelError` naming the known architectures otherwise."""
    key = str(arch).lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in ARCHITECTURE_REGISTRY:
        raise ModelError(f"unknown architecture {str(arch)[:40]!r}; choose one of: {', '.join(ARCHITECTURES)}")
    return key


def build(arch: str, in_channels: int, n_classes: int, length: int, *, seed: int = 0,
          **hparams: Any) -> TimeSeriesClassifier:
    """Build a classifier with freshly initialised weights.

    Parameters
    ----------
    arch : str
        One of :data:`ARCHITECTURES` (``"resnet"``, ``"fcn"``, ``"inceptiontime"``, ``"lstm_fcn"``,
        ``"macnn"``, ``"mlp"``, ``"kachuee"``).
    in_channels, n_classes, length : int
        Input shape ``(C, T)`` and number of classes ``K``.
    seed : int
        Seed of the weight initialisation (a local generator; the global RNG is untouched).
    **hparams
        Backbone hyperparameters (see :func:`arch_hparams`).

    Returns
    -------
    TimeSeriesClassifier
        In eval mode, on CPU, normalisation set to the identity (``fit`` sets it from data).
        Maps ``(n, in_channels, length)`` to logits ``(n, n_classes)``; ``model.hparams`` holds
        every argument needed to rebuild it (the checkpoint card's ``hparams``).

    Raises
    ------
    ModelError
        Unknown ``arch``; ``in_channels`` or ``length`` not an integer ``>= 1``; ``n_classes`` not
        an integer ``>= 2``; a bad ``seed``; an unknown hyperparameter, or one the backbone
        refuses (the message names it).
    """
    key = canonical_arch(arch)
    in_channels = check_int("in_channels", in_channels, 1, error=ModelError)
    n_classes = check_int("n_classes", n_classes, 2, error=ModelError)
    length = check_int("length", length, 1, error=ModelError)
    seed = check_seed(seed, error=ModelError)
    defaults = arch_hparams(key)
    unknown = set(hparams) - set(defaults)
    if unknown:
        raise ModelError(f"unknown hyperparameter(s) {sorted(unknown)} for {key}; known: {sorted(defaults)}")
    model = _construct(key, in_channels, n_classes, length, hparams)
    model.hparams = _full_hparams(key, in_channels, n_classes, length, hparams)
    init_weights_(model, torch.Generator().manual_seed(seed))
    return model.eval()


def _construct(key: str, in_channels: int, n_classes: int, length: int,
               hparams: dict[str, Any]) -> TimeSeriesClassifier:
    """The network, uninitialised, on the current default device (``meta`` for shapes only)."""
    # Module constructors draw PyTorch's default init from the global RNG; those draws are
    # discarded (fork_rng restores the state) and every weight is re-drawn by the caller.
    with torch.random.fork_rng(devices=[]):
        backbone = backbone_class(key)(in_channels, length, **hparams)
        return TimeSeriesClassifier(backbone, in_channels, n_classes, arch=key, hparams={})


def _full_hparams(key: str, in_channels: int, n_classes: int, length: int, hparams: dict[str, Any]) -> dict[str, Any]:
    full = {"in_channels": in_channels, "n_classes": n_classes, "length": length, **arch_hparams(key), **hparams}
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in full.items()}


def meta_model(arch: str, in_channels: int, n_classes: int, length: int, **hparams: Any) -> TimeSeriesClassifier:
    """The network :func:`build` would make, on PyTorch's ``meta`` device (shapes, no storage).

    Cheap for any hyperparameters within the card ranges of :mod:`tsviz.models.card_schema`;
    ``tsviz.models.load`` sizes and checks a checkpoint against it, then loads the weights into it
    with ``load_state_dict(..., assign=True)``. Raises :class:`ModelError` (a ``ValueError``) like
    :func:`build` for arguments the backbone refuses.
    """
    key = canonical_arch(arch)
    unknown = set(hparams) - set(arch_hparams(key))
    if unknown:
        raise ModelError(f"unknown hyperparameter(s) {sorted(unknown)} for {key}")
    with torch.device("meta"):
        model = _construct(key, in_channels, n_classes, length, hparams)
    model.hparams = _full_hparams(key, in_channels, n_classes, length, hparams)
    return model.eval()


def expected_state(arch: str, in_channels: int, n_classes: int, length: int,
                   **hparams: Any) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """``state_dict`` key -> ``(shape, dtype)`` of the network :func:`build` would make, computed
    on the ``meta`` device (see :func:`meta_model`); nothing is allocated."""
    model = meta_model(arch, in_channels, n_classes, length, **hparams)
    return {k: (tuple(v.shape), v.dtype) for k, v in model.state_dict().items()}
