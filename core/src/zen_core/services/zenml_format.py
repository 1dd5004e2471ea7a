"""ZenML's own stack files, as ``zenml stack export`` of ZenML (0.20 and later) writes them::

    zenml_version: 0.98.0
    stack_name: my_stack
    components:
      artifact_store:
      - {name: local_artifacts, flavor: local, type: artifact_store,
         configuration: {path: /data/zenml/artifacts}}

:func:`read` turns such a document into zen's records for ``stack import``;
:func:`write` makes one of a zen stack for ``stack export --format zenml``.
ZenML no longer has metadata stores or secrets managers, and has component
types zen does not (alerters, image builders...): each side leaves out what the
other cannot hold, and says so in a note.
"""

from __future__ import annotations

from typing import Any

from zen_core.exceptions import InvalidDataError
from zen_core.models import Component, ComponentType, Stack
from zen_core.names import check_name

#: The ZenML release whose export format :func:`write` follows (ZenML compares it with its
#: own version and warns when they differ).
FORMAT_VERSION = "0.98.0"
#: zen's component types that ZenML no longer has.
NOT_IN_ZENML = (ComponentType.METADATA_STORE, ComponentType.SECRETS_MANAGER)


def is_zenml_document(document: Any) -> bool:
    return (isinstance(document, dict) and "stack_name" in document
            and "format" not in document)


def read(document: dict[str, Any], source: str) -> tuple[str, list[Component], list[str]]:
    """The stack name, its components and notes (what was left out) of a ZenML export."""
    try:
        name = check_name(document["stack_name"], "stack name")
        sections = document.get("components") or {}
        if not isinstance(sections, dict):
            raise TypeError("components")
        components: list[Component] = []
        notes: list[str] = []
        for type_name, entries in sections.items():
            entries = entries if isinstance(entries, list) else [entries]
            try:
                ctype = ComponentType.parse(type_name)
            except InvalidDataError:
                names = ", ".join(f"'{e.get('name')}'" for e in entries if isinstance(e, dict))
                notes.append(f"Leaving out the {str(type_name).replace('_', ' ')} {names}: "
                             "zen has no such component type.")
                continue
            if len(entries) != 1:
                raise InvalidDataError(
                    f"{source} lists {len(entries)} {ctype.display_plural}: a stack has one."
                )
            entry = entries[0]
            if entry.get("type", ctype.value) != ctype.value:
                raise InvalidDataError(
                    f"{source}: the component '{entry.get('name')}' listed under "
                    f"{ctype.value} says it is of type {entry.get('type')}."
                )
            config = entry.get("configuration") or {}
            if not isinstance(config, dict):
                raise TypeError("configuration")
            components.append(Component(ctype, entry["flavor"], entry["name"], dict(config)))
        return name, components, notes
    except (KeyError, TypeError, AttributeError) as err:
        raise InvalidDataError(
            f"{source} is not a valid ZenML stack export: bad or missing {err}."
        ) from None


def write(stack: Stack, components: list[Component]) -> tuple[dict[str, Any], list[str]]:
    """A ZenML export document of ``stack`` (whose ``components`` are given), and notes."""
    sections: dict[str, list[dict[str, Any]]] = {}
    notes: list[str] = []
    for component in components:
        if component.type in NOT_IN_ZENML:
            notes.append(f"Leaving out the {component.type.display} '{component.name}': "
                         "ZenML has no such component type any more.")
            continue
        sections[component.type.value] = [{
            "configuration": dict(component.config),
            "flavor": component.flavor,
            "name": component.name,
            "type": component.type.value,
        }]
    return ({"components": sections, "stack_name": stack.name,
             "zenml_version": FORMAT_VERSION}, notes)
