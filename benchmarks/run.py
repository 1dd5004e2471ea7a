"""zen benchmarks: every target of issue 23 (and those of issues 12 and 21 it keeps),
measured and judged MET, MISSED or SKIPPED.

Run ``python benchmarks/run.py`` (or ``nox -s benchmarks -- ARGS``); ``--help`` lists
the options and README.md says what each figure is. Everything happens in a temporary
folder (``ZENML_CONFIG_PATH`` points there), never in the user's config. Baselines are
measured interleaved with what they calibrate (A B A B), after a warm-up; a ratio is the
median of the per-round ratios; every CLI figure has its process CPU time beside its wall
time; the service is loaded with ``wrk``. The targets are in ``targets.py``.

The exit status is 0 when every figure was measured, whether its target is met or not
(the report says), and 1 if the harness itself broke (a figure whose verdict is ERROR).
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
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import instructions
import stores
from evaluate import Figure, evaluate, final_table, harness_failed, paired_ratio, ratio
from targets import COMPONENT_COMMANDS, TARGETS
from timing import Step, interleave, run_command

from zen_core.client import Client
from zen_core.models import Component, ComponentType

PYTHON = sys.executable
ZENML = str(Path(sys.executable).parent / "zenml")
PARTS = {"startup": ("a", *(f"b-{c}" for c in COMPONENT_COMMANDS), "c", "big"),
         "copy": ("d-sqlite", "d-postgres"), "write": ("write",),
         "service": (*(k for k in TARGETS if k[0] in "ef"), "storm"),
         "replicas": tuple(k for k in TARGETS if k.startswith("g-")),
         "hostile": tuple(k for k in TARGETS if k[0] == "i"),
         "apply": tuple(k for k in TARGETS if k[0] in "jk")}
#: A series whose max/min exceeds this is marked noisy ("~") in the report.
NOISY_SPREAD = 1.3


@dataclass(frozen=True)
class Sizes:
    """How big the measured stores are: issue 12's sizes, or the smallest that still runs
    every step of every part (``--smoke``, what the test suite runs: a broken part fails
    there, not when someone runs ``nox -s benchmarks``)."""

    big_stacks: int = 2000  # big, d: the big store (the default stack included)
    big_components: int = 10_000
    small_stacks: int = 50  # a, b, c
    write_small: int = 100  # write: components of the two stores
    write_large: int = 10_000
    service_stacks: int = 50  # e, f, g, storm


SMOKE = Sizes(big_stacks=4, big_components=20, small_stacks=3, write_small=5, write_large=10,
              service_stacks=3)


def count(n: int) -> str:
    """2,000 / 50: a size as the report shows it."""
    return f"{n:,}"


def log(message: str) -> None:
    """Progress goes to stderr; the report to stdout."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class Context:
    """What the parts share: the options, the work folder, the big store (built once),
    the PostgreSQL server (or why there is none), and the raw figures for the JSON."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.sizes = SMOKE if args.smoke else Sizes()
        self.work = work
        self._big: stores.Config | None = None
        self.results: dict = {}
        self.postgres, self.postgres_note = (None, "not checked")
        if has("zen_sql_store"):
            self.postgres, self.postgres_note = stores.postgres()
        else:
            self.postgres_note = "zen-sql-store is not installed"

    def big(self) -> stores.Config:
        if self._big is None:
            sizes = self.sizes
            log(f"building the big local store: {count(sizes.big_components)} components, "
                f"{count(sizes.big_stacks)} stacks (one batch)")
            start = time.perf_counter()
            self._big = stores.big(self.work / "big", sizes.big_stacks, sizes.big_components)
            self.results["big_store_build_seconds"] = round(time.perf_counter() - start, 2)
            log(f"  built in {time.perf_counter() - start:.1f} s")
        return self._big

    def close(self) -> None:
        if self.postgres is not None:
            self.postgres.close()


def marked(ms: float | None, data: dict) -> str:
    if ms is None:
        return "      -   "
    noisy = data["min_ms"] and data["max_ms"] > NOISY_SPREAD * data["min_ms"]
    return f"{ms:8.1f} ms{'~' if noisy else ' '}"


def series_lines(title: str, series: dict[str, dict], cpu: bool = True) -> list[str]:
    head = f"   {'':<44}{'median':>12}{'min':>10}{'max':>10}"
    lines = [title, "", head + (f"{'CPU':>12}" if cpu else "") + f"{'errors':>8}"]
    for label, s in series.items():
        cpu_ms = s["cpu_median_ms"]
        cpu_text = ((f"{cpu_ms:9.1f} ms" if cpu_ms is not None else f"{'-':>12}")
                    if cpu else "")
        lines.append(f"   {label:<44}{marked(s['median_ms'], s)}"
                     f"{s['min_ms'] or 0:>10.1f}{s['max_ms'] or 0:>10.1f}{cpu_text}"
                     f"{s['errors']:>8}")
        for sample in s["error_samples"][:1]:
            lines.append(f"     error: {sample.splitlines()[0][:200] if sample else ''}")
    if any(s["min_ms"] and s["max_ms"] > NOISY_SPREAD * s["min_ms"] for s in series.values()):
        lines.append(f"   ~ = noisy (max/min > {NOISY_SPREAD}): other load on the machine?")
    return lines


def cli_step(argv: list[str], config: stores.Config) -> Step:
    env, cwd = config.env, config.cwd
    return Step(lambda _i: run_command(argv, env, cwd))


def check_output(argv: list[str], config: stores.Config, expected: str) -> None:
    """Run the command once and check it shows ``expected`` (a sanity check, untimed)."""
    import subprocess

    done = subprocess.run(argv, env=config.env, cwd=config.cwd, capture_output=True,
                          stdin=subprocess.DEVNULL, check=False, text=True)
    if done.returncode != 0 or expected not in done.stdout:
        raise RuntimeError(f"{' '.join(argv)} (exit {done.returncode}) does not show "
                           f"{expected!r}: {(done.stdout + done.stderr)[-500:]}")


def combined(*series) -> int:
    return sum(s.errors for s in series)


def cli_figure(num, den, what: str) -> Figure:
    """A ratio of two interleaved CLI series: the median of the per-round ratios of wall
    times (the verdict); CPU times and the ratio of medians beside it."""
    value = paired_ratio(num.rounds_s, den.rounds_s)
    cpu = paired_ratio(num.cpu_rounds_s, den.cpu_rounds_s)
    return Figure(value, combined(num, den),
                  f"{walls(num)} vs {walls(den)} ({what}); CPU ratio {fmt_ratio(cpu)}, "
                  f"ratio of medians {fmt_ratio(ratio(num.median_s, den.median_s))}",
                  extra={"cpu_paired_ratio": cpu,
                         "ratio_of_medians": ratio(num.median_s, den.median_s)})


# --- a, b, c, big: start-up ------------------------------------------------------------
def part_startup(ctx: Context) -> tuple[list[str], dict[str, Figure]]:
    """`import click`; `zenml stack list` on 50 stacks (local, PostgreSQL) and on 2,000
    (local); `zenml orchestrator list/describe/register` (local): one loop, interleaved."""
    args, sizes = ctx.args, ctx.sizes
    small = stores.with_stacks(ctx.work / "startup-local", sizes.small_stacks)
    big = ctx.big()
    few, many = count(sizes.small_stacks), count(sizes.big_stacks)
    click, local = 'python -c "import click"', f"zenml stack list, local, {few} stacks"
    pg, large = f"zenml stack list, PostgreSQL, {few} stacks", \
        f"zenml stack list, local, big store, {many} stacks"
    component = {c: f"zenml orchestrator {c}, local" for c in COMPONENT_COMMANDS}
    written = stores.raw_store(small.client)

    def unregister(i: int) -> None:  # untimed, in this process: not in the CPU time
        written.delete_component(ComponentType.ORCHESTRATOR, f"bench-{i + 2}")

    steps = {click: cli_step([PYTHON, "-c", "import click"], small),
             local: cli_step([ZENML, "stack", "list"], small),
             component["list"]: cli_step([ZENML, "orchestrator", "list"], small),
             component["describe"]: cli_step([ZENML, "orchestrator", "describe", "default"],
                                             small),
             component["register"]: Step(
                 lambda i: run_command([ZENML, "orchestrator", "register", f"bench-{i + 2}",
                                        "--flavor", "local"], small.env, small.cwd),
                 after=unregister),
             large: cli_step([ZENML, "stack", "list"], big)}
    # the last stack each store has (stores.with_stacks and stores.big name them)
    last_small = f"stack-{sizes.small_stacks - 2:03d}"
    last_big = f"stack-{sizes.big_stacks - 2:04d}"
    check_output([ZENML, "stack", "list"], small, last_small)
    check_output([ZENML, "stack", "list"], big, last_big)
    if ctx.postgres is not None:
        postgres = stores.with_stacks(ctx.work / "startup-postgres", sizes.small_stacks)
        stores.sql_copy(postgres, "postgres", url=ctx.postgres.create())
        check_output([ZENML, "stack", "list"], postgres, last_small)
        steps[pg] = cli_step([ZENML, "stack", "list"], postgres)
    log(f"start-up: {len(steps)} commands x {args.runs} runs (+1 warm-up round), interleaved")
    series = interleave(steps, args.runs)
    data = {"runs": args.runs, "commands": {k: v.to_dict() for k, v in series.items()}}
    ctx.results["startup"] = data
    figures = {"a": cli_figure(series[local], series[click], "`import click`")}
    for command, label in component.items():
        figures[f"b-{command}"] = cli_figure(series[label], series[click], "`import click`")
    figures["c"] = (cli_figure(series[pg], series[local], "local") if pg in series
                    else Figure(skipped=ctx.postgres_note))
    big_series, click_series = series[large], series[click]
    to_click = paired_ratio(big_series.rounds_s, click_series.rounds_s)
    figures["big"] = Figure(big_series.median_s, combined(big_series),
                            f"{walls(big_series)}; paired {fmt_ratio(to_click)} `import "
                            f"click` ({walls(click_series)})",
                            extra={"paired_ratio_to_import_click": to_click})
    lines = series_lines(f"Start-up: subprocess wall and CPU time, {args.runs} interleaved "
                         "rounds after 1 warm-up round", data["commands"])
    if instructions.available() and not args.smoke:
        counted = {click: ([PYTHON, "-c", "import click"], small),
                   local: ([ZENML, "stack", "list"], small),
                   component["list"]: ([ZENML, "orchestrator", "list"], small),
                   component["describe"]: ([ZENML, "orchestrator", "describe", "default"],
                                           small),
                   component["register"]: ([ZENML, "orchestrator", "register", "bench-counted",
                                            "--flavor", "local"], small)}
        if pg in series:
            counted[pg] = ([ZENML, "stack", "list"], postgres)
        log(f"start-up: counting the instructions of {len(counted)} commands (callgrind)")
        found = {name: instructions.count(argv, config.env, config.cwd)
                 for name, (argv, config) in counted.items()}
        written.delete_component(ComponentType.ORCHESTRATOR, "bench-counted")
        data["instructions"] = found
        rows = {"a": (local, click), "c": (pg, local)} | {
            f"b-{c}": (name, click) for c, name in component.items()}
        for row, (name, base) in rows.items():
            if name in found and not figures[row].skipped:
                figures[row].detail += f"; {instructions.text(found[name], found[base])}"
                figures[row].extra["instructions_ratio"] = found[name] / found[base]
    return lines, figures


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 10:
        return f"{value:.1f} s"
    return f"{value * 1000:.0f} ms"


def walls(series) -> str:
    """"118 ms (CPU 95 ms)": a series' median wall time and median CPU time."""
    return f"{ms(series.median_s)} (CPU {ms(series.cpu_median_s)})"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


