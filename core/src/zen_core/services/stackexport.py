"""A whole profile as a stacks file (``zenml export``), and the file's JSON Schema.

The export is the way into stacks as code: every component (configuration keys
that differ from the flavor's defaults, references kept as they are, labels) and
every stack, in the format :mod:`zen_core.services.stackfile` reads, so that
applying it to an empty profile of any store type gives the same records and
``zenml diff`` then says nothing differs. A secret field never holds a value in
the file: one that holds a value in the store (written before secrets existed,
or withheld from a viewer) is left out, with a note saying how to make it a
reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zen_core import masking
from zen_core.exceptions import ZenError
from zen_core.models import Component, ComponentType
from zen_core.services.stackfile import COMPONENT_KEYS, OWNER_LABEL, STACK_KEYS

if TYPE_CHECKING:
    from zen_core.plugins import PluginManager
    from zen_core.services.access import StoreAccess

#: The ``$id`` of the schema ``zenml schema stacks`` prints.
SCHEMA_ID = "https://zen.invalid/schemas/stacks-v1.json"


def _defaults(component: Component, plugins: PluginManager) -> dict[str, Any]:
    """The flavor's default of each field that has one (none when the flavor is missing)."""
    try:
        model = plugins.flavor(component.type, component.flavor).load_model()
    except ZenError:
        return {}
    from pydantic_core import PydanticUndefined

    found = {}
    for name, info in model.model_fields.items():
        if info.is_required():
            continue
        default = info.get_default(call_default_factory=True)
        if default is not PydanticUndefined:
            found[name] = default.model_dump(mode="json") if hasattr(default, "model_dump") \
                else default
    return found


def export(access: StoreAccess) -> tuple[dict[str, Any], list[str]]:
    """The profile's components and stacks as a stacks file, and notes on what was left
    out."""
    from zen_core.services import components, references, stacks

    notes: list[str] = []
    plugins = access.rules.plugins
    entries = []
    owners: set[str] = set()
    for component in components.list_(access):
        secret = access.secret_keys(component)
        defaults = _defaults(component, plugins)
        config = {}
        for key, value in component.config.items():
            if key in defaults and defaults[key] == value:
                continue
            if key in secret and value not in (None, "") and not references.is_reference(value):
                how = ("withheld from this user" if value == masking.MASK
                       else "a value, not a reference")
                notes.append(f"Left out '{key}' of {component.type.display} '{component.name}' "
                             f"({how}): store it as a secret and write '{{{{NAME.{key}}}}}' in "
                             "the file.")
                continue
            config[key] = value
        entry: dict[str, Any] = {"type": component.type.value, "flavor": component.flavor,
                                 "name": component.name}
        if config:
            entry["configuration"] = config
        labels = _labels(component.labels, owners)
        if labels:
            entry["labels"] = labels
        entries.append(entry)
    stack_entries = []
    for stack in stacks.list_(access):
        entry = {"name": stack.name,
                 "components": {t.value: n for t, n in stack.components.items()}}
        labels = _labels(stack.labels, owners)
        if labels:
            entry["labels"] = labels
        stack_entries.append(entry)
    document: dict[str, Any] = {"version": 1}
    if len(owners) == 1:
        document["set"] = owners.pop()
    elif owners:
        notes.append(f"The records belong to {len(owners)} apply sets "
                     f"({', '.join(sorted(owners))}): the file names none.")
    document["components"] = entries
    document["stacks"] = stack_entries
    return document, notes


def _labels(labels: dict[str, str], owners: set[str]) -> dict[str, str]:
    if OWNER_LABEL in labels:
        owners.add(labels[OWNER_LABEL])
    return {k: v for k, v in labels.items() if k != OWNER_LABEL}


# --- the JSON Schema --------------------------------------------------------------------
_LABELS = {
    "type": "object",
    "description": "Labels: what the record is for (env, team...).",
    "propertyNames": {"pattern": r"^([a-z0-9]([a-z0-9.-]*[a-z0-9])?/)?[A-Za-z0-9]"
                                 r"([A-Za-z0-9_.-]*[A-Za-z0-9])?$", "maxLength": 100},
    "additionalProperties": {"type": "string", "maxLength": 100,
                             "pattern": r"^([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)?$"},
}
_NAME = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "maxLength": 100}
_REFERENCE = r"^\{\{\s*[A-Za-z0-9][A-Za-z0-9_-]*\.[^{}\s]+?\s*\}\}$"


def _configuration(model: Any, prefix: str) -> dict[str, Any]:
    """A flavor's configuration schema, secret fields taking a reference only; its
    definitions are named ``prefix`` + their name (they go to the root's ``$defs``)."""
    from zen_core.flavors.base import secret_fields

    schema = model.model_json_schema(ref_template=f"#/$defs/{prefix}{{model}}")
    for key in secret_fields(model):
        field = schema.get("properties", {}).get(key)
        if field is not None:
            schema["properties"][key] = {
                "description": (field.get("description") or "") + " Secret: a reference "
                "{{secret.key}}, never a value.",
                "anyOf": [{"type": "string", "pattern": _REFERENCE}, {"const": ""},
                          {"type": "null"}]}
    schema.pop("title", None)
    if "$defs" in schema:
        schema["$defs"] = {prefix + k: v for k, v in schema["$defs"].items()}
    return schema


def schema(plugins: PluginManager | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of stacks files, from the installed flavors."""
    if plugins is None:
        from zen_core.plugins import get_plugin_manager

        plugins = get_plugin_manager()
    flavors = plugins.flavors()
    branches = []
    defs: dict[str, Any] = {}
    for (ctype, name), flavor in sorted(flavors.items(), key=lambda kv: (kv[0][0].value,
                                                                         kv[0][1])):
        try:
            configuration = _configuration(flavor.load_model(), f"{ctype.value}.{name}.")
        except ZenError:
            continue
        defs.update(configuration.pop("$defs", {}))
        branch: dict[str, Any] = {
            "if": {"properties": {"type": {"const": ctype.value}, "flavor": {"const": name}},
                   "required": ["type", "flavor"]},
            "then": {"properties": {"configuration": configuration}},
        }
        branches.append(branch)
    types = [t.value for t in ComponentType]
    component = {
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "flavor", "name"],
        "properties": {
            "type": {"enum": types},
            "flavor": {"type": "string", "enum": sorted({n for _, n in flavors})},
            "name": _NAME,
            "configuration": {"type": "object"},
            "labels": _LABELS,
        },
        "allOf": branches,
    }
    stack = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "components"],
        "properties": {
            "name": _NAME,
            "components": {"type": "object", "propertyNames": {"enum": types},
                           "additionalProperties": _NAME,
                           "required": ["orchestrator", "metadata_store", "artifact_store"]},
            "labels": _LABELS,
        },
    }
    assert set(component["properties"]) == set(COMPONENT_KEYS)
    assert set(stack["properties"]) == set(STACK_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "zen stacks file",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "version": {"const": 1},
            "set": {"type": "string", "description": "The apply set: `apply --prune` deletes "
                    "only records this set applied.", "pattern": r"^[A-Za-z0-9]"
                    r"([A-Za-z0-9_.-]*[A-Za-z0-9])?$", "maxLength": 100},
            "components": {"type": "array", "items": component},
            "stacks": {"type": "array", "items": stack},
        },
        **({"$defs": defs} if defs else {}),
    }
