"""Review page computations, cached per session and keyed by what they depend on.

A :class:`ReviewRequest` (hashable, small) names the series under review and where they come
from: the Attack page's last run (its :class:`~tsviz.ui.attack_run.AttackRequest`, a cache hit of
:func:`tsviz.ui.attack_run.attack_run`), the adversarial examples the Attack page sent (a digest of
the handoff in ``st.session_state``), a stored attack run (its id in the run store) or an uploaded
NPZ file (its content-addressed path in the workspace). The page keeps the request of each input
in ``st.session_state``; every rerun asks the cached functions below: the series
(:class:`tsviz.review.ReviewSet`), the perturbation report, the model's verdict and a beat in its
strip.

The run store (:mod:`tsviz.runs`) is imported only when a stored run is listed or opened. The
artifact read is ``"adversarial"`` with keys ``clean``, ``adversarial``, ``labels`` (optional
``indices``, ``clean_pred``, ``adv_pred``, ``clean_probs``, ``adv_probs``), as written in the
"ARTIFACT CONVENTIONS" of the run store's notes.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from tsviz.review.caps import MAX_NPZ_MB
from tsviz.ui import state
from tsviz.ui.cache import get_dataset, get_model, model_key

__all__ = ["ReviewRequest", "SOURCES", "ATTACK_SOURCE", "RUN_SOURCE", "UPLOAD_SOURCE", "REVIEW_RUN",
           "REVIEW_UPLOAD", "ARTIFACT", "attack_request", "sent_request", "run_request", "upload_request",
           "review_set", "report", "verdict", "context", "context_reason", "list_attack_runs", "MAX_UPLOAD_MB"]

ATTACK_SOURCE = "Attack page"
RUN_SOURCE = "Stored run"
UPLOAD_SOURCE = "Upload NPZ"
SOURCES = (ATTACK_SOURCE, RUN_SOURCE, UPLOAD_SOURCE)
#: session_state keys of the stored-run and upload inputs (their last good request).
REVIEW_RUN = "tsviz_review_run"
REVIEW_UPLOAD = "tsviz_review_upload"
#: The run store's artifact of an attack run that the Review page reads.
ARTIFACT = "adversarial"
#: Largest uploaded review file (MiB): the review family's cap (tsviz.review.CAPS["review_npz_mb"]).
MAX_UPLOAD_MB = MAX_NPZ_MB
MAX_ENTRIES = 16


@dataclass(frozen=True)
class ReviewRequest:
    """The series under review: ``kind`` ("attack", "sent", "run", "upload") and its reference
    (an AttackRequest, a handoff digest, a run id or an upload path), the checkpoint used for the
    model's verdict, the device, and for uploads the selected dataset's ``fs``/``unit``/class
    names used when the file has none."""

    kind: str
    ref: Any
    model: str | None = None
    device: str = "cpu"
    digest: str = ""
    name: str = ""
    fallback: tuple[Any, ...] = ()


# ----------------------------------------------------------------------------- requests
def attack_request(sel) -> ReviewRequest | None:
    """The Attack page's last run of this session, when it is for the selected dataset and model."""
    req = st.session_state.get(state.ATTACK_RESULT)
    if req is None or not req.current(sel):
        return None
    return ReviewRequest("attack", req, model=req.model, device=req.device)


def sent_request(sel) -> ReviewRequest | None:
    """The adversarial examples sent from the Attack page (its *Send* button), when present."""
    from tsviz.ui.explain_run import adversarial_digest

    adv = st.session_state.get(state.ADVERSARIAL)
    if not adv:
        return None
    return ReviewRequest("sent", None, model=adv.get("model_path"), device=sel.device,
                         digest=adversarial_digest(adv) or "")


def run_request(run_id: str, sel) -> ReviewRequest:
    """A stored attack run, checked by reading it (raises when it cannot be reviewed)."""
    rs = review_set(ReviewRequest("run", str(run_id), device=sel.device))
    model = rs.model if rs.model and _checkpoint_exists(rs.model) else None
    return ReviewRequest("run", str(run_id), model=model, device=sel.device)


