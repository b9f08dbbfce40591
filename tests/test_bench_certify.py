"""Smoke test of benchmarks/certify.py in --quick mode: it runs and writes the documented JSON keys.

No timing thresholds: speed is judged from the benchmark's own ratios, never in tests.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_certify", REPO / "benchmarks" / "certify.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_quick_run_writes_json(tmp_path, capsys):
    out = tmp_path / "certify.json"
    rc = _bench().main(["--quick", "--device", "cpu", "--models", "synthetic-ecg/kachuee", "--masks", "2",
                        "--n-draws", "20", "--n-draws-masks", "20", "--sweep", "8", "--out", str(out)])
    assert rc == 0
    res = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out) == res
    assert {"platform", "torch", "device", "device_name", "cpu_count", "torch_threads"} <= set(res["machine"])
    assert res["settings"]["quick"] is True and res["settings"]["repeats"] == 1
    assert set(res["configs"]) == {"synthetic-ecg/kachuee", "synthetic-ecg/kachuee+2masks"}
    for name, cfg in res["configs"].items():
        for method in ("tsviz", "bare_forward", "per_sample_loop"):
            assert cfg[method]["seconds"] > 0 and cfg[method]["rows_per_s"] > 0
        assert {"tsviz_vs_bare", "loop_vs_tsviz", "loop_vs_bare", "goals", "checks", "auto_rows"} <= set(cfg)
        assert set(cfg["goals"]) == {"tsviz_vs_bare", "loop_vs_tsviz"}
        assert isinstance(cfg["goals"]["tsviz_vs_bare"]["met"], bool)
        assert cfg["n_draws"] == 20 and cfg["model_rows"] == cfg["n_series"] * 20 * max(1, cfg["n_masks"])
        checks = cfg["checks"]
        assert checks["tsviz_counts_sum_to_n"] and checks["bare_counts_sum_to_n"] and checks["loop_counts_sum_to_n"]
        # same seed, same chunks: the bare bound computes exactly what Smoothed computes
        assert checks["counts_equal_tsviz_bare"], name
        assert set(checks["top_class_agreement"]) == {"tsviz_bare", "tsviz_loop", "bare_loop"}
        sweep = cfg["tsviz_batch_size_sweep"]["8"]
        assert sweep["counts_sum_to_n"] and sweep["seconds"] > 0 and sweep["loop_vs_this"] > 0
    assert set(res["goals_met"]) == {"tsviz_vs_bare", "loop_vs_tsviz"}
