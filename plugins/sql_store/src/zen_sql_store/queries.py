"""The tables as SQLAlchemy Core, and the records built from their rows, for reads and writes.

Reads and writes run Core statements on a connection: no ORM objects are
loaded, and each record is built once, straight from its row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.engine import Connection

from zen_core.exceptions import InvalidDataError
from zen_core.models import TYPE_ORDER, Component, ComponentType, Stack
from zen_sql_store import json_text, rows
from zen_sql_store.schema import (
    API_KEYS,
    COMPONENTS,
    EVENTS,
    LOCKS,
    MEMBERS,
    SECRET_VALUES,
    SECRETS,
    STACKS,
    TEAM_MEMBERS,
    TEAM_ROLES,
    TEAMS,
    USER_ROLES,
    USERS,
    TimeText,
)

__all__ = [
    "API_KEYS",
    "COMPONENTS",
    "EVENTS",
    "LOCKS",
    "MEMBERS",
    "SECRETS",
    "SECRET_VALUES",
    "STACKS",
    "TEAMS",
    "TEAM_MEMBERS",
    "TEAM_ROLES",
    "USERS",
    "USER_ROLES",
]

#: The columns a Component is built from (:func:`component_record`), in its argument order.
COMPONENT_COLUMNS = (
    COMPONENTS.c.type, COMPONENTS.c.name, COMPONENTS.c.flavor, COMPONENTS.c.uuid,
    COMPONENTS.c.config, COMPONENTS.c.revision, COMPONENTS.c.created, COMPONENTS.c.updated,
    COMPONENTS.c.labels,
)
#: A stack's own columns, then one member per row (none: NULLs) for ``rows.stack_records``.
STACK_COLUMNS = (
    STACKS.c.name, STACKS.c.revision,
    TimeText(STACKS.c.created).label("created"), TimeText(STACKS.c.updated).label("updated"),
    STACKS.c.labels, MEMBERS.c.component_type, COMPONENTS.c.name,
)

def component_record(row: Row[Any] | tuple[Any, ...], where: str,
                     times: bool = False) -> Component:
    """The component of a row of :data:`COMPONENT_COLUMNS`; ``where`` names the database;
    ``times``: its times as the driver gave them (a row read on the cursor), to convert."""
    return rows.component_record(row, where, times)


#: ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` from an encoder made once
#: (json_text.py: a batch dumps every record's configuration and labels).
_COMPACT = json_text.encoder(ensure_ascii=False, separators=(",", ":"))
_COMPACT_SORTED = json_text.encoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def dump_config(component: Component) -> str:
    try:
        return _COMPACT(component.config)
    except (TypeError, ValueError, RecursionError) as err:  # RecursionError: circular
        raise InvalidDataError(
            f"The configuration of {component.type.display} '{component.name}' cannot be "
            f"stored: {err}."
        ) from None


def dump_labels(record: Component | Stack) -> str | None:
    """A record's labels as the ``labels`` column keeps them: JSON text, NULL for none."""
    if not record.labels:
        return None
    return _COMPACT_SORTED(record.labels)


def stacks_query(name: str | None = None) -> Any:
    """Every stack with its members (one row per member), or the stack ``name``."""
    query = (
        select(*STACK_COLUMNS)
        .select_from(STACKS)
        .outerjoin(MEMBERS, MEMBERS.c.stack_id == STACKS.c.id)
        .outerjoin(COMPONENTS, COMPONENTS.c.id == MEMBERS.c.component_id)
    )
    if name is not None:
        query = query.where(STACKS.c.name == name)
    return query


def sort_components(components: list[Component]) -> list[Component]:
    components.sort(key=lambda c: (TYPE_ORDER[c.type], c.name))
    return components


# --- names, for the "Available ..." of not-found errors ------------------------------------
def stack_names(connection: Connection) -> list[str]:
    return sorted(connection.execute(select(STACKS.c.name)).scalars())


def component_names(connection: Connection, type: ComponentType) -> list[str]:
    return sorted(connection.execute(
        select(COMPONENTS.c.name).where(COMPONENTS.c.type == type.value)).scalars())
