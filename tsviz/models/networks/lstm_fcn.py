"""LSTM fully convolutional network (LSTM-FCN) of Karim et al. (2018)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tsviz.models.errors import ModelError
from tsviz.models.networks.fcn import FCN
from tsviz.models.networks.layers import check_int_tuple, check_length, check_positive_int, check_probability

__all__ = ["LSTMFCN"]


class LSTMFCN(nn.Module):
    """LSTM-FCN: an LSTM branch on the dimension-shuffled series beside an FCN branch.

    Karim, F., Majumdar, S., Darabi, H., Chen, S. (2018). "LSTM fully convolutional networks for
    time series classification." IEEE Access 6, 1662-1669 (multivariate form: Karim et al. 2019,
    "Multivariate LSTM-FCNs for time series classification", Neural Networks 116, 237-245).

    Parameters
    ----------
    in_channels : int
        Number of input channels ``C``.
    length : int
        Series length ``T``; the LSTM's input size, so the network only accepts this length.
    hidden_size : int, default 8
        LSTM cells (the paper tries 8, 64, 128).
    dropout : float, default 0.8
        Dropout rate after the LSTM, in ``[0, 1)``.
    n_filters, kernel_sizes : sequence of int, default (128, 256, 128) and (8, 5, 3)
        The FCN branch (see :class:`~tsviz.models.networks.fcn.FCN`).

    Attributes
    ----------
    out_features : int
        ``hidden_size + n_filters[-1]`` (136 by default).

    Notes
    -----
    ``forward``: ``(n, C, T)`` float -> ``(n, out_features)``, the concatenation
    ``[dropout(h_last), GAP(FCN(x))]``. Dimension shuffle: the LSTM reads ``x`` as a sequence of
    ``C`` steps with ``T`` features each (one step for a univariate series), and ``h_last`` is
    its final hidden state.

    The recurrence is evaluated with plain tensor operations from the parameters of
    ``self.lstm`` (an ``nn.LSTM`` kept as the parameter container, so initialisation and
    checkpoints are the standard ones). That gives identical numbers on CPU and CUDA, avoids the
    cuDNN restriction that RNN backward only runs in training mode (input gradients of an
    eval-mode model work on CUDA), and supports double backward for gradient-penalty losses.
    Forward hooks on ``self.lstm`` do not fire.
    """

    def __init__(self, in_channels: int, length: int, *, hidden_size: int = 8, dropout: float = 0.8,
                 n_filters: Sequence[int] = (128, 256, 128),
                 kernel_sizes: Sequence[int] = (8, 5, 3)) -> None:
        super().__init__()
        self.in_channels = check_positive_int("in_channels", in_channels)
        self.length = check_length("LSTMFCN", length)
        self.hidden_size = hidden_size
        self.dropout = dropout
        self.n_filters = n_filters
        self.kernel_sizes = kernel_sizes
        h = check_positive_int("hidden_size", hidden_size)
        p = check_probability("dropout", dropout)
        check_int_tuple("n_filters", n_filters)
        self.lstm = nn.LSTM(self.length, h, batch_first=True)
        self.drop = nn.Dropout(p)
        self.fcn = FCN(in_channels, length, n_filters=n_filters, kernel_sizes=kernel_sizes)
        self.out_features = h + self.fcn.out_features

    @classmethod
    def min_length(cls, **hparams: object) -> int:
        """Shortest series length accepted: 1 (the network then only takes that length)."""
        return 1

    def _lstm_last_hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Final hidden state of ``self.lstm`` on ``x`` of shape ``(n, C, T)``: ``(n, hidden)``."""
        lstm = self.lstm
        # input projection of every step at once: (n, C, 4h); gate order i, f, g, o as nn.LSTM
        xin = torch.matmul(x, lstm.weight_ih_l0.t()) + (lstm.bias_ih_l0 + lstm.bias_hh_l0)
        h = c = None
        for t in range(xin.shape[1]):
            gates = xin[:, t] if h is None else xin[:, t] + torch.matmul(h, lstm.weight_hh_l0.t())
            i, f, g, o = gates.chunk(4, dim=1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = i * g if c is None else f * c + i * g
            h = o * torch.tanh(c)
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.length:
            raise ModelError(f"LSTMFCN was built for length {self.length}, got input of shape "
                             f"{tuple(x.shape)}")
        return torch.cat([self.drop(self._lstm_last_hidden(x)), self.fcn(x)], dim=1)
