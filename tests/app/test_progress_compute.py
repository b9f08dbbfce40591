"""Progress text (time elapsed/left), compute slots and the ETA probe (tsviz/ui/progress, compute, eta)."""
from __future__ import annotations

import threading
import time

import pytest

from tsviz.ui.progress import format_seconds, time_left


def test_format_seconds():
    assert format_seconds(0) == "0 s"
    assert format_seconds(7.2) == "8 s"
    assert format_seconds(125) == "2 min 05 s"
    assert format_seconds(3780) == "1 h 03 min"


def test_time_left_extrapolates_only_when_it_can():
    assert time_left(0.0, 10) is None
    assert time_left(1.0, 10) is None
    assert time_left(0.05, 1.0) is None          # too early: under a tenth and under 3 s
    assert time_left(0.05, 4.0) == pytest.approx(76.0)
    assert time_left(0.25, 10.0) == pytest.approx(30.0)


def test_progress_bar_text(monkeypatch):
    import tsviz.ui.progress as progress

    monkeypatch.setattr(progress.st, "empty", lambda: None)
    now = [100.0]
    bar = progress.ProgressBar("Running", clock=lambda: now[0])
    now[0] = 110.0
    assert bar.text(0.5, "step 5/10") == "step 5/10 · 10 s elapsed · about 10 s left"
    assert bar.text(0.01, "") == "Running · 10 s elapsed · about 16 min 30 s left"


def test_thread_and_run_caps_from_the_environment(monkeypatch):
    from tsviz.ui import compute

    monkeypatch.setenv("TSVIZ_TORCH_THREADS", "3")
    monkeypatch.setenv("TSVIZ_MAX_RUNS", "2")
    assert compute.torch_threads() == 3 and compute.max_runs() == 2
    for bad in ("0", "-1", "abc", ""):
        monkeypatch.setenv("TSVIZ_TORCH_THREADS", bad)
        assert compute.torch_threads() >= 1
    monkeypatch.delenv("TSVIZ_TORCH_THREADS")
    monkeypatch.delenv("TSVIZ_MAX_RUNS")
    assert compute.torch_threads() * compute.max_runs() <= max(compute._cores(), 1) or compute.max_runs() == 1


def test_compute_slots_bound_concurrent_runs(monkeypatch):
    from tsviz.ui import compute

    monkeypatch.setattr(compute, "_slots", threading.BoundedSemaphore(2))
    running, peak, waits = [0], [0], []
    lock = threading.Lock()

    def run():
        with compute.compute_slot(on_wait=waits.append, poll_s=0.01):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=run) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert peak[0] == 2
    assert waits and all(n >= 1 for n in waits)


def test_compute_slot_is_released_on_error(monkeypatch):
    from tsviz.ui import compute

    monkeypatch.setattr(compute, "_slots", threading.BoundedSemaphore(1))
    with pytest.raises(RuntimeError):
        with compute.compute_slot():
            raise RuntimeError("boom")
    with compute.compute_slot():  # would block forever if the slot had leaked
        pass


def test_eta_probe_measures_the_zoo_model():
    from tsviz.models import list_pretrained
    from tsviz.ui.eta import eta_caption, eta_seconds, seconds_per_evaluation

    stem = next(c["path"] for c in list_pretrained("synthetic-ecg") if c["arch"] == "kachuee")
    fwd = seconds_per_evaluation(stem, "cpu", 1, 187, backward=False)
    bwd = seconds_per_evaluation(stem, "cpu", 1, 187, backward=True)
    assert 0 < fwd < 1 and 0 < bwd < 1
    assert eta_seconds(1000, 0.01) == pytest.approx(10.0)
    text = eta_caption(10_000, stem, "cpu", 1, 187, backward=True)
    assert text.startswith("About ") and "10,000 model evaluations" in text
    assert eta_caption(10, "/no/such/model", "cpu", 1, 187, backward=False) == ""
