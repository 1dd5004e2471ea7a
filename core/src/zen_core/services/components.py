"""Components: register, update, rename, delete; and which of their fields are secret.

Each write goes to the store with the rules (:mod:`zen_core.services.rules`),
which the store runs inside the write: a flavor's schema, and the stack rules
of every stack that uses the component.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from zen_core import masking
from zen_core.accounts import Permission
from zen_core.exceptions import InvalidDataError, NotPermittedError, ZenError
from zen_core.models import Component, ComponentType
from zen_core.names import check_name
from zen_core.services.references import is_reference

if TYPE_CHECKING:
    from zen_core.plugins import PluginManager
    from zen_core.services.access import StoreAccess
    from zen_core.services.listing import ListQuery, Page

#: Config keys masked even when the flavor's schema is not installed.
SECRET_NAME = masking.SECRET_NAME


def register(access: StoreAccess, type: ComponentType | str, name: str, flavor: str,
             config: Mapping[str, Any], *, uuid: str | None = None,
             labels: Mapping[str, str] | None = None) -> Component:
    """Register a component (its ``uuid`` kept if given, else a new one)."""
    from zen_core.writes import RegisterComponent  # loaded by a write only, not by reads

    type = ComponentType.parse(type)
    check_name(name, f"{type.display} name")
    kept = {"uuid": uuid} if uuid else {}
    # NOTE: the last write: a plain secret value goes to a secret written before it
    written = access.write([RegisterComponent(Component(type, flavor, name, dict(config),
                                                        labels=dict(labels or {}),
                                                        **kept))])[-1]
    access.report(f"Registered stack component with type '{type.value}' and name '{name}'.")
    return written


def update(access: StoreAccess, type: ComponentType | str, name: str, *,
           set: Mapping[str, Any] | None = None, unset: Collection[str] = (),
           flavor: str | None = None, new_name: str | None = None,
           expected_revision: int | None = None,
           labels: Mapping[str, str | None] | None = None) -> Component:
    """Set and unset configuration keys (unset ones go back to their default), change the
    flavor (the stored keys the new flavor has no field for are dropped, and said so)
    and/or the name, atomically in the store. The result must fit the flavor's
    schema and every stack using the component must still run; stacks follow a rename.
    ``labels`` sets labels (``None``: removes one). (The checks of an update are
    :mod:`.operations`'.)"""
    from zen_core.changes import ComponentChange  # loaded by a write only, not by reads
    from zen_core.writes import UpdateComponent

    type = ComponentType.parse(type)
    if new_name is not None:
        check_name(new_name, f"{type.display} name")
    dropped: list[str] = []
    if flavor is not None:
        dropped, expected_revision = _not_accepted(access, type, name, flavor, set or {},
                                                   unset, expected_revision)
    change = ComponentChange(set=dict(set or {}), unset=[*unset, *dropped], flavor=flavor,
                             name=new_name, expected_revision=expected_revision,
                             labels=dict(labels or {}))
    written = access.write([UpdateComponent(type, name, change)])[-1]  # after a secret, if any
    if dropped:
        access.report(f"Dropped {', '.join(dropped)} of {type.display} '{name}': the {flavor} "
                      f"flavor does not accept {'it' if len(dropped) == 1 else 'them'}.")
    return written


def _not_accepted(access: StoreAccess, type: ComponentType, name: str, flavor: str,
                  set: Mapping[str, Any], unset: Collection[str],
                  expected_revision: int | None) -> tuple[list[str], int | None]:
    """The stored keys that ``flavor`` has no field for (a flavor change drops them), and
    the revision they were read at: the write expects it, so that what is reported as
    dropped is what was dropped (unless the caller named a revision of its own)."""
    try:
        fields = access.rules.plugins.flavor(type, flavor).load_model().model_fields
    except ZenError:
        return [], expected_revision  # not installed: the write says so
    current = access.bookkeeping().get_component(type, name)
    dropped = sorted(k for k in current.config
                     if k not in fields and k not in set and k not in unset)
    if dropped and expected_revision is None:
        expected_revision = current.revision
    return dropped, expected_revision


def rename(access: StoreAccess, type: ComponentType | str, old: str, new: str,
           expected_revision: int | None = None) -> Component:
    """Rename a component; the stacks that use it follow."""
    return update(access, type, old, new_name=new, expected_revision=expected_revision)


def delete(access: StoreAccess, type: ComponentType | str, name: str,
           expected_revision: int | None = None) -> None:
    """Delete a component; refused (InUseError, naming them) while stacks use it."""
    from zen_core.writes import DeleteComponent  # loaded by a write only, not by reads

    access.write([DeleteComponent(ComponentType.parse(type), name, expected_revision)])


def get(access: StoreAccess, type: ComponentType | str, name: str) -> Component:
    """The component; its secret values masked unless the actor may read secrets."""
    store = access.checked(Permission.READ)
    return _visible(access, store.get_component(ComponentType.parse(type), name))


def list_(access: StoreAccess, type: ComponentType | str | None = None) -> list[Component]:
    """Every component (of one type); secrets masked unless the actor may read them."""
    store = access.checked(Permission.READ)
    found = store.list_components(None if type is None else ComponentType.parse(type))
    return [_visible(access, c) for c in found]


def page(access: StoreAccess, type: ComponentType | str | None,
         query: ListQuery) -> Page[Component]:
    """The components ``query`` asks for (of one type, or all), one page, secrets masked
    unless the actor may read them."""
    from zen_core.services.listing import list_components

    found = list_components(access.checked(Permission.READ), type, query)
    return replace(found, items=[_visible(access, c) for c in found.items])


def revealed(access: StoreAccess, type: ComponentType | str, name: str) -> Component:
    """The component with its secret values, for a command that copies or exports them:
    refused (naming the role) unless the actor may read secrets, and refused when the
    store itself withheld them (a rest profile whose key's user may not read them), so
    that a masked value is never written anywhere as data."""
    store = access.checked(Permission.READ_SECRETS)
    return _unmasked(access, store.get_component(ComponentType.parse(type), name))


def revealed_all(access: StoreAccess) -> list[Component]:
    """Every component with its secret values (:func:`revealed`), for a profile copy."""
    store = access.checked(Permission.READ_SECRETS)
    return [_unmasked(access, c) for c in store.list_components()]


def _unmasked(access: StoreAccess, component: Component) -> Component:
    withheld = masked_keys(component, access.rules.plugins)
    if withheld:
        raise NotPermittedError(
            f"The secret fields of {component.type.display} '{component.name}' "
            f"({', '.join(sorted(withheld))}) were withheld by {access.describe()}: its user "
            "may not read secrets, which needs the 'editor' role. Copy or export without "
            "them instead: `zenml stack export` without --include-secrets leaves them out, "
            "with a note."
        )
    return component


def _visible(access: StoreAccess, component: Component) -> Component:
    if access.can(Permission.READ_SECRETS):
        return component
    keys = secret_keys(component, access.rules.plugins)
    config = component.config
    masked = frozenset(k for k in keys if config.get(k) is not None
                       and not is_reference(config[k]))
    if not masked:
        return component
    return replace(component, config={k: (masking.MASK if k in masked else v)
                                      for k, v in config.items()}, masked=masked)


def parse_text_values(type: ComponentType | str, flavor: str, values: Mapping[str, str],
                      plugins: PluginManager | None = None) -> dict[str, Any]:
    """Configuration typed as text (``--key=value``) as the flavor's schema wants it: the
    value of a list or mapping field is read as YAML/JSON, every other value stays text
    (the schema coerces it), so a password like ``{x`` or ``[1]`` is never reinterpreted.
    A value that cannot be read is refused without echoing it (it may be a secret)."""
    type = ComponentType.parse(type)
    try:
        from zen_core.flavors.base import structured_fields

        if plugins is None:
            from zen_core.plugins import get_plugin_manager

            plugins = get_plugin_manager()
        structured = structured_fields(plugins.flavor(type, flavor).load_model())
    except ZenError:
        structured = set()  # flavor not installed: registering says so
    parsed: dict[str, Any] = {}
    for key, value in values.items():
        parsed[key] = _read_structured(key, value) if key in structured else value
    return parsed


def parse_text_changes(access: StoreAccess, type: ComponentType | str, name: str,
                       flavor: str | None, values: Mapping[str, str]) -> dict[str, Any]:
    """:func:`parse_text_values` for an update: against the new flavor, else the
    component's own."""
    type = ComponentType.parse(type)
    target = flavor or get(access, type, name).flavor
    return parse_text_values(type, target, values, access.rules.plugins)


def _read_structured(key: str, value: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        raise InvalidDataError(
            f"The value of --{key} is not a valid list or mapping. Write it as JSON, for "
            'example --labels=\'{"team": "ml"}\'.'
        ) from None


def secret_keys(component: Component, plugins: PluginManager | None = None) -> set[str]:
    """The config keys of ``component`` to mask: its flavor's secret fields, and keys
    named like secrets (all that is known when the flavor is not installed)."""
    keys = {k for k in component.config if SECRET_NAME.search(k)}
    try:
        if plugins is None:
            from zen_core.plugins import get_plugin_manager

            plugins = get_plugin_manager()
        flavor = plugins.flavor(component.type, component.flavor)
        if flavor.secrets is not None:  # named by the flavor: no schema (no pydantic) to load
            return keys | set(flavor.secrets)
        from zen_core.flavors.base import secret_fields

        keys |= secret_fields(flavor.load_model())
    except ZenError:
        pass  # flavor not installed: the name heuristic alone
    return keys


def masked_keys(component: Component, plugins: PluginManager | None = None) -> set[str]:
    """The keys of ``component`` whose values a store withheld (a rest store's service
    masks them for a user who may not read secrets): those it says it masked, and secret
    fields holding the mask itself (a service that does not say)."""
    withheld = set(component.masked)
    config = component.config
    if any(isinstance(v, str) and v == masking.MASK for v in config.values()):
        withheld |= {k for k in secret_keys(component, plugins)
                     if isinstance(config.get(k), str) and config[k] == masking.MASK}
    return withheld


def masked_config(component: Component, plugins: PluginManager | None = None) -> dict[str, Any]:
    """The configuration with every secret value (that is set) shown as ``********``."""
    secrets = secret_keys(component, plugins)
    return {k: (masking.MASK if k in secrets and v is not None and not is_reference(v) else v)
            for k, v in component.config.items()}
