"""The local store's history: ``history.jsonl``, one JSON event per line, appended.

A write numbers its events before its commit point and lists them in its journal
(:mod:`zen_local_store.journal`); applying the journal appends the ones not in the
file yet, so an event is recorded exactly when its change is, even if a writer is
killed in between. A torn last line (a writer killed mid-append) is skipped when
reading and cut off by the next append, which writes that event again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from zen_core.exceptions import InvalidDataError
from zen_core.fileio import cannot, decode_text

if TYPE_CHECKING:
    from zen_core.account_records import Event

#: How much of the file's end is read to find the last event (events are small).
_TAIL_BYTES = 65536


class HistoryFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[Event]:
        from zen_core.account_records import Event  # a read of stacks needs no events

        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as err:
            raise cannot("read", self.path, err) from None
        events = []
        for number, line in enumerate(decode_text(raw, self.path).splitlines(), 1):
            if not line.strip():
                continue
            try:
                events.append(Event.from_dict(json.loads(line)))
            except (ValueError, InvalidDataError):
                # NOTE: a torn last line (a writer killed mid-append) is skipped, not fatal
                if number < len(raw.splitlines()):
                    raise InvalidDataError(
                        f"{self.path} line {number} is not a zen event. "
                        "Fix or remove that line.") from None
        return events

    def _tail(self) -> tuple[int, int]:
        """The last event's seq, and where the complete lines end (the file's size, unless
        it ends in a torn line): read from the end, so appending costs the same however
        long the history."""
        try:
            with open(self.path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                start = max(0, size - _TAIL_BYTES)
                f.seek(start)
                tail = f.read()
        except FileNotFoundError:
            return 0, 0
        except OSError as err:
            raise cannot("read", self.path, err) from None
        end = size if not tail or tail.endswith(b"\n") else start + tail.rfind(b"\n") + 1
        for line in reversed(tail[:end - start].splitlines()):
            try:
                return int(json.loads(line)["seq"]), end
            except (ValueError, KeyError, TypeError):
                continue
        return 0, end

    def number(self, events: list[Event]) -> None:
        """Give ``events`` the next numbers (under the store's lock, before the commit)."""
        seq, _ = self._tail()
        for event in events:
            seq += 1
            event.seq = seq

    def append_missing(self, events: list[Event]) -> None:
        """Append the numbered ``events`` the file does not hold yet: running it again after
        a crash appends each event once."""
        seq, end = self._tail()
        lines = [json.dumps(e.to_dict(), sort_keys=True, ensure_ascii=False)
                 for e in events if e.seq > seq]
        if not lines:
            return
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                if os.fstat(fd).st_size != end:  # a torn line: its event is among ours
                    os.ftruncate(fd, end)
                f.write("\n".join(lines) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as err:
            raise cannot("write", self.path, err) from None
