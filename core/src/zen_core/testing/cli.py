"""Assertions on what ``zenml`` printed, shared by every distribution's CLI tests.

Tables are rich ``HEAVY_EDGE`` tables: the first ``┃`` line is the header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ACTIVE = "👉"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("┃").split("│")]


def header(table: str) -> list[str]:
    """The column names of the first table in ``table``."""
    for line in table.splitlines():
        if line.startswith("┃"):
            return _cells(line)
    raise AssertionError(f"no table in:\n{table}")


def rows(table: str) -> list[list[str]]:
    """The body rows of the table, as lists of stripped cells."""
    return [_cells(line) for line in table.splitlines() if line.startswith("┃")][1:]


def row_named(table: str, name: str) -> list[str]:
    """The one row whose second cell (after ACTIVE) is ``name``."""
    found = [r for r in rows(table) if r[1] == name]
    assert len(found) == 1, f"expected one row named {name!r} in:\n{table}"
    return found[0]


def active_rows(table: str) -> list[str]:
    """The names of the rows marked 👉."""
    return [r[1] for r in rows(table) if r[0] == ACTIVE]


def ok(result: Any) -> Any:
    """Assert the command succeeded cleanly; return its result."""
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "Error:" not in result.stderr
    return result


def failed(result: Any, exit_code: int = 1) -> str:
    """Assert exit code 1 (or ``exit_code``) and exactly one ``Error: ...`` line, the last;
    return it."""
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.rstrip("\n").splitlines()[-1] == errors[0]
    return errors[0]


def usage_error(result: Any) -> str:
    """Assert a usage error: exit code 2 and one ``Error: ...`` line; return it."""
    return failed(result, exit_code=2)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (path -> bytes) and folder (path -> None) under ``root``, to compare
    before and after a command that must change nothing.

    Lock files and the plugin entry-point cache (``cache/``, derived data that the first
    real process writes) are not configuration and are left out.
    """
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
        if not p.name.endswith(".lock") and p.relative_to(root).parts[0] != "cache"
    }


def as_at_a_terminal() -> None:
    """A ``preexec_fn`` for a command that a test interrupts as Ctrl-C would: SIGINT's
    default action, as a shell at a terminal gives it. A test run started as a background
    job of a script (``cmd &``) ignores SIGINT, and its children inherit that: the
    command would never see the interrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)

