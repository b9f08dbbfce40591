"""nsr-table1: the tiny run end to end on the MIT-BIH records, the full configuration and Table 1 are
the paper's, hand-checked pieces, and the BatchNorm warning of the NSR regulariser.

Paper: Ma & Liang, "Improve robustness of DNN for ECG signal classification: a noise-to-signal ratio
perspective", 2020 (shared paper ecg-robustness-noise-to-signal-ratio.txt): section 3, appendix B and
appendix D (Table 1, "ACC MLP 20-PGD").
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from realdata import SHARED_DATA, shared_data
from torch import nn

from tsviz.reproduce import get_target, run_target
from tsviz.reproduce.targets.nsr_table1 import EPS_LEVELS, METHODS, PAPER_TABLE1, majority_share, minmax_beats
from tsviz.training import get_recipe
from tsviz.training.nsr_losses import NSR_PAPER_FIT, logit_input_gradient

KEY = "nsr-table1"
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_tiny_run_gives_a_well_formed_table():
    shared_data("mitdb")
    t = get_target(KEY)
    cfg = t.configs["tiny"]
    seen = []
    res = run_target(KEY, "tiny", data_root=SHARED_DATA, seed=0, progress=lambda f, m: seen.append(f))
    assert res.mode == "tiny" and res.config == cfg and seen[-1] == 1.0
    assert {(r["method"], r["eps"]) for r in res.measured_table} == {(m, e) for m in cfg["methods"]
                                                                      for e in cfg["eps"]}
    for r in res.measured_table:
        assert 0.0 <= r["accuracy"] <= 1.0 and 0.0 <= r["precision"] <= 1.0
        assert 0.0 < r["majority_share"] <= 1.0
    # every measured (method, eps) is a row of Table 1, so every row is compared
    paper_keys = {(r["method"], r["eps"]) for r in t.paper_table}
    assert {(r["method"], r["eps"]) for r in res.measured_table} <= paper_keys
    assert res.verdict.label in ("matches", "same direction", "differs")
    assert any("beats per AAMI class" in n for n in res.notes)


def test_missing_data_is_not_run(tmp_path):
    res = run_target(KEY, "tiny", data_root=tmp_path, seed=0)
    assert res.verdict.label == "not run" and res.measured_table == []
    assert any("mitdb" in n and "physionet" in n for n in res.notes)


def test_full_configuration_is_the_papers():
    cfg = get_target(KEY).configs["full"]
    # section 3: "Number of epochs is 50, optimizer is 'Adamax' and learning rate is 0.001"; "batch size is 128"
    assert (cfg["epochs"], cfg["lr"], cfg["batch_size"]) == (50, 0.001, 128)
    assert {k: cfg[k] for k in NSR_PAPER_FIT} == NSR_PAPER_FIT
    # section 3: the MLP (187-128)-(128-128)-(128-128)-(128-32)-(32-5); appendix B: 20-PGD; Table 1's noise levels
    assert cfg["arch"] == "mlp" and cfg["attack_steps"] == 20
    assert cfg["eps"] == [0.0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3]
    # section 3: all nine methods; adv<eps> is 10-PGD adversarial training at eps 0.1, 0.2, 0.3 (eq. 11)
    assert cfg["methods"] == ["ce", "mse", "mseMargin", "loss1", "loss2", "jacob", "adv0.1", "adv0.2", "adv0.3"]
    for e in (0.1, 0.2, 0.3):
        assert METHODS[f"adv{e}"] == ("pgd_at", {"eps": e, "steps": 10})
    # section 2.1: classes up-sampled to equal counts; Kachuee et al.'s beats scaled to [0, 1]
    assert cfg["n_train_per_class"] is None and cfg["n_test_per_class"] is None and cfg["scale"] == "minmax"
    # section 3: beta_1 = 0.2, beta_2 = 0.5; section 2.2.2: eps_max = 1; appendix F: multi_margin_loss
    l1, l2 = get_recipe("nsr_loss1", **METHODS["loss1"][1]), get_recipe("nsr_loss2", **METHODS["loss2"][1])
    assert (l1.beta, l1.gamma) == (0.2, 1.0) and (l2.beta, l2.eps_max) == (0.5, 1.0)
    assert l1.margin_reduction == l2.margin_reduction == "mean"


def test_table1_is_transcribed():
    assert EPS_LEVELS == (0.0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3)
    # appendix B: "MLP with loss2 can still have an accuracy 69% ... under noise level 0.1"; "MLP with ce has
    # accuracy 92%", "loss1 ... 92%", "loss2 ... 90%" on clean data
    assert PAPER_TABLE1["loss2"][4] == 0.69
    assert (PAPER_TABLE1["ce"][0], PAPER_TABLE1["loss1"][0], PAPER_TABLE1["loss2"][0]) == (0.92, 0.92, 0.9)
    assert PAPER_TABLE1["ce"] == (0.92, 0.7, 0.19, 0.02, 0.0, 0.0, 0.0)
    assert PAPER_TABLE1["adv0.1"] == (0.91, 0.81, 0.75, 0.74, 0.63, 0.23, 0.07)
    assert PAPER_TABLE1["jacob"] == (0.87, 0.84, 0.78, 0.71, 0.43, 0.11, 0.06)
    assert set(PAPER_TABLE1) == set(METHODS) and all(len(v) == 7 for v in PAPER_TABLE1.values())
    assert len(get_target(KEY).paper_table) == 9 * 7


def test_claims_are_the_papers_orderings():
    claims = {(a["method"], b["method"], a["eps"]) for a, b, col, op in get_target(KEY).direction}
    assert all(op == ">" for *_, op in get_target(KEY).direction)
    assert ("loss2", "ce", 0.1) in claims and ("loss2", "adv0.1", 0.1) in claims  # 0.69 > 0.0, 0.69 > 0.63
    assert ("loss2", "loss1", 0.01) not in claims  # loss1 is better at 0.01 (0.88 > 0.85)
    assert ("loss2", "jacob", 0.01) not in claims  # a gap of 0.01 is not a claim
    assert all(0 < e <= 0.1 for *_, e in claims)


def test_minmax_and_majority_share_by_hand():
    X = np.array([[[1.0, 3.0, 2.0]], [[-1.0, -1.0, -1.0]]], dtype=np.float32)
    np.testing.assert_allclose(minmax_beats(X), [[[0.0, 1.0, 0.5]], [[0.0, 0.0, 0.0]]])
    assert majority_share(np.array([0, 0, 0, 1])) == 0.75
    assert majority_share(np.array([2, 2])) == 1.0


def _bn_net(train: bool) -> nn.Module:
    return nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.BatchNorm1d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 8, 2)).train(train)


def test_regulariser_warns_on_batchnorm_in_training_mode():
    x, y = torch.randn(6, 1, 8, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1] * 3)
    with pytest.warns(UserWarning, match="BatchNorm in training mode"):
        logit_input_gradient(_bn_net(True), x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logit_input_gradient(_bn_net(False), x, y)  # eval mode: samples independent, no warning
        logit_input_gradient(nn.Sequential(nn.Flatten(), nn.Linear(8, 2)).train(), x, y)


def test_batchnorm_sum_trick_is_not_the_per_sample_gradient():
    """What the warning is about: through BatchNorm's batch statistics, one backward pass of
    sum_j z_(y_j) gives row i = sum_j dz_(y_j)/dx_i, not dz_(y_i)/dx_i."""
    x, y = torch.randn(6, 1, 8, generator=torch.Generator().manual_seed(1)), torch.tensor([0, 1] * 3)
    with torch.random.fork_rng():  # the layers' initialisation, without touching the caller's RNG
        torch.manual_seed(0)
        net = _bn_net(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, w = logit_input_gradient(net, x, y)
    xg = x.clone().requires_grad_(True)
    z = net(xg)
    true = torch.stack([torch.autograd.grad(z[i, y[i]], xg, retain_graph=True)[0][i] for i in range(6)])
    rel = float((w - true).detach().flatten(1).norm(dim=1).mean() / true.flatten(1).norm(dim=1).mean())
    assert rel > 0.05  # far from the O(1/b) the module notes once claimed
    net.eval()
    _, w_eval = logit_input_gradient(net, x, y)
    xe = x.clone().requires_grad_(True)
    ze = net(xe)
    true_eval = torch.stack([torch.autograd.grad(ze[i, y[i]], xe, retain_graph=True)[0][i] for i in range(6)])
    torch.testing.assert_close(w_eval, true_eval)  # exact in eval mode
