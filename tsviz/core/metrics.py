"""Metrics several families share: the confusion matrix and the trapezoid area under a curve."""
from __future__ import annotations

import numpy as np

__all__ = ["confusion_counts", "trapezoid_auc"]


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrix ``(K, K)`` int64: rows true class, columns predicted class, every class in
    ``[0, K)`` present even when unseen (``sklearn.metrics.confusion_matrix`` with fixed labels).
    Predictions outside ``[0, K)`` (e.g. an abstention ``-1``) are not counted."""
    from sklearn.metrics import confusion_matrix

    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.size == 0:
        return np.zeros((n_classes, n_classes), dtype=np.int64)
    return confusion_matrix(y_true, y_pred, labels=np.arange(n_classes)).astype(np.int64)


def trapezoid_auc(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Area under ``y`` over ``x`` by the trapezoid rule along the last axis (``numpy.trapezoid``);
    ``y`` ``(..., m)``, ``x`` ``(m,)`` increasing; shape ``y.shape[:-1]``."""
    return np.trapezoid(np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64), axis=-1)
