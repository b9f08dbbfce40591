"""White-box attacks (FGSM, BIM, PGD, WPGD): the shared contract and analytic checks on tiny models."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import LinearTS, assert_model_untouched, model_state
from torch import nn

from tsviz.attacks.base import MAX_RESTARTS, MAX_STEPS, AttackError, per_sample_norm
from tsviz.attacks.bim import BIM
from tsviz.attacks.cost_matrix import uniform_cost
from tsviz.attacks.fgsm import FGSM
from tsviz.attacks.pgd import PGD
from tsviz.attacks.wpgd import WPGD
from tsviz.models import build


# --------------------------------------------------------------------------- tiny models
def linear_model(C: int = 2, T: int = 8, K: int = 3, seed: int = 0) -> LinearTS:
    """A :class:`helpers.LinearTS` with ``N(0, 0.25)`` weights and a small bias."""
    g = torch.Generator().manual_seed(seed)
    return LinearTS(torch.randn(K, C * T, generator=g) * 0.5, torch.randn(K, generator=g) * 0.1, C=C, T=T).eval()


def block_model(C: int = 1, T: int = 12, K: int = 3, scale: float = 1.0,
                bias: tuple[float, ...] = (0.0, 0.0, 0.0)) -> LinearTS:
    """Class ``k``'s logit is ``scale`` times the sum of the ``k``-th block of ``T/K`` time steps."""
    W = torch.zeros(K, C * T)
    size = C * T // K
    for k in range(K):
        W[k, k * size:(k + 1) * size] = scale
    return LinearTS(W, torch.tensor(bias[:K], dtype=torch.float32), C=C, T=T).eval()


class Detached(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = linear_model()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x).detach()


def data(n: int = 6, C: int = 2, T: int = 8, K: int = 3, seed: int = 1, lo: float = -0.5, hi: float = 0.5):
    g = torch.Generator().manual_seed(seed)
    x = lo + (hi - lo) * torch.rand(n, C, T, generator=g)
    y = torch.arange(n) % K
    return x, y


# --------------------------------------------------------------------------- attack zoo
EPS_INF, EPS_L2 = 0.3, 0.6

ATTACKS = {
    "fgsm": lambda b=None: FGSM(EPS_INF, bounds=b),
    "bim": lambda b=None: BIM(EPS_INF, 0.1, 5, bounds=b),
    "pgd_inf": lambda b=None: PGD(EPS_INF, 0.1, 5, bounds=b),
    "pgd_inf_restarts": lambda b=None: PGD(EPS_INF, 0.1, 4, restarts=3, bounds=b),
    "pgd_inf_nostart": lambda b=None: PGD(EPS_INF, 0.1, 5, random_start=False, bounds=b),
    "pgd_l2": lambda b=None: PGD(EPS_L2, 0.2, 5, norm="l2", bounds=b),
    "pgd_l2_nostart": lambda b=None: PGD(EPS_L2, 0.2, 5, norm="l2", random_start=False, bounds=b),
    "wpgd_inf": lambda b=None: WPGD(EPS_INF, 0.1, 5, uniform_cost(3), bounds=b),
    "wpgd_l2_nostart": lambda b=None: WPGD(EPS_L2, 0.2, 5, uniform_cost(3), p=2.0, norm="l2",
                                           random_start=False, bounds=b),
}
DETERMINISTIC = ["fgsm", "bim", "pgd_inf_nostart", "pgd_l2_nostart", "wpgd_l2_nostart"]
RANDOM = ["pgd_inf", "pgd_inf_restarts", "pgd_l2", "wpgd_inf"]


def budget(attack) -> tuple[str, float]:
    return attack.norm, float(attack.eps)


