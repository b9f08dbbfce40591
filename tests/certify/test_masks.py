"""Binomial and continuous (mask-let) masks."""
from __future__ import annotations

import math

import numpy as np
import pytest

from tsviz.certify import MAX_MASKS, binomial_masks, continuous_masks


def runs(row: np.ndarray) -> list[int]:
    """Lengths of the True runs of a bool row."""
    d = np.diff(np.concatenate([[0], row.astype(int), [0]]))
    return list(np.flatnonzero(d == -1) - np.flatnonzero(d == 1))


def test_binomial_shape_dtype_ratio_readonly():
    m = binomial_masks(8, 500, 0.9, seed=3)
    assert m.shape == (8, 500) and m.dtype == bool and not m.flags.writeable
    assert abs(m.mean() - 0.9) < 0.02
    with pytest.raises(ValueError):
        m[0, 0] = False


def test_binomial_never_empty():
    m = binomial_masks(MAX_MASKS, 5, 0.01, seed=0)
    assert m.any(axis=1).all()


def test_determinism():
    np.testing.assert_array_equal(binomial_masks(4, 50, 0.7, seed=1), binomial_masks(4, 50, 0.7, seed=1))
    assert not np.array_equal(binomial_masks(4, 50, 0.7, seed=1), binomial_masks(4, 50, 0.7, seed=2))
    np.testing.assert_array_equal(continuous_masks(4, 50, 0.7, seed=1), continuous_masks(4, 50, 0.7, seed=1))
    assert not np.array_equal(continuous_masks(4, 50, 0.7, seed=1), continuous_masks(4, 50, 0.7, seed=2))


@pytest.mark.parametrize("T,keep", [(100, 0.9), (187, 0.8), (50, 0.5), (64, 0.9), (30, 0.95), (7, 0.1)])
def test_continuous_exact_count_and_mask_lets(T, keep):
    m = continuous_masks(10, T, keep, seed=5)
    assert m.shape == (10, T) and m.dtype == bool and not m.flags.writeable
    L = max(1, round(keep * T))
    S = max(1, L // 2)
    separable = T - L >= 2 * math.ceil(L / S)  # enough dropped steps to keep every mask-let apart
    for row in m:
        assert row.sum() == L
        if separable:
            assert max(runs(row)) <= S


def test_continuous_full_keep_and_same_family_as_training():
    import torch

    from tsviz.certify.masks import continuous_mask

    assert continuous_masks(2, 10, 1.0).all()
    # the fixed masks are the training masks drawn from a generator seeded with `seed`
    np.testing.assert_array_equal(continuous_masks(4, 60, 0.7, seed=3),
                                  continuous_mask(4, 60, 0.7, generator=torch.Generator().manual_seed(3)).numpy())


@pytest.mark.parametrize("fn", [binomial_masks, continuous_masks])
@pytest.mark.parametrize("kw,name", [(dict(m=0, T=10, keep=0.5), "m"), (dict(m=MAX_MASKS + 1, T=10, keep=0.5), "m"),
                                     (dict(m=2, T=0, keep=0.5), "T"), (dict(m=2, T=10, keep=0.0), "keep"),
                                     (dict(m=2, T=10, keep=1.5), "keep"), (dict(m=2, T=10, keep=0.5, seed=-1), "seed"),
                                     (dict(m=2.0, T=10, keep=0.5), "m")])
def test_bad_args(fn, kw, name):
    with pytest.raises(ValueError, match=name):
        fn(**kw)
