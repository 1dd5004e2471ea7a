"""Moving stacks around: export a stack to YAML (zen's format or ZenML's), import it, copy a
stack, a component or a whole profile.

These work through the store contract only, so they work across store types
(export from a local profile, import into a SQL or REST one). Everything is
checked first and then written as one batch (:meth:`BaseStore.batch`): all or
nothing, under one lock or in one transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from zen_core.accounts import Permission
from zen_core.defaults import DEFAULT_STACK  # the default stack's components share its name
from zen_core.exceptions import (
    AlreadyExistsError,
    InvalidDataError,
    NotFoundError,
    StoreUnavailableError,
)
from zen_core.gc_pause import no_cycle_collection
from zen_core.masking import mask_url
from zen_core.models import Component, ComponentType, Stack
from zen_core.names import check_name
from zen_core.secret_records import Secret
from zen_core.services import components, profiles, references, secrets, stacks, zenml_format
from zen_core.services.components import secret_keys
from zen_core.services.progress import Progress, no_progress
from zen_core.services.rules import count
from zen_core.writes import CreateSecret, RegisterComponent, RegisterStack

if TYPE_CHECKING:
    from pathlib import Path

    from zen_core.config import GlobalConfig, Profile
    from zen_core.services.access import StoreAccess
    from zen_core.store import BaseStore

EXPORT_FORMAT = "zen-stack/v1"


def _export_components(access: StoreAccess, stack: Stack,
                       include_secrets: bool) -> list[tuple[Component, list[str]]]:
    """Each member of ``stack`` and the secret keys left out of it: none with
    ``include_secrets`` (the actor must be allowed to read them, and the store must not
    have withheld them), else every secret field it holds."""
    found = []
    for ctype, cname in stack.components.items():
        if include_secrets:
            found.append((components.revealed(access, ctype, cname), []))
            continue
        component = components.get(access, ctype, cname)
        omitted = sorted(k for k in secret_keys(component, access.rules.plugins)
                         & set(component.config) if not references.is_reference(
                             component.config[k]))
        if omitted:
            component = replace(component, masked=frozenset(), config={
                k: v for k, v in component.config.items() if k not in omitted})
        found.append((component, omitted))
    return found


def export_stack(access: StoreAccess, name: str,
                 include_secrets: bool = False) -> dict[str, Any]:
    """The stack and its components as one plain document. References to secrets are kept
    as written; secret values are left out, unless ``include_secrets``: then the secrets
    the components refer to come along, with their values, under ``secrets``."""
    stack = stacks.get(access, name)
    entries = []
    exported = _export_components(access, stack, include_secrets)
    for component, omitted in exported:
        entry = {"type": component.type.value, "name": component.name,
                 "flavor": component.flavor, "uuid": component.uuid,
                 "config": dict(component.config)}
        if omitted:
            entry["omitted_secrets"] = omitted
        entries.append(entry)
    document: dict[str, Any] = {"format": EXPORT_FORMAT, "stack": stack.name,
                                "components": entries}
    if include_secrets:
        needed = _referred_secrets(c for c, _ in exported)
        if needed:
            document["secrets"] = [{"name": n, "values": secrets.revealed(access, n).values}
                                   for n in needed]
    return document


def _referred_secrets(found: Any) -> list[str]:
    """The store secrets (not back-ends) the components refer to, sorted."""
    backends = references.backends()
    return sorted({ref.source for c in found for ref in references.in_config(c.config)
                   if ref.source not in backends})


def export_stack_zenml(access: StoreAccess, name: str,
                       include_secrets: bool = False) -> tuple[dict[str, Any], list[str]]:
    """The stack as ZenML's own ``zenml stack export`` writes it, and notes on what a ZenML
    file cannot hold (or, without ``include_secrets``, what was left out)."""
    stack = stacks.get(access, name)
    members, notes = [], []
    for component, omitted in _export_components(access, stack, include_secrets):
        if omitted:
            notes.append(f"Left out the secret fields of {component.type.display} "
                         f"'{component.name}' ({', '.join(omitted)}): export with "
                         "--include-secrets to keep them.")
        members.append(component)
    needed = _referred_secrets(members)
    if include_secrets and needed:
        # a ZenML file has no place for zen's secrets: their values go where they are named
        resolver = secrets.Resolver(access)
        backends = references.backends()
        members = [replace(c, config=references.resolve(
            c.config, lambda ref: str(ref) if ref.source in backends else resolver(ref)))
            for c in members]
    elif needed:
        notes.append(f"ZenML reads {{{{NAME.KEY}}}} as a reference to its own secret NAME: "
                     f"create {', '.join(repr(n) for n in needed)} there, or export with "
                     "--include-secrets to write the values instead.")
    document, more = zenml_format.write(stack, members)
    return document, [*more, *notes]


def _secrets_of(document: dict[str, Any], source: str) -> list[Secret]:
    entries = document.get("secrets") or []
    try:
        return [Secret(e["name"], dict(e.get("values") or {})) for e in entries]
    except (KeyError, TypeError, AttributeError) as err:
        raise InvalidDataError(f"{source}: bad or missing {err} in its secrets.") from None


def _parse_export(
    document: Any, source: str, notes: list[str] | None = None,
) -> tuple[str, list[Component], dict[tuple[ComponentType, str], list[str]]]:
    """A zen export, or ZenML's own (what it cannot bring in goes to ``notes``)."""
    if zenml_format.is_zenml_document(document):
        name, components, skipped = zenml_format.read(document, source)
        if notes is not None:
            notes.extend(skipped)
        return name, components, {}
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise InvalidDataError(
            f"{source} is not a zen stack export (expected `format: {EXPORT_FORMAT}`) nor a "
            "ZenML one (with `stack_name` and `components`)."
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
    *,
    use: Mapping[ComponentType | str, str | None] | None = None,
    dry_run: bool = False,
    progress: Progress = no_progress,
) -> tuple[Stack, list[str]]:
    """Register an exported stack (zen's format or ZenML's) in the active profile; return it
    and notes for the user.

    Identical components (same flavor and configuration) are reused; a
    different one with a taken name is refused, or renamed with
    ``rename_components``. ``use`` names registered components to take for
    some types instead of the file's (a ZenML file has no metadata store). All
    or nothing; with ``dry_run`` everything is checked, the notes say what
    would be registered, and nothing is.
    """
    notes: list[str] = []
    exported_name, components, omitted = _parse_export(document, source, notes)
    stack_name = check_name(name or exported_name, "stack name")
    store = access.checked(Permission.WRITE)
    if stack_name in store.stack_names():
        raise store.stack_exists(stack_name)
    new_secrets = _plan_secrets(access, _secrets_of(document, source)
                                if isinstance(document, dict) else [], notes)
    chosen = stacks.members(use or {})
    plan: list[Component] = []  # components to register
    members: dict[ComponentType, str] = {}
    for ctype, cname in chosen.items():
        store.get_component(ctype, cname)  # must be registered
        members[ctype] = cname
        notes.append(f"Using the registered {ctype.display} '{cname}'.")
    _default_metadata_store(store, components, members, source, notes)
    components = [c for c in components if c.type not in chosen]
    conflicts: list[str] = []
    with progress(f"Checking the components of stack '{stack_name}'",
                  len(components)) as advance:
        for component in components:
            _plan_component(access, component, omitted, rename_components, plan, members,
                            notes, conflicts)
            advance(1)
    if conflicts:
        raise AlreadyExistsError(
            f"Cannot import stack '{stack_name}': {', '.join(conflicts)} already "
            f"{'exists' if len(conflicts) == 1 else 'exist'} with a different configuration. "
            "Use --rename-components to import "
            f"{'it under a new name' if len(conflicts) == 1 else 'them under new names'}."
        )
    _check_secrets_present(store, plan, new_secrets, source)
    plan = _with_free_uuids(store, plan)
    stack = Stack(stack_name, members)
    missing = stack.missing_required()
    if missing:
        raise InvalidDataError(
            f"{source} has no {missing[0].display}, which every zen stack needs: name a "
            f"registered one to use with --{missing[0].cli_name} NAME (e.g. "
            f"--{missing[0].cli_name} default)."
        )
    if dry_run:
        planned = {c.type: c for c in plan}
        access.rules.check_stack(stack, {t: planned.get(t) or store.get_component(t, n)
                                         for t, n in stack.components.items()})
        notes.extend(f"Would create secret '{s.name}'." for s in new_secrets)
        notes.extend(f"Would register {c.type.display} '{c.name}' ({c.flavor} flavor)."
                     for c in plan)
        notes.append(f"Would register stack '{stack_name}'.")
        return stack, notes
    with progress(f"Writing stack '{stack_name}'", None):
        access.write([*(CreateSecret(s) for s in new_secrets),
                      *(RegisterComponent(c) for c in plan), RegisterStack(stack)])
    return stack, notes


