"""The Runs page in AppTest (issue 14): runs recorded straight into the store (TSVIZ_HOME in tmp_path)
are listed, filtered, shown in detail, compared (settings diff, one curve trace per run), deleted
after a confirmation, exported as a zip; a failed run shows its error; an empty store and a
corrupt database file give messages, never a traceback; workspaces decide what a session sees."""
from __future__ import annotations

import io
import json
import sys
import types
import zipfile
from datetime import date, timedelta

import pytest
from apptest_helpers import app, errors, no_errors

from tsviz.core.errors import TsvizError

pytestmark = pytest.mark.usefixtures("app_home")

PAGE = "pages/9_Runs.py"
OTHER_WS = "s-" + "0" * 32


@pytest.fixture(autouse=True)
def _fresh_stores():
    from tsviz.runs import close_stores

    close_stores()
    yield
    close_stores()


def _curves(y):
    return {"acc": {"x": [0.0, 0.05, 0.1], "y": y, "x_label": "eps (mV)", "y_label": "accuracy",
                    "kind": "accuracy_vs_eps"}}


def _record(kind="attack", *, label, eps=0.1, seed=0, y=None, workspace=None, fail=None, dataset="synthetic-ecg"):
    """Record one finished run (a failed one when ``fail`` is a message); returns its id."""
    from tsviz.runs import open_store

    store = open_store()
    run = store.start(kind, params={"attack": "pgd", "eps": eps, "steps": 10}, seeds={"seed": seed},
                      dataset={"spec": dataset, "name": dataset, "fingerprint": "fp-" + dataset},
                      model={"id": "synthetic-ecg--resnet--standard", "arch": "resnet"}, label=label,
                      source="cli" if workspace is None else "app", workspace=workspace)
    if y is not None:
        run.save_json("curves", _curves(y))
        run.log_metrics(clean_accuracy=y[0], adversarial_accuracy=y[-1])
    if fail:
        run.fail(fail)
    else:
        run.finish()
    return run.id


def _three():
    a = _record(label="pgd A", eps=0.1, seed=0, y=[0.9, 0.5, 0.2])
    b = _record(label="pgd B", eps=0.2, seed=1, y=[0.95, 0.7, 0.4], dataset="cbf")
    f = _record("training", label="broken training", fail=ValueError("loss became NaN at epoch 3"))
    return a, b, f


def _table(at):
    hits = [d for d in at.dataframe if (d.key or "").startswith("runs_table_")]
    assert len(hits) == 1, [d.key for d in at.dataframe]
    return hits[0]


def _select(at, labels):
    table = _table(at)
    rows = [i for i, lab in enumerate(table.value["label"]) if lab in labels]
    assert len(rows) == len(labels), (labels, list(table.value["label"]))
    at.session_state[table.key] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    at.run()
    no_errors_but_runs(at)
    return at


def no_errors_but_runs(at):
    """No exception, and no st.error other than a failed run's own error."""
    assert not at.exception, [e.value for e in at.exception]
    assert all("with this error" in e.value for e in at.error), [e.value for e in at.error]


