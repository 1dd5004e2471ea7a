"""A flavor's secret fields never hold a value at rest: a plain value becomes a secret.

When a component is registered or updated with a plain value in a secret field
(``--password=x``, an import, the API), the door (:meth:`StoreAccess.write`) stores
the value as key FIELD of the component's own secret, ``<type>-<name>`` (created, or
updated when it exists), and writes the component with the reference
``{{<type>-<name>.FIELD}}`` instead, in the same batch, saying so once. References,
``None`` and the mask (refused later, as never data) are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from zen_core import masking
from zen_core.changes import ComponentChange
from zen_core.exceptions import NotFoundError
from zen_core.models import Component, ComponentType
from zen_core.secret_records import Secret, SecretChange, check_secret_name
from zen_core.services import references
from zen_core.writes import CreateSecret, RegisterComponent, UpdateComponent, UpdateSecret, Write

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess


def secret_name_of(type: ComponentType, name: str) -> str:
    """The name of a component's own secret: ``metadata-store-m2``."""
    return check_secret_name(re.sub(r"[^A-Za-z0-9_-]", "-", f"{type.cli_name}-{name}"))


def plain(secret_keys: set[str], values: Mapping[str, Any]) -> dict[str, str]:
    """The values of secret fields in ``values`` that a secret must hold instead."""
    return {k: v for k, v in values.items() if k in secret_keys and isinstance(v, str)
            and v != masking.MASK and not references.is_reference(v)}


def extract(access: StoreAccess, writes: Sequence[Write]) -> list[Write]:
    """``writes`` with each plain secret-field value moved into the component's secret."""
    out: list[Write] = []
    made: set[str] = set()  # secrets this batch creates
    for write in writes:
        component, values = _target(access, write)
        moved = plain(access.secret_keys(component), values) if component else {}
        if not moved or component is None:
            out.append(write)
            continue
        name = secret_name_of(component.type, component.name)
        if name in made or _exists(access, name):
            out.append(UpdateSecret(name, SecretChange(set=moved)))
        else:
            out.append(CreateSecret(Secret(name, moved)))
            made.add(name)
        refs = {key: f"{{{{{name}.{key}}}}}" for key in moved}
        out.append(_with_references(write, refs))
        access.report(
            f"Stored the value of {', '.join(sorted(moved))} of {component.type.display} "
            f"'{component.name}' as secret '{name}': the component refers to it "
            f"({', '.join(sorted(refs.values()))}).")
    return out


def _target(access: StoreAccess, write: Write) -> tuple[Component | None, Mapping[str, Any]]:
    """The component a write gives configuration to (its flavor, for the secret fields),
    and the values it gives."""
    if isinstance(write, RegisterComponent):
        return write.component, write.component.config
    if isinstance(write, UpdateComponent) and write.change.set:
        flavor = write.change.flavor
        if flavor is None:
            try:
                flavor = access.bookkeeping().get_component(write.type, write.name).flavor
            except NotFoundError:
                return None, {}  # the store says so
        return Component(write.type, flavor, write.name, {}), write.change.set
    return None, {}


def _with_references(write: Write, refs: dict[str, str]) -> Write:
    if isinstance(write, RegisterComponent):
        return RegisterComponent(replace(write.component,
                                         config={**write.component.config, **refs}))
    assert isinstance(write, UpdateComponent)
    change = write.change
    return UpdateComponent(write.type, write.name, ComponentChange(
        set={**change.set, **refs}, unset=change.unset, flavor=change.flavor, name=change.name,
        expected_revision=change.expected_revision, labels=change.labels))


def _exists(access: StoreAccess, name: str) -> bool:
    try:
        access.bookkeeping().get_secret(name)
    except NotFoundError:
        return False
    return True
