"""The base of every flavor configuration schema and the validation the CLI uses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zen_core.entrypoints import skip_pydantics_empty_plugin_scan
from zen_core.exceptions import InvalidDataError
from zen_core.masking import MASK  # noqa: F401 - re-exported: where flavors find it
from zen_core.plugins import cache_dir

#: Keys ZenML 0.7 wrote into component files that are runtime state, not configuration.
LEGACY_RUNTIME_KEYS = frozenset({"supports_local_execution", "supports_remote_execution"})


# Before the first model: pydantic looks for its plugins when it builds one.
skip_pydantics_empty_plugin_scan(cache_dir())


class FlavorConfig(BaseModel):
    """Configuration of one flavor. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


def SecretField(default: Any = None, **kwargs: Any) -> Any:
    """A field whose value (a password, a key) is masked in every listing."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra["secret"] = True
    return Field(default, json_schema_extra=extra, **kwargs)


def secret_fields(model: type[BaseModel]) -> set[str]:
    # NOTE: asked for every component a plan or an apply reads (thousands): once per model
    found = _SECRET_FIELDS.get(model)
    if found is None:
        found = _SECRET_FIELDS[model] = frozenset(
            name for name, info in model.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("secret"))
    return set(found)


_SECRET_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def structured_fields(model: type[BaseModel]) -> set[str]:
    """The fields whose type is a list or a mapping (also when optional): only their values,
    given as text on the command line, are read as YAML/JSON."""
    return {name for name, info in model.model_fields.items() if _structured(info.annotation)}


def _structured(annotation: Any) -> bool:
    import types
    import typing

    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_structured(arg) for arg in typing.get_args(annotation))
    return (origin or annotation) in (list, dict, set, tuple, frozenset)


def validate_config(
    model: type[BaseModel], config: dict[str, Any], what: str
) -> dict[str, Any]:
    """Validate ``config`` against ``model``; return the keys it gives, normalised (JSON
    types). The flavor's defaults are not written in: they stay the flavor's, so unsetting
    a key leaves it unset and a flavor change is not refused for the old flavor's
    defaults. Raise a one-line :class:`InvalidDataError` naming the bad fields and the
    accepted ones."""
    config = {k: v for k, v in config.items() if k not in LEGACY_RUNTIME_KEYS}
    try:
        instance = model.model_validate(config)
    except ValidationError as err:
        raise InvalidDataError(
            f"Invalid configuration for {what}: {describe_errors(err, model)}"
        ) from None
    return instance.model_dump(mode="json", exclude_unset=True)


def describe_errors(err: ValidationError, model: type[BaseModel]) -> str:
    problems = []
    unknown = False
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(config)"
        if e["type"] == "extra_forbidden":
            unknown = True
            problems.append(f"unknown field '{field}'")
        elif e["type"] == "missing":
            problems.append(f"missing required field '{field}'")
        else:
            message = e["msg"].removeprefix("Value error, ")
            problems.append(f"field '{field}': {message}")
    text = "; ".join(problems)
    if unknown or any("missing" in p for p in problems):
        accepted = ", ".join(model.model_fields) or "none"
        text += f" (accepted fields: {accepted})"
    return text + "."


def describe_fields(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Name, type, default, requiredness and secrecy of each field, for `flavor list`."""
    secrets = secret_fields(model)
    rows = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        type_name = getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
        rows.append(
            {
                "name": name,
                "type": type_name,
                "required": info.is_required(),
                "default": None
                if info.is_required()
                else info.get_default(call_default_factory=True),
                "secret": name in secrets,
                "description": info.description or "",
            }
        )
    return rows
