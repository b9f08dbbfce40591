"""Attack parameter widgets (capped) for the Attack page; returns an attack instance."""
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
