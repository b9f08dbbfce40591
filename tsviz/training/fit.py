"""``fit(model, dataset, ...)``: the one training loop of tsviz."""
from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from tsviz.core import (
    MAX_SEED,
    as_labels,
    as_series,
    check_cost,
    check_int,
    check_real,
    check_seed,
    model_device,
    resolve_generator,
)
from tsviz.core.arrays import readonly
from tsviz.data.dataset import Dataset, stratified_split
from tsviz.models.inference import predict_logits
from tsviz.training.errors import TrainingError
from tsviz.training.recipes import Recipe
from tsviz.training.registry import RECIPES, format_recipe_name, get_recipe, parse_recipe_name

__all__ = ["fit", "FitResult", "MAX_EPOCHS", "MAX_BATCH_SIZE", "Progress"]

log = logging.getLogger(__name__)

#: ``progress(fraction, message)``: fraction in ``[0, 1]``, the last call at 1.
Progress = Callable[[float, str], None]

#: Epochs of one :func:`fit`: 500 (the zoo trains for at most 60; the NSR paper's MLP for 50; early
#: stopping usually ends a run long before). The total cost (epochs x series x passes) is held to
#: :func:`tsviz.core.max_cost` as well.
MAX_EPOCHS = 500
#: Mini-batch size: 4096 series (the papers use 32-256; beyond a few thousand a batch of ECG series
#: no longer fits comfortably in memory with a double-backprop recipe).
MAX_BATCH_SIZE = 4096


@dataclass(frozen=True)
class FitResult:
    """What a training run did.

    Attributes
    ----------
    history : dict of str -> ndarray
        Per epoch: ``epoch``, ``train_loss``, ``train_accuracy``, ``val_loss``, ``val_accuracy``,
        ``seconds``.
    best_epoch : int
        1-based epoch whose weights were kept (lowest validation loss).
    stopped_early, cancelled : bool
        Whether early stopping or ``should_stop`` ended the run.
    metrics : dict
        ``train_accuracy``, ``val_accuracy``, ``test_accuracy`` of the kept weights, ``train_seconds``.
    """

    history: dict[str, np.ndarray]
    best_epoch: int
    stopped_early: bool
    cancelled: bool
    metrics: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "history", {k: readonly(np.asarray(v)) for k, v in self.history.items()})

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers: best epoch, epochs run, how the run ended, and the metrics."""
        return {"best_epoch": self.best_epoch, "epochs_run": int(len(self.history["epoch"])),
                "stopped_early": self.stopped_early, "cancelled": self.cancelled, **self.metrics}


@contextmanager
def _scoped_rng(seed: int, device: torch.device):
    """Seed torch's RNG for dropout inside the block only; the caller's RNG state is restored.

    Dropout draws from the global generator and takes no ``generator`` argument, so a
    reproducible run must fix that state; ``fork_rng`` saves and restores it around the block.
    """
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices, device_type="cuda" if devices else "cpu"):
        torch.random.manual_seed(seed)
        yield


def _recipe_hparams(recipe: Any, hp: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    if isinstance(recipe, str) and recipe not in RECIPES:
        parsed = parse_recipe_name(recipe)[1]
    return {k: v for k, v in {**parsed, **hp}.items() if isinstance(v, (int, float, str, bool))}


def _recipe_label(rec: Any, recipe: Any, hp: dict[str, Any]) -> str:
    """The recipe's zoo name: ``"standard"``, ``"gaussian-0.25"``, ``"masked_gaussian-0.25-binomial"``."""
    name = getattr(rec, "name", str(recipe))
    try:
        return format_recipe_name(name, **_recipe_hparams(recipe, hp))
    except (KeyError, ValueError, TypeError):
        return name


