"""Robust-training recipes: NSR losses and ablations, Jacobian, PGD/WPGD adversarial training,
augmentation-based training with Feat-Sim."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import LinearTS
from torch import nn

from tsviz.attacks import PGD, WPGD, uniform_cost
from tsviz.models import build
from tsviz.training import RECIPES, fit, get_recipe
from tsviz.training.augmented_training import draw_negatives, feat_sim_loss

NEW = ("mse", "mse_margin", "nsr_loss1", "nsr_loss2", "jacobian", "pgd_at", "wpgd_at", "augmented")


def shift(x, y, model, generator):
    return x + 0.1


def noisy(x, y, model, generator):
    return x + 0.05 * torch.randn(x.shape, generator=generator, device=generator.device).to(x.device)


#: name -> constructor kwargs used by the parametrized tests (several settings for some recipes)
CASES = [
    ("mse", {}), ("mse_margin", {}), ("nsr_loss1", {}), ("nsr_loss2", {}), ("jacobian", {}),
    ("jacobian", {"projections": 2}), ("pgd_at", {"eps": 0.1}), ("pgd_at", {"eps": 0.2, "norm": "l2"}),
    ("wpgd_at", {"eps": 0.1}), ("augmented", {"augmentation": shift}),
    ("augmented", {"augmentation": noisy, "feat_sim": 0.5}),
]


def _case_id(name, kw):
    return "-".join([name] + [f"{k}={getattr(v, '__name__', v)}" for k, v in kw.items()])


IDS = [_case_id(n, kw) for n, kw in CASES]


class TinyNet(nn.Module):
    """Flatten -> Linear -> ReLU (features) -> Linear (head)."""

    def __init__(self, d_in, k=2, hidden=8, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(d_in, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, k)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(0.3 * torch.randn(p.shape, generator=g))

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.features(x))


def toy(n=32, T=16, seed=0):
    """Two linearly separable classes: +/- a fixed ramp, plus small noise; (n, 1, T)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    ramp = torch.linspace(-1, 1, T)
    x = (2.0 * y - 1.0).view(-1, 1, 1) * ramp.view(1, 1, -1) + 0.1 * torch.randn(n, 1, T, generator=g)
    return x, y


#: tiny networks: thread start-up costs more than it saves
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_all_new_recipes_registered_and_covered():
    assert set(NEW) <= set(RECIPES)
    assert {n for n, _ in CASES} == set(NEW)


@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
def test_loss_finite_and_decreases(name, kw):
    x, y = toy()
    model = TinyNet(x.shape[-1])
    rec = get_recipe(name, **kw)
    before = rec.loss(model, x, y, generator=gen(1)).detach()
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    g = gen(2)
    for _ in range(30):
        opt.zero_grad()
        loss = rec.loss(model, x, y, generator=g)
        assert loss.ndim == 0 and torch.isfinite(loss)
        loss.backward()
        assert all(torch.isfinite(p.grad).all() for p in model.parameters())
        opt.step()
    after = rec.loss(model, x, y, generator=gen(1)).detach()
    assert torch.isfinite(after) and float(after) < 0.9 * float(before), (float(before), float(after))


# --------------------------------------------------------------------------- hand values

def _linear(W):
    """``z = W x`` (zero bias) on ``(n, 1, T)``."""
    W = torch.as_tensor(W, dtype=torch.float32)
    return LinearTS(W, C=1, T=W.shape[1])


@pytest.fixture
def hand():
    """Linear model z = W x (K=3, C=1, T=4) and 4 series; sample 0 is misclassified."""
    W = np.array([[0.5, -0.2, 0.1, 0.3],
                  [-0.4, 0.6, 0.2, -0.1],
                  [0.2, 0.1, -0.5, 0.4]])
    X = np.array([[1.0, 0.5, -0.3, 0.2],     # label 1, but z_0 is largest: wrong
                  [0.2, 1.0, 0.4, -0.5],     # label 1
                  [0.3, -0.2, -1.0, 0.8],    # label 2
                  [1.2, -0.4, 0.0, 0.5]])    # label 0
    Y = np.array([1, 1, 2, 0])
    Z = X @ W.T
    correct = Z.argmax(1) == Y
    assert list(correct) == [False, True, True, True]
    return W, X, Y, Z, correct