def mlp_model(seed: int = 0):
    return build("mlp", 1, 3, 16, seed=seed)


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("name", list(ATTACKS))
def test_budget_bounds_shape_dtype_device(name):
    lo, hi = (-0.6, -0.4), (0.6, 0.45)           # per-channel bounds, C = 2
    model = linear_model()
    x, y = data(lo=-0.4, hi=0.45)
    attack = ATTACKS[name]((lo, hi))
    res = attack.run(model, x, y, generator=torch.Generator().manual_seed(0))
    xa = res.x_adv
    assert xa.shape == x.shape and xa.dtype == x.dtype and xa.device == x.device
    assert not xa.requires_grad
    norm, eps = budget(attack)
    assert (per_sample_norm(xa - x, norm) <= eps + 1e-6).all()
    lo_t, hi_t = torch.tensor(lo).view(1, 2, 1), torch.tensor(hi).view(1, 2, 1)
    assert (xa >= lo_t).all() and (xa <= hi_t).all()
    n = x.shape[0]
    assert res.queries.shape == (n,) and res.queries.dtype == np.int64 and (res.queries >= 1).all()
    assert res.success.shape == (n,) and res.success.dtype == bool
    loss = res.history["loss"]
    assert isinstance(loss, np.ndarray) and loss.ndim == 2 and loss.shape[1] == n
    assert loss.shape[0] == getattr(attack, "steps", 1)
    assert np.isfinite(loss).all()


@pytest.mark.parametrize("name", ["fgsm", "bim", "pgd_l2", "wpgd_inf"])
def test_float64_and_mlp_scalar_bounds(name):
    model = linear_model().double()
    x, y = data()
    xa = ATTACKS[name]()(model, x.double(), y)
    assert xa.dtype == torch.float64
    m = mlp_model()
    x1, y1 = data(n=5, C=1, T=16, lo=-0.4, hi=0.4)
    xa1 = ATTACKS[name]((-0.45, 0.45))(m, x1, y1)
    norm, eps = budget(ATTACKS[name]())
    assert xa1.shape == x1.shape and (xa1.abs() <= 0.45).all()
    assert (per_sample_norm(xa1 - x1, norm) <= eps + 1e-6).all()


@pytest.mark.parametrize("name", list(ATTACKS))
def test_seed_reproducible(name):
    model = mlp_model()
    x, y = data(n=5, C=1, T=16)
    a = ATTACKS[name]()
    r1 = a(model, x, y, generator=torch.Generator().manual_seed(7))
    r2 = a(model, x, y, generator=torch.Generator().manual_seed(7))
    assert torch.equal(r1, r2)
    # None means a generator seeded 0: deterministic too
    assert torch.equal(a(model, x, y), a(model, x, y, generator=torch.Generator().manual_seed(0)))
    if name in RANDOM:
        r3 = a(model, x, y, generator=torch.Generator().manual_seed(8))
        assert not torch.equal(r1, r3)


@pytest.mark.parametrize("name", DETERMINISTIC)
@pytest.mark.parametrize("which", ["linear", "mlp"])
def test_batched_equals_unbatched(name, which):
    model = linear_model() if which == "linear" else mlp_model()
    x, y = data(n=5) if which == "linear" else data(n=5, C=1, T=16)
    a = ATTACKS[name]()
    whole = a(model, x, y)
    parts = torch.cat([a(model, x[i:i + 1], y[i:i + 1]) for i in range(x.shape[0])])
    # sign steps are bit-identical; normalised L2 steps may differ in the last float bit
    torch.testing.assert_close(whole, parts, rtol=0, atol=1e-6)
    if attack_is_sign(a):
        assert torch.equal(whole, parts)


def attack_is_sign(a) -> bool:
    return a.norm == "inf"


@pytest.mark.parametrize("name", list(ATTACKS))
def test_model_state_unchanged(name):
    model = mlp_model().train()
    model.backbone.layers[1].eval()                      # a mixed-mode model
    model.head.weight.requires_grad_(False)              # a frozen parameter
    before = model_state(model)
    x, y = data(n=4, C=1, T=16)
    ATTACKS[name]().run(model, x, y, generator=torch.Generator().manual_seed(0))
    assert_model_untouched(model, before)
    assert all(p.grad is None for p in model.parameters())


