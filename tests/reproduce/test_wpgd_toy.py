"""wpgd-toy: the toy problem's geometry, the paper's cost matrix, S and the boundary length by hand,
the tiny run end to end, and the full configuration's paper values.

Paper: Terzi, Susto & Chaudhari, "Directional adversarial training for cost sensitive deep learning
classification applications" (shared paper directional-adversarial-training-wpgd.txt), section 3.4
(Fig. 8/9), section 5.2 and eq. 7.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from tsviz.attacks import weighted_robustness_score
from tsviz.attacks.cost_matrix import validate_cost
from tsviz.reproduce import Verdict, get_target, run_target
from tsviz.reproduce.targets.claims import verdict_with_claims
from tsviz.reproduce.targets.wpgd_toy import (
    BLOB_CENTRE,
    COST_MATRIX,
    boundary_length,
    fine_error,
    toy_problem,
)

KEY = "wpgd-toy"
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_cost_matrix_is_the_papers():
    # section 3.4: "The adopted cost matrix is C = [[0, 10, 0.01], [10, 0, 1], [0.01, 1, 0]]"
    assert COST_MATRIX == ((0.0, 10.0, 0.01), (10.0, 0.0, 1.0), (0.01, 1.0, 0.0))
    np.testing.assert_array_equal(validate_cost(COST_MATRIX, 3), np.asarray(COST_MATRIX))  # a label metric


def test_toy_geometry_without_noise():
    X, y = toy_problem(50, noise=0.0, blob_std=0.0, seed=3)
    assert X.shape == (150, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    upper, blob, lower = X[y == 0], X[y == 1], X[y == 2]
    # class 0: the upper unit half circle (cos t, sin t), t in [0, pi]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    assert (upper[:, 1] >= -1e-6).all()
    # class 2: the lower half circle of radius 1 around (1, 0.5): (1 - cos t, 0.5 - sin t)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (lower[:, 1] <= 0.5 + 1e-6).all()
    # class 1: the blob's centre
    np.testing.assert_allclose(blob, np.tile(BLOB_CENTRE, (50, 1)), atol=1e-6)


def test_toy_problem_is_seeded():
    a, b, c = toy_problem(20, seed=1), toy_problem(20, seed=1), toy_problem(20, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    with pytest.raises(ValueError, match="n_per_class"):
        toy_problem(0)


def test_S_on_hand_made_confusions():
    # eq. 7, S = sum_ij c_ij m_ij with m row-normalised: 2 of 10 class-0 samples sent to class 1 (cost 10)
    costly = np.array([[8, 2, 0], [0, 10, 0], [0, 0, 10]])
    assert weighted_robustness_score(costly, COST_MATRIX) == pytest.approx(10 * 0.2)
    # the same number of errors towards the similar class 2 (cost 0.01) is nearly free
    cheap = np.array([[8, 0, 2], [0, 10, 0], [0, 0, 10]])
    assert weighted_robustness_score(cheap, COST_MATRIX) == pytest.approx(0.01 * 0.2)
    # every class-1 sample sent to class 2 (cost 1) and every class-2 sample to class 0 (cost 0.01)
    rows = np.array([[5, 0, 0], [0, 0, 5], [5, 0, 0]])
    assert weighted_robustness_score(rows, COST_MATRIX) == pytest.approx(1.0 + 0.01)


def test_boundary_length_by_hand():
    box = (0.0, 1.0, 0.0, 1.0)
    assert boundary_length(np.zeros((11, 11), dtype=int), box) == 0.0
    vertical = np.zeros((11, 11), dtype=int)
    vertical[:, 6:] = 1  # one vertical boundary: 11 rows x cell height 0.1
    assert boundary_length(vertical, box) == pytest.approx(1.1)
    horizontal = vertical.T.copy()
    assert boundary_length(horizontal, box) == pytest.approx(1.1)
    both = vertical + 2 * (np.arange(11)[:, None] >= 6)  # a cross: four regions
    assert boundary_length(both, box) == pytest.approx(2.2)


def test_fine_error_by_hand():
    y = np.array([0, 0, 2, 2, 1, 1])
    pred = np.array([2, 0, 2, 1, 0, 1])  # one 0 -> 2 swap; 2 -> 1 and 1 -> 0 are not the fine pair
    assert fine_error(y, pred) == pytest.approx(1 / 4)
    assert math.isnan(fine_error(np.array([1, 1]), np.array([0, 0])))


def test_tiny_run_gives_a_well_formed_table():
    t = get_target(KEY)
    seen = []
    res = run_target(KEY, "tiny", seed=0, progress=lambda f, m: seen.append(f))
    assert res.mode == "tiny" and res.config == t.configs["tiny"] and res.seconds > 0
    assert seen and seen[-1] == 1.0 and all(0.0 <= f <= 1.0 for f in seen)
    eps = t.configs["tiny"]["eps"]
    assert {(r["method"], r["eps"]) for r in res.measured_table} == {(m, e) for m in ("standard", "pgd", "wpgd")
                                                                      for e in eps}
    for r in res.measured_table:
        for c in ("clean_error", "fine_error", "adv_error"):
            assert 0.0 <= r[c] <= 1.0
        assert 0.0 <= r["S"] <= 3 * 10.0 and 0.0 <= r["S_counts"] <= 10.0  # K max(C) and max(C)
        assert r["boundary_length"] >= 0.0
    assert res.verdict.label in ("matches", "same direction", "differs")
    # the figure: 3 panels (standard, PGD, WPGD) per eps, each a heatmap and the three classes' points
    fig = res.figures["boundaries"]
    kinds = [tr["type"] for tr in fig["data"]]
    assert kinds.count("heatmap") == 3 * len(eps) and kinds.count("scatter") == 9 * len(eps)
    assert res.to_json()["figures"]["boundaries"]["layout"]["title"]["text"].startswith("Decision boundaries")


def test_verdict_enforces_the_claims_on_a_match():
    t = get_target(KEY)
    good = [{"method": "standard", "eps": 0.2, "clean_error": 0.0, "fine_error": 0.1, "boundary_length": 9.0, "S": 3.0},
            {"method": "pgd", "eps": 0.2, "fine_error": 0.2, "boundary_length": 8.0, "S": 2.0},
            {"method": "wpgd", "eps": 0.2, "fine_error": 0.1, "boundary_length": 8.5, "S": 1.0}]
    assert t.verdict(good).label == "matches"  # the only number (standard's ~0 error) matches
    assert verdict_with_claims(t, good).label == "matches"  # and the three claims hold
    bad = [dict(r) for r in good]
    bad[2]["S"] = 5.0  # WPGD no longer lowers S
    assert t.verdict(bad).label == "matches"  # compare() alone would not look at the claims
    v = verdict_with_claims(t, bad)
    assert isinstance(v, Verdict) and v.label == "differs"
    assert any("fails" in d and "on S" in d for d in v.details)


def test_full_configuration_is_the_papers():
    cfg = get_target(KEY).configs["full"]
    assert cfg["train_steps"] == 8      # section 5.2: "8 steps in the inner loop"
    assert cfg["attack_steps"] == 20    # section 5.2: "20-steps PGD attacks ... from a random position"
    assert cfg["p"] == 1.0              # the cost matrix as given (C^p with p = 1)
    assert len(cfg["eps"]) > 1          # Fig. 8/9: "for different eps"
    t = get_target(KEY)
    assert t.needs_data == ()           # the toy needs no real data
    assert {r["method"] for r in t.paper_table} == {"standard", "pgd", "wpgd"}
    assert all(r["clean_error"] == 0.0 for r in t.paper_table if r["method"] == "standard")  # Fig. 8a
