"""Cached wrappers around the library, keyed so a changed model or dataset never serves stale results.

* Datasets and models are shared between sessions by ``st.cache_resource`` (one object per spec or
  checkpoint): datasets hold read-only arrays, and models are frozen (eval mode, no parameter
  gradients) and only read (never trained or modified). Model keys include the checkpoint's
  modification time (:func:`model_key`), so an overwritten checkpoint reloads.
* Results derived from them (class profiles, spectra, PCA, the model's test report and latents)
  are cached with ``st.cache_data``: keyed by hashable inputs (dataset spec, checkpoint path and
  modification time, settings), each caller gets its own copy. The pages' own runs (attacks,
  certification, explanations) are cached per session in :mod:`tsviz.ui.attack_run` and its
  siblings, in the same way.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

import streamlit as st

from tsviz.data import DataError, Dataset, load
from tsviz.models.checkpoint import checkpoint_paths, read_card

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- datasets
@st.cache_resource(show_spinner="Loading dataset…", max_entries=8)
def get_dataset(spec: str) -> Dataset:
    """``tsviz.data.load(spec)``, cached per spec (uploaded files get content-addressed paths)."""
    return load(spec)


@st.cache_data(show_spinner=False, max_entries=16)
def get_profile(spec: str, split: str):
    """Mean ± std per class of a split (:func:`tsviz.data.stats.class_mean_std`)."""
    from tsviz.data.stats import class_mean_std

    return class_mean_std(get_dataset(spec), split)


@st.cache_data(show_spinner=False, max_entries=16)
def get_psd(spec: str, split: str):
    """Welch power spectra per class of a split (:func:`tsviz.data.stats.class_psd`)."""
    from tsviz.data.stats import class_psd

    return class_psd(get_dataset(spec), split)


@st.cache_data(show_spinner="Computing PCA…", max_entries=16)
def get_series_pca(spec: str, split: str, seed: int = 0):
    """PCA of the raw series of a split (:func:`tsviz.data.stats.pca_series`)."""
    from tsviz.data.stats import pca_series

    return pca_series(get_dataset(spec), split, seed=seed)


@st.cache_data(show_spinner=False, max_entries=64)
def sample_indices(spec: str, split: str, classes: tuple[str, ...], per_class: int, seed: int):
    """Up to ``per_class`` series of each class in ``classes``, drawn without replacement with a
    seeded generator (:func:`tsviz.data.select_samples`, mode ``class``), in class order."""
    import numpy as np

    from tsviz.data import select_samples

    ds = get_dataset(spec)
    _, y = ds.split(split)
    out = []
    for name in classes:
        k = ds.class_names.index(name)
        count = int((y == k).sum())
        if count:
            out.append(np.asarray(select_samples(y, mode="class", class_index=k, n=min(per_class, count), seed=seed)))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


@st.cache_data(show_spinner=False, max_entries=16)
def class_counts(spec: str):
    """Series per class in the train and test splits (a DataFrame: class, train, test)."""
    import pandas as pd

    ds = get_dataset(spec)
    return pd.DataFrame({"class": ds.class_names, "train": ds.class_counts("train"), "test": ds.class_counts("test")})


UCR_SUFFIXES = (".tsv", ".txt", ".ts", ".arff")


def store_uploads(files: list[Any], *, max_mb: float, upload_root: Path | None = None) -> str:
    """Write uploaded files to a content-addressed folder of the user's workspace and return the
    dataset spec for them (each file written atomically; ``upload_root`` defaults to the session's
    workspace ``uploads/``).

    One ``.csv`` -> ``csv:``, one ``.npz`` -> ``npz:``, a ``*_TRAIN`` + ``*_TEST`` pair of UCR files ->
    ``ucr:``. Raises :class:`DataError` naming the file for anything else or a file over ``max_mb``.
    """
    from tsviz.ui.state import upload_dir
    from tsviz.ui.workspace import atomic_write_bytes

    if not files:
        raise DataError("no file uploaded")
    blobs = []
    for f in files:
        data = f.getvalue()
        if len(data) > max_mb * 2**20:
            raise DataError(f"{f.name} is {len(data) / 2**20:.1f} MiB, over the {max_mb:g} MiB upload cap")
        if not data:
            raise DataError(f"{f.name} is empty (0 bytes)")
        name = Path(str(f.name).replace("\\", "/")).name
        if name in ("", ".", ".."):
            raise DataError(f"upload name {name!r}: use a plain file name")
        blobs.append((name, data))
    if len({n for n, _ in blobs}) != len(blobs):
        raise DataError(f"two uploaded files are both named {sorted(n for n, _ in blobs)}; rename one")
    digest = hashlib.sha256(b"".join(n.encode() + d for n, d in sorted(blobs))).hexdigest()[:16]
    # content-addressed: the same files always land in the same folder, different ones never share it
    folder = (upload_root or upload_dir()) / digest
    for name, data in blobs:
        atomic_write_bytes(folder / name, data)
    names = [n for n, _ in blobs]
    suffixes = {Path(n).suffix.lower() for n in names}
    if len(names) == 1 and suffixes == {".csv"}:
        return f"csv:{folder / names[0]}"
    if len(names) == 1 and suffixes == {".npz"}:
        return f"npz:{folder / names[0]}"
    if suffixes <= set(UCR_SUFFIXES):
        upper = [n.upper() for n in names]
        if any("_TRAIN" in n for n in upper) and any("_TEST" in n for n in upper):
            return f"ucr:{folder}"
        raise DataError(f"UCR upload {names}: upload both NAME_TRAIN and NAME_TEST files together")
    raise DataError(f"cannot tell how to read {names}: upload one .csv, one .npz, or a UCR "
                    f"NAME_TRAIN + NAME_TEST pair ({', '.join(UCR_SUFFIXES)})")


# ----------------------------------------------------------------------------- models
def model_key(stem: str) -> tuple[str, float]:
    """``(stem, mtime)`` of a checkpoint: part of every model-dependent cache key."""
    weights, _ = checkpoint_paths(stem)
    return str(Path(stem)), weights.stat().st_mtime if weights.exists() else 0.0


@st.cache_resource(show_spinner="Loading model…", max_entries=8)
def _load_model(stem: str, mtime: float, device: str):
    from tsviz.models import load as load_model

    # Shared by every session's threads: frozen for good (eval mode, no parameter gradients), so that
    # the attacks' and explainers' guards, which save and restore this state around their work,
    # restore the same state whatever other sessions are doing with the model at the same time.
    return load_model(stem, device=device).eval().requires_grad_(False)


def get_model(stem: str, device: str = "cpu"):
    """The checkpoint at ``stem`` on ``device`` (cached; read it, never modify it)."""
    return _load_model(*model_key(stem), device)


def compatible(card: dict[str, Any], ds: Dataset) -> bool:
    """Whether a model card fits a dataset's channels, length and number of classes."""
    hp = card.get("hparams", {})
    return (hp.get("in_channels"), hp.get("length"), hp.get("n_classes")) == (ds.n_channels, ds.length, ds.n_classes)


