"""Blinded perception studies in the run store (the human study of the dissertation's ch. 3, Table 3.1).

A study is a named, seeded, fixed list of items (clean and adversarial series, rendered alike);
its signals are one NPZ artifact ``(n_items, C, T)``. A reviewer's answers (class label,
"was this signal manipulated?" yes / no / unsure, a comment) are upserted and committed one by one,
so a reviewer can stop and resume; :func:`tsviz.review.study.reviewer_order` gives each reviewer a
fixed item order. The statistics live with the Review page's library code, not here.
"""
from __future__ import annotations

import uuid
from typing import Any

from tsviz.runs.constants import ANSWER_CHOICES, CAPS, ITEM_KINDS
from tsviz.runs.errors import RunStoreError
from tsviz.runs.records import StudyRecord

__all__ = ["StudiesMixin", "ITEM_FIELDS"]

#: Keys of an item and whether they may be ``None``.
ITEM_FIELDS = {"kind": False, "true_label": False, "source_label": False, "target_label": True, "model_label": False,
               "run_id": True, "series_index": False}
_MAX_LABEL = 10_000


def _int(value: Any, name: str, *, optional: bool = False, low: int = 0, high: int = 2**62) -> int | None:
    if value is None and optional:
        return None
    try:
        import numpy as np

        if isinstance(value, np.integer):
            value = int(value)
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, bool) or not isinstance(value, int):
        raise RunStoreError(f"{name} must be an integer{' or None' if optional else ''}, got {value!r:.40}")
    if not low <= value <= high:
        raise RunStoreError(f"{name} must be in [{low}, {high}], got {value}")
    return value


