"""Alembic migrations: the head is what the code says, the migrated schema equals the models, and a
database at an older revision, with data in it, upgrades without loss (SQLite and PostgreSQL)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tsviz.runs import RunStoreError, migrations, open_store
from tsviz.runs.engine import make_engine

RUN_ID = "0123456789abcdef0123456789abcdef"


def test_head_and_revisions_match_the_scripts():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert script.get_current_head() == migrations.HEAD
    chain = [rev.revision for rev in script.walk_revisions()][::-1]
    assert tuple(chain) == migrations.REVISIONS


def test_migrated_schema_equals_the_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tsviz.runs.schema import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert migrations.current_revision(conn) == migrations.HEAD
    assert diff == []


def test_older_database_upgrades_without_loss(db_url, tmp_path):
    engine = make_engine(db_url)
    migrations.upgrade(engine, "0001_initial")                  # a database as the first release left it
    params = {"eps": 0.1, "attack": "pgd", "nested": {"a": [1, 2.5, None]}}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO runs (id, kind, status, label, params, seeds, dataset, dataset_spec, dataset_fingerprint, "
            "model, model_id, metrics, versions, source, workspace, host, pid, proc_start, error, started_at, "
            "finished_at) VALUES (:id, 'attack', 'done', 'old run', :params, :seeds, :dataset, 'synthetic-ecg', "
            "'ffff', :model, 'resnet', :metrics, :versions, 'cli', NULL, 'elsewhere', 12, NULL, NULL, "
            ":t0, :t1)"),
            {"id": RUN_ID, "params": json.dumps(params), "seeds": json.dumps({"seed": 3}),
             "dataset": json.dumps({"spec": "synthetic-ecg", "fingerprint": "ffff"}),
             "model": json.dumps({"id": "resnet"}), "metrics": json.dumps({"success_rate": 0.75}),
             "versions": json.dumps({"tsviz": "0.0.9"}), "t0": "2025-01-02 03:04:05", "t1": "2025-01-02 03:04:06"})
        conn.execute(text("INSERT INTO artifacts (run_id, name, kind, path, size_bytes, sha256, created_at) VALUES "
                          "(:id, 'adversarial', 'npz', :path, 10, :sha, :t)"),
                     {"id": RUN_ID, "path": f"{RUN_ID}/adversarial.npz", "sha": "0" * 64, "t": "2025-01-02 03:04:06"})
        assert not engine.dialect.has_table(conn, "studies")
    engine.dispose()

    store = open_store(db_url, home=tmp_path)                     # opening migrates to the head
    with store.engine.connect() as conn:
        assert migrations.current_revision(conn) == migrations.HEAD
    rec = store.get(RUN_ID)
    assert rec.params == params and rec.seeds == {"seed": 3} and rec.metrics == {"success_rate": 0.75}
    assert rec.label == "old run" and rec.status == "done" and rec.host == "elsewhere"
    assert rec.artifacts == {"adversarial": f"{RUN_ID}/adversarial.npz"}
    assert (rec.started_at.year, rec.started_at.second, rec.duration_s()) == (2025, 5, 1.0)
    assert [r.id for r in store.list_runs(dataset="synthetic-ecg")] == [RUN_ID]
    assert store.list_studies() == []                              # the new tables exist and work
    new = store.start("attack", params={})
    new.finish()
    assert len(store.list_runs()) == 2


def test_database_from_a_newer_tsviz_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    open_store(url, home=tmp_path)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    from tsviz.runs import close_stores

    close_stores()
    with pytest.raises(RunStoreError, match="9999_future.*newer tsviz"):
        open_store(url, home=tmp_path)
