"""How many rows one forward pass of a smoothed classifier takes (``batch_size="auto"``).

Randomized smoothing pushes ``series x draws x masks`` rows through each model; the chunk size is
measured on the model once, from the activations one row writes (a probe forward with hooks),
so certification fits in memory on any architecture and stays cache-friendly on CPU.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["ACTIVATION_BUDGET", "CPU_LAYER_BUDGET", "MAX_AUTO_ROWS", "activation_elements_per_row", "auto_batch_rows"]

#: ``batch_size="auto"``: activation elements (all layers' outputs, summed, per forward pass) to
#: aim for, ~512 MB of float32; the per-row cost is measured by one probe forward with hooks.
ACTIVATION_BUDGET = 2 ** 27
#: ``batch_size="auto"`` on CPU: also keep the largest single layer output of a chunk within this
#: many elements (~8 MB of float32) so that it stays in cache; on a 2-core EPYC a kachuee chunk of
#: ~400 rows ran 2.4x faster per row than one of 2,373 (``benchmarks/certify.py``).
CPU_LAYER_BUDGET = 2 ** 21
#: ``batch_size="auto"`` never uses more rows than this per forward pass.
MAX_AUTO_ROWS = 8192


def activation_elements_per_row(members: Sequence[torch.nn.Module], x: torch.Tensor) -> tuple[int, int]:
    """Elements written per input row by a probe forward: ``(all leaf outputs summed, largest one)``.

    Summing all layers over-estimates the live memory of a no-grad forward, which keeps the
    automatic batch size on the safe side for any architecture; the largest single output sizes
    cache-friendly chunks on CPU.
    """
    total = 0
    largest = 0

    def hook(_module, _inputs, out) -> None:
        nonlocal total, largest
        if isinstance(out, torch.Tensor):
            total += out.numel()
            largest = max(largest, out.numel())

    handles = [mod.register_forward_hook(hook) for mdl in members for mod in mdl.modules()
               if next(mod.children(), None) is None]
    try:
        for mdl in members:
            mdl(x[:1])
    finally:
        for h in handles:
            h.remove()
    floor = int(x[0].numel())
    return max(total, floor), max(largest, floor)


def auto_batch_rows(members: Sequence[torch.nn.Module], x: torch.Tensor) -> int:
    """Rows per forward pass for ``batch_size="auto"`` (see ``ACTIVATION_BUDGET``, ``CPU_LAYER_BUDGET``)."""
    total, largest = activation_elements_per_row(members, x)
    rows = ACTIVATION_BUDGET // total
    if x.device.type == "cpu":
        rows = min(rows, CPU_LAYER_BUDGET // largest)
    return int(min(MAX_AUTO_ROWS, max(1, rows)))
