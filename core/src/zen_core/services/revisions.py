"""Earlier states of stacks and components, from the history: what each change changed
(``zenml history --diff``), and putting a record back as it was at a revision
(``zenml <type> revert NAME --revision N``, ``zenml stack revert``), as a new revision.

Every write of a stack or component records the record as it left it
(:func:`zen_core.history.state_of`: members, flavor, configuration with secret values
masked, labels). A change's old values are the state of the record's write before it.
A revert writes the difference between the record now and that state through the door,
expecting the record's current revision; a secret field whose recorded value is the
mask (a value, not a reference) is left as it is now, and said so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import InvalidDataError
from zen_core.masking import MASK
from zen_core.models import ComponentType
from zen_core.writes import UpdateComponent, UpdateStack

if TYPE_CHECKING:
    from zen_core.account_records import Event
    from zen_core.services.access import StoreAccess
    from zen_core.services.plan import KeyChange

#: How many of a record's events a diff or a revert looks through.
MAX_EVENTS = 1000


def state_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[KeyChange]:
    """Key by key, what went from state ``old`` to state ``new``."""
    from zen_core.services.plan import KeyChange, _mapping_changes

    old, new = old or {}, new or {}
    keys: list[KeyChange] = []
    if old.get("flavor") != new.get("flavor"):
        keys.append(KeyChange("flavor", old.get("flavor"), new.get("flavor")))
    keys += _mapping_changes("configuration.", old.get("config") or {}, new.get("config") or {})
    keys += _mapping_changes("components.", old.get("components") or {},
                             new.get("components") or {})
    keys += _mapping_changes("labels.", old.get("labels") or {}, new.get("labels") or {})
    return keys


def _record_events(access: StoreAccess, target: str, name: str) -> list[Event]:
    from zen_core.services import history

    events, _ = history.list_(access, limit=MAX_EVENTS, target=target, name=name)
    return events


def diffs(access: StoreAccess, events: list[Event]) -> dict[int, list[KeyChange]]:
    """For each event (by ``seq``) of a stack or component that recorded a state, what it
    changed compared with the record's write before it."""
    found: dict[int, list[KeyChange]] = {}
    histories: dict[tuple[str, str], list[Event]] = {}
    for event in events:
        if event.state is None and not event.action.startswith("delete_"):
            continue
        key = (event.target, event.name)
        if key not in histories:
            histories[key] = _record_events(access, *key)
        before = next((e for e in histories[key] if e.seq < event.seq), None)
        old = before.state if before is not None and not before.action.startswith("delete_") \
            else None
        found[event.seq] = state_changes(old, event.state)
    return found


def _state_at(access: StoreAccess, target: str, name: str, revision: int) -> dict[str, Any]:
    events = _record_events(access, target, name)
    for event in events:
        if event.revision == revision and event.state is not None:
            return event.state
    recorded = sorted({e.revision for e in events if e.state is not None and e.revision})
    what = f"{target.replace('-', ' ')} '{name}'"
    raise InvalidDataError(
        f"The history holds no state of revision {revision} of {what}"
        + (f": revisions with a recorded state are {', '.join(map(str, recorded))}."
           if recorded else ": it records states from its first write by this zen on.")
        + f" See `zenml {target} history {name} --diff`.")


def revert_component(access: StoreAccess, type: ComponentType | str, name: str,
                     revision: int) -> tuple[Any, list[str]]:
    """Put the component back as it was at ``revision`` (a new revision); notes on what
    could not be put back."""
    from zen_core.services import components

    ctype = ComponentType.parse(type)
    state = _state_at(access, ctype.cli_name, name, revision)
    current = components.get(access, ctype, name)
    config = state.get("config") or {}
    notes = [f"Kept the current value of '{k}' of {ctype.display} '{name}': the history "
             "holds no secret value." for k, v in config.items() if v == MASK]
    wanted = {k: v for k, v in config.items() if v != MASK}
    labels = state.get("labels") or {}
    change = ComponentChange(
        set={k: v for k, v in wanted.items() if current.config.get(k) != v
             or k not in current.config},
        unset=sorted(k for k in current.config if k not in config),
        flavor=state["flavor"] if state.get("flavor") != current.flavor else None,
        labels={k: labels.get(k) for k in set(labels) | set(current.labels)
                if labels.get(k) != current.labels.get(k)},
        expected_revision=current.revision)
    if change.is_empty:
        raise InvalidDataError(f"{ctype.display.capitalize()} '{name}' is as it was at "
                               f"revision {revision}: nothing to revert.")
    written = access.write([UpdateComponent(ctype, name, change)])[-1]
    return written, notes


def revert_stack(access: StoreAccess, name: str, revision: int) -> Any:
    """Put the stack back as it was at ``revision`` (its members must still exist)."""
    from zen_core.services import stacks

    state = _state_at(access, "stack", name, revision)
    current = stacks.stored(access, name)
    members = {ComponentType.parse(t): n for t, n in (state.get("components") or {}).items()}
    labels = state.get("labels") or {}
    change = StackChange(
        set={t: n for t, n in members.items() if current.components.get(t) != n},
        remove=[t for t in current.components if t not in members],
        labels={k: labels.get(k) for k in set(labels) | set(current.labels)
                if labels.get(k) != current.labels.get(k)},
        expected_revision=current.revision)
    if change.is_empty:
        raise InvalidDataError(f"Stack '{name}' is as it was at revision {revision}: "
                               "nothing to revert.")
    return access.write([UpdateStack(name, change)])[-1]
