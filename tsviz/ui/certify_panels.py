"""Certify page analyses, one results tab each: a small form, a cached analysis of the current
certification (:mod:`tsviz.ui.certify_run`), its figures and tables.

Each panel has an ``st.form`` that Enter does not submit, the time its settings take on this
machine, and runs as a long action (:func:`tsviz.ui.long_action.long_action`: a Cancel button and a
progress bar drawn in the panel's tab). The panels are *not* fragments: Streamlit does not let a
click inside a fragment interrupt that fragment's run (its rerun request waits), so a Cancel button
can only stop work started by the page's script. A panel's button reruns the page, which redraws
everything above the tabs unchanged, so the tab bar keeps the panel's tab open while it runs.

Defaults fit a live demo (each under 30 s on two cores at the page's teaching defaults): the
ablation's sizes 1, 2, 4 (the paper goes to 32), PGD on 10 series with 4 noise draws per step, the
soundness check on 10 series. The request of the last successful run of each analysis is kept in
``st.session_state[state.CERTIFY_ANALYSES]`` (its result comes from the cache); an error keeps the
previous result.
"""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from tsviz import viz
from tsviz.core.lists import format_list, parse_numbers
from tsviz.ui import certify_run as cr
from tsviz.ui import state
from tsviz.ui.cache import get_dataset
from tsviz.ui.caps import cap
from tsviz.ui.downloads import show_figure, show_table
from tsviz.ui.errors import guard
from tsviz.ui.long_action import eta_note, long_action, notice_cancelled

__all__ = ["margins_panel", "ablation_panel", "attack_panel", "soundness_panel", "ceiling_reports", "ceiling_text",
           "ceiling_warning", "clinical_certificates", "clinical_metrics", "clinical_caption", "clinical_panel",
           "clinical_threshold", "clinical_table", "unreachable_note", "INVISIBLE_COLUMN", "CERTIFIED_COLUMN"]

#: Per-series table column: the largest peak each certified radius covers (issue 19).
INVISIBLE_COLUMN = "largest invisible edit covered (µV)"
#: Per-series table column: certified correct against every edit below the visibility threshold.
CERTIFIED_COLUMN = "clinically certified"


def _done(name: str, req: cr.CertifyRequest):
    """The settings of the last successful ``name`` analysis of ``req``, or ``None``."""
    saved = st.session_state.get(state.CERTIFY_ANALYSES, {}).get(name)
    return saved[1] if saved and saved[0] == req else None


def _keep(name: str, req: cr.CertifyRequest, settings: tuple) -> None:
    st.session_state.setdefault(state.CERTIFY_ANALYSES, {})[name] = (req, settings)


def _eta(req: cr.CertifyRequest, cost) -> None:
    """A caption with the time ``cost()`` (``(forward, backward)`` evaluations) takes on this machine,
    for the settings the form shows (a form sends its values when its button is pressed)."""
    try:
        fwd, bwd = cost()
    except Exception:  # noqa: BLE001 - bad settings are reported when the user runs
        return
    ds = get_dataset(req.spec)
    stem = req.configs[0].paths[0] if req.configs and req.configs[0].paths else None
    eta = eta_note(fwd, bwd, stem, req.device, ds.n_channels, ds.length)
    if eta:
        st.caption(f"{eta} for the settings shown.")


@st.cache_data(scope="session", max_entries=16, show_spinner=False)
def _ceiling_reports(req: cr.CertifyRequest, mkeys: tuple, _run: cr.CertifyRun) -> dict:
    from tsviz.certify import ceiling_report

    return {label: ceiling_report(r) for label, r in _run.comparison.results.items()}


def ceiling_reports(req: cr.CertifyRequest, run: cr.CertifyRun) -> dict:
    """Label -> :class:`tsviz.certify.CeilingReport` of each classifier of the certification (cached
    per request: the Renyi ceiling's inverse is a bisection)."""
    return _ceiling_reports(req, req.model_keys(), run)


