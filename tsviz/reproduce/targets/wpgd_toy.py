"""Directional adversarial training (WPGD), Fig. 8/9: the 2-D three-class toy problem.

Paper
-----
Terzi, M., Susto, G. A., Chaudhari, P. "Directional adversarial training for cost sensitive deep
learning classification applications" (the shared paper ``directional-adversarial-training-wpgd.txt``;
arXiv:1910.03468, 2019; Engineering Applications of Artificial Intelligence, 2020), section 3.4 "PGD flattens
boundaries", Fig. 8 (boundaries after standard and L2-PGD training for several eps) and Fig. 9
(after L2-WPGD training), and the weighted robustness score ``S = sum_ij c_ij m_ij`` (eq. 7,
section 5.4, Table 3).

What the paper states about the toy problem (all of it)
    "a simple classification problem with three classes"; perturbations are L2 "to ease
    visualization" (footnote 1, section 2); standard training "achieves almost zero error"
    (Fig. 8a); "as eps increases boundaries are more flattened"; the cost matrix is
    ``C = [[0, 10, 0.01], [10, 0, 1], [0.01, 1, 0]]``; "WPGD controls the regularization of
    boundaries through the cost matrix: boundaries for couple of classes considered more similar
    are mostly preserved" (section 3.4; the caption of Fig. 9 says the reverse, "flatten the
    boundaries where the cost is low and preserve them where the cost is high" -- the text and
    section 4.2, "preventing to flatten regions between similar classes", agree with each other,
    and tsviz checks that reading). The data distribution, the network, eps values, epochs and
    optimiser of the toy are **not** given (the figures are the only record).

tsviz's toy problem (:func:`toy_problem`)
    Classes 0 and 2 -- the *similar* pair, cost 0.01 -- are two interleaved half-moons (a curved,
    fine-grained boundary between them): class 0 on the upper arc ``(cos t, sin t)``, class 2 on
    the lower arc ``(1 - cos t, 0.5 - sin t)``, ``t ~ U(0, pi)``, plus isotropic Gaussian noise
    (``noise``, default 0.1). Class 1 -- costly to confuse with class 0 (cost 10), moderately with
    class 2 (cost 1) -- is a Gaussian blob centred at ``(1.5, 1.25)`` with standard deviation
    ``blob_std`` (default 0.2), beside the right tip of class 0 and above that of class 2. Each
    point is a two-channel, one-step series ``(n, 2, 1)`` (x and y as channels) so the tsviz
    networks, recipes and attacks apply unchanged.

What is measured, per training method and eps
    * ``clean_error``: test error without attack;
    * ``fine_error``: share of the test points of classes 0 and 2 predicted as the other one of
      the pair (the fine-grained boundary the paper says WPGD preserves);
    * ``boundary_length``: the decision boundaries' total length on a ``grid`` x ``grid`` raster
      of the plotted square (:func:`boundary_length`; flatter boundaries are shorter);
    * ``S``: eq. 7 with the adversarial confusion matrix under the WPGD attack that maximises the
      Wasserstein loss with the paper's ``C`` (section 5.4: "attacks are computed maximizing the
      loss (6)"), 20 steps from a random start (section 5.2), L2 ball of radius eps;
      ``m_ij`` row-normalised (:func:`tsviz.attacks.weighted_robustness_score`; the paper does
      not say, see ``known_differences``); ``S_counts`` beside it uses counts / n;
    * ``adv_error``: the test error under that attack.

Methods: ``standard`` (cross-entropy), ``pgd`` (the ``pgd_at`` recipe, L2, 8 inner steps as in
section 5.2) and ``wpgd`` (the ``wpgd_at`` recipe, eq. 6, L2, 8 inner steps, the paper's ``C``,
``p = 1``). The figure ``boundaries`` shows the three side by side (one row per eps).

Configurations: ``"full"`` trains for 300 epochs on 1,000 points per class at eps 0.1 to 0.4
(tsviz's choices where the paper is silent; the cost matrix, L2, 8 inner steps and the 20-step
evaluation attack are the paper's); ``"quick"`` 150 epochs, 300 points per class, eps 0.4 (close to
the 0.5 gap between the moons, where robust training has to trade fine-grained accuracy; at eps
0.3 and below tsviz's ``pgd_at``, which keeps half of its loss on clean points, loses none and the
fine-boundary claim cannot be told apart); ``"tiny"`` 3 epochs, 30 points per class.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tsviz.reproduce.target import PaperRef, Target, TargetResult
from tsviz.reproduce.targets.claims import verdict_with_claims

__all__ = ["TARGET", "COST_MATRIX", "EPS_GRID", "CLASS_NAMES", "toy_problem", "boundary_length", "fine_error",
           "decision_grid", "boundaries_figure", "run"]

#: The paper's cost matrix (section 3.4): classes 0 and 1 very dissimilar, 0 and 2 similar.
COST_MATRIX: tuple[tuple[float, ...], ...] = ((0.0, 10.0, 0.01), (10.0, 0.0, 1.0), (0.01, 1.0, 0.0))
#: Names of the toy classes (0 and 2 are the interleaved moons, 1 the blob).
CLASS_NAMES = ("upper moon (0)", "blob (1)", "lower moon (2)")
#: The similar pair (cost 0.01) whose boundary the paper says WPGD preserves.
FINE_PAIR = (0, 2)
#: Centre of class 1's blob.
BLOB_CENTRE = (1.5, 1.25)
#: The plotted square (x0, x1, y0, y1) where the boundary length is measured.
PLOT_BOX = (-1.6, 2.6, -1.3, 2.1)

METHODS = ("standard", "pgd", "wpgd")
#: The L2 budgets the configurations choose from (the paper's Fig. 8/9 show "different eps" without values).
EPS_GRID = (0.1, 0.2, 0.3, 0.4)


def toy_problem(n_per_class: int, *, noise: float = 0.1, blob_std: float = 0.2,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points and labels of the three-class toy problem (see the module docstring).

    Parameters
    ----------
    n_per_class : int
        Points per class (>= 1).
    noise : float
        Standard deviation of the Gaussian noise added to the moons (>= 0).
    blob_std : float
        Standard deviation of class 1's blob (>= 0).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    X : ndarray ``(3 * n_per_class, 2)`` float32
        Coordinates; rows ordered by class.
    y : ndarray ``(3 * n_per_class,)`` int64
        Labels 0, 1, 2.
    """
    n = int(n_per_class)
    if n < 1:
        raise ValueError(f"n_per_class must be >= 1, got {n_per_class}")
    rng = np.random.default_rng(seed)
    t0, t2 = rng.uniform(0.0, np.pi, n), rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t0), np.sin(t0)], 1) + noise * rng.standard_normal((n, 2))
    blob = np.asarray(BLOB_CENTRE) + blob_std * rng.standard_normal((n, 2))
    lower = np.stack([1.0 - np.cos(t2), 0.5 - np.sin(t2)], 1) + noise * rng.standard_normal((n, 2))
    X = np.concatenate([upper, blob, lower]).astype(np.float32)
    y = np.repeat(np.arange(3, dtype=np.int64), n)
    return X, y


