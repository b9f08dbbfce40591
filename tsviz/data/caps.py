"""The data family's caps, in one dict (:data:`CAPS`) that the app and the CLI read.

Each entry is the largest value a loader, generator or selection accepts; the constants stay
where they are enforced (and documented), this module only gathers them.
"""
from __future__ import annotations

from types import MappingProxyType

from tsviz.data.ecg_rhythm import MAX_STRIP_SECONDS
from tsviz.data.npz import MAX_NPZ_MEMBERS
from tsviz.data.selection import MAX_SELECTED
from tsviz.data.stats import MAX_EMBED_POINTS
from tsviz.data.synthetic_ecg import MAX_BEATS, MAX_SAMPLES
from tsviz.data.synthetic_simple import MAX_SERIES
from tsviz.data.validation import (
    DEFAULT_MAX_FILE_MB,
    MAX_CHANNELS,
    MAX_LENGTH,
    MAX_LINE_CHARS,
    MAX_ROWS,
    MAX_VALUES,
)

__all__ = ["CAPS"]

#: Name -> largest value, read-only.
#:
#: * ``series`` -- series per split of any dataset (:data:`~tsviz.data.validation.MAX_ROWS`);
#: * ``time_steps`` -- time steps per series ``T`` (``MAX_LENGTH``);
#: * ``channels`` -- channels per series ``C`` (``MAX_CHANNELS``);
#: * ``values`` -- values in one array or parsed table (``MAX_VALUES``);
#: * ``line_chars`` -- characters per line of a text file (``MAX_LINE_CHARS``);
#: * ``max_mb`` -- the default ``max_mb`` of every file loader, in MiB (a caller may pass more);
#: * ``npz_members`` -- entries in an ``.npz`` zip directory;
#: * ``n_selected`` -- ``n`` of :func:`~tsviz.data.selection.select_samples`;
#: * ``max_points`` -- ``max_points`` of :func:`~tsviz.data.stats.pca_series`;
#: * ``synthetic_ecg_beats`` / ``synthetic_ecg_samples`` -- ``n_train + n_test`` and
#:   ``(n_train + n_test) * length`` of :func:`~tsviz.data.synthetic_ecg.synthetic_ecg`;
#: * ``rhythm_strip_seconds`` -- ``duration_s`` of :func:`~tsviz.data.ecg_rhythm.rhythm_strip`;
#: * ``synthetic_series`` -- ``n_train + n_test`` of ``cbf`` and ``synthetic_control``.
CAPS = MappingProxyType({
    "series": MAX_ROWS,
    "time_steps": MAX_LENGTH,
    "channels": MAX_CHANNELS,
    "values": MAX_VALUES,
    "line_chars": MAX_LINE_CHARS,
    "max_mb": DEFAULT_MAX_FILE_MB,
    "npz_members": MAX_NPZ_MEMBERS,
    "n_selected": MAX_SELECTED,
    "max_points": MAX_EMBED_POINTS,
    "synthetic_ecg_beats": MAX_BEATS,
    "synthetic_ecg_samples": MAX_SAMPLES,
    "rhythm_strip_seconds": MAX_STRIP_SECONDS,
    "synthetic_series": MAX_SERIES,
})
