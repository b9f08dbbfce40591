"""Finding what a figure shows by name and label, never by trace position or axis id.

Figure tests check the plotted values and the axis titles (with units) a reader sees; these
helpers find traces by their legend name, type or the title of the axis they are drawn on, so a
figure may reorder its traces or subplots without breaking a test. (``tests/helpers.py`` has
``trace_by_name`` for the simple case of one uniquely named trace.)
"""
from __future__ import annotations

from typing import Any

import numpy as np


def traces(fig: Any, name: str | None = None, *, kind: str | None = None, startswith: str | None = None,
           x_title: str | None = None, y_title: str | None = None) -> list:
    """Traces matching every criterion given: exact ``name``, name prefix ``startswith``, plotly
    type ``kind`` (``"scatter"``, ``"heatmap"``, ``"bar"`` ...), or the title of the x/y axis the
    trace is drawn on (for a shared x axis, the title shown under the subplot column)."""
    out = []
    for t in fig.data:
        if name is not None and t.name != name:
            continue
        if startswith is not None and not (t.name or "").startswith(startswith):
            continue
        if kind is not None and t.type != kind:
            continue
        if y_title is not None and axis_title(fig, t, "y") != y_title:
            continue
        if x_title is not None and axis_title(fig, t, "x") != x_title:
            continue
        out.append(t)
    return out


def one(fig: Any, name: str | None = None, **criteria: Any):
    """The one trace matching (see :func:`traces`); fails listing the names when not exactly one."""
    hits = traces(fig, name, **criteria)
    assert len(hits) == 1, (f"expected one trace matching name={name!r} {criteria}, found {len(hits)} "
                            f"among {[(t.type, t.name) for t in fig.data]}")
    return hits[0]


def names(fig: Any) -> list[str]:
    """Names of all traces (for set comparisons, not order)."""
    return [t.name for t in fig.data]


def _axis(fig: Any, ref: str | None, letter: str):
    ref = ref or letter
    key = letter + "axis" + ref[1:]  # "x2" -> "xaxis2"
    return fig.layout[key]


def axis_title(fig: Any, trace: Any, letter: str = "y") -> str:
    """Title of the axis ``trace`` is drawn on. An x axis shared down a column (``matches``) has
    its title on the bottom subplot: that title is returned."""
    ax = _axis(fig, getattr(trace, letter + "axis"), letter)
    title = ax.title.text or ""
    if not title and ax.matches:  # a shared axis: the title sits on the axis it matches
        title = _axis(fig, ax.matches, letter).title.text or ""
    return title


def axis_titles(fig: Any, letter: str = "x") -> list[str]:
    """Every non-empty title of the figure's x (or y) axes."""
    return [fig.layout[k].title.text for k in fig.layout
            if k.startswith(letter + "axis") and fig.layout[k].title.text]


def axis_range(fig: Any, trace: Any, letter: str = "y") -> list[float] | None:
    """Range of the axis ``trace`` is drawn on (``None`` when automatic)."""
    r = _axis(fig, getattr(trace, letter + "axis"), letter).range
    return None if r is None else [float(v) for v in r]


def values(a: Any) -> np.ndarray:
    """A trace's data (x, y, z, marker colours) as a float array."""
    return np.asarray(a, dtype=float)


def visible(trace: Any) -> bool:
    """Whether a trace is shown (``visible`` unset means shown)."""
    return trace.visible is None or trace.visible is True


def annotation_texts(fig: Any) -> list[str]:
    """Texts of the layout's annotations (subplot titles, notes)."""
    return [a.text for a in fig.layout.annotations]


def same_panel(fig: Any, trace: Any) -> list:
    """The traces drawn on the same x and y axes as ``trace`` (its subplot), ``trace`` included."""
    return [t for t in fig.data if t.xaxis == trace.xaxis and t.yaxis == trace.yaxis]


def domain(fig: Any, trace: Any, letter: str = "x") -> tuple[float, float]:
    """Where the axis of ``trace`` sits in the figure (paper coordinates), for grid layout checks."""
    d = _axis(fig, getattr(trace, letter + "axis"), letter).domain
    return (0.0, 1.0) if d is None else (float(d[0]), float(d[1]))


def matching(fig: Any, name: str, x: Any, letter: str = "x") -> Any:
    """The one trace named ``name`` whose ``x`` (or ``y``) data equal ``x``."""
    want = np.asarray(x, dtype=float)
    hits = [t for t in fig.data if t.name == name and getattr(t, letter) is not None
            and len(getattr(t, letter)) == want.size and np.allclose(values(getattr(t, letter)), want)]
    assert len(hits) == 1, f"expected one trace {name!r} with these {letter} values, found {len(hits)}"
    return hits[0]


def axis_of(fig: Any, trace: Any, letter: str = "y") -> Any:
    """The layout axis ``trace`` is drawn on (for its ``type``, ``tickformat``, ``range`` ...)."""
    return _axis(fig, getattr(trace, letter + "axis"), letter)
