"""The ``redis`` store: one profile's records in Redis hashes under a key prefix ``P``.

::

    P:meta         {"format": "1"}           exists once initialize() ran: the store is there
    P:components   "orchestrator/name" -> component JSON (revision, created, updated inside)
    P:stacks       name -> stack JSON        P:secrets  name -> secret JSON (values as given)
    P:users        name -> user JSON         P:teams    name -> team JSON (with its members)
    P:roles        "role|user|team" -> JSON  P:keys     "user/name" -> API key JSON (a hash)
    P:events       a list: the history, oldest first; an event's seq is its position

Reads run in one MULTI/EXEC (a snapshot: never part of a batch); writes go through
:mod:`zen_redis_store.transaction` (WATCH, read, merge, MULTI/EXEC, start over if
another writer came first). Everything comes from ``zen_core.plugin``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from zen_core.plugin import (
    TABLES,
    ApiKey,
    BaseStore,
    Component,
    ComponentType,
    DanglingReferenceError,
    Event,
    InvalidDataError,
    RoleAssignment,
    Secret,
    Stack,
    StoreContext,
    StoreMissingError,
    StoreRules,
    StoreUnavailableError,
    Team,
    User,
    Write,
    Written,
    component_key,
    dangling_member,
    page_events,
)
from zen_redis_store.transaction import Transaction
from zen_redis_store.urls import split_url

#: How often ``apply`` starts over after losing a race, before it says the store is busy.
MAX_ATTEMPTS = 200
_TYPE_ORDER = {t: i for i, t in enumerate(ComponentType)}


class RedisStore(BaseStore):
    type_name = "redis"

    def __init__(self, url: str, context: StoreContext | None = None) -> None:
        super().__init__(url, context)
        self._redis_url, self.prefix = split_url(url)
        self._client: Any = None

    # --- connection ---------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            import redis  # here, not at import: `zenml stack list` on another store never pays

            self._client = redis.Redis.from_url(self._redis_url, decode_responses=True,
                                                socket_timeout=30, socket_connect_timeout=5)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __getstate__(self) -> dict[str, Any]:  # a connection does not cross processes
        return {**self.__dict__, "_client": None}

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def _call(self, action: Callable[[], Any]) -> Any:
        import redis

        try:
            return action()
        except redis.ConnectionError as err:
            from urllib.parse import urlsplit

            where = urlsplit(self._redis_url).hostname or self._redis_url
            raise StoreUnavailableError(
                f"Cannot reach Redis for {self.describe()} ({where}): {err}. "
                "Is the server running?") from None
        except redis.ResponseError as err:
            raise StoreUnavailableError(f"Redis refused a command of {self.describe()}: "
                                        f"{err}.") from None

    def missing(self) -> StoreMissingError:
        return StoreMissingError(
            f"{self.describe()[0].upper()}{self.describe()[1:]} is missing: Redis has no "
            f"'{self.key('meta')}' (was the database flushed?). Create it again with "
            "`zenml profile create` or point at the right prefix.")

    def parse(self, table: str, field: str, raw: str) -> Any:
        try:
            return TABLES[table].from_dict(json.loads(raw))
        except (ValueError, TypeError, InvalidDataError) as err:
            message = err.message if isinstance(err, InvalidDataError) else str(err)
            raise InvalidDataError(f"'{field}' in Redis hash '{self.key(table)}' is not a zen "
                                   f"record: {message} Fix or delete it.") from None

    # --- life cycle ----------------------------------------------------------------------
    def initialize(self) -> None:
        self._call(lambda: self.client.hsetnx(self.key("meta"), "format", "1"))

    def destroy(self) -> None:
        """Delete every key of this store (tests use it; so may an admin)."""
        def delete() -> None:
            keys = list(self.client.scan_iter(match=f"{self.prefix}:*", count=500))
            if keys:
                self.client.delete(*keys)
        self._call(delete)

    # --- reads: one MULTI/EXEC each, so a read sees whole batches only -------------------
    def _snapshot(self, *reads: tuple[str, str, tuple[Any, ...]]) -> list[Any]:
        """Run ``(command, table, args)`` reads in one transaction; missing store: raise."""
        def run() -> list[Any]:
            pipe = self.client.pipeline(transaction=True)
            pipe.exists(self.key("meta"))
            for command, table, args in reads:
                getattr(pipe, command)(self.key(table), *args)
            return pipe.execute()

        found, *results = self._call(run)
        if not found:
            raise self.missing()
        return results

    def _all(self, table: str) -> list[Any]:
        [raw] = self._snapshot(("hgetall", table, ()))
        return [self.parse(table, f, v) for f, v in raw.items()]

    def list_stacks(self) -> list[Stack]:
        stacks, names = self._snapshot(("hgetall", "stacks", ()), ("hkeys", "components", ()))
        present = set(names)
        found = []
        for field, raw in stacks.items():
            stack = self.parse("stacks", field, raw)
            stack.problem = dangling_member(self, stack, present)
            found.append(stack)
        return sorted(found, key=lambda s: s.name)

    def get_stack(self, name: str) -> Stack:
        raw, names = self._snapshot(("hget", "stacks", (name,)), ("hkeys", "components", ()))
        if raw is None:
            raise self.stack_not_found(name, self.stack_names())
        stack = self.parse("stacks", name, raw)
        problem = dangling_member(self, stack, set(names))
        if problem:
            raise DanglingReferenceError(problem, stack)
        return stack

    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        found = [c for c in self._all("components") if type is None or c.type is type]
        return sorted(found, key=lambda c: (_TYPE_ORDER[c.type], c.name))

    def get_component(self, type: ComponentType, name: str) -> Component:
        type = ComponentType.parse(type)
        [raw] = self._snapshot(("hget", "components", (component_key(type, name),)))
        if raw is None:
            raise self.component_not_found(
                type, name, [c.name for c in self.list_components(type)])
        return self.parse("components", name, raw)

    def list_secrets(self) -> list[Secret]:
        return sorted(self._all("secrets"), key=lambda s: s.name)

    def get_secret(self, name: str) -> Secret:
        [raw] = self._snapshot(("hget", "secrets", (name,)))
        if raw is None:
            raise self.secret_not_found(name, [s.name for s in self.list_secrets()])
        return self.parse("secrets", name, raw)

    def list_users(self) -> list[User]:
        return sorted(self._all("users"), key=lambda u: u.name)

    def list_teams(self) -> list[Team]:
        return sorted(self._all("teams"), key=lambda t: t.name)

    def list_role_assignments(self) -> list[RoleAssignment]:
        return sorted(self._all("roles"), key=lambda a: (a.role, a.user or "", a.team or ""))

    def list_api_keys(self, user: str | None = None) -> list[ApiKey]:
        found = [k for k in self._all("keys") if user is None or k.user == user]
        return sorted(found, key=lambda k: (k.user, k.name))

    def list_events(self, *, limit: int = 50, offset: int = 0, actor: str | None = None,
                    target: str | None = None, name: str | None = None,
                    ) -> tuple[list[Event], int]:
        [raw] = self._snapshot(("lrange", "events", (0, -1)))
        events = []
        for seq, line in enumerate(raw, 1):
            event = Event.from_dict(json.loads(line))
            event.seq = seq
            events.append(event)
        return page_events(events, limit=limit, offset=offset, actor=actor, target=target,
                           name=name)

    # --- writes ----------------------------------------------------------------------------
    def apply(self, writes: Sequence[Write], rules: StoreRules | None = None,
              actor: str | None = None) -> list[Written]:
        import redis

        def attempt() -> list[Written] | None:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.watch(self.key("meta"))
                if not pipe.exists(self.key("meta")):
                    raise self.missing()
                transaction = Transaction(self, pipe, rules)
                written = transaction.apply(writes, actor)
                try:
                    transaction.commit()
                except redis.WatchError:
                    return None  # another writer came first: read again and redo
                return written

        for _ in range(MAX_ATTEMPTS):
            written = self._call(attempt)
            if written is not None:
                return written
        raise StoreUnavailableError(
            f"{self.describe()[0].upper()}{self.describe()[1:]} is too busy: {MAX_ATTEMPTS} "
            "attempts of one write lost a race with other writers. Try again.")