# --------------------------------------------------------------------------- analytic checks
def binary_linear(T: int = 10, seed: int = 3) -> tuple[LinearTS, torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(2, T, generator=g)
    b = torch.randn(2, generator=g) * 0.1
    x = torch.randn(8, 1, T, generator=g) * 0.3
    model = LinearTS(W, b).eval()
    with torch.no_grad():
        y = model(x).argmax(1)
    return model, x, y, W


def margins(model, x, y) -> torch.Tensor:
    with torch.no_grad():
        z = model(x)
    return z.gather(1, y.view(-1, 1)).squeeze(1) - z.gather(1, (1 - y).view(-1, 1)).squeeze(1)


def test_fgsm_closed_form_on_linear_binary():
    model, x, y, W = binary_linear()
    eps = 0.2
    # grad_x CE(Wx + b, y) = p_{1-y} (w_{1-y} - w_y), p > 0: its sign is sign(w_{1-y} - w_y)
    s = torch.sign(W[1 - y] - W[y]).view(-1, 1, W.shape[1])
    assert torch.equal(FGSM(eps)(model, x, y), x + eps * s)
    # targeted at the other class: x - eps * sign(grad CE(., 1-y)) is the same point
    assert torch.equal(FGSM(eps)(model, x, y, target=1 - y), x + eps * s)


@pytest.mark.parametrize("attack", [
    FGSM(0.2), BIM(0.2, 0.05, 8), PGD(0.2, 0.05, 20), PGD(0.2, 0.2, 1, random_start=False),
], ids=["fgsm", "bim", "pgd_random_start", "pgd_one_step"])
def test_linf_reaches_analytic_optimum(attack):
    model, x, y, W = binary_linear()
    w_diff = W[y] - W[1 - y]                                         # (n, T)
    expected = margins(model, x, y) - attack.eps * w_diff.abs().sum(1)
    got = margins(model, attack(model, x, y, generator=torch.Generator().manual_seed(0)), y)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize("random_start", [False, True])
def test_l2_reaches_analytic_optimum(random_start):
    model, x, y, W = binary_linear()
    eps = 0.5
    w_diff = W[y] - W[1 - y]
    expected = margins(model, x, y) - eps * w_diff.norm(dim=1)
    attack = PGD(eps, eps, 30, norm="l2", random_start=random_start)
    got = margins(model, attack(model, x, y), y)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize("attack", [
    FGSM(3.0), BIM(3.0, 0.5, 10), PGD(3.0, 0.5, 10), PGD(6.0, 2.0, 10, norm="l2"),
], ids=["fgsm", "bim", "pgd_inf", "pgd_l2"])
def test_targeted_hits_target(attack):
    model = block_model(bias=(1.0, 0.5, 0.0))
    x = torch.zeros(6, 1, 12)
    y = torch.zeros(6, dtype=torch.long)
    target = torch.tensor([1, 2, 1, 2, 1, 2])
    res = attack.run(model, x, y, target=target)
    with torch.no_grad():
        pred = model(res.x_adv).argmax(1)
    assert torch.equal(pred, target) and res.success.all()
    # int target broadcast to every sample
    with torch.no_grad():
        assert (model(attack(model, x, y, target=2)).argmax(1) == 2).all()


def test_pgd_restarts_keep_the_strongest():
    model = mlp_model()
    x, y = data(n=8, C=1, T=16)
    one = PGD(0.1, 0.03, 3).run(model, x, y, generator=torch.Generator().manual_seed(5))
    many = PGD(0.1, 0.03, 3, restarts=4).run(model, x, y, generator=torch.Generator().manual_seed(5))
    assert (many.queries == 12).all() and (one.queries == 3).all()
    # the first restart uses the same draws, so the kept result is never weaker
    assert (many.success >= one.success).all()
    weaker = (many.success == one.success) & (many.history["loss"][-1] < one.history["loss"][-1] - 1e-6)
    assert not weaker.any()


def test_history_tracks_the_attacked_loss():
    model = mlp_model()
    x, y = data(n=4, C=1, T=16)
    res = BIM(0.2, 0.05, 6).run(model, x, y)
    with torch.no_grad():
        ce = torch.nn.functional.cross_entropy(model(res.x_adv), y, reduction="none")
    np.testing.assert_allclose(res.history["loss"][-1], ce.numpy(), rtol=1e-5, atol=1e-6)
    assert (res.queries == 6).all()


# --------------------------------------------------------------------------- errors
def test_target_equal_to_label_is_rejected():
    model = linear_model()
    x, y = data(n=3)
    for attack in (FGSM(0.1), BIM(0.1, 0.05, 2), PGD(0.1, 0.05, 2)):
        with pytest.raises(AttackError, match="true label"):
            attack(model, x, y, target=y)


@pytest.mark.parametrize("make, param", [
    (lambda: FGSM(0.0), "eps"),
    (lambda: FGSM(-0.1), "eps"),
    (lambda: FGSM(float("nan")), "eps"),
    (lambda: BIM(0.1, 0.0, 5), "alpha"),
    (lambda: BIM(0.1, 0.05, MAX_STEPS + 1), "steps"),
    (lambda: BIM(0.1, 0.05, 0), "steps"),
    (lambda: PGD(-1.0, 0.05, 5), "eps"),
    (lambda: PGD(0.1, 0.05, 2.5), "steps"),
    (lambda: PGD(0.1, 0.05, MAX_STEPS + 1), "steps"),
    (lambda: PGD(0.1, 0.05, 5, norm="l1"), "norm"),
    (lambda: PGD(0.1, 0.05, 5, norm=2), "norm"),
    (lambda: PGD(0.1, 0.05, 5, restarts=MAX_RESTARTS + 1), "restarts"),
    (lambda: PGD(0.1, 0.05, 5, restarts=0), "restarts"),
    (lambda: PGD(0.1, 0.05, 5, random_start=False, restarts=3), "restarts"),
    (lambda: PGD(0.1, 0.05, 5, random_start="yes"), "random_start"),
    (lambda: WPGD(0.0, 0.05, 5, uniform_cost(3)), "eps"),
    (lambda: WPGD(0.1, 0.05, MAX_STEPS + 1, uniform_cost(3)), "steps"),
    (lambda: WPGD(0.1, 0.05, 5, uniform_cost(3), norm="linf"), "norm"),
    (lambda: WPGD(0.1, 0.05, 5, uniform_cost(3), p=0), "p"),
    (lambda: WPGD(0.1, 0.05, 5, uniform_cost(3), lam=-1.0), "lam"),
])
def test_bad_hyperparameters_name_the_parameter(make, param):
    attack = make()                       # constructors store only; nothing raises here
    model = linear_model()
    x, y = data(n=2)
    with pytest.raises(AttackError, match=rf"\b{param}\b"):
        attack(model, x, y)


@pytest.mark.parametrize("name", ["fgsm", "bim", "pgd_inf", "pgd_l2", "wpgd_inf"])
def test_detached_model_has_no_gradient(name):
    x, y = data(n=2)
    with pytest.raises(AttackError, match="no gradient"):
        ATTACKS[name]()(Detached().eval(), x, y)


def test_generator_must_be_a_generator():
    x, y = data(n=2)
    with pytest.raises(AttackError, match="generator"):
        PGD(0.1, 0.05, 2)(linear_model(), x, y, generator=123)


def test_zero_gradient_l2_step_does_not_move():
    model = LinearTS(torch.zeros(3, 16), torch.zeros(3), C=2, T=8).eval()
    x, y = data(n=3)
    xa = PGD(0.5, 0.2, 3, norm="l2", random_start=False)(model, x, y)
    assert torch.equal(xa, x) and torch.isfinite(xa).all()


# --------------------------------------------------------------------------- reference implementation
@pytest.mark.parametrize("which, eps", [("linear", 0.05), ("mlp", 0.3)])
def test_matches_torchattacks_bim_and_pgd(which, eps):
    torchattacks = pytest.importorskip(
        "torchattacks", reason="torchattacks is not installed (optional reference; pip install --no-deps torchattacks)")
    model = linear_model(C=1, T=16, K=3, seed=4) if which == "linear" else mlp_model(seed=2)
    g = torch.Generator().manual_seed(11)
    x = torch.rand(200, 1, 16, generator=g)           # torchattacks assumes inputs in [0, 1]
    with torch.no_grad():
        y = model(x).argmax(1)                         # clean accuracy 100%
    alpha, steps = eps / 4, 10

    def adv_acc(xa: torch.Tensor) -> float:
        with torch.no_grad():
            return float((model(xa).argmax(1) == y).float().mean())

    pairs = [
        (BIM(eps, alpha, steps, bounds=(0.0, 1.0)), torchattacks.BIM(model, eps=eps, alpha=alpha, steps=steps)),
        (PGD(eps, alpha, steps, random_start=False, bounds=(0.0, 1.0)),
         torchattacks.PGD(model, eps=eps, alpha=alpha, steps=steps, random_start=False)),
    ]
    for ours, ref in pairs:
        a, b = ours(model, x, y), ref(x, y)
        acc_ours, acc_ref = adv_acc(a), adv_acc(b)
        assert abs(acc_ours - acc_ref) <= 0.01, (type(ours).__name__, acc_ours, acc_ref)
        assert acc_ours < 0.99                         # the attack does something
        assert float((a - b).abs().mean()) < 1e-4      # same iterates up to float rounding
    assert not model.training
