"""Perception studies in the run store: creation, per-reviewer order, answers upserted one by one,
resume after the store is reopened, and bad input (SQLite and PostgreSQL)."""
from __future__ import annotations

import numpy as np
import pytest

from tsviz.review.study import reviewer_order
from tsviz.runs import RunStoreError, StudyRecord

CLASSES = ["N", "S", "V", "F", "Q"]


def _items(n: int = 6) -> list[dict]:
    return [{"kind": "adversarial" if i % 2 else "clean", "true_label": i % 5, "source_label": i % 5,
             "target_label": (i + 1) % 5 if i % 2 else None, "model_label": (i + 1) % 5 if i % 2 else i % 5,
             "run_id": None, "series_index": 10 * i} for i in range(n)]


def _signals(n: int = 6) -> np.ndarray:
    return np.arange(n * 2 * 8, dtype=np.float64).reshape(n, 2, 8) / 10


def test_study_round_trip_and_resume(store, db_url, tmp_path):
    from tsviz.runs import close_stores, open_store

    run = store.start("attack", params={})
    items = _items()
    items[1]["run_id"] = run.id
    st = store.create_study("  pilot   study ", seed=42, items=items, signals=_signals(),
                            config={"class_names": CLASSES, "fs": 125.0, "unit": "mV"})
    assert isinstance(st, StudyRecord) and st.name == "pilot study" and st.seed == 42 and st.n_items == 6
    assert st.items[1] == {**items[1], "run_id": run.id} and st.items[0]["target_label"] is None
    assert st.config["class_names"] == CLASSES
    np.testing.assert_array_equal(store.load_study_signals(st.id), _signals().astype(np.float32))
    assert store.get_study("pilot study").id == st.id and store.get_study(st.id.upper()).id == st.id
    order = reviewer_order(st.seed, "dr. a", st.n_items)
    again = store.get_study(st.id)
    assert sorted(order) == list(range(6)) and order == reviewer_order(again.seed, "dr. a", again.n_items)
    assert any(reviewer_order(st.seed, f"r{k}", st.n_items) != order for k in range(5))  # other reviewers, other orders

    store.save_answer(st.id, "dr. a", order[0], label=1, manipulated="yes", comment="noisy baseline")
    store.save_answer(st.id, "dr. a", order[1], label=None, manipulated="unsure")
    store.save_answer("pilot study", "dr. b", 0, label=0, manipulated="no")
    store.save_answer(st.id, "dr. a", order[0], label=2, manipulated="no", comment=" changed my mind ")  # upsert
    close_stores()                                                      # "another day": a fresh process view
    store = open_store(db_url, home=tmp_path / "home")
    answers = store.answers(st.id, "dr. a")
    assert [(a["item"], a["label"], a["manipulated"], a["comment"]) for a in answers] == sorted(
        [(order[0], 2, "no", "changed my mind"), (order[1], None, "unsure", "")])
    assert answers[0]["answered_at"].tzinfo is not None
    assert store.reviewers(st.id) == ["dr. a", "dr. b"] and len(store.answers(st.id)) == 3
    done = {a["item"] for a in answers}
    assert [i for i in reviewer_order(st.seed, "dr. a", st.n_items) if i not in done] == order[2:]   # where to resume
    assert [s.id for s in store.list_studies()] == [st.id]

    store.delete_study(st.id)
    assert store.list_studies() == [] and not (store.artifacts_root / "studies" / st.id).exists()
    with pytest.raises(RunStoreError, match="no study"):
        store.answers(st.id)


def test_study_bad_input(store):
    ok = {"seed": 0, "items": _items(2), "signals": _signals(2), "config": {"class_names": CLASSES}}
    store.create_study("s", **ok)
    with pytest.raises(RunStoreError, match="named 's' exists already"):
        store.create_study("s", **ok)
    bad_cases = [
        ({"name": ""}, "study name must be non-empty"),
        ({"name": "x" * 201}, "over the cap"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"items": []}, "non-empty list"),
        ({"items": [{**_items(1)[0], "kind": "fake"}, _items(2)[1]]}, r"items\[0\]\['kind'\] must be one of clean"),
        ({"items": [_items(1)[0], {"kind": "clean"}]}, r"items\[1\] lacks true_label"),
        ({"items": [_items(1)[0], {**_items(2)[1], "true_label": 1.0}]}, r"items\[1\]\['true_label'\] must be an int"),
        ({"items": [_items(1)[0], {**_items(2)[1], "run_id": "../x"}]}, r"run_id'\] must be 32 hex"),
        ({"signals": _signals(3)}, r"signals must have shape \(n_items=2, C, T\), got \(3, 2, 8\)"),
        ({"signals": np.full((2, 1, 4), np.nan)}, "finite"),
        ({"signals": np.array([["a"], ["b"]])}, "shape"),
        ({"config": {"fs": float("inf")}}, r"config\['fs'\]"),
    ]
    for change, match in bad_cases:
        kw = {"name": "other", **ok, **change}
        with pytest.raises(RunStoreError, match=match):
            store.create_study(**kw)
    assert [s.name for s in store.list_studies()] == ["s"]              # nothing half-created
    answer_cases = [
        ({"item": 2}, r"item must be in \[0, 1\]"),
        ({"item": -1}, "item must be in"),
        ({"label": 5}, r"label must be in \[0, 4\]"),
        ({"label": True}, "label must be an integer or None"),
        ({"manipulated": "maybe"}, "manipulated must be one of yes, no, unsure"),
        ({"reviewer": "  "}, "reviewer must be a non-empty"),
        ({"reviewer": "r" * 201}, "over the cap"),
        ({"comment": "c" * 5001}, "comment is 5,001 characters"),
        ({"study_id": "nope"}, "no study 'nope'"),
    ]
    for change, match in answer_cases:
        kw = {"study_id": "s", "reviewer": "r", "item": 0, "label": 1, "manipulated": "no", **change}
        with pytest.raises(RunStoreError, match=match):
            store.save_answer(kw.pop("study_id"), kw.pop("reviewer"), kw.pop("item"), **kw)
    assert store.answers("s") == []
