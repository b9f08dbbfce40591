"""Session-state keys, defaults and the app's own caps, shared by every page.

Results are not kept here: a page keeps the *request* of its last successful run (a small hashable
dataclass) and asks its cached function for the result (:mod:`tsviz.ui.attack_run`, ...). Caps of
library parameters are read from the families' ``CAPS`` (:mod:`tsviz.ui.caps`); the caps below exist
only in the app.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_DATASET = "synthetic-ecg"
DEFAULT_MODEL_STEM = "synthetic-ecg--resnet--standard"

#: session_state keys
DATASET_SPEC = "tsviz_dataset_spec"        # str, e.g. "synthetic-ecg" or "csv:<workspace>/uploads/.../x.csv"
DATASET_LABEL = "tsviz_dataset_label"      # what the user sees
DATASET_SOURCE = "tsviz_dataset_source"    # (spec, "Built-in" | "Path" | "Upload"): the sidebar's Source
MODEL_PATH = "tsviz_model_path"            # checkpoint stem (str) or None
DEVICE = "tsviz_device"                    # "cpu" | "cuda"
MESSAGES = "tsviz_messages"                # list of (level, text) to show once on the next run
TRAINING = "tsviz_training_in_progress"    # dict describing a run that started, or None

#: App-only caps: largest upload, series per class drawn on the Data page.
MAX_UPLOAD_MB = 200
MAX_PER_CLASS = 20


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


#: Attack page: the request of the last attack run (tsviz.ui.attack_run.AttackRequest) and of the
#: last budget sweep ((request, attacks, eps values)).
ATTACK_RESULT = "tsviz_attack_result"
ATTACK_SWEEP = "tsviz_attack_sweep"
#: Adversarial examples handed to other pages (Explain, Review): dict with x, x_adv, y, meta.
ADVERSARIAL = "tsviz_adversarial"
#: Certify page: the request of the last certification (tsviz.ui.certify_run.CertifyRequest) and of
#: each analysis run on it (dict: analysis name -> its request).
CERTIFY_RESULT = "tsviz_certify_result"
CERTIFY_ANALYSES = "tsviz_certify_analyses"
#: Explain page: the requests of the last comparison of methods and of the last backdoor demo.
EXPLAIN_RESULT = "tsviz_explain_result"
BACKDOOR_RESULT = "tsviz_backdoor_result"
#: The zoo's backdoored model used by the trigger demo.
BACKDOOR_MODEL_STEM = "synthetic-ecg--kachuee--backdoor"
#: Augment page: the ODENet in use, a training run in progress, models trained here, the request
#: of the last comparison.
AUG_ODENET = "tsviz_aug_odenet"
AUG_TRAINING = "tsviz_aug_training_in_progress"
AUG_TRAINED = "tsviz_aug_trained"
AUG_COMPARE = "tsviz_aug_compare"
#: App-only caps of the Augment page's comparison (models compared at once, test series).
MAX_COMPARE_MODELS = 8
MAX_COMPARE_SAMPLES = 2000


def user_odenet_dir() -> Path:
    """Where ODENets fitted in the app are saved (the user's workspace's ``odenets/``)."""
    from tsviz.ui import workspace

    return workspace.current().odenets


def follow_options(key: str, options: Sequence[Any], *, basis: Any, default: Sequence[Any] | None = None) -> None:
    """Before drawing a multiselect ``key`` whose options depend on ``basis`` (e.g. the dataset):
    set its value to ``default`` (all ``options`` when ``None``) when ``basis`` changed or the
    widget has no state yet (a page switch forgets it) and no value that is an option is set,
    else drop values that are no options.

    Without it, switching the dataset left the Data page's Classes box empty: the old classes were
    kept as the value and dropped as invalid (issue 18, defect 2).
    """
    import streamlit as st

    ss = st.session_state
    basis_key = f"{key}__basis"
    if ss.get(basis_key) != basis or key not in ss:
        # a value set for the new basis (a lesson step sets the Classes before the page opens) stays
        kept = [v for v in ss[key] if v in options] if isinstance(ss.get(key), list) else []
        ss[key] = kept or list(options if default is None else default)
        ss[basis_key] = basis
    else:
        ss[key] = [v for v in ss[key] if v in options]
