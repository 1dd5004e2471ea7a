"""What a store says of one user (``BaseStore.standing``) in two statements, for every
checked read and write: written as plain SQL that SQLite, MySQL/MariaDB and PostgreSQL
all run, so that SQLite answers it with the stdlib's sqlite3 (:mod:`.sqlite_reads`) and a
server through SQLAlchemy's ``text`` (:meth:`.store.SqlStore.standing`), with no import
of SQLAlchemy here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zen_core.accounts import Standing

#: How many roles are given to users and to teams, and whether the user exists.
COUNTS_SQL = (
    "SELECT 'user_roles', COUNT(*) FROM zen_user_roles "
    "UNION ALL SELECT 'team_roles', COUNT(*) FROM zen_team_roles "
    "UNION ALL SELECT 'user', COUNT(*) FROM zen_users WHERE name = :user"
)
#: The roles given to the user and to the teams they are in.
ROLES_SQL = (
    "SELECT r.role FROM zen_user_roles r JOIN zen_users u ON u.id = r.user_id "
    "WHERE u.name = :user "
    "UNION SELECT r.role FROM zen_team_roles r "
    "JOIN zen_team_members m ON m.team_id = r.team_id "
    "JOIN zen_users u ON u.id = m.user_id WHERE u.name = :user"
)


def standing_of(counts: Iterable[Any], roles: Iterable[Any]) -> Standing:
    """The standing from the rows of :data:`COUNTS_SQL` and :data:`ROLES_SQL`."""
    found = {fact: int(count) for fact, count in counts}
    return Standing(roles_in_use=bool(found["user_roles"] or found["team_roles"]),
                    is_user=bool(found["user"]),
                    roles=frozenset(row[0] for row in roles))
