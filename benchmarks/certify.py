"""Randomized-smoothing benchmark (JSON): tsviz ``Smoothed`` vs a bare forward bound vs a per-sample loop.

    python benchmarks/certify.py [--device cpu|cuda|auto] [--repeats 3] [--ref-batch 400] [--quick]
                                 [--sweep 50,400] [--out benchmarks/results/certify-cpu.json]

One invocation, one process, one machine, the same models, inputs and ``sigma`` for every method.
Each configuration (model x with/without a self-ensemble of ``m`` binomial masks) does the same
smoothing work three ways -- ``N`` test series, ``n`` Gaussian draws each, ``M`` masks per draw
(``M = 1`` without masks), so ``N * n * M`` model rows:

* ``tsviz``: ``Smoothed(model, sigma, masks).counts(x, n, seed=0)`` -- samples, draws and masks
  batched into one pipeline with the automatic row count (``batch_size="auto"``).
* ``bare_forward``: the lower bound. The same ``N * n`` noisy inputs, in chunks of the same number
  of draws ``Smoothed`` uses (its automatic row count from ``auto_batch_rows`` -- ``ACTIVATION_BUDGET`` /
  activation elements per row, on CPU also ``CPU_LAYER_BUDGET`` / largest layer output per row, at
  most ``MAX_AUTO_ROWS`` -- divided by ``M``):
  ``torch.randn`` -> ``* sigma + x`` -> (``* masks`` -> softmax -> mean over masks) -> ``model`` ->
  argmax -> ``bincount``, under ``torch.no_grad``, and nothing else. The series of each row
  (``x`` repeated ``n`` times per series) and its bincount offsets are built before the timer starts.
* ``per_sample_loop``: the reference style of Cohen et al.'s ``core.py`` ``Smooth._sample_noise``:
  a Python loop over series, and per series a loop over noise batches of ``--ref-batch`` draws:
  ``batch = x.repeat((b, 1, 1))``, ``noise = randn_like(batch) * sigma``,
  ``model(batch + noise).argmax(1)``, counts accumulated with ``numpy.bincount``. With masks, each
  noisy draw of the batch is multiplied by each mask as ``Smoothed`` does (one forward of ``b * M``
  rows), softmax, mean over masks, argmax.

With ``M`` masks a configuration keeps the plain run's ``N`` and takes ``n // M`` draws
(``--n-draws-masks``), so that both push the same number of rows through the model.

``tsviz`` and ``bare_forward`` draw their noise from generators seeded 0 in the same chunks, so
their counts normally agree exactly (``counts_equal``); ``per_sample_loop`` draws different noise,
so only the top classes are compared (``top_class_agreement``). Each method is warmed up once (on
the first two series); then ``--repeats`` rounds time tsviz, bare_forward, per_sample_loop in turn
(interleaved, so a busy spell of a shared machine hits all three alike) and the median of each
method is reported, with the load average before and after the run. Ratios:

* ``tsviz_vs_bare = tsviz seconds / bare_forward seconds`` -- goal ``<= 1.15``;
* ``loop_vs_tsviz = per_sample_loop seconds / tsviz seconds`` -- goal ``>= 3`` (for ``T <= 500``
  on CPU). ``loop_vs_bare`` is the largest ``loop_vs_tsviz`` any implementation could reach with
  this model and chunking, stated so that a missed goal can be told apart from a slow pipeline.

``--sweep 50,400`` also times ``Smoothed(..., batch_size=r)`` for each listed row count ``r`` in the
same interleaved rounds (``tsviz_batch_size_sweep``, with ``loop_vs_this``): it tells whether a gap
comes from the pipeline or from the automatic chunk size.
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

GOAL_TSVIZ_VS_BARE = 1.15
GOAL_LOOP_VS_TSVIZ = 3.0
LOOP_GOAL_MAX_T = 500

#: (name, dataset, arch, recipe, sigma in the dataset's unit, N series, n draws) of the full run.
CONFIGS = [
    ("synthetic-ecg/kachuee", "synthetic-ecg", "kachuee", "standard", 0.1, 20, 1000),
    ("cbf/resnet", "cbf", "resnet", "standard", 0.5, 4, 500),
]
QUICK = {"synthetic-ecg/kachuee": (2, 40), "cbf/resnet": (2, 12)}


def auto_rows(model, x) -> int:
    """The row count ``Smoothed(batch_size="auto")`` uses for ``model`` on inputs like ``x``."""
    import torch

    from tsviz.certify.smoothing import auto_batch_rows

    with torch.no_grad():
        return auto_batch_rows([model], x)


# ---------------------------------------------------------------------------------- methods
def run_tsviz(model, x, n, sigma, masks, seed=0, batch_size="auto"):
    from tsviz.certify import Smoothed

    return Smoothed(model, sigma, masks, batch_size=batch_size).counts(x, n, seed=seed)


def run_bare(model, x, n, sigma, masks_t, K, rows, seed=0, prepared=None):
    """Lower bound: randn, add, (mask, softmax, mean), forward, argmax, bincount -- nothing else."""
    import torch

    N, C, T = x.shape
    M = 1 if masks_t is None else masks_t.shape[0]
    xrep, offs = prepared if prepared is not None else prepare_bare(x, n, K)
    gen = torch.Generator(device=x.device).manual_seed(seed)
    draws = max(1, rows // M)
    total = N * n
    counts = torch.zeros(N * K, dtype=torch.int64, device=x.device)
    with torch.no_grad():
        for start in range(0, total, draws):
            stop = min(total, start + draws)
            inp = torch.randn((stop - start, C, T), generator=gen, device=x.device, dtype=x.dtype)
            inp.mul_(sigma).add_(xrep[start:stop])
            if masks_t is None:
                cls = model(inp).argmax(1)
            else:
                inp = (inp[:, None] * masks_t[None, :, None, :]).reshape(-1, C, T)
                cls = torch.softmax(model(inp), 1).reshape(stop - start, M, K).mean(1).argmax(1)
            counts += torch.bincount(offs[start:stop] + cls, minlength=N * K)
    return counts.reshape(N, K).cpu().numpy()


def prepare_bare(x, n, K):
    """Built before the timer: the series of every flat draw and its bincount offset."""
    import torch

    N = x.shape[0]
    xrep = x.repeat_interleave(n, dim=0)
    offs = torch.arange(N, device=x.device).repeat_interleave(n) * K
    return xrep, offs


def run_loop(model, x, n, sigma, masks_t, K, ref_batch, seed=0):
    """Cohen et al. ``core.py`` ``_sample_noise`` style: loop over series, then over noise batches."""
    import numpy as np
    import torch

    gen = torch.Generator(device=x.device).manual_seed(seed)
    out = np.zeros((x.shape[0], K), dtype=np.int64)
    with torch.no_grad():
        for i in range(x.shape[0]):
            xi = x[i]
            counts = np.zeros(K, dtype=np.int64)
            remaining = n
            for _ in range(-(-n // ref_batch)):
                this_batch_size = min(ref_batch, remaining)
                remaining -= this_batch_size
                batch = xi.repeat((this_batch_size, 1, 1))
                noise = torch.randn(batch.shape, generator=gen, device=x.device, dtype=x.dtype) * sigma
                noisy = batch + noise
                if masks_t is None:
                    predictions = model(noisy).argmax(1)
                else:
                    M = masks_t.shape[0]
                    rows = (noisy[:, None] * masks_t[None, :, None, :]).reshape(-1, *noisy.shape[1:])
                    predictions = torch.softmax(model(rows), 1).reshape(this_batch_size, M, K).mean(1).argmax(1)
                counts += np.bincount(predictions.cpu().numpy(), minlength=K)
            out[i] = counts
    return out


# ---------------------------------------------------------------------------------- timing
def _time(fn, repeats: int, device) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        sync(device)
        t0 = time.perf_counter()
        out = fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    return times, out


def _peak_reset(device) -> None:
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.reset_peak_memory_stats()


def _peak(device) -> dict:
    import torch

    if torch.device(device).type == "cuda":
        return {"peak_cuda_mb": torch.cuda.max_memory_allocated() / 2 ** 20}
    return {}


def bench_config(name, dataset, arch, recipe, sigma, N, n, m, keep, ref_batch, repeats, device,
                 sweep=()) -> dict:
    import numpy as np
    import torch

    import tsviz
    from tsviz.certify import binomial_masks

    ds = tsviz.data.load(dataset)
    model = tsviz.models.pretrained(dataset, arch, recipe, device=device)
    rng = np.random.default_rng(0)
    idx = np.sort(rng.choice(ds.X_test.shape[0], size=N, replace=False))
    x = torch.tensor(ds.X_test[idx], device=device)
    _, C, T = x.shape
    K = ds.n_classes
    masks = None if m == 0 else binomial_masks(m, T, keep, seed=0)
    masks_t = None if masks is None else torch.tensor(np.array(masks), dtype=x.dtype, device=device)
    M = 1 if masks is None else m
    rows = auto_rows(model, x)
    prepared = prepare_bare(x, n, K)
    warm = x[:min(2, N)]
    warm_prep = prepare_bare(warm, n, K)
    methods = {
        "tsviz": (lambda: run_tsviz(model, x, n, sigma, masks),
                  lambda: run_tsviz(model, warm, n, sigma, masks)),
        "bare_forward": (lambda: run_bare(model, x, n, sigma, masks_t, K, rows, prepared=prepared),
                         lambda: run_bare(model, warm, n, sigma, masks_t, K, rows, prepared=warm_prep)),
        "per_sample_loop": (lambda: run_loop(model, x, n, sigma, masks_t, K, ref_batch),
                            lambda: run_loop(model, warm, n, sigma, masks_t, K, ref_batch)),
    }
    for r in sweep:  # diagnosis: the same tsviz call with a fixed row count per forward
        methods[f"tsviz[batch_size={r}]"] = (lambda r=r: run_tsviz(model, x, n, sigma, masks, batch_size=r),
                                             lambda r=r: run_tsviz(model, warm, n, sigma, masks, batch_size=r))
    for _, warm_fn in methods.values():
        warm_fn()
    # Repeats are interleaved (tsviz, bare, loop, tsviz, ...) so that a slow spell of a shared
    # machine hits every method alike; the median of each method's runs is reported.
    times = {key: [] for key in methods}
    counts, peaks = {}, {}
    for _ in range(repeats):
        for key, (fn, _) in methods.items():
            _peak_reset(device)
            t, c = _time(fn, 1, device)
            times[key] += t
            counts[key] = np.asarray(c)
            peaks[key] = _peak(device)
    res = {}
    total_rows = N * n * M
    for key in methods:
        sec = statistics.median(times[key])
        res[key] = {"seconds": sec, "seconds_all": times[key], "rows_per_s": total_rows / sec,
                    "draws_per_s": N * n / sec, **peaks[key]}
    res["bare_forward"]["draws_per_forward"] = max(1, rows // M)
    res["per_sample_loop"]["draws_per_forward"] = ref_batch
    t, b, lp = (res[k]["seconds"] for k in ("tsviz", "bare_forward", "per_sample_loop"))
    cuda_or_long = torch.device(device).type != "cpu" or T > LOOP_GOAL_MAX_T
    sweep_res = {}
    for r in sweep:
        key = f"tsviz[batch_size={r}]"
        sweep_res[str(r)] = {"seconds": res[key]["seconds"], "seconds_all": res[key]["seconds_all"],
                             "rows_per_s": res[key]["rows_per_s"], "loop_vs_this": lp / res[key]["seconds"],
                             "counts_sum_to_n": bool((counts[key].sum(1) == n).all())}
        del res[key], counts[key]
    top = {k: c.argmax(1) for k, c in counts.items()}
    return {
        "dataset": dataset, "arch": arch, "recipe": recipe, "n_series": N, "n_draws": n,
        "n_masks": 0 if masks is None else m, "mask_keep": None if masks is None else keep,
        "channels": C, "T": T, "n_classes": K, "sigma": sigma, "auto_rows": rows,
        "model_rows": total_rows, **res,
        "tsviz_vs_bare": t / b, "loop_vs_tsviz": lp / t, "loop_vs_bare": lp / b,
        **({"tsviz_batch_size_sweep": sweep_res} if sweep_res else {}),
        "goals": {
            "tsviz_vs_bare": {"goal": f"<= {GOAL_TSVIZ_VS_BARE}", "met": t / b <= GOAL_TSVIZ_VS_BARE},
            "loop_vs_tsviz": {"goal": f">= {GOAL_LOOP_VS_TSVIZ} (T <= {LOOP_GOAL_MAX_T}, CPU)",
                              "applies": not cuda_or_long, "met": lp / t >= GOAL_LOOP_VS_TSVIZ},
        },
        "checks": {
            "tsviz_counts_sum_to_n": bool((counts["tsviz"].sum(1) == n).all()),
            "bare_counts_sum_to_n": bool((counts["bare_forward"].sum(1) == n).all()),
            "loop_counts_sum_to_n": bool((counts["per_sample_loop"].sum(1) == n).all()),
            "counts_equal_tsviz_bare": bool(np.array_equal(counts["tsviz"], counts["bare_forward"])),
            "top_class_agreement": {
                "tsviz_bare": float((top["tsviz"] == top["bare_forward"]).mean()),
                "tsviz_loop": float((top["tsviz"] == top["per_sample_loop"]).mean()),
                "bare_loop": float((top["bare_forward"] == top["per_sample_loop"]).mean()),
            },
            "max_abs_top_freq_diff_tsviz_loop": float(np.abs(
                counts["tsviz"].max(1) - counts["per_sample_loop"].max(1)).max() / n),
        },
    }


def main(argv=None) -> int:
    import torch

    from tsviz.device import resolve_device

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto", help="cpu, cuda or auto (CUDA when available)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per method; the median is reported")
    ap.add_argument("--ref-batch", type=int, default=400, help="noise batch of the per-sample loop (Cohen et al.)")
    ap.add_argument("--n-series", type=int, default=None, help="series per configuration (default per model)")
    ap.add_argument("--n-draws", type=int, default=None, help="noise draws per series (default per model)")
    ap.add_argument("--n-draws-masks", type=int, default=None,
                    help="noise draws per series with masks (default: n-draws // masks, the same model rows)")
    ap.add_argument("--masks", type=int, default=4, help="binomial masks of the self-ensemble runs (0: skip them)")
    ap.add_argument("--keep", type=float, default=0.9, help="keep ratio of the binomial masks")
    ap.add_argument("--models", default=",".join(c[0] for c in CONFIGS),
                    help="comma-separated configurations: " + ", ".join(c[0] for c in CONFIGS))
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: leave as is)")
    ap.add_argument("--sweep", default="",
                    help="comma-separated fixed batch_size values (rows per forward) to time tsviz with as well, "
                         "interleaved with the three methods (diagnosis of the chunk size; default: none)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one repeat (smoke test; timings meaningless)")
    ap.add_argument("--out", default=None, help="write the JSON here too")
    args = ap.parse_args(argv)
    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = 1 if args.quick else args.repeats
    ref_batch = min(args.ref_batch, 16) if args.quick else args.ref_batch
    sweep = tuple(int(v) for v in args.sweep.split(",") if v.strip())
    wanted = [s.strip() for s in args.models.split(",") if s.strip()]
    unknown = set(wanted) - {c[0] for c in CONFIGS}
    if unknown:
        ap.error(f"unknown --models {sorted(unknown)}")
    result = {"machine": {"platform": platform.platform(), "python": platform.python_version(),
                          "torch": torch.__version__, "device": str(device),
                          "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
                          else _cpu_name(),
                          "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                          "torch_interop_threads": torch.get_num_interop_threads(),
                          "loadavg_before": list(os.getloadavg())},
              "settings": {"repeats": repeats, "statistic": "median", "warmup": "each method once, first 2 series",
                           "order": "repeats interleaved: tsviz, bare_forward, per_sample_loop, tsviz, ...",
                           "ref_batch": ref_batch, "masks": args.masks, "mask_keep": args.keep,
                           "quick": args.quick, "seed": 0, "sweep": list(sweep),
                           "goals": {"tsviz_vs_bare": f"<= {GOAL_TSVIZ_VS_BARE}",
                                     "loop_vs_tsviz": f">= {GOAL_LOOP_VS_TSVIZ} for T <= {LOOP_GOAL_MAX_T} on CPU"}},
              "configs": {}}
    for name, dataset, arch, recipe, sigma, N, n in CONFIGS:
        if name not in wanted:
            continue
        if args.quick:
            N, n = QUICK[name]
        N = args.n_series or N
        n = args.n_draws or n
        for m in ([0, args.masks] if args.masks else [0]):
            key = name if m == 0 else f"{name}+{m}masks"
            nm = n if m == 0 else (args.n_draws_masks or max(1, n // m))
            print(f"[certify bench] {key}: N={N} n={nm} ...", file=sys.stderr, flush=True)
            result["configs"][key] = bench_config(name, dataset, arch, recipe, sigma, N, nm, m, args.keep,
                                                  ref_batch, repeats, device, sweep)
    result["machine"]["loadavg_after"] = list(os.getloadavg())
    cfgs = result["configs"].values()
    result["goals_met"] = {
        "tsviz_vs_bare": all(c["goals"]["tsviz_vs_bare"]["met"] for c in cfgs),
        "loop_vs_tsviz": all(c["goals"]["loop_vs_tsviz"]["met"] for c in cfgs
                             if c["goals"]["loop_vs_tsviz"]["applies"]),
    }
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
