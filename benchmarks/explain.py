"""Explanation benchmark (JSON): batched NeuroMask vs a per-series loop, and the Captum methods' cost.

    python benchmarks/explain.py [--models kachuee,resnet] [--n-series 64] [--steps 300]
                                 [--repeats 3] [--repeat-below 5] [--nm-repeats 1] [--device cpu|cuda|auto]
                                 [--threads 1] [--quick] [--out benchmarks/results/explain-cpu.json]

One invocation, one process, one machine; the same pretrained models (``synthetic-ecg`` zoo
checkpoints, ``standard`` recipe) and the same ``N`` test series of the default dataset
(``tsviz.data.load("synthetic-ecg")``, ``T = 187``; drawn without replacement with
``numpy.random.default_rng(0)``, sorted) for every method.

* ``neuromask.batched``: ``neuromask(model, x, steps=S, seed=0)`` -- all ``N`` series optimised in
  one batch, the way tsviz runs it.
* ``neuromask.loop`` (the baseline): ``neuromask(model, x[i:i+1], steps=S, generator=g)`` for
  ``i = 0 .. N-1`` in a Python loop, one ``torch.Generator`` seeded 0 passed through all ``N`` calls.
  ``loop_vs_batched = loop seconds / batched seconds`` (> 1: batching pays).
* ``attribution.<method>``: ``attribute(model, x, method)`` with default parameters, for every
  method of ``ATTRIBUTION_METHODS``; seconds and series/s, with the batched NeuroMask next to them
  (``neuromask_vs_this = NeuroMask batched seconds / this method's seconds``).

Correctness of the batching (``neuromask.checks``). NeuroMask draws its initial weights
``U(-init_scale, init_scale)`` as one ``(N, 1, T)`` tensor from a CPU generator; ``torch.rand`` on
CPU draws element after element, so the loop's shared generator gives series ``i`` exactly the
weights the batched call gives it (``initial_masks_match``: the step-0 snapshots ``sigmoid(W0)``
agree to ``1e-6`` -- the weights are bitwise equal, but ``sigmoid`` is vectorised differently for
1 and for ``N`` series and may differ in the last float32 bit). Each series' loss is its own and
RMSProp is element-wise, so the masks would be equal in exact arithmetic; in floating point the
model's CPU kernels round differently for different batch sizes (2e-6 to 6e-6 in the logits between
batch 64 and batch 1), and RMSProp (``update ~ lr * g / sqrt(v)``) with the subgradients of the L1
terms amplifies that over hundreds of steps at a few time steps (batched runs on 32 and on 64 series
gave bitwise equal masks for the shared 32; batches of 2 differed from 64 as much as batches of 1).
So the masks are compared, not asserted equal:
``max_abs_mask_diff``, ``mean_abs_mask_diff``, ``active_step_agreement`` (share of steps on the
same side of 0.5), ``max_abs_masked_prob_diff``; ``masks_close`` uses ``atol = 1e-3``.

Timing. Every method is warmed up once on 2 series (2 NeuroMask steps). Then rounds are interleaved
(a busy spell of a shared machine hits every method alike): round ``r`` times the batched NeuroMask
and the loop (only while ``r < --nm-repeats``; the 64 x 300-step loop is the slow part, so one run by
default) and then every Captum method (only while ``r < --repeats``, and after the first round only
those whose first run took under ``--repeat-below`` seconds: ResNet's integrated gradients takes
~30 s on the shared machine, and three of it would not change the picture). The median of each
method's runs is reported (``seconds_all`` lists them), with the load average before and after.
The full run took 9 minutes on the shared 2-core machine at a load average of ~4.5, 4.3 of them in
ResNet's 64 x 300-step loop and 2.2 in its batched NeuroMask.

Threads. On CPU the benchmark calls ``torch.set_num_threads(--threads)``, 1 by default (0 leaves
torch's default). On a machine whose cores are busy with other processes an OpenMP pool as wide as
the machine spins at its barriers: on the shared 2-core machine the results were taken on, with
other workers running, one NeuroMask step of the Kachuee CNN took 0.35 s on 1 series and 1.0 s on
64 with 2 threads, against 0.002 s and 0.03 s with 1. One thread measures what batching buys per
core; on a quiet many-core machine the batched run can use more cores and the ratio grows.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import cpu_name as _cpu_name  # noqa: E402
from _machine import sync

DATASET = "synthetic-ecg"
MODELS = ("kachuee", "resnet")
RECIPE = "standard"
MASK_ATOL = 1e-3
#: The initial weights are bitwise equal; their sigmoid (the step-0 snapshot) is vectorised
#: differently for 1 and for N series, so it may differ in the last float32 bit.
INIT_ATOL = 1e-6
FULL = {"n_series": 64, "steps": 300, "repeats": 3, "nm_repeats": 1}
QUICK = {"n_series": 4, "steps": 10, "repeats": 1, "nm_repeats": 1, "models": ("kachuee",)}

#: Stated in the JSON next to the numbers.
NOTES = [
    "loop_vs_batched = loop seconds / batched seconds: N separate neuromask(model, x[i:i+1]) calls "
    "vs one neuromask(model, x) call, same steps and hyperparameters.",
    "The loop threads one torch.Generator seeded 0 through its N calls; CPU torch.rand draws element "
    "after element, so each series starts from the same initial weights as in the batched call "
    "(checks.initial_masks_match; sigmoid(W0) may differ in the last float32 bit).",
    "Final masks are compared, not asserted equal. The model's CPU kernels round differently for "
    "different batch sizes (logits of one series differ by 2e-6 to 6e-6 between batch 64 and batch 1), "
    "and RMSProp's normalised steps and the L1 subgradients amplify that over hundreds of steps at a "
    "few time steps of a few series: read mean_abs_mask_diff and active_step_agreement next to "
    "max_abs_mask_diff. It is rounding, not series leaking into each other: when this file was made, "
    "batched runs on the first 32 and on all 64 series gave bitwise equal masks for those 32 series "
    "(300 steps, Kachuee), while runs in batches of 2 differed from the batch of 64 as much as "
    "runs of 1 did.",
    "neuromask_vs_this = batched NeuroMask seconds / the Captum method's seconds (context only: "
    "NeuroMask runs steps+1 forward and steps backward passes per series).",
    "Timings come from a machine that may be shared: compare ratios within this file, read "
    "loadavg_before/after. CPU runs use --threads (default 1) torch threads; see the module docstring.",
]


def _timed(fn, device) -> tuple[float, object]:
    sync(device)
    t0 = time.perf_counter()
    out = fn()
    sync(device)
    return time.perf_counter() - t0, out


def _log(msg: str) -> None:
    print(f"[explain bench] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------- methods
def run_batched(model, x, steps, seed=0):
    """tsviz: one NeuroMask call over the whole batch."""
    from tsviz.explain.neuromask import neuromask

    return neuromask(model, x, steps=steps, seed=seed)


def run_loop(model, x, steps, seed=0):
    """Baseline: one NeuroMask call per series, one generator threaded through all calls."""
    import torch

    from tsviz.explain.neuromask import neuromask

    gen = torch.Generator(device="cpu").manual_seed(seed)
    return [neuromask(model, x[i:i + 1], steps=steps, generator=gen) for i in range(x.shape[0])]


def run_attribution(model, x, method):
    from tsviz.explain.attribution import attribute

    return attribute(model, x, method)


def mask_checks(batched, loop) -> dict:
    import numpy as np

    mb = batched.mask
    ml = np.concatenate([r.mask for r in loop])
    h0b = batched.history[0]
    h0l = np.concatenate([r.history[0] for r in loop])
    diff = np.abs(mb - ml)
    pb = batched.masked_prob
    pl = np.concatenate([r.masked_prob for r in loop])
    h0diff = float(np.abs(h0b - h0l).max())
    return {
        "initial_mask_max_abs_diff": h0diff,
        "initial_masks_match": bool(h0diff <= INIT_ATOL),
        "targets_equal": bool(np.array_equal(batched.target, np.concatenate([r.target for r in loop]))),
        "max_abs_mask_diff": float(diff.max()),
        "mean_abs_mask_diff": float(diff.mean()),
        "active_step_agreement": float(((mb >= 0.5) == (ml >= 0.5)).mean()),
        "max_abs_masked_prob_diff": float(np.abs(pb - pl).max()),
        "masks_close": bool(diff.max() <= MASK_ATOL),
        "mask_atol": MASK_ATOL,
        "mean_mask_batched": float(mb.mean()),
        "mean_mask_loop": float(ml.mean()),
        "prediction_kept_batched": float(np.mean(pb >= 0.5)),
        "prediction_kept_loop": float(np.mean(pl >= 0.5)),
    }


# ---------------------------------------------------------------------------------- one model
def bench_model(arch, x, steps, repeats, nm_repeats, repeat_below, device) -> dict:
    import tsviz
    from tsviz.explain.attribution import ATTRIBUTION_METHODS

    model = tsviz.models.pretrained(DATASET, arch, RECIPE, device=device)
    N, C, T = x.shape
    warm = x[:min(2, N)]
    nm = {"batched": lambda: run_batched(model, x, steps),
          "loop": lambda: run_loop(model, x, steps)}
    nm_warm = {"batched": lambda: run_batched(model, warm, 2), "loop": lambda: run_loop(model, warm, 2)}
    attr = {m: (lambda m=m: run_attribution(model, x, m)) for m in ATTRIBUTION_METHODS}
    for fn in (*nm_warm.values(), *(lambda m=m: run_attribution(model, warm, m) for m in ATTRIBUTION_METHODS)):
        fn()
    times = {key: [] for key in (*nm, *attr)}
    outs = {}
    for r in range(max(repeats, nm_repeats)):
        if r < nm_repeats:
            for key, fn in nm.items():
                t, outs[key] = _timed(fn, device)
                times[key].append(t)
                _log(f"{arch} round {r}: neuromask {key} {t:.2f} s")
        if r < repeats:
            for key, fn in attr.items():
                if r > 0 and times[key][0] >= repeat_below:
                    continue
                t, outs[key] = _timed(fn, device)
                times[key].append(t)
            _log(f"{arch} round {r}: " + ", ".join(f"{k} {times[k][-1]:.2f} s" for k in attr
                                                   if len(times[k]) == r + 1))
    sec = {key: statistics.median(v) for key, v in times.items()}
    b, lp = sec["batched"], sec["loop"]
    neuro = {
        "steps": steps,
        "batched": {"seconds": b, "seconds_all": times["batched"], "series_per_s": N / b,
                    "seconds_per_step": b / steps},
        "loop": {"seconds": lp, "seconds_all": times["loop"], "series_per_s": N / lp,
                 "seconds_per_series": lp / N, "seconds_per_series_step": lp / (N * steps)},
        "loop_vs_batched": lp / b,
        "checks": mask_checks(outs["batched"], outs["loop"]),
    }
    attribution = {
        m: {"seconds": sec[m], "seconds_all": times[m], "series_per_s": N / sec[m],
            "neuromask_vs_this": b / sec[m],
            "finite": bool(outs[m].isfinite().all()), "shape": list(outs[m].shape)}
        for m in attr
    }
    attribution["neuromask_batched"] = {"seconds": b, "series_per_s": N / b, "steps": steps}
    return {"dataset": DATASET, "arch": arch, "recipe": RECIPE, "n_series": N, "channels": C, "T": T,
            "neuromask": neuro, "attribution": attribution}


def main(argv=None) -> int:
    import numpy as np
    import torch

    import tsviz
    from tsviz.device import resolve_device

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=None,
                    help=f"comma-separated zoo architectures (default {','.join(MODELS)}; --quick: kachuee)")
    ap.add_argument("--n-series", type=int, default=None, help=f"test series (default {FULL['n_series']})")
    ap.add_argument("--steps", type=int, default=None, help=f"NeuroMask steps (default {FULL['steps']})")
    ap.add_argument("--repeats", type=int, default=None,
                    help=f"timed runs of each Captum method; the median is reported (default {FULL['repeats']})")
    ap.add_argument("--nm-repeats", type=int, default=None,
                    help=f"timed runs of the batched NeuroMask and of the loop (default {FULL['nm_repeats']})")
    ap.add_argument("--repeat-below", type=float, default=5.0,
                    help="repeat a Captum method only if its first run took under this many seconds (default 5)")
    ap.add_argument("--device", default="auto", help="cpu, cuda or auto (CUDA when available)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch.set_num_threads on CPU (default 1; 0 leaves torch's default; see the notes)")
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes (4 series, 10 steps, kachuee, one repeat): smoke test, timings meaningless")
    ap.add_argument("--out", default=None, help="write the JSON here too")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    n_series = args.n_series or sizes["n_series"]
    steps = args.steps or sizes["steps"]
    repeats = args.repeats or sizes["repeats"]
    nm_repeats = args.nm_repeats or sizes["nm_repeats"]
    models = ([s.strip() for s in args.models.split(",") if s.strip()] if args.models
              else list(QUICK["models"] if args.quick else MODELS))
    unknown = set(models) - set(tsviz.models.ARCHITECTURES)
    if unknown:
        ap.error(f"unknown --models {sorted(unknown)}")
    if min(n_series, steps, repeats, nm_repeats) < 1 or args.threads < 0:
        ap.error("--n-series, --steps, --repeats and --nm-repeats must be >= 1, --threads >= 0")
    device = resolve_device(args.device)
    default_threads = torch.get_num_threads()
    if args.threads and device.type == "cpu":
        torch.set_num_threads(args.threads)

    ds = tsviz.data.load(DATASET)
    if n_series > ds.X_test.shape[0]:
        ap.error(f"--n-series {n_series} > {ds.X_test.shape[0]} test series")
    idx = np.sort(np.random.default_rng(0).choice(ds.X_test.shape[0], size=n_series, replace=False))
    x = torch.tensor(ds.X_test[idx], device=device)

    result = {
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "torch": torch.__version__, "device": str(device),
                    "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else _cpu_name(),
                    "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "torch_threads_default": default_threads,
                    "torch_interop_threads": torch.get_num_interop_threads(),
                    "loadavg_before": list(os.getloadavg())},
        "settings": {"dataset": DATASET, "split": "test", "recipe": RECIPE, "models": models,
                     "n_series": n_series, "series_index_seed": 0, "steps": steps, "seed": 0,
                     "repeats": repeats, "nm_repeats": nm_repeats,
                     "repeat_below_seconds": args.repeat_below, "statistic": "median",
                     "warmup": "each method once, first 2 series (NeuroMask: 2 steps)",
                     "order": "rounds interleaved: neuromask batched, neuromask loop (first nm_repeats rounds), "
                              "then each Captum method (after round 0 only those whose first run took "
                                       "< repeat_below_seconds)",
                     "threads": args.threads, "quick": args.quick,
                     "attribution_params": "defaults of tsviz.explain.attribute"},
        "notes": NOTES,
        "models": {},
    }
    for arch in models:
        _log(f"{arch}: N={n_series} steps={steps} ...")
        result["models"][arch] = bench_model(arch, x, steps, repeats, nm_repeats, args.repeat_below, device)
    result["machine"]["loadavg_after"] = list(os.getloadavg())
    result["summary"] = {
        arch: {"neuromask_batched_seconds": r["neuromask"]["batched"]["seconds"],
               "neuromask_loop_seconds": r["neuromask"]["loop"]["seconds"],
               "loop_vs_batched": r["neuromask"]["loop_vs_batched"],
               "max_abs_mask_diff": r["neuromask"]["checks"]["max_abs_mask_diff"],
               "attribution_seconds": {m: v["seconds"] for m, v in r["attribution"].items()
                                       if m != "neuromask_batched"}}
        for arch, r in result["models"].items()
    }
    text = json.dumps(result, indent=2, allow_nan=False)
    if args.out:
        Path(args.out).write_text(text + "\n")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
