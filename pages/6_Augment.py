"""Augment page: ODENet, ODE-guided and spectral augmentations, robust training recipes, comparison."""
import streamlit as st

st.set_page_config(page_title="tsviz · Augment", layout="wide")

from tsviz.ui import augment_panels as panels  # noqa: E402
from tsviz.ui import augment_run as au  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.page import lazy_tabs, start  # noqa: E402
from tsviz.ui.training_panel import notice_cancelled, train_and_save, training_form  # noqa: E402

sel = start("Augment", "Make a model more robust and measure by how much: ODE-guided augmentations (In-Clamp-Grad, "
                       "In-Sign-Grad, Out-Sign-Grad, Rand-Grad) and Spec-Den from the ODE-augmentation paper, the NSR "
                       "losses, Jacobian regularisation, PGD and Wasserstein-PGD adversarial training — compared on "
                       "the same series and attacks.", notices=[lambda: notice_cancelled(state.AUG_TRAINING)])
ds, ss, spec = sel.dataset, st.session_state, sel.dataset_spec
tabs = lazy_tabs(["ODENet", "Augmented examples", "Train", "Compare"], key="aug_tab")
shown = [t.open is not False for t in tabs]  # every tab draws its controls; estimates and figures when shown

with tabs[0]:
    info = panels.odenet_tab(sel, shown[0])

with tabs[1]:
    st.write("Every augmentation applied to the same series (Fig. 3 of the paper).")
    panels.examples_panel(sel, info, shown[1])

with tabs[2]:
    settings = training_form(ds, key="aug_t", default_arch="kachuee", epochs=3, lr=1e-3, weight_decay=1e-3,
                             batch_size=64, name=f"{ds.name}-robust", recipes=au.RECIPES,
                             extra=lambda: panels.recipe_fields(ds), presets=panels.AUG_PRESETS, device=sel.device,
                             eta_hp=panels.eta_hparams, estimate=shown[2])
    if settings is not None:
        with guard("Training not started"):
            hp = au.recipe_hparams(settings.recipe, settings.extra, info["path"] if info else None, sel.model_path)
            slot = train_and_save(ds, settings, device=sel.device, hp=hp, marker=state.AUG_TRAINING, select=False,
                                  what=panels.recipe_setting(settings.recipe, hp),
                                  note="It is in the sidebar's model list and preselected on the Compare tab.")
            if slot is not None:
                ss.setdefault(state.AUG_TRAINED, []).append(str(slot.final))
                st.rerun()

with tabs[3]:
    panels.compare_panel(sel, shown[3])
