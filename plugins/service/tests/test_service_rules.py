"""The service refuses what the CLI refuses, with the same message and a 4xx (issue 8, item 7).

Each case runs a ``zenml`` command on the default profile, then the same
request against a service serving that profile: the CLI's ``Error: <message>``
and the service's ``{"error", "message"}`` must say the same thing, and
neither may have written anything. What the CLI cannot even send (a stack
without an orchestrator) is compared with the Python API, the third edge.
"""

from __future__ import annotations

import pytest

from zen_core.client import Client
from zen_core.exceptions import ZenError
from zen_core.testing.cli import ok
from zen_core.testing.helpers import profile_store
from zen_service.app import create_app
from zen_service.testing import add_user_key, bearer

EDITOR_KEY = "zen_0000000000ec_rules-editor-secret-0123456789"
AUTH = bearer(EDITOR_KEY)


@pytest.fixture
def served(zen_home, zen):
    """The CLI (``zen``) and a test client of a service on the same default profile, with a
    kubeflow orchestrator ``kf`` and a container registry ``r`` registered."""
    Client().prepare()
    ok(zen("orchestrator register kf -t kubeflow"))
    ok(zen("container-registry register r -t default --uri=localhost:5000"))
    store = profile_store()
    add_user_key(store, "default", "admin")  # the CLI's user keeps its rights
    add_user_key(store, "ed", "editor", key=EDITOR_KEY)
    return zen, create_app("default").test_client()


def snapshot() -> tuple:
    store = profile_store()
    return ([s.to_dict() for s in store.list_stacks()],
            [c.to_dict() for c in store.list_components()])


def cli_error(zen, command: str) -> str:
    result = zen(command)
    assert result.exit_code == 1, result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    return line.removeprefix("Error: ")


STACK = {"orchestrator": "default", "metadata_store": "default", "artifact_store": "default"}

#: (CLI command, HTTP method, path, body, status, error class); the setup is ``served``'s.
CASES = [
    pytest.param("orchestrator register o -t nope",
                 "POST", "/api/v1/components",
                 {"type": "orchestrator", "flavor": "nope", "name": "o"},
                 422, "InvalidDataError", id="unknown flavor"),
    pytest.param("orchestrator register o -t local --foo=1",
                 "POST", "/api/v1/components",
                 {"type": "orchestrator", "flavor": "local", "name": "o", "config": {"foo": 1}},
                 422, "InvalidDataError", id="unknown config field"),
    pytest.param("orchestrator register k2 -t kubeflow --kubeflow_pipelines_ui_port=0",
                 "POST", "/api/v1/components",
                 {"type": "orchestrator", "flavor": "kubeflow", "name": "k2",
                  "config": {"kubeflow_pipelines_ui_port": 0}},
                 422, "InvalidDataError", id="config value out of range"),
    pytest.param("container-registry register r2 -t default",
                 "POST", "/api/v1/components",
                 {"type": "container_registry", "flavor": "default", "name": "r2"},
                 422, "InvalidDataError", id="missing required field"),
    pytest.param("orchestrator register bad/name -t local",
                 "POST", "/api/v1/components",
                 {"type": "orchestrator", "flavor": "local", "name": "bad/name"},
                 422, "InvalidDataError", id="bad component name"),
    pytest.param("orchestrator register default -t local",
                 "POST", "/api/v1/components",
                 {"type": "orchestrator", "flavor": "local", "name": "default"},
                 409, "ComponentExistsError", id="component name taken"),
    pytest.param("stack register s -o kf -m default -a default",
                 "POST", "/api/v1/stacks",
                 {"name": "s", "components": {**STACK, "orchestrator": "kf"}},
                 422, "StackRuleError", id="kubeflow orchestrator without container registry"),
    pytest.param("stack register s -o ghost -m default -a default",
                 "POST", "/api/v1/stacks",
                 {"name": "s", "components": {**STACK, "orchestrator": "ghost"}},
                 404, "ComponentNotFoundError", id="unknown member"),
    pytest.param("stack register default -o default -m default -a default",
                 "POST", "/api/v1/stacks", {"name": "default", "components": STACK},
                 409, "StackExistsError", id="stack name taken"),
    pytest.param("stack register 'bad name' -o default -m default -a default",
                 "POST", "/api/v1/stacks", {"name": "bad name", "components": STACK},
                 422, "InvalidDataError", id="bad stack name"),
    pytest.param("stack update default -o kf",
                 "PATCH", "/api/v1/stacks/default", {"set": {"orchestrator": "kf"}},
                 422, "StackRuleError", id="stack update breaking a stack rule"),
    pytest.param("stack update ghost -o default",
                 "PATCH", "/api/v1/stacks/ghost", {"set": {"orchestrator": "default"}},
                 404, "StackNotFoundError", id="update of a missing stack"),
    pytest.param("stack rename default default",
                 "PATCH", "/api/v1/stacks/default", {"name": "default"},
                 409, "StackExistsError", id="rename onto the same name"),
    pytest.param("orchestrator rename default kf",
                 "PATCH", "/api/v1/components/orchestrator/default", {"name": "kf"},
                 409, "ComponentExistsError", id="component rename onto a taken name"),
    pytest.param("orchestrator update default --uuid=x",
                 "PATCH", "/api/v1/components/orchestrator/default", {"set": {"uuid": "x"}},
                 422, "InvalidDataError", id="update of a mandatory property"),
    pytest.param("orchestrator update kf --kubeflow_pipelines_ui_port=99999",
                 "PATCH", "/api/v1/components/orchestrator/kf",
                 {"set": {"kubeflow_pipelines_ui_port": 99999}},
                 422, "InvalidDataError", id="component update against its schema"),
    pytest.param("orchestrator update kf --flavor=nope",
                 "PATCH", "/api/v1/components/orchestrator/kf", {"flavor": "nope"},
                 422, "InvalidDataError", id="component update to an unknown flavor"),
    pytest.param("orchestrator delete default",
                 "DELETE", "/api/v1/components/orchestrator/default", None,
                 409, "InUseError", id="delete of a component in use"),
    pytest.param("orchestrator delete ghost",
                 "DELETE", "/api/v1/components/orchestrator/ghost", None,
                 404, "ComponentNotFoundError", id="delete of a missing component"),
]


