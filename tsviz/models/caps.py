"""The models family's caps, in one dict (:data:`CAPS`) that the app and the CLI read.

The constants stay where they are enforced: checkpoint sizes in :mod:`tsviz.models.card_schema`,
embedding sizes in :mod:`tsviz.models.evaluation`; hyperparameter ranges per architecture are
:data:`tsviz.models.card_schema.ARCH_HPARAMS`.
"""
from __future__ import annotations

from types import MappingProxyType

from tsviz.models.card_schema import (
    COMMON_HPARAMS,
    MAX_CARD_BYTES,
    MAX_HEADER_BYTES,
    MAX_JSON_DEPTH,
    MAX_PARAMETERS,
    MAX_WEIGHTS_BYTES,
)
from tsviz.models.evaluation import MAX_PCA_POINTS, MAX_TSNE_ITER, MAX_TSNE_POINTS

__all__ = ["CAPS"]

#: Name -> largest value, read-only.
#:
#: * ``in_channels``, ``n_classes``, ``length`` -- the input shape and class count a network (and
#:   its card) may have;
#: * ``parameters`` -- parameters and buffers of one network;
#: * ``card_bytes``, ``header_bytes``, ``weights_bytes``, ``json_depth`` -- checkpoint files;
#: * ``tsne_points``, ``tsne_iter``, ``pca_points`` -- :func:`~tsviz.models.evaluation.embed_latents`.
CAPS = MappingProxyType({
    "in_channels": COMMON_HPARAMS["in_channels"].hi,
    "n_classes": COMMON_HPARAMS["n_classes"].hi,
    "length": COMMON_HPARAMS["length"].hi,
    "parameters": MAX_PARAMETERS,
    "card_bytes": MAX_CARD_BYTES,
    "header_bytes": MAX_HEADER_BYTES,
    "weights_bytes": MAX_WEIGHTS_BYTES,
    "json_depth": MAX_JSON_DEPTH,
    "tsne_points": MAX_TSNE_POINTS,
    "tsne_iter": MAX_TSNE_ITER,
    "pca_points": MAX_PCA_POINTS,
})