def _hand_terms(W, X, Y, Z, *, gamma=1.0, eps_max=1.0):
    mse, margin, r1, r2 = [], [], [], []
    for x, y, z in zip(X, Y, Z):
        mse.append(sum((z[k] - (1.0 if k == y else 0.0)) ** 2 for k in range(len(z))))
        margin.append(sum(max(0.0, 1 - z[y] + z[k]) for k in range(len(z)) if k != y))
        r1.append(float(np.sum((W[y] - gamma * x / np.dot(x, x)) ** 2)))
        r2.append(float(np.sum(np.abs(W[y])) * eps_max / abs(z[y])))
    return map(np.array, (mse, margin, r1, r2))


def _loss(name, W, X, Y, **kw):
    x = torch.as_tensor(X, dtype=torch.float32).view(len(X), 1, -1)
    return float(get_recipe(name, **kw).loss(_linear(W), x, torch.as_tensor(Y), generator=gen()).detach())


def test_hand_values_mse_and_margin(hand):
    W, X, Y, Z, c = hand
    mse, margin, _, _ = _hand_terms(W, X, Y, Z)
    assert _loss("mse", W, X, Y) == pytest.approx(mse.mean(), abs=1e-5)
    assert _loss("mse_margin", W, X, Y) == pytest.approx((mse + c * margin).mean(), abs=1e-5)


@pytest.mark.parametrize("beta, gamma", [(0.2, 1.0), (1.5, 0.7)])
def test_hand_values_nsr_loss1(hand, beta, gamma):
    W, X, Y, Z, c = hand
    mse, margin, r1, _ = _hand_terms(W, X, Y, Z, gamma=gamma)
    want = (mse + c * (margin + beta * r1)).mean()
    assert _loss("nsr_loss1", W, X, Y, beta=beta, gamma=gamma) == pytest.approx(want, abs=1e-5)


@pytest.mark.parametrize("beta, eps_max", [(0.5, 1.0), (2.0, 0.1)])
def test_hand_values_nsr_loss2(hand, beta, eps_max):
    W, X, Y, Z, c = hand
    mse, margin, _, r2 = _hand_terms(W, X, Y, Z, eps_max=eps_max)
    want = (mse + c * (margin + beta * np.log1p(r2))).mean()
    assert _loss("nsr_loss2", W, X, Y, beta=beta, eps_max=eps_max) == pytest.approx(want, abs=1e-5)


@pytest.mark.parametrize("name", ["mse_margin", "nsr_loss1", "nsr_loss2"])
def test_wrong_sample_gets_mse_only(hand, name):
    W, X, Y, Z, c = hand
    mse, *_ = _hand_terms(W[:, :], X[:1], Y[:1], Z[:1])
    assert not c[0]
    assert _loss(name, W, X[:1], Y[:1]) == pytest.approx(mse[0], abs=1e-6)
    assert _loss(name, W, X[:1], Y[:1]) == pytest.approx(_loss("mse", W, X[:1], Y[:1]), abs=1e-6)


def test_nsr_regularisers_train_the_weights(hand):
    """The gradient of beta * R_1 w.r.t. W is 2 beta (W[y] - x / x^T x) on row y (double backprop)."""
    W, X, Y, Z, c = hand
    x = torch.as_tensor(X, dtype=torch.float32).view(4, 1, 4)
    y = torch.as_tensor(Y)
    grads = {}
    for beta in (0.0, 0.3):
        m = _linear(W)
        get_recipe("nsr_loss1", beta=beta).loss(m, x, y).backward()
        grads[beta] = m.lin.weight.grad.double().numpy()
    want = np.zeros_like(W)
    for xi, yi, ci in zip(X, Y, c):
        if ci:
            want[yi] += 2 * 0.3 * (W[yi] - xi / np.dot(xi, xi)) / len(X)
    np.testing.assert_allclose(grads[0.3] - grads[0.0], want, atol=1e-5)
    # R_2 depends on the weights through w_y too
    m = _linear(W)
    get_recipe("nsr_loss2", beta=1.0).loss(m, x, y).backward()
    m0 = _linear(W)
    get_recipe("nsr_loss2", beta=0.0).loss(m0, x, y).backward()
    assert not torch.allclose(m.lin.weight.grad, m0.lin.weight.grad)


