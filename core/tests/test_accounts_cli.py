"""Users, teams, roles, API keys and history through the CLI, on a local profile: who may
do what is checked in the domain layer for the profile's active user."""

from __future__ import annotations

import json

import pytest
import yaml

from zen_core.testing.cli import failed, ok, rows, snapshot


def as_json(result):
    return json.loads(ok(result).stdout)


@pytest.fixture
def team_store(zen, zen_home):
    """alice (editor), bob (viewer), carol in team ml (editor via the team); default admin."""
    for name in ("alice", "bob", "carol"):
        ok(zen(f"user create {name}"))
    ok(zen("team create ml"))
    ok(zen("team add ml --user carol"))
    ok(zen("role assign editor --user alice"))
    ok(zen("role assign viewer --user bob"))
    ok(zen("role assign editor --team ml"))
    return zen_home


def test_a_new_store_treats_the_local_user_as_admin_until_roles_are_given(zen, zen_home):
    me = as_json(zen("whoami --output json"))
    assert (me["user"], me["roles"]) == ("default", ["admin"])
    assert "no roles assigned" in me["note"]
    ok(zen("user create alice"))
    result = ok(zen("role assign viewer --user alice"))
    # the first role given also makes the one giving it an admin
    assert "Assigned role 'admin' to user 'default'." in result.stderr
    assert "Assigned role 'viewer' to user 'alice'." in result.stderr
    assert as_json(zen("whoami --output json"))["roles"] == ["admin"]
    listed = {u["name"]: u for u in as_json(zen("user list --output json"))}
    assert listed["alice"]["roles"] == ["viewer"] and listed["default"]["roles"] == ["admin"]


def test_roles_decide_what_each_user_may_do(zen, team_store):
    ok(zen("user set bob"))
    error = failed(zen("orchestrator register o -t local"))
    assert error == ("Error: User 'bob' (viewer) may not write stacks and components: that "
                     "needs the 'editor' role. An admin can give it with "
                     "`zenml role assign editor --user bob`.")
    assert "default" in ok(zen("stack list")).stdout  # a viewer reads
    ok(zen("user set carol"))  # editor through team ml
    ok(zen("orchestrator register o -t local"))
    error = failed(zen("user create dave"))
    assert "may not manage users, teams, roles and keys" in error and "'admin' role" in error
    ok(zen("user set alice"))
    ok(zen("stack register s -o o -m default -a default"))
    failed(zen("role assign admin --user alice"))
    ok(zen("user set default"))
    ok(zen("role assign admin --user alice"))


def test_a_user_that_does_not_exist_cannot_be_acted_as(zen, team_store):
    error = failed(zen("user set nobody"))
    assert "Unable to find user with name 'nobody'" in error and "'alice'" in error


def test_teams_give_their_roles_to_members(zen, team_store):
    described = as_json(zen("team describe ml --output json"))
    assert described["members"] == ["carol"] and described["roles"] == ["editor"]
    assert as_json(zen("user describe carol --output json"))["roles"] == ["editor"]
    ok(zen("team remove ml --user carol"))
    assert as_json(zen("user describe carol --output json"))["roles"] == []
    ok(zen("team add ml --user carol"))
    ok(zen("team delete ml"))
    assert as_json(zen("user describe carol --output json"))["teams"] == []
    assert [a for a in as_json(zen("role assignment list --output json"))
            if a["team"]] == []


def test_the_last_admin_stays(zen, team_store, zen_home):
    before = snapshot(zen_home)
    for command in ("role revoke admin --user default", "user delete default"):
        error = failed(zen(command))
        assert "no one would be an admin" in error
    assert snapshot(zen_home) == before
    ok(zen("role assign admin --user alice"))
    ok(zen("role revoke admin --user default"))
    assert as_json(zen("whoami --output json"))["roles"] == []


def test_roles_are_listed_with_what_they_allow(zen):
    roles = {r["name"]: r for r in as_json(zen("role list --output json"))}
    assert list(roles) == ["viewer", "editor", "admin"]
    assert roles["viewer"]["permissions"] == ["read"]
    assert "read secrets" in roles["editor"]["permissions"]
    assert "manage users, teams, roles and keys" in roles["admin"]["permissions"]
    assert failed(zen("role assign owner --user default")).startswith(
        "Error: Unknown role 'owner'. Choose one of: viewer, editor, admin.")
    assert "--user USER or --team TEAM" in failed(zen("role assign viewer"))


