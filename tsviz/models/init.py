"""Seeded weight initialisation that leaves the global RNG alone."""
from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["init_weights_"]


@torch.no_grad()
def init_weights_(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-draw every parameter of ``model`` from ``generator`` with PyTorch's default schemes.

    Conv/Linear: Kaiming-uniform weights (``a = sqrt(5)``) and ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
    biases, as ``reset_parameters`` does; LSTM/GRU: ``U(-1/sqrt(hidden), 1/sqrt(hidden))``; norm
    layers: weight 1, bias 0; any other parameter: Kaiming-uniform if 2-D or more, zeros otherwise.
    The same generator state gives the same weights on every run. Returns ``model``.
    """
    done: set[int] = set()
    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
            if module.bias is not None:
                fan_in = module.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)
            done.update(id(p) for p in module.parameters(recurse=False))
        elif isinstance(module, (nn.LSTM, nn.GRU, nn.RNN)):
            bound = 1.0 / math.sqrt(module.hidden_size)
            for p in module.parameters(recurse=False):
                nn.init.uniform_(p, -bound, bound, generator=generator)
                done.add(id(p))
        elif isinstance(module, (nn.BatchNorm1d, nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm1d)):
            if getattr(module, "weight", None) is not None:
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
            done.update(id(p) for p in module.parameters(recurse=False))
    for p in model.parameters():
        if id(p) in done:
            continue
        if p.dim() >= 2:
            nn.init.kaiming_uniform_(p, a=math.sqrt(5), generator=generator)
        else:
            nn.init.zeros_(p)
    return model
