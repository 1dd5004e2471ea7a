"""Commands the documentation shows that could not work (issue 20, items 6 to 10)."""

from __future__ import annotations

import json

import pytest

from zen_core.testing.cli import failed, ok


def config_of(zen, ctype: str, name: str) -> dict:
    return json.loads(ok(zen(f"{ctype} describe {name} -o json")).stdout)["config"]


# --- 6: a flavor change keeps what the new flavor accepts --------------------------------
def test_a_kubeflow_orchestrator_registered_with_the_cli_becomes_vertex(zen):
    ok(zen("orchestrator register kf -t kubeflow --kubernetes_context=ctx --synchronous=true"))
    result = ok(zen("orchestrator update kf --flavor vertex --location=europe-west1 "
                    "--pipeline_root=gs://b"))
    said = " ".join(result.stderr.split())
    assert ("Dropped kubernetes_context of orchestrator 'kf': the vertex flavor does not "
            "accept it.") in said
    assert config_of(zen, "orchestrator", "kf") == {
        "synchronous": True, "location": "europe-west1", "pipeline_root": "gs://b"}


def test_registration_stores_only_the_keys_given(zen):
    ok(zen("orchestrator register kf -t kubeflow --kubernetes_context=ctx"))
    assert config_of(zen, "orchestrator", "kf") == {"kubernetes_context": "ctx"}
    result = ok(zen("orchestrator update kf --flavor vertex --location=x --pipeline_root=gs://b"))
    assert "Dropped" in result.stderr


def test_remove_attribute_does_not_write_the_default_back(zen):
    ok(zen("orchestrator register kf -t kubeflow --kubernetes_context=ctx "
           "--kubeflow_pipelines_ui_port=9000"))
    ok(zen("orchestrator remove-attribute kf kubernetes_context kubeflow_pipelines_ui_port"))
    assert config_of(zen, "orchestrator", "kf") == {}
    ok(zen("orchestrator update kf --flavor vertex --location=x --pipeline_root=gs://b"))
    assert config_of(zen, "orchestrator", "kf") == {"location": "x", "pipeline_root": "gs://b"}


def test_a_flavor_change_that_drops_nothing_says_nothing(zen):
    ok(zen("orchestrator register kf -t kubeflow --synchronous=true"))
    result = ok(zen("orchestrator update kf --flavor vertex --location=x --pipeline_root=gs://b"))
    assert "Dropped" not in result.stderr


def test_a_flavor_change_still_refuses_what_the_new_flavor_needs(zen, zen_home):
    ok(zen("orchestrator register kf -t kubeflow --kubernetes_context=ctx"))
    error = failed(zen("orchestrator update kf --flavor vertex --location=x"))
    assert "missing required field 'pipeline_root'" in error
    assert config_of(zen, "orchestrator", "kf") == {"kubernetes_context": "ctx"}


# --- 10: `-` is standard output / input ------------------------------------------------------
def test_stack_export_to_dash_writes_to_standard_output(zen, zen_home):
    exported = ok(zen("stack export default -"))
    assert "stack_name: default" in exported.stdout or "name: default" in exported.stdout
    assert not (zen_home.parent / "work" / "-").exists()
    ok(zen("stack import - --name again", input=exported.stdout))
    assert ok(zen("stack describe again -o json")).stdout


def test_stack_export_in_zenmls_format_to_dash(zen):
    exported = ok(zen("stack export default - --format zenml"))
    assert "zenml_version" in exported.stdout


@pytest.mark.parametrize("command", [
    "profile create team --type rest --url https://zen.example.com:8000 --ca-cert -",
    pytest.param("service up --tls-cert - --tls-key key.pem",
                 marks=pytest.mark.zen_needs("zen_service")),
    pytest.param("service up --tls-cert cert.pem --tls-key -",
                 marks=pytest.mark.zen_needs("zen_service")),
])
def test_a_file_that_is_kept_cannot_be_standard_input(zen, command):
    """A file zen keeps reading (a profile's CA, the service's certificate) has a path."""
    error = failed(zen(command), exit_code=2)
    assert "standard input" in error
