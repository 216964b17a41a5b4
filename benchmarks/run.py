"""Run every benchmark workload on every engine, side by side, and compare with the targets.

    python benchmarks/run.py [--quick] [--json out.json] [--only C,W1,...] [--no-course]

Engines (see workloads.py): ``ours`` (tinygrad_edu via nn/optim), ``ours_raw`` (fused ops
and a hand-rolled SGD loop), ``torch`` (when installed; ``torch.set_num_threads`` is set
to the machine's core count) and ``numpy`` (hand-written forward/backward/update: the
floor for any NumPy engine). Engines are interleaved: each round times a block of steps
of every engine in turn (rotating who goes first), and the tables report the median
over rounds of the time per step, so a slow moment of the machine hits every engine.

Also measured: the machine's NumPy float32 GEMM rate (W2's first layer shape), peak
memory of a W2 step against the arrays it must hold (tracemalloc), cyclic garbage left
per step (gc), and the full course run (all 900,000 steps through
``tinygrad_edu.course.run_experiment`` in float32; ``--quick`` runs a tenth and scales up).

OpenBLAS: on some machines OPENBLAS_CORETYPE is set to an older kernel (for old builds'
sake), which slows NumPy's GEMM. The script reports the kernel in use; to benchmark a
current NumPy, run ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run.py``.
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
from collections.abc import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # workloads.py, memory.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tinygrad_edu checkout

import memory  # noqa: E402
import workloads as wl  # noqa: E402

# target: (numerator engine, denominator engine, maximum ratio)
TARGETS: dict[str, list[tuple[str, str, float]]] = {
    "C": [("ours", "torch", 0.30), ("ours", "numpy", 1.5)],
    "W1": [("ours", "torch", 0.50)],
    "W2": [("ours", "torch", 1.10)],
    "W3": [("ours", "torch", 0.50)],
}
COURSE_TARGET_SECONDS = 60.0
MEMORY_TARGET_RATIO = 1.5


def have_torch() -> bool:
    try:
        import torch
    except ImportError:
        return False
    torch.set_num_threads(os.cpu_count() or 1)
    return True


def machine_info() -> dict:
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
    }
    try:
        import threadpoolctl

        blas = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
        if blas:
            info["numpy_blas"] = f"{blas[0].get('internal_api')} {blas[0].get('version')} kernel {blas[0].get('architecture')}"
            info["numpy_blas_threads"] = blas[0].get("num_threads")
    except ImportError:
        info["numpy_blas"] = "unknown (pip install threadpoolctl to see the kernel)"
    if have_torch():
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def gemm_gflops(m: int = 256, k: int = 784, n: int = 512, repeats: int = 30) -> float:
    """NumPy float32 matmul rate at W2's first-layer shape: the best of ``repeats`` after warm-up.

    The best, not the median: it is the machine's capability, and a shared machine's
    other jobs only ever make a single product slower.
    """
    rng = np.random.default_rng(0)
    a = rng.normal(size=(m, k)).astype(np.float32)
    b = rng.normal(size=(k, n)).astype(np.float32)
    for _ in range(5):  # start OpenBLAS's threads
        a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2.0 * m * k * n / min(times) / 1e9


PAUSE_SECONDS = 0.15  # before each timed block: lets the last engine's spinning BLAS/OpenMP threads go idle


def interleaved_medians(steps: dict[str, Callable], block: int, rounds: int, warmup: int) -> dict[str, dict]:
    """Median (and spread) of seconds per step for each engine, timed in interleaved blocks.

    OpenBLAS and PyTorch's OpenMP workers keep spinning for a while after a call; on a
    2-core machine that steals the core the next engine runs on. A short pause before
    each block lets them go to sleep, so no engine pays for the one timed before it.
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    names = list(steps)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            step = steps[name]
            time.sleep(PAUSE_SECONDS)
            step()  # one untimed step after the pause warms the caches again
            start = time.perf_counter()
            for _ in range(block):
                step()
            samples[name].append((time.perf_counter() - start) / block)
    return {name: {"median_s": statistics.median(s), "min_s": min(s), "max_s": max(s), "rounds": len(s)}
            for name, s in samples.items()}


