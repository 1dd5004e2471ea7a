"""What applying stacks files would change: a plan, record by record and key by key.

:func:`make` compares a :class:`~zen_core.services.stackfile.Desired` state with
the store (read through the door, so as the actor may see it) and returns a
:class:`Plan`: each record's action (create, update, delete, unchanged), its
changed keys with old and new values (a secret field's value is never shown, only
references are), the revision it was read at, and the writes that make the store
match, in an order the store accepts (creates, updates, then deletes, stacks
before the components they free). Deletions happen only with ``prune``: records
that carry this apply set's ownership label (:data:`stackfile.OWNER_LABEL`) and
that no file names any more; a component a remaining stack still uses is kept.

A plan can be saved (:meth:`Plan.to_dict`) and applied later: it names the revision
of every record it read, and :func:`check_unchanged` refuses it if one moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zen_core import masking
from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import ConflictError, InvalidDataError, ZenError
from zen_core.models import Component, Stack
from zen_core.services.stackfile import OWNER_LABEL, Desired, owned_labels
from zen_core.writes import (
    DeleteComponent,
    DeleteStack,
    RegisterComponent,
    RegisterStack,
    UpdateComponent,
    UpdateStack,
    Write,
)

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess

#: What a saved plan says it is.
PLAN_FORMAT = "zen-plan/1"
CREATE, UPDATE, DELETE, UNCHANGED = "create", "update", "delete", "unchanged"


@dataclass
class KeyChange:
    """One key of a record: ``configuration.path``, ``flavor``, ``labels.env``,
    ``components.orchestrator``; ``old``/``new`` as shown (None: absent)."""

    key: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "old": self.old, "new": self.new}


@dataclass
class RecordChange:
    action: str
    kind: str  # "stack" or a component type's CLI name ("orchestrator")
    name: str
    source: str | None = None
    revision: int = 0  # as read (0: absent)
    keys: list[KeyChange] = field(default_factory=list)
    #: For an update: who last changed the record, and when (from the history).
    last_change: dict[str, Any] | None = None

    @property
    def what(self) -> str:
        return f"{self.kind.replace('-', ' ')} '{self.name}'"

    def to_dict(self) -> dict[str, Any]:
        data = {"action": self.action, "kind": self.kind, "name": self.name,
                "source": self.source, "revision": self.revision,
                "keys": [k.to_dict() for k in self.keys]}
        if self.last_change:
            data["last_change"] = self.last_change
        return data


@dataclass
class Plan:
    profile: str
    set_name: str
    prune: bool
    changes: list[RecordChange]
    writes: list[Write]
    #: ``"stack/NAME"`` or ``"<type>/NAME"`` -> the revision read (0: absent).
    revisions: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.writes)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def summary(self) -> str:
        return (f"{self.count(CREATE)} to create, {self.count(UPDATE)} to update, "
                f"{self.count(DELETE)} to delete, {self.count(UNCHANGED)} unchanged.")

    def to_dict(self) -> dict[str, Any]:
        from zen_core.writes import to_dict

        return {"format": PLAN_FORMAT, "profile": self.profile, "set": self.set_name,
                "prune": self.prune, "differs": self.differs,
                "summary": {a: self.count(a) for a in (CREATE, UPDATE, DELETE, UNCHANGED)},
                "changes": [c.to_dict() for c in self.changes if c.action != UNCHANGED],
                "notes": list(self.notes), "revisions": dict(self.revisions),
                "writes": [to_dict(w) for w in self.writes]}

    @classmethod
    def from_dict(cls, data: Any, source: str) -> Plan:
        from zen_core.writes import from_dict

        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise InvalidDataError(f"{source} is not a saved zen plan (`format: {PLAN_FORMAT}`"
                                   "): make one with `zenml apply -f FILES --plan-out FILE`.")
        try:
            changes = [RecordChange(c["action"], c["kind"], c["name"], c.get("source"),
                                    int(c.get("revision") or 0),
                                    [KeyChange(k["key"], k.get("old"), k.get("new"))
                                     for k in c.get("keys") or ()], c.get("last_change"))
                       for c in data["changes"]]
            return cls(str(data["profile"]), str(data["set"]), bool(data.get("prune")),
                       changes, [from_dict(w) for w in data["writes"]],
                       {str(k): int(v) for k, v in dict(data["revisions"]).items()},
                       [str(n) for n in data.get("notes") or ()])
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise InvalidDataError(f"{source} is not a valid saved plan: missing or bad "
                                   f"{err}.") from None


def record_key(record: Component | Stack) -> str:
    if isinstance(record, Stack):
        return f"stack/{record.name}"
    return f"{record.type.cli_name}/{record.name}"


def _shown(value: Any, secret: bool) -> Any:
    """A value as a plan shows it: a secret field's value (not a reference) masked."""
    from zen_core.services.references import is_reference

    if secret and value not in (None, "") and not is_reference(value):
        return masking.MASK
    return value