def ceiling_text(req: cr.CertifyRequest, reports: dict, unit: str, eta: str = "") -> str:
    """The warning for the classifiers whose radii mostly sit at the ceiling, or ``""`` when none do.

    "29 of 30 certified series (Single) and 30 of 30 (M_B) sit at the largest radius n = 1,000 allows
    (0.616 mV): raise n to 62,778 to see larger radii (about 9 min on this machine)." ``eta`` is the
    time of the run at the proposed ``n`` (:func:`tsviz.ui.certify_form.certify_eta`).
    """
    bound = [(label, r) for label, r in reports.items() if r.bound_by_ceiling]
    if not bound:
        return ""
    parts = [f"{r.n_at_ceiling} of {r.n_certified}" + (" certified series" if i == 0 else "") + f" ({label})"
             for i, (label, r) in enumerate(bound)]
    who = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    first = bound[0][1]
    head = f"{who} sit at the largest radius n = {req.n:,} allows ({f'{first.ceiling:.3g} {unit}'.rstrip()})"
    lift = next((r.n_to_lift for _, r in bound if r.n_to_lift), None)
    if lift is None:
        tail = (f": no n up to {cap('certify_n'):,} lifts it by {first.lift - 1:.0%}; raise σ to see larger "
                "radii.")
    else:
        tail = f": raise n to {lift:,} to see larger radii" + (f" ({eta[0].lower()}{eta[1:]})" if eta else "") + "."
    return (head + tail + " Their ACRs measure n rather than the classifiers: a series at the ceiling may have a "
            "much larger true radius.")


def ceiling_warning(req: cr.CertifyRequest, run: cr.CertifyRun) -> None:
    """``st.warning`` when most certified radii of a classifier sit at the ceiling ``n`` allows
    (:func:`tsviz.certify.ceiling_report`), naming the ``n`` that lifts the ceiling by 50 % and the time
    a run at that ``n`` takes here."""
    from tsviz.core import max_cost
    from tsviz.ui.certify_form import certify_eta

    try:
        reports = ceiling_reports(req, run)
    except Exception:  # noqa: BLE001 - a warning must never break the results
        return
    lift = next((r.n_to_lift for r in reports.values() if r.bound_by_ceiling and r.n_to_lift), None)
    eta = ""
    if lift is not None:
        bigger = replace(req, n=int(lift))
        eta = certify_eta(bigger, get_dataset(req.spec))
        if bigger.forward_passes() > max_cost():
            eta = (eta + ", " if eta else "") + "over the cost cap for these series: certify fewer"
    text = ceiling_text(req, reports, req_unit(req), eta)
    if text:
        st.warning(text, icon=":material/vertical_align_top:")


def margins_panel(req: cr.CertifyRequest, run: cr.CertifyRun, class_names) -> None:
    """Fig. 3: classification margins of the base classifier under noise for one series."""
    st.write("Classification margins z = c_A − max c_i of the base classifier under noise for one series "
             "(Fig. 3): ensembles shrink the spread of z, so more draws land on z > 0 and pA grows.")
    _, y = cr.certified_series(req, run)
    with st.form("cert_margin_form", enter_to_submit=False, border=False):
        c = st.columns([2, 1, 1], vertical_alignment="bottom")
        i = c[0].selectbox("Series", range(len(run.indices)), key="cert_margin_i",
                           format_func=lambda j: f"#{run.indices[j]} · {class_names[y[j]]}")
        draws = c[1].number_input("Noise draws", 10, cap("certify_n"), 1000, key="cert_margin_n")
        go = c[2].form_submit_button("Compute margins", key="cert_margin_go")
    _eta(req, lambda: cr.margins_cost(req, int(draws)))
    notice_cancelled("cert_margins")
    if go:
        with guard("Margins failed"), long_action("cert_margins", "Noise margins…") as bar:
            cr.margins(req, i, draws, bar)
            _keep("margins", req, (int(i), int(draws)))
    done = _done("margins", req)
    if done:
        out = cr.margins(req, *done)
        show_figure(viz.margin_figure({k: v.margin.ravel() for k, v in out.items()},
                                      {k: v.top_score.ravel() for k, v in out.items()},
                                      title=f"Series #{run.indices[done[0]]}: margins and top-class scores under "
                                            "noise"), "noise-margins", key="cert_margins")


