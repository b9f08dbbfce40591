"""Blinded perception study design (tsviz.review.study): the draw, the blinding, the per-reviewer
order, resuming, and the caps on what a user types."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tsviz.review.study import (
    ITEM_FIELDS,
    MAX_COMMENT,
    MAX_ITEMS,
    MAX_NAME,
    StudyError,
    attack_succeeded,
    blind_view,
    build_study,
    check_comment,
    check_name,
    match_reviewer,
    next_item,
    reviewer_order,
)


def _attack(n: int = 30, *, seed: int = 0):
    """``n`` attacked series (1 channel, 16 points): series i is the constant i (so its signal says
    which series it is), its adversarial version i + 0.5; 3 classes; the attack fails on every
    fifth series (model still right)."""
    x = np.repeat(np.arange(n, dtype=np.float32)[:, None, None], 16, axis=2)
    x_adv = x + 0.5
    y = np.arange(n) % 3
    clean_pred = y.copy()
    adv_pred = (y + 1) % 3
    adv_pred[::5] = y[::5]
    return x, x_adv, y, clean_pred, adv_pred


def _build(n_items=20, seed=7, **kw):
    return build_study(*_attack(), n_items=n_items, seed=seed, **kw)


def test_same_seed_same_study_other_seed_other_study():
    items1, sig1 = _build()
    items2, sig2 = _build()
    assert items1 == items2 and np.array_equal(sig1, sig2)
    items3, sig3 = _build(seed=8)
    assert items3 != items1


def test_items_counts_fields_and_signals():
    x, x_adv, y, cp, ap = _attack()
    items, sig = build_study(x, x_adv, y, cp, ap, n_items=20, seed=3, adversarial_share=0.4, run_id="r1")
    assert sig.shape == (20, 1, 16) and sig.dtype == np.float32
    kinds = [it["kind"] for it in items]
    assert kinds.count("adversarial") == 8 and kinds.count("clean") == 12
    for it, s in zip(items, sig):
        assert set(it) == set(ITEM_FIELDS)
        i = it["series_index"]
        assert it["true_label"] == it["source_label"] == y[i] and it["run_id"] == "r1"
        if it["kind"] == "adversarial":
            assert np.array_equal(s, x_adv[i]) and it["model_label"] == ap[i] and it["target_label"] == ap[i]
            assert ap[i] != y[i]  # only successful attacks by default
        else:
            assert np.array_equal(s, x[i]) and it["model_label"] == cp[i] and it["target_label"] is None
    # each series at most once: no reviewer sees both versions of a beat
    assert len({it["series_index"] for it in items}) == 20


def test_targeted_attack_target_and_pairs_and_series_index():
    x, x_adv, y, cp, ap = _attack(10)
    target = (y + 2) % 3
    target[0] = -1  # untargeted for series 0
    ap = target.copy()
    ap[0] = 1
    items, _ = build_study(x, x_adv, y, cp, ap, target=target, n_items=20, seed=0, allow_pairs=True,
                           series_index=np.arange(100, 110))
    adv = [it for it in items if it["kind"] == "adversarial"]
    assert len(adv) == 10
    for it in adv:
        i = it["series_index"] - 100
        assert it["target_label"] == (1 if i == 0 else target[i])
    assert sorted(it["series_index"] for it in items) == sorted(list(range(100, 110)) * 2)


def test_attack_succeeded():
    y, p = np.array([0, 1, 2, 0]), np.array([1, 1, 0, 2])
    assert attack_succeeded(y, p, None).tolist() == [True, False, True, True]
    assert attack_succeeded(y, p, np.array([1, 0, -1, 1])).tolist() == [True, False, True, False]


def test_shuffled_and_blind():
    items, sig = _build(n_items=20, seed=11)
    kinds = [it["kind"] for it in items]
    assert kinds != sorted(kinds) and kinds != sorted(kinds, reverse=True)
    order = reviewer_order(11, "alice", 20)
    for pos in range(20):
        view = blind_view(sig, order, pos)
        # what the screen gets: number, total and signal only - no kind, label, index or run
        assert set(view) == {"number", "total", "signal"}
        assert view["number"] == pos + 1 and view["total"] == 20
        assert view["signal"].dtype == np.float32 and view["signal"].shape == (1, 16)
        assert not view["signal"].flags.writeable
        assert np.array_equal(view["signal"], sig[order[pos]])
    with pytest.raises(StudyError, match="position"):
        blind_view(sig, order, 20)
    with pytest.raises(StudyError, match="no items"):
        blind_view(sig, [], 0)


def test_reviewer_order_fixed_distinct_and_stable_across_processes():
    o = reviewer_order(5, "Dr Smith", 20)
    assert sorted(o) == list(range(20))
    assert o == reviewer_order(5, "Dr Smith", 20) == reviewer_order(5, "dr smith", 20)
    assert o != reviewer_order(5, "Dr Jones", 20)
    assert o != reviewer_order(6, "Dr Smith", 20)
    assert reviewer_order(5, "x", 0) == []
    code = "from tsviz.review.study import reviewer_order; print(reviewer_order(5, 'Dr Smith', 20))"
    for hash_seed in ("1", "2"):
        repo = str(Path(__file__).resolve().parents[2])
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo,
                             env={"PYTHONHASHSEED": hash_seed, "PATH": "", "PYTHONPATH": repo}).stdout
        assert out.strip() == str(o)


def test_next_item_resumes_at_first_unanswered():
    order = [4, 2, 0, 3, 1]
    assert next_item(order, []) == 0
    assert next_item(order, {4, 2}) == 2
    assert next_item(order, [4, 0]) == 1  # item 2 (position 1) was skipped
    assert next_item(order, range(5)) is None
    assert next_item([], []) is None


@pytest.mark.parametrize("kw, match", [
    ({"n_items": 0}, "n_items"), ({"n_items": MAX_ITEMS + 1}, "n_items"), ({"n_items": 1e9}, "n_items"),
    ({"n_items": True}, "n_items"), ({"seed": -1}, "seed"), ({"adversarial_share": 1.5}, "adversarial_share"),
    ({"adversarial_share": float("nan")}, "adversarial_share"), ({"run_id": 3}, "run_id"),
])
def test_bad_parameters(kw, match):
    args = {"n_items": 10, "seed": 0, **kw}
    with pytest.raises(StudyError, match=match):
        build_study(*_attack(), **args)


def test_bad_arrays():
    x, x_adv, y, cp, ap = _attack()
    bad = x.copy()
    bad[3, 0, 5] = np.nan
    with pytest.raises(StudyError, match="clean contains NaN"):
        build_study(bad, x_adv, y, cp, ap, n_items=4, seed=0)
    with pytest.raises(StudyError, match="beyond"):
        build_study(x, np.full(x.shape, 1e300), y, cp, ap, n_items=4, seed=0)
    with pytest.raises(StudyError, match="same shape"):
        build_study(x, x_adv[:, :, :8], y, cp, ap, n_items=4, seed=0)
    with pytest.raises(StudyError, match="integer class labels"):
        build_study(x, x_adv, y.astype(float), cp, ap, n_items=4, seed=0)
    with pytest.raises(StudyError, match="labels for"):
        build_study(x, x_adv, y[:3], cp, ap, n_items=4, seed=0)
    with pytest.raises(StudyError, match="shape"):
        build_study(x[:, 0], x_adv[:, 0], y, cp, ap, n_items=4, seed=0)
    with pytest.raises(StudyError, match="real numbers"):
        build_study(x.astype(complex), x_adv, y, cp, ap, n_items=4, seed=0)


def test_too_few_series_says_how_many_qualify():
    # 30 series, 24 successful attacks
    with pytest.raises(StudyError, match="only 24 of the 30 series are successful attacks"):
        _build(n_items=60, adversarial_share=0.5)
    with pytest.raises(StudyError, match="clean items"):
        _build(n_items=40, adversarial_share=0.5)  # 20 adversarial + 20 clean > 30 series
    items, _ = _build(n_items=40, adversarial_share=0.5, allow_pairs=True)
    assert len(items) == 40
    items, _ = _build(n_items=30, adversarial_share=1.0, successful_only=False)
    assert all(it["kind"] == "adversarial" for it in items)
    items, _ = _build(n_items=5, adversarial_share=0.0)
    assert all(it["kind"] == "clean" for it in items)


def test_names_and_comments_are_capped_and_sanitised():
    assert check_name("  Dr\tSmith \x00\u202e ") == "Dr Smith"
    assert check_name("Ｄｒ") == "Dr"  # NFKC
    assert len(check_name("x" * MAX_NAME)) == MAX_NAME
    for bad, match in [("", "empty"), ("   \x00 ", "empty"), ("x" * (MAX_NAME + 1), "too long"),
                       ("x" * 10**7, "too long"), (None, "must be text"), (42, "must be text")]:
        with pytest.raises(StudyError, match=match):
            check_name(bad, name="reviewer name")
    assert check_comment(None) == "" and check_comment("") == ""
    assert check_comment("  flat T wave\r\n\n  lead II  \x07") == "flat T wave\n\nlead II"
    assert len(check_comment("y" * MAX_COMMENT)) == MAX_COMMENT
    with pytest.raises(StudyError, match="comment is too long"):
        check_comment("y" * (MAX_COMMENT + 1))


def test_match_reviewer_ignores_case():
    assert match_reviewer("dr smith", ["Dr Smith", "Jones"]) == "Dr Smith"
    assert match_reviewer("Brown", ["Dr Smith"]) == "Brown"
