"""Records from rows: the last list's records are given again only for the same rows."""

from __future__ import annotations

from zen_core.models import ComponentType
from zen_sql_store.rows import LastStacks

T1 = "2026-12-01T17:06:05.855414Z"
ROWS = [("b", 1, T1, T1, None, "orchestrator", "o"), ("a", 2, T1, T1, None, "orchestrator", "o"),
        ("a", 2, T1, T1, None, "artifact_store", "s"), ("c", 1, T1, T1, None, None, None)]


def test_the_same_rows_give_the_same_records_in_a_list_of_their_own():
    listed = LastStacks()
    first = listed.stacks(list(ROWS))
    assert [(s.name, s.revision) for s in first] == [("a", 2), ("b", 1), ("c", 1)]
    assert first[0].components == {ComponentType.ORCHESTRATOR: "o",
                                   ComponentType.ARTIFACT_STORE: "s"}
    again = listed.stacks([tuple(row) for row in ROWS])  # equal rows, read anew
    assert again == first and again is not first
    assert all(a is b for a, b in zip(again, first, strict=True))
    again.clear()  # a caller's list is its own
    assert len(listed.stacks(list(ROWS))) == 3


def test_any_change_in_the_rows_gives_new_records():
    listed = LastStacks()
    first = listed.stacks(list(ROWS))
    changed = [("b", 2, T1, T1, None, "orchestrator", "o"), *ROWS[1:]]  # b's revision
    second = listed.stacks(changed)
    assert [s.revision for s in second] == [2, 2, 1]
    assert second[0] is not first[0]
    renamed = [*ROWS[:3], ("c", 1, T1, T1, None, "orchestrator", "x")]  # c gained a member
    assert listed.stacks(renamed)[2].components == {ComponentType.ORCHESTRATOR: "x"}
