"""neuromask-backdoor: the tiny run end to end, the paper setting is Algorithm 4's, and the
hand-checkable pieces.

Paper: Alzantot, "Secure and private machine learning for smart devices", dissertation, UCLA 2019
(shared text secure-private-ml-smart-devices-genattack-neuromask-physiogan.txt), ch. 5, sections 5.4
(Algorithm 4) and 5.5.4.
"""
from __future__ import annotations

import numpy as np
import pytest

from tsviz.explain.neuromask import NEUROMASK_PRESETS
from tsviz.reproduce import get_target, run_target
from tsviz.reproduce.targets.neuromask_backdoor import top_in_window

KEY = "neuromask-backdoor"
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_tiny_run_gives_a_well_formed_table():
    t = get_target(KEY)
    cfg = t.configs["tiny"]
    seen = []
    res = run_target(KEY, "tiny", seed=0, progress=lambda f, m: seen.append(f))
    assert res.mode == "tiny" and res.config == cfg and seen[-1] == 1.0
    rows = {(r["setting"], r["input"]): r for r in res.measured_table}
    assert set(rows) == {(s, i) for s in ("paper", "tsviz") for i in ("clean", "triggered", "uniform")}
    for (s, i), r in rows.items():
        assert 0.0 <= r["mass_in_window"] <= 1.0 and 0.0 <= r["top_in_window"] <= 1.0
        if i != "uniform":
            assert r["n"] == cfg["n"] and r["steps"] == cfg[f"{s}_steps"]
    assert rows[("paper", "clean")]["init_scale"] == 20.0   # Algorithm 4: U(-tau, tau), tau = 20
    assert rows[("tsviz", "clean")]["init_scale"] == 3.0    # tsviz's default U(-3, 3)
    assert rows[("paper", "uniform")]["mass_in_window"] == pytest.approx(12 / 187)  # the zoo trigger's share
    assert rows[("paper", "triggered")]["trigger_success"] > 0.9   # the backdoor works (card: 1.0)
    assert rows[("paper", "clean")]["clean_accuracy"] > 0.9       # and the clean task too (card: 0.997)
    assert set(res.figures) == {"mass_paper", "mass_tsviz"}
    assert res.verdict.label in ("matches", "same direction", "differs")


def test_paper_setting_is_algorithm_4():
    # Algorithm 4 line 3: W ~ U(-tau, tau); section 5.4: tau = 20; line 5: x_bar = sigmoid(W) x (zero baseline)
    assert NEUROMASK_PRESETS["paper"] == {"init_scale": None, "tau": 20.0, "baseline": "zero"}
    cfg = get_target(KEY).configs["full"]
    assert cfg["settings"] == ["paper", "tsviz"] and cfg["paper_steps"] >= 600  # Fig. 5.4 shows step 600
    rows = {(r["setting"], r["input"]): r for r in get_target(KEY).paper_table}
    assert rows[("paper", "clean")]["clean_accuracy"] == 0.97       # section 5.5.4: "test accuracy ... 97%"
    assert rows[("paper", "triggered")]["trigger_success"] == 1.0   # "any image with the white square"


def test_top_in_window_by_hand():
    mask = np.array([[0.1, 0.9, 0.2, 0.0], [0.8, 0.1, 0.1, 0.1], [0.0, 0.0, 0.5, 0.5]])
    np.testing.assert_array_equal(top_in_window(mask, (1, 3)), [True, False, True])
    np.testing.assert_array_equal(top_in_window(mask[:, None, :], (0, 1)), [False, True, False])  # (n, C, T)
