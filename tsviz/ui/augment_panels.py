"""Augment page panels: the ODENet in use, the augmented examples, the recipe settings of the
training form, and the robustness comparison (a form, a cached run, its figures).

Results tabs are ``st.fragment``: a widget inside one reruns that panel only.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from tsviz import viz
from tsviz.core.lists import parse_numbers
from tsviz.ui import augment_run as au
from tsviz.ui import state
from tsviz.ui.cache import model_choices
from tsviz.ui.caps import cap
from tsviz.ui.downloads import show_figure, show_table
from tsviz.ui.errors import guard
from tsviz.ui.progress import progress_bar

__all__ = ["odenet_panel", "examples_panel", "recipe_fields", "compare_panel"]


@st.fragment
def odenet_panel(info: dict[str, Any], ds, spec: str) -> None:
    """The ODENet's loss history (when fitted in this session) and its dz/dt on one test series."""
    import pandas as pd

    with guard("The ODENet could not be used"):
        if info.get("history") is not None:
            hist = pd.DataFrame({"step": np.arange(1, len(info["history"]) + 1), "total": info["history"]})
            show_figure(viz.loss_history_figure(hist, log_y=True, title="One-step loss / 'no change' loss"),
                        "odenet-loss", key="ode_loss")
        i = int(st.number_input("Test series", 0, len(ds.y_test) - 1, 0, key="ode_series"))
        learned, fd = au.odenet_derivative(info["path"], spec, i)
        show_figure(viz.derivative_figure(ds.X_test[i], learned, fd, fs=None, unit=ds.unit,
                                          title=f"Series #{i} · {ds.class_names[ds.y_test[i]]}"),
                    f"odenet-derivative-{i}", key="ode_deriv")
        st.caption("dz/dt per sampling step: the ODENet's (eq. 3) against the central finite difference.")


@st.fragment
def examples_panel(sel, info: dict[str, Any] | None) -> None:
    """Every augmentation of one training series, as a figure and a table (channel 0)."""
    import pandas as pd

    ds = sel.dataset
    c = st.columns(5)
    i = int(c[0].number_input("Training series", 0, len(ds.y_train) - 1, 0, key="aug_series"))
    beta = c[1].number_input(f"β ({ds.unit})", 0.001, 10.0, 0.33, 0.01, key="aug_beta",
                             help="Clamp of dz/dt (eq. 5); the paper: 0.33 for series with a range of ~6")
    eps_max = c[2].number_input(f"ε max ({ds.unit})", 0.0, 10.0, 0.33, 0.01, key="aug_eps",
                                help="In-Sign-Grad draws ε ~ U[0, ε max] (eq. 7)")
    seed = c[3].number_input("Seed", 0, 2**31 - 1, 0, key="aug_seed")
    with guard("Augmentation failed"):
        out = au.augmented_examples(sel.dataset_spec, info["path"] if info else None, sel.model_path, i, beta,
                                    eps_max, seed)
        if info is None:
            st.info("Only Spec-Den needs no ODENet: fit one on the ODENet tab to see the gradient-guided methods.")
        x = ds.X_train[i]
        show_figure(viz.augmented_examples_figure(x, out, fs=ds.fs, unit=ds.unit,
                                                  class_name=ds.class_names[ds.y_train[i]]),
                    f"augmented-examples-{i}", key="aug_examples")
        frame = pd.DataFrame({"t": np.arange(ds.length), "original": x[0], **{k: v[0] for k, v in out.items()}})
        show_table(frame, f"augmented-series-{i}", key="aug_table", hide_index=True, height=200)
        st.caption("Out-Sign-Grad uses the model selected in the sidebar (its loss gradient gives the direction, "
                   "eq. 9). Channel 0 in the table.")


def recipe_fields(ds) -> dict[str, Any]:
    """The recipe settings inside the training form (only those of the chosen recipe are used; the
    augmentations take β and ε max from the Augmented examples tab)."""
    st.markdown("**Recipe settings** (only those of the chosen recipe are used; the augmentations take β and "
                "ε max from the Augmented examples tab)")
    c = st.columns(5)
    ss = st.session_state
    return {
        "augmentation": c[0].selectbox("Augmentation", list(au.AUG_LABELS), format_func=au.AUG_LABELS.get, index=2,
                                       key="aug_t_aug"),
        "feat_sim": c[1].number_input("Feat-Sim weight", 0.0, 100.0, 1.0, 0.1, key="aug_fs",
                                      help="0 = no Feat-Sim regulariser (eq. 15)"),
        "nsr_beta": c[2].number_input("NSR β", 0.0, 100.0, 0.5, 0.1, key="aug_nsr_beta",
                                      help="β1 = 0.2 for loss1, β2 = 0.5 for loss2 in the NSR paper"),
        "at_eps": c[3].number_input(f"AT ε ({ds.unit})", 0.0001, 10.0, 0.1, 0.01, key="aug_at_eps",
                                    help="PGD/WPGD budget of adversarial training"),
        "jacobian": c[4].number_input("Jacobian λ", 0.0, 100.0, 0.01, format="%.4f", key="aug_jac"),
        "beta": float(ss.get("aug_beta", 0.33)), "eps_max": float(ss.get("aug_eps", 0.33)),
    }


