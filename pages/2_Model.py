"""Model page: accuracy, per-class metrics, confusion matrix, latent space, entropy, card, training."""
import json
import re
import time

import streamlit as st

st.set_page_config(page_title="tsviz · Model", page_icon=":material/neurology:", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import cache, state, workspace  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import flash, show_error, show_flashes  # noqa: E402
from tsviz.ui.progress import ProgressBar  # noqa: E402
from tsviz.ui.sidebar import render_sidebar  # noqa: E402

sel = render_sidebar()
ds, spec = sel.dataset, sel.dataset_spec
if st.session_state.get(state.TRAINING):
    run = st.session_state.pop(state.TRAINING)
    st.warning(f"Training of {run['name']} was cancelled after {time.time() - run['started']:.0f} s; nothing was saved.")
show_flashes()

st.title("Model")


def performance(report, card):
    c = st.columns(4)
    c[0].metric("Test accuracy", f"{report.accuracy:.1%}")
    c[1].metric("Macro F1", f"{report.macro_f1:.3f}")
    c[2].metric("Test series", f"{len(report.y_true):,}")
    c[3].metric("Misclassified", f"{int((~report.correct).sum()):,}")
    left, right = st.columns(2)
    with left:
        show_figure(viz.per_class_metrics_figure(report), "per-class-metrics", key="perclass")
    with right:
        norm = st.toggle("Row-normalised", value=True, key="model_cm_norm")
        show_figure(viz.confusion_matrix_figure(report.confusion, report.class_names, normalize=norm),
                    "confusion-matrix", key="cm")
    show_table(report.per_class_frame(), "per-class-metrics", key="perclass-table", hide_index=True)
    with st.expander("Per-series predictions"):
        show_table(report.predictions_frame(), "predictions", key="pred-table", hide_index=True)


def latents(report):
    method = st.radio("Projection", ["pca", "tsne"], horizontal=True, key="model_latent_method",
                      format_func={"pca": "PCA", "tsne": "t-SNE (slower)"}.get)
    emb = cache.get_latent_embedding(sel.model_path, sel.device, spec, method)
    show_figure(viz.latent_figure(emb, report.y_true, report.predictions, report.class_names, method=method),
                f"latents-{method}", key=f"latent-{method}")
    if emb.subsampled:
        st.caption(f"{emb.coords.shape[0]:,} of {emb.n_total:,} test series (seeded subsample).")
    with st.expander("Table"):
        show_table(emb.to_frame(), f"latents-{method}", key=f"latent-table-{method}")


def card_tab(card):
    from tsviz.models.checkpoint import checkpoint_paths

    hist = card.get("history")
    if isinstance(hist, dict) and hist.get("epoch"):
        show_figure(viz.training_curves_figure(hist), "training-curves", key="card-curves")
    st.json({k: v for k, v in card.items() if k != "history"}, expanded=False)
    weights, card_path = checkpoint_paths(card["path"])
    c = st.columns(3)
    if weights.exists():
        c[0].download_button("Weights (.safetensors)", weights.read_bytes(), file_name=weights.name,
                             mime="application/octet-stream", key="dl-weights", on_click="ignore")
    c[1].download_button("Card (.json)", json.dumps(card, indent=2, default=str), file_name=card_path.name,
                         mime="application/json", key="dl-card", on_click="ignore")


def train_tab():
    from tsviz.models import ARCHITECTURES
    from tsviz.models.networks import backbone_class

    st.write(f"Train a new model on **{ds.name}** ({ds.X_train.shape[0]:,} training series); 10 % is held out "
             f"for early stopping. It is saved to your workspace (a name you already use gets a suffix, "
             f"name-2) and selected when done.")
    archs = [a for a in ARCHITECTURES
             if getattr(backbone_class(a), "min_length", lambda **_: 1)() <= ds.length]
    with st.form("train_form"):
        a, b, c = st.columns(3)
        arch = a.selectbox("Architecture", archs, index=archs.index("fcn") if "fcn" in archs else 0,
                           format_func=lambda k: f"{k} — {ARCHITECTURES[k]}", key="train_arch")
        epochs = b.number_input("Epochs", 1, state.MAX_TRAIN_EPOCHS, 5, help=f"At most {state.MAX_TRAIN_EPOCHS}",
                                key="train_epochs")
        lr = c.number_input("Learning rate", 1e-5, 1e-1, 1e-3, format="%.5f", key="train_lr")
        d, e, f = st.columns(3)
        batch = d.selectbox("Batch size", [16, 32, 64, 128, 256], index=2, key="train_batch")
        seed = e.number_input("Seed", 0, 2**31 - 1, 0, key="train_seed")
        name = f.text_input("Name", value=f"{ds.name}-model", max_chars=60, key="train_name")
        go = st.form_submit_button("Train", type="primary", key="train_go")
    if not go:
        return
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    if not clean:
        st.error("Name: use letters, digits, '.', '_' or '-'.")
        return
    from tsviz.models import build, save
    from tsviz.training import fit

    st.session_state[state.TRAINING] = {"name": clean, "started": time.time()}
    st.button("Cancel training", key="cancel_training", help="Stops after the current batch; nothing is saved.")
    bar = ProgressBar(f"Training {arch} for up to {epochs} epochs…")
    chart = st.empty()
    rows: dict[str, list] = {}

    def on_epoch(row):
        for k, v in row.items():
            rows.setdefault(k, []).append(v)
        chart.plotly_chart(viz.training_curves_figure(rows), key=f"live-{len(rows['epoch'])}")

    try:
        model = build(arch, ds.n_channels, ds.n_classes, ds.length, seed=int(seed))
        result = fit(model, ds, epochs=int(epochs), lr=float(lr), batch_size=int(batch), seed=int(seed),
                     progress=bar, on_epoch=on_epoch, device=sel.device)
        with workspace.checkpoint_slot(state.user_model_dir(), clean) as slot:  # a taken name -> name-2
            save(model.to("cpu"), slot.staging,
                 {"name": slot.name, "history": {k: v.tolist() for k, v in result.history.items()}})
    except Exception as exc:  # noqa: BLE001
        st.session_state.pop(state.TRAINING, None)
        show_error(exc, "Training failed")
        return
    st.session_state.pop(state.TRAINING, None)
    st.session_state[state.MODEL_PATH] = str(slot.final)
    if slot.renamed:
        flash("info", f"You already have a model named {clean}; this one is saved as **{slot.name}**.")
    flash("success", f"Trained and selected **{slot.name}**: test accuracy {result.metrics['test_accuracy']:.1%} "
                     f"after {len(result.history['epoch'])} epochs ({result.metrics['train_seconds']:.0f} s).")
    st.rerun()


names = ["Performance", "Latent space", "Confidence", "Card", "Train a model"]
if sel.model is None:
    st.info("No model fits this dataset yet. Train one below; it will be selected when done.")
    train_tab()
else:
    st.caption(f"{sel.model_card.get('arch')} · recipe {sel.model_card.get('recipe', '?')} · "
               f"trained on {sel.model_card.get('dataset', '?')} · evaluated on the {ds.name} test split")
    try:
        report = cache.get_report(sel.model_path, sel.device, spec)
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Could not evaluate the model")
        report = None
    tabs = st.tabs(names)
    if report is not None:
        with tabs[0]:
            performance(report, sel.model_card)
        with tabs[1]:
            try:
                latents(report)
            except Exception as exc:  # noqa: BLE001
                show_error(exc, "Could not embed the latents")
        with tabs[2]:
            show_figure(viz.entropy_figure(report.entropy, report.correct, report.n_classes), "prediction-entropy",
                        key="entropy")
            st.caption("Entropy of the predicted class probabilities: 0 = certain, log K = uniform. "
                       "Misclassified series should sit to the right.")
    with tabs[3]:
        card_tab(sel.model_card)
    with tabs[4]:
        train_tab()