def _mapping_changes(prefix: str, old: Mapping[str, Any], new: Mapping[str, Any],
                     secret: set[str] | None = None) -> list[KeyChange]:
    secret = secret or set()
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key) or (key in old) != (key in new):
            changes.append(KeyChange(f"{prefix}{key}", _shown(old.get(key), key in secret),
                                     _shown(new.get(key), key in secret)))
    return changes


def _component_keys(old: Component | None, new: Component | None,
                    secret: set[str]) -> list[KeyChange]:
    keys = []
    if (old and old.flavor) != (new and new.flavor):
        keys.append(KeyChange("flavor", old.flavor if old else None,
                              new.flavor if new else None))
    keys += _mapping_changes("configuration.", old.config if old else {},
                             new.config if new else {}, secret)
    keys += _mapping_changes("labels.", old.labels if old else {}, new.labels if new else {})
    return keys


def _stack_keys(old: Stack | None, new: Stack | None) -> list[KeyChange]:
    def members(stack: Stack | None) -> dict[str, str]:
        return {t.value: n for t, n in stack.components.items()} if stack else {}

    return (_mapping_changes("components.", members(old), members(new))
            + _mapping_changes("labels.", old.labels if old else {}, new.labels if new else {}))


def make(access: StoreAccess, desired: Desired, *, profile: str, set_name: str | None = None,
         prune: bool = False) -> Plan:
    """The plan that makes the store match ``desired`` (see the module doc)."""
    from zen_core.services import components, stacks

    set_name = set_name or desired.set_name
    if prune and not set_name:
        raise InvalidDataError(
            "--prune needs the apply set's name, so that it deletes only what this set "
            "applied: add `set: NAME` to the files, or give --set NAME.")
    from zen_core.services.stackfile import DEFAULT_SET

    set_name = set_name or DEFAULT_SET
    stored_components = {(c.type, c.name): c for c in components.list_(access)}
    stored_stacks = {s.name: s for s in stacks.list_(access)}
    plan = Plan(profile, set_name, prune, [], [], {})
    creates: list[Write] = []
    updates: list[Write] = []
    stack_creates: list[Write] = []
    stack_updates: list[Write] = []

    for (ctype, name), entry in desired.components.items():
        wanted = entry.record
        assert isinstance(wanted, Component)
        wanted = Component(ctype, wanted.flavor, name, wanted.config,
                           labels=owned_labels(wanted.labels, set_name))
        current = stored_components.get((ctype, name))
        secret = access.secret_keys(wanted) | (access.secret_keys(current) if current else set())
        keys = _component_keys(current, wanted, secret)
        key = record_key(wanted)
        plan.revisions[key] = current.revision if current else 0
        if current is None:
            plan.changes.append(RecordChange(CREATE, ctype.cli_name, name, entry.source, 0, keys))
            creates.append(RegisterComponent(wanted))
            continue
        if not keys:
            plan.changes.append(RecordChange(UNCHANGED, ctype.cli_name, name, entry.source,
                                             current.revision))
            continue
        config_keys = set(current.config) | set(wanted.config)
        change = ComponentChange(
            set={k: wanted.config[k] for k in config_keys
                 if k in wanted.config and (k not in current.config
                                            or current.config[k] != wanted.config[k])},
            unset=sorted(k for k in current.config if k not in wanted.config),
            flavor=wanted.flavor if wanted.flavor != current.flavor else None,
            labels={k: wanted.labels.get(k) for k in set(current.labels) | set(wanted.labels)
                    if current.labels.get(k) != wanted.labels.get(k)},
            expected_revision=current.revision)
        plan.changes.append(RecordChange(UPDATE, ctype.cli_name, name, entry.source,
                                         current.revision, keys))
        updates.append(UpdateComponent(ctype, name, change))

    for name, entry in desired.stacks.items():
        wanted = entry.record
        assert isinstance(wanted, Stack)
        wanted = Stack(name, wanted.components, labels=owned_labels(wanted.labels, set_name))
        for ctype, member in wanted.components.items():
            if (ctype, member) not in desired.components and \
                    (ctype, member) not in stored_components:
                raise InvalidDataError(
                    f"{entry.source}: stack '{name}' names {ctype.display} '{member}', which "
                    "neither the files nor the store hold.")
        current = stored_stacks.get(name)
        keys = _stack_keys(current, wanted)
        plan.revisions[record_key(wanted)] = current.revision if current else 0
        if current is None:
            plan.changes.append(RecordChange(CREATE, "stack", name, entry.source, 0, keys))
            stack_creates.append(RegisterStack(wanted))
            continue
        if not keys:
            plan.changes.append(RecordChange(UNCHANGED, "stack", name, entry.source,
                                             current.revision))
            continue
        change = StackChange(
            set={t: n for t, n in wanted.components.items() if current.components.get(t) != n},
            remove=[t for t in current.components if t not in wanted.components],
            labels={k: wanted.labels.get(k) for k in set(current.labels) | set(wanted.labels)
                    if current.labels.get(k) != wanted.labels.get(k)},
            expected_revision=current.revision)
        plan.changes.append(RecordChange(UPDATE, "stack", name, entry.source, current.revision,
                                         keys))
        stack_updates.append(UpdateStack(name, change))

    deletions: list[RecordChange] = []
    stack_deletes: list[Write] = []
    component_deletes: list[Write] = []
    if prune:
        gone_stacks = sorted(n for n, s in stored_stacks.items()
                             if s.labels.get(OWNER_LABEL) == set_name and n not in desired.stacks)
        for name in gone_stacks:
            current = stored_stacks[name]
            plan.revisions[record_key(current)] = current.revision
            deletions.append(RecordChange(DELETE, "stack", name, None, current.revision,
                                          _stack_keys(current, None)))
            stack_deletes.append(DeleteStack(name, current.revision))
        # the stacks left afterwards, with their members as they will be
        remaining = {n: s.components for n, s in stored_stacks.items() if n not in gone_stacks}
        remaining.update({n: e.record.components for n, e in desired.stacks.items()})
        for (ctype, name), current in sorted(stored_components.items(),
                                             key=lambda kv: (kv[0][0].value, kv[0][1])):
            if current.labels.get(OWNER_LABEL) != set_name or \
                    (ctype, name) in desired.components:
                continue
            users = sorted(s for s, members in remaining.items() if members.get(ctype) == name)
            if users:
                plan.notes.append(f"Kept {ctype.display} '{name}' (set '{set_name}', in no "
                                  f"file): stack '{users[0]}' still uses it.")
                continue
            plan.revisions[record_key(current)] = current.revision
            deletions.append(RecordChange(DELETE, ctype.cli_name, name, None, current.revision,
                                          _component_keys(current, None,
                                                          access.secret_keys(current))))
            component_deletes.append(DeleteComponent(ctype, name, current.revision))

    plan.changes = deletions + plan.changes  # every deletion is listed first
    plan.writes = [*creates, *updates, *stack_creates, *stack_updates, *stack_deletes,
                   *component_deletes]
    _last_changes(access, plan)
    return plan


