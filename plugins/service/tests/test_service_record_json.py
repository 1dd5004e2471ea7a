"""A page's JSON is what json.dumps writes of it, with each record encoded once."""

from __future__ import annotations

import json

from zen_core.models import Component, ComponentType, Stack
from zen_core.services.listing import Page
from zen_service import record_json
from zen_service.record_json import page_body

T = ComponentType


def _dumps(page: Page) -> str:
    return json.dumps({"items": [r.to_dict() for r in page.items], "total": page.total,
                       "offset": page.offset, "limit": page.limit})


def test_a_page_is_what_json_dumps_writes():
    stacks = [Stack(f"s{i}", {T.ORCHESTRATOR: "o", T.ARTIFACT_STORE: "a"}, revision=i,
                    created="2026-12-01T17:06:05.855414Z") for i in range(3)]
    components = [Component(T.ORCHESTRATOR, "local", "o", {"a": [1, 2.5, None], "b": "ü"})]
    for page in (Page(stacks, 7, 2, 3), Page(stacks, 3), Page(components, 1),
                 Page([], 0, 10, None)):
        assert page_text(page) == _dumps(page)
        assert page_text(page) == _dumps(page)  # again, from the cache


def test_another_record_is_encoded_anew_even_if_equal():
    first = Stack("s", {T.ORCHESTRATOR: "o"}, revision=1)
    assert '"revision": 1' in page_text(Page([first], 1))
    changed = Stack("s", {T.ORCHESTRATOR: "o"}, revision=2)  # equal: revision is not compared
    assert changed == first
    assert '"revision": 2' in page_text(Page([changed], 1))


def test_the_cache_is_bounded_in_records_and_in_characters(monkeypatch):
    monkeypatch.setattr(record_json, "MAX_CACHED", 4)
    monkeypatch.setattr(record_json, "_cache", {})
    monkeypatch.setattr(record_json, "_chars", 0)
    stacks = [Stack(f"s{i}") for i in range(10)]
    assert json.loads(page_text(Page(stacks, 10)))["items"][9]["name"] == "s9"
    assert len(record_json._cache) <= 4
    monkeypatch.setattr(record_json, "MAX_CACHED", 1000)
    monkeypatch.setattr(record_json, "MAX_CACHED_CHARS", 1000)
    big = [Component(T.ORCHESTRATOR, "local", f"c{i}", {"blob": "x" * 300}) for i in range(10)]
    assert len(json.loads(page_text(Page(big, 10)))["items"]) == 10
    kept = sum(len(text) for _, text in record_json._cache.values())
    assert kept == record_json._chars <= 1000
    huge = Component(T.ORCHESTRATOR, "local", "huge", {"blob": "x" * 2000})
    assert page_text(Page([huge], 1)) == _dumps(Page([huge], 1))
    assert all(entry[0] is not huge for entry in record_json._cache.values())


def test_the_same_records_in_another_order_or_number_are_another_page():
    stacks = [Stack(f"s{i}", {T.ORCHESTRATOR: "o"}) for i in range(3)]
    for items in (stacks, stacks[::-1], stacks[:2], stacks, [stacks[0]] * 3, []):
        page = Page(list(items), len(items))
        assert page_text(page) == _dumps(page)


def test_the_same_records_with_another_total_offset_or_limit_are_another_body():
    stacks = [Stack(f"s{i}", {T.ORCHESTRATOR: "o"}) for i in range(3)]
    for page in (Page(stacks, 3), Page(stacks, 9), Page(stacks, 9, 3), Page(stacks, 9, 3, 3),
                 Page(stacks, 3)):
        assert page_body(page) == _dumps(page).encode()


def page_text(page) -> str:
    return page_body(page).decode("utf-8")
