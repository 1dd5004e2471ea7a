"""The rules every write of a stack or component obeys, given to the store to run inside it.

:class:`Rules` implements :class:`zen_core.store.StoreRules` from the installed
plugins: a component's flavor must exist and its configuration fit the
flavor's schema (stored normalised); a stack needs an orchestrator, a metadata
store and an artifact store, and whatever its members' flavors declare
(``Flavor.requires`` and ``Flavor.stack_check``); and a store keeps an admin
(:func:`zen_core.services.accounts.check_an_admin_remains`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from zen_core.exceptions import InvalidDataError, StackRuleError
from zen_core.models import REQUIRED_TYPES, Component, ComponentType, Stack

if TYPE_CHECKING:
    from zen_core.account_records import RoleAssignment, Team
    from zen_core.plugins import PluginManager
    from zen_core.writes import Write


def a_or_an(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def count(n: int, word: str) -> str:
    """``1 stack``, ``3 stacks``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def listing(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1]])) if words else ""


class Rules:
    """The installed flavors' rules (``plugins`` defaults to the process's plugin manager)."""

    def __init__(self, plugins: PluginManager | None = None) -> None:
        if plugins is None:
            from zen_core.plugins import get_plugin_manager

            plugins = get_plugin_manager()
        self.plugins = plugins
        #: Whether roles were assigned in the store before the write: then an admin must
        #: remain after it, even when no role at all would (see :meth:`keeping_an_admin`).
        self.roles_in_use = False

    def keeping_an_admin(self) -> Rules:
        """These rules for a write in a store where roles are assigned: it must not leave
        the store without an admin, not even by removing every role (a store without
        roles makes every local user an admin, but no API key's user)."""
        import copy

        kept = copy.copy(self)
        kept.roles_in_use = True
        return kept

    def validated_config(self, type: ComponentType, flavor: str, config: dict) -> dict:
        """``config`` checked against the flavor's schema, normalised; InvalidDataError if not."""
        from zen_core.flavors.base import validate_config

        record = self.plugins.flavor(type, flavor)
        return validate_config(record.load_model(), config, f"{type.display} flavor '{flavor}'")

    def check_component(self, component: Component) -> Component:
        config = self.validated_config(component.type, component.flavor, component.config)
        return Component(component.type, component.flavor, component.name, config,
                         uuid=component.uuid, revision=component.revision,
                         created=component.created, updated=component.updated,
                         labels=component.labels)

    def check_accounts(self, writes: Sequence[Write], assignments: Sequence[RoleAssignment],
                       teams: Sequence[Team]) -> None:
        from zen_core.services.accounts import check_an_admin_remains

        check_an_admin_remains(writes, assignments, teams, roles_in_use=self.roles_in_use)

    def check_stack(self, stack: Stack, members: Mapping[ComponentType, Component]) -> None:
        from zen_core.records import StackView

        missing = [t for t in REQUIRED_TYPES if t not in stack.components]
        if missing:
            raise InvalidDataError(
                f"Stack '{stack.name}' needs {listing([a_or_an(t.display) for t in missing])}."
            )
        view = StackView(stack, dict(members))
        for ctype, member in members.items():
            flavor = self.plugins.flavors().get((ctype, member.flavor))
            if flavor is None:  # not installed here: its rules are unknown
                continue
            what = f"{ctype.display} '{member.name}' ({member.flavor} flavor)"
            needed = [t for t in flavor.requires if t not in stack.components]
            if needed:
                raise StackRuleError(
                    f"Stack '{stack.name}' cannot use the {what}: it needs "
                    f"{listing([a_or_an(t.display) for t in needed])}."
                )
            check = flavor.load_stack_check()
            problem = check(view) if check is not None else None
            if problem:
                raise StackRuleError(f"Stack '{stack.name}' cannot use the {what}: {problem}.")
