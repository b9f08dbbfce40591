"""Smoke test of benchmarks/explain.py in --quick mode: it runs and writes the documented JSON keys.

No timing thresholds: speed is judged from the benchmark's own ratios, never in tests.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
METHODS = ("saliency", "integrated_gradients", "smoothgrad", "occlusion", "feature_ablation")


def test_quick_run_writes_json(tmp_path):
    out = tmp_path / "explain.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "benchmarks/explain.py", "--quick", "--device", "cpu", "--out", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    res = json.loads(out.read_text())
    assert json.loads(proc.stdout) == res
    machine = res["machine"]
    assert {"platform", "torch", "device", "device_name", "cpu_count", "torch_threads",
            "loadavg_before", "loadavg_after"} <= set(machine)
    assert machine["device"] == "cpu" and machine["torch_threads"] == 1
    settings = res["settings"]
    assert settings["quick"] is True and settings["repeats"] == 1 and settings["nm_repeats"] == 1
    assert settings["n_series"] == 4 and settings["steps"] == 10 and settings["models"] == ["kachuee"]
    assert isinstance(res["notes"], list) and res["notes"]
    assert set(res["models"]) == {"kachuee"} == set(res["summary"])
    cfg = res["models"]["kachuee"]
    assert cfg["n_series"] == 4 and cfg["T"] == 187 and cfg["channels"] == 1
    nm = cfg["neuromask"]
    assert nm["steps"] == 10
    for key in ("batched", "loop"):
        assert nm[key]["seconds"] > 0 and nm[key]["series_per_s"] > 0
        assert len(nm[key]["seconds_all"]) == 1
    assert math.isfinite(nm["loop_vs_batched"]) and nm["loop_vs_batched"] > 0
    checks = nm["checks"]
    assert {"initial_masks_match", "targets_equal", "max_abs_mask_diff", "mean_abs_mask_diff",
            "active_step_agreement", "masks_close", "max_abs_masked_prob_diff"} <= set(checks)
    # the loop threads one generator through its calls: every series starts from the batched weights
    assert checks["initial_masks_match"] and checks["targets_equal"]
    assert 0 <= checks["max_abs_mask_diff"] <= 1 and 0 <= checks["active_step_agreement"] <= 1
    attr = cfg["attribution"]
    assert set(attr) == {*METHODS, "neuromask_batched"}
    for m in METHODS:
        assert attr[m]["seconds"] > 0 and attr[m]["series_per_s"] > 0
        assert math.isfinite(attr[m]["neuromask_vs_this"]) and attr[m]["neuromask_vs_this"] > 0
        assert attr[m]["finite"] and attr[m]["shape"] == [4, 1, 187]
    assert attr["neuromask_batched"]["seconds"] == nm["batched"]["seconds"]
    summary = res["summary"]["kachuee"]
    assert summary["loop_vs_batched"] == nm["loop_vs_batched"]
    assert set(summary["attribution_seconds"]) == set(METHODS)
