"""The result of CERTIFY (:class:`CertResult`) and the fingerprint that binds it to its inputs.

References: Cohen et al., ICML 2019 (CERTIFY); shared paper
``certified-robustness-tsc-self-ensemble.txt`` (Algorithm 2, the Renyi bound).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsviz.certify.bounds import REASON_LOW_PA, REASON_PA_PB, REASON_ZERO_RADIUS

__all__ = ["ABSTAIN", "CertResult", "input_fingerprint", "REASON_NONFINITE", "REASON_LOW_PA", "REASON_PA_PB",
           "REASON_ZERO_RADIUS"]

#: Prediction value of a sample the smoothed classifier abstains on.
ABSTAIN = -1
#: ``CertResult.abstain_reason`` of a series with a non-finite model output on some draw ('' for a
#: certified series; the bounds' own reasons otherwise, see :mod:`tsviz.certify.bounds`).
REASON_NONFINITE = "non-finite model output"


@dataclass(frozen=True)
class CertResult:
    """Output of :meth:`Smoothed.certify`.

    Attributes
    ----------
    prediction : ndarray int64 ``(n,)``, class or :data:`ABSTAIN`
    radius : ndarray float64 ``(n,)``, certified L2 radius in signal units (0 when abstaining)
    p_lower : ndarray float64 ``(n,)``, lower confidence bound on ``pA``
    counts : ndarray int64 ``(n, K)``, class counts of the ``n`` estimation draws (draws whose model
        output was not finite are not votes, so a row may sum to less than ``n``)
    p_upper_runner_up : ndarray float64 ``(n,)``, upper bound on ``pB`` (Renyi: the bound used;
        Cohen: ``1 - p_lower``)
    sigma, bound (its name in :data:`~tsviz.certify.bounds.BOUNDS`), alpha, n0, n : the settings used
    masks : ndarray bool ``(M, T)`` or None
    seconds : float, wall-clock time
    abstain_reason : ndarray str ``(n,)`` or None; ``''`` for a certified series, else one of
        :data:`REASON_NONFINITE` (some of its ``n0 + n`` draws gave a NaN/Inf model output),
        :data:`REASON_LOW_PA` (Cohen), :data:`REASON_PA_PB` or :data:`REASON_ZERO_RADIUS` (Renyi), or
        the ``reason`` of another registered bound (:mod:`tsviz.certify.bounds`).
        None only for results built by hand.
    fingerprint : str or None, SHA-256 of the certified ``x`` (float32 bytes and shape), ``sigma``,
        the masks and the number of ensemble members (see :meth:`Smoothed.fingerprint`);
        :func:`tsviz.certify.soundness.soundness_check` refuses other inputs. None only for results
        built by hand.
    """

    prediction: np.ndarray
    radius: np.ndarray
    p_lower: np.ndarray
    counts: np.ndarray
    p_upper_runner_up: np.ndarray
    sigma: float
    bound: str
    alpha: float
    n0: int
    n: int
    masks: np.ndarray | None
    seconds: float
    abstain_reason: np.ndarray | None = None
    fingerprint: str | None = None

    def summary(self) -> dict[str, Any]:
        """Plain-number summary: settings, abstain rate, mean/median radius of certified samples,
        number of series abstained on for a non-finite model output."""
        cert = self.prediction != ABSTAIN
        nonfinite = 0 if self.abstain_reason is None else int((self.abstain_reason == REASON_NONFINITE).sum())
        return {
            "n_samples": int(self.prediction.shape[0]), "sigma": self.sigma, "bound": self.bound,
            "alpha": self.alpha, "n0": self.n0, "n": self.n,
            "n_masks": 0 if self.masks is None else int(self.masks.shape[0]),
            "abstain_rate": float(1.0 - cert.mean()),
            "n_nonfinite": nonfinite,
            "mean_radius": float(self.radius.mean()),
            "median_certified_radius": float(np.median(self.radius[cert])) if cert.any() else 0.0,
            "seconds": self.seconds,
        }

    def to_frame(self):
        """One row per sample: prediction, radius, p_lower, p_upper_runner_up, count_<k> columns,
        then abstain_reason (when recorded)."""
        import pandas as pd

        d = {"prediction": self.prediction, "radius": self.radius, "p_lower": self.p_lower,
             "p_upper_runner_up": self.p_upper_runner_up}
        for k in range(self.counts.shape[1]):
            d[f"count_{k}"] = self.counts[:, k]
        if self.abstain_reason is not None:
            d["abstain_reason"] = self.abstain_reason
        return pd.DataFrame(d)


def input_fingerprint(x: torch.Tensor, sigma: float, masks: np.ndarray | None, n_members: int) -> str:
    """SHA-256 (hex) binding a certificate to its inputs.

    Hashes the shape and float32 bytes of ``x`` ``(n, C, T)`` (as certified, after the float32
    cast), ``float(sigma)``, the masks ``(M, T)`` (shape and boolean bytes, or none) and the number
    of ensemble members. The members' weights are not hashed.
    """
    h = hashlib.sha256(b"tsviz-certify-v1")
    xs = np.ascontiguousarray(x.detach().to("cpu", torch.float32).numpy())
    h.update(repr(tuple(xs.shape)).encode())
    h.update(xs.tobytes())
    h.update(repr(float(sigma)).encode())
    if masks is None:
        h.update(b"masks:none")
    else:
        mb = np.ascontiguousarray(np.asarray(masks, dtype=bool))
        h.update(repr(tuple(mb.shape)).encode())
        h.update(mb.tobytes())
    h.update(f"members:{int(n_members)}".encode())
    return h.hexdigest()
