"""The errors every store raises, with the same messages (the REST store re-raises them).

:class:`StoreErrors` is a base of :class:`zen_core.store.BaseStore`: a store
says ``raise self.stack_not_found(name, names)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from zen_core.exceptions import (
    ApiKeyExistsError,
    ApiKeyNotFoundError,
    ComponentExistsError,
    ComponentNotFoundError,
    ConflictError,
    InUseError,
    RoleAssignmentExistsError,
    RoleAssignmentNotFoundError,
    SecretExistsError,
    SecretNotFoundError,
    StackExistsError,
    StackNotFoundError,
    TeamExistsError,
    TeamNotFoundError,
    UserExistsError,
    UserNotFoundError,
)

if TYPE_CHECKING:
    from zen_core.account_records import RoleAssignment
    from zen_core.models import Component, ComponentType, Stack


def _names(names: Iterable[str], limit: int = 10) -> str:
    names = sorted(names)
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return (shown + more) if names else "none"


class StoreErrors:
    @staticmethod
    def secret_not_found(name: str, available: Iterable[str] = ()) -> SecretNotFoundError:
        return SecretNotFoundError(
            f"Unable to find secret with name '{name}'. Available secrets: {_names(available)}.")

    @staticmethod
    def secret_exists(name: str) -> SecretExistsError:
        return SecretExistsError(
            f"A secret with name '{name}' already exists. Please choose a different name.")

    @staticmethod
    def secret_uuid_taken(uuid: str, holder: str) -> SecretExistsError:
        """A new secret with the uuid of the secret ``holder`` (a uuid is a record's
        identity: a secret's sealed values are bound to it)."""
        return SecretExistsError(
            f"The uuid {uuid} already belongs to secret '{holder}'. Give the new secret "
            "another uuid (or none: one is made).")

    @staticmethod
    def stack_not_found(name: str, available: Iterable[str] = ()) -> StackNotFoundError:
        return StackNotFoundError(
            f"Unable to find stack with name '{name}'. Available stacks: {_names(available)}."
        )

    @staticmethod
    def stack_exists(name: str) -> StackExistsError:
        return StackExistsError(
            f"A stack with name '{name}' already exists. Please choose a different name."
        )

    @staticmethod
    def component_not_found(
        type: ComponentType, name: str, available: Iterable[str] = ()
    ) -> ComponentNotFoundError:
        return ComponentNotFoundError(
            f"Unable to find {type.display} with name '{name}'. "
            f"Available {type.display_plural}: {_names(available)}."
        )

    @staticmethod
    def component_exists(type: ComponentType, name: str) -> ComponentExistsError:
        return ComponentExistsError(
            f"{'An' if type.display[:1] in 'aeiou' else 'A'} {type.display} with name '{name}' "
            "already exists. Please choose a different name."
        )

    @staticmethod
    def component_uuid_taken(uuid: str, type: ComponentType, holder: str
                             ) -> ComponentExistsError:
        """A new component with the uuid of ``holder`` (of any type: a uuid is one
        component's identity in a store)."""
        return ComponentExistsError(
            f"The uuid {uuid} already belongs to {type.display} '{holder}'. Give the new "
            "component another uuid (or none: one is made).")

    @staticmethod
    def user_not_found(name: str, available: Iterable[str] = ()) -> UserNotFoundError:
        return UserNotFoundError(
            f"Unable to find user with name '{name}'. Available users: {_names(available)}.")

    @staticmethod
    def user_exists(name: str) -> UserExistsError:
        return UserExistsError(f"A user with name '{name}' already exists.")

    @staticmethod
    def team_not_found(name: str, available: Iterable[str] = ()) -> TeamNotFoundError:
        return TeamNotFoundError(
            f"Unable to find team with name '{name}'. Available teams: {_names(available)}.")

    @staticmethod
    def team_exists(name: str) -> TeamExistsError:
        return TeamExistsError(f"A team with name '{name}' already exists.")

    @staticmethod
    def not_a_member(team: str, user: str) -> UserNotFoundError:
        return UserNotFoundError(f"User '{user}' is not a member of team '{team}'.")

    @staticmethod
    def role_held(assignment: RoleAssignment) -> RoleAssignmentExistsError:
        return RoleAssignmentExistsError(
            f"The {assignment.holder} already has the role '{assignment.role}'.")

    @staticmethod
    def role_not_held(assignment: RoleAssignment) -> RoleAssignmentNotFoundError:
        return RoleAssignmentNotFoundError(
            f"The {assignment.holder} does not have the role '{assignment.role}'.")

    @staticmethod
    def key_not_found(user: str, name: str, available: Iterable[str] = ()) -> ApiKeyNotFoundError:
        return ApiKeyNotFoundError(
            f"User '{user}' has no API key named '{name}'. Their keys: {_names(available)}.")

    @staticmethod
    def key_exists(user: str, name: str) -> ApiKeyExistsError:
        return ApiKeyExistsError(
            f"User '{user}' already has an API key named '{name}'. Choose another name.")

    @staticmethod
    def conflict(what: str, expected: int, actual: int) -> ConflictError:
        """``what`` is e.g. "stack 'prod'" or "orchestrator 'kf'"."""
        return ConflictError(
            f"The {what} was changed by another write: it is at revision {actual}, the "
            f"change expected revision {expected}. Read it again and retry."
        )

    @staticmethod
    def check_revision(what: str, record: Stack | Component, expected: int | None) -> None:
        if expected is not None and record.revision != expected:
            raise StoreErrors.conflict(what, expected, record.revision)

    @staticmethod
    def component_in_use(type: ComponentType, name: str, stacks: Iterable[str]) -> InUseError:
        stacks = list(stacks)
        which = "that stack" if len(stacks) == 1 else "those stacks"
        return InUseError(
            f"The {type.display} '{name}' cannot be deleted: it is used by "
            f"{'stack' if len(stacks) == 1 else 'stacks'} {_names(stacks)}. Remove it from "
            f"{which} first (`zenml stack update` or `zenml stack remove-component`)."
        )
