"""Paper presets of the training recipes: the augmented recipe's protocols (Sarkar, Sunder Raj &
Iyengar, "ODE guided Neural Data Augmentation Techniques for Time Series Data and its Benefits on
Robustness", ICMLA 2020) and the NSR losses' margin (Ma & Liang, "Improve robustness of DNN for ECG
signal classification: a noise-to-signal ratio perspective", 2020)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_model_untouched, linear_model, model_state

from tsviz.augment import ODENet
from tsviz.models import build, save
from tsviz.training import TrainingError, fit, get_recipe
from tsviz.training.augmented_training import (
    AUGMENTED_PAPER_FIT,
    AUGMENTED_PRESETS,
    PAPER_AUG_PARAMS,
    PROTOCOLS,
    AugmentedTraining,
)
from tsviz.training.nsr_losses import NSR_PAPER_FIT, NSR_PRESETS, MSEMarginLoss, NSRLoss1, NSRLoss2, margin_terms

pytestmark = pytest.mark.usefixtures("one_torch_thread")

C, T, K = 1, 32, 3

# ---- the papers' values, typed from the papers (not from the library) --------------------------
#: Sarkar et al. 2020, section III-B: "beta (equation 5) was chosen to be 0.33 and epsilon
#: (equation 7) was a random number in range [0.0, 0.33]"; section II-C: 90 % energy, "upto 75 %".
PAPER_BETA, PAPER_EPS_MAX, PAPER_ENERGY, PAPER_SHARE = 0.33, 0.33, 0.9, 0.75
#: Section II-A: "Adam optimizer with a learning rate of 0.0002 with a weight decay of 10^-3".
PAPER_LR, PAPER_WD = 2e-4, 1e-3
#: Ma & Liang 2020, section 3: beta_1 = 0.2, beta_2 = 0.5, eps_max = 1 (2.2.2), gamma = 1 (2.2.1);
#: 50 epochs, lr 0.001, batch 128; appendix F eq. 14/16: multi_margin_loss.
NSR_BETA1, NSR_BETA2, NSR_EPS_MAX, NSR_GAMMA = 0.2, 0.5, 1.0, 1.0
NSR_EPOCHS, NSR_LR, NSR_BATCH = 50, 1e-3, 128


class Counting:
    """A callable augmentation that counts its calls and the series it saw: ``x + 0.01``."""

    __name__ = "counting"

    def __init__(self):
        self.calls, self.series = 0, 0

    def __call__(self, x, y, model, generator):
        self.calls += 1
        self.series += x.shape[0]
        return x + 0.01


def _dataset_loss_fit(tiny_dataset, recipe, epochs=3, **kw):
    model = build("mlp", 1, 3, tiny_dataset.length, seed=0)
    res = fit(model, tiny_dataset, recipe=recipe, epochs=epochs, seed=0, batch_size=16, val_fraction=0.0, **kw)
    return model, res


# --------------------------------------------------------------------------- presets = the paper
@pytest.mark.parametrize("name,expected", [
    ("in_clamp_grad", {"beta": PAPER_BETA}), ("in_sign_grad", {"eps_max": PAPER_EPS_MAX}),
    ("out_sign_grad", {"beta": PAPER_BETA}), ("rand_grad", {"beta": PAPER_BETA}),
    ("spec_den", {"energy": PAPER_ENERGY, "share": PAPER_SHARE})])
def test_paper_preset_is_the_papers_protocol_and_magnitude(name, expected):
    rec = AugmentedTraining(name, preset="paper")
    assert rec.protocol == "per_run" and rec.preset == "paper"
    assert rec.aug_params == expected
    assert PAPER_AUG_PARAMS[name] == expected
    assert AUGMENTED_PAPER_FIT == {"lr": PAPER_LR, "weight_decay": PAPER_WD}
    assert set(AUGMENTED_PRESETS) == {"paper"}


def test_default_protocol_is_per_batch_and_listed():
    assert AugmentedTraining().protocol == "per_batch"
    assert PROTOCOLS == ("per_batch", "per_epoch", "per_run")


def test_preset_conflicts_and_bad_values_raise():
    with pytest.raises(TrainingError, match="beta"):
        get_recipe("augmented", beta=0.1, preset="paper")
    with pytest.raises(TrainingError, match="protocol"):
        get_recipe("augmented", protocol="per_batch", preset="paper")
    AugmentedTraining(beta=0.33, protocol="per_run", preset="paper")  # agreeing values are fine
    with pytest.raises(TrainingError, match="preset"):
        AugmentedTraining(preset="sarkar")
    x = torch.zeros(4, C, T)
    for bad in ({"protocol": "per_step"}, {"protocol": None}, {"threat_model": 3}):
        with pytest.raises(TrainingError):
            AugmentedTraining(Counting(), **bad).check(x, K)


# --------------------------------------------------------------------------- protocols, by counting
@pytest.mark.parametrize("protocol,calls,series", [("per_run", 1, 60), ("per_epoch", 3, 180)])
def test_whole_set_protocols_augment_the_training_set_once_per_run_or_epoch(tiny_dataset, protocol, calls, series):
    aug = Counting()
    rec = AugmentedTraining(aug, protocol=protocol)
    _dataset_loss_fit(tiny_dataset, rec, epochs=3)
    assert (aug.calls, aug.series) == (calls, series)  # 60 training series, 3 epochs
    assert rec.generations == calls
    assert rec.card_info(tiny_dataset)["recipe_details"]["augmented_set_generations"] == calls


def test_per_batch_augments_every_batch(tiny_dataset):
    aug = Counting()
    _dataset_loss_fit(tiny_dataset, AugmentedTraining(aug), epochs=2)
    assert aug.calls == 2 * 4 and aug.series == 2 * 60  # ceil(60 / 16) = 4 batches per epoch


def test_a_second_fit_makes_a_new_set(tiny_dataset):
    aug = Counting()
    rec = AugmentedTraining(aug, protocol="per_run")
    _dataset_loss_fit(tiny_dataset, rec, epochs=2)
    _dataset_loss_fit(tiny_dataset, rec, epochs=2)
    assert aug.calls == 2


def test_per_run_loss_uses_the_stored_copies_by_hand():
    model = linear_model(C, T, K).train()
    X = torch.randn(10, C, T, generator=torch.Generator().manual_seed(1))
    y = torch.arange(10) % K
    rec = AugmentedTraining(Counting(), protocol="per_run")
    rec.start_epoch(model, X, y, 1)
    rec.start_epoch(model, X, y, 2)  # nothing new within the run
    assert rec.generations == 1
    idx = torch.tensor([7, 2, 5])
    loss = rec.loss(model, X[idx], y[idx], index=idx)
    with torch.no_grad():
        expected = 0.5 * F.cross_entropy(model(X[idx]), y[idx]) + 0.5 * F.cross_entropy(model(X[idx] + 0.01), y[idx])
    assert float(loss.detach()) == pytest.approx(float(expected), rel=1e-6)


def test_per_run_needs_the_set_and_the_rows():
    model = linear_model(C, T, K).train()
    X, y = torch.randn(6, C, T), torch.arange(6) % K
    rec = AugmentedTraining(Counting(), protocol="per_run")
    with pytest.raises(TrainingError, match="start_epoch"):
        rec.loss(model, X, y)
    rec.start_epoch(model, X, y, 1)
    with pytest.raises(TrainingError, match="index"):
        rec.loss(model, X, y)
    for bad in (torch.tensor([0, 1]), torch.tensor([0.0, 1, 2, 3, 4, 5]), torch.arange(1, 7)):
        with pytest.raises(TrainingError, match="index"):
            rec.loss(model, X, y, index=bad)


def test_per_run_out_sign_grad_takes_the_threat_models_gradient_and_leaves_it_as_found(tmp_path):
    """Out-Sign-Grad's sign comes from the threat model, not the model being trained (section II)."""
    threat = linear_model(C, T, K, seed=3)
    trained = linear_model(C, T, K, seed=4).train()
    X = torch.randn(8, C, T, generator=torch.Generator().manual_seed(2))
    y = torch.arange(8) % K
    dzdt = torch.full_like(X, 0.5)  # |clamp(dz/dt)| = beta everywhere
    rec = AugmentedTraining("out_sign_grad", odenet=None, protocol="per_run", threat_model=threat, beta=0.2)
    rec.derivative = lambda device=None: dzdt  # a precomputed dz/dt for this batch
    before = model_state(threat)
    rec.start_epoch(trained, X, y, 1)
    assert_model_untouched(threat, before)
    xg = X.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(threat(xg), y, reduction="sum"), xg)
    assert torch.allclose(rec._x_aug, X + 0.2 * torch.sign(g))


