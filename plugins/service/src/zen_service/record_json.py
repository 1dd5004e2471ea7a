"""Pages of records as JSON text, each record encoded once while the store gives it again.

The stores give the same record objects again while nothing changed (the local
store per parse of its index, the SQL store while a list's rows are the same),
and records are values that no one changes. Encoding 50 stacks was a tenth of
a list request's CPU: a page is now its records' cached texts joined, which
is exactly what ``json.dumps`` of the whole page writes (a test compares them).

A record is known by identity, and held while cached, so that its id cannot
be reused by another object meanwhile. A new record (another read, a
viewer's masked copy of a component) is encoded anew and takes the place of
an old one when the cache is full.
"""

from __future__ import annotations

import json
import threading
from operator import is_
from typing import Any

from zen_core.models import Component, Stack

#: Records whose JSON is kept at most, and their texts' characters in all (components'
#: configurations can be big): a few times a big store's stacks and components.
MAX_CACHED = 8192
MAX_CACHED_CHARS = 16 * 1024 * 1024

_cache: dict[int, tuple[Stack | Component, str]] = {}
_chars = 0
_lock = threading.Lock()


def record_json(record: Stack | Component) -> str:
    """``json.dumps(record.to_dict())``, encoded once per record object."""
    global _chars
    entry = _cache.get(id(record))
    if entry is not None and entry[0] is record:
        return entry[1]
    text = json.dumps(record.to_dict())
    with _lock:
        if len(_cache) >= MAX_CACHED or _chars + len(text) > MAX_CACHED_CHARS:
            # simpler than LRU, and a full cache means records are changing
            _cache.clear()
            _chars = 0
        # (not if another thread cached this record meanwhile: its id is still its own)
        if len(text) <= MAX_CACHED_CHARS and id(record) not in _cache:
            _cache[id(record)] = (record, text)
            _chars += len(text)
    return text


#: The records of the last page encoded, and their texts joined (one assignment: threads
#: see the old pair or the new one). A service lists the same records request after request.
_last_items: tuple[list[Any], str] = ([], "")


def _items_json(items: list[Any]) -> str:
    global _last_items
    last, text = _last_items
    if len(last) == len(items) and all(map(is_, last, items)):
        return text
    text = ", ".join([record_json(record) for record in items])
    _last_items = (list(items), text)
    return text


def page_json(page: Any) -> str:
    """``{"items": [...], "total": N, "offset": K, "limit": L}`` of a listing's Page."""
    items = _items_json(page.items)
    return (f'{{"items": [{items}], "total": {json.dumps(page.total)}, '
            f'"offset": {json.dumps(page.offset)}, "limit": {json.dumps(page.limit)}}}')
