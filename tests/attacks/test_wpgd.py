"""WPGD (Wasserstein PGD), cost matrices and the weighted robustness score S (Terzi et al.)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers import LinearTS

from tsviz.attacks.base import AttackError
from tsviz.attacks.cost_matrix import (
    adversarial_confusion,
    latent_centroid_cost,
    uniform_cost,
    validate_cost,
    weighted_robustness_score,
)
from tsviz.attacks.pgd import PGD
from tsviz.attacks.wpgd import WPGD, wasserstein_loss
from tsviz.models import build


def BlockModel(bias=(2.0, 1.0, 0.0)) -> LinearTS:
    """3 classes on ``(n, 1, 12)``: class ``k``'s logit is the sum of time steps ``4k .. 4k+3`` plus a bias."""
    W = torch.zeros(3, 12)
    for k in range(3):
        W[k, 4 * k:4 * k + 4] = 1.0
    return LinearTS(W, torch.tensor(bias), C=1, T=12)


def small_data(n=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return 0.05 * torch.randn(n, 1, 12, generator=g), torch.zeros(n, dtype=torch.long)


# --------------------------------------------------------------------------- cost matrices
C3 = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]])


@pytest.mark.parametrize("bad, match", [
    (np.array([[0.0, 1.0, 2.0], [1.5, 0.0, 3.0], [2.0, 3.0, 0.0]]), "symmetric"),
    (np.array([[0.5, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]), "diagonal"),
    (-C3, "non-negative"),
    (np.where(C3 == 3.0, np.nan, C3), "NaN"),
    (np.ones((3, 2)), "square"),
])
def test_cost_validation_errors(bad, match):
    with pytest.raises(AttackError, match=match):
        validate_cost(bad, 3)
    x, y = small_data(2)
    with pytest.raises(AttackError, match="cost_matrix"):
        WPGD(0.1, 0.05, 2, bad)(BlockModel(), x, y)


def test_cost_matrix_size_must_match_the_model():
    x, y = small_data(2)
    with pytest.raises(AttackError, match="cost_matrix is 4x4 but the model has 3 classes"):
        WPGD(0.1, 0.05, 2, uniform_cost(4))(BlockModel(), x, y)


def test_validate_cost_accepts_tiny_asymmetry_and_tensors():
    M = C3.copy()
    M[0, 1] += 5e-7
    np.testing.assert_array_equal(validate_cost(torch.tensor(M), 3), M)
    np.testing.assert_array_equal(uniform_cost(3), 1.0 - np.eye(3))
    with pytest.raises(AttackError, match="n_classes"):
        uniform_cost(1)


def test_wasserstein_loss_matches_hand_computation():
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 0.0]], dtype=torch.float64)
    y = torch.tensor([0, 2])
    p, lam = 2.0, 0.5
    got = wasserstein_loss(logits, y, torch.tensor(C3), p=p, lam=lam)
    expected = []
    for row, label in zip(logits.tolist(), y.tolist()):
        e = [math.exp(v) for v in row]
        q = [v / sum(e) for v in e]
        transport = sum(C3[label, k] ** p * q[k] for k in range(3))
        entropy = -sum(qk * math.log(qk) for qk in q)
        expected.append(transport - (1.0 / lam) / math.log(3) * entropy)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    # uniform prediction: transport = mean of the row (to the p), entropy term = 1 / lam
    assert abs(expected[1] - ((4 + 9) / 3 - 2.0)) < 1e-12


def test_wpgd_follows_the_cost_matrix():
    """Only the 0 <-> 2 confusion costs anything: WPGD moves mass to class 2, PGD to the nearer class 1."""
    model = BlockModel(bias=(2.0, 1.0, 0.0))
    x, y = small_data()
    C = np.zeros((3, 3))
    C[0, 2] = C[2, 0] = 1.0

    def mean_probs(attack):
        with torch.no_grad():
            return model(attack(model, x, y)).softmax(1).mean(0)

    q_pgd = mean_probs(PGD(0.3, 0.1, 10, random_start=False))
    # a weak entropy term (lam = 10): with lam = 1 the -H/log K term, maximised too, would favour
    # staying confident in y
    q_wpgd = mean_probs(WPGD(0.3, 0.1, 10, C, lam=10.0, random_start=False))
    assert q_wpgd[2] > q_pgd[2] + 0.1
    assert q_pgd[1] > q_pgd[2]                    # plain PGD prefers the easier class 1