# --- d: profile copy -------------------------------------------------------------------
def part_copy(ctx: Context) -> tuple[list[str], dict[str, Figure]]:
    """`zenml profile copy` of the big store to a new SQLite profile and to a new
    PostgreSQL database, interleaved; each run's target is deleted (untimed) after it.
    Judged on the process's CPU time; wall time beside it."""
    if not has("zen_sql_store"):
        skip = Figure(skipped="zen-sql-store is not installed")
        return ["Profile copy: skipped (zen-sql-store is not installed)"], {
            "d-sqlite": skip, "d-postgres": skip}
    big = ctx.big()
    runs = ctx.args.copy_runs
    tag = uuid.uuid4().hex[:6]

    def source(i: int) -> str:
        return "tiny" if i < 0 else "default"  # the warm-up copies a tiny profile

    def copy(name: str, url: Callable[[int], str | None]) -> Callable[[int], None]:
        def action(i: int) -> None:
            argv = [ZENML, "profile", "copy", source(i), f"{name}-{i + 1}", "-t", "sql"]
            target = url(i)
            run_command(argv + (["--url", target] if target else []), big.env, big.cwd)
        return action

    def forget(name: str, drop: bool) -> Callable[[int], None]:
        def after(i: int) -> None:
            profile = f"{name}-{i + 1}"
            client = Client(config_directory=big.directory, cwd=big.cwd)
            if profile in client.config.profiles:
                if i == 0:  # check the first timed copy holds everything
                    stores.check_size(stores.Config(big.directory, big.cwd, client),
                                      stacks=ctx.sizes.big_stacks,
                                      components=ctx.sizes.big_components, profile=profile)
                client.delete_profile(profile)
            if drop:
                ctx.postgres.drop(database(i))
        return after

    def database(i: int) -> str:
        return f"zen_bench_copy_{tag}_{i + 2}"

    steps = {"profile copy local -> SQLite": Step(copy("copy-sqlite", lambda i: None),
                                                   after=forget("copy-sqlite", False))}
    if ctx.postgres is not None:
        pg = ctx.postgres
        steps["profile copy local -> PostgreSQL"] = Step(
            copy("copy-pg", lambda i: pg_urls[i]),
            before=lambda i: pg_urls.__setitem__(i, pg.create(database(i))),
            after=forget("copy-pg", True))
    pg_urls: dict[int, str] = {}
    log(f"profile copy: {len(steps)} targets x {runs} runs (+1 warm-up copy of a tiny "
        "profile), interleaved")
    series = interleave(steps, runs)
    data = {"runs": runs, "commands": {k: v.to_dict() for k, v in series.items()}}
    ctx.results["copy"] = data

    def figure(s) -> Figure:
        return Figure(s.cpu_median_s, s.errors,
                      f"median of {runs} run(s): CPU {ms(s.cpu_median_s)}, wall "
                      f"{ms(s.median_s)}", extra={"wall_s": s.median_s})

    figures = {"d-sqlite": figure(series["profile copy local -> SQLite"])}
    if ctx.postgres is not None:
        figures["d-postgres"] = figure(series["profile copy local -> PostgreSQL"])
    else:
        figures["d-postgres"] = Figure(skipped=ctx.postgres_note)
    lines = series_lines(f"Profile copy of {count(ctx.sizes.big_components)} components + "
                         f"{count(ctx.sizes.big_stacks)} stacks (whole command), {runs} "
                         "interleaved rounds after 1 warm-up round", data["commands"])
    if ctx.postgres is None:
        lines.append(f"   local -> PostgreSQL SKIPPED: {ctx.postgres_note}")
    return lines, figures