def test_threat_model_from_a_checkpoint(tmp_path, tiny_dataset):
    base = build("mlp", 1, 3, tiny_dataset.length, seed=5)
    save(base, tmp_path / "base", {"name": "base"})
    rec = AugmentedTraining("out_sign_grad", odenet=ODENet(hidden=4), protocol="per_run",
                            threat_model=str(tmp_path / "base"))
    model, res = _dataset_loss_fit(tiny_dataset, rec, epochs=1)
    assert np.isfinite(res.history["train_loss"]).all()
    details = model.card["recipe_details"]
    assert details["protocol"] == "per_run" and details["threat_model"] == str(tmp_path / "base")
    with pytest.raises(TrainingError, match="threat_model"):
        _dataset_loss_fit(tiny_dataset, AugmentedTraining(Counting(), protocol="per_run",
                                                          threat_model=str(tmp_path / "missing")), epochs=1)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_same_seed_same_weights(tiny_dataset, protocol):
    def run():
        rec = AugmentedTraining("in_sign_grad", odenet=ODENet(hidden=4), protocol=protocol, eps_max=0.1)
        return _dataset_loss_fit(tiny_dataset, rec, epochs=2)[0]

    a, b = run(), run()
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k


def test_paper_preset_trains_through_fit_by_name(tiny_dataset):
    model, res = _dataset_loss_fit(tiny_dataset, "augmented", epochs=1, augmentation="in_clamp_grad",
                                   odenet=ODENet(hidden=4), preset="paper", feat_sim=1.0)
    d = model.card["recipe_details"]
    assert (d["protocol"], d["preset"], d["aug_params"], d["augmented_set_generations"]) == (
        "per_run", "paper", {"beta": PAPER_BETA}, 1)
    assert model.card["recipe_hparams"]["preset"] == "paper"


