"""Records and assertions the contract suite and store tests share."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from zen_core.account_records import RoleAssignment, Team
from zen_core.exceptions import InvalidDataError, ZenError
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore

T = ComponentType


def profile_store(profile: str | None = None, config_directory: Path | None = None) -> BaseStore:
    """The raw store of ``profile`` (default: the one in effect here), for a test or a
    benchmark that sets up or inspects a store below the door, as no edge does."""
    from zen_core.config import GlobalConfig
    from zen_core.context import Context
    from zen_core.services import profiles

    config = GlobalConfig(config_directory)
    chosen = config.get_profile(profile) if profile else Context.here(config).profile
    return profiles.open_store(config, chosen)

def component(ctype: ComponentType, name: str, config: dict[str, Any] | None = None,
              flavor: str | None = None) -> Component:
    flavors = {T.METADATA_STORE: "sqlite", T.CONTAINER_REGISTRY: "default"}
    return Component(ctype, flavor or flavors.get(ctype, "local"), name, dict(config or {}))


def register_stack_with_components(store: BaseStore, name: str, prefix: str | None = None,
                                   *extra: ComponentType) -> Stack:
    """Register a stack over new components named ``prefix`` (default: the stack name)."""
    prefix = prefix or name
    types = (T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE, *extra)
    for ctype in types:
        store.register_component(component(ctype, prefix))
    stack = Stack(name, {ctype: prefix for ctype in types})
    store.register_stack(stack)
    return stack


def changed_within(seconds: float, still_old: Callable[[], bool], what: str) -> float:
    """Ask ``still_old()`` until it says no; fail if it still says yes when asked ``seconds``
    or more after the call began. Return when the change was first seen (seconds).

    For a promise such as "a revoked key is refused within a second": it waits for the
    change instead of sleeping the second out, and a change that comes late fails. The
    promise is about when a request is made, not when a slow one ends."""
    started = time.monotonic()
    while True:
        asked = time.monotonic() - started
        if not still_old():
            return asked
        assert asked < seconds, f"{what} {asked:.2f} s after the change"
        time.sleep(0.02)


@contextlib.contextmanager
def raises_named(error: type[ZenError], *names: str) -> Iterator[pytest.ExceptionInfo]:
    """Expect ``error`` (exactly a zen_core class) with a message naming each of ``names``."""
    with pytest.raises(error) as info:
        yield info
    message = str(info.value)
    assert message.strip(), f"{error.__name__} has an empty message"
    assert isinstance(info.value, ZenError)
    for name in names:
        assert f"'{name}'" in message, f"{message!r} does not name {name!r}"


RICH_CONFIG: dict[str, Any] = {
    "path": "/tmp/zen artifacts/é",
    "empty": "",
    "looks_like_bool": "true",
    "looks_like_int": "123",
    "looks_like_null": "null",
    "with_colon": "a: b # not a comment",
    "multiline": "first\nsecond\n",
    "count": 3,
    "negative": -7,
    "big": 2**40,
    "ratio": 0.25,
    "enabled": True,
    "disabled": False,
    "nothing": None,
    "tags": ["a", "b", 1, None, True],
    "empty_list": [],
    "nested": {"inner": {"deep": [1, {"x": "y"}]}, "flag": False, "none": None},
    "empty_dict": {},
}



class RecordingRules:
    """Store rules for tests: record every check; refuse what ``refuse`` names.

    ``refuse_component`` / ``refuse_stack`` hold names whose check raises
    :class:`InvalidDataError`; ``check_component`` marks what it returns with
    ``config["checked"] = True`` so a test can see the store kept its result.
    """

    def __init__(self, refuse_component: set[str] | None = None,
                 refuse_stack: set[str] | None = None) -> None:
        self.refuse_component = refuse_component or set()
        self.refuse_stack = refuse_stack or set()
        self.components: list[Component] = []
        self.stacks: list[tuple[Stack, dict[ComponentType, Component]]] = []
        self.accounts: list[tuple[list[RoleAssignment], list[Team]]] = []

    def check_component(self, component: Component) -> Component:
        self.components.append(component)
        if component.name in self.refuse_component:
            raise InvalidDataError(f"Refused component '{component.name}'.")
        return Component(component.type, component.flavor, component.name,
                         {**component.config, "checked": True}, uuid=component.uuid,
                         revision=component.revision, created=component.created,
                         updated=component.updated)

    def check_stack(self, stack: Stack, members: Mapping[ComponentType, Component]) -> None:
        self.stacks.append((stack, dict(members)))
        if stack.name in self.refuse_stack:
            raise InvalidDataError(f"Refused stack '{stack.name}'.")

    def check_accounts(self, writes: Sequence[Any], assignments: Sequence[RoleAssignment],
                       teams: Sequence[Team]) -> None:
        """Records what it was given, and runs the domain's rule (a store keeps an admin)."""
        from zen_core.services.accounts import check_an_admin_remains

        self.accounts.append((list(assignments), list(teams)))
        check_an_admin_remains(writes, assignments, teams)
