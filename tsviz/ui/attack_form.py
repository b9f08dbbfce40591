"""Attack parameter widgets (capped) for the Attack page, the total-cost note, and the check of a
finished run before it replaces the previous results."""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

DESCRIPTIONS = {
    "fgsm": "FGSM — one signed-gradient step (white-box)",
    "bim": "BIM — iterated FGSM, clipped to the ball each step (white-box)",
    "pgd": "PGD — projected gradient descent, L∞ or L2, random start (white-box)",
    "wpgd": "Wasserstein PGD — cost-sensitive directions between classes (white-box)",
    "spsa": "SPSA — gradient-free, finite differences + Adam (black-box)",
    "genattack": "GenAttack — genetic algorithm on probabilities (black-box)",
}
CAPS = {"steps": 200, "restarts": 5, "samples": 512, "iterations": 500, "population": 100, "generations": 2000,
        "max_queries": 100_000}


def default_eps(X: np.ndarray) -> float:
    """5 % of the data's 1-99 % amplitude range, to two significant digits."""
    lo, hi = np.percentile(X, [1, 99])
    v = 0.05 * float(hi - lo) or 0.01
    return float(f"{v:.2g}")


def attack_form(name: str, *, unit: str, eps0: float, n_classes: int, key: str = "atk") -> dict[str, Any]:
    """Widgets for one attack's hyperparameters; returns them as keyword arguments."""
    p: dict[str, Any] = {}
    c = st.columns(4)
    p["eps"] = c[0].number_input(f"eps ({unit})", min_value=1e-6, value=eps0, format="%.4g", key=f"{key}_{name}_eps",
                                 help="Budget: largest change per time step (L∞) or total L2 norm, in signal units")
    if name in ("bim", "pgd", "wpgd"):
        p["steps"] = c[1].number_input("steps", 1, CAPS["steps"], 20 if name != "bim" else 10, key=f"{key}_{name}_steps",
                                       help=f"At most {CAPS['steps']}")
        p["alpha"] = c[2].number_input(f"step alpha ({unit})", min_value=1e-7, value=float(f"{eps0 / 4:.2g}"),
                                       format="%.4g", key=f"{key}_{name}_alpha")
    if name == "pgd":
        p["norm"] = c[3].selectbox("norm", ["inf", "l2"], key=f"{key}_pgd_norm")
        d = st.columns(4)
        p["random_start"] = d[0].checkbox("random start", True, key=f"{key}_pgd_rs")
        p["restarts"] = d[1].number_input("restarts", 1, CAPS["restarts"], 1, key=f"{key}_pgd_restarts",
                                          disabled=not p["random_start"])
    if name == "wpgd":
        p["p"] = c[3].number_input("cost power p", 0.1, 20.0, 1.0, key=f"{key}_wpgd_p")
        p["lam"] = st.number_input("entropy weight λ", 0.01, 1e4, 10.0, key=f"{key}_wpgd_lam",
                                   help="Larger λ: closer to the exact Wasserstein distance (less entropy)")
    if name == "spsa":
        p["delta"] = c[1].number_input(f"delta ({unit})", min_value=1e-6, value=float(f"{eps0 / 10:.2g}"),
                                       format="%.4g", key=f"{key}_spsa_delta")
        p["lr"] = c[2].number_input("Adam lr", 1e-5, 10.0, float(f"{eps0 / 10:.2g}"), format="%.4g", key=f"{key}_spsa_lr")
        p["samples"] = c[3].number_input("samples / estimate", 2, CAPS["samples"], 64, step=2, key=f"{key}_spsa_samples")
        p["iterations"] = st.number_input("iterations", 1, CAPS["iterations"], 100, key=f"{key}_spsa_iters",
                                          help=f"At most {CAPS['iterations']}")
    if name == "genattack":
        p["population"] = c[1].number_input("population", 2, CAPS["population"], 6, key=f"{key}_ga_pop")
        p["generations"] = c[2].number_input("generations", 1, CAPS["generations"], 500, key=f"{key}_ga_gen")
        p["temperature"] = c[3].number_input("selection temperature", 1e-3, 10.0, 0.1, key=f"{key}_ga_temp")
        d = st.columns(4)
        p["rho"] = d[0].number_input("mutation prob. ρ", 1e-3, 1.0, 0.15, key=f"{key}_ga_rho")
        p["alpha"] = d[1].number_input("mutation range α (× eps)", 1e-3, 1.0, 0.15, key=f"{key}_ga_alpha")
        p["dim_reduction"] = d[2].number_input("evolved length (fraction of T)", 0.05, 1.0, 1.0,
                                               key=f"{key}_ga_dim")
        p["max_queries"] = int(d[3].number_input("query budget / series", 10, CAPS["max_queries"], 10_000,
                                                 key=f"{key}_ga_maxq"))
    return {k: (int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v) for k, v in p.items()}


def cost_note(name: str, params: dict[str, Any], n_series: int) -> None:
    """Show the run's total cost (model evaluations, :meth:`Attack.cost_factors`) against the library's
    cap (:func:`tsviz.core.max_cost`, ``TSVIZ_MAX_COST``); over the cap, a warning naming what to lower.
    The library refuses such a run anyway; this says so before the user presses Run."""
    from tsviz.attacks import make_attack
    from tsviz.core import max_cost

    try:
        attack = make_attack(name, **params)
        factors = attack.cost_factors(int(n_series)) if hasattr(attack, "cost_factors") else {"series": n_series}
        total = int(np.prod([max(int(v), 0) for v in factors.values()], dtype=object))
        cap = max_cost()
    except Exception:  # noqa: BLE001 - bad settings are reported when the user runs
        return
    parts = " x ".join(f"{k} {int(v):,}" for k, v in factors.items())
    if total > cap:
        st.warning(f"These settings cost {total:,} model evaluations ({parts}), over this server's cap of {cap:,}: "
                   f"lower {', '.join(factors)}.")
    else:
        st.caption(f"Cost: {total:,} model evaluations ({parts}); this server's cap is {cap:,}.")


def check_report(report) -> None:
    """Raise :class:`tsviz.core.TsvizError` when a finished attack's series or probabilities are not
    finite (so they never replace the previous results)."""
    from tsviz.core import TsvizError

    for field in ("x_adv", "clean_probs", "adv_probs"):
        value = getattr(report, field, None)
        if value is not None and not np.isfinite(np.asarray(value, dtype=np.float64)).all():
            raise TsvizError(f"the attack produced non-finite values in {field}; lower eps (or the step size)")
