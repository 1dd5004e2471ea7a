"""The local store's one commit point per write: a journal of renames, written first.

A write prepares every file it changes (component files, ``stacks.yaml``) as a
temp file in the store's root, fsynced, then writes ``journal.json``
atomically (temp, fsync, rename). That rename is the commit point. The journal
lists the renames (temp -> file: component files first, the index last), the
files to remove and the write's history events, numbered. Applying it does
each of those, appends the events the history does not hold yet, and removes
the journal. Every step may run twice, so a journal left by a writer killed
after its commit point is rolled forward by the next process that finds it,
writer or reader, under the store's lock; a writer killed before it leaves
only temp files, which the next writer removes.

Readers take no lock. Applying a journal first writes a new random token to
``generation``, so a read that spans several files can tell that a journal
was applied meanwhile (:meth:`Journal.generation`).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen_core.exceptions import InvalidDataError, StoreUnavailableError
from zen_core.fileio import cannot, inside, stage_text, unlink, write_text_atomic
from zen_local_store.history import HistoryFile

if TYPE_CHECKING:
    from zen_core.account_records import Event

JOURNAL_FILE = "journal.json"
GENERATION_FILE = "generation"


class Commit:
    """What one write changes on disk, prepared out of sight until :meth:`Journal.commit`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        #: (temp file's name in the root, the file it replaces, relative to the root)
        self.renames: list[tuple[str, str]] = []
        self.removals: list[str] = []
        self.events: list[Event] = []

    def write(self, path: Path, text: str) -> None:
        """Stage ``text`` as the next content of ``path`` (a temp file, fsynced)."""
        # NOTE: in the store's root, never the (big) type folder: the next writer finds
        # what a killed one left by listing the root alone
        temp = stage_text(path, text, temp_dir=self.root)
        self.renames.append((temp.name, self._relative(path)))

    def remove(self, path: Path) -> None:
        self.removals.append(self._relative(path))

    def discard(self) -> None:
        """Remove the staged temp files of a commit that will not happen."""
        for temp, _ in self.renames:
            with contextlib.suppress(OSError):
                (self.root / temp).unlink()

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def to_json(self) -> str:
        return json.dumps({"renames": self.renames, "removals": self.removals,
                           "events": [e.to_dict() for e in self.events]}, ensure_ascii=False)


class Journal:
    def __init__(self, root: Path, history: HistoryFile) -> None:
        self.root = root
        self.path = root / JOURNAL_FILE
        self.generation_path = root / GENERATION_FILE
        self.history = history

    def pending(self) -> bool:
        """Whether a write passed its commit point and is not applied yet (a stat)."""
        return os.path.lexists(self.path)

    def generation(self) -> bytes:
        """A token every applied journal changes, before its first rename (a tiny read)."""
        try:
            return self.generation_path.read_bytes()
        except FileNotFoundError:
            return b""
        except OSError as err:
            raise cannot("read", self.generation_path, err) from None

    def commit(self, commit: Commit) -> None:
        """Make ``commit`` happen, all of it or (if this raises before its commit point)
        none of it. Call it holding the store's lock.

        A commit of one file and nothing else is that file's rename, atomic by itself
        (the service's record of a key's use, on every request)."""
        if len(commit.renames) == 1 and not commit.removals and not commit.events:
            self._rename(*commit.renames[0])
            return
        try:
            write_text_atomic(self.path, commit.to_json(), temp_dir=self.root)
        except BaseException:
            commit.discard()
            raise
        try:
            self._apply(commit)
        except StoreUnavailableError as err:  # the journal stays: the write will happen
            raise StoreUnavailableError(
                f"{err.message} The write passed its commit point ({self.path}): the next "
                "zen command that can write to this store finishes it.") from None

    def recover(self) -> None:
        """Roll forward a journal a killed writer left (call it holding the store's lock)."""
        if self.pending():
            self._apply(self._load())

    def _apply(self, commit: Commit) -> None:
        write_text_atomic(self.generation_path, os.urandom(8).hex(), temp_dir=self.root,
                          sync=False)  # NOTE: what readers compare, not data: no fsync
        for temp, target in commit.renames:
            if os.path.lexists(self.root / temp):  # else renamed before a crash
                self._rename(temp, target)
        for target in commit.removals:
            unlink(self.root / target, self.root)
        self.history.append_missing(commit.events)
        try:
            self.path.unlink(missing_ok=True)
        except OSError as err:
            raise cannot("remove", self.path, err) from None

    def _rename(self, temp: str, target: str) -> None:
        try:
            os.replace(self.root / temp, self.root / target)
        except OSError as err:
            raise cannot("write", self.root / target, err) from None

    def _load(self) -> Commit:
        """The pending journal, every path checked to stay inside the store."""
        try:
            data = json.loads(self.path.read_bytes())
            commit = Commit(self.root)
            commit.renames = [(_temp_name(t), self._target(f)) for t, f in data["renames"]]
            commit.removals = [self._target(f) for f in data["removals"]]
            commit.events = [_numbered(e) for e in data["events"]]
        except OSError as err:
            raise cannot("read", self.path, err) from None
        except (ValueError, KeyError, TypeError, InvalidDataError) as err:
            raise InvalidDataError(
                f"{self.path} is not a journal zen can apply ({_reason(err)}). It holds a "
                "write that passed its commit point and was not finished: fix that file, "
                "or remove it to give that write up (the store may then hold part of it)."
            ) from None
        return commit

    def _target(self, name: Any) -> str:
        if not isinstance(name, str) or not name or Path(name).is_absolute():
            raise ValueError(f"bad file name {name!r}")
        inside(self.root, self.root / name)
        return name


def _temp_name(name: Any) -> str:
    if not (isinstance(name, str) and name.startswith(".") and name.endswith(".tmp")
            and "/" not in name and "\\" not in name):
        raise ValueError(f"bad temp file name {name!r}")
    return name


def _numbered(data: Any) -> Event:
    from zen_core.account_records import Event  # a read of stacks needs no events

    event = Event.from_dict(data)
    if event.seq < 1:
        raise ValueError("an event without its number")
    return event


def _reason(err: Exception) -> str:
    if isinstance(err, InvalidDataError):
        return err.message.rstrip(".")
    if isinstance(err, KeyError):
        return f"no {err}"
    return str(err).split("\n")[0] or type(err).__name__
