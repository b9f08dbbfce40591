"""Certify page setup: the smoothing settings and the four smoothed classifiers of the self-ensemble
paper, as the request they make (:class:`tsviz.ui.certify_run.CertifyRequest`).

Single (one Gaussian-trained model), DE (deep ensemble of several models), M_B and M_C (one
mask-trained model over m fixed binomial / continuous masks). Defaults pick the shipped zoo
models for the dataset and sigma — their recipe names are read with
:func:`tsviz.training.parse_recipe_name` (``gaussian-<sigma>``,
``masked_gaussian-<sigma>-<kind>``) — so the Fig. 4 comparison is one click away.

The setup is not an ``st.form``: a new sigma re-picks the matching models and the cost note (model
evaluations and the time they take on this machine) follows every change; only the *Certify* button
starts work.

Teaching defaults (:data:`TEACHING`: 40 test series, n0 = 20, n = 200, m = 4 masks) finish in about
20 s of CPU on one core (28 s with DE) and still show the self-ensemble effect on the synthetic ECG
set at sigma = 0.25: M_B and M_C abstain less than Single, and M_B certifies a larger ACR on every
seed measured (M_C on two of four). They are not bound by the radius ceiling of n = 200 (0.456 mV; 30-50 %
of the certified series reach it, :func:`tsviz.certify.ceiling_report`), unlike sigma = 0.1 on the
same data or CBF at n = 1,000 (issue 15), where the page warns (:func:`~tsviz.ui.certify_panels.ceiling_warning`)
and the caption under *n* shows the ceiling (:func:`ceiling_caption`). The papers' settings are one click away, with
their time shown: *Paper settings* (the self-ensemble paper: n = 1,000, β = 0.001, m = 5, p = 0.9,
the whole test split within the cost cap) and *Cohen et al.* (n0 = 100, n = 100,000, α = 0.001, as
many series as the cost cap allows).
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from tsviz.ui.caps import cap
from tsviz.ui.certify_run import CertifyRequest, ConfigSpec

__all__ = ["KINDS", "TEACHING", "PRESETS", "N_HELP", "recipe_of", "recipe_sigma", "config_form", "certify_setup",
           "preset_values", "certify_eta", "radius_ceiling_of", "ceiling_caption", "THRESHOLD_HELP", "threshold_input",
           "threshold_caption", "no_certificate_text"]

#: (key, title, help) of the four configurations.
KINDS = (
    ("single", "Single", "One model under Gaussian noise (Cohen et al.)"),
    ("de", "DE", "Deep ensemble: softmax averaged over several models, then counted"),
    ("mb", "M_B", "Self-ensemble over m fixed binomial masks (each step kept with probability p)"),
    ("mc", "M_C", "Self-ensemble over m fixed continuous masks (round(pT) kept steps in mask-lets)"),
)
#: Zoo recipe each configuration prefers: (recipe, mask kind or None).
PREFERRED = {"single": ("gaussian", None), "de": ("gaussian", None), "mb": ("masked_gaussian", "binomial"),
             "mc": ("masked_gaussian", "continuous")}
#: Sigma shown when the selected model's recipe names none.
DEFAULT_SIGMA = 0.25
#: Teaching defaults (widget key -> value): about 20 s on two cores for Single + M_B + M_C, enough
#: series and draws for the ensembles' lower abstention and larger ACR to show on synthetic ECG.
TEACHING = {"cert_n0": 20, "cert_n": 200, "cert_alpha": 0.001, "cert_series": 40, "cert_m_mb": 4, "cert_m_mc": 4,
            "cert_keep_mb": 0.9, "cert_keep_mc": 0.9}
#: Help of the n field: what n does and why the demo uses 200 (issue 15: a comparison whose radii
#: sit at the ceiling n allows measures n, not the classifiers).
N_HELP = ("Estimation draws. They cap the radius: with all n draws on one class, Cohen's bound certifies "
          "σ·Φ⁻¹(α^(1/n)) (shown under this field: 0.456 mV at σ = 0.25, α = 0.001, n = 200) and no classifier "
          "can show more. 200 keeps the teaching run near 20 s of CPU, and on synthetic ECG at σ = 0.25 only "
          "30-50 % of the certified series reach that ceiling, so the classifiers still differ (M_B certifies "
          "0.02-0.06 mV more ACR than Single on four seeds). At σ = 0.1 (about 80 % at the ceiling) or on CBF "
          "(all 30 series at the ceiling of n = 1,000, equal ACRs) a comparison measures n instead; the page "
          "warns when most radii sit at the ceiling. The self-ensemble paper uses n = 1,000, Cohen et al. "
          "100,000 (higher ceilings, longer runs).")
#: Help of the visibility threshold (issue 19).
THRESHOLD_HELP = ("Largest deflection nobody reading the ECG would see, in mV peak. 0.05 mV is half a small (1-mm) "
                  "square at the standard 10 mm/mV. An edit whose every sample stays below this peak has an L2 "
                  "norm of at most peak × √(samples × channels), so a beat certified at that radius is provably "
                  "safe against all of them (shown after a certification, per classifier and per beat).")
#: Paper-scale presets: (button label, widget values, source). ``cert_series`` None: as many test
#: series as the cost cap allows (the whole test split at most).
PRESETS = {
    "paper": ("Paper settings", {"cert_n0": 100, "cert_n": 1000, "cert_alpha": 0.001, "cert_m_mb": 5, "cert_m_mc": 5,
                                 "cert_keep_mb": 0.9, "cert_keep_mc": 0.9, "cert_series": None},
              "the self-ensemble paper (section 5.3): 1,000 noise draws, β = 0.001, 5-member ensembles, p = 0.9, "
              "the whole test split"),
    "cohen": ("Cohen et al.", {"cert_n0": 100, "cert_n": 100_000, "cert_alpha": 0.001, "cert_series": None},
              "Cohen et al. (ICML 2019): n0 = 100, n = 100,000, α = 0.001"),
}


def recipe_of(card: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """``(recipe, hyperparameters)`` of a model card's zoo recipe name; ``("", {})`` when it names
    none that :func:`tsviz.training.parse_recipe_name` reads."""
    from tsviz.training import parse_recipe_name

    try:
        return parse_recipe_name(str((card or {}).get("recipe", "")))
    except ValueError:
        return "", {}


def recipe_sigma(card: dict[str, Any] | None) -> float:
    """The sigma a model was trained at (Gaussian or masked-Gaussian recipes), else 0.25."""
    return float(recipe_of(card)[1].get("sigma", DEFAULT_SIGMA))


def _matches(card: dict[str, Any], key: str, sigma: float) -> bool:
    recipe, hp = recipe_of(card)
    want, kind = PREFERRED[key]
    return recipe == want and abs(float(hp.get("sigma", -1.0)) - sigma) < 1e-9 and hp.get("kind") == kind


def _default_index(choices: list[dict[str, Any]], key: str, sigma: float, fallback: str | None) -> int:
    for wanted in (lambda c: _matches(c, key, sigma) and c["source"] == "zoo" and c.get("arch") == "kachuee",
                   lambda c: _matches(c, key, sigma), lambda c: c["path"] == fallback):
        for i, c in enumerate(choices):
            if wanted(c):
                return i
    return 0


def config_form(choices: list[dict[str, Any]], sigma: float, selected: str | None) -> tuple[ConfigSpec, ...]:
    """Draw one column per configuration; returns the enabled ones."""
    labels = [c["label"] for c in choices]
    path_of = {c["label"]: c["path"] for c in choices}
    max_masks = cap("certify_masks")
    out = []
    for col, (key, title, help_) in zip(st.columns(4), KINDS):
        with col:
            on = st.checkbox(title, key != "de", key=f"cert_on_{key}", help=help_)
            skey = f"{sigma:g}"  # defaults follow sigma: a new sigma re-picks the matching zoo models
            if key == "de":
                gauss = [c["label"] for c in choices if recipe_of(c)[0] == "gaussian"]
                members = st.multiselect("Members", labels, default=gauss[:3] if len(gauss) >= 2 else labels[:2],
                                         key=f"cert_de_members_{skey}", disabled=not on, help="At least two models")
                if on:
                    out.append(ConfigSpec(key, title, tuple(path_of[m] for m in members), None, 0, 1.0))
                continue
            model = st.selectbox("Model", labels, index=_default_index(choices, key, sigma, selected),
                                 key=f"cert_model_{key}_{skey}", disabled=not on)
            kind = PREFERRED[key][1]
            m = st.number_input("Masks m", 1, max_masks, TEACHING.get(f"cert_m_{key}", 4), key=f"cert_m_{key}",
                                disabled=not on or kind is None,
                                help=f"Ensemble size, at most {max_masks}; 4 for a demo, the paper uses 5")
            keep = st.number_input("Keep ratio p", 0.05, 1.0, TEACHING.get(f"cert_keep_{key}", 0.9), 0.05,
                                   key=f"cert_keep_{key}", disabled=not on or kind is None)
            if on:
                out.append(ConfigSpec(key, title, (path_of[model],), kind, int(m), float(keep)))
    return tuple(out)


def certify_setup(sel, choices: list[dict[str, Any]]) -> CertifyRequest:
    """Draw the settings and the classifiers; return the request they make, with a note of its cost
    and time on this machine, and the preset buttons."""
    from tsviz.certify import BOUNDS

    ds = sel.dataset
    c = st.columns(7)
    sigma = c[0].number_input(f"σ ({ds.unit})", 0.01, 10.0, recipe_sigma(sel.model_card), 0.05, key="cert_sigma",
                              help="Noise level of the smoothed classifier; the zoo has base models trained at "
                                   "0.1, 0.25 and 0.5 for synthetic-ecg and cbf. 0.25 shows the self-ensemble on "
                                   "synthetic ECG: at 0.1 most radii sit at the ceiling n allows, at 0.5 the "
                                   "masked models are weaker than Single")
    n0 = c[1].number_input("n0", 1, cap("certify_n0"), TEACHING["cert_n0"], key="cert_n0",
                           help="Selection draws (Cohen et al. use 100; 20 pick the top class well enough for a demo)")
    n = c[2].number_input("n", 10, cap("certify_n"), TEACHING["cert_n"], key="cert_n", help=N_HELP)
    alpha = c[3].number_input("α", 0.0001, 0.1, TEACHING["cert_alpha"], 0.001, format="%.4f", key="cert_alpha",
                              help="Failure probability of each certificate")
    bound = c[4].selectbox("Bound", list(BOUNDS), key="cert_bound",
                           help="cohen: σ Φ⁻¹(pA); renyi: Theorem 4.1 (Li et al.) with simultaneous bounds on pA, pB")
    max_series = cap("certify_series")
    n_series = c[5].number_input("Series", 1, max_series, min(TEACHING["cert_series"], len(ds.y_test)),
                                 key="cert_series", help=f"Random test series, at most {max_series}; 40 for a demo")
    seed = c[6].number_input("Seed", 0, 2**31 - 1, 0, key="cert_seed", help="Series choice, masks and noise")
    note = ceiling_caption(float(sigma), int(n), float(alpha), str(bound), ds.unit)
    if note:
        c[2].caption(note)
    st.markdown("**Classifiers** (defaults: the zoo's models trained at this σ, as in Fig. 4 of the paper)")
    specs = config_form(choices, float(sigma), sel.model_path)
    req = CertifyRequest(spec=sel.dataset_spec, device=sel.device, configs=specs, sigma=float(sigma), n0=int(n0),
                         n=int(n), alpha=float(alpha), bound=str(bound), n_series=min(int(n_series), len(ds.y_test)),
                         seed=int(seed))
    eta = certify_eta(req, ds)
    st.caption(f"{req.forward_passes():,} model evaluations in all" + (f" · {eta.lower()}" if eta else ""))
    _preset_buttons(req, ds)
    return req


@st.cache_data(show_spinner=False, max_entries=64)
def radius_ceiling_of(sigma: float, n: int, alpha: float, bound: str) -> float:
    """The largest radius ``n`` draws can certify (:func:`tsviz.certify.radius_ceiling`), cached."""
    from tsviz.certify import radius_ceiling

    return radius_ceiling(sigma, n, alpha, bound=bound)


def ceiling_caption(sigma: float, n: int, alpha: float, bound: str, unit: str) -> str:
    """"Largest radius: 0.456 mV" for the settings shown (empty when they are refused: the run says why)."""
    try:
        top = radius_ceiling_of(float(sigma), int(n), float(alpha), str(bound))
    except Exception:  # noqa: BLE001 - a caption must never break the page
        return ""
    return f"Largest radius: {top:.3g} {unit or ''}".rstrip()


def certify_eta(req: CertifyRequest, ds) -> str:
    """"About 20 s on this machine" for ``req`` (forward passes of its first classifier's model)."""
    from tsviz.ui.long_action import eta_note

    stem = req.configs[0].paths[0] if req.configs and req.configs[0].paths else None
    return eta_note(req.forward_passes(), 0, stem, req.device, ds.n_channels, ds.length, count=False)


def preset_values(name: str, req: CertifyRequest, n_test: int) -> dict[str, Any]:
    """The widget values of preset ``name`` (:data:`PRESETS`, or ``"teaching"``) for the classifiers
    of ``req``: the series as many as the cost cap allows, the whole test split at most."""
    from dataclasses import replace

    from tsviz.core import max_cost

    values = dict(TEACHING if name == "teaching" else PRESETS[name][1])
    if values.get("cert_series", 0) is None:
        probe = replace(req, n_series=1, n0=values["cert_n0"], n=values["cert_n"],
                        configs=tuple(replace(s, m=values.get(f"cert_m_{s.key}", s.m)) for s in req.configs))
        per = max(probe.forward_passes(), 1)
        values["cert_series"] = int(max(1, min(n_test, cap("certify_series"), max_cost() // per)))
    values["cert_series"] = int(min(values["cert_series"], n_test))
    return values


def _apply(values: dict[str, Any]) -> None:
    st.session_state.update(values)


def _preset_buttons(req: CertifyRequest, ds) -> None:
    """*Paper settings*, *Cohen et al.* and *Teaching defaults*: each sets the fields above (nothing
    runs until *Certify*); the captions say what they set and how long they take here."""
    from dataclasses import replace

    c = st.columns([1, 1, 1, 3], vertical_alignment="center")
    notes = []
    for col, name in zip(c[:2], PRESETS):
        label, _, source = PRESETS[name]
        values = preset_values(name, req, len(ds.y_test))
        probe = replace(req, n0=values["cert_n0"], n=values["cert_n"], n_series=values["cert_series"],
                        configs=tuple(replace(s, m=values.get(f"cert_m_{s.key}", s.m)) for s in req.configs))
        eta = certify_eta(probe, ds)
        col.button(label, key=f"cert_preset_{name}", on_click=_apply, args=(values,),
                   help=f"{source}; {values['cert_series']} series. Sets the fields above; press Certify to start.")
        notes.append(f"{label}: {values['cert_series']} series, n0 = {values['cert_n0']:,}, n = {values['cert_n']:,}"
                     + (f", {eta.lower()}" if eta else ""))
    c[2].button("Teaching defaults", key="cert_preset_teaching", on_click=_apply,
                args=(preset_values("teaching", req, len(ds.y_test)),),
                help="Back to the demo settings: 40 series, n0 = 20, n = 200, m = 4 (about 20 s on two cores)")
    c[3].caption(" · ".join(notes))


def threshold_caption(threshold_mv: float, length: int, channels: int) -> str:
    """"Every edit below 0.05 mV peak has L2 ≤ 0.684 mV on these 187-sample beats (1 channel)..."."""
    from tsviz.certify import invisible_l2

    try:
        l2 = invisible_l2(float(threshold_mv), length=int(length), channels=int(channels))
    except Exception:  # noqa: BLE001 - a caption must never break the page
        return ""
    ch = "1 channel" if int(channels) == 1 else f"{int(channels)} channels"
    return (f"Every edit below {float(threshold_mv):g} mV peak has L2 ≤ {l2:.3g} mV on these {int(length)}-sample "
            f"beats ({ch}): a beat certified at that radius is safe against all of them.")


def no_certificate_text(unit: str) -> str:
    """Why a dataset whose unit is not a voltage gets no clinical certificate."""
    shown = unit if unit else "no unit"
    return (f"No clinical certificate: this dataset's series are in {shown}, not in volts (mV, µV or V), so a "
            "visibility threshold on ECG paper (0.05 mV = half a small square) means nothing here.")


def threshold_input(ds) -> float | None:
    """The visibility threshold (mV peak) and its caption (the L2 it means at ``ds``'s length and
    channels); for a dataset not in volts, a caption saying why there is no clinical certificate and
    ``None``. Only the results' certificate reads it: changing it certifies nothing again."""
    from tsviz.certify import DEFAULT_THRESHOLD_MV, is_voltage_unit

    if not is_voltage_unit(ds.unit):
        st.caption(no_certificate_text(ds.unit))
        return None
    c = st.columns([1, 4], vertical_alignment="bottom")
    t = c[0].number_input("Visibility threshold (mV peak)", 0.001, 10.0, DEFAULT_THRESHOLD_MV, 0.01, format="%.3f",
                          key="cert_threshold_mv", help=THRESHOLD_HELP)
    c[1].caption(threshold_caption(float(t), ds.length, ds.n_channels))
    return float(t)
