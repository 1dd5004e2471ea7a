"""Stack and component commands end to end: register, list, describe, update, rename, delete,
validation, secret masking and the ``--output json|yaml`` shapes of README "Output for scripts"."""

from __future__ import annotations

import json

import pytest
import yaml

from zen_core.testing.cli import (
    ACTIVE,
    active_rows,
    failed,
    header,
    ok,
    row_named,
    rows,
    usage_error,
)

CORE = {"orchestrator": "default", "metadata_store": "default", "artifact_store": "default"}


def data(zen, command: str, fmt: str = "json"):
    result = ok(zen(f"{command} --output {fmt}"))
    return json.loads(result.stdout) if fmt == "json" else yaml.safe_load(result.stdout)


@pytest.fixture(autouse=True)
def _first_run(zen):
    ok(zen("profile list"))


@pytest.fixture
def registry(zen):
    ok(zen("container-registry register reg -t default --uri=localhost:5000"))
    return "reg"


@pytest.fixture
def stack_s(zen, registry):
    ok(zen("stack register s -o default -m default -a default -c reg"))
    return "s"


# --- stacks -----------------------------------------------------------------------------
def test_register_a_stack_with_an_optional_component(zen, registry):
    result = ok(zen("stack register s -o default -m default -a default -c reg"))
    assert "Stack 's' successfully registered!" in result.stderr
    listing = ok(zen("stack list")).stdout
    assert "CONTAINER_REGISTRY" in header(listing)
    column = header(listing).index("CONTAINER_REGISTRY")
    assert row_named(listing, "s")[column] == "reg"
    assert row_named(listing, "default")[column] == ""
    assert data(zen, "stack describe s")["components"] == {**CORE, "container_registry": "reg"}


def test_register_with_long_option_names(zen, registry):
    ok(zen("stack register s --orchestrator default --metadata-store default "
           "--artifact-store default --container_registry reg"))
    assert data(zen, "stack describe s")["components"]["container_registry"] == "reg"


def test_register_needs_the_three_core_components(zen):
    error = usage_error(zen("stack register s -o default -m default"))
    assert "artifact" in error


def test_stack_describe(zen, stack_s):
    named = ok(zen("stack describe s"))
    assert "'s' stack" in named.stdout
    assert "(ACTIVE)" not in named.stdout
    assert dict(rows(named.stdout)) == {
        "ORCHESTRATOR": "default", "METADATA_STORE": "default",
        "ARTIFACT_STORE": "default", "CONTAINER_REGISTRY": "reg",
    }
    active = ok(zen("stack describe"))
    assert "'default' stack (ACTIVE)" in active.stdout


def test_stack_get(zen, stack_s):
    assert ok(zen("stack get")).stdout.strip() == "The active stack is: 'default'"
    ok(zen("stack set s"))
    assert ok(zen("stack get")).stdout.strip() == "The active stack is: 's'"


def test_stack_update_replaces_a_component(zen, stack_s, tmp_path):
    ok(zen(f"artifact-store register other -t local --path={tmp_path / 'artifacts'}"))
    result = ok(zen("stack update s -a other"))
    assert "Stack `s` successfully updated!" in result.stderr
    assert data(zen, "stack describe s")["components"] == {
        **CORE, "artifact_store": "other", "container_registry": "reg",
    }


def test_stack_update_of_a_missing_stack(zen):
    error = failed(zen("stack update nope -a default"))
    assert error == "Error: Unable to find stack with name 'nope'. Available stacks: 'default'."
    assert [r[1] for r in rows(ok(zen("stack list")).stdout)] == ["default"]


def test_stack_rename_keeps_the_active_stack_active(zen, stack_s):
    ok(zen("stack set s"))
    result = ok(zen("stack rename s t"))
    assert "Stack `s` successfully renamed as `t`!" in result.stderr
    listing = ok(zen("stack list")).stdout
    assert [r[1] for r in rows(listing)] == ["default", "t"]
    assert active_rows(listing) == ["t"]
    assert ok(zen("stack get")).stdout.strip() == "The active stack is: 't'"


def test_stack_rename_inside_a_repository_keeps_the_local_stack(
    zen, stack_s, tmp_path, monkeypatch
):
    repo = tmp_path / "work" / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    ok(zen("init"))
    ok(zen("stack set s"))
    ok(zen("stack rename s t"))
    result = ok(zen("stack list"))
    assert "not found" not in result.stderr
    assert active_rows(result.stdout) == ["t"]