def _check_secrets_present(store: BaseStore, plan: list[Component], carried: list[Secret],
                           source: str) -> None:
    """Refuse, naming them, the secrets the components to register refer to that neither
    the store holds nor the export carries (an export made without --include-secrets)."""
    carried_names = {s.name for s in carried}
    missing = []
    for name in _referred_secrets(plan):
        if name in carried_names:
            continue
        try:
            store.get_secret(name)
        except NotFoundError:
            missing.append(name)
    if missing:
        raise InvalidDataError(
            f"{source} refers to {'secret' if len(missing) == 1 else 'secrets'} "
            f"{', '.join(repr(n) for n in missing)}, which this profile lacks and the export "
            "does not carry: export again with --include-secrets, or create "
            f"{'it' if len(missing) == 1 else 'them'} here first "
            f"(`zenml secret create {missing[0]} -i`).")


def _default_metadata_store(store: BaseStore, components: list[Component],
                            members: dict[ComponentType, str], source: str,
                            notes: list[str]) -> None:
    """A file without a metadata store (ZenML's: it has none) the user named none for takes
    the profile's ``default`` one, if it has one, and says so."""
    metadata = ComponentType.METADATA_STORE
    if metadata in members or any(c.type is metadata for c in components):
        return
    if _find(store, metadata, DEFAULT_STACK) is None:
        return  # the missing member is refused below, naming --metadata-store
    members[metadata] = DEFAULT_STACK
    notes.append(f"{source} has no metadata store (ZenML has none): using the registered "
                 f"metadata store '{DEFAULT_STACK}'; name another with --metadata-store "
                 "NAME.")


