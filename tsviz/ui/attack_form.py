"""Attack page setup: the attack's parameters (capped by ``tsviz.attacks.CAPS``), the series to
attack, the total-cost note, and the request they make (:class:`tsviz.ui.attack_run.AttackRequest`).

The setup is not an ``st.form``: the parameters shown depend on the attack chosen, and the cost
note (model evaluations and the time they take on this machine) follows every change before the
user presses *Run attack* (nothing runs on Enter: only the button starts work, and reruns reuse
cached results).

Defaults are for a live demo (one FGSM step on 50 series: about a second). *Paper settings*
(:func:`paper_settings`) sets the chosen attack's counts and the series to the papers' protocols, with
the time they take shown next to the button; *Teaching defaults* puts the defaults back.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from tsviz.ui.attack_run import SELECTION_MODES, AttackRequest
from tsviz.ui.caps import cap

__all__ = ["DESCRIPTIONS", "SELECTION_MODES", "COST_KINDS", "default_eps", "attack_form", "attack_setup",
           "cost_note", "attack_cost", "paper_settings", "PAPER_SOURCES", "settings_buttons", "genattack_setting"]

DESCRIPTIONS = {
    "fgsm": "FGSM — one signed-gradient step (white-box)",
    "bim": "BIM — iterated FGSM, clipped to the ball each step (white-box)",
    "pgd": "PGD — projected gradient descent, L∞ or L2, random start (white-box)",
    "wpgd": "Wasserstein PGD — cost-sensitive directions between classes (white-box)",
    "spsa": "SPSA — gradient-free, finite differences + Adam (black-box)",
    "genattack": "GenAttack — genetic algorithm on probabilities (black-box)",
}
COST_KINDS = ("uniform", "latent centroids", "edit")


@st.cache_data(show_spinner=False, max_entries=16)
def _default_eps(spec: str) -> float:
    from tsviz.ui.cache import get_dataset

    lo, hi = np.percentile(get_dataset(spec).X_train, [1, 99])
    v = 0.05 * float(hi - lo) or 0.01
    return float(f"{v:.2g}")


def default_eps(spec: str) -> float:
    """5 % of the training data's 1-99 % amplitude range, to two significant digits (cached per spec)."""
    return _default_eps(spec)


def attack_form(name: str, *, unit: str, eps0: float, key: str = "atk") -> dict[str, Any]:
    """Widgets for one attack's hyperparameters; returns them as keyword arguments."""
    p: dict[str, Any] = {}
    c = st.columns(4)
    p["eps"] = c[0].number_input(f"eps ({unit})", min_value=1e-6, value=eps0, format="%.4g", key=f"{key}_{name}_eps",
                                 help="Budget: largest change per time step (L∞) or total L2 norm, in signal units")
    if name in ("bim", "pgd", "wpgd"):
        steps = cap("attack_steps")
        p["steps"] = c[1].number_input("steps", 1, steps, 20 if name != "bim" else 10, key=f"{key}_{name}_steps",
                                       help=f"At most {steps}")
        p["alpha"] = c[2].number_input(f"step alpha ({unit})", min_value=1e-7, value=float(f"{eps0 / 4:.2g}"),
                                       format="%.4g", key=f"{key}_{name}_alpha")
    if name == "pgd":
        p["norm"] = c[3].selectbox("norm", ["inf", "l2"], key=f"{key}_pgd_norm")
        d = st.columns(4)
        p["random_start"] = d[0].checkbox("random start", True, key=f"{key}_pgd_rs")
        p["restarts"] = d[1].number_input("restarts", 1, cap("attack_restarts"), 1, key=f"{key}_pgd_restarts",
                                          disabled=not p["random_start"])
    if name == "wpgd":
        p["p"] = c[3].number_input("cost power p", 0.1, 20.0, 1.0, key=f"{key}_wpgd_p")
        p["lam"] = st.number_input("entropy weight λ", 0.01, 1e4, 10.0, key=f"{key}_wpgd_lam",
                                   help="Larger λ: closer to the exact Wasserstein distance (less entropy)")
    if name == "spsa":
        p["delta"] = c[1].number_input(f"delta ({unit})", min_value=1e-6, value=float(f"{eps0 / 10:.2g}"),
                                       format="%.4g", key=f"{key}_spsa_delta")
        p["lr"] = c[2].number_input("Adam lr", 1e-5, 10.0, float(f"{eps0 / 10:.2g}"), format="%.4g",
                                    key=f"{key}_spsa_lr")
        p["samples"] = c[3].number_input("samples / estimate", 2, cap("spsa_samples"), 64, step=2,
                                         key=f"{key}_spsa_samples")
        iters = cap("spsa_iterations")
        p["iterations"] = st.number_input("iterations", 1, iters, 100, key=f"{key}_spsa_iters", help=f"At most {iters}")
    if name == "genattack":
        p["population"] = c[1].number_input("population", 2, cap("ga_population"), 6, key=f"{key}_ga_pop")
        p["generations"] = c[2].number_input("generations", 1, cap("ga_generations"), 500, key=f"{key}_ga_gen")
        p["temperature"] = c[3].number_input("selection temperature", 1e-3, 10.0, 0.1, key=f"{key}_ga_temp")
        d = st.columns(4)
        p["rho"] = d[0].number_input("mutation prob. ρ", 1e-3, 1.0, 0.15, key=f"{key}_ga_rho")
        p["alpha"] = d[1].number_input("mutation range α (× eps)", 1e-3, 1.0, 0.15, key=f"{key}_ga_alpha")
        p["dim_reduction"] = d[2].number_input("evolved length (fraction of T)", 0.05, 1.0, 1.0,
                                               key=f"{key}_ga_dim")
        p["max_queries"] = int(d[3].number_input("query budget / series", 10, cap("ga_max_queries"), 10_000,
                                                 key=f"{key}_ga_maxq"))
        p["adaptive"] = st.toggle("adaptive ρ, α (eq. 2.1-2.2; ρ and α are then floors)", True,
                                  key=f"{key}_ga_adaptive",
                                  help="The dissertation adapts ρ and α on ImageNet only; on MNIST/CIFAR-10 they stay "
                                       "fixed (the Paper settings)")
        preset = _genattack_preset(p)
        if preset is not None:
            p["preset"] = preset  # recorded with the run: these are exactly the paper's values
        st.caption(f"GenAttack setting in use: {genattack_setting(p)}.")
    return {k: (int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v) for k, v in p.items()}


