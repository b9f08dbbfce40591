"""Augment page: ODENet, ODE-guided and spectral augmentations, robust training recipes, comparison."""
from pathlib import Path

import streamlit as st

st.set_page_config(page_title="tsviz · Augment", page_icon=":material/auto_fix_high:", layout="wide")

from tsviz.ui import augment_panels as panels  # noqa: E402
from tsviz.ui import augment_run as au  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.caps import cap  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.page import start  # noqa: E402
from tsviz.ui.progress import progress_bar  # noqa: E402
from tsviz.ui.training_panel import notice_cancelled, train_and_save, training_form  # noqa: E402

sel = start("Augment", "Make a model more robust and measure by how much: ODE-guided augmentations (In-Clamp-Grad, "
                       "In-Sign-Grad, Out-Sign-Grad, Rand-Grad) and Spec-Den from the ODE-augmentation paper, the NSR "
                       "losses, Jacobian regularisation, PGD and Wasserstein-PGD adversarial training — compared on "
                       "the same series and attacks.", notices=[lambda: notice_cancelled(state.AUG_TRAINING)])
ds, ss, spec = sel.dataset, st.session_state, sel.dataset_spec
tabs = st.tabs(["ODENet", "Augmented examples", "Train", "Compare"])

with tabs[0]:
    st.write("The ODENet f(z, t) learns the dynamics dz/dt of the series (eq. 1-3): two hidden layers of 25 units "
             "with batch norm and ELU, fitted by integrating from each sample to the next (eq. 2) with Adam "
             "(lr 3e-4, weight decay 1e-3). The gradient-guided augmentations follow its dz/dt.")
    c = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
    max_epochs = cap("odenet_epochs")
    epochs = c[0].number_input("Epochs", 0, max_epochs, 0, key="ode_epochs",
                               help=f"Passes over the (series, step) pairs, at most {max_epochs}; 0 = automatic "
                                    "(about 3,000 optimiser steps)")
    seed = c[1].number_input("Seed", 0, 2**31 - 1, 0, key="ode_seed")
    fit_go = c[2].button("Fit ODENet", type="primary", key="ode_fit")
    saved = au.saved_odenets(ds)
    if saved:
        pick = c[3].selectbox("Or use a saved one", [None, *saved], key="ode_pick",
                              format_func=lambda p: "—" if p is None else p.name)
        if pick is not None and (au.current_odenet(spec) or {}).get("path") != str(pick):
            ss[state.AUG_ODENET] = {"spec": spec, "path": str(pick), "summary": None, "history": None}
    if fit_go:
        with guard("The ODENet could not be fitted; the previous one is kept"), progress_bar("Fitting…") as bar:
            fit, slot, name = au.fit_and_save_odenet(ds, spec, epochs=epochs, seed=seed, device=sel.device,
                                                     progress=bar)
            st.success(f"Fitted in {fit.seconds:.1f} s and saved as {slot.name}"
                       + (f" ({name} already exists)." if slot.renamed else "."))
    info = au.current_odenet(spec)
    if info is None:
        st.info("Fit an ODENet (about 10-60 s on a laptop CPU for the built-in datasets) or pick a saved one.")
    else:
        st.caption(f"ODENet in use: `{Path(info['path']).name}` (in your workspace)")
        panels.odenet_panel(info, ds, spec)

with tabs[1]:
    st.write("Every augmentation applied to the same series (Fig. 3 of the paper).")
    panels.examples_panel(sel, au.current_odenet(spec))

with tabs[2]:
    settings = training_form(ds, key="aug_t", default_arch=(sel.model_card or {}).get("arch", "resnet"), epochs=30,
                             lr=2e-4, weight_decay=1e-3, batch_size=16, name=f"{ds.name}-robust",
                             recipes=au.RECIPES, extra=lambda: panels.recipe_fields(ds))
    if settings is not None:
        with guard("Training not started"):
            info = au.current_odenet(spec)
            hp = au.recipe_hparams(settings.recipe, settings.extra, info["path"] if info else None)
            slot = train_and_save(ds, settings, device=sel.device, hp=hp, marker=state.AUG_TRAINING, select=False,
                                  what=au.RECIPES[settings.recipe],
                                  note="It is in the sidebar's model list and preselected on the Compare tab.")
            if slot is not None:
                ss.setdefault(state.AUG_TRAINED, []).append(str(slot.final))
                st.rerun()

with tabs[3]:
    panels.compare_panel(sel)