def _plan_secrets(access: StoreAccess, wanted: list[Secret], notes: list[str]) -> list[Secret]:
    """The secrets of an export to create: those the store lacks. One it holds with the
    same values is reused; with other values, refused (never overwritten)."""
    if not wanted:
        return []
    store = access.checked(Permission.READ_SECRETS)
    held = {s.name for s in store.list_secrets()}
    new = []
    for secret in wanted:
        if secret.name not in held:
            new.append(secret)
        elif secrets.revealed(access, secret.name).values == secret.values:
            notes.append(f"Reusing the identical secret '{secret.name}'.")
        else:
            raise AlreadyExistsError(
                f"Secret '{secret.name}' already exists with other values: the export's are "
                "not imported over them. Rename one of the two, or update the secret.")
    return new


def _plan_component(access: StoreAccess, component: Component,
                    omitted: dict[tuple[ComponentType, str], list[str]],
                    rename_components: bool, plan: list[Component],
                    members: dict[ComponentType, str], notes: list[str],
                    conflicts: list[str]) -> None:
    """Decide what to do with one exported component: register it, reuse an identical one,
    register it renamed, or (a conflict) refuse."""
    store = access.checked(Permission.WRITE)
    try:
        config = access.rules.validated_config(component.type, component.flavor,
                                               component.config)
    except InvalidDataError as err:
        left_out = omitted.get((component.type, component.name))
        if not left_out:
            option = f"--{component.type.cli_name}"
            raise InvalidDataError(
                f"{err.message} Fix the file's {component.type.display} "
                f"'{component.name}', or use a registered {component.type.display} instead "
                f"of the file's with {option} NAME (e.g. {option} default)."
            ) from None
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


def _with_free_uuids(store: BaseStore, plan: list[Component]) -> list[Component]:
    """The components to register, each with its exported uuid unless ``store`` holds it
    (a uuid is one component's identity there: the stack is imported again, or after a
    rename). Such a component is a copy, and gets a new uuid, as ``copy_component`` does."""
    if not plan:
        return plan
    held = {c.uuid for c in store.list_components()}
    return [replace(c, uuid=str(uuid.uuid4())) if c.uuid in held else c for c in plan]


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