# --- write: one write through the Python API (issue 12's e) ----------------------------
def part_write(ctx: Context) -> tuple[list[str], dict[str, Figure]]:
    """`store.register_component` on a local store of 100 and of 10,000 components, one
    loop, interleaved; every write is undone (untimed) after it."""
    runs, sizes = ctx.args.write_runs, ctx.sizes
    small = stores.with_components(ctx.work / "write-small", sizes.write_small)
    log(f"write: building a local store of {count(sizes.write_large)} components (one batch)")
    large = stores.with_components(ctx.work / "write-large", sizes.write_large)
    orchestrator = ComponentType.ORCHESTRATOR

    def step(config: stores.Config) -> Step:
        store = stores.raw_store(config.client)

        def action(i: int) -> None:
            store.register_component(Component(orchestrator, "local", f"written-{i + 2}"))

        def after(i: int) -> None:
            store.delete_component(orchestrator, f"written-{i + 2}")

        return Step(action, after=after)

    steps = {f"register_component, {count(sizes.write_small)} components": step(small),
             f"register_component, {count(sizes.write_large)} components": step(large)}
    log(f"write: 2 stores x {runs} runs (+1 warm-up round), interleaved")
    series = interleave(steps, runs, failures=(Exception,))
    stores.check_size(small, components=sizes.write_small)
    stores.check_size(large, components=sizes.write_large)
    data = {"runs": runs, "calls": {k: v.to_dict() for k, v in series.items()}}
    ctx.results["write"] = data
    a, b = series.values()
    figures = {"write": Figure(
        paired_ratio(b.rounds_s, a.rounds_s), combined(a, b),
        f"{ms(b.median_s)} vs {ms(a.median_s)}; ratio of medians "
        f"{fmt_ratio(ratio(b.median_s, a.median_s))}",
        extra={"ratio_of_medians": ratio(b.median_s, a.median_s)})}
    lines = series_lines(f"One write through the Python API (local store), {runs} interleaved "
                         "rounds after 1 warm-up round", data["calls"], cpu=False)
    return lines, figures