@pytest.mark.parametrize(("command", "method", "path", "body", "status", "error"), CASES)
def test_the_service_refuses_what_the_cli_refuses(served, command, method, path, body,
                                                  status, error):
    zen, client = served
    before = snapshot()
    message = cli_error(zen, command)
    assert snapshot() == before
    response = client.open(path, method=method, json=body, headers=AUTH)
    assert (response.status_code, response.json) == (
        status, {"error": error, "message": message})
    assert snapshot() == before


def test_remove_component_breaking_a_stack_rule(served):
    zen, client = served
    ok(zen("stack register k -o kf -m default -a default -c r"))
    before = snapshot()
    message = cli_error(zen, "stack remove-component k -c")
    assert message == ("Stack 'k' cannot use the orchestrator 'kf' (kubeflow flavor): it needs "
                       "a container registry.")
    response = client.patch("/api/v1/stacks/k", json={"remove": ["container_registry"]},
                            headers=AUTH)
    assert (response.status_code, response.json) == (
        422, {"error": "StackRuleError", "message": message})
    assert snapshot() == before


def test_a_component_update_that_breaks_a_stack_using_it(served):
    """An mlflow tracker without tracking_uri needs a local artifact store: moving the
    stack's artifact store to s3 is refused, naming the stack and the rule."""
    zen, client = served
    ok(zen("experiment-tracker register t -t mlflow"))
    ok(zen("stack register withmlflow -o default -m default -a default -e t"))
    before = snapshot()
    message = cli_error(zen, "artifact-store update default --flavor=s3 --path=s3://bucket")
    assert "Stack 'withmlflow'" in message and "local artifact store" in message
    response = client.patch("/api/v1/components/artifact_store/default",
                            json={"flavor": "s3", "set": {"path": "s3://bucket"}}, headers=AUTH)
    assert (response.status_code, response.json) == (
        422, {"error": "StackRuleError", "message": message})
    assert snapshot() == before


def test_a_step_operator_that_needs_a_local_orchestrator(served):
    zen, client = served
    ok(zen("step-operator register sm -t sagemaker --role=r --instance_type=ml.m5.large"))
    before = snapshot()
    message = cli_error(zen, "stack register s -o kf -m default -a default -c r -s sm")
    assert message.startswith("Stack 's' cannot use the step operator 'sm' (sagemaker flavor)")
    body = {"name": "s", "components": {**STACK, "orchestrator": "kf",
                                        "container_registry": "r", "step_operator": "sm"}}
    response = client.post("/api/v1/stacks", json=body, headers=AUTH)
    assert (response.status_code, response.json) == (
        422, {"error": "StackRuleError", "message": message})
    assert snapshot() == before


def python_api_error(call) -> str:
    with pytest.raises(ZenError) as info:
        call(Client().prepare())
    return info.value.message


@pytest.mark.parametrize(("call", "method", "path", "body"), [
    pytest.param(lambda c: c.register_stack("s", {"metadata_store": "default",
                                                  "artifact_store": "default"}),
                 "POST", "/api/v1/stacks",
                 {"name": "s", "components": {"metadata_store": "default",
                                              "artifact_store": "default"}},
                 id="stack without an orchestrator"),
    pytest.param(lambda c: c.register_stack("s", {}), "POST", "/api/v1/stacks",
                 {"name": "s"}, id="stack without any component"),
    pytest.param(lambda c: c.remove_stack_components("default", ["orchestrator"]),
                 "PATCH", "/api/v1/stacks/default", {"remove": ["orchestrator"]},
                 id="removing a required type"),
    pytest.param(lambda c: c.update_component("orchestrator", "kf", {}),
                 "PATCH", "/api/v1/components/orchestrator/kf", {},
                 id="an empty component update"),
])
def test_what_only_the_python_api_can_send(served, call, method, path, body):
    _, client = served
    before = snapshot()
    message = python_api_error(call)
    response = client.open(path, method=method, json=body, headers=AUTH)
    assert (response.status_code, response.json) == (
        422, {"error": "InvalidDataError", "message": message})
    assert snapshot() == before


def test_a_batch_obeys_every_rule_and_writes_nothing_when_one_refuses(served):
    _, client = served
    before = snapshot()
    writes = [
        {"op": "register_component", "component": {"type": "orchestrator", "flavor": "local",
                                                   "name": "fine"}},
        {"op": "register_stack", "stack": {"name": "s", "components": {
            **STACK, "orchestrator": "kf"}}},
    ]
    response = client.post("/api/v1/batch", json={"writes": writes}, headers=AUTH)
    assert response.status_code == 422
    assert response.json["error"] == "StackRuleError"
    assert response.json["message"] == python_api_error(
        lambda c: c.register_stack("s", {**STACK, "orchestrator": "kf"}))
    assert snapshot() == before
