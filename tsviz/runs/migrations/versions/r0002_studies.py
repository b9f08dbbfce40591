"""Perception studies (``studies``, ``study_items``, ``study_answers``) and two indexes on ``runs``.

Revision ID: 0002_studies
Revises: 0001_initial
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_studies"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the study tables; index ``runs`` by start time and by (host, status) for the reaper."""
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_index("ix_runs_host_status", "runs", ["host", "status"])
    op.create_table(
        "studies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.Column("signals", sa.String(1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "study_items",
        sa.Column("study_id", sa.String(32), sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("item", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("true_label", sa.Integer(), nullable=False),
        sa.Column("source_label", sa.Integer(), nullable=False),
        sa.Column("target_label", sa.Integer(), nullable=True),
        sa.Column("model_label", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("series_index", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "study_answers",
        sa.Column("study_id", sa.String(32), primary_key=True),
        sa.Column("reviewer", sa.String(200), primary_key=True),
        sa.Column("item", sa.Integer(), primary_key=True),
        sa.Column("label", sa.Integer(), nullable=True),
        sa.Column("manipulated", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id", "item"], ["study_items.study_id", "study_items.item"],
                                ondelete="CASCADE", name="fk_study_answers_item"),
    )


def downgrade() -> None:
    """Drop the study tables and the two indexes."""
    op.drop_table("study_answers")
    op.drop_table("study_items")
    op.drop_table("studies")
    op.drop_index("ix_runs_host_status", table_name="runs")
    op.drop_index("ix_runs_started_at", table_name="runs")
