"""Timing: interleaved rounds (A B A B) after a warm-up, wall time and the CPU time of the
processes a run started, every failed run counted (never dropped, never retried)."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

try:
    import resource
except ImportError:  # pragma: no cover - Windows: no CPU time of child processes
    resource = None  # type: ignore[assignment]

#: An action to time; it receives the run index (-1 for the warm-up run).
Action = Callable[[int], object]


class CommandFailed(RuntimeError):
    pass


def run_command(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
    """Run ``argv`` to completion; raise with its stderr if it fails."""
    done = subprocess.run(
        list(argv), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
        capture_output=True, check=False,
    )
    if done.returncode != 0:
        raise CommandFailed(
            f"{' '.join(argv)} exited with {done.returncode}:\n"
            f"{done.stderr.decode(errors='replace')[-2000:]}"
        )


def children_cpu() -> float:
    """User + system CPU seconds of every child process this one has waited for."""
    if resource is None:  # pragma: no cover
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _median_ms(values: Sequence[float]) -> float | None:
    return round(statistics.median(values) * 1000.0, 3) if values else None


@dataclass
class Series:
    """One interleaved measurement, round by round: wall seconds and the CPU seconds of
    the processes the run started and waited for (None: the round's run failed), and its
    failed runs (counted, never dropped)."""

    rounds_s: list[float | None]
    cpu_rounds_s: list[float | None]
    errors: int
    error_samples: list[str]

    @property
    def samples_s(self) -> list[float]:
        return [x for x in self.rounds_s if x is not None]

    @property
    def cpu_samples_s(self) -> list[float]:
        return [x for x in self.cpu_rounds_s if x is not None]

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.samples_s) if self.samples_s else None

    @property
    def cpu_median_s(self) -> float | None:
        return statistics.median(self.cpu_samples_s) if self.cpu_samples_s else None

    def to_dict(self) -> dict:
        ms = [round(x * 1000.0, 3) for x in self.samples_s]
        return {"runs": len(self.rounds_s), "errors": self.errors,
                "median_ms": _median_ms(self.samples_s),
                "min_ms": min(ms) if ms else None, "max_ms": max(ms) if ms else None,
                "cpu_median_ms": _median_ms(self.cpu_samples_s),
                "rounds_ms": [None if x is None else round(x * 1000.0, 3)
                              for x in self.rounds_s],
                "cpu_rounds_ms": [None if x is None else round(x * 1000.0, 3)
                                  for x in self.cpu_rounds_s],
                "error_samples": self.error_samples}


@dataclass
class Step:
    """One measured action of an interleaved loop; ``before``/``after`` run untimed
    around every run (e.g. create an empty target, then undo what the action added)."""

    action: Action
    before: Action | None = None
    after: Action | None = None


def interleave(steps: Mapping[str, Step], runs: int, *, warmup: int = 1,
               failures: tuple[type[BaseException], ...] = (CommandFailed,)) -> dict:
    """Run the steps round-robin (A B C A B C ...), ``warmup`` untimed rounds first
    (run index -1, -2...), so that a drift of the machine's load hits all alike; every
    series has one entry per round (None if that run failed), so rounds stay paired.

    A run raising one of ``failures`` is counted as an error of its series (with the
    message kept, a warm-up run's too), not dropped and not retried; anything else
    propagates (the harness broke)."""
    series = {label: Series([], [], 0, []) for label in steps}
    for i in [*range(-warmup, 0), *range(runs)]:
        for label, step in steps.items():
            if step.before is not None:
                step.before(i)
            wall = cpu = None
            try:
                cpu_start = children_cpu()
                start = time.perf_counter()
                step.action(i)
                wall = time.perf_counter() - start
                cpu = children_cpu() - cpu_start
            except failures as err:  # in a warm-up run too: a failure is never dropped
                series[label].errors += 1
                if len(series[label].error_samples) < 3:
                    series[label].error_samples.append(str(err)[-500:])
            finally:
                if step.after is not None:
                    step.after(i)
            if i >= 0:
                series[label].rounds_s.append(wall)
                series[label].cpu_rounds_s.append(cpu)
    return series
