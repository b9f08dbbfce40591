"""An honest estimate before a long run: the model's measured throughput times the run's cost.

Every family states the cost of a run in model evaluations (the factors its ``check_cost`` uses:
series x steps x restarts x draws ...). :func:`seconds_per_evaluation` times a few forward (or
forward + backward) passes of the selected model on this machine, with the server's thread setting,
once per model, device and input shape; :func:`eta_caption` turns a cost into "about 40 s on this
machine". The estimate is a rule of thumb (batching, early stopping and other users change it); the
bar shows the real time left while the run goes.
"""
from __future__ import annotations

import time

import streamlit as st
import torch

from tsviz.ui.progress import format_seconds

__all__ = ["seconds_per_evaluation", "eta_seconds", "eta_caption"]

#: Series per probe batch, and the probe repeats (the fastest one is used, after a warm-up).
PROBE_BATCH = 64
PROBE_REPEATS = 2


@st.cache_resource(show_spinner=False, max_entries=32)
def _probe(stem: str, mtime: float, device: str, channels: int, length: int, backward: bool, threads: int) -> float:
    from tsviz.core import guard_model
    from tsviz.ui.cache import get_model

    model = get_model(stem, device)
    x = torch.zeros(PROBE_BATCH, channels, length, device=torch.device(device))
    best = float("inf")
    with guard_model(model):
        for i in range(PROBE_REPEATS + 1):
            t0 = time.perf_counter()
            if backward:
                xg = x.clone().requires_grad_(True)
                with torch.enable_grad():
                    torch.autograd.grad(model(xg).sum(), xg)
            else:
                with torch.no_grad():
                    model(x)
            if i:  # the first pass is a warm-up
                best = min(best, time.perf_counter() - t0)
    return best / PROBE_BATCH


def seconds_per_evaluation(stem: str, device: str, channels: int, length: int, *, backward: bool) -> float:
    """Seconds one series takes through the model (forward, or forward + input gradient), measured
    on this machine once per checkpoint, device, input shape and thread setting."""
    from tsviz.ui.cache import model_key
    from tsviz.ui.compute import torch_threads

    key_stem, mtime = model_key(stem)
    return _probe(key_stem, mtime, device, int(channels), int(length), bool(backward), torch_threads())


def eta_seconds(evaluations: int, per_evaluation: float) -> float:
    """Estimated seconds of a run of ``evaluations`` model evaluations."""
    return max(0.0, float(evaluations) * float(per_evaluation))


def eta_caption(evaluations: int, stem: str, device: str, channels: int, length: int, *, backward: bool) -> str:
    """"About 40 s on this machine (123,000 model evaluations)"; empty when no model is selected or
    the probe fails (the run itself reports any problem)."""
    try:
        per = seconds_per_evaluation(stem, device, channels, length, backward=backward)
    except Exception:  # noqa: BLE001 - an estimate must never break the page
        return ""
    seconds = format_seconds(eta_seconds(evaluations, per))
    return f"About {seconds} on this machine ({int(evaluations):,} model evaluations)"