def workload_steps(name: str, engines: list[str]) -> tuple[dict[str, Callable], object]:
    if name == "W3":
        x0 = wl.chain_start()
        makers = {"ours": wl.ours_chain_step, "torch": wl.torch_chain_step, "numpy": wl.numpy_chain_step}
        return {e: makers[e](x0) for e in engines if e in makers}, None
    problem = {"C": wl.course_problem, "W1": wl.small_mlp_problem, "W2": wl.wide_mlp_problem}[name]()
    makers = {"ours": wl.ours_mlp_step, "ours_raw": wl.ours_raw_step, "torch": wl.torch_mlp_step,
              "numpy": wl.numpy_mlp_step}
    steps = {}
    for engine in engines:
        try:
            steps[engine] = makers[engine](problem)
        except (ImportError, AttributeError) as error:  # nn/optim not there yet: report without them
            print(f"  {name}: engine {engine} unavailable ({error})", file=sys.stderr)
    return steps, problem


# (block of steps, rounds, warm-up steps) per workload; --quick uses the second
SCHEDULE = {
    "C": ((300, 15, 500), (200, 5, 200)),
    "W1": ((200, 15, 300), (100, 5, 100)),
    "W2": ((4, 11, 3), (2, 5, 2)),
    "W3": ((2, 11, 2), (1, 5, 1)),
}


def run_workloads(names: list[str], engines: list[str], quick: bool) -> dict:
    results = {}
    for name in names:
        steps, problem = workload_steps(name, engines)
        block, rounds, warmup = SCHEDULE[name][1 if quick else 0]
        timings = interleaved_medians(steps, block, rounds, warmup)
        entry: dict = {"engines": timings, "ratios": []}
        if problem is not None:
            entry["flops_per_step"] = problem.flops_per_step
        for num, den, limit in TARGETS[name]:
            if num == "ours" and "ours" not in timings:
                num = "ours_raw"
            if num in timings and den in timings:
                ratio = timings[num]["median_s"] / timings[den]["median_s"]
                entry["ratios"].append({"ratio": f"{num}/{den}", "value": ratio, "target": limit, "met": ratio <= limit})
        results[name] = entry
        print(f"  {name} done", file=sys.stderr)
    return results


def run_memory(engines: list[str]) -> dict:
    problem = wl.wide_mlp_problem()
    need = memory.required_bytes(problem)
    result: dict = {"required_bytes": need, "peak_bytes": {}, "cyclic_garbage_per_step": {}}
    for engine, maker in (("ours", wl.ours_mlp_step), ("ours_raw", wl.ours_raw_step), ("numpy", wl.numpy_mlp_step)):
        if engine not in engines:
            continue
        try:
            peak = memory.peak_step_bytes(maker, problem)
        except (ImportError, AttributeError):
            continue
        result["peak_bytes"][engine] = {"bytes": peak, "ratio": peak / need["total"],
                                        "met": peak / need["total"] <= MEMORY_TARGET_RATIO}
    for name, maker in (("C", wl.course_problem), ("W1", wl.small_mlp_problem)):
        for engine, step_maker in (("ours", wl.ours_mlp_step), ("ours_raw", wl.ours_raw_step)):
            try:
                step = step_maker(maker())
            except (ImportError, AttributeError):
                continue
            result["cyclic_garbage_per_step"][f"{name}/{engine}"] = memory.cyclic_garbage_per_step(step)
    if "ours" in engines:
        result["cyclic_garbage_per_step"]["W3/ours"] = memory.cyclic_garbage_per_step(
            wl.ours_chain_step(wl.chain_start()), steps=1)
    return result


