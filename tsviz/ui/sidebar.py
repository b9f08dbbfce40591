"""The shared sidebar: dataset, model and device pickers, the same on every page.

The selection lives in ``st.session_state`` under the keys of :mod:`tsviz.ui.state` and survives
page switches. A dataset or model that fails to load shows ``st.error`` and the previous selection
stays in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from tsviz.ui import state, workspace
from tsviz.ui.cache import get_dataset, get_model, model_choices, store_uploads
from tsviz.ui.errors import show_error

BUILTINS = {
    "synthetic-ecg": "Synthetic ECG beats (ECGSYN, 5 AAMI classes, mV)",
    "cbf": "Cylinder-Bell-Funnel (3 classes)",
    "synthetic-control": "Synthetic control charts (6 classes)",
}
FOLDER_KINDS = {"ucr": "UCR archive folder", "wfdb": "WFDB records (MIT-BIH)", "mitbih-csv": "Kaggle MIT-BIH CSVs",
                "csv": "CSV file", "npz": "NPZ file"}


@dataclass
class Selection:
    """What the sidebar selected: the dataset, the model (or ``None``) and the device."""

    dataset: Any
    dataset_spec: str
    model: Any
    model_path: str | None
    model_card: dict[str, Any] | None
    device: str


def init_state() -> None:
    ss = st.session_state
    ss.setdefault(state.DATASET_SPEC, state.DEFAULT_DATASET)
    ss.setdefault(state.DATASET_LABEL, BUILTINS[state.DEFAULT_DATASET])
    ss.setdefault(state.MODEL_PATH, None)
    ss.setdefault(state.DEVICE, "cpu")


def _try_dataset(spec: str, label: str) -> bool:
    """Load ``spec``; on success make it the selection, on failure show why and keep the old one."""
    try:
        get_dataset(spec)
    except Exception as exc:  # noqa: BLE001 - shown to the user, selection unchanged
        show_error(exc, f"Could not load dataset {label!r}; keeping {st.session_state[state.DATASET_LABEL]!r}",
                   reading=True)
        return False
    st.session_state[state.DATASET_SPEC] = spec
    st.session_state[state.DATASET_LABEL] = label
    return True


SOURCES = ("Built-in", "Path", "Upload")


def source_of(spec: str) -> str:
    """Where a dataset spec came from: ``"Built-in"``, ``"Upload"`` (a file in the workspace's
    ``uploads/``) or ``"Path"`` (any other file on the server)."""
    if spec in BUILTINS:
        return "Built-in"
    _, _, path = spec.partition(":")
    try:
        uploads = workspace.current().uploads.resolve()
        if path and Path(path).resolve().is_relative_to(uploads):
            return "Upload"
    except Exception:  # noqa: BLE001 - no workspace: it is not an upload of this session
        pass
    return "Path"


def _on_source_pick() -> None:
    ss = st.session_state
    ss[state.DATASET_SOURCE] = (ss[state.DATASET_SPEC], ss["sb_ds_source"])


def _dataset_section() -> None:
    ss = st.session_state
    st.subheader("Dataset")
    # The canonical source follows the loaded dataset (or the user's pick for it) and drives the
    # widget, so that a page switch, which forgets widget state, keeps it (issue 18, defect 3).
    spec = ss[state.DATASET_SPEC]
    picked = ss.get(state.DATASET_SOURCE)
    if not (isinstance(picked, tuple) and len(picked) == 2 and picked[0] == spec and picked[1] in SOURCES):
        ss[state.DATASET_SOURCE] = picked = (spec, source_of(spec))
    ss["sb_ds_source"] = picked[1]
    source = st.radio("Source", list(SOURCES), horizontal=True, key="sb_ds_source", on_change=_on_source_pick,
                      help="Built-in generators work offline; Path reads a folder/file on the server, inside "
                           "the folders its operator allows; Upload sends files from your computer.")
    if source == "Built-in":
        names = list(BUILTINS)
        current = ss[state.DATASET_SPEC]
        choice = st.selectbox("Generator", names, index=names.index(current) if current in names else 0,
                              format_func=lambda s: BUILTINS[s], key="sb_ds_builtin")
        if choice != current:
            _try_dataset(choice, BUILTINS[choice])
    elif source == "Path":
        _path_source()
    else:
        files = st.file_uploader("CSV, NPZ or UCR TRAIN+TEST files", type=["csv", "npz", "tsv", "txt", "ts", "arff"],
                                 accept_multiple_files=True, key="sb_ds_upload",
                                 max_upload_size=state.MAX_UPLOAD_MB,
                                 help=f"Up to {state.MAX_UPLOAD_MB} MB. CSV: one series per row, label in the "
                                      f"last column. NPZ: X_train, y_train, X_test, y_test (or X, y).")
        if st.button("Load upload", key="sb_ds_upload_load", disabled=not files):
            try:
                spec = store_uploads(list(files), max_mb=state.MAX_UPLOAD_MB)
            except Exception as exc:  # noqa: BLE001
                show_error(exc, "Upload rejected; keeping the current dataset", reading=True)
            else:
                _try_dataset(spec, ", ".join(f.name for f in files))
    st.caption(f"Loaded: **{ss[state.DATASET_LABEL]}**")


def _path_source() -> None:
    """Server paths, only inside the allowed roots (:func:`tsviz.ui.workspace.data_roots`)."""
    ws = workspace.current()
    roots = workspace.data_roots(ws.root)
    if not roots:
        st.info("Reading files on the server is turned off here (TSVIZ_DATA_ROOTS is empty); use "
                "**Built-in** or **Upload**.")
        return
    shown = ["your workspace" if r == ws.root.resolve() else str(r) for r in roots]
    kind = st.selectbox("Format", list(FOLDER_KINDS), format_func=FOLDER_KINDS.get, key="sb_ds_kind")
    path = st.text_input("Folder or file", key="sb_ds_path", placeholder="a folder or file in an allowed folder",
                         help="Allowed: " + "; ".join(shown) + ". A relative path starts in the first of them. "
                              "UCR: the dataset folder; WFDB: a folder of records or one record path without "
                              "extension; Kaggle: the folder with mitbih_train/test.csv")
    if st.button("Load", key="sb_ds_load", disabled=not path.strip()):
        try:
            resolved = workspace.resolve_allowed(path, roots)
        except workspace.PathNotAllowed as exc:
            st.error(f"Could not load that path: {exc}")
            return
        _try_dataset(f"{kind}:{resolved}", f"{resolved.name} ({kind})")


def _model_section(ds) -> None:
    ss = st.session_state
    st.subheader("Model")
    choices = model_choices(ds)
    paths = [c["path"] for c in choices]
    current = ss.get(state.MODEL_PATH)
    if current not in paths:
        # The dataset changed or the model vanished: fall back to the best compatible model.
        ss[state.MODEL_PATH] = current = paths[0] if paths else None
    requested = ss.pop("sb_model_requested", None)
    if requested is not None and requested != current and requested in paths:
        try:
            get_model(requested, ss[state.DEVICE])
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Could not load that model; keeping the previous one", reading=True)
        else:
            ss[state.MODEL_PATH] = current = requested
    if not choices:
        st.info("No model fits this dataset yet: train one on the **Model** page.")
    else:
        labels = {c["path"]: c["label"] for c in choices}
        # The canonical selection drives the widget (it may have been set by training or an upload);
        # a user's pick comes back through on_change and is loaded on the next run.
        ss["sb_model"] = current
        st.selectbox("Checkpoint", paths, format_func=labels.get, key="sb_model", on_change=_on_model_pick)
    with st.expander("Upload a checkpoint"):
        files = st.file_uploader("model.safetensors + model.json", type=["safetensors", "json"],
                                 accept_multiple_files=True, key="sb_model_upload", max_upload_size=state.MAX_UPLOAD_MB)
        replace = st.checkbox("Replace my model of the same name", False, key="sb_model_replace",
                              help="Otherwise a checkpoint whose name you already use is saved as name-2, name-3, …")
        if st.button("Add model", key="sb_model_add", disabled=not files):
            _add_uploaded_model(list(files), ds, replace=replace)


def _on_model_pick() -> None:
    st.session_state["sb_model_requested"] = st.session_state["sb_model"]


def _add_uploaded_model(files: list[Any], ds, *, replace: bool = False) -> None:
    """Check an uploaded checkpoint in a staging folder, then publish it to the workspace's
    ``models/uploaded/`` under a free name (or over the same name when ``replace``)."""
    from tsviz.models import load as load_model
    from tsviz.ui.cache import compatible

    names = {Path(f.name).suffix.lower(): f for f in files}
    if set(names) != {".safetensors", ".json"} or len(files) != 2:
        st.error("Upload exactly one .safetensors file and its .json card together.")
        return
    wanted = workspace.safe_name(Path(names[".safetensors"].name).stem)
    folder = state.user_model_dir() / "uploaded"
    try:
        with workspace.checkpoint_slot(folder, wanted, replace=replace) as slot:
            for suffix in (".safetensors", ".json"):
                workspace.atomic_write_bytes(slot.staging.with_name(slot.name + suffix), names[suffix].getvalue())
            model = load_model(slot.staging)  # validated before anything is published
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Checkpoint rejected", reading=True)
        return
    saved = f"{slot.name} (you already have a model named {wanted})" if slot.renamed else slot.name
    if not compatible(model.card, ds):
        st.warning(f"Saved {saved}, but it expects input {model.card['hparams']} and does not fit the "
                   f"current dataset; it will be offered for datasets it fits.")
    else:
        st.session_state[state.MODEL_PATH] = str(slot.final)
        st.success(f"Added and selected {saved}.")


def _device_section() -> None:
    from tsviz.device import available_devices

    devices = available_devices()
    current = st.session_state[state.DEVICE]
    if current not in devices:
        current = devices[-1]
    st.session_state[state.DEVICE] = st.selectbox(
        "Device", devices, index=devices.index(current), key="sb_device",
        help="CUDA when PyTorch sees a GPU, otherwise CPU.")


def _login_gate() -> None:
    """When the operator configured Streamlit's login (``[auth]`` in ``.streamlit/secrets.toml``),
    ask for it before anything else and show who is signed in; without ``[auth]``, do nothing."""
    try:
        user = st.user
        configured = "is_logged_in" in user
        logged_in = user.get("is_logged_in") is True
    except Exception:  # noqa: BLE001 - no script context: nothing to gate
        return
    if not configured:
        return
    if logged_in:
        with st.sidebar:
            st.caption(f"Signed in as **{user.get('email') or user.get('name') or 'you'}** · your own workspace")
            st.button("Log out", key="sb_logout", on_click=st.logout)
        return
    st.title("tsviz")
    st.write("This server asks you to log in. Your models and uploads are kept in your own workspace, "
             "visible to nobody else.")
    st.button("Log in", key="sb_login", type="primary", on_click=st.login)
    st.stop()


def render_sidebar() -> Selection:
    """Draw the shared sidebar and return the current selection (always a loadable dataset)."""
    _login_gate()
    try:
        workspace.current()
    except Exception as exc:  # noqa: BLE001 - a misconfigured TSVIZ_HOME: say so, run nothing
        show_error(exc, "This server cannot store your work")
        st.stop()
    init_state()
    ss = st.session_state
    with st.sidebar:
        _dataset_section()
        try:
            ds = get_dataset(ss[state.DATASET_SPEC])
        except Exception as exc:  # noqa: BLE001 - e.g. a file removed since; go back to the default
            show_error(exc, "The selected dataset can no longer be loaded; back to the default", reading=True)
            ss[state.DATASET_SPEC], ss[state.DATASET_LABEL] = state.DEFAULT_DATASET, BUILTINS[state.DEFAULT_DATASET]
            ds = get_dataset(state.DEFAULT_DATASET)
        _model_section(ds)
        _device_section()
        model = card = None
        if ss[state.MODEL_PATH]:
            try:
                model = get_model(ss[state.MODEL_PATH], ss[state.DEVICE])
                card = model.card
            except Exception as exc:  # noqa: BLE001
                show_error(exc, "Could not load the selected model", reading=True)
                ss[state.MODEL_PATH] = None
    return Selection(ds, ss[state.DATASET_SPEC], model, ss[state.MODEL_PATH], card, ss[state.DEVICE])
