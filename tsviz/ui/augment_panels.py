"""Augment page panels: the ODENet tab (the one in use, its fit quality, fitting your own), the
augmented examples, the recipe settings of the training form, and the robustness comparison
(settings with a live estimate, a cached run as a long action, its figures).

Results panels are ``st.fragment``: a widget inside one reruns that panel only.
"""
from __future__ import annotations

from pathlib import Path
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
from tsviz.ui.long_action import long_action, notice_cancelled
from tsviz.ui.progress import format_seconds
from tsviz.ui.training_panel import Preset

__all__ = ["odenet_tab", "odenet_panel", "quality_notes", "examples_panel", "recipe_fields", "compare_panel",
           "AUG_PRESETS", "PROTOCOL_LABELS", "MARGIN_LABELS", "recipe_setting", "odenet_objective"]

#: The augmented recipe's protocols (:data:`tsviz.training.augmented_training.PROTOCOLS`), as the Train tab names them.
PROTOCOL_LABELS = {"per_batch": "Per batch — tsviz default (fresh copies every batch)",
                   "per_epoch": "Per epoch (the training set re-augmented every epoch)",
                   "per_run": "Per run — the paper (the training set augmented once)"}
#: The NSR losses' margin (:data:`tsviz.training.nsr_losses.MARGIN_REDUCTIONS`).
MARGIN_LABELS = {"sum": "Σ over classes — tsviz default (eq. 5/10)",
                 "mean": "÷ K, multi_margin_loss — the paper's runs (eq. 14/16)"}

#: The Train tab's presets: a live demo (Kachuee's small CNN, a few epochs) and the ODE augmentation
#: paper's settings (Sarkar et al. 2020: lr 2e-4, weight decay 1e-3, batch 16, 30 epochs; ResNet).
AUG_PRESETS = (
    Preset("Demo settings", "Kachuee et al.'s small CNN for ECG beats, 3 epochs at lr 1e-3: about half a minute at "
           "most on a laptop CPU with an augmentation, for a live demo.",
           arch="kachuee", epochs=3, lr=1e-3, batch_size=64, weight_decay=1e-3),
    Preset("Paper settings", "The ODE augmentation paper's training (Sarkar et al. 2020): ResNet, Adam at lr 2e-4, "
           "weight decay 1e-3, batch 16, 30 epochs.",
           arch="resnet", epochs=30, lr=2e-4, batch_size=16, weight_decay=1e-3),
)


# ----------------------------------------------------------------------------- ODENet
def _describe(info: dict[str, Any]) -> str:
    card, name = info.get("card") or {}, Path(info["path"]).name
    fit = card.get("fit") if isinstance(card.get("fit"), dict) else card
    what = {"shipped": "shipped with tsviz", "fitted": "fitted here, in your workspace",
            "saved": "from your workspace"}.get(info.get("source"), "")
    facts = [f"{card['epochs']} epochs" if isinstance(card.get("epochs"), int) else None,
             f"{fit['n_pairs']:,} training pairs" if isinstance(fit.get("n_pairs"), int) else None,
             f"seed {card['seed']}" if isinstance(card.get("seed"), int) else None]
    built = f"; built by `{card['build']}`" if info.get("source") == "shipped" and card.get("build") else ""
    return (f"ODENet in use: `{name}` ({what}) · fitted on {card.get('dataset_name', card.get('dataset', '?'))}"
            f"{' · ' + ', '.join(f for f in facts if f) if any(facts) else ''}{built} · {odenet_objective(card)}.")


def odenet_objective(card: dict[str, Any]) -> str:
    """Which fitting objective an ODENet's card records: the one-step (teacher-forced) tsviz default or
    the paper's rollout (eq. 2 over the whole series, :func:`tsviz.augment.fit_odenet`)."""
    fit = card.get("fit") if isinstance(card.get("fit"), dict) else {}
    objective = card.get("objective", fit.get("objective", "one_step"))
    return ("objective: rollout over the series (the paper's eq. 2)" if objective == "rollout" else
            "objective: one step from the true sample (tsviz default; the paper integrates over the whole series)")


