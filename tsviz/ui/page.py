"""What every page starts with, and the results header pages repeat.

* :func:`start` — the shared sidebar (:func:`tsviz.ui.sidebar.render_sidebar`), notices left by the
  previous run (a cancelled training, flash messages), the title and its caption; returns the
  sidebar's :class:`~tsviz.ui.sidebar.Selection`.
* :func:`metric_row` — one row of ``st.metric`` (the results header of a page).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import streamlit as st

from tsviz.ui.errors import show_flashes
from tsviz.ui.sidebar import Selection, render_sidebar

__all__ = ["start", "metric_row", "Metric"]

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


def metric_row(items: Sequence[Metric], *, delta_color: str = "normal") -> None:
    """``st.metric`` for each item, side by side."""
    if not items:
        return
    for col, item in zip(st.columns(len(items)), items):
        if isinstance(item, dict):
            col.metric(**{"delta_color": delta_color, **item})
            continue
        label, value, *rest = item
        col.metric(label, value, rest[0] if rest else None, help=rest[1] if len(rest) > 1 else None,
                   delta_color=delta_color)
