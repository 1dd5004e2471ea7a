"""The targets of issues 12 and 21 and how a figure is judged against one: no timing here.

Everything in this module is pure (figures in, verdicts out), so that
``tests/test_benchmarks.py`` can check the judging on made-up figures:

* :data:`TARGETS`: every target of issue 12's table, one row per figure (the
  service's targets once per number of clients), and issue 21's hostile clients
  (row i).
* :class:`Figure`: what a benchmark measured for one target: a value (a ratio,
  seconds, a count), how many of its runs or requests failed, a skip reason
  when it could not be measured here (no PostgreSQL), or the harness's own
  failure.
* :func:`verdict`: MET, MISSED (missed, or any failed run/request in the
  figure), SKIPPED, or ERROR (the harness broke: the run exits non-zero).
* :func:`ratio`, :func:`summarize_load`: the arithmetic the figures are made of
  (ratios of medians; throughput over the *measured* elapsed time, failed
  requests counted, clients that never got an answer counted).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

MET = "MET"
MISSED = "MISSED"
SKIPPED = "SKIPPED"
ERROR = "ERROR"

CLIENTS = (1, 8, 32)
STORM_CLIENTS = 128


@dataclass(frozen=True)
class Target:
    key: str
    what: str
    #: ``<=``: the value must be at most ``limit``; ``>=``: at least; ``==``: exactly.
    op: str
    limit: float
    #: ``x`` (a ratio), ``s`` (seconds), ``clients`` (a count) or ``MiB``.
    unit: str
    #: The issue's table row it comes from (a-h; i: issue 21).
    row: str = ""

    def passes(self, value: float) -> bool:
        if self.op == "<=":
            return value <= self.limit
        if self.op == ">=":
            return value >= self.limit
        if self.op == "==":
            return value == self.limit
        raise ValueError(f"unknown operator {self.op!r}")

    def text(self) -> str:
        op = {"<=": "<=", ">=": ">=", "==": "="}[self.op]
        return f"{op} {format_value(self.limit, self.unit)}"


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "clients":
        return f"{value:g} clients"
    return f"{value:g} {unit}"


def _clients(n: int) -> str:
    return f"{n} client" + ("s" if n != 1 else "")


def _targets() -> dict[str, Target]:
    rows = [
        Target("a", "zenml stack list, local, 50 stacks / python -c 'import click'",
               "<=", 2.5, "x", "a"),
        Target("b", "zenml stack list, local, 2,000 stacks, table output", "<=", 0.4, "s", "b"),
        Target("c", "zenml stack list, SQLite / local profile, 50 stacks", "<=", 2.5, "x", "c"),
        Target("d-sqlite", "zenml profile copy, 10,000 components + 2,000 stacks, "
               "local -> SQLite", "<=", 2.0, "s", "d"),
        Target("d-postgres", "zenml profile copy, 10,000 components + 2,000 stacks, "
               "local -> PostgreSQL", "<=", 4.0, "s", "d"),
        Target("e", "local store, one Python API write, at 10,000 / at 100 components",
               "<=", 3.0, "x", "e"),
    ]
    rows += [Target(f"f-{n}", f"service GET one stack, PostgreSQL / ceiling, {_clients(n)}",
                    ">=", 0.5, "x", "f") for n in CLIENTS]
    rows += [Target(f"g-local-{n}", f"service GET 50 stacks, local / ceiling, {_clients(n)}",
                    ">=", 0.5, "x", "g") for n in CLIENTS]
    rows += [Target(f"g-postgres-{n}",
                    f"service GET 50 stacks, PostgreSQL / ceiling, {_clients(n)}",
                    ">=", 0.35, "x", "g") for n in CLIENTS]
    rows.append(Target("h", f"service, {STORM_CLIENTS} clients at once: clients without "
                       "an answer", "==", 0, "clients", "h"))
    under_attack = "under hostile clients (200 idle, 50 slow heads, 50 slow bodies, 300 MB)"
    rows += [Target("i-health", f"service /health, slowest answer {under_attack}",
                    "<=", 1.0, "s", "i"),
             Target("i-stack", f"service GET one stack with a key, slowest answer {under_attack}",
                    "<=", 1.0, "s", "i"),
             Target("i-rss", "service daemon's peak resident memory, the same attack included",
                    "<=", 150, "MiB", "i")]
    # issue 19: a no-op apply "should cost about what one `stack list` of the same store
    # costs"; from empty, what one batch of 1,200 writes takes (our bound, not the issue's)
    size = "1,000 components + 200 stacks"
    for key, label in (("local", "local"), ("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        rows += [Target(f"j-apply-{key}", f"zenml apply, no-op, {size} / stack list, {label}",
                        "<=", 2.0, "x", "j"),
                 Target(f"j-diff-{key}", f"zenml diff, no-op, {size} / stack list, {label}",
                        "<=", 2.0, "x", "j"),
                 Target(f"k-{key}", f"zenml apply from empty, {size}, {label}",
                        "<=", 20.0, "s", "k")]
    return {t.key: t for t in rows}


#: Every target of issue 12's table, in the table's order, then issue 21's and 19's.
TARGETS: dict[str, Target] = _targets()


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


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float | None:
    """The median of the per-round ratios of two interleaved series (drift cancels)."""
    pairs = [a / b for a, b in zip(numerators, denominators, strict=False) if b > 0]
    return statistics.median(pairs) if pairs else None


def percentile(sorted_values: Sequence[float], q: int) -> float | None:
    """The ``q``-th percentile (1-99) of sorted values; the value itself if only one."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[q - 1]


