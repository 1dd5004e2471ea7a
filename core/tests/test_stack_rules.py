"""ZenML 0.7.3's whole-stack rules, through the CLI: a stack that could not run is refused on
register, on update, on remove-component and on a component update that would break it; the
error names the stack and the rule, and nothing changes."""

from __future__ import annotations

import json

import pytest

from zen_core.testing.cli import failed, ok, snapshot


@pytest.fixture
def home(zen, zen_home):
    ok(zen("container-registry register reg -t default --uri=localhost:5000"))
    ok(zen("orchestrator register kf -t kubeflow"))
    ok(zen("artifact-store register s3 -t s3 --path=s3://bucket"))
    ok(zen("artifact-store register gcs -t gcp --path=gs://bucket"))
    return zen_home


def refused(zen, home, command: str, exit_code: int = 1) -> str:
    """Run ``command``; assert it failed as one line and changed nothing; return the message."""
    before = snapshot(home)
    error = failed(zen(command), exit_code)
    assert snapshot(home) == before
    return error.removeprefix("Error: ")


def stack(zen, name: str) -> dict:
    return json.loads(ok(zen(f"stack describe {name} --output json")).stdout)["components"]


def test_a_kubeflow_orchestrator_needs_a_container_registry(zen, home):
    assert refused(zen, home, "stack register kfs -o kf -m default -a default") == (
        "Stack 'kfs' cannot use the orchestrator 'kf' (kubeflow flavor): it needs a "
        "container registry.")
    ok(zen("stack register kfs -o kf -m default -a default -c reg"))
    # removing the registry, or switching to a stack without one, would break it
    assert "needs a container registry" in refused(zen, home, "stack remove-component kfs -c")
    assert "'kf' (kubeflow flavor)" in refused(zen, home, "stack update default -o kf")
    assert stack(zen, "kfs")["container_registry"] == "reg"


def test_a_kubeflow_metadata_store_needs_a_kubeflow_orchestrator(zen, home):
    ok(zen("metadata-store register kfm -t kubeflow"))
    assert refused(zen, home, "stack register s -o default -m kfm -a default") == (
        "Stack 's' cannot use the metadata store 'kfm' (kubeflow flavor): it needs a kubeflow "
        "orchestrator (it uses Kubeflow Pipelines' metadata).")
    ok(zen("stack register s -o kf -m kfm -a default -c reg"))
    assert "needs a kubeflow orchestrator" in refused(zen, home, "stack update s -o default")


@pytest.mark.parametrize(("flavor", "config", "artifacts"), [
    ("sagemaker", "--role=arn:aws:iam::1:role/r --instance_type=ml.m5.large", "default"),
    ("vertex", "--region=europe-west1", "gcs"),
])
def test_sagemaker_and_vertex_step_operators(zen, home, flavor, config, artifacts):
    ok(zen(f"step-operator register op -t {flavor} {config}"))
    assert refused(zen, home, f"stack register s -o default -m default -a {artifacts} -s op") == (
        f"Stack 's' cannot use the step operator 'op' ({flavor} flavor): it needs a "
        "container registry.")
    assert refused(
        zen, home, f"stack register s -o kf -m default -a {artifacts} -s op -c reg"
    ).endswith("it needs a local orchestrator.")
    ok(zen(f"stack register s -o default -m default -a {artifacts} -s op -c reg"))


def test_a_vertex_step_operator_needs_a_gcp_artifact_store(zen, home):
    ok(zen("step-operator register op -t vertex --region=europe-west1"))
    assert refused(zen, home, "stack register s -o default -m default -a s3 -s op -c reg") == (
        "Stack 's' cannot use the step operator 'op' (vertex flavor): it needs a gcp "
        "artifact store.")
    ok(zen("stack register s -o default -m default -a gcs -s op -c reg"))
    assert "needs a gcp artifact store" in refused(zen, home, "stack update s -a s3")


def test_an_mlflow_tracker_without_a_server_needs_a_local_artifact_store(zen, home):
    ok(zen("experiment-tracker register local_mlflow -t mlflow"))
    ok(zen("experiment-tracker register remote_mlflow -t mlflow "
           "--tracking_uri=file:///srv/mlruns"))
    assert refused(zen, home, "stack register s -o default -m default -a s3 -e local_mlflow") == (
        "Stack 's' cannot use the experiment tracker 'local_mlflow' (mlflow flavor): without a "
        "tracking_uri it needs a local artifact store.")
    ok(zen("stack register s -o default -m default -a s3 -e remote_mlflow"))
    # a component update that would break a stack using it names the stack and the rule
    error = refused(zen, home, "experiment-tracker remove-attribute remote_mlflow tracking_uri")
    assert error == ("Stack 's' cannot use the experiment tracker 'remote_mlflow' (mlflow "
                     "flavor): without a tracking_uri it needs a local artifact store.")
    ok(zen("stack register t -o default -m default -a default -e local_mlflow"))
    assert "'s'" in refused(zen, home, "stack update t -a s3").replace("'t'", "'s'")


def test_changing_a_flavor_is_checked_against_every_stack_using_it(zen, home):
    ok(zen("stack register plain -o default -m default -a default"))
    error = refused(zen, home, "orchestrator update default --flavor kubeflow")
    assert "Stack 'default' cannot use the orchestrator 'default' (kubeflow flavor)" in error \
        or "Stack 'plain' cannot use the orchestrator 'default' (kubeflow flavor)" in error
    # once every stack using it has a registry, the same change goes through
    ok(zen("stack update default -c reg"))
    ok(zen("stack update plain -c reg"))
    ok(zen("orchestrator update default --flavor kubeflow"))
    described = json.loads(ok(zen("orchestrator describe default --output json")).stdout)
    assert described["flavor"] == "kubeflow"
    assert described["config"] == {}  # kubeflow's defaults stay kubeflow's, not stored


def test_every_stack_needs_the_three_core_components(zen, home):
    assert refused(zen, home, "stack register s -o default -a default", exit_code=2) == (
        "Missing option '--metadata-store' / '--metadata_store' / '-m'. "
        "(see `zenml stack register --help`)")
    # the CLI has no flag to remove a core component; the Python API refuses it too
    from zen_core.client import Client
    from zen_core.exceptions import InvalidDataError

    with pytest.raises(InvalidDataError, match="cannot be removed, only replaced"):
        Client().remove_stack_components("default", ["metadata_store"])