def upload_request(uploaded, sel) -> ReviewRequest:
    """An uploaded NPZ: written to the workspace (content-addressed), read and checked; raises
    :class:`tsviz.review.ReviewError` naming the key when it is not a review file."""
    from tsviz.review import ReviewError
    from tsviz.ui.workspace import atomic_write_bytes

    data = uploaded.getvalue()
    name = Path(str(uploaded.name).replace("\\", "/")).name or "upload.npz"
    if len(data) > MAX_UPLOAD_MB * 2**20:
        raise ReviewError(f"{name} is {len(data) / 2**20:.1f} MiB, over the {MAX_UPLOAD_MB:g} MiB cap of a review file")
    if not data:
        raise ReviewError(f"{name} is empty (0 bytes)")
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = state.upload_dir() / "review" / f"{digest}.npz"
    if not path.is_file():
        atomic_write_bytes(path, data)
    ds = sel.dataset
    fallback = (ds.fs, ds.unit, tuple(ds.class_names))
    req = ReviewRequest("upload", str(path), device=sel.device, digest=digest, name=name[:80], fallback=fallback)
    rs = review_set(req)
    fits = sel.model is not None and sel.model_card is not None and _fits(sel.model_card, rs)
    if fits:
        req = ReviewRequest("upload", str(path), model=str(sel.model_path), device=sel.device, digest=digest,
                            name=name[:80], fallback=fallback)
    return req


def _fits(card: dict[str, Any], rs) -> bool:
    hp = card.get("hparams", {})
    k = hp.get("n_classes")
    return (hp.get("in_channels"), hp.get("length")) == (rs.n_channels, rs.length) and \
        (rs.class_names is None or k == len(rs.class_names))


def _checkpoint_exists(stem: str) -> bool:
    from tsviz.models.checkpoint import checkpoint_paths

    try:
        weights, card = checkpoint_paths(stem)
    except Exception:  # noqa: BLE001 - a path that cannot be a checkpoint
        return False
    return weights.is_file() and card.is_file()


# ----------------------------------------------------------------------------- the series
def _from_attack(req: ReviewRequest):
    from tsviz.review import ReviewSet
    from tsviz.ui import attack_run as ar

    areq = req.ref
    run = ar.attack_run(areq)
    ds = get_dataset(areq.spec)
    r = run.report
    return ReviewSet(ar.attacked_series(areq, run), r.x_adv, fs=ds.fs, unit=ds.unit, labels=r.y_true,
                     class_names=ds.class_names, spec=areq.spec, split=areq.split, indices=run.indices,
                     model=areq.model, channel_names=_channels(ds),
                     source=f"{areq.attack} on {len(run.indices)} {areq.split} series of {ds.name} (last Attack run)",
                     info={"attack": areq.attack, "params": dict(r.params)})


def _from_handoff(adv: dict[str, Any]):
    from tsviz.review import ReviewSet

    spec = adv.get("spec")
    ds = get_dataset(spec) if spec else None
    return ReviewSet(adv["x"], adv["x_adv"], fs=ds.fs if ds else None, unit=ds.unit if ds else "mV",
                     labels=adv.get("y"), class_names=ds.class_names if ds else None, spec=spec,
                     split=adv.get("split"), indices=adv.get("indices"), model=adv.get("model_path"),
                     channel_names=_channels(ds) if ds else None,
                     source=f"{adv.get('attack', 'attack')} on {len(adv['x'])} {adv.get('split', '')} series"
                            f"{f' of {ds.name}' if ds else ''} (sent from the Attack page)",
                     info={"attack": adv.get("attack"), "params": dict(adv.get("params") or {})})


def _from_run(run_id: str):
    from tsviz.review import ReviewError, ReviewSet
    from tsviz.runs import RunStoreError, open_store

    store = open_store()
    try:
        rec = store.get(run_id)
        if rec.workspace not in (None, _workspace_id()):
            raise ReviewError(f"run {run_id[:12]} belongs to another workspace")
        if rec.kind != "attack":
            raise ReviewError(f"run {run_id[:12]} is a {rec.kind} run; the Review page opens attack runs")
        if ARTIFACT not in (rec.artifacts or {}):
            raise ReviewError(f"run {run_id[:12]} has no {ARTIFACT!r} artifact (clean and adversarial series)")
        arrays = store.load_arrays(run_id, ARTIFACT)
    except RunStoreError as exc:
        raise ReviewError(f"run {run_id[:12]}: {exc}") from None
    for key in ("clean", "adversarial"):
        if key not in arrays:
            raise ReviewError(f"run {run_id[:12]}: its {ARTIFACT!r} artifact lacks the key {key!r}")
    dsd, params = dict(rec.dataset or {}), dict(rec.params or {})
    spec = dsd.get("spec")
    fs, unit, names = dsd.get("fs"), dsd.get("unit"), dsd.get("class_names")
    if spec and (fs is None or unit is None or names is None):
        try:
            ds = get_dataset(spec)
            fs, unit, names = ds.fs, ds.unit, ds.class_names
        except Exception:  # noqa: BLE001 - the dataset may be gone; the run's own record is used
            pass
    model = dict(rec.model or {})
    return ReviewSet(arrays["clean"], arrays["adversarial"], fs=fs, unit=unit or "mV", labels=arrays.get("labels"),
                     class_names=names, spec=spec, split=params.get("split"), indices=arrays.get("indices"),
                     model=model.get("path") or model.get("stem"),
                     source=f"stored run {run_id[:12]} ({params.get('attack', 'attack')}"
                            f"{f', {rec.label}' if rec.label else ''})",
                     info={"run": run_id, "attack": params.get("attack"), "params": params,
                           "stored": {k: arrays[k] for k in ("clean_pred", "adv_pred", "clean_probs", "adv_probs")
                                      if k in arrays}})