def _genattack_preset(params: dict[str, Any]) -> str | None:
    """The GenAttack preset ``params`` are exactly (the constructor's defaults for what the form lacks)."""
    import inspect

    from tsviz.attacks import GenAttack
    from tsviz.attacks.genattack import GENATTACK_PRESETS
    from tsviz.core import matching_preset

    defaults = {k: p.default for k, p in inspect.signature(GenAttack).parameters.items()
                if p.default is not inspect.Parameter.empty}
    return matching_preset({**defaults, **{k: v for k, v in params.items() if k != "preset"}}, GENATTACK_PRESETS)


def genattack_setting(params: dict[str, Any]) -> str:
    """Which GenAttack setting ``params`` are: a preset of :data:`tsviz.attacks.genattack.GENATTACK_PRESETS`
    (the dissertation's), tsviz's defaults (adaptive schedule, temperature 0.1) or custom."""
    from tsviz.attacks.genattack import GENATTACK_PRESET_SOURCES

    name = _genattack_preset(params)
    if name is not None:
        return f"the paper's ({GENATTACK_PRESET_SOURCES[name]})"
    if params.get("adaptive", True) and params.get("temperature") == 0.1:
        return ("tsviz's default schedule (adaptive ρ/α, temperature 0.1 as the authors' run script passes; the "
                "Paper settings button sets the dissertation's MNIST/CIFAR-10 setting with temperature 0.3)")
    return "custom (neither the paper's nor tsviz's default)"


def _edited_cost(ds) -> tuple[tuple[float, ...], ...]:
    import pandas as pd

    from tsviz.attacks import uniform_cost

    base = pd.DataFrame(np.asarray(uniform_cost(ds.n_classes), dtype=float), index=ds.class_names,
                        columns=ds.class_names)
    edited = st.data_editor(base, key="atk_cost_editor")
    return tuple(tuple(float(v) for v in row) for row in edited.to_numpy(dtype=float))


def attack_cost(name: str, params: dict[str, Any], n_series: int) -> tuple[dict[str, int], bool]:
    """``(factors, black_box)``: the factors whose product bounds the run's model evaluations
    (:meth:`tsviz.attacks.base.Attack.cost_factors`) and whether they are forward passes only (a
    black-box attack) rather than forward + input-gradient passes. Raises for bad settings."""
    from tsviz.attacks import make_attack

    attack = make_attack(name, **params)
    return dict(attack.cost_factors(int(n_series))), bool(getattr(attack, "black_box", False))


def _eta(sel, total: int, black_box: bool, *, count: bool = False) -> str:
    from tsviz.ui.long_action import eta_note

    ds = sel.dataset
    return eta_note(total if black_box else 0, 0 if black_box else total, sel.model_path, sel.device,
                    ds.n_channels, ds.length, count=count, at_most=black_box)


