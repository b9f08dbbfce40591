"""Every app run in the run store, and back into its page: the one helper the pages and the Runs page use.

Recording (:mod:`tsviz.ui.run_record_core`, re-exported here)::

    with recorded(kind, params=..., seeds=..., sel=sel) as rec:   # sel: the page's selection
        result = <the library call>
        rec.result(result)

The pages' cached computations are wrapped once, in their run modules
(:func:`tsviz.ui.run_record_core.recorded_call` in :func:`tsviz.ui.attack_run.attack_run`,
:func:`tsviz.ui.certify_run.certify_run`, ...): a press of a page's button that computes is one run;
a press the session's cache answers is none.

Opening a run again: :func:`restore` puts a ``done`` run's result back into ``st.session_state`` as
its page keeps it (the request under the page's key, the result where the page's run module finds
it, see :func:`tsviz.ui.run_record_core.restored`), selects its dataset and model in the sidebar
and returns the page to ``st.switch_page`` to. The page then draws the stored result with its
figures, computing nothing again.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tsviz.core.errors import TsvizError
from tsviz.ui import attack_run as ar
from tsviz.ui import augment_run as au
from tsviz.ui import certify_run as cr
from tsviz.ui import explain_run as xr
from tsviz.ui import state
from tsviz.ui.run_record_core import RESULT, RESULT_ARRAYS, curves_of, recorded, remember
from tsviz.ui.run_record_restore import (
    RestoreError,
    check_dataset,
    check_models,
    select_dataset,
    select_model,
    set_widget,
)

__all__ = ["recorded", "restore", "curves_of", "RESTORABLE_KINDS", "PAGE_OF_KIND", "RestoreError", "load_result"]

#: The page each kind of run opens in.
PAGE_OF_KIND = {"attack": "pages/3_Attack.py", "certification": "pages/4_Certify.py",
                "explanation": "pages/5_Explain.py", "training": "pages/2_Model.py",
                "augmentation": "pages/6_Augment.py", "comparison": "pages/6_Augment.py",
                "study": "pages/7_Review.py"}
#: Kinds :func:`restore` opens (runs recorded by the app; not ``sweep`` and ``other``, which the CLI records).
RESTORABLE_KINDS = tuple(PAGE_OF_KIND)


def _types() -> dict[str, type]:
    """The dataclasses a stored result may hold (nothing else is built when one is read back)."""
    from tsviz.attacks.evaluate import AttackReport, SweepResult
    from tsviz.certify.compare import Comparison
    from tsviz.certify.result import CertResult
    from tsviz.certify.soundness import SoundnessReport
    from tsviz.explain.backdoor import BackdoorDemo
    from tsviz.explain.compare import ExplainComparison
    from tsviz.explain.faithfulness import FaithfulnessResult
    from tsviz.explain.neuromask import MaskResult
    from tsviz.training.backdoor import Trigger
    from tsviz.ui.run_record_codec import type_key

    classes = (ar.AttackRequest, ar.AttackRun, AttackReport, SweepResult, cr.ConfigSpec, cr.CertifyRequest,
               cr.CertifyRun, Comparison, CertResult, SoundnessReport, xr.ExplainRequest, xr.ExplainRun,
               ExplainComparison, FaithfulnessResult, MaskResult, xr.BackdoorRequest, BackdoorDemo, Trigger,
               au.CompareRequest)
    return {type_key(c): c for c in classes}


def load_result(store: Any, record: Any) -> dict[str, Any]:
    """The stored result document of an app run: ``what``, ``key``, ``entries`` ``[(what, key, result)]``
    and ``extra`` (:class:`RestoreError` when the run has none or it cannot be read)."""
    from tsviz.ui.run_record_codec import CodecError, decode

    short = str(record.id)[:8]
    if RESULT not in record.artifacts:
        raise RestoreError(f"run {short} ({record.kind}) has no stored result to open: it was recorded outside the "
                           "app's pages (the CLI) or before its results were stored")
    try:
        tree = store.load_json(record.id, RESULT)
        arrays = store.load_arrays(record.id, RESULT_ARRAYS) if RESULT_ARRAYS in record.artifacts else {}
        doc = decode(tree, arrays, _types())
    except CodecError as exc:
        raise RestoreError(f"run {short}: {exc}") from None
    except TsvizError as exc:
        raise RestoreError(f"run {short}: its stored result cannot be read ({exc})") from None
    if not isinstance(doc, dict) or "entries" not in doc:
        raise RestoreError(f"run {short}: its stored result is not a page result")
    return doc


#: Certify page analyses: what -> their name in ``state.CERTIFY_ANALYSES``.
_ANALYSES = {"certify.ablation": "ablation", "certify.attack_rates": "attack", "certify.soundness": "soundness"}


def _page_state(ss: dict[str, Any], what: str, key: tuple, extra: dict[str, Any], session: Any) -> list[str]:
    """Put in ``ss`` what the page reads for a restored ``what`` (``session``: the current state, for
    the values merged into); returns the checkpoints the sidebar must select."""
    req = key[0] if key else None
    if what == "attack.run":
        ss[state.ATTACK_RESULT] = req
        return [req.model]
    if what == "attack.sweep":
        ss[state.ATTACK_RESULT] = req
        ss[state.ATTACK_SWEEP] = (req, key[1], key[2], key[4])
        return [req.model]
    if what == "certify.run":
        ss[state.CERTIFY_RESULT] = req
        return []
    if what in _ANALYSES:
        ss[state.CERTIFY_RESULT] = req
        analyses = session.get(state.CERTIFY_ANALYSES)
        ss[state.CERTIFY_ANALYSES] = {**(analyses if isinstance(analyses, dict) else {}),
                                      _ANALYSES[what]: (req, tuple(key[1:]))}
        return []
    if what == "explain.run":
        ss[state.EXPLAIN_RESULT] = req
        if req.adversarial is not None:
            ss[state.ADVERSARIAL] = extra.get("adversarial")
        return [req.model]
    if what == "explain.backdoor":
        ss[state.BACKDOOR_RESULT] = req
        return []
    if what == "augment.compare":
        ss[state.AUG_COMPARE] = req
        ss["aug_tab"] = "Compare"
        return []
    raise RestoreError(f"a stored {what!r} result cannot be opened in a page by this version of tsviz")


def _restore_file(ss: Any, record: Any, doc: dict[str, Any], ds: Any) -> list[str]:
    """Training and ODENet fits: their result is a file; select it."""
    extra = doc.get("extra") or {}
    path = extra.get("path")
    if not isinstance(path, str):
        raise RestoreError(f"run {str(record.id)[:8]} names no saved file")
    if doc["what"] == "training.fit":
        ss["model_tab"] = "Card"
        return [path]
    weights = Path(f"{path}.safetensors")
    if not weights.is_file():
        raise RestoreError(f"the ODENet {Path(path).name} of run {str(record.id)[:8]} is gone ({weights} is missing)")
    spec = record.dataset.get("spec")
    if path not in {str(p) for p in au.saved_odenets(ds)} | {au.shipped_odenet(spec)}:
        raise RestoreError(f"the ODENet {Path(path).name} of run {str(record.id)[:8]} is not available in this "
                           "session (it was fitted in another workspace)")
    ss[state.AUG_ODENET] = {**au.odenet_info(path, spec, source="fitted"), "summary": dict(record.metrics)}
    ss["aug_tab"] = "ODENet"
    return []


def _restore_study(ss: Any, record: Any) -> str:
    from tsviz.runs import RunStoreError, open_store

    study_id = record.metrics.get("study_id")
    if not isinstance(study_id, str):
        raise RestoreError(f"run {str(record.id)[:8]} names no study")
    try:
        study = open_store().get_study(study_id)
    except RunStoreError as exc:
        raise RestoreError(f"the study of run {str(record.id)[:8]} is gone: {exc}") from None
    set_widget(ss, "study_mode", "Results")
    set_widget(ss, "study_results_pick", study.name)
    return PAGE_OF_KIND["study"]


def restore(record: Any) -> str:
    """Put a ``done`` app run back into its page; return the page (for ``st.switch_page``).

    The page's request goes under its ``st.session_state`` key (``state.ATTACK_RESULT``, ...), the
    stored result where the page's run module finds it (so the page draws it and its figures
    without computing), the run's dataset and model into the sidebar (as a lesson step does), and
    the page's tab where the result is shown when the page has a tab key.

    Raises
    ------
    RestoreError
        (a :class:`tsviz.core.TsvizError`) naming what is missing: a run that is not done or has no
        stored result, a dataset that can no longer be loaded or whose data changed, a checkpoint
        that is gone or not available to this session.
    """
    import streamlit as st

    from tsviz.runs import open_store

    short = str(getattr(record, "id", "?"))[:8]
    if record.kind not in PAGE_OF_KIND:
        raise RestoreError(f"a {record.kind} run cannot be opened in a page (only {', '.join(RESTORABLE_KINDS)})")
    if record.status != "done":
        raise RestoreError(f"run {short} is {record.status}: only a finished run has a result to open")
    ss = st.session_state
    if record.kind == "study":
        return _restore_study(ss, record)
    doc = load_result(open_store(), record)
    spec = record.dataset.get("spec")
    ds = check_dataset(record)
    checkpoints = list(record.model.get("paths") or ([record.model["path"]] if record.model.get("path") else []))
    what, key, extra = doc.get("what"), doc.get("key"), doc.get("extra") or {}
    staged: dict[str, Any] = {}  # written into the session only once everything is checked
    if what in ("training.fit", "augment.odenet"):
        selected = _restore_file(staged, record, doc, ds)
    elif isinstance(key, tuple) and key and isinstance(what, str):
        selected = _page_state(staged, what, key, extra, ss)
    else:
        raise RestoreError(f"run {short}: its stored result names no page result")
    check_models([*checkpoints, *selected], ds, selectable=selected, run=short)
    select_dataset(ss, spec, ds)
    if selected:
        select_model(ss, selected[0])
    for name, value in staged.items():
        set_widget(ss, name, value)
    for entry_what, entry_key, value in doc["entries"]:
        remember(entry_what, entry_key, value)
    return PAGE_OF_KIND[record.kind]
