"""Smoke test of benchmarks/first_run.py in --quick mode: it drives the app headless and writes the
documented JSON (per-action seconds, the 30-s verdict, machine, baseline).

No timing thresholds: the numbers are read from the benchmark's output, never asserted in tests.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_quick_run_writes_json(tmp_path):
    out = tmp_path / "first-run.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), "TSVIZ_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "benchmarks/first_run.py", "--quick", "--out", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    res = json.loads(out.read_text())
    assert json.loads(proc.stdout) == res
    assert res["benchmark"] == "first_run" and res["settings"]["quick"] is True and res["settings"]["budget_s"] == 30
    machine = res["machine"]
    assert {"platform", "cpu", "cpu_count", "cores_available", "torch", "torch_threads", "max_runs",
            "loadavg_before", "loadavg_after"} <= set(machine)
    assert len(machine["loadavg_before"]) == 3 and machine["torch_threads"] >= 1
    actions = res["actions"]
    assert list(actions) == ["home.first", "home.warm", "attack.default", "lesson.adversarial.3"]
    for name, rec in actions.items():
        assert not rec.get("problems"), (name, rec.get("problems"))
        assert rec["seconds"] > 0 and isinstance(rec["within_budget"], bool) and rec["default"] is True
        assert rec["page"] and rec["what"]
    step = actions["lesson.adversarial.3"]
    assert step["page"] == "pages/3_Attack.py" and step["action_seconds"] == step["seconds"]
    assert step["open_seconds"] > 0
    baseline = res["baseline"]
    assert baseline["ratio"] == "before_over_now" and "issue 18" in baseline["name"]
    assert actions["home.first"]["before_over_now"] == round(baseline["seconds"]["home.first"]
                                                           / actions["home.first"]["seconds"], 2)
    verdict = res["verdict"]
    assert verdict["budget_s"] == 30
    assert verdict["all_defaults_within_budget"] == (not verdict["over_budget"])
    assert set(verdict["over_budget"]) == {k for k, r in actions.items() if not r["within_budget"]}
    assert isinstance(res["notes"], list) and res["notes"]


def test_paper_settings_name_widgets_of_the_pages():
    """The --paper baseline sets widgets by the pages' keys; each action it names exists."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import first_run
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    names = {a.name for a in first_run.ACTIONS}
    assert set(first_run.PAPER) <= names and set(first_run.BEFORE) <= names
    assert set(first_run.QUICK_ACTIONS) <= names
