"""Evaluation of a classifier for the Model page: metrics, confusion, entropy and latents.

:func:`evaluate_model` runs the model once over a split (batched, on the model's device, in eval
mode, without gradients) and returns a frozen :class:`ModelReport`; :func:`embed_latents`
projects the penultimate-layer latents to 2-D with PCA or t-SNE (van der Maaten & Hinton 2008)
for :func:`tsviz.viz.latent_figure`.

Metrics are computed from the confusion counts (:func:`tsviz.core.confusion_counts`, re-exported
here) and match :mod:`sklearn.metrics` with ``zero_division=0``. Bad arguments raise
:class:`~tsviz.models.errors.ModelError` (a ``ValueError``) naming the parameter.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from tsviz.core.arrays import readonly as _frozen
from tsviz.core.inputs import as_labels, as_series
from tsviz.core.metrics import confusion_counts
from tsviz.core.models import guard_model, model_device
from tsviz.core.validation import check_choice, check_int, check_positive, check_seed
from tsviz.data.stats import MAX_EMBED_POINTS, Embedding, pca_project, subsample_indices
from tsviz.models.classifier import TimeSeriesClassifier
from tsviz.models.errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["ModelReport", "evaluate_model", "embed_latents", "confusion_counts",
           "MAX_TSNE_POINTS", "MAX_TSNE_ITER", "MAX_PCA_POINTS"]

#: Hard cap on the ``max_points`` of :func:`embed_latents` with ``method="tsne"`` (t-SNE is
#: ``O(m log m)`` per iteration; 5000 points take about a minute on 2 CPU cores).
MAX_TSNE_POINTS = 5000
#: Hard cap on t-SNE's ``max_iter``.
MAX_TSNE_ITER = 5000
#: Hard cap on the ``max_points`` of :func:`embed_latents` with ``method="pca"``.
MAX_PCA_POINTS = MAX_EMBED_POINTS


@dataclass(frozen=True, eq=False)
class ModelReport:
    """Clean-data evaluation of a classifier on ``n`` labelled series with ``K`` classes.

    Attributes
    ----------
    accuracy : float
        Fraction of correct predictions.
    precision, recall, f1 : ndarray, float64, shape ``(K,)``
        Per-class scores in ``[0, 1]``; 0 where undefined (no prediction / no support).
    support : ndarray, int64, shape ``(K,)``
        True series per class.
    confusion : ndarray, int64, shape ``(K, K)``
        Counts; rows are true classes, columns predicted classes.
    probabilities : ndarray, float64, shape ``(n, K)``
        Softmax of the logits.
    predictions, y_true : ndarray, int64, shape ``(n,)``
    entropy : ndarray, float64, shape ``(n,)``
        Prediction entropy ``-sum_k p_k ln p_k`` in nats, in ``[0, ln K]``.
    latents : ndarray, float32, shape ``(n, d)``, or None
        Penultimate-layer features (``model.features``); ``None`` when the model has none.
    class_names : tuple of str
    """

    accuracy: float
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    confusion: np.ndarray
    probabilities: np.ndarray
    predictions: np.ndarray
    y_true: np.ndarray
    entropy: np.ndarray
    latents: np.ndarray | None
    class_names: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("precision", "recall", "f1", "support", "confusion", "probabilities",
                     "predictions", "y_true", "entropy", "latents"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))

    @property
    def n_classes(self) -> int:
        """Number of classes ``K``."""
        return len(self.class_names)

    @property
    def correct(self) -> np.ndarray:
        """Boolean ``(n,)``: prediction equals the true class."""
        return self.predictions == self.y_true

    @property
    def macro_f1(self) -> float:
        """Unweighted mean F1 over the classes present in ``y_true`` or ``predictions`` (as
        ``sklearn.metrics.f1_score(average="macro", zero_division=0)`` without ``labels``)."""
        present = (self.support > 0) | (self.confusion.sum(axis=0) > 0)
        return float(self.f1[present].mean()) if present.any() else 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready: ``n``, ``accuracy``, ``macro_f1``, ``mean_entropy`` (nats) and
        ``per_class`` {name: {precision, recall, f1, support}}."""
        return {
            "n": int(self.y_true.size),
            "accuracy": float(self.accuracy),
            "macro_f1": self.macro_f1,
            "mean_entropy": float(self.entropy.mean()) if self.entropy.size else float("nan"),
            "per_class": {
                name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                for name, p, r, f, s in zip(self.class_names, self.precision, self.recall,
                                            self.f1, self.support)
            },
        }

    def per_class_frame(self) -> "pd.DataFrame":
        """One row per class: ``class``, ``precision``, ``recall``, ``f1``, ``support``,
        ``predicted`` (series predicted as the class)."""
        import pandas as pd

        return pd.DataFrame({
            "class": list(self.class_names),
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
            "predicted": self.confusion.sum(axis=0),
        })

    def predictions_frame(self) -> "pd.DataFrame":
        """One row per series: ``index``, ``true``, ``predicted`` (class names), ``true_index``,
        ``predicted_index``, ``correct``, ``confidence`` (max probability), ``entropy_nats`` and
        one ``p_<class>`` column per class."""
        import pandas as pd

        names = np.asarray(self.class_names, dtype=object)
        cols: dict[str, Any] = {
            "index": np.arange(self.y_true.size),
            "true": names[self.y_true],
            "predicted": names[self.predictions],
            "true_index": self.y_true,
            "predicted_index": self.predictions,
            "correct": self.correct,
            "confidence": self.probabilities.max(axis=1) if self.y_true.size else np.empty(0),
            "entropy_nats": self.entropy,
        }
        for k, name in enumerate(self.class_names):
            cols[f"p_{name}"] = self.probabilities[:, k]
        return pd.DataFrame(cols)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def _check_inputs(X: Any, y: Any, class_names: Sequence[str], batch_size: Any
                  ) -> tuple[torch.Tensor, np.ndarray, tuple[str, ...], int]:
    """``X`` ``(n, C, T)`` float32 (:func:`tsviz.core.as_series`), ``y`` int64 in ``[0, K)``
    (:func:`tsviz.core.as_labels`), ``K >= 2`` class names and ``batch_size >= 1``."""
    Xt = as_series(X, name="X", error=ModelError)
    if isinstance(class_names, str):
        raise ModelError("class_names must be a sequence of names, not a string")
    names = tuple(str(c) for c in class_names)
    if len(names) < 2:
        raise ModelError(f"class_names must name at least 2 classes, got {len(names)}")
    y_t = as_labels(y, Xt.shape[0], n_classes=len(names), name="y", error=ModelError)
    batch_size = check_int("batch_size", batch_size, 1, error=ModelError)
    return Xt, y_t.numpy(), names, batch_size