def _series(X: np.ndarray) -> np.ndarray:
    """Points ``(n, 2)`` as two-channel one-step series ``(n, 2, 1)``."""
    return np.ascontiguousarray(np.asarray(X, dtype=np.float32)[:, :, None])


def fine_error(y_true: np.ndarray, y_pred: np.ndarray, pair: Sequence[int] = FINE_PAIR) -> float:
    """Share of the samples of the two classes in ``pair`` predicted as the other class of the pair."""
    a, b = pair
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    inpair = (y_true == a) | (y_true == b)
    if not inpair.any():
        return float("nan")
    swapped = ((y_true == a) & (y_pred == b)) | ((y_true == b) & (y_pred == a))
    return float(swapped[inpair].mean())


def decision_grid(model, grid: int, box: Sequence[float] = PLOT_BOX) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's predicted class on a ``grid`` x ``grid`` raster of ``box``.

    Returns
    -------
    xs : ndarray ``(grid,)``; ys : ndarray ``(grid,)``; labels : ndarray ``(grid, grid)`` int64
        ``labels[i, j]`` is the prediction at ``(xs[j], ys[i])``.
    """
    from tsviz.models.inference import predict_logits

    x0, x1, y0, y1 = box
    xs, ys = np.linspace(x0, x1, grid), np.linspace(y0, y1, grid)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.stack([gx.ravel(), gy.ravel()], 1)
    labels = predict_logits(model, _series(pts)).argmax(1).numpy().reshape(grid, grid)
    return xs, ys, labels


def boundary_length(labels: np.ndarray, box: Sequence[float] = PLOT_BOX) -> float:
    """Total length of the decision boundaries on a label raster, in the plane's units.

    Every pair of horizontally adjacent cells with different labels adds the cell height, every
    vertically adjacent pair the cell width (the city-block length of the boundary: exact for
    axis-parallel boundaries, up to ``sqrt(2)`` times the true length for diagonal ones).

    Parameters
    ----------
    labels : ndarray ``(ny, nx)``
        ``labels[i, j]`` at row ``i`` (y) and column ``j`` (x), on a regular grid spanning ``box``.
    box : (x0, x1, y0, y1)
    """
    lab = np.asarray(labels)
    ny, nx = lab.shape
    x0, x1, y0, y1 = box
    dx, dy = (x1 - x0) / max(nx - 1, 1), (y1 - y0) / max(ny - 1, 1)
    horizontal = int((lab[:, 1:] != lab[:, :-1]).sum())
    vertical = int((lab[1:, :] != lab[:-1, :]).sum())
    return float(horizontal * dy + vertical * dx)


def boundaries_figure(panels: Sequence[dict], X: np.ndarray, y: np.ndarray, *, title: str):
    """Decision regions of every trained model side by side (plotly Figure).

    Parameters
    ----------
    panels : sequence of dict
        ``{"method", "eps", "xs", "ys", "labels"}`` (from :func:`decision_grid`); one row of the
        figure per eps, columns in the order standard, PGD, WPGD.
    X, y : the test points ``(n, 2)`` and labels, drawn over the regions.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from tsviz.viz.style import apply_layout, class_colors, with_alpha

    eps_values = sorted({p["eps"] for p in panels})
    cols = list(METHODS)
    titles = [f"{m} (eps {e:g})" if m != "standard" else "standard" for e in eps_values for m in cols]
    fig = make_subplots(rows=len(eps_values), cols=len(cols), subplot_titles=titles,
                        horizontal_spacing=0.05, vertical_spacing=0.08)
    colors = class_colors(3)
    scale = []
    for k, c in enumerate(colors):
        scale += [[k / 3, with_alpha(c, 0.35)], [(k + 1) / 3, with_alpha(c, 0.35)]]
    for p in panels:
        r, c = eps_values.index(p["eps"]) + 1, cols.index(p["method"]) + 1
        fig.add_trace(go.Heatmap(x=p["xs"], y=p["ys"], z=p["labels"], zmin=-0.5, zmax=2.5, colorscale=scale,
                                 showscale=False, hoverinfo="skip"), row=r, col=c)
        for k in range(3):
            s = y == k
            fig.add_trace(go.Scatter(x=X[s, 0], y=X[s, 1], mode="markers", name=CLASS_NAMES[k],
                                     legendgroup=str(k), showlegend=(r == 1 and c == 1),
                                     marker={"size": 4, "color": colors[k], "line": {"width": 0}}),
                          row=r, col=c)
    apply_layout(fig, title=title, height=330 * len(eps_values) + 80, legend_title="test points")
    return fig


