"""The admin key ``zenml service up`` needs with no set-up, made through the domain layer."""

from __future__ import annotations

import pytest

from zen_core.account_records import RoleAssignment, Team, User
from zen_core.exceptions import InvalidDataError, NotPermittedError
from zen_core.services import authz, keys
from zen_core.services.access import StoreAccess
from zen_core.writes import AddTeamMember, AssignRole, CreateTeam, CreateUser
from zen_local_store.store import LocalStore


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    return store


def as_local_user(store, user: str = "default") -> StoreAccess:
    return StoreAccess(store, actor=authz.actor_for(store, user))


def test_a_new_store_gets_an_admin_user_and_key_in_one_write(store):
    record, key = keys.bootstrap_admin_key(as_local_user(store))
    assert (record.user, record.name) == ("default", "service") and record.expires is None
    assert store.list_role_assignments() == [RoleAssignment("admin", user="default")]
    found, actor = keys.authenticate(store, key)
    assert found.key_id == record.key_id and actor.roles == {"admin"}
    events, total = store.list_events()
    assert total == 3 and {e.actor for e in events} == {"default"}
    assert key not in str([e.to_dict() for e in events])
    # another one (the first one's key lost) gets a name of its own
    again, other = keys.bootstrap_admin_key(as_local_user(store))
    assert again.name == "service-2" and other != key
    assert store.list_role_assignments() == [RoleAssignment("admin", user="default")]


def test_an_admin_through_a_team_gets_no_role_of_their_own(store):
    store.apply([CreateUser(User("ann")), CreateTeam(Team("ops")), AddTeamMember("ops", "ann"),
                 AssignRole(RoleAssignment("admin", team="ops"))])
    record, _ = keys.bootstrap_admin_key(as_local_user(store, "ann"))
    assert record.user == "ann"
    assert store.list_role_assignments() == [RoleAssignment("admin", team="ops")]


def test_only_an_admin_gets_one(store):
    store.apply([CreateUser(User("ann")), AssignRole(RoleAssignment("admin", user="ann")),
                 CreateUser(User("bob")), AssignRole(RoleAssignment("viewer", user="bob"))])
    for user in ("bob", "carl"):  # a viewer; someone the store does not know
        with pytest.raises(NotPermittedError, match="needs the 'admin' role"):
            keys.bootstrap_admin_key(as_local_user(store, user))
    assert [k.user for k in store.list_api_keys()] == []
    with pytest.raises(InvalidDataError, match="named user"):
        keys.bootstrap_admin_key(StoreAccess(store, authz.DELEGATED))  # it has no name
