"""What the built-in flavors' field validators check, told to JSON Schema.

Pydantic cannot see inside a validator, so the schemas generated from the
flavors' models (the service's OpenAPI spec) would take values the validator
refuses. Each field passes one of these as ``json_schema_extra``: the schema
then says what the validator says; the validator still refuses, with its
message.
"""

from __future__ import annotations

from typing import Any

#: Prefixes of remote paths, which a local path may not have.
REMOTE_PREFIXES = ("gs://", "hdfs://", "s3://", "az://", "abfs://")

#: Some text that is not only whitespace (``value.strip()`` is not empty).
NOT_BLANK: dict[str, Any] = {"pattern": r"\S"}
#: Not blank, and not a remote path.
LOCAL_PATH: dict[str, Any] = {
    "pattern": r"\S",
    "not": {"pattern": "^(" + "|".join(p.removesuffix("://") for p in REMOTE_PREFIXES) + ")://"},
}
#: Text without whitespace, at least one character.
NO_WHITESPACE: dict[str, Any] = {"pattern": r"^\S+$"}


def starting_with(*prefixes: str) -> dict[str, Any]:
    """Text starting with one of ``prefixes`` (letters, ':' and '/')."""
    return {"pattern": "^(" + "|".join(prefixes) + ")"}


def bucket_path(*schemes: str) -> dict[str, Any]:
    """``<scheme>://`` and something besides '/' after it (a bucket or container)."""
    return {"pattern": "^(" + "|".join(schemes) + r")://[\s\S]*[^/]"}