def _toy_dataset(config: dict, seed: int):
    from tsviz.data import Dataset

    kw = {"noise": float(config["noise"]), "blob_std": float(config["blob_std"])}
    Xtr, ytr = toy_problem(int(config["n_train_per_class"]), seed=seed, **kw)
    Xte, yte = toy_problem(int(config["n_test_per_class"]), seed=seed + 1, **kw)
    return Dataset("wpgd-toy", _series(Xtr), ytr, _series(Xte), yte, CLASS_NAMES, None, "a.u.",
                   {"source": "tsviz.reproduce.targets.wpgd_toy.toy_problem", **kw}), Xte, yte


def _recipe(method: str, eps: float, config: dict) -> tuple[str, dict[str, Any]]:
    steps = int(config["train_steps"])
    alpha = float(config["alpha_ratio"]) * eps
    if method == "standard":
        return "standard", {}
    if method == "pgd":
        return "pgd_at", {"eps": eps, "alpha": alpha, "steps": steps, "norm": "l2"}
    return "wpgd_at", {"eps": eps, "alpha": alpha, "steps": steps, "norm": "l2",
                       "cost_matrix": [list(r) for r in COST_MATRIX], "p": float(config["p"]),
                       "lam": float(config["lam"])}


def run(config: dict, *, data_root: Path | None = None, seed: int = 0,
        progress: Callable[[float, str], None] | None = None) -> TargetResult:
    """Train standard / PGD / WPGD models on the toy problem and measure the table (module docstring)."""
    from tsviz.attacks import WPGD, evaluate, weighted_robustness_score
    from tsviz.models import build
    from tsviz.training import fit

    t0 = time.perf_counter()
    report = progress or (lambda f, m: None)
    ds, Xte, yte = _toy_dataset(config, seed)
    eps_values = [float(e) for e in config["eps"]]
    jobs = [("standard", 0.0)] + [(m, e) for e in eps_values for m in ("pgd", "wpgd")]
    C = np.asarray(COST_MATRIX)
    models: dict[tuple[str, float], Any] = {}
    facts: dict[tuple[str, float], dict] = {}
    for k, (method, eps) in enumerate(jobs):
        report(0.7 * k / len(jobs), f"training {method}" + (f" at eps {eps:g}" if eps else ""))
        recipe, hp = _recipe(method, eps, config)
        model = build("mlp", 2, 3, 1, seed=seed, hidden=tuple(config["hidden"]), out_dim=int(config["out_dim"]))
        fit(model, ds, recipe=recipe, epochs=int(config["epochs"]), lr=float(config["lr"]),
            batch_size=int(config["batch_size"]), val_fraction=0.0, patience=None, seed=seed, **hp)
        models[(method, eps)] = model
        xs, ys, labels = decision_grid(model, int(config["grid"]))
        from tsviz.models.inference import predict_logits

        pred = predict_logits(model, ds.X_test).argmax(1).numpy()
        facts[(method, eps)] = {"xs": xs, "ys": ys, "labels": labels, "clean_error": float((pred != yte).mean()),
                                "fine_error": fine_error(yte, pred), "boundary_length": boundary_length(labels)}
    rows: list[dict] = []
    panels: list[dict] = []
    n_cells = len(eps_values) * len(METHODS)
    done = 0
    for eps in eps_values:
        attack = WPGD(eps, float(config["attack_alpha_ratio"]) * eps, int(config["attack_steps"]),
                      [list(r) for r in COST_MATRIX], p=float(config["p"]), lam=float(config["lam"]), norm="l2",
                      random_start=True)
        for method in METHODS:
            key = ("standard", 0.0) if method == "standard" else (method, eps)
            model, f = models[key], facts[key]
            report(0.7 + 0.3 * done / n_cells, f"WPGD attack on {method} at eps {eps:g}")
            rep = evaluate(model, attack, ds.X_test, np.array(yte), seed=seed)
            conf = rep.confusion
            rows.append({"method": method, "eps": eps, "clean_error": f["clean_error"], "fine_error": f["fine_error"],
                         "boundary_length": f["boundary_length"], "S": weighted_robustness_score(conf, C),
                         "S_counts": float((C * conf).sum() / max(conf.sum(), 1)),
                         "adv_error": 1.0 - rep.adversarial_accuracy})
            panels.append({"method": method, "eps": eps, "xs": f["xs"], "ys": f["ys"], "labels": f["labels"]})
            done += 1
    fig = boundaries_figure(panels, Xte, yte, title="Decision boundaries after standard, PGD and WPGD training "
                                                    "(L2; cost matrix of Terzi et al., section 3.4)")
    notes = [f"toy problem: {config['n_train_per_class']} training and {config['n_test_per_class']} test points per "
             f"class, moon noise {config['noise']}, blob std {config['blob_std']} (tsviz's toy; the paper does not "
             f"define its own)",
             f"MLP {tuple(config['hidden'])}-{config['out_dim']}, {config['epochs']} epochs, Adam lr {config['lr']}, "
             f"batch {config['batch_size']}; eps (L2) {eps_values}; inner steps {config['train_steps']}; "
             f"evaluation WPGD attack {config['attack_steps']} steps from a random start"]
    report(1.0, "done")
    result = TARGET.result(config, rows, seed=seed, notes=notes, figures={"boundaries": fig.to_dict()},
                           seconds=time.perf_counter() - t0)
    result.verdict = verdict_with_claims(TARGET, rows)
    return result


