"""Explain page: NeuroMask, Captum baselines, deletion/insertion faithfulness, backdoor-trigger demo."""
import json

import numpy as np
import streamlit as st

st.set_page_config(page_title="tsviz · Explain", page_icon=":material/lightbulb:", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.cache import get_model  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import show_error, show_flashes  # noqa: E402
from tsviz.ui.progress import ProgressBar  # noqa: E402
from tsviz.ui.sidebar import render_sidebar  # noqa: E402

sel = render_sidebar()
show_flashes()
ds = sel.dataset
ss = st.session_state
st.title("Explain")
st.caption("Which time steps does the model rely on? NeuroMask (dissertation ch. 5) learns a sparse, smooth mask "
           "that keeps the prediction; saliency, integrated gradients, SmoothGrad, occlusion and feature ablation "
           "(Captum) are the baselines; deletion and insertion curves score them all the same way.")

METHOD_LABELS = {"neuromask": "NeuroMask", "saliency": "Saliency", "integrated_gradients": "Integrated gradients",
                 "smoothgrad": "SmoothGrad", "occlusion": "Occlusion", "feature_ablation": "Feature ablation"}
tab_methods, tab_backdoor = st.tabs(["Compare methods", "Backdoor trigger demo"])

# ====================================================================== compare methods
with tab_methods:
    if sel.model is None:
        st.info("Pick a model in the sidebar (or train one on the Model page).")
    else:
        adv = ss.get(state.ADVERSARIAL)
        adv_ok = bool(adv) and adv.get("spec") == sel.dataset_spec and adv.get("model_path") == sel.model_path
        with st.container(border=True):
            c = st.columns([2, 1, 1, 1])
            sources = ["Test series"] + (["Adversarial examples from the Attack page"] if adv_ok else [])
            source = c[0].radio("Series", sources, key="xp_source", horizontal=True,
                                help="Send adversarial examples from the Attack page's Export tab to explain clean "
                                     "and adversarial side by side (same dataset and model)")
            n_max = state.MAX_EXPLAIN_SAMPLES // (2 if source != "Test series" else 1)
            n_series = c[1].number_input("How many", 1, n_max, min(8, n_max), key="xp_n",
                                         help=f"At most {n_max} series per run")
            seed = c[2].number_input("Seed", 0, 2**31 - 1, 0, key="xp_seed",
                                     help="Series choice, NeuroMask's initial mask, SmoothGrad noise")
            baseline = c[3].selectbox("Removed steps become", ["zero", "mean", "blur"], key="xp_baseline",
                                      help="zero: 0 (isoelectric; the paper's m·x); mean: the series mean; blur: a "
                                           "low-pass copy. Used by NeuroMask, IG, occlusion, ablation and the curves")
            methods = st.multiselect("Methods", list(METHOD_LABELS), default=["neuromask", "saliency",
                                                                                 "integrated_gradients", "occlusion"],
                                     format_func=METHOD_LABELS.get, key="xp_methods")
            with st.expander("NeuroMask settings"):
                c = st.columns(6)
                steps = c[0].number_input("Steps", 1, state.MAX_EXPLAIN_STEPS, 300, key="xp_steps",
                                          help=f"RMSProp updates, at most {state.MAX_EXPLAIN_STEPS}")
                lr = c[1].number_input("Learning rate", 0.001, 5.0, 0.1, 0.01, key="xp_lr")
                lam_p = c[2].number_input("λ pred", 0.0, 100.0, 1.0, 0.1, key="xp_lp")
                lam_sp = c[3].number_input("λ sparse", 0.0, 10.0, 0.01, 0.001, format="%.4f", key="xp_lsp",
                                           help="More → fewer relevant steps")
                lam_sm = c[4].number_input("λ smooth", 0.0, 10.0, 0.002, 0.001, format="%.4f", key="xp_lsm",
                                           help="More → fewer, longer relevant segments")
                per_channel = c[5].toggle("Mask per channel", False, key="xp_perch", disabled=ds.n_channels == 1)
            with st.expander("Baseline methods and faithfulness settings"):
                c = st.columns(4)
                window = c[0].number_input("Occlusion / ablation window (steps)", 1, ds.length,
                                           max(3, min(ds.length, ds.length // 20)), key="xp_window")
                ig_steps = c[1].number_input("IG steps", 2, 1000, 50, key="xp_igsteps")
                sg_n = c[2].number_input("SmoothGrad samples", 1, 500, 25, key="xp_sgn")
                f_steps = c[3].number_input("Curve points", 2, 200, 20, key="xp_fsteps",
                                            help="Fractions of steps removed / revealed")
            run = st.button("Explain", type="primary", key="xp_run")

        if run:
            from tsviz.data.selection import select_samples
            from tsviz.explain import explain_methods

            try:
                if not methods:
                    raise ValueError("choose at least one method")
                if source == "Test series":
                    idx = select_samples(ds.y_test, mode="random", n=min(int(n_series), len(ds.y_test)),
                                         seed=int(seed))
                    X, y, X_adv = ds.X_test[idx], ds.y_test[idx], None
                else:
                    k = min(int(n_series), len(adv["y"]))
                    idx, X, y, X_adv = adv["indices"][:k], adv["x"][:k], adv["y"][:k], adv["x_adv"][:k]
                batch = X if X_adv is None else np.concatenate([X, X_adv])
                bar = ProgressBar("Explaining…")
                cmp = explain_methods(
                    get_model(sel.model_path, sel.device), batch, methods, baseline=baseline,
                    neuromask_kw={"steps": int(steps), "lr": float(lr), "lambda_p": float(lam_p),
                                  "lambda_sp": float(lam_sp), "lambda_sm": float(lam_sm),
                                  "per_channel": bool(per_channel)},
                    attribution_kw={"occlusion": {"window": int(window)}, "feature_ablation": {"window": int(window)},
                                    "integrated_gradients": {"steps": int(ig_steps)},
                                    "smoothgrad": {"n_samples": int(sg_n)}},
                    faithfulness_steps=int(f_steps), seed=int(seed), progress=bar)
                bar.empty()
                ss[state.EXPLAIN_RESULT] = {"spec": sel.dataset_spec, "model_path": sel.model_path, "cmp": cmp,
                                            "indices": np.asarray(idx), "x": X, "y": y, "x_adv": X_adv,
                                            "n": len(y), "baseline": baseline,
                                            "source": "adversarial" if X_adv is not None else "test",
                                            "attack": adv.get("attack") if X_adv is not None else None}
            except Exception as exc:  # noqa: BLE001
                show_error(exc, "Explanation could not run; previous results kept")

        res = ss.get(state.EXPLAIN_RESULT)
        if not res or res["spec"] != sel.dataset_spec or res["model_path"] != sel.model_path:
            st.info("Choose series and methods and press **Explain**. Eight series with NeuroMask (300 steps) and "
                    "three baselines take a few seconds to a minute on a laptop CPU, depending on the model.")
        else:
            cmp, n, idx, y = res["cmp"], res["n"], res["indices"], res["y"]
            has_adv = res["x_adv"] is not None
            labels = [METHOD_LABELS[m] for m in cmp.relevance]
            pred = cmp.target
            rtabs = st.tabs(["Relevance", "NeuroMask evolution", "Faithfulness", "Export"])
            with rtabs[0]:
                i = st.selectbox("Series", range(n), key="xp_view_i",
                                 format_func=lambda j: f"#{idx[j]} · true {ds.class_names[y[j]]} · predicted "
                                                       f"{ds.class_names[pred[j]]}"
                                                       + (f" → {ds.class_names[pred[n + j]]} adversarial"
                                                          if has_adv else ""))
                style = st.radio("Draw relevance as", ["band", "line"], horizontal=True, key="xp_style")
                if has_adv:
                    for m, lab in zip(cmp.relevance, labels):
                        show_figure(viz.relevance_pair_figure(res["x"][i], cmp.relevance[m][i], res["x_adv"][i],
                                                              cmp.relevance[m][n + i], fs=ds.fs, unit=ds.unit,
                                                              style=style, title=lab,
                                                              titles=(f"clean · {ds.class_names[pred[i]]}",
                                                                      f"{res['attack']} · "
                                                                      f"{ds.class_names[pred[n + i]]}")),
                                    f"relevance-{m}-{idx[i]}", key=f"xp_pair_{m}")
                else:
                    show_figure(viz.method_grid_figure(res["x"][i], {lab: cmp.relevance[m][i] for m, lab in
                                                                      zip(cmp.relevance, labels)},
                                                       fs=ds.fs, unit=ds.unit, style=style),
                                f"relevance-{idx[i]}", key="xp_grid")
                st.caption("Each method's relevance scaled to its own maximum. NeuroMask: the mask m in [0, 1] "
                           "(1 = needed to keep the prediction); the others: |attribution| summed over channels.")
            with rtabs[1]:
                mr = cmp.mask_result
                if mr is None:
                    st.info("Add NeuroMask to the methods to see how its mask evolves.")
                else:
                    j = st.selectbox("Series", range(len(mr.target)), key="xp_evo_i",
                                     format_func=lambda k: (f"#{idx[k % n]}" + (" adversarial" if k >= n else "")))
                    xs = res["x"] if j < n else res["x_adv"]
                    hist = mr.history[:, j] if mr.history.ndim == 3 else mr.history[:, j].max(axis=1)
                    show_figure(viz.mask_evolution_figure(xs[j % n], hist, mr.history_steps, fs=ds.fs, unit=ds.unit),
                                "neuromask-evolution", key="xp_evo")
                    st.caption("Fig. 5.4 of the dissertation for a series: the mask starts as noise and settles on "
                               "what the prediction needs. Drag the slider over the optimisation steps.")
                    show_figure(viz.loss_history_figure(mr.loss_frame(), log_y=True), "neuromask-loss", key="xp_loss")
                    s = mr.summary()
                    c = st.columns(3)
                    c[0].metric("Target probability, clean", f"{s['mean_clean_prob']:.3f}")
                    c[1].metric("... under the mask", f"{s['mean_masked_prob']:.3f}")
                    c[2].metric("Steps with m ≥ 0.5", f"{s['active_fraction']:.1%}")
            with rtabs[2]:
                faith = cmp.faithfulness
                fr = next(iter(faith.values())).fractions
                show_figure(viz.faithfulness_figure(fr, {METHOD_LABELS[m]: r.deletion for m, r in faith.items()},
                                                    kind="deletion"), "deletion-curves", key="xp_del")
                show_figure(viz.faithfulness_figure(fr, {METHOD_LABELS[m]: r.insertion for m, r in faith.items()},
                                                    kind="insertion"), "insertion-curves", key="xp_ins")
                table = cmp.table.assign(method=[METHOD_LABELS[m] for m in cmp.table["method"]])
                show_figure(viz.faithfulness_auc_figure(table), "faithfulness-auc", key="xp_auc")
                show_table(table, "faithfulness-auc", key="xp_auc_table", hide_index=True)
                st.caption(f"Deletion: the most relevant steps are replaced by the {res['baseline']} baseline first; "
                           "a faithful explanation makes the predicted class's probability fall fast (low AUC). "
                           "Insertion: steps are revealed from the baseline, most relevant first (high AUC is "
                           "better). Curves are over all explained series" + (" (clean and adversarial)."
                                                                               if has_adv else "."))
            with rtabs[3]:
                frame = cmp.relevance_frame(np.concatenate([idx, idx]) if has_adv else idx)
                if has_adv:
                    frame.insert(1, "input", np.where(np.repeat(np.tile(np.arange(2 * n) >= n, len(cmp.relevance)),
                                                                ds.length), "adversarial", "clean"))
                show_table(frame.head(2000), "relevances", key="xp_export", hide_index=True)
                st.download_button("⬇ All relevances (CSV)", frame.to_csv(index=False).encode(),
                                   file_name="relevances.csv", mime="text/csv", key="xp_export_all", on_click="ignore")
                meta = {"dataset": res["spec"], "model": res["model_path"], "baseline": res["baseline"],
                        "series": [int(v) for v in idx], "source": res["source"],
                        "neuromask": cmp.mask_result.params if cmp.mask_result is not None else None,
                        "table": cmp.table.to_dict(orient="records")}
                st.download_button("⬇ Settings and AUC table (JSON)", json.dumps(meta, indent=2, default=str),
                                   file_name="explain.json", mime="application/json", key="xp_export_json",
                                   on_click="ignore")

# ====================================================================== backdoor demo
with tab_backdoor:
    st.write("A model of the zoo was trained with a **backdoor**: 10 % of its training beats carried a short square "
             "wave over a fixed window and the label N (BadNets, as in section 5.5.4 of the dissertation). It "
             "classifies clean beats well and any beat with the trigger as N. Does NeuroMask find the trigger?")
    bd_model = trig = None
    if sel.dataset_spec != "synthetic-ecg":
        st.info("The demo runs on the synthetic ECG dataset: choose it in the sidebar.")
    else:
        try:
            from tsviz.explain import trigger_from_card
            from tsviz.models.zoo import zoo_dir

            bd_model = get_model(str(zoo_dir() / state.BACKDOOR_MODEL_STEM), sel.device)
            trig = trigger_from_card(bd_model)
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "The backdoored model is not available")
    if trig is not None:
        card = bd_model.card
        c = st.columns(4)
        c[0].metric("Clean test accuracy", f"{card['metrics']['test_accuracy']:.1%}")
        c[1].metric("Trigger success (test)", f"{card['metrics'].get('trigger_success_rate', float('nan')):.1%}",
                    help="Share of non-N test beats classified N once the trigger is added")
        c[2].metric("Trigger window", f"steps {trig.start}-{trig.start + trig.length - 1}",
                    f"{trig.length / ds.fs:.2f} s" if ds.fs else None, delta_color="off")
        c[3].metric("Target class", str(card["trigger"].get("target_name", trig.target)))
        with st.container(border=True):
            c = st.columns(4)
            bd_n = c[0].number_input("Beats (non-N)", 1, state.MAX_EXPLAIN_SAMPLES // 2, 8, key="bd_n")
            bd_steps = c[1].number_input("NeuroMask steps", 1, state.MAX_EXPLAIN_STEPS, 300, key="bd_steps")
            bd_seed = c[2].number_input("Seed", 0, 2**31 - 1, 0, key="bd_seed")
            bd_run = c[3].button("Run the demo", type="primary", key="bd_run")
        if bd_run:
            from tsviz.data.selection import select_samples
            from tsviz.explain import backdoor_demo

            try:
                pool = np.flatnonzero(ds.y_test != trig.target)
                pick = pool[select_samples(ds.y_test[pool], mode="random", n=min(int(bd_n), len(pool)),
                                           seed=int(bd_seed))]
                bar = ProgressBar("NeuroMask on clean and triggered beats…")
                demo = backdoor_demo(bd_model, ds.X_test[pick], ds.y_test[pick], trigger=trig, steps=int(bd_steps),
                                     seed=int(bd_seed), progress=bar)
                bar.empty()
                ss[state.BACKDOOR_RESULT] = {"demo": demo, "indices": pick}
            except Exception as exc:  # noqa: BLE001
                show_error(exc, "The demo could not run; previous results kept")
        bres = ss.get(state.BACKDOOR_RESULT)
        if bres:
            demo, pick = bres["demo"], bres["indices"]
            s = demo.summary()
            c = st.columns(3)
            c[0].metric("Mask mass in the window: triggered", f"{s['mass_in_window_triggered']:.1%}",
                        f"{s['concentration_triggered']:.1f}× a uniform mask", delta_color="off")
            c[1].metric("... clean", f"{s['mass_in_window_clean']:.1%}")
            c[2].metric("Uniform mask would give", f"{s['window_share']:.1%}")
            j = st.selectbox("Beat", range(len(pick)), key="bd_view",
                             format_func=lambda k: f"#{pick[k]} · {ds.class_names[demo.y[k]]} → clean "
                                                   f"{ds.class_names[demo.pred_clean[k]]}, triggered "
                                                   f"{ds.class_names[demo.pred_triggered[k]]}")
            show_figure(viz.trigger_overlay_figure(demo.x_clean[j], demo.x_triggered[j], demo.clean.mask[j],
                                                   demo.triggered.mask[j], trig.window, fs=ds.fs, unit=ds.unit),
                        f"backdoor-mask-{pick[j]}", key="bd_overlay")
            show_figure(viz.trigger_mass_figure(demo.mass_clean, demo.mass_triggered, window_share=demo.window_share),
                        "backdoor-mask-mass", key="bd_mass")
            show_table(demo.table().assign(series=pick), "backdoor-demo", key="bd_table", hide_index=True)