def test_jacobian_hand_value_and_projection_estimate(hand):
    W, X, Y, Z, c = hand
    ce = float(F.cross_entropy(torch.as_tensor(Z), torch.as_tensor(Y)))
    fro = float(np.sum(W ** 2))                                   # J = W for a linear model
    assert _loss("jacobian", W, X, Y, lam=0.7) == pytest.approx(ce + 0.7 * fro, abs=1e-5)
    # random projections: unbiased; 200 samples x 64 projections
    xs = np.repeat(X[1:2], 200, axis=0)
    ys = np.repeat(Y[1:2], 200)
    ce1 = float(F.cross_entropy(torch.as_tensor(xs @ W.T), torch.as_tensor(ys)))
    est = (_loss("jacobian", W, xs, ys, lam=1.0, projections=64) - ce1)
    assert est == pytest.approx(fro, rel=0.05)
    a = _loss("jacobian", W, X, Y, projections=3)
    assert a == _loss("jacobian", W, X, Y, projections=3)  # same generator seed -> same draws


def test_pgd_at_is_half_clean_half_adversarial():
    x, y = toy(12)
    model = TinyNet(x.shape[-1]).train()
    got = get_recipe("pgd_at", eps=0.2, steps=5).loss(model, x, y, generator=gen(3))
    x_adv = PGD(0.2, 0.05, 5, norm="inf", random_start=True)(model, x, y, generator=gen(3))
    assert not torch.equal(x_adv, x) and float((x_adv - x).abs().max()) <= 0.2 + 1e-6
    want = 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x_adv), y)
    assert float(got.detach()) == pytest.approx(float(want.detach()), abs=1e-6)
    # default alpha is eps / 4, steps 10
    rec = get_recipe("pgd_at", eps=0.3)
    a = rec.attack()
    assert (a.alpha, a.steps, a.norm) == (0.075, 10, "inf")


def test_wpgd_at_is_ce_on_wpgd_example():
    x, y = toy(12)
    model = TinyNet(x.shape[-1], k=3)
    y = torch.arange(12) % 3
    got = get_recipe("wpgd_at", eps=0.2, steps=4, p=2.0).loss(model, x, y, generator=gen(4))
    x_adv = WPGD(0.2, 0.05, 4, uniform_cost(3), p=2.0)(model, x, y, generator=gen(4))
    assert float(got.detach()) == pytest.approx(float(F.cross_entropy(model(x_adv), y).detach()), abs=1e-6)
    cost = np.array([[0, 1, 3], [1, 0, 1], [3, 1, 0]], dtype=float)
    got = get_recipe("wpgd_at", eps=0.2, steps=4, cost_matrix=cost).loss(model, x, y, generator=gen(4))
    x_adv = WPGD(0.2, 0.05, 4, cost)(model, x, y, generator=gen(4))
    assert float(got.detach()) == pytest.approx(float(F.cross_entropy(model(x_adv), y).detach()), abs=1e-6)


# --------------------------------------------------------------------------- augmented / Feat-Sim

def test_augmented_is_half_clean_half_augmented():
    x, y = toy(10)
    model = TinyNet(x.shape[-1])
    got = get_recipe("augmented", augmentation=shift).loss(model, x, y, generator=gen())
    want = 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x + 0.1), y)
    assert float(got.detach()) == pytest.approx(float(want.detach()), abs=1e-6)
    # the augmentation runs in eval mode with frozen weights, and may not be differentiated through
    seen = {}

    def spy(x, y, m, g):
        seen["training"] = m.training
        seen["frozen"] = not any(p.requires_grad for p in m.parameters())
        return x * 1.5

    model.train()
    get_recipe("augmented", augmentation=spy).loss(model, x, y, generator=gen())
    assert seen == {"training": False, "frozen": True}
    assert model.training and all(p.requires_grad for p in model.parameters())