def ablation_panel(req: cr.CertifyRequest, run: cr.CertifyRun) -> None:
    """Fig. 5-6: ensemble size m and keep ratio p of a self-ensemble."""
    st.write("Ensemble size m and keep ratio p of a self-ensemble (Fig. 5-6), on the same series.")
    masked = [s.label for s in req.configs if s.mask_kind]
    max_m = cap("certify_masks")
    with st.form("cert_abl_form", enter_to_submit=False, border=False):
        c = st.columns(4, vertical_alignment="bottom")
        base = c[0].selectbox("Classifier", masked or ["(enable M_B or M_C)"], key="cert_abl_base")
        sizes = c[1].text_input("Ensemble sizes m", "1, 2, 4", key="cert_abl_sizes",
                                help=f"Each in [1, {max_m}]; the paper's Fig. 5 goes to 32 (a run of several minutes)")
        keeps = c[2].text_input("Keep ratios p", "0.9", key="cert_abl_keeps", help="Each in (0, 1]")
        go = c[3].form_submit_button("Run ablation", key="cert_abl_go", disabled=not masked)
    from tsviz.certify import CertifyError

    _eta(req, lambda: cr.ablation_cost(req, parse_numbers(sizes, name="m", integer=True, low=1, high=max_m),
                                       parse_numbers(keeps, name="p", low=0.0, high=1.0)))
    notice_cancelled("cert_ablation")
    if go:
        with guard("Ablation failed"), long_action("cert_ablation", "Ablation…") as bar:
            sz = parse_numbers(sizes, name="ensemble sizes m", integer=True, low=1, high=max_m, error=CertifyError)
            kp = parse_numbers(keeps, name="keep ratios p", low=0.0, high=1.0, error=CertifyError)
            if len(sz) * len(kp) > 12:
                raise CertifyError("ablation: at most 12 (m, p) pairs")
            cr.ablation(req, base, sz, kp, bar)
            _keep("ablation", req, (base, tuple(sz), tuple(kp)))
    done = _done("ablation", req)
    if done:
        ab = cr.ablation(req, *done)
        t = ab.table[ab.table["m"] > 0]
        show_figure(viz.ablation_figure(t, x="m", y="acr", group="keep" if t["keep"].nunique() > 1 else None,
                                        unit=req_unit(req)), "ablation-acr", key="cert_abl_fig")
        show_figure(viz.accuracy_radius_figure({k: (ab.radii, v) for k, v in ab.curves.items()}, unit=req_unit(req)),
                    "ablation-curves", key="cert_abl_curves")
        show_table(ab.table, "ablation", key="cert_abl_table", hide_index=True)


def req_unit(req: cr.CertifyRequest) -> str:
    """The unit of the certified dataset's values."""
    return get_dataset(req.spec).unit


def attack_panel(req: cr.CertifyRequest, run: cr.CertifyRun) -> None:
    """Table 4: PGD-L2 success on the bare model and on each smoothed classifier."""
    from tsviz.certify import CertifyError

    st.write("Attack success rate of PGD-L2 (Table 4): on the bare model, and on each smoothed classifier through "
             "its Monte Carlo soft classifier; smoothed predictions by PREDICT (an abstention counts as a success).")
    n_max = min(len(run.indices), cap("certify_attack_series"))
    with st.form("cert_atk_form", enter_to_submit=False, border=False):
        c = st.columns(5, vertical_alignment="bottom")
        eps_text = c[0].text_input(f"L2 budgets ({req_unit(req)})", format_list([req.sigma * f for f in (0.5, 1)]),
                                   key="cert_atk_eps", help="The paper's Table 4 uses several budgets per dataset")
        steps = c[1].number_input("PGD steps", 1, cap("certify_pgd_steps"), 10, key="cert_atk_steps")
        draws = c[2].number_input("Noise draws per step", 1, cap("certify_draws"), 4, key="cert_atk_draws",
                                  help="Monte Carlo draws of the soft smoothed classifier per PGD step (Salman et al. "
                                       "use more; 4 keep a demo short)")
        n_atk = c[3].number_input("Series", 1, n_max, min(10, n_max), key="cert_atk_n")
        go = c[4].form_submit_button("Run attack", key="cert_atk_go")
    _eta(req, lambda: cr.attack_rates_cost(req, len(parse_numbers(eps_text, name="L2 budgets", low=0.0, max_count=8)),
                                           int(steps), int(draws), int(n_atk)))
    notice_cancelled("cert_attack")
    if go:
        with guard("Attack failed"), long_action("cert_attack", "Attacking…") as bar:
            eps_values = parse_numbers(eps_text, name="L2 budgets", low=0.0, max_count=8, error=CertifyError)
            cr.attack_rates(req, eps_values, steps, draws, n_atk, bar)
            _keep("attack", req, (tuple(eps_values), int(steps), int(draws), int(n_atk)))
    done = _done("attack", req)
    if done:
        f = cr.attack_rates(req, *done)
        show_figure(viz.attack_success_figure(f, unit=req_unit(req)), "pgd-l2-attack-success", key="cert_atk_fig")
        show_table(f, "pgd-l2-attack-success", key="cert_atk_table", hide_index=True)
        st.caption(f"Benign: the bare model of {req.configs[0].label} ({req.configs[0].paths[0].split('/')[-1]}).")


