"""The history of changes in ``zen_events``: recorded in the write's own transaction, read a
page at a time.

Numbering. ``seq`` is 1, 2, 3 ... with no gap and in commit order, whatever
the number of processes writing. A database sequence (or AUTO_INCREMENT) cannot
promise that: a value it hands to a transaction that then rolls back (a failing
batch, a race lost and run again) is gone for good, and values are handed out
in the order transactions ask, not the order they commit, so a reader could see
seq 7 before seq 6 exists. Instead, a transaction with events to record locks
the ``events`` row of ``zen_locks`` as its LAST step (every write is done by
then), reads ``MAX(seq)`` (the primary key: one index probe) and inserts its
events after it. The lock is held until commit, so the next writer reads a
maximum that includes them; a rollback takes its numbers back with it. Being the
last lock taken, it cannot be part of a deadlock, and it serializes only that
tail of each transaction: the insert and the commit. (SQLite: every writer
already holds the database's write lock.) The primary key on ``seq`` makes a
duplicate impossible even if the lock row were removed: the transaction would
then fail and run again.

Reading. One statement returns the page and the number of matching events, so
both come from the same snapshot: a count of the matches, left-joined with the
page (``ORDER BY seq DESC LIMIT .. OFFSET ..``). The filters have indexes that
end in ``seq`` (``(actor, seq)``, ``(target, name, seq)``), so a page is read in
index order without sorting the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, true

from zen_core.account_records import Event
from zen_sql_store.bulk import bulk_insert
from zen_sql_store.queries import EVENTS, LOCKS

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

E = EVENTS.c
LOCK_NAME = "events"
#: The columns of an event's row as :func:`record` inserts it (bulk.py).
_EVENT_ROW = ("seq", "time", "actor", "action", "target", "name", "revision", "details",
              "state")
#: The columns an Event is built from, in its argument order.
EVENT_COLUMNS = (E.time, E.actor, E.action, E.target, E.name, E.revision, E.details, E.seq,
                 E.state)


def lock(connection: Connection) -> None:
    """Take the history's lock, held until the commit (at once if this transaction holds
    it already)."""
    locked = connection.execute(
        select(LOCKS.c.name).where(LOCKS.c.name == LOCK_NAME).with_for_update()).first()
    if locked is None:  # removed by hand: put it back (a racing writer fails and runs again)
        connection.execute(insert(LOCKS).values(name=LOCK_NAME))


def record(connection: Connection, events: Sequence[Event]) -> None:
    """Number ``events`` after the newest committed one and insert them (see the module doc).

    Call it last in the transaction: it holds the history's lock until the commit."""
    if not events:
        return
    lock(connection)
    last = connection.execute(select(func.max(E.seq))).scalar() or 0
    bulk_insert(connection, EVENTS, _EVENT_ROW, [
        (seq, e.time, e.actor, e.action, e.target, e.name, e.revision, e.details, e.state)
        for seq, e in enumerate(events, last + 1)])


def page_query(*, limit: int, offset: int, actor: str | None, target: str | None,
               name: str | None) -> Any:
    """(total, *EVENT_COLUMNS) rows: the page, newest first; one row of NULLs if it is empty."""
    filters = []
    if actor is not None:
        filters.append(E.actor == actor)
    if target is not None:
        filters.append(E.target == target)
    if name is not None:
        filters.append(E.name == name)
    total = select(func.count().label("total")).select_from(EVENTS).where(*filters)
    total = total.subquery("matching")
    page = (select(*EVENT_COLUMNS).where(*filters).order_by(E.seq.desc())
            .limit(max(0, limit)).offset(max(0, offset)).subquery("page"))
    return (select(total.c.total, *page.c)
            .select_from(total.outerjoin(page, true()))
            .order_by(page.c.seq.desc()))


def read_page(connection: Connection, **filters: Any) -> tuple[list[Event], int]:
    rows = connection.execute(page_query(**filters)).all()
    total = rows[0][0] if rows else 0
    events = [Event(time, actor, action, target, name, revision, details or {}, seq, state)
              for _, time, actor, action, target, name, revision, details, seq, state in rows
              if seq is not None]
    return events, int(total)
