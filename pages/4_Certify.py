"""Certify page: randomized smoothing, deep and self-ensembles, certified accuracy vs radius."""
import json

import numpy as np
import streamlit as st

st.set_page_config(page_title="tsviz · Certify", page_icon=":material/verified_user:", layout="wide")

from tsviz import viz  # noqa: E402
from tsviz.ui import state  # noqa: E402
from tsviz.ui.cache import get_model, model_choices  # noqa: E402
from tsviz.ui.certify_form import config_form  # noqa: E402
from tsviz.ui.downloads import show_figure, show_table  # noqa: E402
from tsviz.ui.errors import show_error, show_flashes  # noqa: E402
from tsviz.ui.progress import ProgressBar  # noqa: E402
from tsviz.ui.sidebar import render_sidebar  # noqa: E402

sel = render_sidebar()
show_flashes()
ds = sel.dataset
ss = st.session_state
st.title("Certify")
st.caption("Randomized smoothing (Cohen et al. 2019) and the self-ensemble of the CIKM '24 paper: a "
           f"certified L2 radius per series, in {ds.unit or 'signal units'}, that no perturbation of smaller "
           "norm can cross (with probability ≥ 1 − α over the sampling).")
choices = model_choices(ds)
if not choices:
    st.info("No model fits this dataset yet: train one on the Model page.")
    st.stop()


def recipe_sigma(card) -> float:
    parts = str((card or {}).get("recipe", "")).split("-")
    try:
        return float(parts[1]) if parts[0] in ("gaussian", "masked_gaussian") else 0.25
    except (IndexError, ValueError):
        return 0.25


# ------------------------------------------------------------------ setup
with st.container(border=True):
    c = st.columns(7)
    sigma = c[0].number_input(f"σ ({ds.unit})", 0.01, 10.0, recipe_sigma(sel.model_card), 0.05, key="cert_sigma",
                              help="Noise level of the smoothed classifier; the zoo has base models trained at "
                                   "0.1, 0.25 and 0.5 for synthetic-ecg and cbf")
    n0 = c[1].number_input("n0", 1, state.MAX_CERTIFY_N0, 100, key="cert_n0", help="Selection draws")
    n = c[2].number_input("n", 10, state.MAX_CERTIFY_N, 1000, key="cert_n", help="Estimation draws")
    alpha = c[3].number_input("α", 0.0001, 0.1, 0.001, 0.001, format="%.4f", key="cert_alpha",
                              help="Failure probability of each certificate")
    bound = c[4].selectbox("Bound", ["cohen", "renyi"], key="cert_bound",
                           help="cohen: σ Φ⁻¹(pA); renyi: Theorem 4.1 (Li et al.) with simultaneous bounds on pA, pB")
    n_series = c[5].number_input("Series", 1, state.MAX_CERTIFY_SAMPLES, min(50, len(ds.y_test)), key="cert_series",
                                 help=f"Random test series, at most {state.MAX_CERTIFY_SAMPLES}")
    seed = c[6].number_input("Seed", 0, 2**31 - 1, 0, key="cert_seed", help="Series choice, masks and noise")
    st.markdown("**Classifiers** (defaults: the zoo's models trained at this σ, as in Fig. 4 of the paper)")
    specs = config_form(choices, float(sigma), sel.model_path)
    rows = sum(len(s.paths) * max(1, s.m if s.mask_kind else 1) for s in specs) * int(n_series) * (int(n0) + int(n))
    st.caption(f"{rows:,} forward passes in all")
    run = st.button("Certify", type="primary", key="cert_run")

if run:
    from tsviz.data.selection import select_samples
    from tsviz.certify.compare import CertConfig, certify_configs

    try:
        if not specs:
            raise ValueError("enable at least one classifier")
        for s in specs:
            if s.key == "de" and len(s.paths) < 2:
                raise ValueError("DE needs at least two members")
        idx = select_samples(ds.y_test, mode="random", n=min(int(n_series), len(ds.y_test)), seed=int(seed))
        configs = [CertConfig(s.label, tuple(get_model(p, sel.device) for p in s.paths), float(sigma), s.mask_kind,
                              s.m or 1, s.keep, mask_seed=int(seed)) for s in specs]
        bar = ProgressBar("Certifying…")
        cmp = certify_configs(configs, ds.X_test[idx], ds.y_test[idx], n0=int(n0), n=int(n), alpha=float(alpha),
                              bound=bound, seed=int(seed), radii=[float(sigma) * f for f in (0.25, 0.5, 1.0)],
                              progress=bar)
        bar.empty()
        ss[state.CERTIFY_RESULT] = {"spec": sel.dataset_spec, "specs": specs, "indices": idx, "cmp": cmp,
                                    "sigma": float(sigma), "alpha": float(alpha), "n": int(n), "n0": int(n0),
                                    "bound": bound, "seed": int(seed), "device": sel.device, "extra": {}}
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Certification could not run; previous results kept")

