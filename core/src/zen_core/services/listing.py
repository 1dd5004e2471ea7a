"""Filtering, sorting and paging of stack and component lists, for every edge.

The CLI (``zenml stack list --name contains:prod --sort -updated --limit 10
--page 2``) and the service (``GET /api/v1/stacks?name=prefix:ml&sort=created&
limit=10&offset=20``) parse their parameters with :func:`parse_query` and list
with :func:`list_stacks` / :func:`list_components`, which return a
:class:`Page` holding the total before paging. Bad values raise
:class:`~zen_core.exceptions.InvalidDataError` (HTTP 422).

Parameters may be given as text (a query string) or typed values:

- ``name``: ``contains:TEXT``, ``prefix:TEXT``, ``exact:NAME`` or a bare ``NAME``
  (exact); case-sensitive, as names are;
- ``flavor``: components of that flavor; stacks with a member of that flavor;
- ``label``: a label selector (:mod:`zen_core.labels`: ``env=prod,team!=ml,!old``);
- ``sort``: ``name`` (default), ``created`` or ``updated``; ``-`` before it
  reverses (``-updated``: the latest first). Records without times (written
  by ZenML 0.7) count as the oldest; ties go by name;
- ``limit``: at most this many (1 to :data:`MAX_LIMIT`); ``page`` (from 1,
  needs ``limit``) or ``offset`` (from 0) says where to start, not both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from zen_core.exceptions import InvalidDataError
from zen_core.labels import Selector, parse_selector
from zen_core.models import TYPE_ORDER, Component, ComponentType, Stack

if TYPE_CHECKING:
    from zen_core.store import BaseStore

T = TypeVar("T", Stack, Component)

NAME_MODES = ("contains", "prefix", "exact")
_BY_NAME = attrgetter("name")
SORT_KEYS = ("name", "created", "updated")
#: The largest page one request may ask for.
MAX_LIMIT = 10_000
#: The largest offset a page may start at: beyond any store's size, within every database's
#: integers (a bigger one would overflow SQLite's).
MAX_OFFSET = 10**12
#: The longest name or flavor filter: twice the longest name, prefix and all, bounds what
#: one request can make the service compare.
MAX_FILTER_LENGTH = 200


class NameFilter(NamedTuple):
    mode: str
    value: str

    def matches(self, name: str) -> bool:
        if self.mode == "contains":
            return self.value in name
        if self.mode == "prefix":
            return name.startswith(self.value)
        return name == self.value

    def __str__(self) -> str:
        return f"{self.mode}:{self.value}"


class ListQuery(NamedTuple):
    name: NameFilter | None = None
    flavor: str | None = None
    sort: str = "name"
    descending: bool = False
    limit: int | None = None
    offset: int = 0
    labels: Selector = Selector()

    @property
    def filtered(self) -> bool:
        return self.name is not None or self.flavor is not None or bool(self.labels)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, how many matched in all, and where it starts."""

    items: list[T]
    total: int
    offset: int = 0
    limit: int | None = None
    query: ListQuery = field(default_factory=ListQuery)

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, None after the last one."""
        end = self.offset + len(self.items)
        return end if end < self.total else None

    @property
    def is_partial(self) -> bool:
        """Whether some matching records are not on this page."""
        return len(self.items) < self.total


#: The query of no parameters: every record, by name.
_EVERYTHING = ListQuery()


def parse_query(
    name: str | None = None,
    flavor: str | None = None,
    sort: str | None = None,
    limit: int | str | None = None,
    page: int | str | None = None,
    offset: int | str | None = None,
    label: str | Sequence[str] | None = None,
) -> ListQuery:
    """A checked :class:`ListQuery` from parameters as typed or as a query string gives them."""
    if name is flavor is sort is limit is page is offset is label is None:
        return _EVERYTHING  # the usual query (a service's list, every request): nothing to check
    for what, text in (("name filter", name), ("flavor filter", flavor)):
        if text is not None and len(text) > MAX_FILTER_LENGTH:
            raise InvalidDataError(f"The {what} is too long ({len(text)} characters, at most "
                                   f"{MAX_FILTER_LENGTH}).")
    sort_key = "name" if sort is None else sort
    descending = sort_key.startswith("-")
    sort_key = sort_key.removeprefix("-")
    if sort_key not in SORT_KEYS:
        raise InvalidDataError(
            f"Cannot sort by '{sort}': choose one of {', '.join(SORT_KEYS)} "
            "(a leading '-' reverses the order, e.g. -updated)."
        )
    limit_n = _integer("limit", limit, minimum=1, maximum=MAX_LIMIT)
    page_n = _integer("page", page, minimum=1)
    offset_n = _integer("offset", offset, minimum=0, maximum=MAX_OFFSET)
    if page_n is not None and offset_n is not None:
        raise InvalidDataError("Give a page or an offset, not both.")
    if page_n is not None:
        if limit_n is None:
            raise InvalidDataError("A page needs a limit (the page size): add --limit N.")
        offset_n = (page_n - 1) * limit_n
    if flavor is not None and not flavor.strip():
        raise InvalidDataError("The flavor filter is empty: name a flavor, e.g. --flavor local.")
    return ListQuery(name=parse_name_filter(name), flavor=flavor.strip() if flavor else None,
                     sort=sort_key, descending=descending, limit=limit_n,
                     offset=offset_n or 0, labels=parse_selector(label))


def parse_name_filter(text: str | None) -> NameFilter | None:
    """``contains:x``, ``prefix:x``, ``exact:x`` or a bare ``x`` (exact)."""
    if text is None:
        return None
    if not text:
        raise InvalidDataError("The name filter is empty: give a name, contains:TEXT, "
                               "prefix:TEXT or exact:NAME.")
    mode, sep, value = text.partition(":")
    if not sep:
        mode, value = "exact", text
    if mode not in NAME_MODES:
        raise InvalidDataError(
            f"Unknown name filter '{mode}:': use contains:TEXT, prefix:TEXT or exact:NAME "
            "(a bare NAME is exact)."
        )
    if not value:
        raise InvalidDataError(f"The name filter '{text}' has nothing to match after '{mode}:'.")
    return NameFilter(mode, value)


def _integer(what: str, value: int | str | None, minimum: int,
             maximum: int | None = None) -> int | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidDataError(f"The {what} must be a whole number, not {value!r}.") from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidDataError(f"The {what} must be {bound}, not {number}.")
    return number


def select(records: Iterable[T], query: ListQuery,
           flavors_of: Callable[[T], Iterable[str]] | None = None) -> Page[T]:
    """Filter, sort and page ``records``; ``flavors_of`` gives a record's flavors (for
    ``query.flavor``)."""
    if query.flavor is not None and flavors_of is None:
        raise InvalidDataError("These records have no flavor to filter by.")
    if not query.filtered:  # NOTE: the usual case, per request of a service: no test per record
        matching = list(records)
    else:
        matching = [
            r for r in records
            if (query.name is None or query.name.matches(r.name))
            and (query.flavor is None or query.flavor in set(flavors_of(r)))  # type: ignore[misc]
            and (not query.labels or query.labels.matches(r.labels))
        ]
    matching.sort(key=_sort_key(query.sort, matching), reverse=query.descending)
    end = None if query.limit is None else query.offset + query.limit
    return Page(matching[query.offset:end], len(matching), query.offset, query.limit, query)


def _sort_key(key: str, records: Sequence[Stack | Component]) -> Callable[[Any], Any]:
    if key == "name":  # components: by type (in ComponentType's order), then name
        if records and isinstance(records[0], Stack):  # a list holds one kind of record
            return _BY_NAME  # stacks: a key in C (a service sorts 50 per request)
        return lambda r: (TYPE_ORDER.get(getattr(r, "type", None), -1), r.name)
    # Records without times (written by ZenML 0.7 or by hand) are the oldest.
    return lambda r: (getattr(r, key) or "", r.name)


def list_stacks(store: BaseStore, query: ListQuery) -> Page[Stack]:
    """The stacks of ``store`` that ``query`` asks for; with a flavor, the stacks having a
    member of that flavor."""
    stacks = store.list_stacks()
    flavors_of = None
    if query.flavor is not None:
        flavor_by = {(c.type, c.name): c.flavor for c in store.list_components()}

        def flavors_of(stack: Stack) -> Sequence[str]:
            return [flavor_by.get(member, "") for member in stack.components.items()]

    return select(stacks, query, flavors_of)


def list_components(store: BaseStore, type: ComponentType | str | None,
                    query: ListQuery) -> Page[Component]:
    """The components (of one type, or all) of ``store`` that ``query`` asks for."""
    ctype = ComponentType.parse(type) if type is not None else None
    return select(store.list_components(ctype), query, lambda c: (c.flavor,))
