"""The Review page's "Blinded study" tab: create a perception study, take part as a reviewer,
see the results.

The study follows the human study of Alzantot (2019), *Secure and Private Machine Learning for
Smart Devices* (PhD dissertation, UCLA), ch. 3, Table 3.1, for ECG: reviewers label series shown
on ECG paper without knowing which ones were attacked, and say whether each one was manipulated.
Design and statistics are library code (:mod:`tsviz.review.study`, :mod:`tsviz.review.study_stats`);
studies and answers live in the run store (:func:`tsviz.runs.open_store`), so a reviewer can stop
and resume on another day, from another browser, by entering the same name.

* **Create a study** — items from the Attack result of this session or from a stored attack run;
  name, seed, number of items, adversarial share. The creation is recorded as a ``study`` run.
* **Take part** — a reviewer enters a name or id, then sees one item at a time ("Item k of n"),
  every item drawn the same way on ECG paper (hover values off, no legend, no hint of its kind),
  and answers the class (or "Can't tell"), "Was this signal manipulated?" (yes / no / unsure) and an
  optional comment. Each answer is saved at once.
* **Results** — per reviewer and pooled tables, Table 3.1's breakdown, Cohen's / Fleiss' kappa, the
  model's accuracy beside the humans', CSV of every answer, figures with HTML downloads.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from tsviz.review.study import (
    MANIPULATED,
    MAX_COMMENT,
    MAX_ITEMS,
    MAX_NAME,
    StudyError,
    attack_succeeded,
    blind_view,
    build_study,
    check_comment,
    check_name,
    match_reviewer,
    next_item,
    reviewer_order,
)
from tsviz.review.study_stats import MODEL, answers_frame, study_stats
from tsviz.ui import state
from tsviz.ui.downloads import show_figure, show_table
from tsviz.ui.errors import error_text, guard, show_error
from tsviz.ui.page import metric_row

__all__ = ["study_tab", "MODES", "CANT_TELL", "SOURCE_SESSION", "SOURCE_STORED", "item_figure", "paper_fits",
           "results_figure", "breakdown_figure", "STUDY_REVIEWERS"]

log = logging.getLogger(__name__)

MODES = ("Take part", "Create a study", "Results")
SOURCE_SESSION = "Attack result of this session"
SOURCE_STORED = "Stored attack run"
CANT_TELL = "Can't tell"
#: session_state: study id -> the reviewer taking part in this browser session.
STUDY_REVIEWERS = "tsviz_study_reviewers"
#: session_state: a message left by a callback, shown once.
_NOTICE = "tsviz_study_notice"
#: Largest seed the form takes (what fits a number input exactly).
MAX_FORM_SEED = 2**31 - 1
#: Paper speeds (mm/s) and gains (mm/mV) a reviewer can pick; they apply to every item alike.
SPEEDS = (25, 50)
GAINS = (5, 10, 20)
#: Attack runs listed as sources.
MAX_LISTED_RUNS = 100


def _store():
    from tsviz.runs import open_store

    return open_store()


# --------------------------------------------------------------------------- sources


@dataclass
class _Source:
    """Attacked series and what the model said, wherever they come from."""

    x: np.ndarray
    x_adv: np.ndarray
    y: np.ndarray
    clean_pred: np.ndarray
    adv_pred: np.ndarray
    target: np.ndarray | None
    series_index: np.ndarray | None
    run_id: str | None
    class_names: list[str]
    fs: float | None
    unit: str
    info: dict[str, Any] = field(default_factory=dict)


def _session_source(sel) -> _Source | None:
    """The Attack page's last result in this session, if it matches the sidebar's selection."""
    req = st.session_state.get(state.ATTACK_RESULT)
    if req is None or not req.current(sel):
        return None
    from tsviz.ui import attack_run as ar

    run = ar.attack_run(req)
    r, ds = run.report, sel.dataset
    return _Source(x=np.asarray(ar.attacked_series(req, run)), x_adv=np.asarray(r.x_adv), y=np.asarray(r.y_true),
                   clean_pred=np.asarray(r.clean_pred), adv_pred=np.asarray(r.adv_pred),
                   target=None if r.target is None else np.asarray(r.target), series_index=np.asarray(run.indices),
                   run_id=None, class_names=[str(c) for c in ds.class_names], fs=ds.fs, unit=ds.unit,
                   info={"from": "session", "attack": req.attack, "params": dict(req.params), "spec": req.spec,
                         "model": req.model, "split": req.split, "attack_seed": req.seed})


def _run_label(rec) -> str:
    when = rec.started_at.strftime("%Y-%m-%d %H:%M")
    name = rec.label or rec.params.get("attack") or "attack"
    return f"{when} · {name} · {rec.dataset.get('name') or rec.dataset.get('spec') or ''} · {rec.id[:8]}"


#: Keys accepted for each array of a stored attack run's NPZ artifact (first found wins): the
#: convention of the Review page (artifact "adversarial": clean, adversarial, labels) and the
#: Attack page's export (x, x_adv, y).
_KEYS = {"x": ("clean", "x"), "x_adv": ("adversarial", "x_adv"), "y": ("labels", "y", "y_true"),
         "clean_pred": ("clean_pred",), "adv_pred": ("adv_pred",), "target": ("target",),
         "indices": ("indices",)}
#: The artifact read first.
_ARTIFACT = "adversarial"


def _pick(arrays: dict[str, Any], what: str) -> Any:
    return next((arrays[k] for k in _KEYS[what] if k in arrays), None)


def _stored_source(store, rec) -> _Source:
    """The attacked series of a stored attack run: its NPZ artifact ``"adversarial"`` (else the first
    NPZ artifact) with the clean and adversarial series, the labels and the model's predictions
    (keys in :data:`_KEYS`); fs, unit and class names from the run's dataset record, else its dataset."""
    names_order = sorted(rec.artifacts, key=lambda n: n != _ARTIFACT)
    arrays = None
    for name in names_order[:20]:
        if not str(rec.artifacts[name]).endswith(".npz"):
            continue
        got = store.load_arrays(rec.id, name)
        if all(_pick(got, k) is not None for k in ("x", "x_adv", "y")):
            arrays = got
            break
    if arrays is None:
        raise StudyError(f"attack run {rec.id[:8]} keeps no series a study can use (an NPZ artifact with the clean "
                         "and adversarial series and their labels)")
    missing = [k for k in ("clean_pred", "adv_pred") if _pick(arrays, k) is None]
    if missing:
        raise StudyError(f"attack run {rec.id[:8]} keeps no model predictions ({', '.join(missing)}), which the "
                         "study needs for the model's accuracy and the attack's new class")
    meta = dict(rec.dataset or {})
    names, fs, unit = meta.get("class_names"), meta.get("fs"), meta.get("unit")
    if (names is None or fs is None or unit is None) and meta.get("spec"):
        try:
            from tsviz.ui.cache import get_dataset

            ds = get_dataset(str(meta["spec"]))
            names, fs, unit = (names or ds.class_names), (fs or ds.fs), (unit or ds.unit)
        except Exception:  # noqa: BLE001 - the dataset may be gone; numbered classes then
            log.info("dataset of run %s not available", rec.id, exc_info=True)
    y = np.asarray(_pick(arrays, "y"))
    if names is None:
        names = [str(k) for k in range(int(y.max()) + 1 if y.size else 1)]
    target = _pick(arrays, "target")
    return _Source(x=_pick(arrays, "x"), x_adv=_pick(arrays, "x_adv"), y=y, clean_pred=_pick(arrays, "clean_pred"),
                   adv_pred=_pick(arrays, "adv_pred"), target=None if target is None else np.asarray(target),
                   series_index=_pick(arrays, "indices"), run_id=rec.id, class_names=[str(c) for c in names],
                   fs=None if fs is None else float(fs), unit=str(unit or "a.u."),
                   info={"from": "run", "run_id": rec.id, "attack": (rec.params or {}).get("attack"),
                         "spec": meta.get("spec"), "model": (rec.model or {}).get("id")})