# --- e, f, storm: the service under wrk; g: two replicas behind haproxy ----------------
def part_service(ctx: Context) -> tuple[list[str], dict[str, Figure]]:
    from service import INSTALL_WRK, bench_service, report_service, wrk_binary

    missing = service_missing() or (INSTALL_WRK if wrk_binary() is None else None)
    if missing:
        skip = Figure(skipped=missing)
        return [f"Service: SKIPPED ({missing})"], {k: skip for k in PARTS["service"]}
    args = ctx.args
    postgres = ctx.postgres if ctx.postgres is not None else ctx.postgres_note
    data, figures = bench_service(ctx.work / "service", args.service_seconds,
                                  args.service_rounds, args.storm_seconds, postgres,
                                  stacks=ctx.sizes.service_stacks,
                                  warmup_seconds=0 if args.smoke else 1,
                                  share_ceiling=args.smoke, log=log)
    ctx.results["service"] = data
    lines = report_service(data)
    if ctx.postgres is None:
        lines.append(f"   PostgreSQL cases SKIPPED: {ctx.postgres_note}")
    return lines, figures


def part_replicas(ctx: Context) -> tuple[list[str], dict[str, Figure]]:
    from service import (
        INSTALL_HAPROXY,
        INSTALL_WRK,
        bench_replicas,
        haproxy_binary,
        report_service,
        wrk_binary,
    )

    missing = (service_missing() or (INSTALL_WRK if wrk_binary() is None else None)
               or (INSTALL_HAPROXY if haproxy_binary() is None else None)
               or (ctx.postgres_note if ctx.postgres is None else None))
    if missing:
        skip = Figure(skipped=missing)
        return [f"Replicas: SKIPPED ({missing})"], {k: skip for k in PARTS["replicas"]}
    args = ctx.args
    data, figures = bench_replicas(ctx.work / "replicas", args.service_seconds,
                                   args.service_rounds, ctx.postgres,
                                   stacks=ctx.sizes.service_stacks,
                                   warmup_seconds=0 if args.smoke else 1, log=log)
    ctx.results["replicas"] = data
    return report_service(data, "Two replicas behind haproxy (PostgreSQL)"), figures


