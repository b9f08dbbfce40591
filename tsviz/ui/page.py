"""What every page starts with, and the results header pages repeat.

* :func:`start` — the shared sidebar (:func:`tsviz.ui.sidebar.render_sidebar`), notices left by the
  previous run (a cancelled training, flash messages), the title and its caption; returns the
  sidebar's :class:`~tsviz.ui.sidebar.Selection`.
* :func:`metric_row` — one row of ``st.metric`` (the results header of a page).
* :func:`lazy_tabs` — ``st.tabs`` that know which tab is open, so a page computes and draws the
  results of the open tab only.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import streamlit as st

from tsviz.ui.errors import show_flashes
from tsviz.ui.sidebar import Selection, render_sidebar

__all__ = ["start", "metric_row", "Metric", "is_change", "lazy_tabs"]

#: ``(label, value)``, optionally followed by a delta and a help text; a ``dict`` passes every
#: keyword of ``st.metric``.
Metric = Sequence[Any] | dict[str, Any]


def start(title: str, caption: str | None = None, *, notices: Iterable[Callable[[], None]] = ()) -> Selection:
    """Draw the sidebar, ``notices`` (e.g. :func:`tsviz.ui.training_panel.notice_cancelled`), the
    flash messages of the previous run, the title and ``caption``; return the selection."""
    from tsviz.ui.compute import configure_threads

    configure_threads()  # torch's threads of this server, once (TSVIZ_TORCH_THREADS)
    sel = render_sidebar()
    for notice in notices:
        notice()
    show_flashes()
    st.title(title)
    if caption:
        st.caption(caption)
    return sel


def is_change(delta: Any) -> bool:
    """Whether a metric's ``delta`` is a change (a number, or text with a leading sign such as
    ``"+3.0%"``/``"-12 %"``) rather than a plain fact (``"3000 train / 1000 test"``, ``"0.10 s"``)."""
    if delta is None:
        return False
    if isinstance(delta, (int, float)):
        return True
    return str(delta).lstrip()[:1] in ("+", "-", "−")


def metric_row(items: Sequence[Metric], *, delta_color: str = "normal") -> None:
    """``st.metric`` for each item, side by side.

    A delta is drawn with an arrow and red/green only when it is a change (:func:`is_change`) and
    ``delta_color`` is not ``"off"``; a plain fact in the delta slot is gray, without an arrow
    (issue 18: "↑ 3000 train / 1000 test" read as growth).
    """
    if not items:
        return
    for col, item in zip(st.columns(len(items)), items):
        if isinstance(item, dict):
            kw = {"delta_color": delta_color, **item}
        else:
            label, value, *rest = item
            kw = {"label": label, "value": value, "delta": rest[0] if rest else None,
                  "help": rest[1] if len(rest) > 1 else None, "delta_color": delta_color}
        if kw.get("delta") is not None and (kw["delta_color"] == "off" or not is_change(kw["delta"])):
            kw.setdefault("delta_arrow", "off")
            kw["delta_color"] = "off"
        col.metric(**kw)


def lazy_tabs(labels: Sequence[str], *, key: str) -> Sequence[Any]:
    """``st.tabs(labels)`` that track the open tab (``on_change="rerun"``): each tab's ``.open`` is
    ``True`` for the shown tab and ``False`` for the others, so a page computes and draws the
    results of the shown tab only (a click on another tab reruns the page and draws that one).
    Draw a tab's *controls* even when it is not open: they then keep their values.

    The open tab's label is ``st.session_state[key]``; set it before the page runs to open another
    tab (the Lessons page does).
    """
    return st.tabs(list(labels), key=key, on_change="rerun")