@no_cycle_collection()  # it holds every record it reads and writes until the end
def copy_profile(
    config: GlobalConfig,
    source: str,
    target: str,
    store_type: str,
    url: str | None = None,
    token: str | None = None,
    *,
    dry_run: bool = False,
    progress: Progress = no_progress,
    ca_cert: str | Path | None = None,
    insecure: bool = False,
) -> tuple[Profile, list[str]]:
    """Create profile ``target`` on the given store with every stack and component of
    ``source`` and its active stack; return it and notes. All or nothing: on failure
    ``target`` is not left. With ``dry_run`` everything is checked and nothing created.
    ``ca_cert`` / ``insecure``: the new profile's TLS options, as for ``profiles.create``."""
    source_profile = config.get_profile(source)
    with progress(f"Reading profile '{source}'", None), \
            profiles.open_store(config, source_profile) as source_store:
        reader = profiles.access_to(config, source_profile, store=source_store)
        all_stacks = stacks.list_(reader)
        all_components = components.revealed_all(reader)  # a copy holds the secrets too
        all_secrets = [secrets.revealed(reader, s.name) for s in secrets.list_(reader)] \
            if _keeps_secrets(source_store) else []
        active = profiles.active_stack_of(source_store, source_profile)
    what = f"{count(len(all_stacks), 'stack')} and {count(len(all_components), 'component')}"
    if dry_run:
        profile = profiles.check_new(config, target, store_type, url, token,
                                     ca_cert=ca_cert, insecure=insecure)
        _check_empty_target(config, profile)
        profile.active_stack = active
        return profile, [
            f"Would create profile '{target}' ({profile.store_type} store at "
            f"{mask_url(profile.store_url or '')}) with {what} of profile '{source}', "
            f"active stack '{active}'."
        ]
    profile, store = profiles.create(
        config, target, store_type=store_type, url=url, token=token,
        register_default_stack=False, record=False, ca_cert=ca_cert, insecure=insecure,
    )
    try:
        if not store.is_empty() or store.list_components():
            raise InvalidDataError(
                f"The store at {mask_url(profile.store_url or '')} is not empty: copy into a "
                "new store."
            )
        writer = profiles.access_to(config, profile, store=store)
        # NOTE: no rules: a copy keeps what the source holds, even flavors not installed here.
        with progress(f"Writing {what} to profile '{target}'", None):
            writer.write([*(CreateSecret(s) for s in all_secrets),
                          *(RegisterComponent(c) for c in all_components),
                          *(RegisterStack(s) for s in all_stacks)], rules=False)
        profile.active_stack = active
        profiles.record(config, profile)
    except BaseException:
        profiles.discard_storage(config, profile, store)
        raise
    store.close()
    return profile, [f"Copied {what}."]


def _keeps_secrets(store: BaseStore) -> bool:
    """Whether the store keeps secrets (a store type of contract v2 keeps none)."""
    from zen_core.exceptions import PluginError

    try:
        store.list_secrets()
    except PluginError:
        return False
    return True


def _check_empty_target(config: GlobalConfig, profile: Profile) -> None:
    """Refuse a target store that already holds records (read-only: a missing one is fine)."""
    try:
        with profiles.open_store(config, profile) as store:
            if not store.is_empty() or store.list_components():
                raise InvalidDataError(
                    f"The store at {mask_url(profile.store_url or '')} is not empty: copy into "
                    "a new store."
                )
    except StoreUnavailableError:
        pass  # not there yet (or not reachable): creating it will tell


def copy_stack(source: StoreAccess, target: StoreAccess, name: str, new_name: str | None = None,
               *, rename_components: bool = False, dry_run: bool = False,
               progress: Progress = no_progress) -> tuple[Stack, list[str]]:
    """Copy stack ``name`` of ``source`` into ``target`` as ``new_name``, with the components
    it needs (secrets included: nothing leaves zen). Within one store the stack's components
    are shared; across stores identical ones are reused, as by :func:`import_stack`."""
    document = export_stack(source, name, include_secrets=True)
    return import_stack(target, document, name=new_name or name,
                        rename_components=rename_components, source=f"stack '{name}'",
                        dry_run=dry_run, progress=progress)


def copy_component(source: StoreAccess, target: StoreAccess, type: ComponentType | str,
                   name: str, new_name: str | None = None, *,
                   dry_run: bool = False) -> Component:
    """Register a copy of a component of ``source`` in ``target`` as ``new_name`` (a new
    uuid, the same flavor and configuration, checked against ``target``'s flavors). From
    another store, the secrets its configuration refers to come along (an identical one
    is reused, one with other values refused), so its references stay intact."""
    ctype = ComponentType.parse(type)
    original = components.revealed(source, ctype, name)
    new_name = check_name(new_name or name, f"{ctype.display} name")
    across = not source.same_store(target)
    wanted = [secrets.revealed(source, n) for n in _referred_secrets([original])] \
        if across else []
    new_secrets = _plan_secrets(target, wanted, [])
    if dry_run:
        store = target.checked(Permission.WRITE)
        if _find(store, ctype, new_name) is not None:
            raise store.component_exists(ctype, new_name)
        config = target.rules.validated_config(ctype, original.flavor, original.config)
        return Component(ctype, original.flavor, new_name, config)
    if not new_secrets:
        return components.register(target, ctype, new_name, original.flavor, original.config)
    copy = Component(ctype, original.flavor, new_name, dict(original.config))
    written = target.write([*(CreateSecret(s) for s in new_secrets), RegisterComponent(copy)])
    target.report(f"Registered stack component with type '{ctype.value}' and name "
                  f"'{new_name}', with the secrets it refers to "
                  f"({', '.join(s.name for s in new_secrets)}).")
    return written[-1]
