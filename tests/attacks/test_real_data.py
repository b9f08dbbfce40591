"""Every attack on a real UCR ECG set (ECG200), from the real-data folder (TSVIZ_TEST_DATA); skipped when absent."""

import numpy as np
import pytest
import torch
from realdata import SHARED_DATA  # noqa: E402

from tsviz.attacks import evaluate, make_attack

ECG200 = SHARED_DATA / "ucr" / "ECG200"

PARAMS = {
    "fgsm": {}, "bim": {"alpha": 0.1, "steps": 5}, "pgd": {"alpha": 0.1, "steps": 5},
    "wpgd": {"alpha": 0.1, "steps": 5, "cost_matrix": [[0.0, 1.0], [1.0, 0.0]]},
    "spsa": {"iterations": 5, "samples": 16}, "genattack": {"generations": 20},
}


@pytest.fixture(scope="module")
def ecg200_model():
    if not ECG200.exists():
        pytest.skip(f"real data not available: {ECG200} is absent")
    from tsviz.data import load
    from tsviz.models import build
    from tsviz.training import fit

    ds = load(f"ucr:{ECG200}")
    model = build("mlp", ds.n_channels, ds.n_classes, ds.length, seed=0)
    fit(model, ds, epochs=20, seed=0, lr=3e-3, patience=None)
    return ds, model


@pytest.mark.parametrize("name", list(PARAMS))
def test_attack_on_ecg200(ecg200_model, name):
    ds, model = ecg200_model
    x, y = ds.X_test[:16], ds.y_test[:16]
    eps = 0.3  # z-normalised units
    rep = evaluate(model, make_attack(name, eps=eps, **PARAMS[name]), x, y, class_names=ds.class_names,
                   generator=torch.Generator().manual_seed(0))
    assert rep.x_adv.shape == x.shape
    norm = rep.l2 if getattr(make_attack(name, eps=eps, **PARAMS[name]), "norm", "inf") == "l2" else rep.linf
    assert np.all(norm <= eps + 1e-5)
    assert rep.adversarial_accuracy <= rep.clean_accuracy + 1e-9
    assert rep.clean_accuracy > 0.6
