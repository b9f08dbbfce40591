"""Session-state keys and defaults shared by every page."""
from __future__ import annotations

from pathlib import Path

DEFAULT_DATASET = "synthetic-ecg"
DEFAULT_MODEL_STEM = "synthetic-ecg--resnet--standard"

#: session_state keys
DATASET_SPEC = "tsviz_dataset_spec"        # str, e.g. "synthetic-ecg" or "csv:<workspace>/uploads/.../x.csv"
DATASET_LABEL = "tsviz_dataset_label"      # what the user sees
MODEL_PATH = "tsviz_model_path"            # checkpoint stem (str) or None
DEVICE = "tsviz_device"                    # "cpu" | "cuda"
MESSAGES = "tsviz_messages"                # list of (level, text) to show once on the next run
TRAINING = "tsviz_training_in_progress"    # dict describing a run that started, or None

#: Caps on what the app accepts.
MAX_UPLOAD_MB = 200
MAX_TRAIN_EPOCHS = 200


def user_model_dir() -> Path:
    """Where this session's user keeps models trained or uploaded in the app (their workspace's
    ``models/``, under ``TSVIZ_HOME``; see :mod:`tsviz.ui.workspace`)."""
    from tsviz.ui import workspace

    return workspace.current().models


def upload_dir() -> Path:
    """Where this session's user's uploaded data files are stored (their workspace's ``uploads/``)."""
    from tsviz.ui import workspace

    p = workspace.current().uploads
    p.mkdir(parents=True, exist_ok=True)
    return p


#: Attack page: the last attack run (dict with model_path, spec, report, indices, split, ...).
ATTACK_RESULT = "tsviz_attack_result"
#: Adversarial examples handed to other pages (Explain, Review): dict with x, x_adv, y, meta.
ADVERSARIAL = "tsviz_adversarial"
MAX_ATTACK_SAMPLES = 500
#: Certify page: the last certification (dict with model paths, spec, settings, Comparison, ...).
CERTIFY_RESULT = "tsviz_certify_result"
#: Certify page caps.
MAX_CERTIFY_SAMPLES = 500
MAX_CERTIFY_N = 10_000
MAX_CERTIFY_N0 = 1_000
MAX_CERTIFY_MASKS = 32
#: Explain page: the last comparison of methods and the last backdoor demo.
EXPLAIN_RESULT = "tsviz_explain_result"
BACKDOOR_RESULT = "tsviz_backdoor_result"
#: Explain page caps (series explained at once; NeuroMask steps).
MAX_EXPLAIN_SAMPLES = 64
MAX_EXPLAIN_STEPS = 2000
#: The zoo's backdoored model used by the trigger demo.
BACKDOOR_MODEL_STEM = "synthetic-ecg--kachuee--backdoor"
#: Augment page: the ODENet in use, a training run in progress, models trained here, the comparison.
AUG_ODENET = "tsviz_aug_odenet"
AUG_TRAINING = "tsviz_aug_training_in_progress"
AUG_TRAINED = "tsviz_aug_trained"
AUG_COMPARE = "tsviz_aug_compare"
#: Augment page caps.
MAX_ODE_EPOCHS = 1000
MAX_COMPARE_MODELS = 8
MAX_COMPARE_SAMPLES = 2000


def user_odenet_dir() -> Path:
    """Where ODENets fitted in the app are saved (the user's workspace's ``odenets/``)."""
    from tsviz.ui import workspace

    return workspace.current().odenets
