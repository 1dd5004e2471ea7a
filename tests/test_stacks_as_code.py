"""Stacks as code through the real CLI (issue 19): labels, stacks files, `zenml diff`,
`zenml apply` (plans, saved plans, prune), `zenml export` and `zenml schema stacks`."""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml

from zen_core.testing.cli import failed, header, ok, row_named, rows, snapshot, usage_error

FILE = textwrap.dedent("""\
    set: team-ml
    components:
      - type: orchestrator
        flavor: local
        name: orch
        labels: {env: prod}
      - type: metadata_store
        flavor: sqlite
        name: meta
        configuration:
          uri: /data/meta.db
      - type: artifact_store
        flavor: local
        name: art
        configuration:
          path: /data/art
    stacks:
      - name: prod
        components: {orchestrator: orch, metadata_store: meta, artifact_store: art}
        labels: {env: prod}
    """)
OWNER = "zen.dev/apply-set"


@pytest.fixture
def files(zen_home):
    folder = zen_home.parent / "repo"
    folder.mkdir()
    (folder / "stacks.yaml").write_text(FILE)
    return folder


def plan_of(result) -> dict:
    return json.loads(result.stdout)


# --- labels ------------------------------------------------------------------------------
def test_labels_on_register_update_and_list(zen, zen_home):
    ok(zen("orchestrator register o1 -t local --label env=prod --label team=ml"))
    ok(zen("orchestrator register o2 -t local"))
    ok(zen("stack register s1 -o o1 -m default -a default --label env=prod"))
    table = ok(zen("stack list -l env=prod")).stdout
    assert [r[1] for r in rows(table)] == ["s1"] and header(table)[-1] == "LABELS"
    assert row_named(table, "s1")[-1] == "env=prod"
    assert "LABELS" not in header(ok(zen("stack list -l !env")).stdout)
    listed = json.loads(ok(zen("orchestrator list -l team=ml,env!=dev -o json")).stdout)
    assert [(c["name"], c["labels"]) for c in listed] == [("o1", {"env": "prod", "team": "ml"})]
    # an update removes (KEY-) and sets labels, a new revision; others keep their shape
    written = json.loads(ok(zen("stack update s1 --label env- --label tier=gold --output json"))
                         .stdout)
    assert written["labels"] == {"tier": "gold"} and written["revision"] == 2
    assert "labels" not in json.loads(ok(zen("stack describe default -o json")).stdout)
    ok(zen("orchestrator update o2 --label team=ml"))
    assert [c["name"] for c in json.loads(ok(zen("orchestrator list -l team -o json"))
                                          .stdout)] == ["o1", "o2"]
    assert "Invalid label key" in usage_error(zen("stack register x -o o1 -m default "
                                                  "-a default --label bad_=x"))
    assert "label selector" in usage_error(zen("stack list -l env=prod,,x"))


# --- plans -------------------------------------------------------------------------------
def test_create_then_noop_then_update_plans(zen, files):
    stacks_file = files / "stacks.yaml"
    result = zen(f"diff -f {stacks_file}")
    assert result.exit_code == 1, result.output
    assert f"+ create orchestrator 'orch' ({stacks_file}:3)" in result.stdout
    assert '    + labels.zen.dev/apply-set: "team-ml"' in result.stdout
    assert "4 to create, 0 to update, 0 to delete, 0 unchanged." in result.stdout
    ok(zen(f"apply -f {stacks_file} --yes"))
    prod = json.loads(ok(zen("stack describe prod -o json")).stdout)
    assert prod["labels"] == {"env": "prod", OWNER: "team-ml"}
    noop = zen(f"diff -f {stacks_file} -o json")
    assert noop.exit_code == 0 and plan_of(noop)["differs"] is False
    assert plan_of(noop)["summary"]["unchanged"] == 4
    applied = ok(zen(f"apply -f {stacks_file}"))
    assert "Nothing to apply." in applied.stderr
    # a change by hand (drift) is shown with its author; apply puts the file's state back
    ok(zen("metadata-store update meta --uri=/elsewhere.db"))
    drift = zen(f"diff -f {stacks_file}")
    assert drift.exit_code == 1
    assert ('    ~ configuration.uri: "/elsewhere.db" -> "/data/meta.db"' in drift.stdout)
    assert "last changed by default at" in drift.stdout
    changes = plan_of(zen(f"diff -f {stacks_file} -o json"))["changes"]
    assert [(c["action"], c["kind"], c["name"], c["revision"]) for c in changes] == [
        ("update", "metadata-store", "meta", 2)]
    assert changes[0]["last_change"]["actor"] == "default"
    dry = ok(zen(f"apply -f {stacks_file} --dry-run"))
    assert "Dry run: nothing changed." in dry.stderr
    ok(zen(f"apply -f {stacks_file} -y"))
    assert zen(f"diff -f {stacks_file}").exit_code == 0