def _last_changes(access: StoreAccess, plan: Plan) -> None:
    """Who changed each record to update last, and when (drift: a change made by hand since
    the last apply is named with its author)."""
    from zen_core.services import history

    for change in plan.changes:
        if change.action != UPDATE:
            continue
        try:
            events, _ = history.list_(access, limit=1, target=change.kind, name=change.name)
        except ZenError:  # the history is a courtesy here, never a failure
            return
        if events:
            event = events[0]
            change.last_change = {"actor": event.actor, "time": event.time,
                                  "action": event.action, "revision": event.revision}


def current_revisions(access: StoreAccess, keys: list[str]) -> dict[str, int]:
    """The revision of each record named in ``keys`` now (0: absent)."""
    from zen_core.services import components, stacks

    found = {record_key(c): c.revision for c in components.list_(access)}
    found.update({record_key(s): s.revision for s in stacks.list_(access)})
    return {k: found.get(k, 0) for k in keys}


def check_unchanged(access: StoreAccess, plan: Plan, profile: str) -> None:
    """Refuse a saved plan made for another profile, or against revisions that moved."""
    if plan.profile != profile:
        raise InvalidDataError(f"The plan was made for profile '{plan.profile}', not "
                               f"'{profile}': nothing applied. Use --profile "
                               f"{plan.profile}, or make a plan for '{profile}'.")
    now = current_revisions(access, list(plan.revisions))
    moved = [(k, plan.revisions[k], now[k]) for k in plan.revisions if now[k] != plan.revisions[k]]
    if moved:
        key, then, later = moved[0]
        kind, _, name = key.partition("/")

        def state(revision: int) -> str:
            return f"revision {revision}" if revision else "absent"

        raise ConflictError(
            f"The saved plan is out of date: {kind.replace('-', ' ')} '{name}' was "
            f"{state(then)} when it was made and is {state(later)} now"
            + (f" (and {len(moved) - 1} more changed)" if len(moved) > 1 else "")
            + ". Nothing applied: make a new plan (`zenml apply -f FILES --plan-out FILE`).")


def apply(access: StoreAccess, plan: Plan) -> list[Any]:
    """The plan's writes through the door, as ONE batch: all or nothing."""
    if not plan.writes:
        return []
    try:
        return access.write(plan.writes)
    except ConflictError as err:
        raise ConflictError(f"{err.message} Nothing applied: a record changed while the plan "
                            "was applied; run the apply again.") from None

