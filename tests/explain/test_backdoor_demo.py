"""Backdoor recipe (BadNets poisoning) and the NeuroMask trigger demo."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tsviz.explain.backdoor import backdoor_demo, mask_mass_in_window, trigger_from_card
from tsviz.training.backdoor import BackdoorPoisoning, Trigger, apply_trigger, trigger_success_rate


def test_trigger_pattern_and_apply():
    t = Trigger(start=2, length=6, amplitude=0.5, target=1, half_period=2)
    np.testing.assert_array_equal(t.pattern(), [0.5, 0.5, -0.5, -0.5, 0.5, 0.5])
    assert t.window == (2, 8)
    x = np.ones((3, 2, 10), dtype=np.float32)
    xt = apply_trigger(x, t)
    assert xt.dtype == np.float32 and (x == 1).all()  # a copy
    np.testing.assert_array_equal(xt[:, :, 2:8], np.broadcast_to(t.pattern(), (3, 2, 6)))
    np.testing.assert_array_equal(xt[:, :, :2], 1)
    tt = apply_trigger(torch.ones(1, 1, 10), t)
    assert isinstance(tt, torch.Tensor) and tt[0, 0, 2] == 0.5


@pytest.mark.parametrize("kw, msg", [({"start": -1}, "start"), ({"length": 0}, "length"),
                                     ({"amplitude": 0.0}, "amplitude"), ({"start": 8, "length": 5}, "fit")])
def test_trigger_validation(kw, msg):
    with pytest.raises(ValueError, match=msg):
        apply_trigger(np.zeros((1, 1, 10), dtype=np.float32), Trigger(**{"start": 0, "length": 3, **kw}))


def test_poisoning_recipe_relabels_a_share_of_the_batch():
    rec = BackdoorPoisoning(start=0, length=4, target=2, rate=0.5)
    seen = {}

    class Spy(nn.Module):
        def forward(self, x):
            seen["x"] = x
            return torch.zeros(x.shape[0], 3, requires_grad=True)

    x = torch.zeros(1000, 1, 10)
    y = torch.zeros(1000, dtype=torch.int64)
    loss = rec.loss(Spy(), x, y, generator=torch.Generator().manual_seed(0))
    poisoned = (seen["x"][:, 0, 0] != 0)
    assert 0.4 < poisoned.float().mean() < 0.6
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match="target"):
        BackdoorPoisoning(start=0, length=4, target=5).loss(Spy(), x, y)
    with pytest.raises(ValueError, match="rate"):
        BackdoorPoisoning(start=0, length=4, rate=1.5).loss(Spy(), x, y)


def test_mask_mass_in_window():
    m = np.array([[0, 0, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]], dtype=float)
    np.testing.assert_allclose(mask_mass_in_window(m, (2, 4)), [1.0, 1 / 3, np.nan])
    np.testing.assert_allclose(mask_mass_in_window(m[:, None].repeat(2, 1), (2, 4)), [1.0, 1 / 3, np.nan])
    with pytest.raises(ValueError, match="window"):
        mask_mass_in_window(m, (4, 9))


class Triggered(nn.Module):
    """Class 0 when the window [20, 26) holds a square wave of amplitude ~1, else class 1 (a hand-made
    'backdoored' model: the trigger is the only thing that pushes class 0)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(40, 2)
        w = torch.zeros(2, 40)
        w[0, 20:26] = torch.tensor([1.0, 1.0, -1.0, -1.0, 1.0, 1.0])
        self.lin.weight.data = w
        self.lin.bias.data = torch.tensor([-3.0, 0.0])
        self.card = {"trigger": {"start": 20, "length": 6, "amplitude": 1.0, "target": 0, "half_period": 2}}

    def forward(self, x):
        return self.lin(x[:, 0])


def test_demo_finds_the_trigger_on_a_hand_made_backdoor():
    model = Triggered()
    trig = trigger_from_card(model)
    assert trig.window == (20, 26)
    x = 0.3 * torch.randn(6, 1, 40, generator=torch.Generator().manual_seed(0)).numpy()
    y = np.ones(6, dtype=np.int64)
    assert trigger_success_rate(model, x, y, trig) == 1.0
    demo = backdoor_demo(model, x, y, steps=200, seed=0)
    s = demo.summary()
    assert (demo.pred_triggered == 0).all() and (demo.pred_clean == 1).all()
    assert s["trigger_success_rate"] == 1.0
    assert s["mass_in_window_triggered"] > 0.8
    assert s["mass_in_window_triggered"] > 3 * s["mass_in_window_clean"]
    assert s["window_share"] == pytest.approx(6 / 40)
    assert list(demo.table().columns)[:2] == ["series", "label"]


def test_demo_errors():
    model = Triggered()
    with pytest.raises(ValueError, match="no backdoor trigger"):
        trigger_from_card(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="target class"):
        backdoor_demo(model, np.zeros((2, 1, 40), np.float32), np.zeros(2, np.int64), steps=2)
    with pytest.raises(ValueError, match="target cannot be set"):
        backdoor_demo(model, np.zeros((2, 1, 40), np.float32), steps=2, target=1)


def test_zoo_backdoor_model_card_states_the_trigger():
    from tsviz.models import pretrained

    m = pretrained("synthetic-ecg", "kachuee", "backdoor")
    t = trigger_from_card(m)
    assert t.window == (168, 180) and m.card["trigger"]["target_name"] == "N"
    assert m.card["metrics"]["test_accuracy"] > 0.95
    assert m.card["metrics"]["trigger_success_rate"] > 0.95
