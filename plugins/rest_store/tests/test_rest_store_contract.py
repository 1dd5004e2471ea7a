"""The store contract, through HTTP, against a real service on a local and a SQLite profile.

One daemon per store type serves a profile for the whole module; ``store``
empties it before each test, so every test starts from an empty store but for
the one account a service cannot do without: its own admin, whose key the
tests send (``zenml service up`` made it). The daemons serve without the
flavors' rules (the suite's records use made-up configurations) but with every
check of keys and roles; that the service applies its rules is tested in
``test_rest_store_writes.py`` and in zen-service's tests.

Four things differ over HTTP by design, so the contract's tests of them are
re-stated here, under the same names: the served store always has the
service's admin (and the history of everything done to it so far); the
history names the key's user as the actor, whatever actor the caller names
(of writes of accounts and of secrets alike); API key hashes never leave the
service (``secret_hash`` is empty, keys are not looked up by id); and a rest
store does not send the rules it is given, the service applies its own, so the
contract's tests of rules run against a service that applies every rule, and
those of keeping an admin with the keys of the admins themselves.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from functools import partial

import pytest

from zen_core.account_records import ApiKey, RoleAssignment, Team, User
from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import (
    ApiKeyExistsError,
    ApiKeyNotFoundError,
    InUseError,
    InvalidDataError,
    NotPermittedError,
    RoleAssignmentExistsError,
    RoleAssignmentNotFoundError,
    StackRuleError,
    TeamExistsError,
    TeamNotFoundError,
    UserExistsError,
    UserNotFoundError,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import StoreContext
from zen_core.testing.contract import StoreContract
from zen_core.testing.contract_accounts import LAST_ADMIN_REMOVALS
from zen_core.testing.helpers import component, raises_named, register_stack_with_components
from zen_core.writes import (
    AddTeamMember,
    AssignRole,
    CreateApiKey,
    CreateTeam,
    CreateUser,
    DeleteSecret,
    DeleteTeam,
    DeleteUser,
    RemoveTeamMember,
    RevokeApiKey,
    RevokeRole,
    TouchApiKey,
)
from zen_rest_store.store import RestStore

T = ComponentType
DEFAULTS = {T.ORCHESTRATOR: "default", T.METADATA_STORE: "default",
            T.ARTIFACT_STORE: "default"}
NO_ADMIN_LEFT = "no one would be an admin of this store any more"


def empty(store: RestStore) -> None:
    """Remove every stack, component, secret, team and user but the service's own admin."""
    me = store.whoami()["user"]
    for stack in store.list_stacks():
        store.delete_stack(stack.name)
    for c in store.list_components():
        store.delete_component(c.type, c.name)
    for s in store.list_secrets():
        store.apply([DeleteSecret(s.name)])
    writes = [DeleteTeam(t.name) for t in store.list_teams()]
    writes += [DeleteUser(u.name) for u in store.list_users() if u.name != me]
    writes += [RevokeRole(a) for a in store.list_role_assignments()
               if a.user == me and a.role != "admin"]
    if writes:
        store.apply(writes)


def _key(user: str, name: str, key_id: str = "0123456789ab") -> ApiKey:
    return ApiKey(user, name, key_id, "f" * 64, expires="2099-01-01T00:00:00.000000Z")


def _with_people(store) -> None:
    store.apply([CreateUser(User("ann")), CreateUser(User("bob")), CreateTeam(Team("ops")),
                 AddTeamMember("ops", "bob")])


