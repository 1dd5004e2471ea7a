"""How a figure is judged against its target (targets.py): no timing here.

Everything in this module is pure (figures in, verdicts out), so that
``tests/test_benchmarks.py`` can check the judging on made-up figures:

* :class:`Figure`: what a benchmark measured for one target: a value (a ratio,
  seconds, a count), how many of its runs or requests failed, a skip reason
  when it could not be measured here (no PostgreSQL, no wrk), or the harness's
  own failure.
* :func:`verdict`: MET, MISSED (missed, or any failed run/request in the
  figure), SKIPPED, or ERROR (the harness broke: the run exits non-zero).
* :func:`paired_ratio`: the median of per-round ratios of two interleaved series,
  what every ratio verdict uses (a ratio of medians is in the detail only);
  :func:`wrk_load`: one ``wrk`` run's figures (successful answers per second of
  its measured duration, every failed or timed-out request counted).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from targets import TARGETS, Target, format_value

MET = "MET"
MISSED = "MISSED"
SKIPPED = "SKIPPED"
ERROR = "ERROR"


@dataclass
class Figure:
    """What was measured for one target."""

    value: float | None = None
    #: Failed runs or requests inside the figure: any makes the verdict MISSED.
    errors: int = 0
    #: How the figure reads (e.g. "118 ms vs 38 ms"), for the final table.
    detail: str = ""
    #: Why it was not measured here (the verdict is SKIPPED).
    skipped: str | None = None
    #: The harness itself failed while measuring it (the verdict is ERROR).
    error: str | None = None
    #: Further figures for the JSON (e.g. the ratio of an absolute figure to `import click`).
    extra: dict = field(default_factory=dict)


def verdict(target: Target, figure: Figure | None) -> str:
    if figure is None:
        return SKIPPED
    if figure.error is not None:
        return ERROR
    if figure.skipped is not None:
        return SKIPPED
    if figure.errors or figure.value is None:
        return MISSED
    return MET if target.passes(figure.value) else MISSED


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``; None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def median(samples: Sequence[float]) -> float | None:
    return statistics.median(samples) if samples else None


def paired_ratio(numerators: Sequence[float | None],
                 denominators: Sequence[float | None]) -> float | None:
    """The median of the per-round ratios of two interleaved series, round by round (A B
    A B: a drift of the machine's load hits both sides of a pair alike). A round where
    either side failed (None) gives no pair; it is counted as an error elsewhere."""
    if len(numerators) != len(denominators):
        raise ValueError(f"unpaired series: {len(numerators)} and {len(denominators)} rounds")
    pairs = [a / b for a, b in zip(numerators, denominators, strict=True)
             if a is not None and b is not None and b > 0]
    return statistics.median(pairs) if pairs else None


def wrk_load(summary: Mapping) -> dict:
    """One ``wrk`` run's figures from its summary (``wrk_report.lua``'s JSON line).

    ``wrk`` counts a response whose status is not 2xx/3xx in ``status``, and socket
    errors (connect, read, write) and requests without an answer within ``--timeout``
    apart; all are failures. Throughput is the successful answers over wrk's measured
    duration (not the nominal one)."""
    failed = sum(int(summary[k]) for k in ("connect", "read", "write", "status", "timeout"))
    ok = max(0, int(summary["requests"]) - int(summary["status"]))
    seconds = int(summary["duration_us"]) / 1e6
    return {
        "requests": int(summary["requests"]), "ok": ok, "errors": failed,
        "timeouts": int(summary["timeout"]), "seconds": round(seconds, 4),
        "rps": round(ok / seconds, 2) if seconds > 0 else 0.0,
        "p50_ms": round(int(summary["p50_us"]) / 1000, 3),
        "p99_ms": round(int(summary["p99_us"]) / 1000, 3),
        "max_ms": round(int(summary["max_us"]) / 1000, 3),
    }


@dataclass
class Row:
    key: str
    what: str
    figure: str
    target: str
    verdict: str
    detail: str = ""
    value: float | None = None
    errors: int = 0
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate(figures: Mapping[str, Figure], keys: Iterable[str] | None = None) -> list[Row]:
    """One row per target (those of ``keys``, default all), in the table's order; a target
    without a figure is SKIPPED ("not run")."""
    wanted = set(TARGETS if keys is None else keys)
    rows = []
    for key, target in TARGETS.items():
        if key not in wanted:
            continue
        figure = figures.get(key)
        detail = "not run" if figure is None else (
            figure.error or figure.skipped or figure.detail)
        if figure is not None and figure.errors and figure.error is None:
            detail = f"{figure.errors} failed; {detail}".rstrip("; ")
        rows.append(Row(key, target.what,
                        format_value(None if figure is None else figure.value, target.unit),
                        target.text(), verdict(target, figure), detail,
                        None if figure is None else figure.value,
                        0 if figure is None else figure.errors,
                        {} if figure is None else figure.extra))
    return rows


def final_table(rows: Sequence[Row]) -> list[str]:
    """The closing table: figure, target and verdict of every target."""
    key_w = max([len(r.key) for r in rows] + [3]) + 1
    what_w = max([len(r.what) for r in rows] + [6])
    fig_w = max([len(r.figure) for r in rows] + [6])
    tgt_w = max([len(r.target) for r in rows] + [6])
    lines = [f"   {'':<{key_w}}{'what':<{what_w}}  {'figure':>{fig_w}}  "
             f"{'target':<{tgt_w}}  verdict"]
    for r in rows:
        lines.append(f"   {r.key:<{key_w}}{r.what:<{what_w}}  {r.figure:>{fig_w}}  "
                     f"{r.target:<{tgt_w}}  {r.verdict}")
        if r.detail:
            lines.append(f"   {'':<{key_w}}  {r.detail}")
    counts = {v: sum(1 for r in rows if r.verdict == v) for v in (MET, MISSED, SKIPPED, ERROR)}
    lines.append("   " + ", ".join(f"{n} {v}" for v, n in counts.items() if n))
    return lines


def harness_failed(rows: Sequence[Row]) -> bool:
    return any(r.verdict == ERROR for r in rows)
