"""One ``apply``: writes merged into what Redis holds, committed by one MULTI/EXEC.

zen's :class:`~zen_core.plugin.TableTransaction` does the merging: this one only says
how a table is read (WATCH its hash, then read it) and how the result is committed.
Nothing reaches Redis until :meth:`Transaction.commit` queues every changed field and
the history events in one MULTI/EXEC. If another writer changed a watched hash
meanwhile, EXEC fails and the store runs the whole ``apply`` again on fresh records
(optimistic locking): updates are merged inside the store, never lost, and a batch is
all or nothing, also when its process is killed (a connection that dies before EXEC
leaves no trace; EXEC itself is atomic in Redis).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from zen_core.plugin import TableTransaction

if TYPE_CHECKING:
    from zen_core.plugin import StoreRules
    from zen_redis_store.store import RedisStore


class Transaction(TableTransaction):
    store: RedisStore

    def __init__(self, store: RedisStore, pipe: Any, rules: StoreRules | None) -> None:
        super().__init__(store, rules)
        self.pipe = pipe  # WATCHing, in immediate mode until commit() calls MULTI

    def load(self, table: str) -> dict[str, Any]:
        key = self.store.key(table)
        self.pipe.watch(key)
        raw = self.pipe.hgetall(key)
        return {f: self.store.parse(table, f, v) for f, v in raw.items()}

    def commit(self) -> None:
        """Every changed field and the events, in one MULTI/EXEC (raises WatchError if a
        watched hash changed since it was read: the caller starts over)."""
        pipe = self.pipe
        pipe.multi()
        for (table, field), record in self.changed.items():
            if record is None:
                pipe.hdel(self.store.key(table), field)
            else:
                pipe.hset(self.store.key(table), field,
                          json.dumps(record.to_dict(), sort_keys=True))
        if self.events:
            pipe.rpush(self.store.key("events"),
                       *[json.dumps(e.to_dict(), sort_keys=True) for e in self.events])
        pipe.execute()