res = ss.get(state.CERTIFY_RESULT)
if not res or res["spec"] != sel.dataset_spec:
    st.info("Choose σ and the classifiers above and press **Certify**. A first run on 50 CBF series with the "
            "default Single, M_B and M_C takes one to two minutes on a laptop CPU.")
    st.stop()

# ------------------------------------------------------------------ results
cmp, idx, unit = res["cmp"], res["indices"], ds.unit
X, y = ds.X_test[idx], ds.y_test[idx]
labels = list(cmp.results)
table = cmp.table
m = st.columns(len(labels))
for col, (_, row) in zip(m, table.iterrows()):
    col.metric(f"{row['label']} · ACR ({unit})", f"{row['acr']:.3g}",
               f"clean {row['clean_accuracy']:.0%} · abstain {row['abstain_rate']:.0%}", delta_color="off")
st.caption(f"σ = {res['sigma']:g} {unit} · n0 = {res['n0']} · n = {res['n']} · α = {res['alpha']:g} · "
           f"{res['bound']} bound · {len(idx)} test series · {table['seconds'].sum():.1f} s")


def configs():
    from tsviz.certify.compare import CertConfig

    return [CertConfig(s.label, tuple(get_model(p, res["device"]) for p in s.paths), res["sigma"], s.mask_kind,
                       s.m or 1, s.keep, mask_seed=res["seed"]) for s in res["specs"]]


tabs = st.tabs(["Accuracy vs radius", "Per series", "pA", "Margins", "Ablation", "PGD attack", "Soundness",
                "Radius vs pA", "Export"])
with tabs[0]:
    show_figure(viz.accuracy_radius_figure({k: (cmp.radii, v) for k, v in cmp.curves.items()}, unit=unit),
                "certified-accuracy-vs-radius", key="cert_curves")
    show_table(table, "certification-summary", key="cert_table", hide_index=True)
    st.caption("Certified accuracy at r: share of series predicted correctly with radius ≥ r (inclusive); "
               "abstentions count as wrong. ACR: mean radius over all series, 0 when wrong or abstained.")
with tabs[1]:
    i = st.selectbox("Series", range(len(idx)), key="cert_view_i",
                     format_func=lambda j: f"#{idx[j]} · {ds.class_names[y[j]]}")
    for k, label in enumerate(labels):
        r = cmp.results[label]
        show_figure(viz.certified_signal_figure(X[i], float(r.radius[i]), fs=ds.fs, unit=unit,
                                                title=f"{label}: series #{idx[i]}",
                                                prediction=int(r.prediction[i]), label=int(y[i]),
                                                class_names=ds.class_names),
                    f"certified-series-{idx[i]}-{label}", key=f"cert_sig_{k}")
with tabs[2]:
    show_figure(viz.pa_histogram_figure({k: r.p_lower for k, r in cmp.results.items()}),
                "pa-lower-bounds", key="cert_pa")
    st.caption("Lower confidence bound on pA per series; a certificate needs it above 1/2 (Cohen).")
with tabs[3]:
    st.write("Classification margins z = c_A − max c_i of the base classifier under noise for one series "
             "(Fig. 3): ensembles shrink the spread of z, so more draws land on z > 0 and pA grows.")
    c = st.columns([1, 1, 3])
    draws = c[0].number_input("Noise draws", 10, 5000, 1000, key="cert_margin_n")
    go = c[1].button("Compute margins", key="cert_margin_go")
    if go:
        from tsviz.certify.margins import noise_margins

        try:
            out = {}
            for cfg in configs():
                sm = cfg.smoothed(X.shape[2])
                out[cfg.label] = noise_margins(sm, X[i:i + 1], int(draws), seed=res["seed"])
            res["extra"]["margins"] = (int(i), out)
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Margins failed")
    if "margins" in res["extra"]:
        j, out = res["extra"]["margins"]
        show_figure(viz.margin_figure({k: v.margin.ravel() for k, v in out.items()},
                                      {k: v.top_score.ravel() for k, v in out.items()},
                                      title=f"Series #{idx[j]}: margins and top-class scores under noise"),
                    "noise-margins", key="cert_margins")
