"""The built-in flavor schemas and the plugin that contributes them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zen_core.exceptions import InvalidDataError
from zen_core.flavors import plugin
from zen_core.flavors.base import FlavorConfig, describe_fields, secret_fields, validate_config
from zen_core.models import ComponentType
from zen_core.records import Flavor

EXPECTED = {
    ("orchestrator", "local"),
    ("orchestrator", "airflow"),
    ("orchestrator", "kubeflow"),
    ("orchestrator", "vertex"),
    ("metadata_store", "sqlite"),
    ("metadata_store", "mysql"),
    ("metadata_store", "kubeflow"),
    ("artifact_store", "local"),
    ("artifact_store", "s3"),
    ("artifact_store", "gcp"),
    ("artifact_store", "azure"),
    ("container_registry", "default"),
    ("step_operator", "sagemaker"),
    ("step_operator", "vertex"),
    ("step_operator", "azureml"),
    ("secrets_manager", "local"),
    ("secrets_manager", "aws"),
    ("feature_store", "feast"),
    ("model_deployer", "seldon"),
    ("model_deployer", "mlflow"),
    ("experiment_tracker", "mlflow"),
    ("experiment_tracker", "wandb"),
}


def _flavors() -> list[Flavor]:
    return list(plugin.zen_component_flavors())


def _model(type_: str, name: str) -> type[FlavorConfig]:
    for record in _flavors():
        if record.type == ComponentType.parse(type_) and record.name == name:
            return record.load_model()
    raise AssertionError(f"no flavor {type_}/{name}")


@pytest.mark.parametrize("record", _flavors(), ids=lambda r: f"{r.type}-{r.name}")
def test_every_flavor_loads_its_model(record: Flavor) -> None:
    model = record.load_model()
    assert isinstance(model, type) and issubclass(model, FlavorConfig)
    assert "name" not in model.model_fields and "uuid" not in model.model_fields
    # The description is the first line of the schema's docstring.
    assert record.description
    assert model.__doc__ and model.__doc__.strip().splitlines()[0] == record.description
    # `flavor list` shows every field, in the schema's order, each with a type and a
    # description, secret exactly when declared so, and a default exactly when optional
    rows = describe_fields(model)
    assert [row["name"] for row in rows] == list(model.model_fields)
    assert {row["name"] for row in rows if row["secret"]} == secret_fields(model)
    # masking and listing use the names the flavor gives, without loading its schema
    assert record.secrets is not None and set(record.secrets) == secret_fields(model)
    for row, info in zip(rows, model.model_fields.values(), strict=True):
        assert row["description"] == info.description, row["name"]
        assert row["type"] and "<class" not in row["type"], row
        assert row["required"] == info.is_required(), row["name"]
        if not row["required"]:
            assert row["default"] == info.get_default(call_default_factory=True), row["name"]


def test_flavor_set_is_the_zenml_07_one() -> None:
    records = _flavors()
    pairs = [(r.type.value, r.name) for r in records]
    assert len(pairs) == len(set(pairs)), "duplicate flavor"
    assert set(pairs) == EXPECTED
    assert {r.type for r in records} == set(ComponentType)


def test_plugin_import_stays_light() -> None:
    src = Path(plugin.__file__).resolve().parents[2]
    code = "import sys, zen_core.flavors.plugin; assert 'pydantic' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(src)})


def test_unknown_field_is_named_with_accepted_fields() -> None:
    model = _model("metadata_store", "sqlite")
    with pytest.raises(InvalidDataError) as info:
        validate_config(model, {"uri": "/tmp/db", "colour": "red"}, "metadata store 'm'")
    message = str(info.value)
    assert "unknown field 'colour'" in message
    assert "accepted fields: uri" in message


def test_wrong_type_is_refused() -> None:
    model = _model("metadata_store", "mysql")
    config = {"host": "db", "port": "abc", "database": "zen", "username": "u", "password": "p"}
    with pytest.raises(InvalidDataError, match="field 'port'"):
        validate_config(model, config, "metadata store 'm'")


def test_port_given_as_digits_is_normalised_to_int() -> None:
    model = _model("metadata_store", "mysql")
    config = {"host": "db", "port": "3306", "database": "zen", "username": "u", "password": "p"}
    assert validate_config(model, config, "metadata store 'm'")["port"] == 3306


def test_missing_required_field_is_named() -> None:
    with pytest.raises(InvalidDataError, match="missing required field 'path'"):
        validate_config(_model("artifact_store", "local"), {}, "artifact store 'a'")


@pytest.mark.parametrize(
    ("flavor", "good", "bad", "scheme"),
    [
        ("s3", "s3://bucket/zen", "foo", "'s3://'"),
        ("gcp", "gs://bucket", "s3://bucket", "'gs://'"),
        ("azure", "az://container", "/tmp/x", "'az://' or 'abfs://'"),
    ],
)
def test_remote_artifact_store_paths(flavor: str, good: str, bad: str, scheme: str) -> None:
    model = _model("artifact_store", flavor)
    assert validate_config(model, {"path": good}, "artifact store 'a'") == {"path": good}
    with pytest.raises(InvalidDataError) as info:
        validate_config(model, {"path": bad}, "artifact store 'a'")
    assert f"field 'path': path must start with {scheme} (got '{bad}')" in str(info.value)


def test_azure_accepts_abfs() -> None:
    model = _model("artifact_store", "azure")
    for path in ("abfs://container/x", "az://container/x"):
        assert validate_config(model, {"path": path}, "artifact store 'a'") == {"path": path}


def test_s3_path_without_bucket_is_refused() -> None:
    with pytest.raises(InvalidDataError, match="names no bucket"):
        validate_config(_model("artifact_store", "s3"), {"path": "s3://"}, "artifact store 'a'")


def test_local_artifact_store_accepts_a_folder_and_refuses_remote() -> None:
    model = _model("artifact_store", "local")
    assert validate_config(model, {"path": "/tmp/x"}, "artifact store 'a'") == {"path": "/tmp/x"}
    with pytest.raises(InvalidDataError, match="local path"):
        validate_config(model, {"path": "s3://bucket"}, "artifact store 'a'")


def test_secret_fields() -> None:
    assert secret_fields(_model("metadata_store", "mysql")) == {"password"}
    assert secret_fields(_model("metadata_store", "kubeflow")) == {"password"}
    assert secret_fields(_model("step_operator", "azureml")) == {"service_principal_password"}
    assert secret_fields(_model("experiment_tracker", "mlflow")) == {
        "tracking_password",
        "tracking_token",
    }
    assert secret_fields(_model("experiment_tracker", "wandb")) == {"api_key"}
    assert secret_fields(_model("artifact_store", "s3")) == set()


def test_legacy_runtime_keys_are_dropped() -> None:
    config = {"path": "/tmp/x", "supports_local_execution": True}
    result = validate_config(_model("artifact_store", "local"), config, "artifact store 'a'")
    assert result == {"path": "/tmp/x"}


def test_defaults_stay_the_flavors() -> None:
    """Only the keys given are stored (normalised): a default written in would be refused
    by another flavor and would come back after `remove-attribute` (issue 20)."""
    kubeflow = _model("orchestrator", "kubeflow")
    assert validate_config(kubeflow, {}, "orchestrator 'k'") == {}
    assert validate_config(kubeflow, {"kubeflow_pipelines_ui_port": "9000"},
                           "orchestrator 'k'") == {"kubeflow_pipelines_ui_port": 9000}
    assert validate_config(_model("orchestrator", "local"), {}, "orchestrator 'l'") == {}
    aws = validate_config(_model("secrets_manager", "aws"), {}, "secrets manager 's'")
    assert aws == {}


def test_mlflow_remote_tracking_uri_needs_credentials() -> None:
    model = _model("experiment_tracker", "mlflow")
    with pytest.raises(InvalidDataError, match="tracking_token"):
        validate_config(model, {"tracking_uri": "https://mlflow.example"}, "tracker 't'")
    ok = validate_config(
        model, {"tracking_uri": "https://mlflow.example", "tracking_token": "t"}, "tracker 't'"
    )
    assert ok["tracking_token"] == "t"
    with pytest.raises(InvalidDataError, match="field 'tracking_uri'"):
        validate_config(model, {"tracking_uri": "ftp://x"}, "tracker 't'")


def test_seldon_base_url_must_be_http() -> None:
    model = _model("model_deployer", "seldon")
    for url in ("http://ingress", "https://ingress.example.com:8443/seldon"):
        accepted = validate_config(model, {"base_url": url}, "model deployer 'd'")
        assert accepted["base_url"] == url
    with pytest.raises(InvalidDataError, match="field 'base_url'"):
        validate_config(model, {"base_url": "ingress"}, "model deployer 'd'")
