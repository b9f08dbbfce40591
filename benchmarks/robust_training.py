"""Table I of the ODE-guided augmentation paper on a UCR set (JSON): True / FGSM / BIM accuracy per method.

    python benchmarks/robust_training.py [--data DATA/ucr/TwoLeadECG] [--epochs 50]
                                         [--methods baseline,in_clamp_grad,...] [--quick]
                                         [--out benchmarks/results/robust-training-twoleadecg.json]

One process, one machine. Trains the reference ResNet (Fawaz et al. 2019, the paper's network)
with every training method on the same training split and seed, then attacks every model on itself
on the same test series (white-box FGSM eps 0.1; BIM eps 0.1, step 0.001, 100 steps, as Fawaz et
al.): ``tsviz.training.robustness.robustness_table``. Training follows the paper: Adam, learning
rate 2e-4, weight decay 1e-3; batch 16; the last epoch is kept (no validation split: TwoLeadECG has
23 training series). The ODENet (eq. 1-3) is fitted once on the training split and shared by the
gradient-guided augmentations (beta = 0.33 and eps_max = 0.33 as in section III-B; TwoLeadECG's
amplitude range is about 5, close to the paper's 6).

Methods (``--methods``): ``baseline`` (cross-entropy), ``in_clamp_grad``, ``in_sign_grad``,
``out_sign_grad``, ``rand_grad``, ``spec_den`` (augmentation recipe, eq. 6), the same with
``+fs`` (Feat-Sim, eq. 15, weight 1, margin 0.5), and ``nsr_loss2``, ``pgd_at`` (eps 0.1).
Needs the UCR TwoLeadECG folder (``--data``; default ``$TSVIZ_TEST_DATA/ucr/TwoLeadECG``, never
copied into the repo).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_METHODS = ("baseline", "in_clamp_grad", "in_sign_grad", "out_sign_grad", "out_sign_grad+fs",
                   "in_sign_grad+fs", "spec_den", "rand_grad", "nsr_loss2", "pgd_at")
AUG_PARAMS = {"in_clamp_grad": {"beta": 0.33}, "in_sign_grad": {"eps_max": 0.33}, "out_sign_grad": {"beta": 0.33},
              "rand_grad": {"beta": 0.33}, "spec_den": {}}


def recipe_for(method: str, odenet_path: str) -> tuple[str, dict]:
    if method == "baseline":
        return "standard", {}
    if method == "nsr_loss2":
        return "nsr_loss2", {"beta": 0.5}
    if method == "pgd_at":
        return "pgd_at", {"eps": 0.1}
    aug, _, fs = method.partition("+")
    if aug not in AUG_PARAMS:
        raise SystemExit(f"unknown method {method!r}; choose from {', '.join(DEFAULT_METHODS)}")
    hp = {"augmentation": aug, "feat_sim": 1.0 if fs == "fs" else 0.0, **AUG_PARAMS[aug]}
    if aug != "spec_den":
        hp["odenet"] = odenet_path
    return "augmented", hp


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(Path(os.environ.get("TSVIZ_TEST_DATA") or REPO.parent / "shared" / "data")
                                           / "ucr" / "TwoLeadECG"))
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--ode-epochs", type=int, default=150)
    p.add_argument("--methods", default=",".join(DEFAULT_METHODS))
    p.add_argument("--n-test", type=int, default=0, help="test series to attack (0 = all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    p.add_argument("--quick", action="store_true", help="2 epochs, 2 methods, 40 test series (smoke test)")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from tsviz.augment import fit_odenet, save_odenet
    from tsviz.data import load
    from tsviz.models import build
    from tsviz.training import fit
    from tsviz.training.robustness import TABLE1_ATTACKS, robustness_table

    if not Path(args.data).exists():
        raise SystemExit(f"{args.data} not found: this benchmark needs the UCR TwoLeadECG folder (--data)")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    epochs, ode_epochs, n_test = args.epochs, args.ode_epochs, args.n_test
    if args.quick:
        methods, epochs, ode_epochs, n_test = methods[:1] + ["out_sign_grad+fs"], 2, 3, 40
    ds = load(f"ucr:{args.data}")
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    ode = fit_odenet(ds.X_train, epochs=ode_epochs, seed=args.seed)
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="tsviz-robust-"))
    odenet_path = str(tmp / "odenet")
    save_odenet(ode.odenet, odenet_path, {"dataset": ds.spec})
    rows, models = [], {}
    for m in methods:
        recipe, hp = recipe_for(m, odenet_path)
        model = build("resnet", ds.n_channels, ds.n_classes, ds.length, seed=args.seed)
        t = time.perf_counter()
        res = fit(model, ds, recipe=recipe, epochs=epochs, lr=2e-4, weight_decay=1e-3, batch_size=16,
                  val_fraction=0.0, patience=None, seed=args.seed, **hp)
        models[m] = model
        rows.append({"method": m, "recipe": recipe, "hparams": {k: v for k, v in hp.items() if k != "odenet"},
                     "train_seconds": time.perf_counter() - t, "test_accuracy": res.metrics["test_accuracy"]})
        print(f"[robust bench] {m}: trained in {rows[-1]['train_seconds']:.1f} s, "
              f"test accuracy {res.metrics['test_accuracy']:.4f}", file=sys.stderr, flush=True)
    X, y = ds.X_test, ds.y_test
    if n_test:
        X, y = X[:n_test], y[:n_test]
    table = robustness_table(models, X, y, seed=args.seed,
                             progress=lambda f, msg: print(f"[robust bench] {msg}", file=sys.stderr, flush=True))
    for r, (_, t) in zip(rows, table.iterrows()):
        r.update({"true": float(t["true"]), "fgsm": float(t["fgsm"]), "bim": float(t["bim"])})
    out = {
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "torch": torch.__version__, "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "loadavg_before": load0, "loadavg_after": os.getloadavg()},
        "settings": {"dataset": ds.spec, "n_train": int(len(ds.y_train)), "n_test": int(len(y)), "T": ds.length,
                     "arch": "resnet", "epochs": epochs, "lr": 2e-4, "weight_decay": 1e-3, "batch_size": 16,
                     "seed": args.seed, "ode_epochs": ode_epochs, "ode_final_loss": float(ode.history[-1]),
                     "ode_seconds": ode.seconds, "attacks": TABLE1_ATTACKS, "quick": args.quick},
        "paper_table1_twoleadecg": {"baseline": [100, 5.3, 0.4], "in_clamp_or_in_sign": [100, 14.05, 7.64],
                                    "out_sign_grad": [100, 61.98, 31.69], "spec_den": [100, 14.72, 7.20],
                                    "out_sign_grad+fs (Table II)": [100, 73.40, 30.38]},
        "rows": rows,
        "seconds": time.perf_counter() - t0,
    }
    text = json.dumps(out, indent=2, default=float)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