# --------------------------------------------------------------------------- create


def _create(store, source: _Source, name: str, seed: int, n_items: Any, share: float, successful: bool,
            pairs: bool):
    """Build the study, record a ``study`` run, create it in the store; returns the StudyRecord."""
    from tsviz.runs import RunStoreError

    name = check_name(name, name="study name")
    if not isinstance(n_items, (int, np.integer)) or not 1 <= int(n_items) <= MAX_ITEMS:
        raise StudyError(f"number of items must be a whole number from 1 to {MAX_ITEMS}, got {n_items!r}")
    try:
        store.get_study(name)
    except RunStoreError:
        pass
    else:
        raise StudyError(f"a study named {name!r} exists already; choose another name")
    items, signals = build_study(source.x, source.x_adv, source.y, source.clean_pred, source.adv_pred,
                                 target=source.target, n_items=int(n_items), seed=int(seed),
                                 adversarial_share=float(share), successful_only=bool(successful),
                                 allow_pairs=bool(pairs), run_id=source.run_id, series_index=source.series_index)
    config = {"class_names": source.class_names, "fs": source.fs, "unit": source.unit, "n_items": int(n_items),
              "adversarial_share": float(share), "successful_only": bool(successful), "allow_pairs": bool(pairs),
              "source": source.info}
    n_adv = sum(it["kind"] == "adversarial" for it in items)
    with store.record("study", params={"name": name, **{k: v for k, v in config.items() if k != "class_names"}},
                      seeds={"seed": int(seed)}, dataset={"spec": source.info.get("spec")},
                      model={"id": source.info.get("model")}, label=f"study: {name}", workspace=_workspace_id()) as run:
        rec = store.create_study(name, seed=int(seed), items=items, signals=signals, config=config)
        run.log_metrics(study_id=rec.id, n_items=len(items), n_adversarial=n_adv, n_clean=len(items) - n_adv)
    return rec


