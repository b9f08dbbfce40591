"""The tables (SQLAlchemy 2 declarative models): runs, artifacts, studies, study_items, study_answers.

The migrations in :mod:`tsviz.runs.migrations` create exactly these tables; a test checks that the
migrated schema and these models agree. JSON columns hold plain JSON (see :mod:`tsviz.runs.jsonsafe`);
times are stored in UTC.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "Run", "Artifact", "Study", "StudyItem", "StudyAnswer", "utcnow", "as_utc"]


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as timezone-aware UTC (SQLite hands back naive times)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the run store."""

    type_annotation_map: dict[Any, Any] = {dict[str, Any]: JSON}


class Run(Base):
    """One run of a capability (row of ``runs``)."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    label: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    seeds: Mapped[dict[str, Any]] = mapped_column(JSON)
    dataset: Mapped[dict[str, Any]] = mapped_column(JSON)
    dataset_spec: Mapped[str | None] = mapped_column(String(500), index=True)
    dataset_fingerprint: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    model_id: Mapped[str | None] = mapped_column(String(500), index=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str | None] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    proc_start: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    artifacts: Mapped[list[Artifact]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                     passive_deletes=True, order_by="Artifact.name")

    __table_args__ = (Index("ix_runs_started_at", "started_at"), Index("ix_runs_host_status", "host", "status"))


class Artifact(Base):
    """A file of a run under the artifacts root (row of ``artifacts``)."""

    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(1000))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    run: Mapped[Run] = relationship(back_populates="artifacts")

    __table_args__ = (UniqueConstraint("run_id", "name", name="uq_artifacts_run_name"),)


class Study(Base):
    """A blinded perception study (row of ``studies``)."""

    __tablename__ = "studies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    n_items: Mapped[int] = mapped_column(Integer)
    signals: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StudyItem(Base):
    """One item (a clean or adversarial series) of a study, in the study's item order."""

    __tablename__ = "study_items"

    study_id: Mapped[str] = mapped_column(String(32), ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    true_label: Mapped[int] = mapped_column(Integer)
    source_label: Mapped[int] = mapped_column(Integer)
    target_label: Mapped[int | None] = mapped_column(Integer)
    model_label: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str | None] = mapped_column(String(32))
    series_index: Mapped[int] = mapped_column(BigInteger)


class StudyAnswer(Base):
    """A reviewer's answer on one item (upserted: the latest answer counts)."""

    __tablename__ = "study_answers"

    study_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(200), primary_key=True)
    item: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[int | None] = mapped_column(Integer)
    manipulated: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["study_id", "item"], ["study_items.study_id", "study_items.item"], ondelete="CASCADE",
                             name="fk_study_answers_item"),
    )
