"""Paper settings of the attacks: GenAttack (M. Alzantot, "Secure and private machine learning for
smart devices", UCLA 2019, ch. 2; Alzantot et al., GECCO 2019) and the weighted robustness score S
(Terzi, Susto & Chaudhari, "Directional adversarial training for cost sensitive deep learning
classification applications", eq. 7)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_model_untouched, linear_model, model_state, toy_series

from tsviz.attacks import AttackError, GenAttack, make_attack, uniform_cost, weighted_robustness_score, with_eps
from tsviz.attacks.genattack import GENATTACK_PRESETS, PAPER_MAX_QUERIES

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: Dissertation section 2.6 "Hyperparameters" (MNIST, CIFAR-10): "mutation probability rho = 5e-2,
#: population size N = 6, and step-size alpha = 1.0", at most 100,000 queries; ImageNet: adaptive
#: rho/alpha (eq. 2.1-2.2) with "rho_min and alpha_min ... 0.1 and 0.15", a plateau after "100
#: consecutive steps", 1,000,000 queries. Elitism: one elite member (Algorithm 1). Temperature:
#: none in the dissertation; 0.3 is the default of the authors' GenAttack2 class (genattack_tf2.py).
PAPER = {"population": 6, "rho": 0.05, "alpha": 1.0, "adaptive": False, "elitism": 1, "dim_reduction": 1.0,
         "temperature": 0.3}
PAPER_ADAPTIVE = {"population": 6, "rho": 0.1, "alpha": 0.15, "adaptive": True, "patience": 100, "elitism": 1,
                  "temperature": 0.3}


def test_presets_are_the_dissertations_settings():
    assert GENATTACK_PRESETS == {"paper": PAPER, "paper_adaptive": PAPER_ADAPTIVE}
    assert PAPER_MAX_QUERIES == {"paper": 100_000, "paper_adaptive": 1_000_000}
    for name, values in GENATTACK_PRESETS.items():
        a = GenAttack(0.1, preset=name)
        assert {k: getattr(a, k) for k in values} == values and a.preset == name
    d = GenAttack(0.1)
    assert (d.temperature, d.adaptive, d.rho, d.alpha, d.preset) == (0.1, True, 0.1, 0.15, None)


def test_preset_fills_only_what_is_not_given_and_refuses_contradictions():
    a = GenAttack(0.2, generations=7, max_queries=50, preset="paper")
    assert (a.eps, a.generations, a.max_queries, a.temperature) == (0.2, 7, 50, 0.3)
    GenAttack(0.2, temperature=0.3, population=6, preset="paper")  # agreeing values are fine
    for bad in ({"temperature": 0.1}, {"adaptive": True}, {"population": 8}):
        with pytest.raises(AttackError, match=next(iter(bad))):
            GenAttack(0.2, preset="paper", **bad)
    with pytest.raises(AttackError, match="preset"):
        GenAttack(0.2, preset="imagenet")
    late = GenAttack(0.2)
    late.preset = "nope"
    with pytest.raises(AttackError, match="preset"):
        late.validate()
    assert make_attack("genattack", eps=0.2, preset="paper").temperature == 0.3
    assert with_eps(GenAttack(0.2, preset="paper"), 0.4).params()["preset"] == "paper"


def test_paper_preset_runs_reproducibly_and_leaves_the_model_as_found():
    model = linear_model(1, 16, 3, seed=0)
    x, _ = toy_series(6, 1, 16, 3, seed=1)
    with torch.no_grad():
        y = model(x).argmax(1)
    before = model_state(model)
    attack = GenAttack(0.5, generations=20, preset="paper")
    a, b = attack(model, x, y, seed=4), attack(model, x, y, seed=4)
    assert torch.equal(a, b) and float((a - x).abs().max()) <= 0.5 + 1e-6
    assert_model_untouched(model, before)


# --------------------------------------------------------------------------- S, eq. 7
M = np.array([[8, 2, 0], [1, 1, 2], [0, 0, 0]], dtype=float)  # class 2 has no samples
COST = np.array([[0, 1, 3], [1, 0, 2], [3, 2, 0]], dtype=float)


def test_score_normalisations_by_hand():
    # row: 1 * 2/10 + (1 * 1/4 + 2 * 2/4) = 0.2 + 1.25 = 1.45
    assert weighted_robustness_score(M, COST) == pytest.approx(1.45)
    assert weighted_robustness_score(M, COST, normalize="row") == pytest.approx(1.45)
    # total: (1*2 + 1*1 + 2*2) / 14 = 7 / 14
    assert weighted_robustness_score(M, COST, normalize="total") == pytest.approx(0.5)
    assert weighted_robustness_score(M, COST, normalize="none") == pytest.approx(7.0)
    assert weighted_robustness_score(np.zeros((3, 3)), COST, normalize="total") == 0.0
    # with the uniform cost, "row" is the sum of the per-class error rates (0.2 + 0.75)
    assert weighted_robustness_score(M, uniform_cost(3)) == pytest.approx(0.95)


@pytest.mark.parametrize("bad", ["rows", "", None, 1])
def test_score_bad_normalisation_raises(bad):
    with pytest.raises(AttackError, match="normalize"):
        weighted_robustness_score(M, COST, normalize=bad)