def test_stack_rename_to_an_existing_name(zen, stack_s):
    before = data(zen, "stack list")
    error = failed(zen("stack rename s default"))
    assert error == ("Error: A stack with name 'default' already exists. Please choose a "
                     "different name.")
    assert data(zen, "stack list") == before  # both stacks still there, as they were
    assert {s["name"] for s in before} == {"default", "s"}


def test_remove_an_optional_component(zen, stack_s):
    result = ok(zen("stack remove-component s -c"))
    assert "Stack `s` successfully updated!" in result.stderr
    assert data(zen, "stack describe s")["components"] == CORE
    assert "CONTAINER_REGISTRY" not in header(ok(zen("stack list")).stdout)


@pytest.mark.parametrize("flag", ["-o", "-m", "-a", "--orchestrator"])
def test_core_components_cannot_be_removed(zen, stack_s, flag):
    error = usage_error(zen(f"stack remove-component s {flag}"))
    assert flag in error
    assert data(zen, "stack describe s")["components"]["orchestrator"] == "default"


def test_deleting_the_active_stack_is_refused(zen, stack_s):
    ok(zen("stack set s"))
    error = failed(zen("stack delete s"))
    assert "zenml stack set" in error
    assert "s" in [r[1] for r in rows(ok(zen("stack list")).stdout)]


def test_delete_a_stack_keeps_its_components(zen, stack_s):
    result = ok(zen("stack delete s"))
    assert "Deleted stack 's'." in result.stderr
    assert [r[1] for r in rows(ok(zen("stack list")).stdout)] == ["default"]
    assert [c["name"] for c in data(zen, "container-registry list")] == ["reg"]
    assert [c["name"] for c in data(zen, "orchestrator list")] == ["default"]


# --- components, one flavor per group ----------------------------------------------------
# group, type, stack flag, flavor, register args, update args (one changed field)
GROUPS = [
    ("orchestrator", "orchestrator", "-o", "airflow",
     "--airflow_home=/srv/airflow", ("airflow_home", "/srv/airflow2")),
    ("metadata-store", "metadata_store", "-m", "sqlite",
     "--uri=/srv/meta.db", ("uri", "/srv/meta2.db")),
    ("artifact-store", "artifact_store", "-a", "local",
     "--path=/srv/artifacts", ("path", "/srv/artifacts2")),
    ("container-registry", "container_registry", "-c", "default",
     "--uri=localhost:5000", ("uri", "localhost:5001")),
    ("step-operator", "step_operator", "-s", "azureml",
     "--subscription_id=s --resource_group=g --workspace_name=w --compute_target_name=c",
     ("compute_target_name", "c2")),
    ("secrets-manager", "secrets_manager", "-x", "aws",
     "--region_name=us-east-1", ("region_name", "eu-west-1")),
    ("feature-store", "feature_store", "-f", "feast",
     "--feast_repo=/srv/feast", ("feast_repo", "/srv/feast2")),
    ("model-deployer", "model_deployer", "-d", "mlflow",
     "--service_path=/srv/mlflow", ("service_path", "/srv/mlflow2")),
    ("experiment-tracker", "experiment_tracker", "-e", "mlflow",
     "--tracking_uri=file:///srv/mlruns", ("tracking_uri", "file:///srv/mlruns2")),
]


@pytest.fixture(params=GROUPS, ids=[g[0] for g in GROUPS])
def group(request):
    return request.param


