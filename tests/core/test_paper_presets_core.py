"""The one preset rule (tsviz.core.presets): fill what the caller did not pass, refuse contradictions."""
from __future__ import annotations

import inspect

import pytest

from tsviz.core import TsvizError, matching_preset, preset_values, with_presets

PRESETS = {"paper": {"a": 2.0, "flag": False}, "dep": lambda args: {"b": args["a"] * 10}}


@with_presets(PRESETS, error=TsvizError, source={"paper": "a paper, section 1"})
def f(x, a=1.0, *, flag=True, b=0, preset=None, **extra):
    return {"x": x, "a": a, "flag": flag, "b": b, "preset": preset, **extra}


def test_fills_defaults_keeps_signature_and_passes_none_through():
    assert f(0, preset="paper") == {"x": 0, "a": 2.0, "flag": False, "b": 0, "preset": "paper"}
    assert f(0) == {"x": 0, "a": 1.0, "flag": True, "b": 0, "preset": None}
    assert f(0, 5.0, preset="dep")["b"] == 50.0  # a callable preset sees the call's arguments
    assert list(inspect.signature(f).parameters)[:2] == ["x", "a"]


def test_contradictions_unknown_presets_and_type_errors():
    assert f(0, 2, preset="paper")["a"] == 2  # 2 == 2.0: agrees
    with pytest.raises(TsvizError, match=r"preset='paper' sets a=2.0 \(a paper, section 1\); got a=3"):
        f(0, 3, preset="paper")
    with pytest.raises(TsvizError, match="flag"):
        f(0, flag=1, preset="paper")  # True/1 are not False, and 1 is not a bool
    with pytest.raises(TsvizError, match="'paper', 'dep'"):
        f(0, preset="other")
    with pytest.raises(TypeError):
        f(preset="paper")  # x missing: the function's own error


def test_matching_preset_and_values():
    assert matching_preset({"a": 2.0, "flag": False, "b": 1}, PRESETS) == "paper"
    assert matching_preset({"a": 2.0}, PRESETS) is None
    assert matching_preset({"a": 3.0, "b": 30.0}, PRESETS) == "dep"
    with pytest.raises(TsvizError):
        preset_values("x", PRESETS)
