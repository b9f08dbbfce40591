"""The training panel: settings, an estimate, then train -> save to the workspace -> select, with live curves.

One flow for every page that trains (Model, Augment):

* :func:`training_form` — what to train and for how long (recipe, architecture, epochs) with a live
  estimate of the time it takes on this machine (:func:`training_eta`), *Demo settings* / *Paper
  settings* buttons, then the rest (name, learning rate, weight decay, batch size, seed, the page's
  own fields) in one ``st.form`` whose number fields do not submit on Enter
  (``enter_to_submit=False``): only the button starts training. The cost fields stand outside the
  form so that the estimate follows them; pressing Enter there only reruns the page. Caps come from
  ``tsviz.training.CAPS`` (:mod:`tsviz.ui.caps`).
* :func:`train_and_save` — builds the model, trains it with :func:`tsviz.training.fit` as a long
  action (:func:`tsviz.ui.long_action.long_action`: a *Cancel training* button, a progress bar with
  the time left updated within epochs, a compute slot), with live training curves; saves it to the
  user's workspace through :func:`tsviz.ui.workspace.checkpoint_slot` (a taken name becomes
  ``name-2``), selects it in the sidebar and reports with a flash message; on failure shows the
  error and saves nothing.
* :func:`notice_cancelled` — on the next run: "Training …: cancelled; previous results kept." when
  the last run was stopped (a click on *Cancel training*, or on any other widget, stops the script).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
import torch

from tsviz import viz
from tsviz.ui import long_action as la
from tsviz.ui import state, workspace
from tsviz.ui.caps import cap
from tsviz.ui.errors import flash, show_error
from tsviz.ui.progress import format_seconds
from tsviz.ui.run_record_core import recorded

__all__ = ["TrainSettings", "architectures_for", "training_form", "train_and_save", "notice_cancelled",
           "training_cost", "training_eta", "seconds_per_series", "Preset", "MODEL_PRESETS"]

#: Series per probe batch of :func:`seconds_per_series`.
PROBE_BATCH = 16
#: Seconds between two progress updates within an epoch (each one is also where a Cancel lands).
UPDATE_EVERY_S = 0.5


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


@dataclass(frozen=True)
class Preset:
    """Settings one button puts in the training form: ``label`` names the button, ``help`` says
    where the values come from (and, for the demo, why they differ from the paper's)."""

    label: str
    help: str
    arch: str
    epochs: int
    lr: float
    batch_size: int
    weight_decay: float = 0.0


#: The Model page's presets: a live demo (a small CNN for ECG beats, ~10 s) and the paper's.
MODEL_PRESETS = (
    Preset("Demo settings", "Kachuee et al.'s small CNN for ECG beats (2018), 10 epochs: about ten seconds on a "
           "laptop CPU, for a live demo; it reaches about 99 % on the synthetic ECG beats.",
           arch="kachuee", epochs=10, lr=1e-3, batch_size=64),
    Preset("Paper settings", "ResNet as in Fawaz et al. (2019), Adam at 1e-3, batch 64, their 1,500 epochs capped at "
           "the library's epoch cap (early stopping on the validation loss usually ends it much sooner).",
           arch="resnet", epochs=1500, lr=1e-3, batch_size=64),
)


def architectures_for(ds) -> list[str]:
    """Architectures that accept series of the dataset's length."""
    from tsviz.models import ARCHITECTURES
    from tsviz.models.networks import backbone_class

    return [a for a in ARCHITECTURES if getattr(backbone_class(a), "min_length", lambda **_: 1)() <= ds.length]


# ----------------------------------------------------------------------------- estimate
@st.cache_resource(show_spinner=False, max_entries=32)
def _probe(arch: str, channels: int, length: int, n_classes: int, device: str, threads: int) -> tuple[float, float]:
    from tsviz.models import build

    model = build(arch, channels, n_classes, length, seed=0).to(device)
    x = torch.randn(PROBE_BATCH, channels, length, generator=torch.Generator().manual_seed(0)).to(device)
    y = torch.arange(PROBE_BATCH, device=device) % n_classes
    step = fwd = float("inf")
    for i in range(3):  # the first pass of each kind is a warm-up
        model.train()
        t0 = time.perf_counter()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        t1 = time.perf_counter()
        model.eval()
        with torch.no_grad():
            model(x)
        t2 = time.perf_counter()
        if i:
            step, fwd = min(step, t1 - t0), min(fwd, t2 - t1)
    return step / PROBE_BATCH, fwd / PROBE_BATCH


def seconds_per_series(arch: str, ds, device: str = "cpu") -> tuple[float, float]:
    """Seconds of one series through a fresh ``arch`` for ``ds`` on this machine: a training pass
    (forward + backward) and a forward pass, measured once per shape, device and thread setting."""
    from tsviz.ui.compute import torch_threads

    return _probe(arch, int(ds.n_channels), int(ds.length), int(ds.n_classes), device, torch_threads())


def training_cost(ds, epochs: int, passes: int, *, val_fraction: float = 0.1) -> dict[str, int]:
    """Model evaluations of :func:`tsviz.training.fit`: ``train`` = epochs x training series x the
    recipe's passes (:func:`tsviz.training.fit`'s cost factors), ``forward`` = the per-epoch
    accuracy (at most 1,000 training series) and validation passes plus the final test pass."""
    n = len(ds.y_train)
    n_fit = int(round(n * (1 - val_fraction)))
    return {"train": int(epochs) * n_fit * int(passes), "n_fit": n_fit,
            "forward": int(epochs) * (min(n_fit, 1000) + n - n_fit) + len(ds.y_test)}


def recipe_passes(recipe: str, hp: dict[str, Any] | None, n_classes: int) -> int:
    """The recipe's model passes per series and step (``passes_per_series``; 1 when it has none or
    its settings are not valid yet)."""
    from tsviz.training import get_recipe

    for kwargs in (hp or {}, {}):
        try:
            rec = get_recipe(recipe, **kwargs)
            fn = getattr(rec, "passes_per_series", None)
            return int(fn(n_classes)) if callable(fn) else 1
        except Exception:  # noqa: BLE001 - an estimate never fails the page
            continue
    return 1


def training_eta(ds, arch: str, epochs: int, *, recipe: str = "standard", hp: dict[str, Any] | None = None,
                 device: str = "cpu") -> tuple[float, str] | None:
    """``(seconds, caption)`` of training ``arch`` on ``ds`` for ``epochs`` epochs with ``recipe``:
    the cost in model evaluations (:func:`training_cost`) times the measured seconds per series
    (:func:`seconds_per_series`); ``None`` when it cannot be measured."""
    try:
        step, fwd = seconds_per_series(arch, ds, device)
    except Exception:  # noqa: BLE001 - an estimate never fails the page
        return None
    passes = recipe_passes(recipe, hp, ds.n_classes)
    cost = training_cost(ds, epochs, passes)
    seconds = cost["train"] * step + cost["forward"] * fwd
    text = (f"About {format_seconds(seconds)} on this machine for {epochs} epochs at most (early stopping can end it "
            f"sooner): {cost['train'] + cost['forward']:,} model evaluations ({epochs} epochs × {cost['n_fit']:,} "
            f"training series × {passes} pass{'es' if passes > 1 else ''}, plus validation and test).")
    return seconds, text


# ----------------------------------------------------------------------------- form
def _apply_preset(key: str, preset: Preset, archs: list[str], max_epochs: int, max_batch: int) -> None:
    ss = st.session_state
    if preset.arch in archs:
        ss[f"{key}_arch"] = preset.arch
    ss[f"{key}_epochs"] = min(preset.epochs, max_epochs)
    ss[f"{key}_lr"] = preset.lr
    ss[f"{key}_batch"] = min(preset.batch_size, max_batch)
    ss[f"{key}_wd"] = preset.weight_decay


def training_form(ds, *, key: str, default_arch: str = "kachuee", epochs: int = 10, lr: float = 1e-3,
                  weight_decay: float = 0.0, batch_size: int = 64, name: str | None = None,
                  recipes: dict[str, str] | None = None, extra: Callable[[], dict[str, Any]] | None = None,
                  submit: str = "Train", presets: tuple[Preset, ...] = MODEL_PRESETS, device: str = "cpu",
                  eta_hp: Callable[[str], dict[str, Any]] | None = None, estimate: bool = True) -> TrainSettings | None:
    """Draw the training settings; the settings when the button was pressed, else ``None``.

    Parameters
    ----------
    ds : Dataset
        The data to train on (architectures are filtered by its length).
    key : str
        Prefix of the widget keys (``<key>_recipe``, ``<key>_arch``, ``<key>_epochs``, ``<key>_name``,
        ``<key>_lr``, ``<key>_wd``, ``<key>_batch``, ``<key>_seed``, the button ``<key>_go``, the form
        ``<key>_form``, the presets ``<key>_preset_<i>``).
    default_arch, epochs, lr, weight_decay, batch_size, name
        Defaults shown (the demo's: they should train in well under 30 s on 2 cores).
    recipes : dict, optional
        Recipe name -> label for a recipe selector (none: the standard recipe).
    extra : callable, optional
        Draws more fields inside the form and returns their values (``TrainSettings.extra``).
    submit : str
        The button's label.
    presets : tuple of Preset
        Buttons that set the form to named settings (the demo's and the paper's), each with its
        estimated time.
    device : str
        Where training will run (for the estimate).
    eta_hp : callable, optional
        ``recipe -> hyperparameters`` for the estimate (the recipe's passes per series).
    estimate : bool
        Measure and show the estimates (``False`` in a tab that is not shown: the widgets are drawn,
        so they keep their values, without the probes).
    """
    from tsviz.models import ARCHITECTURES

    archs = architectures_for(ds)
    max_epochs, max_batch = cap("train_epochs"), cap("train_batch_size")
    c = st.columns(3 if recipes else 2)
    recipe = "standard"
    if recipes:
        recipe = c[0].selectbox("Recipe", list(recipes), format_func=recipes.get, key=f"{key}_recipe")
    arch = c[-2].selectbox("Architecture", archs, index=archs.index(default_arch) if default_arch in archs else 0,
                           format_func=lambda k: f"{k} — {ARCHITECTURES[k]}", key=f"{key}_arch")
    n_epochs = c[-1].number_input("Epochs", 1, max_epochs, min(epochs, max_epochs), key=f"{key}_epochs",
                                  help=f"At most {max_epochs}; training stops early when the validation loss stops "
                                       "improving. The estimate below follows this field.")
    hp = eta_hp(recipe) if eta_hp is not None and estimate else {}
    eta = training_eta(ds, arch, int(n_epochs), recipe=recipe, hp=hp, device=device) if estimate else None
    if eta is not None:
        st.caption(eta[1])
    if presets:
        times = []
        with st.container(horizontal=True, vertical_alignment="center"):
            for i, p in enumerate(presets):
                p_eta = training_eta(ds, p.arch if p.arch in archs else arch, min(p.epochs, max_epochs),
                                     recipe=recipe, hp=hp, device=device) if estimate else None
                st.button(p.label, key=f"{key}_preset_{i}", on_click=_apply_preset,
                          args=(key, p, archs, max_epochs, max_batch), help=p.help)
                if p_eta is not None:
                    times.append(f"{p.label}: about {format_seconds(p_eta[0])} at most")
            if times:
                st.caption(" · ".join(times))
    with st.form(f"{key}_form", enter_to_submit=False):
        c = st.columns(5)
        chosen = c[0].text_input("Name", value=name or f"{ds.name}-model", max_chars=60, key=f"{key}_name")
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


# ----------------------------------------------------------------------------- training
def notice_cancelled(marker: str = state.TRAINING) -> None:
    """Say that a training run of this session was cancelled (its mark is still set); see
    :func:`tsviz.ui.long_action.notice_cancelled`."""
    la.notice_cancelled(marker)


class _WithinEpoch:
    """``should_stop`` for :func:`tsviz.training.fit`: polled after every batch, it moves the bar
    within the epoch at most every :data:`UPDATE_EVERY_S` (each update is a Streamlit call, where
    a Cancel click stops the run) and never asks fit to stop by itself."""

    def __init__(self, bar, epochs: int, batches: int, clock=time.perf_counter) -> None:
        self.bar, self.epochs, self.batches, self.clock = bar, max(1, epochs), max(1, batches), clock
        self.epoch, self.batch, self.last = 0, 0, clock()

    def next_epoch(self) -> None:
        self.epoch, self.batch = self.epoch + 1, 0

    def __call__(self) -> bool:
        self.batch += 1
        now = self.clock()
        if now - self.last >= UPDATE_EVERY_S:
            self.last = now
            done = (self.epoch + min(self.batch, self.batches) / self.batches) / self.epochs
            self.bar(min(done, 0.999), f"epoch {self.epoch + 1}/{self.epochs}: batch {self.batch}/{self.batches}")
        return False


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
        The long action's name (its Cancel button is ``<marker>_cancel``; see
        :func:`notice_cancelled`).
    what : str
        Extra words for the success message (the recipe's label).
    select : bool
        Make the new model the sidebar's selection (``state.MODEL_PATH``).
    note : str
        A sentence appended to the success message.

    Notes
    -----
    On success a flash message names the new model (and the name it got if the requested one was
    taken); the caller reruns the page (``st.rerun``) to show it. A cancelled run (the script is
    stopped inside :func:`tsviz.training.fit`) saves nothing and selects nothing.
    """
    from tsviz.models import build, save
    from tsviz.training import fit

    clean = workspace.safe_name(settings.name, default="")
    if not clean:
        st.error("Name: use letters, digits, '.', '_' or '-'.")
        return None
    ss = st.session_state
    rows: dict[str, list] = {}
    try:
        with recorded("training", what="training.fit", key=(settings, hp, ds.spec)) as rec, \
                la.long_action(marker, f"Training {clean} ({settings.arch}, up to {settings.epochs} epochs)…",
                               cancel_label="Cancel training") as bar:
            chart = st.empty()
            n_fit = training_cost(ds, settings.epochs, 1)["n_fit"]
            within = _WithinEpoch(bar, settings.epochs, -(-n_fit // settings.batch_size))

            def on_epoch(row: dict[str, float]) -> None:
                within.next_epoch()
                for k, v in row.items():
                    rows.setdefault(k, []).append(v)
                chart.plotly_chart(viz.training_curves_figure(rows), key=f"{marker}-live-{len(rows['epoch'])}")

            model = build(settings.arch, ds.n_channels, ds.n_classes, ds.length, seed=settings.seed)
            result = fit(model, ds, recipe=settings.recipe, epochs=settings.epochs, lr=settings.lr,
                         weight_decay=settings.weight_decay, batch_size=settings.batch_size, seed=settings.seed,
                         progress=bar, on_epoch=on_epoch, should_stop=within, device=device, **(hp or {}))
            with workspace.checkpoint_slot(state.user_model_dir(), clean) as slot:  # a taken name -> name-2
                save(model.to("cpu"), slot.staging,
                     {"name": slot.name, "history": {k: v.tolist() for k, v in result.history.items()}})
            chart.empty()
            rec.update(model=str(slot.final))
            rec.result(result, extra={"path": str(slot.final), "name": slot.name})
    except Exception as exc:  # noqa: BLE001 - shown to the user; nothing was published
        show_error(exc, "Training failed")
        return None
    if select:
        ss[state.MODEL_PATH] = str(slot.final)
    if slot.renamed:
        flash("info", f"You already have a model named {clean}; this one is saved as **{slot.name}**.")
    flash("success", f"Trained{' and selected' if select else ''} **{slot.name}**{f' ({what})' if what else ''}: "
                     f"test accuracy {result.metrics['test_accuracy']:.1%} after {len(result.history['epoch'])} "
                     f"epochs ({result.metrics['train_seconds']:.0f} s).{f' {note}' if note else ''}")
    return slot