def model_choices(ds: Dataset, folder: Path | None = None) -> list[dict[str, Any]]:
    """Cards of every zoo checkpoint and of the user's own (trained, uploaded) ones that fit ``ds``,
    best matches first.

    ``folder`` defaults to the session's workspace ``models/`` (:mod:`tsviz.ui.workspace`): models of
    other users are never listed. Each card has ``path`` (stem), ``source`` (``zoo``/``yours``) and
    ``label``.
    """
    from tsviz.models import list_pretrained
    from tsviz.ui.state import user_model_dir

    cards = []
    for c in list_pretrained():
        cards.append({**c, "source": "zoo"})
    folder = Path(folder) if folder is not None else user_model_dir()
    if folder.is_dir():
        for p in sorted(folder.rglob("*.json")):
            if any(part.startswith(".") for part in p.relative_to(folder).parts) or not p.is_file():
                continue  # staging folders, lock and temporary files
            try:
                c = read_card(p)
            except Exception:  # noqa: BLE001 - an unreadable card is not listed
                continue
            cards.append({**c, "path": str(p.with_suffix("")), "source": "yours", "name": p.stem})
    out = []
    for c in cards:
        if not compatible(c, ds):
            continue
        acc = c.get("metrics", {}).get("test_accuracy")
        same = c.get("dataset") == ds.spec
        c["label"] = (f"{c.get('arch')} · {c.get('recipe', '?')} · {c['source']}"
                      + (f" · {c.get('name')}" if c["source"] == "yours" else "")
                      + (f" · acc {acc:.1%}" if isinstance(acc, (int, float)) and same else "")
                      + ("" if same else f" · trained on {c.get('dataset', '?')}"))
        c["_rank"] = (not same, c["source"] != "zoo", c.get("arch") != "resnet", c["label"])
        out.append(c)
    return sorted(out, key=lambda c: c["_rank"])


