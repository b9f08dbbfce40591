"""Certify page setup: the four smoothed classifiers of the self-ensemble paper as a form.

Single (one Gaussian-trained model), DE (deep ensemble of several models), M_B and M_C (one
mask-trained model over m fixed binomial / continuous masks). Defaults pick the shipped zoo
models for the dataset and sigma (``gaussian-<sigma>``, ``masked_gaussian-<sigma>-<kind>``) so the
Fig. 4 comparison is one click away.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from tsviz.ui import state

#: (key, title, help) of the four configurations.
KINDS = (
    ("single", "Single", "One model under Gaussian noise (Cohen et al.)"),
    ("de", "DE", "Deep ensemble: softmax averaged over several models, then counted"),
    ("mb", "M_B", "Self-ensemble over m fixed binomial masks (each step kept with probability p)"),
    ("mc", "M_C", "Self-ensemble over m fixed continuous masks (round(pT) kept steps in mask-lets)"),
)
#: Zoo recipe each configuration prefers at a given sigma.
PREFERRED = {"single": "gaussian-{s}", "de": "gaussian-{s}", "mb": "masked_gaussian-{s}-binomial",
             "mc": "masked_gaussian-{s}-continuous"}


@dataclass(frozen=True)
class ConfigSpec:
    """A configuration as chosen on the page (model paths, not modules)."""

    key: str
    label: str
    paths: tuple[str, ...]
    mask_kind: str | None
    m: int
    keep: float


def _default_index(choices: list[dict[str, Any]], key: str, sigma: float, fallback: str | None) -> int:
    want = PREFERRED[key].format(s=f"{sigma:g}")
    for i, c in enumerate(choices):
        if c.get("recipe") == want and c["source"] == "zoo" and c.get("arch") == "kachuee":
            return i
    for i, c in enumerate(choices):
        if c.get("recipe") == want:
            return i
    for i, c in enumerate(choices):
        if c["path"] == fallback:
            return i
    return 0


def config_form(choices: list[dict[str, Any]], sigma: float, selected: str | None) -> list[ConfigSpec]:
    """Draw one column per configuration; returns the enabled ones."""
    labels = [c["label"] for c in choices]
    path_of = {c["label"]: c["path"] for c in choices}
    cols = st.columns(4)
    out = []
    for col, (key, title, help_) in zip(cols, KINDS):
        with col:
            on = st.checkbox(title, key != "de", key=f"cert_on_{key}", help=help_)
            skey = f"{sigma:g}"  # defaults follow sigma: a new sigma re-picks the matching zoo models
            if key == "de":
                gauss = [c["label"] for c in choices if c.get("recipe", "").startswith("gaussian")]
                default = gauss[:3] if len(gauss) >= 2 else labels[:2]
                members = st.multiselect("Members", labels, default=default, key=f"cert_de_members_{skey}",
                                         disabled=not on, help="At least two models")
                if on:
                    out.append(ConfigSpec(key, title, tuple(path_of[m] for m in members), None, 0, 1.0))
                continue
            model = st.selectbox("Model", labels, index=_default_index(choices, key, sigma, selected),
                                 key=f"cert_model_{key}_{skey}", disabled=not on)
            kind = None if key == "single" else ("binomial" if key == "mb" else "continuous")
            m = st.number_input("Masks m", 1, state.MAX_CERTIFY_MASKS, 4, key=f"cert_m_{key}",
                                disabled=not on or kind is None, help=f"Ensemble size, at most {state.MAX_CERTIFY_MASKS}")
            keep = st.number_input("Keep ratio p", 0.05, 1.0, 0.9, 0.05, key=f"cert_keep_{key}",
                                   disabled=not on or kind is None)
            if on:
                out.append(ConfigSpec(key, title, (path_of[model],), kind, int(m), float(keep)))
    return out
