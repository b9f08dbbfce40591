"""Backbones: each maps standardised series ``(n, C, T)`` to features ``(n, out_features)``.

Contract for every backbone class: ``__init__(self, in_channels: int, length: int, **hparams)``
with keyword hyperparameters that have defaults (stored on the instance as given), an
``out_features: int`` attribute, a ``min_length(**hparams)`` classmethod, and
``forward(x) -> (n, out_features)``; bad hyperparameters raise
:class:`~tsviz.models.errors.ModelError` naming them. :func:`tsviz.models.build` adds the
normalisation layer and the linear head.

:data:`ARCHITECTURE_REGISTRY` is the one place an architecture is registered; the classes are
imported lazily (:func:`backbone_class`), so importing this package imports no network.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

__all__ = ["ArchitectureSpec", "ARCHITECTURE_REGISTRY", "BACKBONES", "backbone_class"]


@dataclass(frozen=True)
class ArchitectureSpec:
    """Where an architecture's backbone class lives, and what it is (one line, paper cited)."""

    module: str
    cls: str
    description: str


#: arch name -> its backbone class and description: the registry of architectures. The card
#: ranges of each architecture's hyperparameters are in :data:`tsviz.models.card_schema.ARCH_HPARAMS`
#: (tests/contracts/test_architecture_contract.py checks the two name the same architectures).
ARCHITECTURE_REGISTRY: dict[str, ArchitectureSpec] = {
    "fcn": ArchitectureSpec("tsviz.models.networks.fcn", "FCN", "Fully convolutional network (Wang et al. 2017)"),
    "resnet": ArchitectureSpec("tsviz.models.networks.resnet", "ResNet",
                               "ResNet, 3 residual blocks / 9 convolutions (Wang et al. 2017; Fawaz et al. 2019)"),
    "inceptiontime": ArchitectureSpec("tsviz.models.networks.inception_time", "InceptionTime",
                                      "InceptionTime, one network of 6 inception modules (Ismail Fawaz et al. 2020)"),
    "lstm_fcn": ArchitectureSpec("tsviz.models.networks.lstm_fcn", "LSTMFCN", "LSTM-FCN (Karim et al. 2018)"),
    "macnn": ArchitectureSpec("tsviz.models.networks.macnn", "MACNN", "Multi-scale attention CNN (Chen & Shi 2021)"),
    "mlp": ArchitectureSpec("tsviz.models.networks.mlp", "MLP", "8-layer MLP of the ECG noise-to-signal-ratio paper"),
    "kachuee": ArchitectureSpec("tsviz.models.networks.kachuee", "KachueeCNN",
                                "Residual ECG beat CNN (Kachuee et al. 2018)"),
}

#: arch name -> (module, class), derived from :data:`ARCHITECTURE_REGISTRY`.
BACKBONES: dict[str, tuple[str, str]] = {k: (s.module, s.cls) for k, s in ARCHITECTURE_REGISTRY.items()}


def backbone_class(arch: str):
    """The backbone class for an architecture name (a key of :data:`ARCHITECTURE_REGISTRY`)."""
    spec = ARCHITECTURE_REGISTRY[arch]
    return getattr(importlib.import_module(spec.module), spec.cls)