def test_component_lifecycle(zen, group):
    name, ctype, flag, flavor, args, (field, new_value) = group

    # register
    result = ok(zen(f"{name} register c1 -t {flavor} {args}"))
    assert f"Successfully registered {ctype.replace('_', ' ')} `c1`." in result.stderr

    # list / describe
    listing = ok(zen(f"{name} list")).stdout
    assert row_named(listing, "c1")[2] == flavor
    described = data(zen, f"{name} describe c1")
    assert (described["type"], described["name"], described["flavor"]) == (ctype, "c1", flavor)
    assert described["active"] is False
    assert "c1" in ok(zen(f"{name} describe c1")).stdout

    # update
    result = ok(zen(f"{name} update c1 --{field}={new_value}"))
    assert "Successfully updated" in result.stderr
    after = data(zen, f"{name} describe c1")
    assert after["config"][field] == new_value
    assert after["uuid"] == described["uuid"]

    # a stack uses it
    core = {"orchestrator": "-o default", "metadata_store": "-m default",
            "artifact_store": "-a default"}
    core[ctype] = f"{flag} c1"
    ok(zen(f"stack register s {' '.join(core.values())}"))
    assert data(zen, "stack describe s")["components"][ctype] == "c1"

    # rename: the stack follows
    result = ok(zen(f"{name} rename c1 c2"))
    assert "Successfully renamed" in result.stderr
    assert data(zen, "stack describe s")["components"][ctype] == "c2"
    names = {c["name"] for c in data(zen, f"{name} list")}
    assert "c2" in names
    assert "c1" not in names

    # active when the active stack uses it
    ok(zen("stack set s"))
    assert data(zen, f"{name} get") == {"name": "c2"}
    assert row_named(ok(zen(f"{name} list")).stdout, "c2")[0] == ACTIVE

    # delete: refused while used, naming the stack
    error = failed(zen(f"{name} delete c2"))
    assert "'s'" in error
    ok(zen("stack set default"))
    ok(zen("stack delete s"))
    result = ok(zen(f"{name} delete c2"))
    assert "Deleted" in result.stderr
    assert "c2" not in {c["name"] for c in data(zen, f"{name} list")}


def test_component_get_without_one_in_the_active_stack(zen):
    assert data(zen, "container-registry get") == {"name": None}
    result = ok(zen("container-registry get"))
    assert "No container registry set for active stack ('default')." in result.stderr


def test_component_describe_defaults_to_the_active_stacks(zen):
    result = ok(zen("orchestrator describe"))
    assert "using `default` from active stack" in result.stderr
    assert "(ACTIVE)" in result.stdout


def test_component_update_refuses_the_name(zen, registry):
    error = failed(zen("container-registry update reg --name=x"))
    assert "name" in error
    assert "rename" in error


# --- validation --------------------------------------------------------------------------
def test_unknown_field_names_it_and_the_accepted_fields(zen):
    error = failed(zen("orchestrator register o -t airflow --bogus=1"))
    assert "bogus" in error
    assert "airflow_home" in error
    assert "orchestrator" not in {c["name"] for c in data(zen, "orchestrator list")}


def test_wrong_type_names_the_field(zen):
    error = failed(zen("metadata-store register m -t mysql --host=h --port=abc "
                       "--database=d --username=u --password=p"))
    assert "port" in error


def test_s3_path_must_be_an_s3_url(zen):
    error = failed(zen("artifact-store register a -t s3 --path=bucket"))
    assert "path" in error
    assert "s3://" in error


def test_missing_required_field(zen):
    error = failed(zen("container-registry register r -t default"))
    assert "uri" in error


def test_unknown_flavor_lists_the_choices(zen):
    error = failed(zen("orchestrator register o -t nope"))
    assert "nope" in error
    for choice in ("local", "airflow", "kubeflow", "vertex"):
        assert choice in error


def test_update_with_an_unknown_field(zen, registry):
    error = failed(zen("container-registry update reg --bogus=1"))
    assert "bogus" in error
    assert data(zen, "container-registry describe reg")["config"] == {"uri": "localhost:5000"}


# --- secrets -----------------------------------------------------------------------------
SECRET = "s3cr3t-Pa55w0rd"


@pytest.fixture(
    params=[
        ("metadata-store", "m", f"-t mysql --host=h --port=3306 --database=d --username=u "
                                f"--password={SECRET}", "password"),
        ("experiment-tracker", "w", f"-t wandb --api_key={SECRET} --entity=e "
                                    "--project_name=p", "api_key"),
    ],
    ids=["mysql-password", "wandb-api-key"],
)
def secret_component(request, zen):
    group, name, args, field = request.param
    ok(zen(f"{group} register {name} {args}"))
    return group, name, field


@pytest.mark.parametrize("command", [
    "list", "describe {name}", "list --output json", "list --output yaml",
    "describe {name} --output json", "describe {name} --output yaml",
])
def test_secret_fields_are_masked(zen, secret_component, command):
    """A plain value given to a secret field is kept as a secret: every listing shows the
    reference (a table may cut it short), never the value."""
    group, name, _field = secret_component
    result = ok(zen(f"{group} {command.format(name=name)}"))
    assert SECRET not in result.stdout
    assert SECRET not in result.stderr
    assert "{{" + group in result.stdout


