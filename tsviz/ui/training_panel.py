"""The training panel: a form, then train -> save to the workspace -> select, with live curves.

One flow for every page that trains (Model, Augment):

* :func:`training_form` — architecture, recipe (optional), epochs, learning rate, weight decay,
  batch size, seed and name in one ``st.form`` whose number fields do not submit on Enter
  (``enter_to_submit=False``): only the button starts training. Caps come from
  ``tsviz.training.CAPS`` (:mod:`tsviz.ui.caps`).
* :func:`train_and_save` — builds the model, trains it with :func:`tsviz.training.fit` (progress
  bar, live training curves, a cancel button), saves it to the user's workspace through
  :func:`tsviz.ui.workspace.checkpoint_slot` (a taken name becomes ``name-2``), selects it in the
  sidebar and reports with a flash message; on failure shows the error and saves nothing.
* :func:`notice_cancelled` — at the top of the page: says that the previous run was cancelled
  (a click on *Cancel training*, or any other widget, stops the running script).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from tsviz import viz
from tsviz.ui import state, workspace
from tsviz.ui.caps import cap
from tsviz.ui.errors import flash, show_error
from tsviz.ui.progress import ProgressBar

__all__ = ["TrainSettings", "architectures_for", "training_form", "train_and_save", "notice_cancelled"]


@dataclass(frozen=True)
class TrainSettings:
    """What the form collected (``extra``: the page's own fields, e.g. recipe settings)."""

    arch: str
    epochs: int
    lr: float
    batch_size: int
    seed: int
    name: str
    weight_decay: float = 0.0
    recipe: str = "standard"
    extra: dict[str, Any] = field(default_factory=dict)


def architectures_for(ds) -> list[str]:
    """Architectures that accept series of the dataset's length."""
    from tsviz.models import ARCHITECTURES
    from tsviz.models.networks import backbone_class

    return [a for a in ARCHITECTURES if getattr(backbone_class(a), "min_length", lambda **_: 1)() <= ds.length]


def training_form(ds, *, key: str, default_arch: str = "fcn", epochs: int = 5, lr: float = 1e-3,
                  weight_decay: float = 0.0, batch_size: int = 64, name: str | None = None,
                  recipes: dict[str, str] | None = None, extra=None, submit: str = "Train") -> TrainSettings | None:
    """Draw the training form; the settings when its button was pressed, else ``None``.

    Parameters
    ----------
    ds : Dataset
        The data to train on (architectures are filtered by its length).
    key : str
        Prefix of the widget keys (``<key>_arch``, ``<key>_epochs``, ..., ``<key>_go``).
    default_arch, epochs, lr, weight_decay, batch_size, name
        Defaults shown.
    recipes : dict, optional
        Recipe name -> label for a recipe selector (none: the standard recipe).
    extra : callable, optional
        Draws more fields inside the form and returns their values (``TrainSettings.extra``).
    submit : str
        The button's label.
    """
    from tsviz.models import ARCHITECTURES

    archs = architectures_for(ds)
    max_epochs, max_batch = cap("train_epochs"), cap("train_batch_size")
    with st.form(f"{key}_form", enter_to_submit=False):
        c = st.columns(3)
        recipe = "standard"
        if recipes:
            recipe = c[0].selectbox("Recipe", list(recipes), format_func=recipes.get, key=f"{key}_recipe")
        arch = c[1 if recipes else 0].selectbox(
            "Architecture", archs, index=archs.index(default_arch) if default_arch in archs else 0,
            format_func=lambda k: f"{k} — {ARCHITECTURES[k]}", key=f"{key}_arch")
        chosen = c[2 if recipes else 1].text_input("Name", value=name or f"{ds.name}-model", max_chars=60,
                                                   key=f"{key}_name")
        c = st.columns(5)
        n_epochs = c[0].number_input("Epochs", 1, max_epochs, min(epochs, max_epochs), key=f"{key}_epochs",
                                     help=f"At most {max_epochs}; training stops early when the validation "
                                          "loss stops improving")
        rate = c[1].number_input("Learning rate", 1e-6, 1.0, lr, format="%.5f", key=f"{key}_lr")
        decay = c[2].number_input("Weight decay", 0.0, 1.0, weight_decay, format="%.4f", key=f"{key}_wd")
        batch = c[3].number_input("Batch size", 1, max_batch, min(batch_size, max_batch), key=f"{key}_batch",
                                  help=f"At most {max_batch}")
        seed = c[4].number_input("Seed", 0, 2**31 - 1, 0, key=f"{key}_seed")
        values = extra() if extra is not None else {}
        go = st.form_submit_button(submit, type="primary", key=f"{key}_go")
    if not go:
        return None
    return TrainSettings(arch, int(n_epochs), float(rate), int(batch), int(seed), str(chosen), float(decay),
                         recipe, dict(values))


def notice_cancelled(marker: str = state.TRAINING) -> None:
    """Say that a training run of this session was cancelled (it left ``marker`` set)."""
    run = st.session_state.pop(marker, None)
    if run:
        st.warning(f"Training of {run['name']} was cancelled after {time.time() - run['started']:.0f} s; "
                   "nothing was saved.")


def train_and_save(ds, settings: TrainSettings, *, device: str, hp: dict[str, Any] | None = None,
                   marker: str = state.TRAINING, what: str = "", select: bool = True,
                   note: str = "") -> workspace.CheckpointSlot | None:
    """Train, save to the workspace, select; return the checkpoint slot (``None`` after an error).

    Parameters
    ----------
    ds : Dataset
    settings : TrainSettings
        From :func:`training_form`.
    device : str
        Where to train.
    hp : dict, optional
        Recipe hyperparameters for :func:`tsviz.training.fit`.
    marker : str
        ``session_state`` key marking a run in progress (see :func:`notice_cancelled`).
    what : str
        Extra words for the success message (the recipe's label).
    select : bool
        Make the new model the sidebar's selection (``state.MODEL_PATH``).
    note : str
        A sentence appended to the success message.

    Notes
    -----
    On success a flash message names the new model (and the name it got if the requested one was
    taken); the caller reruns the page (``st.rerun``) to show it.
    """
    from tsviz.models import build, save
    from tsviz.training import fit

    clean = workspace.safe_name(settings.name, default="")
    if not clean:
        st.error("Name: use letters, digits, '.', '_' or '-'.")
        return None
    ss = st.session_state
    ss[marker] = {"name": clean, "started": time.time()}
    st.button("Cancel training", key=f"{marker}_cancel", help="Stops after the current batch; nothing is saved.")
    bar = ProgressBar(f"Training {settings.arch} for up to {settings.epochs} epochs…")
    chart = st.empty()
    rows: dict[str, list] = {}

    def on_epoch(row: dict[str, float]) -> None:
        for k, v in row.items():
            rows.setdefault(k, []).append(v)
        chart.plotly_chart(viz.training_curves_figure(rows), key=f"{marker}-live-{len(rows['epoch'])}")

    try:
        model = build(settings.arch, ds.n_channels, ds.n_classes, ds.length, seed=settings.seed)
        result = fit(model, ds, recipe=settings.recipe, epochs=settings.epochs, lr=settings.lr,
                     weight_decay=settings.weight_decay, batch_size=settings.batch_size, seed=settings.seed,
                     progress=bar, on_epoch=on_epoch, device=device, **(hp or {}))
        with workspace.checkpoint_slot(state.user_model_dir(), clean) as slot:  # a taken name -> name-2
            save(model.to("cpu"), slot.staging,
                 {"name": slot.name, "history": {k: v.tolist() for k, v in result.history.items()}})
    except Exception as exc:  # noqa: BLE001 - shown to the user; nothing was published
        show_error(exc, "Training failed")
        return None
    finally:
        ss.pop(marker, None)
        bar.empty()
    if select:
        ss[state.MODEL_PATH] = str(slot.final)
    if slot.renamed:
        flash("info", f"You already have a model named {clean}; this one is saved as **{slot.name}**.")
    flash("success", f"Trained{' and selected' if select else ''} **{slot.name}**{f' ({what})' if what else ''}: "
                     f"test accuracy {result.metrics['test_accuracy']:.1%} after {len(result.history['epoch'])} "
                     f"epochs ({result.metrics['train_seconds']:.0f} s).{f' {note}' if note else ''}")
    return slot