def _from_upload(req: ReviewRequest):
    from tsviz.review import read_review_npz

    fs, unit, names = req.fallback
    return read_review_npz(req.ref, name=req.name, max_mb=MAX_UPLOAD_MB, fs=fs, unit=unit, class_names=names)


def _channels(ds) -> tuple[str, ...] | None:
    names = ds.meta.get("channel_names")
    if names:
        return tuple(str(n) for n in names)
    ch = ds.meta.get("channel")
    return (str(ch),) if isinstance(ch, str) and ds.n_channels == 1 else None


def _source(req: ReviewRequest) -> tuple[Any, ...]:
    """What the series depend on (not the model used for the verdict, nor the device)."""
    return req.kind, req.ref, req.digest, req.name, req.fallback


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner="Reading the series…")
def _review_set(source: tuple[Any, ...], _handoff: dict[str, Any] | None = None):
    req = ReviewRequest(source[0], source[1], digest=source[2], name=source[3], fallback=source[4])
    if req.kind == "attack":
        return _from_attack(req)
    if req.kind == "sent":
        if not _handoff:
            from tsviz.review import ReviewError

            raise ReviewError("nothing was sent from the Attack page in this session")
        return _from_handoff(_handoff)
    if req.kind == "run":
        return _from_run(req.ref)
    if req.kind == "upload":
        return _from_upload(req)
    raise ValueError(f"unknown review input {req.kind!r}")


def _handoff(req: ReviewRequest) -> dict[str, Any] | None:
    return st.session_state.get(state.ADVERSARIAL) if req.kind == "sent" else None


def review_set(req: ReviewRequest):
    """The :class:`tsviz.review.ReviewSet` of ``req`` (cached per session)."""
    return _review_set(_source(req), _handoff=_handoff(req))


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _report(source: tuple[Any, ...], _handoff: dict[str, Any] | None = None):
    from tsviz.review import ReviewError, perturbation_report

    rs = _review_set(source, _handoff=_handoff)
    if rs.fs is None:
        raise ReviewError("these series have no sampling frequency (fs), so no clinical numbers or ECG paper; "
                          "add the key 'fs' (Hz) to the file")
    return perturbation_report(rs.clean, rs.adversarial, rs.fs, unit=rs.unit)


def report(req: ReviewRequest):
    """:func:`tsviz.review.perturbation_report` of the set (cached per session)."""
    return _report(_source(req), _handoff=_handoff(req))


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner="Asking the model…")
def _verdict(req: ReviewRequest, mkey: tuple[str, float] | None, _handoff: dict[str, Any] | None = None):
    from tsviz.review import ModelVerdict, class_display_names, model_verdict

    rs = _review_set(_source(req), _handoff=_handoff)
    names = rs.class_names
    if req.kind == "attack":  # the attack's own evaluation: no model call
        from tsviz.ui import attack_run as ar

        r = ar.attack_run(req.ref).report
        rows = np.arange(len(r.y_true))
        return ModelVerdict(r.clean_pred, r.adv_pred, r.clean_probs[rows, r.clean_pred], r.adv_probs[rows, r.adv_pred],
                            r.clean_probs, r.adv_probs, tuple(r.class_names), class_display_names(r.class_names),
                            labels=r.y_true)
    stored = rs.info.get("stored") or {}
    if names is not None and {"clean_probs", "adv_probs"} <= set(stored):  # a stored run's own evaluation
        pc, pa = (np.asarray(stored[k], dtype=np.float64) for k in ("clean_probs", "adv_probs"))
        if pc.shape == pa.shape == (rs.n, len(names)) and np.isfinite(pc).all() and np.isfinite(pa).all():
            cp, ap, rows = pc.argmax(1), pa.argmax(1), np.arange(rs.n)
            return ModelVerdict(cp, ap, pc[rows, cp], pa[rows, ap], pc, pa, tuple(names), class_display_names(names),
                                labels=rs.labels)
    if req.model is None or names is None:
        return None
    return model_verdict(get_model(req.model, req.device), rs.clean, rs.adversarial, names, labels=rs.labels)