def test_prune_deletes_only_what_the_set_applied(zen, files):
    stacks_file = files / "stacks.yaml"
    ok(zen(f"apply -f {stacks_file} -y"))
    # records made by hand, one of them using a component the set owns
    ok(zen("orchestrator register by-hand -t local"))
    ok(zen("stack register hand -o orch -m default -a default"))
    ok(zen("stack register hand2 -o by-hand -m default -a default"))
    # the file no longer names the orchestrator and the stack
    text = FILE.replace("orchestrator: orch,", "orchestrator: default,")
    text = text.replace("  - type: orchestrator\n    flavor: local\n    name: orch\n"
                        "    labels: {env: prod}\n", "")
    text = text.replace("  - name: prod\n", "  - name: prod2\n")
    stacks_file.write_text(text)
    result = zen(f"diff -f {stacks_file} --prune")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1] == "- delete stack 'prod' (revision 1)"
    assert "Note: Kept orchestrator 'orch' (set 'team-ml', in no file): stack 'hand' still " \
           "uses it." in result.stdout
    assert "1 to create, 0 to update, 1 to delete, 2 unchanged." in result.stdout
    ok(zen(f"apply -f {stacks_file} --prune -y"))
    names = [s["name"] for s in json.loads(ok(zen("stack list -o json")).stdout)]
    assert names == ["default", "hand", "hand2", "prod2"]  # unlabelled ones untouched
    orchestrators = [c["name"] for c in json.loads(ok(zen("orchestrator list -o json")).stdout)]
    assert orchestrators == ["by-hand", "default", "orch"]
    assert zen(f"diff -f {stacks_file} --prune").exit_code == 0
    # prune needs a set's name: files without one cannot prune
    stacks_file.write_text(text.replace("set: team-ml\n", ""))
    assert "--prune needs the apply set's name" in failed(
        zen(f"diff -f {stacks_file} --prune"), exit_code=2)


def test_saved_plan_is_refused_after_a_concurrent_write(zen, files, zen_home):
    stacks_file = files / "stacks.yaml"
    plan_file = files / "plan.json"
    ok(zen(f"apply -f {stacks_file} --plan-out {plan_file}"))
    assert json.loads(ok(zen("stack list -o json")).stdout)[0]["name"] == "default"
    saved = json.loads(plan_file.read_text())
    assert saved["format"] == "zen-plan/1" and saved["revisions"]["stack/prod"] == 0
    ok(zen("orchestrator register orch -t local"))  # someone was faster
    before = snapshot(zen_home)
    error = failed(zen(f"apply {plan_file} --yes"))
    assert "The saved plan is out of date: orchestrator 'orch' was absent when it was made " \
           "and is revision 1 now" in error
    assert snapshot(zen_home) == before
    # a fresh plan applies, and a saved plan still in date applies exactly
    ok(zen("orchestrator delete orch -y"))
    ok(zen(f"apply -f {stacks_file} --plan-out {plan_file}"))
    ok(zen("profile create other"))
    assert "The plan was made for profile 'default', not 'other'" in failed(
        zen(f"apply {plan_file} -y --profile other"))
    ok(zen(f"apply {plan_file} -y"))
    assert zen(f"diff -f {stacks_file}").exit_code == 0


def test_errors_name_file_line_and_entry_and_exit_2(zen, files):
    bad = files / "bad.yaml"
    bad.write_text(FILE.replace("path: /data/art", "paht: /data/art"))
    error = failed(zen(f"diff -f {bad}"), exit_code=2)
    assert error.startswith(f"Error: {bad}:12: components entry 3 (artifact_store 'art'): ")
    assert "unknown field 'paht'" in error
    bad.write_text(FILE + "  - name: prod\n    components: {orchestrator: orch}\n")
    assert f"{bad}:21: stacks entry 2 ('prod'): stack 'prod' has no metadata store" in failed(
        zen(f"apply -f {bad}"))
    bad.write_text("components: [\n")
    assert f"{bad}:2:" in failed(zen(f"diff -f {bad}"), exit_code=2)
    bad.write_text(FILE.replace("  - name: prod\n", "  - name: prod\n    extra: 1\n"))
    assert "unknown key 'extra'" in failed(zen(f"diff -f {bad}"), exit_code=2)
    # a secret field holding a value: refused, and never echoed
    secretive = FILE.replace("""      - type: metadata_store
        flavor: sqlite
        name: meta
        configuration:
          uri: /data/meta.db""".replace("      ", "  "), """  - type: metadata_store
    flavor: mysql
    name: meta
    configuration: {host: db, port: 3306, database: zen, username: app,
                    password: hunter2-plain}""")
    bad.write_text(secretive)
    error = failed(zen(f"diff -f {bad}"), exit_code=2)
    assert "holds a value: a stacks file holds references" in error
    assert "hunter2" not in error
    assert "No such file" in failed(zen(f"diff -f {files}/absent.yaml"), exit_code=2)
    assert "not both" in usage_error(zen(f"apply {bad} -f {bad}"))


