"""Networks, checkpoints (safetensors + JSON card) and the pretrained zoo.

The family contract for *architectures* (``tests/contracts/test_architecture_contract.py`` checks
it for every registered architecture):

Call shape
    ``build(arch, in_channels, n_classes, length, *, seed=0, **hparams) -> TimeSeriesClassifier``:
    normalisation (stored statistics) -> backbone ``(n, C, T) -> (n, d)`` -> linear head
    ``(n, K)`` logits, in eval mode, on CPU, ``model.hparams`` holding every build argument
    (``expected_input(model) == (C, T)``). ``save(model, path, card)`` / ``load(path)`` round-trip
    it through safetensors + a JSON card, never unpickling.
Registration
    In one place, :data:`tsviz.models.networks.ARCHITECTURE_REGISTRY` (name -> backbone module,
    class, description); :data:`ARCHITECTURES` (name -> description) derives from it. Each
    architecture's hyperparameters have a documented type and range in
    :data:`tsviz.models.card_schema.ARCH_HPARAMS` (what a card may hold); its backbone's defaults
    lie in those ranges.
Randomness
    ``seed`` only: weights are drawn by :func:`tsviz.models.init.init_weights_` from a local
    ``torch.Generator`` (same seed -> identical weights); the global RNG is untouched.
Device
    A fresh model is on CPU; inference helpers run on the model's device
    (:func:`tsviz.core.model_device`) and return CPU results; :mod:`tsviz.device` picks a device.
Errors
    :class:`ModelError` (a :class:`tsviz.core.TsvizError`, hence a ``ValueError``) for an unknown
    architecture, a bad hyperparameter or bad model inputs; its subclass :class:`CheckpointError`
    for checkpoints and cards. Scalars go through :mod:`tsviz.core.validation`.
Results
    :class:`~tsviz.models.evaluation.ModelReport` (frozen, numpy arrays, ``summary()``) from
    ``evaluate_model``; embeddings as :class:`tsviz.data.stats.Embedding`.
Caps
    :data:`CAPS`: input shape, parameter count, checkpoint file sizes, embedding sizes.
Progress
    ``build``/``load`` are quick and take none; long work on a model (training) is
    ``tsviz.training.fit(..., progress=...)``.
"""
from tsviz.models.build import ARCHITECTURES, arch_hparams, build
from tsviz.models.caps import CAPS
from tsviz.models.checkpoint import CheckpointError, load, read_card, save
from tsviz.models.classifier import Standardize, TimeSeriesClassifier
from tsviz.models.errors import ModelError
from tsviz.models.inference import accuracy, predict, predict_logits
from tsviz.models.zoo import ZOO, list_pretrained, pretrained, resolve_model, zoo_dir

__all__ = [
    "ARCHITECTURES", "build", "arch_hparams", "save", "load", "read_card", "CheckpointError", "ModelError",
    "TimeSeriesClassifier", "Standardize", "pretrained", "list_pretrained", "resolve_model", "ZOO", "zoo_dir",
    "predict", "predict_logits", "accuracy", "CAPS",
]