def _workspace_id() -> str | None:
    try:
        from tsviz.ui import workspace

        return workspace.current().id
    except Exception:  # noqa: BLE001 - the run is recorded without it
        return None


def _create_panel(sel, store) -> None:
    src_name = st.radio("Items from", (SOURCE_SESSION, SOURCE_STORED), horizontal=True, key="study_source")
    source = None
    if src_name == SOURCE_SESSION:
        with guard("Could not read this session's attack result"):
            source = _session_source(sel)
            if source is None:
                st.info("Run an attack on the **Attack** page first (with the dataset and model selected in the "
                        "sidebar), or choose a stored attack run.")
    else:
        runs = store.list_runs(kind="attack", status="done", limit=MAX_LISTED_RUNS)
        if not runs:
            st.info("The run store has no finished attack run yet.")
        else:
            pick = st.selectbox("Attack run", runs, format_func=_run_label, key="study_run")
            with guard("Could not read the attack run"):
                source = _stored_source(store, pick)
    if source is None:
        return
    ok = int(attack_succeeded(source.y, source.adv_pred, source.target).sum())
    st.caption(f"{len(source.y)} attacked series, {ok} successful attacks · "
               f"{source.info.get('attack') or 'attack'} · classes {', '.join(source.class_names)}")
    with st.form("study_create", enter_to_submit=False):
        name = st.text_input("Study name", key="study_name", max_chars=MAX_NAME,
                             placeholder="e.g. PGD 0.05 mV, cardiologists, June")
        c = st.columns(3)
        seed = c[0].number_input("Seed", 0, MAX_FORM_SEED, 0, key="study_seed",
                                 help="Seeds the choice of items and every reviewer's order")
        n_items = c[1].number_input("Items", value=min(20, MAX_ITEMS), step=1, key="study_n",
                                    help=f"From 1 to {MAX_ITEMS}; each series appears once unless pairs are allowed")
        share = c[2].slider("Adversarial share", 0.0, 1.0, 0.5, 0.05, key="study_share")
        successful = st.checkbox("Adversarial items only from successful attacks", value=True, key="study_successful",
                                 help="As in the dissertation's study: only adversarial examples that fooled the model")
        pairs = st.checkbox("Allow a series both clean and attacked (a reviewer could compare the two)",
                            value=False, key="study_pairs")
        go = st.form_submit_button("Create study", type="primary", key="study_create_go")
    if go:
        with guard("Could not create the study"):
            rec = _create(store, source, name, seed, n_items, share, successful, pairs)
            kinds = [it["kind"] for it in rec.items]
            st.success(f"Study **{rec.name}** created: {rec.n_items} items ({kinds.count('adversarial')} "
                       f"adversarial, {kinds.count('clean')} clean, shuffled). Reviewers open **Take part**.")