with tabs[4]:
    st.write("Ensemble size m and keep ratio p of a self-ensemble (Fig. 5-6), on the same series.")
    mask_specs = [s for s in res["specs"] if s.mask_kind]
    c = st.columns(4)
    base = c[0].selectbox("Classifier", [s.label for s in mask_specs] or ["(enable M_B or M_C)"], key="cert_abl_base")
    sizes = c[1].text_input("Ensemble sizes m", "1, 2, 4, 8", key="cert_abl_sizes")
    keeps = c[2].text_input("Keep ratios p", "0.9", key="cert_abl_keeps")
    go = c[3].button("Run ablation", key="cert_abl_go", disabled=not mask_specs)
    if go:
        from tsviz.certify.ablation import ablation

        try:
            spec = next(s for s in mask_specs if s.label == base)
            sz = [int(v) for v in sizes.replace(";", ",").split(",") if v.strip()]
            kp = [float(v) for v in keeps.replace(";", ",").split(",") if v.strip()]
            if len(sz) * len(kp) > 12:
                raise ValueError("ablation: at most 12 (m, p) pairs")
            if any(not 1 <= v <= state.MAX_CERTIFY_MASKS for v in sz):
                raise ValueError(f"ensemble sizes must be in [1, {state.MAX_CERTIFY_MASKS}]")
            bar = ProgressBar("Ablation…")
            res["extra"]["ablation"] = ablation(get_model(spec.paths[0], res["device"]), X, y, res["sigma"],
                                                kind=spec.mask_kind, sizes=sz, keeps=kp, n0=res["n0"], n=res["n"],
                                                alpha=res["alpha"], bound=res["bound"], seed=res["seed"],
                                                mask_seed=res["seed"], progress=bar)
            bar.empty()
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Ablation failed")
    if "ablation" in res["extra"]:
        ab = res["extra"]["ablation"]
        t = ab.table[ab.table["m"] > 0]
        many_keeps = t["keep"].nunique() > 1
        show_figure(viz.ablation_figure(t, x="m", y="acr", group="keep" if many_keeps else None, unit=unit),
                    "ablation-acr", key="cert_abl_fig")
        show_figure(viz.accuracy_radius_figure({k: (ab.radii, v) for k, v in ab.curves.items()}, unit=unit),
                    "ablation-curves", key="cert_abl_curves")
        show_table(ab.table, "ablation", key="cert_abl_table", hide_index=True)
with tabs[5]:
    st.write("Attack success rate of PGD-L2 (Table 4): on the bare model, and on each smoothed classifier through "
             "its Monte Carlo soft classifier; smoothed predictions by PREDICT (an abstention counts as a success).")
    c = st.columns(5)
    eps_text = c[0].text_input(f"L2 budgets ({unit})", ", ".join(f"{res['sigma'] * f:g}" for f in (0.5, 1, 2)),
                               key="cert_atk_eps")
    steps = c[1].number_input("PGD steps", 1, 100, 10, key="cert_atk_steps")
    draws = c[2].number_input("Noise draws per step", 1, 64, 8, key="cert_atk_draws")
    n_atk = c[3].number_input("Series", 1, len(idx), min(20, len(idx)), key="cert_atk_n")
    go = c[4].button("Run attack", key="cert_atk_go")
    if go:
        from tsviz.certify.attack_rate import attack_success_rates

        try:
            eps_values = [float(v) for v in eps_text.replace(";", ",").split(",") if v.strip()]
            if not 1 <= len(eps_values) <= 8:
                raise ValueError("L2 budgets: give 1 to 8 values")
            cf = configs()
            bar = ProgressBar("Attacking…")
            k = int(n_atk)
            res["extra"]["attack"] = attack_success_rates(
                cf, X[:k], y[:k], eps_values, benign=cf[0].models[0], steps=int(steps), draws=int(draws),
                n=res["n"], alpha=res["alpha"], seed=res["seed"], progress=bar)
            bar.empty()
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Attack failed")
    if "attack" in res["extra"]:
        f = res["extra"]["attack"]
        show_figure(viz.attack_success_figure(f, unit=unit), "pgd-l2-attack-success", key="cert_atk_fig")
        show_table(f, "pgd-l2-attack-success", key="cert_atk_table", hide_index=True)
        st.caption(f"Benign: the bare model of {labels[0]} ({res['specs'][0].paths[0].split('/')[-1]}).")
