"""Data page: samples per class, class balance, mean ± std bands, Welch PSD, PCA, dataset card."""
import numpy as np
import streamlit as st

st.set_page_config(page_title="tsviz · Data", page_icon=":material/monitoring:", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import cache  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import show_error, show_flashes  # noqa: E402
from tsviz.ui.sidebar import render_sidebar  # noqa: E402

MAX_PER_CLASS = 20

sel = render_sidebar()
show_flashes()
ds, spec = sel.dataset, sel.dataset_spec

st.title("Data")
st.caption(f"{ds.name} · {ds.meta.get('source', ds.spec)}")

# ------------------------------------------------------------------ dataset card
c = st.columns(6)
c[0].metric("Train series", f"{ds.X_train.shape[0]:,}")
c[1].metric("Test series", f"{ds.X_test.shape[0]:,}")
c[2].metric("Classes", ds.n_classes)
c[3].metric("Length", f"{ds.length} steps")
c[4].metric("Sampling rate", f"{ds.fs:g} Hz" if ds.fs else "n/a")
c[5].metric("Unit", ds.unit)
with st.expander("Dataset card"):
    if ds.meta.get("description"):
        st.write(ds.meta["description"])
    card = {**ds.summary(), **{k: v for k, v in ds.meta.items() if isinstance(v, (str, int, float, list, bool))}}
    st.json(card, expanded=False)

tabs = st.tabs(["Samples", "Class balance", "Mean ± std", "Spectrum", "PCA"])

with tabs[0]:
    a, b, d = st.columns([1, 2, 1])
    split = a.radio("Split", ["test", "train"], horizontal=True, key="data_samples_split")
    classes = b.multiselect("Classes", list(ds.class_names), default=list(ds.class_names), key="data_samples_classes")
    per_class = d.number_input("Series per class", 1, MAX_PER_CLASS, 2, key="data_samples_n",
                               help=f"At most {MAX_PER_CLASS}")
    seed = st.number_input("Sample seed", 0, 10**6, 0, key="data_samples_seed",
                           help="Which series are shown; change it to see others.")
    _, y = ds.split(split)
    rng = np.random.default_rng(int(seed))
    idx = []
    for name in classes:
        members = np.flatnonzero(y == ds.class_names.index(name))
        if members.size:
            idx.extend(rng.choice(members, size=min(int(per_class), members.size), replace=False).tolist())
    if not idx:
        st.info("No series of the chosen classes in this split.")
    else:
        try:
            show_figure(viz.samples_figure(ds, np.array(idx), split=split), f"{ds.name}-samples", key="samples")
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Could not draw the samples")

with tabs[1]:
    show_figure(viz.class_balance_figure(ds), f"{ds.name}-class-balance", key="balance")
    import pandas as pd

    counts = pd.DataFrame({"class": ds.class_names, "train": ds.class_counts("train"), "test": ds.class_counts("test")})
    show_table(counts, f"{ds.name}-class-counts", key="counts", hide_index=True)

with tabs[2]:
    split2 = st.radio("Split", ["train", "test"], horizontal=True, key="data_profile_split")
    channel = st.selectbox("Channel", range(ds.n_channels), key="data_profile_ch") if ds.n_channels > 1 else 0
    try:
        profile = cache.get_profile(spec, split2)
        show_figure(viz.class_profile_figure(profile, ds, channel=channel), f"{ds.name}-class-mean-std", key="profile")
        with st.expander("Table"):
            show_table(profile.to_frame(), f"{ds.name}-class-mean-std", key="profile-table")
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Could not compute class profiles")

with tabs[3]:
    split3 = st.radio("Split", ["train", "test"], horizontal=True, key="data_psd_split")
    channel3 = st.selectbox("Channel", range(ds.n_channels), key="data_psd_ch") if ds.n_channels > 1 else 0
    try:
        psd = cache.get_psd(spec, split3)
        show_figure(viz.psd_figure(psd, ds, channel=channel3), f"{ds.name}-psd", key="psd")
        st.caption(f"Welch estimate per series (segments of {psd.nperseg} samples), averaged per class.")
        with st.expander("Table"):
            show_table(psd.to_frame(), f"{ds.name}-psd", key="psd-table")
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Could not compute power spectra")

with tabs[4]:
    split4 = st.radio("Split", ["train", "test"], horizontal=True, key="data_pca_split")
    try:
        emb = cache.get_series_pca(spec, split4)
        show_figure(viz.pca_figure(emb, ds.class_names, unit=ds.unit), f"{ds.name}-pca", key="pca")
        if emb.subsampled:
            st.caption(f"{emb.coords.shape[0]:,} of {emb.n_total:,} series shown (seeded subsample).")
        with st.expander("Table"):
            show_table(emb.to_frame(), f"{ds.name}-pca", key="pca-table")
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Could not compute the PCA")
