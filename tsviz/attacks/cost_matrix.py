"""Class-to-class cost matrices (label metrics) and the weighted robustness score of WPGD.

Terzi, M., Susto, G. A., Chaudhari, P. "Directional adversarial training for cost sensitive deep
learning classification applications." Definition 3 (label metric ``C``: symmetric, non-negative,
``C_kk = 0``) and eq. 7 (weighted robustness score ``S = sum_ij c_ij m_ij``).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tsviz.attacks.base import MAX_SAMPLES, Progress, check_inputs, check_progress
from tsviz.attacks.errors import AttackError
from tsviz.core import check_int, confusion_counts, guard_model, model_device

__all__ = ["uniform_cost", "latent_centroid_cost", "validate_cost", "adversarial_confusion",
           "weighted_robustness_score", "SCORE_NORMALIZATIONS"]

#: Tolerance of the symmetry check in :func:`validate_cost`.
SYMMETRY_TOL = 1e-6
#: How :func:`weighted_robustness_score` turns the confusion into ``M``: ``"row"`` (default), ``"total"``,
#: ``"none"``.
SCORE_NORMALIZATIONS = ("row", "total", "none")


def uniform_cost(n_classes: int) -> np.ndarray:
    """The uniform label metric ``1 - I``: every error costs 1.

    Parameters
    ----------
    n_classes : int
        ``K >= 2``.

    Returns
    -------
    ndarray, float64, shape ``(K, K)``
    """
    return 1.0 - np.eye(check_int("n_classes", n_classes, 2, error=AttackError))


def validate_cost(C: Any, n_classes: int | None = None) -> np.ndarray:
    """Check a label metric (Terzi et al., Definition 3) and return it as a float64 array.

    Parameters
    ----------
    C : array-like, shape ``(K, K)``
        Cost of mistaking class ``i`` for class ``j``.
    n_classes : int or None
        The model's ``K``; ``None`` skips the size check.

    Returns
    -------
    ndarray, float64, shape ``(K, K)``

    Raises
    ------
    AttackError
        (naming ``cost_matrix``) unless ``C`` is a finite, square, ``K x K`` matrix that is
        symmetric (within ``1e-6``), non-negative, with a zero diagonal.
    """
    try:
        if isinstance(C, torch.Tensor):
            C = C.detach().cpu().numpy()
        M = np.asarray(C, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AttackError(f"cost_matrix must be a numeric (K, K) matrix: {exc}") from exc
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 2:
        raise AttackError(f"cost_matrix must be a square (K, K) matrix with K >= 2, got shape {M.shape}")
    if n_classes is not None and M.shape[0] != n_classes:
        raise AttackError(f"cost_matrix is {M.shape[0]}x{M.shape[0]} but the model has {n_classes} classes")
    if not np.isfinite(M).all():
        raise AttackError("cost_matrix contains NaN or Inf")
    if (M < 0).any():
        raise AttackError("cost_matrix must be non-negative")
    if np.abs(np.diag(M)).max() > 0:
        raise AttackError("cost_matrix must have a zero diagonal (a correct prediction costs nothing)")
    asym = float(np.abs(M - M.T).max())
    if asym > SYMMETRY_TOL:
        raise AttackError(f"cost_matrix must be symmetric (max |C - C^T| = {asym:.3g} > {SYMMETRY_TOL:g})")
    return M


def latent_centroid_cost(model: torch.nn.Module, x: Any, y: Any, n_classes: int, *,
                         normalize: bool = True, batch_size: int = 512,
                         progress: Progress | None = None) -> np.ndarray:
    """Label metric from the model's latent space: distances between class centroids.

    ``c_ij = || mu_i - mu_j ||_2`` with ``mu_k`` the mean of ``model.features(x)`` over the samples
    of class ``k`` (penultimate-layer latents of :class:`~tsviz.models.TimeSeriesClassifier`), scaled
    so the largest entry is 1 when ``normalize``. A data-driven stand-in for the WordNet metric of
    Terzi et al. (classes whose latents lie close are "similar" and cheap to confuse).

    Parameters
    ----------
    model : nn.Module
        Must have ``features(x) -> (n, D)``. Run in eval mode under ``torch.no_grad``; its mode and
        ``requires_grad`` flags are left as found.
    x : Tensor or ndarray, shape ``(n, C, T)``
    y : Tensor or ndarray, shape ``(n,)``, int labels in ``[0, n_classes)``; every class needs at
        least one sample.
    n_classes : int
        ``K``.
    normalize : bool
        Divide by the largest distance (when it is positive).
    batch_size : int
        Samples per forward pass (memory only; the result does not depend on it).
    progress : callable ``(fraction, message)``, optional
        Called after every batch, the last call with 1.

    Returns
    -------
    ndarray, float64, shape ``(K, K)``: symmetric, zero diagonal, non-negative.
    """
    if not callable(getattr(model, "features", None)):
        raise AttackError("latent_centroid_cost needs a model with a features(x) method (penultimate latents)")
    K = check_int("n_classes", n_classes, 2, error=AttackError)
    batch_size = check_int("batch_size", batch_size, 1, error=AttackError)
    check_progress(progress)
    device = model_device(model)
    x, y = check_inputs(model, x, y, K, max_series=MAX_SAMPLES * 10)
    y = y.cpu()
    counts = torch.bincount(y, minlength=K)
    if (counts == 0).any():
        missing = (counts == 0).nonzero().flatten().tolist()
        raise AttackError(f"latent_centroid_cost needs samples of every class; none for class(es) {missing}")
    sums = None
    with guard_model(model), torch.no_grad():
        for start in range(0, x.shape[0], int(batch_size)):
            xb = x[start:start + batch_size].to(device)
            z = model.features(xb).double().reshape(xb.shape[0], -1)
            if sums is None:
                sums = torch.zeros(K, z.shape[1], dtype=torch.float64, device=z.device)
            sums.index_add_(0, y[start:start + batch_size].to(z.device), z)
            if progress is not None:
                done = min(start + batch_size, x.shape[0])
                progress(done / x.shape[0], f"latents of {done}/{x.shape[0]} series")
    centroids = sums / counts.to(sums.device, torch.float64).view(-1, 1)
    if not bool(torch.isfinite(centroids).all()):
        raise AttackError("the model's latents (features) are NaN/Inf on these series; its weights are not finite")
    diff = centroids[:, None, :] - centroids[None, :, :]
    D = diff.pow(2).sum(-1).sqrt().cpu().numpy()
    D = 0.5 * (D + D.T)
    np.fill_diagonal(D, 0.0)
    if normalize and D.max() > 0:
        D = D / D.max()
    return D


def adversarial_confusion(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """Confusion counts ``(K, K)``: entry ``(i, j)`` = number of class-``i`` samples predicted ``j``.

    ``y_pred`` would be the model's predictions on the adversarial series.
    """
    yt = np.asarray(y_true.cpu() if isinstance(y_true, torch.Tensor) else y_true).astype(np.int64).reshape(-1)
    yp = np.asarray(y_pred.cpu() if isinstance(y_pred, torch.Tensor) else y_pred).astype(np.int64).reshape(-1)
    K = int(n_classes)
    if yt.shape != yp.shape:
        raise AttackError(f"y_true and y_pred differ in length ({yt.size} vs {yp.size})")
    if ((yt < 0) | (yt >= K) | (yp < 0) | (yp >= K)).any():
        raise AttackError(f"labels must be in [0, {K})")
    return confusion_counts(yt, yp, K)


def weighted_robustness_score(confusion: Any, C: Any, *, normalize: str = "row") -> float:
    """Weighted robustness score ``S = sum_ij c_ij m_ij`` (Terzi et al., eq. 7).

    The paper calls ``M`` "the adversarial confusion matrix" and does not say whether it holds
    counts or rates, nor how rates are normalised. Three readings, chosen by ``normalize``:

    * ``"row"`` (default): ``m_ij`` = fraction of class-``i`` samples predicted ``j`` under attack
      (rows without samples contribute 0). ``0 <= S <= K * max(C)``; with the uniform metric
      ``1 - I``, ``S`` is the sum over classes of the per-class adversarial error rate. Kept as the
      default because it does not depend on the test set's size or class balance, and it is the
      reading the paper's Table 3 fits: differences of -0.14 to -0.53 on CIFAR-10 (K = 10) and of
      -6 to -55 on Tiny-ImageNet (K = 200) scale with ``K``, as row rates summed over ``K`` rows do,
      whereas with ``"total"`` ``|S| <= max(C)`` for every dataset.
    * ``"total"``: ``m_ij`` = fraction of *all* samples that are class ``i`` predicted ``j``
      (``M / M.sum()``); ``0 <= S <= max(C)``: the expected cost of one attacked sample.
    * ``"none"``: the counts themselves (``S`` grows with the number of samples).

    Parameters
    ----------
    confusion : array-like, shape ``(K, K)``
        Adversarial confusion matrix: entry ``(i, j)`` counts class-``i`` samples predicted ``j``
        under attack (see :func:`adversarial_confusion`); row-normalised rates are accepted too.
    C : array-like, shape ``(K, K)``
        Label metric (checked by :func:`validate_cost`).
    normalize : {"row", "total", "none"}
        How ``M`` is made from ``confusion`` (above).

    Returns
    -------
    float
        ``S``. Lower is better for the defender: errors between costly (dissimilar) classes weigh
        more.

    Raises
    ------
    AttackError
        A bad cost matrix, a confusion of another shape, negative or non-finite entries, or an
        unknown ``normalize``.
    """
    if not isinstance(normalize, str) or normalize not in SCORE_NORMALIZATIONS:
        raise AttackError(f"normalize must be one of {', '.join(map(repr, SCORE_NORMALIZATIONS))}; got {normalize!r}")
    Cm = validate_cost(C)
    M = np.asarray(confusion.cpu() if isinstance(confusion, torch.Tensor) else confusion, dtype=np.float64)
    if M.shape != Cm.shape:
        raise AttackError(f"confusion must have shape {Cm.shape} like the cost matrix, got {M.shape}")
    if not np.isfinite(M).all() or (M < 0).any():
        raise AttackError("confusion must hold finite non-negative counts or rates")
    if normalize == "row":
        rows = M.sum(1, keepdims=True)
        m = np.divide(M, rows, out=np.zeros_like(M), where=rows > 0)
    elif normalize == "total":
        total = M.sum()
        m = M / total if total > 0 else np.zeros_like(M)
    else:
        m = M
    return float((Cm * m).sum())