def evaluate_model(model: nn.Module, X: np.ndarray | torch.Tensor, y: np.ndarray, *,
                   class_names: Sequence[str], batch_size: int = 512) -> ModelReport:
    """Evaluate a classifier on labelled series: metrics, confusion, entropy, latents.

    Parameters
    ----------
    model : nn.Module
        Maps ``(n, C, T)`` to logits ``(n, K)``; if it has a ``features`` method (every
        :class:`~tsviz.models.TimeSeriesClassifier` does), its penultimate latents ``(n, d)`` are
        collected too. Run in eval mode under :func:`torch.no_grad` on its own device; each
        submodule's train/eval mode is restored afterwards and nothing else is touched.
    X : ndarray or Tensor, shape ``(n, C, T)``
        Series in the dataset's physical unit.
    y : ndarray, int, shape ``(n,)``
        True classes in ``[0, K)``.
    class_names : sequence of str
        ``K`` names; ``K`` must equal the model's number of logits.
    batch_size : int
        Series per forward pass (``>= 1``).

    Returns
    -------
    ModelReport

    Raises
    ------
    ModelError
        Wrong shapes, non-finite or complex series, non-integer labels or labels out of range, a
        model whose number of logits differs from ``len(class_names)``, or a bad ``batch_size``.
    """
    Xt, y_arr, names, batch_size = _check_inputs(X, y, class_names, batch_size)
    K = len(names)
    dev = model_device(model)
    has_features = callable(getattr(model, "features", None))
    # A plain TimeSeriesClassifier computes logits as head(features): one pass gives both.
    fused = (isinstance(model, TimeSeriesClassifier)
             and type(model).forward is TimeSeriesClassifier.forward)
    logits_out, latents_out = [], []
    with guard_model(model), torch.no_grad():
        for i in range(0, Xt.shape[0], batch_size):
            xb = Xt[i:i + batch_size].to(dev)
            if fused:
                feats = model.features(xb)
                logits = model.head(feats)
            else:
                logits = model(xb)
                feats = model.features(xb) if has_features else None
            logits_out.append(logits.detach().to("cpu", torch.float64))
            if feats is not None:
                latents_out.append(feats.detach().reshape(feats.shape[0], -1).to("cpu", torch.float32))
    logits = torch.cat(logits_out)
    if logits.ndim != 2 or logits.shape[1] != K:
        raise ModelError(f"class_names has {K} names but the model returns logits of shape "
                         f"{tuple(logits.shape)}")
    logp = torch.log_softmax(logits, dim=1)
    probs = logp.exp()
    plogp = torch.where(probs > 0, probs * logp, torch.zeros_like(logp))
    entropy = (-plogp.sum(dim=1)).clamp_min(0.0)
    pred = logits.argmax(dim=1).numpy().astype(np.int64)

    conf = confusion_counts(y_arr, pred, K)
    tp = np.diag(conf)
    support = conf.sum(axis=1)
    predicted = conf.sum(axis=0)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    latents = torch.cat(latents_out).numpy() if latents_out else None
    return ModelReport(
        accuracy=float(tp.sum() / y_arr.size),
        precision=precision, recall=recall, f1=f1, support=support.astype(np.int64),
        confusion=conf, probabilities=probs.numpy(), predictions=pred, y_true=y_arr,
        entropy=entropy.numpy(), latents=latents, class_names=names,
    )


