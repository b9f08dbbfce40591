"""Checks and sidebar moves of :func:`tsviz.ui.run_record.restore`: is the run's data still there and
unchanged, are its checkpoints still there (and selectable by this session), and select them."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tsviz.core.errors import TsvizError

__all__ = ["RestoreError", "check_dataset", "check_models", "select_dataset", "select_model", "set_widget"]


class RestoreError(TsvizError):
    """A stored run cannot be opened in its page; the message names what is missing."""


def set_widget(ss: Any, key: str, value: Any) -> None:
    """``ss[key] = value``; when the widget ``key`` was already drawn in this run (Streamlit refuses the
    write), its state is dropped instead, so the next run draws it from the values the page follows."""
    try:
        ss[key] = value
    except Exception:  # noqa: BLE001 - StreamlitAPIException: the widget was instantiated in this run
        try:
            del ss[key]
        except KeyError:
            pass


def check_dataset(record: Any) -> Any:
    """The run's dataset, loaded (from the dataset cache); :class:`RestoreError` when it cannot be
    loaded any more or its data changed since the run (another fingerprint)."""
    from tsviz.ui.cache import get_dataset
    from tsviz.ui.run_record_core import dataset_info

    short = str(record.id)[:8]
    spec = (record.dataset or {}).get("spec")
    if not spec:
        raise RestoreError(f"run {short} names no dataset")
    try:
        ds = get_dataset(spec)
    except Exception as exc:  # noqa: BLE001 - named in the message
        reason = str(exc) if isinstance(exc, TsvizError) else type(exc).__name__
        raise RestoreError(f"the dataset {spec} of run {short} cannot be loaded any more: {reason}") from None
    was = (record.dataset or {}).get("fingerprint")
    now = dataset_info(spec).get("fingerprint")
    if was and now and was != now:
        raise RestoreError(f"the dataset {spec} changed since run {short} (fingerprint {now}, the run used {was}); "
                           "its series would not be the ones the run used")
    return ds


def check_models(paths: Sequence[str], ds: Any, *, selectable: Sequence[str] = (), run: str = "") -> None:
    """Every checkpoint in ``paths`` still exists; those in ``selectable`` are also offered by the
    sidebar for ``ds`` to this session (zoo, or this workspace's models). Else :class:`RestoreError`."""
    from tsviz.models.checkpoint import checkpoint_paths
    from tsviz.ui.cache import model_choices

    for p in dict.fromkeys(str(p) for p in paths if p):
        weights, card = checkpoint_paths(p)
        if not (Path(weights).is_file() and Path(card).is_file()):
            raise RestoreError(f"the checkpoint {Path(p).name} of run {run} is gone ({weights} is missing)")
    if selectable:
        offered = {c["path"] for c in model_choices(ds)}
        for p in selectable:
            if str(p) not in offered:
                raise RestoreError(f"the model {Path(p).name} of run {run} is not available in this session (it was "
                                   "trained in another workspace, or does not fit the dataset)")


def select_dataset(ss: Any, spec: str, ds: Any) -> None:
    """Make ``spec`` the sidebar's dataset, as a lesson step does (:func:`tsviz.ui.lessons.step_state`)."""
    from tsviz.ui import state
    from tsviz.ui.sidebar import BUILTINS, source_of

    ss[state.DATASET_SPEC] = spec
    ss[state.DATASET_LABEL] = BUILTINS.get(spec) or f"{ds.name} ({spec.partition(':')[0]})"
    ss[state.DATASET_SOURCE] = (spec, source_of(spec))
    if spec in BUILTINS:
        set_widget(ss, "sb_ds_builtin", spec)
    elif "sb_ds_builtin" in ss:
        del ss["sb_ds_builtin"]


def select_model(ss: Any, path: str) -> None:
    """Make the checkpoint ``path`` the sidebar's model."""
    from tsviz.ui import state

    ss[state.MODEL_PATH] = str(path)
    ss.pop("sb_model_requested", None)
