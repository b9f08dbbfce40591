"""What the store hands back: :class:`RunRecord` and :class:`StudyRecord` (frozen, JSON-ready values)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["RunRecord", "StudyRecord"]


@dataclass(frozen=True)
class RunRecord:
    """One recorded run, as stored.

    Attributes
    ----------
    id : str, 32 hex digits (uuid4)
    kind : str, one of :data:`tsviz.runs.RUN_KINDS`
    status : str, one of :data:`tsviz.runs.RUN_STATUSES`
    label : str or None, a free name given by the caller
    params, seeds, dataset, model, metrics, versions : dict, JSON values
        ``dataset`` holds ``spec``, ``name`` and ``fingerprint`` where known; ``model`` the model
        card's id (``id``: checkpoint path or zoo stem), ``arch``, ``recipe``; ``versions`` the
        versions of tsviz, numpy, torch, python and the platform that ran it.
    artifacts : dict[str, str]
        Artifact name -> path relative to the artifacts root (see :meth:`RunStore.artifact_path`).
    source : str, who wrote the run (``"app"``, ``"cli"``, ...)
    workspace : str or None, the app's workspace id
    host : str, pid : int or None, the process that ran it (used by :meth:`RunStore.reap`)
    error : str or None, ``Type: message`` of a failed run
    started_at : datetime (UTC), finished_at : datetime (UTC) or None
    """

    id: str
    kind: str
    status: str
    label: str | None
    params: dict[str, Any]
    seeds: dict[str, Any]
    dataset: dict[str, Any]
    model: dict[str, Any]
    metrics: dict[str, Any]
    artifacts: dict[str, str]
    versions: dict[str, Any]
    source: str
    workspace: str | None
    host: str
    pid: int | None
    error: str | None
    started_at: datetime
    finished_at: datetime | None

    def duration_s(self) -> float | None:
        """Seconds from start to finish, or ``None`` while the run has no finish time."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def finished(self) -> bool:
        """True once the run is no longer ``running``."""
        return self.status != "running"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (times as ISO 8601 UTC strings, ``duration_s`` added)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["started_at"] = self.started_at.isoformat()
        out["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        out["duration_s"] = self.duration_s()
        return out


@dataclass(frozen=True)
class StudyRecord:
    """A blinded perception study (the item order of :meth:`order_for` is fixed per reviewer).

    Attributes
    ----------
    id : str, 32 hex digits
    name : str, unique among studies
    seed : int, seeds every reviewer's item order
    items : list of dict
        In item order ``0..n-1``: ``kind`` ("clean" | "adversarial"), ``true_label``,
        ``source_label``, ``target_label`` (int or None), ``model_label``, ``run_id`` (str or None),
        ``series_index``.
    config : dict, JSON values given at creation (class names, fs, unit, rendering, ...)
    signals : str, path of the signals NPZ relative to the artifacts root
    created_at : datetime (UTC)
    """

    id: str
    name: str
    seed: int
    items: list[dict[str, Any]] = field(repr=False)
    config: dict[str, Any]
    signals: str
    created_at: datetime

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.items)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"id": self.id, "name": self.name, "seed": self.seed, "items": self.items, "config": self.config,
                "signals": self.signals, "created_at": self.created_at.isoformat(), "n_items": self.n_items}
