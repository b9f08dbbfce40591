"""Model page: accuracy, per-class metrics, confusion matrix, latent space, entropy, card, training."""
import streamlit as st

st.set_page_config(page_title="tsviz · Model", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import cache  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.export_panel import json_download  # noqa: E402
from tsviz.ui.page import lazy_tabs, metric_row, start  # noqa: E402
from tsviz.ui.training_panel import notice_cancelled, train_and_save, training_form  # noqa: E402

sel = start("Model", notices=[notice_cancelled])
ds, spec = sel.dataset, sel.dataset_spec


def train_tab(shown: bool = True) -> None:
    st.write(f"Train a new model on **{ds.name}** ({ds.X_train.shape[0]:,} training series); 10 % is held out "
             f"for early stopping. It is saved to your workspace (a name you already use gets a suffix, "
             f"name-2) and selected when done.")
    settings = training_form(ds, key="train", device=sel.device, estimate=shown)
    if settings is not None and train_and_save(ds, settings, device=sel.device) is not None:
        st.rerun()


if sel.model is None:
    st.info("No model fits this dataset yet. Train one below; it will be selected when done.")
    train_tab()
    st.stop()

card = sel.model_card
st.caption(f"{card.get('arch')} · recipe {card.get('recipe', '?')} · trained on {card.get('dataset', '?')} · "
           f"evaluated on the {ds.name} test split")
tabs = lazy_tabs(["Performance", "Latent space", "Confidence", "Card", "Train a model"], key="model_tab")
report = None
if any(t.open is not False for t in tabs[:3]):  # the report is needed by the first three tabs only
    with guard("Could not evaluate the model"):
        report = cache.get_report(sel.model_path, sel.device, spec)


@st.fragment
def performance_tab() -> None:
    metric_row([("Test accuracy", f"{report.accuracy:.1%}"), ("Macro F1", f"{report.macro_f1:.3f}"),
                ("Test series", f"{len(report.y_true):,}"), ("Misclassified", f"{int((~report.correct).sum()):,}")])
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


@st.fragment
def latent_tab(shown: bool) -> None:
    method = st.radio("Projection", ["pca", "tsne"], horizontal=True, key="model_latent_method",
                      format_func={"pca": "PCA", "tsne": "t-SNE (slower)"}.get)
    if not shown or report is None:
        return
    with guard("Could not embed the latents"):
        emb = cache.get_latent_embedding(sel.model_path, sel.device, spec, method)
        show_figure(viz.latent_figure(emb, report.y_true, report.predictions, report.class_names, method=method),
                    f"latents-{method}", key=f"latent-{method}")
        if emb.subsampled:
            st.caption(f"{emb.coords.shape[0]:,} of {emb.n_total:,} test series (seeded subsample).")
        with st.expander("Table"):
            show_table(emb.to_frame(), f"latents-{method}", key=f"latent-table-{method}")


@st.fragment
def confidence_tab() -> None:
    show_figure(viz.entropy_figure(report.entropy, report.correct, report.n_classes), "prediction-entropy",
                key="entropy")
    st.caption("Entropy of the predicted class probabilities: 0 = certain, log K = uniform. "
               "Misclassified series should sit to the right.")


@st.fragment
def card_tab() -> None:
    from tsviz.models.checkpoint import checkpoint_paths

    hist = card.get("history")
    if isinstance(hist, dict) and hist.get("epoch"):
        show_figure(viz.training_curves_figure(hist), "training-curves", key="card-curves")
    st.json({k: v for k, v in card.items() if k != "history"}, expanded=False)
    weights, card_path = checkpoint_paths(card["path"])
    with st.container(horizontal=True):
        if weights.exists():
            st.download_button("Weights (.safetensors)", weights.read_bytes, file_name=weights.name,
                               mime="application/octet-stream", key="dl-weights", on_click="ignore")
        json_download(card, card_path.name, key="dl-card", label="Card (.json)")


with tabs[0]:
    if tabs[0].open is not False and report is not None:
        performance_tab()
with tabs[1]:
    latent_tab(tabs[1].open is not False)
with tabs[2]:
    if tabs[2].open is not False and report is not None:
        confidence_tab()
with tabs[3]:
    if tabs[3].open is not False:
        card_tab()
with tabs[4]:
    train_tab(tabs[4].open is not False)  # the form always (it keeps its values); the estimate when shown
cache.prewarm_defaults()
