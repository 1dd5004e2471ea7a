"""The SQL store: stacks and components in a database, through SQLAlchemy 2.

Every operation runs in one transaction. The database enforces the rules
(unique names, one component per type in a stack, no deletion of a used
component), so a race between processes ends in an ``IntegrityError``: the
operation then runs again, and its checks now see the other process's commit
and raise the contract's error (already exists, not found, in use). Deadlocks
and lock timeouts are retried the same way.

The engine is made on first use, and the schema checked (and upgraded) then;
nothing is cached between operations, so every read sees every commit.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, delete, exc, or_, select
from sqlalchemy.orm import Session

from zen_core.exceptions import InvalidDataError, StoreUnavailableError, ZenError
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore
from zen_sql_store.engine import (
    WRITE_OPTION,
    create_store_engine,
    is_retryable,
    missing_driver,
    scrub,
    unavailable,
)
from zen_sql_store.migrate import HEAD, ensure_schema
from zen_sql_store.schema import ComponentRow, StackComponentRow, StackRow
from zen_sql_store.urls import parse

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

_T = TypeVar("_T")

#: How often an operation runs before a conflict with other writers is reported.
ATTEMPTS = 8
_TYPE_ORDER = {t: i for i, t in enumerate(ComponentType)}


class SqlStore(BaseStore):
    type_name = "sql"

    #: The schema revision this code works with, and extra Alembic version folders
    #: (tests point these at a revision of their own).
    schema_head: str = HEAD
    migration_locations: tuple[str | Path, ...] = ()

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.location = parse(url)
        self._engine: Engine | None = None
        self._writer: Engine | None = None
        self._lock = threading.Lock()

    # --- life cycle ------------------------------------------------------------------
    def initialize(self) -> None:
        """Create the database file (SQLite) and the tables, or upgrade them."""
        self._ready()

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = self._writer = None

    def _ready(self) -> Engine:
        if self._engine is not None:
            return self._engine
        with self._lock:
            if self._engine is None:
                engine = create_store_engine(self.location)
                try:
                    ensure_schema(
                        engine, self.location, self.schema_head, self.migration_locations
                    )
                except BaseException as err:
                    engine.dispose()
                    if isinstance(err, ImportError):
                        raise missing_driver(self.location, err) from None
                    if isinstance(err, exc.SQLAlchemyError):
                        raise unavailable(self.location, err) from None
                    raise
                self._writer = engine.execution_options(**{WRITE_OPTION: True})
                self._engine = engine
        return self._engine

    def _run(
        self,
        work: Callable[[Session], _T],
        *,
        write: bool = False,
        conflict: Callable[[], ZenError] | None = None,
    ) -> _T:
        """``work(session)`` in one transaction, again after a lost race (see the module doc)."""
        self._ready()
        bind = self._writer if write else self._engine
        error: exc.DBAPIError | None = None
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
            try:
                with Session(bind, expire_on_commit=False) as session, session.begin():
                    return work(session)
            except exc.IntegrityError as err:
                error = err
            except exc.DataError as err:
                raise InvalidDataError(
                    f"The {self.location.describe()} refused the data: "
                    f"{scrub(str(err.orig).splitlines()[0], self.location)}."
                ) from None
            except exc.OperationalError as err:
                if not is_retryable(err):
                    raise unavailable(self.location, err) from None
                error = err
            except exc.SQLAlchemyError as err:
                raise unavailable(self.location, err) from None
        if conflict is not None:
            raise conflict()
        raise StoreUnavailableError(
            f"The {self.location.describe()} kept refusing a change because of concurrent "
            f"changes ({scrub(str(getattr(error, 'orig', error)), self.location)}); try again."
        )

    # --- queries ----------------------------------------------------------------------
    @staticmethod
    def _stack_names(session: Session) -> list[str]:
        return sorted(session.scalars(select(StackRow.name)))

    @staticmethod
    def _component_names(session: Session, type: ComponentType) -> list[str]:
        return sorted(session.scalars(select(ComponentRow.name).where(
            ComponentRow.type == type.value)))

    @staticmethod
    def _component_id(session: Session, type: ComponentType, name: str) -> int | None:
        return session.scalar(select(ComponentRow.id).where(
            ComponentRow.type == type.value, ComponentRow.name == name))

    @staticmethod
    def _stacks(session: Session, name: str | None = None) -> dict[str, dict[str, str]]:
        """``{stack: {type: component}}`` of every stack, or of stack ``name``."""
        query = (
            select(StackRow.name, StackComponentRow.component_type, ComponentRow.name)
            .select_from(StackRow)
            .outerjoin(StackComponentRow, StackComponentRow.stack_id == StackRow.id)
            .outerjoin(ComponentRow, ComponentRow.id == StackComponentRow.component_id)
        )
        if name is not None:
            query = query.where(StackRow.name == name)
        stacks: dict[str, dict[str, str]] = {}
        for stack_name, component_type, component_name in session.execute(query):
            members = stacks.setdefault(stack_name, {})
            if component_type is not None:
                members[component_type] = component_name
        return stacks

    def _member_ids(self, session: Session, stack: Stack) -> dict[ComponentType, int]:
        """The id of each component of ``stack``; ComponentNotFoundError for a missing one."""
        if not stack.components:
            return {}
        wanted = [
            and_(ComponentRow.type == t.value, ComponentRow.name == n)
            for t, n in stack.components.items()
        ]
        found = {
            (ctype, cname): cid
            for cid, ctype, cname in session.execute(
                select(ComponentRow.id, ComponentRow.type, ComponentRow.name).where(or_(*wanted))
            )
        }
        ids = {}
        for ctype, cname in stack.components.items():
            if (ctype.value, cname) not in found:
                raise self.component_not_found(
                    ctype, cname, self._component_names(session, ctype)
                )
            ids[ctype] = found[(ctype.value, cname)]
        return ids

    @staticmethod
    def _add_members(session: Session, stack_id: int, ids: dict[ComponentType, int]) -> None:
        session.add_all(
            StackComponentRow(stack_id=stack_id, component_type=t.value, component_id=i)
            for t, i in ids.items()
        )

    def _component(self, type: str, name: str, flavor: str, uuid: str, config: str) -> Component:
        ctype = ComponentType.parse(type)
        try:
            data = json.loads(config)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise InvalidDataError(
                f"The configuration of {ctype.display} '{name}' in the "
                f"{self.location.describe()} is not a JSON object. Fix or delete that row."
            )
        return Component(ctype, flavor, name, data, uuid=uuid)

    # --- stacks ---------------------------------------------------------------------------
    def list_stacks(self) -> list[Stack]:
        stacks = self._run(self._stacks)
        return [Stack(name, stacks[name]) for name in sorted(stacks)]

    def stack_names(self) -> list[str]:
        return self._run(self._stack_names)

    def is_empty(self) -> bool:
        return self._run(lambda s: s.scalar(select(StackRow.id).limit(1)) is None)

    def get_stack(self, name: str) -> Stack:
        def work(session: Session) -> Stack:
            stacks = self._stacks(session, name)
            if name not in stacks:
                raise self.stack_not_found(name, self._stack_names(session))
            return Stack(name, stacks[name])

        return self._run(work)

    def register_stack(self, stack: Stack) -> None:
        def work(session: Session) -> None:
            if session.scalar(select(StackRow.id).where(StackRow.name == stack.name)) is not None:
                raise self.stack_exists(stack.name)
            ids = self._member_ids(session, stack)
            row = StackRow(name=stack.name)
            session.add(row)
            session.flush()
            self._add_members(session, row.id, ids)

        self._run(work, write=True, conflict=lambda: self.stack_exists(stack.name))

    def update_stack(self, name: str, stack: Stack) -> None:
        def work(session: Session) -> None:
            row = session.scalars(
                select(StackRow).where(StackRow.name == name).with_for_update()
            ).one_or_none()
            if row is None:
                raise self.stack_not_found(name, self._stack_names(session))
            if stack.name != name and session.scalar(
                select(StackRow.id).where(StackRow.name == stack.name)
            ) is not None:
                raise self.stack_exists(stack.name)
            ids = self._member_ids(session, stack)
            row.name = stack.name
            session.execute(delete(StackComponentRow).where(StackComponentRow.stack_id == row.id))
            self._add_members(session, row.id, ids)

        self._run(work, write=True, conflict=lambda: self.stack_exists(stack.name))

    def delete_stack(self, name: str) -> None:
        def work(session: Session) -> None:
            # The stack's rows in zen_stack_components go with it (ON DELETE CASCADE).
            deleted = session.execute(delete(StackRow).where(StackRow.name == name)).rowcount
            if not deleted:
                raise self.stack_not_found(name, self._stack_names(session))

        self._run(work, write=True)

    def stacks_using(self, type: ComponentType, name: str) -> list[str]:
        query = (
            select(StackRow.name)
            .join(StackComponentRow, StackComponentRow.stack_id == StackRow.id)
            .join(ComponentRow, ComponentRow.id == StackComponentRow.component_id)
            .where(ComponentRow.type == type.value, ComponentRow.name == name)
        )
        return self._run(lambda session: sorted(session.scalars(query)))

    # --- components ----------------------------------------------------------------------
    _COLUMNS = (ComponentRow.type, ComponentRow.name, ComponentRow.flavor, ComponentRow.uuid,
                ComponentRow.config)

    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        query = select(*self._COLUMNS)
        if type is not None:
            query = query.where(ComponentRow.type == type.value)
        rows = self._run(lambda session: session.execute(query).all())
        components = [self._component(*row) for row in rows]
        components.sort(key=lambda c: (_TYPE_ORDER[c.type], c.name))
        return components

    def get_component(self, type: ComponentType, name: str) -> Component:
        def work(session: Session) -> Any:
            row = session.execute(select(*self._COLUMNS).where(
                ComponentRow.type == type.value, ComponentRow.name == name)).first()
            if row is None:
                raise self.component_not_found(type, name, self._component_names(session, type))
            return row

        return self._component(*self._run(work))

    def register_component(self, component: Component) -> None:
        config = self._dump(component)

        def work(session: Session) -> None:
            if self._component_id(session, component.type, component.name) is not None:
                raise self.component_exists(component.type, component.name)
            session.add(ComponentRow(
                type=component.type.value, name=component.name, flavor=component.flavor,
                uuid=component.uuid, config=config,
            ))
            session.flush()

        self._run(work, write=True,
                  conflict=lambda: self.component_exists(component.type, component.name))

    def update_component(self, type: ComponentType, name: str, component: Component) -> None:
        if component.type is not type:
            raise InvalidDataError(
                f"The {type.display} '{name}' cannot become a {component.type.display}: "
                "register a new component instead."
            )
        config = self._dump(component)

        def work(session: Session) -> None:
            row = session.scalars(select(ComponentRow).where(
                ComponentRow.type == type.value, ComponentRow.name == name,
            ).with_for_update()).one_or_none()
            if row is None:
                raise self.component_not_found(type, name, self._component_names(session, type))
            if component.name != name and self._component_id(
                session, type, component.name
            ) is not None:
                raise self.component_exists(type, component.name)
            # Stacks refer to the row's id: a rename needs nothing more.
            row.name = component.name
            row.flavor = component.flavor
            row.uuid = component.uuid
            row.config = config
            session.flush()

        self._run(work, write=True, conflict=lambda: self.component_exists(type, component.name))

    def delete_component(self, type: ComponentType, name: str) -> None:
        def work(session: Session) -> None:
            component_id = session.scalar(select(ComponentRow.id).where(
                ComponentRow.type == type.value, ComponentRow.name == name,
            ).with_for_update())
            if component_id is None:
                raise self.component_not_found(type, name, self._component_names(session, type))
            users = self._stacks_with(session, component_id)
            if users:
                raise self.component_in_use(type, name, users)
            session.execute(delete(ComponentRow).where(ComponentRow.id == component_id))

        self._run(work, write=True)

    @staticmethod
    def _stacks_with(session: Session, component_id: int) -> list[str]:
        return sorted(session.scalars(
            select(StackRow.name)
            .join(StackComponentRow, StackComponentRow.stack_id == StackRow.id)
            .where(StackComponentRow.component_id == component_id)
        ))

    def _dump(self, component: Component) -> str:
        try:
            return json.dumps(component.config, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as err:
            raise InvalidDataError(
                f"The configuration of {component.type.display} '{component.name}' cannot be "
                f"stored: {err}."
            ) from None
