"""``build(arch, in_channels, n_classes, length)``: a fresh, seeded :class:`TimeSeriesClassifier`."""
from __future__ import annotations

import inspect
from typing import Any

import torch

from tsviz.models.classifier import TimeSeriesClassifier
from tsviz.models.init import init_weights_
from tsviz.models.networks import BACKBONES, backbone_class

__all__ = ["build", "ARCHITECTURES", "arch_hparams", "expected_state", "meta_model"]

#: Architecture names accepted by :func:`build`, with a one-line description.
ARCHITECTURES: dict[str, str] = {
    "fcn": "Fully convolutional network (Wang et al. 2017)",
    "resnet": "ResNet, 3 residual blocks / 9 convolutions (Wang et al. 2017; Fawaz et al. 2019)",
    "inceptiontime": "InceptionTime, one network of 6 inception modules (Ismail Fawaz et al. 2020)",
    "lstm_fcn": "LSTM-FCN (Karim et al. 2018)",
    "macnn": "Multi-scale attention CNN (Chen & Shi 2021)",
    "mlp": "8-layer MLP of the ECG noise-to-signal-ratio paper",
    "kachuee": "Residual ECG beat CNN (Kachuee et al. 2018)",
}
assert set(ARCHITECTURES) == set(BACKBONES)


def arch_hparams(arch: str) -> dict[str, Any]:
    """Default hyperparameters of an architecture's backbone (name -> default)."""
    cls = backbone_class(_check_arch(arch))
    sig = inspect.signature(cls.__init__)
    return {k: p.default for k, p in sig.parameters.items()
            if k not in ("self", "in_channels", "length") and p.default is not inspect.Parameter.empty}


def _check_arch(arch: str) -> str:
    key = str(arch).lower().replace("-", "_")
    key = {"inception_time": "inceptiontime", "lstmfcn": "lstm_fcn"}.get(key, key)
    if key not in BACKBONES:
        raise ValueError(f"unknown architecture {arch!r}; choose one of: {', '.join(ARCHITECTURES)}")
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
        Maps ``(n, in_channels, length)`` to logits ``(n, n_classes)``.
    """
    key = _check_arch(arch)
    for name, v in (("in_channels", in_channels), ("n_classes", n_classes), ("length", length)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    defaults = arch_hparams(key)
    unknown = set(hparams) - set(defaults)
    if unknown:
        raise ValueError(f"unknown hyperparameter(s) {sorted(unknown)} for {key}; known: {sorted(defaults)}")
    model = _construct(key, in_channels, n_classes, length, hparams)
    model.hparams = _full_hparams(key, in_channels, n_classes, length, hparams)
    init_weights_(model, torch.Generator().manual_seed(int(seed)))
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
    with ``load_state_dict(..., assign=True)``. Raises ``ValueError``/``TypeError`` like
    :func:`build` for arguments the backbone refuses.
    """
    key = _check_arch(arch)
    unknown = set(hparams) - set(arch_hparams(key))
    if unknown:
        raise ValueError(f"unknown hyperparameter(s) {sorted(unknown)} for {key}")
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