# --------------------------------------------------------------------------- take part


def _pick_study(store, key: str):
    studies = store.list_studies()
    if not studies:
        st.info("No study yet: create one under **Create a study**.")
        return None
    by_name = {s.name: s for s in studies}
    name = st.selectbox("Study", list(by_name), key=key)
    return by_name.get(name)


@st.cache_data(max_entries=8, show_spinner=False)
def _signals(where: str, study_id: str) -> np.ndarray:
    return np.asarray(_store().load_study_signals(study_id), dtype=np.float32)


def _notice() -> None:
    note = st.session_state.pop(_NOTICE, None)
    if note:
        getattr(st, note[0])(note[1])


def _start(study_id: str) -> None:
    """Callback of "Start / resume": check the name, find the reviewer's earlier spelling."""
    ss = st.session_state
    try:
        name = check_name(ss.get("study_reviewer_name", ""), name="reviewer name")
        who = match_reviewer(name, _store().reviewers(study_id))
    except Exception as exc:  # noqa: BLE001 - shown to the user
        ss[_NOTICE] = ("error", error_text(exc, "Cannot start"))
        return
    ss.setdefault(STUDY_REVIEWERS, {})[study_id] = who


def _forget(study_id: str) -> None:
    st.session_state.setdefault(STUDY_REVIEWERS, {}).pop(study_id, None)


def _save(study_id: str, who: str, item: int, pos: int) -> None:
    """Callback of "Save answer": validate and save at once (the page then shows the next item)."""
    ss = st.session_state
    label, manip = ss.get(f"study_label_{pos}"), ss.get(f"study_manip_{pos}")
    if label is None or manip is None:
        ss[_NOTICE] = ("warning", f"Choose a class (or {CANT_TELL}) and answer whether the signal was manipulated; "
                                  "nothing was saved.")
        return
    try:
        comment = check_comment(ss.get(f"study_comment_{pos}") or "")
        _store().save_answer(study_id, who, item, label=None if int(label) < 0 else int(label),
                             manipulated=str(manip), comment=comment)
    except Exception as exc:  # noqa: BLE001 - shown to the user
        if not isinstance(exc, ValueError):
            log.error("saving an answer failed", exc_info=exc)
        ss[_NOTICE] = ("error", error_text(exc, "The answer was not saved"))


