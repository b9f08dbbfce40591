"""Figures and tables with their download buttons.

The files (HTML, PNG, CSV) are made when a button is clicked (``st.download_button`` with a
callable), not on every run of the page; a download does not rerun the page (``on_click="ignore"``).
"""
from __future__ import annotations

import re

import streamlit as st

from tsviz.viz.export import figure_html, figure_png, frame_csv, png_export_available


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-").lower() or "figure"


def show_figure(fig, name: str, *, key: str | None = None) -> None:
    """Plot a figure, with HTML (interactive, offline) and, when available, PNG downloads.

    The Plotly toolbar's camera button also saves a PNG in the browser.
    """
    key = key or _slug(name)
    st.plotly_chart(fig, width="stretch", key=f"chart-{key}",
                    config={"displaylogo": False,
                            "toImageButtonOptions": {"format": "png", "filename": _slug(name), "scale": 2}})
    with st.container(horizontal=True):
        st.download_button("⬇ HTML", lambda: figure_html(fig), file_name=f"{_slug(name)}.html", mime="text/html",
                           key=f"html-{key}", on_click="ignore",
                           help="Interactive figure; opens offline in any browser")
        if png_export_available():
            st.download_button("⬇ PNG", lambda: figure_png(fig) or b"", file_name=f"{_slug(name)}.png",
                               mime="image/png", key=f"png-{key}", on_click="ignore")
        else:
            st.caption("PNG: the camera icon in the figure's toolbar")


def show_table(df, name: str, *, key: str | None = None, **kwargs) -> None:
    """A dataframe with a CSV download."""
    key = key or _slug(name)
    st.dataframe(df, width="stretch", **kwargs)
    st.download_button("⬇ CSV", lambda: frame_csv(df), file_name=f"{_slug(name)}.csv", mime="text/csv",
                       key=f"csv-{key}", on_click="ignore")
