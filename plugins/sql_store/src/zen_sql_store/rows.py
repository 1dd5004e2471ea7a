"""Records from rows, and the database's times as the models write them: no SQLAlchemy.

Both the SQLAlchemy reads (:mod:`zen_sql_store.queries`) and the stdlib reads of
SQLite (:mod:`zen_sql_store.sqlite_reads`) build their records here, so the two
paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from zen_core.exceptions import InvalidDataError
from zen_core.models import Component, ComponentType, Stack


def time_text(value: datetime | str | None) -> str | None:
    """A timestamp as the database returned it, as ``utc_now()`` writes it."""
    # NOTE: runs on every row read: string operations and isoformat (C), no strftime.
    if value is None:
        return None
    if isinstance(value, str):  # formatted by the database (schema.TimeText), or SQLite's
        if len(value) == 27 and value[10] == "T" and value[26] == "Z":
            return value
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)  # written by hand, or by another program
    if value.tzinfo is None:
        return value.isoformat(timespec="microseconds") + "Z"
    if value.utcoffset():
        value = value.astimezone(timezone.utc)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"  # without "+00:00"


def parse_time(value: str) -> datetime:
    """A time as the models write it (``...Z``, or any ISO 8601 with a zone) as a datetime."""
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    return datetime.fromisoformat(text)


def component_record(row: Any, where: str, times: bool = False) -> Component:
    """The component of a row of ``queries.COMPONENT_COLUMNS``; ``where`` names the database;
    ``times``: its times as the database gave them (the stdlib's reads), to convert."""
    import json

    type, name, flavor, uuid, config, revision, created, updated, labels = row
    try:
        data = json.loads(config)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidDataError(
            f"The configuration of {ComponentType.parse(type).display} '{name}' in the "
            f"{where} is not a JSON object. Fix or delete that row."
        )
    if times:
        created, updated = time_text(created), time_text(updated)
    return Component(type, flavor, name, data, uuid=uuid, revision=revision,
                     created=created, updated=updated, labels=load_labels(labels))


def load_labels(text: str | None) -> dict[str, str]:
    """The labels of a ``labels`` column (JSON text; NULL: none)."""
    if not text:
        return {}
    import json

    try:
        data = json.loads(text)
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def stack_records(rows: Iterable[Any]) -> list[Stack]:
    """The stacks of rows of ``queries.stacks_query`` (a stack's own columns, then one
    member per row, NULLs for none), sorted by name."""
    found: dict[str, tuple[int, str | None, str | None, dict[str, str], str | None]] = {}
    for name, revision, created, updated, labels, component_type, component_name in rows:
        entry = found.get(name)
        if entry is None:
            entry = found[name] = (revision, time_text(created), time_text(updated), {}, labels)
        if component_type is not None:
            entry[3][component_type] = component_name
    return [Stack(name, entry[3], revision=entry[0], created=entry[1], updated=entry[2],
                  labels=load_labels(entry[4]))
            for name, entry in sorted(found.items())]


class LastStacks:
    """The stacks of the last list read, given again while its rows are the same.

    A service lists the same stacks request after request; comparing the rows costs a
    tenth of building the records (measured: 50 stacks). Records are values that no
    one changes (the local store shares its records between reads the same way), and
    every list still reads the rows: only their conversion is saved."""

    def __init__(self) -> None:
        self._last: tuple[list[Any], list[Stack]] | None = None

    def stacks(self, rows: list[Any]) -> list[Stack]:
        last = self._last
        if last is not None and last[0] == rows:
            return list(last[1])
        records = stack_records(rows)
        self._last = (rows, records)  # one assignment: threads sharing a store see either
        return list(records)
