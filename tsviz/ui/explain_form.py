"""Explain page setup: which series, which methods, their settings — one ``st.form`` (Enter does
not submit it; the *Explain* button does) returning an :class:`~tsviz.ui.explain_run.ExplainRequest`.

The source of the series (test series, or the adversarial examples the Attack page handed over)
is chosen outside the form, since it changes how many series may be explained at once.

Under the form: the time the settings take on this machine (:func:`explain_eta`, from the selected
model's measured throughput and :func:`tsviz.explain.method_costs`), and *Paper settings* /
*Teaching defaults* buttons that set the form's fields (nothing runs until *Explain*). The teaching
defaults (8 series, NeuroMask 300 steps and three baselines) take about 20 s on two cores.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from tsviz.ui.caps import cap
from tsviz.ui.explain_run import METHOD_LABELS, ExplainRequest, adversarial_digest

__all__ = ["ADVERSARIAL_SOURCE", "DEFAULT_METHODS", "PAPER", "PAPER_SOURCE", "BACKWARD_METHODS", "explain_setup",
           "explain_cost", "explain_eta", "INIT_LABELS", "neuromask_setting"]

ADVERSARIAL_SOURCE = "Adversarial examples from the Attack page"
DEFAULT_METHODS = ["neuromask", "saliency", "integrated_gradients", "occlusion"]
#: Methods whose evaluations take an input (or mask) gradient; the others and the curves are forward passes.
BACKWARD_METHODS = ("neuromask", "saliency", "integrated_gradients", "smoothgrad")
#: NeuroMask's initial mask weights: tsviz's U(-3, 3) or Algorithm 4's U(-tau, tau) (:data:`tsviz.explain.neuromask.
#: NEUROMASK_PRESETS`).
INIT_LABELS = {"tsviz": "U(−3, 3) — tsviz default", "paper": "U(−τ, τ) = U(−20, 20) — the paper (Algorithm 4)"}
#: Paper-scale settings (widget key -> value) and where they come from.
PAPER = {"xp_n": 100, "xp_methods": ["neuromask", "saliency", "integrated_gradients", "smoothgrad", "occlusion",
                                      "feature_ablation"],
         "xp_steps": 300, "xp_igsteps": 50, "xp_sgn": 50, "xp_fsteps": 20, "xp_init": "paper", "xp_baseline": "zero"}
PAPER_SOURCE = ("every method on 100 series: NeuroMask's 300 RMSProp steps (a few hundred, dissertation ch. 5) "
                "from Algorithm 4's initial mask U(−20, 20) with the zero baseline, integrated gradients with 50 "
                "steps (Sundararajan et al. 2017), SmoothGrad with 50 samples (Smilkov et al. 2017), 20 curve points")
#: The widgets *Teaching defaults* resets to the defaults below.
_TEACHING_KEYS = ("xp_n", "xp_methods", "xp_steps", "xp_igsteps", "xp_sgn", "xp_fsteps", "xp_window", "xp_lr",
                  "xp_lp", "xp_lsp", "xp_lsm", "xp_init")


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
            init = st.selectbox("Initial mask weights", list(INIT_LABELS), format_func=INIT_LABELS.get, key="xp_init",
                                help="Algorithm 4 starts from U(−τ, τ) with τ = 20, where the sigmoid is flat for "
                                     "most weights; tsviz starts from U(−3, 3), which learns faster on short series. "
                                     "τ stays 20 (the sparsity target) either way.")
        with st.expander("Baseline methods and faithfulness settings"):
            c = st.columns(4)
            window = c[0].number_input("Occlusion / ablation window (steps)", 1, ds.length,
                                       max(3, min(ds.length, ds.length // 20)), key="xp_window")
            ig_steps = c[1].number_input("IG steps", 2, cap("ig_steps"), 50, key="xp_igsteps")
            sg_n = c[2].number_input("SmoothGrad samples", 1, cap("smoothgrad_samples"), 25, key="xp_sgn")
            f_steps = c[3].number_input("Curve points", 2, cap("faithfulness_steps"), 20, key="xp_fsteps",
                                        help="Fractions of steps removed / revealed")
        go = st.form_submit_button("Explain", type="primary", key="xp_run")
    neuromask = {"steps": int(steps), "lr": float(lr), "lambda_p": float(lam_p), "lambda_sp": float(lam_sp),
                 "lambda_sm": float(lam_sm), "per_channel": bool(per_channel),
                 "init_scale": None if init == "paper" else 3.0}
    if "neuromask" in methods:
        st.caption(f"NeuroMask setting in use: {neuromask_setting(init, str(baseline))}.")
    req = ExplainRequest(model=str(sel.model_path), spec=sel.dataset_spec, device=sel.device,
                         adversarial=adversarial_digest(adv) if adversarial else None, n=int(n), seed=int(seed),
                         methods=tuple(methods), baseline=str(baseline), neuromask=tuple(neuromask.items()),
                         window=int(window), ig_steps=int(ig_steps), smoothgrad_samples=int(sg_n),
                         curve_points=int(f_steps))
    _settings_buttons(sel, req, n_max)
    return req if go else None


def neuromask_setting(init: str, baseline: str) -> str:
    """Which NeuroMask setting the form's values are: the paper's (Algorithm 4: U(−20, 20), the zero
    baseline), tsviz's default (U(−3, 3)), or the paper's initialisation with another baseline."""
    if init == "paper":
        return ("the paper's (Alzantot 2019, ch. 5, Algorithm 4: initial weights U(−20, 20), masked steps set to 0)"
                if baseline == "zero" else f"the paper's initial weights U(−20, 20) with the {baseline} baseline (the "
                                           "paper sets masked steps to 0)")
    return "tsviz's default (initial weights U(−3, 3)" + (")" if baseline == "zero" else f", {baseline} baseline)")


def explain_cost(req: ExplainRequest, length: int) -> tuple[int, int]:
    """``(forward, backward)`` model evaluations of the comparison ``req`` (clean and adversarial
    series count twice), from :func:`tsviz.explain.method_costs`."""
    from tsviz.explain import method_costs

    per = method_costs(req.methods, length, neuromask_kw=dict(req.neuromask),
                       attribution_kw=_attribution_kw(req), faithfulness_steps=req.curve_points)
    n = req.n * (2 if req.adversarial else 1)
    backward = sum(v for k, v in per.items() if k in BACKWARD_METHODS)
    return n * (sum(per.values()) - backward), n * backward


def _attribution_kw(req: ExplainRequest) -> dict[str, dict[str, int]]:
    return {"occlusion": {"window": req.window}, "feature_ablation": {"window": req.window},
            "integrated_gradients": {"steps": req.ig_steps}, "smoothgrad": {"n_samples": req.smoothgrad_samples}}


def explain_eta(req: ExplainRequest, ds) -> str:
    """"About 20 s on this machine (… model evaluations)" for ``req``; empty if it cannot be estimated."""
    from tsviz.ui.long_action import eta_note

    try:
        fwd, bwd = explain_cost(req, ds.length)
    except Exception:  # noqa: BLE001 - bad settings are reported when the user runs
        return ""
    return eta_note(fwd, bwd, req.model, req.device, ds.n_channels, ds.length)


def _apply(values: dict[str, Any]) -> None:
    st.session_state.update(values)


def _reset() -> None:
    for k in _TEACHING_KEYS:
        st.session_state.pop(k, None)


def _settings_buttons(sel, req: ExplainRequest, n_max: int) -> None:
    from dataclasses import replace

    ds = sel.dataset
    paper = {**PAPER, "xp_n": min(PAPER["xp_n"], n_max)}
    eta = explain_eta(req, ds)
    paper_eta = explain_eta(replace(req, n=paper["xp_n"], methods=tuple(paper["xp_methods"]),
                                    neuromask=tuple({**dict(req.neuromask), "steps": paper["xp_steps"]}.items()),
                                    ig_steps=paper["xp_igsteps"], smoothgrad_samples=paper["xp_sgn"],
                                    curve_points=paper["xp_fsteps"]), ds)
    st.caption((f"{eta} for the settings shown." if eta else "")
               + (f" Paper settings: {paper_eta.lower()}." if paper_eta else ""))
    c = st.columns([1, 1, 4])
    c[0].button("Paper settings", key="xp_paper", on_click=_apply, args=(paper,),
                help=f"{PAPER_SOURCE[0].upper()}{PAPER_SOURCE[1:]}. Sets the fields above; press Explain to start.")
    c[1].button("Teaching defaults", key="xp_teaching", on_click=_reset,
                help="Back to the demo settings: 8 series, NeuroMask and three baselines")
