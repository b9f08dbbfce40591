"""What the benchmarks share: the CPU's name and a device synchronisation before reading a clock."""
from __future__ import annotations

import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def sync(device) -> None:
    """Wait for queued CUDA work on ``device`` (nothing to do on CPU)."""
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()
