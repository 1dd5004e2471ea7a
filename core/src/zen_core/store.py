"""The store contract, version 3: what every store type does, with the same semantics and errors.

A store keeps one profile's stacks and components. A concrete store implements
four reads and :meth:`BaseStore.apply`, which applies a sequence of writes
(:mod:`zen_core.writes`) in order, all or nothing, under the store's lock or in
one transaction. Every single write (``register_stack``, ``update_component``
...) is ``apply`` of one write, and :meth:`BaseStore.batch` collects many.

Updates are partial (:class:`~zen_core.changes.ComponentChange`,
:class:`~zen_core.changes.StackChange`) and merged inside the store, so
concurrent updates of different keys both land. Every record carries a
``revision`` bumped by each write; a change may name the revision it expects
and then fails with :class:`~zen_core.exceptions.ConflictError` if another
write came first.

``rules`` (:class:`StoreRules`), when given, run inside the same lock or
transaction on the records as they would be written: the domain layer passes
the flavor schemas and the stack rules this way, so no write can slip between
the check and the change. The messages for the shared errors live here so
every store (and the REST store, which re-raises them) says the same thing. The
contract suite in ``zen_core.testing`` checks each store against this.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeAlias

from zen_core.accounts import Standing
from zen_core.exceptions import DanglingReferenceError
from zen_core.models import Component, ComponentType, Stack
from zen_core.store_errors import StoreErrors

if TYPE_CHECKING:  # records a read makes none of (each class costs ~0.6 ms to make)
    from zen_core.account_records import ApiKey, Event, RoleAssignment, Team, User
    from zen_core.changes import ComponentChange, StackChange
    from zen_core.secret_records import Secret
    from zen_core.writes import Write

#: Receives progress messages ("Registered stack with name 'x'.").
Reporter = Callable[[str], None]


def _writes() -> Any:
    """:mod:`zen_core.writes`, loaded by the first write: a read does without it."""
    from zen_core import writes

    return writes


def _quiet(_: str) -> None:
    pass


class StoreContext(NamedTuple):
    """What a store is opened with besides its URL (given by whoever opens it)."""

    #: The zen config folder of the opener: the rest store finds the local service's key there.
    config_directory: Path | None = None
    #: An access token, for store types that take one.
    token: str | None = None
    #: The profile this store belongs to, named in messages ("the store of profile 'x'").
    profile: str | None = None
    #: For store types that use TLS: a CA certificate file (PEM) to trust besides the
    #: system's, e.g. that of a self-signed certificate.
    ca_cert: Path | None = None
    #: For store types that use TLS: do not check the server's certificate at all.
    insecure: bool = False
    #: Where a store says what a person should know but that fails nothing (a key about
    #: to expire): one line each, the CLI's warnings. None: nowhere.
    warn: Callable[[str], None] | None = None


class StoreRules(Protocol):
    """Checks a store runs inside a write, on the records as they would be written."""

    def check_component(self, component: Component) -> Component:
        """Validate a component to be written; return it as it is to be stored (normalised)."""

    def check_stack(self, stack: Stack, members: Mapping[ComponentType, Component]) -> None:
        """Refuse a stack (its members given by type) that could not run."""

    def check_accounts(self, writes: Sequence[Write], assignments: Sequence[RoleAssignment],
                       teams: Sequence[Team]) -> None:
        """Refuse ``writes``, a batch holding one of ``writes.ADMIN_REMOVALS``, if no one
        would be an admin: ``assignments`` and ``teams`` are as they would be committed,
        read after any write that could change them meanwhile has committed."""


#: What :meth:`BaseStore.apply` returns for each write: the record as written, None for a delete.
Written: TypeAlias = "Stack | Component | Secret | User | Team | RoleAssignment | ApiKey | None"


class Batch:
    """Writes collected by :meth:`BaseStore.batch`, applied together when the block ends."""

    def __init__(self) -> None:
        self.writes: list[Write] = []

    def register_component(self, component: Component) -> None:
        self.writes.append(_writes().RegisterComponent(component))

    def update_component(self, type: ComponentType, name: str, change: ComponentChange) -> None:
        self.writes.append(_writes().UpdateComponent(ComponentType.parse(type), name, change))

    def delete_component(self, type: ComponentType, name: str) -> None:
        self.writes.append(_writes().DeleteComponent(ComponentType.parse(type), name))

    def register_stack(self, stack: Stack) -> None:
        self.writes.append(_writes().RegisterStack(stack))

    def update_stack(self, name: str, change: StackChange) -> None:
        self.writes.append(_writes().UpdateStack(name, change))

    def delete_stack(self, name: str) -> None:
        self.writes.append(_writes().DeleteStack(name))


class BaseStore(StoreErrors, ABC):
    """One profile's stacks and components.

    Every write is atomic and safe with several processes at once; reads
    reflect every committed write (no stale cache).
    """

    #: The store type name (``local``, ``sql``, ``rest``...), set by subclasses.
    type_name: str = ""
    #: Whether the store seals secret values on its side (the rest store: its service
    #: does), so that it is given and gives back clear values; else the domain seals them.
    seals_secrets: bool = False

    def __init__(self, url: str, context: StoreContext | None = None) -> None:
        self._url = url
        self.context = context or StoreContext()

    @property
    def url(self) -> str:
        return self._url

    @property
    def config_directory(self) -> Path | None:
        return self.context.config_directory

    def describe(self) -> str:
        """How messages name this store: "the store of profile 'x'" or its URL."""
        if self.context.profile:
            return f"the store of profile '{self.context.profile}'"
        from zen_core.masking import mask_url

        return f"the store at {mask_url(self.url)}"

    # --- storage life cycle ---------------------------------------------------
    def initialize(self) -> None:
        """Create the backing storage if needed. Idempotent.

        Only this creates storage: reads and writes on a store whose storage
        has gone raise :class:`~zen_core.exceptions.StoreMissingError`.
        """

    def close(self) -> None:
        """Release connections or handles."""

    def __enter__(self) -> BaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads -----------------------------------------------------------------
    @abstractmethod
    def list_stacks(self) -> list[Stack]:
        """All stacks, sorted by name."""

    @abstractmethod
    def get_stack(self, name: str) -> Stack:
        """The stack ``name``; :class:`StackNotFoundError` if missing,
        :class:`DanglingReferenceError` if it names a component that is not there."""

    def stored_stack(self, name: str) -> Stack:
        """The stack ``name`` as stored, also when it names a component that is not there
        (which :meth:`get_stack` refuses): what deleting or repairing it reads."""
        try:
            return self.get_stack(name)
        except DanglingReferenceError as err:
            if err.stack is not None:
                return err.stack
            # re-raised from a message alone (a rest store): the list still holds it
            for stack in self.list_stacks():
                if stack.name == name:
                    return stack
            raise

    @abstractmethod
    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        """All components, or those of one type, sorted by type and name."""

    @abstractmethod
    def get_component(self, type: ComponentType, name: str) -> Component:
        """The component; :class:`ComponentNotFoundError` if missing."""

    # --- secrets (reads; values as given, see zen_core.secret_records) ----------------
    def list_secrets(self) -> list[Secret]:
        """All secrets, sorted by name, with their values as the store keeps them.

        Store contract v3; a store type written for v2 keeps none and says so."""
        from zen_core.exceptions import PluginError

        raise PluginError(f"The {self.type_name or type(self).__name__} store keeps no "
                          "secrets: it was written for store contract v2 (zen 1.0). "
                          "Upgrade the plugin that provides it.")

    def get_secret(self, name: str) -> Secret:
        """The secret ``name``; :class:`SecretNotFoundError` if missing."""
        secrets = self.list_secrets()
        for secret in secrets:
            if secret.name == name:
                return secret
        raise self.secret_not_found(name, [s.name for s in secrets])

    # --- accounts and history (reads) ----------------------------------------------
    @abstractmethod
    def list_users(self) -> list[User]:
        """All users, sorted by name."""

    @abstractmethod
    def list_teams(self) -> list[Team]:
        """All teams with their members, sorted by name."""

    @abstractmethod
    def list_role_assignments(self) -> list[RoleAssignment]:
        """Every role given to a user or a team, sorted by role, then holder."""

    @abstractmethod
    def list_api_keys(self, user: str | None = None) -> list[ApiKey]:
        """The API keys (hashes, never keys) of one user or of all, sorted by user, name."""

    @abstractmethod
    def list_events(self, *, limit: int = 50, offset: int = 0, actor: str | None = None,
                    target: str | None = None, name: str | None = None,
                    ) -> tuple[list[Event], int]:
        """The history, newest first: ``limit`` events after skipping ``offset``, of one
        actor and/or one record (``target`` kind and ``name``), and how many match."""

    def get_user(self, name: str) -> User:
        users = self.list_users()
        for user in users:
            if user.name == name:
                return user
        raise self.user_not_found(name, [u.name for u in users])

    def get_team(self, name: str) -> Team:
        teams = self.list_teams()
        for team in teams:
            if team.name == name:
                return team
        raise self.team_not_found(name, [t.name for t in teams])

    def standing(self, user: str) -> Standing:
        """Whether roles are assigned here, whether ``user`` is a user, and their roles
        (given to them and to their teams): what every checked read and write asks first,
        so stores may answer it with one query."""
        assignments = self.list_role_assignments()
        if not assignments:
            return Standing(False, user in {u.name for u in self.list_users()}, frozenset())
        teams = {t.name for t in self.list_teams() if user in t.members}
        roles = frozenset(a.role for a in assignments
                          if a.user == user or (a.team is not None and a.team in teams))
        return Standing(True, bool(roles) or user in {u.name for u in self.list_users()},
                        roles)

    def find_api_key(self, key_id: str) -> ApiKey | None:
        """The key whose public id is ``key_id``, or None (stores may look it up faster)."""
        return next((k for k in self.list_api_keys() if k.key_id == key_id), None)

    def whoami(self) -> dict[str, Any] | None:
        """Whom a store that authorizes its clients itself takes this one for
        (``{"user", "roles", "key"}``), or None: a store that leaves that to zen."""
        return None

    # --- writes ------------------------------------------------------------------
    @abstractmethod
    def apply(self, writes: Sequence[Write], rules: StoreRules | None = None,
              actor: str | None = None) -> list[Written]:
        """Apply ``writes`` in order, all or nothing; return each written record.

        Each write is recorded in the history (:func:`zen_core.history.event_for`)
        as done by ``actor``, in the same lock or transaction.

        Each write sees the ones before it. Semantics per write:

        - ``RegisterComponent``: :class:`ComponentExistsError` if (type, name) is taken,
          or its uuid: a uuid is one component's identity in a store, whatever its type
          (the message names the component holding it).
        - ``UpdateComponent``: merge the change into the stored component;
          stacks follow a rename (and get a new revision).
        - ``DeleteComponent``: :class:`InUseError` while a stack uses it.
        - ``RegisterStack``: :class:`StackExistsError` for a taken name,
          :class:`ComponentNotFoundError` for a member that is not registered.
        - ``UpdateStack``: set/remove members, maybe rename; members must exist.
        - ``DeleteStack``: the stack only, never its components.

        - ``CreateSecret``: :class:`SecretExistsError` if the name is taken, or the uuid
          (another secret's: its sealed values are bound to it); the values are kept as
          given (never read: the domain encrypts them first).

          A uuid is free again once its record is deleted, also earlier in the same batch;
          an update or rename keeps it. A refused write refuses the whole batch.
        - ``UpdateSecret``: set and unset keys of the stored values (merged, so updates of
          different keys all land), maybe rename; :class:`SecretNotFoundError`,
          :class:`SecretExistsError` for a taken new name, :class:`ConflictError`.
        - ``DeleteSecret``: :class:`SecretNotFoundError` if missing (whether components
          refer to it is the domain's check, before).

        - ``CreateUser`` / ``CreateTeam``: :class:`UserExistsError` / :class:`TeamExistsError`.
        - ``DeleteUser``: also its team memberships, role assignments and API keys.
        - ``DeleteTeam``: also the roles assigned to it.
        - ``AddTeamMember``: the user and team must exist (adding a member twice is no
          change); ``RemoveTeamMember``: :class:`UserNotFoundError` if not a member.
        - ``AssignRole``: the holder must exist; :class:`RoleAssignmentExistsError` if held.
          ``RevokeRole``: :class:`RoleAssignmentNotFoundError` if not held.
        - ``CreateApiKey``: the user must exist; (user, name) and key_id are unique
          (:class:`ApiKeyExistsError`). ``RevokeApiKey``: :class:`ApiKeyNotFoundError`.
        - ``TouchApiKey``: sets ``last_used`` (no event; a missing key is no error).

        Not found is :class:`StackNotFoundError` / :class:`ComponentNotFoundError`;
        an ``expected_revision`` that is not the stored one is :class:`ConflictError`.
        With ``rules``, ``check_component`` runs on every component registered
        or updated (its result is stored), and ``check_stack`` on every stack
        registered or updated and on every stack using an updated component.
        """

    @contextlib.contextmanager
    def batch(self, rules: StoreRules | None = None,
              actor: str | None = None) -> Iterator[Batch]:
        """Collect writes in the block; apply them all at its end, or none if it raises::

            with store.batch() as batch:
                batch.register_component(component)
                batch.register_stack(stack)
        """
        collected = Batch()
        yield collected
        if collected.writes:
            self.apply(collected.writes, rules, actor)

    def register_stack(self, stack: Stack, rules: StoreRules | None = None) -> Stack:
        return self.apply([_writes().RegisterStack(stack)], rules)[0]  # type: ignore[return-value]

    def update_stack(self, name: str, change: StackChange,
                     rules: StoreRules | None = None) -> Stack:
        return self.apply([_writes().UpdateStack(name, change)], rules)[0]  # type: ignore[return-value]

    def delete_stack(self, name: str, expected_revision: int | None = None) -> None:
        self.apply([_writes().DeleteStack(name, expected_revision)])

    def register_component(self, component: Component,
                           rules: StoreRules | None = None) -> Component:
        return self.apply([_writes().RegisterComponent(component)], rules)[0]  # type: ignore[return-value]

    def update_component(self, type: ComponentType, name: str, change: ComponentChange,
                         rules: StoreRules | None = None) -> Component:
        update = _writes().UpdateComponent(ComponentType.parse(type), name, change)
        written = self.apply([update], rules)
        return written[0]  # type: ignore[return-value]

    def delete_component(self, type: ComponentType, name: str,
                         expected_revision: int | None = None) -> None:
        self.apply([_writes().DeleteComponent(ComponentType.parse(type), name, expected_revision)])

    # --- conveniences built on the operations above ---------------------------
    def is_empty(self) -> bool:
        return not self.list_stacks()

    def stack_names(self) -> list[str]:
        return [s.name for s in self.list_stacks()]

    def stacks_using(self, type: ComponentType, name: str) -> list[str]:
        return [s.name for s in self.list_stacks() if s.components.get(type) == name]

    def register_default_stack(
        self, components: list[Component], report: Reporter = _quiet
    ) -> None:
        """Register the ``default`` stack from the given components, reporting each step."""
        report("Initializing store...")
        with self.batch() as batch:
            for component in components:
                batch.register_component(component)
            batch.register_stack(Stack("default", {c.type: c.name for c in components}))
        for component in components:
            report(
                f"Registered stack component with type '{component.type.value}' "
                f"and name '{component.name}'."
            )
        report("Registered stack with name 'default'.")