def paper_fits(signals: np.ndarray, config: dict[str, Any]) -> bool:
    """Whether every item of a study can be drawn on ECG paper (sampling rate known, a voltage unit,
    at most :data:`tsviz.viz.ecg_paper.MAX_PAPER_SECONDS` long and
    :data:`~tsviz.viz.ecg_paper.MAX_PAPER_MV` tall). Decided once per study, so that all items are
    drawn alike (a fallback for one item only would be a hint)."""
    try:
        from tsviz.viz.ecg_paper import MAX_PAPER_MV, MAX_PAPER_SECONDS, UNIT_TO_MV
    except ImportError:
        return False
    fs, unit = config.get("fs"), str(config.get("unit") or "").lower()
    if not fs or unit not in UNIT_TO_MV or signals.ndim != 3 or signals.shape[2] < 2:
        return False
    mv = signals.astype(np.float64) * UNIT_TO_MV[unit]
    span = float((mv.max(axis=2) - mv.min(axis=2)).max())
    return signals.shape[2] / float(fs) <= MAX_PAPER_SECONDS and span <= MAX_PAPER_MV - 1.0


def item_figure(signal: np.ndarray, config: dict[str, Any], *, paper: bool, speed: float = 25, gain: float = 10,
                channel: int = 0, title: str = "", uirevision: str = "study") -> Any:
    """One study item as a reviewer sees it: on ECG paper (:func:`tsviz.viz.ecg_paper.ecg_paper_figure`,
    one neutral ``"ECG"`` trace) when ``paper`` (:func:`paper_fits`), else a plain black line; the same
    for every item, with hover values and legend off, so nothing hints at the item's kind."""
    import plotly.graph_objects as go

    sig = np.asarray(signal, dtype=np.float64)
    sig = sig[None] if sig.ndim == 1 else sig
    fs, unit = config.get("fs"), str(config.get("unit") or "a.u.")
    if paper:
        from tsviz.viz.ecg_paper import ecg_paper_figure

        fig = ecg_paper_figure(sig, None, fs=float(fs), unit=unit, speed=speed, gain=gain, channel=channel,
                               lead="ECG" if sig.shape[0] == 1 else f"Lead {channel + 1}", title=title or None)
    else:
        from tsviz.viz.style import apply_layout, time_axis

        t, xtitle = time_axis(sig.shape[1], fs)
        fig = go.Figure([go.Scatter(x=t, y=sig[channel], mode="lines", name="ECG",
                                    line={"color": "#111111", "width": 1.2})])
        apply_layout(fig, title=title, xaxis_title=xtitle, yaxis_title=f"Amplitude ({unit})", height=340)
    fig.update_layout(hovermode=False, showlegend=False, uirevision=uirevision)
    fig.update_traces(hoverinfo="skip")
    return fig


@st.cache_data(max_entries=8, show_spinner=False)
def _paper_fits(where: str, study_id: str, config: dict[str, Any]) -> bool:
    return paper_fits(_signals(where, study_id), config)


