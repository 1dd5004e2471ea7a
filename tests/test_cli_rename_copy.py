"""``profile rename``, ``stack copy``, ``<type> copy`` and ``--dry-run`` of the commands that
move or remove data: what would change, and nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from zen_core.testing.cli import failed, ok, snapshot

CORE = "-o default -m default -a default"


def as_json(result):
    return json.loads(ok(result).stdout)


def gconf(home: Path) -> dict:
    return yaml.safe_load((home / "config.yaml").read_text())


@pytest.fixture
def home(zen, zen_home):
    ok(zen("profile list"))
    ok(zen("profile create team"))
    ok(zen(f"--profile team stack register t2 {CORE}"))
    return zen_home


# --- profile rename ---------------------------------------------------------------------
def test_rename_moves_the_profile_and_its_own_store(zen, home):
    ok(zen("--profile team stack set t2"))
    result = ok(zen("profile rename team crew"))
    assert "Profile 'team' renamed to 'crew'." in result.stderr
    assert not (home / "profiles" / "team").exists()
    assert (home / "profiles" / "crew" / "stacks.yaml").is_file()
    profile = as_json(zen("profile describe crew -o json"))
    assert profile["url"] == f"file://{home / 'profiles' / 'crew'}"
    assert profile["active_stack"] == "t2"
    names = [s["name"] for s in as_json(zen("stack list --profile crew -o json"))]
    assert names == ["default", "t2"]
    assert "team" not in gconf(home)["profiles"]


def test_the_global_choice_follows(zen, home):
    ok(zen("profile set team"))
    ok(zen("profile rename team crew"))
    assert gconf(home)["activated_profile"] == "crew"
    assert "Running with active profile: 'crew' (global)" in ok(zen("stack list")).stderr


def test_the_current_repositorys_choice_follows(zen, home, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    ok(zen("init"))
    ok(zen("profile set team"))
    ok(zen("profile rename team crew"))
    local = yaml.safe_load((repo / ".zen" / "config.yaml").read_text())
    assert local["active_profile_name"] == "crew"
    assert "Running with active profile: 'crew' (local)" in ok(zen("stack list")).stderr


def test_a_store_elsewhere_stays_where_it_is(zen, home, tmp_path):
    url = f"file://{tmp_path / 'elsewhere'}"
    ok(zen(f"profile create outside --url {url}"))
    ok(zen("profile rename outside moved"))
    assert as_json(zen("profile describe moved -o json"))["url"] == url
    assert (tmp_path / "elsewhere" / "stacks.yaml").is_file()


def test_rename_keeps_the_place_in_the_list(zen, home):
    ok(zen("profile create zz"))
    ok(zen("profile rename team aa"))
    assert [p["name"] for p in as_json(zen("profile list -o json"))] == ["default", "aa", "zz"]


@pytest.mark.parametrize(("command", "message"), [
    ("profile rename nope x", "'nope' does not exist"),
    ("profile rename team default", "'default' already exists"),
    ("profile rename team ../x", "Invalid profile name"),
])
def test_bad_renames_change_nothing(zen, home, command, message):
    before = snapshot(home)
    assert message in failed(zen(command))
    assert snapshot(home) == before


# --- stack copy -------------------------------------------------------------------------
def test_copy_a_stack_within_the_profile_shares_its_components(zen, home):
    ok(zen("container-registry register reg -t default --uri=localhost:5000"))
    ok(zen(f"stack register s {CORE} -c reg"))
    copied = as_json(zen("stack copy s s-gpu -o json"))
    assert copied["name"] == "s-gpu"
    assert copied["components"] == as_json(zen("stack describe s -o json"))["components"]
    assert len(as_json(zen("container-registry list -o json"))) == 1


def test_copy_a_stack_from_another_profile_brings_its_components(zen, home):
    ok(zen("--profile team container-registry register reg -t default --uri=localhost:5000"))
    ok(zen("--profile team artifact-store register s3 -t s3 --path=s3://bucket/a"))
    ok(zen("--profile team stack register prod -o default -m default -a s3 -c reg"))
    # the `default` components differ between profiles: they come in under new names
    result = failed(zen("stack copy prod prod --from-profile team"))
    assert "--rename-components" in result
    result = ok(zen("stack copy prod prod --from-profile team --rename-components"))
    assert "Stack 'prod' copied to 'prod'." in result.stderr
    stack = as_json(zen("stack describe prod -o json"))
    assert stack["components"]["artifact_store"] == "s3"
    assert stack["components"]["container_registry"] == "reg"
    assert stack["components"]["orchestrator"] == "default"  # identical: reused
    assert stack["components"]["metadata_store"] == "default_2"


def test_copy_a_stack_dry_run(zen, home):
    before = snapshot(home)
    result = ok(zen("stack copy t2 t3 --from-profile team --rename-components --dry-run"))
    assert "Would register stack 't3'." in result.stdout
    assert "Would register metadata store 'default_2' (sqlite flavor)." in result.stdout
    assert "Dry run: nothing changed." in result.stderr
    assert snapshot(home) == before


# --- component copy ---------------------------------------------------------------------
def test_copy_a_component(zen, home):
    ok(zen("artifact-store register s3 -t s3 --path=s3://bucket/a"))
    copied = as_json(zen("artifact-store copy s3 s3-test -o json"))
    original = as_json(zen("artifact-store describe s3 -o json"))
    assert copied["config"] == original["config"] and copied["uuid"] != original["uuid"]
    assert copied["revision"] == 1


def test_copy_a_component_from_another_profile(zen, home):
    ok(zen("--profile team experiment-tracker register wandb -t wandb --api_key=k "
           "--entity=e --project_name=p"))
    ok(zen("experiment-tracker copy wandb wandb --from-profile team"))
    # the plain key became the secret the component refers to; the copy brought it along
    data = as_json(zen("experiment-tracker describe wandb -o json"))
    assert data["config"]["api_key"] == "{{experiment-tracker-wandb.api_key}}"
    secret = as_json(zen("secret describe experiment-tracker-wandb --show -o json"))
    assert secret["values"] == {"api_key": "k"}
    # copied again under another name: the identical secret is reused, not doubled
    ok(zen("experiment-tracker copy wandb wandb2 --from-profile team"))
    assert [s["name"] for s in as_json(zen("secret list -o json"))] == [
        "experiment-tracker-wandb"]


def test_copy_a_component_onto_a_taken_name_is_refused(zen, home):
    before = snapshot(home)
    assert "already exists" in failed(zen("orchestrator copy default default --from-profile "
                                          "team"))
    assert "already exists" in failed(zen("orchestrator copy default default --from-profile "
                                          "team --dry-run"))
    assert snapshot(home) == before


# --- dry runs ---------------------------------------------------------------------------
def test_dry_runs_of_deletes(zen, home):
    ok(zen(f"stack register s {CORE}"))
    ok(zen("orchestrator register extra -t local"))
    before = snapshot(home)
    result = ok(zen("profile delete team --dry-run"))
    assert result.stdout.strip() == (
        "Would delete profile 'team'. Its store goes with it: 2 stacks and 3 components.")
    assert ok(zen("stack delete s --dry-run")).stdout.strip() == (
        "Would delete stack 's'. Its components stay registered.")
    assert ok(zen("orchestrator delete extra --dry-run")).stdout.strip() == (
        "Would delete orchestrator 'extra'.")
    assert as_json(zen("stack delete s --dry-run -o json"))["name"] == "s"
    assert snapshot(home) == before


def test_a_dry_run_refuses_what_the_delete_would_refuse(zen, home):
    assert "globally active" in failed(zen("profile delete default --dry-run"))
    assert "globally active" in failed(zen("stack delete default --dry-run"))
    assert "used by stack" in failed(zen("orchestrator delete default --dry-run"))


def test_a_profile_whose_store_is_elsewhere_keeps_it(zen, home, tmp_path):
    ok(zen(f"profile create outside --url file://{tmp_path / 'elsewhere'}"))
    result = ok(zen("profile delete outside --dry-run"))
    assert f"Its store at file://{tmp_path / 'elsewhere'} stays (1 stack and 3 components)." in (
        result.stdout)


def test_dry_run_of_profile_copy(zen, home, tmp_path):
    before = snapshot(home)
    result = ok(zen("profile copy team team2 --store-type local --dry-run"))
    assert "Would create profile 'team2' (local store at file://" in result.stdout
    assert "with 2 stacks and 3 components of profile 'team', active stack 'default'" in (
        result.stdout)
    assert snapshot(home) == before
    assert "already exists" in failed(zen("profile copy team default --store-type local "
                                          "--dry-run"))
    ok(zen(f"profile create full --url file://{tmp_path / 'full'}"))
    assert "is not empty" in failed(zen(f"profile copy team x --store-type local --url "
                                        f"file://{tmp_path / 'full'} --dry-run"))


def test_dry_run_of_stack_import(zen, home, tmp_path):
    export = tmp_path / "t2.yaml"
    ok(zen(f"--profile team stack export t2 {export}"))
    before = snapshot(home)
    result = ok(zen(f"stack import {export} --name t2 --rename-components --dry-run"))
    assert "Reusing the identical orchestrator 'default'." in result.stdout
    assert "Would register stack 't2'." in result.stdout
    assert snapshot(home) == before
    ok(zen(f"stack import {export} --name t2 --rename-components"))
    assert "t2" in [s["name"] for s in as_json(zen("stack list -o json"))]
