"""Data page: samples per class, class balance, mean ± std bands, Welch PSD, PCA, dataset card."""
import streamlit as st

st.set_page_config(page_title="tsviz · Data", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import cache, state  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import guard  # noqa: E402
from tsviz.ui.page import lazy_tabs, metric_row, start  # noqa: E402

sel = start("Data")
ds, spec = sel.dataset, sel.dataset_spec
st.caption(f"{ds.name} · {ds.meta.get('source', ds.spec)}")
metric_row([("Train series", f"{ds.X_train.shape[0]:,}"), ("Test series", f"{ds.X_test.shape[0]:,}"),
            ("Classes", ds.n_classes), ("Length", f"{ds.length} steps"),
            ("Sampling rate", f"{ds.fs:g} Hz" if ds.fs else "n/a"), ("Unit", ds.unit)])
with st.expander("Dataset card"):
    if ds.meta.get("description"):
        st.write(ds.meta["description"])
    st.json({**ds.summary(), **{k: v for k, v in ds.meta.items() if isinstance(v, (str, int, float, list, bool))}},
            expanded=False)


def split_and_channel(key: str, default: str = "train") -> tuple[str, int]:
    split = st.radio("Split", ["train", "test"], index=["train", "test"].index(default), horizontal=True,
                     key=f"data_{key}_split")
    channel = st.selectbox("Channel", range(ds.n_channels), key=f"data_{key}_ch") if ds.n_channels > 1 else 0
    return split, channel


# Each tab draws its controls always (they keep their values) and computes only while it is shown.
@st.fragment
def samples_tab(shown: bool) -> None:
    a, b, d = st.columns([1, 2, 1])
    split = a.radio("Split", ["test", "train"], horizontal=True, key="data_samples_split")
    state.follow_options("data_samples_classes", list(ds.class_names), basis=spec)
    classes = b.multiselect("Classes", list(ds.class_names), key="data_samples_classes")
    per_class = d.number_input("Series per class", 1, state.MAX_PER_CLASS, 2, key="data_samples_n",
                               help=f"At most {state.MAX_PER_CLASS}")
    seed = st.number_input("Sample seed", 0, 10**6, 0, key="data_samples_seed",
                           help="Which series are shown; change it to see others.")
    if not shown:
        return
    idx = cache.sample_indices(spec, split, tuple(classes), int(per_class), int(seed))
    if not len(idx):
        st.info("Choose at least one class." if not classes else "No series of the chosen classes in this split.")
        return
    with guard("Could not draw the samples"):
        show_figure(viz.samples_figure(ds, idx, split=split), f"{ds.name}-samples", key="samples")


@st.fragment
def balance_tab(shown: bool) -> None:
    if shown:
        show_figure(viz.class_balance_figure(ds), f"{ds.name}-class-balance", key="balance")
        show_table(cache.class_counts(spec), f"{ds.name}-class-counts", key="counts", hide_index=True)


@st.fragment
def profile_tab(shown: bool) -> None:
    split, channel = split_and_channel("profile")
    if not shown:
        return
    with guard("Could not compute class profiles"):
        profile = cache.get_profile(spec, split)
        show_figure(viz.class_profile_figure(profile, ds, channel=channel), f"{ds.name}-class-mean-std", key="profile")
        with st.expander("Table"):
            show_table(profile.to_frame(), f"{ds.name}-class-mean-std", key="profile-table")


@st.fragment
def spectrum_tab(shown: bool) -> None:
    split, channel = split_and_channel("psd")
    if not shown:
        return
    with guard("Could not compute power spectra"):
        psd = cache.get_psd(spec, split)
        show_figure(viz.psd_figure(psd, ds, channel=channel), f"{ds.name}-psd", key="psd")
        st.caption(f"Welch estimate per series (segments of {psd.nperseg} samples), averaged per class.")
        with st.expander("Table"):
            show_table(psd.to_frame(), f"{ds.name}-psd", key="psd-table")


@st.fragment
def pca_tab(shown: bool) -> None:
    split = st.radio("Split", ["train", "test"], horizontal=True, key="data_pca_split")
    if not shown:
        return
    with guard("Could not compute the PCA"):
        emb = cache.get_series_pca(spec, split)
        show_figure(viz.pca_figure(emb, ds.class_names, unit=ds.unit), f"{ds.name}-pca", key="pca")
        if emb.subsampled:
            st.caption(f"{emb.coords.shape[0]:,} of {emb.n_total:,} series shown (seeded subsample).")
        with st.expander("Table"):
            show_table(emb.to_frame(), f"{ds.name}-pca", key="pca-table")


for tab, draw in zip(lazy_tabs(["Samples", "Class balance", "Mean ± std", "Spectrum", "PCA"], key="data_tab"),
                     (samples_tab, balance_tab, profile_tab, spectrum_tab, pca_tab)):
    with tab:
        draw(tab.open is not False)
cache.prewarm_defaults()
