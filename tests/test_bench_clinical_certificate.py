"""Smoke test of benchmarks/clinical_certificate.py with tiny settings: it runs, takes the recipe list as
an argument (zoo names and label=checkpoint), and writes the documented JSON keys.

No timing thresholds: the benchmark reports its own seconds, never judged in tests.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_clinical", REPO / "benchmarks" / "clinical_certificate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_tiny_run_writes_json(tmp_path, capsys):
    import tsviz

    ckpt = tmp_path / "mine.safetensors"  # a checkpoint outside the zoo, as a new recipe's would be
    model = tsviz.models.pretrained("synthetic-ecg", "kachuee", "gaussian-0.5")
    tsviz.models.save(model, ckpt, dict(model.card))
    out = tmp_path / "clinical.json"
    rc = _bench().main(["--device", "cpu", "--recipes", f"gaussian-0.5,masked_gaussian-0.25-binomial,mine={ckpt}",
                        "--n-series", "3", "--n-draws", "40", "--compare-n", "20", "--n0", "5", "--masks", "2",
                        "--out", str(out)])
    assert rc == 0
    res = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out) == res
    assert {"platform", "torch", "device", "device_name", "cpu_count", "torch_threads"} <= set(res["machine"])
    st = res["settings"]
    assert (st["n_series"], st["n"], st["compare_n"], st["n0"], st["alpha"]) == (3, 40, 20, 5, 0.001)
    assert st["threshold_l2_mv"] == pytest.approx(0.05 * 187 ** 0.5)
    assert res["baseline"]["share_certified_correct"] == {"1000": 0.32, "10000": 0.38}
    assert res["goal"]["share_certified_correct"] == 0.75
    runs = res["runs"]
    assert [r["recipe"] for r in runs] == ["gaussian-0.5", "masked_gaussian-0.25-binomial", "mine"]
    assert [r["sigma"] for r in runs] == [0.5, 0.25, 0.5]  # each recipe's own sigma (the checkpoint's card)
    assert [r["n_masks"] for r in runs] == [0, 2, 0] and runs[1]["mask_kind"] == "binomial"
    for r in runs:
        assert r["n"] == 40 and r["at_compare_n"]["n"] == 20
        for row in (r, r["at_compare_n"]):
            assert 0 <= row["share_certified_correct"] <= row["smoothed_clean_accuracy"] <= 1
            assert row["acr"] >= 0 and row["seconds"] > 0 and row["radius_ceiling"] > 0
            assert row["n_certified_correct"] == round(3 * row["share_certified_correct"])
            # 40 draws cannot reach 0.684 mV at these sigmas: the run says so
            assert row["threshold_reachable"] is False and row["share_certified_correct"] == 0
        assert r["goal_met"] is False and "share_ratio_vs_compare_n" in r
    # the same model and settings give the same numbers under a zoo name and as a checkpoint
    for key in ("share_certified_correct", "smoothed_clean_accuracy", "acr"):
        assert runs[0][key] == runs[2][key]
    assert res["best"]["recipe"] in {r["recipe"] for r in runs}


def test_sigmas_override_and_unknown_sigma(tmp_path):
    out = tmp_path / "c.json"
    assert _bench().main(["--device", "cpu", "--recipes", "gaussian-0.5", "--sigmas", "0.25,0.5", "--n-series", "2",
                          "--n-draws", "20", "--compare-n", "0", "--n0", "5", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert [r["sigma"] for r in res["runs"]] == [0.25, 0.5]
    assert all("at_compare_n" not in r for r in res["runs"]) and res["settings"]["compare_n"] is None
    with pytest.raises(SystemExit, match="names no sigma"):
        _bench().main(["--device", "cpu", "--recipes", "standard", "--n-series", "2", "--n-draws", "20",
                       "--compare-n", "0", "--n0", "5"])
