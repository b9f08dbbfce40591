"""Where the real data some tests read lives (never copied into the repository).

Real data (UCR folders such as ``ucr/ECG200``, MIT-BIH records ``mitdb/``, ``svdb/``) is read from
the folder ``TSVIZ_TEST_DATA`` names, by default ``shared/data`` beside the repository (the
team's copy); tests that need it skip, with the reason, when it is absent. Import as
``from realdata import SHARED_DATA, shared_data``.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TSVIZ_TEST_DATA") or REPO.parent / "shared" / "data").expanduser()


def shared_data(*parts: str) -> Path:
    """Path under the real-data folder, skipping the test with a reason when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not available: {p} is absent (set TSVIZ_TEST_DATA to a folder with "
                    f"ucr/<NAME>/ and mitdb/ — see the README's Development section)")
    return p
