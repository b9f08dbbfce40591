"""tsviz home page: what it is, a quick start, the pages, and the current selection."""
import streamlit as st

from tsviz.ui import cache
from tsviz.ui.page import metric_row, start

sel = start("tsviz")
st.markdown(
    "**A workbench for the adversarial robustness of time-series classifiers, ECG first.** "
    "Pick a dataset and a pretrained model in the sidebar, look at the data and at what the model "
    "learned, then probe how it breaks. Every signal stays in its physical units (mV for ECG), so "
    "perturbation budgets are numbers a clinician can read."
)

acc = (sel.model_card or {}).get("metrics", {}).get("test_accuracy")
n_train, n_test = sel.dataset.X_train.shape[0], sel.dataset.X_test.shape[0]
metric_row([("Dataset", sel.dataset.name, f"{n_train:,} train / {n_test:,} test"),
            ("Model", f"{sel.model_card.get('arch')} · {sel.model_card.get('recipe', '')}",
             f"test accuracy {acc:.1%}" if isinstance(acc, float) else None) if sel.model_card
            else ("Model", "none yet", "train one on the Model page"),
            ("Device", sel.device.upper())], delta_color="off")  # facts, not changes: gray, no arrows

st.subheader("Quick start")
st.markdown(
    "1. **Choose data** in the sidebar: the synthetic ECG beats load by default; CBF, control charts, "
    "UCR folders, MIT-BIH records, or your own CSV/NPZ work too.\n"
    "2. **Choose a model**: pretrained checkpoints that fit the data are listed; or train one on the "
    "**Model** page (about ten seconds on a laptop CPU with its defaults).\n"
    "3. **Explore**: the **Data** page shows the classes, their spectra and structure; the **Model** page "
    "shows accuracy, the confusion matrix and the model's latent space; the **Attack** page shows how "
    "little it takes to change the model's mind."
)

st.subheader("Pages")
cards = [
    ("pages/1_Data.py", "Data", ":material/monitoring:",
     "Browse samples per class in signal units, class balance, mean ± std per class, Welch power spectra and "
     "a PCA of the raw series. Every figure downloads as HTML/PNG and every table as CSV."),
    ("pages/2_Model.py", "Model", ":material/neurology:",
     "Test accuracy, per-class precision/recall/F1, confusion matrix, PCA and t-SNE of the latent space with "
     "errors marked, prediction entropy, the model card; train a new model with live curves."),
    ("pages/3_Attack.py", "Attack", ":material/bolt:",
     "FGSM, BIM, PGD, Wasserstein-PGD, SPSA and GenAttack in signal units: clean vs adversarial, spectra, "
     "latent shifts, adversarial confusion, accuracy-vs-budget curves; export the adversarial examples."),
    ("pages/4_Certify.py", "Certify", ":material/verified_user:",
     "Randomized smoothing with Cohen and Renyi bounds, deep ensembles and self-ensembles over fixed masks: "
     "certified accuracy vs radius, per-series radii in signal units, margins, ablations, PGD-L2 success and "
     "a soundness check."),
    ("pages/5_Explain.py", "Explain", ":material/lightbulb:",
     "NeuroMask relevance masks and Captum baselines (saliency, integrated gradients, SmoothGrad, occlusion, "
     "ablation) on clean and adversarial series, scored by deletion/insertion curves; a backdoor-trigger demo."),
    ("pages/6_Augment.py", "Augment", ":material/auto_fix_high:",
     "A shipped ODENet (or fit your own), every ODE-guided and spectral augmentation, training with augmentations, "
     "Feat-Sim, NSR losses or adversarial training, and shipped robust models compared on clean / FGSM / BIM "
     "accuracy, accuracy-vs-eps and latents."),
    ("pages/8_Lessons.py", "Lessons", ":material/school:",
     "Guided walkthroughs for a class: each step sets up another page, names the button to press and explains "
     "the result, with speaker notes."),
]
PER_ROW = 3
cols = [c for start in range(0, len(cards), PER_ROW) for c in st.columns(PER_ROW)]
for col, (path, title, icon, text) in zip(cols, cards):
    with col.container(border=True):
        st.page_link(path, label=f"**{title}**", icon=icon)
        st.write(text)

st.caption("Everything here also runs from the command line (`python -m tsviz --help`) and from Python "
           "(`import tsviz`).")
cache.prewarm_defaults()  # the Data and Model pages' first visit, computed while this page is read