def _paper_rows() -> tuple[dict, ...]:
    """Fig. 8a: standard training "achieves almost zero error" (read as 0 for every eps row); the
    figures give no other number, so the PGD and WPGD rows carry the paper's claims only."""
    rows = [{"method": "standard", "eps": e, "clean_error": 0.0, "source": "Fig. 8a (\"almost zero error\")"}
            for e in EPS_GRID]
    rows += [{"method": m, "eps": e, "source": "Fig. 8/9 (no number; claims only)"}
             for e in EPS_GRID for m in ("pgd", "wpgd")]
    return tuple(rows)


#: The paper's claims, per eps: PGD flattens the boundaries (Fig. 8); WPGD preserves the boundary
#: between the similar classes better than PGD (section 3.4 text, section 4.2); WPGD lowers S
#: relative to PGD (Table 3: larger p, lower S than the PGD-trained model).
DIRECTION = (
    ({"method": "pgd"}, {"method": "standard"}, "boundary_length", "<"),
    ({"method": "wpgd"}, {"method": "pgd"}, "fine_error", "<"),
    ({"method": "wpgd"}, {"method": "pgd"}, "S", "<"),
)

_COMMON = {"noise": 0.1, "blob_std": 0.2, "hidden": [64, 64], "out_dim": 32, "lr": 0.01, "batch_size": 64,
           "train_steps": 8, "alpha_ratio": 0.25, "p": 1.0, "lam": 10.0, "attack_steps": 20,
           "attack_alpha_ratio": 0.125}

CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": {**_COMMON, "n_train_per_class": 30, "n_test_per_class": 30, "epochs": 3, "eps": [0.4], "grid": 21},
    "quick": {**_COMMON, "n_train_per_class": 300, "n_test_per_class": 300, "epochs": 150, "eps": [0.4],
              "grid": 81},
    "full": {**_COMMON, "n_train_per_class": 1000, "n_test_per_class": 1000, "epochs": 300,
             "eps": list(EPS_GRID), "grid": 121},
}

KNOWN_DIFFERENCES = (
    "The paper does not define its toy problem (data, network, eps, epochs, optimiser): tsviz's toy puts the "
    "similar classes 0 and 2 (cost 0.01) on two interleaved moons and class 1 in a blob, and trains a small MLP; "
    "only the cost matrix, the L2 threat model, 8 inner steps and the 20-step evaluation attack are the paper's.",
    "The figures give no numbers: apart from standard training's \"almost zero error\", the verdict rests on the "
    "paper's claims (PGD shortens the boundaries; WPGD keeps the fine boundary between the similar classes better "
    "than PGD; WPGD lowers S), checked per eps.",
    "Fig. 9's caption says WPGD flattens where the cost is low and preserves where it is high; the text of "
    "sections 3.4 and 4.2 says the boundaries between similar (low-cost) classes are preserved. tsviz checks the "
    "text's reading.",
    "PGD training uses tsviz's pgd_at recipe, 0.5 CE(x) + 0.5 CE(x_adv) (eq. 11 of the NSR paper); the directional "
    "paper's PGD (its eq. 2, Madry et al.) trains on CE(x_adv) only, which flattens more. WPGD follows eq. 6 "
    "(CE(x*) only).",
    "S: tsviz's weighted_robustness_score uses the row-normalised adversarial confusion matrix (the paper writes "
    "only S = sum c_ij m_ij); S_counts (counts / n) is reported beside it. The paper's Table 3 reports S relative to "
    "the PGD-trained model; the toy rows are absolute.",
    "boundary_length is the city-block length on a raster (exact for axis-parallel boundaries, up to sqrt(2) too "
    "long for diagonal ones): a consistent measure of flattening between models, not a true arc length.",
    "Adam (tsviz's fit) instead of the paper's SGD with Nesterov momentum (section 5.1, for the image networks).",
)

TARGET = Target(
    key="wpgd-toy",
    title="Directional adversarial training: decision boundaries on a 2-D three-class toy (Fig. 8/9) and S",
    paper=PaperRef(title="Directional adversarial training for cost sensitive deep learning classification "
                         "applications", authors="Terzi, Susto & Chaudhari", year=2020,
                   where="section 3.4, Fig. 8/9; eq. 7 (S)"),
    run=run,
    configs=CONFIGS,
    paper_table=_paper_rows(),
    key_columns=("method", "eps"),
    value_columns=("clean_error", "fine_error", "boundary_length", "S"),
    known_differences=KNOWN_DIFFERENCES,
    needs_data=(),
    description="Standard, PGD and WPGD training (L2) on a three-class 2-D toy with the paper's cost matrix: "
                "boundaries side by side, fine-grained error, boundary length and the weighted robustness score S.",
    direction=DIRECTION,
    abs_tol=0.02,
    rel_tol=0.1,
)