def _review_panel(store) -> None:
    study = _pick_study(store, "study_pick")
    if study is None:
        return
    _notice()
    who = st.session_state.get(STUDY_REVIEWERS, {}).get(study.id)
    if who is None:
        with st.form("study_reviewer_form", enter_to_submit=True):
            st.text_input("Your name or reviewer id", key="study_reviewer_name", max_chars=MAX_NAME,
                          help="Enter the same name later to resume where you stopped (case does not matter)")
            st.form_submit_button("Start / resume", type="primary", key="study_start", on_click=_start,
                                  args=(study.id,))
        st.caption("You will see one signal at a time, drawn the same way whether or not it was manipulated. "
                   "Label its class and say whether you think it was manipulated. Every answer is saved at once.")
        return
    n = study.n_items
    order = reviewer_order(study.seed, who, n)
    answered = {a["item"] for a in store.answers(study.id, who)}
    pos = next_item(order, answered)
    c = st.columns([4, 1], vertical_alignment="center")
    c[0].caption(f"Reviewer **{who}** · {len(answered)} of {n} answered")
    c[1].button("Change reviewer", key="study_switch", on_click=_forget, args=(study.id,))
    st.progress(len(answered) / n if n else 1.0)
    if pos is None:
        st.success(f"All {n} items answered. Thank you, {who}!")
        return
    view = blind_view(_signals(store.where, study.id), order, pos)
    cfg = study.config
    names = [str(c) for c in cfg.get("class_names") or []]
    st.subheader(f"Item {view['number']} of {view['total']}")
    paper = _paper_fits(store.where, study.id, cfg)
    n_channels = view["signal"].shape[0]
    speed, gain, channel = 25, 10, 0
    if paper or n_channels > 1:
        c = st.columns(4)
        if paper:
            speed = c[0].selectbox("Paper speed (mm/s)", SPEEDS, key="study_speed")
            gain = c[1].selectbox("Gain (mm/mV)", GAINS, index=GAINS.index(10), key="study_gain")
        if n_channels > 1:
            channel = c[2].selectbox("Lead", range(n_channels), format_func=lambda k: f"Lead {k + 1}",
                                     key="study_channel")
    else:
        st.caption("Drawn as a plain line: ECG paper needs the sampling rate, a voltage unit and at most "
                   "15 s per item.")
    fig = item_figure(view["signal"], cfg, paper=paper, speed=speed, gain=gain, channel=channel,
                      uirevision=f"{study.id}-{pos}")
    st.plotly_chart(fig, width="stretch", key=f"study_item_chart_{pos}", config={"displaylogo": False})
    with st.form(f"study_answer_{pos}", enter_to_submit=False):
        st.radio("Class", list(range(len(names))) + [-1], index=None, horizontal=True, key=f"study_label_{pos}",
                 format_func=lambda k: names[k] if k >= 0 else CANT_TELL)
        st.radio("Was this signal manipulated?", MANIPULATED, index=None, horizontal=True, key=f"study_manip_{pos}")
        st.text_area("Comment (optional)", key=f"study_comment_{pos}", max_chars=MAX_COMMENT, height=80)
        st.form_submit_button("Save answer", type="primary", key="study_save", on_click=_save,
                              args=(study.id, who, int(order[pos]), pos))


# --------------------------------------------------------------------------- results


def results_figure(stats) -> Any:
    """Grouped bars per reviewer, pooled and the model: accuracy on clean and on adversarial items,
    manipulation detection and false-alarm rates (the model is not asked: no bars there)."""
    import plotly.graph_objects as go

    from tsviz.viz.style import apply_layout

    rows = stats.rows()
    who = [g.who for g in rows]
    series = (("Accuracy, clean items", "accuracy_clean", "#2CA02C"),
              ("Accuracy, adversarial items", "accuracy_adversarial", "#D62728"),
              ("Detection rate (yes on adversarial)", "detection_rate", "#1F77B4"),
              ("False-alarm rate (yes on clean)", "false_alarm_rate", "#FF7F0E"))
    fig = go.Figure([go.Bar(name=label, x=who, y=[getattr(g, attr) for g in rows], marker_color=color)
                     for label, attr, color in series])
    fig.update_layout(barmode="group")
    apply_layout(fig, title="Blinded study: reviewers, pooled and the model", xaxis_title="",
                 yaxis_title="Share of answers", height=420)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    return fig


def breakdown_figure(stats) -> Any:
    """Table 3.1 as stacked bars: how the answers to adversarial items were labelled."""
    import plotly.graph_objects as go

    from tsviz.viz.style import apply_layout

    rows = stats.rows()
    who = [g.who for g in rows]
    parts = (("Labelled as source", "labelled_source", "#2CA02C"),
             ("Labelled as target / model's new class", "labelled_target", "#D62728"),
             ("Labelled as other", "labelled_other", "#9467BD"), ("No label", "no_label", "#7F7F7F"))
    fig = go.Figure([go.Bar(name=label, x=who, y=[getattr(g, attr) for g in rows], marker_color=color)
                     for label, attr, color in parts])
    fig.update_layout(barmode="stack")
    apply_layout(fig, title="Adversarial items: labelled as source, target or other (Table 3.1)", xaxis_title="",
                 yaxis_title="Share of answers", height=420)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    return fig