def test_api_keys_are_shown_once_and_stored_as_a_hash(zen, team_store):
    created = ok(zen("user key create alice --name laptop --expires-in 30d"))
    key = created.stdout.strip()
    assert key.startswith("zen_") and len(key) > 50
    assert "not shown again" in created.stderr
    listed = as_json(zen("user key list alice --output json"))
    assert [k["name"] for k in listed] == ["laptop"]
    assert set(listed[0]) == {"user", "name", "created", "expires", "last_used"}
    assert listed[0]["expires"] > listed[0]["created"]
    on_disk = "".join(p.read_text(errors="replace") for p in team_store.rglob("*")
                      if p.is_file())
    assert key not in on_disk and key.split("_", 2)[2] not in on_disk
    assert failed(zen("user key create alice --name laptop")).endswith(
        "already has an API key named 'laptop'. Choose another name.")
    assert "Invalid duration 'soon'" in failed(zen("user key create alice --expires-in soon"))
    ok(zen("user key revoke alice laptop"))
    assert as_json(zen("user key list alice --output json")) == []
    assert "has no API key named 'laptop'" in failed(zen("user key revoke alice laptop"))


def test_only_admins_handle_keys(zen, team_store):
    ok(zen("user set alice"))
    assert "'admin' role" in failed(zen("user key create alice"))
    assert "'admin' role" in failed(zen("user key list alice"))


def test_history_says_who_changed_what_never_a_secret(zen, team_store):
    ok(zen("user set alice"))
    ok(zen("metadata-store register db -t mysql --host=h --port=3306 --database=d "
           "--username=u --password=hunter2"))
    ok(zen("metadata-store update db --password=swordfish"))
    ok(zen("user set default"))
    ok(zen("stack register s -o default -m db -a default"))
    history = as_json(zen("metadata-store history db --output json"))
    assert history["total"] == 2
    newest, first = history["events"]
    assert (newest["actor"], newest["action"], newest["revision"]) == (
        "alice", "update_component", 2)
    assert newest["details"] == {"set": ["password"]}
    assert first["action"] == "register_component"
    everything = ok(zen("history --limit 1000 --output json")).stdout
    assert "hunter2" not in everything and "swordfish" not in everything
    by_alice = as_json(zen("history --user alice --output json"))
    # the plain password went to the component's own secret, written first in each batch
    assert [e["action"] for e in by_alice["events"]] == [
        "update_component", "update_secret", "register_component", "create_secret"]
    secret = as_json(zen("secret history metadata-store-db --output json"))["events"]
    assert [(e["actor"], e["details"]) for e in secret] == [
        ("alice", {"set": ["password"]}), ("alice", {"keys": ["password"]})]
    stack = as_json(zen("stack history s --output json"))["events"]
    assert [(e["actor"], e["action"]) for e in stack] == [("default", "register_stack")]
    table = ok(zen("history --limit 2")).stdout
    assert len(rows(table)) == 2
    page = as_json(zen("history --limit 2 --offset 2 --output json"))
    assert page["total"] > 4 and len(page["events"]) == 2


def test_a_zenml_073_store_keeps_its_users_and_teams(zen, zen_home):
    ok(zen("profile list"))
    index = zen_home / "profiles" / "default" / "stacks.yaml"
    data = yaml.safe_load(index.read_text())
    data.update(users=[{"id": "0b1c", "creation_date": "2022-05-01T10:00:00", "name": "default"},
                       {"id": "0b1d", "creation_date": "2022-05-01T10:00:00", "name": "ann"}],
                teams=[{"id": "0t1", "creation_date": "2022-05-01T10:00:00", "name": "core"}],
                team_assignments={"core": ["ann"]}, roles=[], role_assignments=[], projects=[])
    index.write_text(yaml.safe_dump(data))
    users = {u["name"]: u for u in as_json(zen("user list --output json"))}
    assert set(users) == {"default", "ann"} and users["ann"]["teams"] == ["core"]
    ok(zen("role assign editor --team core"))
    after = yaml.safe_load(index.read_text())
    # 0.7.3's own keys are kept as 0.7.3 wrote them; zen's roles sit under _zen
    assert after["users"][1] == {"id": "0b1d", "creation_date": "2022-05-01T10:00:00",
                                 "name": "ann"}
    assert after["team_assignments"] == {"core": ["ann"]}
    assert after["role_assignments"] == [] and after["projects"] == []
    assert {(a["role"], a["user"], a["team"]) for a in after["_zen"]["role_assignments"]} == {
        ("admin", "default", None), ("editor", None, "core")}