#: Where each attack's paper settings come from (shown in the button's help and next to it).
PAPER_SOURCES = {
    "fgsm": "FGSM is one step (Goodfellow et al. 2015): every test series",
    "bim": "100 steps of 2.5 eps / 100 on every test series, the NSR paper's 100-step evaluation (Ma & Liang "
           "2020); BIM starts at the series itself",
    "pgd": "100 steps of 2.5 eps / 100 from a random start on every test series: the NSR paper's 100-PGD "
           "evaluation (Ma & Liang 2020), Madry et al.'s step size",
    "wpgd": "20 steps of 2.5 eps / 20 on every test series, the attack strength of Terzi et al.'s evaluation",
    "spsa": "100 iterations, 2048 probes per estimate capped at this server's 1000, 162 series per class "
            "(Ma & Liang 2020), fewer if the cost cap needs it",
    "genattack": "population 6, fixed mutation probability 0.05 and range 1.0, selection temperature 0.3, "
                 "100,000 queries per series (GenAttack's MNIST/CIFAR-10 settings, Alzantot et al. 2019; the "
                 "temperature of the authors' GenAttack2 class)",
}


def paper_settings(name: str, eps: float, n_split: int, n_classes: int) -> dict[str, Any]:
    """The widget values (``session_state`` key -> value) of the paper-scale settings of attack
    ``name`` at budget ``eps`` (kept: the papers' budgets are in their own data units) on a split of
    ``n_split`` series, each count within its cap and the total within the server's cost cap
    (:data:`PAPER_SOURCES` says where each value comes from)."""
    from tsviz.core import max_cost

    key = f"atk_{name}"
    out: dict[str, Any] = {"atk_mode": "random"}
    n = min(int(n_split), cap("attack_series"))
    if name in ("bim", "pgd", "wpgd"):
        steps = min(20 if name == "wpgd" else 100, cap("attack_steps"))
        out.update({f"{key}_steps": steps, f"{key}_alpha": float(f"{2.5 * eps / steps:.3g}")})
    if name == "pgd":
        out.update({"atk_pgd_rs": True, "atk_pgd_restarts": 1})
    if name == "spsa":
        samples = min(2048, cap("spsa_samples"))
        samples -= samples % 2
        iters = min(100, cap("spsa_iterations"))
        out.update({"atk_spsa_iters": iters, "atk_spsa_samples": samples})
        n = min(n, 162 * n_classes, max(1, max_cost() // (iters * (samples + 1))))
    if name == "genattack":
        queries = min(100_000, cap("ga_max_queries"))
        out.update({"atk_ga_pop": 6, "atk_ga_rho": 0.05, "atk_ga_alpha": 1.0, "atk_ga_maxq": queries,
                    "atk_ga_gen": min(cap("ga_generations"), queries // 5 + 1), "atk_ga_dim": 1.0,
                    "atk_ga_temp": 0.3, "atk_ga_adaptive": False})
        n = min(n, max(1, max_cost() // queries))
    out["atk_n"] = int(n)
    return out


def _attack_keys(name: str) -> list[str]:
    """The widgets *Teaching defaults* resets (their defaults are in :func:`attack_form` / :func:`attack_setup`)."""
    return ["atk_mode", "atk_n"] + [k for k in st.session_state if str(k).startswith(f"atk_{name}_")
                                    or (name == "genattack" and str(k).startswith("atk_ga_"))
                                    or (name == "spsa" and str(k).startswith("atk_spsa_"))]


def _apply(values: dict[str, Any]) -> None:
    st.session_state.update(values)


def _reset(keys: list[str]) -> None:
    for k in keys:
        st.session_state.pop(k, None)


def settings_buttons(sel, name: str, params: dict[str, Any]) -> None:
    """*Paper settings* (with the time they take on this machine) and *Teaching defaults* for the
    chosen attack; both set the widgets above, nothing runs until *Run attack*."""
    ds = sel.dataset
    n_split = len(ds.split(str(st.session_state.get("atk_split", "test")))[1])
    values = paper_settings(name, float(params["eps"]), n_split, ds.n_classes)
    eta = ""
    try:
        factors, black_box = attack_cost(name, {**params, **_paper_params(values)}, values["atk_n"])
        eta = _eta(sel, _product(factors), black_box)
    except Exception:  # noqa: BLE001 - an estimate must never break the page
        eta = ""
    c = st.columns([1, 1, 4], vertical_alignment="center")
    c[0].button("Paper settings", key="atk_paper", on_click=_apply, args=(values,),
                help=f"{PAPER_SOURCES[name]}. Sets the fields above; press Run attack to start.")
    c[1].button("Teaching defaults", key="atk_teaching", on_click=_reset, args=(_attack_keys(name),),
                help="Back to the demo settings: one quick run on 50 series")
    c[2].caption(f"Paper settings for {name}: {PAPER_SOURCES[name]}" + (f" · {eta.lower()}" if eta else ""))


_PARAM_OF_KEY = {"steps": "steps", "alpha": "alpha", "rs": "random_start", "restarts": "restarts",
                 "iters": "iterations", "samples": "samples", "pop": "population", "gen": "generations",
                 "rho": "rho", "maxq": "max_queries", "dim": "dim_reduction", "temp": "temperature",
                 "adaptive": "adaptive"}


def _paper_params(values: dict[str, Any]) -> dict[str, Any]:
    """The attack parameters among the paper's widget values (``atk_<attack>_<field>``)."""
    out = {}
    for k, v in values.items():
        field = k.rsplit("_", 1)[-1]
        if k.startswith(("atk_pgd_", "atk_bim_", "atk_wpgd_", "atk_spsa_", "atk_ga_")) and field in _PARAM_OF_KEY:
            out[_PARAM_OF_KEY[field]] = v
    return out


def _product(factors: dict[str, int]) -> int:
    return int(np.prod([max(int(v), 0) for v in factors.values()], dtype=object))


def attack_setup(sel) -> AttackRequest:
    """Draw the setup (attack, parameters, target, cost matrix, series) and return the request it
    makes; a note under it gives the run's total cost against the server's cap."""
    ds = sel.dataset
    a, b = st.columns([2, 1])
    name = a.selectbox("Attack", list(DESCRIPTIONS), format_func=DESCRIPTIONS.get, key="atk_name")
    params = attack_form(name, unit=ds.unit, eps0=default_eps(sel.dataset_spec))
    targeted = b.checkbox("Targeted", False, key="atk_targeted", disabled=name == "wpgd",
                          help="Push every series to one class (WPGD is untargeted)")
    target_name = b.selectbox("Target class", ds.class_names, key="atk_target", disabled=not targeted or name == "wpgd")
    cost_kind, cost = "uniform", None
    if name == "wpgd":
        cost_kind = st.radio("Cost matrix", list(COST_KINDS), horizontal=True, key="atk_cost_kind",
                             help="Cost of moving a series of class i to class j; latent centroids: distances "
                                  "between class means in the model's latent space")
        cost = _edited_cost(ds) if cost_kind == "edit" else None
    st.markdown("**Series**")
    c = st.columns(5)
    split = c[0].radio("Split", ["test", "train"], horizontal=True, key="atk_split")
    mode = c[1].selectbox("Which", list(SELECTION_MODES), key="atk_mode")
    n_max = cap("attack_series")
    n = c[2].number_input("How many", 1, n_max, 50, key="atk_n", help=f"At most {n_max}", disabled=mode == "one series")
    n_split = len(ds.split(split)[1])
    cls = c[3].selectbox("Class", ds.class_names, key="atk_class", disabled=mode != "class")
    index = c[3].number_input("Series index", 0, n_split - 1, 0, key="atk_index", disabled=mode != "one series")
    seed = c[4].number_input("Seed", 0, 2**31 - 1, 0, key="atk_seed", help="Sample choice and attack randomness")
    cost_note(name, params, 1 if mode == "one series" else min(int(n), n_split), sel)
    settings_buttons(sel, name, params)
    return AttackRequest(
        model=str(sel.model_path), spec=sel.dataset_spec, device=sel.device, attack=name,
        params=tuple(sorted(params.items())),
        target=ds.class_names.index(target_name) if targeted and name != "wpgd" else None,
        cost_kind=cost_kind, cost=cost, split=split, mode=mode, n=int(n), class_index=ds.class_names.index(cls),
        index=int(index), seed=int(seed))


def cost_note(name: str, params: dict[str, Any], n_series: int, sel=None) -> None:
    """Show the run's total cost (model evaluations, :meth:`Attack.cost_factors`) against the library's
    cap (:func:`tsviz.core.max_cost`, ``TSVIZ_MAX_COST``) and, with the sidebar's selection ``sel``, the
    time it takes on this machine (:mod:`tsviz.ui.eta`: the model's measured throughput); over the cap,
    a warning naming what to lower. The library refuses such a run anyway; this says so before the
    user presses Run."""
    from tsviz.core import max_cost

    try:
        factors, black_box = attack_cost(name, params, n_series)
        total = _product(factors)
        cap_total = max_cost()
    except Exception:  # noqa: BLE001 - bad settings are reported when the user runs
        return
    parts = " x ".join(f"{k} {int(v):,}" for k, v in factors.items())
    if total > cap_total:
        st.warning(f"These settings cost {total:,} model evaluations ({parts}), over this server's cap of "
                   f"{cap_total:,}: lower {', '.join(factors)}.")
        return
    eta = _eta(sel, total, black_box) if sel is not None else ""
    st.caption(f"Cost: {total:,} model evaluations ({parts}); this server's cap is {cap_total:,}."
               + (f" {eta}{' (it stops early on success)' if black_box else ''}." if eta else ""))