def embed_latents(latents: np.ndarray, method: str = "pca", *, seed: int = 0,
                  max_points: int = 2000, perplexity: float = 30.0, max_iter: int = 1000,
                  n_threads: int | None = 1, labels: np.ndarray | None = None) -> Embedding:
    """2-D projection of latent vectors with PCA or t-SNE.

    van der Maaten, L., Hinton, G. (2008). "Visualizing data using t-SNE." JMLR 9.
    t-SNE is :class:`sklearn.manifold.TSNE` with ``init="pca"`` and ``random_state=seed``.

    Parameters
    ----------
    latents : ndarray, shape ``(n, d)``
        E.g. :attr:`ModelReport.latents`; at least 2 rows.
    method : {"pca", "tsne"}
    seed : int
        Seed of the subsample and of t-SNE; same seed -> same embedding.
    max_points : int
        At most this many rows are embedded (seeded uniform subsample above it); capped at
        :data:`MAX_TSNE_POINTS` for t-SNE and :data:`MAX_PCA_POINTS` for PCA.
    perplexity : float
        t-SNE perplexity, ``> 0``; clipped to ``n_points - 1`` for small inputs.
    max_iter : int
        t-SNE optimisation iterations, 250 to :data:`MAX_TSNE_ITER` (cost is linear in it).
    n_threads : int or None
        OpenMP threads for t-SNE (``None``: the library default, all cores). 1 by default: the
        busy-waiting OpenMP runtime makes multi-threaded t-SNE several times *slower* when the
        CPU is shared (a Streamlit server, torch threads, other users); measured 3.9 s with 1
        thread vs 23 s with 2 for 1000 points on a loaded 2-core machine.
    labels : ndarray, int, shape ``(n,)``, optional
        Classes of the rows, carried (subsampled) into :attr:`Embedding.labels`.

    Returns
    -------
    Embedding
        ``coords`` ``(m, 2)``, ``indices`` ``(m,)`` into the rows of ``latents``, ``method``;
        ``explained_variance_ratio`` for PCA only.

    Raises
    ------
    ModelError
        Bad ``latents``, ``method``, ``seed``, ``max_points``, ``perplexity``, ``max_iter``,
        ``n_threads`` or ``labels``.
    """
    Z = np.asarray(latents)
    if Z.ndim != 2 or Z.shape[0] < 2 or Z.shape[1] < 1:
        raise ModelError(f"latents must have shape (n, d) with n >= 2, got {Z.shape}")
    if Z.dtype.kind not in "iuf" or not np.isfinite(Z).all():
        raise ModelError("latents must be finite real numbers (no NaN/Inf)")
    method = check_choice("method", method, ("pca", "tsne"), error=ModelError)
    seed = check_seed(seed, error=ModelError)
    cap = MAX_TSNE_POINTS if method == "tsne" else MAX_PCA_POINTS
    max_points = check_int("max_points", max_points, 2, cap, error=ModelError)
    perplexity = check_positive("perplexity", perplexity, error=ModelError)
    max_iter = check_int("max_iter", max_iter, 250, MAX_TSNE_ITER, error=ModelError)
    if n_threads is not None:
        n_threads = check_int("n_threads", n_threads, 1, error=ModelError)
    lab = None
    if labels is not None:
        lab = np.asarray(labels)
        if lab.shape != (Z.shape[0],):
            raise ModelError(f"labels must have shape ({Z.shape[0]},), got {lab.shape}")
    n = Z.shape[0]
    idx = subsample_indices(n, max_points, seed)
    Zs = np.asarray(Z[idx], dtype=np.float64)
    evr = None
    if method == "pca":
        coords, evr = pca_project(Zs, 2, seed)
    else:
        from sklearn.manifold import TSNE
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency

        m = Zs.shape[0]
        perp = float(min(float(perplexity), max(m - 1.0, 1.0) - 1e-6))
        init = "pca" if Zs.shape[1] >= 2 and m > 2 else "random"
        tsne = TSNE(n_components=2, perplexity=perp, init=init, random_state=seed,
                    max_iter=max_iter)
        with threadpool_limits(limits=n_threads, user_api="openmp"):
            coords = np.asarray(tsne.fit_transform(Zs), dtype=np.float64)
    return Embedding(coords, idx, None if lab is None else lab[idx].astype(np.int64), method,
                     evr, int(n), seed)
