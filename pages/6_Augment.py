"""Augment page: ODENet, ODE-guided and spectral augmentations, robust training recipes, comparison."""
import re
import time
from pathlib import Path

import numpy as np
import streamlit as st

st.set_page_config(page_title="tsviz · Augment", page_icon=":material/auto_fix_high:", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import state, workspace  # noqa: E402
from tsviz.ui.cache import get_model, model_choices  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import flash, show_error, show_flashes  # noqa: E402
from tsviz.ui.progress import ProgressBar  # noqa: E402
from tsviz.ui.sidebar import render_sidebar  # noqa: E402

sel = render_sidebar()
ds = sel.dataset
ss = st.session_state
if ss.get(state.AUG_TRAINING):
    run = ss.pop(state.AUG_TRAINING)
    st.warning(f"Training of {run['name']} was cancelled after {time.time() - run['started']:.0f} s; nothing was saved.")
show_flashes()
st.title("Augment")
st.caption("Make a model more robust and measure by how much: ODE-guided augmentations (In-Clamp-Grad, In-Sign-Grad, "
           "Out-Sign-Grad, Rand-Grad) and Spec-Den from the ODE-augmentation paper, the NSR losses, Jacobian "
           "regularisation, PGD and Wasserstein-PGD adversarial training — compared on the same series and attacks.")

AUG_LABELS = {"in_clamp_grad": "In-Clamp-Grad", "in_sign_grad": "In-Sign-Grad", "out_sign_grad": "Out-Sign-Grad",
              "rand_grad": "Rand-Grad", "spec_den": "Spec-Den"}
RECIPES = {"augmented": "Augmentation (+ Feat-Sim)", "standard": "Cross-entropy (reference)", "mse": "MSE",
           "mse_margin": "MSE + margin", "nsr_loss1": "NSR loss1", "nsr_loss2": "NSR loss2",
           "jacobian": "Jacobian regularisation", "pgd_at": "PGD adversarial training",
           "wpgd_at": "Wasserstein-PGD adversarial training"}
ODE_GRADIENT = ("in_clamp_grad", "in_sign_grad", "out_sign_grad", "rand_grad")


def saved_odenets() -> list:
    folder = state.user_odenet_dir()
    return sorted(p.with_suffix("") for p in folder.glob(f"{workspace.safe_name(ds.name)}*.json") if p.is_file())


def current_odenet():
    """(path, ODENet) of the ODENet chosen for this dataset, or (None, None)."""
    from tsviz.augment import load_odenet

    info = ss.get(state.AUG_ODENET)
    if not info or info.get("spec") != sel.dataset_spec:
        return None, None
    return info["path"], load_odenet(info["path"], device=sel.device)


tabs = st.tabs(["ODENet", "Augmented examples", "Train", "Compare"])

# ====================================================================== ODENet
with tabs[0]:
    st.write("The ODENet f(z, t) learns the dynamics dz/dt of the series (eq. 1-3): two hidden layers of 25 units "
             "with batch norm and ELU, fitted by integrating from each sample to the next (eq. 2) with Adam "
             "(lr 3e-4, weight decay 1e-3). The gradient-guided augmentations follow its dz/dt.")
    c = st.columns([1, 1, 1, 2])
    epochs = c[0].number_input("Epochs", 0, state.MAX_ODE_EPOCHS, 0, key="ode_epochs",
                               help="Passes over the (series, step) pairs, at most "
                                    f"{state.MAX_ODE_EPOCHS}; 0 = automatic (about 3,000 optimiser steps)")
    seed = c[1].number_input("Seed", 0, 2**31 - 1, 0, key="ode_seed")
    fit_go = c[2].button("Fit ODENet", type="primary", key="ode_fit")
    saved = saved_odenets()
    if saved:
        pick = c[3].selectbox("Or use a saved one", [None, *saved], key="ode_pick",
                              format_func=lambda p: "—" if p is None else p.name)
        if pick is not None and (ss.get(state.AUG_ODENET) or {}).get("path") != str(pick):
            ss[state.AUG_ODENET] = {"spec": sel.dataset_spec, "path": str(pick), "summary": None, "history": None}
    if fit_go:
        from tsviz.augment import fit_odenet, save_odenet

        try:
            bar = ProgressBar("Fitting the ODENet…")
            res = fit_odenet(ds.X_train, epochs=int(epochs) or None, seed=int(seed), device=sel.device,
                             progress=bar)
            bar.empty()
            name = f"{workspace.safe_name(ds.name)}-odenet-e{len(res.history)}-s{int(seed)}"
            with workspace.checkpoint_slot(state.user_odenet_dir(), name) as slot:  # a taken name -> name-2
                save_odenet(res.odenet.to("cpu"), slot.staging,
                            {"dataset": sel.dataset_spec, "dataset_name": ds.name, **res.summary()})
            ss[state.AUG_ODENET] = {"spec": sel.dataset_spec, "path": str(slot.final), "summary": res.summary(),
                                    "history": res.history}
            st.success(f"Fitted in {res.seconds:.1f} s and saved as {slot.name}"
                       + (f" ({name} already exists)." if slot.renamed else "."))
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "The ODENet could not be fitted; the previous one is kept")
    info = ss.get(state.AUG_ODENET)
    if info and info.get("spec") == sel.dataset_spec:
        import pandas as pd

        from tsviz.augment import derivative

        try:
            _, odenet = current_odenet()
            st.caption(f"ODENet in use: `{Path(info['path']).name}` (in your workspace)")
            if info.get("history") is not None:
                hist = pd.DataFrame({"step": np.arange(1, len(info["history"]) + 1), "total": info["history"]})
                show_figure(viz.loss_history_figure(hist, log_y=True, title="One-step loss / 'no change' loss"),
                            "odenet-loss", key="ode_loss")
            i = st.number_input("Test series", 0, len(ds.y_test) - 1, 0, key="ode_series")
            x = ds.X_test[int(i)]
            learned = derivative(odenet, x[None])[0].cpu().numpy()
            fd = np.gradient(x, axis=-1)
            show_figure(viz.derivative_figure(x, learned, fd, fs=None, unit=ds.unit,
                                              title=f"Series #{int(i)} · {ds.class_names[ds.y_test[int(i)]]}"),
                        f"odenet-derivative-{int(i)}", key="ode_deriv")
            st.caption("dz/dt per sampling step: the ODENet's (eq. 3) against the central finite difference.")
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "The ODENet could not be used", reading=True)
    else:
        st.info("Fit an ODENet (about 10-60 s on a laptop CPU for the built-in datasets) or pick a saved one.")