with tabs[6]:
    st.write("Try to break the certificates: PGD-L2 on the soft smoothed classifier and random directions, at "
             "a fraction of each series' certified radius; PREDICT decides at the perturbed series. Inside the "
             "radius (fraction < 1) a change may happen for at most about a share α of series.")
    c = st.columns(6)
    which = c[0].selectbox("Classifier", labels, key="cert_sound_cfg")
    fr_text = c[1].text_input("Fractions of R", "0.99, 2", key="cert_sound_fr",
                              help="< 1 tests the certificate; ≥ 1 shows how tight it is")
    dirs = c[2].number_input("Random directions", 0, 64, 8, key="cert_sound_dirs")
    psteps = c[3].number_input("PGD steps", 0, 100, 10, key="cert_sound_steps")
    n_sound = c[4].number_input("Series", 1, len(idx), min(20, len(idx)), key="cert_sound_n")
    go = c[5].button("Run check", key="cert_sound_go")
    if go:
        from tsviz.certify.soundness import soundness_check

        try:
            fr = [float(v) for v in fr_text.replace(";", ",").split(",") if v.strip()]
            if not 1 <= len(fr) <= 6:
                raise ValueError("fractions: give 1 to 6 values")
            cfg = next(cf for cf in configs() if cf.label == which)
            bar = ProgressBar("Attacking inside the radii…")
            rep = soundness_check(cfg.smoothed(X.shape[2]), X, cmp.results[which], fractions=fr,
                                  directions=int(dirs), pgd_steps=int(psteps), pgd_draws=8, n=res["n"],
                                  max_samples=int(n_sound), seed=res["seed"], progress=bar)
            bar.empty()
            res["extra"]["soundness"] = (which, rep)
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Soundness check failed")
    if "soundness" in res["extra"]:
        which_done, rep = res["extra"]["soundness"]
        s = rep.summary()
        (st.success if rep.passed else st.error)(
            f"{which_done}: {s['n_series_changed_inside']} of {s['n_series']} series changed class inside their "
            f"radius (tolerance {s['tolerance']} at α = {s['alpha']:g}): "
            + ("passed." if rep.passed else "FAILED — the certificates are not sound for this setup."))
        if len(rep.checks):
            chk = rep.checks.assign(idx=idx[rep.checks["idx"].to_numpy()])
            show_figure(viz.soundness_figure(chk, unit=unit), "soundness-check", key="cert_sound_fig")
            show_table(chk, "soundness-checks", key="cert_sound_table", hide_index=True)
        st.json(s)
with tabs[7]:
    from tsviz.certify.bounds import radius_vs_pa

    show_figure(viz.radius_pa_figure(radius_vs_pa(res["sigma"]), sigma=res["sigma"], unit=unit),
                "radius-vs-pa", key="cert_fig2")
    st.caption("Fig. 2: the certified radius grows with pA; Cohen's bound and the Renyi bound of Theorem 4.1 "
               "(pB = 1 − pA) at fixed orders a and their supremum.")
with tabs[8]:
    import pandas as pd

    frames = []
    for label, r in cmp.results.items():
        f = r.to_frame()
        f.insert(0, "config", label)
        f.insert(1, "idx", idx)
        f.insert(2, "label", y)
        f["correct"] = (r.prediction == y)
        frames.append(f)
    show_table(pd.concat(frames, ignore_index=True), "certified-series", key="cert_export", hide_index=True)
    meta = {"dataset": sel.dataset_spec, "sigma": res["sigma"], "n0": res["n0"], "n": res["n"],
            "alpha": res["alpha"], "bound": res["bound"], "seed": res["seed"], "indices": idx.tolist(),
            "configs": [{"label": s.label, "models": list(s.paths), "masks": s.mask_kind, "m": s.m, "keep": s.keep}
                        for s in res["specs"]],
            "masks": {k: (r.masks.astype(int).tolist() if r.masks is not None else None)
                      for k, r in cmp.results.items()}}
    st.download_button("⬇ Settings and masks (JSON)", json.dumps(meta, indent=1), file_name="certification.json",
                       mime="application/json", key="cert_dl_json", on_click="ignore")
