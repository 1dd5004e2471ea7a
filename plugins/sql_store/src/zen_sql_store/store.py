"""The SQL store: stacks and components in a database, through SQLAlchemy 2.

Every read runs one query (or two, for a not-found message) in one
transaction, with Core statements: records are built once, from the rows.
The stack reads a service makes per request run their statements compiled
once, on a pooled DBAPI connection, each one statement
(:mod:`zen_sql_store.compiled_reads`); on SQLite they skip SQLAlchemy
altogether (:mod:`zen_sql_store.direct_reads`).
Every :meth:`SqlStore.apply` is ONE transaction, all or nothing, in which the
writes merge their changes into rows they locked (:mod:`zen_sql_store.transaction`,
:mod:`zen_sql_store.accounts`), the rules run on what is about to be committed,
and the history records each write (:mod:`zen_sql_store.history`): a write and
its event are committed together or not at all.

The database enforces the rules too (unique names, one component per type in
a stack, no deletion of a used component), so a race between processes ends
in an ``IntegrityError``: the transaction then runs again, rules and all, and
its checks now see the other process's commit and raise the contract's error
(already exists, not found, in use). Deadlocks, lock timeouts and
serialization failures are retried the same way.

Only :meth:`SqlStore.initialize` creates storage: a SQLite file, or the tables
in a server's database. Any other operation on a store whose file or tables
have gone raises :class:`~zen_core.exceptions.StoreMissingError` and creates
nothing. The engine is made on first use, and the schema checked (and
upgraded) then; nothing is cached between operations, so every read sees
every commit.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from zen_core.accounts import Standing
from zen_core.exceptions import (
    InvalidDataError,
    StoreMissingError,
    StoreUnavailableError,
    ZenError,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore, StoreContext, StoreRules, Written
from zen_sql_store import standing
from zen_sql_store.direct_reads import DirectReads, NotHere
from zen_sql_store.migrate import HEAD
from zen_sql_store.rows import LastStacks
from zen_sql_store.urls import SqlUrl, parse

# NOTE: SQLAlchemy and the modules built on it are imported where they are used, not
# here: on SQLite and PostgreSQL, the reads every command makes need none of them
# (direct_reads.py).
if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import exc
    from sqlalchemy.engine import Connection, Engine

    from zen_core.account_records import ApiKey, Event, RoleAssignment, Team, User
    from zen_core.secret_records import Secret
    from zen_core.writes import Write
    from zen_sql_store.compiled_reads import CompiledRead, StackReads

_T = TypeVar("_T")

#: How often a transaction runs before a conflict with other writers is reported.
ATTEMPTS = 8
#: How long a write that keeps losing races is tried again (see ``_run``).
RETRY_SECONDS = 10.0


def _direct_reads(location: SqlUrl, head: str) -> DirectReads | None:
    """The reads on the driver alone of the database at ``location``, if it has them."""
    if location.is_sqlite:
        from zen_sql_store.sqlite_reads import SqliteReads

        return SqliteReads(location.sqlite_path, head)
    if location.dialect == "postgresql":
        from zen_sql_store.postgres_reads import PostgresReads

        return PostgresReads(location, head)
    return None


def _transaction(bind: Engine, work: Callable[[Connection], _T]) -> _T:
    """``work(connection)`` in one transaction; once more on a new connection if the
    pooled one is found dead before the commit (no ping before use: engine.py)."""
    from sqlalchemy import exc

    from zen_sql_store.engine import is_disconnect

    committing = False
    try:
        with bind.begin() as connection:
            result = work(connection)
            committing = True  # a failure from here on may have committed
        return result
    except exc.DBAPIError as err:
        if committing or not is_disconnect(err):
            raise
    with bind.begin() as connection:  # the pool has dropped the dead connection(s)
        return work(connection)


class SqlStore(BaseStore):
    type_name = "sql"

    #: The schema revision this code works with, and extra Alembic version folders
    #: (tests point these at a revision of their own).
    schema_head: str = HEAD
    migration_locations: tuple[str | Path, ...] = ()

    def __init__(self, url: str, context: StoreContext | None = None) -> None:
        super().__init__(url, context)
        self.location = parse(url)
        self._engine: Engine | None = None
        self._writer: Engine | None = None
        self._reader: Engine | None = None
        #: The stack reads compiled for this database (compiled_reads.py), with the engine.
        self._stack_reads: StackReads | None = None
        #: Whether reads run in autocommit (engine.read_options), pooled ones too.
        self._autocommit_reads = False
        self._lock = threading.Lock()
        self._listed = LastStacks()
        #: The reads on the driver alone (direct_reads.py), where a database has them.
        self._direct = _direct_reads(self.location, self.schema_head)
        #: How many transactions of this instance ran again after losing a race
        #: (a unique key taken meanwhile, a deadlock...): for tests and benchmarks.
        self.retries = 0

    def describe(self) -> str:
        if self.context.profile:
            return super().describe()
        return f"the store at {self.location.masked}"  # never the password

    # --- life cycle ------------------------------------------------------------------
    def initialize(self) -> None:
        """Create the database file (SQLite) and the tables, or upgrade them."""
        self._ready(initializing=True)

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = self._writer = self._reader = self._stack_reads = None

    def _ready(self, initializing: bool = False) -> Engine:
        """The engine, once the schema is checked. Only ``initializing`` creates storage."""
        from sqlalchemy import exc

        from zen_sql_store.compiled_reads import StackReads
        from zen_sql_store.engine import (
            WRITE_OPTION,
            create_store_engine,
            missing_driver,
            prepare_sqlite_file,
            read_options,
        )
        from zen_sql_store.migrate import NoZenTables, ensure_schema

        engine = self._engine
        if engine is not None and not initializing:
            if self.location.is_sqlite and not os.path.exists(self.location.sqlite_path):
                raise self.missing_file()
            return engine
        with self._lock:
            if self.location.is_sqlite:
                if initializing:
                    prepare_sqlite_file(self.location.sqlite_path)
                elif not os.path.exists(self.location.sqlite_path):
                    raise self.missing_file()
            engine = self._engine
            new = engine is None
            if engine is None:
                engine = create_store_engine(self.location)
            try:
                ensure_schema(engine, self.location, self.schema_head,
                              self.migration_locations, create=initializing)
            except BaseException as err:
                if new:
                    engine.dispose()
                if isinstance(err, NoZenTables):
                    raise self.missing_tables() from None
                if isinstance(err, ImportError):
                    raise missing_driver(self.location, err) from None
                if isinstance(err, exc.SQLAlchemyError):
                    raise self._failure(err, initializing=initializing) from None
                raise
            if new:
                self._writer = engine.execution_options(**{WRITE_OPTION: True})
                options = read_options(self.location)
                self._reader = engine.execution_options(**options) if options else engine
                self._autocommit_reads = options.get("isolation_level") == "AUTOCOMMIT"
                self._stack_reads = StackReads(engine.dialect)
                self._engine = engine
        return engine

    # --- a store that has gone --------------------------------------------------------
    def _missing(self, what: str) -> StoreMissingError:
        profile = self.context.profile
        if profile:
            where = f"The store of profile '{profile}'"
            fix = f"Restore it, or remove the profile with `zenml profile delete {profile}`."
        else:
            where, fix = "The SQL store", "Restore it, or fix the store URL."
        end = "" if what.endswith("?") else "."
        return StoreMissingError(f"{where} is missing: {what}{end} {fix}")

    def missing_file(self) -> StoreMissingError:
        return self._missing(
            f"the SQLite database {self.location.sqlite_path} does not exist (was it moved, "
            "deleted or its disk unmounted?)"
        )

    def missing_tables(self) -> StoreMissingError:
        return self._missing(
            f"the {self.location.describe()} has no zen tables: was it dropped or re-created?"
        )

    def _failure(self, err: exc.SQLAlchemyError, *, initializing: bool = False) -> ZenError:
        """The zen error for a database error: missing when the store has gone meanwhile."""
        from zen_sql_store.engine import unavailable

        if not initializing:
            gone = self._gone()
            if gone is not None:
                return gone
        return unavailable(self.location, err, initializing=initializing)

    def _gone(self) -> StoreMissingError | None:
        """Whether the file or the tables went away (after a query failed)."""
        from sqlalchemy import exc

        from zen_sql_store.migrate import current_revisions

        if self.location.is_sqlite:
            return None if os.path.exists(self.location.sqlite_path) else self.missing_file()
        engine = self._engine
        if engine is None:
            return None
        try:
            with engine.connect() as connection:
                revisions = current_revisions(connection)
        except exc.SQLAlchemyError:
            return None
        return self.missing_tables() if revisions is None else None

    # --- transactions -------------------------------------------------------------------
    def _run(
        self,
        work: Callable[[Connection], _T],
        *,
        write: bool = False,
        conflict: Callable[[], ZenError | None] | None = None,
    ) -> _T:
        """``work(connection)`` in one transaction, again after a lost race (module doc).

        ``conflict``: the contract's error if a unique key is still refused after
        every attempt (it is asked after the last one)."""
        from sqlalchemy import exc

        from zen_sql_store.engine import is_retryable, scrub
        from zen_sql_store.transaction import RetryTransaction

        self._ready()
        bind = self._writer if write else self._reader
        assert bind is not None
        error: BaseException | None = None
        # A lost race (deadlock, serialization failure) is tried again for RETRY_SECONDS
        # at least, as SQLite's busy timeout waits: on a loaded machine 8 quick tries
        # were not always enough. A unique key refused is asked ATTEMPTS times only.
        deadline = time.monotonic() + RETRY_SECONDS
        attempt = 0
        while attempt < ATTEMPTS or (
                not isinstance(error, exc.IntegrityError) and time.monotonic() < deadline):
            if attempt:
                import random  # a lost race only

                self.retries += 1
                time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
            attempt += 1
            try:
                return _transaction(bind, work)
            except RetryTransaction as err:
                error = err
            except exc.IntegrityError as err:
                error = err
            except exc.DataError as err:
                raise InvalidDataError(
                    f"The {self.location.describe()} refused the data: "
                    f"{scrub(str(err.orig).splitlines()[0], self.location)}."
                ) from None
            except exc.OperationalError as err:
                if not is_retryable(err):
                    raise self._failure(err) from None
                error = err
            except exc.SQLAlchemyError as err:
                raise self._failure(err) from None
        found = conflict() if conflict is not None else None
        if found is not None:
            raise found
        raise StoreUnavailableError(
            f"The {self.location.describe()} kept refusing a change because of concurrent "
            f"changes ({scrub(str(getattr(error, 'orig', error)), self.location)}); try again."
        )

    # --- writes ---------------------------------------------------------------------------
    def apply(self, writes: Sequence[Write], rules: StoreRules | None = None,
              actor: str | None = None) -> list[Written]:
        from zen_core.history import event_for
        from zen_sql_store import history
        from zen_sql_store.accounts import check_accounts
        from zen_sql_store.transaction import SqlTransaction

        last: list[SqlTransaction] = []

        def work(connection: Connection) -> list[Written]:
            transaction = SqlTransaction(self, connection, rules)
            last[:] = [transaction]
            written = transaction.apply_all(writes)
            # Last: it takes the history's lock, held until the commit (history.py).
            history.record(connection, [
                e for w, r in zip(writes, written, strict=True) if (e := event_for(w, r, actor))])
            check_accounts(connection, rules, writes)  # under that lock
            return written

        def conflict() -> ZenError | None:
            return last[0].conflict() if last and last[0].conflict else None

        if not writes:
            return []
        return self._run(work, write=True, conflict=conflict)

    # --- reads ------------------------------------------------------------------------------
    def _read(self, fast: Callable[[DirectReads], _T], read: Callable[[], _T]) -> _T:
        """``fast`` with the driver's reads (direct_reads.py) where the database has them,
        else, or where they do not answer, ``read`` through SQLAlchemy."""
        if self._direct is not None:
            try:
                # On SQLite the driver's read stats the file (which one is at the path): the
                # read's only stat, a missing file is looked for once that fails (one
                # stack, in-process: 8 -> 6 us)
                return fast(self._direct)
            except NotHere:
                if self.location.is_sqlite and not os.path.exists(self.location.sqlite_path):
                    raise self.missing_file() from None
        return read()

    def _stack_rows(self, read: Callable[[StackReads], CompiledRead],
                    **values: Any) -> list[tuple[Any, ...]]:
        """The rows of one of the compiled stack reads (compiled_reads.py): on a pooled
        connection of a server database, else, or if that does not answer, in ``_run``."""
        from sqlalchemy import exc

        from zen_sql_store.compiled_reads import pooled_rows

        engine = self._ready()
        reads = self._stack_reads
        assert reads is not None
        compiled = read(reads)
        if not self.location.is_sqlite:
            try:
                return pooled_rows(engine, compiled, values, autocommit=self._autocommit_reads)
            except NotHere:
                pass
            except exc.SQLAlchemyError as err:
                raise self._failure(err) from None
        return self._run(lambda connection: compiled.rows(connection, **values))

    def list_stacks(self) -> list[Stack]:
        def read() -> list[Stack]:
            return self._listed.stacks(self._stack_rows(lambda reads: reads.every))

        return self._read(lambda reads: self._listed.stacks(reads.stack_rows()), read)

    def get_stack(self, name: str) -> Stack:
        def fast(reads: DirectReads) -> Stack:
            found = reads.find_stack(name)
            if found is None:
                raise self.stack_not_found(name, reads.stack_names())
            return found

        def read() -> Stack:
            from zen_sql_store.rows import stack_records

            found = stack_records(self._stack_rows(lambda reads: reads.one, stack_name=name))
            if not found:  # the names for the message: a read of their own, as on SQLite
                raise self.stack_not_found(name, self.stack_names())
            return found[0]

        return self._read(fast, read)

    def stack_names(self) -> list[str]:
        def read() -> list[str]:
            return sorted(row[0] for row in self._stack_rows(lambda reads: reads.names))

        return self._read(DirectReads.stack_names, read)

    def is_empty(self) -> bool:
        from sqlalchemy import select

        from zen_sql_store.queries import STACKS

        return self._run(
            lambda connection: connection.execute(select(STACKS.c.id).limit(1)).first() is None)

    def stacks_using(self, type: ComponentType, name: str) -> list[str]:
        from sqlalchemy import select

        from zen_sql_store.queries import COMPONENTS, MEMBERS, STACKS

        query = (
            select(STACKS.c.name)
            .join(MEMBERS, MEMBERS.c.stack_id == STACKS.c.id)
            .join(COMPONENTS, COMPONENTS.c.id == MEMBERS.c.component_id)
            .where(COMPONENTS.c.type == ComponentType.parse(type).value,
                   COMPONENTS.c.name == name)
        )
        return self._run(lambda connection: sorted(connection.execute(query).scalars()))

    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        from zen_core.models import TYPE_ORDER
        from zen_sql_store.rows import component_record

        where = self.location.describe()
        value = None if type is None else ComponentType.parse(type).value

        def fast(reads: DirectReads) -> list[Component]:
            return [component_record(row, where, times=True)
                    for row in reads.component_rows(value)]

        def read() -> list[Component]:
            from sqlalchemy import select

            from zen_sql_store.queries import COMPONENT_COLUMNS, COMPONENTS

            query = select(*COMPONENT_COLUMNS)
            if value is not None:
                query = query.where(COMPONENTS.c.type == value)
            rows = self._run(lambda connection: connection.execute(query).all())
            return [component_record(row, where) for row in rows]

        found = self._read(fast, read)
        found.sort(key=lambda c: (TYPE_ORDER[c.type], c.name))
        return found

    def get_component(self, type: ComponentType, name: str) -> Component:
        from sqlalchemy import select

        from zen_sql_store.queries import (
            COMPONENT_COLUMNS,
            COMPONENTS,
            component_names,
            component_record,
        )

        ctype = ComponentType.parse(type)

        def work(connection: Connection) -> Any:
            row = connection.execute(select(*COMPONENT_COLUMNS).where(
                COMPONENTS.c.type == ctype.value, COMPONENTS.c.name == name)).first()
            if row is None:
                raise self.component_not_found(ctype, name, component_names(connection, ctype))
            return row

        return component_record(self._run(work), self.location.describe())

    # --- secrets (zen_sql_store.secrets) ----------------------------------------------------
    def list_secrets(self) -> list[Secret]:
        from zen_sql_store.secrets import secret_records, secrets_query

        return self._run(lambda connection: secret_records(connection.execute(secrets_query())))

    def get_secret(self, name: str) -> Secret:
        from zen_sql_store.secrets import secret_names, secret_records, secrets_query

        def work(connection: Connection) -> Secret:
            found = secret_records(connection.execute(secrets_query(name)))
            if not found:
                raise self.secret_not_found(name, secret_names(connection))
            return found[0]

        return self._run(work)

    # --- accounts and history ---------------------------------------------------------------
    def list_users(self) -> list[User]:
        from zen_sql_store.accounts import user_records, users_query

        return self._run(lambda connection: user_records(connection.execute(users_query())))

    def get_user(self, name: str) -> User:
        from zen_sql_store.accounts import user_names, user_records, users_query

        def work(connection: Connection) -> User:
            found = user_records(connection.execute(users_query(name)))
            if not found:
                raise self.user_not_found(name, user_names(connection))
            return found[0]

        return self._run(work)

    def list_teams(self) -> list[Team]:
        from zen_sql_store.accounts import team_records, teams_query

        return self._run(lambda connection: team_records(connection.execute(teams_query())))

    def get_team(self, name: str) -> Team:
        from zen_sql_store.accounts import team_names, team_records, teams_query

        def work(connection: Connection) -> Team:
            found = team_records(connection.execute(teams_query(name)))
            if not found:
                raise self.team_not_found(name, team_names(connection))
            return found[0]

        return self._run(work)

    def standing(self, user: str) -> Standing:
        """Two statements (:mod:`zen_sql_store.standing`), on SQLite with the stdlib."""

        def read() -> Standing:
            from sqlalchemy import text

            def work(connection: Connection) -> Standing:
                counts = connection.execute(text(standing.COUNTS_SQL), {"user": user})
                roles = connection.execute(text(standing.ROLES_SQL), {"user": user})
                return standing.standing_of(counts.all(), roles.all())

            return self._run(work)

        return self._read(lambda reads: reads.standing(user), read)

    def list_role_assignments(self) -> list[RoleAssignment]:
        from zen_sql_store.accounts import role_assignment_records, role_assignments_query

        return self._run(lambda connection: role_assignment_records(
            connection.execute(role_assignments_query())))

    def list_api_keys(self, user: str | None = None) -> list[ApiKey]:
        from zen_sql_store.accounts import api_key_records, api_keys_query
        from zen_sql_store.queries import USERS

        query = api_keys_query()
        if user is not None:
            query = query.where(USERS.c.name == user)
        return self._run(lambda connection: api_key_records(connection.execute(query)))

    def find_api_key(self, key_id: str) -> ApiKey | None:
        """One lookup in the keys' primary key (and the user's, for the name): the
        service's path for every request."""
        from zen_core.account_records import ApiKey
        from zen_sql_store.accounts import api_keys_query
        from zen_sql_store.queries import API_KEYS

        query = api_keys_query().where(API_KEYS.c.key_id == key_id)
        row = self._run(lambda connection: connection.execute(query).first())
        return None if row is None else ApiKey(*row)

    def list_events(self, *, limit: int = 50, offset: int = 0, actor: str | None = None,
                    target: str | None = None, name: str | None = None,
                    ) -> tuple[list[Event], int]:
        from zen_sql_store import history

        return self._run(lambda connection: history.read_page(
            connection, limit=limit, offset=offset, actor=actor, target=target, name=name))