# ====================================================================== augmented examples
with tabs[1]:
    st.write("Every augmentation applied to the same series (Fig. 3 of the paper).")
    c = st.columns(5)
    i_aug = c[0].number_input("Training series", 0, len(ds.y_train) - 1, 0, key="aug_series")
    beta = c[1].number_input(f"β ({ds.unit})", 0.001, 10.0, 0.33, 0.01, key="aug_beta",
                             help="Clamp of dz/dt (eq. 5); the paper: 0.33 for series with a range of ~6")
    eps_max = c[2].number_input(f"ε max ({ds.unit})", 0.0, 10.0, 0.33, 0.01, key="aug_eps",
                                help="In-Sign-Grad draws ε ~ U[0, ε max] (eq. 7)")
    aug_seed = c[3].number_input("Seed", 0, 2**31 - 1, 0, key="aug_seed")

    def aug_settings(name: str) -> dict:
        """β and ε max of this tab, for the augmentations that take them."""
        from tsviz.augment import AUGMENTATION_PARAMS

        return {k: v for k, v in {"beta": float(beta), "eps_max": float(eps_max)}.items()
                if k in AUGMENTATION_PARAMS[name]}

    try:
        import torch

        from tsviz.augment import augment

        path, odenet = current_odenet()
        x = np.array(ds.X_train[int(i_aug)][None])
        y = np.array(ds.y_train[int(i_aug):int(i_aug) + 1])
        out = {}
        for name in AUG_LABELS:
            if name in ODE_GRADIENT and odenet is None:
                continue
            if name == "out_sign_grad" and sel.model is None:
                continue
            params = aug_settings(name)
            xa = augment(name, torch.as_tensor(x), torch.as_tensor(y),
                         model=get_model(sel.model_path, "cpu") if name == "out_sign_grad" else None,
                         derivative=odenet if name in ODE_GRADIENT else None,
                         generator=torch.Generator().manual_seed(int(aug_seed)), **params)
            out[AUG_LABELS[name]] = xa[0].detach().cpu().numpy()
        if odenet is None:
            st.info("Only Spec-Den needs no ODENet: fit one on the ODENet tab to see the gradient-guided methods.")
        show_figure(viz.augmented_examples_figure(x[0], out, fs=ds.fs, unit=ds.unit,
                                                  class_name=ds.class_names[y[0]]),
                    f"augmented-examples-{int(i_aug)}", key="aug_examples")
        import pandas as pd

        frame = pd.DataFrame({"t": np.arange(ds.length), "original": x[0, 0],
                              **{k: v[0] for k, v in out.items()}})
        show_table(frame, f"augmented-series-{int(i_aug)}", key="aug_table", hide_index=True, height=200)
        st.caption("Out-Sign-Grad uses the model selected in the sidebar (its loss gradient gives the direction, "
                   "eq. 9). Channel 0 in the table.")
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Augmentation failed")