def soundness_panel(req: cr.CertifyRequest, run: cr.CertifyRun) -> None:
    """Attacks inside the certified radii: a certificate that breaks is reported as FAILED."""
    from tsviz.certify import CertifyError

    st.write("Try to break the certificates: PGD-L2 on the soft smoothed classifier and random directions, at "
             "a fraction of each series' certified radius; PREDICT decides at the perturbed series. Inside the "
             "radius (fraction < 1) a change may happen for at most about a share α of series.")
    labels = list(run.comparison.results)
    n_max = min(len(run.indices), cap("soundness_series"))
    with st.form("cert_sound_form", enter_to_submit=False, border=False):
        c = st.columns(6, vertical_alignment="bottom")
        which = c[0].selectbox("Classifier", labels, key="cert_sound_cfg")
        fr_text = c[1].text_input("Fractions of R", "0.99, 2", key="cert_sound_fr",
                                  help="< 1 tests the certificate; ≥ 1 shows how tight it is")
        dirs = c[2].number_input("Random directions", 0, cap("soundness_directions"), 8, key="cert_sound_dirs")
        psteps = c[3].number_input("PGD steps", 0, cap("certify_pgd_steps"), 10, key="cert_sound_steps")
        n_sound = c[4].number_input("Series", 1, n_max, min(10, n_max), key="cert_sound_n",
                                    help="Certified series checked (the first ones); 10 for a demo")
        go = c[5].form_submit_button("Run check", key="cert_sound_go")
    _eta(req, lambda: cr.soundness_cost(req, which, len(parse_numbers(fr_text, name="fractions", low=0.0)),
                                        int(dirs), int(psteps), int(n_sound)))
    notice_cancelled("cert_soundness")
    if go:
        with guard("Soundness check failed"), long_action("cert_soundness", "Attacking inside the radii…") as bar:
            fr = parse_numbers(fr_text, name="fractions", low=0.0, max_count=cap("soundness_fractions"),
                               error=CertifyError)
            cr.soundness(req, which, fr, dirs, psteps, n_sound, bar)
            _keep("soundness", req, (which, tuple(fr), int(dirs), int(psteps), int(n_sound)))
    done = _done("soundness", req)
    if done:
        rep = cr.soundness(req, *done)
        s = rep.summary()
        (st.success if rep.passed else st.error)(
            f"{done[0]}: {s['n_series_changed_inside']} of {s['n_series']} series changed class inside their "
            f"radius (tolerance {s['tolerance']} at α = {s['alpha']:g}): "
            + ("passed." if rep.passed else "FAILED — the certificates are not sound for this setup."))
        if len(rep.checks):
            chk = rep.checks.assign(idx=run.indices[rep.checks["idx"].to_numpy()])
            show_figure(viz.soundness_figure(chk, unit=req_unit(req)), "soundness-check", key="cert_sound_fig")
            show_table(chk, "soundness-checks", key="cert_sound_table", hide_index=True)
        st.json(s)


# ----------------------------------------------------------------------------- clinical certificate
def clinical_certificates(req: cr.CertifyRequest, run: cr.CertifyRun, threshold_mv: float | None) -> dict | None:
    """Label -> :class:`tsviz.certify.ClinicalCertificate` of each classifier at ``threshold_mv``
    (mV peak), the beats named by their test-set index; ``None`` without a threshold or when the
    dataset is not in volts (:func:`tsviz.certify.is_voltage_unit`). Cheap: no model is evaluated."""
    from tsviz.certify import clinical_certificate, is_voltage_unit

    ds = get_dataset(req.spec)
    if threshold_mv is None or not is_voltage_unit(ds.unit):
        return None
    _, y = cr.certified_series(req, run)
    ids = [int(i) for i in run.indices]
    return {label: clinical_certificate(r, y, threshold_mv=threshold_mv, length=ds.length, channels=ds.n_channels,
                                        unit=ds.unit, ids=ids) for label, r in run.comparison.results.items()}