def _pct(v: float) -> str:
    return "n/a" if v != v else f"{v:.0%}"


def _results_panel(store) -> None:
    study = _pick_study(store, "study_results_pick")
    if study is None:
        return
    st.caption("Results show which items were manipulated: open them only after the reviewers have finished.")
    answers = store.answers(study.id)
    if not answers:
        st.info(f"No answers yet to study **{study.name}** ({study.n_items} items).")
        return
    names = study.config.get("class_names") or None
    stats = study_stats(study.items, answers, class_names=names)
    p, kappa = stats.pooled, stats.agreement["label"]
    metric_row([
        ("Reviewers", f"{len(stats.reviewers)}", None, f"{len(answers)} answers to {study.n_items} items"),
        ("Accuracy, clean", _pct(p.accuracy_clean), None,
         f"Human accuracy on clean items (pooled); the model's: {_pct(stats.model.accuracy_clean)}"),
        ("Accuracy, adversarial", _pct(p.accuracy_adversarial), None,
         f"Human accuracy on adversarial items (pooled); the model's: {_pct(stats.model.accuracy_adversarial)}"),
        ("Detection rate", _pct(p.detection_rate), None, "'yes' on adversarial items; unsure counts as not detected"),
        ("False-alarm rate", _pct(p.false_alarm_rate), None, "'yes' on clean items; unsure counts as no alarm"),
        ("Kappa (class)", "n/a" if kappa.kappa != kappa.kappa else f"{kappa.kappa:.2f}", None,
         f"{kappa.method or 'needs two reviewers'} over {kappa.n_items} items answered by all"),
    ])
    pct = {c: st.column_config.NumberColumn(format="percent") for c in stats.table().columns
           if c not in ("who", "n_answers", "n_clean", "n_adversarial")}
    st.markdown("**Per reviewer, pooled and the model** (the model's row: its class for the same items)")
    show_table(stats.table(), f"study-{study.name}-per-reviewer", key="study-table", hide_index=True,
               column_config=pct)
    st.markdown("**Table 3.1: how the adversarial items were labelled**")
    show_table(stats.breakdown_table(), f"study-{study.name}-table-3-1", key="study-breakdown", hide_index=True,
               column_config={c: st.column_config.NumberColumn(format="percent")
                              for c in stats.breakdown_table().columns if c.startswith(("labelled", "no label"))})
    st.markdown("**Agreement between reviewers** (Cohen's kappa for two, Fleiss' kappa for three or more)")
    show_table(stats.agreement_table(), f"study-{study.name}-agreement", key="study-agreement", hide_index=True)
    show_figure(results_figure(stats), f"study-{study.name}-results", key="study-fig")
    show_figure(breakdown_figure(stats), f"study-{study.name}-table-3-1", key="study-fig-breakdown")
    st.markdown("**Every answer**")
    show_table(answers_frame(study.items, answers, class_names=names), f"study-{study.name}-answers",
               key="study-answers", hide_index=True)
    st.caption(f"Row '{MODEL}': the model's class for what each item shows, over all {study.n_items} items. "
               "Rates are over all answers of a kind; 'unsure' stays in the denominator.")


# --------------------------------------------------------------------------- the tab


def study_tab(sel) -> None:
    """The "Blinded study" tab of the Review page (``sel``: the sidebar's selection)."""
    try:
        store = _store()
    except Exception as exc:  # noqa: BLE001 - shown to the user
        show_error(exc, "The run store cannot be opened, so studies are unavailable")
        return
    mode = st.radio("Blinded study", MODES, horizontal=True, key="study_mode", label_visibility="collapsed")
    if mode == MODES[0]:
        with guard("Could not show the study"):
            _review_panel(store)
    elif mode == MODES[1]:
        _create_panel(sel, store)
    else:
        with guard("Could not compute the results"):
            _results_panel(store)
