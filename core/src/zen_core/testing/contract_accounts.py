"""The contract's tests of users, teams, roles, API keys and the history of changes."""

from __future__ import annotations

import re
import threading

import pytest

from zen_core.account_records import ApiKey, RoleAssignment, Team, User
from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import (
    ApiKeyExistsError,
    ApiKeyNotFoundError,
    InUseError,
    RoleAssignmentExistsError,
    RoleAssignmentNotFoundError,
    TeamExistsError,
    TeamNotFoundError,
    UserExistsError,
    UserNotFoundError,
)
from zen_core.models import ComponentType
from zen_core.testing.helpers import (
    RecordingRules,
    component,
    raises_named,
    register_stack_with_components,
)
from zen_core.writes import (
    AddTeamMember,
    AssignRole,
    CreateApiKey,
    CreateTeam,
    CreateUser,
    DeleteTeam,
    DeleteUser,
    RemoveTeamMember,
    RevokeApiKey,
    RevokeRole,
    TouchApiKey,
)

T = ComponentType


def _key(user: str, name: str, key_id: str = "0123456789ab") -> ApiKey:
    return ApiKey(user, name, key_id, "f" * 64, expires="2099-01-01T00:00:00.000000Z")


def _with_people(store) -> None:
    store.apply([CreateUser(User("ann")), CreateUser(User("bob")), CreateTeam(Team("ops")),
                 AddTeamMember("ops", "bob")])


#: When bob, in team ops (which has the admin role), is the last admin: writes that would
#: leave none, and how the refusal names each ("Cannot ...: no one would be an admin").
LAST_ADMIN_REMOVALS = [
    ([RemoveTeamMember("ops", "bob")], "remove user 'bob' from team 'ops'"),
    ([DeleteTeam("ops")], "delete team 'ops'"),
    ([DeleteUser("bob")], "delete user 'bob'"),
    ([CreateUser(User("dee")), RevokeRole(RoleAssignment("admin", team="ops"))],
     "take the role 'admin' from the team 'ops'"),
]


