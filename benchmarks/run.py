"""zen benchmarks: CLI start-up cost and how store operations scale with the store's size.

Run ``python benchmarks/run.py`` (or ``nox -s benchmarks -- ARGS``); ``--help`` lists
the options. Everything happens in a temporary config folder (``ZENML_CONFIG_PATH``),
never in the user's. Figures are medians of repeated runs after one warm-up run;
ratios compare figures taken in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import (
    FACTORIES,
    StoreFactory,
    StoreTarget,
    available_targets,
    new_config,
    subprocess_env,
)
from timing import CommandFailed, Summary, run_command, time_interleaved, time_repeated

from zen_core.exceptions import ZenError
from zen_core.models import Component, ComponentType

PYTHON = sys.executable
ZENML = str(Path(sys.executable).parent / "zenml")
TARGET_MS = 150.0
FILL_WARNING_SECONDS = 120.0
#: A measurement whose max/min exceeds this is marked noisy ("~") in the report.
NOISY_SPREAD = 1.3
NOISE_NOTE = (
    f"   ~ = noisy (max/min > {NOISY_SPREAD}): other load on the machine? "
    "Re-run, or raise --runs."
)


def noisy(summary: dict) -> bool:
    return summary["max_ms"] > NOISY_SPREAD * summary["min_ms"]


def mark(summary: dict) -> str:
    return "~" if noisy(summary) else " "


def log(message: str) -> None:
    """Progress goes to stderr; the report to stdout."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- 1. start-up ---------------------------------------------------------------------
def setup_startup_profile(work: Path, stacks: int) -> tuple[dict[str, str], Path]:
    """A config folder whose default (local) profile holds ``stacks`` stacks."""
    config_dir, cwd, client = new_config(work)
    existing = len(client.store.stack_names())  # the default stack
    for i in range(stacks - existing):
        client.register_stack(
            f"stack-{i:03d}",
            {"orchestrator": "default", "metadata_store": "default", "artifact_store": "default"},
        )
    count = len(client.store.stack_names())
    if count != stacks:
        raise RuntimeError(f"expected {stacks} stacks in the benchmark profile, found {count}")
    return subprocess_env(config_dir), cwd


def bench_startup(work: Path, runs: int, stacks: int) -> dict:
    env, cwd = setup_startup_profile(work, stacks)
    commands = {
        "python -c pass": [PYTHON, "-c", "pass"],
        'python -c "import click"': [PYTHON, "-c", "import click"],
        "zenml stack list": [ZENML, "stack", "list"],
        "zenml profile list": [ZENML, "profile", "list"],
    }
    actions = {
        label: (lambda _i, argv=argv: run_command(argv, env, cwd))
        for label, argv in commands.items()
    }
    log(f"start-up: {len(commands)} commands x {runs} runs (+1 warm-up), interleaved")
    results = time_interleaved(actions, runs)
    return {"stacks": stacks, "commands": {k: v.to_dict() for k, v in results.items()}}


def report_startup(data: dict) -> list[str]:
    cmds = {k: v["median_ms"] for k, v in data["commands"].items()}
    base = cmds["python -c pass"]
    click = cmds['python -c "import click"']
    lines = [
        f"1. Start-up: medians of subprocess wall time, local profile with {data['stacks']} stacks",
        "",
        f"   {'command':<28}{'median':>10}{'min':>9}{'max':>9}{'x pass':>9}{'x click':>9}",
    ]
    for label, s in data["commands"].items():
        lines.append(
            f"   {label:<28}{s['median_ms']:>7.1f} ms{mark(s)}{s['min_ms']:>8.1f}"
            f"{s['max_ms']:>9.1f}{s['median_ms'] / base:>8.2f}x{s['median_ms'] / click:>8.2f}x"
        )
    if any(noisy(s) for s in data["commands"].values()):
        lines.append(NOISE_NOTE)
    stack_list = cmds["zenml stack list"]
    verdict = "MET" if stack_list < TARGET_MS else "NOT MET"
    lines += [
        "",
        f"   zenml stack list over `import click`: {stack_list - click:+.1f} ms;"
        f" over `python -c pass`: {stack_list - base:+.1f} ms",
        f"   Target: zenml stack list < {TARGET_MS:.0f} ms median -> {verdict}"
        f" ({stack_list:.1f} ms)",
    ]
    data["target"] = {"metric": "zenml stack list median_ms", "below_ms": TARGET_MS,
                      "value_ms": stack_list, "met": stack_list < TARGET_MS}
    return lines


# --- 2. scaling ----------------------------------------------------------------------
def count_components(target: StoreTarget) -> int:
    return len(target.store.list_components())


