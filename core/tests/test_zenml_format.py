"""ZenML's own stack files: ``stack import`` reads what ``zenml stack export`` of ZenML writes
(``core/tests/data/zenml-stack-export.yaml``, a copy of the project's reference file), and
``stack export --format zenml`` writes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from zen_core.testing.cli import failed, ok

#: ZenML 0.98's export, as the reference file shows it.
REFERENCE = {
    "components": {
        "artifact_store": [{"configuration": {"path": "/data/zenml/artifacts"},
                            "flavor": "local", "name": "local_artifacts",
                            "type": "artifact_store"}],
        "orchestrator": [{"configuration": {}, "flavor": "local", "name": "default",
                          "type": "orchestrator"}],
    },
    "stack_name": "my_stack",
    "zenml_version": "0.98.0",
}
REFERENCE_FILE = Path(__file__).parent / "data" / "zenml-stack-export.yaml"


@pytest.fixture(autouse=True)
def _first_run(zen):
    ok(zen("profile list"))


def write(tmp_path: Path, document: dict, name: str = "zenml.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document))
    return path


def describe(zen, name: str) -> dict:
    return json.loads(ok(zen(f"stack describe {name} -o json")).stdout)


def test_the_reference_file_is_what_this_test_assumes():
    assert yaml.safe_load(REFERENCE_FILE.read_text()) == REFERENCE


def test_a_zenml_file_takes_the_default_metadata_store_and_says_so(zen):
    result = ok(zen(f"stack import {REFERENCE_FILE}"))
    said = " ".join(result.stderr.split())
    assert ("has no metadata store (ZenML has none): using the registered metadata store "
            "'default'; name another with --metadata-store NAME.") in said
    assert describe(zen, "my_stack")["components"]["metadata_store"] == "default"


def test_without_a_default_metadata_store_the_file_needs_one_named(zen, tmp_path):
    ok(zen("metadata-store register meta -t sqlite --uri=/tmp/m.db"))
    ok(zen("stack update default -m meta"))
    ok(zen("metadata-store delete default -y"))
    error = failed(zen(f"stack import {write(tmp_path, REFERENCE)}"))
    assert "has no metadata store" in error and "--metadata-store NAME" in error


#: ZenML's own default stack: its local artifact store keeps its path in ZenML's config.
ZENML_DEFAULT_STACK = {
    "components": {
        "artifact_store": [{"configuration": {}, "flavor": "local", "name": "default",
                            "type": "artifact_store"}],
        "orchestrator": [{"configuration": {}, "flavor": "local", "name": "default",
                          "type": "orchestrator"}],
    },
    "stack_name": "default",
    "zenml_version": "0.98.0",
}


def test_zenmls_default_stack_is_refused_naming_the_option_that_supplies_the_path(
        zen, tmp_path, zen_home):
    path = write(tmp_path, ZENML_DEFAULT_STACK)
    error = failed(zen(f"stack import {path} --name zdefault"))
    assert "missing required field 'path'" in error
    assert ("use a registered artifact store instead of the file's with --artifact-store "
            "NAME (e.g. --artifact-store default)") in error
    result = ok(zen(f"stack import {path} --name zdefault --artifact-store default"))
    assert "Using the registered artifact store 'default'." in result.stderr


def test_import_a_zenml_file(zen):
    result = ok(zen(f"stack import {REFERENCE_FILE} -m default"))
    assert "Using the registered metadata store 'default'." in result.stderr
    assert "Reusing the identical orchestrator 'default'." in result.stderr
    assert describe(zen, "my_stack")["components"] == {
        "orchestrator": "default", "metadata_store": "default",
        "artifact_store": "local_artifacts"}
    store = json.loads(ok(zen("artifact-store describe local_artifacts -o json")).stdout)
    assert store["config"] == {"path": "/data/zenml/artifacts"}


def test_types_zen_does_not_have_are_left_out_with_a_note(zen, tmp_path):
    document = json.loads(json.dumps(REFERENCE))
    document["components"]["alerter"] = [{"configuration": {"webhook": "x"}, "flavor": "slack",
                                          "name": "slack", "type": "alerter"}]
    result = ok(zen(f"stack import {write(tmp_path, document)} -m default --name s2"))
    assert "Leaving out the alerter 'slack': zen has no such component type." in result.stderr


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["components"]["orchestrator"].append(
        dict(d["components"]["orchestrator"][0], name="other")), "lists 2 orchestrators"),
    (lambda d: d["components"]["orchestrator"][0].update(type="artifact_store"),
     "says it is of type artifact_store"),
    (lambda d: d["components"]["orchestrator"][0].pop("flavor"), "bad or missing 'flavor'"),
    (lambda d: d.update(components=["x"]), "bad or missing"),
    (lambda d: d.update(stack_name="my stack"), "Invalid stack name 'my stack'"),
])
def test_a_broken_zenml_file_is_refused(zen, tmp_path, zen_home, change, message):
    document = json.loads(json.dumps(REFERENCE))
    change(document)
    assert message in failed(zen(f"stack import {write(tmp_path, document)} -m default"))
    assert "my_stack" not in ok(zen("stack list")).stdout


def test_export_in_zenmls_format(zen, tmp_path):
    ok(zen("experiment-tracker register wandb -t wandb --api_key=k --entity=e "
           "--project_name=p"))
    ok(zen("stack register s -o default -m default -a default -e wandb"))
    result = ok(zen("stack export s --format zenml"))
    document = yaml.safe_load(result.stdout)
    assert set(document) == {"components", "stack_name", "zenml_version"}
    assert document["stack_name"] == "s"
    assert set(document["components"]) == {"orchestrator", "artifact_store",
                                           "experiment_tracker"}
    tracker = document["components"]["experiment_tracker"]
    # the key became a secret of zen's; ZenML reads the reference as one of its own secrets
    reference = "{{experiment-tracker-wandb.api_key}}"
    assert tracker == [{"configuration": {"api_key": reference, "entity": "e",
                                          "project_name": "p"},
                        "flavor": "wandb", "name": "wandb", "type": "experiment_tracker"}]
    assert "Leaving out the metadata store 'default'" in result.stderr
    assert ("ZenML reads {{NAME.KEY}} as a reference to its own secret NAME: create "
            "'experiment-tracker-wandb' there, or export with --include-secrets") in result.stderr
    with_secrets = yaml.safe_load(ok(zen("stack export s --format zenml --include-secrets"))
                                  .stdout)
    assert with_secrets["components"]["experiment_tracker"][0]["configuration"]["api_key"] == "k"


def test_a_zenml_export_imports_again(zen, tmp_path):
    path = tmp_path / "s.yaml"
    ok(zen(f"stack export default {path} --format zenml"))
    ok(zen("profile create other"))
    ok(zen(f"--profile other stack import {path} --name copied -m default "
           "--rename-components"))
    stack = json.loads(ok(zen("--profile other stack describe copied -o json")).stdout)
    assert stack["components"]["metadata_store"] == "default"
