"""Attack page: run an attack on chosen series and see what changed and what it cost."""
import io
import time

import numpy as np
import streamlit as st

st.set_page_config(page_title="tsviz · Attack", page_icon=":material/bolt:", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.attack_form import DESCRIPTIONS, attack_form, check_report, cost_note, default_eps  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import guard, show_error, show_flashes  # noqa: E402
from tsviz.ui.progress import ProgressBar  # noqa: E402
from tsviz.ui.sidebar import render_sidebar  # noqa: E402

sel = render_sidebar()
show_flashes()
ds, model = sel.dataset, sel.model
st.title("Attack")
if model is None:
    st.info("Select or train a model that fits this dataset first (sidebar / Model page).")
    st.stop()
st.caption(f"{sel.model_card.get('arch')} on {ds.name} · budgets in {ds.unit}")

eps0 = default_eps(ds.X_train)
ss = st.session_state

# ------------------------------------------------------------------ setup
with st.container(border=True):
    a, b = st.columns([2, 1])
    name = a.selectbox("Attack", list(DESCRIPTIONS), format_func=DESCRIPTIONS.get, key="atk_name")
    params = attack_form(name, unit=ds.unit, eps0=eps0, n_classes=ds.n_classes)
    targeted = b.checkbox("Targeted", False, key="atk_targeted", disabled=name == "wpgd",
                          help="Push every series to one class (WPGD is untargeted)")
    target_name = b.selectbox("Target class", ds.class_names, key="atk_target", disabled=not targeted or name == "wpgd")
    if name == "wpgd":
        cost_kind = st.radio("Cost matrix", ["uniform", "latent centroids", "edit"], horizontal=True, key="atk_cost_kind",
                             help="Cost of moving a series of class i to class j; latent centroids: distances "
                                  "between class means in the model's latent space")
    st.markdown("**Series**")
    c = st.columns(5)
    split = c[0].radio("Split", ["test", "train"], horizontal=True, key="atk_split")
    mode = c[1].selectbox("Which", ["random", "class", "correct", "misclassified", "one series"], key="atk_mode")
    n = c[2].number_input("How many", 1, state.MAX_ATTACK_SAMPLES, 50, key="atk_n",
                          help=f"At most {state.MAX_ATTACK_SAMPLES}", disabled=mode == "one series")
    X_split, y_split = ds.split(split)
    cls = c[3].selectbox("Class", ds.class_names, key="atk_class", disabled=mode != "class")
    index = c[3].number_input("Series index", 0, len(y_split) - 1, 0, key="atk_index", disabled=mode != "one series")
    seed = c[4].number_input("Seed", 0, 2**31 - 1, 0, key="atk_seed", help="Sample choice and attack randomness")
    cost_note(name, params, 1 if mode == "one series" else min(int(n), len(y_split)))
    run = st.button("Run attack", type="primary", key="atk_run")


def cost_matrix(kind: str, X, y):
    from tsviz.attacks import latent_centroid_cost, uniform_cost

    if kind == "latent centroids":
        return np.asarray(latent_centroid_cost(model, X, y, ds.n_classes), dtype=np.float64)
    if kind == "edit":
        import pandas as pd

        base = pd.DataFrame(np.asarray(uniform_cost(ds.n_classes), dtype=float), index=ds.class_names,
                            columns=ds.class_names)
        edited = st.data_editor(base, key="atk_cost_editor")
        return edited.to_numpy(dtype=float)
    return np.asarray(uniform_cost(ds.n_classes), dtype=np.float64)


if run:
    from tsviz.attacks import evaluate, make_attack
    from tsviz.data.selection import select_samples
    from tsviz.models.inference import predict

    try:
        preds = predict(model, X_split) if mode in ("correct", "misclassified") else None
        idx = select_samples(y_split, mode="indices" if mode == "one series" else mode, n=int(n), seed=int(seed),
                             class_index=ds.class_names.index(cls), predictions=preds, indices=[int(index)])
        kw = dict(params)
        C = None
        if name == "wpgd":
            C = cost_matrix(cost_kind, X_split[idx], y_split[idx])
            kw["cost_matrix"] = C
        attack = make_attack(name, **kw)
        import torch

        bar = ProgressBar(f"Running {name} on {len(idx)} series…")
        t0 = time.perf_counter()
        report = evaluate(model, attack, X_split[idx], y_split[idx],
                          target=ds.class_names.index(target_name) if targeted and name != "wpgd" else None,
                          class_names=ds.class_names, generator=torch.Generator().manual_seed(int(seed)),
                          batch_size=64, progress=bar)
        bar.empty()
        check_report(report)
        ss[state.ATTACK_RESULT] = {"model_path": sel.model_path, "spec": sel.dataset_spec, "report": report,
                                   "indices": idx, "split": split, "name": name, "cost": C,
                                   "seconds": time.perf_counter() - t0, "cache": {}}
    except Exception as exc:  # noqa: BLE001
        show_error(exc, f"{name} could not run; previous results kept")

res = ss.get(state.ATTACK_RESULT)
if not res or res["model_path"] != sel.model_path or res["spec"] != sel.dataset_spec:
    st.info("Set up an attack above and press **Run attack**.")
    st.stop()

# ------------------------------------------------------------------ results
report = res["report"]
X_att = ds.split(res["split"])[0][res["indices"]]
summ = report.summary()
m = st.columns(6)
m[0].metric("Clean accuracy", f"{summ['clean_accuracy']:.1%}")
m[1].metric("Adversarial accuracy", f"{summ['adversarial_accuracy']:.1%}",
            f"{summ['adversarial_accuracy'] - summ['clean_accuracy']:+.1%}")
m[2].metric("Success rate", f"{summ['success_rate']:.1%}" if np.isfinite(summ["success_rate"]) else "n/a",
            help="Among series classified correctly before the attack")
m[3].metric(f"Mean L∞ ({ds.unit})", f"{summ['mean_linf']:.3g}")
m[4].metric("Median SNR", f"{summ['median_snr_db']:.1f} dB")
m[5].metric("Median queries" if report.black_box else "Gradient evals", f"{summ['median_queries']:.0f}")
st.caption(f"{res['name']} on {summ['n']} {res['split']} series in {res['seconds']:.1f} s · {report.params}")


def cached(key, fn):
    if key not in res["cache"]:
        res["cache"][key] = fn()
    return res["cache"][key]


tabs = st.tabs(["Signals", "Spectra", "Latent space", "Confusion", "Sizes", "History", "Budget sweep", "Export"])
with tabs[0]:
    i = st.selectbox("Series", range(len(res["indices"])), key="atk_view_i",
                     format_func=lambda j: f"#{res['indices'][j]} · {ds.class_names[report.y_true[j]]} → "
                                           f"{ds.class_names[report.adv_pred[j]]}" + (" ✓" if report.success[j] else ""))
    j = int(res["indices"][i])
    names = ds.class_names
    title = (f"{res['split']} series #{j} · true {names[report.y_true[i]]} · clean → {names[report.clean_pred[i]]} "
             f"({report.clean_probs[i].max():.0%}) · adversarial → {names[report.adv_pred[i]]} "
             f"({report.adv_probs[i].max():.0%})")
    left, right = st.columns([5, 2])
    with left:
        show_figure(viz.overlay_figure(X_att, report.x_adv, index=i, fs=ds.fs, unit=ds.unit, class_names=names,
                                       y_true=report.y_true, clean_pred=report.clean_pred, adv_pred=report.adv_pred,
                                       eps=float(report.params.get("eps", 0)) if report.params.get("norm", "inf") == "inf"
                                       else None, title=title),
                    f"attack-overlay-{j}", key="overlay")
    with right:
        show_figure(viz.probabilities_figure(report.clean_probs[i], report.adv_probs[i], names,
                                             title="Class probabilities"),
                    f"attack-probabilities-{j}", key="probs")
with tabs[1]:
    from tsviz.attacks.analysis import welch_compare

    comp = cached("spectra", lambda: welch_compare(X_att, report.x_adv, ds.fs))
    show_figure(viz.spectra_figure(comp, ds.unit), "attack-spectra", key="spectra")
with tabs[2]:
    from tsviz.attacks.analysis import latent_shift

    try:
        shift = cached("latent", lambda: latent_shift(model, X_att, report.x_adv))
        show_figure(viz.latent_shift_figure(shift, report.y_true, report.adv_pred, ds.class_names),
                    "attack-latent-shift", key="latent")
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Latent view unavailable")
with tabs[3]:
    from tsviz.attacks import uniform_cost, weighted_robustness_score

    C = res["cost"] if res["cost"] is not None else np.asarray(uniform_cost(ds.n_classes), dtype=float)
    S = float(weighted_robustness_score(report.confusion, C))
    show_figure(viz.adversarial_confusion_figure(report.confusion, ds.class_names, score=S),
                "adversarial-confusion", key="advcm")
    st.caption("Weighted robustness score S = Σ c_ij m_ij (WPGD paper, eq. 7), m the row-normalised adversarial "
               "confusion matrix, " + ("c the WPGD cost matrix." if res["cost"] is not None else
                                       "c the uniform cost 1 − I: S is then the sum of the per-class error rates."))
    show_table(report.per_class_frame(), "attack-per-class", key="atk-perclass", hide_index=True)
with tabs[4]:
    show_figure(viz.perturbation_size_figure(report, unit=ds.unit), "attack-perturbation-sizes", key="sizes")
    show_table(report.samples_frame(), "attack-samples", key="atk-samples", hide_index=True)
with tabs[5]:
    hkey = "best_fitness" if "best_fitness" in report.history else "loss"
    show_figure(viz.fitness_figure(report.history, key=hkey), "attack-history", key="history")
    st.caption("GenAttack: best fitness per generation (median and interquartile range over series) and queries "
               "spent. Gradient attacks: the attacked loss after each step.")
with tabs[6]:
    from tsviz.attacks import evaluate as _evaluate  # noqa: F401
    from tsviz.attacks import make_attack, sweep

    st.write("Accuracy and precision against the budget for several attacks on the same series "
             "(default hyperparameters, step sizes scaled with eps).")
    c = st.columns([2, 2, 1])
    which = c[0].multiselect("Attacks", ["fgsm", "bim", "pgd", "spsa", "genattack"], default=["fgsm", "pgd"],
                             key="sweep_attacks")
    eps_text = c[1].text_input(f"eps values ({ds.unit})", ", ".join(f"{eps0 * f:.2g}" for f in (0, 0.5, 1, 2, 4)),
                               key="sweep_eps")
    go = c[2].button("Run sweep", key="sweep_go")
    if go:
        try:
            eps_values = [float(v) for v in eps_text.replace(";", ",").split(",") if v.strip()]
            if len(eps_values) > 12:
                raise ValueError("eps values: at most 12")
            defaults = {"fgsm": {}, "bim": {"alpha": eps0 / 4, "steps": 10}, "pgd": {"alpha": eps0 / 4, "steps": 20},
                        "spsa": {"iterations": 50}, "genattack": {"generations": 200}}
            attacks = {w: make_attack(w, eps=eps0, **defaults[w]) for w in which}
            bar = ProgressBar("Sweeping…")
            y_att = report.y_true
            sw = sweep(model, attacks, eps_values, X_att, y_att, class_names=ds.class_names, seed=int(seed),
                       progress=bar)
            bar.empty()
            res["sweep"] = sw
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Sweep failed")
    if res.get("sweep") is not None:
        with guard("Could not show the sweep"):
            frame = res["sweep"].to_frame()
            show_figure(viz.sweep_figures(frame, ds.unit), "accuracy-precision-vs-eps", key="sweep")
            show_table(frame, "sweep", key="sweep-table", hide_index=True)
with tabs[7]:
    buf = io.BytesIO()
    np.savez_compressed(buf, x=X_att, x_adv=report.x_adv, y=report.y_true, clean_pred=report.clean_pred,
                        adv_pred=report.adv_pred, indices=res["indices"], class_names=np.array(ds.class_names),
                        fs=np.float64(ds.fs or 0.0), unit=np.array(ds.unit))
    st.download_button("⬇ Adversarial examples (NPZ)", buf.getvalue(), file_name=f"{res['name']}-adversarial.npz",
                       mime="application/octet-stream", key="dl-npz", on_click="ignore")
    import pandas as pd

    flat = pd.DataFrame(report.x_adv.reshape(len(report.y_true), -1))
    flat.insert(0, "label", np.asarray(ds.class_names)[report.y_true])
    st.download_button("⬇ Adversarial series (CSV, one per row, label first)", flat.to_csv(index=False).encode(),
                       file_name=f"{res['name']}-adversarial.csv", mime="text/csv", key="dl-csv", on_click="ignore")
    if st.button("Send to Explain / Review", key="atk_handoff"):
        ss[state.ADVERSARIAL] = {"x": X_att, "x_adv": report.x_adv, "y": report.y_true, "adv_pred": report.adv_pred,
                                 "indices": res["indices"], "split": res["split"], "spec": sel.dataset_spec,
                                 "model_path": sel.model_path, "attack": res["name"], "params": report.params}
        st.success("Stored for the Explain and Review pages of this session.")
