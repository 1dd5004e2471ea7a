"""Timing helpers: repeated runs, one untimed warm-up, medians in milliseconds."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

#: An action to time; it receives the run index (-1 for the warm-up run).
Action = Callable[[int], object]


@dataclass
class Summary:
    """Samples of one measurement, in milliseconds."""

    runs: int
    median_ms: float
    min_ms: float
    max_ms: float
    samples_ms: list[float]

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Summary:
        ms = [s * 1000.0 for s in seconds]
        return cls(len(ms), statistics.median(ms), min(ms), max(ms), [round(x, 3) for x in ms])

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("median_ms", "min_ms", "max_ms"):
            data[key] = round(data[key], 3)
        return data


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


def time_repeated(
    action: Action, runs: int, *, warmup: int = 1, after: Action | None = None
) -> Summary:
    """Time ``action`` ``runs`` times after ``warmup`` untimed runs.

    ``after`` runs untimed after every run (including warm-ups), e.g. to undo
    what the action added so that every run sees the same state.
    """
    for i in range(-warmup, 0):
        action(i)
        if after is not None:
            after(i)
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        action(i)
        samples.append(time.perf_counter() - start)
        if after is not None:
            after(i)
    return Summary.of(samples)


def time_interleaved(actions: Mapping[str, Action], runs: int, *, warmup: int = 1) -> dict:
    """Time several actions round-robin (one of each per round), so drift hits all alike."""
    for i in range(-warmup, 0):
        for action in actions.values():
            action(i)
    samples: dict[str, list[float]] = {label: [] for label in actions}
    for i in range(runs):
        for label, action in actions.items():
            start = time.perf_counter()
            action(i)
            samples[label].append(time.perf_counter() - start)
    return {label: Summary.of(s) for label, s in samples.items()}


@dataclass
class Series:
    """The samples of one interleaved measurement and its failed runs (not dropped)."""

    samples_s: list[float]
    errors: int
    error_samples: list[str]

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.samples_s) if self.samples_s else None

    def to_dict(self) -> dict:
        ms = [round(x * 1000.0, 3) for x in self.samples_s]
        return {"runs": len(ms) + self.errors, "errors": self.errors,
                "median_ms": round(statistics.median(ms), 3) if ms else None,
                "min_ms": min(ms) if ms else None, "max_ms": max(ms) if ms else None,
                "samples_ms": ms, "error_samples": self.error_samples}


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
    (run index -1, -2...), so that a drift of the machine's load hits all alike.

    A run raising one of ``failures`` is counted as an error of its series (with the
    message kept, a warm-up run's too), not dropped and not retried; anything else
    propagates (the harness broke)."""
    series = {label: Series([], 0, []) for label in steps}
    for i in [*range(-warmup, 0), *range(runs)]:
        for label, step in steps.items():
            if step.before is not None:
                step.before(i)
            try:
                start = time.perf_counter()
                step.action(i)
                elapsed = time.perf_counter() - start
            except failures as err:  # in a warm-up run too: a failure is never dropped
                series[label].errors += 1
                if len(series[label].error_samples) < 3:
                    series[label].error_samples.append(str(err)[-500:])
            else:
                if i >= 0:
                    series[label].samples_s.append(elapsed)
            finally:
                if step.after is not None:
                    step.after(i)
    return series
