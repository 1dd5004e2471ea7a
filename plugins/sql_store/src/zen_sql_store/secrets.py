"""Secrets: the queries that read them, and the secret writes as :class:`SqlTransaction`
applies them (:class:`SecretWrites`).

A secret is a row of ``zen_secrets`` (name, uuid, revision, times) and one row of
``zen_secret_values`` per key, holding the value as the store was given it (the
domain layer encrypted it; the store never reads it). An update locks the
secret's row (``FOR UPDATE``; SQLite's writers hold the database's lock), checks
the revision, then deletes the rows of the keys it unsets or sets and inserts the
set ones: two updates of different keys wait for each other on that row and both
land, and neither rewrites the other's keys. A rename is an update of the row;
a delete is one DELETE (the values go with it: ON DELETE CASCADE). As for the
other records, the database refuses a taken name; a race lost to another
process ends in an ``IntegrityError`` and the transaction runs again, its check
then raising the contract's error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, delete, insert, select, update

from zen_core.secret_records import Secret
from zen_sql_store.queries import SECRET_VALUES, SECRETS

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection

    from zen_core.exceptions import ZenError
    from zen_core.writes import CreateSecret, DeleteSecret, UpdateSecret
    from zen_sql_store.store import SqlStore

S, V = SECRETS.c, SECRET_VALUES.c
#: The columns a Secret is built from: its own, then one key and value per row (none: NULLs).
SECRET_COLUMNS = (S.name, S.uuid, S.revision, S.created, S.updated, V.key, V.value)


# --- reads ---------------------------------------------------------------------------------
def secrets_query(name: str | None = None) -> Any:
    """Every secret with its values (one row per key), or the secret ``name``."""
    query = select(*SECRET_COLUMNS).select_from(SECRETS).outerjoin(
        SECRET_VALUES, V.secret_id == S.id)
    return query if name is None else query.where(S.name == name)


def secret_records(rows: Iterable[Row[Any]]) -> list[Secret]:
    """The secrets of rows of :func:`secrets_query`, sorted by name."""
    found: dict[str, tuple[tuple[Any, ...], dict[str, str]]] = {}
    for name, uuid, revision, created, updated, key, value in rows:
        entry = found.get(name)
        if entry is None:
            entry = found[name] = ((uuid, revision, created, updated), {})
        if key is not None:
            entry[1][key] = value
    return [Secret(name, values, uuid=own[0], revision=own[1], created=own[2],
                   updated=own[3]) for name, (own, values) in sorted(found.items())]


def secret_names(connection: Connection) -> list[str]:
    return sorted(connection.execute(select(S.name)).scalars())


# --- writes --------------------------------------------------------------------------------
class SecretWrites:
    """The secret writes of :class:`zen_sql_store.transaction.SqlTransaction`."""

    store: SqlStore
    connection: Connection
    conflict: Callable[[], ZenError] | None

    def _execute(self, statement: Any, *args: Any) -> Any: ...  # AccountWrites'

    def _afterwards(self, find: Callable[[Any], ZenError]) -> ZenError: ...  # SqlTransaction's

    def _secret_id(self, name: str) -> int | None:
        return self._execute(select(S.id).where(S.name == name)).scalar()

    def _creation_refused(self, secret: Secret) -> ZenError | None:
        """The contract's error for creating ``secret`` (its name taken, or its uuid:
        another secret's), or None."""
        if self._secret_id(secret.name) is not None:
            return self.store.secret_exists(secret.name)
        holder = self._execute(select(S.name).where(S.uuid == secret.uuid)).scalar()
        if holder is not None:
            return self.store.secret_uuid_taken(secret.uuid, holder)
        return None

    def _locked_secret(self, name: str) -> tuple[int, Secret]:
        """The secret ``name`` (without its values), its row locked for update."""
        row = self._execute(select(S.id, S.uuid, S.revision, S.created, S.updated)
                            .where(S.name == name).with_for_update()).first()
        if row is None:
            raise self.store.secret_not_found(name, secret_names(self.connection))
        return row[0], Secret(name, uuid=row[1], revision=row[2], created=row[3],
                              updated=row[4])

    def _values(self, secret_id: int) -> dict[str, str]:
        return dict(self._execute(select(V.key, V.value).where(V.secret_id == secret_id)).all())

    def _insert_values(self, secret_id: int, values: dict[str, str]) -> None:
        if values:
            self._execute(insert(SECRET_VALUES), [
                {"secret_id": secret_id, "key": k, "value": v} for k, v in values.items()])

    def _create_secret(self, write: CreateSecret) -> Secret:
        secret = write.secret
        refused = self._creation_refused(secret)
        if refused is not None:
            raise refused
        # the database refused it: another writer committed its name or uuid meanwhile
        self.conflict = lambda: self._afterwards(
            lambda again: again._creation_refused(secret) or self.store.secret_exists(
                secret.name))
        written = secret.stamped()
        secret_id = self._execute(insert(SECRETS).values(
            name=written.name, uuid=written.uuid, revision=written.revision,
            created=written.created, updated=written.updated)).inserted_primary_key[0]
        self._insert_values(secret_id, written.values)
        return written

    def _update_secret(self, write: UpdateSecret) -> Secret:
        change = write.change
        secret_id, current = self._locked_secret(write.name)
        self.store.check_revision(f"secret '{write.name}'", current, change.expected_revision)
        new_name = change.name or write.name
        if new_name != write.name:
            if self._secret_id(new_name) is not None:
                raise self.store.secret_exists(new_name)
            self.conflict = lambda: self.store.secret_exists(new_name)
        touched = [*change.set, *change.unset]
        if touched:
            self._execute(delete(SECRET_VALUES).where(V.secret_id == secret_id,
                                                      V.key.in_(touched)))
        self._insert_values(secret_id, dict(change.set))
        written = Secret(new_name, self._values(secret_id), uuid=current.uuid).stamped(current)
        self._execute(update(SECRETS).where(S.id == secret_id).values(
            name=written.name, revision=written.revision, created=written.created,
            updated=written.updated))
        return written

    def _delete_secret(self, write: DeleteSecret) -> None:
        secret_id, current = self._locked_secret(write.name)
        self.store.check_revision(f"secret '{write.name}'", current, write.expected_revision)
        self._execute(delete(SECRETS).where(S.id == secret_id))  # its values go with it

