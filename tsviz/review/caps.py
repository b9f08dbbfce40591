"""The review family's caps (the app and the CLI read :data:`CAPS`)."""
from __future__ import annotations

__all__ = ["CAPS", "MAX_SERIES", "MAX_NPZ_MB", "MAX_CONTEXT_SECONDS"]

#: Most series in one review set (the metrics are computed for all of them at once).
MAX_SERIES = 10_000
#: Largest review file read (MiB, on disk and decompressed).
MAX_NPZ_MB = 64.0
#: Longest strip put around a beat (s); ECG paper draws at most 15 s.
MAX_CONTEXT_SECONDS = 15.0

CAPS = {"review_series": MAX_SERIES, "review_npz_mb": MAX_NPZ_MB, "context_seconds": MAX_CONTEXT_SECONDS}