def _charts(at, key_part=""):
    """The plotly specs of the charts whose element id holds ``key_part``."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart") if key_part in c.proto.id]


def _values(v):
    """A trace's array, decoded from plotly's typed-array JSON (``{"dtype", "bdata"}``) when needed."""
    import base64

    import numpy as np

    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def _frame_with(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_runs_appear_and_filters_work():
    _three()
    at = app(PAGE).run()
    no_errors(at)
    assert set(_table(at).value["label"]) == {"pgd A", "pgd B", "broken training"}
    assert [b.label for b in at.get("download_button")] == ["⬇ CSV"]
    at.multiselect(key="runs_kind").set_value(["attack"]).run()
    assert set(_table(at).value["label"]) == {"pgd A", "pgd B"}
    at.multiselect(key="runs_kind").set_value([]).run()
    at.multiselect(key="runs_status").set_value(["failed"]).run()
    assert list(_table(at).value["label"]) == ["broken training"]
    at.multiselect(key="runs_status").set_value([]).run()
    at.selectbox(key="runs_dataset").set_value("cbf").run()
    assert list(_table(at).value["label"]) == ["pgd B"]
    at.selectbox(key="runs_dataset").set_value("(any)").run()
    at.text_input(key="runs_search").input("PGD a").run()
    assert list(_table(at).value["label"]) == ["pgd A"]
    at.text_input(key="runs_search").input("").run()
    today = date.today()
    at.date_input(key="runs_until").set_value(today - timedelta(days=2)).run()
    no_errors(at)
    assert any("No run matches these filters" in i.value for i in at.info)
    at.date_input(key="runs_until").set_value(today + timedelta(days=1)).run()
    at.date_input(key="runs_since").set_value(today - timedelta(days=1)).run()
    assert len(_table(at).value) == 3
    at.number_input(key="runs_limit").set_value(1).run()
    assert len(_table(at).value) == 1


def test_details_of_one_run_and_its_export():
    from tsviz.runs import open_store
    from tsviz.ui import runs_run as rr

    a, _, _ = _three()
    at = _select(app(PAGE).run(), ["pgd A"])
    no_errors(at)
    assert any("pgd A" in s.value for s in at.subheader)
    params = next(d.value for d in at.dataframe if "key" in d.value.columns and
                  list(d.value["key"]) == ["attack", "eps", "steps"])
    assert list(params["value"]) == ["pgd", "0.1", "10"]
    assert {"Report (HTML)", "Export (zip)", "⬇ CSV (details)", "⬇ JSON (record)"} <= \
        {b.label for b in at.get("download_button")}
    assert at.button(key=f"runs_open_{a}").label == "Open in its page"
    (chart,) = _charts(at)
    assert [t["name"] for t in chart["data"]] == ["pgd A"] and _values(chart["data"][0]["y"]) == [0.9, 0.5, 0.2]
    # the export the button gives: a zip with run.json and the curves artifact
    rec = open_store().get(a)
    data = rr.export_zip(rec, open_store().artifacts_root.parent / "exports-test")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        doc = json.loads(zf.read("run.json"))
    assert "run.json" in names and any(n.endswith("curves.json") for n in names)
    assert doc["id"] == a and doc["params"]["eps"] == 0.1
    assert not list((open_store().artifacts_root.parent / "exports-test").iterdir())  # temp file removed
    report = rr.run_report(rec, *rr.run_curves(rec)).decode()
    assert "pgd A" in report and "fp-synthetic-ecg" in report and report.count("plotly.js v") == 1


def test_compare_two_runs_shows_the_settings_diff_and_one_curve_trace_per_run():
    _three()
    at = _select(app(PAGE).run(), ["pgd A", "pgd B"])
    no_errors(at)
    diff = _frame_with(at, "setting")
    assert set(diff["setting"]) == {"params.eps", "seeds.seed", "dataset.spec", "dataset.name",
                                    "dataset.fingerprint"}
    eps = diff[diff["setting"] == "params.eps"].iloc[0]
    assert (eps["pgd A"], eps["pgd B"]) == ("0.1", "0.2") and bool(eps["differs"])
    at.toggle(key="runs_only_diff").set_value(False).run()
    full = _frame_with(at, "setting")
    assert {"params.attack", "params.steps", "model.id"} <= set(full["setting"])
    assert not full[full["setting"] == "params.steps"].iloc[0]["differs"]
    metrics = _frame_with(at, "metric")
    assert list(metrics["metric"]) == ["clean_accuracy", "adversarial_accuracy"]
    curves = [c for c in _charts(at, "runs-compare") if c["layout"]["title"]["text"] == "Accuracy vs attack budget"]
    assert len(curves) == 1
    traces = {t["name"]: _values(t["y"]) for t in curves[0]["data"]}
    assert traces == {"pgd A": [0.9, 0.5, 0.2], "pgd B": [0.95, 0.7, 0.4]}
    assert "Report of the comparison (HTML)" in {b.label for b in at.get("download_button")}
    assert sum(b.label == "⬇ HTML" for b in at.get("download_button")) >= 2  # curves and metric bars


def test_delete_asks_for_a_confirmation_then_removes_the_run():
    from tsviz.runs import RunStoreError, open_store

    a, _, _ = _three()
    at = _select(app(PAGE).run(), ["pgd A"])
    at.button(key=f"runs_delete_{a}").click().run()
    no_errors(at)
    assert any("cannot be undone" in w.value for w in at.warning)
    assert open_store().get(a).id == a  # not yet
    at.button(key="runs_delete_no").click().run()
    assert not any("cannot be undone" in w.value for w in at.warning)
    assert open_store().get(a).id == a
    at.button(key=f"runs_delete_{a}").click().run()
    folder = open_store().artifacts_root / open_store().get(a).artifacts["curves"].split("/")[0]
    at.button(key="runs_delete_yes").click().run()
    no_errors(at)
    with pytest.raises(RunStoreError):
        open_store().get(a)
    assert not folder.exists()
    assert any(f"Run {a[:8]} deleted" in s.value for s in at.success)
    assert set(_table(at).value["label"]) == {"pgd B", "broken training"}


def test_a_failed_run_shows_its_error_and_hostile_text_stays_text():
    _three()
    at = _select(app(PAGE).run(), ["broken training"])
    assert any("This run failed with this error" in e for e in errors(at))
    assert any("loss became NaN at epoch 3" in c.value for c in at.code)
    hostile = "![x](http://evil.example/x.png) <script>"
    _record("training", label=hostile, fail=RuntimeError(hostile))
    at = _select(app(PAGE).run(), [hostile])
    assert not any("![x](" in s.value for s in at.subheader)  # escaped: no image, no link
    assert any(r"\!\[x\]\(http" in s.value for s in at.subheader)
    assert any(hostile in c.value for c in at.code)  # the error as literal text


def test_an_empty_store_says_how_runs_get_there():
    at = app(PAGE).run()
    no_errors(at)
    assert any("No runs recorded yet" in i.value and "python -m tsviz" in i.value for i in at.info)


def test_a_corrupt_database_file_gives_an_error_naming_it(app_home):
    app_home.mkdir(parents=True, exist_ok=True)
    bad = app_home / "runs.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    at = app(PAGE).run()
    msgs = errors(at)
    assert len(msgs) == 1 and str(bad) in msgs[0] and "not an SQLite database" in msgs[0]


def test_workspaces_decide_what_a_session_sees(monkeypatch):
    _record(label="cli run", y=[0.9, 0.1, 0.0])
    _record(label="someone else's run", workspace=OTHER_WS)
    at = app(PAGE).run()
    no_errors(at)  # default while the server listens on localhost only: "all" (one user, runs survive restarts)
    assert set(_table(at).value["label"]) == {"cli run", "someone else's run"}
    monkeypatch.setenv("TSVIZ_RUNS_SCOPE", "shared")
    at.run()
    assert list(_table(at).value["label"]) == ["cli run"]  # "shared": own workspace + CLI runs
    mine = at.session_state["tsviz_workspace_session_id"]
    _record(label="my run", workspace=mine)
    at.run()
    assert set(_table(at).value["label"]) == {"cli run", "my run"}
    monkeypatch.setenv("TSVIZ_RUNS_SCOPE", "workspace")
    at.run()
    assert list(_table(at).value["label"]) == ["my run"]
    monkeypatch.setenv("TSVIZ_RUNS_SCOPE", "all")
    at.run()
    assert set(_table(at).value["label"]) == {"cli run", "my run", "someone else's run"}
    monkeypatch.setenv("TSVIZ_RUNS_SCOPE", "everything")
    at.run()
    assert any("TSVIZ_RUNS_SCOPE must be one of" in w.value for w in at.warning)
    assert list(_table(at).value["label"]) == ["my run"]


def test_open_in_its_page_names_what_is_missing_and_keeps_the_page(monkeypatch):
    a, _, f = _three()
    fake = types.ModuleType("tsviz.ui.run_record")
    fake.PAGE_OF_KIND = {"attack": "pages/3_Attack.py"}
    fake.RESTORABLE_KINDS = ("attack",)

    def restore(record):
        raise TsvizError(f"the checkpoint {record.model['id']} of run {record.id[:8]} is gone")

    fake.restore = restore
    fake.curves_of = lambda store, rec: store.load_json(rec.id, "curves") if "curves" in rec.artifacts else {}
    monkeypatch.setitem(sys.modules, "tsviz.ui.run_record", fake)
    at = _select(app(PAGE).run(), ["pgd A"])
    at.button(key=f"runs_open_{a}").click().run()
    msgs = errors(at)
    assert len(msgs) == 1 and "Could not open run" in msgs[0] and "synthetic-ecg--resnet--standard" in msgs[0] \
        and "is gone" in msgs[0]
    assert _table(at) is not None and any("pgd A" in s.value for s in at.subheader)  # still on the Runs page
    at = _select(app(PAGE).run(), ["broken training"])
    at.button(key=f"runs_open_{f}").click().run()
    assert any("A training run cannot be opened in a page" in e for e in errors(at))


def test_a_study_run_report_holds_the_study_results():
    import numpy as np

    from tsviz.runs import open_store
    from tsviz.ui import runs_run as rr

    store = open_store()
    items = [{"kind": k, "true_label": 0, "source_label": 0, "target_label": None if k == "clean" else 1,
              "model_label": 0 if k == "clean" else 1, "run_id": None, "series_index": i}
             for i, k in enumerate(["clean", "adversarial"])]
    with store.record("study", params={"name": "pilot"}, seeds={"seed": 1}, label="study: pilot") as run:
        study = store.create_study("pilot", seed=1, items=items, signals=np.zeros((2, 1, 8), np.float32),
                                   config={"class_names": ["N", "V"]})
        run.log_metrics(study_id=study.id, n_items=2)
    store.save_answer(study.id, "Ada", 0, label=0, manipulated="no")
    store.save_answer(study.id, "Ada", 1, label=0, manipulated="yes")
    rec = store.get(run.id)
    doc = rr.run_report(rec).decode()
    assert "Blinded perception study pilot" in doc and "Table 3.1" in doc and "Ada" in doc
    assert doc.count("plotly.js v") == 1


def test_the_default_scope_is_shared_once_the_server_is_opened_to_others(monkeypatch):
    import streamlit as st

    from tsviz.ui import runs_run

    monkeypatch.delenv("TSVIZ_RUNS_SCOPE", raising=False)
    real = st.get_option
    for address, scope in (("localhost", "all"), ("127.0.0.1", "all"), ("0.0.0.0", "shared"), ("", "shared")):
        monkeypatch.setattr(st, "get_option", lambda k, a=address: a if k == "server.address" else real(k))
        assert runs_run.default_scope() == scope, address
