"""Networks, checkpoints (safetensors + JSON card) and the pretrained zoo."""
from tsviz.models.build import ARCHITECTURES, arch_hparams, build
from tsviz.models.checkpoint import CheckpointError, load, read_card, save
from tsviz.models.classifier import Standardize, TimeSeriesClassifier
from tsviz.models.inference import accuracy, predict, predict_logits
from tsviz.models.zoo import ZOO, list_pretrained, pretrained, resolve_model, zoo_dir

__all__ = [
    "ARCHITECTURES", "build", "arch_hparams", "save", "load", "read_card", "CheckpointError",
    "TimeSeriesClassifier", "Standardize", "pretrained", "list_pretrained", "resolve_model", "ZOO", "zoo_dir",
    "predict", "predict_logits", "accuracy",
]