def _reviewer(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise RunStoreError("reviewer must be a non-empty name or id")
    value = " ".join(value.split())
    if len(value) > CAPS["label"]:
        raise RunStoreError(f"reviewer is {len(value)} characters, over the cap of {CAPS['label']}")
    return value


def _check_item(i: int, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise RunStoreError(f"items[{i}] must be a dict, got {type(item).__name__}")
    missing = [k for k, opt in ITEM_FIELDS.items() if not opt and k not in item]
    if missing:
        raise RunStoreError(f"items[{i}] lacks {', '.join(missing)}")
    if item["kind"] not in ITEM_KINDS:
        raise RunStoreError(f"items[{i}]['kind'] must be one of {', '.join(ITEM_KINDS)}, "
                            f"got {str(item['kind'])[:40]!r}")
    out: dict[str, Any] = {"kind": item["kind"]}
    for k in ("true_label", "source_label", "target_label", "model_label"):
        out[k] = _int(item.get(k), f"items[{i}][{k!r}]", optional=ITEM_FIELDS[k], high=_MAX_LABEL)
    out["series_index"] = _int(item["series_index"], f"items[{i}]['series_index']")
    run_id = item.get("run_id")
    if run_id is not None:
        from tsviz.runs.artifacts import check_id

        run_id = check_id(run_id, f"items[{i}]['run_id']")
    out["run_id"] = run_id
    return out


class StudiesMixin:
    """The study half of :class:`tsviz.runs.RunStore` (needs ``_session``, ``artifacts_root``, ``where``)."""

    def create_study(self, name: str, *, seed: int, items: list[dict[str, Any]], signals: Any,
                     config: dict[str, Any]) -> StudyRecord:
        """Create a study: its items (in the given order) and its signals, committed together.

        Parameters
        ----------
        name : str, unique among studies (1-200 characters)
        seed : int, seeds every reviewer's item order (:func:`tsviz.review.study.reviewer_order`)
        items : list of dict, one per item: ``kind`` ("clean" | "adversarial"), ``true_label``,
            ``source_label``, ``target_label`` (int or None), ``model_label``, ``run_id`` (str or
            None), ``series_index``
        signals : array ``(n_items, C, T)``, finite floats in the data's unit (saved as NPZ)
        config : dict, JSON values (class names, fs, unit, rendering settings, ...)

        Raises
        ------
        RunStoreError
            A name in use or empty; an item missing a key or with a bad value (naming ``items[i]``);
            signals of the wrong shape, not finite, or over the size cap.
        """
        import numpy as np
        from sqlalchemy import select

        from tsviz.runs.artifacts import remove_tree, run_dir, write_npz
        from tsviz.runs.jsonsafe import dumps, to_json
        from tsviz.runs.schema import Study, StudyItem, utcnow

        if not isinstance(name, str) or not name.strip() or "\x00" in name:
            raise RunStoreError("study name must be non-empty text")
        name = " ".join(name.split())
        if len(name) > CAPS["label"]:
            raise RunStoreError(f"study name is {len(name)} characters, over the cap of {CAPS['label']}")
        seed = _int(seed, "seed", high=2**63 - 1)
        if not isinstance(items, (list, tuple)) or not items:
            raise RunStoreError("items must be a non-empty list of dicts")
        if len(items) > CAPS["study_items"]:
            raise RunStoreError(f"a study holds at most {CAPS['study_items']:,} items, got {len(items):,}")
        clean_items = [_check_item(i, it) for i, it in enumerate(items)]
        if not isinstance(config, dict):
            raise RunStoreError(f"config must be a dict, got {type(config).__name__}")
        config = to_json(config, "config")
        dumps(config, "config")
        try:
            sig = np.asarray(signals)
        except Exception:  # noqa: BLE001 - ragged lists, objects
            raise RunStoreError("signals must be an array (n_items, C, T)") from None
        if sig.ndim != 3 or sig.shape[0] != len(items) or sig.shape[1] < 1 or sig.shape[2] < 1:
            raise RunStoreError(f"signals must have shape (n_items={len(items)}, C, T), got {sig.shape}")
        if sig.dtype.kind not in "iuf" or not np.isfinite(sig).all():
            raise RunStoreError("signals must be finite real numbers")
        with self._session(doing="checking the study name") as s:
            if s.scalar(select(Study.id).where(Study.name == name)) is not None:
                raise RunStoreError(f"a study named {name!r} exists already; choose another name")
        study_id = uuid.uuid4().hex
        owner = f"studies/{study_id}"
        path = write_npz(run_dir(self.artifacts_root, owner), "signals", {"signals": sig.astype(np.float32)})
        rel = path.resolve().relative_to(self.artifacts_root.resolve()).as_posix()
        try:
            with self._session(write=True, doing=f"creating study {name!r}") as s:
                if s.scalar(select(Study.id).where(Study.name == name)) is not None:
                    raise RunStoreError(f"a study named {name!r} exists already; choose another name")
                s.add(Study(id=study_id, name=name, seed=seed, config=config, n_items=len(items), signals=rel,
                            created_at=utcnow()))
                s.flush()
                s.add_all([StudyItem(study_id=study_id, item=i, **it) for i, it in enumerate(clean_items)])
        except BaseException:
            remove_tree(self.artifacts_root, owner)
            raise
        return self.get_study(study_id)

    def _study_row(self, s: Any, study_id_or_name: Any) -> Any:
        from sqlalchemy import select

        from tsviz.runs.schema import Study

        if not isinstance(study_id_or_name, str) or not study_id_or_name.strip():
            raise RunStoreError("study must be a study id or name")
        key = study_id_or_name.strip()
        row = s.get(Study, key.lower()) if len(key) == 32 else None
        if row is None:
            row = s.scalar(select(Study).where(Study.name == " ".join(key.split())))
        if row is None:
            raise RunStoreError(f"no study {key[:80]!r} in the store {self.where}")
        return row

    def _study_record(self, s: Any, row: Any) -> StudyRecord:
        from sqlalchemy import select

        from tsviz.runs.schema import StudyItem, as_utc

        items = s.scalars(select(StudyItem).where(StudyItem.study_id == row.id).order_by(StudyItem.item)).all()
        return StudyRecord(id=row.id, name=row.name, seed=int(row.seed),
                           items=[{k: getattr(it, k) for k in ITEM_FIELDS} for it in items],
                           config=dict(row.config or {}), signals=row.signals, created_at=as_utc(row.created_at))

    def get_study(self, study_id_or_name: str) -> StudyRecord:
        """The study with this id or name (:class:`RunStoreError` if none)."""
        with self._session(doing="reading a study") as s:
            return self._study_record(s, self._study_row(s, study_id_or_name))

    def list_studies(self) -> list[StudyRecord]:
        """Every study, newest first."""
        from sqlalchemy import select

        from tsviz.runs.schema import Study

        with self._session(doing="listing studies") as s:
            rows = s.scalars(select(Study).order_by(Study.created_at.desc(), Study.id)).all()
            return [self._study_record(s, r) for r in rows]

    def load_study_signals(self, study_id: str) -> Any:
        """The study's signals, ``(n_items, C, T)`` float32."""
        from tsviz.runs.artifacts import inside, read_npz

        rec = self.get_study(study_id)
        return read_npz(inside(self.artifacts_root, rec.signals))["signals"]

    def save_answer(self, study_id: str, reviewer: str, item: int, *, label: int | None, manipulated: str,
                    comment: str = "") -> None:
        """Save (or replace) ``reviewer``'s answer on ``item``, committed at once.

        Parameters
        ----------
        study_id : str, the study's id or name
        reviewer : str, a name or id (whitespace runs collapsed; at most 200 characters)
        item : int in ``[0, n_items)``, the item's index in the study's item order
        label : int or None, the class the reviewer gives (``< len(config['class_names'])`` when the
            config names the classes)
        manipulated : {"yes", "no", "unsure"}
        comment : str, at most 5,000 characters
        """
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        from tsviz.runs.schema import StudyAnswer, utcnow

        reviewer = _reviewer(reviewer)
        if manipulated not in ANSWER_CHOICES:
            raise RunStoreError(f"manipulated must be one of {', '.join(ANSWER_CHOICES)}, "
                                f"got {str(manipulated)[:40]!r}")
        if not isinstance(comment, str) or "\x00" in comment:
            raise RunStoreError("comment must be text")
        if len(comment) > CAPS["comment"]:
            raise RunStoreError(f"comment is {len(comment):,} characters, over the cap of {CAPS['comment']:,}")
        with self._session(write=True, doing="saving an answer") as s:
            row = self._study_row(s, study_id)
            item = _int(item, "item", high=row.n_items - 1)
            names = (row.config or {}).get("class_names")
            high = len(names) - 1 if isinstance(names, list) and names else _MAX_LABEL
            label = _int(label, "label", optional=True, high=high)
            values = {"study_id": row.id, "reviewer": reviewer, "item": item, "label": label,
                      "manipulated": manipulated, "comment": comment.strip(), "answered_at": utcnow()}
            insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
            stmt = insert(StudyAnswer).values(**values)
            stmt = stmt.on_conflict_do_update(index_elements=["study_id", "reviewer", "item"],
                                              set_={k: stmt.excluded[k] for k in
                                                    ("label", "manipulated", "comment", "answered_at")})
            s.execute(stmt)

    def answers(self, study_id: str, reviewer: str | None = None) -> list[dict[str, Any]]:
        """Answers of the study (of one reviewer if given), by reviewer then item: dicts with
        ``reviewer``, ``item``, ``label``, ``manipulated``, ``comment``, ``answered_at`` (UTC)."""
        from sqlalchemy import select

        from tsviz.runs.schema import StudyAnswer, as_utc

        who = _reviewer(reviewer) if reviewer is not None else None
        with self._session(doing="reading answers") as s:
            row = self._study_row(s, study_id)
            q = select(StudyAnswer).where(StudyAnswer.study_id == row.id)
            if who is not None:
                q = q.where(StudyAnswer.reviewer == who)
            rows = s.scalars(q.order_by(StudyAnswer.reviewer, StudyAnswer.item)).all()
            return [{"reviewer": a.reviewer, "item": a.item, "label": a.label, "manipulated": a.manipulated,
                     "comment": a.comment, "answered_at": as_utc(a.answered_at)} for a in rows]

    def reviewers(self, study_id: str) -> list[str]:
        """The reviewers who answered at least one item, sorted."""
        from sqlalchemy import select

        from tsviz.runs.schema import StudyAnswer

        with self._session(doing="listing reviewers") as s:
            row = self._study_row(s, study_id)
            return list(s.scalars(select(StudyAnswer.reviewer).where(StudyAnswer.study_id == row.id)
                                  .distinct().order_by(StudyAnswer.reviewer)).all())

    def delete_study(self, study_id: str) -> None:
        """Delete a study, its items, answers and signals."""
        from sqlalchemy import delete

        from tsviz.runs.artifacts import remove_tree
        from tsviz.runs.schema import Study, StudyAnswer, StudyItem

        with self._session(write=True, doing="deleting a study") as s:
            row = self._study_row(s, study_id)
            sid = row.id
            s.execute(delete(StudyAnswer).where(StudyAnswer.study_id == sid))
            s.execute(delete(StudyItem).where(StudyItem.study_id == sid))
            s.execute(delete(Study).where(Study.id == sid))
        remove_tree(self.artifacts_root, f"studies/{sid}")