# ====================================================================== train
with tabs[2]:
    from tsviz.models.build import ARCHITECTURES

    with st.form("aug_train_form"):
        c = st.columns(3)
        recipe = c[0].selectbox("Recipe", list(RECIPES), format_func=RECIPES.get, key="aug_recipe")
        archs = sorted(ARCHITECTURES)
        default_arch = (sel.model_card or {}).get("arch", "resnet")
        arch = c[1].selectbox("Architecture", archs, index=archs.index(default_arch) if default_arch in archs else 0,
                              key="aug_arch")
        name = c[2].text_input("Name", f"{ds.name}-robust", max_chars=60, key="aug_name")
        c = st.columns(5)
        t_epochs = c[0].number_input("Epochs", 1, state.MAX_TRAIN_EPOCHS, 30, key="aug_t_epochs")
        lr = c[1].number_input("Learning rate", 1e-5, 1.0, 2e-4, format="%.5f", key="aug_lr",
                               help="The ODE paper: Adam 2e-4 with weight decay 1e-3")
        wd = c[2].number_input("Weight decay", 0.0, 1.0, 1e-3, format="%.4f", key="aug_wd")
        batch = c[3].number_input("Batch size", 2, 1024, 16, key="aug_batch")
        t_seed = c[4].number_input("Seed", 0, 2**31 - 1, 0, key="aug_t_seed")
        st.markdown("**Recipe settings** (only those of the chosen recipe are used; the augmentations take β and "
                    "ε max from the Augmented examples tab)")
        c = st.columns(5)
        aug_name = c[0].selectbox("Augmentation", list(AUG_LABELS), format_func=AUG_LABELS.get, index=2,
                                  key="aug_t_aug")
        feat_sim = c[1].number_input("Feat-Sim weight", 0.0, 100.0, 1.0, 0.1, key="aug_fs",
                                     help="0 = no Feat-Sim regulariser (eq. 15)")
        nsr_beta = c[2].number_input("NSR β", 0.0, 100.0, 0.5, 0.1, key="aug_nsr_beta",
                                     help="β1 = 0.2 for loss1, β2 = 0.5 for loss2 in the NSR paper")
        at_eps = c[3].number_input(f"AT ε ({ds.unit})", 0.0001, 10.0, 0.1, 0.01, key="aug_at_eps",
                                   help="PGD/WPGD budget of adversarial training")
        jac = c[4].number_input("Jacobian λ", 0.0, 100.0, 0.01, format="%.4f", key="aug_jac")
        go = st.form_submit_button("Train", type="primary")
    if go:
        clean = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
        try:
            if not clean:
                raise ValueError("Name: use letters, digits, '.', '_' or '-'")
            hp = {}
            if recipe == "augmented":
                path, _ = current_odenet()
                if aug_name in ODE_GRADIENT and path is None:
                    raise ValueError(f"{AUG_LABELS[aug_name]} needs an ODENet: fit one on the ODENet tab first")
                hp = {"augmentation": aug_name, "feat_sim": float(feat_sim)}
                if aug_name in ODE_GRADIENT:
                    hp["odenet"] = path
                hp.update(aug_settings(aug_name))
            elif recipe in ("nsr_loss1", "nsr_loss2"):
                hp = {"beta": float(nsr_beta)}
            elif recipe in ("pgd_at", "wpgd_at"):
                hp = {"eps": float(at_eps)}
            elif recipe == "jacobian":
                hp = {"lam": float(jac)}
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Training not started")
        else:
            from tsviz.models import build, save
            from tsviz.training import fit

            ss[state.AUG_TRAINING] = {"name": clean, "started": time.time()}
            st.button("Cancel training", key="aug_cancel", help="Stops after the current batch; nothing is saved.")
            bar = ProgressBar(f"Training {arch} with {RECIPES[recipe]}…")
            chart = st.empty()
            rows: dict = {}

            def on_epoch(row):
                for k, v in row.items():
                    rows.setdefault(k, []).append(v)
                chart.plotly_chart(viz.training_curves_figure(rows), key=f"aug-live-{len(rows['epoch'])}")

            try:
                model = build(arch, ds.n_channels, ds.n_classes, ds.length, seed=int(t_seed))
                result = fit(model, ds, recipe=recipe, epochs=int(t_epochs), lr=float(lr), weight_decay=float(wd),
                             batch_size=int(batch), seed=int(t_seed), progress=bar, on_epoch=on_epoch,
                             device=sel.device, **hp)
                with workspace.checkpoint_slot(state.user_model_dir(), clean) as slot:  # taken -> name-2
                    save(model.to("cpu"), slot.staging,
                         {"name": slot.name, "history": {k: v.tolist() for k, v in result.history.items()}})
                stem = slot.final
            except Exception as exc:  # noqa: BLE001
                ss.pop(state.AUG_TRAINING, None)
                show_error(exc, "Training failed")
            else:
                ss.pop(state.AUG_TRAINING, None)
                ss.setdefault(state.AUG_TRAINED, []).append(str(stem))
                if slot.renamed:
                    flash("info", f"You already have a model named {clean}; this one is saved as **{slot.name}**.")
                flash("success", f"Trained **{slot.name}** ({RECIPES[recipe]}): test accuracy "
                                 f"{result.metrics['test_accuracy']:.1%} in {result.metrics['train_seconds']:.0f} s. "
                                 "It is in the sidebar's model list and preselected on the Compare tab.")
                st.rerun()