def verdict(req: ReviewRequest):
    """The model's class and confidence before and after (:func:`tsviz.review.model_verdict`), or
    ``None`` when no checkpoint fits these series (cached per session)."""
    mkey = model_key(req.model) if req.model and req.kind != "attack" else None
    return _verdict(req, mkey, _handoff=_handoff(req))


@st.cache_data(max_entries=4, show_spinner="Reading the record…")
def _record_strip(folder: str, record: str, channel: Any, fs_out: float | None, mtime: float):
    from tsviz.data.wfdb_records import read_record_strip

    return read_record_strip(folder, record, channel=channel, fs_out=fs_out)


def context_reason(req: ReviewRequest) -> str | None:
    """Why the series of ``req`` have no strip to be put back into (``None`` when they have one)."""
    from tsviz.review.context import context_unavailable

    rs = review_set(req)
    if rs.spec is None or rs.split is None or rs.indices is None:
        return ("No strip exists for these series: they carry no dataset, split and series index to find their "
                "recording (an uploaded file, or a run stored without them). Review an attack on a wfdb:<folder> "
                "dataset to see beats in context.")
    try:
        ds = get_dataset(rs.spec)
    except Exception:  # noqa: BLE001 - the dataset is gone or unreadable now
        return f"No strip: the dataset these series come from ({rs.spec[:80]}) cannot be loaded now."
    return context_unavailable(ds)


@st.cache_data(scope="session", max_entries=MAX_ENTRIES, show_spinner=False)
def _context(source: tuple[Any, ...], i: int, seconds: float, _handoff: dict[str, Any] | None = None):
    from tsviz.review.context import dataset_beat_context, dataset_beat_origin

    rs = _review_set(source, _handoff=_handoff)
    ds = get_dataset(rs.spec)
    o = dataset_beat_origin(ds, rs.split, int(rs.indices[i]))
    dat = Path(o["folder"]) / f"{o['record']}.dat"
    strip = _record_strip(o["folder"], o["record"], o["channel"], o["fs_out"],
                          dat.stat().st_mtime if dat.exists() else 0.0)
    return dataset_beat_context(ds, rs.split, int(rs.indices[i]), rs.adversarial[i], seconds=seconds, strip=strip)


def context(req: ReviewRequest, i: int, seconds: float = 10.0):
    """Series ``i`` back in its 10-s strip (:func:`tsviz.review.context.dataset_beat_context`; ask
    :func:`context_reason` first); raises :class:`tsviz.review.ReviewError` when it does not fit."""
    return _context(_source(req), int(i), float(seconds), _handoff=_handoff(req))


# ----------------------------------------------------------------------------- the run store
def _workspace_id() -> str | None:
    """This session's workspace id (runs of other workspaces are not listed nor opened)."""
    from tsviz.ui import workspace

    return workspace.current().id


@st.cache_data(ttl=10, max_entries=16, show_spinner=False)
def _attack_runs(limit: int, workspace_id: str | None) -> list[tuple[str, str]]:
    from tsviz.runs import open_store

    store = open_store()
    out = []
    for rec in store.list_runs(kind="attack", status="done", limit=limit):
        if ARTIFACT not in (rec.artifacts or {}) or rec.workspace not in (None, workspace_id):
            continue
        when = rec.started_at.strftime("%Y-%m-%d %H:%M") if rec.started_at else "?"
        ds = (rec.dataset or {}).get("name") or (rec.dataset or {}).get("spec") or "?"
        label = f"{when} · {(rec.params or {}).get('attack', 'attack')} · {ds}"
        label += f" · {rec.label}" if rec.label else ""
        out.append((rec.id, label))
    return out


def list_attack_runs(limit: int = 100) -> list[tuple[str, str]]:
    """``(run id, label)`` of the stored attack runs with series to review, newest first: runs of
    this session's workspace and runs without one (the CLI's)."""
    return _attack_runs(int(limit), _workspace_id())
