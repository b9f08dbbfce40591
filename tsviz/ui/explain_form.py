"""Explain page setup: which series, which methods, their settings — one ``st.form`` (Enter does
not submit it; the *Explain* button does) returning an :class:`~tsviz.ui.explain_run.ExplainRequest`.

The source of the series (test series, or the adversarial examples the Attack page handed over)
is chosen outside the form, since it changes how many series may be explained at once.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from tsviz.ui.caps import cap
from tsviz.ui.explain_run import METHOD_LABELS, ExplainRequest, adversarial_digest

__all__ = ["ADVERSARIAL_SOURCE", "explain_setup"]

ADVERSARIAL_SOURCE = "Adversarial examples from the Attack page"
DEFAULT_METHODS = ["neuromask", "saliency", "integrated_gradients", "occlusion"]


def explain_setup(sel, adv: dict[str, Any] | None) -> ExplainRequest | None:
    """Draw the setup; the request when *Explain* was pressed, else ``None``.

    ``adv`` is this session's handoff from the Attack page, offered when it is for the selected
    dataset and model.
    """
    ds = sel.dataset
    adv_ok = bool(adv) and adv.get("spec") == sel.dataset_spec and adv.get("model_path") == sel.model_path
    source = st.radio("Series", ["Test series"] + ([ADVERSARIAL_SOURCE] if adv_ok else []), key="xp_source",
                      horizontal=True, help="Send adversarial examples from the Attack page's Export tab to explain "
                                            "clean and adversarial side by side (same dataset and model)")
    adversarial = source == ADVERSARIAL_SOURCE
    n_max = max(1, cap("explain_series") // (2 if adversarial else 1))
    with st.form("xp_form", enter_to_submit=False, border=False):
        c = st.columns(3)
        n = c[0].number_input("How many", 1, n_max, min(8, n_max), key="xp_n", help=f"At most {n_max} series per run")
        seed = c[1].number_input("Seed", 0, 2**31 - 1, 0, key="xp_seed",
                                 help="Series choice, NeuroMask's initial mask, SmoothGrad noise")
        baseline = c[2].selectbox("Removed steps become", ["zero", "mean", "blur"], key="xp_baseline",
                                  help="zero: 0 (isoelectric; the paper's m·x); mean: the series mean; blur: a "
                                       "low-pass copy. Used by NeuroMask, IG, occlusion, ablation and the curves")
        methods = st.multiselect("Methods", list(METHOD_LABELS), default=DEFAULT_METHODS, format_func=METHOD_LABELS.get,
                                 key="xp_methods")
        with st.expander("NeuroMask settings"):
            c = st.columns(6)
            max_steps = cap("neuromask_steps")
            steps = c[0].number_input("Steps", 1, max_steps, 300, key="xp_steps",
                                      help=f"RMSProp updates, at most {max_steps}")
            lr = c[1].number_input("Learning rate", 0.001, 5.0, 0.1, 0.01, key="xp_lr")
            lam_p = c[2].number_input("λ pred", 0.0, 100.0, 1.0, 0.1, key="xp_lp")
            lam_sp = c[3].number_input("λ sparse", 0.0, 10.0, 0.01, 0.001, format="%.4f", key="xp_lsp",
                                       help="More → fewer relevant steps")
            lam_sm = c[4].number_input("λ smooth", 0.0, 10.0, 0.002, 0.001, format="%.4f", key="xp_lsm",
                                       help="More → fewer, longer relevant segments")
            per_channel = c[5].toggle("Mask per channel", False, key="xp_perch", disabled=ds.n_channels == 1)
        with st.expander("Baseline methods and faithfulness settings"):
            c = st.columns(4)
            window = c[0].number_input("Occlusion / ablation window (steps)", 1, ds.length,
                                       max(3, min(ds.length, ds.length // 20)), key="xp_window")
            ig_steps = c[1].number_input("IG steps", 2, cap("ig_steps"), 50, key="xp_igsteps")
            sg_n = c[2].number_input("SmoothGrad samples", 1, cap("smoothgrad_samples"), 25, key="xp_sgn")
            f_steps = c[3].number_input("Curve points", 2, cap("faithfulness_steps"), 20, key="xp_fsteps",
                                        help="Fractions of steps removed / revealed")
        go = st.form_submit_button("Explain", type="primary", key="xp_run")
    if not go:
        return None
    neuromask = {"steps": int(steps), "lr": float(lr), "lambda_p": float(lam_p), "lambda_sp": float(lam_sp),
                 "lambda_sm": float(lam_sm), "per_channel": bool(per_channel)}
    return ExplainRequest(model=str(sel.model_path), spec=sel.dataset_spec, device=sel.device,
                          adversarial=adversarial_digest(adv) if adversarial else None, n=int(n), seed=int(seed),
                          methods=tuple(methods), baseline=str(baseline), neuromask=tuple(neuromask.items()),
                          window=int(window), ig_steps=int(ig_steps), smoothgrad_samples=int(sg_n),
                          curve_points=int(f_steps))
