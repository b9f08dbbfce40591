"""selfensemble-table3: the tiny run end to end on CBF, the bounds, and the full configuration is the paper's.

Paper: Dong, Li, Zheng, Chen & Zhang, "Boosting Certified Robustness for Time Series Classification with
Efficient Self-Ensemble", CIKM 2024 (shared paper certified-robustness-tsc-self-ensemble.txt).
"""
from __future__ import annotations

import math

import pytest
from realdata import SHARED_DATA, shared_data

from tsviz.reproduce import get_target, run_target
from tsviz.reproduce.targets.selfensemble_table3 import PAPER_ACR, bound_facts

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny networks: one thread is faster

KEY = "selfensemble-table3"


def test_tiny_run_gives_a_well_formed_table():
    shared_data("ucr", "CBF")
    shared_data("ucr", "SyntheticControl")
    res = run_target(KEY, "tiny", data_root=SHARED_DATA, seed=0)
    assert [r["method"] for r in res.measured_table] == ["Single", "DE", "M_B", "M_C"]
    for r in res.measured_table:
        assert (r["dataset"], r["arch"], r["sigma"], r["n"], r["alpha"]) == ("CBF", "InceptionTime", 0.4, 100, 0.001)
        assert 0.0 <= r["accuracy"] <= 100.0
        # no ACR can exceed the ceiling n allows; the Renyi ACR never exceeds Cohen's on the same counts
        assert 0.0 <= r["acr"] <= r["ceiling_cohen"] + 1e-12
        assert 0.0 <= r["acr_renyi"] <= r["acr"] + 1e-12 and r["ceiling_renyi"] < r["ceiling_cohen"]
        assert 0.0 <= r["share_at_ceiling"] <= 1.0
    assert res.extra["bounds"]["0.4"]["ceiling_cohen"] == pytest.approx(res.measured_table[0]["ceiling_cohen"])
    assert any("above the Renyi ceiling" in n for n in res.notes)
    assert res.verdict.label in ("matches", "same direction", "differs")


def test_ceilings_at_the_papers_n():
    # Cohen: sigma * Phi^-1(alpha^(1/n)); with n = 1000 and alpha = 0.001: 2.46326 sigma
    f = bound_facts([0.2, 0.4], 1000, 0.001)
    assert f["0.2"]["ceiling_cohen"] == pytest.approx(0.4926525, abs=1e-6)
    assert f["0.4"]["ceiling_cohen"] == pytest.approx(0.9853050, abs=1e-6)
    # the published InceptionTime ACRs are above the Renyi ceilings (the text's bound) at both sigmas
    for (ds, sigma, arch), (acrs, _) in PAPER_ACR.items():
        if arch == "InceptionTime":
            assert max(acrs) > f[f"{sigma:g}"]["ceiling_renyi"], (ds, sigma)
    assert max(PAPER_ACR[("CBF", 0.2, "InceptionTime")][0]) > f["0.2"]["ceiling_cohen"]  # 0.495 > 0.4927


def test_full_configuration_is_the_papers():
    cfg = get_target(KEY).configs["full"]
    # section 5.3: trained with the certified sigma for 1000 epochs; p = 0.9; 1000 draws at beta = 0.001
    assert cfg["epochs"] == 1000 and cfg["keep"] == 0.9 and (cfg["n"], cfg["alpha"]) == (1000, 0.001)
    # section 6.2: ensembles of 5; Table 3: the three networks, CBF and SyntheticControl at sigma 0.2 and 0.4
    assert cfg["members"] == 5 and cfg["archs"] == ["InceptionTime", "LSTM-FCN", "MACNN"]
    assert cfg["datasets"] == ["CBF", "SyntheticControl"] and cfg["sigmas"] == [0.2, 0.4]
    assert cfg["n_test"] == 0 and cfg["arch_hparams"] == {}


def test_paper_numbers_are_the_published_ones():
    rows = {(r["dataset"], r["arch"], r["sigma"], r["method"]): (r["acr"], r["accuracy"])
            for r in get_target(KEY).paper_table}
    assert len(rows) == 2 * 2 * 3 * 4
    assert rows[("CBF", "InceptionTime", 0.2, "M_C")] == (0.495, 100.0)
    assert rows[("SyntheticControl", "InceptionTime", 0.4, "M_B")] == (0.808, 84.0)
    assert rows[("SyntheticControl", "MACNN", 0.4, "M_C")] == (0.775, 86.7)
    assert all(not math.isnan(a) for a, _ in rows.values())