def test_feat_sim_hand_value():
    """Two samples of different classes: each one's negative is the other."""
    x = torch.tensor([[[1.0, 0.0, 0.5]], [[0.0, 1.0, -0.5]]])
    y = torch.tensor([0, 1])
    model = TinyNet(3, hidden=4, seed=3)
    alpha, lam = 0.5, 2.0
    got = get_recipe("augmented", augmentation=shift, feat_sim=lam, margin=alpha).loss(model, x, y, generator=gen())
    with torch.no_grad():
        gc = F.normalize(model.features(x), dim=1).double().numpy()
        gp = F.normalize(model.features(x + 0.1), dim=1).double().numpy()
        ce = 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x + 0.1), y)
    fs = [max(0.0, np.sum((gc[i] - gp[i]) ** 2) + alpha - np.sum((gc[i] - gc[1 - i]) ** 2)) for i in range(2)]
    assert float(got.detach()) == pytest.approx(float(ce) + lam * np.mean(fs), abs=1e-5)


def test_feat_sim_negatives_and_skips():
    y = torch.tensor([0, 0, 1, 2, 2, 0])
    for s in range(5):
        idx, valid = draw_negatives(y, gen(s))
        assert valid.all() and (y[idx] != y).all()
    idx2, _ = draw_negatives(y, gen(0))
    assert torch.equal(draw_negatives(y, gen(0))[0], idx2)
    # no other class in the batch: Feat-Sim is 0 and the loss is the CE part only
    y1 = torch.zeros(4, dtype=torch.long)
    assert not draw_negatives(y1, gen())[1].any()
    g = torch.randn(4, 5, generator=gen())
    assert float(feat_sim_loss(g, g + 1, y1, 0.5, generator=gen())) == 0.0
    x = toy(4)[0]
    model = TinyNet(x.shape[-1])
    a = get_recipe("augmented", augmentation=shift, feat_sim=3.0).loss(model, x, y1, generator=gen())
    b = get_recipe("augmented", augmentation=shift).loss(model, x, y1, generator=gen())
    assert float(a.detach()) == pytest.approx(float(b.detach()), abs=1e-7)
    # hinge: far-apart negatives give 0
    gc = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    assert float(feat_sim_loss(gc, gc, torch.tensor([0, 1]), 0.5)) == 0.0
    assert float(feat_sim_loss(gc, gc, torch.tensor([0, 1]), 5.0)) == pytest.approx(1.0)


def test_augmented_named_augmentation_is_checked_and_card_info(tiny_dataset):
    with pytest.raises(ValueError, match="augmentation"):
        get_recipe("augmented", augmentation="nope").loss(TinyNet(16), *toy(4))
    rec = get_recipe("augmented", augmentation="spec_den", odenet="some/odenet.safetensors", feat_sim=0.1, beta=0.2)
    info = rec.card_info(tiny_dataset)["recipe_details"]
    assert info["augmentation"] == "spec_den" and info["odenet"] == "some/odenet.safetensors"
    assert info["aug_params"] == {"beta": 0.2} and info["feat_sim"] == 0.1


def test_augmented_named_augmentation_calls_tsviz_augment(monkeypatch):
    """Wiring only (tsviz.augment's functions are replaced by fakes): name, params, model,
    derivative, generator; an ODENet path is loaded lazily, once."""
    import tsviz.training.augmented_training as augmented

    calls, loads = [], []
    net = object()

    def fake_augment(name, x, y=None, *, model=None, derivative=None, generator=None, **params):
        calls.append((name, model, derivative, generator, params, model.training))
        return x - 0.2

    def fake_load(path, *, device="cpu"):
        loads.append((path, str(device)))
        return net

    monkeypatch.setattr(augmented, "augment", fake_augment)
    monkeypatch.setattr(augmented, "load_odenet", fake_load)
    x, y = toy(6)
    model = TinyNet(16).train()
    rec = get_recipe("augmented", augmentation="in_clamp_grad", odenet="nets/ecg-odenet", beta=0.05)
    g = gen()
    for _ in range(2):
        got = rec.loss(model, x, y, generator=g)
    want = 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x - 0.2), y)
    assert float(got.detach()) == pytest.approx(float(want.detach()), abs=1e-6)
    assert loads == [("nets/ecg-odenet", "cpu")]
    assert calls[0] == ("in_clamp_grad", model, net, g, {"beta": 0.05}, False) and len(calls) == 2
    assert model.training


