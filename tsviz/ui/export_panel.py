"""The export panel: downloads of a page's results as files (series, settings, tables).

* :func:`series_downloads` — series and labels as NPZ and CSV written by :mod:`tsviz.data.export`,
  the formats :func:`tsviz.data.load` reads back (``npz:<file>``, ``csv:<file>``; CSV: one series
  per row, the label last); the CLI's ``--out`` files come from the same functions.
* :func:`json_download` — settings and summaries as JSON.
* :func:`csv_download` — a whole table as CSV (:func:`tsviz.ui.downloads.show_table` shows a table
  with its own CSV button; this one is for tables too long to show).

Series files are built by a cached function of the page's ``tsviz/ui`` module (so a rerun does not
write them again) and handed over here; a table's CSV is made when its button is clicked. A
download does not rerun the page (``on_click="ignore"``).
"""
from __future__ import annotations

import json
from typing import Any

import streamlit as st

from tsviz.viz import frame_csv

__all__ = ["series_downloads", "json_download", "csv_download"]


def series_downloads(files: dict[str, bytes], stem: str, *, key: str, what: str = "Series") -> None:
    """Buttons for ``files`` (``{"npz": bytes, "csv": bytes}``, from :mod:`tsviz.data.export`)."""
    labels = {"npz": f"⬇ {what} (NPZ)", "csv": f"⬇ {what} (CSV, one per row, label last)"}
    mimes = {"npz": "application/octet-stream", "csv": "text/csv"}
    with st.container(horizontal=True):
        for fmt, data in files.items():
            st.download_button(labels[fmt], data, file_name=f"{stem}.{fmt}", mime=mimes[fmt], key=f"{key}-{fmt}",
                               on_click="ignore",
                               help=f"Loads back as a dataset: the sidebar's Upload, or tsviz.data.load('{fmt}:…')")


def json_download(obj: Any, file_name: str, *, key: str, label: str = "⬇ Settings (JSON)") -> None:
    """A JSON file of ``obj`` (numbers, text, lists, dicts; anything else as its ``str``)."""
    st.download_button(label, json.dumps(obj, indent=1, default=str), file_name=file_name, mime="application/json",
                       key=key, on_click="ignore")


def csv_download(frame, file_name: str, *, key: str, label: str = "⬇ All rows (CSV)") -> None:
    """A DataFrame as a CSV file."""
    st.download_button(label, lambda: frame_csv(frame), file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore")