def test_secret_fields_are_masked_in_the_data(zen, secret_component):
    group, name, field = secret_component
    reference = "{{" + f"{group}-{name}.{field}" + "}}"
    assert data(zen, f"{group} describe {name}")["config"][field] == reference
    listed = {c["name"]: c for c in data(zen, f"{group} list", "yaml")}
    assert listed[name]["config"][field] == reference


# --- --output json|yaml shapes -------------------------------------------------------------
PROFILE_KEYS = {"name", "store_type", "url", "active_stack", "active_user", "active"}
REVISION_KEYS = {"revision", "created", "updated"}
STACK_KEYS = {"name", "active", "components", *REVISION_KEYS}
COMPONENT_KEYS = {"type", "name", "flavor", "uuid", "active", "config", *REVISION_KEYS}


def without_revision(record: dict) -> dict:
    """The record minus revision and times, after checking they look as documented."""
    assert isinstance(record["revision"], int) and record["revision"] >= 1
    assert record["created"].endswith("Z") and record["updated"] >= record["created"]
    return {k: v for k, v in record.items() if k not in REVISION_KEYS}


@pytest.fixture(params=["json", "yaml"])
def fmt(request):
    return request.param


def test_profile_output(zen, zen_home, fmt):
    ok(zen("profile create other"))
    listed = data(zen, "profile list", fmt)
    assert isinstance(listed, list)
    assert all(set(p) == PROFILE_KEYS for p in listed)
    by_name = {p["name"]: p for p in listed}
    assert by_name["default"] == {
        "name": "default", "store_type": "local",
        "url": (zen_home / "profiles" / "default").as_uri(),
        "active_stack": "default", "active_user": "default", "active": True,
    }
    assert by_name["other"]["active"] is False

    assert data(zen, "profile describe", fmt) == by_name["default"]
    assert data(zen, "profile describe other", fmt) == by_name["other"]
    assert data(zen, "profile get", fmt) == {"name": "default", "scope": "global"}


def test_stack_output(zen, stack_s, fmt):
    listed = data(zen, "stack list", fmt)
    assert isinstance(listed, list)
    assert all(set(s) == STACK_KEYS for s in listed)
    by_name = {s["name"]: s for s in listed}
    assert without_revision(by_name["default"]) == {
        "name": "default", "active": True, "components": CORE}
    assert without_revision(by_name["s"]) == {
        "name": "s", "active": False, "components": {**CORE, "container_registry": "reg"},
    }
    assert data(zen, "stack describe", fmt) == by_name["default"]
    assert data(zen, "stack describe s", fmt) == by_name["s"]
    assert data(zen, "stack get", fmt) == {"name": "default"}


def test_component_output(zen, registry, fmt):
    listed = data(zen, "orchestrator list", fmt)
    assert isinstance(listed, list)
    assert len(listed) == 1
    (orchestrator,) = listed
    assert set(orchestrator) == COMPONENT_KEYS
    assert orchestrator["type"] == "orchestrator"
    assert orchestrator["name"] == "default"
    assert orchestrator["flavor"] == "local"
    assert orchestrator["active"] is True
    assert isinstance(orchestrator["uuid"], str)
    assert orchestrator["config"] == {}
    assert data(zen, "orchestrator describe default", fmt) == orchestrator
    assert data(zen, "orchestrator get", fmt) == {"name": "default"}

    (reg,) = data(zen, "container-registry list", fmt)
    assert reg["config"] == {"uri": "localhost:5000"}
    assert reg["active"] is False
    assert data(zen, "container-registry get", fmt) == {"name": None}


def test_flavor_list_output(zen, fmt):
    flavors = data(zen, "artifact-store flavor list", fmt)
    assert {f["name"] for f in flavors} == {"local", "s3", "gcp", "azure"}
    for flavor in flavors:
        assert set(flavor) == {"name", "description", "fields"}
        for field in flavor["fields"]:
            assert set(field) == {"name", "type", "required", "default", "secret",
                                  "description"}


def test_empty_lists_are_empty_data(zen, fmt):
    assert data(zen, "feature-store list", fmt) == []
