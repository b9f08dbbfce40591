"""The certified-robustness recipes ``consistency`` (Jeong & Shin 2020) and ``smoothadv`` (Salman
et al. 2019): losses against hand computations on a linear model with the generator's noise
re-drawn in the test, names, bad hyperparameters, and a short toy training run."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tsviz.training import RECIPES, TrainingError, fit, format_recipe_name, get_recipe, parse_recipe_name
from tsviz.training.certified_recipes import ConsistencyRegularization, SmoothAdv

pytestmark = pytest.mark.usefixtures("one_torch_thread")

C, T, K, B = 1, 4, 3, 2


class Linear(torch.nn.Module):
    """``logits = W @ flatten(x)``, W ``(K, C*T)``, no bias."""

    def __init__(self, W):
        super().__init__()
        self.W = torch.nn.Parameter(torch.as_tensor(W, dtype=torch.float32))

    def forward(self, x):
        return x.flatten(1) @ self.W.T


def _setup():
    W = np.array([[1.0, -0.5, 0.2, 0.0], [0.3, 0.8, -1.0, 0.5], [-0.7, 0.1, 0.4, -0.2]])
    x = torch.tensor([[[0.5, -1.0, 0.25, 2.0]], [[-0.3, 0.7, 1.5, -0.4]]])
    y = torch.tensor([0, 2])
    return W, x, y


def _noise(m, sigma, seed):
    """The draws the recipe makes: ``sigma * randn((m, b, C, T))`` from a CPU generator."""
    g = torch.Generator().manual_seed(seed)
    return sigma * torch.randn((m, B, C, T), generator=g).double().numpy()


def _softmax(z):
    e = [math.exp(v - max(z)) for v in z]
    return [v / sum(e) for v in e]


def _consistency_by_hand(W, x, y, noise, lam, eta):
    m = len(noise)
    ce = kl = ent = 0.0
    for j in range(B):
        ps = []
        for i in range(m):
            z = [sum(W[k][t] * (x[j][0][t] + noise[i][j][0][t]) for t in range(T)) for k in range(K)]
            p = _softmax(z)
            ps.append(p)
            ce += -math.log(p[y[j]]) / (m * B)
        pbar = [sum(p[k] for p in ps) / m for k in range(K)]
        for p in ps:
            kl += sum(pbar[k] * (math.log(pbar[k]) - math.log(p[k])) for k in range(K)) / (m * B)
        ent += -sum(pbar[k] * math.log(pbar[k]) for k in range(K)) / B
    return ce + lam * kl + eta * ent


@pytest.mark.parametrize("m,lam,eta", [(2, 10.0, 0.5), (3, 2.0, 0.0), (1, 10.0, 0.5)])
def test_consistency_loss_by_hand(m, lam, eta):
    W, x, y = _setup()
    sigma = 0.7
    got = ConsistencyRegularization(sigma, m=m, lam=lam, eta=eta).loss(
        Linear(W), x, y, generator=torch.Generator().manual_seed(5))
    want = _consistency_by_hand(W.tolist(), x.double().numpy().tolist(), y.tolist(), _noise(m, sigma, 5).tolist(),
                                lam, eta)
    assert float(got.detach()) == pytest.approx(want, rel=1e-5)


def test_consistency_with_no_regularisation_is_mean_gaussian_ce():
    W, x, y = _setup()
    got = ConsistencyRegularization(0.5, m=4, lam=0.0, eta=0.0).loss(
        Linear(W), x, y, generator=torch.Generator().manual_seed(1))
    want = _consistency_by_hand(W.tolist(), x.double().numpy().tolist(), y.tolist(), _noise(4, 0.5, 1).tolist(),
                                0.0, 0.0)
    assert float(got.detach()) == pytest.approx(want, rel=1e-5)


def _smoothadv_by_hand(W, x, y, noise, eps):
    """One PGD step of size 2 eps from x, projected to the eps-ball: x' = x + eps g / ||g||, with g the
    gradient of -log mean_i softmax(W (x + d_i))_y, written out for a linear model; then the mean
    CE over the m copies of x'."""
    m = noise.shape[0]
    W = np.asarray(W)
    loss = 0.0
    for j in range(B):
        xj = x[j, 0]
        ps = [np.array(_softmax(list(W @ (xj + noise[i, j, 0])))) for i in range(m)]
        pbar_y = sum(p[y[j]] for p in ps) / m
        # d/dx p_iy = p_iy (W_y - sum_k p_ik W_k)
        g = -sum(p[y[j]] * (W[y[j]] - p @ W) for p in ps) / m / pbar_y
        xa = xj + eps * g / np.linalg.norm(g)
        for i in range(m):
            p = _softmax(list(W @ (xa + noise[i, j, 0])))
            loss += -math.log(p[y[j]]) / (m * B)
    return loss


@pytest.mark.parametrize("m", [1, 3])
def test_smoothadv_loss_by_hand_one_step(m):
    W, x, y = _setup()
    sigma, eps = 0.6, 0.4
    got = SmoothAdv(sigma, eps=eps, steps=1, m=m).loss(Linear(W), x, y, generator=torch.Generator().manual_seed(2))
    want = _smoothadv_by_hand(W, x.double().numpy(), y.tolist(), _noise(m, sigma, 2), eps)
    assert float(got.detach()) == pytest.approx(want, rel=1e-5)


