"""Secrets end to end through the CLI, as a user runs them (issue 18).

Values are given through stdin (`--values -`), never on a command line; the files
and rows a store keeps are read directly to prove no value lies there in clear.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest
import yaml

from zen_core.testing.cli import failed, ok

SECRET = "hunter2-s3cr3t"
OTHER = "0ther-p4ssw0rd"


def values(**pairs: str) -> str:
    return yaml.safe_dump(pairs)


def every_file_under(root):
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def db(zen, zen_home):
    """The default local profile with a secret ``db`` (user, password)."""
    result = ok(zen("secret create db --values -", input=values(user="app", password=SECRET)))
    assert "Made a secrets key for profile 'default'" in result.stderr
    return zen


# --- create, read, change -----------------------------------------------------------------------
def test_create_list_describe_never_show_a_value_unless_asked(db, zen_home):
    zen = db
    listed = json.loads(ok(zen("secret list -o json")).stdout)
    assert [(s["name"], s["keys"], s["revision"]) for s in listed] == [
        ("db", ["password", "user"], 1)]
    described = ok(zen("secret describe db"))
    assert SECRET not in described.output and "password" in described.stdout
    shown = json.loads(ok(zen("secret describe db --show -o json")).stdout)
    assert shown["values"] == {"user": "app", "password": SECRET}


def test_update_sets_and_removes_keys_and_the_history_names_keys_only(db):
    zen = db
    ok(zen("secret update db --values - --remove user", input=values(password=OTHER)))
    shown = json.loads(ok(zen("secret describe db --show -o json")).stdout)
    assert (shown["values"], shown["revision"]) == ({"password": OTHER}, 2)
    history = ok(zen("secret history db -o json")).stdout
    events = json.loads(history)["events"]
    assert [e["action"] for e in events] == ["update_secret", "create_secret"]
    assert events[0]["details"] == {"set": ["password"], "unset": ["user"]}
    assert SECRET not in history and OTHER not in history


def test_values_on_the_command_line_are_accepted_but_stdin_is_the_way(zen):
    ok(zen(f"secret create tok --token={SECRET}"))
    assert json.loads(ok(zen("secret describe tok --show -o json")).stdout)["values"] == {
        "token": SECRET}


def test_bad_names_keys_and_inputs_are_one_line_errors(zen, zen_home):
    assert "'.' separates the secret" in failed(zen("secret create a.b --values -",
                                                     input=values(k="v")))
    assert "Invalid secret key" in failed(zen("secret create s --values -",
                                              input=values(**{"bad-key!": "v"})))
    assert "at least one key" in failed(zen("secret create s --values -", input="{}"))
    assert "no terminal to ask" in failed(zen("secret create s --password"))
    assert "named 'env'" in failed(zen("secret create env --values -", input=values(k="v")))
    assert json.loads(ok(zen("secret list -o json")).stdout) == []


# --- at rest ----------
def test_no_value_lies_in_clear_in_the_store_and_the_key_is_apart(db, zen_home):
    store = zen_home / "profiles" / "default"
    for path, content in every_file_under(store).items():
        assert SECRET.encode() not in content, path
    key = zen_home / "secret-keys" / "default.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert not key.is_relative_to(store)


def test_a_sqlite_profile_keeps_no_value_in_clear(zen, zen_home, tmp_path):
    db_file = tmp_path / "zen.db"
    ok(zen(f"profile create lite --store-type sql --url sqlite:///{db_file}"))
    ok(zen("profile set lite"))
    ok(zen("secret create db --values -", input=values(password=SECRET)))
    with sqlite3.connect(db_file) as connection:
        dumped = "\n".join(connection.iterdump())
    assert SECRET not in dumped and "zen1:" in dumped
    assert json.loads(ok(zen("secret describe db --show -o json")).stdout)["values"] == {
        "password": SECRET}


def test_a_wrong_key_is_refused_by_name_and_nothing_is_written(db, zen_home, monkeypatch):
    zen = db
    key_file = zen_home / "secret-keys" / "default.key"
    from zen_core.services.secret_crypto import encode_key, key_id, new_key

    wrong = new_key()
    monkeypatch.setenv("ZENML_SECRETS_KEY", encode_key(wrong))
    before = every_file_under(zen_home / "profiles")
    error = failed(zen("secret describe db --show"))
    assert f"among this profile's keys ({key_id(wrong)}" in error
    assert "ZENML_SECRETS_KEY" in error and SECRET not in error
    error = failed(zen("secret create more --values -", input=values(k="v")))
    assert "sealed with key" in error and key_id(wrong) in error
    assert every_file_under(zen_home / "profiles") == before
    monkeypatch.delenv("ZENML_SECRETS_KEY")
    key_file.unlink()
    assert "has no secrets key" in failed(zen("secret describe db --show"))


# --- references ----------
MYSQL = "metadata-store register prod -t mysql --host=db --port=3306 --database=zen --username=app"


def test_a_reference_is_checked_stored_as_written_and_resolved_on_request(db, zen_home):
    zen = db
    assert "no secret 'nope'" in failed(zen(MYSQL + " --password={{nope.password}}"))
    assert "no key 'pwd'" in failed(zen(MYSQL + " --password={{db.pwd}}"))
    ok(zen(MYSQL + " --password={{db.password}}"))
    listed = ok(zen("metadata-store describe prod -o json")).stdout
    assert json.loads(listed)["config"]["password"] == "{{db.password}}"
    ok(zen("stack register s -o default -m prod -a default"))
    resolved = yaml.safe_load(ok(zen("stack describe s --resolve")).stdout)
    assert resolved["metadata_store"]["config"]["password"] == SECRET
    for path, content in every_file_under(zen_home / "profiles").items():
        assert SECRET.encode() not in content, path


def test_a_secret_referred_to_cannot_be_deleted_renamed_or_lose_that_key(db):
    zen = db
    ok(zen(MYSQL + " --password={{db.password}}"))
    assert "metadata store 'prod' refers to it" in failed(zen("secret delete db -y"))
    assert "metadata store 'prod' refers to it" in failed(zen("secret rename db pg"))
    assert "refer to them" in failed(zen("secret update db --remove password"))
    ok(zen("secret update db --remove user"))  # a key no one refers to


def test_a_plain_secret_field_becomes_a_secret_of_its_own(zen, zen_home):
    result = ok(zen(MYSQL + " --password-stdin", input=SECRET + "\n"))
    assert ("Stored the value of password of metadata store 'prod' as secret "
            "'metadata-store-prod'") in result.stderr
    stored = (zen_home / "profiles/default/metadata_stores/prod.yaml").read_text()
    assert "{{metadata-store-prod.password}}" in stored and SECRET not in stored
    shown = json.loads(ok(zen("secret describe metadata-store-prod --show -o json")).stdout)
    assert shown["values"] == {"password": SECRET}


def test_migrate_moves_the_plain_values_a_store_holds(zen, zen_home):
    ok(zen("stack list"))
    folder = zen_home / "profiles/default/metadata_stores"
    folder.mkdir(exist_ok=True)
    (folder / "old.yaml").write_text(
        f"name: old\nuuid: 9b2a\nhost: db\nport: 3306\ndatabase: z\nusername: u\n"
        f"password: {SECRET}\n")
    index = zen_home / "profiles/default/stacks.yaml"
    data = yaml.safe_load(index.read_text())
    data["stack_components"]["metadata_store"]["old"] = "mysql"
    index.write_text(json.dumps(data))
    assert "old" in ok(zen("secret migrate --dry-run")).stderr
    assert SECRET in (folder / "old.yaml").read_text()  # a dry run changes nothing
    ok(zen("secret migrate"))
    assert SECRET not in (folder / "old.yaml").read_text()
    assert "No plain secret value left" in ok(zen("secret migrate")).stderr


def test_an_environment_reference_is_resolved_from_the_resolving_process(zen, monkeypatch):
    ok(zen(MYSQL + " --password={{env.DB_PASSWORD}}"))
    ok(zen("stack register s -o default -m prod -a default"))
    assert "DB_PASSWORD is not set" in failed(zen("stack describe s --resolve"))
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    resolved = yaml.safe_load(ok(zen("stack describe s --resolve")).stdout)
    assert resolved["metadata_store"]["config"]["password"] == SECRET


# --- roles ----------
def test_a_viewer_sees_names_and_keys_only(db):
    zen = db
    ok(zen(MYSQL + " --password={{db.password}}"))
    ok(zen("stack register s -o default -m prod -a default"))
    ok(zen("user create vi"))
    ok(zen("role assign viewer --user vi"))
    ok(zen("user set vi"))
    assert json.loads(ok(zen("secret list -o json")).stdout)[0]["keys"] == ["password", "user"]
    for command in ("secret describe db --show", "stack describe s --resolve",
                    "secret create x --values -", "secret rotate-key"):
        result = zen(command, input=values(k="v"))
        assert "role" in failed(result) and SECRET not in result.output, command


def test_rotate_key_seals_every_value_again_and_drops_the_old_key(db, zen_home):
    zen = db
    key_file = zen_home / "secret-keys" / "default.key"
    old = key_file.read_text()
    ok(zen("secret create other --values -", input=values(k=OTHER)))
    assert "Sealed 2 secrets with key" in ok(zen("secret rotate-key")).stderr
    assert key_file.read_text() != old and len(key_file.read_text().split()) == 1
    assert json.loads(ok(zen("secret describe db --show -o json")).stdout)["values"][
        "password"] == SECRET


# --- moving stacks ----------
def test_references_round_trip_through_export_import_and_profile_copy(db, zen_home, tmp_path):
    zen = db
    ok(zen(MYSQL + " --password={{db.password}}"))
    ok(zen("stack register s -o default -m prod -a default"))
    plain = ok(zen("stack export s")).stdout
    assert "{{db.password}}" in plain and SECRET not in plain and "secrets:" not in plain
    with_secrets = ok(zen("stack export s --include-secrets")).stdout
    assert yaml.safe_load(with_secrets)["secrets"] == [
        {"name": "db", "values": {"user": "app", "password": SECRET}}]
    ok(zen("profile create other"))
    ok(zen("profile set other"))
    importing = "stack import - --rename-components"  # the profiles' default components differ
    assert "refers to secret 'db', which this profile lacks" in failed(zen(importing, input=plain))
    ok(zen(importing, input=with_secrets))
    assert json.loads(ok(zen("metadata-store describe prod -o json")).stdout)["config"][
        "password"] == "{{db.password}}"
    ok(zen("profile set default"))
    ok(zen("profile copy default copied --store-type sql"))
    ok(zen("profile set copied"))
    resolved = yaml.safe_load(ok(zen("stack describe s --resolve")).stdout)
    assert resolved["metadata_store"]["config"]["password"] == SECRET
    assert (zen_home / "secret-keys" / "copied.key").read_text() != \
        (zen_home / "secret-keys" / "default.key").read_text()


# --- the README's tour --------------------------------------------------------------------
def readme_secrets_commands() -> list[str]:
    """The README's "Secrets" block: one command a line (continuations joined), comments off."""
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = readme.split("### Secrets\n", 1)[1].split("```\n", 2)[1]
    return [line.split("   #")[0].strip()
            for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_readmes_secrets_tour_runs_as_shown(zen):
    import shlex

    commands = readme_secrets_commands()
    assert len(commands) == 6
    for command in commands:
        given = None
        if " | " in command:  # printf '...' | zenml ...
            printed, command = command.split(" | ", 1)
            given = shlex.split(printed)[1].encode().decode("unicode_escape")
        assert command.startswith("zenml ")
        ok(zen(shlex.split(command)[1:], input=given))
    resolved = yaml.safe_load(ok(zen("stack describe secure --resolve")).stdout)
    assert resolved["metadata_store"]["config"]["password"] == "hunter2"
    listed = ok(zen("secret list")).stdout
    assert "password" in listed and "hunter2" not in listed
