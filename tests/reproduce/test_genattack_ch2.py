"""genattack-ch2: the tiny run end to end, the full configuration and Table 2.1 are the chapter's, and
the hand-checkable pieces (random targets, the median over successful series).

Paper: Alzantot, "Secure and private machine learning for smart devices", dissertation, UCLA 2019
(shared text secure-private-ml-smart-devices-genattack-neuromask-physiogan.txt), ch. 2, section 2.6.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from tsviz.attacks.genattack import GENATTACK_PRESETS, PAPER_MAX_QUERIES
from tsviz.reproduce import get_target, run_target
from tsviz.reproduce.targets.genattack_ch2 import (
    PAPER_EPS_FRACTION,
    PAPER_SETTINGS,
    median_successful_queries,
    random_targets,
)

KEY = "genattack-ch2"
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_tiny_run_gives_a_well_formed_table():
    t = get_target(KEY)
    cfg = t.configs["tiny"]
    seen = []
    res = run_target(KEY, "tiny", seed=0, progress=lambda f, m: seen.append(f))
    assert res.mode == "tiny" and res.config == cfg and seen[-1] == 1.0
    assert [(r["dataset"], r["attack"]) for r in res.measured_table] == [("CIFAR-10", "GenAttack"),
                                                                          ("CIFAR-10", "baseline")]
    ga, spsa = res.measured_table
    assert ga["baseline_name"] == "GenAttack" and spsa["baseline_name"] == "SPSA"
    assert ga["params"]["preset"] == "paper" and ga["params"]["temperature"] == 0.3
    for r in res.measured_table:
        assert r["n"] == cfg["n"] and 0.0 <= r["asr"] <= 1.0
        q = r["median_queries"]
        assert (math.isnan(q) and r["asr"] == 0.0) or 1 <= q <= cfg["max_queries"]
        assert r["eps"] == pytest.approx(0.05 * r["eps"] / r["eps_fraction"])  # the CIFAR-10 fraction
    assert res.verdict.label in ("matches", "same direction", "differs")


def test_full_configuration_is_the_chapters():
    # section 2.6 "Hyperparameters" (MNIST, CIFAR-10): at most 100,000 queries, rho = 5e-2, N = 6, alpha = 1.0;
    # no adaptive scaling and no dimensionality reduction (ImageNet only); one elite (Algorithm 1);
    # temperature 0.3 from the authors' code (the text gives none)
    assert PAPER_SETTINGS == {"population": 6, "rho": 0.05, "alpha": 1.0, "adaptive": False, "temperature": 0.3,
                              "elitism": 1, "dim_reduction": 1.0, "max_queries": 100_000}
    assert {k: v for k, v in PAPER_SETTINGS.items() if k != "max_queries"} == GENATTACK_PRESETS["paper"]
    assert PAPER_SETTINGS["max_queries"] == PAPER_MAX_QUERIES["paper"]
    cfg = get_target(KEY).configs["full"]
    # section 2.6.1: 1,000 correctly classified test examples, random targets; both budgets of Table 2.1
    assert cfg["n"] == 1000 and cfg["max_queries"] == 100_000 and cfg["datasets"] == ["MNIST", "CIFAR-10"]
    assert PAPER_EPS_FRACTION == {"MNIST": 0.30, "CIFAR-10": 0.05}  # delta_max on images in [0, 1]


def test_table_2_1_is_transcribed():
    rows = {(r["dataset"], r["attack"]): (r["asr"], r["median_queries"], r["baseline_name"])
            for r in get_target(KEY).paper_table}
    assert rows == {("MNIST", "GenAttack"): (1.0, 996, "GenAttack"), ("MNIST", "baseline"): (0.98, 2_118_222, "ZOO"),
                    ("CIFAR-10", "GenAttack"): (0.965, 804, "GenAttack"),
                    ("CIFAR-10", "baseline"): (0.933, 2_064_798, "ZOO")}
    assert get_target(KEY).direction == (("GenAttack", "baseline", "median_queries", "<"),)


def test_random_targets_never_the_true_class():
    y = np.arange(500) % 5
    t = random_targets(y, 5, seed=0)
    assert (t != y).all() and set(t.tolist()) == set(range(5))
    np.testing.assert_array_equal(t, random_targets(y, 5, seed=0))
    assert not np.array_equal(t, random_targets(y, 5, seed=1))


def test_median_over_successful_series():
    # Table 2.1: "Median of query counts is computed over successful examples"
    q, ok = np.array([10, 20, 30, 1000]), np.array([True, True, True, False])
    assert median_successful_queries(q, ok) == 20.0
    assert math.isnan(median_successful_queries(q, np.zeros(4, bool)))
