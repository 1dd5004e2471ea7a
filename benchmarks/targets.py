"""Every target the benchmarks judge, in one place: issue 23's table, then the rows of
issues 12 and 21 it does not replace. No timing here (``evaluate.py`` judges a figure
against its target; ``run.py`` and ``service.py`` measure).

Ratios are judged on the median of paired ratios (one run of each side per round, A B
A B), never on a ratio of medians; the CLI figures give process CPU time beside wall
time, and issue 23's row d is judged on CPU time.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Connections of the service's load (``wrk -c N``), issue 23's rows e and f.
CLIENTS = (1, 8, 32)
#: The stores the service serves in rows e and f (label: how the report names it).
SERVICE_STORES = {"local": "local", "sqlite": "SQLite", "postgres": "PostgreSQL"}
#: Connections of row g (two replicas behind haproxy): one connection cannot use two.
REPLICA_CLIENTS = (8, 32)
#: Connections of issue 12's storm (row h): all at once on one stack.
STORM_CLIENTS = 128
#: The component commands of issue 23's row b.
COMPONENT_COMMANDS = ("list", "describe", "register")


@dataclass(frozen=True)
class Target:
    key: str
    what: str
    #: ``<=``: the value must be at most ``limit``; ``>=``: at least; ``==``: exactly.
    op: str
    limit: float
    #: ``x`` (a ratio), ``s`` (wall seconds), ``s CPU`` (process CPU seconds),
    #: ``errors`` (a count) or ``MiB``.
    unit: str
    #: The issue and its table's row: ``23a`` ... ``23g``, ``12b``, ``21i``.
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
    if unit in ("s", "s CPU"):
        return f"{value:.3f} {unit}"
    return f"{value:g} {unit}"


def _connections(n: int) -> str:
    return f"{n} connection" + ("s" if n != 1 else "")


def _targets() -> list[Target]:
    click = "python -c 'import click'"
    rows = [
        Target("a", f"zenml stack list, local, 50 stacks / {click} (paired)", "<=", 2.0, "x",
               "23a"),
        *(Target(f"b-{command}", f"zenml orchestrator {command}, local / {click} (paired)",
                 "<=", 2.5, "x", "23b") for command in COMPONENT_COMMANDS),
        Target("c", "zenml stack list, 50 stacks, PostgreSQL / local profile (paired)",
               "<=", 1.5, "x", "23c"),
        Target("d-sqlite", "zenml profile copy, 10,000 components + 2,000 stacks, local -> "
               "SQLite, process CPU time", "<=", 1.0, "s CPU", "23d"),
        Target("d-postgres", "zenml profile copy, 10,000 components + 2,000 stacks, local -> "
               "PostgreSQL, process CPU time", "<=", 1.5, "s CPU", "23d"),
    ]
    for store, label in SERVICE_STORES.items():
        rows += [Target(f"e-{store}-{n}", f"service GET one stack, {label} / minimal Flask "
                        f"app, wrk {_connections(n)} (paired)", ">=", 0.6, "x", "23e")
                 for n in CLIENTS]
    for store, label in SERVICE_STORES.items():
        rows += [Target(f"f-{store}-{n}", f"service GET 50 stacks, {label} / minimal Flask "
                        f"app, wrk {_connections(n)} (paired)", ">=", 0.5, "x", "23f")
                 for n in CLIENTS]
    rows += [Target(f"g-{n}", "service GET 50 stacks, PostgreSQL, two replicas behind "
                    f"haproxy / (2 x one replica), wrk {_connections(n)} (paired)",
                    ">=", 0.9, "x", "23g") for n in REPLICA_CLIENTS]
    rows += [
        Target("big", "zenml stack list, local, 2,000 stacks, table output, wall time",
               "<=", 0.4, "s", "12b"),
        Target("write", "local store, one Python API write, at 10,000 / at 100 components "
               "(paired)", "<=", 3.0, "x", "12e"),
        Target("storm", f"service GET one stack, local, wrk {STORM_CLIENTS} connections at "
               "once: failed or timed-out requests", "==", 0, "errors", "12h"),
    ]
    under_attack = "under hostile clients (200 idle, 50 slow heads, 50 slow bodies, 300 MB)"
    rows += [Target("i-health", f"service /health, slowest answer {under_attack}",
                    "<=", 1.0, "s", "21i"),
             Target("i-stack", f"service GET one stack with a key, slowest answer {under_attack}",
                    "<=", 1.0, "s", "21i"),
             Target("i-rss", "service daemon's peak resident memory, the same attack included",
                    "<=", 150, "MiB", "21i")]
    return rows


#: Every target, in the order of the final table: issue 23's rows, then 12's and 21's.
TARGETS: dict[str, Target] = {t.key: t for t in _targets()}
