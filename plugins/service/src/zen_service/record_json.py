"""Pages of records as JSON text, each record encoded once while the store gives it again.

The stores give the same record objects again while nothing changed (the local
store per parse of its index, the SQL store while a list's rows are the same),
and records are values that no one changes. Encoding 50 stacks was a tenth of
a list request's CPU: a page is now its records' cached texts joined, which
is exactly what ``json.dumps`` of the whole page writes (a test compares them).

A page's body is kept too, per thread, while the same records make it.

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


#: Per server thread: the last page answered, as (its records, total, offset, limit) and
#: its body. A service lists the same records request after request, and each thread
#: reads them from a store instance of its own (records of its own): one slot for all
#: threads missed on nearly every request.
_last_page = threading.local()


def _items_json(items: list[Any]) -> str:
    return ", ".join([record_json(record) for record in items])


def page_body(page: Any) -> bytes:
    """``{"items": [...], "total": N, "offset": K, "limit": L}`` of a listing's Page, as
    UTF-8: the answer's body, the same bytes while this thread answers the same page of
    the same record objects (built in ~7 us otherwise)."""
    items = page.items
    last = getattr(_last_page, "entry", None)
    if last is not None:
        (records, total, offset, limit), body = last
        if (total == page.total and offset == page.offset and limit == page.limit
                and len(records) == len(items) and all(map(is_, records, items))):
            return body
    body = (f'{{"items": [{_items_json(items)}], "total": {json.dumps(page.total)}, '
            f'"offset": {json.dumps(page.offset)}, "limit": {json.dumps(page.limit)}}}'
            ).encode()
    _last_page.entry = ((list(items), page.total, page.offset, page.limit), body)
    return body
