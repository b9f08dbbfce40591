"""Certified accuracy, ACR and accuracy-vs-radius on a hand-made CertResult."""
from __future__ import annotations

import numpy as np
import pytest

from tsviz.certify import ABSTAIN, CertResult, accuracy_vs_radius, average_certified_radius, certified_accuracy


def make():
    pred = np.array([0, 1, ABSTAIN, 2, 1])
    radius = np.array([0.5, 1.0, 0.0, 0.2, 0.7])
    n = len(pred)
    return CertResult(prediction=pred, radius=radius, p_lower=np.full(n, 0.9), counts=np.zeros((n, 3), np.int64),
                      p_upper_runner_up=np.full(n, 0.1), sigma=0.5, bound="cohen", alpha=0.001, n0=10, n=100,
                      masks=None, seconds=0.0)


Y = np.array([0, 1, 2, 0, 1])  # correct: 0 (0.5), 1 (1.0), 4 (0.7); 2 abstains; 3 wrong


def test_certified_accuracy_hand_values():
    acc = certified_accuracy(make(), Y, [0.0, 0.5, 0.6, 0.7, 1.0, 1.1])
    np.testing.assert_allclose(acc, [3 / 5, 3 / 5, 2 / 5, 2 / 5, 1 / 5, 0.0])  # inclusive at r
    assert certified_accuracy(make(), Y, 0.0).shape == (1,)


def test_acr_hand_value():
    assert average_certified_radius(make(), Y) == pytest.approx((0.5 + 1.0 + 0.7) / 5)


def test_accuracy_vs_radius():
    r, a = accuracy_vs_radius(make(), Y, points=11)
    assert r.shape == a.shape == (11,) and r[0] == 0 and r[-1] == pytest.approx(1.0)
    assert np.all(np.diff(a) <= 0) and a[0] == pytest.approx(0.6) and a[-1] == pytest.approx(0.2)
    r, a = accuracy_vs_radius(make(), Y, max_radius=2.0, points=5)
    np.testing.assert_allclose(r, [0, 0.5, 1.0, 1.5, 2.0])
    np.testing.assert_allclose(a, [0.6, 0.6, 0.2, 0, 0])


def test_bad_args():
    with pytest.raises(ValueError, match="y"):
        certified_accuracy(make(), Y[:3], [0.0])
    with pytest.raises(ValueError, match="radii"):
        certified_accuracy(make(), Y, [-1.0])
    with pytest.raises(ValueError, match="points"):
        accuracy_vs_radius(make(), Y, points=1)
    with pytest.raises(ValueError, match="max_radius"):
        accuracy_vs_radius(make(), Y, max_radius=0.0)
    with pytest.raises(ValueError, match="result"):
        average_certified_radius("nope", Y)
