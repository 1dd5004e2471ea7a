"""Moving stacks around: export a stack to YAML, import it, copy a whole profile.

These work through the store contract only, so they work across store types
(export from a local profile, import into a SQL or REST one). Everything is
checked first and then written as one batch (:meth:`BaseStore.batch`): all or
nothing, under one lock or in one transaction.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from zen_core.accounts import Permission
from zen_core.exceptions import AlreadyExistsError, InvalidDataError
from zen_core.models import Component, ComponentType, Stack
from zen_core.names import check_name
from zen_core.services import profiles
from zen_core.services.components import secret_keys
from zen_core.writes import RegisterComponent, RegisterStack

if TYPE_CHECKING:
    from zen_core.config import GlobalConfig
    from zen_core.services.access import StoreAccess
    from zen_core.store import BaseStore

EXPORT_FORMAT = "zen-stack/v1"


def export_stack(access: StoreAccess, name: str,
                 include_secrets: bool = False) -> dict[str, Any]:
    """The stack and its components as one plain document (secrets left out by default)."""
    access.require(Permission.READ_SECRETS if include_secrets else Permission.READ)
    stack = access.store.get_stack(name)
    components = []
    for ctype, cname in stack.components.items():
        component = access.store.get_component(ctype, cname)
        config = dict(component.config)
        omitted = [] if include_secrets else sorted(
            secret_keys(component, access.rules.plugins))
        for key in omitted:
            config.pop(key, None)
        entry = {"type": ctype.value, "name": cname, "flavor": component.flavor,
                 "uuid": component.uuid, "config": config}
        if omitted:
            entry["omitted_secrets"] = omitted
        components.append(entry)
    return {"format": EXPORT_FORMAT, "stack": stack.name, "components": components}


def _parse_export(
    document: Any, source: str
) -> tuple[str, list[Component], dict[tuple[ComponentType, str], list[str]]]:
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise InvalidDataError(
            f"{source} is not a zen stack export (expected `format: {EXPORT_FORMAT}`)."
        )
    try:
        components = [
            Component(c["type"], c["flavor"], c["name"], dict(c.get("config") or {}),
                      uuid=c.get("uuid") or str(uuid.uuid4()))
            for c in document["components"]
        ]
        omitted = {(ComponentType.parse(c["type"]), c["name"]): list(c.get("omitted_secrets") or [])
                   for c in document["components"]}
        return check_name(document["stack"], "stack name"), components, omitted
    except (KeyError, TypeError, AttributeError) as err:
        raise InvalidDataError(
            f"{source} is not a valid stack export: bad or missing {err}."
        ) from None


def import_stack(
    access: StoreAccess,
    document: Any,
    name: str | None = None,
    rename_components: bool = False,
    source: str = "the export",
) -> tuple[Stack, list[str]]:
    """Register an exported stack in the active profile; return it and notes for the user.

    Identical components (same flavor and configuration) are reused; a
    different one with a taken name is refused, or renamed with
    ``rename_components``. All or nothing.
    """
    exported_name, components, omitted = _parse_export(document, source)
    stack_name = check_name(name or exported_name, "stack name")
    store = access.store
    if stack_name in store.stack_names():
        raise store.stack_exists(stack_name)
    plan: list[Component] = []  # components to register
    members: dict[ComponentType, str] = {}
    notes: list[str] = []
    conflicts: list[str] = []
    for component in components:
        try:
            config = access.rules.validated_config(component.type, component.flavor,
                                                   component.config)
        except InvalidDataError as err:
            left_out = omitted.get((component.type, component.name))
            if not left_out:
                raise
            raise InvalidDataError(
                f"{err.message} The export left out its secret fields ({', '.join(left_out)}): "
                "export again with --include-secrets."
            ) from None
        wanted = Component(component.type, component.flavor, component.name, config,
                           uuid=component.uuid)
        existing = _find(store, wanted.type, wanted.name)
        if existing is None:
            plan.append(wanted)
        elif existing.flavor == wanted.flavor and existing.config == wanted.config:
            notes.append(f"Reusing the identical {wanted.type.display} '{wanted.name}'.")
        elif rename_components:
            twin = _renamed_twin(store, wanted)
            if twin is not None:
                notes.append(f"Reusing the identical {wanted.type.display} '{twin}'.")
                wanted = Component(wanted.type, wanted.flavor, twin, wanted.config)
            else:
                new_name = _free_name(store, wanted.type, wanted.name)
                notes.append(
                    f"Registering {wanted.type.display} '{wanted.name}' as '{new_name}'."
                )
                wanted = Component(wanted.type, wanted.flavor, new_name, wanted.config)
                plan.append(wanted)
        else:
            conflicts.append(f"{wanted.type.display} '{wanted.name}'")
        members[wanted.type] = wanted.name
    if conflicts:
        raise AlreadyExistsError(
            f"Cannot import stack '{stack_name}': {', '.join(conflicts)} already exist with a "
            "different configuration. Use --rename-components to import them under new names."
        )
    stack = Stack(stack_name, members)
    missing = stack.missing_required()
    if missing:
        raise InvalidDataError(f"{source} has no {missing[0].display}.")
    access.write([*(RegisterComponent(c) for c in plan), RegisterStack(stack)])
    return stack, notes


def _find(store: BaseStore, ctype: ComponentType, name: str) -> Component | None:
    try:
        return store.get_component(ctype, name)
    except KeyError:
        return None


def _renamed_twin(store: BaseStore, wanted: Component) -> str | None:
    """An identical component an earlier ``--rename-components`` import registered."""
    pattern = re.compile(rf"{re.escape(wanted.name)}_\d+")
    for existing in store.list_components(wanted.type):
        if (pattern.fullmatch(existing.name) and existing.flavor == wanted.flavor
                and existing.config == wanted.config):
            return existing.name
    return None


def _free_name(store: BaseStore, ctype: ComponentType, name: str) -> str:
    taken = {c.name for c in store.list_components(ctype)}
    n = 2
    while f"{name}_{n}" in taken:
        n += 1
    return f"{name}_{n}"


def copy_profile(
    config: GlobalConfig,
    source: str,
    target: str,
    store_type: str,
    url: str | None = None,
    token: str | None = None,
) -> None:
    """Create profile ``target`` on the given store with every stack and component of
    ``source`` and its active stack. All or nothing: on failure ``target`` is not left."""
    source_profile = config.get_profile(source)
    with profiles.open_store(config, source_profile) as source_store:
        stacks = source_store.list_stacks()
        components = source_store.list_components()
        active = profiles.active_stack_of(source_store, source_profile)
    profile, store = profiles.create(
        config, target, store_type=store_type, url=url, token=token,
        register_default_stack=False, record=False,
    )
    try:
        if not store.is_empty() or store.list_components():
            raise InvalidDataError(
                f"The store at {profile.store_url} is not empty: copy into a new store."
            )
        # NOTE: no rules: a copy keeps what the source holds, even flavors not installed here.
        with store.batch() as batch:
            for component in components:
                batch.register_component(component)
            for stack in stacks:
                batch.register_stack(stack)
        profile.active_stack = active
        profiles.record(config, profile)
    except BaseException:
        profiles.discard_storage(config, profile, store)
        raise
    store.close()