def run_course(quick: bool) -> dict:
    from tinygrad_edu import course

    fraction = 10 if quick else 1
    steps = course.STEPS // fraction
    start = time.perf_counter()
    result = course.run_experiment(steps=steps, dtype=np.float32)
    seconds = time.perf_counter() - start
    total_steps = steps * len(result.runs)
    per_run = {f"width {w}, {m}": run.seconds for (w, m), run in result.runs.items()}
    full = seconds * fraction
    return {"steps_run": total_steps, "seconds": seconds, "full_run_seconds": full, "extrapolated": quick,
            "per_run_seconds": per_run, "target_s": COURSE_TARGET_SECONDS, "met": full < COURSE_TARGET_SECONDS,
            "final_test_mse": {f"width {w}, {m}": float(run.test_mse[-1]) for (w, m), run in result.runs.items()}}


def print_report(report: dict) -> None:
    info = report["machine"]
    print("\nMachine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print(f"NumPy float32 GEMM (256x784 @ 784x512), best of 30: {report['gemm_gflops']:.1f} GFLOP/s\n")
    engines = ["ours", "ours_raw", "torch", "numpy"]
    header = f"{'workload':8s}" + "".join(f"{e + ' (µs)':>15s}" for e in engines) + "   ratios vs targets"
    print(header)
    print("-" * len(header))
    for name, entry in report["workloads"].items():
        cells = []
        for e in engines:
            t = entry["engines"].get(e)
            cells.append(f"{t['median_s'] * 1e6:15.1f}" if t else f"{'-':>15s}")
        ratios = "; ".join(f"{r['ratio']} {r['value']:.2f} (≤ {r['target']}: {'met' if r['met'] else 'NOT met'})"
                           for r in entry["ratios"])
        print(f"{name:8s}" + "".join(cells) + "   " + ratios)
        if "flops_per_step" in entry and name == "W2":
            rates = ", ".join(f"{e} {entry['flops_per_step'] / t['median_s'] / 1e9:.1f}"
                              for e, t in entry["engines"].items())
            print(f"{'':8s}  effective GFLOP/s: {rates}")
    if "memory" in report:
        mem = report["memory"]
        need = mem["required_bytes"]
        print(f"\nW2 step memory: must hold {need['total'] / 1e6:.2f} MB (parameters {need['parameters'] / 1e6:.2f}, "
              f"gradients {need['gradients'] / 1e6:.2f}, activations {need['activations'] / 1e6:.2f})")
        for engine, peak in mem["peak_bytes"].items():
            print(f"  {engine:9s} peak {peak['bytes'] / 1e6:.2f} MB = {peak['ratio']:.2f}x "
                  f"(≤ {MEMORY_TARGET_RATIO}: {'met' if peak['met'] else 'NOT met'})")
        print("Cyclic garbage after steps with gc disabled (should be 0): "
              + ", ".join(f"{k} {v}" for k, v in mem["cyclic_garbage_per_step"].items()))
    if "course" in report:
        c = report["course"]
        how = f"{c['seconds']:.1f} s for {c['steps_run']:,} steps, scaled x10" if c["extrapolated"] else f"{c['steps_run']:,} steps"
        print(f"\nFull course run (float32): {c['full_run_seconds']:.1f} s ({how}); "
              f"target < {c['target_s']:.0f} s: {'met' if c['met'] else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, a tenth of the course run")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--only", default="C,W1,W2,W3", help="comma-separated workloads (default: all)")
    parser.add_argument("--no-course", action="store_true", help="skip the full course run")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory checks")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCHEDULE]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(SCHEDULE)}")
    engines = ["ours", "ours_raw"] + (["torch"] if have_torch() else []) + ["numpy"]
    report: dict = {"machine": machine_info(), "quick": args.quick, "gemm_gflops": gemm_gflops()}
    report["workloads"] = run_workloads(names, engines, args.quick)
    if not args.no_memory:
        report["memory"] = run_memory(engines)
    if not args.no_course:
        try:
            report["course"] = run_course(args.quick)
        except (ImportError, AttributeError) as error:
            print(f"course run unavailable: {error}", file=sys.stderr)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