def compare_panel(sel) -> None:
    """Models to compare, series and attacks (one form); the comparison runs on its button."""
    ds, ss, spec = sel.dataset, st.session_state, sel.dataset_spec
    choices = model_choices(ds)
    if not choices:
        st.info("No model fits this dataset yet: train one on the Train tab or the Model page.")
        return
    paths = [c["path"] for c in choices]
    labels = {c["path"]: c["label"] for c in choices}
    default = list(dict.fromkeys(p for p in [sel.model_path, *ss.get(state.AUG_TRAINED, [])] if p in paths))
    default = default[:state.MAX_COMPARE_MODELS]
    # preselect the sidebar's model and the models trained here whenever those change
    if ss.get("cmp_models_basis") != (spec, tuple(default)):
        ss["cmp_models_basis"] = (spec, tuple(default))
        ss["cmp_models"] = default
    ss["cmp_models"] = [p for p in ss.get("cmp_models", []) if p in labels]
    with st.form("cmp_form", enter_to_submit=False):
        picked = st.multiselect("Models", paths, format_func=lambda p: labels[p], key="cmp_models",
                                max_selections=state.MAX_COMPARE_MODELS)
        c = st.columns(6)
        n = c[0].number_input("Test series", 1, state.MAX_COMPARE_SAMPLES, min(200, len(ds.y_test)), key="cmp_n")
        fgsm_eps = c[1].number_input(f"FGSM ε ({ds.unit})", 0.0001, 10.0, 0.1, 0.01, key="cmp_fgsm")
        bim_eps = c[2].number_input(f"BIM ε ({ds.unit})", 0.0001, 10.0, 0.1, 0.01, key="cmp_bim")
        bim_steps = c[3].number_input("BIM steps", 1, cap("attack_steps"), 100, key="cmp_bim_steps",
                                      help="Step size ε/steps·1 (Fawaz et al.: 0.001 for ε = 0.1)")
        eps_text = c[4].text_input(f"PGD curve ε ({ds.unit})", "0, 0.02, 0.05, 0.1, 0.2", key="cmp_eps")
        seed = c[5].number_input("Seed", 0, 2**31 - 1, 0, key="cmp_seed")
        go = st.form_submit_button("Compare", type="primary", key="cmp_go")
    if go:
        from tsviz.training import TrainingError

        with guard("Comparison failed; previous results kept"), progress_bar("Attacking every model…") as bar:
            eps_values = parse_numbers(eps_text, name="PGD curve ε", low=0.0, max_count=12, error=TrainingError)
            named: dict[str, str] = {}
            for p in picked:
                label = labels[p].split(" · acc")[0]
                named[label if label not in named else f"{label} ({len(named)})"] = p
            req = au.CompareRequest(spec, sel.device, tuple((p, k) for k, p in named.items()), int(n),
                                    float(fgsm_eps), float(bim_eps), int(bim_steps), tuple(eps_values), int(seed))
            au.compare_run(req, bar)
            ss[state.AUG_COMPARE] = req
    req = ss.get(state.AUG_COMPARE)
    if req is not None and req.spec == spec:
        compare_results(req, ds)


@st.fragment
def compare_results(req: au.CompareRequest, ds) -> None:
    """Table I, accuracy against eps and the latent PCAs of a comparison."""
    res = au.compare_run(req)
    show_figure(viz.robustness_table_figure(res["table"]), "robustness-table", key="cmp_bars")
    show_table(res["table"], "robustness-table", key="cmp_table", hide_index=True)
    st.caption("Accuracy (%) on clean test series (true) and under FGSM and BIM, each model attacked on itself "
               "(white-box), as Table I of the ODE-augmentation paper.")
    show_figure(viz.accuracy_eps_figure(res["curves"], unit=ds.unit), "accuracy-vs-eps", key="cmp_curves")
    show_table(res["curves"], "accuracy-vs-eps", key="cmp_curves_table", hide_index=True)
    if res["latents"]:
        show_figure(viz.latent_pca_grid_figure(res["latents"], res["y"], ds.class_names), "latent-pca", key="cmp_pca")
        st.caption("PCA of each model's penultimate-layer latents on the same test series (Fig. 5 of the paper): "
                   "robust training should separate the classes more cleanly.")