def test_wpgd_increases_its_loss_and_reports():
    model = build("mlp", 1, 3, 16, seed=1)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(6, 1, 16, generator=g) * 0.5
    y = torch.arange(6) % 3
    C = latent_centroid_cost(model, x, y, 3)
    res = WPGD(0.2, 0.05, 8, C, p=2.5, lam=10.0, random_start=False).run(model, x, y)
    with torch.no_grad():
        start = wasserstein_loss(model(x), y, torch.as_tensor(C, dtype=torch.float32), 2.5, 10.0)
    assert res.history["loss"].shape == (8, 6)
    assert (res.history["loss"][-1] >= start.numpy() - 1e-6).all()
    assert (res.queries == 8).all()


def test_wpgd_is_untargeted():
    x, y = small_data(2)
    with pytest.raises(AttackError, match="WPGD is untargeted"):
        WPGD(0.1, 0.05, 2, uniform_cost(3))(BlockModel(), x, y, target=1)


# --------------------------------------------------------------------------- latent centroids
def test_latent_centroid_cost_symmetric_zero_diag_and_model_untouched():
    model = build("mlp", 1, 3, 16, seed=0).train()
    flags = {n: p.requires_grad for n, p in model.named_parameters()}
    g = torch.Generator().manual_seed(0)
    x = torch.randn(30, 1, 16, generator=g)
    y = torch.arange(30) % 3
    C = latent_centroid_cost(model, x, y, 3)
    assert C.shape == (3, 3) and C.dtype == np.float64
    np.testing.assert_array_equal(C, C.T)
    np.testing.assert_array_equal(np.diag(C), 0.0)
    assert (C >= 0).all() and C.max() == pytest.approx(1.0)
    validate_cost(C, 3)
    # batching changes the result only by float32 rounding; unnormalised = raw centroid distances
    np.testing.assert_allclose(latent_centroid_cost(model, x, y, 3, batch_size=7), C, rtol=1e-5)
    raw = latent_centroid_cost(model, x.numpy(), y.numpy(), 3, normalize=False)
    model.eval()
    with torch.no_grad():
        z = model.features(x).double()
    mu = torch.stack([z[y == k].mean(0) for k in range(3)])
    np.testing.assert_allclose(raw, torch.cdist(mu, mu).numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(C, raw / raw.max(), rtol=1e-12)
    model.train()
    assert all(m.training for m in model.modules())
    assert flags == {n: p.requires_grad for n, p in model.named_parameters()}
    with pytest.raises(AttackError, match="class"):
        latent_centroid_cost(model, x[y != 2], y[y != 2], 3)


# --------------------------------------------------------------------------- score S
def test_weighted_robustness_score_by_hand():
    confusion = np.array([[8, 1, 1], [2, 6, 2], [0, 0, 5]])
    # row-normalised: m = [[.8, .1, .1], [.2, .6, .2], [0, 0, 1]]
    # S = 1*.1 + 2*.1 + 1*.2 + 3*.2 + 0 = 1.1
    assert weighted_robustness_score(confusion, C3) == pytest.approx(1.1)
    rates = confusion / confusion.sum(1, keepdims=True)
    assert weighted_robustness_score(rates, C3) == pytest.approx(1.1)
    # uniform metric: sum of per-class error rates
    assert weighted_robustness_score(confusion, uniform_cost(3)) == pytest.approx(0.2 + 0.4 + 0.0)
    # a class without samples contributes nothing
    assert weighted_robustness_score(np.array([[0, 0, 0], [2, 6, 2], [0, 0, 5]]), C3) == pytest.approx(0.8)
    y_true = np.repeat([0, 1, 2], [10, 10, 5])
    y_pred = np.concatenate([[0] * 8 + [1, 2], [0, 0] + [1] * 6 + [2, 2], [2] * 5])
    np.testing.assert_array_equal(adversarial_confusion(y_true, y_pred, 3), confusion)
    with pytest.raises(AttackError, match="shape"):
        weighted_robustness_score(np.ones((2, 2)), C3)