# ====================================================================== compare
with tabs[3]:
    choices = model_choices(ds)
    if not choices:
        st.info("No model fits this dataset yet: train one on the Train tab or the Model page.")
    else:
        paths = [c["path"] for c in choices]
        labels = {c["path"]: c["label"] for c in choices}
        default = [p for p in [sel.model_path, *ss.get(state.AUG_TRAINED, [])] if p in paths]
        with st.container(border=True):
            default = list(dict.fromkeys(default))[:state.MAX_COMPARE_MODELS]
            # preselect the sidebar's model and the models trained here whenever those change
            if ss.get("cmp_models_basis") != (sel.dataset_spec, tuple(default)):
                ss["cmp_models_basis"] = (sel.dataset_spec, tuple(default))
                ss["cmp_models"] = default
            ss["cmp_models"] = [p for p in ss.get("cmp_models", []) if p in labels]
            picked = st.multiselect("Models", paths, format_func=lambda p: labels[p], key="cmp_models",
                                    max_selections=state.MAX_COMPARE_MODELS)
            c = st.columns(6)
            n_series = c[0].number_input("Test series", 1, state.MAX_COMPARE_SAMPLES,
                                         min(200, len(ds.y_test)), key="cmp_n")
            fgsm_eps = c[1].number_input(f"FGSM ε ({ds.unit})", 0.0001, 10.0, 0.1, 0.01, key="cmp_fgsm")
            bim_eps = c[2].number_input(f"BIM ε ({ds.unit})", 0.0001, 10.0, 0.1, 0.01, key="cmp_bim")
            bim_steps = c[3].number_input("BIM steps", 1, 1000, 100, key="cmp_bim_steps",
                                          help="Step size ε/steps·1 (Fawaz et al.: 0.001 for ε = 0.1)")
            eps_text = c[4].text_input(f"PGD curve ε ({ds.unit})", "0, 0.02, 0.05, 0.1, 0.2", key="cmp_eps")
            cmp_seed = c[5].number_input("Seed", 0, 2**31 - 1, 0, key="cmp_seed")
            cmp_go = st.button("Compare", type="primary", key="cmp_go")
        if cmp_go:
            from tsviz.data.selection import select_samples
            from tsviz.models.evaluation import embed_latents, evaluate_model
            from tsviz.training.robustness import accuracy_vs_eps, robustness_table

            try:
                if not picked:
                    raise ValueError("choose at least one model")
                eps_values = [float(v) for v in eps_text.replace(";", ",").split(",") if v.strip()]
                if not eps_values or len(eps_values) > 12:
                    raise ValueError("PGD curve ε: give 1 to 12 comma-separated values")
                idx = select_samples(ds.y_test, mode="random", n=min(int(n_series), len(ds.y_test)),
                                     seed=int(cmp_seed))
                X, y = ds.X_test[idx], ds.y_test[idx]
                models = {}
                for p in picked:
                    label = labels[p].split(" · acc")[0]
                    models[label if label not in models else f"{label} ({len(models)})"] = get_model(p, sel.device)
                bar = ProgressBar("Attacking every model…")
                table = robustness_table(models, X, y, attacks={
                    "fgsm": {"eps": float(fgsm_eps)},
                    "bim": {"eps": float(bim_eps), "alpha": float(bim_eps) / int(bim_steps),
                            "steps": int(bim_steps)}}, seed=int(cmp_seed), progress=bar)
                curves = accuracy_vs_eps(models, X, y, eps_values, attack="pgd", params={"steps": 20},
                                         seed=int(cmp_seed),
                                         progress=lambda f, m: bar(f, f"PGD curve: {m}"))
                latents = {}
                for label, model in models.items():
                    rep = evaluate_model(model, X, y, class_names=ds.class_names)
                    if rep.latents is not None:
                        latents[label] = embed_latents(rep.latents, "pca", seed=int(cmp_seed)).coords
                bar.empty()
                ss[state.AUG_COMPARE] = {"spec": sel.dataset_spec, "table": table, "curves": curves,
                                         "latents": latents, "y": y, "indices": idx}
            except Exception as exc:  # noqa: BLE001
                show_error(exc, "Comparison failed; previous results kept")
        res = ss.get(state.AUG_COMPARE)
        if res and res["spec"] == sel.dataset_spec:
            show_figure(viz.robustness_table_figure(res["table"]), "robustness-table", key="cmp_bars")
            show_table(res["table"], "robustness-table", key="cmp_table", hide_index=True)
            st.caption("Accuracy (%) on clean test series (true) and under FGSM and BIM, each model attacked on "
                       "itself (white-box), as Table I of the ODE-augmentation paper.")
            show_figure(viz.accuracy_eps_figure(res["curves"], unit=ds.unit), "accuracy-vs-eps", key="cmp_curves")
            show_table(res["curves"], "accuracy-vs-eps", key="cmp_curves_table", hide_index=True)
            if res["latents"]:
                show_figure(viz.latent_pca_grid_figure(res["latents"], res["y"], ds.class_names),
                            "latent-pca", key="cmp_pca")
                st.caption("PCA of each model's penultimate-layer latents on the same test series (Fig. 5 of the "
                           "paper): robust training should separate the classes more cleanly.")
