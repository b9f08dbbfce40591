"""Backbones: each maps standardised series ``(n, C, T)`` to features ``(n, out_features)``.

Contract for every backbone class: ``__init__(self, in_channels: int, length: int, **hparams)``
with keyword hyperparameters that have defaults, an ``out_features: int`` attribute, and
``forward(x) -> (n, out_features)``. :func:`tsviz.models.build` adds the normalisation layer and
the linear head.
"""
from __future__ import annotations

import importlib

__all__ = ["BACKBONES", "backbone_class"]

#: arch name -> (module, class)
BACKBONES: dict[str, tuple[str, str]] = {
    "fcn": ("tsviz.models.networks.fcn", "FCN"),
    "resnet": ("tsviz.models.networks.resnet", "ResNet"),
    "inceptiontime": ("tsviz.models.networks.inception_time", "InceptionTime"),
    "lstm_fcn": ("tsviz.models.networks.lstm_fcn", "LSTMFCN"),
    "macnn": ("tsviz.models.networks.macnn", "MACNN"),
    "mlp": ("tsviz.models.networks.mlp", "MLP"),
    "kachuee": ("tsviz.models.networks.kachuee", "KachueeCNN"),
}


def backbone_class(arch: str):
    """The backbone class for an architecture name (see :data:`BACKBONES`)."""
    module, name = BACKBONES[arch]
    return getattr(importlib.import_module(module), name)