def service_missing() -> str | None:
    if not has("zen_service"):
        return "zen-service is not installed"
    if not has("zen_sql_store"):
        return "zen-sql-store is not installed"
    return None


# --- i: hostile clients (issue 21) ----------------------------------------------------
def part_hostile(ctx: Context) -> tuple[list[str], dict[str, Figure]]:
    if not (has("zen_service") and has("requests")):
        skip = Figure(skipped="zen-service or requests is not installed")
        return ["Hostile clients: skipped (zen-service or requests is not installed)"], {
            k: skip for k in PARTS["hostile"]}
    from hostile import bench_hostile, report_hostile

    data, figures = bench_hostile(ctx.work / "hostile", ctx.args.hostile_seconds, log=log)
    ctx.results["hostile"] = data
    lines = report_hostile(data) if "skipped" not in data else [
        f"Hostile clients: skipped ({data['skipped']})"]
    return lines, figures


def part_apply(ctx: Context) -> tuple[list[str], dict[str, Figure]]:
    """Stacks as code: diff and apply of 1,000 components and 200 stacks (apply_part.py)."""
    if not has("zen_sql_store"):
        skip = Figure(skipped="zen-sql-store is not installed")
        return ["Stacks as code: skipped (zen-sql-store is not installed)"], {
            k: skip for k in PARTS["apply"]}
    from apply_part import part_apply as measure

    return measure(ctx)


PART_FUNCTIONS = {"startup": part_startup, "copy": part_copy, "write": part_write,
                  "service": part_service, "replicas": part_replicas,
                  "hostile": part_hostile, "apply": part_apply}


# --- main ------------------------------------------------------------------------------
def machine() -> dict:
    from zen_core import __version__

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "executable": PYTHON,
        "zen_core": __version__,
        "load_average_at_start": load_average(),
    }


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # not on Windows
        return None


