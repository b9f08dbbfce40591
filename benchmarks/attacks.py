"""Attack benchmarks (JSON): PGD-20 throughput vs torchattacks, GenAttack vs SPSA queries, peak memory.

    python benchmarks/attacks.py [--n 256] [--device cpu|cuda] [--out bench-attacks.json]

Each measurement runs in its own subprocess so its peak memory (RSS on CPU, allocated CUDA memory
on GPU) is its own. Baselines run in the same invocation on the same model and data:

* ``pgd``: tsviz PGD-20 (L-inf, no random start) vs ``torchattacks.PGD`` on the default model
  (synthetic-ecg ResNet) over ``n`` test beats. torchattacks assumes inputs in [0, 1], so both run
  on beats min-max scaled to [0, 1] through a wrapper that maps them back to mV; tsviz gets
  ``bounds=(0, 1)``. ``ratio = tsviz throughput / torchattacks throughput`` (> 1: tsviz faster).
* ``blackbox``: GenAttack vs SPSA at the same eps (mV), untargeted, on beats the model classifies
  correctly: success rate, median queries to success, wall time.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _peak(device: str) -> dict:
    import torch

    if device == "cuda":
        return {"peak_cuda_mb": torch.cuda.max_memory_allocated() / 2**20}
    return {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _setup(n: int, device: str):
    import numpy as np
    import torch

    import tsviz

    ds = tsviz.data.load("synthetic-ecg")
    model = tsviz.models.pretrained("synthetic-ecg", "resnet", device=device)
    rng = np.random.default_rng(0)
    idx = np.sort(rng.choice(ds.X_test.shape[0], size=n, replace=False))
    x = torch.tensor(ds.X_test[idx], device=device)
    y = torch.tensor(ds.y_test[idx], device=device)
    return ds, model, x, y


class _Scaled(__import__("torch").nn.Module):
    """model([0, 1]-scaled input) = model(lo + (hi - lo) * input)."""

    def __init__(self, model, lo: float, hi: float):
        super().__init__()
        self.model, self.lo, self.hi = model, lo, hi

    def forward(self, u):
        return self.model(self.lo + (self.hi - self.lo) * u)


def _time(fn, repeats: int) -> tuple[float, object]:
    out, best = None, float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        sync()
        best = min(best, time.perf_counter() - t0)
    return best, out


def sync():
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def phase_pgd(which: str, n: int, device: str, eps_mv: float, steps: int, repeats: int, q):
    import torch

    torch.set_num_threads(torch.get_num_threads())
    ds, model, x, y = _setup(n, device)
    lo, hi = float(ds.X_train.min()), float(ds.X_train.max())
    wrapped = _Scaled(model, lo, hi).eval()
    u = ((x - lo) / (hi - lo)).clamp(0, 1)
    eps = eps_mv / (hi - lo)
    alpha = 2.5 * eps / steps
    if which == "tsviz":
        from tsviz.attacks import PGD

        atk = PGD(eps=eps, alpha=alpha, steps=steps, norm="inf", random_start=False, bounds=(0.0, 1.0))
        run = lambda: atk(wrapped, u, y)  # noqa: E731
    else:
        import torchattacks

        atk = torchattacks.PGD(wrapped, eps=eps, alpha=alpha, steps=steps, random_start=False)
        run = lambda: atk(u, y)  # noqa: E731
    run()  # warm-up
    seconds, u_adv = _time(run, repeats)
    with torch.no_grad():
        acc = float((wrapped(u_adv).argmax(1) == y).float().mean())
    q.put({"impl": which, "seconds": seconds, "throughput": n / seconds, "adversarial_accuracy": acc, **_peak(device)})


def phase_blackbox(which: str, n: int, device: str, eps_mv: float, q):
    import numpy as np
    import torch

    from tsviz.attacks import SPSA, GenAttack, evaluate
    from tsviz.models.inference import predict

    ds, model, x, y = _setup(4 * n, device)
    ok = torch.as_tensor(predict(model, x) == y.cpu().numpy())
    x, y = x[ok][:n], y[ok][:n]
    atk = GenAttack(eps=eps_mv, population=6, generations=500) if which == "genattack" else \
        SPSA(eps=eps_mv, samples=64, iterations=100)
    t0 = time.perf_counter()
    rep = evaluate(model, atk, x, y, class_names=ds.class_names, generator=torch.Generator().manual_seed(0))
    seconds = time.perf_counter() - t0
    succ = rep.success
    q.put({"attack": which, "n": int(y.shape[0]), "eps_mv": eps_mv, "success_rate": float(succ.mean()),
           "median_queries_to_success": float(np.median(rep.queries[succ])) if succ.any() else None,
           "median_queries_all": float(np.median(rep.queries)), "seconds": seconds, **_peak(device)})


def _in_subprocess(target, *args):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    out = q.get()
    p.join()
    return out


def main(argv=None) -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=256, help="beats for the PGD throughput phase")
    ap.add_argument("--n-blackbox", type=int, default=50)
    ap.add_argument("--eps", type=float, default=0.1, help="PGD budget in mV")
    ap.add_argument("--eps-blackbox", type=float, default=0.05,
                    help="black-box budget in mV (at 0.1 mV random noise alone already fools the model often)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--skip-blackbox", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    result = {"machine": {"platform": platform.platform(), "python": platform.python_version(),
                          "torch": torch.__version__, "device": args.device,
                          "cpu_threads": torch.get_num_threads(),
                          "gpu": torch.cuda.get_device_name(0) if args.device == "cuda" else None}}
    try:
        import torchattacks  # noqa: F401
        have_ta = True
    except ImportError:
        have_ta = False
    pgd = {"tsviz": _in_subprocess(phase_pgd, "tsviz", args.n, args.device, args.eps, args.steps, args.repeats)}
    if have_ta:
        pgd["torchattacks"] = _in_subprocess(phase_pgd, "torchattacks", args.n, args.device, args.eps, args.steps,
                                             args.repeats)
        pgd["ratio_throughput_tsviz_over_torchattacks"] = pgd["tsviz"]["throughput"] / pgd["torchattacks"]["throughput"]
        gap = pgd["tsviz"]["adversarial_accuracy"] - pgd["torchattacks"]["adversarial_accuracy"]
        pgd["adversarial_accuracy_gap"] = abs(gap)
    else:
        pgd["torchattacks"] = "not installed (pip install --no-deps torchattacks==3.5.1)"
    result["pgd20"] = {"n": args.n, "eps_mv": args.eps, "steps": args.steps, **pgd}
    if not args.skip_blackbox:
        bb = {w: _in_subprocess(phase_blackbox, w, args.n_blackbox, args.device, args.eps_blackbox)
              for w in ("genattack", "spsa")}
        g, s = bb["genattack"], bb["spsa"]
        if g["median_queries_to_success"] and s["median_queries_to_success"]:
            ratio = g["median_queries_to_success"] / s["median_queries_to_success"]
            bb["ratio_median_queries_genattack_over_spsa"] = ratio
        result["blackbox"] = bb
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