def _client_of(store: RestStore, user: str) -> RestStore:
    """A rest store acting as ``user``, through a new API key of theirs."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    store.apply([CreateApiKey(ApiKey(user, f"key-{key_id}", key_id,
                                     hashlib.sha256(secret.encode()).hexdigest()))])
    return RestStore(store.url, StoreContext(token=f"zen_{key_id}_{secret}"))


class TestRestStoreContract(StoreContract):
    @pytest.fixture
    def store(self, served):
        store = RestStore(served.url, StoreContext(token=served.token))
        empty(store)
        store.initialize()
        yield store
        store.close()

    @pytest.fixture
    def store_opener(self, served):
        return partial(RestStore, served.url, StoreContext(token=served.token))

    @pytest.fixture
    def me(self, store) -> str:
        """The service's admin: the user of the key the tests send."""
        return store.whoami()["user"]

    # --- rules: the service's own (see the module) ---------------------------------------
    def test_rules_see_and_shape_what_is_written(self, ruled_store):
        """The service's rules shape a component (its values as its flavor reads them; the
        defaults stay out) and judge a stack with its members as stored, and every stack
        using a changed member."""
        written = ruled_store.register_component(Component(
            T.ORCHESTRATOR, "kubeflow", "kf", {"kubeflow_pipelines_ui_port": "8081"}))
        assert written.config == {"kubeflow_pipelines_ui_port": 8081}  # read as a number
        assert ruled_store.get_component(T.ORCHESTRATOR, "kf").config == written.config
        with pytest.raises(StackRuleError, match="needs a container registry"):
            ruled_store.register_stack(Stack("kfs", {**DEFAULTS, T.ORCHESTRATOR: "kf"}))
        ruled_store.register_component(Component(T.CONTAINER_REGISTRY, "default", "r",
                                                 {"uri": "localhost:5000"}))
        stack = ruled_store.register_stack(Stack("kfs", {**DEFAULTS, T.ORCHESTRATOR: "kf",
                                                         T.CONTAINER_REGISTRY: "r"}))
        assert stack.components[T.CONTAINER_REGISTRY] == "r"
        # a member's update is judged against each stack using it (default has no registry)
        with pytest.raises(StackRuleError, match="Stack 'default' cannot use"):
            ruled_store.update_component(T.ORCHESTRATOR, "default",
                                         ComponentChange(flavor="kubeflow"))
        renamed = ruled_store.update_stack("kfs", StackChange(name="t"))
        assert (renamed.name, renamed.revision) == ("t", 2)

    def test_a_refusing_rule_writes_nothing(self, ruled_store):
        before = (ruled_store.list_stacks(), ruled_store.list_components())
        with pytest.raises(InvalidDataError, match="unknown field 'colour'"):
            ruled_store.register_component(Component(T.ORCHESTRATOR, "local", "bad",
                                                     {"colour": "red"}))
        with pytest.raises(StackRuleError, match="needs a container registry"):
            ruled_store.update_component(T.ORCHESTRATOR, "default",
                                         ComponentChange(flavor="kubeflow"))
        ruled_store.register_component(Component(T.ORCHESTRATOR, "kubeflow", "kf"))
        with pytest.raises(StackRuleError, match="needs a container registry"):
            ruled_store.update_stack("default", StackChange(set={T.ORCHESTRATOR: "kf"}))
        ruled_store.delete_component(T.ORCHESTRATOR, "kf")
        assert (ruled_store.list_stacks(), ruled_store.list_components()) == before

    def test_rules_refuse_a_whole_batch(self, ruled_store):
        before = (ruled_store.list_stacks(), ruled_store.list_components())
        with pytest.raises(StackRuleError), ruled_store.batch() as batch:
            batch.register_component(Component(T.ORCHESTRATOR, "kubeflow", "r"))
            batch.register_component(Component(T.ARTIFACT_STORE, "local", "r",
                                               {"path": "/tmp/r"}))
            batch.register_stack(Stack("refused", {**DEFAULTS, T.ORCHESTRATOR: "r",
                                                   T.ARTIFACT_STORE: "r"}))
        assert (ruled_store.list_stacks(), ruled_store.list_components()) == before

    # --- keeping an admin: the admins' own keys (see the module) ---------------------------
    def test_a_store_keeps_an_admin(self, store, me):
        """The service refuses a write after which no one is an admin, naming it, and
        changes nothing; bob, an admin through team ops, is the last one here (cy views:
        with no role left at all there would be nothing to keep)."""
        _with_people(store)
        cy_views = RoleAssignment("viewer", "cy")
        store.apply([CreateUser(User("cy")), AssignRole(cy_views),
                     AssignRole(RoleAssignment("admin", team="ops"))])
        bob = _client_of(store, "bob")
        try:
            store.apply([RevokeRole(RoleAssignment("admin", user=me))])  # bob is one
            for writes, what in LAST_ADMIN_REMOVALS:
                with pytest.raises(InUseError, match=f"Cannot {re.escape(what)}: {NO_ADMIN_LEFT}"):
                    bob.apply(writes)
            assert sorted(bob.list_role_assignments(), key=str) == sorted(
                [RoleAssignment("admin", team="ops"), cy_views], key=str)
            assert [(t.name, t.members) for t in bob.list_teams()] == [("ops", ["bob"])]
            assert [u.name for u in bob.list_users()] == sorted(["ann", "bob", "cy", me])
        finally:  # giving the role first, in the same batch, lets the team go
            bob.apply([AssignRole(RoleAssignment("admin", user=me)), DeleteTeam("ops")])
            bob.close()
        assert sorted(store.list_role_assignments(), key=str) == sorted(
            [RoleAssignment("admin", user=me), cy_views], key=str)

    def test_two_admins_removing_each_other_at_once_leave_one(self, store, me):
        """ada and ben, the only admins, each take the role from the other at the same
        moment: one is refused (by the rule, or for no longer being an admin). cy views:
        with no role left at all there would be nothing to keep."""
        store.apply([CreateUser(User("ada")), CreateUser(User("ben")), CreateUser(User("cy")),
                     AssignRole(RoleAssignment("admin", "ada")),
                     AssignRole(RoleAssignment("admin", "ben")),
                     AssignRole(RoleAssignment("viewer", "cy"))])
        clients = {"ada": _client_of(store, "ada"), "ben": _client_of(store, "ben")}
        store.apply([RevokeRole(RoleAssignment("admin", user=me))])
        together = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def revoke(user: str, other: str) -> None:
            together.wait(timeout=30)
            try:
                clients[user].apply([RevokeRole(RoleAssignment("admin", other))])
                outcomes[user] = "revoked"
            except InUseError as err:
                assert NO_ADMIN_LEFT in str(err)
                outcomes[user] = "refused"
            except NotPermittedError:
                outcomes[user] = "refused"

        threads = [threading.Thread(target=revoke, args=pair)
                   for pair in (("ada", "ben"), ("ben", "ada"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        # read as an admin that is left (not as the tests' own user, who has no role now)
        left = next((u for u, outcome in outcomes.items() if outcome == "revoked"), "ada")
        admins = [a.user for a in clients[left].list_role_assignments() if a.role == "admin"]
        try:
            assert sorted(outcomes.values()) == ["refused", "revoked"], outcomes
            assert admins == [left], (admins, outcomes)
        finally:  # the service's admin again, for the next test
            clients[left].apply([AssignRole(RoleAssignment("admin", user=me))])
            for client in clients.values():
                client.close()

    # --- accounts and history, over HTTP (see the module) ------------------------------------
    def test_a_new_store_has_no_accounts_and_no_history(self, store, me):
        """The service's admin alone, with the admin role and its key."""
        assert [u.name for u in store.list_users()] == [me]
        assert store.list_teams() == []
        assert store.list_role_assignments() == [RoleAssignment("admin", user=me)]
        assert [(k.user, k.name) for k in store.list_api_keys()] == [(me, "service")]
        # (the module's earlier tests wrote to it too: the kill test alone ~1,000 events)
        events, total = store.list_events(target="api key", name="service")
        assert total == len(events) > 0
        assert ("create_api_key", "api key", "service") in [
            (e.action, e.target, e.name) for e in events]

    def test_users_and_teams(self, store, me):
        written = store.apply([CreateUser(User("bob")), CreateUser(User("ann"))])
        assert [w.name for w in written] == ["bob", "ann"] and written[0].created
        assert [u.name for u in store.list_users()] == sorted(["ann", "bob", me])
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
        [team] = store.apply([RemoveTeamMember("ops", "ann")])
        assert team == store.get_team("ops") and team.members == ["bob"]
        with raises_named(UserNotFoundError, "ann", "ops"):
            store.apply([RemoveTeamMember("ops", "ann")])

    def test_roles_go_to_users_or_teams_that_exist(self, store, me):
        _with_people(store)
        store.apply([AssignRole(RoleAssignment("admin", user="ann")),
                     AssignRole(RoleAssignment("editor", team="ops"))])
        assert store.list_role_assignments() == sorted(
            [RoleAssignment("admin", user="ann"), RoleAssignment("admin", user=me),
             RoleAssignment("editor", team="ops")],
            key=lambda a: (a.role, a.user or "", a.team or ""))
        with raises_named(RoleAssignmentExistsError, "admin", "ann"):
            store.apply([AssignRole(RoleAssignment("admin", user="ann"))])
        with raises_named(UserNotFoundError, "zed"):
            store.apply([AssignRole(RoleAssignment("viewer", user="zed"))])
        with raises_named(RoleAssignmentNotFoundError, "viewer", "bob"):
            store.apply([RevokeRole(RoleAssignment("viewer", user="bob"))])
        store.apply([RevokeRole(RoleAssignment("editor", team="ops"))])
        assert RoleAssignment("editor", team="ops") not in store.list_role_assignments()

    def test_deleting_a_user_or_team_takes_what_hangs_on_it(self, store, me):
        _with_people(store)
        store.apply([AssignRole(RoleAssignment("viewer", user="bob")),
                     AssignRole(RoleAssignment("editor", team="ops")),
                     CreateApiKey(_key("bob", "laptop")),
                     CreateApiKey(_key("ann", "ci", "a" * 12))])
        store.apply([DeleteUser("bob")])
        assert [u.name for u in store.list_users()] == sorted(["ann", me])
        assert store.get_team("ops").members == []
        assert [a for a in store.list_role_assignments() if a.user != me] == [
            RoleAssignment("editor", team="ops")]
        assert [k.name for k in store.list_api_keys() if k.user != me] == ["ci"]
        store.apply([DeleteTeam("ops")])
        assert store.list_teams() == []
        assert store.list_role_assignments() == [RoleAssignment("admin", user=me)]
        with raises_named(UserNotFoundError, "bob"):
            store.apply([DeleteUser("bob")])

    def test_api_keys_keep_their_hash_and_expiry(self, store):
        """Their expiry, names and ids; their hash stays in the service."""
        _with_people(store)
        [written] = store.apply([CreateApiKey(_key("ann", "laptop"))])
        assert written.created and written.last_used is None and written.secret_hash == ""
        [got] = store.list_api_keys("ann")
        assert (got.name, got.key_id, got.secret_hash, got.expires) == (
            "laptop", "0123456789ab", "", "2099-01-01T00:00:00.000000Z")
        with pytest.raises(NotPermittedError, match="does not look API keys up"):
            store.find_api_key("0123456789ab")
        assert store.list_api_keys("bob") == [] and store.list_api_keys("nobody") == []
        with raises_named(ApiKeyExistsError, "laptop"):
            store.apply([CreateApiKey(_key("ann", "laptop", "b" * 12))])
        with raises_named(UserNotFoundError, "zed"):
            store.apply([CreateApiKey(_key("zed", "k", "c" * 12))])
        # the service records a key's use itself; no client writes it
        with pytest.raises(NotPermittedError, match="records the use of its API keys itself"):
            store.apply([TouchApiKey("0123456789ab", "2030-01-01T00:00:00.000000Z")])
        assert store.list_api_keys("ann")[0].last_used is None
        store.apply([RevokeApiKey("ann", "laptop")])
        assert store.list_api_keys("ann") == []
        with raises_named(ApiKeyNotFoundError, "laptop"):
            store.apply([RevokeApiKey("ann", "laptop")])

    def test_every_write_is_in_the_history_with_actor_and_revision(self, store, me):
        """As the contract's, but the actor is the key's user, whatever the caller names."""
        _, before = store.list_events()
        register_stack_with_components(store, "s")
        store.apply([CreateUser(User("ann"))], actor="ann")
        store.update_component(T.ORCHESTRATOR, "s", ComponentChange(set={"password": "hunter2"}))
        store.apply([], actor="ann")  # nothing to record
        store.update_stack("s", StackChange(name="t"))
        events, total = store.list_events(limit=7)
        assert total == before + 7  # 3 components, the stack, the user, 2 updates
        newest = events[0]
        assert (newest.action, newest.target, newest.name, newest.revision) == (
            "update_stack", "stack", "t", 2)
        assert newest.details == {"renamed_from": "s"}
        update = events[1]
        assert (update.action, update.target, update.name, update.revision) == (
            "update_component", "orchestrator", "s", 2)
        assert update.details == {"set": ["password"]}
        assert "hunter2" not in str([e.to_dict() for e in events])
        assert [e.seq for e in events] == list(range(total, total - 7, -1))
        assert {e.actor for e in events} == {me}
        assert events[2].target == "user" and events[2].name == "ann"
        assert all(e.time.endswith("Z") for e in events)

    @pytest.fixture
    def recorded_actor(self, me):
        """The service names the user of the key sent, whatever the caller names."""
        return lambda actor: me

    def test_history_pages_and_filters(self, store, me):
        _, before = store.list_events()
        for i in range(5):
            store.register_component(component(T.ORCHESTRATOR, f"o{i}"))
        store.apply([CreateUser(User("ann"))], actor="ann")
        page, total = store.list_events(limit=2, offset=1)
        assert total == before + 6 and [e.name for e in page] == ["o4", "o3"]
        assert store.list_events(actor="ann") == ([], 0)  # the actor is the key's user
        mine, total = store.list_events(actor=me, limit=1)
        assert mine[0].name == "ann" and total >= 6
        one, total = store.list_events(target="orchestrator", name="o2")  # earlier tests' too
        assert one[0].action == "register_component" and total >= 1
        assert {(e.target, e.name) for e in one} == {("orchestrator", "o2")}

    def test_a_failing_batch_leaves_no_history(self, store, me):
        register_stack_with_components(store, "s")
        before = store.list_events()
        with pytest.raises(TeamNotFoundError):
            store.apply([CreateUser(User("ann")), AddTeamMember("ops", "ann")])
        assert store.list_events() == before
        assert [u.name for u in store.list_users()] == [me]