def quality_notes(info: dict[str, Any]) -> None:
    """The fit quality of the ODENet in use (loss ratio and relative RMSE on the test split) as a
    caption, and a warning with the numbers and what to do when it is poor
    (:func:`tsviz.augment.quality_warnings`)."""
    from tsviz.augment import quality_warnings

    q = info.get("quality")
    if not isinstance(q, dict) or not all(isinstance(q.get(k), (int, float)) for k in ("loss_ratio", "relative_rmse")):
        st.caption("Fit quality not measured (an ODENet saved before tsviz measured it).")
        return
    st.caption(f"On the test split: loss ratio {q['loss_ratio']:.2f} (one-step error / error of predicting no "
               f"change; 1.00 = no better) · relative RMSE {q['relative_rmse']:.2f} (its dz/dt against the central "
               f"difference; 0 = exact, 1.00 = no closer than zero).")
    for text in quality_warnings(float(q["loss_ratio"]), float(q["relative_rmse"])):
        st.warning(text, icon=":material/warning:")


def _on_pick(spec: str, shipped: str | None) -> None:
    pick = st.session_state.get("ode_pick")
    if pick is not None:
        st.session_state[state.AUG_ODENET] = au.odenet_info(str(pick), spec,
                                                            source="shipped" if pick == shipped else "saved")


def odenet_tab(sel, shown: bool = True) -> dict[str, Any] | None:
    """The ODENet tab: the ODENet in use (the shipped one by default), its quality, fitting your
    own (with an estimate, progress and Cancel) or picking a saved one; returns the one in use.
    The estimate and the figures only when the tab is ``shown``."""
    ds, spec = sel.dataset, sel.dataset_spec
    st.write("The ODENet f(z, t) learns the dynamics dz/dt of the series (eq. 1-3): two hidden layers of 25 units "
             "with batch norm and ELU, fitted by integrating from each sample to the next (eq. 2) with Adam "
             "(lr 3e-4, weight decay 1e-3). The gradient-guided augmentations follow its dz/dt.")
    with st.container(border=True):
        st.markdown("**Fit your own** on this dataset's training split (saved in your workspace)")
        c = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
        max_epochs = cap("odenet_epochs")
        epochs = c[0].number_input("Epochs", 1, max_epochs, None, key="ode_epochs", placeholder="auto",
                                   help=f"Passes over the (series, step) pairs, at most {max_epochs}. Empty = auto: "
                                        "as many as give about 3,000 Adam steps (the estimate says how many).")
        seed = c[1].number_input("Seed", 0, 2**31 - 1, 0, key="ode_seed")
        fit_go = c[2].button("Fit ODENet", type="primary", key="ode_fit")
        shipped, saved = au.shipped_odenet(spec), au.saved_odenets(ds)
        options = [None, *([shipped] if shipped else []), *map(str, saved)]
        c[3].selectbox("Or use another one", options, key="ode_pick", on_change=_on_pick, args=(spec, shipped),
                       format_func=lambda p: "—" if p is None else
                       f"{Path(p).name} ({'shipped' if p == shipped else 'yours'})")
        eta = au.odenet_eta(ds, epochs, device=sel.device) if shown else None
        if eta is not None:
            st.caption(eta[2] + ("" if epochs else f" Auto = {eta[1]} epochs here."))
        notice_cancelled("ode_fit")
        if fit_go:
            with guard("The ODENet could not be fitted; the previous one is kept"), \
                    long_action("ode_fit", "Fitting an ODENet…") as bar:
                fit, slot, name = au.fit_and_save_odenet(ds, spec, epochs=epochs, seed=seed, device=sel.device,
                                                         progress=bar)
                st.success(f"Fitted in {fit.seconds:.1f} s and saved as {slot.name}"
                           + (f" ({name} already exists)." if slot.renamed else "."))
    info = au.current_odenet(spec)
    if info is None:
        st.info("No ODENet is shipped for this dataset: fit one above or pick a saved one.")
        return None
    if shown:
        st.caption(_describe(info))
        quality_notes(info)
        odenet_panel(info, ds, spec)
    return info