def test_smoothadv_attack_stays_in_the_ball_and_raises_the_smoothed_loss():
    W, x, y = _setup()
    rec = SmoothAdv(0.5, eps=0.3, steps=5, m=4)
    model = Linear(W)
    noise = torch.as_tensor(_noise(4, 0.5, 0), dtype=torch.float32)
    xa = rec.attack(model, x, y, noise)
    assert not xa.requires_grad
    assert float((xa - x).flatten(1).norm(dim=1).max()) <= 0.3 + 1e-5
    from tsviz.training.certified_recipes import smoothed_nll

    def j(z):
        return smoothed_nll(model((z.unsqueeze(0) + noise).reshape(-1, C, T)).reshape(4, B, K), y)

    with torch.no_grad():
        assert bool((j(xa) > j(x)).all())


def test_names_registry_and_defaults():
    assert RECIPES["consistency"] is ConsistencyRegularization and RECIPES["smoothadv"] is SmoothAdv
    assert parse_recipe_name("consistency-0.5") == ("consistency", {"sigma": 0.5})
    assert parse_recipe_name("smoothadv-0.25") == ("smoothadv", {"sigma": 0.25})
    assert format_recipe_name("consistency", sigma=0.5, m=2) == "consistency-0.5"
    c = get_recipe("consistency-0.5")
    assert (c.sigma, c.m, c.lam, c.eta) == (0.5, 2, 10.0, 0.5)
    s = get_recipe("smoothadv-0.5")
    assert (s.sigma, s.eps, s.steps, s.m) == (0.5, 0.5, 2, 2) and s.passes_per_series(2) == 6
    for bad in ("consistency-x", "smoothadv-0.5-3", "consistency--1", "smoothadv-nan"):
        with pytest.raises(TrainingError):
            get_recipe(bad)


@pytest.mark.parametrize("recipe,hp,word", [
    ("consistency", {"m": 0}, "m"), ("consistency", {"m": 1.5}, "m"), ("consistency", {"m": 10**6}, "m"),
    ("consistency", {"lam": float("nan")}, "lam"), ("consistency", {"eta": -1.0}, "eta"),
    ("consistency", {"sigma": 0.0}, "sigma"), ("consistency", {"sigma": "big"}, "sigma"),
    ("smoothadv", {"eps": float("inf")}, "eps"), ("smoothadv", {"eps": 1e300}, "eps"),
    ("smoothadv", {"steps": 0}, "steps"), ("smoothadv", {"steps": True}, "steps"),
    ("smoothadv", {"m": -2}, "m"), ("smoothadv", {"sigma": -0.1}, "sigma"), ("smoothadv", {"sigma": 1e300}, "sigma"),
])
def test_bad_hyperparameters_name_the_parameter(recipe, hp, word):
    W, x, y = _setup()
    rec = get_recipe(recipe, **{"sigma": 0.5, **hp})
    with pytest.raises(TrainingError, match=rf"\b{word}\b"):
        rec.check(x, K)
        rec.loss(Linear(W), x, y)


def _toy(seed, n, amp=0.25, length=16):
    """Two classes: +/- amp * sin over one period plus N(0, 0.4^2) per step (a hard, near-linear toy)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.linspace(0, 1, length)
    X = np.where(y[:, None] == 0, 1, -1) * amp * np.sin(2 * np.pi * t)[None] + 0.4 * rng.standard_normal((n, length))
    return X[:, None].astype(np.float32), y


@pytest.mark.parametrize("recipe", ["consistency-0.5", "smoothadv-0.5"])
def test_toy_training_certified_accuracy_against_gaussian(recipe):
    """Certified accuracy at radius 0.25 (sigma 0.5, n0 = 20, n = 200, alpha = 0.01, 300 test
    series) after 20 epochs, against ``gaussian-0.5`` with the same seed and model.

    Measured with this protocol (training/test data seeds 0/1, 2/3, 4/5; model and fit seed 0),
    certified accuracy at 0.25 for gaussian / consistency / smoothadv: 0.793 / 0.800 / 0.797,
    0.777 / 0.783 / 0.773, 0.763 / 0.750 / 0.777 (ACR 0.509 / 0.520 / 0.516, 0.491 / 0.498 / 0.492,
    0.488 / 0.486 / 0.488): the recipes do *not* measurably raise certified accuracy here (a
    near-linear problem, where Gaussian training is already close to the best
    smoothed classifier). The test therefore checks only that the recipe trains a classifier whose
    smoothed certificate is as good as Gaussian training's within 0.03, not an improvement.
    """
    from tsviz.certify import Smoothed
    from tsviz.data import Dataset
    from tsviz.models import build

    Xtr, ytr = _toy(0, 300)
    Xte, yte = _toy(1, 300)
    ds = Dataset("toy", Xtr, ytr, Xte, yte, ("a", "b"), fs=16.0, unit="mV", meta={"spec": "toy"})
    cert = {}
    for name in ("gaussian-0.5", recipe):
        model = build("mlp", 1, 2, 16, seed=0)
        fit(model, ds, recipe=name, epochs=20, seed=0, batch_size=32)
        res = Smoothed(model, 0.5).certify(torch.tensor(Xte), n0=20, n=200, alpha=0.01, seed=0)
        cert[name] = float(((res.prediction == yte) & (res.radius >= 0.25)).mean())
    assert cert["gaussian-0.5"] > 0.6  # the toy is learnable under noise
    assert cert[recipe] >= cert["gaussian-0.5"] - 0.03, cert
