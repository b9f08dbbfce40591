"""Verdict logic of tsviz.reproduce on hand-made tables (tolerances, claims, rankings, NaN)."""
from __future__ import annotations

import pytest

from tsviz.reproduce import ReproduceError, Verdict, compare, compare_table

K, V = ("m",), ("x",)


def rows(**vals):
    return [{"m": k, "x": v} for k, v in vals.items()]


def test_matches_within_absolute_and_relative_tolerance():
    # |0.51 - 0.5| = 0.01 <= max(0.02, 0.05); |9.5 - 10| = 0.5 <= max(0.02, 1.0)
    v = compare(rows(a=0.5, b=10.0), rows(a=0.51, b=9.5), key_columns=K, value_columns=V)
    assert v.label == "matches"
    assert len(v.details) == 2 and "within" in v.details[0]


def test_tolerance_edge_is_inclusive():
    # exactly abs_tol away (0.02), and just beyond it
    assert compare(rows(a=0.1), rows(a=0.12), key_columns=K, value_columns=V).label == "matches"
    assert compare(rows(a=0.1), rows(a=0.1201), key_columns=K, value_columns=V).label != "matches"
    # exactly rel_tol * |paper| away (10 % of 5 = 0.5)
    assert compare(rows(a=5.0), rows(a=5.5), key_columns=K, value_columns=V).label == "matches"
    assert compare(rows(a=5.0), rows(a=5.51), key_columns=K, value_columns=V).label != "matches"


def test_same_direction_by_claims_and_differs_when_a_claim_fails():
    paper = rows(base=5.0, aug=60.0)
    claim = [("aug", "base", "x", ">")]
    assert compare(paper, rows(base=10.0, aug=40.0), key_columns=K, value_columns=V,
                   direction=claim).label == "same direction"
    v = compare(paper, rows(base=40.0, aug=10.0), key_columns=K, value_columns=V, direction=claim)
    assert v.label == "differs" and any("fails" in d for d in v.details)
    # a tie does not satisfy a strict claim
    assert compare(paper, rows(base=30.0, aug=30.0), key_columns=K, value_columns=V, direction=claim).label == "differs"
    # the "<" direction
    assert compare(paper, rows(base=40.0, aug=10.0), key_columns=K, value_columns=V,
                   direction=[("aug", "base", "x", "<")]).label == "same direction"


def test_claims_apply_per_group_of_the_other_keys():
    keys = ("dataset", "m")
    paper = [{"dataset": "A", "m": "base", "x": 1.0}, {"dataset": "A", "m": "aug", "x": 9.0}]
    measured = [{"dataset": "A", "m": "base", "x": 3.0}, {"dataset": "A", "m": "aug", "x": 6.0},
                {"dataset": "B", "m": "base", "x": 5.0}, {"dataset": "B", "m": "aug", "x": 2.0}]
    v = compare(paper, measured, key_columns=keys, value_columns=V, direction=[("aug", "base", "x", ">")])
    assert v.label == "differs"  # holds on A, fails on B (B has no paper row, but the paper claims it everywhere)
    assert sum("holds" in d for d in v.details) == 1 and sum("fails" in d for d in v.details) == 1
    v = compare(paper, measured[:2], key_columns=keys, value_columns=V,
                direction=[({"m": "aug"}, {"m": "base"}, "x", ">")])
    assert v.label == "same direction"


def test_ranking_rule_without_claims():
    paper = rows(a=0.1, b=0.5, c=0.9)
    assert compare(paper, rows(a=0.3, b=0.6, c=0.7), key_columns=K, value_columns=V).label == "same direction"
    v = compare(paper, rows(a=0.7, b=0.6, c=0.3), key_columns=K, value_columns=V)
    assert v.label == "differs" and any("Kendall tau -1.000" in d for d in v.details)
    # one paired row cannot be ranked
    assert compare(rows(a=0.1), rows(a=0.9), key_columns=K, value_columns=V).label == "differs"


def test_not_run_when_nothing_measured_and_nan_is_not_measured():
    paper = rows(a=0.5, b=0.7)
    assert compare(paper, [], key_columns=K, value_columns=V).label == "not run"
    v = compare(paper, rows(a=float("nan"), b=None), key_columns=K, value_columns=V)
    assert v.label == "not run" and all("not measured" in d for d in v.details)
    # a NaN row is skipped; the other one decides
    v = compare(paper, rows(a=float("nan"), b=0.7), key_columns=K, value_columns=V)
    assert v.label == "matches" and any("not measured" in d for d in v.details)
    for bad in (float("inf"), "text", True):
        assert compare(paper, rows(a=bad), key_columns=K, value_columns=V).label == "not run"


def test_numeric_keys_pair_despite_float_noise():
    paper = [{"eps": 0.1, "x": 1.0}]
    measured = [{"eps": 0.1 + 1e-12, "x": 1.0}]
    assert compare(paper, measured, key_columns=("eps",), value_columns=V).label == "matches"


def test_compare_table_rows():
    out = compare_table(rows(a=1.0, b=2.0), rows(a=1.5), key_columns=K, value_columns=V, abs_tol=0.1, rel_tol=0.0)
    assert [r["m"] for r in out] == ["a", "b"]
    assert out[0]["paper"] == 1.0 and out[0]["tsviz"] == 1.5 and out[0]["diff"] == pytest.approx(0.5)
    assert out[0]["within"] is False and out[0]["tolerance"] == pytest.approx(0.1)
    assert out[1]["tsviz"] is None and out[1]["within"] is None


@pytest.mark.parametrize("kwargs, match", [
    ({"key_columns": "m"}, "key_columns"),
    ({"value_columns": ()}, "value_columns"),
    ({"abs_tol": -1}, "abs_tol"),
    ({"rel_tol": float("nan")}, "rel_tol"),
    ({"direction": [("a", "b", "x", ">=")]}, "direction claim"),
    ({"direction": [("zzz", "b", "x", ">")]}, "selector"),
    ({"direction": [(("a", "extra"), "b", "x", ">")]}, "selector"),
])
def test_bad_inputs_name_the_parameter(kwargs, match):
    args = {"key_columns": K, "value_columns": V, **kwargs}
    with pytest.raises(ReproduceError, match=match):
        compare(rows(a=1.0, b=5.0), rows(a=3.0, b=2.0), **args)


def test_bad_rows_and_labels():
    with pytest.raises(ReproduceError, match="paper_rows"):
        compare("not rows", [], key_columns=K, value_columns=V)
    with pytest.raises(ReproduceError, match="measured_rows"):
        compare([], [1, 2], key_columns=K, value_columns=V)
    with pytest.raises(ReproduceError, match="verdict label"):
        Verdict("great")
    v = Verdict("differs", ["x"])
    assert Verdict.from_json(v.to_json()) == v