def parse_parts(text: str) -> list[str]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown or not parts:
        raise argparse.ArgumentTypeError(
            f"unknown part {', '.join(unknown) or text!r}: choose from {', '.join(PARTS)}")
    return parts


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run of a few minutes: fewer runs, shorter service "
                        "phases (the stores keep their sizes)")
    parser.add_argument("--smoke", action="store_true",
                        help="the smallest run of every step, to check the harness works "
                        "(seconds; tiny stores, one run each: the figures mean nothing)")
    parser.add_argument("--only", type=parse_parts, default=None, metavar="PART",
                        help=f"run these parts only (comma-separated): {', '.join(PARTS)}")
    parser.add_argument("--runs", type=int, default=None,
                        help="interleaved rounds of the start-up commands (default 15; 5 "
                        "with --quick)")
    parser.add_argument("--copy-runs", type=int, default=None,
                        help="rounds of profile copies (default 3; 1 with --quick)")
    parser.add_argument("--write-runs", type=int, default=None,
                        help="rounds of API writes (default 40; 10 with --quick)")
    parser.add_argument("--service-seconds", type=int, default=None,
                        help="seconds per wrk run of the service (default 2; 1 with --quick)")
    parser.add_argument("--service-rounds", type=int, default=None,
                        help="rounds of service slices per number of clients (default 3; "
                        "2 with --quick)")
    parser.add_argument("--storm-seconds", type=int, default=None,
                        help="seconds of the 128-connection storm (default 20; 5 with --quick)")
    parser.add_argument("--hostile-seconds", type=float, default=None,
                        help="seconds of the hostile clients' attack (default 20; 8 with "
                        "--quick)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write every figure, sample and verdict as JSON to PATH")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    quick = args.quick
    # (full run, --quick, --smoke)
    defaults = {"runs": (15, 5, 1), "copy_runs": (3, 1, 1), "write_runs": (40, 10, 1),
                "service_seconds": (2, 1, 1), "service_rounds": (3, 2, 1),
                "storm_seconds": (20, 5, 1), "hostile_seconds": (20.0, 8.0, 2.0)}
    for name, (full, short, smoke) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, smoke if args.smoke else short if quick else full)
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    args.only = args.only or list(PARTS)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(ZENML).exists():
        print(f"error: no zenml script next to the interpreter ({ZENML})", file=sys.stderr)
        return 2
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="zen-bench-"))
    info = machine()
    results: dict = {"machine": info, "options": {k: (str(v) if isinstance(v, Path) else v)
                                                   for k, v in vars(args).items()}}
    lines = [
        "zen benchmarks (issue 23's targets, then 12's, 21's and 19's)" + (
            " -- SMOKE run: tiny stores, the figures mean nothing" if args.smoke
            else " -- QUICK run" if args.quick else ""),
        f"   machine: {info['cpu_count']} CPUs (os.cpu_count()), Python {info['python']} "
        f"({info['implementation']}), {info['platform']}; zen-core {info['zen_core']}",
        "   subprocesses: fresh ZENML_CONFIG_PATH in a temp folder, cwd outside any "
        "repository, no ZENML_* variables, bytecode caching on",
        "",
    ]
    print("\n".join(lines), flush=True)
    figures: dict[str, Figure] = {}
    ctx = Context(args, work)
    if ctx.postgres is None:
        log(f"PostgreSQL: SKIPPED ({ctx.postgres_note})")
    try:
        for part in args.only:
            part_start = time.perf_counter()
            try:
                part_lines, part_figures = PART_FUNCTIONS[part](ctx)
            except Exception as err:  # the harness broke: ERROR verdicts, exit 1
                trace = traceback.format_exc()
                print(trace, file=sys.stderr)
                first = str(err).strip().splitlines()[0] if str(err).strip() else ""
                message = f"harness error in part {part}: {type(err).__name__}: {first}"[:300]
                part_lines = [f"{part}: {message}"]
                part_figures = {k: Figure(error=message) for k in PARTS[part]}
                ctx.results.setdefault("errors", {})[part] = trace
            elapsed = time.perf_counter() - part_start
            ctx.results.setdefault("part_seconds", {})[part] = round(elapsed, 1)
            figures.update(part_figures)
            # each part's report as it comes; the verdicts in one table at the end
            print("\n".join([*part_lines, f"   ({part}: {elapsed:.0f} s)", ""]), flush=True)
    finally:
        ctx.close()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    keys = [k for part in args.only for k in PARTS[part]]
    rows = evaluate(figures, keys)
    total = time.perf_counter() - started
    results.update(ctx.results)
    results["total_seconds"] = round(total, 1)
    results["load_average_at_end"] = load_average()
    results["verdicts"] = [r.to_dict() for r in rows]
    loads = [info["load_average_at_start"], results["load_average_at_end"]]
    print("\n".join([
        "=" * 100,
        f"Targets of issue 23, then 12, 21 and 19 ({total:.0f} s"
        + (f"; load average at start {loads[0]}, at end {loads[1]}" if all(loads) else "")
        + ")",
        "",
        *final_table(rows),
    ]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n",
                             encoding="utf-8")
        print(f"JSON written to {args.json}")
    return 1 if harness_failed(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