@dataclass
class ClientResult:
    """One load-test client (one connection): its answers, failures and latencies."""

    answered: int = 0
    ok: int = 0
    errors: int = 0
    #: Seconds of every request that got an HTTP answer.
    latencies: list[float] = field(default_factory=list)
    #: When the client sent its first request and when its last one ended (seconds of
    #: ``time.monotonic``, one clock for every process of the machine).
    started: float = 0.0
    ended: float = 0.0
    #: Seconds from its first request to its first answer (None: never answered).
    first_answer: float | None = None
    error_samples: list[str] = field(default_factory=list)


def summarize_load(clients: Iterable[ClientResult | Mapping]) -> dict:
    """Figures of one load case from its clients' results.

    Throughput is the successful answers divided by the *measured* elapsed time
    (from the first request of any client to the end of the last one, which may be
    after the nominal deadline), not by the nominal duration. Every failed request (an HTTP
    status other than 200, a connection error, a timeout) is counted in ``errors``;
    a client that never got any answer is counted in ``unanswered``."""
    results = [c if isinstance(c, ClientResult) else ClientResult(**c) for c in clients]
    latencies = sorted(x for c in results for x in c.latencies)
    began = [c.started for c in results if c.ended]
    elapsed = max(c.ended for c in results) - min(began) if began else 0.0
    ok = sum(c.ok for c in results)
    samples: list[str] = []
    for c in results:
        samples += c.error_samples[: max(0, 5 - len(samples))]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    first = [c.first_answer for c in results if c.first_answer is not None]
    return {
        "clients": len(results),
        "requests": sum(c.ok + c.errors for c in results),
        "ok": ok,
        "errors": sum(c.errors for c in results),
        "unanswered": sum(1 for c in results if c.answered == 0),
        "elapsed_s": round(elapsed, 4),
        "rps": round(ok / elapsed, 2) if elapsed > 0 else 0.0,
        "p50_ms": None if p50 is None else round(p50 * 1000, 3),
        "p99_ms": None if p99 is None else round(p99 * 1000, 3),
        "slowest_first_answer_ms": round(max(first) * 1000, 1) if first else None,
        "error_samples": samples,
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
