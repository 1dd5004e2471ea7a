"""What the local store keeps beside ZenML 0.7's data: the ``_zen`` key, and a record's
revision and times under it (in ``stacks.yaml``, each component file, ``secrets.json``).

ZenML 0.7 ignores the key; no flavor can declare a field named ``_zen`` (pydantic
fields cannot start with ``_``).
"""

from __future__ import annotations

from typing import Any

#: The key under which zen keeps what ZenML 0.7 has no place for (revisions, times...).
META_KEY = "_zen"


def meta_of(record: Any) -> dict[str, Any]:
    """The ``_zen`` mapping of a stack, component or secret as written (labels, when a
    record has some, under ``labels``: ZenML 0.7 ignores the whole key)."""
    meta = {"revision": record.revision, "created": record.created, "updated": record.updated}
    labels = getattr(record, "labels", None)
    if labels:
        meta["labels"] = dict(labels)
    return meta


def labels_of(meta: dict[str, Any]) -> dict[str, str]:
    """The labels kept in a ``_zen`` mapping (checked by the record they go to)."""
    labels = meta.get("labels")
    return dict(labels) if isinstance(labels, dict) else {}


def record_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """revision/created/updated from a ``_zen`` mapping; what is not of the right type is left
    out (a hand edit must not make the record unreadable). A record written without zen's
    metadata (by ZenML 0.7, by hand) has been written once: revision 1, times unknown."""
    revision = meta.get("revision")
    created, updated = meta.get("created"), meta.get("updated")
    return {
        "revision": revision if isinstance(revision, int) and not isinstance(revision, bool)
        and revision >= 1 else 1,
        "created": created if isinstance(created, str) else None,
        "updated": updated if isinstance(updated, str) else None,
    }