@st.fragment
def odenet_panel(info: dict[str, Any], ds, spec: str) -> None:
    """The ODENet's loss ratio per epoch (when its card or this session has it) and its dz/dt on
    one test series."""
    from tsviz.viz.augment_figures import odenet_loss_figure

    with guard("The ODENet could not be used"):
        if info.get("history"):
            q = info.get("quality") or {}
            show_figure(odenet_loss_figure(info["history"], test_loss_ratio=q.get("loss_ratio")),
                        "odenet-loss", key="ode_loss")
        i = int(st.number_input("Test series", 0, len(ds.y_test) - 1, 0, key="ode_series"))
        learned, fd = au.odenet_derivative(info["path"], spec, i)
        show_figure(viz.derivative_figure(ds.X_test[i], learned, fd, fs=None, unit=ds.unit,
                                          title=f"Series #{i} · {ds.class_names[ds.y_test[i]]}"),
                    f"odenet-derivative-{i}", key="ode_deriv")
        st.caption("dz/dt per sampling step: the ODENet's (eq. 3) against the central finite difference.")


# ----------------------------------------------------------------------------- examples, recipes
@st.fragment
def examples_panel(sel, info: dict[str, Any] | None, shown: bool = True) -> None:
    """Every augmentation of one training series, as a figure and a table (channel 0); computed
    only when the tab is ``shown``."""
    import pandas as pd

    ds = sel.dataset
    c = st.columns(5)
    i = int(c[0].number_input("Training series", 0, len(ds.y_train) - 1, 0, key="aug_series"))
    beta = c[1].number_input(f"β ({ds.unit})", 0.001, 10.0, 0.33, 0.01, key="aug_beta",
                             help="Clamp of dz/dt (eq. 5); the paper: 0.33 for series with a range of ~6")
    eps_max = c[2].number_input(f"ε max ({ds.unit})", 0.0, 10.0, 0.33, 0.01, key="aug_eps",
                                help="In-Sign-Grad draws ε ~ U[0, ε max] (eq. 7)")
    seed = c[3].number_input("Seed", 0, 2**31 - 1, 0, key="aug_seed")
    if not shown:
        return
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
    values = {
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
    c = st.columns(2)
    values["protocol"] = c[0].selectbox(
        "Augmentation protocol", list(PROTOCOL_LABELS), format_func=PROTOCOL_LABELS.get, key="aug_t_protocol",
        help="When the augmented copies are made. Per run is the paper's (Sarkar et al. 2020, sections II and "
             "III-B): the training set is augmented once before training, Out-Sign-Grad with the gradient of the "
             "sidebar's model (the paper's threat model: a classifier trained on the clean data). Per batch "
             "(default) makes fresh copies from the model being trained, close to adversarial training.")
    values["margin_reduction"] = c[1].selectbox(
        "NSR / MSE-margin margin", list(MARGIN_LABELS), format_func=MARGIN_LABELS.get, key="aug_nsr_margin",
        help="Ma & Liang 2020: eq. 5/10 sum the hinge over the classes; the experiments (appendix F, eq. 14/16) "
             "used PyTorch's multi_margin_loss, that sum divided by the number of classes K.")
    st.caption("The paper's setting: protocol Per run with β = ε max = 0.33 (Sarkar et al. 2020) and Adam at lr "
               "2e-4, weight decay 1e-3 (the Paper settings button above sets those); for the NSR losses the ÷ K "
               "margin with β1 = 0.2 / β2 = 0.5 (Ma & Liang 2020). The message after training names the setting "
               "the run used (paper, tsviz default or custom).")
    return values


def recipe_setting(recipe: str, hp: dict[str, Any]) -> str:
    """Words for the setting a run uses (for the success message): the recipe's label and, for
    the recipes with a paper setting, whether it is the paper's, tsviz's default or custom."""
    label = au.RECIPES.get(recipe, recipe)
    if recipe == "augmented":
        proto = hp.get("protocol", "per_batch").replace("_", " ")
        which = ("the paper's setting" if hp.get("preset") == "paper" else
                 "tsviz's default protocol" if proto == "per batch" else "custom setting")
        threat = " from the sidebar's model" if hp.get("threat_model") else ""
        return f"{label}, {proto} protocol{threat} ({which})"
    if "margin_reduction" in hp:
        which = ("the paper's setting" if hp.get("preset") == "paper" else
                 "tsviz's default margin" if hp["margin_reduction"] == "sum" else "custom setting")
        return f"{label}, margin {'Σ' if hp['margin_reduction'] == 'sum' else '÷ K'} ({which})"
    return label


def eta_hparams(recipe: str) -> dict[str, Any]:
    """The recipe's hyperparameters as the form holds them now, for the training estimate."""
    ss = st.session_state
    values = {"augmentation": ss.get("aug_t_aug", "out_sign_grad"), "feat_sim": ss.get("aug_fs", 1.0),
              "nsr_beta": ss.get("aug_nsr_beta", 0.5), "at_eps": ss.get("aug_at_eps", 0.1),
              "jacobian": ss.get("aug_jac", 0.01), "beta": ss.get("aug_beta", 0.33), "eps_max": ss.get("aug_eps", 0.33),
              "protocol": ss.get("aug_t_protocol", "per_batch"), "margin_reduction": ss.get("aug_nsr_margin", "sum")}
    try:
        return au.recipe_hparams(recipe, values, "odenet")
    except Exception:  # noqa: BLE001 - an estimate never fails the page
        return {}


# ----------------------------------------------------------------------------- comparison
def _apply_compare(values: dict[str, Any]) -> None:
    ss = st.session_state
    ss["cmp_n"], ss["cmp_bim_steps"], ss["cmp_eps"] = values["n"], values["bim_steps"], values["eps"]


def compare_panel(sel, shown: bool = True) -> None:
    """Models to compare and what the run costs (outside the form: a live estimate follows them,
    measured when the tab is ``shown``), the budgets (one form); the comparison runs on its button
    as a long action."""
    ds, ss, spec = sel.dataset, st.session_state, sel.dataset_spec
    choices = model_choices(ds)
    if not choices:
        st.info("No model fits this dataset yet: train one on the Train tab or the Model page.")
        return
    paths = [c["path"] for c in choices]
    labels = {c["path"]: c["label"] for c in choices}
    shipped = au.compare_defaults(spec, paths)
    default = list(dict.fromkeys(p for p in [*(shipped or [sel.model_path]), *ss.get(state.AUG_TRAINED, [])]
                                 if p in paths))[:state.MAX_COMPARE_MODELS]
    # preselect the shipped comparison (or the sidebar's model) and the models trained here whenever those change
    if ss.get("cmp_models_basis") != (spec, tuple(default)):
        ss["cmp_models_basis"] = (spec, tuple(default))
        ss["cmp_models"] = default
    ss["cmp_models"] = [p for p in ss.get("cmp_models", []) if p in labels]
    if shipped:
        st.caption("Preselected: the shipped Kachuee CNNs trained by `python -m tsviz train --zoo` with the standard "
                   "recipe, Out-Sign-Grad + Feat-Sim (on the shipped ODENet), PGD adversarial training (ε 0.1 mV) and "
                   "NSR loss2, so the comparison only attacks and evaluates.")
    picked = st.multiselect("Models", paths, format_func=lambda p: labels[p], key="cmp_models",
                            max_selections=state.MAX_COMPARE_MODELS)
    c = st.columns(3)
    n = c[0].number_input("Test series", 1, state.MAX_COMPARE_SAMPLES, min(au.COMPARE_DEMO["n"], len(ds.y_test)),
                          key="cmp_n", help="The demo uses 100 series; the paper's settings the whole test split.")
    bim_steps = c[1].number_input("BIM steps", 1, cap("attack_steps"), au.COMPARE_DEMO["bim_steps"],
                                  key="cmp_bim_steps", help="Step size ε/steps (Fawaz et al.: 0.001 for ε = 0.1, i.e. "
                                                            "100 steps; the demo takes 50 steps of 0.002)")
    eps_text = c[2].text_input(f"PGD curve ε ({ds.unit})", au.COMPARE_DEMO["eps"], key="cmp_eps",
                               help=f"PGD with {au.CURVE_STEPS} steps at each ε")
    try:
        eps_values = [float(v) for v in parse_numbers(eps_text, name="PGD curve ε", low=0.0, max_count=12)]
    except Exception:  # noqa: BLE001 - reported when Compare is pressed
        eps_values = []
    paper = dict(au.COMPARE_PAPER, n=min(au.COMPARE_PAPER["n"], len(ds.y_test), state.MAX_COMPARE_SAMPLES))
    with st.container(horizontal=True, vertical_alignment="center"):
        eta = au.compare_eta(picked, int(n), float(ss.get("cmp_bim", 0.1)), int(bim_steps), eps_values, ds,
                             sel.device) if shown else None
        p_eta = au.compare_eta(picked, paper["n"], 0.1, paper["bim_steps"],
                               [float(v) for v in paper["eps"].split(",")], ds, sel.device) if shown else None
        st.caption((eta[1] if eta else "" if not shown or picked else "Choose the models to compare.")
                   + (f" Paper settings: about {format_seconds(p_eta[0])}." if eta and p_eta else ""))
        st.button("Demo settings", key="cmp_demo", on_click=_apply_compare, args=(au.COMPARE_DEMO,),
                  help="100 test series, BIM 50 steps, PGD curve at 4 budgets: about 15 s for the four shipped models "
                       "on 2 cores.")
        st.button("Paper settings", key="cmp_paper", on_click=_apply_compare, args=(paper,),
                  help="Table I of the ODE augmentation paper: the whole test split, BIM with step 0.001 (100 steps) "
                       "at ε 0.1, and a 5-budget PGD curve."
                       + (f" {p_eta[1]}" if p_eta else ""))
    notice_cancelled("cmp_run")
    with st.form("cmp_form", enter_to_submit=False):
        c = st.columns(3)
        fgsm_eps = c[0].number_input(f"FGSM ε ({ds.unit})", 0.0001, 10.0, 0.1, 0.01, key="cmp_fgsm")
        bim_eps = c[1].number_input(f"BIM ε ({ds.unit})", 0.0001, 10.0, 0.1, 0.01, key="cmp_bim")
        seed = c[2].number_input("Seed", 0, 2**31 - 1, 0, key="cmp_seed")
        go = st.form_submit_button("Compare", type="primary", key="cmp_go")
    if go:
        from tsviz.training import TrainingError

        with guard("Comparison failed; previous results kept"), long_action("cmp_run", "Attacking every model…") as bar:
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
    st.caption(f"Accuracy (%) on {req.n} test series, clean (true) and under FGSM (ε {req.fgsm_eps:g}) and BIM "
               f"(ε {req.bim_eps:g}, {req.bim_steps} steps), each model attacked on itself (white-box), as Table I of "
               "the ODE-augmentation paper.")
    show_figure(viz.accuracy_eps_figure(res["curves"], unit=ds.unit), "accuracy-vs-eps", key="cmp_curves")
    show_table(res["curves"], "accuracy-vs-eps", key="cmp_curves_table", hide_index=True)
    if res["latents"]:
        show_figure(viz.latent_pca_grid_figure(res["latents"], res["y"], ds.class_names), "latent-pca", key="cmp_pca")
        st.caption("PCA of each model's penultimate-layer latents on the same test series (Fig. 5 of the paper): "
                   "robust training should separate the classes more cleanly.")
