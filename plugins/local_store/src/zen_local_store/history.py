"""The local store's history: ``history.jsonl``, one JSON event per line, appended.

Appends happen under the store's lock, after the write's commit point: a crash
in between loses the event, it never records a change that did not happen. A
torn last line (a writer killed mid-append) is skipped when reading and closed
by the next append.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from zen_core.accounts import Event
from zen_core.exceptions import InvalidDataError
from zen_core.fileio import cannot, decode_text


class HistoryFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[Event]:
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

    def tail(self) -> tuple[int, bool]:
        """The last event's seq, and whether the file ends in a torn line (no newline):
        read from the end, so appending costs the same however long the history."""
        try:
            with open(self.path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - 65536))
                tail = f.read()
        except FileNotFoundError:
            return 0, False
        except OSError as err:
            raise cannot("read", self.path, err) from None
        torn = bool(tail) and not tail.endswith(b"\n")
        for line in reversed(tail.splitlines()):
            try:
                return int(json.loads(line)["seq"]), torn
            except (ValueError, KeyError, TypeError):
                continue
        return 0, torn

    def append(self, events: list[Event]) -> None:
        if not events:
            return
        seq, torn = self.tail()
        lines = []
        for event in events:
            seq += 1
            event.seq = seq
            lines.append(json.dumps(event.to_dict(), sort_keys=True, ensure_ascii=False))
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write(("\n" if torn else "") + "\n".join(lines) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as err:
            raise cannot("write", self.path, err) from None