# ----------------------------------------------------------------------------- results
@st.cache_data(show_spinner="Evaluating the model on the test split…", max_entries=8)
def _report(stem: str, mtime: float, device: str, spec: str):
    from tsviz.models.evaluation import evaluate_model

    ds = get_dataset(spec)
    return evaluate_model(_load_model(stem, mtime, device), ds.X_test, ds.y_test, class_names=ds.class_names)


def get_report(stem: str, device: str, spec: str):
    """:func:`tsviz.models.evaluation.evaluate_model` of a checkpoint on a dataset's test split."""
    return _report(*model_key(stem), device, spec)


@st.cache_data(show_spinner="Embedding latents…", max_entries=16)
def _latent_embedding(stem: str, mtime: float, device: str, spec: str, method: str, seed: int):
    from tsviz.models.evaluation import embed_latents

    report = _report(stem, mtime, device, spec)
    return embed_latents(report.latents, method, seed=seed, labels=report.y_true)


def get_latent_embedding(stem: str, device: str, spec: str, method: str, seed: int = 0):
    """PCA or t-SNE of the model's penultimate-layer latents on the test split."""
    return _latent_embedding(*model_key(stem), device, spec, method, seed)


# ----------------------------------------------------------------------------- prewarming
#: Set to ``0`` to turn the background prewarming off.
PREWARM_ENV = "TSVIZ_PREWARM"
_prewarm_lock = threading.Lock()
_prewarmed: set[tuple[str, str]] = set()


def _real_server() -> bool:
    """Whether this runs in a ``streamlit run`` server (AppTest's runtime is a mock)."""
    try:
        from streamlit.runtime import Runtime

        return type(Runtime.instance()) is Runtime
    except Exception:  # noqa: BLE001 - no runtime at all
        return False


def prewarm_defaults(device: str = "cpu") -> bool:
    """Once per server process, compute in a background thread what the first visits of the Data
    and Model pages need for the default dataset and model: the heavy imports (pandas, plotly,
    scipy.signal, scikit-learn), the model's report on the test split (a ResNet on 1,000 series:
    4-5 s on 2 cores), its latent PCA and the dataset's profile, spectra and PCA.

    Everything goes into the same caches the pages read (a page asking for a value being computed
    waits for it rather than computing it twice), inside a compute slot
    (:func:`tsviz.ui.compute.compute_slot`). Only in a real server (not under AppTest) and unless
    ``TSVIZ_PREWARM=0``. Returns whether it started now.
    """
    from tsviz.models.zoo import zoo_dir
    from tsviz.ui.state import DEFAULT_DATASET, DEFAULT_MODEL_STEM

    if os.environ.get(PREWARM_ENV, "1").strip() == "0" or not _real_server():
        return False
    stem = str(zoo_dir() / DEFAULT_MODEL_STEM)
    with _prewarm_lock:
        if (stem, device) in _prewarmed:
            return False
        _prewarmed.add((stem, device))
    threading.Thread(target=_prewarm, args=(DEFAULT_DATASET, stem, device), name="tsviz-prewarm",
                     daemon=True).start()
    return True


def _prewarm(spec: str, stem: str, device: str) -> None:
    from tsviz.ui.compute import compute_slot

    try:
        with compute_slot():
            import pandas  # noqa: F401 - imported once here rather than during a page's first run
            import plotly.graph_objects  # noqa: F401
            import scipy.signal  # noqa: F401
            import sklearn.decomposition  # noqa: F401

            if checkpoint_paths(stem)[0].exists():
                get_report(stem, device, spec)
                get_latent_embedding(stem, device, spec, "pca")
            for split in ("train", "test"):
                get_profile(spec, split)
                get_psd(spec, split)
            get_series_pca(spec, "train")
    except Exception:  # noqa: BLE001 - a warm-up must never disturb the app; the pages compute on demand
        log.exception("prewarming the default dataset and model failed")