def clinical_metrics(certs: dict) -> list[dict]:
    """One metric per classifier: "18 of 50 (36 %)" certified below the threshold; the sentence as help."""
    out = []
    for label, c in certs.items():
        n = int(c.certified.shape[0])
        out.append({"label": f"Certified below {c.threshold_mv:g} mV peak · {label}",
                    "value": f"{c.n_certified} of {n} ({100.0 * c.share:.0f} %)", "help": c.statement})
    return out


def clinical_caption(certs: dict) -> str:
    """Each classifier's certificate sentence, one per line ("Single: 18 of 50 beats (36 %) are ...")."""
    return "  \n".join(f"**{label}**: {c.statement}" for label, c in certs.items())


def clinical_threshold(certs: dict | None, unit: str) -> tuple[float | None, str | None]:
    """``(radius in the dataset's unit, label)`` of the threshold line on the accuracy-vs-radius curve."""
    from tsviz.certify import mv_per_unit

    if not certs:
        return None, None
    c = next(iter(certs.values()))
    return (c.threshold_l2_mv / mv_per_unit(unit),
            f"{c.threshold_mv:g} mV peak (L2 {c.threshold_l2_mv:.3g} mV)")


def clinical_panel(req: cr.CertifyRequest, run: cr.CertifyRun, threshold_mv: float | None) -> dict | None:
    """The clinical certificate of the results header: one metric and one sentence per classifier
    (nothing when the dataset is not in volts: the setup says why). Returns the certificates."""
    certs = None
    with guard("Could not state the clinical certificate"):
        certs = clinical_certificates(req, run, threshold_mv)
    if certs:
        from tsviz.ui.page import metric_row

        metric_row(clinical_metrics(certs))
        st.caption(clinical_caption(certs) + "  \nWith probability ≥ 1 − α per beat (Cohen et al. 2019); edits "
                   "whose peak reaches the threshold are not covered.")
        note = unreachable_note(req, next(iter(certs.values())).threshold_l2_mv / _mv_per_unit(req))
        if note:
            st.info(note, icon=":material/straighten:")
    return certs


def _mv_per_unit(req: cr.CertifyRequest) -> float:
    from tsviz.certify import mv_per_unit

    return mv_per_unit(get_dataset(req.spec).unit)


def unreachable_note(req: cr.CertifyRequest, threshold_l2: float) -> str:
    """When the largest radius ``n`` draws allow (:func:`tsviz.certify.radius_ceiling`) is below the
    threshold's L2 (in the dataset's unit), say so and name the ``n`` that reaches it; else ``""``."""
    from tsviz.certify import n_for_radius
    from tsviz.ui.certify_form import radius_ceiling_of

    try:
        top = radius_ceiling_of(req.sigma, req.n, req.alpha, req.bound)
        if top >= threshold_l2:
            return ""
        try:
            need = f"raise n to {n_for_radius(threshold_l2, req.sigma, req.alpha, bound=req.bound):,} or σ"
        except Exception:  # noqa: BLE001 - beyond every n: only sigma helps
            need = "raise σ"
    except Exception:  # noqa: BLE001 - a note must never break the results
        return ""
    unit = req_unit(req)
    return (f"No beat can be certified at the threshold's L2 ({threshold_l2:.3g} {unit}) with n = {req.n:,} at "
            f"σ = {req.sigma:g}: the largest radius n allows is {top:.3g} {unit}; {need} to reach it.")


def clinical_table(req: cr.CertifyRequest, run: cr.CertifyRun, certs: dict | None):
    """The per-series table (:func:`tsviz.ui.certify_run.series_table`) with, when there is a clinical
    certificate, the columns :data:`INVISIBLE_COLUMN` (µV peak each radius covers) and
    :data:`CERTIFIED_COLUMN`."""
    import numpy as np

    table = cr.series_table(req, run)
    if certs:
        labels = list(run.comparison.results)
        table[INVISIBLE_COLUMN] = np.concatenate([certs[k].invisible_peak_uv for k in labels])
        table[CERTIFIED_COLUMN] = np.concatenate([certs[k].certified for k in labels])
    return table
