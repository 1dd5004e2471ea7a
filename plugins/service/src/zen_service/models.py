"""The API's pydantic models: request and response bodies, path and header parameters.

They are the source of the OpenAPI document and check the *shape* of what
clients send (types, required fields, no unknown fields). What a name, a
flavor or a configuration may be is the domain's rule (``zen_core.services``,
``zen_core.names``): the schemas document it (``pattern``, ``propertyNames``)
but leave the refusing to the domain, so the service refuses with the very
message the CLI gives. Responses are built from ``zen_core`` records with
``to_dict()`` (same shape, no pydantic round trip on the hot path); the
schemathesis run in the tests checks that every response matches these schemas.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from zen_core import labels
from zen_core.models import REQUIRED_TYPES, RESERVED_CONFIG_KEYS, ComponentType
from zen_core.names import MAX_NAME_LENGTH
from zen_core.services.listing import MAX_FILTER_LENGTH, MAX_LIMIT, MAX_OFFSET, SORT_KEYS

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#: What ``If-Match`` takes: ``*`` or one strong entity tag, the revision in quotes.
IF_MATCH_PATTERN = r'^(\*|"[0-9]{1,18}")$'

# NOTE: the pattern and lengths are documented, not enforced here: zen_core.names.check_name
# refuses a bad name with the CLI's message.
Name = Annotated[
    str,
    Field(
        description="Letters, digits, '_', '-' and '.', starting with a letter or digit.",
        examples=["default"],
        json_schema_extra={"pattern": NAME_PATTERN, "minLength": 1,
                           "maxLength": MAX_NAME_LENGTH},
    ),
]

Revision = Annotated[int, Field(ge=0, description="Bumped by every write of the record.")]
Timestamp = Annotated[str | None, Field(description="UTC, ISO 8601, set by the store.",
                                        examples=["2026-12-01T09:38:07.123456Z"])]


def _ignored(description: str) -> Any:
    return Field(default=None, description=f"{description} Ignored on input: the store sets it.",
                 json_schema_extra={"readOnly": True})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


_QUERY_SCHEMAS: dict[type, dict[str, Any]] = {}


class QueryModel(_Strict):
    """The model of a query string. NOTE: flask-openapi3 asks a query model for its JSON
    schema on every request (to tell lists from single values), which costs more than the
    rest of a request; the schema is computed once here."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return _omittable(super().model_json_schema(*args, **kwargs))
        if cls not in _QUERY_SCHEMAS:
            _QUERY_SCHEMAS[cls] = _omittable(super().model_json_schema())
        return _QUERY_SCHEMAS[cls]


Labels = Annotated[
    dict[str, str],
    Field(description="Labels saying what the record is for: key and value are letters, "
                      "digits, '_', '-' and '.' (a key may have a prefix and '/'), at most "
                      "100 characters each.",
          examples=[{"env": "prod", "team": "ml"}],
          json_schema_extra={
              "propertyNames": {"pattern": labels.KEY_PATTERN,
                                "maxLength": labels.MAX_KEY_LENGTH},
              "additionalProperties": {"type": "string", "pattern": labels.VALUE_PATTERN,
                                       "maxLength": labels.MAX_VALUE_LENGTH},
              "maxProperties": labels.MAX_LABELS}),
]
LabelChanges = Annotated[
    dict[str, str | None],
    Field(description="Labels to set; a null value removes that label.",
          examples=[{"env": "prod", "old": None}],
          json_schema_extra={
              "propertyNames": {"pattern": labels.KEY_PATTERN,
                                "maxLength": labels.MAX_KEY_LENGTH},
              "additionalProperties": {"anyOf": [
                  {"type": "string", "pattern": labels.VALUE_PATTERN,
                   "maxLength": labels.MAX_VALUE_LENGTH}, {"type": "null"}]}}),
]


