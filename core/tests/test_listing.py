"""The domain's list filters, sorting and paging (``zen_core.services.listing``), which the CLI
uses now and the ``GET /api/v1/stacks`` route is to use (query strings arrive as text)."""

from __future__ import annotations

import pytest

from zen_core.exceptions import InvalidDataError
from zen_core.models import Component, ComponentType, Stack
from zen_core.services.listing import (
    ListQuery,
    NameFilter,
    list_components,
    list_stacks,
    parse_query,
    select,
)

T = ComponentType
#: The promised largest page (docs/decisions.md), written here: not imported from the code.
MAX_LIMIT = 10_000


def stack(name: str, created: str | None = None, updated: str | None = None) -> Stack:
    return Stack(name, {T.ORCHESTRATOR: "o", T.METADATA_STORE: "m", T.ARTIFACT_STORE: "a"},
                 created=created, updated=updated)


STACKS = [
    stack("prod-eu", "2026-01-03T00:00:00.000000Z", "2026-01-05T00:00:00.000000Z"),
    stack("dev", "2026-01-01T00:00:00.000000Z", "2026-01-09T00:00:00.000000Z"),
    stack("prod-us", "2026-01-02T00:00:00.000000Z", "2026-01-04T00:00:00.000000Z"),
    stack("legacy"),  # written by ZenML 0.7: no times
]


def names(page) -> list[str]:
    return [r.name for r in page.items]


def test_defaults_list_everything_by_name():
    page = select(STACKS, parse_query())
    assert names(page) == ["dev", "legacy", "prod-eu", "prod-us"]
    assert page.total == 4 and page.offset == 0 and page.limit is None
    assert page.next_offset is None and not page.is_partial


@pytest.mark.parametrize(("text", "expected"), [
    ("contains:prod", ["prod-eu", "prod-us"]),
    ("contains:-", ["prod-eu", "prod-us"]),
    ("prefix:de", ["dev"]),
    ("exact:dev", ["dev"]),
    ("dev", ["dev"]),  # a bare name is exact
    ("de", []),
    ("contains:PROD", []),  # names are case-sensitive
])
def test_name_filters(text, expected):
    assert names(select(STACKS, parse_query(name=text))) == expected


def test_sorting_by_time_puts_records_without_times_first():
    assert names(select(STACKS, parse_query(sort="created"))) == [
        "legacy", "dev", "prod-us", "prod-eu"]
    assert names(select(STACKS, parse_query(sort="-updated"))) == [
        "dev", "prod-eu", "prod-us", "legacy"]


def test_paging_by_page_or_offset_keeps_the_total():
    page = select(STACKS, parse_query(limit="2", page="2"))
    assert names(page) == ["prod-eu", "prod-us"]
    assert (page.total, page.offset, page.limit, page.next_offset) == (4, 2, 2, None)
    page = select(STACKS, parse_query(limit=3, offset=1))
    assert names(page) == ["legacy", "prod-eu", "prod-us"] and page.total == 4
    page = select(STACKS, parse_query(limit=1))
    assert page.next_offset == 1 and page.is_partial
    assert select(STACKS, parse_query(limit=2, page=9)).items == []


def test_filters_apply_before_paging():
    page = select(STACKS, parse_query(name="contains:prod", limit=1, page=2))
    assert names(page) == ["prod-us"] and page.total == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sort": "size"}, "Cannot sort by 'size'"),
    ({"sort": "--name"}, "Cannot sort by"),
    ({"limit": "0"}, "from 1 to"),
    ({"limit": str(MAX_LIMIT + 1)}, f"from 1 to {MAX_LIMIT}"),
    ({"limit": "ten"}, "whole number"),
    ({"limit": True}, "whole number"),
    ({"page": "2"}, "needs a limit"),
    ({"limit": 5, "page": "0"}, "at least 1"),
    ({"offset": "-1"}, "from 0 to 1000000000000"),
    ({"offset": 10**12 + 1}, "from 0 to 1000000000000"),
    ({"sort": " -updated"}, "Cannot sort by ' -updated'"),
    ({"sort": ""}, "Cannot sort by ''"),
    ({"name": ""}, "name filter is empty"),
    ({"limit": 5, "page": 1, "offset": 0}, "not both"),
    ({"name": "regex:.*"}, "Unknown name filter 'regex:'"),
    ({"name": "contains:"}, "nothing to match"),
    ({"flavor": " "}, "flavor filter is empty"),
    ({"name": "contains:" + "x" * 192}, r"name filter is too long \(201 characters, at most 200\)"),
    ({"flavor": "f" * 201}, r"flavor filter is too long \(201 characters, at most 200\)"),
])
def test_bad_values_are_invalid_data(kwargs, message):
    with pytest.raises(InvalidDataError, match=message):
        parse_query(**kwargs)


def test_the_largest_page_is_accepted():
    assert parse_query(limit=str(MAX_LIMIT)).limit == MAX_LIMIT


def test_a_query_string_and_typed_values_give_the_same_query():
    assert parse_query(name="prefix:ml", sort="-created", limit="10", offset="20") == ListQuery(
        name=NameFilter("prefix", "ml"), sort="created", descending=True, limit=10, offset=20)
    assert parse_query(limit=10, page=3) == parse_query(limit="10", offset="20")


def test_flavor_needs_records_with_flavors():
    with pytest.raises(InvalidDataError, match="no flavor"):
        select(STACKS, parse_query(flavor="local"))


class _Store:
    """Just the reads listing uses."""

    def __init__(self, stacks, components):
        self.stacks, self.components = stacks, components

    def list_stacks(self):
        return list(self.stacks)

    def list_components(self, type=None):
        return [c for c in self.components if type is None or c.type is type]


def test_stores_are_listed_with_flavors():
    components = [Component(T.ORCHESTRATOR, "kubeflow", "kf"),
                  Component(T.ORCHESTRATOR, "local", "o"),
                  Component(T.METADATA_STORE, "sqlite", "m"),
                  Component(T.ARTIFACT_STORE, "local", "a")]
    kf = Stack("kf", {T.ORCHESTRATOR: "kf", T.METADATA_STORE: "m", T.ARTIFACT_STORE: "a"})
    store = _Store([*STACKS, kf], components)
    assert names(list_stacks(store, parse_query(flavor="kubeflow"))) == ["kf"]
    assert list_stacks(store, parse_query(flavor="sqlite")).total == 5  # every stack's "m"
    assert list_stacks(store, parse_query(flavor="vertex")).total == 0
    assert names(list_components(store, "orchestrator", parse_query(flavor="local"))) == ["o"]
    assert list_components(store, None, parse_query()).total == 4


def test_a_filter_of_the_longest_length_is_taken():
    assert parse_query(name="x" * 200).name == NameFilter("exact", "x" * 200)
    assert parse_query(flavor="f" * 200).flavor == "f" * 200