def test_stdin_folders_and_references(zen, files):
    ok(zen("secret create db --values -", input="password: s3cr3t-value\n"))
    (files / "more.yaml").write_text(textwrap.dedent("""\
        components:
          - type: metadata_store
            flavor: mysql
            name: mysql-meta
            configuration: {host: db, port: 3306, database: zen, username: app,
                            password: "{{db.password}}"}
        """))
    result = zen(f"diff -f {files} -o json")
    assert result.exit_code == 1
    assert plan_of(result)["summary"]["create"] == 5
    ok(zen(f"apply -f {files} -y"))
    assert zen("diff -f -", input=(files / "stacks.yaml").read_text()).exit_code == 0
    ok(zen("secret update db --values -", input="password: other-value\n"))
    assert zen(f"diff -f {files}").exit_code == 0  # the reference is what is compared
    shown = ok(zen(f"diff -f {files} -o json")).stdout + ok(zen("export")).stdout
    assert "s3cr3t" not in shown and "other-value" not in shown


def test_export_round_trip_to_another_store_type(zen, files, zen_home):
    ok(zen("secret create db --values -", input="password: s3cr3t-value\n"))
    ok(zen("metadata-store register mysql-meta -t mysql --host=db --port=3306 --database=zen "
           "--username=app --password={{db.password}} --label team=ml"))
    ok(zen(f"apply -f {files / 'stacks.yaml'} -y"))
    exported = files / "exported.yaml"
    ok(zen(f"export -f {exported}"))
    document = yaml.safe_load(exported.read_text())
    assert document["set"] == "team-ml"
    mysql = next(c for c in document["components"] if c["name"] == "mysql-meta")
    assert mysql["configuration"]["password"] == "{{db.password}}"
    assert mysql["labels"] == {"team": "ml"}
    assert "s3cr3t" not in exported.read_text()
    ok(zen("profile create target --type sql"))
    ok(zen("secret create db --values - --profile target", input="password: x\n"))
    ok(zen(f"apply -f {exported} -y --profile target"))
    result = zen(f"diff -f {exported} --profile target")
    assert result.exit_code == 0, result.output
    assert "Nothing differs" in result.stdout


def test_schema_of_stacks_files_validates_the_guide_file(zen, files):
    import jsonschema

    schema = json.loads(ok(zen("schema stacks")).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(yaml.safe_load(FILE)))
    wrong = yaml.safe_load(FILE.replace("path: /data/art", "paht: /data/art"))
    assert list(validator.iter_errors(wrong))
    plain = yaml.safe_load(FILE)
    plain["components"][1] = {"type": "metadata_store", "flavor": "mysql", "name": "m",
                              "configuration": {"host": "h", "port": 1, "database": "d",
                                                "username": "u", "password": "plain"}}
    assert list(validator.iter_errors(plain))  # a secret field takes a reference only
    plain["components"][1]["configuration"]["password"] = "{{db.password}}"
    assert not list(validator.iter_errors(plain))


# --- history: old and new values, revert ---------------------------------------------------
def test_history_diff_and_revert_of_components_and_stacks(zen):
    ok(zen("secret create db --values -", input="password: s3cr3t-value\n"))
    ok(zen("metadata-store register meta -t mysql --host=db1 --port=3306 --database=zen "
           "--username=app --password={{db.password}}"))
    ok(zen("metadata-store update meta --host=db2 --label env=prod"))
    events = json.loads(ok(zen("metadata-store history meta --diff -o json")).stdout)["events"]
    assert [e["revision"] for e in events] == [2, 1]
    assert {(c["key"], c["old"], c["new"]) for c in events[0]["changes"]} == {
        ("configuration.host", "db1", "db2"), ("labels.env", None, "prod")}
    assert events[1]["state"]["config"]["password"] == "{{db.password}}"
    table = ok(zen("metadata-store history meta --diff")).stdout
    assert 'configuration.host: "db1" -> "db2"' in table
    reverted = json.loads(ok(zen("metadata-store revert meta --revision 1 -o json")).stdout)
    assert reverted["config"]["host"] == "db1" and reverted["revision"] == 3
    assert "labels" not in reverted
    assert "nothing to revert" in failed(zen("metadata-store revert meta -r 1"))
    assert "no state of revision 9" in failed(zen("metadata-store revert meta -r 9"))
    # stacks: members and labels
    ok(zen("stack register s -o default -m meta -a default --label team=ml"))
    ok(zen("stack update s -m default --label team-"))
    ok(zen("stack revert s --revision 1"))
    stack = json.loads(ok(zen("stack describe s -o json")).stdout)
    assert stack["components"]["metadata_store"] == "meta" and stack["labels"] == {"team": "ml"}
    assert stack["revision"] == 3
    everything = ok(zen("history --diff -o json")).stdout
    assert "s3cr3t" not in everything
    assert 'components.metadata_store: "default" -> "meta"' in ok(zen("history --diff")).stdout