# --------------------------------------------------------------------------- NSR margin (eq. 5 vs 14)
def test_nsr_presets_are_the_papers_values():
    assert NSRLoss1(preset="paper").__dict__ == {"beta": NSR_BETA1, "gamma": NSR_GAMMA, "margin_reduction": "mean",
                                                  "preset": "paper"}
    assert NSRLoss2(preset="paper").__dict__ == {"beta": NSR_BETA2, "eps_max": NSR_EPS_MAX,
                                                  "margin_reduction": "mean", "preset": "paper"}
    assert MSEMarginLoss(preset="paper").margin_reduction == "mean"
    assert set(NSR_PRESETS) == {"mse_margin", "nsr_loss1", "nsr_loss2"}
    assert NSR_PAPER_FIT == {"epochs": NSR_EPOCHS, "lr": NSR_LR, "batch_size": NSR_BATCH}
    for cls in (MSEMarginLoss, NSRLoss1, NSRLoss2):
        assert cls().margin_reduction == "sum"


def test_margin_terms_by_hand_and_against_torch():
    z = torch.tensor([[2.0, 1.5, -1.0], [0.0, 0.2, 3.0]])
    y = torch.tensor([0, 2])
    # sample 0: max(0, 1 - 2 + 1.5) + max(0, 1 - 2 - 1) = 0.5; sample 1: 1 - 3 + 0 -> 0, 1 - 3 + 0.2 -> 0
    assert margin_terms(z, y).tolist() == pytest.approx([0.5, 0.0])
    assert margin_terms(z, y, "mean").tolist() == pytest.approx([0.5 / 3, 0.0])
    z = torch.randn(7, 5, generator=torch.Generator().manual_seed(0))
    y = torch.arange(7) % 5
    assert torch.allclose(margin_terms(z, y, "mean"), F.multi_margin_loss(z, y, reduction="none"))
    assert torch.allclose(margin_terms(z, y, "sum"), 5 * F.multi_margin_loss(z, y, reduction="none"))
    with pytest.raises(TrainingError, match="margin_reduction"):
        margin_terms(z, y, "max")


@pytest.mark.parametrize("cls", [MSEMarginLoss, NSRLoss1, NSRLoss2])
def test_mean_margin_changes_only_the_margin_term(cls):
    model = linear_model(C, T, K).train()
    x = torch.randn(9, C, T, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        y = model(x).argmax(1)  # every sample correctly classified: the margin counts for all
        z = model(x)
    a = float(cls().loss(model, x, y).detach())
    b = float(cls(margin_reduction="mean").loss(model, x, y).detach())
    margin = float(margin_terms(z, y).mean())
    assert margin > 0
    assert a - b == pytest.approx(margin * (1 - 1 / K), abs=1e-4)  # float32 sums of ~1


@pytest.mark.parametrize("cls,bad", [(NSRLoss1, {"beta": 0.3}), (NSRLoss2, {"eps_max": 2.0}),
                                     (MSEMarginLoss, {"margin_reduction": "sum"})])
def test_nsr_preset_conflicts_and_bad_values(cls, bad):
    with pytest.raises(TrainingError, match=next(iter(bad))):
        cls(preset="paper", **bad)
    with pytest.raises(TrainingError, match="margin_reduction"):
        cls(margin_reduction="avg").check(torch.zeros(2, C, T), K)
    with pytest.raises(TrainingError, match="preset"):
        cls(preset="ma_liang")


def test_nsr_card_records_a_non_default_margin(tiny_dataset):
    model, _ = _dataset_loss_fit(tiny_dataset, "nsr_loss2", epochs=1, preset="paper")
    assert model.card["recipe_details"] == {"name": "nsr_loss2", "beta": NSR_BETA2, "eps_max": NSR_EPS_MAX,
                                            "margin_reduction": "mean", "preset": "paper"}