# --------------------------------------------------------------------------- contracts

@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_model_mode_and_flags_unchanged(name, kw, mode):
    x, y = toy(8)
    model = nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.1),
                          nn.Flatten(), nn.Linear(4 * 16, 2))
    model.train(mode == "train")
    model[0].bias.requires_grad_(False)
    if name == "augmented" and kw.get("feat_sim"):
        model = TinyNet(16).train(mode == "train")
    modes = [m.training for m in model.modules()]
    flags = [p.requires_grad for p in model.parameters()]
    loss = get_recipe(name, **kw).loss(model, x, y, generator=gen())
    assert torch.isfinite(loss)
    assert [m.training for m in model.modules()] == modes
    assert [p.requires_grad for p in model.parameters()] == flags


@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
def test_fit_deterministic_for_seed(tiny_dataset, name, kw):
    def run(seed):
        m = build("mlp", 1, 3, 32, seed=0, hidden=(16,), out_dim=8)
        fit(m, tiny_dataset, recipe=name, epochs=2, seed=seed, batch_size=16, **kw)
        return m

    a, b = run(5), run(5)
    sa, sb = a.state_dict(), b.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert a.card["recipe"] == name and a.card["recipe_details"]["name"] == name


def test_fit_by_plain_name_with_hyperparameters(tiny_dataset):
    m = build("mlp", 1, 3, 32, seed=0, hidden=(16,), out_dim=8)
    res = fit(m, tiny_dataset, recipe="nsr_loss2", beta=0.5, epochs=1, seed=0, batch_size=16)
    assert math.isfinite(res.history["train_loss"][0])
    assert m.card["recipe"] == "nsr_loss2" and m.card["recipe_hparams"] == {"beta": 0.5}
    assert m.card["recipe_details"] == {"name": "nsr_loss2", "beta": 0.5, "eps_max": 1.0}
    assert get_recipe("wpgd_at").card_info(tiny_dataset)["recipe_details"]["cost_matrix"] == uniform_cost(3).tolist()


@pytest.mark.parametrize("name, kw, match", [
    ("nsr_loss1", {"beta": -1.0}, "beta"), ("nsr_loss1", {"gamma": float("nan")}, "gamma"),
    ("nsr_loss2", {"eps_max": 0.0}, "eps_max"), ("nsr_loss2", {"beta": "a"}, "beta"),
    ("jacobian", {"lam": -0.1}, "lam"), ("jacobian", {"projections": 0}, "projections"),
    ("jacobian", {"projections": 1.5}, "projections"),
    ("pgd_at", {"eps": 0.0}, "eps"), ("pgd_at", {"alpha": -1.0}, "alpha"), ("pgd_at", {"steps": 0}, "steps"),
    ("pgd_at", {"norm": "l1"}, "norm"), ("pgd_at", {"random_start": "yes"}, "random_start"),
    ("wpgd_at", {"eps": -1.0}, "eps"), ("wpgd_at", {"p": 0.0}, "p"), ("wpgd_at", {"lam": 0.0}, "lam"),
    ("wpgd_at", {"cost_matrix": [[0.0, 1.0], [2.0, 0.0]]}, "cost_matrix"),
    ("wpgd_at", {"cost_matrix": uniform_cost(3)}, "cost_matrix"),
    ("augmented", {"augmentation": "nope"}, "augmentation"),
    ("augmented", {"augmentation": shift, "feat_sim": -1.0}, "feat_sim"),
    ("augmented", {"augmentation": shift, "margin": float("inf")}, "margin"),
    ("augmented", {"augmentation": shift, "odenet": 3}, "odenet"),
    ("augmented", {"augmentation": shift, "beta": 0.1}, "aug_params"),
])
def test_bad_hyperparameters(name, kw, match):
    x, y = toy(4)
    rec = get_recipe(name, **kw)  # constructors store as given; validation happens in loss
    with pytest.raises(ValueError, match=match):
        rec.loss(TinyNet(16), x, y, generator=gen())


def test_unknown_constructor_argument():
    with pytest.raises(ValueError, match="nsr_loss2"):
        get_recipe("nsr_loss2", eps=0.1)