def fit(
    model: torch.nn.Module,
    dataset: Dataset,
    *,
    recipe: str | Recipe = "standard",
    epochs: int = 20,
    seed: int = 0,
    progress: Progress | None = None,
    lr: float = 1e-3,
    batch_size: int = 64,
    val_fraction: float = 0.1,
    patience: int | None = 10,
    weight_decay: float = 0.0,
    device: str | torch.device | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    **hp: Any,
) -> FitResult:
    """Train ``model`` in place on ``dataset.X_train`` with a recipe; keep the best weights.

    Sets the model's input normalisation from the training part, holds out a stratified validation
    split, trains with Adam, stops early when the validation loss has not improved for
    ``patience`` epochs, restores the weights of the best epoch, measures test accuracy, and
    leaves the model in eval mode with ``model.card`` describing the run.

    Parameters
    ----------
    model : TimeSeriesClassifier
        From :func:`tsviz.models.build`; its input shape must match the dataset.
    dataset : Dataset
        Series ``(n, C, T)`` in physical units.
    recipe : str or Recipe
        ``"standard"`` (cross-entropy) or another registered recipe; ``**hp`` go to its constructor.
    epochs : int
        Maximum epochs, at most :data:`MAX_EPOCHS`.
    seed : int
        Seeds the validation split, shuffling, the recipe's draws and dropout (scoped; the global
        RNG is restored). Same seed on CPU -> same weights. ``fit`` takes a seed, not a
        generator: the seed is written on the model's card so the run can be reproduced from the
        card, which a generator's state cannot be.
    progress : callable(fraction, message), optional
        Called after every epoch with the fraction done in ``[0, 1]``.
    lr, weight_decay : float
        Adam learning rate and weight decay.
    batch_size : int
        Mini-batch size, at most :data:`MAX_BATCH_SIZE`.
    val_fraction : float
        Fraction of the training split held out for early stopping (0 disables it: the last epoch
        is kept).
    patience : int or None
        Epochs without validation-loss improvement before stopping; ``None`` never stops early.
    device : str or torch.device, optional
        Where to train (default: where the model is).
    on_epoch : callable(record), optional
        Receives each epoch's record (the ``history`` row) for live curves.
    should_stop : callable() -> bool, optional
        Polled after every batch; returning True cancels (the best weights so far are kept).

    Returns
    -------
    FitResult

    Raises
    ------
    TrainingError (a ValueError)
        A bad argument or recipe hyperparameter (the message names it); a model built for other
        channels, length or classes than the dataset; training series that are not real finite
        float32-range values or labels that are not integers in ``[0, K)``; a model with NaN/Inf
        weights; a total cost ``epochs x training series x model passes per series`` (the
        recipe's ``passes_per_series``: 1 for standard and noise recipes, ``steps + 3`` for
        ``pgd_at``, ...) over :func:`tsviz.core.max_cost`.
    FloatingPointError
        The loss became NaN/Inf during training (lower ``lr``).
    """
    from tsviz.device import resolve_device

    check_int("epochs", epochs, 1, MAX_EPOCHS, error=TrainingError)
    check_int("batch_size", batch_size, 1, MAX_BATCH_SIZE, error=TrainingError)
    check_real("lr", lr, low=1e-7, high=10.0, error=TrainingError)
    check_real("weight_decay", weight_decay, low=0.0, high=1.0, error=TrainingError)
    check_seed(seed, error=TrainingError)
    check_real("val_fraction", val_fraction, low=0.0, high=0.9, high_open=True, error=TrainingError)
    if patience is not None:
        check_int("patience", patience, 1, MAX_EPOCHS, error=TrainingError)
    for name, fn in (("progress", progress), ("on_epoch", on_epoch), ("should_stop", should_stop)):
        if fn is not None and not callable(fn):
            raise TrainingError(f"{name} must be a callable or None, got {type(fn).__name__}")
    rec = get_recipe(recipe, **hp)
    if not all(hasattr(dataset, a) for a in ("X_train", "y_train", "X_test", "y_test", "n_classes")):
        raise TrainingError(f"dataset must be a tsviz Dataset, got {type(dataset).__name__}")
    hp_model = getattr(model, "hparams", {})
    if hp_model and (hp_model.get("in_channels"), hp_model.get("length"), hp_model.get("n_classes")) != (
            dataset.n_channels, dataset.length, dataset.n_classes):
        raise TrainingError(
            f"model expects (channels, length, classes) = ({hp_model.get('in_channels')}, {hp_model.get('length')}, "
            f"{hp_model.get('n_classes')}) but dataset {dataset.name!r} has ({dataset.n_channels}, "
            f"{dataset.length}, {dataset.n_classes})")

    passes = getattr(rec, "passes_per_series", None)
    passes = int(passes(dataset.n_classes)) if callable(passes) else 1
    n_fit = int(round(len(dataset.y_train) * (1 - val_fraction)))
    check_cost(f"training with recipe {getattr(rec, 'name', recipe)!s}",
               {"epochs": epochs, "training series": n_fit, "model passes per series and epoch (recipe)": passes},
               error=TrainingError)

    dev = model_device(model) if device is None else resolve_device(device)
    model.to(dev)
    X_all, y_all = dataset.X_train, dataset.y_train
    if val_fraction > 0:
        tr_idx, va_idx = stratified_split(y_all, val_fraction, seed=seed, source=f"{dataset.name} validation split")
    else:
        tr_idx, va_idx = np.arange(len(y_all)), np.arange(0)
    Xtr = as_series(X_all[tr_idx], name=f"{dataset.name} X_train", error=TrainingError)
    ytr = as_labels(y_all[tr_idx], Xtr.shape[0], n_classes=dataset.n_classes, name=f"{dataset.name} y_train",
                    error=TrainingError)
    check_recipe = getattr(rec, "check", None)
    if callable(check_recipe):  # the recipe's own settings against the data, before any work
        check_recipe(Xtr, dataset.n_classes)
    if hasattr(model, "normalize"):
        model.normalize.fit_(X_all[tr_idx])
    for kind, named in (("parameter", model.named_parameters()), ("buffer", model.named_buffers())):
        for key, value in named:
            if value.is_floating_point() and not bool(torch.isfinite(value).all()):
                raise TrainingError(f"model {kind} {key!r} contains NaN or Inf; training would only spread it "
                                    "(rebuild the model or load a finite checkpoint)")
    Xtr, ytr = Xtr.to(dev), ytr.to(dev)
    Xva, yva = X_all[va_idx], y_all[va_idx]

    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = resolve_generator(seed=seed, error=TrainingError)  # split, shuffling, the accuracy subset
    # the recipe's draws, on the training device
    noise_gen = resolve_generator(seed=(seed + 1) % (MAX_SEED + 1), device=dev, error=TrainingError)
    cols = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds")
    history: dict[str, list[float]] = {c: [] for c in cols}
    best_loss, best_epoch, best_state, bad_epochs = float("inf"), 0, None, 0
    stopped_early = cancelled = False
    n = Xtr.shape[0]
    # Training accuracy is measured in eval mode on a fixed subset (at most 1000 series) per epoch.
    acc_idx = torch.arange(n, device=dev) if n <= 1000 else torch.randperm(n, generator=gen)[:1000].to(dev)
    t_start = time.perf_counter()
    # optional recipe hooks (tsviz.training.recipes): work on the whole training set before each
    # epoch (e.g. the augmented recipe's per-epoch / per-run copies), and the batch's rows for loss
    start_epoch = getattr(rec, "start_epoch", None)
    wants_index = bool(getattr(rec, "uses_index", False))

    with _scoped_rng(seed, dev):
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            if callable(start_epoch):
                start_epoch(model, Xtr, ytr, epoch, generator=noise_gen)
            model.train()
            perm = torch.randperm(n, generator=gen).to(dev)
            loss_sum, seen = 0.0, 0
            for i in range(0, n, batch_size):
                idx = perm[i:i + batch_size]
                if idx.numel() < 2 and n >= 2:  # BatchNorm cannot train on a single sample
                    continue
                xb, yb = Xtr[idx], ytr[idx]
                opt.zero_grad(set_to_none=True)
                loss = (rec.loss(model, xb, yb, generator=noise_gen, index=idx) if wants_index
                        else rec.loss(model, xb, yb, generator=noise_gen))
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"training diverged at epoch {epoch} (loss {loss.item()}); lower lr={lr}")
                loss.backward()
                opt.step()
                loss_sum += float(loss.detach()) * idx.numel()
                seen += idx.numel()
                if should_stop is not None and should_stop():
                    cancelled = True
                    break
            model.eval()
            train_logits = predict_logits(model, Xtr[acc_idx])
            correct = int((train_logits.argmax(1) == ytr[acc_idx].cpu()).sum())
            rec_row = {"epoch": epoch, "train_loss": loss_sum / max(seen, 1),
                       "train_accuracy": correct / len(acc_idx)}
            if len(va_idx):
                logits = predict_logits(model, Xva)
                yv = torch.as_tensor(yva)
                rec_row["val_loss"] = float(torch.nn.functional.cross_entropy(logits, yv))
                rec_row["val_accuracy"] = float((logits.argmax(1) == yv).float().mean())
            else:
                rec_row["val_loss"], rec_row["val_accuracy"] = rec_row["train_loss"], rec_row["train_accuracy"]
            rec_row["seconds"] = time.perf_counter() - t0
            for c in cols:
                history[c].append(float(rec_row[c]))
            log.info("epoch %d: %s", epoch, rec_row)
            if on_epoch is not None:
                on_epoch(dict(rec_row))
            if rec_row["val_loss"] < best_loss - 1e-6 or best_state is None:
                best_loss, best_epoch, bad_epochs = rec_row["val_loss"], epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                bad_epochs += 1
            if progress is not None:
                progress(epoch / epochs, f"epoch {epoch}/{epochs}: loss {rec_row['train_loss']:.4f}, "
                                         f"val acc {rec_row['val_accuracy']:.3f}")
            if cancelled:
                break
            if patience is not None and len(va_idx) and bad_epochs >= patience:
                stopped_early = True
                break
    if val_fraction > 0 and best_state is not None:
        model.load_state_dict(best_state)
    else:
        best_epoch = int(history["epoch"][-1]) if history["epoch"] else 0
    model.eval()
    train_seconds = time.perf_counter() - t_start
    i_best = max(best_epoch - 1, 0)
    test_logits = predict_logits(model, dataset.X_test)
    metrics = {
        "train_accuracy": history["train_accuracy"][i_best] if history["epoch"] else float("nan"),
        "val_accuracy": history["val_accuracy"][i_best] if history["epoch"] else float("nan"),
        "test_accuracy": float((test_logits.argmax(1).numpy() == dataset.y_test).mean()),
        "train_seconds": train_seconds,
    }
    if hasattr(rec, "card_metrics"):  # recipe-specific test metrics (e.g. the backdoor's success rate)
        metrics.update(rec.card_metrics(model, dataset))
    if progress is not None:
        progress(1.0, f"done: test accuracy {metrics['test_accuracy']:.3f}")
    model.card = {
        **getattr(model, "card", {}),
        "dataset": dataset.spec,
        "dataset_name": dataset.name,
        "dataset_fingerprint": dataset.fingerprint(),
        "class_names": list(dataset.class_names),
        "fs": dataset.fs,
        "unit": dataset.unit,
        "recipe": _recipe_label(rec, recipe, hp),
        "recipe_hparams": _recipe_hparams(recipe, hp),
        "seed": seed,
        "training": {"epochs": epochs, "epochs_run": len(history["epoch"]), "best_epoch": best_epoch,
                     "lr": lr, "batch_size": batch_size, "val_fraction": val_fraction,
                     "patience": patience, "weight_decay": weight_decay, "optimizer": "adam",
                     "device": str(dev)},
        "metrics": metrics,
        **(rec.card_info(dataset) if hasattr(rec, "card_info") else {}),
    }
    return FitResult({c: np.asarray(v) for c, v in history.items()}, best_epoch, stopped_early, cancelled, metrics)