def _omittable(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string's parameter without a default is omitted, never null."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]
    return schema


def something_to_change(*, mappings: tuple[str, ...] = (), lists: tuple[str, ...] = (),
                        texts: tuple[str, ...] = ()) -> ConfigDict:
    """The config of a patch model whose schema says that it changes something: a
    non-empty mapping or list, or a text (the domain refuses an empty change: 422)."""
    branches = (
        [{"required": [f], "properties": {f: {"type": "object", "minProperties": 1}}}
         for f in mappings]
        + [{"required": [f], "properties": {f: {"type": "array", "minItems": 1}}} for f in lists]
        + [{"required": [f], "properties": {f: {"type": "string"}}} for f in texts])
    return ConfigDict(extra="forbid", json_schema_extra={"anyOf": branches})


class _InputMeta(_Strict):
    """``revision``, ``created`` and ``updated`` may come along (a record as read) and are
    ignored: the store sets them."""

    revision: int | None = _ignored("The record's revision.")
    created: str | None = _ignored("When the record was created.")
    updated: str | None = _ignored("When the record was last written.")


# --- stacks ---------------------------------------------------------------------------------
Members = Annotated[
    dict[ComponentType, Name],
    Field(description="Component name per component type.",
          examples=[{"orchestrator": "default", "metadata_store": "default",
                     "artifact_store": "default"}]),
]


class StackInput(_InputMeta):
    """A stack to register: a name and the registered components it uses, by type (an
    orchestrator, a metadata store and an artifact store at least)."""

    name: Name
    # NOTE: documented, refused by the domain (with the CLI's message) when missing.
    components: Members = Field(default_factory=dict, json_schema_extra={
        "required": [t.value for t in REQUIRED_TYPES]})
    labels: Labels = Field(default_factory=dict)


class Stack(_Strict):
    """A named set of components, at most one per type, referenced by name."""

    name: str
    components: dict[ComponentType, str]
    revision: Revision
    created: Timestamp
    updated: Timestamp
    labels: Labels = Field(default_factory=dict, description="Present only when it has some.")


#: What ``name=`` takes (``zen_core.services.listing.parse_name_filter``).
NAME_FILTER_PATTERN = r"^([^:]+|(contains|prefix|exact):[\s\S]+)$"
#: What ``sort=`` takes: a key, reversed by a leading ``-``.
SORT_CHOICES = [f"{sign}{key}" for key in SORT_KEYS for sign in ("", "-")]


def _documented(schema: dict[str, Any]) -> Any:
    """The schema a parameter is documented with (the domain checks it: 422)."""
    return WithJsonSchema(schema)


class ListQuery(QueryModel):
    """Filters, order and paging of a list (bad values: 422)."""

    # NOTE: the values are checked by the domain (zen_core.services.listing.parse_query),
    # as the CLI's are; here they are only described, exactly.
    name: Annotated[str | None, _documented({
        "type": "string", "minLength": 1, "maxLength": MAX_FILTER_LENGTH,
        "pattern": NAME_FILTER_PATTERN})] = Field(
        default=None, description="`contains:TEXT`, `prefix:TEXT`, `exact:NAME` or a name "
                                  f"(exact), e.g. `contains:prod`; at most {MAX_FILTER_LENGTH} "
                                  "characters.")
    flavor: Annotated[str | None, _documented({
        "type": "string", "minLength": 1, "maxLength": MAX_FILTER_LENGTH, "pattern": r"\S"})] = \
        Field(default=None, description="Only records of this flavor (stacks: with a member "
                                        "of it).")
    sort: Annotated[str | None, _documented({"type": "string", "enum": SORT_CHOICES})] = Field(
        default=None, description="`name` (default), `created` or `updated`; a leading `-` "
                                  "reverses (`-updated`).")
    limit: Annotated[int | None, _documented({
        "type": "integer", "minimum": 1, "maximum": MAX_LIMIT})] = Field(
        default=None, description=f"At most this many (1-{MAX_LIMIT}); all if omitted.")
    offset: Annotated[int | None, _documented({
        "type": "integer", "minimum": 0, "maximum": MAX_OFFSET})] = Field(
        default=None, description="Skip this many first (default 0).")
    label: Annotated[str | None, _documented({
        "type": "string", "minLength": 1, "maxLength": 1000,
        "pattern": labels.SELECTOR_PATTERN})] = Field(
        default=None, description="A label selector: `KEY=VALUE`, `KEY!=VALUE`, `KEY` or "
                                  "`!KEY`, separated by commas (all must hold).")


class StackList(_Strict):
    """One page of stacks and how many match in all."""

    items: list[Stack]
    total: int
    offset: int
    limit: int | None


class StackPatch(_Strict):
    """A partial update of a stack, applied atomically: set or replace members, remove
    optional ones, rename."""

    model_config = something_to_change(mappings=("set", "labels"), lists=("remove",),
                                       texts=("name",))

    set: Members = Field(default_factory=dict)
    remove: list[ComponentType] = Field(
        default_factory=list, description="Optional component types to remove.",
        examples=[["container_registry"]])
    name: Name | None = Field(default=None, description="A new name.")
    labels: LabelChanges = Field(default_factory=dict)


# --- components -----------------------------------------------------------------------------
Config = Annotated[
    dict[str, Any],
    Field(
        description="The flavor's configuration (the keys 'name', 'uuid' and '_zen' are the "
                    "component's own, not configuration).",
        json_schema_extra={"propertyNames": {"not": {"enum": list(RESERVED_CONFIG_KEYS)}}},
    ),
]


class ComponentInput(_InputMeta):
    """A component to register."""

    type: ComponentType
    flavor: str = Field(examples=["local"])
    name: Name
    uuid: str | None = Field(default=None, max_length=200,
                             description="Kept if given, generated if omitted.")
    config: Config = Field(default_factory=dict)
    labels: Labels = Field(default_factory=dict)


class Component(_Strict):
    """A configured stack component."""

    type: ComponentType
    flavor: str
    name: str
    uuid: str
    config: dict[str, Any]
    revision: Revision
    created: Timestamp
    updated: Timestamp
    masked: list[str] = Field(
        default_factory=list,
        description="The configuration keys whose values are withheld from this key's user "
                    "(shown as `********`: a viewer may not read secrets). Present only when "
                    "some are; such a record is for showing, never to be written back.")
    labels: Labels = Field(default_factory=dict, description="Present only when it has some.")


class ComponentList(_Strict):
    """One page of components (by default sorted by type, then name) and how many match."""

    items: list[Component]
    total: int
    offset: int
    limit: int | None


class ComponentPatch(_Strict):
    """A partial update of a component, applied atomically: keys to set, keys to unset (back
    to their default), a new flavor, a new name (the stacks using it follow)."""

    model_config = something_to_change(mappings=("set", "labels"), lists=("unset",),
                                       texts=("flavor", "name"))

    set: Config = Field(default_factory=dict, examples=[{"synchronous": True}])
    unset: list[str] = Field(default_factory=list, examples=[["kubernetes_context"]])
    flavor: str | None = Field(default=None, description="A new flavor.")
    name: Name | None = Field(default=None, description="A new name.")
    labels: LabelChanges = Field(default_factory=dict)


# --- the rest -----------------------------------------------------------------------------------
class Error(_Strict):
    """Every error: the zen_core exception class and a message a person can act on."""

    error: str = Field(examples=["StackNotFoundError"])
    message: str = Field(examples=["Unable to find stack with name 'x'. Available stacks: none."])


class Health(_Strict):
    status: str = Field(examples=["ok"])
    service: str = Field(examples=["zen_service"])
    version: str
    pid: int = Field(description="The serving process, so a client can tell which one answers.")
    instance: str = Field(description="This run of the service: a public id, new at each "
                                      "start.", examples=["3f2a9c0d41b7e865"])
    proof: str | None = Field(default=None, description=(
        "With ?challenge=C: HMAC-SHA256 of C under this run's secret (hex), which only the "
        "service and the state file on its machine know. A client on that machine checks "
        "it before it sends the service's key."))


class Ready(_Strict):
    status: Literal["ready", "unavailable"] = Field(examples=["ready"])
    reason: str | None = Field(default=None, description=(
        "Why the service cannot serve requests now (its store does not answer, or it "
        "stops); null when ready."), examples=[None])


class HealthQuery(QueryModel):
    challenge: str | None = Field(default=None, min_length=16, max_length=128,
                                  pattern=r"^[A-Za-z0-9_-]+$",
                                  description="A random string the answer's proof is for.")


#: A name in a path, as documented (a bad one is a 404 or a 422: the domain checks it).
NAME_IN_PATH = {"pattern": NAME_PATTERN, "minLength": 1, "maxLength": MAX_NAME_LENGTH}


class StackPath(BaseModel):
    name: str = Field(description="The stack's name.", json_schema_extra=NAME_IN_PATH)


class ComponentTypePath(BaseModel):
    type: ComponentType


class ComponentPath(BaseModel):
    type: ComponentType
    name: str = Field(description="The component's name.", json_schema_extra=NAME_IN_PATH)


class IfMatch(BaseModel):
    """The revision a write expects (``ETag`` of a read): stale is a 412."""

    if_match: str | None = Field(
        default=None, alias="If-Match",
        description='The record\'s revision as an entity tag, `"3"` (the ETag of a read), or '
                    "`*`. A write to a record at another revision fails with 412.",
    )


#: Documented in /openapi.json (the schemas the routes name are there by themselves).
DOCUMENTED = (Health, Ready, Error, Stack, StackList, StackInput, StackPatch, Component,
              ComponentList, ComponentInput, ComponentPatch)
