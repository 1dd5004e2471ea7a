"""Each installed flavor's configuration in the OpenAPI document, generated from its model.

A component to register (``ComponentInput``, also inside a batch) is documented
as one of a variant per installed flavor: ``type`` and ``flavor`` fixed, and
``config`` the flavor's own pydantic schema (``FlavorConfig.<type>.<flavor>``),
so a client sees which keys each flavor takes, which are required, and which
are secret; a third-party flavor appears as soon as it is installed. The
variants are told apart by the pair (type, flavor): OpenAPI's ``discriminator``
names one property, so each variant fixes both with ``const`` and the ``oneOf``
holds exactly one match (decisions.md).

A secret field is ``writeOnly`` with ``format: password``: a plain value is kept
as a secret of the component (the record holds a reference), the mask
``********`` is never data. Any text field may hold references to secret values,
``{{secret.key}}``; they are checked (the secret and key exist) when written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zen_core.masking import MASK

if TYPE_CHECKING:
    from zen_core.records import Flavor

#: The document's name of a flavor's configuration schema (its own nested models get a
#: further ``.<Model>``): type and flavor names are letters, digits and '_', so the name
#: is unique and valid as an OpenAPI component name.
CONFIG_SCHEMA = "FlavorConfig.{type}.{flavor}"
#: The document's name of the variant of ``ComponentInput`` for one flavor.
INPUT_SCHEMA = "ComponentInput.{type}.{flavor}"
_REF = "#/components/schemas/{}"
_REFERENCES = ("Text may hold references to secret values, `{{secret.key}}` (the secret "
               "and its key must exist).")


def flavor_schemas(flavors: Mapping[Any, Flavor], component_input: dict[str, Any]
                   ) -> dict[str, dict[str, Any]]:
    """The schemas to put in ``components.schemas``: ``ComponentInput`` as one of a
    variant per flavor (built from the generic ``component_input`` schema), each variant,
    and each flavor's configuration with its nested models."""
    out: dict[str, dict[str, Any]] = {}
    variants = []
    for (ctype, name), flavor in sorted(flavors.items(), key=lambda i: (i[0][0].value, i[0][1])):
        keys = {"type": ctype.value, "flavor": name}
        config_name = CONFIG_SCHEMA.format(**keys)
        config = _config_schema(flavor, config_name, out)
        out[config_name] = config
        variant = _variant(component_input, ctype.value, name, config_name,
                           bool(config.get("required")))
        variant_name = INPUT_SCHEMA.format(**keys)
        out[variant_name] = variant
        variants.append({"$ref": _REF.format(variant_name)})
    out["ComponentInput"] = {
        "title": "ComponentInput",
        "description": component_input.get("description", "") + " One variant per installed "
                       "flavor: `type` and `flavor` choose it, `config` is that flavor's.",
        "oneOf": variants,
    }
    return out


def _variant(generic: dict[str, Any], ctype: str, flavor: str, config_name: str,
             config_required: bool) -> dict[str, Any]:
    properties = dict(generic["properties"])
    properties["type"] = {"const": ctype}
    properties["flavor"] = {"const": flavor}
    properties["config"] = {"$ref": _REF.format(config_name)}
    required = list(generic.get("required", []))
    if config_required:
        required.append("config")
    return {"title": f"ComponentInput.{ctype}.{flavor}", "type": "object",
            "description": f"A {ctype} of flavor '{flavor}'.",
            "properties": properties, "required": required, "additionalProperties": False}


def _config_schema(flavor: Flavor, name: str, out: dict[str, dict[str, Any]]
                   ) -> dict[str, Any]:
    from zen_core.flavors.base import secret_fields

    model = flavor.load_model()
    schema = model.model_json_schema(ref_template=_REF.format(name + ".{model}"))
    for nested, definition in schema.pop("$defs", {}).items():
        out[f"{name}.{nested}"] = definition
    secrets = secret_fields(model)
    for field, prop in schema.get("properties", {}).items():
        prop.pop("secret", None)
        if field in secrets:
            _secret(prop)
    schema["title"] = name
    schema["description"] = " ".join(filter(None, [
        flavor.description or schema.get("description", ""), _REFERENCES]))
    return schema


def _secret(prop: dict[str, Any]) -> None:
    """A secret field: never answered, a password, and never the mask."""
    prop["writeOnly"] = True
    for branch in prop.get("anyOf", [prop]):
        if branch.get("type") == "string":
            branch["format"] = "password"
            branch["not"] = {"const": MASK}