class AccountsContract:
    """Accounts and history (needs fixture ``store``)."""

    def test_a_new_store_has_no_accounts_and_no_history(self, store):
        assert store.list_users() == [] and store.list_teams() == []
        assert store.list_role_assignments() == [] and store.list_api_keys() == []
        assert store.list_events() == ([], 0)

    def test_users_and_teams(self, store):
        written = store.apply([CreateUser(User("bob")), CreateUser(User("ann"))])
        assert [w.name for w in written] == ["bob", "ann"] and written[0].created
        assert [u.name for u in store.list_users()] == ["ann", "bob"]
        assert store.get_user("ann").uuid == written[1].uuid
        with raises_named(UserExistsError, "ann"):
            store.apply([CreateUser(User("ann"))])
        store.apply([CreateTeam(Team("ops")), AddTeamMember("ops", "bob"),
                     AddTeamMember("ops", "ann"), AddTeamMember("ops", "ann")])
        assert store.get_team("ops").members == ["ann", "bob"]
        with raises_named(TeamExistsError, "ops"):
            store.apply([CreateTeam(Team("ops"))])
        with raises_named(UserNotFoundError, "carl"):
            store.apply([AddTeamMember("ops", "carl")])
        with raises_named(TeamNotFoundError, "devs"):
            store.apply([AddTeamMember("devs", "ann")])
        store.apply([RemoveTeamMember("ops", "ann")])
        assert store.get_team("ops").members == ["bob"]
        with raises_named(UserNotFoundError, "ann", "ops"):
            store.apply([RemoveTeamMember("ops", "ann")])

    def test_roles_go_to_users_or_teams_that_exist(self, store):
        _with_people(store)
        store.apply([AssignRole(RoleAssignment("admin", user="ann")),
                     AssignRole(RoleAssignment("editor", team="ops"))])
        assert store.list_role_assignments() == [RoleAssignment("admin", user="ann"),
                                                 RoleAssignment("editor", team="ops")]
        with raises_named(RoleAssignmentExistsError, "admin", "ann"):
            store.apply([AssignRole(RoleAssignment("admin", user="ann"))])
        with raises_named(UserNotFoundError, "zed"):
            store.apply([AssignRole(RoleAssignment("viewer", user="zed"))])
        with raises_named(RoleAssignmentNotFoundError, "viewer", "bob"):
            store.apply([RevokeRole(RoleAssignment("viewer", user="bob"))])
        store.apply([RevokeRole(RoleAssignment("editor", team="ops"))])
        assert store.list_role_assignments() == [RoleAssignment("admin", user="ann")]

    def test_deleting_a_user_or_team_takes_what_hangs_on_it(self, store):
        _with_people(store)
        store.apply([AssignRole(RoleAssignment("viewer", user="bob")),
                     AssignRole(RoleAssignment("editor", team="ops")),
                     CreateApiKey(_key("bob", "laptop")),
                     CreateApiKey(_key("ann", "ci", "a" * 12))])
        store.apply([DeleteUser("bob")])
        assert [u.name for u in store.list_users()] == ["ann"]
        assert store.get_team("ops").members == []
        assert store.list_role_assignments() == [RoleAssignment("editor", team="ops")]
        assert [k.name for k in store.list_api_keys()] == ["ci"]
        store.apply([DeleteTeam("ops")])
        assert store.list_teams() == [] and store.list_role_assignments() == []
        with raises_named(UserNotFoundError, "bob"):
            store.apply([DeleteUser("bob")])

    def test_api_keys_keep_their_hash_and_expiry(self, store):
        _with_people(store)
        [written] = store.apply([CreateApiKey(_key("ann", "laptop"))])
        assert written.created and written.last_used is None
        [got] = store.list_api_keys("ann")
        assert (got.name, got.key_id, got.secret_hash, got.expires) == (
            "laptop", "0123456789ab", "f" * 64, "2099-01-01T00:00:00.000000Z")
        assert store.find_api_key("0123456789ab") == got
        assert store.find_api_key("ffffffffffff") is None
        assert store.list_api_keys("bob") == []
        with raises_named(ApiKeyExistsError, "laptop"):
            store.apply([CreateApiKey(_key("ann", "laptop", "b" * 12))])
        with raises_named(UserNotFoundError, "zed"):
            store.apply([CreateApiKey(_key("zed", "k", "c" * 12))])
        store.apply([TouchApiKey("0123456789ab", "2030-01-01T00:00:00.000000Z")])
        assert store.find_api_key("0123456789ab").last_used == "2030-01-01T00:00:00.000000Z"
        store.apply([RevokeApiKey("ann", "laptop")])
        assert store.find_api_key("0123456789ab") is None
        with raises_named(ApiKeyNotFoundError, "laptop"):
            store.apply([RevokeApiKey("ann", "laptop")])

    def test_every_write_is_in_the_history_with_actor_and_revision(self, store):
        register_stack_with_components(store, "s")
        store.apply([CreateUser(User("ann"))], actor="ann")
        store.update_component(T.ORCHESTRATOR, "s", ComponentChange(set={"password": "hunter2"}))
        store.apply([], actor="ann")  # nothing to record
        store.update_stack("s", StackChange(name="t"))
        store.apply([TouchApiKey("nothing", "2030-01-01T00:00:00.000000Z")])
        events, total = store.list_events()
        assert total == len(events) == 7  # 3 components, the stack, the user, 2 updates
        newest = events[0]
        assert (newest.action, newest.target, newest.name, newest.revision) == (
            "update_stack", "stack", "t", 2)
        assert newest.details == {"renamed_from": "s"}
        update = events[1]
        assert (update.action, update.target, update.name, update.revision) == (
            "update_component", "orchestrator", "s", 2)
        assert update.details == {"set": ["password"]}
        assert "hunter2" not in str([e.to_dict() for e in events])
        assert [e.seq for e in events] == list(range(7, 0, -1))
        assert events[2].actor == "ann" and events[2].target == "user"
        assert all(e.time.endswith("Z") for e in events)

    def test_history_pages_and_filters(self, store):
        for i in range(5):
            store.register_component(component(T.ORCHESTRATOR, f"o{i}"))
        store.apply([CreateUser(User("ann"))], actor="ann")
        page, total = store.list_events(limit=2, offset=1)
        assert total == 6 and [e.name for e in page] == ["o4", "o3"]
        mine, total = store.list_events(actor="ann")
        assert total == 1 and mine[0].name == "ann"
        one, total = store.list_events(target="orchestrator", name="o2")
        assert total == 1 and one[0].action == "register_component"

    def test_a_failing_batch_leaves_no_history(self, store):
        register_stack_with_components(store, "s")
        before = store.list_events()
        with pytest.raises(TeamNotFoundError):
            store.apply([CreateUser(User("ann")), AddTeamMember("ops", "ann")])
        assert store.list_events() == before
        assert store.list_users() == []

    def test_a_store_keeps_an_admin(self, store):
        """With rules, a write after which roles are assigned but no one is an admin is
        refused, naming it, and changes nothing; without rules the store does not judge."""
        rules = RecordingRules()
        _with_people(store)  # bob is in team ops; cy only views
        store.apply([CreateUser(User("cy")), AssignRole(RoleAssignment("viewer", "cy")),
                     AssignRole(RoleAssignment("admin", "ann")),
                     AssignRole(RoleAssignment("admin", team="ops"))])
        store.apply([RevokeRole(RoleAssignment("admin", "ann"))], rules)  # bob is one
        for writes, what in LAST_ADMIN_REMOVALS:
            with pytest.raises(InUseError, match=f"Cannot {re.escape(what)}: no one would be "
                                                 "an admin of this store any more"):
                store.apply(writes, rules)
        cy_views = RoleAssignment("viewer", "cy")
        assert sorted(store.list_role_assignments(), key=str) == sorted(
            [RoleAssignment("admin", team="ops"), cy_views], key=str)
        assert [(t.name, t.members) for t in store.list_teams()] == [("ops", ["bob"])]
        assert [u.name for u in store.list_users()] == ["ann", "bob", "cy"]
        # giving the role first, in the same batch, lets the team go
        store.apply([AssignRole(RoleAssignment("admin", "ann")), DeleteTeam("ops")], rules)
        assert sorted(store.list_role_assignments(), key=str) == sorted(
            [RoleAssignment("admin", "ann"), cy_views], key=str)
        store.apply([RevokeRole(RoleAssignment("admin", "ann"))])  # no rules: not judged
        assert store.list_role_assignments() == [cy_views]
        # with no role left at all, there is nothing to keep (every local user is an admin)
        store.apply([RevokeRole(cy_views)], rules)

    def test_two_admins_removing_each_other_at_once_leave_one(self, store):
        """The check runs on what the other write committed: both cannot succeed."""
        store.apply([CreateUser(User("ann")), CreateUser(User("bob")), CreateUser(User("cy")),
                     AssignRole(RoleAssignment("admin", "ann")),
                     AssignRole(RoleAssignment("admin", "bob")),
                     AssignRole(RoleAssignment("viewer", "cy"))])
        both_checking = threading.Barrier(2)

        class MeetingRules(RecordingRules):
            def check_accounts(self, writes, assignments, teams):
                try:  # both writes inside their checks at once, unless one waits
                    both_checking.wait(timeout=2)
                except threading.BrokenBarrierError:
                    pass
                super().check_accounts(writes, assignments, teams)

        outcomes: dict[str, str] = {}

        def revoke(user: str) -> None:
            try:
                store.apply([RevokeRole(RoleAssignment("admin", user))], MeetingRules())
                outcomes[user] = "revoked"
            except InUseError:
                outcomes[user] = "refused"

        threads = [threading.Thread(target=revoke, args=(u,)) for u in ("ann", "bob")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(outcomes.values()) == ["refused", "revoked"]
        assert sorted(a.role for a in store.list_role_assignments()) == ["admin", "viewer"]