def fill(target: StoreTarget, current: int, size: int) -> tuple[int, float]:
    """Register orchestrators through the Python API until the store holds ``size``."""
    store = target.store
    start = time.perf_counter()
    step = max(500, (size - current) // 10)
    for i in range(current, size):
        store.register_component(Component(ComponentType.ORCHESTRATOR, "local", f"o{i}"))
        done = i + 1 - current
        if done % step == 0:
            log(f"  filled {i + 1}/{size} components ({time.perf_counter() - start:.0f} s)")
    return max(current, size), time.perf_counter() - start


def measure_at_size(target: StoreTarget, size: int, runs: int) -> dict[str, Summary]:
    """The timed operations, each leaving the store at ``size`` components."""
    env, cwd, store = target.env, target.cwd, target.store
    orchestrator = ComponentType.ORCHESTRATOR

    def cli_register(i: int) -> None:
        run_command([ZENML, "orchestrator", "register", f"cli-{i + 1}", "-t", "local"], env, cwd)

    def undo_cli(i: int) -> None:
        store.delete_component(orchestrator, f"cli-{i + 1}")

    def api_register(i: int) -> None:
        store.register_component(Component(orchestrator, "local", f"api-{i + 1}"))

    def undo_api(i: int) -> None:
        store.delete_component(orchestrator, f"api-{i + 1}")

    def cli_list(_: int) -> None:
        run_command([ZENML, "stack", "list"], env, cwd)

    def api_list(_: int) -> None:
        with target.open_store() as fresh:
            fresh.list_stacks()

    return {
        "zenml stack list (CLI)": time_repeated(cli_list, runs),
        "list_stacks (API, fresh store)": time_repeated(api_list, runs),
        "zenml orchestrator register (CLI)": time_repeated(cli_register, runs, after=undo_cli),
        "store.register_component (API)": time_repeated(api_register, runs, after=undo_api),
    }


def bench_scaling(
    factory: StoreFactory, work: Path, sizes: Sequence[int], runs: int,
    measure: Callable[[StoreTarget, int, int], dict[str, Summary]] = measure_at_size,
) -> dict:
    """Measure the operations at each store size (filled incrementally, smallest first)."""
    target = factory(work)
    try:
        count = count_components(target)
        per_size = {}
        for size in sorted(sizes):
            log(f"scaling ({target.label}): filling to {size} components (from {count})")
            before = count
            count, fill_seconds = fill(target, count, size)
            log(f"scaling ({target.label}): measuring at {size} components, {runs} runs each")
            results = measure(target, size, runs)
            actual = count_components(target)
            if actual != size:
                raise RuntimeError(f"store holds {actual} components, expected {size}")
            per_size[size] = {
                "fill_seconds": round(fill_seconds, 2),
                "filled_from": before,
                "operations": {k: v.to_dict() for k, v in results.items()},
            }
        return {"store": target.label, "sizes": per_size}
    finally:
        target.close()


def report_scaling(data: dict) -> list[str]:
    sizes = sorted(data["sizes"])
    small, large = sizes[0], sizes[-1]
    s_ops = data["sizes"][small]["operations"]
    l_ops = data["sizes"][large]["operations"]
    lines = [
        f"2. Scaling ({data['store']}): medians at {small} vs {large} components"
        " (one stack; orchestrators added through the Python API)",
        "",
        f"   {'operation':<36}{f'@{small}':>11}{f'@{large}':>11}{'ratio':>9}"
        f"{'ms/1k comp.':>13}  verdict",
    ]
    ratios = {}
    for label in s_ops:
        a, b = s_ops[label]["median_ms"], l_ops[label]["median_ms"]
        ratio = b / a if a else float("inf")
        slope = (b - a) / ((large - small) / 1000)
        ratios[label] = {"small_ms": a, "large_ms": b, "ratio": round(ratio, 3),
                         "ms_per_1000_components": round(slope, 3)}
        verdict = "flat" if ratio <= 1.25 else ("mild growth" if ratio <= 2 else "grows")
        if noisy(s_ops[label]) or noisy(l_ops[label]):
            verdict += " (noisy)"
        lines.append(
            f"   {label:<36}{a:>8.1f} ms{mark(s_ops[label])}{b:>7.1f} ms{mark(l_ops[label])}"
            f"{ratio:>7.2f}x{slope:>+13.2f}  {verdict}"
        )
    if any(noisy(ops[label]) for ops in (s_ops, l_ops) for label in ops):
        lines.append(NOISE_NOTE)
    lines.append("")
    for size in sizes:
        fill_s = data["sizes"][size]["fill_seconds"]
        lines.append(f"   Filling the store up to {size} components (Python API): {fill_s:.1f} s")
    total_fill = sum(data["sizes"][s]["fill_seconds"] for s in sizes)
    if total_fill > FILL_WARNING_SECONDS:
        lines.append(
            f"   NOTE: filling took {total_fill:.0f} s (> {FILL_WARNING_SECONDS:.0f} s): "
            "each register rewrites the whole store index, so filling is quadratic."
        )
    lines.append("   (ratio = large/small; 'flat' means ratio <= 1.25; nothing is asserted)")
    data["ratios"] = ratios
    data["fill_seconds_total"] = round(total_fill, 2)
    return lines


# --- main -----------------------------------------------------------------------------
def machine() -> dict:
    from zen_core import __version__

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "executable": PYTHON,
        "zen_core": __version__,
        "load_average_at_start": _load_average(),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # not on Windows
        return None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None,
                        help="timed runs per measurement (default 15; 5 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and a smaller large store (1,000 instead of 5,000)")
    parser.add_argument("--stacks", type=int, default=50,
                        help="stacks in the start-up benchmark's profile (default 50)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                        help="store sizes for the scaling benchmark (default 100,5000)")
    parser.add_argument("--stores", type=lambda s: s.split(","), default=None,
                        help="comma-separated targets for the scaling benchmark, from "
                        f"{', '.join(FACTORIES)} (default: every one available here)")
    parser.add_argument("--service-seconds", type=float, default=None,
                        help="seconds per service load case (default 5; 2 with --quick)")
    parser.add_argument("--only", choices=["startup", "scaling", "service"], default=None,
                        help="run one part only")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write the figures as JSON to PATH")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary config folders (their path is printed)")
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 5 if args.quick else 15
    if args.sizes is None:
        args.sizes = [100, 1000] if args.quick else [100, 5000]
    if args.service_seconds is None:
        args.service_seconds = 2.0 if args.quick else 5.0
    if args.runs < 1 or len(args.sizes) < 2 or min(args.sizes) < 10:
        parser.error("--runs must be >= 1 and --sizes must name two sizes >= 10")
    if args.stores is None:
        args.stores = available_targets()
    unknown = sorted(set(args.stores) - set(FACTORIES))
    if unknown:
        parser.error(f"unknown --stores {unknown}: choose from {', '.join(FACTORIES)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(ZENML).exists():
        print(f"error: no zenml script next to the interpreter ({ZENML})", file=sys.stderr)
        return 2
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="zen-bench-"))
    info = machine()
    results: dict = {"machine": info, "runs": args.runs}
    lines = [
        "zen benchmarks",
        f"   machine: {info['cpu_count']} CPUs (os.cpu_count()), Python {info['python']} "
        f"({info['implementation']}), {info['platform']}",
        f"   zen-core {info['zen_core']}; {args.runs} timed runs per figure after 1 warm-up;"
        " figures are medians",
        "   subprocesses: fresh ZENML_CONFIG_PATH in a temp folder, cwd outside any repository,"
        " no ZENML_* variables, bytecode caching on",
        "",
    ]
    try:
        if args.only in (None, "startup"):
            results["startup"] = bench_startup(work / "startup", args.runs, args.stacks)
            lines += [*report_startup(results["startup"]), ""]
        if args.only in (None, "scaling"):
            results["scaling"] = []
            for name in args.stores:
                log(f"scaling: {name}")
                data = bench_scaling(FACTORIES[name], work / f"scaling-{name}", args.sizes,
                                     args.runs)
                results["scaling"].append(data)
                lines += [*report_scaling(data), ""]
        if args.only in (None, "service") and importlib.util.find_spec("zen_service"):
            from service import bench_rest_cli, bench_service, report_rest_cli, report_service

            log("service: load cases")
            results["service"] = bench_service(work / "service", args.service_seconds)
            lines += [*report_service(results["service"]), ""]
            log("service: zenml stack list, rest vs local")
            results["rest_cli"] = bench_rest_cli(work / "rest-cli", args.runs)
            lines += [*report_rest_cli(results["rest_cli"]), ""]
    except (ZenError, CommandFailed) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    results["total_seconds"] = round(total, 1)
    results["load_average_at_end"] = _load_average()
    loads = [info["load_average_at_start"], results["load_average_at_end"]]
    load_text = (
        f"; load average (1/5/15 min) at start {loads[0]}, at end {loads[1]}"
        if all(loads) else ""
    )
    lines.append(f"Total benchmark time: {total:.0f} s{load_text}")
    print("\n".join(lines))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
